/**
 * Health trend from past snapshots: the least-squares slope of score against time, expressed in
 * score points per 30 days. Replaces the seed's "current minus last saved score", which one noisy
 * snapshot could flip.
 */
import { AnalyticsConfigError } from "./errors";
import { MS_PER_DAY } from "./math";

/** One stored health score. `at` is an ISO 8601 date (UTC) or date-time with a zone. */
export interface HealthSnapshot {
  at: string;
  score: number;
}

export type HealthTrendDirection = "improving" | "declining" | "stable" | "insufficient_history";

export interface HealthTrendResult {
  /** improving: slope > +threshold; declining: slope < −threshold; stable otherwise. */
  direction: HealthTrendDirection;
  /** Least-squares slope in score points per 30 days; null with fewer than 2 distinct times. */
  slopePer30Days: number | null;
  /** Snapshots used. */
  points: number;
}

/** Date-only (UTC midnight) or date-time with an explicit zone, so no machine's local time leaks in. */
const ISO_DATE = /^\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:\d{2}))?$/;

const NO_HISTORY: HealthTrendResult = Object.freeze({ direction: "insufficient_history", slopePer30Days: null, points: 0 });

/** Parses a snapshot time to epoch ms, or throws naming `field`. */
export function parseSnapshotTime(at: unknown, field: string): number {
  const ms = typeof at === "string" && ISO_DATE.test(at) ? Date.parse(at) : Number.NaN;
  if (!Number.isFinite(ms)) {
    throw new AnalyticsConfigError(field, `must be an ISO 8601 date ("2026-03-01") or date-time with a zone ("2026-03-01T09:00:00Z"); got ${JSON.stringify(at) ?? String(at)}.`);
  }
  return ms;
}

/**
 * slope = Σ(xᵢ − x̄)(yᵢ − ȳ) / Σ(xᵢ − x̄)², x in days, y the score; reported × 30.
 * Fewer than 2 snapshots, or all at the same instant, gives "insufficient_history".
 * Throws {@link AnalyticsConfigError} on a snapshot with a bad date or a non-finite score.
 */
export function healthTrend(history: readonly HealthSnapshot[] | null | undefined, thresholdPer30Days = 3): HealthTrendResult {
  const n = history ? history.length : 0;
  if (n === 0 || !history) return NO_HISTORY;
  // Two passes over the input, no intermediate arrays: this runs once per account on recompute.
  let origin = 0;
  let meanX = 0;
  let meanY = 0;
  for (let i = 0; i < n; i++) {
    const snap = history[i] as HealthSnapshot;
    const x = parseSnapshotTime(snap.at, `history[${i}].at`);
    if (typeof snap.score !== "number" || !Number.isFinite(snap.score)) {
      throw new AnalyticsConfigError(`history[${i}].score`, `must be a finite number; got ${JSON.stringify(snap.score) ?? String(snap.score)}.`);
    }
    if (i === 0) origin = x;
    meanX += (x - origin) / MS_PER_DAY;
    meanY += snap.score;
  }
  if (n < 2) return { direction: "insufficient_history", slopePer30Days: null, points: n };
  meanX /= n;
  meanY /= n;
  let sxy = 0;
  let sxx = 0;
  for (let i = 0; i < n; i++) {
    const snap = history[i] as HealthSnapshot;
    const dx = (Date.parse(snap.at) - origin) / MS_PER_DAY - meanX;
    sxy += dx * (snap.score - meanY);
    sxx += dx * dx;
  }
  if (!(sxx > 0)) return { direction: "insufficient_history", slopePer30Days: null, points: n };
  const slope = (sxy / sxx) * 30;
  const direction: HealthTrendDirection = slope > thresholdPer30Days ? "improving" : slope < -thresholdPer30Days ? "declining" : "stable";
  return { direction, slopePer30Days: slope, points: n };
}
