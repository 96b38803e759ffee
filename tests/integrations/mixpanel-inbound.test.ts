import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { drizzle } from "drizzle-orm/durable-sqlite";
import { describe, expect, it } from "vitest";
import type { TenantDO } from "../../durable-objects/tenant";
import { tenantStub } from "../../durable-objects/tenant";
import type { Json } from "../../src/db/accounts";
import type { InboundEffect } from "../../src/db/inbound";
import { INBOUND_HANDLERS, InboundBatch } from "../../src/db/inbound";
import * as schema from "../../src/db/tenant-schema";
import type { InboundEvent } from "../../src/integrations/provider";

const ACTOR = { userId: "u-test", via: "system" };
const namespace = env.TENANT as DurableObjectNamespace<TenantDO>;

async function workspace(): Promise<{ name: string; tenant: ReturnType<typeof tenantStub>; ids: Record<string, string> }> {
  const name = `mixpanel-inbound-${crypto.randomUUID()}`;
  const tenant = tenantStub(namespace, name);
  const ids: Record<string, string> = {};
  for (const [label, externalId] of [["acme", "acme-ext"], ["globex", null], ["initech", "initech-ext"]] as const) {
    const created = await tenant.registerAccount(
      { client_name: label, company_name: label, industry: "software", tier: "standard", contract_value: 1000, contract_start_date: "2026-01-01", contract_end_date: "2027-01-01", ...(externalId ? { external_id: externalId } : {}) },
      ACTOR,
    );
    if (!created.ok) throw new Error(created.message);
    ids[label] = created.value.client_id;
  }
  await runInDurableObject(namespace.get(namespace.idFromName(name)), (_instance: TenantDO, state) => {
    const db = drizzle(state.storage, { schema });
    const at = "2026-11-01T00:00:00.000Z";
    db.insert(schema.contacts)
      .values([
        { id: "ct_ada", accountId: ids.acme!, externalId: null, name: "Ada", email: "Ada@Acme.test", title: null, role: "champion", isPrimary: true, status: "active", createdAt: at, updatedAt: at },
        { id: "ct_bob", accountId: ids.globex!, externalId: "bob-ext", name: "Bob", email: "bob@globex.test", title: null, role: "user", isPrimary: true, status: "active", createdAt: at, updatedAt: at },
      ])
      .run();
  });
  return { name, tenant, ids };
}

function cohortEvent(action: string, members: { distinct_id?: string; email?: string }[], options: { session?: string; page?: number; total?: number; name?: string; part?: number; parts?: number } = {}): InboundEvent {
  const session = options.session ?? "s1";
  const page = options.page ?? 0;
  return {
    id: `77:${action}:${session}:${page}.${options.part ?? 0}`,
    type: `cohort.${action}`,
    occurredAt: "2026-11-22T10:00:00.000Z",
    data: {
      action,
      cohort_id: "77",
      cohort_name: options.name ?? "Power users",
      project_id: "424242",
      session_id: session,
      page,
      total_pages: options.total ?? 1,
      part: options.part ?? 0,
      parts: options.parts ?? 1,
      members: members.map((member) => ({ distinct_id: member.distinct_id ?? null, email: member.email ?? null })) as Json[],
    },
  };
}

async function apply(name: string, event: InboundEvent): Promise<InboundEffect> {
  const handler = INBOUND_HANDLERS.mixpanel;
  if (!handler) throw new Error("no mixpanel inbound handler registered");
  return runInDurableObject(namespace.get(namespace.idFromName(name)), (_instance: TenantDO, state) => {
    const db = drizzle(state.storage, { schema });
    return db.transaction((tx) => handler(tx, event, new Date("2026-11-22T10:00:05Z"), new InboundBatch()));
  });
}

async function segmentOf(tenant: ReturnType<typeof tenantStub>): Promise<{ id: string; name: string; members: string[] }> {
  const list = await tenant.listSegments();
  if (!list.ok) throw new Error(list.message);
  const segment = list.value.find((candidate) => candidate.name.startsWith("Mixpanel: "));
  if (!segment) throw new Error("no Mixpanel segment");
  const members = await tenant.segmentMembers(segment.segment_id, { limit: 50 });
  if (!members.ok) throw new Error(members.message);
  return { id: segment.segment_id, name: segment.name, members: members.value.members.map((member) => member.client_id).sort() };
}

async function titles(tenant: ReturnType<typeof tenantStub>, accountId: string): Promise<string[]> {
  const timeline = await tenant.timeline(accountId, { limit: 50 } as never);
  if (!timeline.ok) throw new Error(timeline.message);
  return timeline.value.events.map((event) => event.title).filter((title) => title.includes("Mixpanel"));
}

describe("mixpanel inbound cohort membership", () => {
  it("turns a cohort into a segment of the members' accounts, with timeline entries", async () => {
    const { name, tenant, ids } = await workspace();
    const effect = await apply(name, cohortEvent("members", [{ distinct_id: "u-ada", email: "ada@acme.test" }, { distinct_id: "bob-ext" }, { distinct_id: "initech-ext" }, { distinct_id: "stranger" }]));
    expect(effect.accountIds.sort()).toEqual([ids.acme, ids.globex, ids.initech].sort());
    expect(effect.effect).toContain("4 members (3 matched), 3 accounts joined, 0 left");
    const segment = await segmentOf(tenant);
    expect(segment.name).toBe("Mixpanel: Power users");
    expect(segment.members).toEqual([ids.acme, ids.globex, ids.initech].sort());
    expect(await titles(tenant, ids.acme!)).toEqual(['Entered Mixpanel cohort "Power users"']);
  });

  it("adds and removes members; an account leaves only when its last member does", async () => {
    const { name, tenant, ids } = await workspace();
    await apply(name, cohortEvent("members", [{ distinct_id: "u-ada", email: "ada@acme.test" }]));
    const added = await apply(name, cohortEvent("add_members", [{ distinct_id: "bob-ext" }, { distinct_id: "u-ada2", email: "ADA@acme.test" }], { session: "s2" }));
    expect(added.accountIds).toEqual([ids.globex]);
    expect((await segmentOf(tenant)).members).toEqual([ids.acme, ids.globex].sort());
    const removedOne = await apply(name, cohortEvent("remove_members", [{ distinct_id: "u-ada" }], { session: "s3" }));
    expect(removedOne.accountIds).toEqual([]);
    expect((await segmentOf(tenant)).members).toEqual([ids.acme, ids.globex].sort());
    const removedLast = await apply(name, cohortEvent("remove_members", [{ distinct_id: "u-ada2" }], { session: "s4" }));
    expect(removedLast.accountIds).toEqual([ids.acme]);
    expect((await segmentOf(tenant)).members).toEqual([ids.globex]);
    // Both entries carry the same fixed time here, so compare them as a set.
    expect((await titles(tenant, ids.acme!)).sort()).toEqual(['Entered Mixpanel cohort "Power users"', 'Left Mixpanel cohort "Power users"']);
  });

  it("treats `members` as a replace across its pages: nobody leaves before the last page", async () => {
    const { name, tenant, ids } = await workspace();
    await apply(name, cohortEvent("members", [{ distinct_id: "u-ada", email: "ada@acme.test" }, { distinct_id: "bob-ext" }]));
    const page0 = await apply(name, cohortEvent("members", [{ distinct_id: "initech-ext" }], { session: "refresh", page: 0, total: 2 }));
    expect(page0.accountIds).toEqual([ids.initech]);
    expect((await segmentOf(tenant)).members).toEqual([ids.acme, ids.globex, ids.initech].sort());
    const page1 = await apply(name, cohortEvent("members", [{ distinct_id: "bob-ext" }], { session: "refresh", page: 1, total: 2 }));
    expect(page1.accountIds).toEqual([ids.acme]);
    expect((await segmentOf(tenant)).members).toEqual([ids.globex, ids.initech].sort());
    expect(await titles(tenant, ids.globex!)).toEqual(['Entered Mixpanel cohort "Power users"']);
  });

  it("ends a replace with the session's full list even when its last part arrives first", async () => {
    const { name, tenant, ids } = await workspace();
    await apply(name, cohortEvent("members", [{ distinct_id: "acme-ext" }, { distinct_id: "bob-ext" }]));
    await apply(name, cohortEvent("members", [{ distinct_id: "initech-ext" }], { session: "big", part: 1, parts: 2 }));
    expect((await segmentOf(tenant)).members).toEqual([ids.initech]);
    await apply(name, cohortEvent("members", [{ distinct_id: "bob-ext" }], { session: "big", part: 0, parts: 2 }));
    expect((await segmentOf(tenant)).members).toEqual([ids.globex, ids.initech].sort());
  });

  it("records a cohort of strangers as ignored, keeps an empty segment matching nobody, and recreates a deleted segment", async () => {
    const { name, tenant, ids } = await workspace();
    const effect = await apply(name, cohortEvent("members", [{ distinct_id: "nobody-1" }, { email: "who@else.test" }]));
    expect(effect.accountIds).toEqual([]);
    expect(effect.effect).toMatch(/^ignored: no account matched/);
    const empty = await segmentOf(tenant);
    expect(empty.members).toEqual([]);
    const deleted = await tenant.deleteSegment(empty.id, ACTOR);
    expect(deleted.ok).toBe(true);
    await apply(name, cohortEvent("add_members", [{ distinct_id: "acme-ext" }], { session: "s9" }));
    const again = await segmentOf(tenant);
    expect(again.id).not.toBe(empty.id);
    expect(again.members).toEqual([ids.acme]);
  });

  it("keeps a user's own segment of the same name and names the cohort's segment by its id", async () => {
    const { name, tenant, ids } = await workspace();
    const own = await tenant.createSegment({ name: "Mixpanel: Power users", description: "mine", rule: { match: "all", rules: [{ field: "tier", operator: "eq", value: "enterprise" }] } }, ACTOR);
    expect(own.ok).toBe(true);
    await apply(name, cohortEvent("members", [{ distinct_id: "acme-ext" }]));
    const list = await tenant.listSegments();
    if (!list.ok) throw new Error(list.message);
    const names = list.value.map((segment) => segment.name).sort();
    expect(names).toEqual(["Mixpanel: Power users", "Mixpanel: Power users (#77)"]);
    const cohortSegment = list.value.find((segment) => segment.name.endsWith("(#77)"));
    expect(cohortSegment?.member_count).toBe(1);
    const members = await tenant.segmentMembers(cohortSegment!.segment_id, { limit: 10 });
    expect(members.ok && members.value.members.map((member) => member.client_id)).toEqual([ids.acme]);
  });
});
