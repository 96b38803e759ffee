import type { TenantApi } from "../../durable-objects/tenant";
import type { Json } from "../db/accounts";
import { tenantExists } from "../db/control";
import type { StoredConnection } from "../db/integrations";
import type { Env } from "../env";
import { lastFour, open, rootKeys, seal } from "./credentials";
import type { ConnectionFields, ProviderIntegration, ProviderName } from "./provider";

/**
 * Worker-side access to a tenant's provider connections: secrets are sealed in the Tenant
 * object and opened only here, in memory, for the call that needs them.
 */

function purpose(provider: ProviderName): string {
  return `integration:${provider}`;
}

/** Splits a validated connection into shown settings and sealed secrets. */
export async function sealConnection(
  env: Pick<Env, "ENCRYPTION_KEY">,
  tenantId: string,
  integration: ProviderIntegration,
  fields: ConnectionFields,
): Promise<StoredConnection> {
  const settings: { [field: string]: Json } = {};
  const secrets: { [field: string]: Json } = {};
  const secretHints: { [field: string]: string } = {};
  for (const [field, value] of Object.entries(fields)) {
    if (value === undefined) continue;
    if (integration.secretFields.includes(field)) {
      secrets[field] = value;
      if (typeof value === "string" && value) secretHints[field] = lastFour(value);
    } else {
      settings[field] = value;
    }
  }
  const sealedSecrets = await seal(env.ENCRYPTION_KEY, tenantId, purpose(integration.name), secrets);
  return { provider: integration.name, settings, sealedSecrets, secretHints };
}

/** The stored connection with its secrets opened, as one object. */
export async function openStoredConnection(env: Pick<Env, "ENCRYPTION_KEY" | "ENCRYPTION_KEY_PREVIOUS">, tenantId: string, stored: StoredConnection): Promise<ConnectionFields> {
  const secrets = await open(rootKeys(env), tenantId, purpose(stored.provider), stored.sealedSecrets);
  const opened = secrets && typeof secrets === "object" && !Array.isArray(secrets) ? (secrets as { [field: string]: Json }) : {};
  return { ...stored.settings, ...opened };
}

/** The tenant's opened connection to a provider, or null when it is not connected. */
export async function openConnection(env: Env, tenant: Pick<TenantApi, "connectionFor">, tenantId: string, provider: ProviderName): Promise<ConnectionFields | null> {
  const stored = await tenant.connectionFor(provider);
  return stored ? openStoredConnection(env, tenantId, stored) : null;
}

/**
 * Webhook deliveries arrive many per second: the opened connection is kept in this isolate for
 * a short while instead of asking the Tenant object each time. A changed secret takes effect
 * within WEBHOOK_CONNECTION_TTL_MS.
 */
export const WEBHOOK_CONNECTION_TTL_MS = 30_000;
const CACHE_LIMIT = 1_000;
const webhookConnections = new Map<string, { fields: ConnectionFields | null; expires: number }>();

export async function webhookConnection(
  env: Env,
  tenant: () => Pick<TenantApi, "connectionFor">,
  tenantId: string,
  provider: ProviderName,
  now = Date.now(),
): Promise<ConnectionFields | null> {
  const cacheKey = `${tenantId}\n${provider}`;
  const cached = webhookConnections.get(cacheKey);
  if (cached && cached.expires > now) return cached.fields;
  // An unknown tenant id must not create a Tenant object: ask the control plane first.
  const fields = (await tenantExists(env.CONTROL_DB, tenantId)) ? await openConnection(env, tenant(), tenantId, provider) : null;
  if (webhookConnections.size >= CACHE_LIMIT) webhookConnections.clear();
  webhookConnections.set(cacheKey, { fields, expires: now + WEBHOOK_CONNECTION_TTL_MS });
  return fields;
}

/** Drops this isolate's cached copy (after a change made through this isolate). */
export function forgetWebhookConnection(tenantId: string, provider: ProviderName): void {
  webhookConnections.delete(`${tenantId}\n${provider}`);
}
