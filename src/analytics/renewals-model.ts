/**
 * The renewal probability model: factors on the logit scale, the explained score, expected ARR
 * and the per-account assessment. `renewals.ts` is the public face; see it for the model's idea.
 */
import { AnalyticsConfigError } from "./errors";
import type { ScoreComponent } from "./explain";
import { clamp, round } from "./math";
import {
  type ContractType,
  type DateInput,
  type HealthBand,
  type HealthTrend,
  interpolateCurve,
  isoDay,
  known,
  logit,
  pct,
  points,
  sigmoid,
  toEpochMs,
  utcDayNumber,
} from "./renewals-common";
import {
  DEFAULT_RENEWAL_CONFIG,
  type PaymentStatus,
  type RenewalConfig,
  type RenewalInputName,
} from "./renewals-config";

/** What the renewal model knows about an account. Every field is optional: missing means "no data". */
export interface RenewalSignals {
  /** Health score 0–100 from the health engine; null when it could not be computed. */
  healthScore?: number | null;
  /** Health band; used for the baseline only when the score is missing, and for the at-risk test. */
  healthBand?: HealthBand | null;
  healthTrend?: HealthTrend | null;
  /** The churn model's probability (0–1), if it has one for this account. */
  churnProbability?: number | null;
  /** Open escalations (0 means known to be none; null means unknown). */
  openEscalations?: number | null;
  paymentStatus?: PaymentStatus | null;
  /** Failed payments in the last 90 days. */
  failedPayments?: number | null;
  /** Fractional change of usage over the last period: −0.30 is a 30 % drop, 0.2 a 20 % rise. */
  usageTrend?: number | null;
  contractType?: ContractType | null;
  autoRenew?: boolean | null;
  /** How many times the account has renewed before (0 = this is its first renewal). */
  priorRenewals?: number | null;
}

/** The factors of the renewal model, in the order they are reported. */
export type RenewalFactorName =
  | "health"
  | "churn_model"
  | "health_trend"
  | "renewal_timing"
  | "escalations"
  | "payment"
  | "usage_trend"
  | "contract"
  | "prior_renewals";

/**
 * One factor of the renewal probability. In ScoreComponent terms the unit is logit points:
 * `value` is the factor's points (null when it had no data), `weight` is 1, `contribution` equals
 * the points, and the contributions sum to `RenewalProbability.logit`.
 */
export interface RenewalFactor extends ScoreComponent<RenewalFactorName> {
  /** The raw fact the factor read (score, days, count, status…), null when unknown. */
  input: number | string | boolean | null;
  /** How much this factor moves the probability: p − p without this factor (a share, e.g. −0.08). */
  probabilityImpact: number;
}

/** Renewal probability category for the forecast (cut-offs in `riskCutoffs`). */
export type RenewalCategory = "committed" | "probable" | "at_risk";

/** An explained renewal probability. */
export interface RenewalProbability {
  /** 0–1, clamped to `probabilityRange`; never NaN. */
  probability: number;
  /** Sum of the factors' contributions (before the clamp). */
  logit: number;
  category: RenewalCategory;
  /** 0–1: data coverage × a horizon factor (far-off renewals are less certain). */
  confidence: number;
  /** 0–1: share of the model's inputs that had data (coverage weights). */
  coverage: number;
  daysToRenewal: number;
  factors: RenewalFactor[];
  /** Inputs that had no data. */
  missing: RenewalInputName[];
  /** Caveats a CSM should read before trusting the figure. */
  notes: string[];
  /** One or two sentences: the probability, its category and its biggest drivers. */
  summary: string;
}

const AT_RISK_BANDS: ReadonlySet<HealthBand> = new Set(["churn_risk", "at_risk"]);

interface Draft {
  name: RenewalFactorName;
  points: number | null;
  input: number | string | boolean | null;
  explanation: string;
}

/**
 * The model's numbers without any text: what the forecast runs over every account, and what the
 * explained result is built from (so the two can never disagree). A factor's points are null
 * when it had no data.
 */
export interface RenewalCore {
  health: number | null;
  band: HealthBand | null;
  healthSource: "score" | "band" | "none";
  /** Probability the baseline stands for (curve at the score or band, or the prior). */
  baseProbability: number;
  healthPoints: number;
  churn: number | null;
  churnBlend: number;
  churnPoints: number | null;
  trend: HealthTrend | null;
  trendPoints: number | null;
  days: number;
  timing: "late" | "close_at_risk" | "none";
  timingPoints: number;
  escalations: number | null;
  escalationPoints: number | null;
  paymentStatus: PaymentStatus | null;
  failedPayments: number | null;
  paymentPoints: number | null;
  usageTrend: number | null;
  usagePoints: number | null;
  contractType: ContractType | null;
  autoRenew: boolean | null;
  contractPoints: number | null;
  priorRenewals: number | null;
  priorPoints: number | null;
  /** Sum of all points (the logit). */
  total: number;
  /** Unrounded coverage share. */
  coverage: number;
}

/** @internal Shared with the forecast; not part of the public surface. */
export function renewalCore(signals: RenewalSignals, daysToRenewal: number, config: RenewalConfig): RenewalCore {
  const w = config.coverageWeights;
  let coverage = 0;
  const days = Number.isFinite(daysToRenewal) ? Math.trunc(daysToRenewal) : 0;

  // Baseline from health: the score if we have it, else the band's representative score, else the prior.
  const rawHealth = known(signals.healthScore);
  const health = rawHealth === null ? null : clamp(rawHealth, 0, 100);
  const band = signals.healthBand ?? null;
  let baseProbability: number;
  let healthSource: RenewalCore["healthSource"];
  if (health !== null) {
    baseProbability = interpolateCurve(config.healthCurve, health);
    healthSource = "score";
    coverage += w.health;
  } else if (band !== null) {
    baseProbability = interpolateCurve(config.healthCurve, config.bandScores[band]);
    healthSource = "band";
    coverage += w.health / 2;
  } else {
    baseProbability = config.noHealthPrior;
    healthSource = "none";
  }
  const healthPoints = logit(baseProbability);

  // The churn model summarizes many of the same facts, so it is blended into the baseline
  // rather than added on top; without health it replaces the prior outright.
  const rawChurn = known(signals.churnProbability);
  const churn = rawChurn === null ? null : clamp(rawChurn, 0, 1);
  const churnBlend = healthSource === "none" ? 1 : config.churnBlendWeight;
  let churnPoints: number | null = null;
  if (churn !== null) {
    churnPoints = churnBlend * (logit(1 - churn) - healthPoints);
    coverage += w.churnProbability;
  }

  const trend = signals.healthTrend ?? null;
  const trendPoints = trend === null ? null : config.trendPoints[trend];
  if (trend !== null) coverage += w.healthTrend;

  // At risk for timing purposes: the score decides when known (so raising it can only remove the penalty).
  const atRisk =
    (health !== null ? health < config.atRiskHealthBelow : band !== null && AT_RISK_BANDS.has(band)) ||
    (churn !== null && churn >= config.atRiskChurnProbability);
  let timing: RenewalCore["timing"] = "none";
  let timingPoints = 0;
  if (days < 0) {
    timing = "late";
    timingPoints = config.lateRenewalPoints;
  } else if (days <= config.closeRenewalDays && atRisk) {
    timing = "close_at_risk";
    timingPoints = config.closeAtRiskPoints;
  }

  const rawEsc = known(signals.openEscalations);
  const escalations = rawEsc === null ? null : Math.max(0, Math.floor(rawEsc));
  let escalationPoints: number | null = null;
  if (escalations !== null) {
    escalationPoints = Math.max(config.escalationPointsCap, config.escalationPointsEach * escalations);
    coverage += w.escalations;
  }

  const paymentStatus = signals.paymentStatus ?? null;
  const rawFailed = known(signals.failedPayments);
  const failedPayments = rawFailed === null ? null : Math.max(0, Math.floor(rawFailed));
  let paymentPoints: number | null = null;
  if (paymentStatus !== null || failedPayments !== null) {
    const statusPts = paymentStatus === null ? 0 : config.paymentPoints[paymentStatus];
    paymentPoints = statusPts + Math.max(config.failedPaymentPointsCap, config.failedPaymentPointsEach * (failedPayments ?? 0));
    coverage += w.payment;
  }

  const rawUsage = known(signals.usageTrend);
  const usageTrend = rawUsage === null ? null : clamp(rawUsage, -1, 10);
  let usagePoints: number | null = null;
  if (usageTrend !== null) {
    usagePoints = clamp(config.usageTrendSlope * usageTrend, config.usageTrendPointsRange[0], config.usageTrendPointsRange[1]);
    coverage += w.usageTrend;
  }

  const contractType = signals.contractType ?? null;
  const autoRenew = signals.autoRenew ?? null;
  let contractPoints: number | null = null;
  if (contractType !== null || autoRenew !== null) {
    contractPoints = (contractType === null ? 0 : config.contractTypePoints[contractType]) + (autoRenew === true ? config.autoRenewPoints : 0);
    coverage += w.contract;
  }

  const rawPrior = known(signals.priorRenewals);
  const priorRenewals = rawPrior === null ? null : Math.max(0, Math.floor(rawPrior));
  let priorPoints: number | null = null;
  if (priorRenewals !== null) {
    const table = config.priorRenewalPoints;
    priorPoints = table[Math.min(priorRenewals, table.length - 1)] ?? 0;
    coverage += w.priorRenewals;
  }

  const total =
    healthPoints +
    (churnPoints ?? 0) +
    (trendPoints ?? 0) +
    timingPoints +
    (escalationPoints ?? 0) +
    (paymentPoints ?? 0) +
    (usagePoints ?? 0) +
    (contractPoints ?? 0) +
    (priorPoints ?? 0);

  return {
    health,
    band,
    healthSource,
    baseProbability,
    healthPoints,
    churn,
    churnBlend,
    churnPoints,
    trend,
    trendPoints,
    days,
    timing,
    timingPoints,
    escalations,
    escalationPoints,
    paymentStatus,
    failedPayments,
    paymentPoints,
    usageTrend,
    usagePoints,
    contractType,
    autoRenew,
    contractPoints,
    priorRenewals,
    priorPoints,
    total,
    coverage,
  };
}

/** @internal */
export function coreProbability(core: RenewalCore, config: RenewalConfig): number {
  return clamp(sigmoid(core.total), config.probabilityRange[0], config.probabilityRange[1]);
}

/** @internal */
export function coreConfidence(core: RenewalCore, config: RenewalConfig): { coverage: number; confidence: number } {
  // Rounded: these are sums of configured shares, and 0.9999999999999998 helps nobody.
  const coverage = round(clamp(core.coverage, 0, 1), 4);
  return { coverage, confidence: round(clamp(coverage * horizonFactor(core.days, config), 0, 1), 4) };
}

/**
 * The renewal probability alone, without explanations: the same model as
 * `scoreRenewalProbability`, for bulk use (forecasts, benchmarks) where the text is not needed.
 */
export function renewalProbability(signals: RenewalSignals, daysToRenewal: number, config: RenewalConfig = DEFAULT_RENEWAL_CONFIG): number {
  return coreProbability(renewalCore(signals, daysToRenewal, config), config);
}

/**
 * Scores the probability that an account renews, with each factor's contribution.
 * @param signals what is known about the account (missing facts lower the confidence, not the probability)
 * @param daysToRenewal whole UTC days from today to the renewal date (negative once it has passed)
 * @param config a resolved configuration (`resolveRenewalConfig`); defaults when omitted
 */
export function scoreRenewalProbability(
  signals: RenewalSignals,
  daysToRenewal: number,
  config: RenewalConfig = DEFAULT_RENEWAL_CONFIG,
): RenewalProbability {
  const c = renewalCore(signals, daysToRenewal, config);
  const missing: RenewalInputName[] = [];
  const notes: string[] = [];
  const drafts: Draft[] = [];
  const factor = (name: RenewalFactorName, points: number | null, input: Draft["input"], explanation: string) => drafts.push({ name, points, input, explanation });

  if (c.healthSource === "score" && c.health !== null) {
    factor("health", c.healthPoints, c.health, `Health ${fmt(c.health)} sets a baseline of ${pct(c.baseProbability)} (the seed's renewal table, interpolated).`);
  } else if (c.healthSource === "band" && c.band !== null) {
    factor("health", c.healthPoints, c.band, `No health score; the "${c.band}" band stands for about ${fmt(config.bandScores[c.band])}, a baseline of ${pct(c.baseProbability)}.`);
    notes.push(`No health score: the baseline comes from the "${c.band}" band alone, so confidence is lower.`);
  } else {
    missing.push("health");
    factor("health", c.healthPoints, null, `No health score or band; starting from the portfolio prior of ${pct(config.noHealthPrior)}.`);
    notes.push("No health score: the probability relies on the other factors and a portfolio prior, with lower confidence.");
  }

  if (c.churn !== null) {
    factor("churn_model", c.churnPoints, c.churn, `The churn model gives ${pct(c.churn)} churn risk (${pct(1 - c.churn)} to stay); it carries ${pct(c.churnBlend)} of the baseline.`);
  } else {
    missing.push("churnProbability");
    factor("churn_model", null, null, "No churn-model probability for this account.");
  }

  if (c.trend !== null) factor("health_trend", c.trendPoints, c.trend, `Health is ${c.trend}.`);
  else {
    missing.push("healthTrend");
    factor("health_trend", null, null, "No health trend (too few snapshots).");
  }

  const d = c.days;
  factor(
    "renewal_timing",
    c.timingPoints,
    d,
    c.timing === "late"
      ? `The renewal date passed ${-d} day(s) ago and no renewal is recorded.`
      : c.timing === "close_at_risk"
        ? `Renewal in ${d} day(s) while the account is at risk leaves little time to recover.`
        : `Renewal in ${d} day(s); timing neither helps nor hurts.`,
  );

  if (c.escalations !== null) {
    factor("escalations", c.escalationPoints, c.escalations, c.escalations === 0 ? "No open escalations." : `${c.escalations} open escalation(s).`);
  } else {
    missing.push("escalations");
    factor("escalations", null, null, "Escalations unknown.");
  }

  if (c.paymentPoints !== null) {
    const parts = [c.paymentStatus === null ? "payment standing unknown" : `payment ${c.paymentStatus.replace("_", " ")}`];
    if (c.failedPayments !== null) parts.push(`${c.failedPayments} failed payment(s) in 90 days`);
    factor("payment", c.paymentPoints, c.paymentStatus ?? c.failedPayments, `${capitalize(parts.join(", "))}.`);
  } else {
    missing.push("payment");
    factor("payment", null, null, "Payment standing unknown.");
  }

  if (c.usageTrend !== null) {
    const u = c.usageTrend;
    factor("usage_trend", c.usagePoints, u, u === 0 ? "Usage is flat." : `Usage ${u > 0 ? "rose" : "fell"} ${pct(Math.abs(u))} over the last period.`);
  } else {
    missing.push("usageTrend");
    factor("usage_trend", null, null, "No usage trend.");
  }

  if (c.contractPoints !== null) {
    const parts: string[] = [];
    if (c.contractType !== null) parts.push(`${c.contractType.replace("_", "-")} contract`);
    if (c.autoRenew !== null) parts.push(c.autoRenew ? "renews automatically" : "needs a manual renewal");
    factor("contract", c.contractPoints, c.contractType ?? c.autoRenew, `${capitalize(parts.join(", "))}.`);
  } else {
    missing.push("contract");
    factor("contract", null, null, "Contract type unknown.");
  }

  if (c.priorRenewals !== null) {
    const n = c.priorRenewals;
    factor("prior_renewals", c.priorPoints, n, n === 0 ? "This is the account's first renewal, historically the riskiest." : `The account has renewed ${n} time(s) before.`);
  } else {
    missing.push("priorRenewals");
    factor("prior_renewals", null, null, "Renewal history unknown.");
  }

  const raw = sigmoid(c.total);
  const probability = coreProbability(c, config);
  const factors: RenewalFactor[] = drafts.map((f) => {
    const pts = f.points ?? 0;
    return {
      name: f.name,
      value: f.points,
      weight: 1,
      contribution: pts,
      input: f.input,
      probabilityImpact: raw - sigmoid(c.total - pts),
      explanation: f.points === null ? f.explanation : `${f.explanation.replace(/\.$/, "")} (${points(pts)} logit).`,
    };
  });
  const { coverage, confidence } = coreConfidence(c, config);
  const category = categorize(probability, config);
  if (raw !== probability) notes.push(`The model's ${pct(raw)} was clamped to ${pct(probability)}: no renewal is certain.`);

  return {
    probability,
    logit: c.total,
    category,
    confidence,
    coverage,
    daysToRenewal: d,
    factors,
    missing,
    notes,
    summary: summarize(probability, category, confidence, factors),
  };
}

/** Committed, probable or at risk, by the configured cut-offs. */
export function categorize(probability: number, config: RenewalConfig = DEFAULT_RENEWAL_CONFIG): RenewalCategory {
  if (probability >= config.riskCutoffs.committedAtLeast) return "committed";
  if (probability < config.riskCutoffs.atRiskBelow) return "at_risk";
  return "probable";
}

function horizonFactor(days: number, config: RenewalConfig): number {
  const { fullConfidenceDays, floorDays, floorFactor } = config.horizon;
  if (days <= fullConfidenceDays) return 1;
  if (days >= floorDays) return floorFactor;
  return 1 - ((days - fullConfidenceDays) / (floorDays - fullConfidenceDays)) * (1 - floorFactor);
}

function summarize(probability: number, category: RenewalCategory, confidence: number, factors: RenewalFactor[]): string {
  const movers = factors.filter((f) => f.name !== "health" && f.value !== null && Math.abs(f.probabilityImpact) >= 0.005);
  const drags = movers.filter((f) => f.probabilityImpact < 0).sort((a, b) => a.probabilityImpact - b.probabilityImpact).slice(0, 2);
  const lifts = movers.filter((f) => f.probabilityImpact > 0).sort((a, b) => b.probabilityImpact - a.probabilityImpact).slice(0, 2);
  const label = category === "at_risk" ? "at risk" : category;
  let text = `Renewal probability ${pct(probability)} (${label}), confidence ${confidence.toFixed(2)}.`;
  const describe = (f: RenewalFactor) => `${f.name.replace("_", " ")} ${f.probabilityImpact > 0 ? "+" : "−"}${Math.round(Math.abs(f.probabilityImpact) * 100)} pts`;
  if (drags.length) text += ` Biggest drag: ${drags.map(describe).join(", ")}.`;
  if (lifts.length) text += ` Biggest lift: ${lifts.map(describe).join(", ")}.`;
  return text;
}

/** An account as the forecast and the expected-ARR figure need it. */
export interface RenewalAccount extends RenewalSignals {
  accountId: string;
  /** Current annual recurring revenue (contract value), ≥ 0. */
  arr: number;
  renewalDate: DateInput;
  /** Expected expansion (positive) or contraction (negative) of ARR at renewal, in currency units. */
  expectedArrChange?: number | null;
}

/** Renewal probability plus what the renewal is worth. */
export interface RenewalAssessment extends RenewalProbability {
  accountId: string;
  /** "YYYY-MM-DD" (UTC). */
  renewalDate: string;
  arr: number;
  /** ARR up for renewal: ARR + expected change, within [0, ARR × maxGrowthMultiple]. */
  renewalArr: number;
  /** probability × renewalArr. */
  expectedArr: number;
  /** True when the expected change was cut to the [0, ARR × maxGrowthMultiple] range. */
  arrChangeCapped: boolean;
}

/**
 * Expected ARR at renewal = probability × (ARR + expected change), the latter kept within
 * [0, ARR × maxGrowthMultiple] so a bad expansion estimate cannot inflate a forecast.
 */
export function expectedRenewalArr(
  arr: number,
  probability: number,
  expectedArrChange: number | null | undefined,
  config: RenewalConfig = DEFAULT_RENEWAL_CONFIG,
): { renewalArr: number; expectedArr: number; capped: boolean } {
  const base = Number.isFinite(arr) ? Math.max(0, arr) : 0;
  const change = known(expectedArrChange) ?? 0;
  const uncapped = base + change;
  const renewalArr = clamp(uncapped, 0, base * config.maxGrowthMultiple);
  return { renewalArr, expectedArr: clamp(probability, 0, 1) * renewalArr, capped: renewalArr !== uncapped };
}

/**
 * Assesses one account's renewal as of `now`.
 * @throws AnalyticsConfigError when ARR or the renewal date is unusable (`field` prefixes the path).
 */
export function assessRenewal(
  account: RenewalAccount,
  now: DateInput,
  config: RenewalConfig = DEFAULT_RENEWAL_CONFIG,
  field = "account",
): RenewalAssessment {
  return assessAt(account, utcDayNumber(toEpochMs(now, "now")), config, field);
}

/** @internal Refuses an unusable ARR, naming `${field}.arr`. */
export function checkArr(account: RenewalAccount, field: string): void {
  if (typeof account.arr !== "number" || !Number.isFinite(account.arr) || account.arr < 0) {
    throw new AnalyticsConfigError(`${field}.arr`, `${String(account.arr)} is not a valid ARR; send a finite amount ≥ 0.`);
  }
}

function assessAt(account: RenewalAccount, today: number, config: RenewalConfig, field: string): RenewalAssessment {
  checkArr(account, field);
  const renewalDay = utcDayNumber(toEpochMs(account.renewalDate, `${field}.renewalDate`));
  const scored = scoreRenewalProbability(account, renewalDay - today, config);
  const value = expectedRenewalArr(account.arr, scored.probability, account.expectedArrChange, config);
  if (value.capped) {
    scored.notes.push(`The expected ARR change was capped: renewal ARR is kept between 0 and ${config.maxGrowthMultiple} × ARR.`);
  }
  return {
    ...scored,
    accountId: account.accountId,
    renewalDate: isoDay(renewalDay),
    arr: account.arr,
    renewalArr: value.renewalArr,
    expectedArr: value.expectedArr,
    arrChangeCapped: value.capped,
  };
}

function fmt(n: number): string {
  return String(round(n, 2));
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
