/**
 * Expansion: upsell, cross-sell, seat and usage expansion candidates with an estimated value,
 * a probability and the signals behind them; and customer lifetime value.
 *
 * Probability is additive on the logit scale, like the renewal model. The baseline is the seed's
 * upsell table (§2.2: health ≥ 85 → 0.75, ≥ 75 → 0.60, else 0.40) made continuous; seat
 * utilization above the trigger, metered limits near capacity and engagement add points, churn
 * risk removes them, and each type has its own offset. Utilization and health only ever add, so
 * a fuller account or a healthier one never gets a lower probability.
 *
 * At-risk accounts get no expansion push: their candidates are still listed (so a CSM sees the
 * opportunity exists) but with status "held_back" and the reason, and they are left out of totals.
 */
import { AnalyticsConfigError } from "./errors";
import type { ScoreComponent } from "./explain";
import { clamp, round, safeRatio } from "./math";
import {
  DEFAULT_EXPANSION_CONFIG,
  EXPANSION_TYPES,
  type ExpansionConfig,
  type ExpansionType,
} from "./expansion-config";
import {
  type HealthBand,
  interpolateCurve,
  known,
  logit,
  money,
  pct,
  points,
  sigmoid,
  type Tier,
} from "./renewals-common";

export {
  DEFAULT_EXPANSION_CONFIG,
  EXPANSION_TYPES,
  resolveExpansionConfig,
  type ExpansionConfig,
  type ExpansionConfigInput,
  type ExpansionType,
  type LifetimeBand,
} from "./expansion-config";
export type { HealthBand, Tier } from "./renewals-common";

/** Use of one metered plan limit (API calls, storage, projects…). */
export interface PlanUsage {
  metric: string;
  used: number;
  limit: number;
  /** Annual price of one unit of limit; without it the value falls back to ARR × defaultUsageUpliftRate. */
  annualPricePerUnit?: number | null;
}

/** A product the tenant sells besides the core plan. */
export interface CatalogProduct {
  id: string;
  name: string;
  /** Annual list price (flat) or per seat per year (per_seat). */
  annualPrice: number;
  pricing?: "flat" | "per_seat";
  /** Product ids the account must own first. */
  prerequisites?: readonly string[];
  /** Tiers it is sold to; all when absent. */
  tiers?: readonly Tier[];
}

/** What the expansion model knows about an account. */
export interface ExpansionAccount {
  accountId: string;
  /** Current ARR, ≥ 0. */
  arr: number;
  tier: Tier;
  healthScore?: number | null;
  healthBand?: HealthBand | null;
  churnProbability?: number | null;
  licensedSeats?: number | null;
  activeUsers?: number | null;
  /** Annual price per seat; ARR / licensed seats when absent. */
  seatPrice?: number | null;
  /** Engagement score 0–100 from the engagement engine. */
  engagementScore?: number | null;
  usage?: readonly PlanUsage[] | null;
  ownedProducts?: readonly string[] | null;
}

/** A fact that triggered or qualified a candidate. */
export interface ExpansionSignal {
  name: string;
  value: number | string | boolean | null;
  /** The threshold it was compared with, when there is one. */
  threshold: number | null;
  detail: string;
}

export type ExpansionFactorName = "health" | "churn_model" | "seat_utilization" | "usage_limits" | "engagement" | "expansion_type";

/** A probability factor in logit points (value = points, weight 1, contributions sum to the logit). */
export type ExpansionFactor = ScoreComponent<ExpansionFactorName>;

export interface ExpansionCandidate {
  accountId: string;
  type: ExpansionType;
  /** Stable id within the account, e.g. "user_expansion:seats", "upsell:professional", "cross_sell:api_suite". */
  key: string;
  status: "recommended" | "held_back";
  /** Why it is held back (empty when recommended). */
  heldBackReasons: string[];
  /** Incremental ARR if won. */
  estimatedValue: number;
  /** 0–1; never NaN. */
  probability: number;
  /** probability × estimatedValue. */
  expectedValue: number;
  logit: number;
  currentTier: Tier;
  /** upsell: the tier proposed. */
  recommendedTier: Tier | null;
  /** cross_sell: the product proposed. */
  productId: string | null;
  /** usage_expansion: the metric. */
  metric: string | null;
  /** user_expansion: seats to add; usage_expansion: units of limit to add. */
  additionalUnits: number | null;
  signals: ExpansionSignal[];
  factors: ExpansionFactor[];
  /** One sentence a CSM can repeat. */
  reason: string;
}

export interface ExpansionTotals {
  count: number;
  estimatedValue: number;
  expectedValue: number;
}

export interface ExpansionAssessment {
  accountId: string;
  /** Recommended first, then by expected value. */
  candidates: ExpansionCandidate[];
  /** Active users / licensed seats, null when either is unknown. */
  seatUtilization: number | null;
  /** True when the account's candidates are all held back for risk. */
  atRisk: boolean;
  /** Why some opportunity was not proposed (no seats known, zero value…). */
  notes: string[];
  /** Over recommended candidates only. */
  totals: ExpansionTotals;
}

const AT_RISK_BANDS: ReadonlySet<HealthBand> = new Set(["churn_risk", "at_risk"]);

interface Context {
  account: ExpansionAccount;
  config: ExpansionConfig;
  health: number | null;
  churn: number | null;
  engagement: number | null;
  utilization: number | null;
  nearLimits: { usage: PlanUsage; ratio: number }[];
  riskReasons: string[];
}

/**
 * Finds an account's expansion candidates.
 * @param catalog products that can be cross-sold (validated: unique ids, prices ≥ 0)
 * @throws AnalyticsConfigError for a bad ARR, tier or catalog entry
 */
export function findExpansionCandidates(
  account: ExpansionAccount,
  options: { catalog?: readonly CatalogProduct[]; config?: ExpansionConfig } = {},
): ExpansionAssessment {
  const config = options.config ?? DEFAULT_EXPANSION_CONFIG;
  const catalog = options.catalog ?? [];
  validateCatalog(catalog);
  if (typeof account.arr !== "number" || !Number.isFinite(account.arr) || account.arr < 0) {
    throw new AnalyticsConfigError("account.arr", `${String(account.arr)} is not a valid ARR; send a finite amount ≥ 0.`);
  }
  if (!config.tierLadder.includes(account.tier)) {
    throw new AnalyticsConfigError("account.tier", `"${String(account.tier)}" is not on the tier ladder (${config.tierLadder.join(", ")}).`);
  }

  const rawHealth = known(account.healthScore);
  const health = rawHealth === null ? null : clamp(rawHealth, 0, 100);
  const rawChurn = known(account.churnProbability);
  const churn = rawChurn === null ? null : clamp(rawChurn, 0, 1);
  const rawEngagement = known(account.engagementScore);
  const engagement = rawEngagement === null ? null : clamp(rawEngagement, 0, 100);
  // Seats and users are counts: whole numbers, and a licence needs at least one seat.
  const rawSeats = known(account.licensedSeats);
  const seats = rawSeats !== null && rawSeats >= 1 ? Math.floor(rawSeats) : null;
  const rawActive = known(account.activeUsers);
  const active = rawActive === null ? null : Math.max(0, Math.floor(rawActive));
  const utilization = seats !== null && active !== null ? active / seats : null;
  const notes: string[] = [];

  const riskReasons: string[] = [];
  if (health !== null && health < config.atRiskHealthBelow) {
    riskReasons.push(`Health ${fmt(health)} is below ${config.atRiskHealthBelow}: fix adoption and risk before any expansion push.`);
  }
  const band = account.healthBand ?? null;
  if (band !== null && AT_RISK_BANDS.has(band)) {
    riskReasons.push(`The account is in the "${band}" health band: stabilize it before any expansion push.`);
  }
  if (churn !== null && churn >= config.atRiskChurnProbability) {
    riskReasons.push(`Churn risk ${pct(churn)} is at or above ${pct(config.atRiskChurnProbability)}: retention comes before expansion.`);
  }

  const nearLimits: Context["nearLimits"] = [];
  (account.usage ?? []).forEach((usage) => {
    const limit = known(usage.limit);
    const used = known(usage.used);
    if (limit === null || limit <= 0 || used === null) {
      notes.push(`Usage of "${usage.metric}" has no usable limit; it was not checked.`);
      return;
    }
    const ratio = Math.max(0, used) / limit;
    if (ratio >= config.usageNearLimit) nearLimits.push({ usage, ratio });
  });

  const ctx: Context = { account, config, health, churn, engagement, utilization, nearLimits, riskReasons };
  const candidates: ExpansionCandidate[] = [];
  const push = (c: ExpansionCandidate | string | null) => {
    if (typeof c === "string") notes.push(c);
    else if (c) candidates.push(c);
  };

  if (seats === null || active === null) {
    notes.push("Licensed seats or active users unknown: seat expansion was not checked.");
  } else {
    push(seatCandidate(ctx, seats, active));
  }
  push(upgradeCandidate(ctx));
  for (const near of nearLimits) push(usageCandidate(ctx, near.usage, near.ratio));
  const owned = new Set(account.ownedProducts ?? []);
  const names = new Map(catalog.map((p) => [p.id, p.name]));
  for (const product of catalog) {
    if (!owned.has(product.id)) push(crossSellCandidate(ctx, product, owned, seats, active, names));
  }

  candidates.sort(
    (a, b) =>
      (a.status === b.status ? 0 : a.status === "recommended" ? -1 : 1) ||
      b.expectedValue - a.expectedValue ||
      (a.key < b.key ? -1 : a.key > b.key ? 1 : 0),
  );
  const totals: ExpansionTotals = { count: 0, estimatedValue: 0, expectedValue: 0 };
  for (const c of candidates) {
    if (c.status !== "recommended") continue;
    totals.count += 1;
    totals.estimatedValue += c.estimatedValue;
    totals.expectedValue += c.expectedValue;
  }
  return { accountId: account.accountId, candidates, seatUtilization: utilization, atRisk: riskReasons.length > 0, notes, totals };
}

/**
 * Probability of winning a candidate, with its factors.
 * Exported so callers (and tests) can see the model apart from candidate generation.
 */
export function expansionProbability(
  type: ExpansionType,
  facts: {
    healthScore?: number | null;
    churnProbability?: number | null;
    engagementScore?: number | null;
    /** Active users / licensed seats (counts for user_expansion and upsell). */
    seatUtilization?: number | null;
    /** Highest used/limit share among metered limits (usage_expansion: its own metric). */
    limitUtilization?: number | null;
  },
  config: ExpansionConfig = DEFAULT_EXPANSION_CONFIG,
): { probability: number; logit: number; factors: ExpansionFactor[] } {
  const factors: ExpansionFactor[] = [];
  const add = (name: ExpansionFactorName, pts: number | null, explanation: string) => {
    factors.push({
      name,
      value: pts,
      weight: 1,
      contribution: pts ?? 0,
      explanation: pts === null ? explanation : `${explanation.replace(/\.$/, "")} (${points(pts)} logit).`,
    });
  };

  const rawHealth = known(facts.healthScore);
  if (rawHealth !== null) {
    const h = clamp(rawHealth, 0, 100);
    const p = interpolateCurve(config.healthCurve, h);
    add("health", logit(p), `Health ${fmt(h)} gives a ${pct(p)} baseline (the seed's upsell table, interpolated).`);
  } else {
    add("health", logit(config.noHealthPrior), `No health score: starting from ${pct(config.noHealthPrior)}.`);
  }

  const rawChurn = known(facts.churnProbability);
  if (rawChurn !== null) {
    const c = clamp(rawChurn, 0, 1);
    add("churn_model", -config.churnSlope * c, `Churn risk ${pct(c)}.`);
  } else {
    add("churn_model", null, "No churn-model probability.");
  }

  const u = known(facts.seatUtilization);
  if ((type === "user_expansion" || type === "upsell") && u !== null) {
    const over = Math.max(0, Math.min(Math.max(0, u), config.utilizationCap) - config.seatUpsellUtilization);
    add("seat_utilization", config.utilizationSlope * over, `${pct(u)} of licensed seats in use (trigger ${pct(config.seatUpsellUtilization)}).`);
  } else {
    add("seat_utilization", null, type === "user_expansion" || type === "upsell" ? "Seat utilization unknown." : "Seat utilization does not bear on this type.");
  }

  const l = known(facts.limitUtilization);
  if (type === "usage_expansion" && l !== null) {
    const over = Math.max(0, Math.min(Math.max(0, l), config.utilizationCap) - config.usageNearLimit);
    add("usage_limits", config.nearLimitSlope * over, `${pct(l)} of the plan limit used (trigger ${pct(config.usageNearLimit)}).`);
  } else if (type === "upsell" && l !== null) {
    const near = l >= config.usageNearLimit;
    add("usage_limits", near ? config.nearLimitUpsellPoints : 0, near ? `A plan limit is ${pct(l)} used.` : "No plan limit is near.");
  } else {
    add("usage_limits", null, "Plan limits do not bear on this type or are unknown.");
  }

  const rawEngagement = known(facts.engagementScore);
  if (rawEngagement !== null) {
    const e = clamp(rawEngagement, 0, 100);
    add("engagement", config.engagementSlope * (e - 50), `Engagement ${fmt(e)} of 100.`);
  } else {
    add("engagement", null, "Engagement unknown.");
  }

  add("expansion_type", config.typePoints[type], typeSentence(type));

  let total = 0;
  for (const f of factors) total += f.contribution;
  const [floor, ceiling] = config.probabilityRange;
  return { probability: clamp(sigmoid(total), floor, ceiling), logit: total, factors };
}

function typeSentence(type: ExpansionType): string {
  switch (type) {
    case "user_expansion":
      return "Seat expansion answers a need the account already has.";
    case "usage_expansion":
      return "A higher limit answers a need the account already has.";
    case "upsell":
      return "A tier upgrade is a considered purchase.";
    case "cross_sell":
      return "A new product needs a new buying decision.";
  }
}

function maxLimitRatio(ctx: Context): number | null {
  let best: number | null = null;
  for (const n of ctx.nearLimits) best = best === null ? n.ratio : Math.max(best, n.ratio);
  return best;
}

function baseSignals(ctx: Context): ExpansionSignal[] {
  const out: ExpansionSignal[] = [];
  if (ctx.health !== null) out.push({ name: "health", value: ctx.health, threshold: ctx.config.atRiskHealthBelow, detail: `Health ${fmt(ctx.health)}.` });
  if (ctx.churn !== null) out.push({ name: "churn_probability", value: ctx.churn, threshold: ctx.config.atRiskChurnProbability, detail: `Churn risk ${pct(ctx.churn)}.` });
  if (ctx.engagement !== null) out.push({ name: "engagement", value: ctx.engagement, threshold: ctx.config.upsellMinEngagement, detail: `Engagement ${fmt(ctx.engagement)}.` });
  return out;
}

function build(
  ctx: Context,
  type: ExpansionType,
  key: string,
  estimatedValue: number,
  extra: { recommendedTier?: Tier; productId?: string; metric?: string; additionalUnits?: number; signals: ExpansionSignal[]; heldBack?: string[]; reason: string; limitUtilization?: number | null },
): ExpansionCandidate {
  const scored = expansionProbability(
    type,
    {
      healthScore: ctx.health,
      churnProbability: ctx.churn,
      engagementScore: ctx.engagement,
      seatUtilization: ctx.utilization,
      limitUtilization: extra.limitUtilization ?? maxLimitRatio(ctx),
    },
    ctx.config,
  );
  const heldBackReasons = [...ctx.riskReasons, ...(extra.heldBack ?? [])];
  const status = heldBackReasons.length ? "held_back" : "recommended";
  const reason = status === "held_back" ? `${extra.reason} Held back: ${heldBackReasons[0]}` : extra.reason;
  return {
    accountId: ctx.account.accountId,
    type,
    key,
    status,
    heldBackReasons,
    estimatedValue,
    probability: scored.probability,
    expectedValue: scored.probability * estimatedValue,
    logit: scored.logit,
    currentTier: ctx.account.tier,
    recommendedTier: extra.recommendedTier ?? null,
    productId: extra.productId ?? null,
    metric: extra.metric ?? null,
    additionalUnits: extra.additionalUnits ?? null,
    // A fact that triggered the candidate is not repeated among the context signals.
    signals: [...extra.signals, ...baseSignals(ctx).filter((b) => !extra.signals.some((s) => s.name === b.name))],
    factors: scored.factors,
    reason,
  };
}

/**
 * Seats: triggered at utilization ≥ seatUpsellUtilization. Proposes enough seats to bring
 * utilization back to targetSeatUtilization: ceil(active / target) − licensed (at least 1),
 * valued at the seat price (given, else ARR / licensed seats).
 */
export function seatsToAdd(activeUsers: number, licensedSeats: number, config: ExpansionConfig = DEFAULT_EXPANSION_CONFIG): number {
  // The epsilon keeps 90 / 0.75 from rounding up to 121 through float error.
  return Math.max(1, Math.ceil(activeUsers / config.targetSeatUtilization - 1e-9) - licensedSeats);
}

function seatCandidate(ctx: Context, seats: number, active: number): ExpansionCandidate | string | null {
  const { config, account } = ctx;
  const u = active / seats;
  if (u < config.seatUpsellUtilization) return null;
  const price = known(account.seatPrice) ?? safeRatio(account.arr, seats);
  const add = seatsToAdd(active, seats, config);
  const value = add * Math.max(0, price);
  if (!usable(value)) return "Seats are nearly full but there is no usable seat price or ARR to value more seats.";
  return build(ctx, "user_expansion", "user_expansion:seats", value, {
    additionalUnits: add,
    signals: [
      {
        name: "seat_utilization",
        value: u,
        threshold: config.seatUpsellUtilization,
        detail: `${fmt(active)} of ${fmt(seats)} licensed seats active (${pct(u)}).`,
      },
    ],
    reason: `${fmt(active)} of ${fmt(seats)} seats are in use (${pct(u)}, at or above ${pct(config.seatUpsellUtilization)}): add about ${add} seat(s), roughly ${money(value)} a year at ${money(price)} per seat.`,
  });
}

/**
 * Tier upgrade value: the next tier's typical ARR, at least ARR × (1 + minUpgradeUplift) and at
 * most ARR × maxUpgradeMultiple, minus current ARR.
 */
export function upgradeValue(arr: number, nextTier: Tier, config: ExpansionConfig = DEFAULT_EXPANSION_CONFIG): number {
  const potential = Math.min(Math.max(config.tierTypicalArr[nextTier], arr * (1 + config.minUpgradeUplift)), arr * config.maxUpgradeMultiple);
  return Math.max(0, potential - arr);
}

function upgradeCandidate(ctx: Context): ExpansionCandidate | string | null {
  const { config, account } = ctx;
  const rung = config.tierLadder.indexOf(account.tier);
  const next = config.tierLadder[rung + 1];
  if (next === undefined) return null; // top of the ladder
  const signals: ExpansionSignal[] = [];
  if (ctx.utilization !== null && ctx.utilization >= config.seatUpsellUtilization) {
    signals.push({ name: "seat_utilization", value: ctx.utilization, threshold: config.seatUpsellUtilization, detail: `Seats ${pct(ctx.utilization)} used.` });
  }
  for (const n of ctx.nearLimits) {
    signals.push({ name: `near_limit:${n.usage.metric}`, value: n.ratio, threshold: config.usageNearLimit, detail: `${n.usage.metric} at ${pct(n.ratio)} of the plan limit.` });
  }
  if (ctx.engagement !== null && ctx.engagement >= config.upsellMinEngagement) {
    signals.push({ name: "engagement", value: ctx.engagement, threshold: config.upsellMinEngagement, detail: `Engagement ${fmt(ctx.engagement)}.` });
  }
  // The seed pitched every account with health ≥ 75; here it also needs a sign of outgrowing the plan.
  if (signals.length === 0) return null;
  const value = upgradeValue(account.arr, next, config);
  if (!usable(value)) return `A move to ${next} has no value to estimate (ARR is 0).`;
  const heldBack: string[] = [];
  if (ctx.health === null) heldBack.push("No health score: confirm the account is healthy before pitching an upgrade.");
  else if (ctx.health < config.upsellMinHealth && ctx.health >= config.atRiskHealthBelow) {
    heldBack.push(`Health ${fmt(ctx.health)} is below the ${config.upsellMinHealth} an upgrade pitch needs.`);
  }
  const why = signals.map((s) => s.detail.replace(/\.$/, "").toLowerCase()).join("; ");
  return build(ctx, "upsell", `upsell:${next}`, value, {
    recommendedTier: next,
    signals: [{ name: "tier", value: account.tier, threshold: null, detail: `On ${account.tier}; next rung ${next}.` }, ...signals],
    heldBack,
    reason: `Outgrowing ${account.tier} (${why}): move to ${next} for about ${money(value)} more a year.`,
  });
}

/**
 * Usage expansion value: with a unit price, ceil(used / targetUsageUtilization − limit) × price;
 * without one, ARR × defaultUsageUpliftRate.
 */
export function usageExpansionValue(usage: PlanUsage, arr: number, config: ExpansionConfig = DEFAULT_EXPANSION_CONFIG): { units: number; value: number } {
  // Whole units, like seats; the epsilon keeps float error from adding one.
  const units = Math.max(0, Math.ceil(Math.max(0, usage.used) / config.targetUsageUtilization - usage.limit - 1e-9));
  const price = known(usage.annualPricePerUnit);
  return { units, value: price !== null ? units * Math.max(0, price) : arr * config.defaultUsageUpliftRate };
}

function usageCandidate(ctx: Context, usage: PlanUsage, ratio: number): ExpansionCandidate | string {
  const { units, value } = usageExpansionValue(usage, ctx.account.arr, ctx.config);
  if (!usable(value)) return `"${usage.metric}" is near its limit but there is no usable price or ARR to value more.`;
  const priced = known(usage.annualPricePerUnit) !== null;
  return build(ctx, "usage_expansion", `usage_expansion:${usage.metric}`, value, {
    metric: usage.metric,
    additionalUnits: units,
    limitUtilization: ratio,
    signals: [{ name: `near_limit:${usage.metric}`, value: ratio, threshold: ctx.config.usageNearLimit, detail: `${fmt(usage.used)} of ${fmt(usage.limit)} ${usage.metric} used (${pct(ratio)}).` }],
    reason: `${usage.metric} is at ${pct(ratio)} of the plan limit: raise it by about ${fmt(units)} for roughly ${money(value)} a year${priced ? "" : ` (estimated at ${pct(ctx.config.defaultUsageUpliftRate)} of ARR; no unit price given)`}.`,
  });
}

function crossSellCandidate(
  ctx: Context,
  product: CatalogProduct,
  owned: ReadonlySet<string>,
  seats: number | null,
  active: number | null,
  names: ReadonlyMap<string, string>,
): ExpansionCandidate | string {
  let value = product.annualPrice;
  let priceNote = "";
  if (product.pricing === "per_seat") {
    const count = seats ?? (active !== null && active > 0 ? active : null);
    if (count === null) priceNote = " (seat count unknown: priced for one seat)";
    value = product.annualPrice * (count ?? 1);
  }
  if (!usable(value)) return `${product.name} has no usable price; it was not proposed.`;
  const heldBack: string[] = [];
  const missingPrereqs = (product.prerequisites ?? []).filter((p) => !owned.has(p)).map((p) => names.get(p) ?? p);
  if (missingPrereqs.length) heldBack.push(`${product.name} needs ${missingPrereqs.join(", ")} first.`);
  if (product.tiers && !product.tiers.includes(ctx.account.tier)) {
    heldBack.push(`${product.name} is not sold on the ${ctx.account.tier} tier (${product.tiers.join(", ")} only).`);
  }
  const signals: ExpansionSignal[] = [{ name: "product_not_owned", value: product.id, threshold: null, detail: `Does not own ${product.name}.` }];
  if ((product.prerequisites ?? []).length) {
    signals.push({ name: "prerequisites", value: missingPrereqs.length === 0, threshold: null, detail: missingPrereqs.length ? `Missing ${missingPrereqs.join(", ")}.` : "All prerequisites owned." });
  }
  return build(ctx, "cross_sell", `cross_sell:${product.id}`, value, {
    productId: product.id,
    signals,
    heldBack,
    reason: `Does not own ${product.name}${missingPrereqs.length ? "" : (product.prerequisites ?? []).length ? " and has its prerequisites" : ""}: about ${money(value)} a year${priceNote}.`,
  });
}

/**
 * Refuses a catalog with duplicate ids, bad prices or a product that requires itself.
 * @throws AnalyticsConfigError naming `catalog[i].field`
 */
export function validateCatalog(catalog: readonly CatalogProduct[]): void {
  const seen = new Set<string>();
  catalog.forEach((p, i) => {
    if (typeof p.id !== "string" || p.id.length === 0) throw new AnalyticsConfigError(`catalog[${i}].id`, "needs a non-empty product id.");
    if (seen.has(p.id)) throw new AnalyticsConfigError(`catalog[${i}].id`, `"${p.id}" appears twice; product ids must be unique.`);
    seen.add(p.id);
    if (typeof p.annualPrice !== "number" || !Number.isFinite(p.annualPrice) || p.annualPrice < 0) {
      throw new AnalyticsConfigError(`catalog[${i}].annualPrice`, `${String(p.annualPrice)} must be an annual price ≥ 0.`);
    }
    if (p.prerequisites?.includes(p.id)) throw new AnalyticsConfigError(`catalog[${i}].prerequisites`, `"${p.id}" cannot require itself.`);
  });
}

/** A pipeline summary over candidates (recommended only), by type. */
export interface ExpansionPipeline extends ExpansionTotals {
  heldBack: ExpansionTotals;
  byType: Record<ExpansionType, ExpansionTotals>;
}

/** Sums recommended candidates by type; held-back ones are totalled apart. */
export function summarizeExpansion(candidates: readonly ExpansionCandidate[]): ExpansionPipeline {
  const zero = (): ExpansionTotals => ({ count: 0, estimatedValue: 0, expectedValue: 0 });
  const byType = Object.fromEntries(EXPANSION_TYPES.map((t) => [t, zero()])) as Record<ExpansionType, ExpansionTotals>;
  const out: ExpansionPipeline = { ...zero(), heldBack: zero(), byType };
  for (const c of candidates) {
    const targets = c.status === "recommended" ? [out, byType[c.type]] : [out.heldBack];
    for (const t of targets) {
      t.count += 1;
      t.estimatedValue += c.estimatedValue;
      t.expectedValue += c.expectedValue;
    }
  }
  return out;
}

export interface LifetimeValueInput {
  arr: number;
  /** Probability of churning within a year (0–1). Preferred when given. */
  annualChurnProbability?: number | null;
  /** Probability of renewing an annual contract; churn = 1 − it when no churn probability is given. */
  renewalProbability?: number | null;
  /** Gross margin 0–1; config default (0.80) when absent. */
  grossMargin?: number | null;
}

export interface LifetimeValue {
  /** ARR × gross margin × lifetime years. */
  ltv: number;
  arr: number;
  grossMargin: number;
  /** The annual churn implied by the lifetime used (1 / lifetimeYears). */
  annualChurn: number;
  churnSource: "churn_probability" | "renewal_probability" | "tier_fallback";
  /** 1 / churn, capped at ltv.maxLifetimeYears; the fallback band's years when churn is unknown. */
  lifetimeYears: number;
  /** True when the lifetime hit the cap. */
  capped: boolean;
  explanation: string;
}

/**
 * Customer lifetime value: LTV = ARR × gross margin / annual churn probability, with the lifetime
 * (1 / churn) capped at `ltv.maxLifetimeYears` so a near-zero churn does not make LTV explode.
 * Churn comes from the churn probability, else 1 − renewal probability, else the seed's value-tier
 * LTV multipliers are read as lifetimes (≥ 200 k: 5.5 y, ≥ 100 k: 4.75, ≥ 50 k: 4, ≥ 10 k: 3, else 2.5).
 * @throws AnalyticsConfigError for a bad ARR or gross margin
 */
export function lifetimeValue(input: LifetimeValueInput, config: ExpansionConfig = DEFAULT_EXPANSION_CONFIG): LifetimeValue {
  if (typeof input.arr !== "number" || !Number.isFinite(input.arr) || input.arr < 0) {
    throw new AnalyticsConfigError("arr", `${String(input.arr)} is not a valid ARR; send a finite amount ≥ 0.`);
  }
  const margin = known(input.grossMargin) ?? config.ltv.grossMargin;
  if (margin < 0 || margin > 1) throw new AnalyticsConfigError("grossMargin", `${margin} must be a share between 0 and 1, e.g. 0.8.`);
  const maxYears = config.ltv.maxLifetimeYears;
  const churnP = known(input.annualChurnProbability);
  const renewP = known(input.renewalProbability);
  let churn: number | null = null;
  let source: LifetimeValue["churnSource"] = "tier_fallback";
  if (churnP !== null) {
    churn = clamp(churnP, 0, 1);
    source = "churn_probability";
  } else if (renewP !== null) {
    churn = 1 - clamp(renewP, 0, 1);
    source = "renewal_probability";
  }
  let years: number;
  let capped = false;
  if (churn !== null) {
    const uncapped = churn > 0 ? 1 / churn : Number.POSITIVE_INFINITY;
    capped = uncapped > maxYears;
    years = Math.min(uncapped, maxYears);
  } else {
    years = config.ltv.fallbackLifetime.find((b) => input.arr >= b.minArr)?.years ?? config.ltv.fallbackLifetime[config.ltv.fallbackLifetime.length - 1]?.years ?? 1;
  }
  const ltv = input.arr * margin * years;
  const churnText =
    source === "churn_probability"
      ? `annual churn ${pct(churn ?? 0)}`
      : source === "renewal_probability"
        ? `annual churn ${pct(churn ?? 0)} (1 − renewal probability)`
        : `no churn figure, so the seed's value-tier lifetime for this ARR`;
  return {
    ltv,
    arr: input.arr,
    grossMargin: margin,
    annualChurn: 1 / years,
    churnSource: source,
    lifetimeYears: years,
    capped,
    explanation: `LTV ${money(ltv)} = ARR ${money(input.arr)} × margin ${pct(margin)} × ${fmt(years)} years (${churnText}${capped ? `, lifetime capped at ${maxYears} years` : ""}).`,
  };
}

/** A value worth proposing: positive and finite (absurd inputs can overflow to Infinity). */
function usable(value: number): boolean {
  return value > 0 && Number.isFinite(value);
}

function fmt(n: number): string {
  return String(round(n, 2));
}
