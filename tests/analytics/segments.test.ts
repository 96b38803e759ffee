import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { AnalyticsConfigError } from "../../src/analytics/errors";
import {
  compileSegment,
  compileValueTiers,
  createLifecycleClassifier,
  DEFAULT_VALUE_TIERS,
  evaluateSegment,
  LIFECYCLE_RULES,
  LIFECYCLE_STAGES,
  lifecycleStage,
  OPERATORS_BY_TYPE,
  SEGMENT_OPERATORS,
  validateLifecycleConfig,
  validateValueTiers,
  valueTier,
  type LifecycleFacts,
  type SegmentFieldCatalog,
  type SegmentRecord,
} from "../../src/analytics/segments";
import { configError } from "./config-error";

describe("value tiers", () => {
  it("uses the seed's ARR bands, lower bound inclusive", () => {
    const cases: [number, string][] = [
      [0, "starter"],
      [9_999.99, "starter"],
      [10_000, "standard"],
      [49_999, "standard"],
      [50_000, "professional"],
      [99_999, "professional"],
      [100_000, "enterprise"],
      [199_999, "enterprise"],
      [200_000, "strategic"],
      [5_000_000, "strategic"],
    ];
    for (const [arr, tier] of cases) expect(valueTier(arr).tier, `ARR ${arr}`).toBe(tier);
  });

  it("ranks the top tier 1 (the seed's priority) and gives each band its bounds", () => {
    expect(valueTier(250_000)).toMatchObject({ tier: "strategic", rank: 1, minArr: 200_000, maxArr: null });
    expect(valueTier(60_000)).toMatchObject({ tier: "professional", rank: 3, minArr: 50_000, maxArr: 100_000 });
    expect(valueTier(1)).toMatchObject({ tier: "starter", rank: 5, minArr: 0, maxArr: 10_000 });
    expect(valueTier(60_000).explanation).toContain("professional");
  });

  it("takes custom thresholds", () => {
    const classify = compileValueTiers([
      { name: "small", minArr: 0 },
      { name: "big", minArr: 1_000 },
    ]);
    expect(classify(999).tier).toBe("small");
    expect(classify(1_000)).toMatchObject({ tier: "big", rank: 1 });
  });

  it("refuses thresholds that are not strictly increasing, negative, not starting at 0, or unnamed", () => {
    expect(
      configError(() =>
        validateValueTiers([
          { name: "a", minArr: 0 },
          { name: "b", minArr: 500 },
          { name: "c", minArr: 500 },
        ]),
      ).field,
    ).toBe("tiers[2].minArr");
    expect(configError(() => validateValueTiers([{ name: "a", minArr: 0 }, { name: "b", minArr: -1 }])).field).toBe("tiers[1].minArr");
    expect(configError(() => validateValueTiers([{ name: "a", minArr: 5 }])).message).toContain("set it to 0");
    expect(configError(() => validateValueTiers([{ name: "a", minArr: 0 }, { name: "a", minArr: 9 }])).field).toBe("tiers[1].name");
    expect(configError(() => validateValueTiers([])).field).toBe("tiers");
    expect(configError(() => validateValueTiers([{ name: "", minArr: 0 }])).field).toBe("tiers[0].name");
  });

  it("refuses a negative or non-finite ARR", () => {
    expect(configError(() => valueTier(-1)).field).toBe("arr");
    expect(configError(() => valueTier(Number.NaN)).field).toBe("arr");
  });

  it("property: the tier's band contains the ARR, and more ARR never means a lower tier", () => {
    const classify = compileValueTiers(DEFAULT_VALUE_TIERS);
    fc.assert(
      fc.property(fc.double({ min: 0, max: 1e9, noNaN: true }), fc.double({ min: 0, max: 1e9, noNaN: true }), (a, b) => {
        const ta = classify(a);
        expect(ta.minArr).toBeLessThanOrEqual(a);
        if (ta.maxArr !== null) expect(a).toBeLessThan(ta.maxArr);
        const [lo, hi] = a <= b ? [a, b] : [b, a];
        expect(classify(lo).rank).toBeGreaterThanOrEqual(classify(hi).rank);
      }),
    );
  });

  it("property: any threshold list that is not strictly increasing is refused, naming the entry", () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 1_000 }), { minLength: 1, maxLength: 6 }), fc.nat(), (mins, pick) => {
        // Build an increasing list, then break it at one entry after the first.
        const sorted = [0, ...[...new Set(mins)].sort((x, y) => x - y)];
        if (sorted.length < 2) return;
        const i = 1 + (pick % (sorted.length - 1));
        const broken = sorted.map((m, j) => (j === i ? (sorted[i - 1] as number) : m));
        const tiers = broken.map((minArr, j) => ({ name: `t${j}`, minArr }));
        expect(configError(() => validateValueTiers(tiers)).field).toBe(`tiers[${i}].minArr`);
      }),
    );
  });
});

describe("lifecycle stage", () => {
  const now = "2025-06-01T00:00:00Z";

  it("churned: by status, or by a churn date that has passed; a future churn date is not churn yet", () => {
    expect(lifecycleStage({ status: "churned" }, now)).toMatchObject({ stage: "churned", rule: "status_churned" });
    expect(lifecycleStage({ churnedAt: "2025-05-01" }, now)).toMatchObject({ stage: "churned", rule: "churn_date_passed" });
    expect(lifecycleStage({ churnedAt: "2025-05-01" }, now).reason).toContain("31 days ago");
    expect(lifecycleStage({ churnedAt: "2025-07-01", contractStart: "2023-01-01" }, now).stage).toBe("active");
  });

  it("hard risk signals outrank onboarding; soft ones wait until onboarding is over", () => {
    const day10 = { contractStart: "2025-05-22", contractEnd: "2026-05-22" };
    const paying = lifecycleStage({ ...day10, paymentIssue: true }, now);
    expect(paying).toMatchObject({ stage: "at_risk", rule: "payment_issue", daysSinceStart: 10 });
    expect(paying.matched).toEqual(["payment_issue", "onboarding_window"]);

    const lowHealth = lifecycleStage({ ...day10, healthScore: 40 }, now);
    expect(lowHealth).toMatchObject({ stage: "onboarding", rule: "onboarding_window" });
    expect(lowHealth.matched).toContain("health_below_threshold");
    expect(lifecycleStage({ ...day10, openEscalations: 2 }, now).rule).toBe("open_escalation");
    expect(lifecycleStage({ ...day10, status: "paused" }, now).rule).toBe("status_paused");
  });

  it("after onboarding: health below 60 is at risk even inside the renewal window, and matched says both", () => {
    const result = lifecycleStage({ contractStart: "2024-06-01", contractEnd: "2025-07-01", healthScore: 59 }, now);
    expect(result).toMatchObject({ stage: "at_risk", rule: "health_below_threshold", daysToRenewal: 30 });
    expect(result.matched).toEqual(["health_below_threshold", "renewal_window"]);
    // 60 is not below 60.
    expect(lifecycleStage({ contractStart: "2024-06-01", contractEnd: "2025-07-01", healthScore: 60 }, now).stage).toBe("renewal");
  });

  it("a 30 % usage drop is at risk; a 29 % drop is not", () => {
    const base = { contractStart: "2023-01-01", contractEnd: "2026-01-01" };
    expect(lifecycleStage({ ...base, usageChange: -0.3 }, now)).toMatchObject({ stage: "at_risk", rule: "usage_decline" });
    expect(lifecycleStage({ ...base, usageChange: -0.29 }, now).stage).toBe("active");
  });

  it("renewal: within 180 days of the renewal date, or past it with nothing recorded", () => {
    expect(lifecycleStage({ contractStart: "2024-01-01", contractEnd: "2025-11-28" }, now)).toMatchObject({
      stage: "renewal",
      rule: "renewal_window",
      daysToRenewal: 180,
    });
    expect(lifecycleStage({ contractStart: "2024-01-01", contractEnd: "2025-11-29" }, now).stage).toBe("active");
    // renewalDate wins over contractEnd.
    expect(lifecycleStage({ contractStart: "2024-01-01", contractEnd: "2027-01-01", renewalDate: "2025-07-01" }, now).rule).toBe("renewal_window");
    expect(lifecycleStage({ contractStart: "2024-01-01", contractEnd: "2025-05-20" }, now)).toMatchObject({
      stage: "renewal",
      rule: "renewal_overdue",
      daysToRenewal: -12,
    });
  });

  it("expansion: seats at capacity, usage growth, open signals or health above 85", () => {
    const settled = { contractStart: "2023-01-01", contractEnd: "2026-06-01" };
    expect(lifecycleStage({ ...settled, seatUtilization: 0.95 }, now).rule).toBe("seat_utilization_high");
    expect(lifecycleStage({ ...settled, seatUtilization: 0.89 }, now).rule).toBe("default_active");
    expect(lifecycleStage({ ...settled, usageChange: 0.25 }, now).rule).toBe("usage_growth");
    expect(lifecycleStage({ ...settled, openExpansionSignals: 1 }, now).rule).toBe("expansion_signals");
    expect(lifecycleStage({ ...settled, healthScore: 86 }, now).rule).toBe("health_above_threshold");
    expect(lifecycleStage({ ...settled, healthScore: 85 }, now).rule).toBe("default_active");
    // Renewal outranks expansion; matched keeps both.
    const both = lifecycleStage({ contractStart: "2023-01-01", contractEnd: "2025-08-01", seatUtilization: 1 }, now);
    expect(both.stage).toBe("renewal");
    expect(both.matched).toEqual(["renewal_window", "seat_utilization_high"]);
  });

  it("onboarding ends at first value or completion; adoption follows until day 180 or half the features", () => {
    const start = { contractStart: "2025-03-01", contractEnd: "2026-03-01" }; // day 92 on 2025-06-01
    expect(lifecycleStage({ contractStart: "2025-04-01", contractEnd: "2026-04-01" }, now).rule).toBe("onboarding_window");
    expect(lifecycleStage({ contractStart: "2025-04-01", contractEnd: "2026-04-01", firstValueAt: "2025-04-20" }, now).rule).toBe("adoption_window");
    expect(lifecycleStage({ contractStart: "2025-04-01", contractEnd: "2026-04-01", onboardingCompletedAt: "2025-05-01" }, now).stage).toBe("adoption");
    // A completion date in the future does not end onboarding.
    expect(lifecycleStage({ contractStart: "2025-04-01", contractEnd: "2026-04-01", onboardingCompletedAt: "2025-06-20" }, now).stage).toBe("onboarding");
    expect(lifecycleStage({ ...start, featureAdoptionBreadth: 0.3 }, now)).toMatchObject({ stage: "adoption", daysSinceStart: 92 });
    expect(lifecycleStage({ ...start, featureAdoptionBreadth: 0.5 }, now)).toMatchObject({ stage: "active", rule: "default_active" });
  });

  it("a contract that has not started, or a pending account, is onboarding", () => {
    expect(lifecycleStage({ contractStart: "2025-06-15" }, now)).toMatchObject({ stage: "onboarding", rule: "contract_not_started", daysSinceStart: -14 });
    expect(lifecycleStage({ status: "pending" }, now).rule).toBe("status_pending");
  });

  it("uses the health band only when there is no score", () => {
    const settled = { contractStart: "2023-01-01", contractEnd: "2026-06-01" };
    expect(lifecycleStage({ ...settled, healthBand: "at_risk" }, now).rule).toBe("health_band_at_risk");
    expect(lifecycleStage({ ...settled, healthBand: "champion" }, now).rule).toBe("health_band_expansion");
    expect(lifecycleStage({ ...settled, healthBand: "at_risk", healthScore: 70 }, now).rule).toBe("default_active");
  });

  it("says which facts were missing", () => {
    const result = lifecycleStage({}, now);
    expect(result).toMatchObject({ stage: "active", rule: "default_active", daysSinceStart: null, daysToRenewal: null });
    expect(result.missingFacts).toEqual(["contractStart", "renewalDate", "healthScore", "usageChange", "seatUtilization"]);
  });

  it("takes custom thresholds and refuses bad ones with the field and the fix", () => {
    const strict = createLifecycleClassifier({ atRiskHealthBelow: 70, renewalWindowDays: 90 });
    expect(strict({ contractStart: "2023-01-01", healthScore: 65 }, now).stage).toBe("at_risk");
    expect(strict({ contractStart: "2023-01-01", contractEnd: "2025-10-01" }, now).stage).toBe("active");
    expect(configError(() => validateLifecycleConfig({ adoptionDays: 30 })).field).toBe("adoptionDays");
    expect(configError(() => validateLifecycleConfig({ atRiskHealthBelow: 120 })).field).toBe("atRiskHealthBelow");
    expect(configError(() => validateLifecycleConfig({ onboardingDays: -1 })).field).toBe("onboardingDays");
    expect(configError(() => validateLifecycleConfig({ expansionHealthAbove: 50 })).field).toBe("expansionHealthAbove");
    expect(configError(() => validateLifecycleConfig({ expansionBands: ["at_risk"] })).message).toContain("also in atRiskBands");
    expect(configError(() => validateLifecycleConfig({ atRiskBands: ["bad" as "at_risk"] })).field).toBe("atRiskBands[0]");
  });

  it("refuses an unparseable date fact, naming it", () => {
    expect(configError(() => lifecycleStage({ contractStart: "2025-02-30" }, now)).field).toBe("contractStart");
    expect(configError(() => lifecycleStage({ contractStart: "2025-01-01T10:00" }, now)).field).toBe("contractStart");
    expect(configError(() => lifecycleStage({}, "yesterday")).field).toBe("now");
  });

  const day = fc.integer({ min: -800, max: 800 }).map((d) => Date.UTC(2025, 5, 1) + d * 86_400_000);
  const facts: fc.Arbitrary<LifecycleFacts> = fc.record(
    {
      status: fc.constantFrom("active", "paused", "churned", "pending", null),
      contractStart: day,
      contractEnd: day,
      churnedAt: day,
      firstValueAt: day,
      healthScore: fc.oneof(fc.double({ min: -50, max: 150 }), fc.constant(null)),
      healthBand: fc.constantFrom("churn_risk", "at_risk", "neutral", "healthy", "champion", null),
      usageChange: fc.double({ min: -1, max: 3 }),
      seatUtilization: fc.double({ min: 0, max: 2 }),
      openExpansionSignals: fc.nat(3),
      paymentIssue: fc.boolean(),
      openEscalations: fc.nat(2),
      featureAdoptionBreadth: fc.double({ min: 0, max: 1 }),
    },
    { requiredKeys: [] },
  );

  it("property: always one known stage and rule, decided by the first rule matched, and deterministic", () => {
    const stageOf = new Map<string, string>([
      ["status_churned", "churned"],
      ["churn_date_passed", "churned"],
      ["onboarding_window", "onboarding"],
      ["renewal_window", "renewal"],
      ["adoption_window", "adoption"],
      ["default_active", "active"],
    ]);
    fc.assert(
      fc.property(facts, (f) => {
        const a = lifecycleStage(f, Date.UTC(2025, 5, 1));
        expect(LIFECYCLE_STAGES).toContain(a.stage);
        expect(LIFECYCLE_RULES).toContain(a.rule);
        expect(a.matched[0]).toBe(a.rule);
        const expected = stageOf.get(a.rule);
        if (expected !== undefined) expect(a.stage).toBe(expected);
        if (f.status === "churned") expect(a.stage).toBe("churned");
        // matched follows the documented order.
        const order = a.matched.map((r) => LIFECYCLE_RULES.indexOf(r));
        expect(order).toEqual([...order].sort((x, y) => x - y));
        expect(lifecycleStage(f, Date.UTC(2025, 5, 1))).toEqual(a);
      }),
    );
  });
});

describe("custom segments: the rule language", () => {
  const catalog: SegmentFieldCatalog = {
    arr: "number",
    name: "string",
    tier: { type: "enum", values: ["starter", "standard", "professional", "enterprise"] },
    renewalDate: "date",
    strategic: "boolean",
    tags: "string_list",
  };
  const acme: SegmentRecord = {
    arr: 120_000,
    name: "Acme Corp",
    tier: "enterprise",
    renewalDate: "2025-07-15",
    strategic: true,
    tags: ["beta", "emea"],
  };
  const tiny: SegmentRecord = { arr: 4_000, name: "Tiny LLC", tier: "starter", tags: [] };

  it("worked example: enterprise accounts over 100k renewing this summer, or any strategic account", () => {
    const segment = compileSegment(
      {
        match: "any",
        rules: [
          {
            match: "all",
            rules: [
              { field: "arr", operator: "gte", value: 100_000 },
              { field: "tier", operator: "in", value: ["enterprise", "professional"] },
              { field: "renewalDate", operator: "between", value: ["2025-06-01", "2025-08-31"] },
            ],
          },
          { field: "strategic", operator: "eq", value: true },
        ],
      },
      catalog,
    );
    expect(segment(acme)).toBe(true);
    expect(segment(tiny)).toBe(false);
    expect(segment({ ...acme, renewalDate: "2025-09-01", strategic: false })).toBe(false);
    expect(segment({ ...tiny, strategic: true })).toBe(true);
    expect(segment.fields).toEqual(["arr", "tier", "renewalDate", "strategic"]);
    expect([acme, tiny, { ...tiny, strategic: true }].filter(segment)).toHaveLength(2);
  });

  it("each operator, on each type it accepts", () => {
    const check = (field: string, operator: string, value: unknown, record: SegmentRecord): boolean =>
      evaluateSegment({ match: "all", rules: [{ field, operator, value }] }, catalog, record);
    expect(check("arr", "eq", 120_000, acme)).toBe(true);
    expect(check("arr", "neq", 120_000, acme)).toBe(false);
    expect(check("arr", "gt", 120_000, acme)).toBe(false);
    expect(check("arr", "gte", 120_000, acme)).toBe(true);
    expect(check("arr", "lt", 120_001, acme)).toBe(true);
    expect(check("arr", "lte", 119_999, acme)).toBe(false);
    expect(check("arr", "in", [1, 120_000], acme)).toBe(true);
    expect(check("arr", "not_in", [1, 2], acme)).toBe(true);
    expect(check("arr", "between", [120_000, 120_000], acme)).toBe(true);
    expect(check("name", "contains", "ACME", acme)).toBe(true);
    expect(check("name", "contains", "widget", acme)).toBe(false);
    expect(check("name", "eq", "acme corp", acme)).toBe(false); // eq is case-sensitive
    expect(check("name", "in", ["Acme Corp", "X"], acme)).toBe(true);
    expect(check("tier", "neq", "starter", acme)).toBe(true);
    expect(check("tier", "not_in", ["enterprise"], acme)).toBe(false);
    expect(check("strategic", "neq", false, acme)).toBe(true);
    expect(check("tags", "contains", "beta", acme)).toBe(true);
    expect(check("tags", "contains", "bet", acme)).toBe(false); // list membership, not substring
    expect(check("tags", "in", ["apac", "emea"], acme)).toBe(true);
    expect(check("tags", "not_in", ["apac", "emea"], acme)).toBe(false);
    expect(check("tags", "not_in", ["apac"], tiny)).toBe(true);
    expect(check("renewalDate", "gt", "2025-07-14", acme)).toBe(true);
    expect(check("renewalDate", "lte", "2025-07-14", acme)).toBe(false);
  });

  it("dates compare by UTC day, whatever form the record holds", () => {
    const rule = { match: "all", rules: [{ field: "renewalDate", operator: "eq", value: "2025-07-15" }] };
    expect(evaluateSegment(rule, catalog, { renewalDate: "2025-07-15T23:59:00Z" })).toBe(true);
    expect(evaluateSegment(rule, catalog, { renewalDate: new Date(Date.UTC(2025, 6, 15, 8)) })).toBe(true);
    expect(evaluateSegment(rule, catalog, { renewalDate: Date.UTC(2025, 6, 16) })).toBe(false);
    // 2025-07-16T01:00+02:00 is 2025-07-15T23:00Z.
    expect(evaluateSegment(rule, catalog, { renewalDate: "2025-07-16T01:00:00+02:00" })).toBe(true);
  });

  it("relative dates resolve against `now` at compile time", () => {
    const within90 = {
      match: "all",
      rules: [{ field: "renewalDate", operator: "between", value: [{ daysFromNow: 0 }, { daysFromNow: 90 }] }],
    };
    const segment = compileSegment(within90, catalog, { now: "2025-06-01T12:00:00Z" });
    expect(segment({ renewalDate: "2025-06-01" })).toBe(true);
    expect(segment({ renewalDate: "2025-08-30" })).toBe(true); // day 90
    expect(segment({ renewalDate: "2025-08-31" })).toBe(false);
    expect(configError(() => compileSegment(within90, catalog)).field).toBe("rules[0].value[0]");
  });

  it("a missing value makes every rule false except exists: false", () => {
    const blank: SegmentRecord = { arr: null, name: undefined };
    for (const [field, operator, value] of [
      ["arr", "neq", 5],
      ["arr", "not_in", [5]],
      ["arr", "lt", 1e12],
      ["name", "neq", "x"],
      ["tags", "not_in", ["x"]],
      ["renewalDate", "lte", "2100-01-01"],
      ["strategic", "neq", true],
    ] as const) {
      expect(evaluateSegment({ match: "all", rules: [{ field, operator, value }] }, catalog, blank), `${field} ${operator}`).toBe(false);
    }
    expect(evaluateSegment({ match: "all", rules: [{ field: "arr", operator: "exists" }] }, catalog, blank)).toBe(false);
    expect(evaluateSegment({ match: "all", rules: [{ field: "arr", operator: "exists", value: false }] }, catalog, blank)).toBe(true);
    expect(evaluateSegment({ match: "all", rules: [{ field: "arr", operator: "exists" }] }, catalog, acme)).toBe(true);
    // A value of the wrong type counts as missing.
    expect(evaluateSegment({ match: "all", rules: [{ field: "arr", operator: "exists" }] }, catalog, { arr: "120000" })).toBe(false);
    expect(evaluateSegment({ match: "all", rules: [{ field: "arr", operator: "gte", value: 0 }] }, catalog, { arr: Number.NaN })).toBe(false);
  });

  it("reads only the record's own fields, never Object.prototype", () => {
    const odd = compileSegment({ match: "all", rules: [{ field: "constructor", operator: "exists" }] }, JSON.parse('{"constructor":"string"}') as SegmentFieldCatalog);
    expect(odd({})).toBe(false);
    expect(odd({ constructor: "x" })).toBe(true);
    expect(configError(() => compileSegment({ match: "all", rules: [{ field: "toString", operator: "exists" }] }, catalog)).field).toBe(
      "rules[0].field",
    );
  });

  it("explain shows every rule's outcome and the record's value", () => {
    const segment = compileSegment(
      {
        match: "all",
        rules: [
          { field: "arr", operator: "gte", value: 100_000 },
          { match: "any", rules: [{ field: "tags", operator: "contains", value: "apac" }] },
        ],
      },
      catalog,
    );
    const trace = segment.explain(acme);
    expect(trace.matched).toBe(false);
    expect(trace.path).toBe("definition");
    expect(trace.rules[0]).toEqual({ path: "rules[0]", field: "arr", operator: "gte", actual: 120_000, matched: true });
    expect(trace.rules[1]).toMatchObject({ path: "rules[1]", match: "any", matched: false });
    expect(trace.matched).toBe(segment(acme));
  });

  describe("refuses bad definitions with the path and what is allowed", () => {
    const rules = (...r: unknown[]) => ({ match: "all", rules: r });
    const ok = { field: "arr", operator: "gt", value: 1 };

    it("unknown field, listing the known ones", () => {
      const e = configError(() => compileSegment(rules(ok, ok, { field: "revenue", operator: "gt", value: 1 }), catalog));
      expect(e.field).toBe("rules[2].field");
      expect(e.message).toContain('unknown field "revenue"');
      expect(e.message).toContain("arr, name, tier, renewalDate, strategic, tags");
    });

    it("an operator the type does not take, listing those it does", () => {
      const e = configError(() => compileSegment(rules({ field: "name", operator: "gt", value: "a" }), catalog));
      expect(e.field).toBe("rules[0].operator");
      expect(e.message).toContain("eq, neq, in, not_in, contains, exists");
      expect(configError(() => compileSegment(rules({ field: "arr", operator: "like", value: 1 }), catalog)).message).toContain(
        SEGMENT_OPERATORS.join(", "),
      );
    });

    it("a value of the wrong type or shape", () => {
      expect(configError(() => compileSegment(rules({ field: "arr", operator: "gt", value: "10" }), catalog)).field).toBe("rules[0].value");
      expect(configError(() => compileSegment(rules({ field: "arr", operator: "gt" }), catalog)).message).toContain("needs a value");
      expect(configError(() => compileSegment(rules({ field: "arr", operator: "in", value: [] }), catalog)).field).toBe("rules[0].value");
      expect(configError(() => compileSegment(rules({ field: "arr", operator: "in", value: [1, "2"] }), catalog)).field).toBe("rules[0].value[1]");
      expect(configError(() => compileSegment(rules({ field: "arr", operator: "eq", value: [1] }), catalog)).message).toContain('use "in"');
      expect(configError(() => compileSegment(rules({ field: "arr", operator: "between", value: [5, 1] }), catalog)).message).toContain("low ≤ high");
      expect(configError(() => compileSegment(rules({ field: "arr", operator: "between", value: [1] }), catalog)).field).toBe("rules[0].value");
      expect(configError(() => compileSegment(rules({ field: "arr", operator: "exists", value: 1 }), catalog)).field).toBe("rules[0].value");
      expect(configError(() => compileSegment(rules({ field: "renewalDate", operator: "gt", value: "soon" }), catalog)).field).toBe("rules[0].value");
      expect(configError(() => compileSegment(rules({ field: "strategic", operator: "eq", value: "yes" }), catalog)).field).toBe("rules[0].value");
      expect(configError(() => compileSegment(rules({ field: "name", operator: "contains", value: "" }), catalog)).field).toBe("rules[0].value");
    });

    it("an enum value outside the enum, listing the allowed values", () => {
      const e = configError(() => compileSegment(rules(ok, { field: "tier", operator: "in", value: ["enterprise", "platinum"] }), catalog));
      expect(e.field).toBe("rules[1].value[1]");
      expect(e.message).toContain("starter, standard, professional, enterprise");
    });

    it("empty rule lists, bad match, unknown keys, too deep, not an object", () => {
      expect(configError(() => compileSegment({ match: "all", rules: [] }, catalog)).field).toBe("rules");
      expect(configError(() => compileSegment(rules(ok, { match: "any", rules: [] }), catalog)).field).toBe("rules[1].rules");
      expect(configError(() => compileSegment({ match: "some", rules: [ok] }, catalog)).field).toBe("match");
      expect(configError(() => compileSegment({ match: "all" }, catalog)).field).toBe("rules");
      expect(configError(() => compileSegment(rules({ ...ok, operater: "gt" }), catalog)).field).toBe("rules[0].operater");
      expect(configError(() => compileSegment(rules("arr > 1"), catalog)).field).toBe("rules[0]");
      expect(configError(() => compileSegment(null, catalog)).field).toBe("definition");
      const deep = { match: "all", rules: [{ match: "all", rules: [{ match: "all", rules: [ok] }] }] };
      expect(compileSegment(deep, catalog, { maxDepth: 3 })({ arr: 2 })).toBe(true);
      expect(configError(() => compileSegment(deep, catalog, { maxDepth: 2 })).field).toBe("rules[0].rules[0]");
    });

    it("a bad field catalog", () => {
      expect(configError(() => compileSegment(rules(ok), { arr: "money" } as unknown as SegmentFieldCatalog)).field).toBe("fieldCatalog.arr.type");
      expect(configError(() => compileSegment(rules(ok), { arr: "number", t: { type: "enum", values: [] } } as SegmentFieldCatalog)).field).toBe("fieldCatalog.t.values");
    });
  });

  // ---- properties ----

  const numberRule = fc.record({
    operator: fc.constantFrom("eq", "neq", "gt", "gte", "lt", "lte"),
    value: fc.integer({ min: -5, max: 5 }),
  });

  it("property: number comparisons agree with JavaScript's, and in/not_in are complements on present values", () => {
    const reference: Record<string, (x: number, a: number) => boolean> = {
      eq: (x, a) => x === a,
      neq: (x, a) => x !== a,
      gt: (x, a) => x > a,
      gte: (x, a) => x >= a,
      lt: (x, a) => x < a,
      lte: (x, a) => x <= a,
    };
    fc.assert(
      fc.property(numberRule, fc.integer({ min: -6, max: 6 }), fc.array(fc.integer({ min: -3, max: 3 }), { minLength: 1 }), (rule, x, set) => {
        const got = evaluateSegment({ match: "all", rules: [{ field: "arr", ...rule }] }, catalog, { arr: x });
        expect(got).toBe(reference[rule.operator]?.(x, rule.value));
        const inSet = evaluateSegment({ match: "all", rules: [{ field: "arr", operator: "in", value: set }] }, catalog, { arr: x });
        const notIn = evaluateSegment({ match: "all", rules: [{ field: "arr", operator: "not_in", value: set }] }, catalog, { arr: x });
        expect(inSet).toBe(set.includes(x));
        expect(notIn).toBe(!inSet);
      }),
    );
  });

  it("property: all/any are conjunction/disjunction of their rules", () => {
    fc.assert(
      fc.property(fc.array(numberRule, { minLength: 1, maxLength: 5 }), fc.integer({ min: -6, max: 6 }), (rs, x) => {
        const leaves = rs.map((r) => ({ field: "arr", ...r }));
        const each = leaves.map((r) => evaluateSegment({ match: "all", rules: [r] }, catalog, { arr: x }));
        expect(evaluateSegment({ match: "all", rules: leaves }, catalog, { arr: x })).toBe(each.every(Boolean));
        expect(evaluateSegment({ match: "any", rules: leaves }, catalog, { arr: x })).toBe(each.some(Boolean));
      }),
    );
  });

  // One way to break a valid rule per kind of mistake; each must be refused at that rule's path.
  const mutations: ((rule: { field: string; operator: string; value: unknown }) => unknown)[] = [
    (r) => ({ ...r, field: `${r.field}_nope` }),
    (r) => ({ ...r, field: 42 }),
    (r) => ({ ...r, operator: "approximately" }),
    (r) => ({ ...r, operator: "contains", field: "arr" }),
    (r) => ({ ...r, field: "strategic", operator: "gt", value: true }),
    (r) => ({ field: "arr", operator: "gt", value: "many" }),
    (r) => ({ field: "tier", operator: "eq", value: "platinum" }),
    (r) => ({ field: "arr", operator: "between", value: [9, 1] }),
    (r) => ({ field: "arr", operator: "in", value: [] }),
    (r) => ({ field: r.field, operator: r.operator }),
    (r) => ({ ...r, extra: 1 }),
    () => ({ match: "all", rules: [] }),
    () => ({ match: "either", rules: [{ field: "arr", operator: "gt", value: 1 }] }),
    () => null,
    () => [1, 2],
  ];
  const validRule = fc.constantFrom(
    { field: "arr", operator: "gte", value: 10 },
    { field: "name", operator: "contains", value: "corp" },
    { field: "tier", operator: "in", value: ["starter"] },
    { field: "renewalDate", operator: "lt", value: "2026-01-01" },
    { field: "strategic", operator: "eq", value: false },
    { field: "tags", operator: "contains", value: "beta" },
  );

  it("property: every malformed rule is refused, with an AnalyticsConfigError whose path starts at that rule", () => {
    fc.assert(
      fc.property(
        fc.array(validRule, { minLength: 1, maxLength: 6 }),
        fc.nat(),
        fc.integer({ min: 0, max: mutations.length - 1 }),
        fc.boolean(),
        (valid, pick, m, nested) => {
          const i = pick % valid.length;
          const base = valid[i] as { field: string; operator: string; value: unknown };
          const broken = (mutations[m] as (typeof mutations)[number])(base);
          const list: unknown[] = [...valid];
          list[i] = broken;
          const definition = nested ? { match: "any", rules: [{ match: "all", rules: list }] } : { match: "all", rules: list };
          const prefix = nested ? `rules[0].rules[${i}]` : `rules[${i}]`;
          // The intact definition compiles; the broken one is refused at the broken rule.
          expect(() => compileSegment({ match: "all", rules: valid }, catalog)).not.toThrow();
          const error = configError(() => compileSegment(definition, catalog));
          expect(error.field.startsWith(prefix)).toBe(true);
          expect(error.message.length).toBeGreaterThan(error.field.length + 10);
        },
      ),
    );
  });

  it("property: operators the type does not list are refused for every type", () => {
    const types = { number: "arr", string: "name", enum: "tier", date: "renewalDate", boolean: "strategic", string_list: "tags" } as const;
    for (const [type, field] of Object.entries(types)) {
      for (const operator of SEGMENT_OPERATORS) {
        const allowed = (OPERATORS_BY_TYPE[type as keyof typeof OPERATORS_BY_TYPE] as readonly string[]).includes(operator);
        const attempt = () => compileSegment({ match: "all", rules: [{ field, operator, value: 1 }] }, catalog);
        if (!allowed) expect(configError(attempt).field, `${type} ${operator}`).toBe("rules[0].operator");
      }
    }
  });

  it("property: a compiled segment never throws and always answers a boolean on arbitrary records", () => {
    const segment = compileSegment(
      {
        match: "any",
        rules: [
          { field: "arr", operator: "between", value: [0, 100] },
          { field: "name", operator: "contains", value: "a" },
          { field: "renewalDate", operator: "gte", value: "2025-01-01" },
          { field: "tags", operator: "in", value: ["x"] },
          { match: "all", rules: [{ field: "tier", operator: "exists" }, { field: "strategic", operator: "neq", value: true }] },
        ],
      },
      catalog,
    );
    const anyValue = fc.oneof(
      fc.double(),
      fc.string(),
      fc.boolean(),
      fc.constant(null),
      fc.constant(undefined),
      fc.date({ noInvalidDate: false }),
      fc.array(fc.string()),
    );
    fc.assert(
      fc.property(fc.dictionary(fc.constantFrom("arr", "name", "tier", "renewalDate", "strategic", "tags", "other"), anyValue), (record) => {
        const result = segment(record as SegmentRecord);
        expect(typeof result).toBe("boolean");
        expect(segment.explain(record as SegmentRecord).matched).toBe(result);
      }),
    );
  });
});
