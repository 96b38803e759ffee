import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  DEFAULT_HEALTH_CONFIG,
  HEALTH_COMPONENTS,
  type HealthConfig,
  type HealthFeatures,
  type HealthScoreResult,
  describeHealthInputs,
  engagementScore,
  healthBand,
  healthTrend,
  paymentScore,
  satisfactionScore,
  scoreHealth,
  supportScore,
  usageScore,
  validateHealthConfig,
} from "../../src/analytics/health";
import { refusal } from "./config-error";

const D = DEFAULT_HEALTH_CONFIG;
const T = D.targets;

function sumOfContributions(result: HealthScoreResult): number {
  return result.components.reduce((sum, c) => sum + c.contribution, 0);
}

/** One account with every field known; the worked example below computes it by hand. */
const FULL: HealthFeatures = {
  activeUsers: 40, licensedSeats: 50, logins30d: 360, featuresUsed: 12, featuresAvailable: 30,
  daysSinceLastTouch: 5, emailOpenRate: 0.3, emailClickRate: 0.05, messageReplyRate: 0.15,
  tickets90d: 4, highSeverityTickets90d: 1, slaBreaches90d: 1, oldestOpenTicketAgeDays: 6, openTickets: 2,
  nps: 8, csat: 4, ces: 3,
  invoicesPaidLate: 1, maxDaysLate: 10, failedPayments: 0, overdueAmount: 5000, annualContractValue: 100_000,
};

describe("health components: worked examples", () => {
  it("usage: seats 80, logins 60, breadth 40 → 62", () => {
    // seats   = 100 × 40/50                 = 80
    // logins  = 100 × (360/50 = 7.2) / 12    = 60
    // breadth = 100 × 12/30                  = 40
    // usage   = 0.4×80 + 0.3×60 + 0.3×40 = 32 + 18 + 12 = 62
    expect(usageScore(FULL, T)).toBeCloseTo(62, 12);
    // Over-deployed seats cap at 100; logins above target cap at 100.
    expect(usageScore({ activeUsers: 60, licensedSeats: 50, logins30d: 5000 }, T)).toBeCloseTo(100, 12);
    // Without seats, logins are per active user: 120 logins / 10 users = 12 = target → 100.
    expect(usageScore({ activeUsers: 10, logins30d: 120 }, T)).toBeCloseTo(100, 12);
    // Active users alone (no seats, no logins) measure nothing: no usage component.
    expect(Number.isNaN(usageScore({ activeUsers: 10 }, T))).toBe(true);
  });

  it("engagement: recency 75 and responsiveness 57.5 → 68", () => {
    // recency: 5 days → 75 (≤ 7 days)
    // open 0.30/0.40 → 75, click 0.05/0.10 → 50, reply 0.15/0.30 → 50
    // responsiveness = 0.3×75 + 0.3×50 + 0.4×50 = 22.5 + 15 + 20 = 57.5
    // engagement = 0.6×75 + 0.4×57.5 = 45 + 23 = 68
    expect(engagementScore(FULL, T)).toBeCloseTo(68, 12);
    // The seed's recency steps.
    const steps: Array<[number, number]> = [[0, 95], [3, 85], [7, 75], [14, 60], [30, 45], [31, 30], [400, 30]];
    for (const [days, points] of steps) expect(engagementScore({ daysSinceLastTouch: days }, T)).toBe(points);
  });

  it("support: the seed's example (2 tickets → 94) and the full penalty list → 63", () => {
    expect(supportScore({ tickets90d: 2 })).toBe(94); // 100 − 3×2
    // 100 − 3×4 − 10×1 − 8×1 − 0.5×6 − 2×2 = 100 − 12 − 10 − 8 − 3 − 4 = 63
    expect(supportScore(FULL)).toBe(63);
    // Caps: 30 + 20 + 25 + 15 + 10 = 100 → 0, never below.
    expect(supportScore({ tickets90d: 99, highSeverityTickets90d: 99, slaBreaches90d: 99, oldestOpenTicketAgeDays: 999, openTickets: 99 })).toBe(0);
    expect(supportScore({ tickets90d: 0 })).toBe(100);
  });

  it("satisfaction: NPS 8, CSAT 4, CES 3 → 75.83", () => {
    // NPS 8 → 80; CSAT 4 → (4−1)×25 = 75; CES 3 → (7−3)/6×100 = 66.67
    // 0.5×80 + 0.3×75 + 0.2×66.67 = 40 + 22.5 + 13.33 = 75.83
    expect(satisfactionScore(FULL)).toBeCloseTo(75.8333333333, 9);
    // Scale ends (the seed read 0–10 NPS answers as −100..100; here 0 → 0 and 10 → 100).
    expect(satisfactionScore({ nps: 0 })).toBe(0);
    expect(satisfactionScore({ nps: 10 })).toBe(100);
    expect(satisfactionScore({ csat: 1 })).toBe(0);
    expect(satisfactionScore({ csat: 5 })).toBe(100);
    expect(satisfactionScore({ ces: 1 })).toBe(100);
    expect(satisfactionScore({ ces: 7 })).toBe(0);
  });

  it("payment: one late invoice, 10 days late, 5 % of ACV overdue → 82", () => {
    // 100 − 5×1 − 0.5×10 − 10×0 − 40 × (5,000 / (0.25 × 100,000) = 0.2) = 100 − 5 − 5 − 0 − 8 = 82
    expect(paymentScore(FULL)).toBe(82);
    // Without a contract value any overdue amount takes the seed's flat 40.
    expect(paymentScore({ overdueAmount: 1 })).toBe(60);
    // A contract value alone is not payment behaviour.
    expect(Number.isNaN(paymentScore({ annualContractValue: 100_000 }))).toBe(true);
    expect(paymentScore({ invoicesPaidLate: 0 })).toBe(100);
  });
});

describe("scoreHealth: worked examples", () => {
  it("combines the five components with the default weights: 67.725 → 67.7, neutral", () => {
    // 0.35×62 + 0.25×68 + 0.15×63 + 0.15×75.8333 + 0.10×82
    // = 21.7 + 17 + 9.45 + 11.375 + 8.2 = 67.725
    const result = scoreHealth(FULL, D);
    expect(result.exactScore).toBeCloseTo(67.725, 9);
    expect(result.score).toBe(67.7);
    expect(result.band).toBe("neutral"); // 60 ≤ 67.7 ≤ 75
    expect(result.coverage).toBe(1);
    expect(result.missing).toEqual([]);
    expect(result.reason).toBeNull();
    expect(result.profile).toBe("default");
    expect(result.components.map((c) => c.name)).toEqual([...HEALTH_COMPONENTS]);
    expect(result.components.map((c) => c.weight)).toEqual([0.35, 0.25, 0.15, 0.15, 0.1]);
    expect(result.components.map((c) => c.contribution)).toEqual([
      expect.closeTo(21.7, 9), expect.closeTo(17, 9), expect.closeTo(9.45, 9), expect.closeTo(11.375, 9), expect.closeTo(8.2, 9),
    ]);
    expect(sumOfContributions(result)).toBe(result.exactScore);
    // Each explanation names what drove the component.
    expect(result.components[0]?.explanation).toMatch(/feature breadth/); // breadth 40 is the weakest usage signal
    expect(result.components[1]?.explanation).toMatch(/within a week/);
    expect(result.components[2]?.explanation).toMatch(/Ticket volume/); // 12 points, the largest penalty
    expect(result.components[4]?.explanation).toMatch(/overdue/); // 8 points, the largest payment penalty
  });

  it("leaves out components without data and renormalizes: usage 62 + support 63 → 62.3, coverage 0.5", () => {
    // Configured weights with data: usage 0.35 + support 0.15 = 0.5 → renormalized 0.7 and 0.3.
    // 0.7×62 + 0.3×63 = 43.4 + 18.9 = 62.3
    const features: HealthFeatures = {
      activeUsers: 40, licensedSeats: 50, logins30d: 360, featuresUsed: 12, featuresAvailable: 30,
      tickets90d: 4, highSeverityTickets90d: 1, slaBreaches90d: 1, oldestOpenTicketAgeDays: 6, openTickets: 2,
    };
    const result = scoreHealth(features, D);
    expect(result.exactScore).toBeCloseTo(62.3, 9);
    expect(result.score).toBe(62.3);
    expect(result.coverage).toBeCloseTo(0.5, 12);
    expect(result.missing).toEqual(["engagement", "satisfaction", "payment"]);
    const byName = Object.fromEntries(result.components.map((c) => [c.name, c]));
    expect(byName.usage?.weight).toBeCloseTo(0.7, 12);
    expect(byName.support?.weight).toBeCloseTo(0.3, 12);
    expect(byName.payment).toMatchObject({ value: null, weight: 0, contribution: 0 });
    expect(byName.payment?.explanation).toMatch(/No payment data/);
  });

  it("returns no score, with a reason, when nothing is known", () => {
    const result = scoreHealth({ annualContractValue: 50_000, activeUsers: 3 }, D);
    expect(result.score).toBeNull();
    expect(result.exactScore).toBeNull();
    expect(result.band).toBeNull();
    expect(result.coverage).toBe(0);
    expect(result.missing).toEqual([...HEALTH_COMPONENTS]);
    expect(result.reason).toMatch(/No data for any health component/);
    // NaN and Infinity are not data either.
    expect(scoreHealth({ nps: Number.NaN, tickets90d: Number.POSITIVE_INFINITY }, D).score).toBeNull();
  });

  it("uses the segment's profile when one exists, the tenant's weights otherwise", () => {
    const config = validateHealthConfig({
      segmentProfiles: { smb: { usage: 0.5, engagement: 0.1, support: 0.1, satisfaction: 0.1, payment: 0.2 } },
    });
    // smb: 0.5×62 + 0.1×68 + 0.1×63 + 0.1×75.8333 + 0.2×82 = 31 + 6.8 + 6.3 + 7.58333 + 16.4 = 68.08333
    const smb = scoreHealth(FULL, config, { segment: "smb" });
    expect(smb.profile).toBe("smb");
    expect(smb.exactScore).toBeCloseTo(68.0833333333, 9);
    const other = scoreHealth(FULL, config, { segment: "enterprise" });
    expect(other.profile).toBe("default");
    expect(other.exactScore).toBeCloseTo(67.725, 9);
    // A segment named like an Object.prototype member finds no profile.
    expect(scoreHealth(FULL, config, { segment: "constructor" }).profile).toBe("default");
  });

  it("says so when only components weighted 0 had data", () => {
    const config = validateHealthConfig({ weights: { usage: 1, engagement: 0, support: 0, satisfaction: 0, payment: 0 } });
    const result = scoreHealth({ nps: 9 }, config);
    expect(result.score).toBeNull();
    expect(result.reason).toMatch(/weighted 0/);
    expect(result.components[3]).toMatchObject({ name: "satisfaction", value: 90, weight: 0, contribution: 0 });
  });

  it("renormalizes without overflow when the only weight with data is subnormal (found by fast-check)", () => {
    const config = validateHealthConfig({ weights: { usage: 0, engagement: 1, support: 0, satisfaction: 0, payment: 5e-322 } });
    const result = scoreHealth({ failedPayments: 0 }, config);
    // Payment 100 carries all the (renormalized) weight: 100 × 1 = 100.
    expect(result.components[4]).toMatchObject({ value: 100, weight: 1, contribution: 100 });
    expect(result.exactScore).toBe(100);
  });

  it("bands: < 40 churn risk, < 60 at risk, 60–75 neutral, > 75 healthy, > 90 champion", () => {
    const b = D.bands;
    expect(healthBand(39.9, b)).toBe("churn_risk");
    expect(healthBand(40, b)).toBe("at_risk");
    expect(healthBand(59.9, b)).toBe("at_risk");
    expect(healthBand(60, b)).toBe("neutral");
    expect(healthBand(75, b)).toBe("neutral");
    expect(healthBand(75.1, b)).toBe("healthy");
    expect(healthBand(90, b)).toBe("healthy");
    expect(healthBand(90.1, b)).toBe("champion");
    // Through the scorer: NPS 10 alone → 100 → champion; NPS 3 → 30 → churn risk.
    expect(scoreHealth({ nps: 10 }, D).band).toBe("champion");
    expect(scoreHealth({ nps: 3 }, D).band).toBe("churn_risk");
  });

  it("names what drove each component", () => {
    const says = (features: HealthFeatures, index: number): string => scoreHealth(features, D).components[index]?.explanation ?? "";
    // usage: the weakest sub-signal below 75, or all strong
    expect(says({ activeUsers: 10, licensedSeats: 50, featuresUsed: 30, featuresAvailable: 30 }, 0)).toMatch(/seat utilization/); // seats 20
    expect(says({ logins30d: 10, licensedSeats: 10, activeUsers: 10 }, 0)).toMatch(/login frequency/); // 1 per seat → 8.3
    expect(says({ activeUsers: 50, licensedSeats: 50, featuresUsed: 29, featuresAvailable: 30 }, 0)).toMatch(/at or near target/);
    // engagement: recency bucket and response class
    expect(says({ daysSinceLastTouch: 0 }, 1)).toBe("Last two-way touch was within the last day.");
    expect(says({ daysSinceLastTouch: 45, messageReplyRate: 0.3 }, 1)).toBe(
      "No two-way touch for over 30 days; they open, click and reply at or near target rates.",
    );
    expect(says({ daysSinceLastTouch: 10, emailOpenRate: 0.2 }, 1)).toBe("Last two-way touch was within two weeks; their email and message response is middling."); // 50
    expect(says({ emailOpenRate: 0.1 }, 1)).toBe("They rarely open, click or reply to email and messages."); // 25
    // support: the largest penalty
    expect(says({ tickets90d: 1, slaBreaches90d: 1 }, 2)).toMatch(/SLA breaches/); // 8 > 3
    expect(says({ tickets90d: 9, highSeverityTickets90d: 1 }, 2)).toMatch(/Ticket volume/); // 27 > 10
    expect(says({ highSeverityTickets90d: 1 }, 2)).toMatch(/High-severity/);
    expect(says({ oldestOpenTicketAgeDays: 40, openTickets: 1 }, 2)).toMatch(/long-open/); // 15 > 2
    expect(says({ openTickets: 4 }, 2)).toMatch(/backlog/);
    expect(says({ tickets90d: 0 }, 2)).toMatch(/Nothing on record/);
    // satisfaction: the least favourable answer
    expect(says({ nps: 9, csat: 2 }, 3)).toMatch(/CSAT answer is dissatisfied/);
    expect(says({ nps: 7, ces: 2 }, 3)).toMatch(/NPS answer is a passive/); // 70 < 83.3
    expect(says({ ces: 6 }, 3)).toMatch(/found it hard/);
    // payment: the largest penalty
    expect(says({ maxDaysLate: 60, invoicesPaidLate: 1 }, 4)).toMatch(/How late/); // 20 > 5
    expect(says({ failedPayments: 1, invoicesPaidLate: 1 }, 4)).toMatch(/Failed payments/); // 10 > 5
    expect(says({ invoicesPaidLate: 0 }, 4)).toMatch(/Paid on time/);
  });

  it("describes the inputs with their numbers for the single-account view", () => {
    const text = describeHealthInputs(FULL, D);
    expect(text.usage).toBe("Usage 62: 40 of 50 seats active (80 %); 7.2 logins per seat in 30 days (target 12); 12 of 30 features used.");
    expect(text.support).toBe("Support 63: 4 tickets in 90 days; 1 high-severity; 1 SLA breach; oldest open ticket 6 days old; 2 open now.");
    expect(text.payment).toContain("5000 overdue (8 of 40 points off)");
    expect(describeHealthInputs({ nps: 9 }, D).usage).toBeNull();
  });
});

describe("health trend", () => {
  it("is the least-squares slope per 30 days", () => {
    // Two points 30 days apart, 80 → 70: slope −10 per 30 days → declining.
    expect(healthTrend([{ at: "2026-01-01", score: 80 }, { at: "2026-01-31", score: 70 }])).toEqual({
      direction: "declining", slopePer30Days: -10, points: 2,
    });
    // Days 0, 30, 60 with scores 60, 62, 67: x̄ = 30, ȳ = 63;
    // Σ(x−x̄)(y−ȳ) = (−30)(−3) + 0 + (30)(4) = 210; Σ(x−x̄)² = 1800 → 0.11667/day → 3.5 per 30 days → improving.
    const up = healthTrend([{ at: "2026-01-01", score: 60 }, { at: "2026-01-31", score: 62 }, { at: "2026-03-02", score: 67 }]);
    expect(up.slopePer30Days).toBeCloseTo(3.5, 9);
    expect(up.direction).toBe("improving");
    // 60, 61, 62 over 60 days: +1 per 30 days → stable (within ±3).
    const flat = healthTrend([{ at: "2026-01-01", score: 60 }, { at: "2026-01-31", score: 61 }, { at: "2026-03-02", score: 62 }]);
    expect(flat.slopePer30Days).toBeCloseTo(1, 9);
    expect(flat.direction).toBe("stable");
    // Exactly ±3 is not beyond ±3.
    expect(healthTrend([{ at: "2026-01-01", score: 50 }, { at: "2026-01-31", score: 53 }]).direction).toBe("stable");
  });

  it("needs two snapshots at different times", () => {
    expect(healthTrend([]).direction).toBe("insufficient_history");
    expect(healthTrend([{ at: "2026-01-01", score: 50 }])).toEqual({ direction: "insufficient_history", slopePer30Days: null, points: 1 });
    expect(healthTrend([{ at: "2026-01-01T00:00:00Z", score: 50 }, { at: "2026-01-01", score: 70 }]).slopePer30Days).toBeNull();
    expect(scoreHealth(FULL, D).trend.direction).toBe("insufficient_history");
    expect(scoreHealth(FULL, D, { history: [{ at: "2026-01-01", score: 80 }, { at: "2026-01-31", score: 70 }] }).trend.direction).toBe("declining");
  });

  it("honours time zones and the configured threshold, and refuses bad dates", () => {
    // 2026-01-01T00:00+02:00 is 2025-12-31T22:00Z: 30 days + 2 hours before 2026-01-31 — not exactly 30.
    const zoned = healthTrend([{ at: "2026-01-01T00:00:00+02:00", score: 80 }, { at: "2026-01-31T00:00:00Z", score: 70 }]);
    expect(zoned.slopePer30Days).toBeCloseTo((-10 / (30 + 2 / 24)) * 30, 9);
    expect(healthTrend([{ at: "2026-01-01", score: 80 }, { at: "2026-01-31", score: 70 }], 20).direction).toBe("stable");
    expect(refusal(() => healthTrend([{ at: "2026-01-01", score: 1 }, { at: "Jan 5 2026", score: 2 }])).field).toBe("history[1].at");
    // A local time without a zone would depend on the machine: refused.
    expect(refusal(() => healthTrend([{ at: "2026-01-01T10:00:00", score: 1 }])).field).toBe("history[0].at");
    expect(refusal(() => healthTrend([{ at: "2026-01-01", score: Number.NaN }])).field).toBe("history[0].score");
  });
});

describe("validateHealthConfig", () => {
  const weights = { usage: 0.35, engagement: 0.25, support: 0.15, satisfaction: 0.15, payment: 0.1 };

  it("gives the defaults for nothing and accepts sums within ±0.001", () => {
    expect(validateHealthConfig(undefined)).toBe(DEFAULT_HEALTH_CONFIG);
    expect(validateHealthConfig({}).weights).toEqual(weights);
    expect(validateHealthConfig({}).bands).toEqual({ churnRisk: 40, atRisk: 60, healthy: 75, champion: 90 });
    expect(validateHealthConfig({ weights: { ...weights, payment: 0.1009 } }).weights.payment).toBe(0.1009);
    expect(validateHealthConfig({ bands: { healthy: 80 } }).bands).toEqual({ churnRisk: 40, atRisk: 60, healthy: 80, champion: 90 });
  });

  it("refuses bad weights, naming the field", () => {
    let r = refusal(() => validateHealthConfig({ weights: { ...weights, usage: 0.5 } }));
    expect(r.field).toBe("weights");
    expect(r.message).toMatch(/sum to 1\.15; the weights must sum to 1/);
    // Just outside the ±0.001 tolerance, on either side.
    expect(refusal(() => validateHealthConfig({ weights: { ...weights, payment: 0.102 } })).field).toBe("weights");
    expect(refusal(() => validateHealthConfig({ weights: { ...weights, payment: 0.0985 } })).field).toBe("weights");
    r = refusal(() => validateHealthConfig({ weights: { ...weights, usage: -0.1, engagement: 0.7 } }));
    expect(r.field).toBe("weights.usage");
    r = refusal(() => validateHealthConfig({ weights: { ...weights, usage: 1.2 } }));
    expect(r.field).toBe("weights.usage");
    expect(refusal(() => validateHealthConfig({ weights: { usage: 0.5, engagement: 0.5 } })).field).toBe("weights.support");
    expect(refusal(() => validateHealthConfig({ weights: { ...weights, usability: 0 } })).field).toBe("weights.usability");
    expect(refusal(() => validateHealthConfig({ weights: { ...weights, usage: "0.35" } })).field).toBe("weights.usage");
    expect(refusal(() => validateHealthConfig({ weights: { ...weights, usage: Number.NaN } })).field).toBe("weights.usage");
    expect(refusal(() => validateHealthConfig({ weight: weights })).field).toBe("weight");
    r = refusal(() => validateHealthConfig({ segmentProfiles: { smb: { ...weights, payment: 0.3 } } }));
    expect(r.field).toBe("segmentProfiles.smb");
  });

  it("refuses bands that are not strictly increasing within 0–100, and bad targets", () => {
    let r = refusal(() => validateHealthConfig({ bands: { healthy: 55 } }));
    expect(r.field).toBe("bands.healthy");
    expect(r.message).toMatch(/strictly increasing/);
    expect(refusal(() => validateHealthConfig({ bands: { atRisk: 40 } })).field).toBe("bands.atRisk");
    expect(refusal(() => validateHealthConfig({ bands: { churnRisk: -5 } })).field).toBe("bands.churnRisk");
    expect(refusal(() => validateHealthConfig({ bands: { champion: 101 } })).field).toBe("bands.champion");
    r = refusal(() => validateHealthConfig({ targets: { loginsPerSeat30d: 0 } }));
    expect(r.field).toBe("targets.loginsPerSeat30d");
    expect(refusal(() => validateHealthConfig({ targets: { emailOpenRate: 40 } })).field).toBe("targets.emailOpenRate");
    expect(refusal(() => validateHealthConfig({ trendThresholdPer30Days: -1 })).field).toBe("trendThresholdPer30Days");
  });

  it("property: weights are accepted exactly when each is 0–1 and they sum to 1 ± 0.001", () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: -0.5, max: 1.5, noNaN: true }), { minLength: 5, maxLength: 5 }), (w) => {
        const input = { usage: w[0], engagement: w[1], support: w[2], satisfaction: w[3], payment: w[4] };
        const sum = w.reduce((a, b) => a + b, 0);
        const valid = w.every((x) => x >= 0 && x <= 1) && Math.abs(sum - 1) <= 0.001;
        if (valid) {
          expect(validateHealthConfig({ weights: input }).weights).toEqual(input);
        } else {
          expect(refusal(() => validateHealthConfig({ weights: input })).field).toMatch(/^weights(\.(usage|engagement|support|satisfaction|payment))?$/);
        }
      }),
    );
    // Normalized random weights are always accepted.
    fc.assert(
      fc.property(fc.array(fc.double({ min: 0.01, max: 1, noNaN: true }), { minLength: 5, maxLength: 5 }), (raw) => {
        const total = raw.reduce((a, b) => a + b, 0);
        const [usage, engagement, support, satisfaction, payment] = raw.map((x) => x / total);
        expect(() => validateHealthConfig({ weights: { usage, engagement, support, satisfaction, payment } })).not.toThrow();
      }),
    );
  });

  it("property: bands are accepted exactly when strictly increasing within 0–100", () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: -10, max: 110 }), { minLength: 4, maxLength: 4 }), ([a, b, c, d]) => {
        const bands = { churnRisk: a, atRisk: b, healthy: c, champion: d };
        const values = [a, b, c, d] as number[];
        const valid = values.every((x) => x >= 0 && x <= 100) && a! < b! && b! < c! && c! < d!;
        if (valid) expect(validateHealthConfig({ bands }).bands).toEqual(bands);
        else expect(refusal(() => validateHealthConfig({ bands })).field).toMatch(/^bands\.(churnRisk|atRisk|healthy|champion)$/);
      }),
    );
  });
});

// ── Properties over arbitrary inputs ──

/** Anything a field might hold: absent, null, NaN, ±Infinity, negative, huge, or a plausible count. */
const anyNumber = fc.oneof(
  fc.constant(undefined),
  fc.constant(null),
  fc.double(),
  fc.integer({ min: -5, max: 500 }),
  fc.double({ min: 0, max: 1, noNaN: true }),
);

const FIELDS = Object.keys(FULL) as Array<keyof HealthFeatures>;

const anyFeatures: fc.Arbitrary<HealthFeatures> = fc.record(
  Object.fromEntries(FIELDS.map((k) => [k, anyNumber])) as Record<keyof HealthFeatures, typeof anyNumber>,
  { requiredKeys: [] },
);

const anyConfig: fc.Arbitrary<HealthConfig> = fc.oneof(
  fc.constant(DEFAULT_HEALTH_CONFIG),
  fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 5, maxLength: 5 })
    .filter((raw) => raw.reduce((a, b) => a + b, 0) > 0.01)
    .map((raw) => {
      const total = raw.reduce((a, b) => a + b, 0);
      const [usage, engagement, support, satisfaction, payment] = raw.map((x) => x / total);
      return validateHealthConfig({ weights: { usage, engagement, support, satisfaction, payment } });
    }),
);

describe("scoreHealth properties", () => {
  it("score in 0–100 or null, never NaN; contributions sum to the score; coverage in 0–1", () => {
    fc.assert(
      fc.property(anyFeatures, anyConfig, (features, config) => {
        const r = scoreHealth(features, config);
        expect(r.coverage).toBeGreaterThanOrEqual(0);
        expect(r.coverage).toBeLessThanOrEqual(1);
        for (const c of r.components) {
          expect(Number.isNaN(c.contribution) || Number.isNaN(c.weight)).toBe(false);
          if (c.value !== null) {
            expect(c.value).toBeGreaterThanOrEqual(0);
            expect(c.value).toBeLessThanOrEqual(100);
          }
          expect(c.explanation.length).toBeGreaterThan(10);
        }
        expect(r.missing).toEqual(r.components.filter((c) => c.value === null).map((c) => c.name));
        if (r.exactScore === null) {
          expect(r.score).toBeNull();
          expect(r.band).toBeNull();
          expect(r.reason).toBeTruthy();
        } else {
          expect(Number.isNaN(r.exactScore)).toBe(false);
          expect(r.exactScore).toBeGreaterThanOrEqual(0);
          expect(r.exactScore).toBeLessThanOrEqual(100);
          expect(Math.abs(sumOfContributions(r) - r.exactScore)).toBeLessThanOrEqual(1e-9);
          expect(Math.abs((r.score as number) - r.exactScore)).toBeLessThanOrEqual(0.05 + 1e-9);
          const weightSum = r.components.reduce((a, c) => a + c.weight, 0);
          expect(weightSum).toBeCloseTo(1, 9);
          expect(r.reason).toBeNull();
        }
      }),
      { numRuns: 2000 },
    );
  });

  it("is deterministic: the same input gives the same output", () => {
    fc.assert(fc.property(anyFeatures, (features) => {
      expect(scoreHealth(features, D)).toEqual(scoreHealth({ ...features }, D));
    }));
  });

  /** A strictly larger count or amount than `base` (absent/invalid base → treat it as 0). */
  const more = (base: number | null | undefined, extra: number): number =>
    (typeof base === "number" && Number.isFinite(base) ? Math.max(0, base) : 0) + extra;
  const positive = fc.double({ min: 0.001, max: 1000, noNaN: true });

  it("more SLA breaches never raise health (nor more tickets, older tickets, more severity)", () => {
    fc.assert(
      fc.property(anyFeatures, anyConfig, positive, fc.constantFrom("slaBreaches90d", "tickets90d", "highSeverityTickets90d", "oldestOpenTicketAgeDays", "openTickets"),
        (features, config, extra, field) => {
          const before = { ...features, [field]: more(features[field as keyof HealthFeatures], 0) };
          const after = { ...features, [field]: more(features[field as keyof HealthFeatures], extra) };
          const a = scoreHealth(before, config);
          const b = scoreHealth(after, config);
          expect(b.components[2]?.value as number).toBeLessThanOrEqual(a.components[2]?.value as number);
          if (a.exactScore !== null && b.exactScore !== null) expect(b.exactScore).toBeLessThanOrEqual(a.exactScore + 1e-9);
        }),
      { numRuns: 1000 },
    );
  });

  it("paying later never raises health (more late invoices, more days late, more overdue, more failures)", () => {
    fc.assert(
      fc.property(anyFeatures, anyConfig, positive, fc.constantFrom("maxDaysLate", "invoicesPaidLate", "overdueAmount", "failedPayments"),
        (features, config, extra, field) => {
          const before = { ...features, [field]: more(features[field as keyof HealthFeatures], 0) };
          const after = { ...features, [field]: more(features[field as keyof HealthFeatures], extra) };
          const a = scoreHealth(before, config);
          const b = scoreHealth(after, config);
          expect(b.components[4]?.value as number).toBeLessThanOrEqual(a.components[4]?.value as number);
          if (a.exactScore !== null && b.exactScore !== null) expect(b.exactScore).toBeLessThanOrEqual(a.exactScore + 1e-9);
        }),
      { numRuns: 1000 },
    );
  });

  it("more active users on the same seats never lower usage or health", () => {
    fc.assert(
      fc.property(anyFeatures, anyConfig, fc.integer({ min: 1, max: 10_000 }), fc.integer({ min: 0, max: 10_000 }), fc.integer({ min: 1, max: 5_000 }),
        (features, config, seats, active, extra) => {
          const a = scoreHealth({ ...features, licensedSeats: seats, activeUsers: active }, config);
          const b = scoreHealth({ ...features, licensedSeats: seats, activeUsers: active + extra }, config);
          expect(b.components[0]?.value as number).toBeGreaterThanOrEqual(a.components[0]?.value as number);
          expect(b.exactScore as number).toBeGreaterThanOrEqual((a.exactScore as number) - 1e-9);
        }),
      { numRuns: 1000 },
    );
  });

  it("a later last touch never raises engagement", () => {
    fc.assert(
      fc.property(anyFeatures, fc.double({ min: -10, max: 1000, noNaN: true }), positive, (features, days, extra) => {
        const a = engagementScore({ ...features, daysSinceLastTouch: days }, T);
        const b = engagementScore({ ...features, daysSinceLastTouch: days + extra }, T);
        expect(b).toBeLessThanOrEqual(a);
      }),
    );
  });
});
