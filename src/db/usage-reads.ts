import { AnalyticsConfigError, engagement } from "../analytics";
import { AccountError, type TenantDb } from "./accounts";
import { settings } from "./tenant-schema";

/**
 * Shared reads for the engagement and segmentation tools: day arithmetic, the raw SQL cursor
 * helpers, the tenant's feature catalog and custom milestones (settings), and one account's
 * usage as the engine's `UsageInput`.
 *
 * Reads go through the raw `storage.sql` cursor: the aggregates use window functions and
 * json_each, and a portfolio pass must stay within a bounded amount of memory.
 */

export type Sql = SqlStorage;
type Row = Record<string, SqlStorageValue>;

const DAY_MS = 86_400_000;

/** The day `days` after `day` (YYYY-MM-DD, UTC); negative goes back. */
export function addDays(day: string, days: number): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) + days * DAY_MS).toISOString().slice(0, 10);
}

/** Whole days from `from` to `to` (both YYYY-MM-DD). */
export function dayDiff(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / DAY_MS);
}

export function todayOf(now: Date): string {
  return now.toISOString().slice(0, 10);
}

export function rows<T extends Row>(sql: Sql, query: string, ...params: SqlStorageValue[]): T[] {
  return sql.exec<T>(query, ...params).toArray();
}

export function one<T extends Row>(sql: Sql, query: string, ...params: SqlStorageValue[]): T | null {
  return sql.exec<T>(query, ...params).toArray()[0] ?? null;
}

export function num(value: SqlStorageValue | undefined): number {
  return typeof value === "number" ? value : 0;
}

export function numOrNull(value: SqlStorageValue | undefined): number | null {
  return typeof value === "number" ? value : null;
}

export function str(value: SqlStorageValue | undefined): string {
  return typeof value === "string" ? value : "";
}

export function round(value: number, digits = 3): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

/** Engine refusals become the tools' "invalid" refusals; the engine's message already names the field. */
export function engineCall<T>(work: () => T, prefix = ""): T {
  try {
    return work();
  } catch (error) {
    if (error instanceof AnalyticsConfigError) throw new AccountError("invalid", `${prefix}${error.message}`);
    throw error;
  }
}

// ---- settings: the feature catalog and custom milestones ------------------------------------

export const FEATURE_CATALOG_KEY = "usage.features";
export const MILESTONES_KEY = "usage.milestones";

export type FeatureCategory = engagement.FeatureCategory;

export interface CatalogFeature {
  key: string;
  category: FeatureCategory | null;
  /** Counts as a "value" event for time to first value. */
  value_event: boolean;
}

export interface FeatureCatalog {
  /** settings: configured by an admin; observed: the names seen in this workspace's usage. */
  source: "settings" | "observed";
  features: CatalogFeature[];
  updated_at: string | null;
  updated_by: string | null;
  note: string;
}

/** At most this many observed feature names are used as the catalog when none is configured. */
const OBSERVED_FEATURES_LIMIT = 1_000;

export function readFeatureCatalog(sql: Sql): FeatureCatalog {
  const row = one<{ value: string; updated_at: string; updated_by: string }>(
    sql,
    "SELECT value, updated_at, updated_by FROM settings WHERE key = ?",
    FEATURE_CATALOG_KEY,
  );
  if (row) {
    const features = JSON.parse(row.value) as CatalogFeature[];
    const values = features.filter((f) => f.value_event).map((f) => f.key);
    return {
      source: "settings",
      features,
      updated_at: row.updated_at,
      updated_by: row.updated_by,
      note:
        `Feature catalog configured: ${features.length} feature(s)` +
        (values.length ? `; value events for time to first value: ${values.join(", ")}.` : "; no value events, so first value is the first day with 3 active users (or all seats)."),
    };
  }
  const observed = rows<{ feature: string }>(
    sql,
    `SELECT DISTINCT feature FROM usage_feature_daily ORDER BY feature LIMIT ${OBSERVED_FEATURES_LIMIT}`,
  ).map((r) => r.feature);
  return {
    source: "observed",
    features: observed.map((key) => ({ key, category: null, value_event: false })),
    updated_at: null,
    updated_by: null,
    note:
      observed.length === 0
        ? "No feature catalog is configured and no feature usage has been received, so feature adoption cannot be measured."
        : `No feature catalog is configured: the features are the ${observed.length} name(s) seen in this workspace's usage, their categories are unknown (core/advanced/integration milestones cannot be judged) and first value is the first day with 3 active users (or all seats). An admin can set the catalog with update_feature_catalog.`,
  };
}

/** The engine's feature declarations for a catalog. */
export function declaredFeatures(catalog: FeatureCatalog): engagement.FeatureDefinition[] {
  return catalog.features.map((f) => (f.category === null ? { key: f.key } : { key: f.key, category: f.category }));
}

export function readCustomMilestones(sql: Sql): { milestones: engagement.MilestoneDefinition[]; updated_at: string; updated_by: string } | null {
  const row = one<{ value: string; updated_at: string; updated_by: string }>(
    sql,
    "SELECT value, updated_at, updated_by FROM settings WHERE key = ?",
    MILESTONES_KEY,
  );
  return row ? { milestones: JSON.parse(row.value) as engagement.MilestoneDefinition[], updated_at: row.updated_at, updated_by: row.updated_by } : null;
}

/** Checks a catalog with the engine's own validator (prepareUsage's `features`), naming e.g. features[2].key. */
export function validateCatalog(features: readonly CatalogFeature[]): void {
  engineCall(() =>
    engagement.prepareUsage({
      series: [],
      asOf: "2000-01-01",
      features: features.map((f) => (f.category === null ? { key: f.key } : { key: f.key, category: f.category })),
    }),
  );
}

/** Checks milestones with the engine's validator, naming e.g. milestones[1].criterion.kind. */
export function validateMilestones(milestones: readonly engagement.MilestoneDefinition[]): readonly engagement.MilestoneDefinition[] {
  return engineCall(() => engagement.validateEngagementConfig({ milestones }).milestones);
}

export function writeSetting(db: TenantDb, key: string, value: unknown, userId: string, now = new Date()): void {
  const row = { key, value: JSON.stringify(value), updatedBy: userId, updatedAt: now.toISOString() };
  db.insert(settings)
    .values(row)
    .onConflictDoUpdate({ target: settings.key, set: { value: row.value, updatedBy: row.updatedBy, updatedAt: row.updatedAt } })
    .run();
}

export function deleteSetting(sql: Sql, key: string): void {
  sql.exec("DELETE FROM settings WHERE key = ?", key);
}

// ---- one account's usage ---------------------------------------------------------------------

export interface AccountUsage {
  /** The account's first usage day ever, or null when it has never sent usage. */
  firstUsageDay: string | null;
  series: engagement.DailyUsage[];
}

/**
 * One account's daily usage from `from` to `to` (inclusive), with per-feature use, in the
 * engine's shape. Days without a row are days without activity (the engine's coverage rule).
 */
export function accountUsage(sql: Sql, accountId: string, from: string, to: string): AccountUsage {
  const first = one<{ day: string | null }>(sql, "SELECT min(day) AS day FROM usage_daily WHERE account_id = ?", accountId);
  const byDay = new Map<string, { date: string; activeUsers: number; sessions: number; events: number; features?: Record<string, engagement.FeatureDayUsage> }>();
  for (const r of sql.exec<{ day: string; active_users: number; sessions: number; events: number }>(
    "SELECT day, active_users, sessions, events FROM usage_daily WHERE account_id = ? AND day >= ? AND day <= ? ORDER BY day",
    accountId,
    from,
    to,
  )) {
    byDay.set(r.day, { date: r.day, activeUsers: r.active_users, sessions: r.sessions, events: r.events });
  }
  for (const r of sql.exec<{ day: string; feature: string; events: number; users: number }>(
    "SELECT day, feature, events, users FROM usage_feature_daily WHERE account_id = ? AND day >= ? AND day <= ?",
    accountId,
    from,
    to,
  )) {
    let day = byDay.get(r.day);
    if (!day) {
      day = { date: r.day, activeUsers: 0, sessions: 0, events: 0 };
      byDay.set(r.day, day);
    }
    (day.features ??= {})[r.feature] = { users: r.users, uses: r.events };
  }
  const series = [...byDay.values()].sort((a, b) => (a.date < b.date ? -1 : 1));
  return { firstUsageDay: first?.day ?? null, series };
}

export interface DistinctUsers {
  /** Distinct users from usage_daily_users, or null when some active day has no user rows. */
  exact: number | null;
  /** The highest daily active users: a lower bound on the distinct count. */
  peak: number;
}

/**
 * Distinct users of an account from `from` to `to`. Exact (a COUNT DISTINCT in SQL, nothing
 * loaded) when every day with active users also has its user rows; otherwise null, and the
 * caller falls back to the peak day, flagged as a lower bound.
 */
export function distinctUsers(sql: Sql, accountId: string, from: string, to: string): DistinctUsers {
  const daily = one<{ active_days: number; peak: number | null }>(
    sql,
    "SELECT count(*) AS active_days, max(active_users) AS peak FROM usage_daily WHERE account_id = ? AND day >= ? AND day <= ? AND active_users > 0",
    accountId,
    from,
    to,
  );
  const users = one<{ days: number; users: number }>(
    sql,
    "SELECT count(DISTINCT day) AS days, count(DISTINCT user_key) AS users FROM usage_daily_users WHERE account_id = ? AND day >= ? AND day <= ?",
    accountId,
    from,
    to,
  );
  const activeDays = daily?.active_days ?? 0;
  const peak = daily?.peak ?? 0;
  const exact = users && users.days >= activeDays ? users.users : null;
  return { exact, peak };
}
