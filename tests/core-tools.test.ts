import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { callTool, newWorkspace, tokenFor } from "./support/worker";

type Client = { client_id: string; client_name: string; tier: string; contract_value: number; renewal_date: string; lifecycle_stage: string; status: string };

let token = "";

async function ok(name: string, args: Record<string, unknown>): Promise<Record<string, unknown>> {
  const { result, message } = await callTool(token, name, args);
  if (!result || result.isError) throw new Error(`${name} failed: ${JSON.stringify(message)}`);
  // structuredContent and the text content carry the same object.
  expect(JSON.parse(result.content[0]?.text ?? "null")).toEqual(result.structuredContent);
  return result.structuredContent ?? {};
}

async function refused(name: string, args: Record<string, unknown>): Promise<string> {
  const { result, message } = await callTool(token, name, args);
  const error = message?.error as { message: string } | undefined;
  if (error) return error.message;
  expect(result?.isError).toBe(true);
  return result?.content[0]?.text ?? "";
}

async function register(name: string, extra: Record<string, unknown> = {}): Promise<Client> {
  const out = await ok("register_client", { client_name: name, company_name: `${name} Inc.`, ...extra });
  return out.client as Client;
}

beforeAll(async () => {
  token = (await tokenFor(await newWorkspace("Core Tools Co"))).access_token;
});

describe("register_client", () => {
  it("stores the account in the tenant's Durable Object with defaults and next steps", async () => {
    const out = await ok("register_client", { client_name: "Hooli", company_name: "Hooli XYZ", contract_value: 120000, tier: "enterprise", contract_start_date: "2026-01-15" });
    const client = out.client as Client & { contract_end_date: string; health_score: number | null; industry: string };
    expect(client.client_id).toMatch(/^cs_[a-z0-9]+$/);
    expect(client.tier).toBe("enterprise");
    expect(client.lifecycle_stage).toBe("onboarding");
    expect(client.industry).toBe("Technology");
    expect(client.contract_end_date).toBe("2027-01-15");
    expect(client.renewal_date).toBe("2027-01-15");
    expect(client.health_score).toBeNull();
    expect((out.next_steps as string[]).some((step) => step.includes("primary contact"))).toBe(true);
    const again = await ok("get_client_overview", { client_id: client.client_id });
    expect((again.client as Client).client_name).toBe("Hooli");
  });

  it("refuses an unknown tier, a bad date and an end before the start, naming the field", async () => {
    expect(await refused("register_client", { client_name: "A", company_name: "A", tier: "gold" })).toMatch(/tier.*starter, standard, professional, enterprise/);
    expect(await refused("register_client", { client_name: "A", company_name: "A", contract_start_date: "2026-13-40" })).toMatch(/contract_start_date.*YYYY-MM-DD/);
    expect(
      await refused("register_client", { client_name: "A", company_name: "A", contract_start_date: "2026-05-01", contract_end_date: "2026-04-01" }),
    ).toMatch(/contract_end_date.*after contract_start_date/);
    expect(await refused("register_client", { client_name: "A", company_name: "A", primary_contact_email: "nope" })).toMatch(/primary_contact_email/);
  });

  it("names each field once, with its whole path, in the MCP SDK's validation errors", async () => {
    // Messages that begin with their field ("client_name is required") are not prefixed with it again.
    const blank = await refused("register_client", { client_name: " ", company_name: "A" });
    expect(blank).toContain("client_name is required");
    expect(blank).not.toContain("client_name: client_name");
    // Other messages as the SDK prints them: the field, then the problem.
    expect(await refused("list_clients", { limit: "5" })).toContain('limit: must be a number, not the string "5"');
  });

  it("refuses a second account with the same external_id", async () => {
    await register("Pied Piper", { external_id: "crm-42" });
    expect(await refused("register_client", { client_name: "Pied Piper 2", company_name: "PP", external_id: "crm-42" })).toMatch(/external_id "crm-42" already exists/);
  });
});

describe("update_client_info", () => {
  it("changes only the named fields and records each previous value on the timeline and in the audit log", async () => {
    const client = await register("Umbrella", { contract_value: 1000 });
    const out = await ok("update_client_info", { client_id: client.client_id, updates: { contract_value: 2500, csm_assigned: "Maya Patel" } });
    expect((out.client as Client).contract_value).toBe(2500);
    expect(out.changed_fields).toEqual([
      { field: "contract_value", from: 1000, to: 2500 },
      { field: "csm_assigned", from: null, to: "Maya Patel" },
    ]);
    const timeline = await ok("get_client_timeline", { client_id: client.client_id });
    const [latest] = timeline.events as { event_type: string; metadata: { changes: Record<string, unknown> } }[];
    expect(latest?.event_type).toBe("contract");
    expect(latest?.metadata.changes).toEqual({ contract_value: { from: 1000, to: 2500 }, csm_assigned: { from: null, to: "Maya Patel" } });
  });

  it("refuses fields that cannot change, listing the ones that can", async () => {
    const client = await register("Soylent");
    const message = await refused("update_client_info", { client_id: client.client_id, updates: { health_score: 99 } });
    expect(message).toContain("health_score");
    expect(message).toContain("csm_assigned");
  });

  it("refuses an empty update and an unknown account", async () => {
    const client = await register("Tyrell");
    expect(await refused("update_client_info", { client_id: client.client_id, updates: {} })).toMatch(/at least one field/);
    expect(await refused("update_client_info", { client_id: "cs_missing", updates: { industry: "Retail" } })).toMatch(/No account with client_id "cs_missing"/);
  });

  it("shows the five newest events and counts every event of the account by type in the overview", async () => {
    const client = await register("Initech");
    for (const industry of ["Retail", "Finance", "Healthcare", "Energy", "Media", "Education"]) {
      await ok("update_client_info", { client_id: client.client_id, updates: { industry } });
    }
    const overview = await ok("get_client_overview", { client_id: client.client_id });
    const timeline = await ok("get_client_timeline", { client_id: client.client_id, limit: 100 });
    const events = timeline.events as { event_type: string }[];
    expect(events.length).toBe(7);
    const expected: Record<string, number> = {};
    for (const event of events) expected[event.event_type] = (expected[event.event_type] ?? 0) + 1;
    // The five newest, newest first, field for field as the timeline shows them.
    expect(overview.recent_activity).toEqual(events.slice(0, 5));
    expect(overview.activity_counts).toEqual(expected);
    expect(timeline.summary).toEqual({ total_events: 7, counts_by_type: expected });
  });

  it("leaves nothing half-written when a change is refused", async () => {
    const client = await register("Wonka", { contract_start_date: "2026-01-01", contract_end_date: "2026-12-31" });
    await refused("update_client_info", { client_id: client.client_id, updates: { industry: "Candy", contract_end_date: "2025-01-01" } });
    const overview = await ok("get_client_overview", { client_id: client.client_id });
    expect((overview.client as { industry: string }).industry).toBe("Technology");
    const timeline = await ok("get_client_timeline", { client_id: client.client_id });
    expect((timeline.summary as { total_events: number }).total_events).toBe(1);
  });
});

describe("list_clients", () => {
  it("filters, sorts and pages with a cursor, with a summary over every match", async () => {
    const names = ["Zeta One", "Zeta Two", "Zeta Three", "Zeta Four", "Zeta Five"];
    for (const [index, name] of names.entries()) {
      await register(name, { tier: index % 2 === 0 ? "professional" : "starter", contract_value: (index + 1) * 1000 });
    }
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const out = await ok("list_clients", { search: "Zeta", sort_by: "contract_value", sort_order: "desc", limit: 2, ...(cursor ? { cursor } : {}) });
      const page = out.clients as Client[];
      seen.push(...page.map((client) => client.client_name));
      const summary = out.summary as { total_count: number; total_arr: number; by_tier: Record<string, number> };
      expect(summary.total_count).toBe(5);
      expect(summary.total_arr).toBe(15000);
      expect(summary.by_tier.professional).toBe(3);
      cursor = (out.pagination as { next_cursor: string | null }).next_cursor ?? undefined;
      pages += 1;
    } while (cursor);
    expect(pages).toBe(3);
    expect(seen).toEqual(["Zeta Five", "Zeta Four", "Zeta Three", "Zeta Two", "Zeta One"]);

    const starters = await ok("list_clients", { search: "Zeta", tier: ["starter"], sort_by: "name" });
    expect((starters.clients as Client[]).map((client) => client.client_name)).toEqual(["Zeta Four", "Zeta Two"]);
  });

  it("keeps each filter's summary apart and recomputes it after any change", async () => {
    const summaryOf = async (args: Record<string, unknown>) => (await ok("list_clients", { search: "Omega", ...args })).summary as { total_count: number; total_arr: number; by_tier: Record<string, number> };
    const first = await register("Omega One", { tier: "starter", contract_value: 1000 });
    await register("Omega Two", { tier: "enterprise", contract_value: 9000 });
    expect(await summaryOf({})).toMatchObject({ total_count: 2, total_arr: 10000 });
    expect(await summaryOf({ tier: ["starter"] })).toMatchObject({ total_count: 1, total_arr: 1000 });
    await ok("update_client_info", { client_id: first.client_id, updates: { contract_value: 4000 } });
    expect(await summaryOf({})).toMatchObject({ total_count: 2, total_arr: 13000 });
    await register("Omega Three", { tier: "starter", contract_value: 500 });
    expect(await summaryOf({ tier: ["starter"] })).toMatchObject({ total_count: 2, total_arr: 4500, by_tier: { starter: 2 } });
  });

  it("refuses a cursor from another sort and values out of range", async () => {
    await register("Cursor A");
    await register("Cursor B");
    const first = await ok("list_clients", { limit: 1, sort_by: "name" });
    const cursor = (first.pagination as { next_cursor: string }).next_cursor;
    expect(await refused("list_clients", { limit: 1, sort_by: "renewal_date", cursor })).toMatch(/cursor belongs to a different sort/);
    expect(await refused("list_clients", { limit: 0 })).toMatch(/limit/);
    expect(await refused("list_clients", { health_score_min: 80, health_score_max: 20 })).toMatch(/health_score_min must not exceed/);
    expect(await refused("list_clients", { lifecycle_stage: ["dormant"] })).toMatch(/lifecycle_stage.*onboarding/);
  });
});

describe("get_client_timeline", () => {
  it("lists events newest first, filtered by type and date", async () => {
    const client = await register("Timeline Co");
    await ok("update_client_info", { client_id: client.client_id, updates: { industry: "Retail" } });
    await ok("update_client_info", { client_id: client.client_id, updates: { status: "paused" } });
    const all = await ok("get_client_timeline", { client_id: client.client_id });
    const events = all.events as { title: string; occurred_at: string; event_type: string }[];
    expect(events.map((event) => event.title)).toEqual(["Updated status", "Updated industry", "Account registered"]);
    const times = events.map((event) => event.occurred_at);
    expect([...times].sort().reverse()).toEqual(times);

    const onlyAccount = await ok("get_client_timeline", { client_id: client.client_id, event_types: ["account"], limit: 1 });
    expect((onlyAccount.events as unknown[]).length).toBe(1);
    expect((onlyAccount.pagination as { has_more: boolean }).has_more).toBe(true);

    const future = await ok("get_client_timeline", { client_id: client.client_id, start_date: "2999-01-01" });
    expect(future.events).toEqual([]);
    expect(await refused("get_client_timeline", { client_id: client.client_id, start_date: "2026-05-01", end_date: "2026-04-01" })).toMatch(/start_date/);
  });
});

describe("audit log", () => {
  it("records each write with who, what and through which client", async () => {
    const client = await register("Audited");
    await ok("update_client_info", { client_id: client.client_id, updates: { industry: "Energy" } });
    // Read the tenant's own audit table through its Durable Object.
    const ids = await env.CONTROL_DB.prepare("SELECT tenant_id FROM memberships m JOIN tenants t ON t.id = m.tenant_id WHERE t.name = 'Core Tools Co'").first<{ tenant_id: string }>();
    const stub = env.TENANT.get(env.TENANT.idFromName(ids?.tenant_id ?? ""));
    const entries = (await stub.auditLog(50)) as { action: string; via: string; targetId: string | null; userId: string }[];
    // The domain entries written with each change (tool-call entries are audit.test.ts's).
    const mine = entries.filter((entry) => entry.targetId === client.client_id && !entry.action.startsWith("tool:"));
    expect(mine.map((entry) => entry.action)).toEqual(["update_client_info", "register_client"]);
    expect(mine.every((entry) => entry.via.startsWith("mcp:") && entry.userId.startsWith("u_"))).toBe(true);
  });
});
