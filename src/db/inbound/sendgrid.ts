import { and, asc, eq, sql } from "drizzle-orm";
import type { InboundEvent } from "../../integrations/provider";
import { appendEvent, type TenantDb } from "../accounts";
import { accounts, contacts, emailSuppressions, touchpoints } from "../tenant-schema";
import { logTouchpoint } from "../touchpoints";
import type { InboundBatch } from "./batch";
import type { InboundEffect, InboundHandler } from "./index";

/**
 * SendGrid events → tenant state. delivered/open/click become an outbound email touchpoint per
 * message and recipient (external_id "sendgrid:<X-Message-Id>:<email>", so events arriving out of
 * order meet on the same row) with opened_at/clicked_at, which feed engagement. bounce, spam
 * report, unsubscribe (and mail dropped for one of those) mark the address bad in
 * email_suppressions, which recipient selection skips. The account comes from the custom_args
 * we sent (contact_id, account_id), else from a contact with the address.
 */

const ACTOR = "integration:sendgrid";
const DETAIL_LIMIT = 300;

type SuppressionReason = (typeof emailSuppressions.$inferSelect)["reason"];

function text(value: unknown): string | null {
  return typeof value === "string" && value.trim() ? value.trim() : null;
}

interface Recipient {
  accountId: string;
  contactId: string | null;
}

type ContactMatch = { id: string; accountId: string; status: string };

const emailOf = (event: InboundEvent) => (text(event.data.email) ?? "").toLowerCase();

/**
 * Contacts with this address in any case or padding, active ones first, through the
 * contacts_by_normalized_email expression index. prepareSendgridBatch has usually read them
 * for the whole batch already.
 */
function contactsWithEmail(db: TenantDb, batch: InboundBatch, email: string): ContactMatch[] {
  return batch.memo(`contacts:${email}`, () =>
    db
      .select({ id: contacts.id, accountId: contacts.accountId, status: contacts.status })
      .from(contacts)
      .where(sql`lower(trim(${contacts.email})) = ${email}`)
      .orderBy(asc(contacts.status), asc(contacts.id))
      .all(),
  );
}

/** The contacts of every address in the batch, in one query (the addresses travel as one JSON parameter). */
export function prepareSendgridBatch(db: TenantDb, events: readonly InboundEvent[], batch: InboundBatch): void {
  const emails = [...new Set(events.map(emailOf).filter((email) => email !== ""))];
  if (emails.length === 0) return;
  const rows = db
    .select({ id: contacts.id, accountId: contacts.accountId, status: contacts.status, email: sql<string>`lower(trim(${contacts.email}))` })
    .from(contacts)
    .where(sql`lower(trim(${contacts.email})) IN (SELECT value FROM json_each(${JSON.stringify(emails)}))`)
    .orderBy(asc(contacts.status), asc(contacts.id))
    .all();
  const byEmail = new Map<string, ContactMatch[]>(emails.map((email) => [email, []]));
  for (const { email, ...match } of rows) byEmail.get(email)?.push(match);
  for (const [email, matches] of byEmail) batch.remember(`contacts:${email}`, matches);
}

/** Whose message this was: custom_args contact_id, then account_id, then a contact with the address. */
function resolveRecipient(db: TenantDb, batch: InboundBatch, data: InboundEvent["data"], email: string): Recipient | null {
  const contactId = text(data.contact_id);
  if (contactId) {
    const contact = batch.memo(`contact:${contactId}`, () => db.select({ id: contacts.id, accountId: contacts.accountId }).from(contacts).where(eq(contacts.id, contactId)).get() ?? null);
    if (contact) return { accountId: contact.accountId, contactId: contact.id };
  }
  const accountId = text(data.account_id);
  const matches = email ? contactsWithEmail(db, batch, email) : [];
  if (accountId && batch.memo(`account:${accountId}`, () => db.select({ id: accounts.id }).from(accounts).where(eq(accounts.id, accountId)).get() !== undefined)) {
    return { accountId, contactId: matches.find((match) => match.accountId === accountId)?.id ?? null };
  }
  const first = matches[0];
  return first ? { accountId: first.accountId, contactId: first.id } : null;
}

function subjectOf(data: InboundEvent["data"]): string {
  return text(data.subject)?.slice(0, 200) ?? text(data.campaign_name)?.slice(0, 200) ?? "Email sent through SendGrid";
}

/** delivered / open / click: the message's touchpoint, created on first sight, with opened_at/clicked_at. */
function engagement(db: TenantDb, batch: InboundBatch, event: InboundEvent, email: string, now: Date): InboundEffect {
  const recipient = resolveRecipient(db, batch, event.data, email);
  if (!recipient) return { accountIds: [], effect: `ignored: no account or contact for ${email || "an event without an email"}` };
  const messageId = text(event.data.sg_message_id)?.split(".")[0] ?? event.id;
  const externalId = `sendgrid:${messageId}:${email}`;
  const at = event.occurredAt;
  const existing = db.select().from(touchpoints).where(eq(touchpoints.externalId, externalId)).get();
  const subject = subjectOf(event.data);
  if (!existing) {
    const touchpoint = logTouchpoint(
      db,
      {
        client_id: recipient.accountId,
        contact_id: recipient.contactId,
        kind: "email",
        direction: "outbound",
        subject,
        occurred_at: at,
        opened_at: event.type === "open" || event.type === "click" ? at : null,
        clicked_at: event.type === "click" ? at : null,
        external_id: externalId,
        source: "sendgrid",
      },
      ACTOR,
      now,
    );
    if (event.type !== "delivered") note(db, recipient.accountId, event, `${event.type === "click" ? "Email clicked" : "Email opened"} by ${email}: ${subject}`, "positive", touchpoint.touchpoint_id, now);
    return { accountIds: [recipient.accountId], effect: `logged email touchpoint ${touchpoint.touchpoint_id} (${event.type}) for ${email}` };
  }
  if (event.type === "delivered") {
    if (at < existing.occurredAt) db.update(touchpoints).set({ occurredAt: at }).where(eq(touchpoints.id, existing.id)).run();
    return { accountIds: [], effect: `no change: touchpoint ${existing.id} already logged for ${email}` };
  }
  // Opens and clicks never come before the send itself.
  const when = at < existing.occurredAt ? existing.occurredAt : at;
  const changes: Partial<typeof touchpoints.$inferInsert> = {};
  if (!existing.openedAt) changes.openedAt = when;
  if (event.type === "click" && !existing.clickedAt) changes.clickedAt = when;
  if (Object.keys(changes).length === 0) return { accountIds: [], effect: `no change: touchpoint ${existing.id} already ${event.type === "click" ? "clicked" : "opened"}` };
  db.update(touchpoints).set(changes).where(eq(touchpoints.id, existing.id)).run();
  note(db, existing.accountId, event, `${event.type === "click" ? "Email clicked" : "Email opened"} by ${email}: ${existing.subject}`, "positive", existing.id, now);
  return { accountIds: [existing.accountId], effect: `${event.type === "click" ? "clicked" : "opened"} touchpoint ${existing.id} for ${email}` };
}

function note(db: TenantDb, accountId: string, event: InboundEvent, title: string, impact: "positive" | "negative" | "neutral", touchpointId: string | null, now: Date, description = ""): void {
  appendEvent(
    db,
    accountId,
    ACTOR,
    {
      event_type: "communication",
      title,
      description,
      impact,
      metadata: { source: "sendgrid", event: event.type, sg_event_id: event.id, ...(touchpointId ? { touchpoint_id: touchpointId } : {}) },
      occurred_at: event.occurredAt,
    },
    now,
  );
}

const SUPPRESSION_TITLES: Record<SuppressionReason, string> = {
  bounce: "bounced",
  spamreport: "was reported as spam",
  unsubscribe: "unsubscribed",
  dropped: "was dropped by SendGrid",
};

/** Marks the address bad and notes it on the timeline of every account with a contact at it. */
function suppress(db: TenantDb, batch: InboundBatch, event: InboundEvent, email: string, reason: SuppressionReason, now: Date): InboundEffect {
  if (!email) return { accountIds: [], effect: `ignored: ${event.type} event without an email` };
  const detail = (text(event.data.reason) ?? text(event.data.response) ?? text(event.data.status))?.slice(0, DETAIL_LIMIT) ?? null;
  const at = now.toISOString();
  db.insert(emailSuppressions)
    .values({ email, reason, detail, source: "sendgrid", eventId: event.id, createdAt: at, updatedAt: at })
    .onConflictDoUpdate({ target: emailSuppressions.email, set: { reason, detail, eventId: event.id, updatedAt: at } })
    .run();
  const accountIds = new Set(contactsWithEmail(db, batch, email).map((contact) => contact.accountId));
  const fromArgs = resolveRecipient(db, batch, event.data, email);
  if (fromArgs) accountIds.add(fromArgs.accountId);
  const subject = `Email to ${email} ${SUPPRESSION_TITLES[reason]}`;
  for (const accountId of accountIds) note(db, accountId, event, subject, "negative", null, now, detail ? `SendGrid: ${detail}. The address is skipped by future sends.` : "The address is skipped by future sends.");
  const effect = `marked ${email} bad (${reason})`;
  return { accountIds: [...accountIds].sort(), effect: accountIds.size ? effect : `${effect}; no account has a contact with this address` };
}

/**
 * A drop because the address is on a suppression list or invalid marks it bad; other drops
 * (spam content, invalid SMTPAPI header, over quota) only show on the timeline.
 */
const BAD_ADDRESS_DROP = /^(bounced address|spam reporting address|unsubscribed address|invalid)$/i;

export const handleSendgridEvent: InboundHandler = (tx, event, now, batch) => {
  const email = emailOf(event);
  switch (event.type) {
    case "delivered":
    case "open":
    case "click":
      return engagement(tx, batch, event, email, now);
    case "bounce":
      // "blocked" is a temporary refusal by the receiving server: the address itself is fine.
      if (text(event.data.type) === "blocked") return { accountIds: [], effect: `no change: blocked (temporary) for ${email}` };
      return suppress(tx, batch, event, email, "bounce", now);
    case "spamreport":
      return suppress(tx, batch, event, email, "spamreport", now);
    case "unsubscribe":
    case "group_unsubscribe":
      return suppress(tx, batch, event, email, "unsubscribe", now);
    case "dropped": {
      if (BAD_ADDRESS_DROP.test(text(event.data.reason) ?? "")) return suppress(tx, batch, event, email, "dropped", now);
      const recipient = resolveRecipient(tx, batch, event.data, email);
      if (!recipient) return { accountIds: [], effect: `ignored: no account or contact for ${email}` };
      note(tx, recipient.accountId, event, `Email to ${email} was dropped by SendGrid`, "negative", null, now, text(event.data.reason) ?? "");
      return { accountIds: [], effect: `noted drop for ${email}` };
    }
    case "group_resubscribe": {
      const removed = tx
        .delete(emailSuppressions)
        .where(and(eq(emailSuppressions.email, email), eq(emailSuppressions.reason, "unsubscribe")))
        .returning({ email: emailSuppressions.email })
        .all();
      return { accountIds: [], effect: removed.length ? `resubscribed ${email}` : `no change: ${email} was not unsubscribed` };
    }
    case "processed":
    case "deferred":
      return { accountIds: [], effect: `no change: ${event.type} (delivered, bounce or dropped follows)` };
    default:
      return { accountIds: [], effect: `ignored: event type ${event.type} is not used` };
  }
};
