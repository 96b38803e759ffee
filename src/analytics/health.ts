/**
 * Health score 0–100 from an account's real facts, explained component by component.
 *
 *   score = Σ valueᵢ × wᵢ / Σ wⱼ   over the components j that have data
 *
 * A component without data is left out and the remaining weights renormalized; `coverage` is
 * the share of the configured weight that had data. No data at all → score null with a reason.
 * Formulas of the components: ./health-components.ts. Configuration: ./health-config.ts.
 * Words: ./health-explain.ts. Trend: ./health-trend.ts.
 *
 * {@link scoreHealth} is the hot path (recompute of a whole tenant): it reads a validated config,
 * reads each input field once, computes five numbers and builds the result object; explanations
 * are fixed sentences picked by what drove each component, so no number is formatted per account.
 */
import { type HealthFeatures, evaluateHealthComponents, newHealthEvaluation } from "./health-components";
import { type HealthBand, type HealthComponentName, type HealthConfig, healthBand } from "./health-config";
import { HEALTH_DRIVER_TEXT, HEALTH_MISSING_TEXT } from "./health-explain";
import { type HealthSnapshot, type HealthTrendResult, healthTrend } from "./health-trend";
import type { ScoreComponent } from "./explain";

// The public surface: formulas, configuration, words and trend. Input helpers stay internal.
export {
  type HealthEvaluation,
  type HealthFeatures,
  ENGAGEMENT_SUB_WEIGHTS,
  PAYMENT_PENALTIES,
  RECENCY_POINTS,
  RESPONSIVENESS_SUB_WEIGHTS,
  SATISFACTION_SUB_WEIGHTS,
  SUPPORT_PENALTIES,
  USAGE_SUB_WEIGHTS,
  cesPoints,
  csatPoints,
  engagementScore,
  evaluateHealthComponents,
  loginsPerSeat,
  newHealthEvaluation,
  npsPoints,
  overduePenalty,
  paymentScore,
  recencyScore,
  responsivenessScore,
  satisfactionScore,
  supportScore,
  usageScore,
} from "./health-components";
export * from "./health-config";
export { HEALTH_DRIVER_TEXT, HEALTH_MISSING_TEXT, describeHealthInputs } from "./health-explain";
export { type HealthSnapshot, type HealthTrendDirection, type HealthTrendResult, healthTrend } from "./health-trend";

/** Per-call context: which segment profile applies and the account's past snapshots. */
export interface HealthScoreContext {
  /** Segment key; selects `config.segmentProfiles[segment]` when present, else the tenant's weights. */
  segment?: string | null;
  /** Past snapshots for the trend (include the current score yourself if it should count). */
  history?: readonly HealthSnapshot[] | null;
}

export interface HealthScoreResult {
  /** Display value: the exact score rounded to one decimal; null when no component had data. */
  score: number | null;
  /** Σ contributions, unrounded. */
  exactScore: number | null;
  /** Band of the display value under the config's bands; null with the score. */
  band: HealthBand | null;
  /** Share (0–1) of the configured weight whose components had data. */
  coverage: number;
  /** All five components in fixed order; a missing one has value null, weight 0, contribution 0. */
  components: ScoreComponent<HealthComponentName>[];
  /** Components with no data, left out of the score (frozen when empty). */
  missing: readonly HealthComponentName[];
  /** Why the score is null; null when there is a score. */
  reason: string | null;
  /** "default" or the segment key whose weights were used. */
  profile: string;
  trend: HealthTrendResult;
}

type Component = ScoreComponent<HealthComponentName>;

function missingComponent(name: HealthComponentName): Component {
  return { name, value: null, weight: 0, contribution: 0, explanation: HEALTH_MISSING_TEXT[name] };
}

const NO_DATA_REASON =
  "No data for any health component (usage, engagement, support, satisfaction, payment); nothing to score, so no score rather than a guess.";

const NONE_MISSING: HealthComponentName[] = Object.freeze([]) as unknown as HealthComponentName[];

/** Reused for every account: the engine is synchronous, one call at a time, and reads it before returning. */
const evaluation = newHealthEvaluation();

/**
 * Scores one account. Pure and deterministic; `config` must come from `validateHealthConfig`
 * (validated once, reused for every account). Never returns NaN: a component is a finite 0–100
 * or absent, and the score is null only when nothing with weight had data.
 * Throws AnalyticsConfigError only for a malformed `context.history` entry.
 */
export function scoreHealth(features: HealthFeatures, config: HealthConfig, context?: HealthScoreContext): HealthScoreResult {
  let weights = config.weights;
  let profile = "default";
  const segment = context?.segment;
  if (segment != null) {
    const chosen = config.segmentProfiles[segment];
    if (chosen !== undefined) { weights = chosen; profile = segment; }
  }
  const trend = healthTrend(context?.history, config.trendThresholdPer30Days);
  const ev = evaluateHealthComponents(features, config.targets, evaluation);
  const u = ev.usage;
  const e = ev.engagement;
  const s = ev.support;
  const sa = ev.satisfaction;
  const p = ev.payment;
  const T = HEALTH_DRIVER_TEXT;
  const uText = T.usage[ev.usageDriver] ?? "";
  const eText = T.engagement[ev.engagementDriver] ?? "";
  const sText = T.support[ev.supportDriver] ?? "";
  const saText = T.satisfaction[ev.satisfactionDriver] ?? "";
  const pText = T.payment[ev.paymentDriver] ?? "";

  const total = weights.usage + weights.engagement + weights.support + weights.satisfaction + weights.payment;
  const covered = (u === u ? weights.usage : 0) + (e === e ? weights.engagement : 0) + (s === s ? weights.support : 0) +
    (sa === sa ? weights.satisfaction : 0) + (p === p ? weights.payment : 0);
  const coverage = total > 0 ? Math.min(1, covered / total) : 0;

  // Renormalized weights (divided, not multiplied by 1/covered, which overflows for a subnormal
  // weight); the score is defined as the sum of the contributions, in component order, so the
  // two agree exactly.
  const wu = covered > 0 ? weights.usage / covered : 0;
  const we = covered > 0 ? weights.engagement / covered : 0;
  const ws = covered > 0 ? weights.support / covered : 0;
  const wsa = covered > 0 ? weights.satisfaction / covered : 0;
  const wp = covered > 0 ? weights.payment / covered : 0;
  // Fully covered accounts (the common case) share one frozen empty list: one allocation fewer.
  const missing = u === u && e === e && s === s && sa === sa && p === p ? NONE_MISSING : [];
  let exact = 0;
  let usage: Component;
  if (u === u) { usage = { name: "usage", value: u, weight: wu, contribution: u * wu, explanation: uText }; exact += usage.contribution; }
  else { usage = missingComponent("usage"); missing.push("usage"); }
  let engagement: Component;
  if (e === e) { engagement = { name: "engagement", value: e, weight: we, contribution: e * we, explanation: eText }; exact += engagement.contribution; }
  else { engagement = missingComponent("engagement"); missing.push("engagement"); }
  let support: Component;
  if (s === s) { support = { name: "support", value: s, weight: ws, contribution: s * ws, explanation: sText }; exact += support.contribution; }
  else { support = missingComponent("support"); missing.push("support"); }
  let satisfaction: Component;
  if (sa === sa) { satisfaction = { name: "satisfaction", value: sa, weight: wsa, contribution: sa * wsa, explanation: saText }; exact += satisfaction.contribution; }
  else { satisfaction = missingComponent("satisfaction"); missing.push("satisfaction"); }
  let payment: Component;
  if (p === p) { payment = { name: "payment", value: p, weight: wp, contribution: p * wp, explanation: pText }; exact += payment.contribution; }
  else { payment = missingComponent("payment"); missing.push("payment"); }
  const components = [usage, engagement, support, satisfaction, payment];

  if (!(covered > 0)) {
    const reason = missing.length === 5 ? NO_DATA_REASON
      : `Only components weighted 0 in the "${profile}" profile had data; nothing weighted to score.`;
    return { score: null, exactScore: null, band: null, coverage: 0, components, missing, reason, profile, trend };
  }
  if (exact > 100) exact = 100; // float dust only: values ≤ 100 and renormalized weights sum to 1
  else if (exact < 0) exact = 0;
  const score = Math.round(exact * 10) / 10; // display value: one decimal (exact ≥ 0, so no sign care)
  return { score, exactScore: exact, band: healthBand(score, config.bands), coverage, components, missing, reason: null, profile, trend };
}
