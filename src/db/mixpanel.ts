import { and, asc, count, eq, gt, gte, inArray, isNotNull, lte, or, sql } from "drizzle-orm";
import type { ExportableUsageEvent } from "../integrations/mixpanel/operations";
import { AccountError, type TenantDb } from "./accounts";
import { decodePairCursor, keysetPage } from "./keyset-cursor";
import type { IncomingUsageEvent } from "./usage-events";
import { writeSetting } from "./usage-reads";
import { accounts, mixpanelCohortMembers, mixpanelCohorts, settings, usageEvents } from "./tenant-schema";

/**
 * Tenant-side pieces of the Mixpanel integration: the hourly query budget (Mixpanel allows 60
 * query-API calls an hour per project; counted here, exactly, in the Tenant object), pages of
 * our usage events to export, pulled daily counts turned into usage events, and the cohorts
 * synced in (src/db/inbound/mixpanel.ts).
 */

export const QUERY_BUDGET_KEY = "mixpanel.query_log";
export const QUERIES_PER_HOUR = 60;
const HOUR_MS = 3_600_000;

/** Takes one query from the hour's budget, or says how long until one is free. */
export function reserveQuery(db: TenantDb, now: Date): { ok: true; remaining: number } | { ok: false; retryAfterSeconds: number } {
  const row = db.select({ value: settings.value }).from(settings).where(eq(settings.key, QUERY_BUDGET_KEY)).get();
  let log: number[] = [];
  try {
    const parsed: unknown = row ? JSON.parse(row.value) : [];
    if (Array.isArray(parsed)) log = parsed.filter((at): at is number => typeof at === "number");
  } catch {
    log = [];
  }
  const recent = log.filter((at) => at > now.getTime() - HOUR_MS).sort((a, b) => a - b);
  if (recent.length >= QUERIES_PER_HOUR) {
    const oldest = recent[recent.length - QUERIES_PER_HOUR] ?? now.getTime();
    return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil((oldest + HOUR_MS - now.getTime()) / 1000)) };
  }
  recent.push(now.getTime());
  writeSetting(db, QUERY_BUDGET_KEY, recent, "integration:mixpanel", now);
  return { ok: true, remaining: QUERIES_PER_HOUR - recent.length };
}

export interface ExportQuery {
  client_id?: string;
  /** ISO days, inclusive. */
  from: string;
  to: string;
  cursor?: string;
  limit: number;
}

/** A page of our product-activity events (track, page) with an account, oldest first. */
export function usageEventsForExport(db: TenantDb, query: ExportQuery): { events: ExportableUsageEvent[]; next_cursor: string | null } {
  if (query.client_id && !db.select({ id: accounts.id }).from(accounts).where(eq(accounts.id, query.client_id)).get()) {
    throw new AccountError("not_found", `No account with client_id "${query.client_id}" in this workspace; list_clients shows the ids.`);
  }
  const [afterAt, afterId] = query.cursor ? decodePairCursor(query.cursor) : [null, null];
  const rows = db
    .select({
      messageId: usageEvents.messageId,
      type: usageEvents.type,
      event: usageEvents.event,
      userId: usageEvents.userId,
      anonymousId: usageEvents.anonymousId,
      accountId: usageEvents.accountId,
      accountExternalId: accounts.externalId,
      properties: usageEvents.properties,
      occurredAt: usageEvents.occurredAt,
    })
    .from(usageEvents)
    .innerJoin(accounts, eq(accounts.id, usageEvents.accountId))
    .where(
      and(
        query.client_id ? eq(usageEvents.accountId, query.client_id) : isNotNull(usageEvents.accountId),
        inArray(usageEvents.type, ["track", "page"]),
        gte(usageEvents.occurredAt, `${query.from}T00:00:00`),
        lte(usageEvents.occurredAt, `${query.to}T23:59:59.999Z`),
        afterAt !== null && afterId !== null ? or(gt(usageEvents.occurredAt, afterAt), and(eq(usageEvents.occurredAt, afterAt), gt(usageEvents.messageId, afterId))) : undefined,
      ),
    )
    .orderBy(asc(usageEvents.occurredAt), asc(usageEvents.messageId))
    .limit(query.limit + 1)
    .all();
  const { page, next_cursor } = keysetPage(rows, query.limit, (row) => [row.occurredAt, row.messageId]);
  return { events: page.map((row) => ({ ...row, accountId: row.accountId ?? "" })), next_cursor };
}

/**
 * Daily counts per user pulled from Mixpanel as our usage events: one track event per counted
 * Mixpanel event, at noon UTC of its day, with a message id made of project, event, user, day
 * and ordinal, so pulling the same days again adds only what is new.
 */
export function pulledUsageEvents(
  input: { projectId: string; accountRef: string; event: string; values: { [user: string]: { [day: string]: number } } },
  maxEvents: number,
): { events: IncomingUsageEvent[]; truncated: boolean } {
  const events: IncomingUsageEvent[] = [];
  for (const [user, byDay] of Object.entries(input.values)) {
    for (const [day, total] of Object.entries(byDay)) {
      if (!/^\d{4}-\d{2}-\d{2}$/.test(day)) continue;
      for (let i = 0; i < Math.floor(total); i++) {
        if (events.length === maxEvents) return { events, truncated: true };
        events.push({
          index: events.length,
          messageId: `mixpanel:${input.projectId}:${input.event}:${user}:${day}:${i}`,
          type: "track",
          event: input.event,
          userId: user === "undefined" ? null : user,
          anonymousId: user === "undefined" ? `mixpanel-unknown` : null,
          accountRef: input.accountRef,
          accountRefField: "account",
          properties: JSON.stringify({ source: "mixpanel" }),
          occurredAt: `${day}T12:00:00.000Z`,
        });
      }
    }
  }
  return { events, truncated: false };
}

export interface CohortSummary {
  cohort_id: string;
  name: string;
  segment_id: string | null;
  members: number;
  matched_members: number;
  accounts: number;
  updated_at: string;
}

/** Every synced cohort with its segment and how many of its members matched our accounts. */
export function listCohorts(db: TenantDb): CohortSummary[] {
  const cohorts = db.select().from(mixpanelCohorts).orderBy(asc(mixpanelCohorts.name)).all();
  const counts = db
    .select({
      cohortId: mixpanelCohortMembers.cohortId,
      members: count(),
      matched: sql<number>`count(${mixpanelCohortMembers.accountId})`,
      accounts: sql<number>`count(distinct ${mixpanelCohortMembers.accountId})`,
    })
    .from(mixpanelCohortMembers)
    .groupBy(mixpanelCohortMembers.cohortId)
    .all();
  const byCohort = new Map(counts.map((row) => [row.cohortId, row]));
  return cohorts.map((cohort) => ({
    cohort_id: cohort.cohortId,
    name: cohort.name,
    segment_id: cohort.segmentId,
    members: byCohort.get(cohort.cohortId)?.members ?? 0,
    matched_members: byCohort.get(cohort.cohortId)?.matched ?? 0,
    accounts: byCohort.get(cohort.cohortId)?.accounts ?? 0,
    updated_at: cohort.updatedAt,
  }));
}
