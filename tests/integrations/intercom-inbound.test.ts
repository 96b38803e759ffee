import { and, eq } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { intercomInbound } from "../../src/db/inbound/intercom";
import { INBOUND_HANDLERS, InboundBatch, type InboundEffect } from "../../src/db/inbound";
import * as schema from "../../src/db/tenant-schema";
import { intercom } from "../../src/integrations/intercom";
import type { InboundEvent } from "../../src/integrations/provider";
import { inTenant, newTeam, ok, register, type Team } from "../support/work";

/**
 * Intercom conversation events applied to tenant state: signed notifications go through the
 * real verifyWebhook, and its events through the inbound handler in a tenant transaction.
 */

const SECRET = "c1d2e3f4a5b6c7d8e9f0a1b2c3d4e5f6";
const connection = { region: "eu", access_token: "dG9rOmludGVyY29tLWluYm91bmQ=", client_secret: SECRET };

interface Author {
  type: "user" | "lead" | "admin" | "bot";
  id: string;
  email?: string;
  name?: string;
}

interface Spec {
  topic: string;
  conversation?: string;
  contacts?: { id: string; external_id?: string | null; email?: string }[];
  sourceAuthor?: Author;
  part?: { id: string; body: string; author: Author; at?: number } | null;
  createdAt?: number;
  id?: string;
}

const epoch = (offsetSeconds = 0) => Math.floor(Date.now() / 1000) + offsetSeconds;

async function events(spec: Spec): Promise<InboundEvent[]> {
  const body = JSON.stringify({
    type: "notification_event",
    app_id: "fk3xyz12",
    id: spec.id ?? `notif_${crypto.randomUUID()}`,
    topic: spec.topic,
    delivery_attempts: 1,
    first_sent_at: spec.createdAt ?? epoch(),
    created_at: spec.createdAt ?? epoch(),
    data: {
      type: "notification_event_data",
      item: {
        type: "conversation",
        id: spec.conversation ?? "501",
        created_at: epoch(-3_600),
        updated_at: spec.createdAt ?? epoch(),
        state: spec.topic === "conversation.admin.closed" ? "closed" : "open",
        source: { type: "conversation", id: "777", delivered_as: "customer_initiated", subject: "", body: "<p>Can we add seats?</p>", author: spec.sourceAuthor ?? spec.part?.author ?? { type: "user", id: "x" } },
        contacts: { type: "contact.list", contacts: (spec.contacts ?? []).map((contact) => ({ type: "contact", ...contact })) },
        conversation_parts: {
          type: "conversation_part.list",
          conversation_parts: spec.part ? [{ type: "conversation_part", id: spec.part.id, part_type: "comment", body: spec.part.body, created_at: spec.part.at ?? epoch(), author: spec.part.author }] : [],
          total_count: spec.part ? 1 : 0,
        },
      },
    },
  });
  const bytes = new TextEncoder().encode(body);
  const key = await crypto.subtle.importKey("raw", new TextEncoder().encode(SECRET), { name: "HMAC", hash: "SHA-1" }, false, ["sign"]);
  const digest = [...new Uint8Array(await crypto.subtle.sign("HMAC", key, bytes))].map((byte) => byte.toString(16).padStart(2, "0")).join("");
  const verified = await intercom.verifyWebhook!(connection, { headers: new Headers({ "X-Hub-Signature": `sha1=${digest}` }), body: bytes, now: new Date() });
  if (!verified.ok) throw new Error(verified.reason);
  return verified.events;
}

async function apply(team: Team, spec: Spec): Promise<InboundEffect> {
  const [event] = await events(spec);
  if (!event) throw new Error("no event");
  return inTenant(team.tenantId, (db) => db.transaction((tx) => intercomInbound(tx, event, new Date(), new InboundBatch())));
}

async function touchpointsOf(team: Team, accountId: string) {
  return inTenant(team.tenantId, (db) => db.select().from(schema.touchpoints).where(eq(schema.touchpoints.accountId, accountId)).orderBy(schema.touchpoints.occurredAt).all());
}

async function addContact(team: Team, accountId: string, contact: { name: string; email: string | null; externalId?: string }): Promise<string> {
  const id = `ct_${crypto.randomUUID().slice(0, 12)}`;
  const at = new Date().toISOString();
  await inTenant(team.tenantId, (db) =>
    db
      .insert(schema.contacts)
      .values({ id, accountId, externalId: contact.externalId ?? null, name: contact.name, email: contact.email, title: null, role: "champion", isPrimary: false, status: "active", createdAt: at, updatedAt: at })
      .run(),
  );
  return id;
}

const grace = { type: "user", id: "66437aa0grace", email: "Grace@Acme.test", name: "Grace" } as const;
const admin = { type: "admin", id: "991267", name: "Ada Admin", email: "ada@ourteam.test" } as const;

describe("Intercom inbound conversation events", () => {
  let team: Team;
  let acme: string;
  let globex: string;
  let graceId: string;
  let hankId: string;

  beforeAll(async () => {
    team = await newTeam("Intercom Inbound Co");
    acme = await register(team.token, { client_name: "Acme" });
    globex = await register(team.token, { client_name: "Globex" });
    graceId = await addContact(team, acme, { name: "Grace", email: "grace@acme.test" });
    hankId = await addContact(team, globex, { name: "Hank", email: null, externalId: "crm-hank-7" });
  });

  it("is the registered Intercom handler", () => {
    expect(INBOUND_HANDLERS.intercom).toBe(intercomInbound);
  });

  it("a customer starting a conversation is an inbound message on their account, in its timeline, and links the contact", async () => {
    const [event] = await events({ topic: "conversation.user.created", conversation: "601", sourceAuthor: grace, contacts: [{ id: grace.id, external_id: null }] });
    const effect = await inTenant(team.tenantId, (db) => db.transaction((tx) => intercomInbound(tx, event!, new Date(), new InboundBatch())));
    expect(effect.accountIds).toEqual([acme]);
    expect(effect.effect).toMatch(/^logged touchpoint tp_\S+ on \S+ \(via email grace@acme\.test\)$/);
    const [touch] = await touchpointsOf(team, acme);
    expect(touch).toMatchObject({
      kind: "message",
      direction: "inbound",
      source: "intercom",
      contactId: graceId,
      externalId: `intercom:${event!.id}`,
      subject: "Intercom: Customer started a conversation — Can we add seats?",
      createdBy: "integration:intercom",
    });
    const listed = await ok<{ touchpoints: { touchpoint_id: string; source: string }[] }>(team.token, "list_touchpoints", { client_id: acme });
    expect(listed.touchpoints.map((row) => [row.touchpoint_id, row.source])).toEqual([[touch!.id, "intercom"]]);
    const timeline = await inTenant(team.tenantId, (db) => db.select().from(schema.accountEvents).where(and(eq(schema.accountEvents.accountId, acme), eq(schema.accountEvents.eventType, "communication"))).all());
    expect(timeline.map((row) => row.title)).toContain("Message (inbound): Intercom: Customer started a conversation — Can we add seats?");
    const link = await inTenant(team.tenantId, (db) =>
      db.select().from(schema.integrationLinks).where(and(eq(schema.integrationLinks.provider, "intercom"), eq(schema.integrationLinks.externalId, grace.id))).get(),
    );
    expect(link).toMatchObject({ kind: "contact", accountId: acme, contactId: graceId });
  });

  it("an admin reply is outbound, and the customer's next reply marks it replied (reply rate)", async () => {
    // Only the Intercom contact id this time: the link made by the previous event resolves it.
    const contacts = [{ id: grace.id, external_id: null }];
    const adminEffect = await apply(team, { topic: "conversation.admin.replied", conversation: "601", contacts, part: { id: "8001", body: "<p>Yes, sending a quote</p>", author: admin, at: epoch(-60) } });
    expect(adminEffect.effect).toMatch(/\(via link\)$/);
    const replyEffect = await apply(team, { topic: "conversation.user.replied", conversation: "601", contacts, part: { id: "8002", body: "<p>Thanks!</p>", author: { type: "user", id: grace.id }, at: epoch(-10) } });
    expect(replyEffect.effect).toMatch(/, marked tp_\S+ replied$/);
    const rows = await touchpointsOf(team, acme);
    const outbound = rows.find((row) => row.externalId === "intercom:8001");
    const inbound = rows.find((row) => row.externalId === "intercom:8002");
    expect(outbound).toMatchObject({ direction: "outbound", subject: "Intercom: Team replied — Yes, sending a quote", contactId: graceId });
    expect(outbound?.repliedAt).toBe(inbound?.occurredAt);
    expect(inbound).toMatchObject({ direction: "inbound", subject: "Intercom: Customer replied — Thanks!", repliedAt: null });
  });

  it("the same conversation part in a second notification is logged once", async () => {
    const spec: Spec = { topic: "conversation.user.replied", conversation: "601", contacts: [{ id: grace.id }], part: { id: "8100", body: "again", author: { type: "user", id: grace.id } } };
    const first = await apply(team, spec);
    const second = await apply(team, spec);
    expect(first.accountIds).toEqual([acme]);
    expect(second.accountIds).toEqual([]);
    expect(second.effect).toMatch(/^ignored: already logged as touchpoint tp_/);
    expect((await touchpointsOf(team, acme)).filter((row) => row.externalId === "intercom:8100")).toHaveLength(1);
  });

  it("finds a contact by the Intercom external_id (our contact's external id), and a close is internal", async () => {
    const hank = { id: "66437bb0hank", external_id: "crm-hank-7" };
    const effect = await apply(team, { topic: "conversation.admin.closed", conversation: "702", contacts: [hank], part: { id: "8200", body: "", author: admin } });
    expect(effect.accountIds).toEqual([globex]);
    expect(effect.effect).toMatch(/via external_id crm-hank-7/);
    const [row] = await touchpointsOf(team, globex);
    expect(row).toMatchObject({ direction: "internal", subject: "Intercom: Conversation closed — Can we add seats?", contactId: hankId });
  });

  it("an admin-started message is outbound to the contact named by our contact id as external_id", async () => {
    const effect = await apply(team, { topic: "conversation.admin.single.created", conversation: "703", contacts: [{ id: "66437cc0", external_id: graceId }], sourceAuthor: admin });
    expect(effect.accountIds).toEqual([acme]);
    const rows = await touchpointsOf(team, acme);
    expect(rows.some((row) => row.direction === "outbound" && row.subject === "Intercom: Team started a conversation — Can we add seats?")).toBe(true);
  });

  it("an unknown customer, a conversation-less event and an unhandled topic are ignored, not errors", async () => {
    const before = (await touchpointsOf(team, acme)).length + (await touchpointsOf(team, globex)).length;
    const stranger = await apply(team, { topic: "conversation.user.created", conversation: "900", sourceAuthor: { type: "user", id: "66437dd0", email: "nobody@elsewhere.test" }, contacts: [{ id: "66437dd0" }] });
    expect(stranger).toEqual({ accountIds: [], effect: "ignored: no contact in this workspace matches Intercom nobody@elsewhere.test (conversation 900)" });
    const unhandled = await apply(team, { topic: "contact.user.created" });
    expect(unhandled).toEqual({ accountIds: [], effect: "ignored: topic contact.user.created is not one that changes engagement" });
    const bare: InboundEvent = { id: "notif_bare", type: "conversation.user.replied", occurredAt: new Date().toISOString(), data: { conversation: null } };
    const noConversation = await inTenant(team.tenantId, (db) => db.transaction((tx) => intercomInbound(tx, bare, new Date(), new InboundBatch())));
    expect(noConversation).toEqual({ accountIds: [], effect: "ignored: conversation.user.replied without a conversation" });
    expect((await touchpointsOf(team, acme)).length + (await touchpointsOf(team, globex)).length).toBe(before);
  });

  it("a linked contact that moved to another account is followed to its current account", async () => {
    const moverId = await addContact(team, acme, { name: "Mover", email: "mover@acme.test" });
    const mover = { type: "user", id: "66437ee0mover", email: "mover@acme.test" } as const;
    const first = await apply(team, { topic: "conversation.user.created", conversation: "801", sourceAuthor: mover, contacts: [{ id: mover.id }] });
    expect(first.accountIds).toEqual([acme]);
    await inTenant(team.tenantId, (db) => db.update(schema.contacts).set({ accountId: globex }).where(eq(schema.contacts.id, moverId)).run());
    const second = await apply(team, { topic: "conversation.user.replied", conversation: "801", contacts: [{ id: mover.id }], part: { id: "8400", body: "new job", author: { type: "user", id: mover.id } } });
    expect(second.accountIds).toEqual([globex]);
    expect(second.effect).toMatch(/\(via link\)$/);
    expect((await touchpointsOf(team, globex)).find((row) => row.externalId === "intercom:8400")?.contactId).toBe(moverId);
  });

  it("a part timestamped ahead of our clock is logged at our now, not refused", async () => {
    const effect = await apply(team, { topic: "conversation.user.replied", conversation: "601", contacts: [{ id: grace.id }], part: { id: "8300", body: "from the future", author: { type: "user", id: grace.id }, at: epoch(7_200) } });
    expect(effect.accountIds).toEqual([acme]);
    const row = (await touchpointsOf(team, acme)).find((candidate) => candidate.externalId === "intercom:8300");
    expect(Date.parse(row!.occurredAt)).toBeLessThanOrEqual(Date.now());
  });
});
