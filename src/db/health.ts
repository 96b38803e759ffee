import { and, eq, gte, lte, sql } from "drizzle-orm";
import { health } from "../analytics";
import type { TenantDb } from "./accounts";
import { HEALTH_RECOMPUTED_AT_KEY } from "./accounts";
import { encodeComponents } from "./snapshot-components";
import { accountFeatures, usageDaily } from "./tenant-schema";

/**
 * Health features and snapshots inside the Tenant Durable Object.
 *
 * Features are kept up to date as data arrives (account_features), so a full recompute reads
 * one row per account and never rescans usage_daily. The recompute goes through the raw
 * `storage.sql` cursor: drizzle's durable-sqlite driver can only materialize a whole result
 * (`.all()` maps every row to an object), and a tenant-wide pass must stay within a small,
 * bounded amount of memory.
 */

/** Days in the usage window of the health features (activeUsers, logins30d, featuresUsed). */
export const USAGE_WINDOW_DAYS = 30;

const DAY_MS = 86_400_000;

/** The day `days` before `day` (both YYYY-MM-DD, UTC). */
function daysBefore(day: string, days: number): string {
  const ms = Date.parse(`${day}T00:00:00Z`);
  if (!Number.isFinite(ms)) throw new RangeError(`day must be YYYY-MM-DD; got ${JSON.stringify(day)}`);
  return new Date(ms - days * DAY_MS).toISOString().slice(0, 10);
}

export interface UsageFeatures {
  activeUsers: number | null;
  logins30d: number | null;
  featuresUsed: number | null;
}

/**
 * Recomputes an account's usage features from usage_daily over the 30 days ending `today`
 * (inclusive): active users = the highest daily active users, logins = the sum of sessions,
 * features used = the highest daily features used. A daily maximum is a lower bound on the
 * distinct users of the month; the daily table keeps no user ids to do better.
 * An account that has never sent usage keeps nulls ("no data"); one that has, but not in the
 * window, gets zeros (known to be idle). Other feature columns are left as they are.
 */
export function refreshUsageFeatures(db: TenantDb, accountId: string, today: string, now = new Date()): UsageFeatures {
  const from = daysBefore(today, USAGE_WINDOW_DAYS - 1);
  const window = db
    .select({
      days: sql<number>`count(*)`,
      activeUsers: sql<number | null>`max(${usageDaily.activeUsers})`,
      sessions: sql<number | null>`sum(${usageDaily.sessions})`,
      featuresUsed: sql<number | null>`max(${usageDaily.featuresUsed})`,
    })
    .from(usageDaily)
    .where(and(eq(usageDaily.accountId, accountId), gte(usageDaily.day, from), lte(usageDaily.day, today)))
    .get();
  let features: UsageFeatures;
  if (window && window.days > 0) {
    features = { activeUsers: window.activeUsers ?? 0, logins30d: window.sessions ?? 0, featuresUsed: window.featuresUsed ?? 0 };
  } else {
    const ever = db.select({ day: usageDaily.day }).from(usageDaily).where(eq(usageDaily.accountId, accountId)).limit(1).get();
    features = ever ? { activeUsers: 0, logins30d: 0, featuresUsed: 0 } : { activeUsers: null, logins30d: null, featuresUsed: null };
  }
  const updatedAt = now.toISOString();
  db.insert(accountFeatures)
    .values({ accountId, ...features, updatedAt })
    .onConflictDoUpdate({ target: accountFeatures.accountId, set: { ...features, updatedAt } })
    .run();
  return features;
}

/** What a full recompute did. `ms` is the isolate's clock, which stands still during synchronous work in workerd. */
export interface RecomputeResult {
  accounts: number;
  scored: number;
  unscored: number;
  /** Accounts whose health_score / health_computed_at were rewritten (score changed, or first score time). */
  changed: number;
  ms: number;
}

/** The raw storage the recompute needs: the SQL cursor API and a synchronous transaction. */
export type RecomputeStorage = Pick<DurableObjectStorage, "sql" | "transactionSync">;

/** Feature columns in HealthFeatures order (property, column); selected after the account id. */
export const FEATURE_COLUMNS = [
  ["activeUsers", "active_users"],
  ["licensedSeats", "licensed_seats"],
  ["logins30d", "logins_30d"],
  ["featuresUsed", "features_used"],
  ["featuresAvailable", "features_available"],
  ["daysSinceLastTouch", "days_since_last_touch"],
  ["emailOpenRate", "email_open_rate"],
  ["emailClickRate", "email_click_rate"],
  ["messageReplyRate", "message_reply_rate"],
  ["openTickets", "open_tickets"],
  ["tickets90d", "tickets_90d"],
  ["highSeverityTickets90d", "high_severity_tickets_90d"],
  ["slaBreaches90d", "sla_breaches_90d"],
  ["oldestOpenTicketAgeDays", "oldest_open_ticket_age_days"],
  ["nps", "nps"],
  ["csat", "csat"],
  ["ces", "ces"],
  ["invoicesPaidLate", "invoices_paid_late"],
  ["maxDaysLate", "max_days_late"],
  ["failedPayments", "failed_payments"],
  ["overdueAmount", "overdue_amount"],
  ["annualContractValue", "annual_contract_value"],
] as const satisfies readonly (readonly [keyof health.HealthFeatures, string])[];

/** Accounts per page: bounds memory, and no read cursor stays open across the page's writes. */
const PAGE_SIZE = 2_000;

// LEFT JOIN: an account with no features row is still snapshotted (score null, coverage 0).
// The account's current score (and whether it has a score time at all) decides whether the
// accounts row is rewritten. Every accounts column here is in the covering index
// accounts_health_state, so a page never reads the wide accounts rows (~40 % of the read).
export const PAGE_SQL = `SELECT a.id, a.tier, a.health_score, a.health_computed_at IS NULL, ${FEATURE_COLUMNS.map(([, column]) => `f.${column}`).join(", ")}
  FROM accounts a LEFT JOIN account_features f ON f.account_id = a.id
  WHERE a.id > ? ORDER BY a.id LIMIT ${PAGE_SIZE}`;
/**
 * Each page's snapshots go in ONE statement whose single bound parameter is a JSON array of
 * [id, score, band, coverage, components] rows, expanded by json_each: no 100-parameter cap, so
 * one `sql.exec` per 2,000 rows instead of one per 16. A page's JSON is ~150 bytes a row, well
 * under the 2 MB value limit. components travels as a JSON *string* (`->>` unescapes it): as a
 * nested array SQLite would parse and re-render every component object, nearly doubling the
 * insert's cost.
 */
const INSERT_PAGE_SQL = `INSERT INTO health_snapshots (account_id, computed_at, score, band, coverage, components)
  SELECT j.value ->> 0, ?2, j.value ->> 1, j.value ->> 2, j.value ->> 3, j.value ->> 4 FROM json_each(?1) j`;
/**
 * Only accounts whose score changed (or that never had a score time) are rewritten, one
 * statement per page from a JSON array of [id, score]. Rewriting all of them cost ~25 % of the
 * recompute: every accounts row and both indexes holding health_score (accounts_by_health,
 * accounts_summary) became dirty pages for the commit, although a daily pass changes few scores.
 * The time of the pass goes to settings (HEALTH_RECOMPUTED_AT_KEY) instead; readers report the
 * later of the two (healthAsOf in accounts.ts).
 */
const UPDATE_ACCOUNTS_SQL = `UPDATE accounts SET health_score = j.value ->> 1, health_computed_at = ?2
  FROM json_each(?1) j WHERE accounts.id = j.value ->> 0`;
const MARK_RECOMPUTED_SQL = `INSERT INTO settings (key, value, updated_by, updated_at) VALUES ('${HEALTH_RECOMPUTED_AT_KEY}', ?1, 'system', ?1)
  ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_by = excluded.updated_by, updated_at = excluded.updated_at`;

/**
 * Scores every account of the tenant from its stored features and, in one transaction, writes
 * one health_snapshots row per account, the new health_score / health_computed_at of each
 * account whose score changed, and the pass's time (settings HEALTH_RECOMPUTED_AT_KEY).
 * A failure anywhere rolls everything back. health_trend is not touched here: a trend needs
 * each account's snapshot history, which a tenant-wide pass cannot read cheaply yet.
 * `config` must come from `health.validateHealthConfig` (or be the default).
 */
export function recomputeHealth(storage: RecomputeStorage, config: health.HealthConfig, now = new Date()): RecomputeResult {
  const started = Date.now();
  const computedAt = now.toISOString();
  const sqlStorage = storage.sql;
  let accounts = 0;
  let scored = 0;
  let changedCount = 0;
  // One object reused for every account: scoreHealth reads it and keeps no reference.
  const features: Record<(typeof FEATURE_COLUMNS)[number][0], number | null> = Object.fromEntries(
    FEATURE_COLUMNS.map(([key]) => [key, null]),
  ) as Record<(typeof FEATURE_COLUMNS)[number][0], number | null>;
  const width = FEATURE_COLUMNS.length;

  storage.transactionSync(() => {
    let after = "";
    for (;;) {
      const page = Array.from(sqlStorage.exec(PAGE_SQL, after).raw());
      if (page.length === 0) break;
      let json = "[";
      let changed = "[";
      for (const row of page) {
        const id = row[0];
        if (typeof id !== "string") throw new TypeError("accounts.id must be text");
        for (let i = 0; i < width; i++) {
          const value = row[i + 4];
          features[(FEATURE_COLUMNS[i] as (typeof FEATURE_COLUMNS)[number])[0]] = typeof value === "number" ? value : null;
        }
        // The account's tier selects a segment profile when the tenant's model has one.
        const result = health.scoreHealth(features, config, { segment: row[1] as string });
        // The engine clamps score and coverage and never returns NaN, so the numbers are valid JSON.
        if (json.length > 1) json += ",";
        json += `[${JSON.stringify(id)},${result.score === null ? "null" : result.score},${result.band === null ? "null" : `"${result.band}"`},${result.coverage},"${encodeComponents(result.components)}"]`;
        if (row[3] === 1 || row[2] !== result.score) {
          if (changed.length > 1) changed += ",";
          changed += `[${JSON.stringify(id)},${result.score === null ? "null" : result.score}]`;
          changedCount++;
        }
        accounts++;
        if (result.score !== null) scored++;
        after = id;
      }
      sqlStorage.exec(INSERT_PAGE_SQL, json + "]", computedAt);
      if (changed.length > 1) sqlStorage.exec(UPDATE_ACCOUNTS_SQL, changed + "]", computedAt);
      if (page.length < PAGE_SIZE) break;
    }
    sqlStorage.exec(MARK_RECOMPUTED_SQL, computedAt);
  });
  return { accounts, scored, unscored: accounts - scored, changed: changedCount, ms: Date.now() - started };
}

/** How a draft health model would move the tenant's accounts between bands. */
export interface ModelPreview {
  accounts: number;
  scored: number;
  /** Accounts whose band would change. */
  moving: number;
  /** Counts per (from → to) band pair, only pairs that change. */
  moves: { from: health.HealthBand | "unscored"; to: health.HealthBand | "unscored"; accounts: number }[];
  /** Accounts per band under the current and the draft model. */
  bands: { band: health.HealthBand | "unscored"; current: number; draft: number }[];
}

const PREVIEW_PAGE_SQL = `SELECT a.id, a.tier, ${FEATURE_COLUMNS.map(([, column]) => `f.${column}`).join(", ")}
  FROM accounts a LEFT JOIN account_features f ON f.account_id = a.id
  WHERE a.id > ? ORDER BY a.id LIMIT ${PAGE_SIZE}`;

/**
 * Scores every account under the current and the draft model, writing nothing: what the
 * setup page and update_health_model's preview show before a model is saved.
 */
export function previewHealthModel(storage: Pick<DurableObjectStorage, "sql">, current: health.HealthConfig, draft: health.HealthConfig): ModelPreview {
  const features: Record<(typeof FEATURE_COLUMNS)[number][0], number | null> = Object.fromEntries(
    FEATURE_COLUMNS.map(([key]) => [key, null]),
  ) as Record<(typeof FEATURE_COLUMNS)[number][0], number | null>;
  const moves = new Map<string, number>();
  const counts = new Map<string, { current: number; draft: number }>();
  const count = (band: string, which: "current" | "draft") => {
    const entry = counts.get(band) ?? { current: 0, draft: 0 };
    entry[which]++;
    counts.set(band, entry);
  };
  let accounts = 0;
  let scored = 0;
  let moving = 0;
  let after = "";
  for (;;) {
    const page = Array.from(storage.sql.exec(PREVIEW_PAGE_SQL, after).raw());
    for (const row of page) {
      const id = String(row[0]);
      const tier = String(row[1]);
      FEATURE_COLUMNS.forEach(([key], i) => {
        const value = row[i + 2];
        features[key] = typeof value === "number" ? value : null;
      });
      const before = health.scoreHealth(features, current, { segment: tier }).band ?? "unscored";
      const afterBand = health.scoreHealth(features, draft, { segment: tier }).band ?? "unscored";
      accounts++;
      if (afterBand !== "unscored") scored++;
      count(before, "current");
      count(afterBand, "draft");
      if (before !== afterBand) {
        moving++;
        const key = `${before}>${afterBand}`;
        moves.set(key, (moves.get(key) ?? 0) + 1);
      }
      after = id;
    }
    if (page.length < PAGE_SIZE) break;
  }
  const order = ["churn_risk", "at_risk", "neutral", "healthy", "champion", "unscored"] as const;
  return {
    accounts,
    scored,
    moving,
    moves: [...moves].map(([key, n]) => {
      const [from, to] = key.split(">") as [health.HealthBand | "unscored", health.HealthBand | "unscored"];
      return { from, to, accounts: n };
    }),
    bands: order.map((band) => ({ band, current: counts.get(band)?.current ?? 0, draft: counts.get(band)?.draft ?? 0 })),
  };
}

/**
 * Sets every account's health_trend from its scored snapshots of the last `windowDays`, in one
 * set-based statement: the least-squares slope of score against time in days over one point per
 * day (the same fit as the engine's `healthTrend` over `dailyTrendPoints`), × 30, against the
 * model's threshold. Time is measured from the
 * window's start so the sums stay small. Fewer than two snapshots, or all at one instant: null.
 */
export function updateHealthTrends(storage: Pick<DurableObjectStorage, "sql">, thresholdPer30Days: number, windowDays: number, now = new Date()): void {
  const since = new Date(now.getTime() - windowDays * DAY_MS).toISOString();
  storage.sql.exec(
    `UPDATE accounts SET health_trend = t.direction FROM (
       SELECT account_id,
         CASE WHEN n < 2 OR (n * sxx - sx * sx) <= 1e-12 THEN NULL
              WHEN 30.0 * (n * sxy - sx * sy) / (n * sxx - sx * sx) > ?2 THEN 'improving'
              WHEN 30.0 * (n * sxy - sx * sy) / (n * sxx - sx * sx) < -?2 THEN 'declining'
              ELSE 'stable' END AS direction
       FROM (
         SELECT account_id, count(*) AS n, sum(x) AS sx, sum(score) AS sy, sum(x * x) AS sxx, sum(x * score) AS sxy
         -- One point per account and UTC day: its last score that day (SQLite takes the bare
         -- columns from the row holding max(computed_at)).
         FROM (SELECT account_id, julianday(max(computed_at)) - julianday(?1) AS x, score
               FROM health_snapshots WHERE computed_at >= ?1 AND score IS NOT NULL
               GROUP BY account_id, substr(computed_at, 1, 10))
         GROUP BY account_id
       )
     ) AS t WHERE t.account_id = accounts.id`,
    since,
    thresholdPer30Days,
  );
}
