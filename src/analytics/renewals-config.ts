/**
 * Configuration of the renewal model: documented defaults (ported from the seed where it had
 * a number, reasoned where it did not) and the validation that refuses a bad override.
 */
import { AnalyticsConfigError } from "./errors";
import {
  type ContractType,
  type CurveAnchor,
  type HealthBand,
  type HealthTrend,
  HEALTH_BANDS,
  isNonEmptyList,
  requireRange,
  validateCurve,
} from "./renewals-common";

/** Payment standing (seed PaymentStatus plus "late", which the seed's health score used). */
export type PaymentStatus = "current" | "late" | "overdue" | "payment_plan" | "at_risk";

/** The inputs the renewal model can use; coverage is measured over these. */
export type RenewalInputName =
  | "health"
  | "churnProbability"
  | "healthTrend"
  | "usageTrend"
  | "payment"
  | "escalations"
  | "contract"
  | "priorRenewals";

/** Every knob of the renewal model. All points are on the logit (log-odds) scale. */
export interface RenewalConfig {
  /**
   * Health score → renewal probability, interpolated linearly between anchors. The default
   * passes through the seed's `track_renewals` table at its band edges (60 → 0.65, 70 → 0.80,
   * 85 → 0.92, "else 0.40" placed at 40), with 0 → 0.15 and 100 → 0.96 at the ends.
   */
  healthCurve: readonly CurveAnchor[];
  /** Starting probability when neither a health score nor a band is known (seed's middle band, 0.70). */
  noHealthPrior: number;
  /** Representative score of each band, used only when the score itself is missing. */
  bandScores: Readonly<Record<HealthBand, number>>;
  /**
   * Share of the baseline taken from the churn model's (1 − churn probability) when it is given
   * alongside health (0.5: the churn model already summarizes health, so it does not replace it).
   * Without health the churn model sets the baseline alone.
   */
  churnBlendWeight: number;
  /** Points for the health trend. Losses weigh more than gains. */
  trendPoints: Readonly<Record<HealthTrend, number>>;
  /** Points when the renewal date has passed with no renewal recorded. */
  lateRenewalPoints: number;
  /** An at-risk account this close to renewal (days) has little time to recover... */
  closeRenewalDays: number;
  /** ...and loses these points. */
  closeAtRiskPoints: number;
  /** Health below this counts as at risk (the health engine's default "at risk" edge). */
  atRiskHealthBelow: number;
  /** A churn probability at or above this counts as at risk. */
  atRiskChurnProbability: number;
  /** Points per open escalation, and the floor the total cannot go below. */
  escalationPointsEach: number;
  escalationPointsCap: number;
  /** Points per payment standing (seed health: overdue −40, late −20 on a 100 scale). */
  paymentPoints: Readonly<Record<PaymentStatus, number>>;
  /** Points per failed payment in the last 90 days, and their floor. */
  failedPaymentPointsEach: number;
  failedPaymentPointsCap: number;
  /** Points per unit of fractional usage change (−0.30 = a 30 % drop), clamped to the range. */
  usageTrendSlope: number;
  usageTrendPointsRange: readonly [min: number, max: number];
  /** Points per contract type: monthly and quarterly contracts are easier to leave. */
  contractTypePoints: Readonly<Record<ContractType, number>>;
  /** Points when the contract renews automatically unless cancelled. */
  autoRenewPoints: number;
  /** Points by number of prior renewals (index; the last entry covers more). First renewals are the riskiest. */
  priorRenewalPoints: readonly number[];
  /** The probability is clamped to this range: no model is ever certain. */
  probabilityRange: readonly [floor: number, ceiling: number];
  /**
   * Risk cut-offs for the forecast: committed when p ≥ committedAtLeast, at risk when p < atRiskBelow,
   * probable in between (seed's forecast buckets averaged 0.91 / 0.72 / 0.45).
   */
  riskCutoffs: Readonly<{ committedAtLeast: number; atRiskBelow: number }>;
  /** Renewal ARR (current ARR plus expected change) is capped at ARR × this. */
  maxGrowthMultiple: number;
  /** How much each input is worth to the confidence figure; must sum to 1. */
  coverageWeights: Readonly<Record<RenewalInputName, number>>;
  /**
   * Far-off renewals are less certain: confidence is multiplied by 1 up to `fullConfidenceDays`,
   * falling linearly to `floorFactor` at `floorDays` and beyond.
   */
  horizon: Readonly<{ fullConfidenceDays: number; floorDays: number; floorFactor: number }>;
  /** Checkpoint offsets in days before renewal: positive, distinct, descending (seed: 90, 60, 30). */
  checkpointDays: readonly number[];
  /** A checkpoint this many days away or less is "due" (seed: reminders within 7 days were "pending"). */
  dueSoonDays: number;
}

/** Overrides: any top-level key; record-valued keys merge with the defaults. */
export type RenewalConfigInput = {
  [K in keyof RenewalConfig]?: RenewalConfig[K] extends Readonly<Record<string, number>>
    ? Partial<RenewalConfig[K]>
    : RenewalConfig[K];
};

/** The documented defaults. */
export const DEFAULT_RENEWAL_CONFIG: RenewalConfig = Object.freeze({
  healthCurve: [
    [0, 0.15],
    [40, 0.4],
    [60, 0.65],
    [70, 0.8],
    [85, 0.92],
    [100, 0.96],
  ],
  noHealthPrior: 0.7,
  bandScores: { churn_risk: 25, at_risk: 50, neutral: 67.5, healthy: 82.5, champion: 95 },
  churnBlendWeight: 0.5,
  trendPoints: { improving: 0.25, stable: 0, declining: -0.5 },
  lateRenewalPoints: -0.5,
  closeRenewalDays: 30,
  closeAtRiskPoints: -0.3,
  atRiskHealthBelow: 60,
  atRiskChurnProbability: 0.5,
  escalationPointsEach: -0.35,
  escalationPointsCap: -1.05,
  paymentPoints: { current: 0, late: -0.3, payment_plan: -0.3, at_risk: -0.6, overdue: -0.8 },
  failedPaymentPointsEach: -0.2,
  failedPaymentPointsCap: -0.6,
  usageTrendSlope: 1.5,
  usageTrendPointsRange: [-0.75, 0.3],
  contractTypePoints: { annual: 0, multi_year: 0.4, quarterly: -0.2, monthly: -0.3 },
  autoRenewPoints: 0.3,
  priorRenewalPoints: [-0.15, 0.2, 0.4, 0.6],
  probabilityRange: [0.02, 0.98],
  riskCutoffs: { committedAtLeast: 0.8, atRiskBelow: 0.5 },
  maxGrowthMultiple: 3,
  coverageWeights: {
    health: 0.3,
    churnProbability: 0.15,
    healthTrend: 0.1,
    usageTrend: 0.1,
    payment: 0.1,
    escalations: 0.1,
    contract: 0.08,
    priorRenewals: 0.07,
  },
  horizon: { fullConfidenceDays: 90, floorDays: 365, floorFactor: 0.6 },
  checkpointDays: [90, 60, 30],
  dueSoonDays: 7,
} satisfies RenewalConfig);

const TRENDS: readonly HealthTrend[] = ["improving", "stable", "declining"];
const PAYMENTS: readonly PaymentStatus[] = ["current", "late", "overdue", "payment_plan", "at_risk"];
const CONTRACTS: readonly ContractType[] = ["annual", "multi_year", "monthly", "quarterly"];
const INPUTS: readonly RenewalInputName[] = [
  "health",
  "churnProbability",
  "healthTrend",
  "usageTrend",
  "payment",
  "escalations",
  "contract",
  "priorRenewals",
];

function penalty(value: number, field: string): void {
  requireRange(value, -10, 0, field, "penalties are zero or negative logit points (e.g. -0.5); a risk must never raise the probability.");
}

function bonus(value: number, field: string): void {
  requireRange(value, 0, 10, field, "bonuses are zero or positive logit points (e.g. 0.3).");
}

/**
 * Validates and checks the renewal checkpoint list on its own (the scheduler uses it without
 * the rest of the model): positive whole days, distinct, descending.
 */
export function validateCheckpointDays(days: readonly number[], field = "checkpointDays"): void {
  if (!isNonEmptyList(days)) {
    throw new AnalyticsConfigError(field, "needs at least one checkpoint, e.g. [90, 60, 30].");
  }
  days.forEach((d, i) => {
    if (!Number.isInteger(d) || d <= 0) {
      throw new AnalyticsConfigError(`${field}[${i}]`, `${String(d)} must be a positive whole number of days before renewal, e.g. 30.`);
    }
    const prev = days[i - 1];
    if (prev !== undefined && d === prev) {
      throw new AnalyticsConfigError(`${field}[${i}]`, `${d} appears twice; each checkpoint must be distinct.`);
    }
    if (prev !== undefined && d > prev) {
      throw new AnalyticsConfigError(`${field}[${i}]`, `${d} follows ${prev}; list checkpoints in descending order, e.g. [90, 60, 30].`);
    }
  });
}

/**
 * Merges overrides onto the defaults and validates the result.
 * @throws AnalyticsConfigError naming the field and the fix.
 */
export function resolveRenewalConfig(input: RenewalConfigInput = {}): RenewalConfig {
  const d = DEFAULT_RENEWAL_CONFIG;
  const config: RenewalConfig = {
    ...d,
    ...stripUndefined(input),
    bandScores: { ...d.bandScores, ...stripUndefined(input.bandScores ?? {}) },
    trendPoints: { ...d.trendPoints, ...stripUndefined(input.trendPoints ?? {}) },
    paymentPoints: { ...d.paymentPoints, ...stripUndefined(input.paymentPoints ?? {}) },
    contractTypePoints: { ...d.contractTypePoints, ...stripUndefined(input.contractTypePoints ?? {}) },
    riskCutoffs: { ...d.riskCutoffs, ...stripUndefined(input.riskCutoffs ?? {}) },
    coverageWeights: { ...d.coverageWeights, ...stripUndefined(input.coverageWeights ?? {}) },
    horizon: { ...d.horizon, ...stripUndefined(input.horizon ?? {}) },
  };

  validateCurve(config.healthCurve, "healthCurve");
  requireRange(config.noHealthPrior, 0.01, 0.99, "noHealthPrior", "use a probability such as 0.7.");
  for (const band of HEALTH_BANDS) {
    requireRange(config.bandScores[band], 0, 100, `bandScores.${band}`, "use a health score between 0 and 100.");
  }
  HEALTH_BANDS.forEach((band, i) => {
    const prev = HEALTH_BANDS[i - 1];
    if (prev && config.bandScores[band] < config.bandScores[prev]) {
      throw new AnalyticsConfigError(`bandScores.${band}`, `must not be below bandScores.${prev}; a better band must stand for a better score.`);
    }
  });
  requireRange(config.churnBlendWeight, 0, 0.99, "churnBlendWeight", "use a share below 1 (e.g. 0.5) so health still counts.");
  for (const t of TRENDS) requireRange(config.trendPoints[t], -10, 10, `trendPoints.${t}`, "use logit points such as -0.5.");
  if (!(config.trendPoints.declining <= config.trendPoints.stable && config.trendPoints.stable <= config.trendPoints.improving)) {
    throw new AnalyticsConfigError("trendPoints", "must satisfy declining ≤ stable ≤ improving.");
  }
  penalty(config.lateRenewalPoints, "lateRenewalPoints");
  requireRange(config.closeRenewalDays, 0, 365, "closeRenewalDays", "use a number of days such as 30.");
  penalty(config.closeAtRiskPoints, "closeAtRiskPoints");
  requireRange(config.atRiskHealthBelow, 0, 100, "atRiskHealthBelow", "use a health score such as 60.");
  requireRange(config.atRiskChurnProbability, 0, 1, "atRiskChurnProbability", "use a probability such as 0.5.");
  penalty(config.escalationPointsEach, "escalationPointsEach");
  penalty(config.escalationPointsCap, "escalationPointsCap");
  for (const p of PAYMENTS) penalty(config.paymentPoints[p], `paymentPoints.${p}`);
  penalty(config.failedPaymentPointsEach, "failedPaymentPointsEach");
  penalty(config.failedPaymentPointsCap, "failedPaymentPointsCap");
  bonus(config.usageTrendSlope, "usageTrendSlope");
  const [uMin, uMax] = config.usageTrendPointsRange;
  penalty(uMin, "usageTrendPointsRange[0]");
  bonus(uMax, "usageTrendPointsRange[1]");
  for (const c of CONTRACTS) requireRange(config.contractTypePoints[c], -10, 10, `contractTypePoints.${c}`, "use logit points such as -0.3.");
  bonus(config.autoRenewPoints, "autoRenewPoints");
  if (!isNonEmptyList(config.priorRenewalPoints)) {
    throw new AnalyticsConfigError("priorRenewalPoints", "needs at least one entry (points for a first renewal), e.g. [-0.15, 0.2, 0.4, 0.6].");
  }
  config.priorRenewalPoints.forEach((v, i) => {
    requireRange(v, -10, 10, `priorRenewalPoints[${i}]`, "use logit points such as 0.2.");
    const prev = config.priorRenewalPoints[i - 1];
    if (prev !== undefined && v < prev) {
      throw new AnalyticsConfigError(`priorRenewalPoints[${i}]`, `${v} follows ${prev}; more prior renewals must never lower the probability.`);
    }
  });
  const [floor, ceiling] = config.probabilityRange;
  requireRange(floor, 0, 0.5, "probabilityRange[0]", "use a small floor such as 0.02.");
  requireRange(ceiling, 0.5, 1, "probabilityRange[1]", "use a ceiling such as 0.98.");
  const { committedAtLeast, atRiskBelow } = config.riskCutoffs;
  requireRange(atRiskBelow, 0, 1, "riskCutoffs.atRiskBelow", "use a probability such as 0.5.");
  requireRange(committedAtLeast, 0, 1, "riskCutoffs.committedAtLeast", "use a probability such as 0.8.");
  if (atRiskBelow > committedAtLeast) {
    throw new AnalyticsConfigError("riskCutoffs", `atRiskBelow (${atRiskBelow}) must not exceed committedAtLeast (${committedAtLeast}); the bands would overlap.`);
  }
  requireRange(config.maxGrowthMultiple, 1, 100, "maxGrowthMultiple", "use a multiple of ARR of at least 1, e.g. 3.");
  let weightSum = 0;
  for (const name of INPUTS) {
    const w = config.coverageWeights[name];
    requireRange(w, 0, 1, `coverageWeights.${name}`, "use a share between 0 and 1.");
    weightSum += w;
  }
  if (Math.abs(weightSum - 1) > 1e-6) {
    throw new AnalyticsConfigError("coverageWeights", `sum to ${weightSum.toFixed(3)}; they must sum to 1.`);
  }
  const h = config.horizon;
  requireRange(h.fullConfidenceDays, 0, 3650, "horizon.fullConfidenceDays", "use a number of days such as 90.");
  requireRange(h.floorDays, 0, 3650, "horizon.floorDays", "use a number of days such as 365.");
  if (h.floorDays <= h.fullConfidenceDays) {
    throw new AnalyticsConfigError("horizon.floorDays", `must be later than horizon.fullConfidenceDays (${h.fullConfidenceDays}).`);
  }
  requireRange(h.floorFactor, 0, 1, "horizon.floorFactor", "use a factor such as 0.6.");
  validateCheckpointDays(config.checkpointDays);
  requireRange(config.dueSoonDays, 0, 365, "dueSoonDays", "use a number of days such as 7.");
  return Object.freeze(config);
}

/** Drops keys explicitly set to undefined so they do not erase defaults. */
function stripUndefined<T extends object>(value: T): Partial<T> {
  const out: Partial<T> = {};
  for (const key of Object.keys(value) as (keyof T)[]) {
    if (value[key] !== undefined) out[key] = value[key];
  }
  return out;
}
