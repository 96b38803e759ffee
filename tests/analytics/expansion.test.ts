import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  type CatalogProduct,
  DEFAULT_EXPANSION_CONFIG,
  type ExpansionAccount,
  expansionProbability,
  type ExpansionType,
  findExpansionCandidates,
  lifetimeValue,
  resolveExpansionConfig,
  seatsToAdd,
  summarizeExpansion,
  type Tier,
  upgradeValue,
  usageExpansionValue,
} from "../../src/analytics/expansion";
import { configError } from "./config-error";

const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

const catalog: CatalogProduct[] = [
  { id: "core", name: "Core Platform", annualPrice: 10_000 },
  { id: "analytics", name: "Advanced Analytics", annualPrice: 24_000, prerequisites: ["core"] },
  { id: "api", name: "API Suite", annualPrice: 60, pricing: "per_seat", prerequisites: ["analytics"] },
  { id: "sso", name: "Enterprise SSO", annualPrice: 8_000, tiers: ["professional", "enterprise"] },
];

const healthy: ExpansionAccount = {
  accountId: "acme",
  arr: 50_000,
  tier: "standard",
  healthScore: 85,
  licensedSeats: 100,
  activeUsers: 90,
  ownedProducts: ["core"],
};

function candidate(result: ReturnType<typeof findExpansionCandidates>, key: string) {
  const c = result.candidates.find((x) => x.key === key);
  if (!c) throw new Error(`no candidate ${key}; have ${result.candidates.map((x) => x.key).join(", ")}`);
  return c;
}

describe("seat expansion (user_expansion)", () => {
  it("a worked example: 90 of 100 seats at 50 k ARR → 20 seats at 500 = 10,000", () => {
    const r = findExpansionCandidates(healthy);
    expect(r.seatUtilization).toBeCloseTo(0.9, 10);
    const c = candidate(r, "user_expansion:seats");
    expect(c.type).toBe("user_expansion");
    expect(c.additionalUnits).toBe(20); // ceil(90 / 0.75) − 100
    expect(c.estimatedValue).toBe(10_000);
    // health 85 → 0.75 (ln 3), utilization 0.90 → 2 × 0.05, type +0.2
    expect(c.logit).toBeCloseTo(Math.log(3) + 0.1 + 0.2, 10);
    expect(c.probability).toBeCloseTo(0.80195, 4);
    expect(c.expectedValue).toBeCloseTo(c.probability * 10_000, 8);
    expect(c.status).toBe("recommended");
    expect(c.signals[0]).toMatchObject({ name: "seat_utilization", value: 0.9, threshold: 0.85 });
    expect(c.reason).toMatch(/90 of 100 seats are in use \(90 %.*add about 20 seat\(s\), roughly 10,000 a year at 500 per seat/);
  });

  it("triggers at 85 % exactly, not at 84 %, and uses a given seat price", () => {
    expect(findExpansionCandidates({ ...healthy, activeUsers: 84 }).candidates.some((c) => c.type === "user_expansion")).toBe(false);
    const at85 = candidate(findExpansionCandidates({ ...healthy, activeUsers: 85, seatPrice: 600 }), "user_expansion:seats");
    expect(at85.additionalUnits).toBe(14); // ceil(113.3) − 100
    expect(at85.estimatedValue).toBe(14 * 600);
  });

  it("proposes at least one seat, and enough to get back to 75 %", () => {
    expect(seatsToAdd(9, 10)).toBe(2); // ceil(12) − 10
    expect(seatsToAdd(120, 100)).toBe(60);
    expect(seatsToAdd(3, 4)).toBe(1);
  });

  it("notes when seats are unknown instead of guessing", () => {
    const r = findExpansionCandidates({ ...healthy, licensedSeats: null });
    expect(r.seatUtilization).toBeNull();
    expect(r.notes.join(" ")).toMatch(/seat expansion was not checked/);
  });
});

describe("tier upgrade (upsell)", () => {
  it("values the next rung at its typical ARR, between ARR × 1.2 and ARR × 2.5", () => {
    expect(upgradeValue(50_000, "professional")).toBe(25_000); // 75 k typical − 50 k
    expect(upgradeValue(8_000, "standard")).toBe(12_000); // 30 k capped at 2.5 × 8 k = 20 k
    expect(upgradeValue(70_000, "professional")).toBeCloseTo(14_000, 6); // already near 75 k: 20 % uplift floor
    expect(upgradeValue(75_000, "enterprise")).toBe(75_000);
    expect(upgradeValue(0, "standard")).toBe(0);
  });

  it("proposes professional for a healthy standard account that is outgrowing its seats", () => {
    const c = candidate(findExpansionCandidates(healthy), "upsell:professional");
    expect(c.recommendedTier).toBe("professional");
    expect(c.estimatedValue).toBe(25_000);
    expect(c.status).toBe("recommended");
    expect(c.reason).toMatch(/Outgrowing standard .* move to professional for about 25,000 more a year/);
  });

  it("needs a sign of outgrowing the plan, not health alone (unlike the seed)", () => {
    const r = findExpansionCandidates({ ...healthy, healthScore: 95, activeUsers: 40 });
    expect(r.candidates.some((c) => c.type === "upsell")).toBe(false);
    const engaged = findExpansionCandidates({ ...healthy, healthScore: 95, activeUsers: 40, engagementScore: 80 });
    expect(candidate(engaged, "upsell:professional").signals.map((s) => s.name)).toContain("engagement");
  });

  it("holds back an upgrade pitch below health 75 or without a health score, but still proposes seats", () => {
    const mid = findExpansionCandidates({ ...healthy, healthScore: 70 });
    const up = candidate(mid, "upsell:professional");
    expect(up.status).toBe("held_back");
    expect(up.heldBackReasons[0]).toMatch(/below the 75/);
    expect(up.reason).toMatch(/Held back/);
    expect(candidate(mid, "user_expansion:seats").status).toBe("recommended");
    const unknown = findExpansionCandidates({ ...healthy, healthScore: null });
    expect(candidate(unknown, "upsell:professional").heldBackReasons[0]).toMatch(/No health score/);
  });

  it("does not propose past the top of the ladder", () => {
    const r = findExpansionCandidates({ ...healthy, tier: "enterprise", arr: 150_000 });
    expect(r.candidates.some((c) => c.type === "upsell")).toBe(false);
  });
});

describe("at-risk accounts are held back", () => {
  it("health below 60 holds every candidate back, explains why, and leaves them out of totals", () => {
    const r = findExpansionCandidates({ ...healthy, healthScore: 50 }, { catalog });
    expect(r.atRisk).toBe(true);
    expect(r.candidates.length).toBeGreaterThan(0);
    for (const c of r.candidates) {
      expect(c.status).toBe("held_back");
      expect(c.heldBackReasons.join(" ")).toMatch(/Health 50 is below 60/);
    }
    expect(r.totals).toEqual({ count: 0, estimatedValue: 0, expectedValue: 0 });
  });

  it("an at-risk band or a churn probability ≥ 50 % does the same", () => {
    const band = findExpansionCandidates({ ...healthy, healthScore: 80, healthBand: "at_risk" });
    expect(band.candidates.every((c) => c.status === "held_back")).toBe(true);
    const churn = findExpansionCandidates({ ...healthy, churnProbability: 0.6 });
    expect(churn.candidates.every((c) => c.status === "held_back")).toBe(true);
    expect(churn.candidates[0]?.heldBackReasons.join(" ")).toMatch(/Churn risk 60 %/);
  });
});

describe("usage expansion", () => {
  it("with a unit price: ceil(used / 0.75 − limit) × price", () => {
    expect(usageExpansionValue({ metric: "projects", used: 900, limit: 1000, annualPricePerUnit: 10 }, 50_000)).toEqual({ units: 200, value: 2000 });
    const r = findExpansionCandidates({ ...healthy, usage: [{ metric: "projects", used: 900, limit: 1000, annualPricePerUnit: 10 }] });
    const c = candidate(r, "usage_expansion:projects");
    expect(c.estimatedValue).toBe(2000);
    expect(c.metric).toBe("projects");
    // health 85 (ln 3), limit 0.90 → 2 × 0.10, type +0.2
    expect(c.logit).toBeCloseTo(Math.log(3) + 0.2 + 0.2, 10);
  });

  it("without a price: 10 % of ARR, and the reason says it is an estimate", () => {
    const c = candidate(findExpansionCandidates({ ...healthy, usage: [{ metric: "api_calls", used: 85, limit: 100 }] }), "usage_expansion:api_calls");
    expect(c.estimatedValue).toBe(5000);
    expect(c.reason).toMatch(/no unit price given/);
  });

  it("ignores limits below 80 % and notes unusable ones; a near limit also supports an upgrade", () => {
    const r = findExpansionCandidates({
      ...healthy,
      activeUsers: 10,
      usage: [
        { metric: "storage", used: 79, limit: 100 },
        { metric: "broken", used: 5, limit: 0 },
        { metric: "api_calls", used: 95, limit: 100 },
      ],
    });
    expect(r.candidates.filter((c) => c.type === "usage_expansion").map((c) => c.metric)).toEqual(["api_calls"]);
    expect(r.notes.join(" ")).toMatch(/"broken" has no usable limit/);
    const up = candidate(r, "upsell:professional");
    expect(up.signals.map((s) => s.name)).toContain("near_limit:api_calls");
    expect(up.factors.find((f) => f.name === "usage_limits")?.contribution).toBe(0.3);
  });
});

describe("cross-sell", () => {
  it("proposes unowned products, holds back those with missing prerequisites or the wrong tier", () => {
    const r = findExpansionCandidates(healthy, { catalog });
    expect(r.candidates.some((c) => c.key === "cross_sell:core")).toBe(false); // owned
    const analytics = candidate(r, "cross_sell:analytics");
    expect(analytics.status).toBe("recommended");
    expect(analytics.estimatedValue).toBe(24_000);
    // health 85 (ln 3), cross-sell −0.4
    expect(analytics.probability).toBeCloseTo(sigmoid(Math.log(3) - 0.4), 10);
    const api = candidate(r, "cross_sell:api");
    expect(api.status).toBe("held_back");
    expect(api.heldBackReasons).toEqual(["API Suite needs Advanced Analytics first."]);
    expect(api.estimatedValue).toBe(6000); // 60 per seat × 100 seats
    const sso = candidate(r, "cross_sell:sso");
    expect(sso.heldBackReasons[0]).toMatch(/not sold on the standard tier/);
  });

  it("prices a per-seat product for one seat when seats are unknown, and says so", () => {
    const r = findExpansionCandidates({ ...healthy, licensedSeats: null, activeUsers: null, ownedProducts: ["core", "analytics"] }, { catalog });
    const api = candidate(r, "cross_sell:api");
    expect(api.estimatedValue).toBe(60);
    expect(api.reason).toMatch(/priced for one seat/);
  });

  it("refuses a bad catalog naming the entry", () => {
    expect(configError(() => findExpansionCandidates(healthy, { catalog: [catalog[0] as CatalogProduct, { id: "core", name: "Dup", annualPrice: 1 }] })).field).toBe(
      "catalog[1].id",
    );
    expect(configError(() => findExpansionCandidates(healthy, { catalog: [{ id: "x", name: "X", annualPrice: -5 }] })).field).toBe("catalog[0].annualPrice");
    expect(configError(() => findExpansionCandidates(healthy, { catalog: [{ id: "x", name: "X", annualPrice: 5, prerequisites: ["x"] }] })).field).toBe(
      "catalog[0].prerequisites",
    );
  });
});

describe("ordering and pipeline summary", () => {
  it("lists recommended candidates first by expected value, then held-back ones", () => {
    const r = findExpansionCandidates(healthy, { catalog });
    const statuses = r.candidates.map((c) => c.status);
    expect(statuses.indexOf("held_back")).toBeGreaterThan(statuses.lastIndexOf("recommended"));
    const rec = r.candidates.filter((c) => c.status === "recommended").map((c) => c.expectedValue);
    expect(rec).toEqual([...rec].sort((a, b) => b - a));
  });

  it("sums recommended candidates by type and held-back ones apart", () => {
    const a = findExpansionCandidates(healthy, { catalog }).candidates;
    const b = findExpansionCandidates({ ...healthy, accountId: "risky", healthScore: 40 }, { catalog }).candidates;
    const s = summarizeExpansion([...a, ...b]);
    const recommended = a.filter((c) => c.status === "recommended");
    expect(s.count).toBe(recommended.length);
    expect(s.estimatedValue).toBeCloseTo(recommended.reduce((x, c) => x + c.estimatedValue, 0), 6);
    expect(s.byType.user_expansion.estimatedValue).toBe(10_000);
    expect(s.heldBack.count).toBe(a.length - recommended.length + b.length);
    const typeSum = Object.values(s.byType).reduce((x, t) => x + t.expectedValue, 0);
    expect(typeSum).toBeCloseTo(s.expectedValue, 6);
  });
});

describe("lifetime value", () => {
  it("LTV = ARR × margin / churn, with worked examples", () => {
    expect(lifetimeValue({ arr: 100_000, annualChurnProbability: 0.2 })).toMatchObject({ ltv: 400_000, lifetimeYears: 5, capped: false, churnSource: "churn_probability" });
    expect(lifetimeValue({ arr: 100_000, renewalProbability: 0.75 })).toMatchObject({ ltv: 320_000, lifetimeYears: 4, churnSource: "renewal_probability" });
    expect(lifetimeValue({ arr: 100_000, annualChurnProbability: 0.2, grossMargin: 0.6 }).ltv).toBeCloseTo(300_000, 6);
  });

  it("caps the lifetime at 10 years so near-zero churn stays finite", () => {
    expect(lifetimeValue({ arr: 100_000, annualChurnProbability: 0.05 })).toMatchObject({ ltv: 800_000, lifetimeYears: 10, capped: true });
    const zero = lifetimeValue({ arr: 100_000, annualChurnProbability: 0 });
    expect(zero.ltv).toBe(800_000);
    expect(zero.explanation).toMatch(/capped at 10 years/);
  });

  it("falls back to the seed's value-tier multipliers, read as years, when no churn figure is known", () => {
    expect(lifetimeValue({ arr: 250_000 }).ltv).toBeCloseTo(1_100_000, 6); // 5.5 y
    expect(lifetimeValue({ arr: 100_000 }).ltv).toBeCloseTo(380_000, 6); // 4.75 y
    expect(lifetimeValue({ arr: 10_000 }).ltv).toBeCloseTo(24_000, 6); // 3 y
    expect(lifetimeValue({ arr: 5_000 })).toMatchObject({ lifetimeYears: 2.5, churnSource: "tier_fallback" });
  });

  it("refuses a bad ARR or margin", () => {
    expect(configError(() => lifetimeValue({ arr: -1 })).field).toBe("arr");
    expect(configError(() => lifetimeValue({ arr: 1, grossMargin: 1.5 })).field).toBe("grossMargin");
  });

  it("stays within [ARR × margin, ARR × margin × 10] and never rises with churn (fast-check)", () => {
    fc.assert(
      fc.property(fc.double({ min: 0, max: 1e9, noNaN: true }), fc.double({ min: 0, max: 1, noNaN: true }), fc.double({ min: 0, max: 1, noNaN: true }), (arr, c1, c2) => {
        const [lo, hi] = c1 <= c2 ? [c1, c2] : [c2, c1];
        const a = lifetimeValue({ arr, annualChurnProbability: lo });
        const b = lifetimeValue({ arr, annualChurnProbability: hi });
        expect(Number.isNaN(a.ltv)).toBe(false);
        expect(a.ltv).toBeLessThanOrEqual(arr * 0.8 * 10 * (1 + 1e-12));
        expect(a.ltv).toBeGreaterThanOrEqual(arr * 0.8 * (1 - 1e-12));
        expect(b.ltv).toBeLessThanOrEqual(a.ltv * (1 + 1e-12));
      }),
    );
  });
});

describe("expansion configuration", () => {
  it("refuses bad settings naming the field and the fix", () => {
    expect(configError(() => resolveExpansionConfig({ targetSeatUtilization: 0.9 })).field).toBe("targetSeatUtilization");
    expect(configError(() => resolveExpansionConfig({ tierTypicalArr: { professional: 20_000 } })).field).toBe("tierTypicalArr.professional");
    expect(configError(() => resolveExpansionConfig({ tierLadder: ["starter", "starter"] })).field).toBe("tierLadder[1]");
    expect(configError(() => resolveExpansionConfig({ utilizationSlope: -1 })).message).toMatch(/never lower/);
    expect(configError(() => resolveExpansionConfig({ upsellMinHealth: 50 })).field).toBe("upsellMinHealth");
    expect(configError(() => resolveExpansionConfig({ ltv: { fallbackLifetime: [{ minArr: 10, years: 3 }] } })).field).toBe("ltv.fallbackLifetime");
  });

  it("applies overrides: an 80 % seat trigger finds 80 of 100 seats", () => {
    const config = resolveExpansionConfig({ seatUpsellUtilization: 0.8 });
    expect(resolveExpansionConfig()).toEqual(DEFAULT_EXPANSION_CONFIG);
    expect(findExpansionCandidates({ ...healthy, activeUsers: 80 }, { config }).candidates.some((c) => c.type === "user_expansion")).toBe(true);
    expect(findExpansionCandidates({ ...healthy, activeUsers: 80 }).candidates.some((c) => c.type === "user_expansion")).toBe(false);
  });

  it("refuses an account whose tier is not on the ladder or whose ARR is bad", () => {
    expect(configError(() => findExpansionCandidates({ ...healthy, arr: Number.POSITIVE_INFINITY })).field).toBe("account.arr");
    const config = resolveExpansionConfig({ tierLadder: ["standard", "professional"] });
    expect(configError(() => findExpansionCandidates({ ...healthy, tier: "starter" }, { config })).field).toBe("account.tier");
  });
});

// ---------- invariants ----------
const messyNumber = fc.oneof(fc.double(), fc.double({ min: -10, max: 1500, noNaN: true }), fc.constant(Number.NaN));
const maybe = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: null });
const tierArb = fc.constantFrom<Tier>("starter", "standard", "professional", "enterprise");
const typeArb = fc.constantFrom<ExpansionType>("upsell", "cross_sell", "user_expansion", "usage_expansion");

const accountArb: fc.Arbitrary<ExpansionAccount> = fc.record({
  accountId: fc.constant("acct"),
  arr: fc.double({ min: 0, max: 1e8, noNaN: true }),
  tier: tierArb,
  healthScore: maybe(messyNumber),
  healthBand: maybe(fc.constantFrom("churn_risk" as const, "at_risk" as const, "neutral" as const, "healthy" as const, "champion" as const)),
  churnProbability: maybe(messyNumber),
  licensedSeats: maybe(messyNumber),
  activeUsers: maybe(messyNumber),
  seatPrice: maybe(messyNumber),
  engagementScore: maybe(messyNumber),
  usage: maybe(fc.array(fc.record({ metric: fc.constantFrom("a", "b", "c"), used: messyNumber, limit: messyNumber, annualPricePerUnit: maybe(messyNumber) }), { maxLength: 3 })),
  ownedProducts: maybe(fc.subarray(["core", "analytics", "api", "sso"])),
});

const factsArb = fc.record({
  churnProbability: maybe(messyNumber),
  engagementScore: maybe(messyNumber),
  seatUtilization: maybe(messyNumber),
  limitUtilization: maybe(messyNumber),
});

describe("expansion invariants (fast-check)", () => {
  it("every candidate has a probability in range (never NaN), a finite value ≥ 0, expected value ≤ value, factors summing to the logit", () => {
    fc.assert(
      fc.property(accountArb, (account) => {
        const r = findExpansionCandidates(account, { catalog });
        const [floor, ceiling] = DEFAULT_EXPANSION_CONFIG.probabilityRange;
        for (const c of r.candidates) {
          expect(Number.isNaN(c.probability)).toBe(false);
          expect(c.probability).toBeGreaterThanOrEqual(floor);
          expect(c.probability).toBeLessThanOrEqual(ceiling);
          expect(Number.isFinite(c.estimatedValue)).toBe(true);
          expect(c.estimatedValue).toBeGreaterThan(0);
          expect(c.expectedValue).toBeLessThanOrEqual(c.estimatedValue);
          expect(c.factors.reduce((s, f) => s + f.contribution, 0)).toBeCloseTo(c.logit, 9);
          expect(c.reason.length).toBeGreaterThan(0);
          expect(c.status === "held_back").toBe(c.heldBackReasons.length > 0);
        }
        if (r.atRisk) expect(r.totals.count).toBe(0);
      }),
    );
  });

  it("accounts below health 60 never get a recommended candidate", () => {
    fc.assert(
      fc.property(accountArb, fc.double({ min: 0, max: 59.999, noNaN: true }), (account, health) => {
        const r = findExpansionCandidates({ ...account, healthScore: health }, { catalog });
        expect(r.candidates.every((c) => c.status === "held_back")).toBe(true);
      }),
    );
  });

  it("better health never lowers the probability, for every type", () => {
    fc.assert(
      fc.property(typeArb, factsArb, fc.double({ min: 0, max: 100, noNaN: true }), fc.double({ min: 0, max: 100, noNaN: true }), (type, facts, a, b) => {
        const [lo, hi] = a <= b ? [a, b] : [b, a];
        expect(expansionProbability(type, { ...facts, healthScore: hi }).probability).toBeGreaterThanOrEqual(
          expansionProbability(type, { ...facts, healthScore: lo }).probability - 1e-12,
        );
      }),
    );
  });

  it("a higher churn probability never raises the probability; churn 0.3 removes 0.6 logit points", () => {
    const base = expansionProbability("cross_sell", { healthScore: 85 });
    const risky = expansionProbability("cross_sell", { healthScore: 85, churnProbability: 0.3 });
    expect(risky.logit).toBeCloseTo(base.logit - 0.6, 10);
    fc.assert(
      fc.property(typeArb, factsArb, fc.double({ min: 0, max: 1, noNaN: true }), fc.double({ min: 0, max: 1, noNaN: true }), (type, facts, a, b) => {
        const [lo, hi] = a <= b ? [a, b] : [b, a];
        expect(expansionProbability(type, { ...facts, churnProbability: hi }).probability).toBeLessThanOrEqual(
          expansionProbability(type, { ...facts, churnProbability: lo }).probability + 1e-12,
        );
      }),
    );
  });

  it("higher seat utilization never lowers the seat-upsell (or upgrade) probability", () => {
    fc.assert(
      fc.property(
        fc.constantFrom<ExpansionType>("user_expansion", "upsell"),
        factsArb,
        maybe(messyNumber),
        fc.double({ min: 0, max: 3, noNaN: true }),
        fc.double({ min: 0, max: 3, noNaN: true }),
        (type, facts, health, a, b) => {
          const [lo, hi] = a <= b ? [a, b] : [b, a];
          expect(expansionProbability(type, { ...facts, healthScore: health, seatUtilization: hi }).probability).toBeGreaterThanOrEqual(
            expansionProbability(type, { ...facts, healthScore: health, seatUtilization: lo }).probability - 1e-12,
          );
        },
      ),
    );
  });

  it("more active users on the same seats never lower the seat candidate's probability or size", () => {
    fc.assert(
      fc.property(
        accountArb,
        fc.integer({ min: 1, max: 5000 }),
        fc.double({ min: 0.85, max: 3, noNaN: true }),
        fc.double({ min: 0.85, max: 3, noNaN: true }),
        (account, seats, u1, u2) => {
          const [lo, hi] = u1 <= u2 ? [u1, u2] : [u2, u1];
          const run = (u: number) =>
            findExpansionCandidates({ ...account, arr: Math.max(account.arr, 1), seatPrice: null, licensedSeats: seats, activeUsers: Math.ceil(u * seats) }).candidates.find(
              (c) => c.type === "user_expansion",
            );
          const a = run(lo);
          const b = run(hi);
          if (!a || !b) throw new Error("a seat candidate is expected at ≥ 85 % utilization with ARR > 0");
          expect(b.probability).toBeGreaterThanOrEqual(a.probability - 1e-12);
          expect(b.additionalUnits ?? 0).toBeGreaterThanOrEqual(a.additionalUnits ?? 0);
          expect(b.estimatedValue).toBeGreaterThanOrEqual(a.estimatedValue - 1e-9);
        },
      ),
    );
  });

  it("is deterministic", () => {
    fc.assert(
      fc.property(accountArb, (account) => {
        expect(findExpansionCandidates(account, { catalog })).toEqual(findExpansionCandidates(account, { catalog }));
      }),
      { numRuns: 30 },
    );
  });
});
