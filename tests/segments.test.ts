import { beforeAll, describe, expect, it } from "vitest";
import { health } from "../src/analytics";
import { readAccountRecords } from "../src/db/account-fields";
import { apiCall, callTool, mcpCall, tokenFor } from "./support/worker";
import { inTenant, newTeam, ok, refused, register, setFeatures, type Team } from "./support/work";

interface Member {
  client_id: string;
  contract_value: number;
  why: string[];
}
interface Page {
  members: Member[];
  pagination: { has_more: boolean; next_cursor: string | null; returned_count: number };
}
interface Preview extends Page {
  member_count: number;
  total_arr: number;
  accounts_evaluated: number;
}

const enterpriseOrBigRule = {
  match: "any",
  rules: [
    { field: "tier", operator: "eq", value: "enterprise" },
    { field: "contract_value", operator: "gte", value: 100_000 },
  ],
};

let team: Team;
/** name → client id */
const ids = new Map<string, string>();
const values = new Map<string, number>();

beforeAll(async () => {
  team = await newTeam("Segments Co");
  const accounts = [
    { client_name: "Alpha", tier: "enterprise", contract_value: 50_000 },
    { client_name: "Bravo", tier: "starter", contract_value: 150_000 },
    { client_name: "Charlie", tier: "standard", contract_value: 20_000 },
    { client_name: "Delta", tier: "enterprise", contract_value: 250_000 },
    { client_name: "Echo", tier: "professional", contract_value: 90_000 },
  ] as const;
  for (const spec of accounts) {
    ids.set(spec.client_name, await register(team.token, spec));
    values.set(spec.client_name, spec.contract_value);
  }
});

describe("rule validation", () => {
  it("refuses unknown fields, wrong operators and bad values, naming the rule path (MCP and REST 400)", async () => {
    const unknownField = await refused(team.token, "preview_segment", { rule: { match: "all", rules: [{ field: "mood", operator: "eq", value: "x" }] } });
    expect(unknownField).toContain('rule.rules[0].field: unknown field "mood"');
    expect(unknownField).toContain("health_score");

    const wrongOperator = await refused(team.token, "create_segment", {
      name: "bad op",
      rule: { match: "all", rules: [{ field: "tier", operator: "gt", value: "starter" }] },
    });
    expect(wrongOperator).toContain('rule.rules[0].operator: operator "gt" does not apply to enum field "tier"');

    const nested = await refused(team.token, "create_segment", {
      name: "bad value",
      rule: { match: "all", rules: [{ field: "status", operator: "eq", value: "active" }, { match: "any", rules: [{ field: "tier", operator: "in", value: ["starter", "gold"] }] }] },
    });
    expect(nested).toContain("rule.rules[1].rules[0].value[1]");
    expect(nested).toContain('"gold" is not a value of enum field "tier"');

    const wrongType = await refused(team.token, "preview_segment", { rule: { match: "all", rules: [{ field: "health_score", operator: "lt", value: "low" }] } });
    expect(wrongType).toContain("rule.rules[0].value: expected a finite number");

    const topLevel = await refused(team.token, "preview_segment", { rule: { match: "most", rules: [] } });
    expect(topLevel).toContain("rule.match");

    const rest = await apiCall(team.api, "/api/v1/segments", {
      method: "POST",
      body: JSON.stringify({ name: "bad", rule: { match: "all", rules: [{ field: "health_band", operator: "eq", value: "great" }] } }),
    });
    expect(rest.status).toBe(400);
    const body = (await rest.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe("invalid");
    expect(body.error.message).toContain("rule.rules[0].value");
    expect(body.error.message).not.toMatch(/at \w+ \(|\.ts:\d+/);

    // Nothing was saved by the refused calls.
    const listed = await ok<{ segments: { name: string }[] }>(team.token, "list_segments", {});
    expect(listed.segments.map((s) => s.name)).not.toContain("bad op");
  });
});

describe("preview and saved segments", () => {
  it("previews a rule with count, ARR and why; the saved segment holds the same accounts and follows data changes", async () => {
    const preview = await ok<Preview>(team.token, "preview_segment", { rule: enterpriseOrBigRule });
    const expected = ["Alpha", "Bravo", "Delta"];
    expect(preview.member_count).toBe(expected.length);
    expect(preview.total_arr).toBe(expected.reduce((sum, name) => sum + (values.get(name) ?? 0), 0));
    expect(preview.accounts_evaluated).toBe(5);
    expect(new Set(preview.members.map((m) => m.client_id))).toEqual(new Set(expected.map((name) => ids.get(name))));
    const bravo = preview.members.find((m) => m.client_id === ids.get("Bravo"));
    // Bravo is in only because of its ARR: the tier rule did not hold, so it is not a reason.
    expect(bravo?.why).toEqual(["contract_value gte 100000 (was 150000)"]);
    const delta = preview.members.find((m) => m.client_id === ids.get("Delta"));
    expect(delta?.why).toEqual(['tier eq "enterprise" (was "enterprise")', "contract_value gte 100000 (was 250000)"]);

    const created = await ok<{ segment: { segment_id: string; name: string } }>(team.token, "create_segment", {
      name: "Big accounts",
      description: "Enterprise tier or ARR of 100k and more",
      rule: enterpriseOrBigRule,
    });
    const segmentId = created.segment.segment_id;
    const listed = await ok<{ segments: { segment_id: string; member_count: number; total_arr: number; error: string | null }[] }>(team.token, "list_segments", {});
    const saved = listed.segments.find((s) => s.segment_id === segmentId);
    expect(saved).toMatchObject({ member_count: preview.member_count, total_arr: preview.total_arr, error: null });

    const members = await ok<Page>(team.token, "list_segment_members", { segment_id: segmentId });
    expect(members.members.map((m) => m.client_id).sort()).toEqual(preview.members.map((m) => m.client_id).sort());

    // Membership is evaluated on read: Charlie's upgrade puts it in the segment.
    await ok(team.token, "update_client_info", { client_id: ids.get("Charlie"), updates: { tier: "enterprise" } });
    const after = await ok<Page>(team.token, "list_segment_members", { segment_id: segmentId });
    expect(after.members.map((m) => m.client_id)).toContain(ids.get("Charlie"));
    await ok(team.token, "update_client_info", { client_id: ids.get("Charlie"), updates: { tier: "standard" } });

    const duplicate = await refused(team.token, "create_segment", { name: "Big accounts", rule: enterpriseOrBigRule });
    expect(duplicate).toContain('a segment named "Big accounts" already exists');
    const restDuplicate = await apiCall(team.api, "/api/v1/segments", { method: "POST", body: JSON.stringify({ name: "Big accounts", rule: enterpriseOrBigRule }) });
    expect(restDuplicate.status).toBe(409);
  });

  it("evaluates feature fields, the health band and relative dates", async () => {
    await setFeatures(team.tenantId, ids.get("Echo") ?? "", { openTickets: 4, overdueAmount: 1200, activeUsers: 5, licensedSeats: 20 });
    await inTenant(team.tenantId, (_db, state) => {
      state.storage.sql.exec("UPDATE accounts SET health_score = 35 WHERE id = ?", ids.get("Echo") ?? "");
      state.storage.sql.exec("UPDATE accounts SET health_score = 80 WHERE id = ?", ids.get("Alpha") ?? "");
    });
    const risky = await ok<Preview>(team.token, "preview_segment", {
      rule: {
        match: "all",
        rules: [
          { field: "health_band", operator: "eq", value: health.healthBand(35, health.DEFAULT_HEALTH_BANDS) },
          { field: "overdue_amount", operator: "gt", value: 0 },
          { field: "seat_utilization", operator: "lt", value: 0.5 },
        ],
      },
    });
    expect(risky.members.map((m) => m.client_id)).toEqual([ids.get("Echo")]);
    expect(risky.members[0]?.why).toEqual(['health_band eq "churn_risk" (was "churn_risk")', "overdue_amount gt 0 (was 1200)", "seat_utilization lt 0.5 (was 0.25)"]);

    // The record as rules see it: band from the engine's default bands, missing values as null.
    const records = await inTenant(team.tenantId, (db) => readAccountRecords(db, { ids: [ids.get("Alpha") ?? "", ids.get("Bravo") ?? ""] }));
    const alpha = records.find((r) => r.id === ids.get("Alpha"));
    expect(alpha?.record.health_band).toBe(health.healthBand(80, health.DEFAULT_HEALTH_BANDS));
    expect(records.find((r) => r.id === ids.get("Bravo"))?.record.health_band).toBeNull();

    // Every account renews 2027-01-01; a window that reaches it matches all, a shorter one none.
    const today = Date.UTC(new Date().getUTCFullYear(), new Date().getUTCMonth(), new Date().getUTCDate());
    const daysToRenewal = Math.round((Date.parse("2027-01-01T00:00:00Z") - today) / 86_400_000);
    const within = await ok<Preview>(team.token, "preview_segment", {
      rule: { match: "all", rules: [{ field: "renewal_date", operator: "lte", value: { daysFromNow: daysToRenewal } }] },
    });
    expect(within.member_count).toBe(5);
    const before = await ok<Preview>(team.token, "preview_segment", {
      rule: { match: "all", rules: [{ field: "renewal_date", operator: "lte", value: { daysFromNow: daysToRenewal - 1 } }] },
    });
    expect(before.member_count).toBe(0);
    const missing = await ok<Preview>(team.token, "preview_segment", { rule: { match: "all", rules: [{ field: "nps", operator: "exists", value: false }] } });
    expect(missing.member_count).toBe(5);
  });

  it("pages members with a cursor, without gaps or repeats", async () => {
    const pageTeam = await newTeam("Paging Co");
    const created: string[] = [];
    for (let i = 0; i < 7; i++) created.push(await register(pageTeam.token, { client_name: `P${i}`, tier: i === 3 ? "starter" : "enterprise" }));
    const rule = { match: "all", rules: [{ field: "tier", operator: "eq", value: "enterprise" }] };
    const seg = await ok<{ segment: { segment_id: string } }>(pageTeam.token, "create_segment", { name: "Enterprise", rule });
    const seen: string[] = [];
    let cursor: string | null = null;
    const sizes: number[] = [];
    do {
      const page: Page = await ok<Page>(pageTeam.token, "list_segment_members", { segment_id: seg.segment.segment_id, limit: 4, ...(cursor ? { cursor } : {}) });
      sizes.push(page.members.length);
      seen.push(...page.members.map((m) => m.client_id));
      cursor = page.pagination.next_cursor;
      expect(page.pagination.has_more).toBe(cursor !== null);
    } while (cursor);
    expect(sizes).toEqual([4, 2]);
    expect(new Set(seen).size).toBe(6);
    expect(seen).toEqual([...seen].sort());
    expect(seen).not.toContain(created[3]);

    const previewPage = await ok<Preview>(pageTeam.token, "preview_segment", { rule, limit: 5 });
    expect(previewPage.member_count).toBe(6);
    expect(previewPage.members).toHaveLength(5);
    const rest = await apiCall(pageTeam.api, "/api/v1/segments/preview", { method: "POST", body: JSON.stringify({ rule, limit: 5, cursor: previewPage.pagination.next_cursor }) });
    expect(rest.status).toBe(200);
    const restPage = (await rest.json()) as Preview;
    expect(restPage.members.map((m) => m.client_id)).toEqual(seen.slice(5));

    const restMembers = await apiCall(pageTeam.api, `/api/v1/segments/${seg.segment.segment_id}/members?limit=2`);
    expect(restMembers.status).toBe(200);
    expect(((await restMembers.json()) as Page).members.map((m) => m.client_id)).toEqual(seen.slice(0, 2));
    const badCursor = await apiCall(pageTeam.api, `/api/v1/segments/${seg.segment.segment_id}/members?cursor=nonsense`);
    expect(badCursor.status).toBe(400);
  });

  it("deletes a segment (a destructive tool) and then no longer finds it", async () => {
    const seg = await ok<{ segment: { segment_id: string } }>(team.token, "create_segment", {
      name: "Temporary",
      rule: { match: "all", rules: [{ field: "status", operator: "eq", value: "active" }] },
    });
    const list = await mcpCall(team.token, { jsonrpc: "2.0", id: 2, method: "tools/list", params: {} });
    const tools = (list.message?.result as { tools: { name: string; annotations: { destructiveHint: boolean; readOnlyHint: boolean } }[] }).tools;
    expect(tools.find((t) => t.name === "delete_segment")?.annotations.destructiveHint).toBe(true);
    expect(tools.find((t) => t.name === "preview_segment")?.annotations.readOnlyHint).toBe(true);

    const deleted = await apiCall(team.api, `/api/v1/segments/${seg.segment.segment_id}`, { method: "DELETE" });
    expect(deleted.status).toBe(200);
    const again = await apiCall(team.api, `/api/v1/segments/${seg.segment.segment_id}/members`);
    expect(again.status).toBe(404);
    const listed = await ok<{ segments: { segment_id: string }[] }>(team.token, "list_segments", {});
    expect(listed.segments.map((s) => s.segment_id)).not.toContain(seg.segment.segment_id);
  });
});

describe("scopes and tenants", () => {
  it("lets a read-only token preview and list but not create or delete (403 insufficient_scope)", async () => {
    const readOnly = (await tokenFor(team.workspace, { scope: "cs:read", grant: ["cs:read"] })).access_token;
    await ok(readOnly, "preview_segment", { rule: enterpriseOrBigRule });
    await ok(readOnly, "list_segments", {});
    const create = await callTool(readOnly, "create_segment", { name: "Nope", rule: enterpriseOrBigRule });
    expect(create.response.status).toBe(403);
    expect(create.response.headers.get("WWW-Authenticate")).toContain('error="insufficient_scope"');
    const del = await callTool(readOnly, "delete_segment", { segment_id: "seg_whatever" });
    expect(del.response.status).toBe(403);
  });

  it("keeps segments and their members inside their own tenant", async () => {
    const other = await newTeam("Other Segments Co");
    const mine = await ok<{ segments: { segment_id: string }[] }>(team.token, "list_segments", {});
    const theirs = await ok<{ segments: unknown[] }>(other.token, "list_segments", {});
    expect(theirs.segments).toEqual([]);
    const firstId = mine.segments[0]?.segment_id ?? "";
    expect(firstId).not.toBe("");
    const foreign = await refused(other.token, "list_segment_members", { segment_id: firstId });
    expect(foreign).toContain("No segment");
    expect((await apiCall(other.api, `/api/v1/segments/${firstId}`, { method: "DELETE" })).status).toBe(404);
    const preview = await ok<Preview>(other.token, "preview_segment", { rule: enterpriseOrBigRule });
    expect(preview.accounts_evaluated).toBe(0);
    expect(preview.member_count).toBe(0);
  });
});
