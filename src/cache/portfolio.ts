import type { PortfolioHealth } from "../db/portfolio";
import type { ToolContext } from "../tools/define";

/**
 * Portfolio health through the CACHE KV namespace. The Tenant object is the truth; KV holds
 * the last computed summary with its time, so a dashboard polled by many people costs one
 * aggregate per minute instead of one per request. Nothing depends on the cache: a miss, an
 * old entry or a KV failure all fall back to the Tenant object.
 */

export function portfolioKey(tenantId: string): string {
  return `portfolio:${tenantId}`;
}

/** KV's shortest expiry; entries are also checked against the caller's max age. */
const KV_MIN_TTL_SECONDS = 60;

export async function readPortfolio(
  { tenant, env, user, defer }: ToolContext,
  maxAgeSeconds: number,
  now = Date.now(),
): Promise<PortfolioHealth & { source: "cache" | "live" }> {
  const key = portfolioKey(user.tenantId);
  if (maxAgeSeconds > 0) {
    const cached = await env.CACHE.get<PortfolioHealth>(key, "json").catch(() => null);
    if (cached && now - Date.parse(cached.computed_at) <= maxAgeSeconds * 1000) return { ...cached, source: "cache" };
  }
  const live = await tenant.portfolioHealth();
  // The caller need not wait for the cache to be refreshed.
  defer(env.CACHE.put(key, JSON.stringify(live), { expirationTtl: KV_MIN_TTL_SECONDS }).catch(() => undefined));
  return { ...live, source: "live" };
}
