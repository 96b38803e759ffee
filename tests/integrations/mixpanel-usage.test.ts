import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { TenantDO } from "../../durable-objects/tenant";
import { tenantStub } from "../../durable-objects/tenant";
import { pulledUsageEvents } from "../../src/db/mixpanel";
import type { IncomingUsageEvent } from "../../src/db/usage-events";
import { basicAuth } from "../../src/integrations/http";
import { mixpanelConnectionSchema } from "../../src/integrations/mixpanel/connection";
import { importEvents, mixpanelClient, planImportDeliveries, toMixpanelEvent } from "../../src/integrations/mixpanel/operations";
import { pullAccountUsage } from "../../src/integrations/mixpanel/usage";
import { providerRequests } from "../support/fakes";

const ACTOR = { userId: "u-test", via: "system" };
const namespace = env.TENANT as DurableObjectNamespace<TenantDO>;

function daysAgo(days: number): string {
  return new Date(Date.now() - days * 86_400_000).toISOString().slice(0, 10);
}

async function tenantWithAccount(externalId: string | null): Promise<{ tenant: ReturnType<typeof tenantStub>; id: string }> {
  const tenant = tenantStub(namespace, `mixpanel-usage-${crypto.randomUUID()}`);
  const created = await tenant.registerAccount(
    { client_name: "Acme", company_name: "Acme", industry: "software", tier: "standard", contract_value: 1000, contract_start_date: "2026-01-01", contract_end_date: "2027-12-31", ...(externalId ? { external_id: externalId } : {}) },
    ACTOR,
  );
  if (!created.ok) throw new Error(created.message);
  return { tenant, id: created.value.client_id };
}

function usage(index: number, type: "track" | "page" | "identify", day: string, accountRef: string, user: string): IncomingUsageEvent {
  return { index, messageId: `m-${accountRef}-${index}`, type, event: type === "identify" ? null : type === "page" ? "Dashboard" : "report_built", userId: user, anonymousId: null, accountRef, accountRefField: "context.groupId", properties: "{}", occurredAt: `${day}T0${index % 10}:00:00.000Z` };
}

describe("mixpanel query budget", () => {
  it("allows 60 queries an hour per tenant, then says when the next one is free", async () => {
    const { tenant } = await tenantWithAccount(null);
    const start = Date.parse("2026-11-22T10:00:00Z");
    for (let i = 0; i < 60; i++) {
      const reserved = await tenant.reserveMixpanelQuery(new Date(start + i * 1000).toISOString());
      expect(reserved.ok && reserved.value.ok).toBe(true);
    }
    const refused = await tenant.reserveMixpanelQuery(new Date(start + 600_000).toISOString());
    expect(refused.ok && refused.value).toEqual({ ok: false, retryAfterSeconds: 3000 });
    const later = await tenant.reserveMixpanelQuery(new Date(start + 3_600_500).toISOString());
    expect(later.ok && later.value).toEqual({ ok: true, remaining: 0 });
    const other = await tenantWithAccount(null);
    const fresh = await other.tenant.reserveMixpanelQuery(new Date(start).toISOString());
    expect(fresh.ok && fresh.value).toEqual({ ok: true, remaining: 59 });
  });
});

describe("mixpanel usage export and pull", () => {
  it("pages our activity events (not identify), oldest first, and exports them with stable $insert_ids", async () => {
    const { tenant, id } = await tenantWithAccount("acme-export");
    const day = daysAgo(2);
    const batch = [usage(0, "track", day, "acme-export", "u1"), usage(1, "page", day, "acme-export", "u2"), usage(2, "identify", day, "acme-export", "u1"), usage(3, "track", day, "acme-export", "u1")];
    const ingested = await tenant.ingestUsageEvents(batch);
    expect(ingested.ok && ingested.value.accepted).toBe(4);
    const first = await tenant.mixpanelExportPage({ client_id: id, from: daysAgo(7), to: daysAgo(0), limit: 2 });
    if (!first.ok) throw new Error(first.message);
    expect(first.value.events.map((event) => event.messageId)).toEqual(["m-acme-export-0", "m-acme-export-1"]);
    expect(first.value.events[0]?.accountExternalId).toBe("acme-export");
    const second = await tenant.mixpanelExportPage({ client_id: id, from: daysAgo(7), to: daysAgo(0), limit: 2, cursor: first.value.next_cursor ?? undefined });
    if (!second.ok) throw new Error(second.message);
    expect(second.value.events.map((event) => event.messageId)).toEqual(["m-acme-export-3"]);
    expect(second.value.next_cursor).toBeNull();
    const outside = await tenant.mixpanelExportPage({ client_id: id, from: daysAgo(30), to: daysAgo(10), limit: 10 });
    expect(outside.ok && outside.value.events).toEqual([]);
    const unknown = await tenant.mixpanelExportPage({ client_id: "acc_nope", from: daysAgo(7), to: daysAgo(0), limit: 10 });
    expect(!unknown.ok && unknown.message).toContain("client_id");
  });

  it("round-trips: exported events pulled back into another workspace become its usage, and a re-pull adds nothing", async () => {
    const username = `sa-roundtrip-${crypto.randomUUID().slice(0, 8)}`;
    const connection = mixpanelConnectionSchema.parse({ project_id: "777", service_account_username: username, service_account_secret: "roundtrip-secret" });
    const source = await tenantWithAccount("acme-rt");
    const day = daysAgo(3);
    const sent = [usage(0, "track", day, "acme-rt", "u1"), usage(1, "track", day, "acme-rt", "u2"), usage(2, "track", day, "acme-rt", "u1"), usage(3, "page", day, "acme-rt", "u1")];
    await source.tenant.ingestUsageEvents(sent);
    const page = await source.tenant.mixpanelExportPage({ client_id: source.id, from: daysAgo(7), to: daysAgo(0), limit: 100 });
    if (!page.ok) throw new Error(page.message);
    const plan = planImportDeliveries(await Promise.all(page.value.events.map(toMixpanelEvent)));
    expect(plan).toHaveLength(1);
    const context = { tenantId: "t", jobId: "j", idempotencyKey: "k", attempt: 1 };
    expect((await importEvents(connection, plan[0]!.payload as never, context)).detail).toEqual({ imported: 4, failed: 0 });
    // A redelivered message imports the same $insert_ids: Mixpanel keeps one of each.
    await importEvents(connection, plan[0]!.payload as never, { ...context, attempt: 2 });

    const target = await tenantWithAccount("acme-rt");
    let queries = 0;
    const client = mixpanelClient(connection, { reserve: async () => (queries++, { ok: true }) });
    const pulled = await pullAccountUsage(client, { projectId: "777", accountRef: "acme-rt", accountProperty: "account_id", events: ["report_built"], from: daysAgo(7), to: daysAgo(0) });
    expect(queries).toBe(1);
    expect(pulled.events).toHaveLength(3);
    expect(pulled.events.filter((event) => event.userId === "u1")).toHaveLength(2);
    const [query] = (await providerRequests("mixpanel.com", basicAuth(username, "roundtrip-secret"))).map((request) => new URL(`https://x${request.path}`));
    expect(query?.searchParams.get("where")).toBe('properties["account_id"] == "acme-rt"');
    expect(query?.searchParams.get("project_id")).toBe("777");

    const stored = await target.tenant.ingestUsageEvents(pulled.events);
    expect(stored.ok && stored.value).toMatchObject({ accepted: 3, duplicates: 0 });
    const again = await pullAccountUsage(client, { projectId: "777", accountRef: "acme-rt", accountProperty: "account_id", events: ["report_built"], from: daysAgo(7), to: daysAgo(0) });
    const restored = await target.tenant.ingestUsageEvents(again.events);
    expect(restored.ok && restored.value).toMatchObject({ accepted: 0, duplicates: 3 });
    const days = await target.tenant.accountUsage(target.id, day, day);
    expect(days.ok && days.value[0]).toMatchObject({ day, active_users: 2, events: 3 });
  });

  it("turns daily counts into that many events with stable ids, and stops at the cap", () => {
    const values = { u1: { "2026-11-20": 2, "2026-11-21": 0 }, u2: { "2026-11-21": 1 } };
    const { events, truncated } = pulledUsageEvents({ projectId: "1", accountRef: "acme", event: "login", values }, 100);
    expect(truncated).toBe(false);
    expect(events.map((event) => event.messageId)).toEqual(["mixpanel:1:login:u1:2026-11-20:0", "mixpanel:1:login:u1:2026-11-20:1", "mixpanel:1:login:u2:2026-11-21:0"]);
    expect(events[2]).toMatchObject({ type: "track", event: "login", userId: "u2", accountRef: "acme", occurredAt: "2026-11-21T12:00:00.000Z" });
    expect(pulledUsageEvents({ projectId: "1", accountRef: "acme", event: "login", values }, 2)).toMatchObject({ truncated: true, events: { length: 2 } });
  });

  it("refuses an account reference that would break out of the Mixpanel filter", async () => {
    const connection = mixpanelConnectionSchema.parse({ project_id: "777", service_account_username: "sa-x", service_account_secret: "s" });
    await expect(pullAccountUsage(mixpanelClient(connection), { projectId: "777", accountRef: 'a" or true or "', accountProperty: "account_id", events: ["x"], from: daysAgo(1), to: daysAgo(0) })).rejects.toThrow(/quotes/);
  });
});
