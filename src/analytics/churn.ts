/**
 * Churn risk: a logistic model over explainable factors.
 *
 *   logit = intercept + Σ pointsᵢ,   probability = 1 / (1 + e^−logit)
 *
 * Each factor's points are on the logit scale (e^points multiplies the odds). A factor whose
 * input is missing adds 0 and is listed as unknown; it is never guessed. Each factor's share of
 * the probability is its Shapley value: its average marginal effect on the probability over
 * every order in which the known factors could be added to the baseline, so the shares always
 * sum to probability − baselineProbability, whatever the signs.
 *
 * Configuration and the justification of every default: ./churn-config.ts. Backtest:
 * ./churn-backtest.ts.
 */
import {
  type CalibrationBin,
  type CalibrationBinning,
  type PrecisionAtK,
  aucMannWhitney,
  assertTwoClasses,
  brierScore,
  calibrationTable,
  precisionAtK,
} from "./churn-backtest";
import { type ChurnConfig, type ChurnRiskLevel, churnRiskLevel } from "./churn-config";
import { AnalyticsConfigError } from "./errors";
import type { HealthFeatures } from "./health-components";
import type { HealthScoreResult } from "./health";
import { round } from "./math";

export * from "./churn-config";
export * from "./churn-backtest";

/** What the churn model reads about one account; every field optional. */
export interface ChurnFeatures {
  /** Health score 0–100 (`exactScore` of the health result). */
  healthScore?: number | null;
  /** Health trend slope, points per 30 days (negative = declining). */
  healthSlopePer30Days?: number | null;
  /** A usage measure over the recent window (e.g. logins or active users in the last 30 days). */
  usageRecent?: number | null;
  /** The same measure for an equal-length window, averaged over the baseline period before it. */
  usageBaseline?: number | null;
  /** Support escalations in the last 90 days. */
  escalations90d?: number | null;
  /** Latest NPS answer, 0–10. */
  nps?: number | null;
  /** Payment component of the health score, 0–100 (100 = clean). */
  paymentScore?: number | null;
  /** Days until the renewal date (0 or less: due or past). */
  daysToRenewal?: number | null;
  /** True when the primary contact (champion) has left; false when they are still there. */
  championLost?: boolean | null;
}

export const CHURN_FACTORS = [
  "health_level", "health_decline", "usage_drop", "support_escalations",
  "detractor_nps", "payment_trouble", "renewal_proximity", "lost_champion",
] as const;
export type ChurnFactorName = (typeof CHURN_FACTORS)[number];

export interface ChurnFactor {
  name: ChurnFactorName;
  /** The input the factor read (for usage_drop: the drop as a share 0–1); null when unknown. */
  input: number | boolean | null;
  known: boolean;
  /** Points on the logit scale (0 when unknown). */
  points: number;
  /** Shapley share of the probability; baselineProbability + Σ shares = probability. */
  probabilityShare: number;
  explanation: string;
}

export interface ChurnRiskResult {
  /** 0–1, never NaN. */
  probability: number;
  level: ChurnRiskLevel;
  logit: number;
  /** σ(intercept): the probability with every factor at 0. */
  baselineProbability: number;
  /** All eight factors in fixed order. */
  factors: ChurnFactor[];
  /** Factors with no data (they contribute 0). */
  unknown: ChurnFactorName[];
}

/** Numerically stable logistic function; returns exactly 0 or 1 only at the float limits. */
function sigmoid(x: number): number {
  if (x >= 0) return 1 / (1 + Math.exp(-x));
  const e = Math.exp(x);
  return e / (1 + e);
}

function num(value: number | null | undefined): number {
  return typeof value === "number" && Number.isFinite(value) ? value : Number.NaN;
}

function clampTo(value: number, min: number, max: number): number {
  return value < min ? min : value > max ? max : value;
}

function pct(share: number): string {
  return `${round(share * 100, 0)} %`;
}

/**
 * Usage drop as a share 0–1: max(0, 1 − recent / baseline). A baseline of 0 means there was no
 * usage to lose (drop 0). NaN when either side is unknown.
 */
export function usageDrop(recent: number | null | undefined, baseline: number | null | undefined): number {
  const r = num(recent);
  const b = num(baseline);
  if (r !== r || b !== b) return Number.NaN;
  if (!(b > 0)) return 0;
  return clampTo(1 - Math.max(0, r) / b, 0, 1);
}

/**
 * Shapley values of the factors for f(S) = σ(intercept + Σ_{i∈S} pointsᵢ). Factors with 0 points
 * are null players and get 0; the rest (at most 8) are enumerated exactly over 2^k subsets.
 */
export function shapleyShares(intercept: number, points: readonly number[]): number[] {
  const shares = points.map(() => 0);
  const active: number[] = [];
  for (let i = 0; i < points.length; i++) if (points[i] !== 0) active.push(i);
  const k = active.length;
  if (k === 0) return shares;
  const size = 1 << k;
  const prob = new Float64Array(size);
  const sums = new Float64Array(size);
  sums[0] = intercept;
  prob[0] = sigmoid(intercept);
  for (let mask = 1; mask < size; mask++) {
    const low = mask & -mask;
    const bit = 31 - Math.clz32(low);
    sums[mask] = (sums[mask ^ low] as number) + (points[active[bit] as number] as number);
    prob[mask] = sigmoid(sums[mask] as number);
  }
  // weight[s] = s!(k−s−1)!/k!, the chance that exactly a given s others precede a player.
  const weight = new Float64Array(k);
  for (let s = 0; s < k; s++) {
    let w = 1 / k;
    // 1/k × 1/C(k−1, s)
    let c = 1;
    for (let j = 1; j <= s; j++) c = (c * (k - s - 1 + j)) / j;
    w /= c;
    weight[s] = w;
  }
  for (let b = 0; b < k; b++) {
    const bitMask = 1 << b;
    let phi = 0;
    for (let mask = 0; mask < size; mask++) {
      if (mask & bitMask) continue;
      let pop = 0;
      for (let m = mask; m !== 0; m &= m - 1) pop++;
      phi += (weight[pop] as number) * ((prob[mask | bitMask] as number) - (prob[mask] as number));
    }
    shares[active[b] as number] = phi;
  }
  return shares;
}

interface Draft {
  name: ChurnFactorName;
  input: number | boolean | null;
  points: number;
  explanation: string;
}

const UNKNOWN_TEXT: Readonly<Record<ChurnFactorName, string>> = Object.freeze({
  health_level: "Health score unknown; not counted.",
  health_decline: "Health trend unknown (fewer than 2 snapshots); not counted.",
  usage_drop: "Recent or baseline usage unknown; not counted.",
  support_escalations: "Escalation count unknown; not counted.",
  detractor_nps: "No NPS answer; not counted.",
  payment_trouble: "Payment record unknown; not counted.",
  renewal_proximity: "Renewal date unknown; not counted.",
  lost_champion: "Whether the champion is still there is unknown; not counted.",
});

function odds(points: number): string {
  return `odds ×${round(Math.exp(points), 2)}`;
}

/**
 * Churn probability with the factors that drive it. Pure; `config` from `validateChurnConfig`.
 * Inputs out of range are clamped (health 0–100, NPS 0–10, payment 0–100, counts ≥ 0);
 * non-finite numbers count as unknown.
 */
export function scoreChurnRisk(features: ChurnFeatures, config: ChurnConfig): ChurnRiskResult {
  const c = config.coefficients;
  const ref = config.reference;
  const drafts: Draft[] = [];

  const health = num(features.healthScore);
  if (health === health) {
    const h = clampTo(health, 0, 100);
    const points = (c.healthPer10Points * (ref.health - h)) / 10;
    const side = h < ref.health ? `${round(ref.health - h, 1)} points below` : h > ref.health ? `${round(h - ref.health, 1)} points above` : "at";
    drafts.push({ name: "health_level", input: h, points, explanation: `Health ${round(h, 1)} is ${side} the reference ${ref.health} (${odds(points)}).` });
  } else drafts.push({ name: "health_level", input: null, points: Number.NaN, explanation: UNKNOWN_TEXT.health_level });

  const slope = num(features.healthSlopePer30Days);
  if (slope === slope) {
    // A slope steeper than the whole 0–100 range per 30 days says nothing more.
    const decline = clampTo(-slope, 0, 100);
    const points = (c.declinePer10Points * decline) / 10;
    const text = decline > 0
      ? `Health is falling ${round(decline, 1)} points per 30 days (${odds(points)}).`
      : `Health is not declining (${round(slope, 1)} points per 30 days); adds nothing.`;
    drafts.push({ name: "health_decline", input: slope, points, explanation: text });
  } else drafts.push({ name: "health_decline", input: null, points: Number.NaN, explanation: UNKNOWN_TEXT.health_decline });

  const drop = usageDrop(features.usageRecent, features.usageBaseline);
  if (drop === drop) {
    const points = c.usageDrop * drop;
    const text = drop > 0 ? `Usage is down ${pct(drop)} against its baseline (${odds(points)}).` : "Usage is at or above its baseline; adds nothing.";
    drafts.push({ name: "usage_drop", input: drop, points, explanation: text });
  } else drafts.push({ name: "usage_drop", input: null, points: Number.NaN, explanation: UNKNOWN_TEXT.usage_drop });

  const escalations = num(features.escalations90d);
  if (escalations === escalations) {
    const n = Math.max(0, escalations);
    const points = c.perEscalation * Math.min(n, ref.maxEscalations);
    const capped = n > ref.maxEscalations ? ` (counted up to ${ref.maxEscalations})` : "";
    const text = n > 0 ? `${round(n, 1)} support escalations in 90 days${capped} (${odds(points)}).` : "No support escalations in 90 days; adds nothing.";
    drafts.push({ name: "support_escalations", input: n, points, explanation: text });
  } else drafts.push({ name: "support_escalations", input: null, points: Number.NaN, explanation: UNKNOWN_TEXT.support_escalations });

  const nps = num(features.nps);
  if (nps === nps) {
    const v = clampTo(nps, 0, 10);
    const points = v < 7 ? c.detractor : v >= 9 ? c.promoter : 0;
    const kind = v < 7 ? "a detractor (0–6)" : v >= 9 ? "a promoter (9–10)" : "a passive (7–8)";
    drafts.push({ name: "detractor_nps", input: v, points, explanation: `Latest NPS answer ${round(v, 1)} is ${kind} (${odds(points)}).` });
  } else drafts.push({ name: "detractor_nps", input: null, points: Number.NaN, explanation: UNKNOWN_TEXT.detractor_nps });

  const payment = num(features.paymentScore);
  if (payment === payment) {
    const p = clampTo(payment, 0, 100);
    const points = (c.paymentTrouble * (100 - p)) / 100;
    const text = p < 100 ? `Payment score ${round(p, 1)} of 100: late, failed or overdue payments (${odds(points)}).` : "Payments are clean; adds nothing.";
    drafts.push({ name: "payment_trouble", input: p, points, explanation: text });
  } else drafts.push({ name: "payment_trouble", input: null, points: Number.NaN, explanation: UNKNOWN_TEXT.payment_trouble });

  const days = num(features.daysToRenewal);
  if (days === days) {
    const closeness = clampTo(1 - days / ref.renewalWindowDays, 0, 1);
    const points = c.renewalProximity * closeness;
    const text = days <= 0
      ? `Renewal is due or past (${round(days, 0)} days) (${odds(points)}).`
      : closeness > 0
        ? `Renewal in ${round(days, 0)} days, inside the ${ref.renewalWindowDays}-day window (${odds(points)}).`
        : `Renewal in ${round(days, 0)} days, outside the ${ref.renewalWindowDays}-day window; adds nothing.`;
    drafts.push({ name: "renewal_proximity", input: days, points, explanation: text });
  } else drafts.push({ name: "renewal_proximity", input: null, points: Number.NaN, explanation: UNKNOWN_TEXT.renewal_proximity });

  const lost = features.championLost;
  if (typeof lost === "boolean") {
    const points = lost ? c.lostChampion : 0;
    const text = lost ? `The primary contact (champion) has left (${odds(points)}).` : "The champion is still in place; adds nothing.";
    drafts.push({ name: "lost_champion", input: lost, points, explanation: text });
  } else drafts.push({ name: "lost_champion", input: null, points: Number.NaN, explanation: UNKNOWN_TEXT.lost_champion });

  const points = drafts.map((d) => (d.points === d.points ? d.points : 0));
  let logit = config.intercept;
  for (const p of points) logit += p;
  const probability = sigmoid(logit);
  const shares = shapleyShares(config.intercept, points);
  const unknown: ChurnFactorName[] = [];
  const factors = drafts.map((d, i): ChurnFactor => {
    const known = d.points === d.points;
    if (!known) unknown.push(d.name);
    return { name: d.name, input: d.input, known, points: points[i] as number, probabilityShare: shares[i] as number, explanation: d.explanation };
  });
  return {
    probability,
    level: churnRiskLevel(probability, config.levels),
    logit,
    baselineProbability: sigmoid(config.intercept),
    factors,
    unknown,
  };
}

/**
 * The churn inputs a health result and its features already hold: health level and slope,
 * latest NPS, and the payment component. Usage drop, escalations, renewal and champion come
 * from elsewhere; spread them in.
 */
export function churnFeaturesFromHealth(result: HealthScoreResult, features: HealthFeatures): ChurnFeatures {
  const payment = result.components.find((c) => c.name === "payment");
  return {
    healthScore: result.exactScore,
    healthSlopePer30Days: result.trend.slopePer30Days,
    nps: features.nps ?? null,
    paymentScore: payment?.value ?? null,
  };
}

/** One past account snapshot and what happened next. */
export interface ChurnBacktestSample {
  features: ChurnFeatures;
  churned: boolean;
}

export interface ChurnBacktestOptions {
  /** The k values for precision at k. Default [10, 50, 100]. */
  k?: readonly number[];
  /** Calibration bins. Default 10. */
  bins?: number;
  /** "quantile" (default; deciles with 10 bins) or "uniform" width. */
  binning?: CalibrationBinning;
}

export interface ChurnBacktestResult {
  samples: number;
  churned: number;
  /** churned / samples. */
  baseRate: number;
  /** ROC AUC (Mann–Whitney, ties ½): 0.5 is chance, 1 perfect ranking. */
  auc: number;
  precisionAtK: PrecisionAtK[];
  calibration: CalibrationBin[];
  /** Mean squared error of the probabilities (lower is better; a constant base rate scores baseRate × (1 − baseRate)). */
  brierScore: number;
}

/**
 * Scores each past snapshot with `config` and compares with what happened: AUC, precision at k,
 * a calibration table and the Brier score. Throws AnalyticsConfigError on empty input, a sample
 * without a boolean `churned`, or outcomes of one class only (AUC undefined, said in words).
 */
export function backtestChurnModel(
  samples: readonly ChurnBacktestSample[],
  config: ChurnConfig,
  options: ChurnBacktestOptions = {},
): ChurnBacktestResult {
  const outcomes: boolean[] = [];
  const probabilities: number[] = [];
  samples.forEach((sample, i) => {
    if (typeof sample !== "object" || sample === null || typeof sample.features !== "object" || sample.features === null) {
      throw new AnalyticsConfigError(`samples[${i}].features`, "is missing; give the account's churn features at the time of the snapshot.");
    }
    if (typeof sample.churned !== "boolean") {
      throw new AnalyticsConfigError(`samples[${i}].churned`, "must be true or false (did the account churn after this snapshot?).");
    }
    outcomes.push(sample.churned);
    probabilities.push(scoreChurnRisk(sample.features, config).probability);
  });
  const { positives } = assertTwoClasses(outcomes);
  return {
    samples: outcomes.length,
    churned: positives,
    baseRate: positives / outcomes.length,
    auc: aucMannWhitney(probabilities, outcomes),
    precisionAtK: precisionAtK(probabilities, outcomes, options.k ?? [10, 50, 100]),
    calibration: calibrationTable(probabilities, outcomes, options.bins ?? 10, options.binning ?? "quantile"),
    brierScore: brierScore(probabilities, outcomes),
  };
}
