import { and, eq, sql } from "drizzle-orm";
import { zendeskEventData, type ZendeskEventData } from "../../integrations/zendesk/webhook";
import type { InboundEvent } from "../../integrations/provider";
import { AccountError, appendEvent, type TenantDb } from "../accounts";
import { accounts, contacts, integrationLinks, tickets } from "../tenant-schema";
import { compiledOnce } from "../compiled";
import { addComment, closeTicket, findTicket, findTicketByExternalId, lastEventAt, openTicket, reopenTicket, resolveTicket, supportSettings, updateTicket, type Priority, type Status } from "../tickets";
import { InboundBatch } from "./batch";
import type { InboundEffect } from "./index";

/**
 * Zendesk ticket events → our support tickets (external_id "zendesk:<id>", source "zendesk"),
 * through the ticket lifecycle in src/db/tickets.ts so the SLA clocks run as for any ticket:
 * created opens one, status changes move it (pending pauses the clocks, solved resolves,
 * closed closes, a reopen reopens), priority changes re-target the clocks, comments are
 * replies or internal notes (the first public agent reply is the first response).
 *
 * A ticket is matched to an account by, in order: the Zendesk organization linked in
 * integration_links (kind "organization"), an account whose external_id is the organization's
 * external_id, the requester linked as a user (kind "user"), or the requester's email on one
 * of our contacts. An event for a ticket we cannot place is recorded as "ignored: …".
 */

const ACTOR = "zendesk";

const PRIORITY: Record<string, Priority> = { urgent: "P1", high: "P2", normal: "P3", low: "P4" };
const STATUS: Record<string, Status> = { new: "new", open: "open", pending: "pending", hold: "on_hold", on_hold: "on_hold", solved: "solved", closed: "closed" };

type TicketRow = typeof tickets.$inferSelect;
type ZTicket = ZendeskEventData["ticket"];

export function externalIdOf(zendeskTicketId: string): string {
  return `zendesk:${zendeskTicketId}`;
}

function ticketOf(tx: TenantDb, zendeskId: string, batch: InboundBatch): TicketRow | undefined {
  return knownAbsent(batch, zendeskId) ? undefined : findTicketByExternalId(tx, externalIdOf(zendeskId));
}

function absentKey(zendeskId: string): string {
  return `zendesk-ticket-absent:${zendeskId}`;
}

/** Whether the batch's first read found no ticket of ours for this Zendesk ticket, and none was made since. */
function knownAbsent(batch: InboundBatch, zendeskId: string): boolean {
  return batch.memo(absentKey(zendeskId), () => false);
}

function zendeskTicketIdOf(event: InboundEvent): string | null {
  const ticket = event.data.ticket;
  return typeof ticket === "object" && ticket !== null && !Array.isArray(ticket) && typeof ticket.id === "string" ? ticket.id : null;
}

/**
 * Before a batch: which of its Zendesk tickets have no ticket here yet, in one query, so an
 * event that opens one skips its own lookup (most events of a burst of new tickets do). Only
 * absence is remembered: a ticket that exists is read when its event comes, as it stands then.
 */
export function prepareZendeskBatch(tx: TenantDb, events: readonly InboundEvent[], batch: InboundBatch): void {
  const ids = [...new Set(events.map(zendeskTicketIdOf).filter((id) => id !== null))];
  if (ids.length === 0) return;
  const existing = tx
    .select({ externalId: tickets.externalId })
    .from(tickets)
    .where(sql`${tickets.externalId} IN (SELECT value FROM json_each(${JSON.stringify(ids.map(externalIdOf))}))`)
    .all();
  const found = new Set(existing.map((row) => row.externalId));
  for (const id of ids) if (!found.has(externalIdOf(id))) batch.remember(absentKey(id), true);
}

function compileLinkLookup(db: TenantDb) {
  return db
    .select({ accountId: integrationLinks.accountId, contactId: integrationLinks.contactId })
    .from(integrationLinks)
    .where(and(eq(integrationLinks.provider, "zendesk"), eq(integrationLinks.kind, sql.placeholder("kind")), eq(integrationLinks.externalId, sql.placeholder("externalId"))))
    .prepare();
}

function linked(tx: TenantDb, kind: string, externalId: string | null): { accountId: string | null; contactId: string | null } | null {
  if (!externalId) return null;
  return compiledOnce(tx, compileLinkLookup).get({ kind, externalId }) ?? null;
}

/** The account (and requester contact, when known) a Zendesk ticket belongs to, or null. */
export function placeTicket(tx: TenantDb, ticket: ZTicket): { accountId: string; contactId: string | null; via: string } | null {
  const contactOf = (): { id: string; accountId: string } | null => {
    const user = linked(tx, "user", ticket.requester_id);
    if (user?.contactId) {
      const contact = tx.select({ id: contacts.id, accountId: contacts.accountId }).from(contacts).where(eq(contacts.id, user.contactId)).get();
      if (contact) return contact;
    }
    if (ticket.requester_email) {
      const contact = tx
        .select({ id: contacts.id, accountId: contacts.accountId })
        .from(contacts)
        .where(and(sql`lower(${contacts.email}) = ${ticket.requester_email.toLowerCase()}`, eq(contacts.status, "active")))
        .get();
      if (contact) return contact;
    }
    return null;
  };
  const contact = contactOf();
  const organization = linked(tx, "organization", ticket.organization_id);
  if (organization?.accountId) {
    return { accountId: organization.accountId, contactId: contact?.accountId === organization.accountId ? contact.id : null, via: `organization ${ticket.organization_id}` };
  }
  if (ticket.organization_external_id) {
    const account = tx.select({ id: accounts.id }).from(accounts).where(eq(accounts.externalId, ticket.organization_external_id)).get();
    if (account) return { accountId: account.id, contactId: contact?.accountId === account.id ? contact.id : null, via: `organization external_id ${ticket.organization_external_id}` };
  }
  const user = linked(tx, "user", ticket.requester_id);
  if (user?.accountId && !contact) return { accountId: user.accountId, contactId: null, via: `requester ${ticket.requester_id}` };
  if (contact) return { accountId: contact.accountId, contactId: contact.id, via: ticket.requester_email ? `requester ${ticket.requester_email}` : `requester ${ticket.requester_id}` };
  return null;
}

/** A time for the ticket's next event: Zendesk's, but never before its last event nor after now. */
function eventTime(tx: TenantDb, ticketId: string, occurredAt: string, now: Date): string {
  const last = lastEventAt(tx, ticketId);
  let ms = Date.parse(occurredAt);
  if (!Number.isFinite(ms) || ms > now.getTime()) ms = now.getTime();
  if (last && ms < Date.parse(last)) ms = Date.parse(last);
  return new Date(ms).toISOString();
}

function note(tx: TenantDb, row: TicketRow, zendeskId: string, title: string, description: string, at: string, eventId: string, impact: "positive" | "negative" | "neutral", now: Date): void {
  appendEvent(
    tx,
    row.accountId,
    ACTOR,
    { event_type: "support", title: `Zendesk #${zendeskId}: ${title}`, description, impact, metadata: { ticket_id: row.id, zendesk_ticket_id: zendeskId, zendesk_event_id: eventId }, occurred_at: at },
    now,
  );
}

function reread(tx: TenantDb, id: string): TicketRow {
  const row = findTicket(tx, id);
  if (!row) throw new AccountError("not_found", `ticket "${id}" disappeared while applying a Zendesk event.`);
  return row;
}

/**
 * Moves our ticket to Zendesk's status through the lifecycle; returns what changed, in words.
 * `at` is asked for only when something moves (it reads the ticket's last event time).
 */
function moveTo(tx: TenantDb, row: TicketRow, target: Status, at: () => string, now: Date): string | null {
  const from = row.status;
  if (from === target || target === "new") return null;
  const done = from === "solved" || from === "closed";
  if (target === "solved") {
    if (from === "closed") return null;
    resolveTicket(tx, row.id, "Solved in Zendesk.", ACTOR, at(), now);
    return `${from} → solved`;
  }
  if (target === "closed") {
    const when = at();
    if (from !== "solved") resolveTicket(tx, row.id, "Solved in Zendesk.", ACTOR, when, now);
    closeTicket(tx, row.id, ACTOR, when, now);
    return `${from} → closed`;
  }
  const when = at();
  if (done) {
    reopenTicket(tx, row.id, "Reopened in Zendesk.", ACTOR, when, now);
    if (target === "open") return `${from} → open`;
  }
  updateTicket(tx, row.id, { status: target, at: when }, ACTOR, now);
  return `${from} → ${target}`;
}

function open(tx: TenantDb, event: InboundEvent, data: ZendeskEventData, place: { accountId: string; contactId: string | null }, now: Date, batch: InboundBatch): TicketRow {
  const z = data.ticket;
  const createdMs = z.created_at ? Date.parse(z.created_at) : Number.NaN;
  const openedAt = new Date(Math.min(Number.isFinite(createdMs) ? createdMs : Date.parse(event.occurredAt) || now.getTime(), now.getTime())).toISOString();
  // The webhook needs the row, not the tool's full detail (comments, history, escalations).
  const { row } = openTicket(
    tx,
    {
      client_id: place.accountId,
      subject: (z.subject ?? `Zendesk ticket #${z.id}`).slice(0, 500),
      description: z.description ?? "",
      priority: PRIORITY[z.priority ?? ""] ?? "P3",
      category: z.type ?? "zendesk",
      assignee: z.assignee_id ? `zendesk:${z.assignee_id}` : null,
      requester_contact_id: place.contactId,
      external_id: externalIdOf(z.id),
      source: "zendesk",
      opened_at: openedAt,
    },
    ACTOR,
    now,
    {
      // No webhook event changes the SLA or routing settings: read them once per batch.
      support: batch.memo("support-settings", () => supportSettings(tx)),
      // placeTicket found the account and requester through linked rows (foreign keys).
      placed: true,
    },
  );
  return row;
}

type Placement = { accountId: string; contactId: string | null; via: string };
type Touched = { accountId: string | null; effects: string[] };

function apply(tx: TenantDb, event: InboundEvent, data: ZendeskEventData, now: Date, touched: Touched, batch: InboundBatch, placement?: Placement): InboundEffect {
  const z = data.ticket;
  let row = ticketOf(tx, z.id, batch);
  const effects = touched.effects;
  if (!row && z.external_id) {
    // A ticket we pushed to Zendesk (push_ticket_to_zendesk) comes back with our id as its external_id: link, do not copy.
    const ours = findTicket(tx, z.external_id);
    if (ours && ours.externalId === null) {
      tx.update(tickets).set({ externalId: externalIdOf(z.id), updatedAt: now.toISOString() }).where(eq(tickets.id, ours.id)).run();
      row = reread(tx, ours.id);
      batch.remember(absentKey(z.id), false);
      effects.push(`linked ticket ${ours.id} to Zendesk #${z.id}`);
    }
  }
  if (!row) {
    // Zendesk events never change links or contacts, so one placement serves a batch's tickets
    // from the same organization and requester.
    const placementKey = JSON.stringify(["placement", z.organization_id, z.organization_external_id, z.requester_id, z.requester_email]);
    const place = placement ?? batch.memo(placementKey, () => placeTicket(tx, z));
    if (!place) {
      return {
        accountIds: [],
        effect: `ignored: Zendesk ticket #${z.id} matches no account (organization ${z.organization_id ?? "none"} is not linked, requester ${z.requester_email ?? z.requester_id ?? "unknown"} is no contact)`,
      };
    }
    row = open(tx, event, data, place, now, batch);
    batch.remember(absentKey(z.id), false);
    effects.push(`opened ticket ${row.id} for ${place.accountId} (via ${place.via})`);
  }
  touched.accountId = row.accountId;
  const ticketId = row.id;
  // `current` is the ticket as it stands; it is re-read only after a change was written.
  let current = row;
  const at = () => eventTime(tx, ticketId, event.occurredAt, now);

  // Status: the change's new value, else the snapshot's (trigger payloads, or a ticket just opened).
  const statusWord = data.change?.field === "status" ? data.change.current : z.status;
  const status = statusWord ? STATUS[statusWord] : undefined;
  if (status) {
    let when: string | undefined;
    const moved = moveTo(tx, current, status, () => (when ??= at()), now);
    if (moved) {
      effects.push(`status ${moved}`);
      if (status !== "solved") note(tx, current, z.id, `status ${moved}`, `Ticket ${ticketId} moved in Zendesk.`, when ?? at(), event.id, status === "closed" ? "positive" : "neutral", now);
      current = reread(tx, ticketId);
    }
  }

  // Priority: only on an open ticket (a solved one keeps the priority it was solved at).
  const priorityWord = data.change?.field === "priority" ? data.change.current : z.priority;
  const priority = priorityWord ? PRIORITY[priorityWord] : undefined;
  if (priority && priority !== current.priority && current.status !== "solved" && current.status !== "closed") {
    const when = at();
    updateTicket(tx, ticketId, { priority, at: when }, ACTOR, now);
    effects.push(`priority ${current.priority} → ${priority}`);
    note(tx, current, z.id, `priority ${current.priority} → ${priority}`, `Re-prioritized in Zendesk; SLA clocks re-targeted.`, when, event.id, priority < current.priority ? "negative" : "neutral", now);
    current = reread(tx, ticketId);
  }

  if (data.comment) {
    if (current.status === "closed") {
      effects.push("comment not added: the ticket is closed");
    } else {
      const when = at();
      const internal = !data.comment.public;
      const result = addComment(
        tx,
        ticketId,
        { body: data.comment.body, visibility: internal ? "internal" : "public", author_kind: data.comment.by_agent || internal ? "agent" : "customer", at: when },
        data.comment.author ? `${ACTOR}:${data.comment.author}` : ACTOR,
        now,
      );
      const who = data.comment.by_agent || internal ? "agent" : "customer";
      effects.push(`${internal ? "internal note" : `${who} reply`} added${result.first_response ? " (first response)" : ""}`);
      note(tx, current, z.id, internal ? "internal note" : `${who} reply`, data.comment.body.slice(0, 200), when, event.id, "neutral", now);
    }
  }

  if (effects.length === 0) return { accountIds: [], effect: `no change: ticket ${ticketId} already matches Zendesk #${z.id}` };
  return { accountIds: [row.accountId], effect: `${effects.join("; ")} (ticket ${ticketId})` };
}

export function handleZendeskEvent(tx: TenantDb, event: InboundEvent, now: Date, batch: InboundBatch): InboundEffect {
  const parsed = zendeskEventData.safeParse(event.data);
  if (!parsed.success) return { accountIds: [], effect: `ignored: ${event.type} is not a ticket event` };
  const touched: Touched = { accountId: null, effects: [] };
  return guarded(() => apply(tx, event, parsed.data, now, touched, batch), touched);
}

/**
 * Brings our copy of a Zendesk ticket (from a search, not a webhook) up to its current state;
 * a ticket we do not have yet is opened for `accountId` (the account the search was for).
 */
export function applyTicketSnapshot(tx: TenantDb, data: ZendeskEventData, updatedAt: string, accountId: string, now: Date): InboundEffect {
  const event: InboundEvent = { id: `sync:${data.ticket.id}`, type: "zendesk:ticket.synced", occurredAt: updatedAt, data: {} };
  const touched: Touched = { accountId: null, effects: [] };
  const found = placeTicket(tx, data.ticket);
  const contactId = found?.accountId === accountId ? found.contactId : null;
  return guarded(() => apply(tx, event, data, now, touched, new InboundBatch(), { accountId, contactId, via: "search" }), touched);
}

function guarded(work: () => InboundEffect, touched: Touched): InboundEffect {
  try {
    return work();
  } catch (error) {
    // The lifecycle refused (an event for a state our ticket cannot take): keep what was applied
    // before it (its account is rescored) and say why on the receipt.
    if (!(error instanceof AccountError)) throw error;
    const done = touched.effects.length ? `${touched.effects.join("; ")}; then ` : "";
    return { accountIds: touched.effects.length && touched.accountId ? [touched.accountId] : [], effect: `${done}ignored: ${error.message}` };
  }
}
