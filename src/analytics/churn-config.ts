/**
 * Churn model configuration: a logistic model's intercept and coefficients (points on the
 * logit scale), the reference points the factors are measured from, and the risk-level cut-offs.
 *
 * The defaults are priors, not a fitted model: each is justified below in words a CS lead can
 * argue with. A tenant should run `backtestChurnModel` on its own history before trusting them.
 */
import { AnalyticsConfigError } from "./errors";

/** Logit points per factor. Signs are constrained so that worse facts never lower the risk. */
export interface ChurnCoefficients {
  /** Per 10 health points below `reference.health` (negative points above it). ≥ 0. */
  readonly healthPer10Points: number;
  /** Per 10 points per 30 days of health decline (improvement adds nothing). ≥ 0. */
  readonly declinePer10Points: number;
  /** At a 100 % usage drop against baseline (linear in the drop). ≥ 0. */
  readonly usageDrop: number;
  /** Per support escalation in 90 days, up to `reference.maxEscalations`. ≥ 0. */
  readonly perEscalation: number;
  /** Latest NPS answer 0–6. ≥ 0. */
  readonly detractor: number;
  /** Latest NPS answer 9–10 (passives 7–8 add 0). ≤ 0. */
  readonly promoter: number;
  /** At payment component 0 (linear in 100 − payment score). ≥ 0. */
  readonly paymentTrouble: number;
  /** At the renewal date (linear from 0 at `reference.renewalWindowDays` out). ≥ 0. */
  readonly renewalProximity: number;
  /** When the primary contact (champion) has left. ≥ 0. */
  readonly lostChampion: number;
}

export interface ChurnReference {
  /** Health score at which the health-level factor is 0. Default 70. */
  readonly health: number;
  /** Days before renewal at which proximity starts to count. Default 90. */
  readonly renewalWindowDays: number;
  /** Escalations beyond this add nothing more. Default 5. */
  readonly maxEscalations: number;
}

/** Lower bounds (inclusive) of the medium, high and critical levels; below `medium` is low. */
export interface ChurnLevels {
  readonly medium: number;
  readonly high: number;
  readonly critical: number;
}

export type ChurnRiskLevel = "low" | "medium" | "high" | "critical";

declare const validatedChurnConfig: unique symbol;

/** A validated churn configuration. Only {@link validateChurnConfig} produces one. */
export interface ChurnConfig {
  /** Logit of an account at reference health with nothing else known or wrong. */
  readonly intercept: number;
  readonly coefficients: ChurnCoefficients;
  readonly reference: ChurnReference;
  readonly levels: ChurnLevels;
  readonly [validatedChurnConfig]: true;
}

/** What a tenant may send; every part optional and merged over the defaults. */
export interface ChurnConfigInput {
  intercept?: number;
  coefficients?: Partial<ChurnCoefficients>;
  reference?: Partial<ChurnReference>;
  levels?: Partial<ChurnLevels>;
}

/**
 * Default coefficients, each a judgement stated so it can be challenged (odds multiplier = e^points):
 */
export const DEFAULT_CHURN_COEFFICIENTS: ChurnCoefficients = Object.freeze({
  // 0.6 per 10 points: at health 40 (the churn-risk band) +1.8 → p ≈ 0.33 alone; at 20, +3.0 → 0.62;
  // at 90, −1.2 → 0.024. The seed's p = (100 − health)/100 said 0.60 at 40 with nothing else;
  // softer here because other factors add on top of health.
  healthPer10Points: 0.6,
  // 0.8 per 10 points/30 days: a decline of 10 a month (over 3× the "declining" threshold) more than
  // doubles the odds (e^0.8 ≈ 2.2) even before the level has fallen far.
  declinePer10Points: 0.8,
  // 2.0 at a full stop: the seed's trigger was a 30 % usage decline, which here adds 0.6 (odds ×1.8);
  // an account that stopped using the product entirely has ×7.4 odds.
  usageDrop: 2.0,
  // 0.4 per escalation (odds ×1.5 each), capped at 5 (+2.0): repeated escalations say the same
  // thing louder, not something new.
  perEscalation: 0.4,
  // +1.0 for a detractor (odds ×2.7): published NPS studies put detractors' churn at two to three
  // times passives'. Promoters −0.4 (odds ×0.67): loyal, but a single answer is weak evidence.
  detractor: 1.0,
  promoter: -0.4,
  // 1.5 at payment score 0: failed and overdue payments precede involuntary churn and signal budget
  // trouble; one failed payment plus a small overdue (payment ≈ 60) adds 0.6.
  paymentTrouble: 1.5,
  // 0.8 at the renewal date, rising linearly over the last 90 days (the seed's 90/60/30 checkpoints):
  // churn is decided at renewal, and the closer it is, the less time to change the outcome.
  renewalProximity: 0.8,
  // 1.2 (odds ×3.3): losing the champion removes the person who defends the renewal; CS teams
  // consistently rank it among the strongest churn signals.
  lostChampion: 1.2,
});

export const DEFAULT_CHURN_REFERENCE: ChurnReference = Object.freeze({ health: 70, renewalWindowDays: 90, maxEscalations: 5 });

/** The seed's cut-offs: < 0.25 low, < 0.50 medium, < 0.75 high, otherwise critical. */
export const DEFAULT_CHURN_LEVELS: ChurnLevels = Object.freeze({ medium: 0.25, high: 0.5, critical: 0.75 });

/**
 * −2.5 → σ(−2.5) ≈ 7.6 %: an account at reference health (70) with no other signal churns at about
 * the annual gross logo churn typical of B2B SaaS (5–10 %).
 */
export const DEFAULT_CHURN_INTERCEPT = -2.5;

/** Defaults as above. */
export const DEFAULT_CHURN_CONFIG: ChurnConfig = Object.freeze({
  intercept: DEFAULT_CHURN_INTERCEPT,
  coefficients: DEFAULT_CHURN_COEFFICIENTS,
  reference: DEFAULT_CHURN_REFERENCE,
  levels: DEFAULT_CHURN_LEVELS,
}) as ChurnConfig;

const COEFFICIENT_KEYS = [
  "healthPer10Points", "declinePer10Points", "usageDrop", "perEscalation", "detractor", "promoter",
  "paymentTrouble", "renewalProximity", "lostChampion",
] as const;
const REFERENCE_KEYS = ["health", "renewalWindowDays", "maxEscalations"] as const;
const LEVEL_KEYS = ["medium", "high", "critical"] as const;
const TOP_KEYS = ["intercept", "coefficients", "reference", "levels"] as const;

/** Largest |points| a coefficient may carry: e^10 ≈ 22,000× odds is already beyond any real effect. */
const MAX_ABS_POINTS = 10;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function refuseUnknownKeys(value: Record<string, unknown>, allowed: readonly string[], path: string): void {
  for (const key of Object.keys(value)) {
    if (!allowed.includes(key)) {
      throw new AnalyticsConfigError(path ? `${path}.${key}` : key, `unknown setting; use one of ${allowed.join(", ")}.`);
    }
  }
}

function finite(value: unknown, field: string, hint: string): number {
  if (typeof value !== "number" || !Number.isFinite(value)) {
    throw new AnalyticsConfigError(field, `must be a finite number (${hint}); got ${JSON.stringify(value) ?? String(value)}.`);
  }
  return value;
}

function section(value: unknown, path: string, keys: readonly string[]): Record<string, unknown> {
  if (value === undefined) return {};
  if (!isRecord(value)) throw new AnalyticsConfigError(path, `must be an object with ${keys.join(", ")}.`);
  refuseUnknownKeys(value, keys, path);
  return value;
}

/**
 * Checks a tenant's churn configuration and merges it over the defaults. Throws
 * {@link AnalyticsConfigError} naming the field (e.g. "coefficients.promoter", "levels.high").
 */
export function validateChurnConfig(input: unknown): ChurnConfig {
  if (input === undefined || input === null) return DEFAULT_CHURN_CONFIG;
  if (!isRecord(input)) throw new AnalyticsConfigError("config", "must be an object (or omitted for the defaults).");
  refuseUnknownKeys(input, TOP_KEYS, "");

  let intercept = DEFAULT_CHURN_INTERCEPT;
  if (input.intercept !== undefined) {
    intercept = finite(input.intercept, "intercept", "the logit of the base churn rate");
    if (Math.abs(intercept) > MAX_ABS_POINTS) {
      throw new AnalyticsConfigError("intercept", `is ${intercept}; keep it within ±${MAX_ABS_POINTS} (−2.5 ≈ 7.6 % base churn).`);
    }
  }

  const rawCoefficients = section(input.coefficients, "coefficients", COEFFICIENT_KEYS);
  const coefficients = { ...DEFAULT_CHURN_COEFFICIENTS };
  for (const key of COEFFICIENT_KEYS) {
    if (rawCoefficients[key] === undefined) continue;
    const field = `coefficients.${key}`;
    const v = finite(rawCoefficients[key], field, "logit points");
    if (Math.abs(v) > MAX_ABS_POINTS) throw new AnalyticsConfigError(field, `is ${v}; keep coefficients within ±${MAX_ABS_POINTS} logit points.`);
    if (key === "promoter" ? v > 0 : v < 0) {
      const sign = key === "promoter" ? "0 or negative" : "0 or positive";
      throw new AnalyticsConfigError(field, `is ${v}; it must be ${sign}, or worse facts would lower the churn risk.`);
    }
    coefficients[key] = v;
  }

  const rawReference = section(input.reference, "reference", REFERENCE_KEYS);
  const reference = { ...DEFAULT_CHURN_REFERENCE };
  if (rawReference.health !== undefined) {
    reference.health = finite(rawReference.health, "reference.health", "a health score 0–100");
    if (reference.health < 0 || reference.health > 100) {
      throw new AnalyticsConfigError("reference.health", `is ${reference.health}; it must lie within 0–100.`);
    }
  }
  if (rawReference.renewalWindowDays !== undefined) {
    reference.renewalWindowDays = finite(rawReference.renewalWindowDays, "reference.renewalWindowDays", "days");
    if (!(reference.renewalWindowDays > 0) || reference.renewalWindowDays > 3660) {
      throw new AnalyticsConfigError("reference.renewalWindowDays", `is ${reference.renewalWindowDays}; it must be more than 0 and at most 3660 days.`);
    }
  }
  if (rawReference.maxEscalations !== undefined) {
    reference.maxEscalations = finite(rawReference.maxEscalations, "reference.maxEscalations", "a count");
    if (!Number.isInteger(reference.maxEscalations) || reference.maxEscalations < 1) {
      throw new AnalyticsConfigError("reference.maxEscalations", `is ${reference.maxEscalations}; it must be a whole number of at least 1.`);
    }
  }

  const rawLevels = section(input.levels, "levels", LEVEL_KEYS);
  const levels = { ...DEFAULT_CHURN_LEVELS };
  for (const key of LEVEL_KEYS) {
    if (rawLevels[key] === undefined) continue;
    const v = finite(rawLevels[key], `levels.${key}`, "a probability");
    if (!(v > 0 && v < 1)) throw new AnalyticsConfigError(`levels.${key}`, `is ${v}; a cut-off must lie strictly between 0 and 1.`);
    levels[key] = v;
  }
  if (!(levels.high > levels.medium)) {
    throw new AnalyticsConfigError("levels.high", `is ${levels.high} but must be greater than levels.medium (${levels.medium}); cut-offs must be strictly increasing.`);
  }
  if (!(levels.critical > levels.high)) {
    throw new AnalyticsConfigError("levels.critical", `is ${levels.critical} but must be greater than levels.high (${levels.high}); cut-offs must be strictly increasing.`);
  }

  return Object.freeze({
    intercept,
    coefficients: Object.freeze(coefficients),
    reference: Object.freeze(reference),
    levels: Object.freeze(levels),
  }) as ChurnConfig;
}

/** Risk level of a probability: < medium low, < high medium, < critical high, else critical. */
export function churnRiskLevel(probability: number, levels: ChurnLevels): ChurnRiskLevel {
  if (probability < levels.medium) return "low";
  if (probability < levels.high) return "medium";
  if (probability < levels.critical) return "high";
  return "critical";
}
