import { env } from "cloudflare:workers";
import { tenantStub, type TenantApi } from "../../durable-objects/tenant";
import { callTool, newWorkspace, ORIGIN, tokenFor, workerFetch, type Workspace } from "./worker";

/** Helpers for the usage-events and API-key tests. */

export async function tenantOf(email: string): Promise<string> {
  const row = await env.CONTROL_DB.prepare("SELECT m.tenant_id FROM memberships m JOIN users u ON u.id = m.user_id WHERE u.email = ?")
    .bind(email)
    .first<{ tenant_id: string }>();
  if (!row) throw new Error(`no tenant for ${email}`);
  return row.tenant_id;
}

export interface AdminWorkspace {
  workspace: Workspace;
  /** An MCP token with cs:admin. */
  token: string;
  tenantId: string;
  tenant: TenantApi;
}

export async function adminWorkspace(organization: string): Promise<AdminWorkspace> {
  const workspace = await newWorkspace(organization);
  const token = (await tokenFor(workspace, { scope: "cs:read cs:write cs:admin" })).access_token;
  const tenantId = await tenantOf(workspace.email);
  return { workspace, token, tenantId, tenant: tenantStub(env.TENANT, tenantId) };
}

/** Calls a tool over MCP and answers its structured result, failing loudly on a tool error. */
export async function tool<T>(token: string, name: string, args: Record<string, unknown>): Promise<T> {
  const { response, result } = await callTool(token, name, args);
  if (response.status !== 200 || !result || result.isError || !result.structuredContent) {
    throw new Error(`${name} failed (${response.status}): ${JSON.stringify(result)}`);
  }
  return result.structuredContent as T;
}

export async function createKey(token: string, name = "backend"): Promise<{ secret: string; id: string; prefix: string }> {
  const created = await tool<{ secret: string; key: { id: string; prefix: string } }>(token, "create_api_key", { name });
  return { secret: created.secret, id: created.key.id, prefix: created.key.prefix };
}

export async function registerAccount(token: string, fields: Record<string, unknown> = {}): Promise<string> {
  const created = await tool<{ client: { client_id: string } }>(token, "register_client", {
    client_name: "Acct",
    company_name: "Acct Inc",
    ...fields,
  });
  return created.client.client_id;
}

export interface IngestAnswer {
  accepted: number;
  duplicates: number;
  pending: number;
  rejected: { index: number; messageId: string | null; field: string; reason: string }[];
}

/** POST /api/v1/events with a bearer key (or the given Authorization header). */
export function postEvents(key: string | null, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return workerFetch(`${ORIGIN}/api/v1/events`, {
    method: "POST",
    headers: { "Content-Type": "application/json", ...(key ? { Authorization: `Bearer ${key}` } : {}), ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
}

export async function ingest(key: string, batch: unknown[]): Promise<IngestAnswer> {
  const response = await postEvents(key, { batch });
  if (response.status !== 200) throw new Error(`events answered ${response.status}: ${await response.text()}`);
  return response.json<IngestAnswer>();
}

/** YYYY-MM-DD of the day `daysAgo` days before today (UTC), and a time on it. */
export function dayAgo(daysAgo: number): string {
  return new Date(Date.now() - daysAgo * 86_400_000).toISOString().slice(0, 10);
}

export function at(daysAgo: number, time: string): string {
  return `${dayAgo(daysAgo)}T${time}Z`;
}

let sequence = 0;
/** A unique messageId. */
export function mid(label = "m"): string {
  sequence += 1;
  return `${label}-${sequence}-${crypto.randomUUID().slice(0, 8)}`;
}

export function track(fields: Record<string, unknown>): Record<string, unknown> {
  return { type: "track", messageId: mid(), ...fields };
}
