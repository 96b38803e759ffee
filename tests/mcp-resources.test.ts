import { describe, expect, it } from "vitest";
import { mcpCall, tokenFor } from "./support/worker";
import { newTeam, ok, register, setFeatures } from "./support/work";

type Message = Record<string, unknown> & { result?: Record<string, unknown>; error?: { code: number; message: string } };

async function rpc(token: string, method: string, params: Record<string, unknown> = {}): Promise<{ status: number; message: Message }> {
  const { response, message } = await mcpCall(token, { jsonrpc: "2.0", id: 1, method, params });
  return { status: response.status, message: (message ?? {}) as Message };
}

interface Brief {
  account: { client_id: string; client_name: string; renewal_date: string };
  health: { score: number | null; band: string | null; components: { name: string; value: number | null; weight: number; contribution: number }[] };
  renewal: { renewal_date: string; days_until_renewal: number; contract_value: number };
  open_tasks: { title: string }[];
  open_escalations: { title: string }[];
  open_tickets: unknown[];
  recent_timeline: { title: string }[];
}

async function readBrief(token: string, id: string): Promise<Brief> {
  const { message } = await rpc(token, "resources/read", { uri: `account://${id}` });
  const contents = (message.result?.contents ?? []) as { uri: string; mimeType: string; text: string }[];
  expect(contents[0]?.uri).toBe(`account://${id}`);
  expect(contents[0]?.mimeType).toBe("application/json");
  return JSON.parse(contents[0]?.text ?? "{}") as Brief;
}

/** A scored account with open work: features written as fixtures, then scored through the tool. */
async function seeded(name: string) {
  const team = await newTeam(name);
  const acme = await register(team.token, { client_name: "Acme Analytics", tier: "enterprise", contract_value: 240000, csm_assigned: "Dana" });
  const beta = await register(team.token, { client_name: "Beta Bakery", tier: "starter" });
  await setFeatures(team.tenantId, acme, { activeUsers: 40, licensedSeats: 100, logins30d: 300, nps: 3, openTickets: 4, invoicesPaidLate: 2 });
  await ok(team.token, "calculate_health_score", { client_id: acme });
  await ok(team.token, "create_task", { client_id: acme, title: "Fix onboarding gaps", priority: "high" });
  await ok(team.token, "create_escalation", { client_id: acme, severity: "high", title: "Exec unhappy with reporting", description: "From the last call" });
  // More than ten timeline events, so the brief's "last 10" is a real cut.
  for (let i = 0; i < 10; i++) await ok(team.token, "create_task", { client_id: acme, title: `Follow-up ${i}` });
  return { team, acme, beta };
}

describe("MCP resources", () => {
  it("lists the account template, lists accounts and the health model, and reads an account brief with real data", async () => {
    const { team, acme, beta } = await seeded("Resource Co");
    const templates = await rpc(team.token, "resources/templates/list");
    const listed = (templates.message.result?.resourceTemplates ?? []) as { uriTemplate: string; name: string }[];
    expect(listed.map((t) => t.uriTemplate)).toEqual(["account://{client_id}"]);

    const resources = await rpc(team.token, "resources/list");
    const uris = ((resources.message.result?.resources ?? []) as { uri: string; name: string }[]).map((r) => r.uri).sort();
    expect(uris).toEqual([`account://${acme}`, `account://${beta}`, "health-model://current"].sort());

    const brief = await readBrief(team.token, acme);
    expect(brief.account.client_name).toBe("Acme Analytics");
    const overview = await ok<{ client: { health_score: number | null; renewal_date: string } }>(team.token, "get_client_overview", { client_id: acme });
    expect(brief.health.score).toBe(overview.client.health_score);
    expect(brief.health.score).not.toBeNull();
    expect(brief.health.components.length).toBeGreaterThan(0);
    expect(brief.renewal).toMatchObject({ renewal_date: overview.client.renewal_date, contract_value: 240000 });
    expect(brief.open_tasks.map((t) => t.title)).toContain("Fix onboarding gaps");
    expect(brief.open_escalations.map((e) => e.title)).toEqual(["Exec unhappy with reporting"]);
    const timeline = await ok<{ events: { title: string }[] }>(team.token, "get_client_timeline", { client_id: acme, limit: 10 });
    expect(brief.recent_timeline.map((e) => e.title)).toEqual(timeline.events.map((e) => e.title));
    expect(brief.recent_timeline).toHaveLength(10);

    const model = await rpc(team.token, "resources/read", { uri: "health-model://current" });
    const text = ((model.message.result?.contents ?? []) as { text: string }[])[0]?.text ?? "{}";
    expect(JSON.parse(text)).toEqual(await ok(team.token, "get_health_model", {}));

    const missing = await rpc(team.token, "resources/read", { uri: "account://acct_missing" });
    expect(missing.message.error?.message).toContain("acct_missing");
    expect(JSON.stringify(missing.message)).not.toContain("    at ");
  });

  it("shows the health breakdown as named components (decoded from the snapshot's compact triples), as the scorer explained them", async () => {
    const { team, acme } = await seeded("Components Co");
    const scored = await ok<{ score: number; components: { name: string; value: number | null; weight: number; contribution: number }[] }>(team.token, "calculate_health_score", { client_id: acme });
    const brief = await readBrief(team.token, acme);
    expect(brief.health.components.map((c) => c.name)).toEqual(scored.components.map((c) => c.name));
    for (const component of brief.health.components) {
      expect(Array.isArray(component)).toBe(false);
      expect(Object.keys(component).sort()).toEqual(["contribution", "name", "value", "weight"]);
      const expected = scored.components.find((c) => c.name === component.name);
      // The tool rounds to one decimal, the snapshot keeps three.
      expect(Math.abs(component.weight - (expected?.weight ?? Number.NaN))).toBeLessThanOrEqual(0.05);
      expect(Math.abs(component.contribution - (expected?.contribution ?? Number.NaN))).toBeLessThanOrEqual(0.05);
      if (expected?.value === null) expect(component.value).toBeNull();
      else expect(Math.abs((component.value ?? Number.NaN) - (expected?.value ?? Number.NaN))).toBeLessThanOrEqual(0.05);
    }
    const total = brief.health.components.reduce((sum, c) => sum + c.contribution, 0);
    expect(total).toBeCloseTo(scored.score, 0);
    // The text form (prompts) names each component too, never a bare triple.
    const prompt = await rpc(team.token, "prompts/get", { name: "churn_review", arguments: { client_id: acme } });
    const text = ((prompt.message.result?.messages ?? []) as { content: { text: string } }[])[0]?.content.text ?? "";
    for (const component of brief.health.components) expect(text).toContain(`  - ${component.name}: value`);
    expect(text).not.toContain("  - undefined:");
  });

  it("completes account ids for the template and the prompts", async () => {
    const { team, acme, beta } = await seeded("Completion Co");
    const byName = await rpc(team.token, "completion/complete", { ref: { type: "ref/resource", uri: "account://{client_id}" }, argument: { name: "client_id", value: "Acme" } });
    expect((byName.message.result?.completion as { values: string[] }).values).toEqual([acme]);
    const all = await rpc(team.token, "completion/complete", { ref: { type: "ref/resource", uri: "account://{client_id}" }, argument: { name: "client_id", value: "" } });
    expect((all.message.result?.completion as { values: string[] }).values.sort()).toEqual([acme, beta].sort());
    // A client completing a half-typed id: the id matches from its start.
    const byId = await rpc(team.token, "completion/complete", { ref: { type: "ref/resource", uri: "account://{client_id}" }, argument: { name: "client_id", value: beta.slice(0, 6) } });
    expect((byId.message.result?.completion as { values: string[] }).values).toContain(beta);
    const prompt = await rpc(team.token, "completion/complete", { ref: { type: "ref/prompt", name: "renewal_preparation" }, argument: { name: "client_id", value: "Beta" } });
    expect((prompt.message.result?.completion as { values: string[] }).values).toEqual([beta]);
  });
});

describe("MCP prompts", () => {
  it("lists the four prompts and fills each with the account's real data", async () => {
    const { team, acme } = await seeded("Prompt Co");
    const list = await rpc(team.token, "prompts/list");
    const prompts = (list.message.result?.prompts ?? []) as { name: string; arguments: { name: string; required: boolean }[] }[];
    expect(prompts.map((p) => p.name).sort()).toEqual(["churn_review", "onboarding_kickoff", "qbr_preparation", "renewal_preparation"]);
    for (const prompt of prompts) expect(prompt.arguments).toEqual([expect.objectContaining({ name: "client_id", required: true })]);

    const overview = await ok<{ client: { health_score: number; renewal_date: string } }>(team.token, "get_client_overview", { client_id: acme });
    const risk = await ok<{ account: { probability: number; level: string } }>(team.token, "get_churn_risk", { client_id: acme });
    const texts: Record<string, string> = {};
    for (const name of ["qbr_preparation", "renewal_preparation", "churn_review", "onboarding_kickoff"]) {
      const got = await rpc(team.token, "prompts/get", { name, arguments: { client_id: acme } });
      const messages = (got.message.result?.messages ?? []) as { role: string; content: { type: string; text: string } }[];
      expect(messages).toHaveLength(1);
      texts[name] = messages[0]?.content.text ?? "";
      expect(texts[name]).toContain(`Acme Analytics (${acme})`);
      expect(texts[name]).toContain(`Health: ${overview.client.health_score}`);
      expect(texts[name]).toContain(overview.client.renewal_date);
      expect(texts[name]).toContain("Fix onboarding gaps");
      expect(texts[name]).toContain("Exec unhappy with reporting");
    }
    expect(texts.qbr_preparation).toContain("quarterly business review");
    expect(texts.churn_review).toContain(`Churn risk: ${Math.round(risk.account.probability * 100)}% (${risk.account.level})`);
    expect(texts.renewal_preparation).toContain("Churn risk:");
    expect(texts.onboarding_kickoff).not.toContain("Churn risk:");
    expect(texts.onboarding_kickoff).toContain("onboarding kick-off");

    const bad = await rpc(team.token, "prompts/get", { name: "churn_review", arguments: { client_id: "acct_nope" } });
    expect(bad.message.error?.message).toContain("acct_nope");
  });
});

describe("scopes and isolation", () => {
  it("needs cs:read for reads and prompts, and lists nothing without it", async () => {
    const { team, acme } = await seeded("Resource Scope Co");
    const writeOnly = (await tokenFor(team.workspace, { scope: "cs:write", grant: ["cs:write"] })).access_token;
    const read = await mcpCall(writeOnly, { jsonrpc: "2.0", id: 1, method: "resources/read", params: { uri: `account://${acme}` } });
    expect(read.response.status).toBe(403);
    expect(read.response.headers.get("WWW-Authenticate")).toContain("cs:read");
    const prompt = await mcpCall(writeOnly, { jsonrpc: "2.0", id: 2, method: "prompts/get", params: { name: "qbr_preparation", arguments: { client_id: acme } } });
    expect(prompt.response.status).toBe(403);
    const list = await rpc(writeOnly, "resources/list");
    expect(((list.message.result?.resources ?? []) as { uri: string }[]).map((r) => r.uri)).toEqual(["health-model://current"]);
    const completion = await rpc(writeOnly, "completion/complete", { ref: { type: "ref/resource", uri: "account://{client_id}" }, argument: { name: "client_id", value: "" } });
    expect((completion.message.result?.completion as { values: string[] }).values).toEqual([]);
  });

  it("keeps each workspace's accounts to itself", async () => {
    const { acme } = await seeded("Resource Home Co");
    const other = await newTeam("Resource Other Co");
    const read = await rpc(other.token, "resources/read", { uri: `account://${acme}` });
    expect(read.message.error?.message).toContain(acme);
    expect(read.message.result).toBeUndefined();
    const listed = await rpc(other.token, "resources/list");
    expect(((listed.message.result?.resources ?? []) as { uri: string }[]).map((r) => r.uri)).toEqual(["health-model://current"]);
    const prompt = await rpc(other.token, "prompts/get", { name: "qbr_preparation", arguments: { client_id: acme } });
    expect(prompt.message.error?.message).toContain(acme);
  });
});
