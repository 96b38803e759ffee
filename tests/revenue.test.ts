import { describe, expect, it } from "vitest";
import * as schema from "../src/db/tenant-schema";
import { inTenant, newTeam, ok, refused, setFeatures } from "./support/work";
import { apiCall, callTool, tokenFor } from "./support/worker";

const DAY = 86_400_000;
const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);
const fromToday = (days: number) => day(Date.now() + days * DAY);

/** First instant of the current and previous UTC months. */
function monthStarts() {
  const now = new Date();
  const current = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1);
  const previous = Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 1, 1);
  return { current, previous };
}

async function registerAccount(token: string, name: string, extra: Record<string, unknown>): Promise<string> {
  const created = await ok<{ client: { client_id: string } }>(token, "register_client", { client_name: name, company_name: `${name} Ltd`, ...extra });
  return created.client.client_id;
}

function contract(accountId: string, id: string, start: string, end: string, value: number, extra: Partial<typeof schema.contracts.$inferInsert> = {}) {
  const at = new Date().toISOString();
  return {
    id,
    accountId,
    startDate: start,
    endDate: end,
    renewalDate: end,
    annualValue: value,
    autoRenew: false,
    status: "active" as const,
    renewalStatus: "not_started" as const,
    createdAt: at,
    updatedAt: at,
    ...extra,
  };
}

describe("revenue expansion and CS metrics from contract history", () => {
  it("computes expansion, contraction, churn, new ARR, GRR and NRR by month, matching a hand-computed ledger", async () => {
    const team = await newTeam("Ledger Co");
    const { previous: P0 } = monthStarts();
    const d = (offset: number) => day(P0 + offset * DAY);
    // A: 100k → 120k on P0+10 (expansion 20k). B: 50k → 40k on P0+5 (contraction 10k).
    // C: 30k, churns now (current month). D: new on P0+3 at 10k. E: no contracts, 20k from registration.
    const a = await registerAccount(team.token, "Alpha", { tier: "enterprise", contract_value: 120_000, contract_start_date: "2024-01-01", contract_end_date: "2027-12-31" });
    const b = await registerAccount(team.token, "Beta", { tier: "professional", contract_value: 40_000, contract_start_date: "2024-01-01", contract_end_date: "2027-12-31" });
    const c = await registerAccount(team.token, "Gamma", { tier: "standard", contract_value: 30_000, contract_start_date: "2024-01-01", contract_end_date: "2027-12-31" });
    const dd = await registerAccount(team.token, "Delta", { tier: "starter", contract_value: 10_000, contract_start_date: d(3), contract_end_date: d(368) });
    const e = await registerAccount(team.token, "Echo", { tier: "standard", contract_value: 20_000, contract_start_date: "2024-01-01", contract_end_date: "2027-12-31" });
    await inTenant(team.tenantId, (db) => {
      db.insert(schema.contracts)
        .values([
          contract(a, "ca1", d(-355), d(10), 100_000, { status: "renewed", renewalStatus: "renewed" }),
          contract(a, "ca2", d(10), d(375), 120_000),
          contract(b, "cb1", d(-360), d(5), 50_000, { status: "renewed", renewalStatus: "renewed" }),
          contract(b, "cb2", d(5), d(370), 40_000),
          contract(c, "cc1", d(-100), d(265), 30_000),
          contract(dd, "cd1", d(3), d(368), 10_000),
        ])
        .run();
      // Usage was tracked before Delta started (Alpha's day), and Delta's first active day is
      // 5 days after its start: time to value 5 days.
      db.insert(schema.usageDaily).values({ accountId: a, day: d(0), activeUsers: 9, sessions: 12, events: 80, featuresUsed: 5 }).run();
      db.insert(schema.usageDaily).values({ accountId: dd, day: d(8), activeUsers: 3, sessions: 4, events: 20, featuresUsed: 2 }).run();
    });
    await ok(team.token, "update_client_info", { client_id: c, updates: { status: "churned" } });

    const report = await ok<{
      accounts: number;
      periods: { period: string; starting_arr: number; new_arr: number; expansion_arr: number; contraction_arr: number; churned_arr: number; grr: number; nrr: number; new_customers: number; ending_arr: number }[];
      total: { starting_arr: number; churned_arr: number; grr: number; nrr: number };
    }>(team.token, "get_revenue_expansion", { granularity: "month", periods: 2 });
    expect(report.accounts).toBe(5);
    const [last, current] = report.periods;
    expect(last?.period).toBe(d(0).slice(0, 7));
    expect(last).toMatchObject({ starting_arr: 200_000, new_arr: 10_000, expansion_arr: 20_000, contraction_arr: 10_000, churned_arr: 0, grr: 0.95, nrr: 1.05, new_customers: 1 });
    expect(last?.ending_arr).toBe(120_000 + 40_000 + 30_000 + 10_000 + 20_000);
    // Current month: 220k at its start, Gamma's 30k churned.
    expect(current).toMatchObject({ starting_arr: 220_000, churned_arr: 30_000, expansion_arr: 0, grr: Math.round((190 / 220) * 1000) / 1000 });
    // The whole window: from 200k, +20k −10k −30k.
    expect(report.total).toMatchObject({ starting_arr: 200_000, churned_arr: 30_000, grr: 0.8, nrr: 0.9 });

    // NPS answers this month: 10, 9, 7, 3 → 2 promoters, 1 detractor of 4 → 25.
    for (const [client, score] of [[a, 10], [b, 9], [e, 7], [a, 3]] as const) await ok(team.token, "submit_feedback", { client_id: client, kind: "nps", score });
    const metrics = await ok<{ rows: { period: string; segment: string; nrr: number; grr: number; logo_churn_rate: number; nps: number | null; nps_responses: number; time_to_value: { accounts: number; reached: number; median_days: number | null } }[] }>(
      team.token,
      "get_cs_metrics",
      { granularity: "month", periods: 2 },
    );
    expect(metrics.rows).toHaveLength(2);
    expect(metrics.rows[0]).toMatchObject({ segment: "all", nrr: 1.05, grr: 0.95, logo_churn_rate: 0, nps: null, time_to_value: { accounts: 1, reached: 1, median_days: 5, untracked: 0 } });
    expect(metrics.rows[1]).toMatchObject({ logo_churn_rate: 0.2, nps: 25, nps_responses: 4 });
    const byTier = await ok<{ rows: { period: string; segment: string; nrr: number | null; nps: number | null }[] }>(team.token, "get_cs_metrics", { granularity: "month", periods: 1, by: "tier" });
    expect(byTier.rows.map((r) => r.segment)).toEqual(["starter", "standard", "professional", "enterprise"]);
    // Enterprise (Alpha) answered 10 and 3: 1 promoter, 1 detractor → 0. Standard lost Gamma: 30k of 50k.
    expect(byTier.rows.find((r) => r.segment === "enterprise")?.nps).toBe(0);
    expect(byTier.rows.find((r) => r.segment === "standard")?.nrr).toBe(0.4);

    // REST twin, and a bad period count names the field.
    const rest = await apiCall(team.api, "/api/v1/revenue/expansion?granularity=month&periods=2");
    expect(rest.status).toBe(200);
    const bad = await apiCall(team.api, "/api/v1/metrics/cs?periods=40");
    expect(bad.status).toBe(400);
    expect(await bad.text()).toContain("periods");
  });
});

describe("CS metrics with an account churned before its contract starts", () => {
  it("dates a churn no earlier than the contract's start", async () => {
    const team = await newTeam("Churned Early Co");
    // Signed with a contract starting next week, and marked churned today: the churn (today)
    // precedes the start. The engine refuses such an account, so the tool must date it sensibly.
    const ahead = await registerAccount(team.token, "Ahead", { contract_value: 12_000, contract_start_date: fromToday(7), contract_end_date: fromToday(372) });
    await ok(team.token, "update_client_info", { client_id: ahead, updates: { status: "churned" } });
    await registerAccount(team.token, "Steady", { contract_value: 30_000, contract_start_date: "2024-01-01", contract_end_date: "2027-12-31" });
    const metrics = await ok<{ rows: { segment: string; grr: number | null }[] }>(team.token, "get_cs_metrics", { granularity: "month", periods: 1 });
    expect(metrics.rows).toHaveLength(1);
    // Steady alone was a customer at the period's start and stayed one.
    expect(metrics.rows[0]).toMatchObject({ segment: "all", grr: 1 });
    const expansion = await ok<{ accounts: number }>(team.token, "get_revenue_expansion", { granularity: "month", periods: 1 });
    expect(expansion.accounts).toBe(2);
  });
});

describe("time to value in CS metrics", () => {
  it("leaves out accounts that started before the workspace's usage history began, and says how many", async () => {
    const team = await newTeam("Tracking Co");
    // Usage tracking began 20 days ago (the first usage_daily row): Early started 40 days ago, so
    // its first seen day is when tracking began, not when it found value. Late started 10 days ago.
    const early = await registerAccount(team.token, "Early", { contract_start_date: fromToday(-40), contract_end_date: fromToday(325) });
    const late = await registerAccount(team.token, "Late", { contract_start_date: fromToday(-10), contract_end_date: fromToday(355) });
    await inTenant(team.tenantId, (db) => {
      db.insert(schema.usageDaily).values({ accountId: early, day: fromToday(-20), activeUsers: 4, sessions: 6, events: 30, featuresUsed: 3 }).run();
      db.insert(schema.usageDaily).values({ accountId: late, day: fromToday(-5), activeUsers: 2, sessions: 2, events: 9, featuresUsed: 1 }).run();
    });
    const metrics = await ok<{ rows: { time_to_value: { accounts: number; reached: number; median_days: number | null; untracked: number } }[] }>(
      team.token,
      "get_cs_metrics",
      { granularity: "month", periods: 3 },
    );
    const total = metrics.rows.reduce(
      (sum, row) => ({ accounts: sum.accounts + row.time_to_value.accounts, reached: sum.reached + row.time_to_value.reached, untracked: sum.untracked + row.time_to_value.untracked }),
      { accounts: 0, reached: 0, untracked: 0 },
    );
    expect(total).toEqual({ accounts: 1, reached: 1, untracked: 1 });
    expect(metrics.rows.map((row) => row.time_to_value.median_days).filter((days) => days !== null)).toEqual([5]);
  });
});

describe("renewals", () => {
  it("lists renewals due with probability, expected ARR and checkpoint state, and forecasts them by month", async () => {
    const team = await newTeam("Renew Co");
    const soon = await registerAccount(team.token, "Soon", { contract_value: 80_000, contract_start_date: fromToday(-345), contract_end_date: fromToday(20) });
    const later = await registerAccount(team.token, "Later", { contract_value: 40_000, contract_start_date: fromToday(-300), contract_end_date: fromToday(50) });
    await registerAccount(team.token, "Far", { contract_value: 60_000, contract_start_date: fromToday(-100), contract_end_date: fromToday(265) });
    const renewal = fromToday(20);
    // The 30-day checkpoint's task was done; the 90- and 60-day ones were not.
    await inTenant(team.tenantId, (db) => {
      const at = new Date().toISOString();
      db.insert(schema.tasks)
        .values({ id: "t1", accountId: soon, title: "checkpoint", description: "", priority: "urgent", status: "done", source: "renewal", dedupeKey: `renewal:${soon}:${renewal}:30`, createdAt: at, updatedAt: at, completedAt: fromToday(-8) + "T10:00:00.000Z" })
        .run();
    });

    const due = await ok<{
      totals: { renewals: number; arr: number; expected_arr: number };
      renewals: { client_id: string; arr: number; probability: number; expected_arr: number; category: string; days_to_renewal: number; checkpoints: { overdue: number[]; items: { days_before: number; status: string }[] } }[];
    }>(team.token, "list_renewals_due", { days: 60 });
    expect(due.renewals.map((r) => r.client_id)).toEqual([soon, later]);
    expect(due.totals).toMatchObject({ renewals: 2, arr: 120_000 });
    for (const r of due.renewals) {
      expect(Math.abs(r.expected_arr - r.probability * r.arr)).toBeLessThan(0.0005 * r.arr + 0.01);
      expect(r.category).toBe(r.probability >= 0.8 ? "committed" : r.probability < 0.5 ? "at_risk" : "probable");
    }
    expect(Math.abs(due.totals.expected_arr - due.renewals.reduce((s, r) => s + r.expected_arr, 0))).toBeLessThan(1);
    const first = due.renewals[0];
    expect(first?.days_to_renewal).toBe(20);
    expect(first?.checkpoints.items.map((i) => [i.days_before, i.status])).toEqual([
      [90, "overdue"],
      [60, "overdue"],
      [30, "completed"],
    ]);
    expect(first?.checkpoints.overdue).toEqual([90, 60]);

    const forecast = await ok<{
      totals: { renewals: number; arr: number; expected_arr: number; committed_arr: number; probable_arr: number; at_risk_arr: number };
      months: { period: string; renewals: number; arr: number; client_ids: string[] }[];
      quarters: { arr: number }[];
    }>(team.token, "get_renewal_forecast", { months: 12 });
    expect(forecast.months).toHaveLength(12);
    expect(forecast.totals.renewals).toBe(3);
    expect(forecast.totals.arr).toBe(180_000);
    expect(forecast.months.reduce((s, m) => s + m.arr, 0)).toBe(180_000);
    expect(forecast.quarters.reduce((s, q) => s + q.arr, 0)).toBe(180_000);
    expect(forecast.totals.committed_arr + forecast.totals.probable_arr + forecast.totals.at_risk_arr).toBeCloseTo(180_000, 0);
    const month = forecast.months.find((m) => m.client_ids.includes(soon));
    expect(month?.period).toBe(renewal.slice(0, 7));
    expect((await refused(team.token, "list_renewals_due", { days: 0 })).toLowerCase()).toContain("days");
  });
});

describe("expansion and lifetime value", () => {
  it("values seat expansion and cross-sell from the account's facts and holds back at-risk accounts", async () => {
    const team = await newTeam("Grow Co");
    const busy = await registerAccount(team.token, "Busy", { tier: "professional", contract_value: 50_000 });
    const shaky = await registerAccount(team.token, "Shaky", { tier: "professional", contract_value: 50_000 });
    const healthy = { licensedSeats: 10, activeUsers: 12, logins30d: 200, featuresUsed: 9, featuresAvailable: 10, daysSinceLastTouch: 1, nps: 10, csat: 5, ces: 2, openTickets: 0, tickets90d: 0, highSeverityTickets90d: 0, slaBreaches90d: 0 };
    await setFeatures(team.tenantId, busy, healthy);
    await setFeatures(team.tenantId, shaky, { ...healthy, logins30d: 0, featuresUsed: 0, daysSinceLastTouch: 60, nps: 0, csat: 1, ces: 7, tickets90d: 10, highSeverityTickets90d: 4, slaBreaches90d: 3, openTickets: 5 });
    const catalog = [{ id: "api_suite", name: "API suite", annual_price: 12_000 }];

    const one = await ok<{ opportunities: { type: string; estimated_value: number; additional_units: number | null; status: string; probability: number; expected_value: number }[] }>(team.token, "find_expansion_opportunities", {
      client_id: busy,
      catalog,
    });
    const seats = one.opportunities.find((o) => o.type === "user_expansion");
    // 12 active of 10 seats ≥ 85 %: ceil(12 / 0.75) − 10 = 6 seats at 50,000 / 10 = 5,000 → 30,000.
    expect(seats).toMatchObject({ status: "recommended", additional_units: 6, estimated_value: 30_000 });
    expect(Math.abs((seats?.expected_value ?? 0) - (seats?.probability ?? 0) * 30_000)).toBeLessThan(20);
    expect(one.opportunities.find((o) => o.type === "cross_sell")?.estimated_value).toBe(12_000);

    const portfolio = await ok<{ accounts_scanned: number; opportunities: { client_id: string; status: string; held_back_reasons: string[] }[] }>(team.token, "find_expansion_opportunities", {
      catalog,
      include_held_back: true,
    });
    expect(portfolio.accounts_scanned).toBe(2);
    const held = portfolio.opportunities.filter((o) => o.client_id === shaky);
    expect(held.length).toBeGreaterThan(0);
    for (const o of held) {
      expect(o.status).toBe("held_back");
      expect(o.held_back_reasons.length).toBeGreaterThan(0);
    }
    const bad = await refused(team.token, "find_expansion_opportunities", { catalog: [{ id: "x", name: "X", annual_price: -1 }] });
    expect(bad).toContain("catalog.0.annual_price");

    // LTV = ARR × 0.8 × min(10, 1 / churn probability).
    const risk = (await ok<{ account: { probability: number } }>(team.token, "get_churn_risk", { client_id: busy })).account.probability;
    const ltv = await ok<{ account: { ltv: number; lifetime_years: number; gross_margin: number } }>(team.token, "get_lifetime_value", { client_id: busy });
    const years = Math.min(10, 1 / risk);
    expect(ltv.account.gross_margin).toBe(0.8);
    expect(Math.abs(ltv.account.lifetime_years - years)).toBeLessThan(years * 0.01);
    expect(Math.abs(ltv.account.ltv - 50_000 * 0.8 * ltv.account.lifetime_years)).toBeLessThan(50);
    const segment = await ok<{ segment: { accounts: number; total_ltv: number; by_tier: { tier: string; accounts: number }[]; top: { ltv: number }[] } }>(team.token, "get_lifetime_value", { tier: "professional" });
    expect(segment.segment.accounts).toBe(2);
    expect(Math.abs(segment.segment.total_ltv - segment.segment.top.reduce((s, a) => s + a.ltv, 0))).toBeLessThan(0.05);
    expect((await refused(team.token, "get_lifetime_value", { client_id: busy, gross_margin: 2 }))).toContain("gross_margin");
  });

  it("keeps each workspace's revenue to itself", async () => {
    const one = await newTeam("Mine Co");
    const other = await newTeam("Theirs Co");
    const mine = await registerAccount(one.token, "Mine", { contract_value: 10_000, contract_start_date: fromToday(-300), contract_end_date: fromToday(10) });
    const theirs = await ok<{ totals: { renewals: number } }>(other.token, "list_renewals_due", { days: 30 });
    expect(theirs.totals.renewals).toBe(0);
    const { result } = await callTool(other.token, "get_lifetime_value", { client_id: mine });
    expect(result?.isError).toBe(true);
    expect(result?.content[0]?.text).toContain("client_id");
  });

  it("needs cs:read for reads", async () => {
    const team = await newTeam("Scope Co");
    const readOnly = (await tokenFor(team.workspace, { scope: "cs:read", grant: ["cs:read"] })).access_token;
    await ok(readOnly, "get_renewal_forecast", {});
    await ok(readOnly, "get_revenue_expansion", {});
  });
});
