import { beforeAll, describe, expect, it } from "vitest";
import { eq } from "drizzle-orm";
import { accountTimeline } from "../../src/db/accounts";
import { handleZendeskEvent } from "../../src/db/inbound/zendesk";
import { applyInboundBatch, INBOUND_HANDLERS } from "../../src/db/inbound";
import { getTicket } from "../../src/db/tickets";
import { contacts, integrationLinks, tickets } from "../../src/db/tenant-schema";
import type { InboundEvent } from "../../src/integrations/provider";
import { zendesk } from "../../src/integrations/zendesk";
import { INVOCATION_HEADER, SIGNATURE_HEADER, signWebhook, TIMESTAMP_HEADER } from "../../src/integrations/zendesk/webhook";
import { inTenant, newTeam, register, type Team } from "../support/work";

/**
 * Signed Zendesk deliveries → verifyWebhook → the inbound handler inside the Tenant object's
 * transaction: the path a delivery takes, minus the queue.
 */

const SECRET = "inbound-test-signing-secret";
const connection = { subdomain: "zd-inbound", auth: "api_token", email: "agent@example.com", api_token: "tok-0123456789", webhook_signing_secret: SECRET };

let team: Team;
let linkedAccount = "";
let contactAccount = "";
let crmAccount = "";
let seq = 0;

const MIN = 60_000;
const ago = (ms: number) => new Date(Date.now() - ms).toISOString();

async function eventsOf(body: unknown, invocationId = `inv-${++seq}`): Promise<InboundEvent[]> {
  const raw = JSON.stringify(body);
  const timestamp = new Date().toISOString();
  const headers = new Headers({ [SIGNATURE_HEADER]: await signWebhook(SECRET, timestamp, raw), [TIMESTAMP_HEADER]: timestamp, [INVOCATION_HEADER]: invocationId });
  const result = await zendesk.verifyWebhook?.(connection, { headers, body: new TextEncoder().encode(raw), now: new Date() });
  if (!result?.ok) throw new Error(`refused: ${result?.reason}`);
  return result.events;
}

/** Applies events as applyInboundEvents does (in one transaction, through applyInboundBatch), minus the receipts. */
async function apply(events: InboundEvent[]): Promise<{ accountIds: string[]; effect: string }[]> {
  return inTenant(team.tenantId, (db) =>
    db.transaction((tx) => applyInboundBatch(tx, "zendesk", events, new Date()).map(({ accountIds, effect }) => ({ accountIds, effect }))),
  );
}

function subscription(type: string, ticketId: string, detail: Record<string, unknown>, extra: Record<string, unknown> = {}, time = new Date().toISOString()) {
  return { id: `evt-${++seq}-${crypto.randomUUID()}`, type: `zen:event-type:ticket.${type}`, subject: `zen:ticket:${ticketId}`, time, account_id: 1, detail: { id: ticketId, ...detail }, event: {}, zendesk_event_version: "2022-06-20", ...extra };
}

async function ourTicket(zendeskId: string) {
  return inTenant(team.tenantId, (db) => {
    const row = db.select().from(tickets).where(eq(tickets.externalId, `zendesk:${zendeskId}`)).get();
    return row ? getTicket(db, row.id) : null;
  });
}

async function timelineTitles(accountId: string): Promise<string[]> {
  return inTenant(team.tenantId, (db) => accountTimeline(db, accountId, { limit: 100 }).events.map((e) => e.title));
}

beforeAll(async () => {
  team = await newTeam("Zendesk Inbound Co");
  linkedAccount = await register(team.token, { client_name: "Linked Org", tier: "enterprise" });
  contactAccount = await register(team.token, { client_name: "By Contact" });
  crmAccount = await register(team.token, { client_name: "By CRM id" });
  await inTenant(team.tenantId, (db) => {
    const now = new Date().toISOString();
    db.insert(integrationLinks).values({ provider: "zendesk", kind: "organization", externalId: "1504", accountId: linkedAccount, contactId: null, updatedAt: now }).run();
    db.insert(contacts).values({ id: "ct_zd_ann", accountId: contactAccount, externalId: null, name: "Ann", email: "Ann@Customer.example", title: null, role: "champion", isPrimary: true, status: "active", createdAt: now, updatedAt: now }).run();
    db.run(`UPDATE accounts SET external_id = 'crm-77' WHERE id = '${crmAccount}'`);
  });
});

describe("Zendesk ticket events → our tickets", () => {
  it("is the registered handler for zendesk", () => {
    expect(INBOUND_HANDLERS.zendesk).toBe(handleZendeskEvent);
  });

  it("runs a ticket's whole life with its SLA clocks: created, agent reply, pending, priority, solved, closed", async () => {
    const detail = { subject: "Export fails", description: "CSV export times out", status: "NEW", priority: "HIGH", type: "INCIDENT", organization_id: "1504", requester_id: "9001", created_at: ago(30 * MIN) };
    const [opened] = await apply(await eventsOf(subscription("created", "5158", detail, {}, ago(30 * MIN))));
    expect(opened?.accountIds).toEqual([linkedAccount]);
    expect(opened?.effect).toContain("opened ticket");
    let ticket = await ourTicket("5158");
    expect(ticket).toMatchObject({ client_id: linkedAccount, source: "zendesk", status: "new", priority: "P2", category: "incident", subject: "Export fails" });
    // P2: first response due an hour after opening (the engine's default targets).
    expect(Date.parse(ticket?.first_response_due_at ?? "") - Date.parse(ticket?.opened_at ?? "")).toBe(60 * MIN);
    expect(ticket?.sla.first_response.state).toMatch(/on_track|at_risk/);

    const [reply] = await apply(await eventsOf(subscription("comment_added", "5158", { ...detail, status: "OPEN" }, { event: { comment: { id: "1", body: "We are on it", is_public: true, author: { id: "7", is_staff: true, name: "Agent Ann" } } } })));
    expect(reply?.effect).toContain("first response");
    ticket = await ourTicket("5158");
    expect(ticket?.first_response_at).not.toBeNull();
    expect(ticket?.status).toBe("open");
    expect(ticket?.sla.first_response.state).toBe("met");
    expect(ticket?.comments.at(-1)).toMatchObject({ body: "We are on it", visibility: "public", author_kind: "agent" });

    await apply(await eventsOf(subscription("status_changed", "5158", { ...detail, status: "PENDING" }, { event: { current: "PENDING", previous: "OPEN" } })));
    ticket = await ourTicket("5158");
    expect(ticket?.status).toBe("pending");
    expect(ticket?.sla.paused).toBe(true);

    const before = ticket?.sla.resolution.target_minutes ?? 0;
    await apply(await eventsOf(subscription("priority_changed", "5158", { ...detail, status: "PENDING", priority: "URGENT" }, { event: { current: "URGENT", previous: "HIGH" } })));
    ticket = await ourTicket("5158");
    expect(ticket?.priority).toBe("P1");
    expect(ticket?.history.some((h) => h.type === "priority_changed")).toBe(true);
    // The clocks now run against P1's (tighter) resolution target.
    expect(ticket?.sla.resolution.target_minutes).toBeLessThan(before);

    const [internal] = await apply(await eventsOf(subscription("comment_added", "5158", { ...detail, status: "PENDING" }, { event: { comment: { id: "2", body: "Engineering says: a fix ships tonight", is_public: false, author: { id: "7", is_staff: true, name: "Agent Ann" } } } })));
    expect(internal?.effect).toContain("internal note");
    expect((await ourTicket("5158"))?.comments.at(-1)).toMatchObject({ visibility: "internal" });

    await apply(await eventsOf(subscription("status_changed", "5158", { ...detail, status: "SOLVED" }, { event: { current: "SOLVED", previous: "PENDING" } })));
    ticket = await ourTicket("5158");
    expect(ticket?.status).toBe("solved");
    expect(ticket?.solved_at).not.toBeNull();
    expect(ticket?.sla.resolution.state).toBe("met");

    await apply(await eventsOf(subscription("status_changed", "5158", { ...detail, status: "CLOSED" }, { event: { current: "CLOSED", previous: "SOLVED" } })));
    expect((await ourTicket("5158"))?.status).toBe("closed");
    const [late] = await apply(await eventsOf(subscription("comment_added", "5158", { ...detail, status: "CLOSED" }, { event: { comment: { id: "3", body: "Thanks!", is_public: true, author: { id: "9001", is_staff: false, name: "Customer" } } } })));
    expect(late?.effect).toContain("closed");

    const titles = await timelineTitles(linkedAccount);
    expect(titles.some((t) => t.startsWith("Ticket opened (P2): Export fails"))).toBe(true);
    expect(titles.some((t) => t === "Zendesk #5158: status open → pending")).toBe(true);
    expect(titles.some((t) => t === "Zendesk #5158: priority P2 → P1")).toBe(true);
    expect(titles.some((t) => t === "Zendesk #5158: internal note")).toBe(true);
    expect(titles.some((t) => t.startsWith("Ticket resolved: Export fails"))).toBe(true);
    expect(titles.some((t) => t === "Zendesk #5158: status solved → closed")).toBe(true);
  });

  it("opens a ticket and follows it through later events of the same batch", async () => {
    const detail = { subject: "One batch", status: "NEW", priority: "NORMAL", organization_id: "1504" };
    const events = [
      ...(await eventsOf(subscription("created", "6101", detail))),
      ...(await eventsOf(subscription("status_changed", "6101", { ...detail, status: "PENDING" }, { event: { current: "PENDING", previous: "NEW" } }))),
      ...(await eventsOf(subscription("comment_added", "6101", { ...detail, status: "PENDING" }, { event: { comment: { id: "3", body: "Waiting on you", is_public: true, author: { id: "7", is_staff: true, name: "Agent Ann" } } } }))),
    ];
    const effects = await apply(events);
    expect(effects.map((e) => e.effect)).toEqual([expect.stringContaining("opened ticket"), expect.stringContaining("→ pending"), expect.stringContaining("agent reply added")]);
    const ticket = await ourTicket("6101");
    expect(ticket).toMatchObject({ status: "pending", subject: "One batch" });
    expect(ticket?.comments.at(-1)).toMatchObject({ body: "Waiting on you" });
    const opened = await inTenant(team.tenantId, (db) => db.select().from(tickets).where(eq(tickets.externalId, "zendesk:6101")).all());
    expect(opened).toHaveLength(1);
  });

  it("the same state twice changes nothing the second time", async () => {
    const detail = { subject: "Twice", status: "OPEN", priority: "LOW", organization_id: "1504" };
    await apply(await eventsOf(subscription("created", "6001", detail)));
    const event = subscription("status_changed", "6001", { ...detail, status: "PENDING" }, { event: { current: "PENDING", previous: "OPEN" } });
    const [first] = await apply(await eventsOf(event));
    const [second] = await apply(await eventsOf(event));
    expect(first?.effect).toContain("open → pending");
    expect(second).toEqual({ accountIds: [], effect: expect.stringContaining("no change") });
  });

  it("places a trigger-style ticket by the requester's email on our contact, and solves it", async () => {
    const [effect] = await apply(await eventsOf({ type: "ticket.solved", ticket: { id: "812", subject: "Login loop", status: "Solved", priority: "Normal", requester: { email: "ann@customer.example", name: "Ann" }, created_at: ago(2 * 60 * MIN), updated_at: ago(MIN) } }));
    expect(effect?.accountIds).toEqual([contactAccount]);
    expect(effect?.effect).toContain("requester ann@customer.example");
    const ticket = await ourTicket("812");
    expect(ticket).toMatchObject({ client_id: contactAccount, requester_contact_id: "ct_zd_ann", status: "solved", priority: "P3" });
  });

  it("places a ticket by the organization's external_id on an account's external_id; reopens a solved one", async () => {
    const body = (status: string) => ({ ticket: { id: "913", subject: "Invoices", status, priority: "Low", organization: { id: "55", external_id: "crm-77" } } });
    await apply(await eventsOf(body("Solved")));
    expect((await ourTicket("913"))?.status).toBe("solved");
    const [reopened] = await apply(await eventsOf(body("Open")));
    expect(reopened?.effect).toContain("solved → open");
    const ticket = await ourTicket("913");
    expect(ticket).toMatchObject({ client_id: crmAccount, status: "open", solved_at: null });
    expect(ticket?.history.some((h) => h.type === "reopened")).toBe(true);
  });

  it("records a ticket of an unknown organization and requester as ignored, without a ticket", async () => {
    const [effect] = await apply(await eventsOf(subscription("created", "7777", { subject: "Who?", status: "NEW", priority: "LOW", organization_id: "999999", requester_id: "123" })));
    expect(effect?.accountIds).toEqual([]);
    expect(effect?.effect).toMatch(/^ignored: Zendesk ticket #7777 matches no account/);
    expect(await ourTicket("7777")).toBeNull();
  });

  it("ignores events that are not about tickets", async () => {
    const [effect] = await apply(await eventsOf({ id: "u-1", type: "zen:event-type:user.created", subject: "zen:user:1", time: new Date().toISOString(), detail: {} }));
    expect(effect).toEqual({ accountIds: [], effect: "ignored: zendesk:user.created is not a ticket event" });
  });

  it("an event older than the ticket's last change is applied at that change's time, not before it", async () => {
    const detail = { subject: "Out of order", status: "OPEN", priority: "NORMAL", organization_id: "1504" };
    await apply(await eventsOf(subscription("created", "8080", detail)));
    const [late] = await apply(await eventsOf(subscription("status_changed", "8080", { ...detail, status: "HOLD" }, { event: { current: "HOLD", previous: "OPEN" } }, ago(24 * 60 * MIN))));
    expect(late?.effect).toContain("open → on_hold");
    const ticket = await ourTicket("8080");
    expect(ticket?.status).toBe("on_hold");
    const [created, ...rest] = ticket?.history ?? [];
    expect(rest.every((h) => h.at >= (created?.at ?? ""))).toBe(true);
  });
});
