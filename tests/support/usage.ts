import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import type { TenantDO } from "../../durable-objects/tenant";
import { callTool } from "./worker";

/** Fixture helpers: write usage and account facts straight into a tenant's Durable Object. */

export async function tenantIdOf(email: string): Promise<string> {
  const row = await env.CONTROL_DB.prepare("SELECT m.tenant_id FROM memberships m JOIN users u ON u.id = m.user_id WHERE u.email = ?")
    .bind(email)
    .first<{ tenant_id: string }>();
  if (!row) throw new Error(`no tenant for ${email}`);
  return row.tenant_id;
}

export interface UsageDay {
  day: string;
  users: string[] | number;
  sessions?: number;
  events?: number;
  features?: Record<string, { users: number; events: number }>;
}

/** Runs SQL statements inside the tenant's object (one statement per call: no parameter cap). */
export async function inTenant(tenantId: string, work: (sql: SqlStorage) => void): Promise<void> {
  const namespace = env.TENANT as DurableObjectNamespace<TenantDO>;
  await runInDurableObject(namespace.get(namespace.idFromName(tenantId)), (_instance: TenantDO, state) => {
    work(state.storage.sql);
  });
}

/** Writes usage_daily, usage_daily_users (when user keys are given) and usage_feature_daily rows. */
export async function putUsage(tenantId: string, accountId: string, days: UsageDay[]): Promise<void> {
  await inTenant(tenantId, (sql) => {
    for (const d of days) {
      const keys = Array.isArray(d.users) ? d.users : null;
      const count = keys ? keys.length : (d.users as number);
      const features = d.features ?? {};
      sql.exec(
        "INSERT INTO usage_daily (account_id, day, active_users, sessions, events, features_used) VALUES (?, ?, ?, ?, ?, ?)",
        accountId,
        d.day,
        count,
        d.sessions ?? 0,
        d.events ?? 0,
        Object.keys(features).length,
      );
      for (const key of keys ?? []) sql.exec("INSERT INTO usage_daily_users (account_id, day, user_key) VALUES (?, ?, ?)", accountId, d.day, key);
      for (const [feature, f] of Object.entries(features)) {
        sql.exec("INSERT INTO usage_feature_daily (account_id, day, feature, events, users) VALUES (?, ?, ?, ?, ?)", accountId, d.day, feature, f.events, f.users);
      }
    }
  });
}

/** Every day from `from` to `to` inclusive. */
export function daysFrom(from: string, to: string): string[] {
  const out: string[] = [];
  for (let ms = Date.parse(`${from}T00:00:00Z`); ms <= Date.parse(`${to}T00:00:00Z`); ms += 86_400_000) out.push(new Date(ms).toISOString().slice(0, 10));
  return out;
}

export async function ok(token: string, name: string, args: Record<string, unknown>): Promise<Record<string, unknown>> {
  const { result, message } = await callTool(token, name, args);
  if (!result || result.isError) throw new Error(`${name} failed: ${JSON.stringify(message)}`);
  return result.structuredContent ?? {};
}

export async function refused(token: string, name: string, args: Record<string, unknown>): Promise<string> {
  const { result, message } = await callTool(token, name, args);
  const error = message?.error as { message: string } | undefined;
  if (error) return error.message;
  if (!result?.isError) throw new Error(`${name} was expected to fail: ${JSON.stringify(message)}`);
  return result.content[0]?.text ?? "";
}

export async function register(token: string, name: string, extra: Record<string, unknown> = {}): Promise<string> {
  const out = await ok(token, "register_client", { client_name: name, company_name: `${name} Inc.`, ...extra });
  return (out.client as { client_id: string }).client_id;
}
