/**
 * Engagement patterns from one account's daily usage: DAU/WAU/MAU and stickiness, feature adoption
 * breadth and depth, time to first value, adoption milestones, and anomalies against the account's
 * own baseline. The input shape and coverage rules are in ./engagement-usage; anomalies in
 * ./engagement-anomalies. Pure and deterministic: the clock is `asOf`, dates are UTC days.
 *
 * Definitions (window = the last N covered days ending at `asOf`):
 * - DAU: the mean of daily active users over the covered days of the activity window (default 28
 *   days; fewer when coverage is shorter, reported as `coveredDays`).
 * - WAU / MAU: distinct users over the last 7 days / the activity window. Daily aggregates cannot
 *   give distinct counts (one person active on two days counts twice), so:
 *   - when every active day in the window carries `userIds`, they are exact unions (`distinct_user_ids`);
 *   - otherwise they are the peak daily actives in that span (`peak_daily_lower_bound`), a lower
 *     bound on the true distinct count, which makes stickiness an upper bound.
 * - Stickiness: DAU ÷ MAU, in [0, 1] (0 when MAU is 0).
 * - Feature adoption rate: the feature's user-days ÷ all active user-days in the adoption window
 *   (default 90 days, the seed's period): the share of active users who used it on a typical day.
 *   Levels as in the seed: high at ≥ 2 × threshold, moderate at ≥ threshold, else low (threshold 0.2).
 * - Breadth: declared features used at least once in the adoption window ÷ declared features.
 * - Depth: for each used feature, uses per active user-day; depth is their mean.
 * - Time to first value: days from the start to the first day meeting the value definition
 *   (default: ≥ 3 active users, or all seats when fewer than 3 are licensed); target 21 days (seed).
 * - Milestones: the seed's standard framework (§2.5) with criteria on real data; see STANDARD_MILESTONES.
 *
 * Cost: anomaly scoring sorts a baseline per scored day; a nightly recompute that only needs
 * today's verdict should pass `anomaly.lastDays: 1`.
 */
import { AnalyticsConfigError } from "./errors";
import { clamp, safeRatio } from "./math";
import { describe, isoDay } from "./segments-dates";
import {
  FEATURE_CATEGORIES,
  prepareUsage,
  type FeatureCategory,
  type PreparedUsage,
  type UsageInput,
} from "./engagement-usage";
import { detectUsageAnomalies, validateAnomalyConfig, type AnomalyConfig, type AnomalyReport } from "./engagement-anomalies";

export * from "./engagement-usage";
export * from "./engagement-anomalies";

// ---- configuration --------------------------------------------------------------------------

/** What counts as the account's first value. */
export type FirstValueDefinition =
  | { readonly kind: "active_users"; readonly atLeast: number }
  | { readonly kind: "feature"; readonly feature: string; readonly minUses?: number };

export type MilestoneImportance = "critical" | "high" | "medium" | "low";
const IMPORTANCES: readonly MilestoneImportance[] = ["critical", "high", "medium", "low"];

/** How a milestone is recognised in the data. */
export type MilestoneCriterion =
  /** First day with at least N active users. */
  | { readonly kind: "active_users"; readonly atLeast: number }
  /** First day with active users ≥ share × seats (not evaluable without seats). */
  | { readonly kind: "seat_share"; readonly atLeast: number }
  /** The time-to-first-value day. */
  | { readonly kind: "first_value" }
  /** All (or any) of the listed features, or of the declared features of a category, used at least once. */
  | {
      readonly kind: "features_used";
      readonly mode: "all" | "any";
      readonly category?: FeatureCategory;
      readonly features?: readonly string[];
    }
  /** A dated fact from `UsageInput.events` (not evaluable when no events were given). */
  | { readonly kind: "event"; readonly event: string };

export interface MilestoneDefinition {
  readonly id: string;
  readonly name: string;
  /** Days from the start by which it is typically reached; later is late, beyond it unreached is overdue. */
  readonly typicalDays: number;
  readonly importance: MilestoneImportance;
  readonly criterion: MilestoneCriterion;
}

/** The seed's standard framework (§2.5), each milestone tied to something the data can show. */
export const STANDARD_MILESTONES: readonly MilestoneDefinition[] = Object.freeze([
  { id: "m1", name: "Account Activated", typicalDays: 3, importance: "critical", criterion: { kind: "active_users", atLeast: 1 } },
  { id: "m2", name: "First Value Achieved", typicalDays: 14, importance: "critical", criterion: { kind: "first_value" } },
  { id: "m3", name: "Team Onboarded", typicalDays: 30, importance: "high", criterion: { kind: "seat_share", atLeast: 0.5 } },
  { id: "m4", name: "Core Features Adopted", typicalDays: 60, importance: "high", criterion: { kind: "features_used", mode: "all", category: "core" } },
  { id: "m5", name: "Integration Connected", typicalDays: 45, importance: "medium", criterion: { kind: "features_used", mode: "any", category: "integration" } },
  { id: "m6", name: "Advanced Features Explored", typicalDays: 90, importance: "medium", criterion: { kind: "features_used", mode: "any", category: "advanced" } },
  { id: "m7", name: "Business Impact Measured", typicalDays: 120, importance: "critical", criterion: { kind: "event", event: "business_impact_measured" } },
  { id: "m8", name: "Champion Developed", typicalDays: 180, importance: "high", criterion: { kind: "event", event: "champion_developed" } },
] satisfies MilestoneDefinition[]);

export interface EngagementConfig {
  /** Days behind DAU and MAU. Default 28. */
  readonly activityWindowDays: number;
  /** Days behind feature adoption. Default 90 (seed's time_period_days). */
  readonly adoptionWindowDays: number;
  /** Adoption threshold (0–1]. Default 0.2 (seed's adoption_threshold). */
  readonly adoptionThreshold: number;
  readonly firstValue: FirstValueDefinition;
  /** Default 21 (seed's optimize_time_to_value target). */
  readonly timeToValueTargetDays: number;
  readonly milestones: readonly MilestoneDefinition[];
  readonly anomaly: AnomalyConfig;
}

/** What a tenant may send; missing parts take the defaults. */
export interface EngagementConfigInput {
  readonly activityWindowDays?: number;
  readonly adoptionWindowDays?: number;
  readonly adoptionThreshold?: number;
  readonly firstValue?: FirstValueDefinition;
  readonly timeToValueTargetDays?: number;
  readonly milestones?: readonly MilestoneDefinition[];
  readonly anomaly?: Partial<AnomalyConfig>;
}

export const DEFAULT_ENGAGEMENT_CONFIG: EngagementConfig = Object.freeze({
  activityWindowDays: 28,
  adoptionWindowDays: 90,
  adoptionThreshold: 0.2,
  firstValue: Object.freeze({ kind: "active_users", atLeast: 3 }),
  timeToValueTargetDays: 21,
  milestones: STANDARD_MILESTONES,
  anomaly: validateAnomalyConfig(),
});

function wholeNumber(value: unknown, field: string, min: number, max = Number.MAX_SAFE_INTEGER): void {
  if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
    throw new AnalyticsConfigError(field, `expected a whole number from ${min}${max === Number.MAX_SAFE_INTEGER ? " up" : ` to ${max}`}, got ${describe(value)}`);
  }
}

function validateFirstValue(raw: unknown, field: string): FirstValueDefinition {
  const v = raw as Partial<Record<string, unknown>> | null;
  if (typeof v !== "object" || v === null) throw new AnalyticsConfigError(field, 'expected { kind: "active_users", atLeast } or { kind: "feature", feature }');
  if (v.kind === "active_users") {
    wholeNumber(v.atLeast, `${field}.atLeast`, 1);
    return { kind: "active_users", atLeast: v.atLeast as number };
  }
  if (v.kind === "feature") {
    if (typeof v.feature !== "string" || v.feature === "") throw new AnalyticsConfigError(`${field}.feature`, "expected a feature key");
    const minUses = v.minUses ?? 1;
    wholeNumber(minUses, `${field}.minUses`, 1);
    return { kind: "feature", feature: v.feature, minUses: minUses as number };
  }
  throw new AnalyticsConfigError(`${field}.kind`, `unknown kind ${describe(v.kind)}; use "active_users" or "feature"`);
}

function validateCriterion(raw: unknown, field: string): MilestoneCriterion {
  const v = raw as Partial<Record<string, unknown>> | null;
  if (typeof v !== "object" || v === null) throw new AnalyticsConfigError(field, "expected a criterion object with a kind");
  switch (v.kind) {
    case "active_users":
      wholeNumber(v.atLeast, `${field}.atLeast`, 1);
      return { kind: "active_users", atLeast: v.atLeast as number };
    case "seat_share":
      if (typeof v.atLeast !== "number" || !(v.atLeast > 0 && v.atLeast <= 1)) {
        throw new AnalyticsConfigError(`${field}.atLeast`, `expected a share of seats in (0, 1], got ${describe(v.atLeast)}`);
      }
      return { kind: "seat_share", atLeast: v.atLeast };
    case "first_value":
      return { kind: "first_value" };
    case "features_used": {
      if (v.mode !== "all" && v.mode !== "any") throw new AnalyticsConfigError(`${field}.mode`, 'expected "all" or "any"');
      const hasCategory = v.category !== undefined;
      const hasFeatures = v.features !== undefined;
      if (hasCategory === hasFeatures) throw new AnalyticsConfigError(field, "give exactly one of category or features");
      if (hasCategory) {
        if (!FEATURE_CATEGORIES.includes(v.category as FeatureCategory)) {
          throw new AnalyticsConfigError(`${field}.category`, `unknown category ${describe(v.category)}; use one of: ${FEATURE_CATEGORIES.join(", ")}`);
        }
        return { kind: "features_used", mode: v.mode, category: v.category as FeatureCategory };
      }
      if (!Array.isArray(v.features) || v.features.length === 0 || !v.features.every((f) => typeof f === "string" && f !== "")) {
        throw new AnalyticsConfigError(`${field}.features`, "expected a non-empty list of feature keys");
      }
      return { kind: "features_used", mode: v.mode, features: [...(v.features as string[])] };
    }
    case "event":
      if (typeof v.event !== "string" || v.event === "") throw new AnalyticsConfigError(`${field}.event`, "expected an event name");
      return { kind: "event", event: v.event };
    default:
      throw new AnalyticsConfigError(
        `${field}.kind`,
        `unknown kind ${describe(v.kind)}; use one of: active_users, seat_share, first_value, features_used, event`,
      );
  }
}

// Configs this module produced; passing one back skips re-validation (analyzeEngagement's sub-calls).
const validatedConfigs = new WeakSet<object>();

/** Merges with the defaults and checks every field. @throws AnalyticsConfigError naming the field. */
export function validateEngagementConfig(input: EngagementConfigInput = {}): EngagementConfig {
  if (validatedConfigs.has(input)) return input as EngagementConfig;
  const activityWindowDays = input.activityWindowDays ?? DEFAULT_ENGAGEMENT_CONFIG.activityWindowDays;
  wholeNumber(activityWindowDays, "activityWindowDays", 7, 366);
  const adoptionWindowDays = input.adoptionWindowDays ?? DEFAULT_ENGAGEMENT_CONFIG.adoptionWindowDays;
  wholeNumber(adoptionWindowDays, "adoptionWindowDays", 1, 366);
  const adoptionThreshold = input.adoptionThreshold ?? DEFAULT_ENGAGEMENT_CONFIG.adoptionThreshold;
  if (typeof adoptionThreshold !== "number" || !(adoptionThreshold > 0 && adoptionThreshold <= 1)) {
    throw new AnalyticsConfigError("adoptionThreshold", `expected a share in (0, 1], got ${describe(adoptionThreshold)}`);
  }
  const firstValue = validateFirstValue(input.firstValue ?? DEFAULT_ENGAGEMENT_CONFIG.firstValue, "firstValue");
  const timeToValueTargetDays = input.timeToValueTargetDays ?? DEFAULT_ENGAGEMENT_CONFIG.timeToValueTargetDays;
  wholeNumber(timeToValueTargetDays, "timeToValueTargetDays", 1, 3660);
  const rawMilestones: unknown = input.milestones ?? DEFAULT_ENGAGEMENT_CONFIG.milestones;
  if (!Array.isArray(rawMilestones)) throw new AnalyticsConfigError("milestones", "expected a list of milestones");
  const ids = new Set<string>();
  const milestones = rawMilestones.map((m: unknown, i): MilestoneDefinition => {
    const path = `milestones[${i}]`;
    const v = m as Partial<Record<string, unknown>> | null;
    if (typeof v !== "object" || v === null) throw new AnalyticsConfigError(path, "expected { id, name, typicalDays, importance, criterion }");
    if (typeof v.id !== "string" || v.id === "") throw new AnalyticsConfigError(`${path}.id`, "expected a non-empty id");
    if (ids.has(v.id)) throw new AnalyticsConfigError(`${path}.id`, `id "${v.id}" is used twice`);
    ids.add(v.id);
    if (typeof v.name !== "string" || v.name === "") throw new AnalyticsConfigError(`${path}.name`, "expected a name");
    wholeNumber(v.typicalDays, `${path}.typicalDays`, 0, 3660);
    if (!IMPORTANCES.includes(v.importance as MilestoneImportance)) {
      throw new AnalyticsConfigError(`${path}.importance`, `expected one of: ${IMPORTANCES.join(", ")}`);
    }
    return {
      id: v.id,
      name: v.name,
      typicalDays: v.typicalDays as number,
      importance: v.importance as MilestoneImportance,
      criterion: validateCriterion(v.criterion, `${path}.criterion`),
    };
  });
  const config: EngagementConfig = Object.freeze({
    activityWindowDays,
    adoptionWindowDays,
    adoptionThreshold,
    firstValue,
    timeToValueTargetDays,
    milestones,
    anomaly: validateAnomalyConfig(input.anomaly),
  });
  validatedConfigs.add(config);
  return config;
}

// ---- activity ---------------------------------------------------------------------------------

export interface ActivityMetrics {
  readonly status: "ok" | "no_data";
  /** First and last day of the window actually covered. */
  readonly from: string | null;
  readonly to: string;
  readonly windowDays: number;
  readonly coveredDays: number;
  /** Days in the window with at least one active user. */
  readonly activeDays: number;
  readonly dau: number;
  readonly wau: number;
  readonly mau: number;
  /** DAU ÷ MAU in [0, 1]. */
  readonly stickiness: number;
  /** WAU ÷ MAU in [0, 1]. */
  readonly wauMau: number;
  readonly method: "distinct_user_ids" | "peak_daily_lower_bound";
  /** Sessions and events per active user-day. */
  readonly sessionsPerActiveUser: number;
  readonly eventsPerActiveUser: number;
  readonly explanation: string;
}

function distinctOrPeak(usage: PreparedUsage, from: number, to: number, exact: boolean): number {
  if (exact) {
    const ids = new Set<string>();
    for (let i = from; i < to; i++) for (const id of usage.userIds[i] ?? []) ids.add(id);
    return ids.size;
  }
  let peak = 0;
  for (let i = from; i < to; i++) peak = Math.max(peak, usage.activeUsers[i] as number);
  return peak;
}

/** DAU, WAU, MAU and stickiness over the activity window (see the module header for definitions). */
export function activityMetrics(usage: PreparedUsage, config: EngagementConfigInput = {}): ActivityMetrics {
  const { activityWindowDays } = validateEngagementConfig(config);
  const end = usage.length;
  const start = Math.max(0, end - activityWindowDays);
  const covered = end - start;
  const to = isoDay(usage.asOfDay);
  if (covered === 0) {
    return {
      status: "no_data",
      from: null,
      to,
      windowDays: activityWindowDays,
      coveredDays: 0,
      activeDays: 0,
      dau: 0,
      wau: 0,
      mau: 0,
      stickiness: 0,
      wauMau: 0,
      method: "peak_daily_lower_bound",
      sessionsPerActiveUser: 0,
      eventsPerActiveUser: 0,
      explanation: "No usage covers the activity window.",
    };
  }
  let userDays = 0;
  let sessions = 0;
  let events = 0;
  let activeDays = 0;
  let exact = true;
  for (let i = start; i < end; i++) {
    const a = usage.activeUsers[i] as number;
    userDays += a;
    sessions += usage.sessions[i] as number;
    events += usage.events[i] as number;
    if (a > 0) {
      activeDays++;
      if (usage.userIds[i] === undefined) exact = false;
    }
  }
  const dau = userDays / covered;
  const weekStart = Math.max(start, end - 7);
  const mau = distinctOrPeak(usage, start, end, exact);
  const wau = distinctOrPeak(usage, weekStart, end, exact);
  const stickiness = clamp(safeRatio(dau, mau), 0, 1);
  const method = exact ? "distinct_user_ids" : "peak_daily_lower_bound";
  return {
    status: "ok",
    from: isoDay(usage.firstDay + start),
    to,
    windowDays: activityWindowDays,
    coveredDays: covered,
    activeDays,
    dau,
    wau,
    mau,
    stickiness,
    wauMau: clamp(safeRatio(wau, mau), 0, 1),
    method,
    sessionsPerActiveUser: safeRatio(sessions, userDays),
    eventsPerActiveUser: safeRatio(events, userDays),
    explanation:
      `Over ${covered} day(s) to ${to}: ${dau.toFixed(1)} average daily active users, ` +
      `${mau} ${exact ? "distinct monthly users" : "at peak (a lower bound on distinct monthly users)"}, stickiness ${(stickiness * 100).toFixed(0)} %.`,
  };
}

// ---- feature adoption ---------------------------------------------------------------------

export type AdoptionLevel = "high" | "moderate" | "low";

export interface FeatureAdoptionEntry {
  readonly key: string;
  readonly category: FeatureCategory | null;
  /** False for features seen in the data but not declared (they do not count toward breadth). */
  readonly declared: boolean;
  readonly uses: number;
  readonly userDays: number;
  readonly daysUsed: number;
  /** Feature user-days ÷ active user-days, 0–1. */
  readonly adoptionRate: number;
  /** Uses ÷ active user-days. */
  readonly usesPerActiveUser: number;
  readonly level: AdoptionLevel;
  /** First covered day it was used (whole coverage, not only the window). */
  readonly firstUsedOn: string | null;
}

export interface FeatureAdoption {
  readonly status: "ok" | "no_activity";
  readonly windowDays: number;
  readonly coveredDays: number;
  readonly threshold: number;
  /** Declared features; null when none were declared. */
  readonly availableFeatures: number | null;
  /** Declared features used in the window (all used features when none were declared). */
  readonly usedFeatures: number;
  /** usedFeatures ÷ availableFeatures in [0, 1]; null when no features were declared. */
  readonly breadth: number | null;
  /** Mean uses per active user-day over used features; 0 when none was used. */
  readonly depth: number;
  /** Declared features first, in declaration order, then undeclared ones by key. */
  readonly features: readonly FeatureAdoptionEntry[];
  /** Declared features whose adoption rate is below the threshold, lowest first. */
  readonly underutilized: readonly string[];
  readonly explanation: string;
}

function firstUsedSlot(uses: Float64Array | undefined): number | null {
  if (uses === undefined) return null;
  for (let i = 0; i < uses.length; i++) if ((uses[i] as number) > 0) return i;
  return null;
}

/** Per-feature adoption, breadth and depth over the adoption window. */
export function featureAdoption(usage: PreparedUsage, config: EngagementConfigInput = {}): FeatureAdoption {
  const c = validateEngagementConfig(config);
  const end = usage.length;
  const start = Math.max(0, end - c.adoptionWindowDays);
  let activeUserDays = 0;
  for (let i = start; i < end; i++) activeUserDays += usage.activeUsers[i] as number;

  const declared = usage.declaredFeatures;
  const declaredKeys = new Set(declared?.map((f) => f.key) ?? []);
  const keys = [
    ...(declared?.map((f) => f.key) ?? []),
    ...[...usage.featureUses.keys()].filter((k) => !declaredKeys.has(k)).sort(),
  ];
  const categories = new Map(declared?.map((f) => [f.key, f.category ?? null]) ?? []);
  const features = keys.map((key): FeatureAdoptionEntry => {
    const users = usage.featureUsers.get(key);
    const uses = usage.featureUses.get(key);
    let u = 0;
    let n = 0;
    let daysUsed = 0;
    for (let i = start; i < end; i++) {
      const du = uses === undefined ? 0 : (uses[i] as number);
      u += users === undefined ? 0 : (users[i] as number);
      n += du;
      if (du > 0) daysUsed++;
    }
    const adoptionRate = clamp(safeRatio(u, activeUserDays), 0, 1);
    const first = firstUsedSlot(uses);
    return {
      key,
      category: categories.get(key) ?? null,
      declared: declaredKeys.has(key),
      uses: n,
      userDays: u,
      daysUsed,
      adoptionRate,
      usesPerActiveUser: safeRatio(n, activeUserDays),
      level: adoptionRate >= 2 * c.adoptionThreshold ? "high" : adoptionRate >= c.adoptionThreshold ? "moderate" : "low",
      firstUsedOn: first === null ? null : isoDay(usage.firstDay + first),
    };
  });
  const used = features.filter((f) => f.uses > 0 && (declared === null || f.declared));
  const breadth = declared === null ? null : clamp(safeRatio(used.length, declared.length), 0, 1);
  const depth = safeRatio(
    used.reduce((sum, f) => sum + f.usesPerActiveUser, 0),
    used.length,
  );
  const underutilized = features
    .filter((f) => f.declared && f.adoptionRate < c.adoptionThreshold)
    .sort((a, b) => a.adoptionRate - b.adoptionRate || (a.key < b.key ? -1 : 1))
    .map((f) => f.key);
  const status = activeUserDays > 0 ? "ok" : "no_activity";
  return {
    status,
    windowDays: c.adoptionWindowDays,
    coveredDays: end - start,
    threshold: c.adoptionThreshold,
    availableFeatures: declared === null ? null : declared.length,
    usedFeatures: used.length,
    breadth,
    depth,
    features,
    underutilized,
    explanation:
      status === "no_activity"
        ? "No active users in the adoption window, so no feature adoption to measure."
        : breadth === null
          ? `${used.length} feature(s) used; declare the available features to measure breadth.`
          : `${used.length} of ${declared?.length} features used (breadth ${(breadth * 100).toFixed(0)} %), ${depth.toFixed(2)} uses per feature per active user-day.`,
  };
}

// ---- time to first value ------------------------------------------------------------------

export interface TimeToFirstValue {
  readonly status: "reached" | "not_reached" | "no_data";
  readonly reachedOn: string | null;
  /** Days from the start to the first-value day (0 when reached on or before the start). */
  readonly days: number | null;
  /** Days from the start to asOf. */
  readonly elapsedDays: number | null;
  readonly targetDays: number;
  /** Reached within the target; false when reached late or still unreached past it; null while still in time. */
  readonly onTarget: boolean | null;
  /** False when usage data starts after the start date, so the first-value day may have been earlier. */
  readonly dataCoversStart: boolean;
  /** The definition applied, in words. */
  readonly definition: string;
}

/** First slot meeting the value definition, or null. */
function firstValueSlot(usage: PreparedUsage, def: FirstValueDefinition): { slot: number | null; definition: string } {
  if (def.kind === "active_users") {
    // An account licensed for fewer seats than the bar reaches value when all its seats are active.
    const need = usage.seats === null ? def.atLeast : Math.min(def.atLeast, usage.seats);
    for (let i = 0; i < usage.length; i++) if ((usage.activeUsers[i] as number) >= need) return { slot: i, definition: `first day with ≥ ${need} active users` };
    return { slot: null, definition: `first day with ≥ ${need} active users` };
  }
  const minUses = def.minUses ?? 1;
  const definition = `first day with ≥ ${minUses} use(s) of "${def.feature}"`;
  const uses = usage.featureUses.get(def.feature);
  if (uses !== undefined) for (let i = 0; i < usage.length; i++) if ((uses[i] as number) >= minUses) return { slot: i, definition };
  return { slot: null, definition };
}

/** Days from the start to the first day of value, against the target. */
export function timeToFirstValue(usage: PreparedUsage, config: EngagementConfigInput = {}): TimeToFirstValue {
  const c = validateEngagementConfig(config);
  const { slot, definition } = firstValueSlot(usage, c.firstValue);
  const elapsedDays = usage.startDay === null ? null : usage.asOfDay - usage.startDay;
  // Built field by field: object spread is an order of magnitude slower in V8 on this path.
  const result = (status: TimeToFirstValue["status"], day: number | null, days: number | null, onTarget: boolean | null): TimeToFirstValue => ({
    status,
    reachedOn: day === null ? null : isoDay(day),
    days,
    elapsedDays,
    targetDays: c.timeToValueTargetDays,
    onTarget,
    dataCoversStart: usage.dataCoversStart,
    definition,
  });
  if (usage.length === 0 || usage.startDay === null) return result("no_data", null, null, null);
  if (slot === null) {
    const late = elapsedDays !== null && elapsedDays > c.timeToValueTargetDays;
    return result("not_reached", null, null, late ? false : null);
  }
  const day = usage.firstDay + slot;
  const days = Math.max(0, day - usage.startDay);
  return result("reached", day, days, days <= c.timeToValueTargetDays);
}

// ---- milestones ---------------------------------------------------------------------------

export type MilestoneStatus = "reached" | "reached_late" | "in_progress" | "overdue" | "not_evaluable";

export interface MilestoneProgress {
  readonly id: string;
  readonly name: string;
  readonly importance: MilestoneImportance;
  readonly typicalDays: number;
  /** reached / reached_late (after typicalDays) / in_progress / overdue (unreached past typicalDays) / not_evaluable (data missing). */
  readonly status: MilestoneStatus;
  readonly reachedOn: string | null;
  readonly daysToReach: number | null;
  readonly explanation: string;
}

export interface MilestoneSummary {
  readonly elapsedDays: number | null;
  readonly milestones: readonly MilestoneProgress[];
  readonly reached: number;
  /** Milestones the data could judge. */
  readonly evaluable: number;
  /** reached ÷ evaluable; null when none was evaluable. */
  readonly completion: number | null;
  readonly overdue: readonly string[];
}

type Reach = { day: number | null } | { notEvaluable: string };

function firstSlotAtLeast(values: Float64Array, need: number): number | null {
  for (let i = 0; i < values.length; i++) if ((values[i] as number) >= need) return i;
  return null;
}

function reachDay(usage: PreparedUsage, criterion: MilestoneCriterion, firstValue: FirstValueDefinition): Reach {
  const toDay = (slot: number | null): number | null => (slot === null ? null : usage.firstDay + slot);
  switch (criterion.kind) {
    case "active_users":
      return { day: toDay(firstSlotAtLeast(usage.activeUsers, criterion.atLeast)) };
    case "seat_share":
      if (usage.seats === null) return { notEvaluable: "seats are unknown" };
      return { day: toDay(firstSlotAtLeast(usage.activeUsers, criterion.atLeast * usage.seats)) };
    case "first_value":
      return { day: toDay(firstValueSlot(usage, firstValue).slot) };
    case "features_used": {
      const keys =
        criterion.features ??
        (usage.declaredFeatures ?? []).filter((f) => f.category === criterion.category).map((f) => f.key);
      if (keys.length === 0) return { notEvaluable: `no ${criterion.category} features are declared` };
      const firsts = keys.map((k) => firstUsedSlot(usage.featureUses.get(k)));
      if (criterion.mode === "all") {
        if (firsts.some((s) => s === null)) return { day: null };
        return { day: toDay(Math.max(...(firsts as number[]))) };
      }
      const seen = firsts.filter((s): s is number => s !== null);
      return { day: seen.length === 0 ? null : toDay(Math.min(...seen)) };
    }
    case "event": {
      if (usage.eventDays === null) return { notEvaluable: "no dated events were given" };
      const day = usage.eventDays.get(criterion.event);
      return { day: day === undefined || day > usage.asOfDay ? null : day };
    }
  }
}

/** Progress on each milestone: reached or not, when, and against its typical timeframe. */
export function adoptionMilestones(usage: PreparedUsage, config: EngagementConfigInput = {}): MilestoneSummary {
  const c = validateEngagementConfig(config);
  const startDay = usage.startDay;
  const elapsedDays = startDay === null ? null : usage.asOfDay - startDay;
  const milestones = c.milestones.map((m): MilestoneProgress => {
    // Built field by field: object spread is an order of magnitude slower in V8 on this path.
    const progress = (status: MilestoneStatus, day: number | null, daysToReach: number | null, explanation: string): MilestoneProgress => ({
      id: m.id,
      name: m.name,
      importance: m.importance,
      typicalDays: m.typicalDays,
      status,
      reachedOn: day === null ? null : isoDay(day),
      daysToReach,
      explanation,
    });
    const reach: Reach = startDay === null ? { notEvaluable: "there is no start date and no usage" } : reachDay(usage, m.criterion, c.firstValue);
    if ("notEvaluable" in reach || startDay === null || elapsedDays === null) {
      const why = "notEvaluable" in reach ? reach.notEvaluable : "there is no start date";
      return progress("not_evaluable", null, null, `Cannot tell: ${why}.`);
    }
    if (reach.day === null) {
      const overdue = elapsedDays > m.typicalDays;
      return progress(
        overdue ? "overdue" : "in_progress",
        null,
        null,
        overdue
          ? `Not reached after ${elapsedDays} days; typically reached by day ${m.typicalDays}.`
          : `Not reached yet (day ${elapsedDays} of a typical ${m.typicalDays}).`,
      );
    }
    const days = Math.max(0, reach.day - startDay);
    const late = days > m.typicalDays;
    return progress(
      late ? "reached_late" : "reached",
      reach.day,
      days,
      `Reached on day ${days}${late ? `, later than the typical ${m.typicalDays}` : ` (typical ${m.typicalDays})`}.`,
    );
  });
  const evaluable = milestones.filter((m) => m.status !== "not_evaluable").length;
  const reached = milestones.filter((m) => m.status === "reached" || m.status === "reached_late").length;
  return {
    elapsedDays,
    milestones,
    reached,
    evaluable,
    completion: evaluable === 0 ? null : reached / evaluable,
    overdue: milestones.filter((m) => m.status === "overdue").map((m) => m.id),
  };
}

// ---- everything at once -------------------------------------------------------------------

export interface EngagementAnalysis {
  readonly asOf: string;
  readonly activity: ActivityMetrics;
  readonly adoption: FeatureAdoption;
  readonly timeToFirstValue: TimeToFirstValue;
  readonly milestones: MilestoneSummary;
  readonly anomalies: AnomalyReport;
}

/**
 * Prepares the usage once and computes every engagement pattern.
 * @throws AnalyticsConfigError for a bad config or malformed usage, naming the field.
 */
export function analyzeEngagement(input: UsageInput, config: EngagementConfigInput = {}): EngagementAnalysis {
  const c = validateEngagementConfig(config);
  const usage = prepareUsage(input);
  return {
    asOf: isoDay(usage.asOfDay),
    activity: activityMetrics(usage, c),
    adoption: featureAdoption(usage, c),
    timeToFirstValue: timeToFirstValue(usage, c),
    milestones: adoptionMilestones(usage, c),
    anomalies: detectUsageAnomalies(usage, c.anomaly),
  };
}
