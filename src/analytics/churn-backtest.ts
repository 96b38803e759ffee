/**
 * Measures for judging a risk model against known outcomes: ROC AUC (Mann–Whitney, ties counted
 * half), precision at k, a calibration table and the Brier score. Pure functions over parallel
 * arrays of predicted probabilities and outcomes; `backtestChurnModel` in ./churn.ts feeds them.
 */
import { AnalyticsConfigError } from "./errors";

export interface PrecisionAtK {
  /** The k asked for. */
  k: number;
  /** How many accounts were actually looked at: min(k, samples). */
  considered: number;
  /** Churned accounts among the top `considered`; fractional when a tie straddles the cut (expected value over tie orders). */
  churned: number;
  /** churned / considered. */
  precision: number;
  /** precision / base rate: how much better than picking accounts at random. */
  lift: number;
}

export interface CalibrationBin {
  bin: number;
  /** Predicted-probability range of the bin: fixed edges (uniform) or the smallest/largest prediction in it (quantile; null when empty). */
  lower: number | null;
  upper: number | null;
  count: number;
  /** Mean predicted probability in the bin; null when empty. */
  predictedMean: number | null;
  /** Share that actually churned; null when empty. */
  observedRate: number | null;
}

export type CalibrationBinning = "quantile" | "uniform";

/** Refuses empty or one-class outcomes, for which AUC is undefined. */
export function assertTwoClasses(outcomes: readonly boolean[], field = "samples"): { positives: number; negatives: number } {
  if (outcomes.length === 0) {
    throw new AnalyticsConfigError(field, "is empty; a backtest needs past snapshots with known outcomes (churned or not).");
  }
  let positives = 0;
  for (const o of outcomes) if (o) positives++;
  const negatives = outcomes.length - positives;
  if (positives === 0 || negatives === 0) {
    const all = positives === 0 ? "none churned" : "all churned";
    throw new AnalyticsConfigError(
      field,
      `has ${outcomes.length} samples and ${all}: AUC is undefined with only one outcome. Include at least one account that churned and one that stayed.`,
    );
  }
  return { positives, negatives };
}

/** Indices sorted by score ascending (stable), and the average 1-based rank of each index. */
function averageRanks(scores: readonly number[]): { order: number[]; ranks: Float64Array } {
  const n = scores.length;
  const order = Array.from({ length: n }, (_, i) => i);
  order.sort((a, b) => (scores[a] as number) - (scores[b] as number) || a - b);
  const ranks = new Float64Array(n);
  let i = 0;
  while (i < n) {
    let j = i;
    const v = scores[order[i] as number] as number;
    while (j + 1 < n && scores[order[j + 1] as number] === v) j++;
    const avg = (i + j) / 2 + 1; // ranks i+1 … j+1 share their mean
    for (let t = i; t <= j; t++) ranks[order[t] as number] = avg;
    i = j + 1;
  }
  return { order, ranks };
}

/**
 * ROC AUC as the Mann–Whitney statistic: the probability that a random churned account scores
 * above a random retained one, ties counting ½. AUC = (R₊ − n₊(n₊+1)/2) / (n₊ n₋), R₊ the sum of
 * the churned accounts' average ranks. Throws on empty or one-class input (AUC undefined).
 */
export function aucMannWhitney(scores: readonly number[], outcomes: readonly boolean[]): number {
  if (scores.length !== outcomes.length) {
    throw new AnalyticsConfigError("scores", `has ${scores.length} entries but outcomes has ${outcomes.length}; give one score per outcome.`);
  }
  const { positives, negatives } = assertTwoClasses(outcomes);
  scores.forEach((s, i) => {
    if (!Number.isFinite(s)) throw new AnalyticsConfigError(`scores[${i}]`, `must be a finite number; got ${String(s)}.`);
  });
  const { ranks } = averageRanks(scores);
  let rankSum = 0;
  for (let i = 0; i < outcomes.length; i++) if (outcomes[i]) rankSum += ranks[i] as number;
  return (rankSum - (positives * (positives + 1)) / 2) / (positives * negatives);
}

/**
 * Precision among the k highest scores, for each k. Ties at the cut are resolved by expectation
 * (the tied group contributes its churn rate per place), so the answer never depends on input order.
 */
export function precisionAtK(scores: readonly number[], outcomes: readonly boolean[], ks: readonly number[]): PrecisionAtK[] {
  const n = scores.length;
  let positives = 0;
  for (const o of outcomes) if (o) positives++;
  const baseRate = n > 0 ? positives / n : 0;
  const order = Array.from({ length: n }, (_, i) => i);
  order.sort((a, b) => (scores[b] as number) - (scores[a] as number) || a - b);
  return ks.map((k, index) => {
    if (!Number.isInteger(k) || k < 1) {
      throw new AnalyticsConfigError(`options.k[${index}]`, `is ${k}; each k must be a whole number of at least 1.`);
    }
    const considered = Math.min(k, n);
    if (considered === 0) return { k, considered, churned: 0, precision: 0, lift: 0 };
    const cut = scores[order[considered - 1] as number] as number;
    let above = 0;
    let aboveChurned = 0;
    let tied = 0;
    let tiedChurned = 0;
    for (let i = 0; i < n; i++) {
      const s = scores[i] as number;
      if (s > cut) { above++; if (outcomes[i]) aboveChurned++; }
      else if (s === cut) { tied++; if (outcomes[i]) tiedChurned++; }
    }
    const churned = aboveChurned + ((considered - above) * tiedChurned) / tied;
    const precision = churned / considered;
    return { k, considered, churned, precision, lift: baseRate > 0 ? precision / baseRate : 0 };
  });
}

/**
 * Calibration table: predicted mean against observed churn rate per bin.
 * - "quantile" (default, deciles with 10 bins): equal-count bins by predicted probability; tied
 *   predictions always share a bin (placed by their average rank), so bins may be uneven or empty.
 * - "uniform": fixed-width bins [i/bins, (i+1)/bins), the last one closed at 1.
 */
export function calibrationTable(
  probabilities: readonly number[],
  outcomes: readonly boolean[],
  bins = 10,
  binning: CalibrationBinning = "quantile",
): CalibrationBin[] {
  if (!Number.isInteger(bins) || bins < 1 || bins > 1000) {
    throw new AnalyticsConfigError("options.bins", `is ${bins}; use a whole number from 1 to 1000 (10 gives deciles).`);
  }
  if (binning !== "quantile" && binning !== "uniform") {
    throw new AnalyticsConfigError("options.binning", `is ${JSON.stringify(binning)}; use "quantile" or "uniform".`);
  }
  const n = probabilities.length;
  const count = new Array<number>(bins).fill(0);
  const sumP = new Array<number>(bins).fill(0);
  const sumY = new Array<number>(bins).fill(0);
  const lo = new Array<number>(bins).fill(Number.POSITIVE_INFINITY);
  const hi = new Array<number>(bins).fill(Number.NEGATIVE_INFINITY);
  const ranks = binning === "quantile" ? averageRanks(probabilities).ranks : null;
  for (let i = 0; i < n; i++) {
    const p = probabilities[i] as number;
    const b = ranks
      ? Math.min(bins - 1, Math.floor((((ranks[i] as number) - 0.5) * bins) / n))
      : Math.min(bins - 1, Math.max(0, Math.floor(p * bins)));
    count[b] = (count[b] as number) + 1;
    sumP[b] = (sumP[b] as number) + p;
    if (outcomes[i]) sumY[b] = (sumY[b] as number) + 1;
    if (p < (lo[b] as number)) lo[b] = p;
    if (p > (hi[b] as number)) hi[b] = p;
  }
  return count.map((c, b) => ({
    bin: b,
    lower: binning === "uniform" ? b / bins : c > 0 ? (lo[b] as number) : null,
    upper: binning === "uniform" ? (b + 1) / bins : c > 0 ? (hi[b] as number) : null,
    count: c,
    predictedMean: c > 0 ? (sumP[b] as number) / c : null,
    observedRate: c > 0 ? (sumY[b] as number) / c : null,
  }));
}

/** Mean squared error of the probabilities against 0/1 outcomes (0 is perfect; 0.25 is a coin). */
export function brierScore(probabilities: readonly number[], outcomes: readonly boolean[]): number {
  let sum = 0;
  for (let i = 0; i < probabilities.length; i++) {
    const d = (probabilities[i] as number) - (outcomes[i] ? 1 : 0);
    sum += d * d;
  }
  return probabilities.length > 0 ? sum / probabilities.length : 0;
}
