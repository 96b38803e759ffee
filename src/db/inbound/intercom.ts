import { and, desc, eq, isNull, lt, sql } from "drizzle-orm";
import type { InboundEvent } from "../../integrations/provider";
import type { Json, TenantDb } from "../accounts";
import { contacts, integrationLinks, touchpoints } from "../tenant-schema";
import { logTouchpoint } from "../touchpoints";
import type { InboundEffect, InboundHandler } from "./index";

/**
 * Intercom conversation notifications become message touchpoints (source "intercom") on the
 * account of the customer in the conversation, which feed engagement: a customer starting or
 * replying to a conversation is an inbound touch (and marks our latest unanswered outbound
 * Intercom message as replied), an admin reply or admin-started message is outbound, a close is
 * internal. The customer is found by an Intercom contact link, then their email, then their
 * external_id (our contact id or external id); a match is linked for the next event.
 */

const ACTOR = "integration:intercom";

type Direction = "inbound" | "outbound" | "internal";

/** What each handled topic is, and which part of the conversation it is about. */
const TOPICS: Record<string, { direction: Direction; what: string; fromSource?: boolean }> = {
  "conversation.user.created": { direction: "inbound", what: "started a conversation", fromSource: true },
  "conversation.user.replied": { direction: "inbound", what: "replied" },
  "conversation.admin.replied": { direction: "outbound", what: "Team replied" },
  "conversation.admin.single.created": { direction: "outbound", what: "Team started a conversation", fromSource: true },
  "conversation.admin.closed": { direction: "internal", what: "Conversation closed" },
};

type JsonObject = { [key: string]: Json };

function obj(value: Json | undefined): JsonObject | null {
  return value && typeof value === "object" && !Array.isArray(value) ? value : null;
}

function str(value: Json | undefined): string | null {
  return typeof value === "string" && value ? value : null;
}

interface Person {
  intercomIds: string[];
  emails: string[];
  externalIds: string[];
}

/** Everyone on the customer's side of the conversation: its contacts and any user/lead author. */
function customerOf(conversation: JsonObject): Person {
  const person: Person = { intercomIds: [], emails: [], externalIds: [] };
  const add = (list: string[], value: string | null) => {
    if (value && !list.includes(value)) list.push(value);
  };
  for (const author of [obj(obj(conversation.part)?.author), obj(obj(conversation.source)?.author)]) {
    if (!author || (author.type !== "user" && author.type !== "lead" && author.type !== "contact")) continue;
    add(person.intercomIds, str(author.id));
    add(person.emails, str(author.email)?.toLowerCase() ?? null);
  }
  for (const entry of Array.isArray(conversation.contacts) ? conversation.contacts : []) {
    const contact = obj(entry);
    if (!contact) continue;
    add(person.intercomIds, str(contact.id));
    add(person.emails, str(contact.email)?.toLowerCase() ?? null);
    add(person.externalIds, str(contact.external_id));
  }
  return person;
}

interface Resolved {
  accountId: string;
  contactId: string | null;
  via: string;
}

function resolve(tx: TenantDb, person: Person, now: Date): Resolved | null {
  for (const intercomId of person.intercomIds) {
    const link = tx
      .select()
      .from(integrationLinks)
      .where(and(eq(integrationLinks.provider, "intercom"), eq(integrationLinks.kind, "contact"), eq(integrationLinks.externalId, intercomId)))
      .get();
    if (!link) continue;
    // The contact's current account, not the one it had when linked (contacts can move).
    const linked = link.contactId ? tx.select({ accountId: contacts.accountId }).from(contacts).where(eq(contacts.id, link.contactId)).get() : undefined;
    if (linked) return { accountId: linked.accountId, contactId: link.contactId, via: "link" };
    if (link.accountId && !link.contactId) return { accountId: link.accountId, contactId: null, via: "link" };
  }
  let found: { id: string; accountId: string } | undefined;
  let via = "";
  for (const email of person.emails) {
    found = tx
      .select({ id: contacts.id, accountId: contacts.accountId })
      .from(contacts)
      .where(sql`lower(${contacts.email}) = ${email}`)
      .orderBy(sql`${contacts.status} = 'left'`, contacts.createdAt)
      .get();
    if (found) {
      via = `email ${email}`;
      break;
    }
  }
  if (!found) {
    for (const externalId of person.externalIds) {
      found =
        tx.select({ id: contacts.id, accountId: contacts.accountId }).from(contacts).where(eq(contacts.id, externalId)).get() ??
        tx.select({ id: contacts.id, accountId: contacts.accountId }).from(contacts).where(eq(contacts.externalId, externalId)).get();
      if (found) {
        via = `external_id ${externalId}`;
        break;
      }
    }
  }
  if (!found) return null;
  const updatedAt = now.toISOString();
  for (const intercomId of person.intercomIds) {
    tx.insert(integrationLinks)
      .values({ provider: "intercom", kind: "contact", externalId: intercomId, accountId: found.accountId, contactId: found.id, updatedAt })
      .onConflictDoUpdate({
        target: [integrationLinks.provider, integrationLinks.kind, integrationLinks.externalId],
        set: { accountId: found.accountId, contactId: found.id, updatedAt },
      })
      .run();
  }
  return { accountId: found.accountId, contactId: found.id, via };
}

/** The newest outbound Intercom message to the account not yet answered, before `at`. */
function markReplied(tx: TenantDb, accountId: string, contactId: string | null, at: string): string | null {
  const open = tx
    .select({ id: touchpoints.id, contactId: touchpoints.contactId })
    .from(touchpoints)
    .where(
      and(
        eq(touchpoints.accountId, accountId),
        eq(touchpoints.source, "intercom"),
        eq(touchpoints.kind, "message"),
        eq(touchpoints.direction, "outbound"),
        isNull(touchpoints.repliedAt),
        lt(touchpoints.occurredAt, at),
      ),
    )
    .orderBy(desc(touchpoints.occurredAt))
    .limit(20)
    .all();
  const target = open.find((row) => contactId && row.contactId === contactId) ?? open[0];
  if (!target) return null;
  tx.update(touchpoints).set({ repliedAt: at }).where(eq(touchpoints.id, target.id)).run();
  return target.id;
}

export const intercomInbound: InboundHandler = (tx, event: InboundEvent, now): InboundEffect => {
  const topic = TOPICS[event.type];
  if (!topic) return { accountIds: [], effect: `ignored: topic ${event.type} is not one that changes engagement` };
  const conversation = obj(event.data.conversation);
  const conversationId = conversation ? str(conversation.id) : null;
  if (!conversation || !conversationId) return { accountIds: [], effect: `ignored: ${event.type} without a conversation` };

  const person = customerOf(conversation);
  const account = resolve(tx, person, now);
  if (!account) {
    const who = person.emails[0] ?? person.intercomIds[0] ?? "an unknown contact";
    return { accountIds: [], effect: `ignored: no contact in this workspace matches Intercom ${who} (conversation ${conversationId})` };
  }

  const part = topic.fromSource ? null : obj(conversation.part);
  const source = obj(conversation.source);
  const partId = str(part?.id);
  const externalId = `intercom:${partId ?? event.id}`;
  const existing = tx.select({ id: touchpoints.id }).from(touchpoints).where(eq(touchpoints.externalId, externalId)).get();
  if (existing) return { accountIds: [], effect: `ignored: already logged as touchpoint ${existing.id}` };

  const occurredAt =
    str(part?.created_at) ?? (topic.fromSource ? str(conversation.created_at) : null) ?? str(conversation.updated_at) ?? event.occurredAt;
  // A provider clock a little ahead of ours must not refuse the touch.
  const at = Date.parse(occurredAt) > now.getTime() ? now.toISOString() : new Date(occurredAt).toISOString();
  const words = str(part?.body) ?? str(source?.subject) ?? str(source?.body) ?? str(conversation.title);
  const lead = topic.direction === "inbound" ? `Customer ${topic.what}` : topic.what;
  const subject = `Intercom: ${lead}${words ? ` — ${words}` : ""}`.slice(0, 300);

  const logged = logTouchpoint(
    tx,
    {
      client_id: account.accountId,
      contact_id: account.contactId,
      kind: "message",
      direction: topic.direction,
      subject,
      occurred_at: at,
      external_id: externalId,
      source: "intercom",
    },
    ACTOR,
    now,
  );
  const answered = topic.direction === "inbound" && event.type === "conversation.user.replied" ? markReplied(tx, account.accountId, account.contactId, at) : null;
  const replied = answered ? `, marked ${answered} replied` : "";
  return { accountIds: [account.accountId], effect: `logged touchpoint ${logged.touchpoint_id} on ${account.accountId} (via ${account.via})${replied}` };
};
