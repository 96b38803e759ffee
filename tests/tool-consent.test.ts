import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { tenantStub } from "../durable-objects/tenant";
import { authorize, exchange, registerOAuthClient } from "../scripts/lib/oauth-flow";
import { catalog } from "../src/tools/catalog";
import { groupingProblems, TOOL_GROUPS } from "../src/tools/groups";
import { apiCall, callTool, mcpCall, newWorkspace, ORIGIN, tenantIdOf, workerFetch, type Workspace } from "./support/worker";

/** Per-tool consent: the tools a person allows on the consent page are the only ones the app can use. */

/** A token for /mcp, or for the REST API (resource: the origin), approved with these consent fields. */
async function connect(workspace: Workspace, consentFields: Record<string, string | string[]>, resource = `${ORIGIN}/mcp`) {
  const client = await registerOAuthClient(ORIGIN, workerFetch, "Limited app");
  const { tokens, consentHtml } = await authorize(workspace.browser, client, { scope: "cs:read cs:write cs:admin", resource, consentFields });
  return { token: tokens?.access_token ?? "", refreshToken: tokens?.refresh_token ?? "", clientId: client.client_id, consentHtml };
}

async function listedTools(token: string): Promise<string[]> {
  const { message } = await mcpCall(token, { jsonrpc: "2.0", id: 1, method: "tools/list" });
  return ((message?.result as { tools: { name: string }[] }).tools ?? []).map((tool) => tool.name);
}

const groupTools = (key: string) => TOOL_GROUPS.find((group) => group.key === key)?.tools ?? [];

describe("per-tool consent", () => {
  it("puts every catalog tool in exactly one consent group", () => {
    expect(groupingProblems()).toEqual({ unknown: [], ungrouped: [] });
    const names = TOOL_GROUPS.flatMap((group) => group.tools.map((tool) => tool.name));
    expect(new Set(names).size).toBe(names.length);
    expect(names.length).toBe(catalog.length);
  });

  it("offers each group on the consent page, every tool allowed unless the person limits them", async () => {
    const owner = await newWorkspace("Consent Co");
    const { token, consentHtml } = await connect(owner, {});
    for (const group of TOOL_GROUPS) expect(consentHtml).toContain(`<label for="tools-${group.key}">`);
    expect(consentHtml).toContain('id="tool-send_email"');
    expect((await listedTools(token)).length).toBe(catalog.length);
    expect((await owner.browser.page("/setup/assistants")).html).toContain("every tool these scopes allow");
  });

  it("leaves out a group and keeps only another's reading tools: listed, called through MCP and REST", async () => {
    const owner = await newWorkspace("Limited Co");
    const { token } = await connect(owner, { tools_email: "none", tools_integrations: "read" });
    const listed = await listedTools(token);
    for (const tool of groupTools("email")) expect(listed).not.toContain(tool.name);
    for (const tool of groupTools("integrations")) expect(listed.includes(tool.name), tool.name).toBe(tool.annotations.readOnlyHint);
    expect(listed).toContain("list_integrations");
    expect(listed).not.toContain("connect_integration");
    expect(listed).toContain("get_client_overview");

    // A tool left out answers in words, whatever its arguments, and nothing runs.
    const refused = await callTool(token, "send_email", { nonsense: true });
    expect(refused.result?.isError).toBe(true);
    expect(refused.result?.content[0]?.text).toContain("send_email is not among the tools allowed for this connection");
    const restToken = (await connect(owner, { tools_email: "none", tools_integrations: "read" }, ORIGIN)).token;
    const rest = await apiCall(restToken, "/api/v1/clients/cs_missing/emails", { method: "POST", body: JSON.stringify({ subject: "Hi", body: "Hello" }) });
    expect(rest.status).toBe(403);
    const answer = (await rest.json()) as { error: { code: string; message: string } };
    expect(answer.error).toMatchObject({ code: "forbidden" });
    expect(answer.error.message).toContain("send_email is not among the tools allowed");

    // Allowed tools work as before.
    const registered = await callTool(token, "register_client", { client_name: "Allowed Inc", company_name: "Allowed Inc", tier: "starter", contract_value: 1000 });
    expect(registered.result?.isError).toBeFalsy();
    expect((await apiCall(restToken, "/api/v1/integrations")).status).toBe(200);

    // The refusals are in the audit log, as forbidden calls.
    // (Written after the answer, in a batch: poll for it.)
    const stub = tenantStub(env.TENANT, await tenantIdOf(owner.email));
    const outcomes = async () => {
      const audit = await stub.auditLogPage({ limit: 50, tool: "send_email" });
      return audit.ok ? audit.value.entries.map((entry) => (JSON.parse(String(entry.details)) as { outcome: string }).outcome) : [];
    };
    await expect.poll(outcomes).toEqual(["forbidden", "forbidden"]);
    // … and so is the consent, with what it allowed.
    const approvals = async () => {
      const audit = await stub.auditLogPage({ limit: 50, tool: "approve_assistant_access" });
      return audit.ok ? audit.value.entries.map((entry) => ({ via: entry.via, details: JSON.parse(String(entry.details)) as { app: string; tools: string[] | "all" } })) : [];
    };
    await expect.poll(async () => (await approvals()).length).toBe(2);
    const [approval] = await approvals();
    expect(approval?.via).toBe("consent");
    expect(approval?.details.app).toBe("Limited app");
    expect(approval?.details.tools).toHaveLength(listed.length);
    expect((await owner.browser.page("/setup/assistants")).html).toContain(`${listed.length} tools allowed`);
  });

  it("keeps exactly the tools ticked in a group chosen one by one, also after a refresh", async () => {
    const owner = await newWorkspace();
    const none = Object.fromEntries(TOOL_GROUPS.map((group) => [`tools_${group.key}`, "none"]));
    const { token, refreshToken, clientId } = await connect(owner, { ...none, tools_support: "pick", tool: ["get_ticket", "list_tickets", "send_email", "no_such_tool"] });
    expect((await listedTools(token)).sort()).toEqual(["get_ticket", "list_tickets"]);
    const refreshed = await exchange(ORIGIN, workerFetch, { grant_type: "refresh_token", refresh_token: refreshToken, client_id: clientId });
    expect((await listedTools(refreshed.access_token)).sort()).toEqual(["get_ticket", "list_tickets"]);
    // A tick outside a "pick" group counts for nothing: send_email's group is "none".
    expect((await callTool(token, "send_email", {})).result?.content[0]?.text).toContain("not among the tools allowed");
  });

  it("offers resources and prompts only with the tools whose data they show", async () => {
    const owner = await newWorkspace("Briefs Co");
    const registered = await callTool((await connect(owner, {})).token, "register_client", { client_name: "Brief Inc", company_name: "Brief Inc", tier: "starter", contract_value: 1000 });
    const id = String((registered.result?.structuredContent as { client: { client_id: string } }).client.client_id);
    const surface = async (token: string) => {
      const call = async (method: string, params: Record<string, unknown> = {}) => (await mcpCall(token, { jsonrpc: "2.0", id: 1, method, params })).message ?? {};
      const resources = ((await call("resources/list")).result as { resources?: { uri: string }[] } | undefined)?.resources ?? [];
      const prompts = ((await call("prompts/list")).result as { prompts?: { name: string }[] } | undefined)?.prompts ?? [];
      return { uris: resources.map((r) => r.uri), prompts: prompts.map((p) => p.name).sort(), read: await call("resources/read", { uri: `account://${id}` }) };
    };

    const everything = await surface((await connect(owner, {})).token);
    expect(everything.uris).toEqual(expect.arrayContaining(["health-model://current", `account://${id}`]));
    expect(everything.prompts).toEqual(["churn_review", "onboarding_kickoff", "qbr_preparation", "renewal_preparation"]);
    expect(everything.read.result).toBeDefined();

    // No account tools: no account briefs (listed or read) and no prompts, which are built on them.
    const noAccounts = await surface((await connect(owner, { tools_accounts: "none" })).token);
    expect(noAccounts.uris).toEqual(["health-model://current"]);
    expect(noAccounts.prompts).toEqual([]);
    expect(noAccounts.read.result).toBeUndefined();
    expect(noAccounts.read.error).toBeDefined();

    // No churn tools: the prompts that quote churn risk (churn review, renewal preparation) go with
    // them; the health model goes with get_health_model.
    const noRisk = await surface((await connect(owner, { tools_risk: "none", tools_health: "none" })).token);
    expect(noRisk.prompts).toEqual(["onboarding_kickoff", "qbr_preparation"]);
    expect(noRisk.uris).toEqual([`account://${id}`]);
  });

  it("refuses a consent that allows no tool at all", async () => {
    const owner = await newWorkspace();
    const none = Object.fromEntries(TOOL_GROUPS.map((group) => [`tools_${group.key}`, "none"]));
    await expect(connect(owner, none)).rejects.toThrow(/consent answered 400.*No tool is allowed/s);
  });
});
