/**
 * Renewals: the probability that an account renews and why, expected ARR at renewal, a forecast
 * by month and quarter, and the 90/60/30-day checkpoints.
 *
 * The model is additive on the log-odds (logit) scale. The baseline is the seed's renewal table
 * (§2.2: health ≥ 85 → 0.92, ≥ 70 → 0.80, ≥ 60 → 0.65, else 0.40) made continuous: a curve
 * through those band edges, so with no other information an account at health 85 gets exactly
 * 0.92. Each further fact adds or removes logit points; the points of all factors sum to the
 * logit, and the probability is sigmoid(logit) clamped to `probabilityRange`. Because every
 * factor is either independent of health or a penalty that only applies below a health edge,
 * a better health score never lowers the probability.
 */
export {
  assessRenewal,
  categorize,
  expectedRenewalArr,
  renewalProbability,
  scoreRenewalProbability,
  type RenewalAccount,
  type RenewalAssessment,
  type RenewalCategory,
  type RenewalFactor,
  type RenewalFactorName,
  type RenewalProbability,
  type RenewalSignals,
} from "./renewals-model";
export {
  forecastRenewals,
  type ForecastAccount,
  type ForecastPeriod,
  type ForecastQuarter,
  type ForecastTotals,
  type RenewalForecast,
  type RenewalForecastOptions,
} from "./renewals-forecast";
export {
  checkpointsDue,
  renewalCheckpoints,
  type CheckpointDue,
  type CheckpointStatus,
  type RenewalAction,
  type RenewalCheckpoint,
  type RenewalCheckpoints,
} from "./renewals-checkpoints";
export {
  DEFAULT_RENEWAL_CONFIG,
  resolveRenewalConfig,
  validateCheckpointDays,
  type PaymentStatus,
  type RenewalConfig,
  type RenewalConfigInput,
  type RenewalInputName,
} from "./renewals-config";
export type { ContractType, DateInput, HealthBand, HealthTrend } from "./renewals-common";
