import { segments } from "../analytics";
import type { LifecycleStage } from "./accounts";
import { addDays, engineCall, one, round, rows, type FeatureCatalog, type Sql } from "./usage-reads";

/**
 * Value tiers and lifecycle stages inside the Tenant Durable Object. Value tiers are SQL
 * aggregates over `accounts` bucketed by the engine's validated thresholds; lifecycle stages are
 * the engine's classifier applied to facts read a page of accounts at a time (keyset on id), so a
 * portfolio of 100,000 accounts is never loaded at once.
 */

// ---- value tiers ------------------------------------------------------------------------------

export interface ValueTierRow {
  tier: string;
  rank: number;
  min_arr: number;
  max_arr: number | null;
  accounts: number;
  arr: number;
  share_of_arr: number;
  avg_health_score: number | null;
  scored_accounts: number;
  explanation: string;
}

export interface TierAccount {
  client_id: string;
  client_name: string;
  plan_tier: string;
  value_tier: string;
  contract_value: number;
  health_score: number | null;
  csm_assigned: string | null;
  reason: string;
}

export interface ValueTierReport {
  tiers: ValueTierRow[];
  total_accounts: number;
  total_arr: number;
  vip: TierAccount[];
  upgrade_candidates: TierAccount[];
  downgrade_risks: TierAccount[];
  mismatched_labels: { under_labelled: number; over_labelled: number };
  notes: string[];
}

type AccountRow = {
  id: string;
  name: string;
  tier: string;
  contract_value: number;
  health_score: number | null;
  csm_assigned: string | null;
  [key: string]: SqlStorageValue;
};

const ACCOUNT_COLUMNS = "id, name, tier, contract_value, health_score, csm_assigned";

/**
 * Accounts per value tier by ARR (contract_value), churned accounts left out. Upgrade candidates:
 * ARR within `margin` below the next tier's threshold, or a plan tier label below the ARR tier.
 * Downgrade risks: ARR within `margin` above its own tier's threshold, or a plan label above the
 * ARR tier (label checks only where the plan tier's name is also a value tier's name).
 */
export function valueTierReport(sql: Sql, definitions: readonly segments.ValueTierDefinition[], options: { vip: number; margin: number; limit: number }): ValueTierReport {
  const tiers = engineCall(() => segments.validateValueTiers(definitions));
  const classify = segments.compileValueTiers(tiers);
  // CASE over the validated thresholds, highest first: the engine's inclusive lower bounds.
  const caseSql = `CASE ${tiers
    .map((_, i) => i)
    .slice(1)
    .reverse()
    .map((i) => `WHEN contract_value >= ?${i + 1} THEN ${i}`)
    .join(" ")} ELSE 0 END`;
  const thresholds = tiers.map((t) => t.minArr);
  const aggregates = new Map<number, { n: number; arr: number; health: number | null; scored: number }>();
  for (const r of sql.exec<{ t: number; n: number; arr: number; health: number | null; scored: number }>(
    `SELECT ${tiers.length > 1 ? caseSql : "0"} AS t, count(*) AS n, sum(contract_value) AS arr, avg(health_score) AS health, count(health_score) AS scored
     FROM accounts WHERE status <> 'churned' GROUP BY t`,
    ...(tiers.length > 1 ? thresholds : []),
  )) {
    aggregates.set(r.t, { n: r.n, arr: r.arr, health: r.health, scored: r.scored });
  }
  const totalArr = [...aggregates.values()].reduce((sum, a) => sum + a.arr, 0);
  const totalAccounts = [...aggregates.values()].reduce((sum, a) => sum + a.n, 0);
  const tierRows: ValueTierRow[] = tiers.map((t, i) => {
    const a = aggregates.get(i);
    const info = classify(t.minArr);
    return {
      tier: t.name,
      rank: info.rank,
      min_arr: t.minArr,
      max_arr: info.maxArr,
      accounts: a?.n ?? 0,
      arr: round(a?.arr ?? 0, 2),
      share_of_arr: totalArr > 0 ? round((a?.arr ?? 0) / totalArr, 4) : 0,
      avg_health_score: a?.health == null ? null : round(a.health, 1),
      scored_accounts: a?.scored ?? 0,
      explanation: info.explanation,
    };
  });
  const toAccount = (r: AccountRow, reason: string): TierAccount => ({
    client_id: r.id,
    client_name: r.name,
    plan_tier: r.tier,
    value_tier: classify(Math.max(0, r.contract_value)).tier,
    contract_value: r.contract_value,
    health_score: r.health_score,
    csm_assigned: r.csm_assigned,
    reason,
  });
  const vip = rows<AccountRow>(
    sql,
    `SELECT ${ACCOUNT_COLUMNS} FROM accounts WHERE status <> 'churned' ORDER BY contract_value DESC, id LIMIT ?`,
    options.vip,
  ).map((r, i) => toAccount(r, `#${i + 1} by ARR in the workspace.`));

  const upgrades: TierAccount[] = [];
  const downgrades: TierAccount[] = [];
  const seenUp = new Set<string>();
  const seenDown = new Set<string>();
  for (let i = 1; i < tiers.length; i++) {
    const threshold = tiers[i] as segments.ValueTierDefinition;
    const below = tiers[i - 1] as segments.ValueTierDefinition;
    const from = Math.max(below.minArr, threshold.minArr * (1 - options.margin));
    for (const r of rows<AccountRow>(
      sql,
      `SELECT ${ACCOUNT_COLUMNS} FROM accounts WHERE status <> 'churned' AND contract_value >= ? AND contract_value < ? ORDER BY contract_value DESC, id LIMIT ?`,
      from,
      threshold.minArr,
      options.limit,
    )) {
      seenUp.add(r.id);
      upgrades.push(
        toAccount(r, `ARR ${r.contract_value} is ${round(threshold.minArr - r.contract_value, 2)} below the ${threshold.name} tier (${threshold.minArr}).`),
      );
    }
    const above = tiers[i + 1];
    const to = Math.min(above?.minArr ?? Number.POSITIVE_INFINITY, threshold.minArr * (1 + options.margin));
    for (const r of rows<AccountRow>(
      sql,
      `SELECT ${ACCOUNT_COLUMNS} FROM accounts WHERE status <> 'churned' AND contract_value >= ? AND contract_value < ? ORDER BY contract_value ASC, id LIMIT ?`,
      threshold.minArr,
      to,
      options.limit,
    )) {
      seenDown.add(r.id);
      downgrades.push(
        toAccount(r, `ARR ${r.contract_value} is only ${round(r.contract_value - threshold.minArr, 2)} above the floor of ${threshold.name} (${threshold.minArr}); a contraction would drop it to ${below.name}.`),
      );
    }
  }

  // Plan tier labels that are also value tier names can be compared with the ARR tier.
  const labelIndex = tiers.map((t, i) => [t.name, i] as const).filter(([name]) => ["starter", "standard", "professional", "enterprise"].includes(name));
  const mismatched = { under_labelled: 0, over_labelled: 0 };
  const notes = ["ARR is each account's contract_value; churned accounts are left out."];
  if (labelIndex.length === 0) {
    notes.push("None of the value tier names is a plan tier (starter, standard, professional, enterprise), so plan labels are not compared with ARR tiers.");
  } else if (tiers.length > 1) {
    const labelCase = `CASE tier ${labelIndex.map(([name, i]) => `WHEN '${name}' THEN ${i}`).join(" ")} ELSE NULL END`;
    const base = `FROM (SELECT ${ACCOUNT_COLUMNS}, ${labelCase} AS label_t, ${caseSql} AS arr_t FROM accounts WHERE status <> 'churned') WHERE label_t IS NOT NULL`;
    const counts = one<{ under: number | null; over: number | null }>(
      sql,
      `SELECT sum(CASE WHEN label_t < arr_t THEN 1 ELSE 0 END) AS under, sum(CASE WHEN label_t > arr_t THEN 1 ELSE 0 END) AS over ${base}`,
      ...thresholds,
    );
    mismatched.under_labelled = counts?.under ?? 0;
    mismatched.over_labelled = counts?.over ?? 0;
    for (const [op, list, order] of [
      ["<", upgrades, "DESC"],
      [">", downgrades, "ASC"],
    ] as const) {
      for (const r of rows<AccountRow>(sql, `SELECT ${ACCOUNT_COLUMNS} ${base} AND label_t ${op} arr_t ORDER BY contract_value ${order}, id LIMIT ?${tiers.length + 1}`, ...thresholds, options.limit)) {
        if ((op === "<" ? seenUp : seenDown).has(r.id)) continue;
        const arrTier = classify(Math.max(0, r.contract_value)).tier;
        list.push(
          toAccount(
            r,
            op === "<"
              ? `On the ${r.tier} plan but ARR ${r.contract_value} is ${arrTier} value: the plan label is below what the account pays.`
              : `On the ${r.tier} plan but ARR ${r.contract_value} is only ${arrTier} value: the plan label is above what the account pays.`,
          ),
        );
      }
    }
  }
  return {
    tiers: tierRows,
    total_accounts: totalAccounts,
    total_arr: round(totalArr, 2),
    vip,
    upgrade_candidates: upgrades,
    downgrade_risks: downgrades,
    mismatched_labels: mismatched,
    notes,
  };
}

// ---- lifecycle stages -------------------------------------------------------------------------

/** Days in each of the two windows compared for the usage-change fact. */
export const USAGE_CHANGE_DAYS = 30;
/** Days behind the feature-breadth fact (the engine's adoption window). */
export const BREADTH_DAYS = 90;

export interface LifecycleFactsOut {
  health_score: number | null;
  usage_change: number | null;
  seat_utilization: number | null;
  feature_breadth: number | null;
  first_value_on: string | null;
  payment_issue: boolean;
  open_escalations: number;
  days_since_start: number | null;
  days_to_renewal: number | null;
}

export interface LifecycleRow {
  client_id: string;
  client_name: string;
  tier: string;
  status: string;
  stored_stage: LifecycleStage;
  derived_stage: LifecycleStage;
  differs: boolean;
  rule: string;
  reason: string;
  matched: string[];
  missing_facts: string[];
  facts: LifecycleFactsOut;
}

type PageRow = {
  id: string;
  name: string;
  tier: string;
  status: "active" | "paused" | "churned" | "pending";
  lifecycle_stage: LifecycleStage;
  contract_start_date: string;
  contract_end_date: string;
  renewal_date: string;
  health_score: number | null;
  recent_users: number | null;
  seats: number | null;
  first_day: string | null;
  [key: string]: SqlStorageValue;
};

const PAGE_SQL = `SELECT a.id AS id, a.name AS name, a.tier AS tier, a.status AS status, a.lifecycle_stage AS lifecycle_stage,
    a.contract_start_date AS contract_start_date, a.contract_end_date AS contract_end_date, a.renewal_date AS renewal_date,
    a.health_score AS health_score, f.active_users AS recent_users,
    coalesce(f.licensed_seats, (SELECT c.seats FROM contracts c WHERE c.account_id = a.id AND c.status = 'active' ORDER BY c.start_date DESC LIMIT 1)) AS seats,
    (SELECT min(u.day) FROM usage_daily u WHERE u.account_id = a.id) AS first_day
  FROM accounts a LEFT JOIN account_features f ON f.account_id = a.id`;

/** Accounts per page of the lifecycle pass. */
export const LIFECYCLE_PAGE_SIZE = 500;

function groupCounts(sql: Sql, query: string, ...params: SqlStorageValue[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const r of sql.exec<{ id: string; n: number }>(query, ...params)) out.set(r.id, r.n);
  return out;
}

function groupDays(sql: Sql, query: string, ...params: SqlStorageValue[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const r of sql.exec<{ id: string; day: string }>(query, ...params)) out.set(r.id, r.day);
  return out;
}

/** Classifies one page of accounts from their facts, in a handful of set-based queries. */
function classifyPage(sql: Sql, page: readonly PageRow[], asOf: string, catalog: FeatureCatalog, classify: ReturnType<typeof segments.createLifecycleClassifier>): LifecycleRow[] {
  const ids = JSON.stringify(page.map((a) => a.id));
  const curFrom = addDays(asOf, -(USAGE_CHANGE_DAYS - 1));
  const prevFrom = addDays(curFrom, -USAGE_CHANGE_DAYS);
  const usage = new Map<string, { cur: number; prev: number }>();
  for (const r of sql.exec<{ id: string; cur: number; prev: number }>(
    `SELECT account_id AS id, sum(CASE WHEN day >= ?2 THEN active_users ELSE 0 END) AS cur, sum(CASE WHEN day < ?2 THEN active_users ELSE 0 END) AS prev
     FROM usage_daily WHERE account_id IN (SELECT value FROM json_each(?1)) AND day >= ?3 AND day <= ?4 GROUP BY account_id`,
    ids,
    curFrom,
    prevFrom,
    asOf,
  )) {
    usage.set(r.id, { cur: r.cur, prev: r.prev });
  }
  const payments = groupCounts(
    sql,
    `SELECT account_id AS id, count(*) AS n FROM invoices WHERE account_id IN (SELECT value FROM json_each(?1))
     AND (status = 'failed' OR (status = 'open' AND due_on < ?2)) GROUP BY account_id`,
    ids,
    asOf,
  );
  const escalations = groupCounts(
    sql,
    `SELECT account_id AS id, count(*) AS n FROM escalations WHERE account_id IN (SELECT value FROM json_each(?1)) AND status <> 'resolved' GROUP BY account_id`,
    ids,
  );
  const catalogKeys = catalog.features.map((f) => f.key);
  const breadth = groupCounts(
    sql,
    `SELECT account_id AS id, count(DISTINCT feature) AS n FROM usage_feature_daily WHERE account_id IN (SELECT value FROM json_each(?1))
     AND day > ?2 AND day <= ?3 AND events > 0 AND feature IN (SELECT value FROM json_each(?4)) GROUP BY account_id`,
    ids,
    addDays(asOf, -BREADTH_DAYS),
    asOf,
    JSON.stringify(catalogKeys),
  );
  const valueFeatures = catalog.source === "settings" ? catalog.features.filter((f) => f.value_event).map((f) => f.key) : [];
  const firstValue =
    valueFeatures.length > 0
      ? groupDays(
          sql,
          `SELECT account_id AS id, min(day) AS day FROM usage_feature_daily WHERE account_id IN (SELECT value FROM json_each(?1))
           AND day <= ?2 AND events > 0 AND feature IN (SELECT value FROM json_each(?3)) GROUP BY account_id`,
          ids,
          asOf,
          JSON.stringify(valueFeatures),
        )
      : groupDays(
          // The engine's default first value: 3 active users, or all seats when fewer are licensed.
          sql,
          `SELECT u.account_id AS id, min(u.day) AS day FROM usage_daily u JOIN json_each(?1) j ON j.value ->> 0 = u.account_id
           WHERE u.day <= ?2 AND u.active_users >= j.value ->> 1 GROUP BY u.account_id`,
          JSON.stringify(page.map((a) => [a.id, a.seats !== null && a.seats > 0 ? Math.min(3, a.seats) : 3])),
          asOf,
        );
  const now = `${asOf}T00:00:00.000Z`;
  return page.map((a) => {
    const hasUsage = a.first_day !== null && a.first_day <= asOf;
    const u = usage.get(a.id);
    // A change needs the whole previous window covered and some usage in it.
    const usageChange = hasUsage && (a.first_day as string) <= prevFrom && u && u.prev > 0 ? (u.cur - u.prev) / u.prev : null;
    const seatUtilization = a.seats !== null && a.seats > 0 && a.recent_users !== null ? a.recent_users / a.seats : null;
    const featureBreadth = hasUsage && catalogKeys.length > 0 ? (breadth.get(a.id) ?? 0) / catalogKeys.length : null;
    const firstValueOn = firstValue.get(a.id) ?? null;
    const facts: segments.LifecycleFacts = {
      status: a.status,
      contractStart: a.contract_start_date,
      contractEnd: a.contract_end_date,
      renewalDate: a.renewal_date,
      healthScore: a.health_score,
      usageChange,
      seatUtilization,
      paymentIssue: (payments.get(a.id) ?? 0) > 0,
      openEscalations: escalations.get(a.id) ?? 0,
      featureAdoptionBreadth: featureBreadth,
      firstValueAt: firstValueOn,
    };
    const result = engineCall(() => classify(facts, now));
    return {
      client_id: a.id,
      client_name: a.name,
      tier: a.tier,
      status: a.status,
      stored_stage: a.lifecycle_stage,
      derived_stage: result.stage,
      differs: result.stage !== a.lifecycle_stage,
      rule: result.rule,
      reason: result.reason,
      matched: [...result.matched],
      missing_facts: [...result.missingFacts],
      facts: {
        health_score: a.health_score,
        usage_change: usageChange === null ? null : round(usageChange, 4),
        seat_utilization: seatUtilization === null ? null : round(seatUtilization, 4),
        feature_breadth: featureBreadth === null ? null : round(featureBreadth, 4),
        first_value_on: firstValueOn,
        payment_issue: facts.paymentIssue === true,
        open_escalations: facts.openEscalations ?? 0,
        days_since_start: result.daysSinceStart,
        days_to_renewal: result.daysToRenewal,
      },
    };
  });
}

/**
 * Derives every account's lifecycle stage (or one account's), a page at a time, and hands each
 * result to `visit`. Returns how many accounts were classified.
 */
export function lifecyclePass(sql: Sql, asOf: string, catalog: FeatureCatalog, visit: (row: LifecycleRow) => void, onlyId?: string): number {
  const classify = segments.createLifecycleClassifier();
  if (onlyId !== undefined) {
    const page = rows<PageRow>(sql, `${PAGE_SQL} WHERE a.id = ?`, onlyId);
    for (const row of classifyPage(sql, page, asOf, catalog, classify)) visit(row);
    return page.length;
  }
  let after = "";
  let count = 0;
  for (;;) {
    const page = rows<PageRow>(sql, `${PAGE_SQL} WHERE a.id > ? ORDER BY a.id LIMIT ?`, after, LIFECYCLE_PAGE_SIZE);
    if (page.length === 0) break;
    for (const row of classifyPage(sql, page, asOf, catalog, classify)) visit(row);
    count += page.length;
    after = (page.at(-1) as PageRow).id;
    if (page.length < LIFECYCLE_PAGE_SIZE) break;
  }
  return count;
}

/** Notes on what the lifecycle facts are and which are not recorded. */
export function lifecycleNotes(catalog: FeatureCatalog): string[] {
  return [
    `Usage change compares active user-days in the last ${USAGE_CHANGE_DAYS} days with the ${USAGE_CHANGE_DAYS} before (null when that history is missing); seat utilization is the 30-day peak of daily active users ÷ licensed seats; a payment issue is a failed invoice or an open one past due; escalations are those not resolved.`,
    `Feature breadth is catalog features used in the last ${BREADTH_DAYS} days ÷ catalog size. ${catalog.note}`,
    "Not recorded, so never decisive: onboarding completion dates and open expansion signals.",
  ];
}
