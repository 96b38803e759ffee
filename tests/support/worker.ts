import { env, exports } from "cloudflare:workers";
import {
  authorize,
  Browser,
  registerOAuthClient,
  signUp,
  type Fetch,
  type Tokens,
} from "../../scripts/lib/oauth-flow";

/** Helpers that reach the Worker under test through its real entry point. */

export const ORIGIN = "http://localhost";

/**
 * Calls the Worker's default export, as a request from the network would. Each request
 * comes from its own client address unless the test sets CF-Connecting-IP, so the per-IP
 * sign-up limit only bites in the tests about it.
 */
let requestCount = 0;
export const workerFetch: Fetch = (input, init) => {
  const request = new Request(input, init);
  requestCount += 1;
  // A request from the network always has a Host header; a Request built in a test does not.
  if (!request.headers.has("Host")) request.headers.set("Host", new URL(request.url).host);
  if (!request.headers.has("CF-Connecting-IP")) request.headers.set("CF-Connecting-IP", `203.0.${Math.floor(requestCount / 250) % 250}.${(requestCount % 250) + 1}`);
  return exports.default.fetch(request);
};

let counter = 0;

/** A unique email per call: Durable Object and D1 state persist across the tests of one file. */
export function uniqueEmail(label = "user"): string {
  counter += 1;
  return `${label}-${counter}-${crypto.randomUUID().slice(0, 8)}@example.com`;
}

export const PASSWORD = "correct horse battery staple";

export interface Workspace {
  browser: Browser;
  email: string;
}

/** Signs up a new workspace (tenant + owner) and keeps the browser session. */
export async function newWorkspace(organization = "Acme Success"): Promise<Workspace> {
  const browser = new Browser(ORIGIN, workerFetch);
  const email = uniqueEmail("owner");
  const response = await signUp(browser, { organization, email, password: PASSWORD });
  if (response.status !== 303) throw new Error(`sign-up answered ${response.status}: ${await response.text()}`);
  return { browser, email };
}

/** A token for the signed-in browser's workspace, through registration, consent and the token endpoint. */
export async function tokenFor(
  workspace: Workspace,
  options: { scope?: string; grant?: string[]; resource?: string } = {},
): Promise<Tokens & { client_id: string }> {
  const client = await registerOAuthClient(ORIGIN, workerFetch);
  const { tokens } = await authorize(workspace.browser, client, options);
  if (!tokens) throw new Error("authorization returned no tokens");
  return { ...tokens, client_id: client.client_id };
}

/** One JSON-RPC call to /mcp with a bearer token; returns the HTTP response and the parsed message. */
export async function mcpCall(
  token: string | null,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<{ response: Response; message: Record<string, unknown> | null }> {
  const response = await workerFetch(`${ORIGIN}/mcp`, {
    method: "POST",
    headers: {
      "Content-Type": "application/json",
      Accept: "application/json, text/event-stream",
      "MCP-Protocol-Version": "2025-06-18",
      ...(token ? { Authorization: `Bearer ${token}` } : {}),
      ...headers,
    },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
  const text = await response.text();
  // An SSE answer carries the message in its last data: line; a JSON answer is the message.
  const data = (response.headers.get("Content-Type") ?? "").startsWith("text/event-stream")
    ? text
        .split("\n")
        .filter((line) => line.startsWith("data:"))
        .map((line) => line.slice(5).trim())
        .at(-1)
    : text;
  return { response, message: data ? (JSON.parse(data) as Record<string, unknown>) : null };
}

/** Calls a tool over MCP and returns its result object. */
export async function callTool(token: string, name: string, args: Record<string, unknown>) {
  const { response, message } = await mcpCall(token, { jsonrpc: "2.0", id: 1, method: "tools/call", params: { name, arguments: args } });
  return { response, message, result: (message?.result ?? null) as { isError?: boolean; structuredContent?: Record<string, unknown>; content: { text: string }[] } | null };
}

/** A REST call with a bearer token. */
export function apiCall(token: string, path: string, init: RequestInit = {}): Promise<Response> {
  return workerFetch(`${ORIGIN}${path}`, {
    ...init,
    headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json", ...(init.headers as Record<string, string> | undefined) },
  });
}

/** The tenant a user owns (the first membership), to reach its Tenant object in fixtures. */
export async function tenantIdOf(email: string): Promise<string> {
  const row = await env.CONTROL_DB.prepare("SELECT m.tenant_id FROM memberships m JOIN users u ON u.id = m.user_id WHERE u.email = ?")
    .bind(email)
    .first<{ tenant_id: string }>();
  if (!row) throw new Error(`no membership for ${email}`);
  return row.tenant_id;
}
