import { beforeAll, describe, expect, it } from "vitest";
import { daysFrom, ok, putUsage, refused, register, tenantIdOf } from "./support/usage";
import { apiCall, callTool, newWorkspace, ORIGIN, tokenFor } from "./support/worker";

/*
 * Fixture (workspace "Engage"): account Acme, contract from 2026-02-20, three users u1–u3.
 *   previous week 2026-02-22..28: u1 on 02-22 and 02-25 (1 active user each)
 *   period 2026-03-01..07:
 *     03-01 u1            sessions 2  events 10
 *     03-02 u1 u2         sessions 3  events 20   reports: 2 users, 6 uses
 *     03-03 (no row)
 *     03-04 u3            sessions 1  events 5
 *     03-05 u1 u2 u3      sessions 4  events 30   reports: 1 user, 2 uses; export: 1 user, 1 use
 *     03-06 (no row)
 *     03-07 u2            sessions 1  events 5
 * By hand: active user-days 1+2+0+1+3+0+1 = 8 over 7 days, DAU 8/7; WAU = MAU = 3 distinct users;
 * stickiness (8/7)/3; previous DAU 2/7, so the DAU change is (8/7 − 2/7)/(2/7) = 3.
 * Account Steady: 10 active users every day 2026-01-01..03-31 except 2 on 03-20 (a drop).
 */

let token = "";
let tenantId = "";
let acme = "";
let steady = "";
let idle = "";

beforeAll(async () => {
  const workspace = await newWorkspace("Engage");
  token = (await tokenFor(workspace, { scope: "cs:read cs:write cs:admin" })).access_token;
  tenantId = await tenantIdOf(workspace.email);
  acme = await register(token, "Acme", { contract_start_date: "2026-02-20", contract_end_date: "2027-02-20", tier: "professional", contract_value: 60000 });
  steady = await register(token, "Steady", { contract_start_date: "2025-06-01", contract_end_date: "2026-12-01", tier: "standard", contract_value: 20000 });
  idle = await register(token, "Idle", { contract_start_date: "2026-01-01", contract_end_date: "2027-01-01", tier: "starter" });
  await putUsage(tenantId, acme, [
    { day: "2026-02-22", users: ["u1"], sessions: 1, events: 4 },
    { day: "2026-02-25", users: ["u1"], sessions: 1, events: 4 },
    { day: "2026-03-01", users: ["u1"], sessions: 2, events: 10 },
    { day: "2026-03-02", users: ["u1", "u2"], sessions: 3, events: 20, features: { reports: { users: 2, events: 6 } } },
    { day: "2026-03-04", users: ["u3"], sessions: 1, events: 5 },
    { day: "2026-03-05", users: ["u1", "u2", "u3"], sessions: 4, events: 30, features: { reports: { users: 1, events: 2 }, export: { users: 1, events: 1 } } },
    { day: "2026-03-07", users: ["u2"], sessions: 1, events: 5 },
  ]);
  await putUsage(
    tenantId,
    steady,
    daysFrom("2026-01-01", "2026-03-31").map((day) => ({ day, users: day === "2026-03-20" ? 2 : 10, sessions: 20, events: 100 })),
  );
});

describe("get_usage_engagement", () => {
  it("answers DAU, WAU, MAU, stickiness, sessions and events computed from the usage rows", async () => {
    const out = await ok(token, "get_usage_engagement", { client_id: acme, period_start: "2026-03-01", period_end: "2026-03-07", granularity: "day" });
    expect(out.data_status).toBe("ok");
    const activity = out.activity as Record<string, number | string>;
    expect(activity.dau).toBeCloseTo(8 / 7, 3);
    expect(activity.wau).toBe(3);
    expect(activity.mau).toBe(3);
    expect(activity.distinct_users).toBe(3);
    expect(activity.method).toBe("distinct_user_ids");
    expect(activity.stickiness).toBeCloseTo(8 / 7 / 3, 3);
    expect(activity.active_days).toBe(5);
    expect(activity.sessions).toBe(11);
    expect(activity.events).toBe(70);
    const series = out.series as { start: string; active_users: number; sessions: number }[];
    expect(series).toHaveLength(7);
    expect(series.map((d) => d.active_users)).toEqual([1, 2, 0, 1, 3, 0, 1]);
    const trend = out.trend as { previous: { dau: number; distinct_users: number }; change: { dau: number; distinct_users: number }; direction: string; previous_start: string };
    expect(trend.previous_start).toBe("2026-02-22");
    expect(trend.previous.dau).toBeCloseTo(2 / 7, 3);
    expect(trend.previous.distinct_users).toBe(1);
    expect(trend.change.dau).toBeCloseTo(3, 4);
    expect(trend.change.distinct_users).toBe(2);
    expect(trend.direction).toBe("up");
  });

  it("buckets by week (Monday first) with distinct users per bucket", async () => {
    const out = await ok(token, "get_usage_engagement", { client_id: acme, period_start: "2026-03-01", period_end: "2026-03-07", granularity: "week" });
    // 2026-03-01 is a Sunday: it closes the week of 02-23; 03-02..03-07 is the next week, clipped at the period end.
    expect(out.series).toMatchObject([
      { start: "2026-03-01", end: "2026-03-01", active_users: 1, sessions: 2, events: 10 },
      { start: "2026-03-02", end: "2026-03-07", active_users: 3, active_days: 4, covered_days: 6, sessions: 9, events: 60 },
    ]);
  });

  it("breaks usage down per feature; without a catalog the features are the names seen and the answer says so", async () => {
    const out = await ok(token, "get_usage_engagement", { client_id: acme, period_start: "2026-03-01", period_end: "2026-03-07" });
    const features = out.features as { feature: string; adoption_rate: number; user_days: number; events: number; adopted: boolean; category: string | null }[];
    const reports = features.find((f) => f.feature === "reports");
    const exportFeature = features.find((f) => f.feature === "export");
    // reports: 3 user-days of 8 active user-days; export 1 of 8.
    expect(reports).toMatchObject({ user_days: 3, events: 8, adopted: true, category: null });
    expect(reports?.adoption_rate).toBeCloseTo(3 / 8, 4);
    expect(exportFeature?.adoption_rate).toBeCloseTo(1 / 8, 4);
    expect(exportFeature?.adopted).toBe(false);
    expect((out.feature_summary as { catalog_source: string }).catalog_source).toBe("observed");
    expect((out.notes as string[]).join(" ")).toMatch(/No feature catalog is configured/);
  });

  it("says when an account has no usage, and when usage starts after the period", async () => {
    const none = await ok(token, "get_usage_engagement", { client_id: idle, period_start: "2026-03-01", period_end: "2026-03-31" });
    expect(none.data_status).toBe("no_usage_data");
    expect(none.activity).toBeNull();
    expect((none.notes as string[])[0]).toMatch(/never sent usage/);
    const before = await ok(token, "get_usage_engagement", { client_id: acme, period_start: "2026-01-01", period_end: "2026-01-31" });
    expect(before.data_status).toBe("no_usage_in_period");
    expect((before.notes as string[])[0]).toContain("2026-02-22");
  });

  it("refuses a bad period or threshold, naming the field", async () => {
    expect(await refused(token, "get_usage_engagement", { client_id: acme, period_start: "2026-03-07", period_end: "2026-03-01" })).toMatch(/period_end.*on or after period_start/);
    expect(await refused(token, "get_usage_engagement", { client_id: acme, period_start: "2025-01-01", period_end: "2026-03-01" })).toMatch(/period_end.*365 days/);
    expect(await refused(token, "get_usage_engagement", { client_id: acme, adoption_threshold: 0 })).toMatch(/adoption_threshold/);
    expect(await refused(token, "get_usage_engagement", { client_id: acme, granularity: "hour" })).toMatch(/granularity.*day, week or month/);
    expect(await refused(token, "get_usage_engagement", { client_id: "cs_missing" })).toMatch(/No account with client_id "cs_missing"/);
  });

});

describe("REST twin", () => {
  it("serves get_usage_engagement under /api/v1/clients/{id}/engagement with query parameters", async () => {
    const workspace = await newWorkspace("Engage REST 2");
    const mcp = (await tokenFor(workspace)).access_token;
    const api = (await tokenFor(workspace, { resource: ORIGIN })).access_token;
    const id = await register(mcp, "Rest Co");
    await putUsage(await tenantIdOf(workspace.email), id, [
      { day: "2026-04-01", users: ["a", "b"], sessions: 2, events: 3 },
      { day: "2026-04-02", users: ["b", "c"], sessions: 2, events: 3 },
    ]);
    const response = await apiCall(api, `/api/v1/clients/${id}/engagement?period_start=2026-04-01&period_end=2026-04-02&granularity=day`);
    expect(response.status).toBe(200);
    const body = (await response.json()) as { activity: { wau: number; dau: number } };
    expect(body.activity.wau).toBe(3);
    expect(body.activity.dau).toBe(2);
    const bad = await apiCall(api, `/api/v1/clients/${id}/engagement?period_start=2026-04-02&period_end=2026-04-01`);
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { message: string } }).error.message).toContain("period_end");
  });
});

describe("feature catalog and get_feature_adoption", () => {
  it("refuses a catalog the engine rejects, naming the field", async () => {
    expect(
      await refused(token, "update_feature_catalog", { features: [{ key: "reports" }, { key: "reports", category: "core" }] }),
    ).toMatch(/features\[1\]\.key.*listed twice/);
    expect(await refused(token, "update_feature_catalog", { features: [{ key: "reports", category: "premium" }] })).toMatch(/features\.0\.category.*core, advanced or integration/);
    expect(await refused(token, "update_feature_catalog", {})).toMatch(/give features, milestones or both/);
  });

  it("measures an account's breadth against the configured catalog, with under-used features lowest first", async () => {
    const saved = await ok(token, "update_feature_catalog", {
      features: [
        { key: "reports", category: "core", value_event: true },
        { key: "export", category: "advanced" },
        { key: "sso", category: "integration" },
      ],
    });
    expect((saved.catalog as { source: string }).source).toBe("settings");
    const out = await ok(token, "get_feature_adoption", { client_id: acme, period_start: "2026-03-01", period_end: "2026-03-07" });
    const summary = out.summary as { breadth: number; available_features: number; used_features: number; adopted: string[]; underused: string[] };
    expect(summary.available_features).toBe(3);
    expect(summary.used_features).toBe(2);
    expect(summary.breadth).toBeCloseTo(2 / 3, 4);
    expect(summary.adopted).toEqual(["reports"]);
    expect(summary.underused).toEqual(["sso", "export"]);
    const categories = Object.fromEntries((out.features as { feature: string; category: string }[]).map((f) => [f.feature, f.category]));
    expect(categories).toEqual({ reports: "core", export: "advanced", sso: "integration" });
  });

  it("pools the portfolio: accounts using and adopting each feature, adoption by tier and lifecycle stage", async () => {
    const out = await ok(token, "get_feature_adoption", { period_start: "2026-03-01", period_end: "2026-03-07" });
    expect(out.scope).toBe("portfolio");
    expect(out.accounts).toBe(3);
    // Acme and Steady were active in the period; Idle was not.
    expect(out.active_accounts).toBe(2);
    const reports = (out.features as { feature: string; accounts_using: number; accounts_adopted: number; user_days: number }[]).find((f) => f.feature === "reports");
    expect(reports).toMatchObject({ accounts_using: 1, accounts_adopted: 1, user_days: 3 });
    const professional = (out.by_tier as { group: string; accounts: number; active_accounts: number; avg_features_used: number; adoption_rate: number }[]).find(
      (g) => g.group === "professional",
    );
    // Acme alone: 2 catalog features used; (3 + 1) feature user-days ÷ (8 active user-days × 3 features).
    expect(professional).toMatchObject({ accounts: 1, active_accounts: 1, avg_features_used: 2 });
    expect(professional?.adoption_rate).toBeCloseTo(4 / 24, 4);
    const starter = (out.by_tier as { group: string; active_accounts: number; avg_features_used: number | null }[]).find((g) => g.group === "standard");
    expect(starter).toMatchObject({ active_accounts: 1, avg_features_used: 0 });
    expect((out.by_lifecycle_stage as { group: string; accounts: number }[]).find((g) => g.group === "onboarding")?.accounts).toBe(3);
  });
});

describe("get_adoption_milestones", () => {
  it("judges the standard milestones on the account's data, with time to first value from the value event", async () => {
    const out = await ok(token, "get_adoption_milestones", { client_id: acme, as_of: "2026-03-31" });
    const [account] = out.accounts as {
      elapsed_days: number;
      reached: number;
      evaluable: number;
      completion: number;
      milestones: { id: string; status: string; days_to_reach: number | null }[];
      time_to_first_value: { status: string; days: number; on_target: boolean; reached_on: string };
    }[];
    const status = Object.fromEntries(account!.milestones.map((m) => [m.id, [m.status, m.days_to_reach]]));
    expect(account!.elapsed_days).toBe(39);
    expect(status).toEqual({
      m1: ["reached", 2], // first active user on 02-22, day 2 of a typical 3
      m2: ["reached", 10], // first use of the value event "reports" on 03-02
      m3: ["not_evaluable", null], // seats are unknown
      m4: ["reached", 10], // every core feature (reports) used
      m5: ["in_progress", null], // no integration used yet, day 39 of 45
      m6: ["reached", 13], // export (advanced) first used 03-05
      m7: ["not_evaluable", null], // no such track events and no contacts in the workspace
      m8: ["not_evaluable", null],
    });
    expect(account!.reached).toBe(4);
    expect(account!.evaluable).toBe(5);
    expect(account!.completion).toBeCloseTo(0.8, 4);
    expect(account!.time_to_first_value).toMatchObject({ status: "reached", days: 10, reached_on: "2026-03-02", on_target: true });
    const summary = out.summary as { fast_track_accounts: { client_id: string }[]; stuck_accounts: unknown[] };
    expect(summary.fast_track_accounts.map((a) => a.client_id)).toEqual([acme]);
    expect(summary.stuck_accounts).toEqual([]);
  });

  it("lists an account as stuck once a milestone is past its typical day", async () => {
    const out = await ok(token, "get_adoption_milestones", { client_id: acme, as_of: "2026-05-01" });
    const summary = out.summary as { stuck_accounts: { client_id: string; overdue: string[] }[]; fast_track_accounts: unknown[] };
    expect(summary.stuck_accounts).toEqual([expect.objectContaining({ client_id: acme, overdue: ["m5"] })]);
    expect(summary.fast_track_accounts).toEqual([]);
  });

  it("pages the portfolio with a cursor and evaluates custom milestones, refusing invalid ones by field", async () => {
    const custom = [{ id: "c1", name: "Three users", typicalDays: 30, importance: "high", criterion: { kind: "active_users", atLeast: 3 } }];
    const first = await ok(token, "get_adoption_milestones", { framework: "custom", custom_milestones: custom, as_of: "2026-03-31", limit: 2 });
    const page1 = first.accounts as { client_id: string; milestones: { id: string; status: string; days_to_reach: number | null }[] }[];
    expect(page1).toHaveLength(2);
    const pagination = first.pagination as { has_more: boolean; next_cursor: string };
    expect(pagination.has_more).toBe(true);
    const second = await ok(token, "get_adoption_milestones", { framework: "custom", custom_milestones: custom, as_of: "2026-03-31", limit: 2, cursor: pagination.next_cursor });
    const page2 = second.accounts as typeof page1;
    expect(page2).toHaveLength(1);
    const all = [...page1, ...page2];
    expect(new Set(all.map((a) => a.client_id))).toEqual(new Set([acme, steady, idle]));
    // Acme first had 3 users on 03-05, day 13 from its 02-20 start.
    expect(all.find((a) => a.client_id === acme)?.milestones[0]).toMatchObject({ id: "c1", status: "reached", days_to_reach: 13 });
    expect(all.find((a) => a.client_id === idle)?.milestones[0]).toMatchObject({ status: "overdue" });

    expect(
      await refused(token, "get_adoption_milestones", { framework: "custom", custom_milestones: [{ ...custom[0], criterion: { kind: "logins" } }] }),
    ).toMatch(/custom_milestones\.0\.criterion/);
    expect(await refused(token, "get_adoption_milestones", { framework: "custom" })).toMatch(/custom_milestones/);
  });
});

describe("analyze_engagement_patterns", () => {
  it("finds a drop against the account's own baseline, with its date and size", async () => {
    const out = await ok(token, "analyze_engagement_patterns", { scope: "account", client_id: steady, lookback_days: 30, as_of: "2026-03-31" });
    const anomalies = out.anomalies as { drops: number; spikes: number; accounts: { date: string; direction: string; actual: number; expected: number; change: number; score: number }[] };
    expect(anomalies.drops).toBe(1);
    expect(anomalies.spikes).toBe(0);
    // Baseline median 10 with no spread: the scale floors at 1 (and 10 % of 10), so the score is (2 − 10) / 1.
    expect(anomalies.accounts).toEqual([expect.objectContaining({ date: "2026-03-20", direction: "drop", actual: 2, expected: 10, change: -0.8, score: -8 })]);
    const change = out.usage_change as { previous_dau: number; current_dau: number; change: number };
    expect(change.previous_dau).toBe(10);
    expect(change.current_dau).toBeCloseTo((29 * 10 + 2) / 30, 3);
    expect((out.activity as { method: string }).method).toBe("peak_daily_lower_bound");
  });

  it("ranks the accounts with the largest declines across the portfolio and scopes by tier", async () => {
    const out = await ok(token, "analyze_engagement_patterns", { scope: "all", lookback_days: 30, as_of: "2026-03-31" });
    expect(out.accounts_analyzed).toBe(3);
    expect(out.accounts_with_usage).toBe(2);
    const declines = out.largest_declines as { client_id: string; change: number; previous_dau: number; current_dau: number }[];
    // Acme: 7 user-days over 03-02..03-31 (7/30) against 3 over its covered 02-22..03-01 (3/8).
    expect(declines.map((d) => d.client_id)).toEqual([acme, steady]);
    expect(declines[0]?.change).toBeCloseTo((7 / 30 - 3 / 8) / (3 / 8), 3);
    const tier = await ok(token, "analyze_engagement_patterns", { scope: "tier", tier: "standard", lookback_days: 30, as_of: "2026-03-31" });
    expect(tier.accounts_analyzed).toBe(1);
    expect((tier.largest_declines as { client_id: string }[]).map((d) => d.client_id)).toEqual([steady]);
    expect((tier.weekday_profile as unknown[]).length).toBe(7);
  });

  it("refuses a missing client_id or tier for its scope and a lookback out of range", async () => {
    expect(await refused(token, "analyze_engagement_patterns", { scope: "account" })).toMatch(/client_id.*required with scope account/);
    expect(await refused(token, "analyze_engagement_patterns", { scope: "tier" })).toMatch(/tier.*required with scope tier/);
    expect(await refused(token, "analyze_engagement_patterns", { lookback_days: 5 })).toMatch(/lookback_days.*7–365/);
  });
});

describe("isolation and scopes", () => {
  it("never shows another workspace's usage", async () => {
    const other = await newWorkspace("Engage Other");
    const otherToken = (await tokenFor(other)).access_token;
    expect(await refused(otherToken, "get_usage_engagement", { client_id: acme })).toMatch(/No account/);
    const portfolio = await ok(otherToken, "get_feature_adoption", { period_start: "2026-03-01", period_end: "2026-03-07" });
    expect(portfolio.accounts).toBe(0);
    expect(portfolio.data_status).toBe("no_usage_in_period");
    const catalog = await ok(otherToken, "get_feature_catalog", {});
    expect((catalog.catalog as { source: string; features: unknown[] }).source).toBe("observed");
    expect((catalog.catalog as { features: unknown[] }).features).toEqual([]);
  });

  it("needs cs:admin to change the feature catalog", async () => {
    const workspace = await newWorkspace("Engage Scopes");
    const readWrite = (await tokenFor(workspace, { scope: "cs:read cs:write", grant: ["cs:read", "cs:write"] })).access_token;
    const { response } = await callTool(readWrite, "update_feature_catalog", { features: [{ key: "x" }] });
    expect(response.status).toBe(403);
    expect(response.headers.get("WWW-Authenticate")).toContain("cs:admin");
    expect((await callTool(readWrite, "get_feature_catalog", {})).response.status).toBe(200);
  });
});
