import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  CHURN_FACTORS,
  type ChurnBacktestSample,
  type ChurnConfig,
  type ChurnFeatures,
  DEFAULT_CHURN_CONFIG,
  aucMannWhitney,
  backtestChurnModel,
  calibrationTable,
  churnFeaturesFromHealth,
  churnRiskLevel,
  precisionAtK,
  scoreChurnRisk,
  shapleyShares,
  usageDrop,
  validateChurnConfig,
} from "../../src/analytics/churn";
import { DEFAULT_HEALTH_CONFIG, scoreHealth } from "../../src/analytics/health";
import { refusal } from "./config-error";

const D = DEFAULT_CHURN_CONFIG;
const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));

function factor(result: ReturnType<typeof scoreChurnRisk>, name: (typeof CHURN_FACTORS)[number]) {
  const found = result.factors.find((f) => f.name === name);
  if (!found) throw new Error(`no factor ${name}`);
  return found;
}

describe("scoreChurnRisk: worked examples", () => {
  it("with nothing known is the baseline σ(−2.5) ≈ 7.6 %, every factor unknown", () => {
    const r = scoreChurnRisk({}, D);
    expect(r.logit).toBe(-2.5);
    expect(r.probability).toBeCloseTo(1 / (1 + Math.exp(2.5)), 12); // 0.075858
    expect(r.probability).toBeCloseTo(0.075858, 6);
    expect(r.baselineProbability).toBe(r.probability);
    expect(r.level).toBe("low");
    expect(r.unknown).toEqual([...CHURN_FACTORS]);
    for (const f of r.factors) expect(f).toMatchObject({ known: false, points: 0, probabilityShare: 0, input: null });
  });

  it("health 40 alone: +1.8 → logit −0.7 → p ≈ 0.332, medium", () => {
    // points = 0.6 × (70 − 40) / 10 = 1.8; logit = −2.5 + 1.8 = −0.7; p = 1 / (1 + e^0.7) = 0.331812
    const r = scoreChurnRisk({ healthScore: 40 }, D);
    expect(factor(r, "health_level").points).toBeCloseTo(1.8, 12);
    expect(r.logit).toBeCloseTo(-0.7, 12);
    expect(r.probability).toBeCloseTo(0.331812, 6);
    expect(r.level).toBe("medium");
    // The only known factor carries the whole rise from the baseline.
    expect(factor(r, "health_level").probabilityShare).toBeCloseTo(0.331812 - 0.075858, 6);
    expect(factor(r, "health_level").explanation).toBe("Health 40 is 30 points below the reference 70 (odds ×6.05).");
    // Health above the reference protects: 90 → −1.2 → p = σ(−3.7) ≈ 0.0241.
    expect(scoreChurnRisk({ healthScore: 90 }, D).probability).toBeCloseTo(0.024127, 6);
  });

  it("two factors share the probability by Shapley value (computed by hand)", () => {
    // Health 40 (+1.8) and a lost champion (+1.2), intercept −2.5:
    //   f(∅) = σ(−2.5) = 0.075858   f(health) = σ(−0.7) = 0.331812
    //   f(champ) = σ(−1.3) = 0.214165   f(both) = σ(0.5) = 0.622459
    //   φ_health = ½[(0.331812 − 0.075858) + (0.622459 − 0.214165)] = ½[0.255954 + 0.408294] = 0.332124
    //   φ_champ  = ½[(0.214165 − 0.075858) + (0.622459 − 0.331812)] = ½[0.138307 + 0.290647] = 0.214477
    //   0.075858 + 0.332124 + 0.214477 = 0.622459 = p
    const r = scoreChurnRisk({ healthScore: 40, championLost: true }, D);
    expect(r.probability).toBeCloseTo(0.622459, 6);
    expect(r.level).toBe("high");
    expect(factor(r, "health_level").probabilityShare).toBeCloseTo(0.332124, 5);
    expect(factor(r, "lost_champion").probabilityShare).toBeCloseTo(0.214477, 5);
    expect(r.unknown).toEqual(["health_decline", "usage_drop", "support_escalations", "detractor_nps", "payment_trouble", "renewal_proximity"]);
  });

  it("every factor at once: logit 5.1 → p ≈ 0.9939, critical", () => {
    // health 40: 0.6 × 3 = 1.8        decline 10/30d: 0.8 × 1 = 0.8     usage 50 of 100: 2.0 × 0.5 = 1.0
    // 2 escalations: 0.4 × 2 = 0.8    NPS 3 (detractor): 1.0            payment 60: 1.5 × 0.4 = 0.6
    // renewal in 45 days: 0.8 × (1 − 45/90) = 0.4                       champion lost: 1.2
    // logit = −2.5 + 1.8 + 0.8 + 1.0 + 0.8 + 1.0 + 0.6 + 0.4 + 1.2 = 5.1 → p = 1/(1 + e^−5.1) = 0.993940
    const r = scoreChurnRisk({
      healthScore: 40, healthSlopePer30Days: -10, usageRecent: 50, usageBaseline: 100, escalations90d: 2,
      nps: 3, paymentScore: 60, daysToRenewal: 45, championLost: true,
    }, D);
    expect(r.logit).toBeCloseTo(5.1, 12);
    expect(r.probability).toBeCloseTo(0.99394, 5);
    expect(r.level).toBe("critical");
    expect(r.unknown).toEqual([]);
    expect(r.factors.map((f) => f.points)).toEqual([
      expect.closeTo(1.8, 12), expect.closeTo(0.8, 12), expect.closeTo(1.0, 12), expect.closeTo(0.8, 12),
      expect.closeTo(1.0, 12), expect.closeTo(0.6, 12), expect.closeTo(0.4, 12), expect.closeTo(1.2, 12),
    ]);
    const shares = r.factors.reduce((sum, f) => sum + f.probabilityShare, 0);
    expect(r.baselineProbability + shares).toBeCloseTo(r.probability, 12);
    // Equal points get equal shares (decline and escalations both 0.8).
    expect(factor(r, "health_decline").probabilityShare).toBeCloseTo(factor(r, "support_escalations").probabilityShare, 12);
    expect(factor(r, "usage_drop").input).toBe(0.5);
    expect(factor(r, "usage_drop").explanation).toBe("Usage is down 50 % against its baseline (odds ×2.72).");
  });

  it("factor rules: usage drop, escalation cap, NPS classes, renewal window, improving health", () => {
    expect(usageDrop(70, 100)).toBeCloseTo(0.3, 12); // 1 − 70/100
    expect(usageDrop(150, 100)).toBe(0); // growth is not a drop
    expect(usageDrop(0, 0)).toBe(0); // nothing to lose
    expect(Number.isNaN(usageDrop(null, 100))).toBe(true);
    expect(factor(scoreChurnRisk({ escalations90d: 8 }, D), "support_escalations").points).toBeCloseTo(2.0, 12); // 0.4 × min(8, 5)
    expect(factor(scoreChurnRisk({ nps: 6 }, D), "detractor_nps").points).toBe(1.0);
    expect(factor(scoreChurnRisk({ nps: 7 }, D), "detractor_nps").points).toBe(0);
    expect(factor(scoreChurnRisk({ nps: 9 }, D), "detractor_nps").points).toBe(-0.4);
    expect(factor(scoreChurnRisk({ nps: 9 }, D), "detractor_nps").probabilityShare).toBeLessThan(0);
    expect(factor(scoreChurnRisk({ daysToRenewal: 120 }, D), "renewal_proximity").points).toBe(0);
    expect(factor(scoreChurnRisk({ daysToRenewal: 45 }, D), "renewal_proximity").points).toBeCloseTo(0.4, 12);
    expect(factor(scoreChurnRisk({ daysToRenewal: -5 }, D), "renewal_proximity").points).toBe(0.8);
    expect(factor(scoreChurnRisk({ healthSlopePer30Days: 12 }, D), "health_decline")).toMatchObject({ known: true, points: 0 });
    expect(factor(scoreChurnRisk({ championLost: false }, D), "lost_champion")).toMatchObject({ known: true, points: 0 });
    expect(factor(scoreChurnRisk({ paymentScore: 100 }, D), "payment_trouble").points).toBe(0);
  });

  it("risk levels: < 0.25 low, < 0.50 medium, < 0.75 high, else critical", () => {
    const L = D.levels;
    expect(churnRiskLevel(0.2499, L)).toBe("low");
    expect(churnRiskLevel(0.25, L)).toBe("medium");
    expect(churnRiskLevel(0.5, L)).toBe("high");
    expect(churnRiskLevel(0.75, L)).toBe("critical");
  });

  it("takes health level, slope, NPS and payment from a health result", () => {
    const features = { nps: 4, invoicesPaidLate: 2 }; // satisfaction 40, payment 100 − 10 = 90
    const health = scoreHealth(features, DEFAULT_HEALTH_CONFIG, {
      history: [{ at: "2026-01-01", score: 70 }, { at: "2026-01-31", score: 55 }],
    });
    const churn = churnFeaturesFromHealth(health, features);
    expect(churn).toEqual({ healthScore: health.exactScore, healthSlopePer30Days: -15, nps: 4, paymentScore: 90 });
    // Health: satisfaction 40 and payment 90 with weights 0.15 and 0.10 → renormalized 0.6 and 0.4:
    // 0.6 × 40 + 0.4 × 90 = 24 + 36 = 60. Trend: 70 → 55 in 30 days = −15 per 30 days.
    expect(health.exactScore).toBeCloseTo(60, 9);
    const r = scoreChurnRisk(churn, D);
    // health 60: 0.6 × (70 − 60)/10 = 0.6; decline 15: 0.8 × 1.5 = 1.2; NPS 4: +1.0; payment 90: 1.5 × 0.1 = 0.15
    // logit = −2.5 + 0.6 + 1.2 + 1.0 + 0.15 = 0.45
    expect(r.logit).toBeCloseTo(0.45, 12);
  });
});

describe("validateChurnConfig", () => {
  it("merges over the defaults", () => {
    expect(validateChurnConfig(undefined)).toBe(D);
    const c = validateChurnConfig({ intercept: -3, coefficients: { lostChampion: 2 }, levels: { critical: 0.9 } });
    expect(c.intercept).toBe(-3);
    expect(c.coefficients.lostChampion).toBe(2);
    expect(c.coefficients.detractor).toBe(1);
    expect(c.levels).toEqual({ medium: 0.25, high: 0.5, critical: 0.9 });
  });

  it("refuses coefficients whose sign would let worse facts lower the risk, naming the field", () => {
    let r = refusal(() => validateChurnConfig({ coefficients: { promoter: 0.5 } }));
    expect(r.field).toBe("coefficients.promoter");
    expect(r.message).toMatch(/0 or negative/);
    r = refusal(() => validateChurnConfig({ coefficients: { healthPer10Points: -0.1 } }));
    expect(r.field).toBe("coefficients.healthPer10Points");
    expect(r.message).toMatch(/worse facts would lower the churn risk/);
    expect(refusal(() => validateChurnConfig({ coefficients: { detractor: 50 } })).field).toBe("coefficients.detractor");
    expect(refusal(() => validateChurnConfig({ coefficients: { champion: 1 } })).field).toBe("coefficients.champion");
    expect(refusal(() => validateChurnConfig({ coefficients: { usageDrop: Number.POSITIVE_INFINITY } })).field).toBe("coefficients.usageDrop");
    expect(refusal(() => validateChurnConfig({ intercept: "low" })).field).toBe("intercept");
  });

  it("refuses bad references and overlapping levels", () => {
    expect(refusal(() => validateChurnConfig({ reference: { health: 120 } })).field).toBe("reference.health");
    expect(refusal(() => validateChurnConfig({ reference: { renewalWindowDays: 0 } })).field).toBe("reference.renewalWindowDays");
    expect(refusal(() => validateChurnConfig({ reference: { maxEscalations: 0.5 } })).field).toBe("reference.maxEscalations");
    let r = refusal(() => validateChurnConfig({ levels: { high: 0.2 } }));
    expect(r.field).toBe("levels.high");
    expect(r.message).toMatch(/strictly increasing/);
    expect(refusal(() => validateChurnConfig({ levels: { critical: 0.5 } })).field).toBe("levels.critical");
    r = refusal(() => validateChurnConfig({ levels: { medium: 0 } }));
    expect(r.field).toBe("levels.medium");
    expect(refusal(() => validateChurnConfig({ level: {} })).field).toBe("level");
  });
});

describe("backtest measures: worked examples", () => {
  it("AUC by Mann–Whitney, ties counted half", () => {
    // Churned {0.9, 0.7} vs stayed {0.8, 0.6}: pairs won 0.9>0.8, 0.9>0.6, 0.7>0.6; lost 0.7<0.8 → 3/4.
    expect(aucMannWhitney([0.9, 0.8, 0.7, 0.6], [true, false, true, false])).toBe(0.75);
    // All tied: every pair counts ½.
    expect(aucMannWhitney([0.5, 0.5, 0.5], [true, false, false])).toBe(0.5);
    // Churned {0.6, 0.4} vs stayed {0.4, 0.2}: 0.6 beats both (2), 0.4 ties one (½) and beats 0.2 (1) → 3.5/4.
    expect(aucMannWhitney([0.6, 0.4, 0.4, 0.2], [true, true, false, false])).toBe(0.875);
  });

  it("AUC is undefined for empty or one-class outcomes: a clear error, never NaN", () => {
    let r = refusal(() => aucMannWhitney([], []));
    expect(r.field).toBe("samples");
    expect(r.message).toMatch(/empty/);
    r = refusal(() => aucMannWhitney([0.1, 0.2], [false, false]));
    expect(r.message).toMatch(/none churned: AUC is undefined/);
    r = refusal(() => backtestChurnModel([{ features: {}, churned: true }], D));
    expect(r.message).toMatch(/all churned: AUC is undefined/);
    expect(refusal(() => backtestChurnModel([], D)).message).toMatch(/empty/);
    const bad = [{ features: {}, churned: "yes" }] as unknown as ChurnBacktestSample[];
    expect(refusal(() => backtestChurnModel(bad, D)).field).toBe("samples[0].churned");
  });

  it("precision at k, with a tie straddling the cut taken at its expected value", () => {
    // Sorted: 0.9 (churned) | 0.5, 0.5, 0.5 (one of three churned) | 0.1 (churned).
    // k = 2: 1 churned above the tie + 1 place × 1/3 = 1.333 → precision 0.667; base rate 3/5 → lift 1.11.
    const [k2, k1, k10] = precisionAtK([0.9, 0.5, 0.5, 0.5, 0.1], [true, true, false, false, true], [2, 1, 10]);
    expect(k2?.churned).toBeCloseTo(4 / 3, 12);
    expect(k2?.precision).toBeCloseTo(2 / 3, 12);
    expect(k2?.lift).toBeCloseTo(2 / 3 / 0.6, 12);
    expect(k1).toMatchObject({ k: 1, considered: 1, churned: 1, precision: 1 });
    expect(k10).toMatchObject({ k: 10, considered: 5, churned: 3, precision: 0.6 });
    expect(refusal(() => precisionAtK([0.1], [true], [0])).field).toBe("options.k[0]");
  });

  it("calibration table: uniform bins and deciles", () => {
    const p = [0.05, 0.15, 0.12, 0.95, 0.85, 0.9];
    const y = [false, false, true, true, true, false];
    const uniform = calibrationTable(p, y, 2, "uniform");
    // [0, 0.5): 0.05, 0.15, 0.12 → mean 0.10667, 1 of 3 churned; [0.5, 1]: 0.95, 0.85, 0.9 → mean 0.9, 2 of 3.
    expect(uniform).toEqual([
      { bin: 0, lower: 0, upper: 0.5, count: 3, predictedMean: expect.closeTo(0.32 / 3, 12), observedRate: 1 / 3 },
      { bin: 1, lower: 0.5, upper: 1, count: 3, predictedMean: expect.closeTo(0.9, 12), observedRate: 2 / 3 },
    ]);
    // Three quantile bins of two: {0.05, 0.12}, {0.15, 0.85}, {0.9, 0.95}.
    const quantile = calibrationTable(p, y, 3);
    expect(quantile.map((b) => [b.count, b.lower, b.upper, b.observedRate])).toEqual([
      [2, 0.05, 0.12, 0.5], [2, 0.15, 0.85, 0.5], [2, 0.9, 0.95, 0.5],
    ]);
    expect(calibrationTable([0.3], [true], 10, "uniform")[5]).toMatchObject({ count: 0, predictedMean: null, observedRate: null });
    expect(refusal(() => calibrationTable(p, y, 0)).field).toBe("options.bins");
  });

  it("backtestChurnModel: a model that ranks churners first scores AUC 1; reversed, 0", () => {
    // Ten accounts, health 10, 20, …, 100; the five least healthy churned.
    const samples: ChurnBacktestSample[] = Array.from({ length: 10 }, (_, i) => ({
      features: { healthScore: (i + 1) * 10 }, churned: i < 5,
    }));
    const result = backtestChurnModel(samples, D, { k: [5], bins: 5 });
    expect(result.samples).toBe(10);
    expect(result.churned).toBe(5);
    expect(result.baseRate).toBe(0.5);
    expect(result.auc).toBe(1);
    expect(result.precisionAtK).toEqual([{ k: 5, considered: 5, churned: 5, precision: 1, lift: 2 }]);
    expect(result.calibration.map((b) => b.count)).toEqual([2, 2, 2, 2, 2]);
    expect(result.calibration.map((b) => b.observedRate)).toEqual([0, 0, 0.5, 1, 1]);
    const reversed = samples.map((s) => ({ ...s, churned: !s.churned }));
    expect(backtestChurnModel(reversed, D).auc).toBe(0);
    // Default k values are clamped to the sample count.
    expect(result.brierScore).toBeGreaterThan(0);
    expect(backtestChurnModel(samples, D).precisionAtK.map((p) => p.considered)).toEqual([10, 10, 10]);
  });
});

// ── Properties ──

const anyNumber = fc.oneof(fc.constant(undefined), fc.constant(null), fc.double(), fc.integer({ min: -200, max: 200 }));
const anyChurnFeatures: fc.Arbitrary<ChurnFeatures> = fc.record({
  healthScore: anyNumber,
  healthSlopePer30Days: anyNumber,
  usageRecent: anyNumber,
  usageBaseline: anyNumber,
  escalations90d: anyNumber,
  nps: anyNumber,
  paymentScore: anyNumber,
  daysToRenewal: anyNumber,
  championLost: fc.oneof(fc.constant(undefined), fc.constant(null), fc.boolean()),
}, { requiredKeys: [] });

const anyChurnConfig: fc.Arbitrary<ChurnConfig> = fc.record({
  intercept: fc.double({ min: -10, max: 10, noNaN: true }),
  coefficients: fc.record({
    healthPer10Points: fc.double({ min: 0, max: 10, noNaN: true }),
    declinePer10Points: fc.double({ min: 0, max: 10, noNaN: true }),
    detractor: fc.double({ min: 0, max: 10, noNaN: true }),
    promoter: fc.double({ min: -10, max: 0, noNaN: true }),
    lostChampion: fc.double({ min: 0, max: 10, noNaN: true }),
  }),
}).map((input) => validateChurnConfig(input));

describe("churn properties", () => {
  it("probability in 0–1, never NaN; shares sum to probability − baseline; unknown factors add 0", () => {
    fc.assert(
      fc.property(anyChurnFeatures, fc.oneof(fc.constant(D), anyChurnConfig), (features, config) => {
        const r = scoreChurnRisk(features, config);
        expect(Number.isNaN(r.probability)).toBe(false);
        expect(r.probability).toBeGreaterThanOrEqual(0);
        expect(r.probability).toBeLessThanOrEqual(1);
        expect(r.factors.map((f) => f.name)).toEqual([...CHURN_FACTORS]);
        const shares = r.factors.reduce((sum, f) => sum + f.probabilityShare, 0);
        expect(Math.abs(r.baselineProbability + shares - r.probability)).toBeLessThanOrEqual(1e-9);
        for (const f of r.factors) {
          expect(Number.isFinite(f.points)).toBe(true);
          if (!f.known) expect(f).toMatchObject({ points: 0, probabilityShare: 0, input: null });
        }
        expect(r.unknown).toEqual(r.factors.filter((f) => !f.known).map((f) => f.name));
        expect(r.level).toBe(churnRiskLevel(r.probability, config.levels));
      }),
      { numRuns: 1000 },
    );
  });

  it("worse health never lowers the churn probability", () => {
    fc.assert(
      fc.property(anyChurnFeatures, fc.oneof(fc.constant(D), anyChurnConfig), fc.double({ min: 0, max: 100, noNaN: true }), fc.double({ min: 0, max: 100, noNaN: true }),
        (features, config, a, b) => {
          const [worse, better] = a < b ? [a, b] : [b, a];
          const pWorse = scoreChurnRisk({ ...features, healthScore: worse }, config).probability;
          const pBetter = scoreChurnRisk({ ...features, healthScore: better }, config).probability;
          expect(pWorse).toBeGreaterThanOrEqual(pBetter);
        }),
      { numRuns: 1000 },
    );
  });

  it("a steeper decline, more escalations, a lower NPS or a nearer renewal never lower it", () => {
    fc.assert(
      fc.property(anyChurnFeatures, fc.double({ min: -200, max: 200, noNaN: true }), fc.double({ min: 0, max: 100, noNaN: true }), (features, x, step) => {
        const p = (extra: ChurnFeatures) => scoreChurnRisk({ ...features, ...extra }, D).probability;
        expect(p({ healthSlopePer30Days: x - step })).toBeGreaterThanOrEqual(p({ healthSlopePer30Days: x }));
        expect(p({ escalations90d: x + step })).toBeGreaterThanOrEqual(p({ escalations90d: x }));
        expect(p({ nps: (x + 200) / 40 })).toBeGreaterThanOrEqual(p({ nps: (x + 200) / 40 + step / 10 }));
        expect(p({ daysToRenewal: x })).toBeGreaterThanOrEqual(p({ daysToRenewal: x + step }));
        expect(p({ paymentScore: x })).toBeGreaterThanOrEqual(p({ paymentScore: x + step }));
        expect(p({ usageRecent: Math.abs(x), usageBaseline: 100 })).toBeGreaterThanOrEqual(p({ usageRecent: Math.abs(x) + step, usageBaseline: 100 }));
        expect(p({ championLost: true })).toBeGreaterThanOrEqual(p({ championLost: false }));
      }),
      { numRuns: 500 },
    );
  });

  it("Shapley shares are exact for any points: they sum to f(all) − f(none)", () => {
    fc.assert(
      fc.property(fc.double({ min: -8, max: 8, noNaN: true }), fc.array(fc.double({ min: -5, max: 5, noNaN: true }), { maxLength: 8 }), (b0, points) => {
        const shares = shapleyShares(b0, points);
        const total = points.reduce((a, p) => a + p, b0);
        expect(shares.reduce((a, s) => a + s, 0)).toBeCloseTo(sigmoid(total) - sigmoid(b0), 12);
        points.forEach((p, i) => {
          if (p === 0) expect(shares[i]).toBe(0);
          // σ is increasing, so a share never has the opposite sign of its points (it may round to 0 for tiny points).
          else expect(Math.sign(shares[i] as number) * Math.sign(p)).toBeGreaterThanOrEqual(0);
        });
      }),
    );
  });

  it("AUC matches the pairwise count (ties ½) and lies in 0–1", () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 5 }), fc.boolean()), { minLength: 2, maxLength: 40 })
        .filter((rows) => rows.some(([, y]) => y) && rows.some(([, y]) => !y)),
      (rows) => {
        const scores = rows.map(([s]) => s / 5);
        const outcomes = rows.map(([, y]) => y);
        let wins = 0;
        let pairs = 0;
        rows.forEach(([si, yi]) => rows.forEach(([sj, yj]) => {
          if (yi && !yj) { pairs++; wins += si > sj ? 1 : si === sj ? 0.5 : 0; }
        }));
        const auc = aucMannWhitney(scores, outcomes);
        expect(auc).toBeCloseTo(wins / pairs, 12);
        expect(auc).toBeGreaterThanOrEqual(0);
        expect(auc).toBeLessThanOrEqual(1);
      }),
    );
  });

  it("backtest: precision in 0–1, calibration counts add up, the answer ignores input order", () => {
    const sample = fc.record({ features: anyChurnFeatures, churned: fc.boolean() });
    fc.assert(
      fc.property(fc.array(sample, { minLength: 2, maxLength: 60 }).filter((s) => s.some((x) => x.churned) && s.some((x) => !x.churned)),
        fc.integer({ min: 1, max: 12 }), fc.constantFrom("quantile" as const, "uniform" as const),
        (samples, bins, binning) => {
          const r = backtestChurnModel(samples, D, { k: [1, 5, 20], bins, binning });
          expect(r.calibration).toHaveLength(bins);
          expect(r.calibration.reduce((a, b) => a + b.count, 0)).toBe(samples.length);
          for (const p of r.precisionAtK) {
            expect(p.precision).toBeGreaterThanOrEqual(0);
            expect(p.precision).toBeLessThanOrEqual(1 + 1e-12);
          }
          const reversed = backtestChurnModel([...samples].reverse(), D, { k: [1, 5, 20], bins, binning });
          expect(reversed.auc).toBeCloseTo(r.auc, 12);
          expect(reversed.precisionAtK.map((p) => p.precision)).toEqual(r.precisionAtK.map((p) => expect.closeTo(p.precision, 12)));
          expect(reversed.calibration.map((b) => b.count)).toEqual(r.calibration.map((b) => b.count));
        }),
      { numRuns: 200 },
    );
  });
});
