import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { AnalyticsConfigError } from "../../src/analytics/errors";
import {
  assessRenewal,
  checkpointsDue,
  DEFAULT_RENEWAL_CONFIG,
  expectedRenewalArr,
  forecastRenewals,
  type RenewalAccount,
  renewalCheckpoints,
  renewalProbability,
  type RenewalSignals,
  resolveRenewalConfig,
  scoreRenewalProbability,
} from "../../src/analytics/renewals";
import { configError } from "./config-error";

const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));
const logit = (p: number) => Math.log(p / (1 - p));

function factor(result: ReturnType<typeof scoreRenewalProbability>, name: string) {
  const f = result.factors.find((x) => x.name === name);
  if (!f) throw new Error(`no factor ${name}`);
  return f;
}

// ---------- arbitraries ----------
/** Any number, including the values bad data brings: NaN, ±Infinity, negatives, out of range. */
const messyNumber = fc.oneof(fc.double(), fc.double({ min: -10, max: 200, noNaN: true }), fc.constant(Number.NaN));
const maybe = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: null });

const signalsArb: fc.Arbitrary<RenewalSignals> = fc.record(
  {
    healthScore: maybe(messyNumber),
    healthBand: maybe(fc.constantFrom("churn_risk", "at_risk", "neutral", "healthy", "champion" as const)),
    healthTrend: maybe(fc.constantFrom("improving", "stable", "declining" as const)),
    churnProbability: maybe(messyNumber),
    openEscalations: maybe(messyNumber),
    paymentStatus: maybe(fc.constantFrom("current", "late", "overdue", "payment_plan", "at_risk" as const)),
    failedPayments: maybe(messyNumber),
    usageTrend: maybe(messyNumber),
    contractType: maybe(fc.constantFrom("annual", "multi_year", "monthly", "quarterly" as const)),
    autoRenew: maybe(fc.boolean()),
    priorRenewals: maybe(messyNumber),
  },
  { requiredKeys: [] },
);

const daysArb = fc.integer({ min: -400, max: 1200 });

describe("renewal probability: the seed's table as baseline", () => {
  it("reproduces the seed's track_renewals bands at their edges when nothing else is known", () => {
    // Seed §2.2: ≥85 → 0.92, ≥70 → 0.80, ≥60 → 0.65, else 0.40 (placed at 40).
    expect(scoreRenewalProbability({ healthScore: 85 }, 120).probability).toBeCloseTo(0.92, 10);
    expect(scoreRenewalProbability({ healthScore: 70 }, 120).probability).toBeCloseTo(0.8, 10);
    expect(scoreRenewalProbability({ healthScore: 60 }, 120).probability).toBeCloseTo(0.65, 10);
    expect(scoreRenewalProbability({ healthScore: 40 }, 120).probability).toBeCloseTo(0.4, 10);
  });

  it("interpolates between edges: health 50 is halfway between 0.40 and 0.65", () => {
    expect(scoreRenewalProbability({ healthScore: 50 }, 120).probability).toBeCloseTo(0.525, 10);
  });

  it("adds logit points a person can check: 70 → ln 4, declining −0.5, one escalation −0.35, overdue −0.8, multi-year +0.4", () => {
    const r = scoreRenewalProbability(
      { healthScore: 70, healthTrend: "declining", openEscalations: 1, paymentStatus: "overdue", contractType: "multi_year" },
      120,
    );
    const expectedLogit = Math.log(4) - 0.5 - 0.35 - 0.8 + 0.4; // 0.136294
    expect(r.logit).toBeCloseTo(expectedLogit, 10);
    expect(r.probability).toBeCloseTo(0.53402, 4);
    expect(r.category).toBe("probable");
    expect(factor(r, "payment").contribution).toBe(-0.8);
    expect(factor(r, "escalations").input).toBe(1);
    expect(factor(r, "payment").explanation).toMatch(/overdue/);
    // The summary names the biggest drag.
    expect(r.summary).toMatch(/^Renewal probability 53 % \(probable\)/);
    expect(r.summary).toMatch(/Biggest drag: payment −18 pts/);
  });

  it("blends the churn model into the baseline at half weight: health 85 with 50 % churn → sigmoid(ln(0.92/0.08)/2) ≈ 0.772", () => {
    const r = scoreRenewalProbability({ healthScore: 85, churnProbability: 0.5 }, 120);
    expect(r.probability).toBeCloseTo(sigmoid(logit(0.92) / 2), 10);
    expect(r.probability).toBeCloseTo(0.7723, 4);
    expect(factor(r, "churn_model").contribution).toBeCloseTo(-logit(0.92) / 2, 10);
  });

  it("without health, says so, leans on the churn model and lowers confidence", () => {
    const r = scoreRenewalProbability({ healthScore: null, churnProbability: 0.2 }, 30);
    expect(r.probability).toBeCloseTo(0.8, 10); // the churn model replaces the prior outright
    expect(r.missing).toContain("health");
    expect(r.notes.join(" ")).toMatch(/No health score/);
    expect(r.confidence).toBeCloseTo(0.15, 10); // only the churn model's coverage weight
    const withHealth = scoreRenewalProbability({ healthScore: 80, churnProbability: 0.2 }, 30);
    expect(withHealth.confidence).toBeGreaterThan(r.confidence);
  });

  it("with no data at all, starts from the 70 % prior with zero confidence", () => {
    const r = scoreRenewalProbability({}, 60);
    expect(r.probability).toBeCloseTo(0.7, 10);
    expect(r.confidence).toBe(0);
    expect(r.missing).toHaveLength(8);
  });

  it("uses the band's representative score when only the band is known: healthy ≈ 82.5 → 0.90", () => {
    const r = scoreRenewalProbability({ healthBand: "healthy" }, 120);
    expect(r.probability).toBeCloseTo(0.9, 10); // 0.80 + (12.5 / 15) × 0.12
    expect(r.coverage).toBeCloseTo(0.15, 10); // half the health weight
    expect(r.notes.join(" ")).toMatch(/band/);
  });

  it("renewal timing: late renewals and at-risk accounts close to renewal lose points; others do not", () => {
    expect(factor(scoreRenewalProbability({ healthScore: 85 }, -5), "renewal_timing").contribution).toBe(-0.5);
    expect(factor(scoreRenewalProbability({ healthScore: 50 }, 10), "renewal_timing").contribution).toBe(-0.3);
    expect(factor(scoreRenewalProbability({ healthScore: 50 }, 40), "renewal_timing").contribution).toBe(0);
    expect(factor(scoreRenewalProbability({ healthScore: 65 }, 10), "renewal_timing").contribution).toBe(0);
    expect(factor(scoreRenewalProbability({ healthScore: 80, churnProbability: 0.6 }, 10), "renewal_timing").contribution).toBe(-0.3);
  });

  it("caps escalations and failed payments, and reads usage trend with a slope", () => {
    expect(factor(scoreRenewalProbability({ openEscalations: 10 }, 100), "escalations").contribution).toBeCloseTo(-1.05, 10);
    expect(factor(scoreRenewalProbability({ failedPayments: 2, paymentStatus: "late" }, 100), "payment").contribution).toBeCloseTo(-0.7, 10);
    expect(factor(scoreRenewalProbability({ usageTrend: -0.3 }, 100), "usage_trend").contribution).toBeCloseTo(-0.45, 10);
    expect(factor(scoreRenewalProbability({ usageTrend: -0.9 }, 100), "usage_trend").contribution).toBeCloseTo(-0.75, 10);
    expect(factor(scoreRenewalProbability({ usageTrend: 0.5 }, 100), "usage_trend").contribution).toBeCloseTo(0.3, 10);
    expect(factor(scoreRenewalProbability({ priorRenewals: 0 }, 100), "prior_renewals").contribution).toBe(-0.15);
    expect(factor(scoreRenewalProbability({ priorRenewals: 7 }, 100), "prior_renewals").contribution).toBe(0.6);
    expect(factor(scoreRenewalProbability({ contractType: "monthly", autoRenew: true }, 100), "contract").contribution).toBeCloseTo(0, 10);
  });

  it("confidence falls with the horizon: full to 90 days, 0.6 at 365, linear between", () => {
    const all: RenewalSignals = {
      healthScore: 80,
      churnProbability: 0.1,
      healthTrend: "stable",
      usageTrend: 0,
      paymentStatus: "current",
      openEscalations: 0,
      contractType: "annual",
      priorRenewals: 2,
    };
    expect(scoreRenewalProbability(all, 90).confidence).toBeCloseTo(1, 10);
    expect(scoreRenewalProbability(all, 227.5).confidence).toBeCloseTo(0.8, 2); // days are truncated to 227
    expect(scoreRenewalProbability(all, 365).confidence).toBeCloseTo(0.6, 10);
    expect(scoreRenewalProbability(all, 900).confidence).toBeCloseTo(0.6, 10);
  });

  it("clamps to the probability range and says so", () => {
    const r = scoreRenewalProbability(
      { healthScore: 100, healthTrend: "improving", usageTrend: 1, contractType: "multi_year", autoRenew: true, priorRenewals: 5 },
      100,
    );
    expect(r.probability).toBe(0.98);
    expect(r.notes.join(" ")).toMatch(/clamped/);
    expect(r.category).toBe("committed");
  });

  it("is deterministic", () => {
    const s: RenewalSignals = { healthScore: 63.2, churnProbability: 0.31, healthTrend: "improving", openEscalations: 1 };
    expect(scoreRenewalProbability(s, 45)).toEqual(scoreRenewalProbability(s, 45));
  });
});

describe("renewal probability: invariants (fast-check)", () => {
  it("probability and confidence stay in range and are never NaN, whatever the inputs; contributions sum to the logit", () => {
    fc.assert(
      fc.property(signalsArb, daysArb, (signals, days) => {
        const r = scoreRenewalProbability(signals, days);
        const [floor, ceiling] = DEFAULT_RENEWAL_CONFIG.probabilityRange;
        expect(Number.isNaN(r.probability)).toBe(false);
        expect(r.probability).toBeGreaterThanOrEqual(floor);
        expect(r.probability).toBeLessThanOrEqual(ceiling);
        expect(r.confidence).toBeGreaterThanOrEqual(0);
        expect(r.confidence).toBeLessThanOrEqual(1);
        expect(r.factors).toHaveLength(9);
        const sum = r.factors.reduce((acc, f) => acc + f.contribution, 0);
        expect(sum).toBeCloseTo(r.logit, 9);
        for (const f of r.factors) expect(Number.isFinite(f.contribution)).toBe(true);
      }),
    );
  });

  it("the text-free fast path gives exactly the explained probability", () => {
    fc.assert(
      fc.property(signalsArb, daysArb, (signals, days) => {
        expect(renewalProbability(signals, days)).toBe(scoreRenewalProbability(signals, days).probability);
      }),
    );
  });

  it("better health never lowers the renewal probability", () => {
    fc.assert(
      fc.property(signalsArb, daysArb, fc.double({ min: 0, max: 100, noNaN: true }), fc.double({ min: 0, max: 100, noNaN: true }), (signals, days, a, b) => {
        const [lo, hi] = a <= b ? [a, b] : [b, a];
        const pLo = scoreRenewalProbability({ ...signals, healthScore: lo }, days).probability;
        const pHi = scoreRenewalProbability({ ...signals, healthScore: hi }, days).probability;
        expect(pHi).toBeGreaterThanOrEqual(pLo - 1e-12);
      }),
    );
  });

  it("a higher churn probability, more escalations or a worse trend never raise it", () => {
    fc.assert(
      fc.property(
        signalsArb,
        daysArb,
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.nat(8),
        (signals, days, c1, c2, esc) => {
          const [lo, hi] = c1 <= c2 ? [c1, c2] : [c2, c1];
          expect(scoreRenewalProbability({ ...signals, churnProbability: hi }, days).probability).toBeLessThanOrEqual(
            scoreRenewalProbability({ ...signals, churnProbability: lo }, days).probability + 1e-12,
          );
          expect(scoreRenewalProbability({ ...signals, openEscalations: esc + 1 }, days).probability).toBeLessThanOrEqual(
            scoreRenewalProbability({ ...signals, openEscalations: esc }, days).probability + 1e-12,
          );
          expect(scoreRenewalProbability({ ...signals, healthTrend: "declining" }, days).probability).toBeLessThanOrEqual(
            scoreRenewalProbability({ ...signals, healthTrend: "stable" }, days).probability + 1e-12,
          );
        },
      ),
    );
  });

  it("expected ARR is never negative and never above ARR × max growth", () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0, max: 1e9, noNaN: true }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.option(messyNumber, { nil: null }),
        (arr, p, change) => {
          const v = expectedRenewalArr(arr, p, change);
          expect(Number.isNaN(v.expectedArr)).toBe(false);
          expect(v.expectedArr).toBeGreaterThanOrEqual(0);
          expect(v.expectedArr).toBeLessThanOrEqual(arr * DEFAULT_RENEWAL_CONFIG.maxGrowthMultiple);
          expect(v.expectedArr).toBeLessThanOrEqual(v.renewalArr);
        },
      ),
    );
  });
});

describe("expected ARR", () => {
  it("is probability × (ARR + expected change)", () => {
    expect(expectedRenewalArr(100_000, 0.92, 20_000)).toEqual({ renewalArr: 120_000, expectedArr: 110_400, capped: false });
    expect(expectedRenewalArr(100_000, 0.5, null)).toEqual({ renewalArr: 100_000, expectedArr: 50_000, capped: false });
  });

  it("caps the change at 3 × ARR and floors it at 0", () => {
    expect(expectedRenewalArr(100_000, 0.5, 500_000)).toEqual({ renewalArr: 300_000, expectedArr: 150_000, capped: true });
    expect(expectedRenewalArr(100_000, 0.5, -150_000)).toEqual({ renewalArr: 0, expectedArr: 0, capped: true });
  });

  it("assessRenewal counts days in UTC calendar days and notes a capped change", () => {
    const a = assessRenewal({ accountId: "a", arr: 10_000, renewalDate: "2026-03-01", healthScore: 85, expectedArrChange: 1e6 }, "2026-01-30T23:59:00Z");
    expect(a.daysToRenewal).toBe(30);
    expect(a.renewalArr).toBe(30_000);
    expect(a.expectedArr).toBeCloseTo(0.92 * 30_000, 6);
    expect(a.notes.join(" ")).toMatch(/capped/);
  });

  it("refuses a bad ARR or renewal date naming the field", () => {
    expect(configError(() => assessRenewal({ accountId: "a", arr: -1, renewalDate: "2026-03-01" }, "2026-01-01")).field).toBe("account.arr");
    expect(configError(() => assessRenewal({ accountId: "a", arr: 1, renewalDate: "soon" }, "2026-01-01")).field).toBe("account.renewalDate");
    expect(configError(() => assessRenewal({ accountId: "a", arr: 1, renewalDate: "2026-03-01" }, "yesterday")).field).toBe("now");
  });
});

describe("renewal forecast", () => {
  const now = "2026-02-10T12:00:00Z";
  const accounts: RenewalAccount[] = [
    { accountId: "a", arr: 100_000, renewalDate: "2026-03-15", healthScore: 85 }, // p 0.92, committed
    { accountId: "b", arr: 50_000, renewalDate: "2026-04-30", healthScore: 50, expectedArrChange: -10_000 }, // p 0.525 on 40k
    { accountId: "c", arr: 20_000, renewalDate: "2026-09-01", healthScore: 70 }, // after the 6-month window
    { accountId: "d", arr: 20_000, renewalDate: "2025-12-01", healthScore: 70 }, // before it
    { accountId: "e", arr: 10_000, renewalDate: "2026-02-05", healthScore: 85 }, // this month, passed: late penalty
    { accountId: "f", arr: 30_000, renewalDate: "2026-05-20", healthScore: 30 }, // at risk
  ];

  it("buckets by UTC month over whole months from the month of now, with a worked example", () => {
    const f = forecastRenewals(accounts, { now, months: 6 });
    expect(f.windowStart).toBe("2026-02-01");
    expect(f.windowEnd).toBe("2026-07-31");
    expect(f.months.map((m) => m.period)).toEqual(["2026-02", "2026-03", "2026-04", "2026-05", "2026-06", "2026-07"]);
    const [feb, mar, apr, may] = f.months;
    expect(mar?.accountIds).toEqual(["a"]);
    expect(mar?.expectedArr).toBeCloseTo(92_000, 6);
    expect(mar?.committedArr).toBe(100_000);
    expect(apr?.renewalArr).toBe(40_000);
    expect(apr?.expectedArr).toBeCloseTo(21_000, 6); // 0.525 × 40,000
    expect(apr?.probableArr).toBe(40_000);
    expect(feb?.accountIds).toEqual(["e"]);
    expect(feb?.expectedArr).toBeCloseTo(10_000 * sigmoid(logit(0.92) - 0.5), 6);
    // f: health 30 → 0.15 + 30/40 × 0.25 = 0.3375
    expect(may?.atRiskArr).toBe(30_000);
    expect(may?.expectedArr).toBeCloseTo(30_000 * 0.3375, 6);
    expect(f.outsideWindow).toEqual({ before: { count: 1, arr: 20_000 }, after: { count: 1, arr: 20_000 } });
    expect(f.totals.renewals).toBe(4);
    expect(f.totals.renewalArr).toBe(180_000);
    expect(f.totals.committedArr + f.totals.probableArr + f.totals.atRiskArr).toBe(180_000);
    expect(f.accounts.map((a) => a.accountId)).toEqual(["e", "a", "b", "f"]);
  });

  it("buckets by calendar quarter and marks partial quarters", () => {
    const f = forecastRenewals(accounts, { now, months: 6 });
    expect(f.quarters.map((q) => [q.period, q.start, q.end, q.partial])).toEqual([
      ["2026-Q1", "2026-02-01", "2026-03-31", true],
      ["2026-Q2", "2026-04-01", "2026-06-30", false],
      ["2026-Q3", "2026-07-01", "2026-07-31", true],
    ]);
    expect(f.quarters[0]?.accountIds).toEqual(["e", "a"]);
    expect(f.quarters[1]?.renewals).toBe(2);
    expect(f.quarters[1]?.expectedArr).toBeCloseTo(21_000 + 30_000 * 0.3375, 6);
  });

  it("reads dates in UTC: a renewal late on 31 March at UTC−2 is an April renewal", () => {
    const f = forecastRenewals([{ accountId: "z", arr: 1, renewalDate: "2026-03-31T23:30:00-02:00", healthScore: 80 }], { now, months: 3 });
    expect(f.months.find((m) => m.period === "2026-04")?.renewals).toBe(1);
    expect(f.months.find((m) => m.period === "2026-03")?.renewals).toBe(0);
  });

  it("crosses a year boundary", () => {
    const f = forecastRenewals([{ accountId: "y", arr: 5, renewalDate: "2027-01-15", healthScore: 80 }], { now: "2026-11-20", months: 3 });
    expect(f.months.map((m) => m.period)).toEqual(["2026-11", "2026-12", "2027-01"]);
    expect(f.quarters.map((q) => q.period)).toEqual(["2026-Q4", "2027-Q1"]);
    expect(f.quarters[1]?.renewals).toBe(1);
  });

  it("refuses a bad window or account, naming the field", () => {
    expect(configError(() => forecastRenewals([], { now, months: 0 })).field).toBe("months");
    expect(configError(() => forecastRenewals([], { now, months: 1.5 })).field).toBe("months");
    expect(configError(() => forecastRenewals([], { now, months: 61 })).field).toBe("months");
    const bad = [accounts[0] as RenewalAccount, { accountId: "x", arr: Number.NaN, renewalDate: "2026-03-01" }];
    expect(configError(() => forecastRenewals(bad, { now })).field).toBe("accounts[1].arr");
  });

  const accountArb: fc.Arbitrary<RenewalAccount> = fc.record({
    accountId: fc.string({ minLength: 1, maxLength: 6 }),
    arr: fc.double({ min: 0, max: 1e7, noNaN: true }),
    renewalDate: fc.integer({ min: Date.UTC(2025, 0, 1), max: Date.UTC(2028, 11, 31) }),
    healthScore: maybe(fc.double({ min: 0, max: 100, noNaN: true })),
    churnProbability: maybe(fc.double({ min: 0, max: 1, noNaN: true })),
    openEscalations: maybe(fc.nat(5)),
    expectedArrChange: maybe(fc.double({ min: -1e7, max: 1e8, noNaN: true })),
  });

  it("totals equal the sum over in-window accounts; months and quarters both sum to the totals (fast-check)", () => {
    fc.assert(
      fc.property(
        fc.array(accountArb, { maxLength: 40 }),
        fc.integer({ min: Date.UTC(2025, 6, 1), max: Date.UTC(2027, 6, 1) }),
        fc.integer({ min: 1, max: 24 }),
        (list, nowMs, months) => {
          const f = forecastRenewals(list, { now: nowMs, months });
          const close = (a: number, b: number) => expect(Math.abs(a - b)).toBeLessThanOrEqual(1e-6 * Math.max(1, Math.abs(b)));
          expect(f.totals.renewals + f.outsideWindow.before.count + f.outsideWindow.after.count).toBe(list.length);
          const expected = f.accounts.reduce((s, a) => s + a.probability * a.renewalArr, 0);
          close(f.totals.expectedArr, expected);
          close(f.totals.renewalArr, f.accounts.reduce((s, a) => s + a.renewalArr, 0));
          for (const key of ["renewals", "arr", "renewalArr", "expectedArr", "committedArr", "probableArr", "atRiskArr"] as const) {
            close(f.months.reduce((s, m) => s + m[key], 0), f.totals[key]);
            close(f.quarters.reduce((s, q) => s + q[key], 0), f.totals[key]);
          }
          for (const bucket of [...f.months, ...f.quarters]) {
            close(bucket.committedArr + bucket.probableArr + bucket.atRiskArr, bucket.renewalArr);
            expect(bucket.expectedArr).toBeLessThanOrEqual(bucket.arr * DEFAULT_RENEWAL_CONFIG.maxGrowthMultiple + 1e-6);
            expect(bucket.accountIds).toHaveLength(bucket.renewals);
          }
          expect(f.months).toHaveLength(months);
          // Each forecast row matches the explained assessment of the same account.
          const byId = new Map(list.map((acc) => [acc.accountId, acc]));
          for (const row of f.accounts.slice(0, 5)) {
            const source = byId.get(row.accountId);
            if (!source || list.filter((x) => x.accountId === row.accountId).length > 1) continue;
            const full = assessRenewal(source, nowMs);
            expect(row.probability).toBe(full.probability);
            expect(row.confidence).toBe(full.confidence);
            expect(row.expectedArr).toBe(full.expectedArr);
            expect(row.daysToRenewal).toBe(full.daysToRenewal);
          }
        },
      ),
      { numRuns: 60 },
    );
  });
});

describe("renewal checkpoints", () => {
  it("a worked example: 90 done, 60 overdue, 30 next", () => {
    const c = renewalCheckpoints("2026-05-01", "2026-03-20T09:00:00Z", { actions: [{ at: "2026-01-30" }] });
    expect(c.daysToRenewal).toBe(42);
    expect(c.checkpoints.map((x) => [x.daysBefore, x.dueDate, x.status])).toEqual([
      [90, "2026-01-31", "completed"], // acting a day early counts (within dueSoonDays)
      [60, "2026-03-02", "overdue"],
      [30, "2026-04-01", "scheduled"],
    ]);
    expect(c.current?.daysBefore).toBe(60);
    expect(c.next?.daysBefore).toBe(30);
    expect(c.next?.daysUntilDue).toBe(12);
    expect(c.overdue).toEqual([60]);
    expect(c.withinDays).toBe(60);
  });

  it("without actions, passed checkpoints are 'passed', not overdue; near ones are 'due'", () => {
    const c = renewalCheckpoints("2026-05-01", "2026-03-27", {});
    expect(c.actionsKnown).toBe(false);
    expect(c.checkpoints.map((x) => x.status)).toEqual(["passed", "passed", "due"]); // 30-day due 2026-04-01, 5 days away
    expect(c.overdue).toEqual([]);
  });

  it("tagged actions count for their checkpoint; tags the configuration lacks count for none", () => {
    const c = renewalCheckpoints("2026-05-01", "2026-04-10", {
      actions: [
        { at: "2026-04-05", checkpointDays: 60 },
        { at: "2026-04-06", checkpointDays: 45 },
      ],
    });
    expect(c.checkpoints.map((x) => x.status)).toEqual(["overdue", "completed", "overdue"]);
    expect(c.checkpoints[1]?.completedOn).toBe("2026-04-05");
    expect(c.current?.daysBefore).toBe(30);
    expect(c.next).toBeNull();
    expect(c.withinDays).toBe(30);
  });

  it("after the renewal date: no current checkpoint, renewal passed", () => {
    const c = renewalCheckpoints("2026-05-01", "2026-05-03", {});
    expect(c.renewalPassed).toBe(true);
    expect(c.current).toBeNull();
    expect(c.withinDays).toBeNull();
  });

  it("supports a custom list (120/45/14) and lists due and overdue checkpoints across accounts", () => {
    const config = resolveRenewalConfig({ checkpointDays: [120, 45, 14] });
    const c = renewalCheckpoints("2026-06-30", "2026-05-10", { config, actions: [] });
    expect(c.checkpoints.map((x) => x.dueDate)).toEqual(["2026-03-02", "2026-05-16", "2026-06-16"]);
    expect(c.checkpoints.map((x) => x.status)).toEqual(["overdue", "due", "scheduled"]);
    const due = checkpointsDue(
      [
        { accountId: "b", renewalDate: "2026-06-30", actions: [] },
        { accountId: "a", renewalDate: "2026-06-30" },
        { accountId: "c", renewalDate: "2026-01-01", actions: [] }, // renewal passed: skipped
      ],
      "2026-05-10",
      config,
    );
    expect(due.map((d) => [d.accountId, d.daysBefore, d.status])).toEqual([
      ["b", 120, "overdue"],
      ["a", 45, "due"],
      ["b", 45, "due"],
    ]);
  });

  it("validates the list: positive, whole, distinct, descending — naming the entry and the fix", () => {
    const e1 = configError(() => resolveRenewalConfig({ checkpointDays: [90, 30, 60] }));
    expect(e1.field).toBe("checkpointDays[2]");
    expect(e1.message).toMatch(/descending/);
    expect(configError(() => resolveRenewalConfig({ checkpointDays: [90, 90, 30] })).message).toMatch(/distinct/);
    expect(configError(() => resolveRenewalConfig({ checkpointDays: [90, 0] })).field).toBe("checkpointDays[1]");
    expect(configError(() => resolveRenewalConfig({ checkpointDays: [-30] })).field).toBe("checkpointDays[0]");
    expect(configError(() => resolveRenewalConfig({ checkpointDays: [30.5] })).field).toBe("checkpointDays[0]");
    expect(configError(() => resolveRenewalConfig({ checkpointDays: [] })).field).toBe("checkpointDays");
  });

  it("any list that is not strictly descending positive integers is refused (fast-check)", () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: -5, max: 200 }), { minLength: 1, maxLength: 6 }), (list) => {
        const valid = list.every((d, i) => d > 0 && (i === 0 || d < (list[i - 1] ?? 0)));
        if (valid) expect(resolveRenewalConfig({ checkpointDays: list }).checkpointDays).toEqual(list);
        else expect(() => resolveRenewalConfig({ checkpointDays: list })).toThrow(AnalyticsConfigError);
      }),
    );
  });

  it("current is the latest checkpoint due on or before today and next the first after (fast-check)", () => {
    fc.assert(
      fc.property(fc.integer({ min: -30, max: 200 }), (days) => {
        const now = Date.UTC(2026, 0, 1);
        const renewal = now + days * 86_400_000;
        const c = renewalCheckpoints(renewal, now, { actions: [] });
        if (c.current) expect(c.current.daysUntilDue).toBeLessThanOrEqual(0);
        if (c.next) expect(c.next.daysUntilDue).toBeGreaterThan(0);
        if (c.current && c.next) expect(c.next.daysBefore).toBeLessThan(c.current.daysBefore);
        for (const x of c.checkpoints) {
          expect(x.status === "overdue").toBe(x.daysUntilDue < 0);
        }
      }),
    );
  });
});

describe("renewal configuration", () => {
  it("refuses bad settings naming the field and the fix", () => {
    const w = configError(() => resolveRenewalConfig({ coverageWeights: { health: 0.5 } }));
    expect(w.field).toBe("coverageWeights");
    expect(w.message).toMatch(/sum to 1/);
    const cut = configError(() => resolveRenewalConfig({ riskCutoffs: { atRiskBelow: 0.9, committedAtLeast: 0.8 } }));
    expect(cut.field).toBe("riskCutoffs");
    expect(cut.message).toMatch(/overlap/);
    expect(configError(() => resolveRenewalConfig({ healthCurve: [[0, 0.5], [50, 0.4], [100, 0.9]] })).field).toBe("healthCurve[1][1]");
    expect(configError(() => resolveRenewalConfig({ healthCurve: [[0, 0.5]] })).field).toBe("healthCurve");
    expect(configError(() => resolveRenewalConfig({ escalationPointsEach: 0.2 })).field).toBe("escalationPointsEach");
    expect(configError(() => resolveRenewalConfig({ paymentPoints: { overdue: 1 } })).field).toBe("paymentPoints.overdue");
    expect(configError(() => resolveRenewalConfig({ trendPoints: { declining: 0.5 } })).field).toBe("trendPoints");
    expect(configError(() => resolveRenewalConfig({ priorRenewalPoints: [0.2, 0.1] })).field).toBe("priorRenewalPoints[1]");
    expect(configError(() => resolveRenewalConfig({ horizon: { floorDays: 30 } })).field).toBe("horizon.floorDays");
  });

  it("merges overrides with defaults and changes the result accordingly", () => {
    const config = resolveRenewalConfig({ paymentPoints: { overdue: -2 }, riskCutoffs: { committedAtLeast: 0.95 } });
    expect(config.paymentPoints.late).toBe(-0.3);
    const r = scoreRenewalProbability({ healthScore: 85, paymentStatus: "overdue" }, 100, config);
    expect(r.probability).toBeCloseTo(sigmoid(logit(0.92) - 2), 10);
    expect(scoreRenewalProbability({ healthScore: 85 }, 100, config).category).toBe("probable");
    expect(resolveRenewalConfig()).toEqual(DEFAULT_RENEWAL_CONFIG);
  });
});
