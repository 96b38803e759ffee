import { and, eq, inArray, isNotNull, ne, or, sql } from "drizzle-orm";
import type { InboundEvent } from "../../integrations/provider";
import { AccountError, appendEvent, type Json, type TenantDb } from "../accounts";
import { createSegment } from "../segments";
import { accounts, contacts, integrationLinks, mixpanelCohortMembers, mixpanelCohorts, segments } from "../tenant-schema";
import type { InboundEffect, InboundHandler } from "./index";

/**
 * Mixpanel cohort sync → our segments. Each cohort is one saved segment whose rule lists the
 * accounts its members belong to (client_id in [...]), rewritten whenever membership changes,
 * so every segment tool (list, members, playbook triggers) sees it. Members are matched to
 * accounts by a Mixpanel "user" link, a contact's email or external_id, or an account's
 * external_id or id (cohorts of companies). An account entering or leaving a cohort gets a
 * timeline entry. `members` is an authoritative replace: its pages share a session, and the
 * last page (its last part) drops whoever that session did not list. Should that one arrive
 * before another part, the other part's members come back when it does: the end state is
 * the session's full list.
 */

const ACTOR = "integration:mixpanel";

interface Member {
  distinct_id: string | null;
  email: string | null;
}

interface CohortDelivery {
  action: "members" | "add_members" | "remove_members";
  cohortId: string;
  cohortName: string;
  session: string;
  page: number;
  totalPages: number | null;
  /** A big page arrives as several parts (src/integrations/mixpanel/webhook.ts). */
  part: number;
  parts: number;
  members: Member[];
}

function str(value: Json | undefined): string | null {
  return typeof value === "string" && value ? value : null;
}

function readDelivery(event: InboundEvent): CohortDelivery | null {
  const data = event.data;
  const action = data.action;
  const cohortId = str(data.cohort_id);
  if ((action !== "members" && action !== "add_members" && action !== "remove_members") || !cohortId || !Array.isArray(data.members)) return null;
  const members: Member[] = [];
  for (const raw of data.members) {
    if (!raw || typeof raw !== "object" || Array.isArray(raw)) continue;
    const member = { distinct_id: str(raw.distinct_id), email: str(raw.email)?.toLowerCase() ?? null };
    if (member.distinct_id || member.email) members.push(member);
  }
  return {
    action,
    cohortId,
    cohortName: str(data.cohort_name) ?? `cohort ${cohortId}`,
    session: str(data.session_id) ?? event.id,
    page: typeof data.page === "number" ? data.page : 0,
    totalPages: typeof data.total_pages === "number" ? data.total_pages : null,
    part: typeof data.part === "number" ? data.part : 0,
    parts: typeof data.parts === "number" ? data.parts : 1,
    members,
  };
}

function memberKey(member: Member): string {
  return member.distinct_id ?? `email:${member.email ?? ""}`;
}

/** The contact and account a cohort member is, or nulls. */
function resolveMember(tx: TenantDb, member: Member): { accountId: string | null; contactId: string | null } {
  if (member.distinct_id) {
    const link = tx
      .select({ accountId: integrationLinks.accountId, contactId: integrationLinks.contactId })
      .from(integrationLinks)
      .where(and(eq(integrationLinks.provider, "mixpanel"), eq(integrationLinks.kind, "user"), eq(integrationLinks.externalId, member.distinct_id)))
      .get();
    if (link?.accountId) return { accountId: link.accountId, contactId: link.contactId };
  }
  if (member.email) {
    const contact = tx
      .select({ id: contacts.id, accountId: contacts.accountId })
      .from(contacts)
      .where(sql`lower(${contacts.email}) = ${member.email}`)
      .orderBy(sql`${contacts.status} = 'left'`, contacts.id)
      .get();
    if (contact) return { accountId: contact.accountId, contactId: contact.id };
  }
  if (member.distinct_id) {
    const contact = tx.select({ id: contacts.id, accountId: contacts.accountId }).from(contacts).where(eq(contacts.externalId, member.distinct_id)).get();
    if (contact) return { accountId: contact.accountId, contactId: contact.id };
    const account = tx
      .select({ id: accounts.id })
      .from(accounts)
      .where(or(eq(accounts.externalId, member.distinct_id), eq(accounts.id, member.distinct_id)))
      .get();
    if (account) return { accountId: account.id, contactId: null };
  }
  return { accountId: null, contactId: null };
}

function cohortAccounts(tx: TenantDb, cohortId: string): Map<string, number> {
  const rows = tx
    .select({ accountId: mixpanelCohortMembers.accountId, count: sql<number>`count(*)` })
    .from(mixpanelCohortMembers)
    .where(and(eq(mixpanelCohortMembers.cohortId, cohortId), isNotNull(mixpanelCohortMembers.accountId)))
    .groupBy(mixpanelCohortMembers.accountId)
    .all();
  return new Map(rows.flatMap((row) => (row.accountId ? [[row.accountId, row.count] as const] : [])));
}

/** The segment rule holding exactly these accounts (a rule that matches none when empty). */
function cohortRule(accountIds: readonly string[]): { [key: string]: Json } {
  const sorted = [...accountIds].sort();
  return sorted.length > 0
    ? { match: "all", rules: [{ field: "client_id", operator: "in", value: sorted }] }
    : { match: "all", rules: [{ field: "client_id", operator: "eq", value: "(no member of this Mixpanel cohort matches an account)" }] };
}

/** The cohort's segment, created when missing (or deleted by someone), with its rule set to these accounts. */
function syncSegment(tx: TenantDb, cohort: { cohortId: string; name: string; segmentId: string | null }, accountIds: readonly string[], now: Date): string {
  const rule = cohortRule(accountIds);
  const description = `Accounts with a member in Mixpanel cohort ${cohort.cohortId} "${cohort.name}", kept in sync by the Mixpanel cohort-sync webhook; changes made here are overwritten.`;
  if (cohort.segmentId) {
    const existing = tx.select({ id: segments.id }).from(segments).where(eq(segments.id, cohort.segmentId)).get();
    if (existing) {
      tx.update(segments).set({ rule: JSON.stringify(rule), description, updatedAt: now.toISOString() }).where(eq(segments.id, existing.id)).run();
      return existing.id;
    }
  }
  const base = `Mixpanel: ${cohort.name}`.slice(0, 180);
  for (const name of [base, `${base} (#${cohort.cohortId})`]) {
    try {
      return createSegment(tx, { name, description, rule }, ACTOR, now).segment_id;
    } catch (error) {
      if (!(error instanceof AccountError && error.code === "conflict")) throw error;
    }
  }
  return createSegment(tx, { name: `${base} (#${cohort.cohortId}, ${now.toISOString()})`, description, rule }, ACTOR, now).segment_id;
}

export const mixpanelInbound: InboundHandler = (tx, event, now): InboundEffect => {
  const delivery = readDelivery(event);
  if (!delivery) return { accountIds: [], effect: `ignored: ${event.type} is not a cohort delivery this version understands` };
  const at = now.toISOString();

  let cohort = tx.select().from(mixpanelCohorts).where(eq(mixpanelCohorts.cohortId, delivery.cohortId)).get();
  if (!cohort) {
    cohort = { cohortId: delivery.cohortId, name: delivery.cohortName, segmentId: null, membersSession: null, updatedAt: at };
    tx.insert(mixpanelCohorts).values(cohort).run();
  }
  const before = cohortAccounts(tx, delivery.cohortId);

  let matched = 0;
  if (delivery.action === "remove_members") {
    const keys = delivery.members.map(memberKey);
    for (let i = 0; i < keys.length; i += 90) {
      tx.delete(mixpanelCohortMembers)
        .where(and(eq(mixpanelCohortMembers.cohortId, delivery.cohortId), inArray(mixpanelCohortMembers.memberKey, keys.slice(i, i + 90))))
        .run();
    }
  } else {
    for (const member of delivery.members) {
      const resolved = resolveMember(tx, member);
      if (resolved.accountId) matched++;
      const row = { cohortId: delivery.cohortId, memberKey: memberKey(member), distinctId: member.distinct_id, email: member.email, ...resolved, session: delivery.session, updatedAt: at };
      tx.insert(mixpanelCohortMembers)
        .values(row)
        .onConflictDoUpdate({
          target: [mixpanelCohortMembers.cohortId, mixpanelCohortMembers.memberKey],
          set: { distinctId: row.distinctId, email: row.email, accountId: row.accountId, contactId: row.contactId, session: row.session, updatedAt: at },
        })
        .run();
    }
    const lastPage = (delivery.totalPages === null || delivery.page + 1 >= delivery.totalPages) && delivery.part + 1 >= delivery.parts;
    if (delivery.action === "members" && lastPage) {
      // The full list is in: whoever this session did not list has left the cohort.
      tx.delete(mixpanelCohortMembers).where(and(eq(mixpanelCohortMembers.cohortId, delivery.cohortId), ne(mixpanelCohortMembers.session, delivery.session))).run();
    }
  }

  const after = cohortAccounts(tx, delivery.cohortId);
  const joined = [...after.keys()].filter((id) => !before.has(id));
  const left = [...before.keys()].filter((id) => !after.has(id));
  const segmentId = syncSegment(tx, { ...cohort, name: delivery.cohortName }, [...after.keys()], now);
  tx.update(mixpanelCohorts)
    .set({ name: delivery.cohortName, segmentId, membersSession: delivery.action === "members" ? delivery.session : cohort.membersSession, updatedAt: at })
    .where(eq(mixpanelCohorts.cohortId, delivery.cohortId))
    .run();

  for (const accountId of joined) {
    appendEvent(
      tx,
      accountId,
      ACTOR,
      {
        event_type: "usage",
        title: `Entered Mixpanel cohort "${delivery.cohortName}"`,
        description: `${after.get(accountId) ?? 0} of this account's users are in Mixpanel cohort ${delivery.cohortId}; the account is now in segment ${segmentId}.`,
        metadata: { cohort_id: delivery.cohortId, segment_id: segmentId, members: after.get(accountId) ?? 0, mixpanel_event_id: event.id },
      },
      now,
    );
  }
  for (const accountId of left) {
    appendEvent(
      tx,
      accountId,
      ACTOR,
      {
        event_type: "usage",
        title: `Left Mixpanel cohort "${delivery.cohortName}"`,
        description: `None of this account's users are in Mixpanel cohort ${delivery.cohortId} any more; the account left segment ${segmentId}.`,
        metadata: { cohort_id: delivery.cohortId, segment_id: segmentId, mixpanel_event_id: event.id },
      },
      now,
    );
  }

  const touched = [...joined, ...left];
  const summary = `cohort ${delivery.cohortId} "${delivery.cohortName}" ${delivery.action} page ${delivery.page}: ${delivery.members.length} members (${matched} matched), ${joined.length} accounts joined, ${left.length} left; segment ${segmentId}`;
  if (touched.length === 0 && matched === 0 && delivery.action !== "remove_members") {
    return { accountIds: [], effect: `ignored: no account matched; ${summary}` };
  }
  return { accountIds: touched, effect: summary };
};
