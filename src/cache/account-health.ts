import type { Env } from "../env";

/**
 * Each account's materialized health score, written through to KV by the Tenant object
 * whenever it changes, for readers that accept a score up to a minute old (dashboards, the
 * setup page's account table). Every entry carries the time it was computed.
 */

export interface CachedAccountHealth {
  score: number | null;
  trend: "improving" | "stable" | "declining" | null;
  computed_at: string;
}

/** Long enough to outlive a quiet day; entries are rewritten on every change and each daily snapshot. */
export const ACCOUNT_HEALTH_TTL_SECONDS = 2 * 86_400;

export function accountHealthKey(tenantId: string, accountId: string): string {
  return `health:${tenantId}:${accountId}`;
}

/**
 * When the tenant's last full recompute ran (health model saved, daily snapshot). A full pass
 * rescores every account without rewriting every cache entry, so entries older than the epoch
 * are stale and readers ignore them.
 */
export function healthEpochKey(tenantId: string): string {
  return `health-epoch:${tenantId}`;
}

/** KV reads at most this many keys in one call; one of them is the epoch. */
const ACCOUNTS_PER_READ = 99;

/** Cached scores for many accounts; a missing or stale one is simply absent (read the Tenant object). */
export async function cachedAccountHealth(env: Env, tenantId: string, accountIds: readonly string[]): Promise<Map<string, CachedAccountHealth>> {
  const found = new Map<string, CachedAccountHealth>();
  for (let start = 0; start < accountIds.length; start += ACCOUNTS_PER_READ) {
    const ids = accountIds.slice(start, start + ACCOUNTS_PER_READ);
    const keys = [healthEpochKey(tenantId), ...ids.map((id) => accountHealthKey(tenantId, id))];
    const values = await env.CACHE.get<CachedAccountHealth | { epoch: string }>(keys, "json").catch(() => null);
    if (!values) continue;
    const epochEntry = values.get(keys[0] as string);
    const epoch = epochEntry && "epoch" in epochEntry ? epochEntry.epoch : "";
    ids.forEach((id, i) => {
      const value = values.get(keys[i + 1] as string);
      if (value && "computed_at" in value && value.computed_at >= epoch) found.set(id, value);
    });
  }
  return found;
}
