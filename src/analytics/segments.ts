/**
 * Segmentation: value tiers by ARR, lifecycle stage from an account's facts, and custom segments
 * from a small rule language (in ./segments-rules, re-exported here).
 *
 * Pure: no I/O, no clock. `now` is always a parameter and dates are UTC.
 */
import { AnalyticsConfigError } from "./errors";
import { MS_PER_DAY } from "./math";
import { describe, toUtcMs, type DateInput } from "./segments-dates";

export * from "./segments-rules";
export type { DateInput } from "./segments-dates";

// ---- value tiers ----------------------------------------------------------------------------

/** The seed's tier names, lowest first. */
export const VALUE_TIERS = ["starter", "standard", "professional", "enterprise", "strategic"] as const;
export type ValueTierName = (typeof VALUE_TIERS)[number];

/** A tier starts at `minArr` (inclusive) and runs to the next tier's `minArr` (exclusive). */
export interface ValueTierDefinition {
  readonly name: string;
  readonly minArr: number;
}

/**
 * The seed's `segment_by_value_tier` bands: starter < 10 k ≤ standard < 50 k ≤ professional
 * < 100 k ≤ enterprise < 200 k ≤ strategic.
 */
export const DEFAULT_VALUE_TIERS: readonly ValueTierDefinition[] = Object.freeze([
  { name: "starter", minArr: 0 },
  { name: "standard", minArr: 10_000 },
  { name: "professional", minArr: 50_000 },
  { name: "enterprise", minArr: 100_000 },
  { name: "strategic", minArr: 200_000 },
]);

export interface ValueTierResult {
  readonly tier: string;
  /** 1 for the highest tier (the seed's "priority"), counting down. */
  readonly rank: number;
  readonly minArr: number;
  /** Exclusive upper bound; null for the top tier. */
  readonly maxArr: number | null;
  readonly explanation: string;
}

/**
 * Checks tier thresholds: a non-empty list, distinct non-empty names, `minArr` finite,
 * non-negative and strictly increasing, starting at 0 so every ARR has a tier.
 * @throws AnalyticsConfigError naming e.g. "tiers[2].minArr".
 */
export function validateValueTiers(tiers: unknown): readonly ValueTierDefinition[] {
  if (!Array.isArray(tiers) || tiers.length === 0) {
    throw new AnalyticsConfigError("tiers", "expected a non-empty list of { name, minArr }, lowest tier first");
  }
  const names = new Set<string>();
  const out: ValueTierDefinition[] = [];
  tiers.forEach((raw: unknown, i) => {
    const path = `tiers[${i}]`;
    if (typeof raw !== "object" || raw === null) throw new AnalyticsConfigError(path, "expected { name, minArr }");
    const { name, minArr } = raw as { name?: unknown; minArr?: unknown };
    if (typeof name !== "string" || name.trim() === "") {
      throw new AnalyticsConfigError(`${path}.name`, "expected a non-empty tier name");
    }
    if (names.has(name)) throw new AnalyticsConfigError(`${path}.name`, `tier "${name}" appears twice; give each tier its own name`);
    names.add(name);
    if (typeof minArr !== "number" || !Number.isFinite(minArr) || minArr < 0) {
      throw new AnalyticsConfigError(`${path}.minArr`, `expected a non-negative ARR, got ${describe(minArr)}`);
    }
    const previous = out[i - 1];
    if (i === 0 && minArr !== 0) {
      throw new AnalyticsConfigError(`${path}.minArr`, "the lowest tier must start at 0 so every ARR has a tier; set it to 0");
    }
    if (previous !== undefined && minArr <= previous.minArr) {
      throw new AnalyticsConfigError(
        `${path}.minArr`,
        `thresholds must be strictly increasing: ${minArr} is not above "${previous.name}" at ${previous.minArr}`,
      );
    }
    out.push({ name, minArr });
  });
  return Object.freeze(out);
}

/**
 * Validates tiers once and returns a classifier `arr → tier`.
 * The classifier refuses a negative or non-finite ARR (field "arr").
 */
export function compileValueTiers(tiers: readonly ValueTierDefinition[] = DEFAULT_VALUE_TIERS): (arr: number) => ValueTierResult {
  const valid = validateValueTiers(tiers);
  const results = valid.map((t, i): ValueTierResult => {
    const next = valid[i + 1];
    const maxArr = next === undefined ? null : next.minArr;
    return Object.freeze({
      tier: t.name,
      rank: valid.length - i,
      minArr: t.minArr,
      maxArr,
      explanation:
        maxArr === null
          ? `ARR of at least ${t.minArr} puts the account in the top tier, ${t.name}.`
          : `ARR from ${t.minArr} up to (not including) ${maxArr} is the ${t.name} tier.`,
    });
  });
  return (arr) => {
    if (typeof arr !== "number" || !Number.isFinite(arr) || arr < 0) {
      throw new AnalyticsConfigError("arr", `expected a non-negative ARR, got ${describe(arr)}`);
    }
    // Few tiers: a backwards scan beats a binary search.
    for (let i = results.length - 1; i > 0; i--) {
      const r = results[i] as ValueTierResult;
      if (arr >= r.minArr) return r;
    }
    return results[0] as ValueTierResult;
  };
}

const defaultTierClassifier = compileValueTiers();

/** The value tier of one ARR. Pass `tiers` to override the seed's bands (validated on each call). */
export function valueTier(arr: number, tiers?: readonly ValueTierDefinition[]): ValueTierResult {
  return (tiers === undefined ? defaultTierClassifier : compileValueTiers(tiers))(arr);
}

// ---- lifecycle stage ------------------------------------------------------------------------

/** The seed's six stages plus "adoption" (onboarded, not yet settled). */
export const LIFECYCLE_STAGES = ["onboarding", "adoption", "active", "at_risk", "renewal", "expansion", "churned"] as const;
export type LifecycleStage = (typeof LIFECYCLE_STAGES)[number];

/** Health bands as the health engine names them; lifecycle reads them when no score is given. */
export type HealthBandName = "churn_risk" | "at_risk" | "neutral" | "healthy" | "champion";
const HEALTH_BAND_NAMES: readonly HealthBandName[] = ["churn_risk", "at_risk", "neutral", "healthy", "champion"];

/** What the lifecycle classifier knows about an account. Every fact is optional; absent facts never fire a rule. */
export interface LifecycleFacts {
  /** The account status (data model's AccountStatus). */
  readonly status?: "active" | "paused" | "churned" | "pending" | null;
  readonly contractStart?: DateInput | null;
  /** End of the current term; the renewal date when `renewalDate` is not given. */
  readonly contractEnd?: DateInput | null;
  readonly renewalDate?: DateInput | null;
  readonly churnedAt?: DateInput | null;
  readonly onboardingCompletedAt?: DateInput | null;
  readonly firstValueAt?: DateInput | null;
  /** Health score 0–100; preferred over `healthBand`. */
  readonly healthScore?: number | null;
  readonly healthBand?: HealthBandName | null;
  /** Usage change over the comparison period as a fraction: −0.3 is a 30 % drop, 0.2 a 20 % rise. */
  readonly usageChange?: number | null;
  /** Active users ÷ licensed seats (may exceed 1). */
  readonly seatUtilization?: number | null;
  /** Open expansion signals recorded by CSMs (new use case, executive engagement, …). */
  readonly openExpansionSignals?: number | null;
  /** Overdue, failed or disputed payment. */
  readonly paymentIssue?: boolean | null;
  /** Open support escalations. */
  readonly openEscalations?: number | null;
  /** Share of available features in use, 0–1 (engagement's breadth). */
  readonly featureAdoptionBreadth?: number | null;
}

/** Thresholds for the lifecycle rules. Defaults follow the seed's transition triggers (§2.7). */
export interface LifecycleConfig {
  /** Days after contract start that count as onboarding unless onboarding completes sooner. Default 90 (seed: 90-day milestone). */
  readonly onboardingDays: number;
  /** Days after contract start that count as adoption once onboarded. Default 180 (seed: champion milestone at 180 days). */
  readonly adoptionDays: number;
  /** Feature breadth (0–1) at which an account leaves adoption early. Default 0.5. */
  readonly adoptedBreadth: number;
  /** Health strictly below this is at risk. Default 60 (seed: health_score_below_60). */
  readonly atRiskHealthBelow: number;
  /** A usage drop of at least this fraction is at risk. Default 0.30 (seed: usage_decline_30pct). */
  readonly atRiskUsageDecline: number;
  /** Days before the renewal date that count as the renewal stage. Default 180 (seed: contract_within_180_days). */
  readonly renewalWindowDays: number;
  /** Health strictly above this is an expansion signal. Default 85 (seed: health_score_above_85). */
  readonly expansionHealthAbove: number;
  /** Seat utilization at or above this is an expansion signal. Default 0.9 (seed: usage_at_capacity). */
  readonly expansionSeatUtilization: number;
  /** Usage growth at or above this fraction is an expansion signal. Default 0.2. */
  readonly expansionUsageGrowth: number;
  /** Bands that mean at risk when no score is given. Default churn_risk and at_risk. */
  readonly atRiskBands: readonly HealthBandName[];
  /** Bands that are an expansion signal when no score is given. Default champion. */
  readonly expansionBands: readonly HealthBandName[];
}

export const DEFAULT_LIFECYCLE_CONFIG: LifecycleConfig = Object.freeze({
  onboardingDays: 90,
  adoptionDays: 180,
  adoptedBreadth: 0.5,
  atRiskHealthBelow: 60,
  atRiskUsageDecline: 0.3,
  renewalWindowDays: 180,
  expansionHealthAbove: 85,
  expansionSeatUtilization: 0.9,
  expansionUsageGrowth: 0.2,
  atRiskBands: Object.freeze(["churn_risk", "at_risk"] as HealthBandName[]),
  expansionBands: Object.freeze(["champion"] as HealthBandName[]),
});

/** Every rule that can decide a stage, in decision order (see {@link createLifecycleClassifier}). */
export const LIFECYCLE_RULES = [
  "status_churned",
  "churn_date_passed",
  "status_paused",
  "payment_issue",
  "open_escalation",
  "status_pending",
  "contract_not_started",
  "onboarding_window",
  "health_below_threshold",
  "health_band_at_risk",
  "usage_decline",
  "renewal_overdue",
  "renewal_window",
  "seat_utilization_high",
  "usage_growth",
  "expansion_signals",
  "health_above_threshold",
  "health_band_expansion",
  "adoption_window",
  "default_active",
] as const;
export type LifecycleRuleId = (typeof LIFECYCLE_RULES)[number];

export interface LifecycleResult {
  readonly stage: LifecycleStage;
  /** The rule that decided the stage: the first in decision order that fired. */
  readonly rule: LifecycleRuleId;
  /** One sentence a CSM can repeat. */
  readonly reason: string;
  /** Every rule that fired, in decision order (the first is `rule`), e.g. at risk and also in the renewal window. */
  readonly matched: readonly LifecycleRuleId[];
  readonly daysSinceStart: number | null;
  /** Negative once the renewal date has passed. */
  readonly daysToRenewal: number | null;
  /** Facts that were absent and so could not fire their rules. */
  readonly missingFacts: readonly string[];
}

export type LifecycleConfigInput = Partial<LifecycleConfig>;

/** Merges with the defaults and checks every threshold. @throws AnalyticsConfigError naming the field. */
export function validateLifecycleConfig(input: LifecycleConfigInput = {}): LifecycleConfig {
  const c: LifecycleConfig = { ...DEFAULT_LIFECYCLE_CONFIG, ...input };
  const wholeDays = (field: keyof LifecycleConfig, value: number): void => {
    if (!Number.isInteger(value) || value < 0) throw new AnalyticsConfigError(field, `expected a whole number of days ≥ 0, got ${describe(value)}`);
  };
  const inRange = (field: keyof LifecycleConfig, value: number, min: number, max: number): void => {
    if (typeof value !== "number" || !Number.isFinite(value) || value < min || value > max) {
      throw new AnalyticsConfigError(field, `expected a number from ${min} to ${max}, got ${describe(value)}`);
    }
  };
  wholeDays("onboardingDays", c.onboardingDays);
  wholeDays("adoptionDays", c.adoptionDays);
  wholeDays("renewalWindowDays", c.renewalWindowDays);
  if (c.adoptionDays < c.onboardingDays) {
    throw new AnalyticsConfigError("adoptionDays", `must be at least onboardingDays (${c.onboardingDays}); adoption follows onboarding`);
  }
  inRange("adoptedBreadth", c.adoptedBreadth, 0, 1);
  inRange("atRiskHealthBelow", c.atRiskHealthBelow, 0, 100);
  inRange("expansionHealthAbove", c.expansionHealthAbove, 0, 100);
  if (c.expansionHealthAbove < c.atRiskHealthBelow) {
    throw new AnalyticsConfigError("expansionHealthAbove", `must not be below atRiskHealthBelow (${c.atRiskHealthBelow})`);
  }
  inRange("atRiskUsageDecline", c.atRiskUsageDecline, 0, 1);
  inRange("expansionSeatUtilization", c.expansionSeatUtilization, 0, 10);
  inRange("expansionUsageGrowth", c.expansionUsageGrowth, 0, 100);
  for (const field of ["atRiskBands", "expansionBands"] as const) {
    const bands: unknown = c[field];
    if (!Array.isArray(bands)) throw new AnalyticsConfigError(field, `expected a list of bands from: ${HEALTH_BAND_NAMES.join(", ")}`);
    bands.forEach((b: unknown, i) => {
      if (!HEALTH_BAND_NAMES.includes(b as HealthBandName)) {
        throw new AnalyticsConfigError(`${field}[${i}]`, `unknown band ${describe(b)}; use one of: ${HEALTH_BAND_NAMES.join(", ")}`);
      }
    });
  }
  const overlap = c.atRiskBands.find((b) => c.expansionBands.includes(b));
  if (overlap !== undefined) {
    throw new AnalyticsConfigError("expansionBands", `band "${overlap}" is also in atRiskBands; a band can mean only one of them`);
  }
  return Object.freeze({ ...c, atRiskBands: Object.freeze([...c.atRiskBands]), expansionBands: Object.freeze([...c.expansionBands]) });
}

interface Known {
  readonly nowMs: number;
  readonly status: LifecycleFacts["status"];
  readonly startMs: number | null;
  readonly renewalMs: number | null;
  readonly churnedMs: number | null;
  readonly onboardedMs: number | null;
  readonly daysSinceStart: number | null;
  readonly daysToRenewal: number | null;
  readonly health: number | null;
  readonly band: HealthBandName | null;
  readonly usageChange: number | null;
  readonly seatUtilization: number | null;
  readonly expansionSignals: number | null;
  readonly paymentIssue: boolean;
  readonly escalations: number | null;
  readonly breadth: number | null;
}

interface Rule {
  readonly id: LifecycleRuleId;
  readonly stage: LifecycleStage;
  readonly fires: (k: Known) => boolean;
  readonly reason: (k: Known) => string;
}

const finite = (v: number | null | undefined): number | null => (typeof v === "number" && Number.isFinite(v) ? v : null);
const optionalDate = (v: DateInput | null | undefined, field: string): number | null =>
  v === null || v === undefined ? null : toUtcMs(v, field);
const wholeDaysBetween = (from: number, to: number): number => Math.floor((to - from) / MS_PER_DAY);

function buildRules(c: LifecycleConfig): readonly Rule[] {
  const inOnboarding = (k: Known): boolean =>
    k.daysSinceStart !== null &&
    k.daysSinceStart >= 0 &&
    k.daysSinceStart < c.onboardingDays &&
    (k.onboardedMs === null || k.onboardedMs > k.nowMs);
  return [
    { id: "status_churned", stage: "churned", fires: (k) => k.status === "churned", reason: () => "The account's status is churned." },
    {
      id: "churn_date_passed",
      stage: "churned",
      fires: (k) => k.churnedMs !== null && k.churnedMs <= k.nowMs,
      reason: (k) => `The account churned ${wholeDaysBetween(k.churnedMs ?? k.nowMs, k.nowMs)} days ago.`,
    },
    { id: "status_paused", stage: "at_risk", fires: (k) => k.status === "paused", reason: () => "The account is paused." },
    { id: "payment_issue", stage: "at_risk", fires: (k) => k.paymentIssue, reason: () => "A payment is overdue, failed or disputed." },
    {
      id: "open_escalation",
      stage: "at_risk",
      fires: (k) => (k.escalations ?? 0) > 0,
      reason: (k) => `${k.escalations} support escalation(s) are open.`,
    },
    { id: "status_pending", stage: "onboarding", fires: (k) => k.status === "pending", reason: () => "The account is pending (signed, not yet live)." },
    {
      id: "contract_not_started",
      stage: "onboarding",
      fires: (k) => k.daysSinceStart !== null && k.daysSinceStart < 0,
      reason: (k) => `The contract starts in ${-(k.daysSinceStart ?? 0)} days.`,
    },
    {
      id: "onboarding_window",
      stage: "onboarding",
      fires: inOnboarding,
      reason: (k) => `Day ${k.daysSinceStart} of ${c.onboardingDays} of onboarding, and onboarding is not complete.`,
    },
    {
      id: "health_below_threshold",
      stage: "at_risk",
      fires: (k) => k.health !== null && k.health < c.atRiskHealthBelow,
      reason: (k) => `Health ${k.health} is below ${c.atRiskHealthBelow}.`,
    },
    {
      id: "health_band_at_risk",
      stage: "at_risk",
      fires: (k) => k.health === null && k.band !== null && c.atRiskBands.includes(k.band),
      reason: (k) => `The health band is ${k.band}.`,
    },
    {
      id: "usage_decline",
      stage: "at_risk",
      fires: (k) => k.usageChange !== null && k.usageChange <= -c.atRiskUsageDecline,
      reason: (k) => `Usage fell ${Math.round(-(k.usageChange ?? 0) * 100)} % (threshold ${Math.round(c.atRiskUsageDecline * 100)} %).`,
    },
    {
      id: "renewal_overdue",
      stage: "renewal",
      fires: (k) => k.daysToRenewal !== null && k.daysToRenewal < 0,
      reason: (k) => `The renewal date passed ${-(k.daysToRenewal ?? 0)} days ago without a renewal or churn on record.`,
    },
    {
      id: "renewal_window",
      stage: "renewal",
      fires: (k) => k.daysToRenewal !== null && k.daysToRenewal >= 0 && k.daysToRenewal <= c.renewalWindowDays,
      reason: (k) => `Renewal is in ${k.daysToRenewal} days (window ${c.renewalWindowDays}).`,
    },
    {
      id: "seat_utilization_high",
      stage: "expansion",
      fires: (k) => k.seatUtilization !== null && k.seatUtilization >= c.expansionSeatUtilization,
      reason: (k) => `Seat utilization is ${Math.round((k.seatUtilization ?? 0) * 100)} % (threshold ${Math.round(c.expansionSeatUtilization * 100)} %).`,
    },
    {
      id: "usage_growth",
      stage: "expansion",
      fires: (k) => k.usageChange !== null && k.usageChange >= c.expansionUsageGrowth,
      reason: (k) => `Usage grew ${Math.round((k.usageChange ?? 0) * 100)} % (threshold ${Math.round(c.expansionUsageGrowth * 100)} %).`,
    },
    {
      id: "expansion_signals",
      stage: "expansion",
      fires: (k) => (k.expansionSignals ?? 0) > 0,
      reason: (k) => `${k.expansionSignals} expansion signal(s) are open.`,
    },
    {
      id: "health_above_threshold",
      stage: "expansion",
      fires: (k) => k.health !== null && k.health > c.expansionHealthAbove,
      reason: (k) => `Health ${k.health} is above ${c.expansionHealthAbove}.`,
    },
    {
      id: "health_band_expansion",
      stage: "expansion",
      fires: (k) => k.health === null && k.band !== null && c.expansionBands.includes(k.band),
      reason: (k) => `The health band is ${k.band}.`,
    },
    {
      id: "adoption_window",
      stage: "adoption",
      fires: (k) =>
        k.daysSinceStart !== null &&
        k.daysSinceStart >= 0 &&
        k.daysSinceStart < c.adoptionDays &&
        !inOnboarding(k) &&
        !(k.breadth !== null && k.breadth >= c.adoptedBreadth),
      reason: (k) =>
        `Day ${k.daysSinceStart} of ${c.adoptionDays}: onboarded but still adopting` +
        (k.breadth === null ? "." : ` (${Math.round(k.breadth * 100)} % of features in use, ${Math.round(c.adoptedBreadth * 100)} % settles it).`),
    },
    { id: "default_active", stage: "active", fires: () => true, reason: () => "No other rule applies: a live, settled account." },
  ];
}

/**
 * Validates the configuration once and returns a classifier `(facts, now) → stage`.
 *
 * Decision order (the first rule that fires decides; all that fired are listed in `matched`):
 * 1. churned — status is churned, or `churnedAt` ≤ now. An expired contract alone is not churn:
 *    renewals are often recorded late, so it falls to rule 5 instead.
 * 2. at_risk (hard signals) — paused, a payment issue, or an open escalation. These outrank
 *    onboarding because they are real at any age.
 * 3. onboarding — status pending, the contract has not started, or fewer than `onboardingDays` since
 *    the start and neither `onboardingCompletedAt` nor `firstValueAt` has passed.
 * 4. at_risk (soft signals) — health below `atRiskHealthBelow` (or an at-risk band when no score),
 *    or usage down by `atRiskUsageDecline` or more. Checked after onboarding because a new account's
 *    health and usage are still ramping up.
 * 5. renewal — the renewal date (`renewalDate`, else `contractEnd`) is within `renewalWindowDays`, or
 *    has passed with no churn recorded. At-risk outranks it: a risky renewal is reported as at risk
 *    and `matched` still says renewal.
 * 6. expansion — seat utilization ≥ `expansionSeatUtilization`, usage growth ≥ `expansionUsageGrowth`,
 *    an open expansion signal, or health above `expansionHealthAbove` (or an expansion band).
 * 7. adoption — onboarded but fewer than `adoptionDays` since the start, unless feature breadth has
 *    already reached `adoptedBreadth`.
 * 8. active — otherwise.
 *
 * @throws AnalyticsConfigError for a bad config (at creation) or an unparseable date fact (per call).
 */
export function createLifecycleClassifier(config: LifecycleConfigInput = {}): (facts: LifecycleFacts, now: DateInput) => LifecycleResult {
  const c = validateLifecycleConfig(config);
  const rules = buildRules(c);
  return (facts, now) => {
    const nowMs = toUtcMs(now, "now");
    const startMs = optionalDate(facts.contractStart, "contractStart");
    const renewalMs = optionalDate(facts.renewalDate ?? facts.contractEnd, facts.renewalDate != null ? "renewalDate" : "contractEnd");
    const churnedMs = optionalDate(facts.churnedAt, "churnedAt");
    const completedMs = optionalDate(facts.onboardingCompletedAt, "onboardingCompletedAt");
    const firstValueMs = optionalDate(facts.firstValueAt, "firstValueAt");
    const onboardedCandidates = [completedMs, firstValueMs].filter((v): v is number => v !== null);
    const band = facts.healthBand != null && HEALTH_BAND_NAMES.includes(facts.healthBand) ? facts.healthBand : null;
    const health = finite(facts.healthScore);
    const k: Known = {
      nowMs,
      status: facts.status,
      startMs,
      renewalMs,
      churnedMs,
      onboardedMs: onboardedCandidates.length === 0 ? null : Math.min(...onboardedCandidates),
      daysSinceStart: startMs === null ? null : wholeDaysBetween(startMs, nowMs),
      // Days until the renewal day, counting a renewal later today as 0.
      daysToRenewal: renewalMs === null ? null : Math.ceil((renewalMs - nowMs) / MS_PER_DAY) + 0, // + 0 turns -0 into 0
      health: health === null ? null : Math.min(100, Math.max(0, health)),
      band,
      usageChange: finite(facts.usageChange),
      seatUtilization: finite(facts.seatUtilization),
      expansionSignals: finite(facts.openExpansionSignals),
      paymentIssue: facts.paymentIssue === true,
      escalations: finite(facts.openEscalations),
      breadth: finite(facts.featureAdoptionBreadth),
    };
    const matched: LifecycleRuleId[] = [];
    let decided: Rule | undefined;
    for (const rule of rules) {
      if (rule.id === "default_active" && decided !== undefined) break;
      if (rule.fires(k)) {
        matched.push(rule.id);
        decided ??= rule;
      }
    }
    const winner = decided as Rule;
    const missingFacts: string[] = [];
    if (startMs === null) missingFacts.push("contractStart");
    if (renewalMs === null) missingFacts.push("renewalDate");
    if (health === null && band === null) missingFacts.push("healthScore");
    if (k.usageChange === null) missingFacts.push("usageChange");
    if (k.seatUtilization === null) missingFacts.push("seatUtilization");
    return {
      stage: winner.stage,
      rule: winner.id,
      reason: winner.reason(k),
      matched,
      daysSinceStart: k.daysSinceStart,
      daysToRenewal: k.daysToRenewal,
      missingFacts,
    };
  };
}

const defaultLifecycle = createLifecycleClassifier();

/** One-shot lifecycle stage with the default (or given) thresholds. See {@link createLifecycleClassifier}. */
export function lifecycleStage(facts: LifecycleFacts, now: DateInput, config?: LifecycleConfigInput): LifecycleResult {
  return (config === undefined ? defaultLifecycle : createLifecycleClassifier(config))(facts, now);
}
