import { beforeAll, describe, expect, it } from "vitest";
import { daysFrom, inTenant, ok, putUsage, refused, register, tenantIdOf } from "./support/usage";
import { apiCall, callTool, newWorkspace, ORIGIN, tokenFor } from "./support/worker";

describe("get_value_tiers", () => {
  /*
   * ARR 5,000 (starter plan), 9,500 (standard plan: ARR says starter), 60,000 (professional, health 80),
   * 150,000 (enterprise), 250,000 (enterprise plan: ARR says strategic), and a churned 500,000 left out.
   */
  let token = "";
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    const workspace = await newWorkspace("Tiers");
    token = (await tokenFor(workspace)).access_token;
    const tenantId = await tenantIdOf(workspace.email);
    ids.small = await register(token, "Small", { contract_value: 5000, tier: "starter" });
    ids.near = await register(token, "Near", { contract_value: 9500, tier: "standard" });
    ids.pro = await register(token, "Pro", { contract_value: 60000, tier: "professional" });
    ids.ent = await register(token, "Ent", { contract_value: 150000, tier: "enterprise" });
    ids.big = await register(token, "Big", { contract_value: 250000, tier: "enterprise" });
    ids.gone = await register(token, "Gone", { contract_value: 500000, tier: "enterprise" });
    await ok(token, "update_client_info", { client_id: ids.gone, updates: { status: "churned" } });
    await inTenant(tenantId, (sql) => {
      sql.exec("UPDATE accounts SET health_score = 80 WHERE id = ?", ids.pro as string);
    });
  });

  it("counts accounts, ARR and health per default tier, leaving churned accounts out", async () => {
    const out = await ok(token, "get_value_tiers", { vip_count: 2 });
    const tiers = Object.fromEntries((out.tiers as { tier: string; accounts: number; arr: number; avg_health_score: number | null; rank: number }[]).map((t) => [t.tier, t]));
    expect(tiers.starter).toMatchObject({ accounts: 2, arr: 14500, avg_health_score: null, rank: 5 });
    expect(tiers.standard).toMatchObject({ accounts: 0, arr: 0 });
    expect(tiers.professional).toMatchObject({ accounts: 1, arr: 60000, avg_health_score: 80 });
    expect(tiers.enterprise).toMatchObject({ accounts: 1, arr: 150000 });
    expect(tiers.strategic).toMatchObject({ accounts: 1, arr: 250000, rank: 1 });
    expect(out.total_accounts).toBe(5);
    expect(out.total_arr).toBe(474500);
    expect((out.vip as { client_id: string }[]).map((v) => v.client_id)).toEqual([ids.big, ids.ent]);
  });

  it("flags ARR near a threshold and plan labels that disagree with the ARR tier", async () => {
    const out = await ok(token, "get_value_tiers", {});
    const upgrades = out.upgrade_candidates as { client_id: string; reason: string; value_tier: string }[];
    const downgrades = out.downgrade_risks as { client_id: string; reason: string }[];
    // 9,500 is within 10 % below 10,000; 250,000 is labelled enterprise but pays strategic.
    expect(upgrades.map((u) => u.client_id).sort()).toEqual([ids.near, ids.big].sort());
    expect(upgrades.find((u) => u.client_id === ids.big)?.value_tier).toBe("strategic");
    // 9,500 is on the standard plan but pays starter value.
    expect(downgrades.map((d) => d.client_id)).toEqual([ids.near]);
    expect(downgrades[0]?.reason).toMatch(/standard plan/);
    expect(out.mismatched_labels).toEqual({ under_labelled: 1, over_labelled: 1 });
  });

  it("takes custom tiers as objects or name:min_arr text, and refuses invalid ones naming the field", async () => {
    const out = await ok(token, "get_value_tiers", { tiers: ["small:0", { name: "big", min_arr: 100000 }] });
    expect((out.tiers as { tier: string; accounts: number }[]).map((t) => [t.tier, t.accounts])).toEqual([
      ["small", 3],
      ["big", 2],
    ]);
    expect((out.notes as string[]).join(" ")).toMatch(/plan labels are not compared/);
    expect(await refused(token, "get_value_tiers", { tiers: [{ name: "a", min_arr: 10 }] })).toMatch(/tiers\[0\]\.minArr.*start at 0/);
    expect(await refused(token, "get_value_tiers", { tiers: ["a:0", "b:5000", "c:5000"] })).toMatch(/tiers\[2\]\.minArr.*strictly increasing/);
    expect(await refused(token, "get_value_tiers", { tiers: ["no-colon"] })).toMatch(/tiers\.0/);
  });

  it("serves the same over REST with tiers as a comma list", async () => {
    const workspace = await newWorkspace("Tiers REST");
    const mcp = (await tokenFor(workspace)).access_token;
    const api = (await tokenFor(workspace, { resource: ORIGIN })).access_token;
    await register(mcp, "R1", { contract_value: 30000 });
    await register(mcp, "R2", { contract_value: 70000 });
    const response = await apiCall(api, "/api/v1/segments/value-tiers?tiers=low:0,high:50000");
    expect(response.status).toBe(200);
    const body = (await response.json()) as { tiers: { tier: string; accounts: number; arr: number }[] };
    expect(body.tiers).toEqual([expect.objectContaining({ tier: "low", accounts: 1, arr: 30000 }), expect.objectContaining({ tier: "high", accounts: 1, arr: 70000 })]);
    const bad = await apiCall(api, "/api/v1/segments/value-tiers?near_threshold=2");
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { message: string } }).error.message).toContain("near_threshold");
  });
});

describe("get_lifecycle_stages and apply_lifecycle_stages", () => {
  /*
   * As of 2026-06-01 (default thresholds):
   *   Gone      status churned                                  → churned   (status_churned)
   *   New       started 2026-05-01, no first value              → onboarding (onboarding_window); stored onboarding
   *   Renewing  renewal 2026-08-01 (61 days)                    → renewal   (renewal_window)
   *   Sick      health 50                                       → at_risk   (health_below_threshold)
   *   Fading    10 users/day 04-02..05-02, then 5/day to 06-01  → at_risk   (usage_decline, −50 %)
   *   Settled   nothing notable; stored active                  → active    (default_active)
   */
  let token = "";
  let readOnly = "";
  const ids: Record<string, string> = {};
  const long = { contract_start_date: "2025-01-01", contract_end_date: "2027-12-31" };

  beforeAll(async () => {
    const workspace = await newWorkspace("Lifecycle");
    token = (await tokenFor(workspace)).access_token;
    readOnly = (await tokenFor(workspace, { scope: "cs:read", grant: ["cs:read"] })).access_token;
    const tenantId = await tenantIdOf(workspace.email);
    ids.gone = await register(token, "Gone", long);
    await ok(token, "update_client_info", { client_id: ids.gone, updates: { status: "churned" } });
    ids.new = await register(token, "New", { contract_start_date: "2026-05-01", contract_end_date: "2027-05-01" });
    ids.renewing = await register(token, "Renewing", { contract_start_date: "2025-08-01", contract_end_date: "2026-08-01", lifecycle_stage: "active" });
    ids.sick = await register(token, "Sick", long);
    ids.fading = await register(token, "Fading", long);
    ids.settled = await register(token, "Settled", { ...long, lifecycle_stage: "active" });
    await inTenant(tenantId, (sql) => {
      sql.exec("UPDATE accounts SET health_score = 50 WHERE id = ?", ids.sick as string);
    });
    // Previous 30 days (05-03 back to 04-03) at 10 users, the last 30 (05-03..06-01) at 5; history from 04-02.
    await putUsage(
      tenantId,
      ids.fading as string,
      daysFrom("2026-04-02", "2026-06-01").map((day) => ({ day, users: day >= "2026-05-03" ? 5 : 10 })),
    );
  });

  it("derives each account's stage with the rule that fired, the distribution and the accounts that differ", async () => {
    const out = await ok(token, "get_lifecycle_stages", { as_of: "2026-06-01" });
    const rows = Object.fromEntries(
      (out.accounts as { client_id: string; derived_stage: string; rule: string; differs: boolean; reason: string; facts: { usage_change: number | null } }[]).map((r) => [r.client_id, r]),
    );
    expect(rows[ids.gone!]).toMatchObject({ derived_stage: "churned", rule: "status_churned", differs: true });
    expect(rows[ids.new!]).toMatchObject({ derived_stage: "onboarding", rule: "onboarding_window", differs: false });
    expect(rows[ids.renewing!]).toMatchObject({ derived_stage: "renewal", rule: "renewal_window", differs: true });
    expect(rows[ids.renewing!]?.reason).toMatch(/Renewal is in 61 days/);
    expect(rows[ids.sick!]).toMatchObject({ derived_stage: "at_risk", rule: "health_below_threshold", differs: true });
    expect(rows[ids.fading!]).toMatchObject({ derived_stage: "at_risk", rule: "usage_decline" });
    expect(rows[ids.fading!]?.facts.usage_change).toBeCloseTo(-0.5, 4);
    expect(rows[ids.settled!]).toMatchObject({ derived_stage: "active", rule: "default_active", differs: false });
    const summary = out.summary as { total_accounts: number; derived_distribution: Record<string, number>; differing: number };
    expect(summary.total_accounts).toBe(6);
    expect(summary.derived_distribution).toMatchObject({ churned: 1, onboarding: 1, renewal: 1, at_risk: 2, active: 1 });
    expect(summary.differing).toBe(4);
  });

  it("lists only differing accounts a page at a time", async () => {
    const first = await ok(token, "get_lifecycle_stages", { as_of: "2026-06-01", only_differing: true, limit: 3 });
    const page = first.pagination as { has_more: boolean; next_cursor: string };
    expect((first.accounts as unknown[]).length).toBe(3);
    expect(page.has_more).toBe(true);
    const second = await ok(token, "get_lifecycle_stages", { as_of: "2026-06-01", only_differing: true, limit: 3, cursor: page.next_cursor });
    expect((second.accounts as unknown[]).length).toBe(1);
    expect((second.pagination as { has_more: boolean }).has_more).toBe(false);
    const single = await ok(token, "get_lifecycle_stages", { client_id: ids.sick, as_of: "2026-06-01" });
    expect((single.accounts as { client_id: string }[]).map((r) => r.client_id)).toEqual([ids.sick]);
  });

  it("needs cs:write to apply, then writes the derived stages through the timeline and audit", async () => {
    const { response } = await callTool(readOnly, "apply_lifecycle_stages", { as_of: "2026-06-01" });
    expect(response.status).toBe(403);

    const applied = await ok(token, "apply_lifecycle_stages", { as_of: "2026-06-01", limit: 2 });
    expect(applied.applied_count).toBe(2);
    expect(applied.remaining).toBe(2);
    const rest = await ok(token, "apply_lifecycle_stages", { as_of: "2026-06-01" });
    expect(rest.applied_count).toBe(2);
    expect(rest.remaining).toBe(0);

    const sick = await ok(token, "get_client_overview", { client_id: ids.sick });
    expect((sick.client as { lifecycle_stage: string }).lifecycle_stage).toBe("at_risk");
    const timeline = await ok(token, "get_client_timeline", { client_id: ids.sick });
    const [latest] = timeline.events as { title: string; metadata: { changes: Record<string, unknown> } }[];
    expect(latest?.title).toBe("Updated lifecycle_stage");
    expect(latest?.metadata.changes).toEqual({ lifecycle_stage: { from: "onboarding", to: "at_risk" } });

    const after = await ok(token, "get_lifecycle_stages", { as_of: "2026-06-01" });
    expect((after.summary as { differing: number }).differing).toBe(0);
  });

  it("refuses an unknown account and another workspace's account", async () => {
    expect(await refused(token, "get_lifecycle_stages", { client_id: "cs_nobody" })).toMatch(/No account with client_id "cs_nobody"/);
    const other = (await tokenFor(await newWorkspace("Lifecycle Other"))).access_token;
    expect(await refused(other, "apply_lifecycle_stages", { client_ids: [ids.sick] })).toMatch(/No account/);
    const theirs = await ok(other, "get_lifecycle_stages", {});
    expect((theirs.summary as { total_accounts: number }).total_accounts).toBe(0);
    const tiers = await ok(other, "get_value_tiers", {});
    expect(tiers.total_accounts).toBe(0);
    expect((tiers.tiers as { avg_health_score: number | null }[]).every((t) => t.avg_health_score === null)).toBe(true);
  });
});
