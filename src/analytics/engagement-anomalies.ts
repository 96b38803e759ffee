/**
 * Usage anomalies: days whose value departs from the account's own recent baseline.
 *
 * Method (robust z-score): for each day, the baseline is the previous `baselineDays` days (the day
 * itself excluded), restricted to days of the same kind when `seasonality` asks for it. Expected =
 * the baseline's median; scale = 1.4826 × MAD (the median absolute deviation, scaled to match a
 * standard deviation on normal data), floored at `minScale` and at `minRelativeScale` × |median|.
 * Score = (actual − expected) / scale; |score| ≥ `threshold` is an anomaly (a spike above, a drop
 * below).
 *
 * Why median/MAD rather than mean/stddev: usage is spiky (a launch day, an outage), and one extreme
 * day inflates a standard deviation enough to hide the next real drop; the median and MAD ignore it.
 * Why floors rather than the usual mean-absolute-deviation fallback when the MAD is 0 (over half the
 * baseline identical, common with small steady counts): that fallback lets one outlier back in. With
 * the defaults (minScale 1 unit, minRelativeScale 0.1) a day must move 3.5 units and 35 % away from
 * a flat baseline to count, so a one-user wobble is never an infinite score.
 * Why weekday/weekend seasonality by default: B2B usage collapses at weekends, and a baseline mixing
 * both would flag every Saturday. The 3.5 default is Iglewicz and Hoaglin's cut-off for this score.
 *
 * A day whose baseline has fewer than `minBaselinePoints` values is not scored; a series with no
 * scorable day reports `insufficient_history` rather than guessing.
 */
import { AnalyticsConfigError } from "./errors";
import { describe, isoDay } from "./segments-dates";
import type { PreparedUsage } from "./engagement-usage";

export type AnomalyMetric = "activeUsers" | "sessions" | "events";
export const ANOMALY_METRICS: readonly AnomalyMetric[] = ["activeUsers", "sessions", "events"];

/** none: all baseline days; weekday_weekend: Mon–Fri against Mon–Fri, Sat/Sun against Sat/Sun; day_of_week: same weekday only. */
export type AnomalySeasonality = "none" | "weekday_weekend" | "day_of_week";
export const ANOMALY_SEASONALITIES: readonly AnomalySeasonality[] = ["none", "weekday_weekend", "day_of_week"];

export interface AnomalyConfig {
  /** Default activeUsers. */
  readonly metric: AnomalyMetric;
  /** Trailing days the baseline looks back over. Default 28. */
  readonly baselineDays: number;
  /** Fewest baseline values needed to score a day. Default 7 (a 28-day window has 8 weekend days). */
  readonly minBaselinePoints: number;
  /** |robust z| at or above which a day is anomalous. Default 3.5. */
  readonly threshold: number;
  /** Default weekday_weekend. */
  readonly seasonality: AnomalySeasonality;
  /** Floor on the scale, in the metric's unit. Default 1. */
  readonly minScale: number;
  /** Floor on the scale as a share of the baseline median. Default 0.1. */
  readonly minRelativeScale: number;
  /** Score only the most recent N days (the rest still serve as baseline); null scores every day. Default null. */
  readonly lastDays: number | null;
}

export const DEFAULT_ANOMALY_CONFIG: AnomalyConfig = Object.freeze({
  metric: "activeUsers",
  baselineDays: 28,
  minBaselinePoints: 7,
  threshold: 3.5,
  seasonality: "weekday_weekend",
  minScale: 1,
  minRelativeScale: 0.1,
  lastDays: null,
});

/** One anomalous day. */
export interface UsageAnomaly {
  readonly date: string;
  readonly direction: "drop" | "spike";
  readonly actual: number;
  /** The baseline median. */
  readonly expected: number;
  /** Robust z-score: (actual − expected) / scale. */
  readonly score: number;
  readonly scale: number;
  readonly baselinePoints: number;
}

export interface AnomalyReport {
  readonly status: "ok" | "insufficient_history";
  readonly metric: AnomalyMetric;
  readonly method: "median_mad";
  readonly threshold: number;
  readonly baselineDays: number;
  readonly seasonality: AnomalySeasonality;
  /** Days that had enough baseline to be scored. */
  readonly scoredDays: number;
  readonly firstScoredDate: string | null;
  /** In date order. */
  readonly anomalies: readonly UsageAnomaly[];
  readonly explanation: string;
}

// Configs this module produced; passing one back skips re-validation.
const validatedConfigs = new WeakSet<object>();

/** Merges with the defaults and checks each field. @throws AnalyticsConfigError naming "anomaly.<field>". */
export function validateAnomalyConfig(input: Partial<AnomalyConfig> = {}): AnomalyConfig {
  if (validatedConfigs.has(input)) return input as AnomalyConfig;
  const c: AnomalyConfig = { ...DEFAULT_ANOMALY_CONFIG, ...input };
  if (!ANOMALY_METRICS.includes(c.metric)) {
    throw new AnalyticsConfigError("anomaly.metric", `unknown metric ${describe(c.metric)}; use one of: ${ANOMALY_METRICS.join(", ")}`);
  }
  if (!ANOMALY_SEASONALITIES.includes(c.seasonality)) {
    throw new AnalyticsConfigError(
      "anomaly.seasonality",
      `unknown seasonality ${describe(c.seasonality)}; use one of: ${ANOMALY_SEASONALITIES.join(", ")}`,
    );
  }
  if (!Number.isInteger(c.baselineDays) || c.baselineDays < 3 || c.baselineDays > 366) {
    throw new AnalyticsConfigError("anomaly.baselineDays", `expected a whole number of days from 3 to 366, got ${describe(c.baselineDays)}`);
  }
  if (!Number.isInteger(c.minBaselinePoints) || c.minBaselinePoints < 3 || c.minBaselinePoints > c.baselineDays) {
    throw new AnalyticsConfigError(
      "anomaly.minBaselinePoints",
      `expected a whole number from 3 to baselineDays (${c.baselineDays}), got ${describe(c.minBaselinePoints)}`,
    );
  }
  if (typeof c.threshold !== "number" || !Number.isFinite(c.threshold) || c.threshold <= 0) {
    throw new AnalyticsConfigError("anomaly.threshold", `expected a score above 0 (3.5 is the usual cut-off), got ${describe(c.threshold)}`);
  }
  if (typeof c.minScale !== "number" || !Number.isFinite(c.minScale) || c.minScale <= 0) {
    throw new AnalyticsConfigError("anomaly.minScale", `expected a number above 0, got ${describe(c.minScale)}`);
  }
  if (typeof c.minRelativeScale !== "number" || !Number.isFinite(c.minRelativeScale) || c.minRelativeScale < 0 || c.minRelativeScale > 10) {
    throw new AnalyticsConfigError("anomaly.minRelativeScale", `expected a share of the median from 0 to 10, got ${describe(c.minRelativeScale)}`);
  }
  if (c.lastDays !== null && (!Number.isInteger(c.lastDays) || c.lastDays < 1)) {
    throw new AnalyticsConfigError("anomaly.lastDays", `expected null or a whole number ≥ 1, got ${describe(c.lastDays)}`);
  }
  const config = Object.freeze(c);
  validatedConfigs.add(config);
  return config;
}

/** Median of a sorted, non-empty array. */
function sortedMedian(sorted: Float64Array, n: number): number {
  const mid = n >> 1;
  return n % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/** 0 = Sunday … 6 = Saturday; day 0 (1970-01-01) was a Thursday. */
function dayOfWeek(day: number): number {
  return (((day + 4) % 7) + 7) % 7;
}

function seasonKey(seasonality: AnomalySeasonality, day: number): number {
  if (seasonality === "none") return 0;
  const dow = dayOfWeek(day);
  if (seasonality === "day_of_week") return dow;
  return dow === 0 || dow === 6 ? 1 : 0;
}

/**
 * Scores each covered day against its trailing baseline and returns the anomalous ones.
 * Deterministic; never NaN (a flat baseline is floored by `minScale`).
 */
export function detectUsageAnomalies(usage: PreparedUsage, config: Partial<AnomalyConfig> = {}): AnomalyReport {
  const c = validateAnomalyConfig(config);
  const values = usage[c.metric];
  const baseline = new Float64Array(c.baselineDays);
  const deviations = new Float64Array(c.baselineDays);
  const anomalies: UsageAnomaly[] = [];
  let scoredDays = 0;
  let firstScored: number | null = null;
  const from = c.lastDays === null ? 0 : Math.max(0, usage.length - c.lastDays);
  for (let i = from; i < usage.length; i++) {
    const day = usage.firstDay + i;
    const key = seasonKey(c.seasonality, day);
    let n = 0;
    for (let j = Math.max(0, i - c.baselineDays); j < i; j++) {
      if (seasonKey(c.seasonality, usage.firstDay + j) === key) baseline[n++] = values[j] as number;
    }
    if (n < c.minBaselinePoints) continue;
    const sorted = baseline.subarray(0, n).sort();
    const expected = sortedMedian(sorted, n);
    for (let j = 0; j < n; j++) deviations[j] = Math.abs((sorted[j] as number) - expected);
    const mad = sortedMedian(deviations.subarray(0, n).sort(), n);
    const scale = Math.max(1.4826 * mad, c.minScale, c.minRelativeScale * Math.abs(expected));
    const actual = values[i] as number;
    const score = (actual - expected) / scale;
    scoredDays++;
    firstScored ??= day;
    if (Math.abs(score) >= c.threshold) {
      anomalies.push({
        date: isoDay(day),
        direction: score < 0 ? "drop" : "spike",
        actual,
        expected,
        score,
        scale,
        baselinePoints: n,
      });
    }
  }
  const status = scoredDays === 0 ? "insufficient_history" : "ok";
  const explanation =
    status === "insufficient_history"
      ? `Insufficient history: no day had ${c.minBaselinePoints} comparable days in the ${c.baselineDays} days before it (covered: ${usage.length} days).`
      : anomalies.length === 0
        ? `No ${c.metric} anomalies in ${scoredDays} scored days (|robust z| < ${c.threshold}).`
        : `${anomalies.length} ${c.metric} anomal${anomalies.length === 1 ? "y" : "ies"} in ${scoredDays} scored days: ` +
          `${anomalies.filter((a) => a.direction === "drop").length} drop(s), ${anomalies.filter((a) => a.direction === "spike").length} spike(s).`;
  return {
    status,
    metric: c.metric,
    method: "median_mad",
    threshold: c.threshold,
    baselineDays: c.baselineDays,
    seasonality: c.seasonality,
    scoredDays,
    firstScoredDate: firstScored === null ? null : isoDay(firstScored),
    anomalies,
    explanation,
  };
}
