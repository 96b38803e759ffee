import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { drizzle } from "drizzle-orm/durable-sqlite";
import { expect } from "vitest";
import { tenantStub, type TenantApi, type TenantDO } from "../../durable-objects/tenant";
import type { TenantDb } from "../../src/db/accounts";
import * as schema from "../../src/db/tenant-schema";
import { callTool, newWorkspace, ORIGIN, tokenFor, type Workspace } from "./worker";

/** Helpers for the segment, task, escalation and playbook tests. */

export interface Team {
  workspace: Workspace;
  /** MCP token with read and write. */
  token: string;
  /** REST token with read and write. */
  api: string;
  tenantId: string;
  tenant: TenantApi;
}

export async function tenantIdOf(email: string): Promise<string> {
  const row = await env.CONTROL_DB.prepare("SELECT m.tenant_id FROM memberships m JOIN users u ON u.id = m.user_id WHERE u.email = ?")
    .bind(email)
    .first<{ tenant_id: string }>();
  if (!row) throw new Error(`no tenant for ${email}`);
  return row.tenant_id;
}

export async function newTeam(name: string): Promise<Team> {
  const workspace = await newWorkspace(name);
  const token = (await tokenFor(workspace)).access_token;
  const api = (await tokenFor(workspace, { resource: ORIGIN })).access_token;
  const tenantId = await tenantIdOf(workspace.email);
  return { workspace, token, api, tenantId, tenant: tenantStub(env.TENANT as DurableObjectNamespace<TenantDO>, tenantId) };
}

/** Calls a tool over MCP and returns its structured result; fails the test on a tool error. */
export async function ok<T = Record<string, unknown>>(token: string, name: string, args: Record<string, unknown>): Promise<T> {
  const { response, result } = await callTool(token, name, args);
  expect(response.status, `${name} HTTP status`).toBe(200);
  expect(result?.isError ?? false, `${name} failed: ${result?.content[0]?.text ?? ""}`).toBe(false);
  return result?.structuredContent as T;
}

/** Calls a tool that must fail and returns its error text. */
export async function refused(token: string, name: string, args: Record<string, unknown>): Promise<string> {
  const { result } = await callTool(token, name, args);
  expect(result?.isError, `${name} should have failed`).toBe(true);
  return result?.content[0]?.text ?? "";
}

export interface AccountSpec {
  client_name: string;
  tier?: "starter" | "standard" | "professional" | "enterprise";
  contract_value?: number;
  csm_assigned?: string;
  contract_end_date?: string;
}

export async function register(token: string, spec: AccountSpec): Promise<string> {
  const created = await ok<{ client: { client_id: string } }>(token, "register_client", {
    company_name: `${spec.client_name} Ltd`,
    contract_start_date: "2026-01-01",
    contract_end_date: "2027-01-01",
    ...spec,
  });
  return created.client.client_id;
}

/** Runs work on the tenant's database inside its Durable Object. */
export async function inTenant<T>(tenantId: string, work: (db: TenantDb, state: DurableObjectState) => T): Promise<T> {
  const namespace = env.TENANT as DurableObjectNamespace<TenantDO>;
  return runInDurableObject(namespace.get(namespace.idFromName(tenantId)), (_instance: TenantDO, state) =>
    work(drizzle(state.storage, { schema }) as unknown as TenantDb, state),
  );
}

/** Writes an account's features row (what the fact writers keep up to date). */
export async function setFeatures(tenantId: string, accountId: string, features: Partial<typeof schema.accountFeatures.$inferInsert>): Promise<void> {
  await inTenant(tenantId, (db) => {
    const updatedAt = new Date().toISOString();
    db.insert(schema.accountFeatures)
      .values({ accountId, ...features, updatedAt })
      .onConflictDoUpdate({ target: schema.accountFeatures.accountId, set: { ...features, updatedAt } })
      .run();
  });
}
