/**
 * The local server as `npm run dev` runs it, on a port of our choosing: discovery follows
 * that port, health and the start page answer, the development demo workspace is seeded,
 * and tokens refresh (with rotation) and revoke as RFC 6749 and RFC 7009 say.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort, startLocalServer, type LocalServer } from "../../scripts/lib/local-server";
import { authorize, Browser, exchange, logIn, registerOAuthClient, type RegisteredClient, type Tokens } from "../../scripts/lib/oauth-flow";
import { field, isRecord, nodeFetch, signedUpBrowser, sleep } from "./helpers";

/** wrangler dev's default; the server must not only work there. */
const DEFAULT_PORT = 8787;
/** What src/demo/tenant.ts seeds (DEMO_ACCOUNT_COUNT). */
const DEMO_ACCOUNTS = 100;
const DEMO_LOGIN = { email: "demo@example.com", password: "demo-password" };

let server: LocalServer;
let port: number;

beforeAll(async () => {
  do {
    port = await freePort();
  } while (port === DEFAULT_PORT);
  server = await startLocalServer({ port });
});

afterAll(async () => {
  await server?.stop();
});

let rpcId = 0;

/**
 * One JSON-RPC request to /mcp with a bearer token, as any HTTP client sends it. The
 * server may answer as JSON or as an SSE stream; returns the HTTP response and the answer.
 */
async function mcpRequest(token: string, method: string, params: Record<string, unknown>): Promise<{ response: Response; message: unknown }> {
  rpcId += 1;
  const id = rpcId;
  const response = await fetch(`${server.origin}/mcp`, {
    method: "POST",
    headers: {
      Authorization: `Bearer ${token}`,
      "Content-Type": "application/json",
      Accept: "application/json, text/event-stream",
      "MCP-Protocol-Version": "2025-06-18",
    },
    body: JSON.stringify({ jsonrpc: "2.0", id, method, params }),
  });
  const body = await response.text();
  if (!response.ok) return { response, message: body };
  if (!(response.headers.get("Content-Type") ?? "").includes("text/event-stream")) return { response, message: JSON.parse(body) };
  // An SSE stream may carry notifications too; the answer is the event with our id.
  const events = body
    .split("\n")
    .filter((line) => line.startsWith("data:"))
    .map((line): unknown => JSON.parse(line.slice(5)));
  const message = events.find((event) => isRecord(event) && event.id === id);
  if (message === undefined) throw new Error(`no answer to request ${id} in: ${body.slice(0, 500)}`);
  return { response, message };
}

/** tools/call list_clients; returns the structuredContent or throws with what came back. */
async function listClients(token: string): Promise<Record<string, unknown>> {
  const { response, message } = await mcpRequest(token, "tools/call", { name: "list_clients", arguments: { limit: 1 } });
  if (response.status !== 200) throw new Error(`/mcp answered ${response.status}: ${String(message)}`);
  const structured = field(message, "result", "structuredContent");
  if (!isRecord(structured)) throw new Error(`list_clients returned ${JSON.stringify(message)}`);
  return structured;
}

async function json(path: string): Promise<unknown> {
  const response = await fetch(`${server.origin}${path}`);
  expect(response.status, path).toBe(200);
  return response.json();
}

describe("local server on a non-default port", () => {
  it("serves OAuth metadata whose issuer and resource follow the port", async () => {
    expect(port).not.toBe(DEFAULT_PORT);
    expect(server.origin).toBe(`http://localhost:${port}`);
    const authorizationServer = await json("/.well-known/oauth-authorization-server");
    expect(field(authorizationServer, "issuer")).toBe(`http://localhost:${port}`);
    expect(field(authorizationServer, "token_endpoint")).toBe(`http://localhost:${port}/oauth/token`);
    expect(field(authorizationServer, "authorization_endpoint")).toBe(`http://localhost:${port}/authorize`);
    const resource = await json("/.well-known/oauth-protected-resource/mcp");
    expect(field(resource, "resource")).toBe(`http://localhost:${port}/mcp`);
    expect(field(resource, "authorization_servers")).toEqual([`http://localhost:${port}`]);
  });

  it("answers /healthz with 200 and status ok", async () => {
    const health = await json("/healthz");
    expect(field(health, "status")).toBe("ok");
    expect(field(health, "problems")).toEqual([]);
  });

  it("runs the Tenant object in a Worker of its own, as production runs it apart (scripts/dev.mjs)", () => {
    // wrangler's binding table names the Worker that defines a class bound from elsewhere.
    expect(server.output()).toMatch(/customer-success-mcp-worker has access to the following bindings/);
    expect(server.output()).toMatch(/env\.TENANT \(TenantDO, defined in customer-success-mcp\)/);
  });

  it("shows the exact MCP URL on the start page", async () => {
    const response = await fetch(`${server.origin}/`);
    expect(response.status).toBe(200);
    const html = await response.text();
    expect(html).toContain(`<pre>http://localhost:${port}/mcp</pre>`);
  });
});

describe("development demo workspace", () => {
  it("logs in as the documented demo user and lists the seeded accounts", async () => {
    const browser = new Browser(server.origin, nodeFetch);
    // The demo is seeded in the background on the first request; the login page names it once
    // it exists. Waiting here, not retrying the login, keeps clear of the login rate limit.
    const deadline = Date.now() + 30_000;
    let loginPage = "";
    while (Date.now() < deadline) {
      loginPage = (await browser.page("/login")).html;
      if (loginPage.includes(DEMO_LOGIN.email)) break;
      await sleep(250);
    }
    expect(loginPage).toContain(DEMO_LOGIN.email);
    expect(loginPage).toContain(DEMO_LOGIN.password);

    const loggedIn = await logIn(browser, DEMO_LOGIN);
    expect(loggedIn.status).toBe(303);
    const client = await registerOAuthClient(server.origin, nodeFetch, "Demo check");
    const { tokens } = await authorize(browser, client, { scope: "cs:read" });
    if (!tokens) throw new Error("no tokens for the demo user");

    // The accounts land just after the demo user is created; poll briefly for them.
    let total = 0;
    while (Date.now() < deadline) {
      total = Number(field(await listClients(tokens.access_token), "summary", "total_count"));
      if (total > 0) break;
      await sleep(250);
    }
    expect(total).toBe(DEMO_ACCOUNTS);
  });
});

describe("tokens", () => {
  let client: RegisteredClient;
  let tokens: Tokens;

  beforeAll(async () => {
    const { browser } = await signedUpBrowser(server.origin, "Token Co");
    client = await registerOAuthClient(server.origin, nodeFetch, "Token check");
    const granted = await authorize(browser, client, { scope: "cs:read cs:write" });
    if (!granted.tokens) throw new Error("no tokens");
    tokens = granted.tokens;
  });

  it("rotates the refresh token, and the new access token works", async () => {
    expect(tokens.refresh_token).toBeTruthy();
    const refreshed = await exchange(server.origin, nodeFetch, {
      grant_type: "refresh_token",
      refresh_token: tokens.refresh_token ?? "",
      client_id: client.client_id,
    });
    expect(refreshed.access_token).toBeTruthy();
    expect(refreshed.access_token).not.toBe(tokens.access_token);
    expect(refreshed.refresh_token).toBeTruthy();
    expect(refreshed.refresh_token).not.toBe(tokens.refresh_token);
    expect(refreshed.scope.split(" ").sort()).toEqual(["cs:read", "cs:write"]);
    // A brand-new workspace has no accounts: the call succeeding with 0 proves the token's tenant.
    expect(field(await listClients(refreshed.access_token), "summary", "total_count")).toBe(0);
    tokens = refreshed;
  });

  it("refuses a revoked access token with 401 naming the resource metadata", async () => {
    // It works before revocation, so the 401 below is the revocation's doing.
    await listClients(tokens.access_token);

    const revoked = await fetch(`${server.origin}/oauth/token`, {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ token: tokens.access_token, token_type_hint: "access_token", client_id: client.client_id }),
    });
    expect(revoked.status).toBe(200);

    const { response } = await mcpRequest(tokens.access_token, "tools/call", { name: "list_clients", arguments: {} });
    expect(response.status).toBe(401);
    const challenge = response.headers.get("WWW-Authenticate") ?? "";
    expect(challenge).toMatch(/^Bearer /);
    expect(challenge).toContain(`error="invalid_token"`);
    expect(challenge).toContain(`resource_metadata="${server.origin}/.well-known/oauth-protected-resource/mcp"`);
  });
});
