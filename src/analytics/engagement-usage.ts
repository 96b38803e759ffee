/**
 * The usage input of the engagement engine and its preparation into dense per-day arrays.
 *
 * Input shape: one row per UTC day per account, from whatever the tenant's product analytics
 * report (Mixpanel, the product's own events):
 *
 * ```ts
 * { date: "2025-03-14", activeUsers: 12, sessions: 30, events: 410,
 *   userIds?: ["u1", …],                        // optional; makes WAU/MAU exact
 *   features?: { reports: { users: 5, uses: 22 }, … } }   // distinct users and uses per feature
 * ```
 *
 * Coverage: the series covers the days from `dataSince` (or its first row, whichever is earlier)
 * through `asOf`. A day inside that range with no row is a day with no activity (zero), because
 * analytics exports usually omit empty days. Days before coverage are unknown, not zero. Rows after
 * `asOf` are ignored, so the same input replayed with an earlier `asOf` gives the earlier answer.
 */
import { AnalyticsConfigError } from "./errors";
import { describe, isoDay, parseIsoDay, toUtcMs, utcDay, type DateInput } from "./segments-dates";

/** One feature's use on one day. */
export interface FeatureDayUsage {
  /** Distinct users who used the feature that day (≤ the day's activeUsers). */
  readonly users: number;
  /** Times it was used that day. */
  readonly uses: number;
}

/** One account's usage on one UTC day. */
export interface DailyUsage {
  /** "YYYY-MM-DD", UTC. */
  readonly date: string;
  /** Distinct users active that day. */
  readonly activeUsers: number;
  readonly sessions?: number;
  readonly events?: number;
  /** The active users' ids; when every active day in a window has them, WAU and MAU are exact distinct counts. */
  readonly userIds?: readonly string[];
  /** Feature key → that day's use. */
  readonly features?: Readonly<Record<string, FeatureDayUsage>>;
}

/** Seed categories: core, advanced, integration. Milestones use them. */
export type FeatureCategory = "core" | "advanced" | "integration";
export const FEATURE_CATEGORIES: readonly FeatureCategory[] = ["core", "advanced", "integration"];

/** A feature available to the account (the breadth denominator). */
export interface FeatureDefinition {
  readonly key: string;
  readonly category?: FeatureCategory;
}

/** Everything the engagement engine reads about one account. */
export interface UsageInput {
  readonly series: readonly DailyUsage[];
  /** The last day analysed (inclusive). A date-time is reduced to its UTC day. */
  readonly asOf: DateInput;
  /** Account or contract start; day 0 for time to value and milestones. Defaults to the first covered day. */
  readonly startDate?: DateInput | null;
  /** First day from which the series is complete (days without rows are zeros from here on). */
  readonly dataSince?: DateInput | null;
  /** Licensed seats, when known. */
  readonly seats?: number | null;
  /** Features available to the account. Without them, breadth is unknown. */
  readonly features?: readonly FeatureDefinition[] | null;
  /** Dated facts from outside usage (e.g. business_impact_measured) for event milestones. */
  readonly events?: Readonly<Record<string, DateInput>> | null;
}

/** A usage series checked and laid out one slot per covered day. Build with {@link prepareUsage}. */
export interface PreparedUsage {
  /** UTC day number of slot 0. */
  readonly firstDay: number;
  readonly asOfDay: number;
  /** Covered days (0 when nothing is covered). */
  readonly length: number;
  /** Day 0 for elapsed-time measures: `startDate`, else the first covered day; null when neither exists. */
  readonly startDay: number | null;
  /** True when coverage begins on or before the start, so "first reached" dates are exact. */
  readonly dataCoversStart: boolean;
  readonly activeUsers: Float64Array;
  readonly sessions: Float64Array;
  readonly events: Float64Array;
  /** Per slot: the day's user ids, or undefined when not given. */
  readonly userIds: readonly (readonly string[] | undefined)[];
  readonly featureUsers: ReadonlyMap<string, Float64Array>;
  readonly featureUses: ReadonlyMap<string, Float64Array>;
  readonly declaredFeatures: readonly FeatureDefinition[] | null;
  readonly seats: number | null;
  /** Event name → UTC day; null when no events were given at all. */
  readonly eventDays: ReadonlyMap<string, number> | null;
}

const isCount = (value: unknown): value is number => typeof value === "number" && Number.isFinite(value) && value >= 0;

/** Refuses a value that is not a count; the path is built only on failure (this runs for every row). */
function requireCount(value: unknown, index: number, suffix: string, optional = false): void {
  if (isCount(value) || (optional && value === undefined)) return;
  throw new AnalyticsConfigError(`series[${index}]${suffix}`, `expected a finite number ≥ 0, got ${describe(value)}`);
}

/**
 * Checks a usage input and lays it out by day.
 * @throws AnalyticsConfigError naming e.g. "series[4].date" (bad or duplicate date) or "series[2].activeUsers".
 */
export function prepareUsage(input: UsageInput): PreparedUsage {
  const asOfDay = utcDay(toUtcMs(input.asOf, "asOf"));
  if (!Array.isArray(input.series)) throw new AnalyticsConfigError("series", "expected a list of daily usage rows");
  const rows: { day: number; index: number; row: DailyUsage }[] = [];
  const seen = new Map<number, number>();
  input.series.forEach((row, index) => {
    if (typeof row !== "object" || row === null) throw new AnalyticsConfigError(`series[${index}]`, "expected a daily usage row");
    const day = parseIsoDay(row.date);
    if (day === null) throw new AnalyticsConfigError(`series[${index}].date`, `expected "YYYY-MM-DD", got ${describe(row.date)}`);
    const other = seen.get(day);
    if (other !== undefined) {
      throw new AnalyticsConfigError(`series[${index}].date`, `${row.date} also appears at series[${other}]; send one row per day`);
    }
    seen.set(day, index);
    requireCount(row.activeUsers, index, ".activeUsers");
    requireCount(row.sessions, index, ".sessions", true);
    requireCount(row.events, index, ".events", true);
    if (row.userIds !== undefined) {
      if (!Array.isArray(row.userIds) || !(row.userIds as readonly unknown[]).every((u) => typeof u === "string")) {
        throw new AnalyticsConfigError(`series[${index}].userIds`, "expected a list of user id strings");
      }
      const distinct = new Set(row.userIds).size;
      if (distinct !== row.activeUsers) {
        throw new AnalyticsConfigError(`series[${index}].userIds`, `${distinct} distinct ids but activeUsers is ${row.activeUsers}; they must agree`);
      }
    }
    if (row.features !== undefined) {
      if (typeof row.features !== "object" || row.features === null || Array.isArray(row.features)) {
        throw new AnalyticsConfigError(`series[${index}].features`, "expected feature key → { users, uses }");
      }
      const features = row.features as Record<string, unknown>;
      for (const key in features) {
        if (!Object.prototype.hasOwnProperty.call(features, key)) continue;
        const f = features[key];
        if (typeof f !== "object" || f === null) throw new AnalyticsConfigError(`series[${index}].features.${key}`, "expected { users, uses }");
        const feature = f as Partial<Record<keyof FeatureDayUsage, unknown>>;
        if (!isCount(feature.users)) requireCount(feature.users, index, `.features.${key}.users`);
        if (!isCount(feature.uses)) requireCount(feature.uses, index, `.features.${key}.uses`);
      }
    }
    if (day <= asOfDay) rows.push({ day, index, row });
  });

  const dataSinceDay = input.dataSince == null ? null : utcDay(toUtcMs(input.dataSince, "dataSince"));
  let firstDay = dataSinceDay ?? Number.POSITIVE_INFINITY;
  for (const r of rows) firstDay = Math.min(firstDay, r.day);
  if (!Number.isFinite(firstDay) || firstDay > asOfDay) firstDay = asOfDay + 1;
  const length = asOfDay - firstDay + 1;

  const startDay = input.startDate == null ? (length > 0 ? firstDay : null) : utcDay(toUtcMs(input.startDate, "startDate"));

  let seats: number | null = null;
  if (input.seats != null) {
    if (typeof input.seats !== "number" || !Number.isFinite(input.seats) || input.seats < 0) {
      throw new AnalyticsConfigError("seats", `expected a number of seats ≥ 0, got ${describe(input.seats)}`);
    }
    seats = input.seats > 0 ? input.seats : null; // zero seats means "not seat-licensed"
  }

  let declaredFeatures: FeatureDefinition[] | null = null;
  if (input.features != null) {
    if (!Array.isArray(input.features)) throw new AnalyticsConfigError("features", "expected a list of { key, category? }");
    const keys = new Set<string>();
    declaredFeatures = input.features.map((f, i) => {
      if (typeof f !== "object" || f === null || typeof f.key !== "string" || f.key === "") {
        throw new AnalyticsConfigError(`features[${i}].key`, "expected a non-empty feature key");
      }
      if (keys.has(f.key)) throw new AnalyticsConfigError(`features[${i}].key`, `feature "${f.key}" is listed twice`);
      keys.add(f.key);
      if (f.category !== undefined && !FEATURE_CATEGORIES.includes(f.category)) {
        throw new AnalyticsConfigError(`features[${i}].category`, `unknown category ${describe(f.category)}; use one of: ${FEATURE_CATEGORIES.join(", ")}`);
      }
      return f.category === undefined ? { key: f.key } : { key: f.key, category: f.category };
    });
  }

  let eventDays: Map<string, number> | null = null;
  if (input.events != null) {
    eventDays = new Map();
    for (const [name, when] of Object.entries(input.events)) eventDays.set(name, utcDay(toUtcMs(when, `events.${name}`)));
  }

  const size = Math.max(0, length);
  const activeUsers = new Float64Array(size);
  const sessions = new Float64Array(size);
  const events = new Float64Array(size);
  const userIds: (readonly string[] | undefined)[] = new Array<readonly string[] | undefined>(size).fill(undefined);
  const featureUsers = new Map<string, Float64Array>();
  const featureUses = new Map<string, Float64Array>();
  for (const f of declaredFeatures ?? []) {
    featureUsers.set(f.key, new Float64Array(size));
    featureUses.set(f.key, new Float64Array(size));
  }
  for (const { day, row } of rows) {
    const i = day - firstDay;
    activeUsers[i] = row.activeUsers;
    sessions[i] = row.sessions ?? 0;
    events[i] = row.events ?? 0;
    userIds[i] = row.userIds;
    const features = row.features;
    if (features === undefined) continue;
    for (const key in features) {
      const f = features[key];
      if (f === undefined || !Object.prototype.hasOwnProperty.call(features, key)) continue;
      let users = featureUsers.get(key);
      let uses = featureUses.get(key);
      if (users === undefined || uses === undefined) {
        users = new Float64Array(size);
        uses = new Float64Array(size);
        featureUsers.set(key, users);
        featureUses.set(key, uses);
      }
      users[i] = f.users;
      uses[i] = f.uses;
    }
  }

  return {
    firstDay,
    asOfDay,
    length: size,
    startDay,
    dataCoversStart: startDay !== null && size > 0 && firstDay <= startDay,
    activeUsers,
    sessions,
    events,
    userIds,
    featureUsers,
    featureUses,
    declaredFeatures,
    seats,
    eventDays,
  };
}

/** "YYYY-MM-DD" of a slot. */
export function slotDate(usage: PreparedUsage, slot: number): string {
  return isoDay(usage.firstDay + slot);
}
