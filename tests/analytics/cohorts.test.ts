import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { cohortMatrix, revenueRetention, type CohortAccount } from "../../src/analytics/cohorts";
import { configError } from "./config-error";

describe("cohort matrix by start month", () => {
  const accounts: CohortAccount[] = [
    // January cohort: A expands in March, B churns in February.
    { id: "A", startDate: "2024-01-05", arrHistory: [{ date: "2024-01-05", arr: 1_000 }, { date: "2024-03-01", arr: 1_500 }] },
    { id: "B", startDate: "2024-01-20", churnDate: "2024-02-15", arrHistory: [{ date: "2024-01-20", arr: 1_000 }] },
    // February cohort.
    { id: "C", startDate: "2024-02-10", arrHistory: [{ date: "2024-02-10", arr: 2_000 }] },
    // Starts after asOf: left out.
    { id: "D", startDate: "2024-05-01", arrHistory: [{ date: "2024-05-01", arr: 9_000 }] },
  ];

  it("worked example: logo, net and gross revenue retention per month since start", () => {
    const m = cohortMatrix(accounts, { asOf: "2024-04-01" });
    expect(m.rows.map((r) => [r.cohort, r.accounts, r.startingArr])).toEqual([
      ["2024-01", 2, 2_000],
      ["2024-02", 1, 2_000],
    ]);
    const jan = m.rows[0]?.cells ?? [];
    // Month 0 (end of January): both customers, 2,000 ARR.
    expect(jan[0]).toEqual({ monthsSinceStart: 0, customers: 2, logoRetention: 1, arr: 2_000, netRevenueRetention: 1, grossRevenueRetention: 1 });
    // Month 1 (end of February): B churned.
    expect(jan[1]).toEqual({ monthsSinceStart: 1, customers: 1, logoRetention: 0.5, arr: 1_000, netRevenueRetention: 0.5, grossRevenueRetention: 0.5 });
    // Month 2 (end of March): A expanded to 1,500; gross counts A at most at its starting 1,000.
    expect(jan[2]).toEqual({ monthsSinceStart: 2, customers: 1, logoRetention: 0.5, arr: 1_500, netRevenueRetention: 0.75, grossRevenueRetention: 0.5 });
    expect(jan).toHaveLength(3); // April has not ended on 2024-04-01
    expect(m.rows[1]?.cells.map((c) => c.netRevenueRetention)).toEqual([1, 1]);
    // Pooled: column 1 = (1 + 1) customers of 3, (1,000 + 2,000) of 4,000 ARR.
    expect(m.average[1]).toEqual({ monthsSinceStart: 1, customers: 2, logoRetention: 2 / 3, arr: 3_000, netRevenueRetention: 0.75, grossRevenueRetention: 0.75 });
    expect(m.average).toHaveLength(3);
  });

  it("a month counts once it has ended: asOf 2024-03-31T23:59:59.999Z includes March", () => {
    expect(cohortMatrix(accounts, { asOf: "2024-03-31T00:00:00Z" }).rows[0]?.cells).toHaveLength(2);
    expect(cohortMatrix(accounts, { asOf: "2024-03-31T23:59:59.999Z" }).rows[0]?.cells).toHaveLength(3);
  });

  it("maxMonths caps the columns", () => {
    expect(cohortMatrix(accounts, { asOf: "2025-01-01", maxMonths: 1 }).rows[0]?.cells).toHaveLength(2);
    expect(cohortMatrix(accounts, { asOf: "2025-01-01", maxMonths: 0 }).average).toHaveLength(1);
  });

  it("first-month churn shows in column 0; a cohort with no ARR has null revenue retention", () => {
    const m = cohortMatrix(
      [
        { id: "x", startDate: "2024-06-03", churnDate: "2024-06-20" },
        { id: "y", startDate: "2024-06-10" },
      ],
      { asOf: "2024-08-01" },
    );
    expect(m.rows[0]?.cells[0]).toMatchObject({ customers: 1, logoRetention: 0.5, netRevenueRetention: null, grossRevenueRetention: null });
  });

  it("ARR history that starts after the contract is back-filled from its first point", () => {
    const m = cohortMatrix([{ id: "late", startDate: "2024-01-10", arrHistory: [{ date: "2024-03-01", arr: 600 }] }], { asOf: "2024-04-01" });
    expect(m.rows[0]).toMatchObject({ startingArr: 600 });
    expect(m.rows[0]?.cells.map((c) => c.netRevenueRetention)).toEqual([1, 1, 1]);
  });
});

describe("gross and net revenue retention over a period", () => {
  const history = (arr0: number, arr1?: number) =>
    arr1 === undefined ? [{ date: "2023-06-01", arr: arr0 }] : [{ date: "2023-06-01", arr: arr0 }, { date: "2024-07-01", arr: arr1 }];
  const accounts: CohortAccount[] = [
    { id: "expands", startDate: "2023-06-01", arrHistory: history(100, 150) },
    { id: "contracts", startDate: "2023-06-01", arrHistory: history(100, 80) },
    { id: "churns", startDate: "2023-06-01", churnDate: "2024-09-01", arrHistory: history(100) },
    { id: "flat", startDate: "2023-06-01", arrHistory: history(100) },
    { id: "new", startDate: "2024-03-01", arrHistory: [{ date: "2024-03-01", arr: 500 }] },
  ];

  it("worked example: 400 start, +50 expansion, −20 contraction, −100 churn → GRR 70 %, NRR 82.5 %", () => {
    const r = revenueRetention(accounts, { from: "2024-01-01", to: "2025-01-01" });
    expect(r).toMatchObject({
      startingArr: 400,
      endingArr: 330,
      expansionArr: 50,
      contractionArr: 20,
      churnedArr: 100,
      grossRevenueRetention: 0.7,
      netRevenueRetention: 0.825,
      expansionShare: 0.125,
      startingCustomers: 4,
      retainedCustomers: 3,
      logoRetention: 0.75,
    });
    expect(r.accounts.map((a) => [a.id, a.movement])).toEqual([
      ["expands", "expanded"],
      ["contracts", "contracted"],
      ["churns", "churned"],
      ["flat", "flat"],
    ]); // "new" started after `from`: new business, not retention
    expect(r.explanation).toContain("GRR 70.0 %");
  });

  it("an account is churned at its churn date: a period ending on that instant counts it as churned", () => {
    const atChurn = revenueRetention(accounts, { from: "2024-01-01", to: "2024-09-01" });
    expect(atChurn.accounts.find((a) => a.id === "churns")).toMatchObject({ movement: "churned", endArr: 0 });
    expect(atChurn.retainedCustomers).toBe(3);
    const before = revenueRetention(accounts, { from: "2024-01-01", to: "2024-08-31T23:59:59.999Z" });
    expect(before.accounts.find((a) => a.id === "churns")).toMatchObject({ movement: "flat", endArr: 100 });
  });

  it("ARR falling to 0 is revenue churn even without a churn date (the logo is still a customer)", () => {
    const r = revenueRetention([{ id: "z", startDate: "2023-01-01", arrHistory: [{ date: "2023-01-01", arr: 50 }, { date: "2024-05-01", arr: 0 }] }], {
      from: "2024-01-01",
      to: "2024-12-31",
    });
    expect(r).toMatchObject({ churnedArr: 50, grossRevenueRetention: 0, netRevenueRetention: 0, logoRetention: 1 });
  });

  it("no ARR at the start: ratios are null, not 0 or NaN", () => {
    const r = revenueRetention([], { from: "2024-01-01", to: "2025-01-01" });
    expect(r).toMatchObject({ startingArr: 0, grossRevenueRetention: null, netRevenueRetention: null, expansionShare: null, logoRetention: null });
  });

  it("refuses malformed accounts and periods, naming the field", () => {
    const period = { from: "2024-01-01", to: "2025-01-01" };
    expect(configError(() => revenueRetention(accounts, { from: "2025-01-01", to: "2024-01-01" })).field).toBe("to");
    expect(configError(() => revenueRetention([{ id: "a", startDate: "2024-05-01", churnDate: "2024-04-01" }], period)).field).toBe("accounts[0].churnDate");
    expect(
      configError(() =>
        revenueRetention([{ id: "a", startDate: "2024-01-01", arrHistory: [{ date: "2024-02-01", arr: 5 }, { date: "2024-02-01", arr: 6 }] }], period),
      ).field,
    ).toBe("accounts[0].arrHistory[1].date");
    expect(configError(() => revenueRetention([{ id: "a", startDate: "2024-01-01", arrHistory: [{ date: "2024-02-01", arr: -5 }] }], period)).field).toBe(
      "accounts[0].arrHistory[0].arr",
    );
    expect(configError(() => revenueRetention([{ id: "a", startDate: "2024-01-01" }, { id: "a", startDate: "2024-01-01" }], period)).field).toBe("accounts[1].id");
    expect(configError(() => revenueRetention([{ id: "a", startDate: "Jan 1" }], period)).field).toBe("accounts[0].startDate");
    expect(configError(() => cohortMatrix([], { asOf: "2024-01-01", maxMonths: -1 })).field).toBe("maxMonths");
  });
});

describe("properties", () => {
  const DAY = 86_400_000;
  const base = Date.UTC(2023, 0, 1);
  const account = fc
    .record({
      start: fc.integer({ min: 0, max: 700 }),
      life: fc.option(fc.integer({ min: 0, max: 700 }), { nil: null }),
      points: fc.array(fc.record({ at: fc.integer({ min: -30, max: 700 }), arr: fc.integer({ min: 0, max: 100_000 }) }), { maxLength: 5 }),
    })
    .map(({ start, life, points }) => {
      const seen = new Set<number>();
      const history = points.filter((p) => !seen.has(p.at) && seen.add(p.at) !== undefined);
      return {
        startDate: base + start * DAY,
        churnDate: life === null ? null : base + (start + life) * DAY,
        arrHistory: history.map((p) => ({ date: base + (start + p.at) * DAY, arr: p.arr })),
      };
    });
  const accounts = fc.array(account, { maxLength: 25 }).map((list) => list.map((a, i): CohortAccount => ({ id: `acc${i}`, ...a })));
  const period = fc
    .tuple(fc.integer({ min: 0, max: 1_000 }), fc.integer({ min: 1, max: 800 }))
    .map(([from, length]) => ({ from: base + from * DAY, to: base + (from + length) * DAY }));

  it("GRR in [0, 1], NRR ≥ 0, NRR = GRR + expansion share = ending ÷ starting ARR, components add up", () => {
    fc.assert(
      fc.property(accounts, period, (list, p) => {
        const r = revenueRetention(list, p);
        if (r.startingArr === 0) {
          expect(r.grossRevenueRetention).toBeNull();
          expect(r.netRevenueRetention).toBeNull();
          return;
        }
        const grr = r.grossRevenueRetention as number;
        const nrr = r.netRevenueRetention as number;
        expect(grr).toBeGreaterThanOrEqual(0);
        expect(grr).toBeLessThanOrEqual(1);
        expect(nrr).toBeGreaterThanOrEqual(0);
        expect(nrr).toBeCloseTo(grr + (r.expansionShare as number), 12);
        expect(nrr).toBeCloseTo(r.endingArr / r.startingArr, 12);
        expect(r.startingArr + r.expansionArr - r.contractionArr - r.churnedArr).toBeCloseTo(r.endingArr, 6);
        expect(grr).toBeLessThanOrEqual(nrr + 1e-12);
        if (r.logoRetention !== null) {
          expect(r.logoRetention).toBeGreaterThanOrEqual(0);
          expect(r.logoRetention).toBeLessThanOrEqual(1);
        }
      }),
    );
  });

  it("the matrix: ratios in range, never NaN, a cohort's logo retention never rises with age, GRR ≤ NRR", () => {
    fc.assert(
      fc.property(accounts, fc.integer({ min: 0, max: 900 }), (list, asOf) => {
        const m = cohortMatrix(list, { asOf: base + asOf * DAY, maxMonths: 24 });
        // The pooled average is not monotone (younger cohorts drop out of later columns), each cohort is.
        for (const [row, monotone] of [...m.rows.map((r) => [r.cells, true] as const), [m.average, false] as const]) {
          let previous = 1;
          for (const c of row) {
            expect(Number.isNaN(c.logoRetention)).toBe(false);
            expect(c.logoRetention).toBeGreaterThanOrEqual(0);
            expect(c.logoRetention).toBeLessThanOrEqual(monotone ? previous + 1e-12 : 1);
            previous = c.logoRetention;
            if (c.grossRevenueRetention !== null && c.netRevenueRetention !== null) {
              expect(c.grossRevenueRetention).toBeGreaterThanOrEqual(0);
              expect(c.grossRevenueRetention).toBeLessThanOrEqual(1);
              expect(c.grossRevenueRetention).toBeLessThanOrEqual(c.netRevenueRetention + 1e-12);
            }
          }
        }
        expect(m.rows.reduce((s, r) => s + r.accounts, 0)).toBe(list.filter((a) => Number(a.startDate) <= base + asOf * DAY).length);
      }),
    );
  });

  it("deterministic and independent of account order", () => {
    fc.assert(
      fc.property(accounts, period, (list, p) => {
        const reversed = [...list].reverse();
        const a = revenueRetention(list, p);
        const b = revenueRetention(reversed, p);
        expect(b.startingArr).toBe(a.startingArr);
        expect(b.endingArr).toBe(a.endingArr);
        expect(b.grossRevenueRetention).toBe(a.grossRevenueRetention);
        expect(cohortMatrix(reversed, { asOf: p.to })).toEqual(cohortMatrix(list, { asOf: p.to }));
      }),
      { numRuns: 50 },
    );
  });
});
