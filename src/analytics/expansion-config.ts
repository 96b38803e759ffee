/**
 * Configuration of the expansion model and lifetime value: documented defaults and validation.
 */
import { AnalyticsConfigError } from "./errors";
import { type CurveAnchor, isNonEmptyList, requireRange, type Tier, TIERS, validateCurve } from "./renewals-common";

/** Expansion candidate types (the seed's ExpansionType values this engine proposes). */
export type ExpansionType = "upsell" | "cross_sell" | "user_expansion" | "usage_expansion";

export const EXPANSION_TYPES: readonly ExpansionType[] = ["upsell", "cross_sell", "user_expansion", "usage_expansion"];

/** A fallback lifetime for LTV when no churn figure is known: accounts with ARR ≥ minArr get `years`. */
export interface LifetimeBand {
  minArr: number;
  years: number;
}

/** Every knob of the expansion model. Points are logit (log-odds) points. */
export interface ExpansionConfig {
  /** The tier ladder, lowest first; an upsell proposes the next rung. */
  tierLadder: readonly Tier[];
  /**
   * Typical ARR of each tier. Defaults are the midpoints of the seed's ARR bands (§2.6):
   * starter < 10 k → 5 k, standard 10–50 k → 30 k, professional 50–100 k → 75 k, enterprise 100–200 k → 150 k.
   */
  tierTypicalArr: Readonly<Record<Tier, number>>;
  /** An upgrade never more than multiplies ARR by this (seed's largest step multiplier, standard → professional ×2.5). */
  maxUpgradeMultiple: number;
  /** An account already paying the next tier's typical price still adds at least this share of ARR by upgrading. */
  minUpgradeUplift: number;
  /** A tier upgrade is pitched only at health ≥ this (seed `min_health_score` 75). */
  upsellMinHealth: number;
  /** Engagement (0–100) at or above this counts as a sign of outgrowing the plan. */
  upsellMinEngagement: number;
  /** Health below this (or an at-risk band, or churn ≥ atRiskChurnProbability) holds every candidate back. */
  atRiskHealthBelow: number;
  atRiskChurnProbability: number;
  /** Active users / licensed seats at or above this triggers a seat expansion (default 0.85). */
  seatUpsellUtilization: number;
  /** Seats are proposed so that utilization falls back to this (default 0.75). */
  targetSeatUtilization: number;
  /** A metered limit used to at least this share triggers a usage expansion (default 0.80). */
  usageNearLimit: number;
  /** Limits are proposed so that usage falls back to this share of the new limit (default 0.75). */
  targetUsageUtilization: number;
  /** Without a unit price, a usage expansion is valued at ARR × this (default 0.10). */
  defaultUsageUpliftRate: number;
  /**
   * Health → probability of closing an expansion, through the seed's upsell table at its edges
   * (≥ 85 → 0.75, ≥ 75 → 0.60, "else 0.40" placed at 60), with 0 → 0.10, 40 → 0.20, 100 → 0.85.
   */
  healthCurve: readonly CurveAnchor[];
  /** Baseline probability when health is unknown (the seed's lowest band, 0.40). */
  noHealthPrior: number;
  /** Points per unit of utilization above `seatUpsellUtilization`, counted up to `utilizationCap`. */
  utilizationSlope: number;
  utilizationCap: number;
  /** Points per unit of limit use above `usageNearLimit`, counted up to `utilizationCap`. */
  nearLimitSlope: number;
  /** Points an upgrade gains when some metered limit is near. */
  nearLimitUpsellPoints: number;
  /** Points per engagement point away from 50 (0.015: engagement 90 adds 0.6). */
  engagementSlope: number;
  /** Points removed per unit of churn probability (churn 0.3 removes 0.6 at the default 2). */
  churnSlope: number;
  /** Points by candidate type: proven need (seats, usage) closes more often than a new product. */
  typePoints: Readonly<Record<ExpansionType, number>>;
  /** The probability is clamped to this range. */
  probabilityRange: readonly [floor: number, ceiling: number];
  /** Lifetime value defaults. */
  ltv: Readonly<{
    /** Gross margin used when the caller gives none (0.80, a typical SaaS margin). */
    grossMargin: number;
    /** No account is valued beyond this many years of margin (keeps LTV finite as churn → 0). */
    maxLifetimeYears: number;
    /**
     * Lifetime in years when no churn or renewal probability is known: the seed's value-tier LTV
     * multipliers (§2.6) read as years, highest band first.
     */
    fallbackLifetime: readonly LifetimeBand[];
  }>;
}

/** Overrides: any top-level key; record-valued keys merge with the defaults. */
export type ExpansionConfigInput = {
  [K in keyof ExpansionConfig]?: K extends "tierTypicalArr" | "typePoints" | "ltv" ? Partial<ExpansionConfig[K]> : ExpansionConfig[K];
};

/** The documented defaults. */
export const DEFAULT_EXPANSION_CONFIG: ExpansionConfig = Object.freeze({
  tierLadder: TIERS,
  tierTypicalArr: { starter: 5_000, standard: 30_000, professional: 75_000, enterprise: 150_000 },
  maxUpgradeMultiple: 2.5,
  minUpgradeUplift: 0.2,
  upsellMinHealth: 75,
  upsellMinEngagement: 70,
  atRiskHealthBelow: 60,
  atRiskChurnProbability: 0.5,
  seatUpsellUtilization: 0.85,
  targetSeatUtilization: 0.75,
  usageNearLimit: 0.8,
  targetUsageUtilization: 0.75,
  defaultUsageUpliftRate: 0.1,
  healthCurve: [
    [0, 0.1],
    [40, 0.2],
    [60, 0.4],
    [75, 0.6],
    [85, 0.75],
    [100, 0.85],
  ],
  noHealthPrior: 0.4,
  utilizationSlope: 2,
  utilizationCap: 1.25,
  nearLimitSlope: 2,
  nearLimitUpsellPoints: 0.3,
  engagementSlope: 0.015,
  churnSlope: 2,
  typePoints: { upsell: 0, cross_sell: -0.4, user_expansion: 0.2, usage_expansion: 0.2 },
  probabilityRange: [0.01, 0.95],
  ltv: {
    grossMargin: 0.8,
    maxLifetimeYears: 10,
    fallbackLifetime: [
      { minArr: 200_000, years: 5.5 },
      { minArr: 100_000, years: 4.75 },
      { minArr: 50_000, years: 4 },
      { minArr: 10_000, years: 3 },
      { minArr: 0, years: 2.5 },
    ],
  },
} satisfies ExpansionConfig);

/**
 * Merges overrides onto the defaults and validates the result.
 * @throws AnalyticsConfigError naming the field and the fix.
 */
export function resolveExpansionConfig(input: ExpansionConfigInput = {}): ExpansionConfig {
  const d = DEFAULT_EXPANSION_CONFIG;
  const config: ExpansionConfig = {
    ...d,
    ...defined(input),
    tierTypicalArr: { ...d.tierTypicalArr, ...defined(input.tierTypicalArr ?? {}) },
    typePoints: { ...d.typePoints, ...defined(input.typePoints ?? {}) },
    ltv: { ...d.ltv, ...defined(input.ltv ?? {}) },
  };

  const ladder = config.tierLadder;
  if (!isNonEmptyList(ladder)) {
    throw new AnalyticsConfigError("tierLadder", 'needs at least one tier, lowest first, e.g. ["starter", "standard", "professional", "enterprise"].');
  }
  ladder.forEach((tier, i) => {
    if (!TIERS.includes(tier)) throw new AnalyticsConfigError(`tierLadder[${i}]`, `"${String(tier)}" is not a tier; use one of ${TIERS.join(", ")}.`);
    if (ladder.indexOf(tier) !== i) throw new AnalyticsConfigError(`tierLadder[${i}]`, `"${tier}" appears twice; each tier is one rung.`);
  });
  for (const tier of TIERS) {
    requireRange(config.tierTypicalArr[tier], 0, 1e12, `tierTypicalArr.${tier}`, "use an amount ≥ 0.");
  }
  ladder.forEach((tier, i) => {
    const prev = ladder[i - 1];
    if (prev && config.tierTypicalArr[tier] < config.tierTypicalArr[prev]) {
      throw new AnalyticsConfigError(`tierTypicalArr.${tier}`, `is below tierTypicalArr.${prev}; a higher tier must not be cheaper.`);
    }
  });
  requireRange(config.minUpgradeUplift, 0, 10, "minUpgradeUplift", "use a share of ARR such as 0.2.");
  requireRange(config.maxUpgradeMultiple, 1 + config.minUpgradeUplift, 100, "maxUpgradeMultiple", `use at least 1 + minUpgradeUplift (${1 + config.minUpgradeUplift}), e.g. 2.5.`);
  requireRange(config.upsellMinHealth, 0, 100, "upsellMinHealth", "use a health score such as 75.");
  requireRange(config.upsellMinEngagement, 0, 100, "upsellMinEngagement", "use an engagement score such as 70.");
  requireRange(config.atRiskHealthBelow, 0, 100, "atRiskHealthBelow", "use a health score such as 60.");
  if (config.atRiskHealthBelow > config.upsellMinHealth) {
    throw new AnalyticsConfigError("upsellMinHealth", `(${config.upsellMinHealth}) must not be below atRiskHealthBelow (${config.atRiskHealthBelow}).`);
  }
  requireRange(config.atRiskChurnProbability, 0, 1, "atRiskChurnProbability", "use a probability such as 0.5.");
  requireRange(config.seatUpsellUtilization, 0.01, 10, "seatUpsellUtilization", "use a utilization share such as 0.85.");
  requireRange(config.targetSeatUtilization, 0.01, 1, "targetSeatUtilization", "use a share such as 0.75.");
  if (config.targetSeatUtilization > config.seatUpsellUtilization) {
    throw new AnalyticsConfigError("targetSeatUtilization", `(${config.targetSeatUtilization}) must not exceed seatUpsellUtilization (${config.seatUpsellUtilization}); new seats must bring utilization down.`);
  }
  requireRange(config.usageNearLimit, 0.01, 10, "usageNearLimit", "use a share of the limit such as 0.8.");
  requireRange(config.targetUsageUtilization, 0.01, 1, "targetUsageUtilization", "use a share such as 0.75.");
  if (config.targetUsageUtilization > config.usageNearLimit) {
    throw new AnalyticsConfigError("targetUsageUtilization", `(${config.targetUsageUtilization}) must not exceed usageNearLimit (${config.usageNearLimit}).`);
  }
  requireRange(config.defaultUsageUpliftRate, 0, 10, "defaultUsageUpliftRate", "use a share of ARR such as 0.1.");
  validateCurve(config.healthCurve, "healthCurve");
  requireRange(config.noHealthPrior, 0.01, 0.99, "noHealthPrior", "use a probability such as 0.4.");
  requireRange(config.utilizationSlope, 0, 20, "utilizationSlope", "use non-negative points such as 2; more utilization must never lower the probability.");
  requireRange(config.utilizationCap, config.seatUpsellUtilization, 100, "utilizationCap", "use a utilization above seatUpsellUtilization, e.g. 1.25.");
  if (config.utilizationCap < config.usageNearLimit) {
    throw new AnalyticsConfigError("utilizationCap", `(${config.utilizationCap}) must not be below usageNearLimit (${config.usageNearLimit}).`);
  }
  requireRange(config.nearLimitSlope, 0, 20, "nearLimitSlope", "use non-negative points such as 2.");
  requireRange(config.nearLimitUpsellPoints, 0, 10, "nearLimitUpsellPoints", "use non-negative points such as 0.3.");
  requireRange(config.engagementSlope, 0, 1, "engagementSlope", "use non-negative points per engagement point, e.g. 0.015.");
  requireRange(config.churnSlope, 0, 20, "churnSlope", "use non-negative points such as 2; churn risk must never raise the probability.");
  for (const type of Object.keys(d.typePoints) as (keyof ExpansionConfig["typePoints"])[]) {
    requireRange(config.typePoints[type], -10, 10, `typePoints.${type}`, "use logit points such as -0.4.");
  }
  const [floor, ceiling] = config.probabilityRange;
  requireRange(floor, 0, 0.5, "probabilityRange[0]", "use a small floor such as 0.01.");
  requireRange(ceiling, 0.5, 1, "probabilityRange[1]", "use a ceiling such as 0.95.");
  const ltv = config.ltv;
  requireRange(ltv.grossMargin, 0, 1, "ltv.grossMargin", "use a share such as 0.8.");
  requireRange(ltv.maxLifetimeYears, 1, 100, "ltv.maxLifetimeYears", "use a number of years such as 10.");
  if (!isNonEmptyList(ltv.fallbackLifetime)) {
    throw new AnalyticsConfigError("ltv.fallbackLifetime", "needs at least one band, e.g. [{ minArr: 0, years: 3 }].");
  }
  ltv.fallbackLifetime.forEach((band, i) => {
    requireRange(band.minArr, 0, 1e12, `ltv.fallbackLifetime[${i}].minArr`, "use an amount ≥ 0.");
    requireRange(band.years, 0.1, ltv.maxLifetimeYears, `ltv.fallbackLifetime[${i}].years`, `use years between 0.1 and ltv.maxLifetimeYears (${ltv.maxLifetimeYears}).`);
    const prev = ltv.fallbackLifetime[i - 1];
    if (prev && band.minArr >= prev.minArr) {
      throw new AnalyticsConfigError(`ltv.fallbackLifetime[${i}].minArr`, `${band.minArr} follows ${prev.minArr}; list bands from the highest ARR down.`);
    }
  });
  if (ltv.fallbackLifetime[ltv.fallbackLifetime.length - 1]?.minArr !== 0) {
    throw new AnalyticsConfigError("ltv.fallbackLifetime", "the last band must start at minArr 0 so every account has a lifetime.");
  }
  return Object.freeze(config);
}

function defined<T extends object>(value: T): Partial<T> {
  const out: Partial<T> = {};
  for (const key of Object.keys(value) as (keyof T)[]) {
    if (value[key] !== undefined) out[key] = value[key];
  }
  return out;
}
