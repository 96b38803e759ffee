/**
 * Survey metrics: NPS, CSAT and CES from raw responses, each with a current-versus-previous
 * period comparison, plus recurring themes in free-text comments (`feedback-themes.ts`).
 *
 * Every metric is computed from the responses given; with no responses the score is null
 * ("no data"), never a placeholder. Scores outside a scale, or not whole numbers, are refused
 * with an AnalyticsConfigError naming the offending element (`scores[3]`).
 */
import { AnalyticsConfigError } from "./errors";

export * from "./feedback-themes";

/** The seed's TrendDirection enum. */
export type TrendDirection = "up" | "down" | "flat";

/** Whether a change is good news, given which way the metric should move. */
export type ChangeAssessment = "improved" | "worsened" | "unchanged";

/** NPS from 0–10 "how likely are you to recommend" answers. */
export interface NpsResult {
  /** % promoters − % detractors, −100..100 (unrounded); null with no responses. */
  score: number | null;
  responses: number;
  /** Answers 9–10. */
  promoters: number;
  /** Answers 7–8. */
  passives: number;
  /** Answers 0–6. */
  detractors: number;
  /** Shares of responses, 0..1; they sum to 1 (all 0 with no responses). */
  promoterShare: number;
  passiveShare: number;
  detractorShare: number;
}

/** CSAT from 1–5 satisfaction answers. */
export interface CsatResult {
  /** % of answers that are 4 or 5 ("satisfied"), 0..100; null with no responses. */
  percentSatisfied: number | null;
  /** Mean answer, 1..5; null with no responses. */
  mean: number | null;
  responses: number;
  satisfied: number;
}

/** Which end of the CES scale means "easy". */
export type CesDirection = "higher_is_easier" | "lower_is_easier";

/**
 * CES scale. Default: CES 2.0, a 1–7 agreement with "The company made it easy to handle my
 * issue", so higher is easier. The seed's older 1–5 effort question ("how much effort did you
 * put forth", lower is easier) is `{ scaleMax: 5, direction: "lower_is_easier" }`.
 */
export interface CesOptions {
  scaleMax?: 5 | 7;
  direction?: CesDirection;
}

/** CES from effort answers. */
export interface CesResult {
  /** Mean answer on the scale; null with no responses. */
  mean: number | null;
  /**
   * % of answers strictly on the easy side of the scale's midpoint, 0..100; null with no
   * responses. 1–7 higher-is-easier: 5, 6, 7 ("somewhat agree" or stronger). 1–5
   * lower-is-easier: 1, 2.
   */
  percentLowEffort: number | null;
  responses: number;
  lowEffort: number;
  scaleMax: 5 | 7;
  direction: CesDirection;
}

/** One metric in two periods. */
export interface PeriodChange {
  current: number | null;
  previous: number | null;
  /** current − previous; null when either period has no data. */
  delta: number | null;
  /** flat when |delta| ≤ the tolerance; null when delta is null. */
  direction: TrendDirection | null;
  /** improved / worsened by the metric's good direction; null when delta is null. */
  assessment: ChangeAssessment | null;
}

/** Tolerances under which a change counts as flat; defaults in `DEFAULT_FLAT_TOLERANCE`. */
export interface ComparisonOptions {
  /** Absolute change treated as no change (in the metric's units). */
  flatWithin?: number;
}

/**
 * Default flat tolerances: NPS ±1 point, percentages ±1 point, means ±0.05. Survey samples are
 * small; smaller moves are noise, not news.
 */
export const DEFAULT_FLAT_TOLERANCE = {
  nps: 1,
  percent: 1,
  mean: 0.05,
} as const;

function checkScores(scores: readonly number[], min: number, max: number, field: string, what: string): void {
  if (!Array.isArray(scores)) throw new AnalyticsConfigError(field, `must be an array of ${what} answers.`);
  scores.forEach((value, i) => {
    if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
      throw new AnalyticsConfigError(
        `${field}[${i}]`,
        `${what} answers are whole numbers from ${min} to ${max} (got ${String(value)}); drop or correct the response.`,
      );
    }
  });
}

function checkTolerance(value: number, field: string): number {
  if (typeof value !== "number" || !Number.isFinite(value) || value < 0) {
    throw new AnalyticsConfigError(field, "must be a number ≥ 0 (the change treated as no change).");
  }
  return value;
}

/**
 * Net Promoter Score of 0–10 answers.
 * @param field name used in errors, e.g. "responses.nps".
 * @throws AnalyticsConfigError naming `${field}[i]` for an answer that is not an integer 0–10.
 * @example computeNps([10, 9, 8, 3]).score // 2 promoters, 1 detractor of 4: 50 − 25 = 25
 */
export function computeNps(scores: readonly number[], field = "scores"): NpsResult {
  checkScores(scores, 0, 10, field, "NPS");
  let promoters = 0;
  let passives = 0;
  let detractors = 0;
  for (const value of scores) {
    if (value >= 9) promoters += 1;
    else if (value >= 7) passives += 1;
    else detractors += 1;
  }
  const responses = scores.length;
  if (responses === 0) {
    return { score: null, responses, promoters, passives, detractors, promoterShare: 0, passiveShare: 0, detractorShare: 0 };
  }
  return {
    score: ((promoters - detractors) / responses) * 100,
    responses,
    promoters,
    passives,
    detractors,
    promoterShare: promoters / responses,
    passiveShare: passives / responses,
    detractorShare: detractors / responses,
  };
}

/**
 * CSAT of 1–5 answers: % satisfied (4–5) and the mean.
 * @throws AnalyticsConfigError naming `${field}[i]` for an answer that is not an integer 1–5.
 */
export function computeCsat(scores: readonly number[], field = "scores"): CsatResult {
  checkScores(scores, 1, 5, field, "CSAT");
  const responses = scores.length;
  const satisfied = scores.filter((value) => value >= 4).length;
  if (responses === 0) return { percentSatisfied: null, mean: null, responses, satisfied };
  const sum = scores.reduce((total, value) => total + value, 0);
  return { percentSatisfied: (satisfied / responses) * 100, mean: sum / responses, responses, satisfied };
}

function resolveCes(options: CesOptions, field: string): { scaleMax: 5 | 7; direction: CesDirection } {
  const scaleMax = options.scaleMax ?? 7;
  const direction = options.direction ?? "higher_is_easier";
  if (scaleMax !== 5 && scaleMax !== 7) throw new AnalyticsConfigError(`${field}.scaleMax`, "must be 5 or 7.");
  if (direction !== "higher_is_easier" && direction !== "lower_is_easier") {
    throw new AnalyticsConfigError(`${field}.direction`, 'must be "higher_is_easier" or "lower_is_easier".');
  }
  return { scaleMax, direction };
}

/**
 * Customer Effort Score: the mean and the % of low-effort answers (see `CesResult`).
 * @throws AnalyticsConfigError naming `${field}[i]` for an answer off the scale, or
 *   `options.scaleMax` / `options.direction` for a bad scale.
 */
export function computeCes(scores: readonly number[], options: CesOptions = {}, field = "scores"): CesResult {
  const { scaleMax, direction } = resolveCes(options, "options");
  checkScores(scores, 1, scaleMax, field, "CES");
  const midpoint = (1 + scaleMax) / 2;
  const responses = scores.length;
  const lowEffort = scores.filter((value) => (direction === "higher_is_easier" ? value > midpoint : value < midpoint)).length;
  if (responses === 0) return { mean: null, percentLowEffort: null, responses, lowEffort, scaleMax, direction };
  const sum = scores.reduce((total, value) => total + value, 0);
  return { mean: sum / responses, percentLowEffort: (lowEffort / responses) * 100, responses, lowEffort, scaleMax, direction };
}

/**
 * Compares a metric across two periods.
 * @param higherIsBetter whether an increase is good news.
 * @param flatWithin absolute change treated as no change (≥ 0).
 */
export function comparePeriods(
  current: number | null,
  previous: number | null,
  higherIsBetter: boolean,
  flatWithin: number,
): PeriodChange {
  const tolerance = checkTolerance(flatWithin, "flatWithin");
  if (current === null || previous === null) return { current, previous, delta: null, direction: null, assessment: null };
  const delta = current - previous;
  if (Math.abs(delta) <= tolerance) return { current, previous, delta, direction: "flat", assessment: "unchanged" };
  const direction: TrendDirection = delta > 0 ? "up" : "down";
  const better = delta > 0 === higherIsBetter;
  return { current, previous, delta, direction, assessment: better ? "improved" : "worsened" };
}

/** NPS in two periods and the change in the score. */
export interface NpsComparison {
  current: NpsResult;
  previous: NpsResult;
  score: PeriodChange;
}

/** NPS of the current and previous periods' answers; flat within ±1 point by default. */
export function compareNps(
  current: readonly number[],
  previous: readonly number[],
  options: ComparisonOptions = {},
): NpsComparison {
  const now = computeNps(current, "current");
  const before = computeNps(previous, "previous");
  const flatWithin = checkTolerance(options.flatWithin ?? DEFAULT_FLAT_TOLERANCE.nps, "options.flatWithin");
  return { current: now, previous: before, score: comparePeriods(now.score, before.score, true, flatWithin) };
}

/** CSAT in two periods; the % satisfied and the mean compared. */
export interface CsatComparison {
  current: CsatResult;
  previous: CsatResult;
  percentSatisfied: PeriodChange;
  mean: PeriodChange;
}

/**
 * CSAT of the current and previous periods' answers. `flatWithin` applies to % satisfied
 * (default ±1 point); the mean uses ±0.05.
 */
export function compareCsat(
  current: readonly number[],
  previous: readonly number[],
  options: ComparisonOptions = {},
): CsatComparison {
  const now = computeCsat(current, "current");
  const before = computeCsat(previous, "previous");
  const flatWithin = checkTolerance(options.flatWithin ?? DEFAULT_FLAT_TOLERANCE.percent, "options.flatWithin");
  return {
    current: now,
    previous: before,
    percentSatisfied: comparePeriods(now.percentSatisfied, before.percentSatisfied, true, flatWithin),
    mean: comparePeriods(now.mean, before.mean, true, DEFAULT_FLAT_TOLERANCE.mean),
  };
}

/** CES in two periods; the mean and the % low effort compared. */
export interface CesComparison {
  current: CesResult;
  previous: CesResult;
  mean: PeriodChange;
  percentLowEffort: PeriodChange;
}

/**
 * CES of the current and previous periods' answers on the same scale. `flatWithin` applies to
 * the mean (default ±0.05); % low effort uses ±1 point. A higher mean is an improvement when
 * higher is easier, and a worsening when lower is easier.
 */
export function compareCes(
  current: readonly number[],
  previous: readonly number[],
  options: CesOptions & ComparisonOptions = {},
): CesComparison {
  const now = computeCes(current, options, "current");
  const before = computeCes(previous, options, "previous");
  const flatWithin = checkTolerance(options.flatWithin ?? DEFAULT_FLAT_TOLERANCE.mean, "options.flatWithin");
  return {
    current: now,
    previous: before,
    mean: comparePeriods(now.mean, before.mean, now.direction === "higher_is_easier", flatWithin),
    percentLowEffort: comparePeriods(now.percentLowEffort, before.percentLowEffort, true, DEFAULT_FLAT_TOLERANCE.percent),
  };
}
