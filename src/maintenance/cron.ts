import { tenantStub } from "../../durable-objects/tenant";
import type { Env } from "../env";

/**
 * The daily cron's only job: make sure every tenant's object has its maintenance alarm set.
 * Each object then runs its own daily pass and sets the next alarm itself, so the work is
 * spread over the hour by tenant instead of all landing on this one invocation, and a tenant
 * keeps its schedule even if a cron run is missed.
 */

const TENANTS_PER_PAGE = 200;

export async function ensureMaintenanceScheduled(env: Env): Promise<{ tenants: number; newlyScheduled: number }> {
  let after = "";
  let tenants = 0;
  let newlyScheduled = 0;
  for (;;) {
    const { results } = await env.CONTROL_DB.prepare("SELECT id FROM tenants WHERE id > ? ORDER BY id LIMIT ?")
      .bind(after, TENANTS_PER_PAGE)
      .all<{ id: string }>();
    const outcomes = await Promise.allSettled(results.map((row) => tenantStub(env.TENANT, row.id).scheduleMaintenance()));
    for (const outcome of outcomes) {
      tenants++;
      if (outcome.status === "fulfilled" && !outcome.value.alreadyScheduled) newlyScheduled++;
    }
    if (results.length < TENANTS_PER_PAGE) break;
    after = results.at(-1)?.id ?? after;
  }
  return { tenants, newlyScheduled };
}
