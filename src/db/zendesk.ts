import { and, asc, eq, isNotNull } from "drizzle-orm";
import type { ZendeskTicket } from "../integrations/zendesk/client";
import type { ZendeskEventData } from "../integrations/zendesk/webhook";
import { AccountError, requireAccount, type TenantDb } from "./accounts";
import { getTicket } from "./tickets";
import { applyTicketSnapshot } from "./inbound/zendesk";
import { contacts, integrationLinks, tickets } from "./tenant-schema";

/**
 * Zendesk state that is not a webhook: which Zendesk organization is which account
 * (integration_links kind "organization"), the search that finds an account's tickets, and
 * pulling the tickets it found into ours through the same code the webhooks use.
 */

/** The fields of a Zendesk ticket a sync needs; plain JSON, so it crosses RPC as is. */
export interface ZendeskTicketSnapshot {
  id: number;
  subject: string | null;
  description: string | null;
  status: string;
  priority: string | null;
  type: string | null;
  requester_id: number | null;
  organization_id: number | null;
  assignee_id: number | null;
  external_id: string | null;
  created_at: string | null;
  updated_at: string | null;
}

/** The snapshot of a ticket as the client read it. */
export function snapshotOf(ticket: ZendeskTicket): ZendeskTicketSnapshot {
  return {
    id: ticket.id,
    subject: ticket.subject ?? null,
    description: ticket.description ?? null,
    status: ticket.status,
    priority: ticket.priority ?? null,
    type: ticket.type ?? null,
    requester_id: ticket.requester_id ?? null,
    organization_id: ticket.organization_id ?? null,
    assignee_id: ticket.assignee_id ?? null,
    external_id: ticket.external_id ?? null,
    created_at: ticket.created_at ?? null,
    updated_at: ticket.updated_at ?? null,
  };
}

export interface OrganizationLink {
  organization_id: number;
  client_id: string;
  /** The account it pointed to before, when it was linked elsewhere. */
  previous_client_id: string | null;
}

export function linkOrganization(tx: TenantDb, accountId: string, organizationId: number, now = new Date()): OrganizationLink {
  requireAccount(tx, accountId, now);
  const externalId = String(organizationId);
  const previous = tx
    .select({ accountId: integrationLinks.accountId })
    .from(integrationLinks)
    .where(and(eq(integrationLinks.provider, "zendesk"), eq(integrationLinks.kind, "organization"), eq(integrationLinks.externalId, externalId)))
    .get();
  const updatedAt = now.toISOString();
  tx.insert(integrationLinks)
    .values({ provider: "zendesk", kind: "organization", externalId, accountId, contactId: null, updatedAt })
    .onConflictDoUpdate({ target: [integrationLinks.provider, integrationLinks.kind, integrationLinks.externalId], set: { accountId, updatedAt } })
    .run();
  return { organization_id: organizationId, client_id: accountId, previous_client_id: previous?.accountId && previous.accountId !== accountId ? previous.accountId : null };
}

/** Most requester searches one sync runs when an account has no linked organization. */
const MAX_REQUESTER_QUERIES = 10;

/**
 * The Zendesk searches that find an account's tickets: its linked organizations, else its
 * active contacts' emails as requesters.
 */
export function searchQueries(tx: TenantDb, accountId: string, now = new Date()): string[] {
  requireAccount(tx, accountId, now);
  const organizations = tx
    .select({ id: integrationLinks.externalId })
    .from(integrationLinks)
    .where(and(eq(integrationLinks.provider, "zendesk"), eq(integrationLinks.kind, "organization"), eq(integrationLinks.accountId, accountId)))
    .orderBy(asc(integrationLinks.externalId))
    .all();
  if (organizations.length > 0) return organizations.map((o) => `organization:${o.id}`);
  const emails = tx
    .select({ email: contacts.email })
    .from(contacts)
    .where(and(eq(contacts.accountId, accountId), eq(contacts.status, "active"), isNotNull(contacts.email)))
    .orderBy(asc(contacts.email))
    .limit(MAX_REQUESTER_QUERIES)
    .all()
    .flatMap((c) => (c.email && /^[^\s"]+@[^\s"]+$/.test(c.email) ? [`requester:${c.email.toLowerCase()}`] : []));
  if (emails.length === 0) {
    throw new AccountError("invalid", `client_id: account "${accountId}" has no linked Zendesk organization and no contact with an email; link one with link_zendesk_organization.`);
  }
  return emails;
}

export interface TicketSyncResult {
  client_id: string;
  opened: number;
  updated: number;
  unchanged: number;
  skipped: number;
  /** What happened to each ticket, in words. */
  effects: { zendesk_ticket_id: number; effect: string }[];
}

function eventData(t: ZendeskTicketSnapshot): ZendeskEventData {
  const str = (value: number | null) => (value === null ? null : String(value));
  return {
    ticket: {
      id: String(t.id),
      subject: t.subject,
      description: t.description === null ? null : t.description.slice(0, 8_000),
      status: t.status.toLowerCase(),
      priority: t.priority?.toLowerCase() ?? null,
      type: t.type?.toLowerCase() ?? null,
      requester_id: str(t.requester_id),
      requester_email: null,
      requester_name: null,
      organization_id: str(t.organization_id),
      organization_external_id: null,
      assignee_id: str(t.assignee_id),
      external_id: t.external_id,
      created_at: t.created_at,
    },
    change: null,
    comment: null,
  };
}

/** Applies the tickets a search found for the account; touched accounts for factsChanged are in the result's effects. */
export function importTickets(tx: TenantDb, accountId: string, found: readonly ZendeskTicketSnapshot[], now = new Date()): { result: TicketSyncResult; touched: string[] } {
  requireAccount(tx, accountId, now);
  const result: TicketSyncResult = { client_id: accountId, opened: 0, updated: 0, unchanged: 0, skipped: 0, effects: [] };
  const touched = new Set<string>();
  const seen = new Set<number>();
  for (const ticket of found) {
    if (seen.has(ticket.id)) continue;
    seen.add(ticket.id);
    const existed = tx.select({ id: tickets.id }).from(tickets).where(eq(tickets.externalId, `zendesk:${ticket.id}`)).get() !== undefined;
    const effect = applyTicketSnapshot(tx, eventData(ticket), ticket.updated_at ?? now.toISOString(), accountId, now);
    for (const id of effect.accountIds) touched.add(id);
    if (effect.effect.startsWith("ignored") || effect.effect.includes("ignored:")) result.skipped += 1;
    else if (effect.accountIds.length === 0) result.unchanged += 1;
    else if (existed) result.updated += 1;
    else result.opened += 1;
    result.effects.push({ zendesk_ticket_id: ticket.id, effect: effect.effect });
  }
  return { result, touched: [...touched] };
}

/** What create_ticket gets for one of our tickets: requester, organization and our id as external_id. */
export interface ZendeskTicketDraft {
  subject: string;
  body: string;
  public: boolean;
  priority: "urgent" | "high" | "normal" | "low";
  requester_email?: string;
  requester_name?: string;
  organization_id?: number;
  external_id: string;
  tags: string[];
}

const ZENDESK_PRIORITY = { P1: "urgent", P2: "high", P3: "normal", P4: "low" } as const;

export function ticketDraft(tx: TenantDb, ticketId: string, now = new Date()): ZendeskTicketDraft {
  const ticket = getTicket(tx, ticketId, now);
  if (ticket.source === "zendesk") {
    throw new AccountError("conflict", `ticket_id: ticket "${ticketId}" came from Zendesk; it is already there.`);
  }
  const row = tx.select({ externalId: tickets.externalId }).from(tickets).where(eq(tickets.id, ticketId)).get();
  if (row?.externalId?.startsWith("zendesk:")) {
    throw new AccountError("conflict", `ticket_id: ticket "${ticketId}" is already Zendesk ticket #${row.externalId.slice("zendesk:".length)}.`);
  }
  const requester = ticket.requester_contact_id
    ? tx.select({ name: contacts.name, email: contacts.email }).from(contacts).where(eq(contacts.id, ticket.requester_contact_id)).get()
    : undefined;
  const organization = tx
    .select({ id: integrationLinks.externalId })
    .from(integrationLinks)
    .where(and(eq(integrationLinks.provider, "zendesk"), eq(integrationLinks.kind, "organization"), eq(integrationLinks.accountId, ticket.client_id)))
    .orderBy(asc(integrationLinks.externalId))
    .get();
  const body = ticket.description.trim() || ticket.subject;
  return {
    subject: ticket.subject.slice(0, 250),
    body,
    public: true,
    priority: ZENDESK_PRIORITY[ticket.priority],
    ...(requester?.email ? { requester_email: requester.email, requester_name: requester.name } : {}),
    ...(organization && /^\d+$/.test(organization.id) ? { organization_id: Number(organization.id) } : {}),
    external_id: ticket.ticket_id,
    tags: ["customer-success", ticket.category.replace(/[^a-z0-9_-]/gi, "_").toLowerCase()],
  };
}
