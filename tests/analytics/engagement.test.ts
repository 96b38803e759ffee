import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  activityMetrics,
  adoptionMilestones,
  analyzeEngagement,
  detectUsageAnomalies,
  featureAdoption,
  prepareUsage,
  timeToFirstValue,
  validateEngagementConfig,
  type DailyUsage,
  type FeatureDefinition,
  type UsageInput,
} from "../../src/analytics/engagement";
import { configError } from "./config-error";

const DAY = 86_400_000;
const iso = (ms: number): string => new Date(ms).toISOString().slice(0, 10);
const addDays = (date: string, n: number): string => iso(Date.parse(date) + n * DAY);

/** One row per value, on consecutive days from `from`. */
function series(from: string, values: readonly number[], extra: (i: number) => Partial<DailyUsage> = () => ({})): DailyUsage[] {
  return values.map((activeUsers, i) => ({ date: addDays(from, i), activeUsers, ...extra(i) }));
}

/** Every number in a result, to check none is NaN or infinite. */
function numbersIn(value: unknown, out: number[] = []): number[] {
  if (typeof value === "number") out.push(value);
  else if (Array.isArray(value)) for (const v of value) numbersIn(v, out);
  else if (typeof value === "object" && value !== null) for (const v of Object.values(value)) numbersIn(v, out);
  return out;
}

describe("DAU, WAU, MAU and stickiness", () => {
  it("worked example from daily aggregates: alternating 4 and 8 actives over 28 days", () => {
    // 12 busy days before the window must not count: the window is the last 28 days.
    const rows = [
      ...series("2024-12-25", Array<number>(12).fill(100)),
      ...series("2025-01-06", Array.from({ length: 28 }, (_, i) => (i % 2 === 0 ? 4 : 8)), (i) => ({ sessions: i % 2 === 0 ? 8 : 16 })),
    ];
    const m = activityMetrics(prepareUsage({ series: rows, asOf: "2025-02-02" }));
    expect(m).toMatchObject({
      status: "ok",
      from: "2025-01-06",
      to: "2025-02-02",
      coveredDays: 28,
      activeDays: 28,
      dau: 6,
      wau: 8,
      mau: 8,
      stickiness: 0.75,
      wauMau: 1,
      method: "peak_daily_lower_bound",
      sessionsPerActiveUser: 2,
    });
    expect(m.explanation).toContain("lower bound");
  });

  it("with user ids, WAU and MAU are exact distinct counts", () => {
    const rows: DailyUsage[] = [
      { date: "2025-03-01", activeUsers: 2, userIds: ["a", "b"] },
      { date: "2025-03-02", activeUsers: 2, userIds: ["b", "c"] },
      { date: "2025-03-03", activeUsers: 1, userIds: ["a"] },
    ];
    const m = activityMetrics(prepareUsage({ series: rows, asOf: "2025-03-03" }));
    expect(m.method).toBe("distinct_user_ids");
    expect(m.dau).toBeCloseTo(5 / 3, 12);
    expect(m.mau).toBe(3);
    expect(m.wau).toBe(3);
    expect(m.stickiness).toBeCloseTo(5 / 9, 12);
    // One active day without ids: fall back to the peak, and say so.
    const partial = activityMetrics(prepareUsage({ series: [...rows.slice(0, 2), { date: "2025-03-03", activeUsers: 1 }], asOf: "2025-03-03" }));
    expect(partial).toMatchObject({ method: "peak_daily_lower_bound", mau: 2 });
  });

  it("a day without a row inside the coverage is a day with no activity", () => {
    const m = activityMetrics(
      prepareUsage({ series: [{ date: "2025-03-01", activeUsers: 4 }, { date: "2025-03-03", activeUsers: 2 }], asOf: "2025-03-03" }),
    );
    expect(m).toMatchObject({ coveredDays: 3, activeDays: 2, dau: 2, mau: 4 });
    // dataSince extends coverage back: two more zero days.
    const longer = activityMetrics(
      prepareUsage({ series: [{ date: "2025-03-01", activeUsers: 4 }, { date: "2025-03-03", activeUsers: 2 }], asOf: "2025-03-03", dataSince: "2025-02-27" }),
    );
    expect(longer).toMatchObject({ coveredDays: 5, dau: 6 / 5 });
  });

  it("ignores rows after asOf and reports no_data when nothing is covered", () => {
    const rows = series("2025-03-01", [1, 2, 50]);
    expect(activityMetrics(prepareUsage({ series: rows, asOf: "2025-03-02T18:00:00Z" }))).toMatchObject({ mau: 2, coveredDays: 2 });
    expect(activityMetrics(prepareUsage({ series: rows, asOf: "2025-02-01" }))).toMatchObject({ status: "no_data", stickiness: 0, dau: 0 });
    expect(activityMetrics(prepareUsage({ series: [], asOf: "2025-02-01" })).status).toBe("no_data");
  });

  it("refuses malformed usage, naming the row and field", () => {
    expect(configError(() => prepareUsage({ series: series("2025-03-01", [1, 1]).concat({ date: "2025-03-01", activeUsers: 3 }), asOf: "2025-03-05" })).field).toBe(
      "series[2].date",
    );
    expect(configError(() => prepareUsage({ series: [{ date: "03/01/2025", activeUsers: 1 }], asOf: "2025-03-05" })).field).toBe("series[0].date");
    expect(configError(() => prepareUsage({ series: [{ date: "2025-03-01", activeUsers: -1 }], asOf: "2025-03-05" })).field).toBe("series[0].activeUsers");
    expect(configError(() => prepareUsage({ series: [{ date: "2025-03-01", activeUsers: 2, userIds: ["a", "a"] }], asOf: "2025-03-05" })).field).toBe(
      "series[0].userIds",
    );
    expect(
      configError(() =>
        prepareUsage({ series: [{ date: "2025-03-01", activeUsers: 2, features: { x: { users: 1, uses: Number.NaN } } }], asOf: "2025-03-05" }),
      ).field,
    ).toBe("series[0].features.x.uses");
    expect(configError(() => prepareUsage({ series: [], asOf: "soon" })).field).toBe("asOf");
    expect(configError(() => prepareUsage({ series: [], asOf: "2025-01-01", features: [{ key: "a" }, { key: "a" }] })).field).toBe("features[1].key");
  });
});

describe("feature adoption", () => {
  const declared: FeatureDefinition[] = [
    { key: "reports", category: "core" },
    { key: "dashboards", category: "core" },
    { key: "api", category: "integration" },
    { key: "ai", category: "advanced" },
  ];
  // 10 days × 10 active users = 100 active user-days.
  const rows = series("2025-04-01", Array<number>(10).fill(10), (i) => ({
    features: {
      reports: { users: 5, uses: 10 },
      dashboards: { users: 3, uses: 3 },
      ...(i === 4 ? { api: { users: 1, uses: 4 } } : {}),
      ...(i === 0 ? { legacy: { users: 2, uses: 2 } } : {}),
    },
  }));

  it("worked example: rates, levels at 2 × 0.2 and 0.2, breadth 3/4, depth", () => {
    const a = featureAdoption(prepareUsage({ series: rows, asOf: "2025-04-10", features: declared }));
    const byKey = Object.fromEntries(a.features.map((f) => [f.key, f]));
    expect(byKey.reports).toMatchObject({ adoptionRate: 0.5, level: "high", uses: 100, userDays: 50, daysUsed: 10, usesPerActiveUser: 1, firstUsedOn: "2025-04-01" });
    expect(byKey.dashboards).toMatchObject({ adoptionRate: 0.3, level: "moderate", usesPerActiveUser: 0.3 });
    expect(byKey.api).toMatchObject({ adoptionRate: 0.01, level: "low", usesPerActiveUser: 0.04, firstUsedOn: "2025-04-05", category: "integration" });
    expect(byKey.ai).toMatchObject({ adoptionRate: 0, level: "low", uses: 0, firstUsedOn: null });
    expect(byKey.legacy).toMatchObject({ declared: false, adoptionRate: 0.02, category: null });
    expect(a.features.map((f) => f.key)).toEqual(["reports", "dashboards", "api", "ai", "legacy"]);
    expect(a).toMatchObject({ status: "ok", availableFeatures: 4, usedFeatures: 3, breadth: 0.75, underutilized: ["ai", "api"] });
    expect(a.depth).toBeCloseTo((1 + 0.3 + 0.04) / 3, 12);
  });

  it("the threshold is configurable: at 0.3 dashboards is moderate, at 0.35 low", () => {
    const usage = prepareUsage({ series: rows, asOf: "2025-04-10", features: declared });
    expect(featureAdoption(usage, { adoptionThreshold: 0.3 }).features.find((f) => f.key === "dashboards")?.level).toBe("moderate");
    expect(featureAdoption(usage, { adoptionThreshold: 0.35 }).features.find((f) => f.key === "dashboards")?.level).toBe("low");
    expect(configError(() => featureAdoption(usage, { adoptionThreshold: 0 })).field).toBe("adoptionThreshold");
  });

  it("inconsistent data (more feature users than active users) still yields a rate of at most 1", () => {
    const a = featureAdoption(prepareUsage({ series: [{ date: "2025-04-01", activeUsers: 2, features: { x: { users: 5, uses: 5 } } }], asOf: "2025-04-01" }));
    expect(a.features[0]).toMatchObject({ adoptionRate: 1, level: "high", usesPerActiveUser: 2.5 });
  });

  it("without declared features breadth is unknown, not guessed", () => {
    const a = featureAdoption(prepareUsage({ series: rows, asOf: "2025-04-10" }));
    expect(a).toMatchObject({ availableFeatures: null, breadth: null, usedFeatures: 4 });
    expect(a.explanation).toContain("declare the available features");
  });

  it("the adoption window bounds the rates: only the last 5 days", () => {
    const a = featureAdoption(prepareUsage({ series: rows, asOf: "2025-04-10", features: declared }), { adoptionWindowDays: 5 });
    expect(a.coveredDays).toBe(5);
    expect(a.features.find((f) => f.key === "api")?.uses).toBe(0); // used on day 5 of 10, outside the last 5
    expect(a.features.find((f) => f.key === "api")?.firstUsedOn).toBe("2025-04-05");
    expect(a.breadth).toBe(0.5);
  });
});

describe("time to first value", () => {
  // 1 active user for ten days, then 3 from 2025-01-11.
  const rows = series("2025-01-01", [...Array<number>(10).fill(1), ...Array<number>(10).fill(3)], (i) =>
    i === 14 ? { features: { export: { users: 1, uses: 2 } } } : {},
  );
  const input: UsageInput = { series: rows, asOf: "2025-01-20", startDate: "2025-01-01" };

  it("default: first day with 3 active users, 10 days after the start, within the 21-day target", () => {
    expect(timeToFirstValue(prepareUsage(input))).toMatchObject({
      status: "reached",
      reachedOn: "2025-01-11",
      days: 10,
      elapsedDays: 19,
      targetDays: 21,
      onTarget: true,
      dataCoversStart: true,
      definition: "first day with ≥ 3 active users",
    });
  });

  it("a one-seat account reaches value when its one seat is active", () => {
    expect(timeToFirstValue(prepareUsage({ ...input, seats: 1 }))).toMatchObject({ reachedOn: "2025-01-01", days: 0 });
  });

  it("a configured value event: the first export", () => {
    const r = timeToFirstValue(prepareUsage(input), { firstValue: { kind: "feature", feature: "export" } });
    expect(r).toMatchObject({ reachedOn: "2025-01-15", days: 14 });
    expect(timeToFirstValue(prepareUsage(input), { firstValue: { kind: "feature", feature: "export", minUses: 3 } }).status).toBe("not_reached");
  });

  it("unreached: on target unknown while in time, false once past the target", () => {
    const never = { ...input, series: series("2025-01-01", Array<number>(20).fill(1)) };
    expect(timeToFirstValue(prepareUsage({ ...never, asOf: "2025-01-15" }))).toMatchObject({ status: "not_reached", onTarget: null, elapsedDays: 14 });
    expect(timeToFirstValue(prepareUsage({ ...never, asOf: "2025-02-10" }))).toMatchObject({ status: "not_reached", onTarget: false, elapsedDays: 40 });
    expect(timeToFirstValue(prepareUsage(input), { timeToValueTargetDays: 5 }).onTarget).toBe(false);
  });

  it("says when usage data begins after the start, and when there is none", () => {
    expect(timeToFirstValue(prepareUsage({ ...input, startDate: "2024-12-01" }))).toMatchObject({ days: 41, dataCoversStart: false });
    expect(timeToFirstValue(prepareUsage({ series: [], asOf: "2025-01-20" })).status).toBe("no_data");
  });
});

describe("adoption milestones", () => {
  const features: FeatureDefinition[] = [
    { key: "reports", category: "core" },
    { key: "dashboards", category: "core" },
    { key: "api", category: "integration" },
    { key: "ai", category: "advanced" },
  ];
  const rows: DailyUsage[] = [
    { date: "2025-01-02", activeUsers: 1 },
    { date: "2025-01-10", activeUsers: 3, features: { reports: { users: 2, uses: 5 } } },
    { date: "2025-02-05", activeUsers: 5, features: { dashboards: { users: 1, uses: 1 } } },
  ];
  const input: UsageInput = {
    series: rows,
    asOf: "2025-03-01",
    startDate: "2025-01-01",
    seats: 10,
    features,
    events: { business_impact_measured: "2025-02-20" },
  };

  it("worked example over the seed's standard framework", () => {
    const s = adoptionMilestones(prepareUsage(input));
    const byId = Object.fromEntries(s.milestones.map((m) => [m.id, m]));
    expect(s.elapsedDays).toBe(59);
    expect(byId.m1).toMatchObject({ status: "reached", reachedOn: "2025-01-02", daysToReach: 1 });
    expect(byId.m2).toMatchObject({ status: "reached", reachedOn: "2025-01-10", daysToReach: 9 });
    expect(byId.m3).toMatchObject({ status: "reached_late", reachedOn: "2025-02-05", daysToReach: 35 }); // 5 of 10 seats, typical 30
    expect(byId.m4).toMatchObject({ status: "reached", reachedOn: "2025-02-05", daysToReach: 35 }); // both core features
    expect(byId.m5).toMatchObject({ status: "overdue", reachedOn: null }); // no integration by day 59, typical 45
    expect(byId.m6).toMatchObject({ status: "in_progress" }); // typical 90
    expect(byId.m7).toMatchObject({ status: "reached", daysToReach: 50 });
    expect(byId.m8).toMatchObject({ status: "in_progress" }); // no champion on record yet, typical 180
    expect(s).toMatchObject({ reached: 5, evaluable: 8, completion: 5 / 8, overdue: ["m5"] });
  });

  it("milestones the data cannot judge say so and leave the completion denominator", () => {
    const s = adoptionMilestones(prepareUsage({ series: rows, asOf: "2025-03-01", startDate: "2025-01-01" }));
    const notEvaluable = s.milestones.filter((m) => m.status === "not_evaluable").map((m) => m.id);
    expect(notEvaluable).toEqual(["m3", "m4", "m5", "m6", "m7", "m8"]);
    expect(s.milestones.find((m) => m.id === "m3")?.explanation).toContain("seats are unknown");
    expect(s).toMatchObject({ reached: 2, evaluable: 2, completion: 1 });
  });

  it("takes a custom framework and refuses a malformed one", () => {
    const s = adoptionMilestones(prepareUsage(input), {
      milestones: [{ id: "x", name: "Exports", typicalDays: 7, importance: "high", criterion: { kind: "features_used", mode: "any", features: ["reports"] } }],
    });
    expect(s.milestones).toHaveLength(1);
    expect(s.milestones[0]).toMatchObject({ status: "reached_late", daysToReach: 9 });
    const bad = (criterion: unknown) =>
      configError(() =>
        validateEngagementConfig({ milestones: [{ id: "x", name: "X", typicalDays: 7, importance: "high", criterion } as never] }),
      ).field;
    expect(bad({ kind: "vibes" })).toBe("milestones[0].criterion.kind");
    expect(bad({ kind: "seat_share", atLeast: 2 })).toBe("milestones[0].criterion.atLeast");
    expect(bad({ kind: "features_used", mode: "all" })).toBe("milestones[0].criterion");
    expect(bad({ kind: "features_used", mode: "all", category: "fancy" })).toBe("milestones[0].criterion.category");
    expect(
      configError(() =>
        validateEngagementConfig({
          milestones: [
            { id: "x", name: "X", typicalDays: 7, importance: "high", criterion: { kind: "first_value" } },
            { id: "x", name: "Y", typicalDays: 7, importance: "high", criterion: { kind: "first_value" } },
          ],
        }),
      ).field,
    ).toBe("milestones[1].id");
  });
});

describe("anomalies against the account's own baseline", () => {
  // From Monday 2025-01-06: 10 active users on weekdays, 2 at weekends, for six weeks.
  const start = "2025-01-06";
  const baseValues = Array.from({ length: 42 }, (_, i) => (i % 7 >= 5 ? 2 : 10));
  const planted = baseValues.map((v, i) => (i === 37 ? 3 : i === 39 ? 25 : v)); // Wed 2025-02-12 drop, Fri 2025-02-14 spike

  it("worked example: finds the planted drop and spike, with expected, actual and robust score", () => {
    const report = detectUsageAnomalies(prepareUsage({ series: series(start, planted), asOf: "2025-02-16" }));
    expect(report).toMatchObject({ status: "ok", method: "median_mad", seasonality: "weekday_weekend", threshold: 3.5 });
    // A flat weekday baseline has MAD 0 and mean deviation 0, so the scale is the floor, 1 user.
    expect(report.anomalies).toEqual([
      { date: "2025-02-12", direction: "drop", actual: 3, expected: 10, score: -7, scale: 1, baselinePoints: 20 },
      { date: "2025-02-14", direction: "spike", actual: 25, expected: 10, score: 15, scale: 1, baselinePoints: 20 },
    ]);
    // Weekdays are scored from the 10th day (7 earlier weekdays), weekends from the 4th weekend day.
    expect(report.firstScoredDate).toBe("2025-01-15");
    expect(report.scoredDays).toBe(28);
  });

  it("weekends are not anomalies under the default seasonality, but are without it", () => {
    const usage = prepareUsage({ series: series(start, baseValues), asOf: "2025-02-16" });
    expect(detectUsageAnomalies(usage).anomalies).toEqual([]);
    // Without seasonality the baseline mixes 20 weekdays with 8 weekend days: median 10, MAD 0, so the
    // scale is the floor (max(1, 0.1 × 10) = 1) and every scored weekend day scores (2 − 10) / 1 = −8.
    const flat = detectUsageAnomalies(usage, { seasonality: "none" });
    expect(flat.anomalies.map((a) => a.date)).toEqual([
      "2025-01-18", "2025-01-19", "2025-01-25", "2025-01-26", "2025-02-01", "2025-02-02", "2025-02-08", "2025-02-09", "2025-02-15", "2025-02-16",
    ]);
    expect(flat.anomalies.every((a) => a.direction === "drop" && a.actual === 2 && a.expected === 10 && a.score === -8)).toBe(true);
  });

  it("one wild day in the baseline does not hide the next drop (median, not mean)", () => {
    const values = Array<number>(40).fill(20).map((v, i) => (i === 30 ? 1_000 : i === 35 ? 5 : v));
    const report = detectUsageAnomalies(prepareUsage({ series: series(start, values), asOf: addDays(start, 39) }), { seasonality: "none" });
    // Day 35's baseline is 27 × 20 and one 1,000: median 20, MAD 0, scale max(1, 0.1 × 20) = 2, score (5 − 20) / 2.
    // (Mean 55 and standard deviation ≈ 181 would score it −0.28 and miss it.)
    expect(report.anomalies.map((a) => [a.date, a.direction, a.score])).toEqual([
      [addDays(start, 30), "spike", 490],
      [addDays(start, 35), "drop", -7.5],
    ]);
  });

  it("a noisy baseline: scale is 1.4826 × MAD, so +5 is within the noise and −6 is not", () => {
    // 9, 10, 11 repeating: median 10, MAD 1, scale 1.4826. Day 30 is 15 (score 3.37), day 31 is 4.
    const values = Array.from({ length: 32 }, (_, i) => (i === 30 ? 15 : i === 31 ? 4 : [9, 10, 11][i % 3] as number));
    const report = detectUsageAnomalies(prepareUsage({ series: series(start, values), asOf: addDays(start, 31) }), { seasonality: "none" });
    expect(report.anomalies).toHaveLength(1);
    expect(report.anomalies[0]).toMatchObject({ date: addDays(start, 31), direction: "drop", actual: 4, expected: 10, scale: 1.4826, baselinePoints: 28 });
    expect(report.anomalies[0]?.score).toBeCloseTo(-6 / 1.4826, 10);
  });

  it("short series: insufficient history instead of a guess", () => {
    const report = detectUsageAnomalies(prepareUsage({ series: series(start, [5, 5, 5, 0, 5]), asOf: addDays(start, 4) }));
    expect(report).toMatchObject({ status: "insufficient_history", scoredDays: 0, firstScoredDate: null, anomalies: [] });
    expect(report.explanation).toContain("Insufficient history");
  });

  it("lastDays scores only the most recent days; other metrics work too", () => {
    const usage = prepareUsage({ series: series(start, planted, (i) => ({ sessions: planted[i] ?? 0 })), asOf: "2025-02-16" });
    expect(detectUsageAnomalies(usage, { lastDays: 3 })).toMatchObject({ scoredDays: 3, firstScoredDate: "2025-02-14" });
    expect(detectUsageAnomalies(usage, { lastDays: 3 }).anomalies.map((a) => a.date)).toEqual(["2025-02-14"]);
    expect(detectUsageAnomalies(usage, { metric: "sessions" }).anomalies).toHaveLength(2);
    expect(detectUsageAnomalies(usage, { metric: "events" }).anomalies).toHaveLength(0);
  });

  it("refuses bad anomaly settings, naming the field", () => {
    const usage = prepareUsage({ series: [], asOf: "2025-01-01" });
    expect(configError(() => detectUsageAnomalies(usage, { threshold: 0 })).field).toBe("anomaly.threshold");
    expect(configError(() => detectUsageAnomalies(usage, { minBaselinePoints: 40 })).field).toBe("anomaly.minBaselinePoints");
    expect(configError(() => detectUsageAnomalies(usage, { metric: "logins" as never })).field).toBe("anomaly.metric");
    expect(configError(() => detectUsageAnomalies(usage, { minScale: 0 })).field).toBe("anomaly.minScale");
    expect(configError(() => detectUsageAnomalies(usage, { minRelativeScale: -0.1 })).field).toBe("anomaly.minRelativeScale");
    expect(configError(() => detectUsageAnomalies(usage, { seasonality: "monthly" as never })).field).toBe("anomaly.seasonality");
    expect(configError(() => validateEngagementConfig({ activityWindowDays: 3 })).field).toBe("activityWindowDays");
    expect(configError(() => validateEngagementConfig({ firstValue: { kind: "active_users", atLeast: 0 } })).field).toBe("firstValue.atLeast");
  });
});

describe("properties", () => {
  const featureKeys = ["a", "b", "c"] as const;
  const day = fc.record({
    activeUsers: fc.integer({ min: 0, max: 40 }),
    sessions: fc.integer({ min: 0, max: 200 }),
    events: fc.integer({ min: 0, max: 5_000 }),
    share: fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 3, maxLength: 3 }),
    uses: fc.array(fc.integer({ min: 0, max: 50 }), { minLength: 3, maxLength: 3 }),
    present: fc.boolean(),
  });
  const usageInput = fc
    .record({
      days: fc.array(day, { minLength: 0, maxLength: 70 }),
      seats: fc.oneof(fc.constant(null), fc.integer({ min: 1, max: 50 })),
      declare: fc.boolean(),
      startOffset: fc.integer({ min: -20, max: 20 }),
    })
    .map(({ days, seats, declare, startOffset }): UsageInput => {
      const rows: DailyUsage[] = [];
      days.forEach((d, i) => {
        if (!d.present) return; // gaps are zero days
        const features: Record<string, { users: number; uses: number }> = {};
        featureKeys.forEach((k, j) => {
          const users = Math.floor((d.share[j] ?? 0) * d.activeUsers);
          if (users > 0) features[k] = { users, uses: Math.max(users, d.uses[j] ?? 0) };
        });
        rows.push({ date: addDays("2025-01-01", i), activeUsers: d.activeUsers, sessions: d.sessions, events: d.events, features });
      });
      return {
        series: rows,
        asOf: addDays("2025-01-01", Math.max(0, days.length - 1)),
        startDate: addDays("2025-01-01", startOffset),
        seats,
        features: declare ? featureKeys.map((key) => ({ key, category: "core" as const })) : null,
      };
    });

  it("ratios stay in range, nothing is NaN or infinite, stickiness ≤ 1, DAU ≤ MAU", () => {
    fc.assert(
      fc.property(usageInput, (input) => {
        const r = analyzeEngagement(input);
        for (const n of numbersIn(r)) expect(Number.isFinite(n)).toBe(true);
        const { activity, adoption, milestones, anomalies } = r;
        expect(activity.stickiness).toBeGreaterThanOrEqual(0);
        expect(activity.stickiness).toBeLessThanOrEqual(1);
        expect(activity.wauMau).toBeLessThanOrEqual(1);
        expect(activity.dau).toBeLessThanOrEqual(activity.mau + 1e-9);
        expect(activity.wau).toBeLessThanOrEqual(activity.mau);
        if (adoption.breadth !== null) {
          expect(adoption.breadth).toBeGreaterThanOrEqual(0);
          expect(adoption.breadth).toBeLessThanOrEqual(1);
        }
        for (const f of adoption.features) {
          expect(f.adoptionRate).toBeGreaterThanOrEqual(0);
          expect(f.adoptionRate).toBeLessThanOrEqual(1);
        }
        if (milestones.completion !== null) expect(milestones.completion).toBeLessThanOrEqual(1);
        for (const a of anomalies.anomalies) expect(Math.abs(a.score)).toBeGreaterThanOrEqual(anomalies.threshold);
      }),
    );
  });

  it("deterministic and independent of row order", () => {
    fc.assert(
      fc.property(usageInput, fc.integer(), (input, seed) => {
        const shuffled = [...input.series].sort((x, y) => ((x.date.charCodeAt(9) * 31 + seed) % 7) - ((y.date.charCodeAt(9) * 31 + seed) % 7));
        expect(analyzeEngagement({ ...input, series: shuffled })).toEqual(analyzeEngagement(input));
      }),
      { numRuns: 50 },
    );
  });

  it("with user ids: exact counts, DAU ≤ WAU-or-MAU, stickiness ≤ 1", () => {
    const pool = ["u1", "u2", "u3", "u4", "u5", "u6", "u7", "u8"];
    fc.assert(
      fc.property(fc.array(fc.subarray(pool), { minLength: 1, maxLength: 40 }), (days) => {
        const rows = days.map((ids, i) => ({ date: addDays("2025-05-01", i), activeUsers: ids.length, userIds: ids }));
        const m = activityMetrics(prepareUsage({ series: rows, asOf: addDays("2025-05-01", days.length - 1) }));
        expect(m.method).toBe("distinct_user_ids");
        const window = days.slice(-28);
        expect(m.mau).toBe(new Set(window.flat()).size);
        expect(m.wau).toBe(new Set(days.slice(-7).flat()).size);
        expect(m.dau).toBeLessThanOrEqual(m.mau + 1e-9);
        expect(m.stickiness).toBeLessThanOrEqual(1);
      }),
    );
  });

  it("a constant series has no anomalies", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 500 }), fc.integer({ min: 0, max: 80 }), (level, length) => {
        const report = detectUsageAnomalies(prepareUsage({ series: series("2025-01-01", Array<number>(length).fill(level)), asOf: addDays("2025-01-01", Math.max(0, length - 1)) }));
        expect(report.anomalies).toEqual([]);
        expect(report.status).toBe(report.scoredDays > 0 ? "ok" : "insufficient_history");
      }),
    );
  });
});
