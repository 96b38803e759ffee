/**
 * Primitives shared by the renewal and expansion models: UTC dates, the logit scale both
 * models add their factors on, piecewise-linear anchor curves, and the health bands they read.
 * Pure; nothing here touches the clock.
 */
import { AnalyticsConfigError } from "./errors";
import { clamp, MS_PER_DAY } from "./math";

/** A point in time: a Date, epoch milliseconds, or an ISO string ("2026-03-01" is UTC midnight). */
export type DateInput = Date | number | string;

/**
 * Health bands as the health engine names them (defaults: churn risk < 40, at risk < 60,
 * healthy > 75, champion > 90; "neutral" is the band in between). Callers whose tenant
 * renames bands map them onto these five.
 */
export type HealthBand = "churn_risk" | "at_risk" | "neutral" | "healthy" | "champion";

export const HEALTH_BANDS: readonly HealthBand[] = ["churn_risk", "at_risk", "neutral", "healthy", "champion"];

/** Trend of the health score from past snapshots. */
export type HealthTrend = "improving" | "stable" | "declining";

/** Contract types (seed enum ContractType). */
export type ContractType = "annual" | "multi_year" | "monthly" | "quarterly";

/** The tier ladder, lowest first (seed enum CustomerTier). */
export type Tier = "starter" | "standard" | "professional" | "enterprise";

export const TIERS: readonly Tier[] = ["starter", "standard", "professional", "enterprise"];

/** An anchor of a curve: input score (0–100) and the probability at that score. */
export type CurveAnchor = readonly [score: number, probability: number];

const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;
const HAS_ZONE = /(Z|[+-]\d{2}:?\d{2})$/i;

/**
 * Epoch milliseconds of a date input. Strings without a zone are read as UTC (JavaScript
 * would read a date-time without a zone as local time, which differs between Node and workerd).
 * @throws AnalyticsConfigError naming `field` when the value is not a valid date.
 */
export function toEpochMs(value: DateInput, field: string): number {
  const ms = parseEpochMs(value);
  if (!Number.isFinite(ms)) {
    throw new AnalyticsConfigError(field, `"${String(value)}" is not a date; send an ISO date such as "2026-03-01" or a timestamp.`);
  }
  return ms;
}

/** Like `toEpochMs` but returns NaN instead of throwing (for hot loops that name the field only on failure). */
export function parseEpochMs(value: DateInput): number {
  if (value instanceof Date) return value.getTime();
  if (typeof value === "number") return value;
  if (typeof value !== "string") return Number.NaN;
  const text = value.trim();
  return DATE_ONLY.test(text) || HAS_ZONE.test(text) ? Date.parse(text) : Date.parse(`${text}Z`);
}

/** The UTC day number (days since 1970-01-01) of an epoch-millisecond instant. */
export function utcDayNumber(ms: number): number {
  return Math.floor(ms / MS_PER_DAY);
}

/** "YYYY-MM-DD" of a UTC day number. */
export function isoDay(dayNumber: number): string {
  return new Date(dayNumber * MS_PER_DAY).toISOString().slice(0, 10);
}

/** Natural log of the odds; `p` is clamped away from 0 and 1 so the result is finite. */
export function logit(p: number): number {
  const q = clamp(p, 1e-9, 1 - 1e-9);
  return Math.log(q / (1 - q));
}

/** The logistic function, inverse of `logit`. */
export function sigmoid(x: number): number {
  if (x >= 0) return 1 / (1 + Math.exp(-x));
  const e = Math.exp(x);
  return e / (1 + e);
}

/**
 * Linear interpolation through ascending anchors; flat beyond the first and last anchor.
 * Non-decreasing whenever the anchors' probabilities are (validated by `validateCurve`).
 */
export function interpolateCurve(curve: readonly CurveAnchor[], score: number): number {
  const first = curve[0];
  const last = curve[curve.length - 1];
  if (!first || !last) return 0.5;
  if (score <= first[0]) return first[1];
  if (score >= last[0]) return last[1];
  for (let i = 1; i < curve.length; i++) {
    const hi = curve[i];
    const lo = curve[i - 1];
    if (hi && lo && score <= hi[0]) {
      const t = (score - lo[0]) / (hi[0] - lo[0]);
      return lo[1] + t * (hi[1] - lo[1]);
    }
  }
  return last[1];
}

/**
 * True for a non-empty array. Unlike a bare `Array.isArray`, it does not narrow a readonly
 * array to `any[]` (configuration arrives from JSON, so the runtime check is still wanted).
 */
export function isNonEmptyList(value: unknown, minLength = 1): boolean {
  return Array.isArray(value) && value.length >= minLength;
}

/** Refuses a curve that is not usable as a monotone score → probability map. */
export function validateCurve(curve: readonly CurveAnchor[], field: string): void {
  if (!isNonEmptyList(curve, 2)) {
    throw new AnalyticsConfigError(field, "needs at least two [score, probability] anchors, e.g. [[0, 0.15], [100, 0.95]].");
  }
  curve.forEach((anchor, i) => {
    const [score, probability] = anchor;
    if (!Number.isFinite(score) || score < 0 || score > 100) {
      throw new AnalyticsConfigError(`${field}[${i}][0]`, `score ${score} must be between 0 and 100.`);
    }
    if (!Number.isFinite(probability) || probability <= 0 || probability >= 1) {
      throw new AnalyticsConfigError(`${field}[${i}][1]`, `probability ${probability} must be strictly between 0 and 1.`);
    }
    const prev = curve[i - 1];
    if (prev && score <= prev[0]) {
      throw new AnalyticsConfigError(`${field}[${i}][0]`, `scores must increase; ${score} follows ${prev[0]}. List anchors from the lowest score up.`);
    }
    if (prev && probability < prev[1]) {
      throw new AnalyticsConfigError(
        `${field}[${i}][1]`,
        `probabilities must not fall as health rises; ${probability} follows ${prev[1]}. A better score must never lower the probability.`,
      );
    }
  });
}

/** Refuses a number outside [min, max] (or not finite). */
export function requireRange(value: number, min: number, max: number, field: string, fix: string): void {
  if (typeof value !== "number" || !Number.isFinite(value) || value < min || value > max) {
    throw new AnalyticsConfigError(field, `${String(value)} is out of range [${min}, ${max}]; ${fix}`);
  }
}

/** A finite number or null: NaN, ±Infinity and undefined all mean "no data". */
export function known(value: number | null | undefined): number | null {
  return typeof value === "number" && Number.isFinite(value) ? value : null;
}

/** Formats a 0–1 share as a whole percentage for explanation sentences. */
export function pct(share: number): string {
  return `${Math.round(share * 100)} %`;
}

/** Formats money for explanation sentences (no currency symbol: tenants bill in their own). */
export function money(amount: number): string {
  // Hand-rolled grouping: the output must not depend on the runtime's Intl data.
  const whole = Math.round(Math.abs(amount)).toString();
  const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  return amount < 0 && whole !== "0" ? `-${grouped}` : grouped;
}

/** Formats logit points with a sign. */
export function points(value: number): string {
  const r = Math.round(value * 100) / 100;
  return `${r >= 0 ? "+" : ""}${r.toFixed(2)}`;
}
