import { sql } from "drizzle-orm";
import { AnalyticsConfigError, churn, cohorts, expansion, type health, renewals } from "../analytics";
import { AccountError, type TenantDb } from "./accounts";
import { accountChurnRisk } from "./retention";

/**
 * Expansion and revenue from the tenant's own facts: renewals (probability, expected ARR,
 * checkpoints), the renewal forecast, expansion candidates, revenue movements (NRR/GRR) from
 * contract terms and status changes, and lifetime value. The engine does the arithmetic; this
 * module gathers its inputs.
 */

const DAY_MS = 86_400_000;
const PAGE = 500;
type Tier = "starter" | "standard" | "professional" | "enterprise";

/** Runs an engine call, turning its configuration errors into refusals that name the field. */
export function engine<T>(work: () => T): T {
  try {
    return work();
  } catch (error) {
    if (error instanceof AnalyticsConfigError) throw new AccountError("invalid", error.message);
    throw error;
  }
}

function isoDay(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

function round2(value: number): number {
  return Math.round(value * 100) / 100;
}

function round3(value: number): number {
  return Math.round(value * 1000) / 1000;
}

export interface AccountFilter {
  csm?: string;
  tier?: Tier;
}

interface AccountRow {
  id: string;
  name: string;
  tier: Tier;
  arr: number;
  status: string;
  renewal: string;
  start: string;
  csm: string | null;
}

function accountRows(db: TenantDb, where: ReturnType<typeof sql>, filter: AccountFilter, after: string, limit: number): AccountRow[] {
  const csm = filter.csm ? sql` AND csm_assigned = ${filter.csm}` : sql``;
  const tier = filter.tier ? sql` AND tier = ${filter.tier}` : sql``;
  return db.all<AccountRow>(sql`
    SELECT id, name, tier, contract_value AS arr, status, renewal_date AS renewal, contract_start_date AS start, csm_assigned AS csm
    FROM accounts WHERE ${where}${csm}${tier} AND id > ${after} ORDER BY id LIMIT ${limit}`);
}

/** Every account matching `where` and the filter, paged by id. */
function eachAccount(db: TenantDb, where: ReturnType<typeof sql>, filter: AccountFilter, visit: (row: AccountRow) => void): void {
  let after = "";
  for (;;) {
    const page = accountRows(db, where, filter, after, PAGE);
    for (const row of page) visit(row);
    if (page.length < PAGE) break;
    after = page.at(-1)?.id ?? after;
  }
}

// ---------------------------------------------------------------- renewals

/** Term length in months of the account's current contract → the engine's contract type. */
function contractType(months: number): renewals.ContractType {
  if (months > 13) return "multi_year";
  if (months >= 11) return "annual";
  if (months >= 2.5) return "quarterly";
  return "monthly";
}

/** Payment standing: an unpaid invoice past due is overdue; a late payment in the last year is late. */
function paymentStatus(db: TenantDb, accountId: string, now: Date): renewals.RenewalSignals["paymentStatus"] {
  const today = isoDay(now.getTime());
  const yearAgo = isoDay(now.getTime() - 365 * DAY_MS);
  const row = db.get<{ n: number; overdue: number; late: number }>(sql`
    SELECT count(*) AS n,
      coalesce(sum(status IN ('open', 'failed') AND due_on < ${today}), 0) AS overdue,
      coalesce(sum(status = 'paid' AND paid_on > due_on AND due_on >= ${yearAgo}), 0) AS late
    FROM invoices WHERE account_id = ${accountId} AND status != 'void'`);
  if (!row || row.n === 0) return null;
  if (row.overdue > 0) return "overdue";
  return row.late > 0 ? "late" : "current";
}

export interface RenewalFacts {
  row: AccountRow;
  signals: renewals.RenewalAccount;
  healthScore: number | null;
  churnProbability: number;
}

export function renewalFacts(db: TenantDb, row: AccountRow, healthConfig: health.HealthConfig, now: Date): RenewalFacts {
  const { facts, risk } = accountChurnRisk(db, row.id, healthConfig, churn.DEFAULT_CHURN_CONFIG, now);
  const since90 = new Date(now.getTime() - 90 * DAY_MS).toISOString();
  const counts = db.get<{ escalations: number; failed: number; renewed: number }>(sql`
    SELECT
      (SELECT count(*) FROM escalations WHERE account_id = ${row.id} AND status != 'resolved') AS escalations,
      (SELECT count(*) FROM payments WHERE account_id = ${row.id} AND status = 'failed' AND attempted_at >= ${since90}) AS failed,
      (SELECT count(*) FROM contracts WHERE account_id = ${row.id} AND (status = 'renewed' OR renewal_status = 'renewed')) AS renewed`);
  const contract = db.get<{ start: string; end: string; auto: number }>(sql`
    SELECT start_date AS start, end_date AS end, auto_renew AS auto FROM contracts
    WHERE account_id = ${row.id} AND status = 'active' ORDER BY start_date DESC LIMIT 1`);
  const { usageRecent, usageBaseline } = facts.churnInputs;
  const usageTrend = usageRecent != null && usageBaseline != null && usageBaseline > 0 ? usageRecent / usageBaseline - 1 : null;
  const hasContracts = db.get<{ n: number }>(sql`SELECT count(*) AS n FROM contracts WHERE account_id = ${row.id}`)?.n ?? 0;
  return {
    row,
    healthScore: facts.health.score,
    churnProbability: risk.probability,
    signals: {
      accountId: row.id,
      arr: row.arr,
      renewalDate: row.renewal,
      healthScore: facts.health.score,
      healthBand: facts.health.band,
      healthTrend: facts.health.trend.direction === "insufficient_history" ? null : facts.health.trend.direction,
      churnProbability: risk.probability,
      openEscalations: counts?.escalations ?? 0,
      paymentStatus: paymentStatus(db, row.id, now),
      failedPayments: counts?.failed ?? 0,
      usageTrend,
      contractType: contract ? contractType((Date.parse(contract.end) - Date.parse(contract.start)) / (DAY_MS * 30.44)) : null,
      autoRenew: contract ? contract.auto === 1 : null,
      priorRenewals: hasContracts > 0 ? (counts?.renewed ?? 0) : null,
    },
  };
}

/** Renewal checkpoint tasks done (opened by the daily maintenance), as the engine's actions. */
function checkpointActions(db: TenantDb, accountId: string, renewalDate: string): renewals.RenewalAction[] {
  const prefix = `renewal:${accountId}:${renewalDate}:`;
  return db
    .all<{ key: string; at: string }>(sql`
      SELECT dedupe_key AS key, coalesce(completed_at, updated_at) AS at FROM tasks
      WHERE source = 'renewal' AND status = 'done' AND substr(dedupe_key, 1, ${prefix.length}) = ${prefix}`)
    .map((t) => ({ at: t.at, checkpointDays: Number(t.key.slice(prefix.length)) }));
}

export interface RenewalDue {
  client_id: string;
  client_name: string;
  tier: string;
  csm: string | null;
  renewal_date: string;
  days_to_renewal: number;
  arr: number;
  probability: number;
  category: renewals.RenewalCategory;
  confidence: number;
  expected_arr: number;
  summary: string;
  drivers: { factor: string; points: number; explanation: string }[];
  missing: string[];
  checkpoints: {
    current: number | null;
    next: number | null;
    overdue: number[];
    items: { days_before: number; due_date: string; status: string; completed_on: string | null }[];
  };
}

export interface RenewalsDue {
  window: { from: string; to: string; days: number };
  totals: { renewals: number; arr: number; expected_arr: number; at_risk_arr: number };
  renewals: RenewalDue[];
}

export function renewalsDue(db: TenantDb, healthConfig: health.HealthConfig, options: AccountFilter & { days: number; limit: number }, now: Date): RenewalsDue {
  const from = isoDay(now.getTime());
  const to = isoDay(now.getTime() + options.days * DAY_MS);
  const out: RenewalDue[] = [];
  const totals = { renewals: 0, arr: 0, expected_arr: 0, at_risk_arr: 0 };
  eachAccount(db, sql`status != 'churned' AND renewal_date >= ${from} AND renewal_date <= ${to}`, options, (row) => {
    const facts = renewalFacts(db, row, healthConfig, now);
    const assessed = engine(() => renewals.assessRenewal(facts.signals, now));
    const state = engine(() => renewals.renewalCheckpoints(row.renewal, now, { actions: checkpointActions(db, row.id, row.renewal) }));
    totals.renewals++;
    totals.arr += row.arr;
    totals.expected_arr += assessed.expectedArr;
    if (assessed.category === "at_risk") totals.at_risk_arr += row.arr;
    out.push({
      client_id: row.id,
      client_name: row.name,
      tier: row.tier,
      csm: row.csm,
      renewal_date: assessed.renewalDate,
      days_to_renewal: assessed.daysToRenewal,
      arr: row.arr,
      probability: round3(assessed.probability),
      category: assessed.category,
      confidence: round3(assessed.confidence),
      expected_arr: round2(assessed.expectedArr),
      summary: assessed.summary,
      drivers: assessed.factors
        .filter((f) => f.value !== null && f.contribution !== 0)
        .sort((a, b) => Math.abs(b.contribution) - Math.abs(a.contribution))
        .slice(0, 4)
        .map((f) => ({ factor: f.name, points: round3(f.contribution), explanation: f.explanation })),
      missing: assessed.missing,
      checkpoints: {
        current: state.current?.daysBefore ?? null,
        next: state.next?.daysBefore ?? null,
        overdue: state.overdue,
        items: state.checkpoints.map((c) => ({ days_before: c.daysBefore, due_date: c.dueDate, status: c.status, completed_on: c.completedOn })),
      },
    });
  });
  out.sort((a, b) => a.renewal_date.localeCompare(b.renewal_date) || b.arr - a.arr);
  return {
    window: { from, to, days: options.days },
    totals: { renewals: totals.renewals, arr: round2(totals.arr), expected_arr: round2(totals.expected_arr), at_risk_arr: round2(totals.at_risk_arr) },
    renewals: out.slice(0, options.limit),
  };
}

export function renewalForecast(db: TenantDb, healthConfig: health.HealthConfig, options: AccountFilter & { months: number }, now: Date): renewals.RenewalForecast {
  const start = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1));
  const end = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + options.months, 1));
  const accounts: renewals.RenewalAccount[] = [];
  eachAccount(db, sql`status != 'churned' AND renewal_date >= ${isoDay(start.getTime())} AND renewal_date < ${isoDay(end.getTime())}`, options, (row) => {
    accounts.push(renewalFacts(db, row, healthConfig, now).signals);
  });
  return engine(() => renewals.forecastRenewals(accounts, { now, months: options.months }));
}

// ---------------------------------------------------------------- expansion

export interface PlanLimit {
  tier?: Tier;
  metric: "monthly_events" | "monthly_sessions" | "active_users";
  limit: number;
  annual_price_per_unit?: number;
}

function expansionInput(db: TenantDb, row: AccountRow, healthConfig: health.HealthConfig, limits: readonly PlanLimit[], now: Date): expansion.ExpansionAccount {
  const { facts, risk } = accountChurnRisk(db, row.id, healthConfig, churn.DEFAULT_CHURN_CONFIG, now);
  const contractSeats =
    db.get<{ seats: number | null }>(sql`SELECT seats FROM contracts WHERE account_id = ${row.id} AND status = 'active' ORDER BY start_date DESC LIMIT 1`)?.seats ?? null;
  const since = isoDay(now.getTime() - 29 * DAY_MS);
  const usage = db.get<{ events: number; sessions: number; days: number }>(sql`
    SELECT coalesce(sum(events), 0) AS events, coalesce(sum(sessions), 0) AS sessions, count(*) AS days FROM usage_daily
    WHERE account_id = ${row.id} AND day >= ${since}`);
  const owned = db
    .all<{ feature: string }>(sql`SELECT DISTINCT feature FROM usage_feature_daily WHERE account_id = ${row.id} AND events > 0`)
    .map((r) => r.feature);
  const activeUsers = facts.inputs.activeUsers ?? null;
  const planUsage: expansion.PlanUsage[] = limits
    .filter((l) => !l.tier || l.tier === row.tier)
    .flatMap((l) => {
      const used = l.metric === "monthly_events" ? usage?.events : l.metric === "monthly_sessions" ? usage?.sessions : activeUsers;
      if (used == null || (l.metric !== "active_users" && (usage?.days ?? 0) === 0)) return [];
      return [{ metric: l.metric, used, limit: l.limit, annualPricePerUnit: l.annual_price_per_unit ?? null }];
    });
  return {
    accountId: row.id,
    arr: row.arr,
    tier: row.tier,
    healthScore: facts.health.score,
    healthBand: facts.health.band,
    churnProbability: risk.probability,
    licensedSeats: facts.inputs.licensedSeats ?? contractSeats,
    activeUsers,
    usage: planUsage,
    ownedProducts: owned,
  };
}

export interface ExpansionOpportunity {
  client_id: string;
  client_name: string;
  tier: string;
  arr: number;
  type: expansion.ExpansionType;
  key: string;
  status: "recommended" | "held_back";
  held_back_reasons: string[];
  estimated_value: number;
  probability: number;
  expected_value: number;
  recommended_tier: string | null;
  product_id: string | null;
  metric: string | null;
  additional_units: number | null;
  reason: string;
  signals: { name: string; value: number | string | boolean | null; threshold: number | null; detail: string }[];
}

export interface ExpansionReport {
  accounts_scanned: number;
  totals: { recommended: number; estimated_value: number; expected_value: number; by_type: { type: string; count: number; estimated_value: number; expected_value: number }[] };
  opportunities: ExpansionOpportunity[];
  notes: string[];
}

export function expansionOpportunities(
  db: TenantDb,
  healthConfig: health.HealthConfig,
  options: AccountFilter & {
    accountId?: string;
    catalog: expansion.CatalogProduct[];
    limits: PlanLimit[];
    types?: expansion.ExpansionType[];
    includeHeldBack: boolean;
    limit: number;
  },
  now: Date,
): ExpansionReport {
  engine(() => expansion.validateCatalog(options.catalog));
  const found: ExpansionOpportunity[] = [];
  const notes: string[] = [];
  let scanned = 0;
  const where = options.accountId ? sql`id = ${options.accountId}` : sql`status != 'churned'`;
  eachAccount(db, where, options.accountId ? {} : options, (row) => {
    scanned++;
    const assessment = engine(() => expansion.findExpansionCandidates(expansionInput(db, row, healthConfig, options.limits, now), { catalog: options.catalog }));
    if (options.accountId) notes.push(...assessment.notes);
    for (const c of assessment.candidates) {
      if (options.types && !options.types.includes(c.type)) continue;
      if (c.status === "held_back" && !options.includeHeldBack) continue;
      found.push({
        client_id: row.id,
        client_name: row.name,
        tier: row.tier,
        arr: row.arr,
        type: c.type,
        key: c.key,
        status: c.status,
        held_back_reasons: c.heldBackReasons,
        estimated_value: round2(c.estimatedValue),
        probability: round3(c.probability),
        expected_value: round2(c.expectedValue),
        recommended_tier: c.recommendedTier,
        product_id: c.productId,
        metric: c.metric,
        additional_units: c.additionalUnits,
        reason: c.reason,
        signals: c.signals,
      });
    }
  });
  if (options.accountId && scanned === 0) throw new AccountError("not_found", `No account with client_id ${options.accountId} in this workspace; list_clients shows the ids.`);
  const recommended = found.filter((o) => o.status === "recommended");
  const byType = new Map<string, { count: number; estimated_value: number; expected_value: number }>();
  for (const o of recommended) {
    const t = byType.get(o.type) ?? { count: 0, estimated_value: 0, expected_value: 0 };
    t.count++;
    t.estimated_value += o.estimated_value;
    t.expected_value += o.expected_value;
    byType.set(o.type, t);
  }
  found.sort((a, b) => (a.status === b.status ? 0 : a.status === "recommended" ? -1 : 1) || b.expected_value - a.expected_value || a.client_id.localeCompare(b.client_id));
  return {
    accounts_scanned: scanned,
    totals: {
      recommended: recommended.length,
      estimated_value: round2(recommended.reduce((s, o) => s + o.estimated_value, 0)),
      expected_value: round2(recommended.reduce((s, o) => s + o.expected_value, 0)),
      by_type: [...byType].map(([type, t]) => ({ type, count: t.count, estimated_value: round2(t.estimated_value), expected_value: round2(t.expected_value) })),
    },
    opportunities: found.slice(0, options.limit),
    notes: [...new Set(notes)],
  };
}

// ---------------------------------------------------------------- revenue history

interface ContractTerm {
  start: string;
  end: string;
  value: number;
}

/**
 * An account's ARR over time, for the cohort engine. From its contract terms when it has any:
 * at each term's start or end, ARR is the sum of the terms in effect (a cancelled term ends when
 * it was cancelled); a day with no term in effect carries the last ARR forward (a renewal not yet
 * recorded is not churn; churn is the account's status). Without contracts, from the account's
 * contract_value as registered and each recorded change of it.
 */
export function cohortAccount(db: TenantDb, row: AccountRow): cohorts.CohortAccount {
  const terms = db
    .all<{ start: string; end: string; value: number; status: string; updated: string }>(sql`
      SELECT start_date AS start, end_date AS end, annual_value AS value, status, updated_at AS updated FROM contracts WHERE account_id = ${row.id}`)
    .map((t): ContractTerm => ({ start: t.start, end: t.status === "cancelled" && t.updated.slice(0, 10) < t.end ? t.updated.slice(0, 10) : t.end, value: t.value }))
    .filter((t) => t.end > t.start);
  const churnedAt =
    row.status === "churned"
      ? (db.get<{ at: string }>(sql`
          SELECT occurred_at AS at FROM account_events WHERE account_id = ${row.id} AND json_extract(metadata, '$.changes.status.to') = 'churned'
          ORDER BY occurred_at DESC LIMIT 1`)?.at ??
        db.get<{ at: string }>(sql`SELECT updated_at AS at FROM accounts WHERE id = ${row.id}`)?.at ??
        null)
      : null;
  let history: cohorts.ArrPoint[];
  let startDate = row.start;
  if (terms.length > 0) {
    const days = [...new Set(terms.flatMap((t) => [t.start, t.end]))].sort();
    history = [];
    for (const day of days) {
      const value = terms.filter((t) => t.start <= day && day < t.end).reduce((s, t) => s + t.value, 0);
      if (value > 0 && history.at(-1)?.arr !== value) history.push({ date: day, arr: value });
    }
    startDate = terms.map((t) => t.start).sort()[0] ?? row.start;
  } else {
    const changes = db.all<{ at: string; from: number | null; to: number | null }>(sql`
      SELECT occurred_at AS at, json_extract(metadata, '$.changes.contract_value.from') AS "from", json_extract(metadata, '$.changes.contract_value.to') AS "to"
      FROM account_events WHERE account_id = ${row.id} AND json_extract(metadata, '$.changes.contract_value.to') IS NOT NULL ORDER BY occurred_at`);
    const first = changes[0]?.from ?? row.arr;
    history = [{ date: row.start, arr: first }, ...changes.filter((c) => c.to !== null && c.at > row.start).map((c) => ({ date: c.at, arr: c.to as number }))];
  }
  // An account registered or imported as already churned has no status change to date it, and
  // its last update can precede its contract's start (registered ahead of the start date): it
  // churned at the earliest on the day it started, not before.
  const churnDate = churnedAt === null ? null : churnedAt.slice(0, 10) < startDate.slice(0, 10) ? startDate : churnedAt;
  return { id: row.id, startDate, churnDate, arrHistory: history };
}

export function cohortAccounts(db: TenantDb, filter: AccountFilter): (cohorts.CohortAccount & { tier: Tier })[] {
  const out: (cohorts.CohortAccount & { tier: Tier })[] = [];
  eachAccount(db, sql`1 = 1`, filter, (row) => out.push({ ...cohortAccount(db, row), tier: row.tier }));
  return out;
}

/** ARR of an account at an instant from its history (0 before start or from churn on). */
export function arrAt(account: cohorts.CohortAccount, at: number): number {
  if (Date.parse(String(account.startDate)) > at) return 0;
  if (account.churnDate && Date.parse(String(account.churnDate)) <= at) return 0;
  let arr = 0;
  for (const p of account.arrHistory ?? []) if (Date.parse(String(p.date)) <= at) arr = p.arr;
  return arr;
}

export type RevenueGranularity = "month" | "quarter";

/** The last `count` whole-or-current periods ending with the one containing `now`, oldest first. */
export function periods(granularity: RevenueGranularity, count: number, now: Date): { label: string; from: Date; to: Date }[] {
  const step = granularity === "month" ? 1 : 3;
  const y = now.getUTCFullYear();
  const m = granularity === "month" ? now.getUTCMonth() : Math.floor(now.getUTCMonth() / 3) * 3;
  const out: { label: string; from: Date; to: Date }[] = [];
  for (let i = count - 1; i >= 0; i--) {
    const from = new Date(Date.UTC(y, m - i * step, 1));
    const end = new Date(Date.UTC(y, m - i * step + step, 1));
    const to = end.getTime() > now.getTime() ? now : end;
    const label = granularity === "month" ? from.toISOString().slice(0, 7) : `${from.getUTCFullYear()}-Q${Math.floor(from.getUTCMonth() / 3) + 1}`;
    out.push({ label, from, to });
  }
  return out;
}

export interface RevenuePeriod {
  period: string;
  from: string;
  to: string;
  starting_arr: number;
  new_arr: number;
  expansion_arr: number;
  contraction_arr: number;
  churned_arr: number;
  ending_arr: number;
  net_new_arr: number;
  grr: number | null;
  nrr: number | null;
  starting_customers: number;
  churned_customers: number;
  new_customers: number;
}

function retentionFor(accounts: readonly cohorts.CohortAccount[], from: Date, to: Date): RevenuePeriod {
  const r = engine(() => cohorts.revenueRetention(accounts, { from, to }));
  const fromMs = from.getTime();
  const toMs = to.getTime();
  const fresh = accounts.filter((a) => {
    const s = Date.parse(String(a.startDate));
    return s > fromMs && s <= toMs;
  });
  const newArr = fresh.reduce((s, a) => s + arrAt(a, toMs), 0);
  const endingAll = accounts.reduce((s, a) => s + arrAt(a, toMs), 0);
  return {
    period: "",
    from: r.from,
    to: r.to,
    starting_arr: round2(r.startingArr),
    new_arr: round2(newArr),
    expansion_arr: round2(r.expansionArr),
    contraction_arr: round2(r.contractionArr),
    churned_arr: round2(r.churnedArr),
    ending_arr: round2(endingAll),
    net_new_arr: round2(newArr + r.expansionArr - r.contractionArr - r.churnedArr),
    grr: r.grossRevenueRetention === null ? null : round3(r.grossRevenueRetention),
    nrr: r.netRevenueRetention === null ? null : round3(r.netRevenueRetention),
    starting_customers: r.startingCustomers,
    churned_customers: r.startingCustomers - r.retainedCustomers,
    new_customers: fresh.filter((a) => arrAt(a, toMs) > 0 || !a.churnDate).length,
  };
}

export function revenueExpansion(
  db: TenantDb,
  options: AccountFilter & { granularity: RevenueGranularity; periods: number },
  now: Date,
): { periods: RevenuePeriod[]; total: RevenuePeriod; accounts: number } {
  const accounts = cohortAccounts(db, options);
  const list = periods(options.granularity, options.periods, now);
  const rows = list.map((p) => ({ ...retentionFor(accounts, p.from, p.to), period: p.label }));
  const first = list[0];
  const total = first ? { ...retentionFor(accounts, first.from, now), period: "window" } : rows[0];
  if (!total) throw new AccountError("invalid", "periods: must be at least 1.");
  return { periods: rows, total, accounts: accounts.length };
}

// ---------------------------------------------------------------- lifetime value

export interface AccountLifetimeValue {
  client_id: string;
  client_name: string;
  tier: string;
  arr: number;
  ltv: number;
  lifetime_years: number;
  annual_churn: number;
  churn_source: string;
  gross_margin: number;
  paid_to_date: number;
  explanation: string;
}

function ltvFor(db: TenantDb, row: AccountRow, healthConfig: health.HealthConfig, margin: number | undefined, now: Date): AccountLifetimeValue {
  const { risk } = accountChurnRisk(db, row.id, healthConfig, churn.DEFAULT_CHURN_CONFIG, now);
  const value = engine(() => expansion.lifetimeValue({ arr: row.arr, annualChurnProbability: risk.probability, grossMargin: margin ?? null }));
  const paid = db.get<{ paid: number }>(sql`SELECT coalesce(sum(amount), 0) AS paid FROM invoices WHERE account_id = ${row.id} AND status = 'paid'`)?.paid ?? 0;
  return {
    client_id: row.id,
    client_name: row.name,
    tier: row.tier,
    arr: row.arr,
    ltv: round2(value.ltv),
    lifetime_years: round3(value.lifetimeYears),
    annual_churn: round3(value.annualChurn),
    churn_source: value.churnSource,
    gross_margin: value.grossMargin,
    paid_to_date: round2(paid),
    explanation: value.explanation,
  };
}

export interface LifetimeValueReport {
  scope: "account" | "segment";
  account: AccountLifetimeValue | null;
  segment: {
    accounts: number;
    total_ltv: number;
    average_ltv: number;
    total_arr: number;
    paid_to_date: number;
    by_tier: { tier: string; accounts: number; total_ltv: number; average_ltv: number }[];
    top: AccountLifetimeValue[];
  } | null;
}

export function lifetimeValueReport(
  db: TenantDb,
  healthConfig: health.HealthConfig,
  options: AccountFilter & { accountId?: string; grossMargin?: number; limit: number },
  now: Date,
): LifetimeValueReport {
  if (options.accountId) {
    const row = accountRows(db, sql`id = ${options.accountId}`, {}, "", 1)[0];
    if (!row) throw new AccountError("not_found", `No account with client_id ${options.accountId} in this workspace; list_clients shows the ids.`);
    return { scope: "account", account: ltvFor(db, row, healthConfig, options.grossMargin, now), segment: null };
  }
  const all: AccountLifetimeValue[] = [];
  eachAccount(db, sql`status != 'churned'`, options, (row) => all.push(ltvFor(db, row, healthConfig, options.grossMargin, now)));
  const tiers = new Map<string, { accounts: number; total: number }>();
  for (const a of all) {
    const t = tiers.get(a.tier) ?? { accounts: 0, total: 0 };
    t.accounts++;
    t.total += a.ltv;
    tiers.set(a.tier, t);
  }
  const total = all.reduce((s, a) => s + a.ltv, 0);
  return {
    scope: "segment",
    account: null,
    segment: {
      accounts: all.length,
      total_ltv: round2(total),
      average_ltv: all.length ? round2(total / all.length) : 0,
      total_arr: round2(all.reduce((s, a) => s + a.arr, 0)),
      paid_to_date: round2(all.reduce((s, a) => s + a.paid_to_date, 0)),
      by_tier: [...tiers].map(([tier, t]) => ({ tier, accounts: t.accounts, total_ltv: round2(t.total), average_ltv: round2(t.total / t.accounts) })),
      top: all.sort((a, b) => b.ltv - a.ltv).slice(0, options.limit),
    },
  };
}
