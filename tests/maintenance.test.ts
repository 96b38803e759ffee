import { createExecutionContext, createScheduledController, runDurableObjectAlarm, runInDurableObject, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { drizzle } from "drizzle-orm/durable-sqlite";
import { describe, expect, it } from "vitest";
import type { TenantDO } from "../durable-objects/tenant";
import * as schema from "../src/db/tenant-schema";
import worker from "../src/index";
import { callTool, newWorkspace, tenantIdOf, tokenFor } from "./support/worker";

const DAY = 86_400_000;
const daysAgo = (days: number) => new Date(Date.now() - days * DAY).toISOString();
const dayFromNow = (days: number) => new Date(Date.now() + days * DAY).toISOString().slice(0, 10);

async function setup(name: string) {
  const ws = await newWorkspace(name);
  const token = (await tokenFor(ws)).access_token;
  const tenantId = await tenantIdOf(ws.email);
  const namespace = env.TENANT as DurableObjectNamespace<TenantDO>;
  const stub = namespace.get(namespace.idFromName(tenantId));
  const ok = async (tool: string, args: Record<string, unknown> = {}) => {
    const { result, message } = await callTool(token, tool, args);
    if (!result || result.isError) throw new Error(`${tool} failed: ${JSON.stringify(message)}`);
    return result.structuredContent as Record<string, unknown>;
  };
  return { token, tenantId, stub, ok };
}

describe("scheduled maintenance", () => {
  it("the cron sets each tenant's alarm once, spread over the hour", async () => {
    const { stub } = await setup("Cron Co");
    const ctx = createExecutionContext();
    await worker.scheduled(createScheduledController({ cron: "17 3 * * *", scheduledTime: Date.now() }), env, ctx);
    await waitOnExecutionContext(ctx);
    const first = await runInDurableObject(stub, (_instance: TenantDO, state) => state.storage.getAlarm());
    expect(first).not.toBeNull();
    expect((first as number) - Date.now()).toBeLessThanOrEqual(3_600_000);
    // A second cron run leaves the alarm where it was.
    const again = await stub.scheduleMaintenance();
    expect(again.alreadyScheduled).toBe(true);
    expect(Date.parse(again.at)).toBe(first);
  });

  it("the alarm snapshots every account, sets trends, opens renewal checkpoint tasks once, and schedules tomorrow", async () => {
    const { stub, ok } = await setup("Daily Co");
    const falling = ((await ok("register_client", { client_name: "Falling", company_name: "F", contract_start_date: dayFromNow(-300), contract_end_date: dayFromNow(55), csm_assigned: "kim@example.com" })).client as { client_id: string }).client_id;
    const far = ((await ok("register_client", { client_name: "Far", company_name: "F", contract_start_date: dayFromNow(-10), contract_end_date: dayFromNow(355) })).client as { client_id: string }).client_id;
    await runInDurableObject(stub, (instance: TenantDO, state) => {
      const db = drizzle(state.storage, { schema });
      db.insert(schema.healthSnapshots)
        .values([
          { accountId: falling, computedAt: daysAgo(40), score: 95, band: "champion", coverage: 1, components: "[]" },
          { accountId: falling, computedAt: daysAgo(20), score: 90, band: "healthy", coverage: 1, components: "[]" },
        ])
        .run();
      db.transaction((tx) => {
        db.insert(schema.tickets)
          .values({ id: "k1", accountId: falling, subject: "Down", description: "", priority: "P1", status: "open", category: "outage", openedAt: daysAgo(30), slaBreached: true, source: "zendesk", updatedAt: new Date().toISOString() })
          .run();
        instance["factsChanged"](tx, [falling, far]);
      });
    });
    const before = await runInDurableObject(stub, (_i: TenantDO, state) => state.storage.sql.exec<{ n: number }>("SELECT count(*) AS n FROM health_snapshots").one().n);

    await runInDurableObject(stub, (_i: TenantDO, state) => state.storage.setAlarm(Date.now() + 60_000));
    expect(await runDurableObjectAlarm(stub)).toBe(true);

    const state = await runInDurableObject(stub, (_i: TenantDO, s) => ({
      snapshots: s.storage.sql.exec<{ n: number }>("SELECT count(*) AS n FROM health_snapshots").one().n,
      trend: s.storage.sql.exec<{ health_trend: string | null }>("SELECT health_trend FROM accounts WHERE id = ?", falling).one().health_trend,
      tasks: s.storage.sql.exec<{ title: string; owner: string | null; due_date: string; source: string }>("SELECT title, owner, due_date, source FROM tasks WHERE source = 'renewal'").toArray(),
      audit: s.storage.sql.exec<{ action: string }>("SELECT action FROM audit_log WHERE action = 'daily_maintenance'").toArray(),
    }));
    // One snapshot per account per daily pass.
    expect(state.snapshots).toBe(before + 2);
    expect(state.trend).toBe("declining");
    // Renewal in 55 days: the 60-day checkpoint is due (five days ago); the far renewal has none.
    expect(state.tasks).toHaveLength(1);
    expect(state.tasks[0]).toMatchObject({ owner: "kim@example.com", source: "renewal" });
    expect(state.tasks[0]?.title).toMatch(/60 days out: Falling/);
    expect(state.audit).toHaveLength(1);
    const next = await runInDurableObject(stub, (_i: TenantDO, s) => s.storage.getAlarm());
    expect((next as number) - Date.now()).toBeGreaterThan(23 * 3_600_000);

    // Running again the same day opens no second checkpoint task.
    await stub.runMaintenance();
    const tasks = await runInDurableObject(stub, (_i: TenantDO, s) => s.storage.sql.exec<{ n: number }>("SELECT count(*) AS n FROM tasks WHERE source = 'renewal'").one().n);
    expect(tasks).toBe(1);
  });
});

describe("the daily SLA sweep", () => {
  it("flags an idle open ticket that passed its due time since its last write, and the account's health sees it", async () => {
    const { stub, ok } = await setup("Sweep Co");
    const id = ((await ok("register_client", { client_name: "Idle", company_name: "Idle" })).client as { client_id: string }).client_id;
    await ok("create_ticket", { client_id: id, subject: "Cannot log in", description: "Since this morning", priority: "P2", category: "technical_issue" });
    const before = await runInDurableObject(stub, (_i: TenantDO, s) => s.storage.sql.exec<{ b: number }>("SELECT sla_breached AS b FROM tickets").one().b);
    expect(before).toBe(0);
    // Three days on, nobody has answered: the sweep re-clocks it.
    await stub.runMaintenance(new Date(Date.now() + 3 * DAY));
    const after = await runInDurableObject(stub, (_i: TenantDO, s) => ({
      breached: s.storage.sql.exec<{ b: number }>("SELECT sla_breached AS b FROM tickets").one().b,
      feature: s.storage.sql.exec<{ n: number | null }>("SELECT sla_breaches_90d AS n FROM account_features WHERE account_id = ?", id).one().n,
    }));
    expect(after.breached).toBe(1);
    expect(after.feature).toBe(1);
  });
});
