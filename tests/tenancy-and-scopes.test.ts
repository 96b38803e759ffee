import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { Browser, logIn } from "../scripts/lib/oauth-flow";
import { hashPassword } from "../src/auth/passwords";
import { addMember, createUser } from "../src/db/control";
import { apiCall, callTool, mcpCall, newWorkspace, ORIGIN, PASSWORD, tokenFor, uniqueEmail, workerFetch } from "./support/worker";

async function tenantOf(email: string): Promise<string> {
  const row = await env.CONTROL_DB.prepare("SELECT m.tenant_id FROM memberships m JOIN users u ON u.id = m.user_id WHERE u.email = ?")
    .bind(email)
    .first<{ tenant_id: string }>();
  return row?.tenant_id ?? "";
}

describe("tenant isolation", () => {
  it("never lets tenant A's token read or change tenant B's account, through MCP or REST", async () => {
    const alpha = await newWorkspace("Alpha");
    const beta = await newWorkspace("Beta");
    const alphaMcp = (await tokenFor(alpha)).access_token;
    const betaMcp = (await tokenFor(beta)).access_token;
    const alphaApi = (await tokenFor(alpha, { resource: ORIGIN })).access_token;

    const created = await callTool(betaMcp, "register_client", { client_name: "Beta Secret", company_name: "Beta Secret Ltd" });
    const betaId = (created.result?.structuredContent?.client as { client_id: string }).client_id;

    const overview = await callTool(alphaMcp, "get_client_overview", { client_id: betaId });
    expect(overview.result?.isError).toBe(true);
    expect(overview.result?.content[0]?.text).toContain("No account");
    const update = await callTool(alphaMcp, "update_client_info", { client_id: betaId, updates: { client_name: "Hijacked" } });
    expect(update.result?.isError).toBe(true);
    const list = await callTool(alphaMcp, "list_clients", { search: "Beta Secret" });
    expect((list.result?.structuredContent?.summary as { total_count: number }).total_count).toBe(0);
    // A tenant id smuggled into the arguments is not an input the tools accept.
    const smuggled = await callTool(alphaMcp, "list_clients", { tenant_id: await tenantOf(beta.email) });
    expect((smuggled.result?.structuredContent?.summary as { total_count: number } | undefined)?.total_count ?? 0).toBe(0);

    expect((await apiCall(alphaApi, `/api/v1/clients/${betaId}`)).status).toBe(404);
    expect((await apiCall(alphaApi, `/api/v1/clients/${betaId}`, { method: "PATCH", body: JSON.stringify({ updates: { client_name: "Hijacked" } }) })).status).toBe(404);
    expect((await apiCall(alphaApi, `/api/v1/clients/${betaId}/timeline`)).status).toBe(404);

    const still = await callTool(betaMcp, "get_client_overview", { client_id: betaId });
    expect((still.result?.structuredContent?.client as { client_name: string }).client_name).toBe("Beta Secret");
  });
});

describe("scopes", () => {
  it("answers a write tool called with a read-only token with 403 insufficient_scope naming cs:write", async () => {
    const workspace = await newWorkspace("Scoped");
    const readOnly = (await tokenFor(workspace, { scope: "cs:read", grant: ["cs:read"] })).access_token;
    const read = await callTool(readOnly, "list_clients", {});
    expect(read.response.status).toBe(200);

    const { response } = await mcpCall(readOnly, {
      jsonrpc: "2.0",
      id: 1,
      method: "tools/call",
      params: { name: "register_client", arguments: { client_name: "X", company_name: "X" } },
    });
    expect(response.status).toBe(403);
    const challenge = response.headers.get("WWW-Authenticate") ?? "";
    expect(challenge).toContain('error="insufficient_scope"');
    expect(challenge).toContain("cs:write");
    expect(challenge).toContain(`resource_metadata="${ORIGIN}/.well-known/oauth-protected-resource/mcp"`);

    const restReadOnly = (await tokenFor(workspace, { scope: "cs:read", grant: ["cs:read"], resource: ORIGIN })).access_token;
    const rest = await apiCall(restReadOnly, "/api/v1/clients", { method: "POST", body: JSON.stringify({ client_name: "X", company_name: "X" }) });
    expect(rest.status).toBe(403);
    expect(rest.headers.get("WWW-Authenticate")).toContain("cs:write");
  });

  it("gives a viewer read access only", async () => {
    const owner = await newWorkspace("Viewer Scope Co");
    const ownerToken = (await tokenFor(owner)).access_token;
    await callTool(ownerToken, "register_client", { client_name: "Visible", company_name: "Visible Inc" });

    const email = uniqueEmail("viewer");
    const userId = await createUser(env.CONTROL_DB, { email, name: "Viewer", password: await hashPassword(PASSWORD) });
    await addMember(env.CONTROL_DB, { tenantId: await tenantOf(owner.email), userId, role: "viewer" });
    const browser = new Browser(ORIGIN, workerFetch);
    await logIn(browser, { email, password: PASSWORD });
    const tokens = await tokenFor({ browser, email }, { scope: "cs:read cs:write" });
    expect(tokens.scope).toBe("cs:read");

    const list = await callTool(tokens.access_token, "list_clients", {});
    expect((list.result?.structuredContent?.summary as { total_count: number }).total_count).toBe(1);
    const write = await callTool(tokens.access_token, "register_client", { client_name: "Nope", company_name: "Nope" });
    expect(write.response.status).toBe(403);
  });
});
