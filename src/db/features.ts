import { sql } from "drizzle-orm";
import type { TenantDb } from "./accounts";
import { refreshUsageFeatures } from "./health";
import { accountFeatures } from "./tenant-schema";

/**
 * Keeps account_features (the health engine's inputs) true to the facts. Every write path
 * that changes an account's facts (events, imports, tickets, feedback, invoices, touchpoints)
 * calls this for the accounts it touched, inside its own transaction.
 *
 * "No data" stays null so the engine leaves the component out: support counts are known zeros
 * only once the tenant has any ticket at all (before that nobody has connected a help desk),
 * payment figures only for an account with invoices, satisfaction only from real answers.
 */

const DAY_MS = 86_400_000;
/** Look-back of the engagement rates (emails, replies) and support counts. */
export const ENGAGEMENT_WINDOW_DAYS = 90;
/** Look-back of the payment figures. */
export const PAYMENT_WINDOW_DAYS = 365;
/** Only answers this recent count as the account's current satisfaction. */
export const SATISFACTION_WINDOW_DAYS = 365;

export const OPEN_TICKET_STATUSES = sql`('new', 'open', 'pending', 'on_hold')`;

export function isoDaysBefore(now: Date, days: number): string {
  return new Date(now.getTime() - days * DAY_MS).toISOString();
}

export function daysBetween(fromIso: string, now: Date): number {
  return Math.max(0, (now.getTime() - Date.parse(fromIso)) / DAY_MS);
}

type NonUsageFeatures = Omit<typeof accountFeatures.$inferInsert, "accountId" | "updatedAt" | "activeUsers" | "logins30d" | "featuresUsed">;

function contractFeatures(db: TenantDb, accountId: string): Pick<NonUsageFeatures, "licensedSeats" | "annualContractValue"> {
  const account = db.get<{ arr: number }>(sql`SELECT contract_value AS arr FROM accounts WHERE id = ${accountId}`);
  const seats = db.get<{ seats: number | null }>(
    sql`SELECT sum(seats) AS seats FROM contracts WHERE account_id = ${accountId} AND status = 'active' AND seats IS NOT NULL`,
  );
  return { licensedSeats: seats?.seats ?? null, annualContractValue: account?.arr ?? null };
}

function engagementFeatures(
  db: TenantDb,
  accountId: string,
  now: Date,
): Pick<NonUsageFeatures, "daysSinceLastTouch" | "emailOpenRate" | "emailClickRate" | "messageReplyRate"> {
  // A two-way touch: a meeting or call, anything the customer sent, or a reply to us.
  const lastTouch = db.get<{ at: string | null }>(sql`
    SELECT max(coalesce(replied_at, occurred_at)) AS at FROM touchpoints
    WHERE account_id = ${accountId}
      AND (kind IN ('meeting', 'call') OR direction = 'inbound' OR replied_at IS NOT NULL)`);
  const since = isoDaysBefore(now, ENGAGEMENT_WINDOW_DAYS);
  const emails = db.get<{ sent: number; opened: number; clicked: number }>(sql`
    SELECT count(*) AS sent, count(opened_at) AS opened, count(clicked_at) AS clicked FROM touchpoints
    WHERE account_id = ${accountId} AND kind = 'email' AND direction = 'outbound' AND occurred_at >= ${since}`);
  const messages = db.get<{ sent: number; replied: number }>(sql`
    SELECT count(*) AS sent, count(replied_at) AS replied FROM touchpoints
    WHERE account_id = ${accountId} AND kind IN ('email', 'message') AND direction = 'outbound' AND occurred_at >= ${since}`);
  const sentEmails = emails?.sent ?? 0;
  const sentMessages = messages?.sent ?? 0;
  return {
    daysSinceLastTouch: lastTouch?.at ? Math.round(daysBetween(lastTouch.at, now) * 10) / 10 : null,
    emailOpenRate: sentEmails > 0 ? (emails?.opened ?? 0) / sentEmails : null,
    emailClickRate: sentEmails > 0 ? (emails?.clicked ?? 0) / sentEmails : null,
    messageReplyRate: sentMessages > 0 ? (messages?.replied ?? 0) / sentMessages : null,
  };
}

function supportFeatures(
  db: TenantDb,
  accountId: string,
  now: Date,
  tenantHasTickets: boolean,
): Pick<NonUsageFeatures, "openTickets" | "tickets90d" | "highSeverityTickets90d" | "slaBreaches90d" | "oldestOpenTicketAgeDays"> {
  if (!tenantHasTickets) {
    return { openTickets: null, tickets90d: null, highSeverityTickets90d: null, slaBreaches90d: null, oldestOpenTicketAgeDays: null };
  }
  const since = isoDaysBefore(now, ENGAGEMENT_WINDOW_DAYS);
  const open = db.get<{ open: number; oldest: string | null }>(sql`
    SELECT count(*) AS open, min(opened_at) AS oldest FROM tickets
    WHERE account_id = ${accountId} AND status IN ${OPEN_TICKET_STATUSES}`);
  const recent = db.get<{ total: number; high: number; breached: number }>(sql`
    SELECT count(*) AS total,
      coalesce(sum(priority IN ('P1', 'P2')), 0) AS high,
      coalesce(sum(sla_breached), 0) AS breached
    FROM tickets WHERE account_id = ${accountId} AND opened_at >= ${since}`);
  return {
    openTickets: open?.open ?? 0,
    tickets90d: recent?.total ?? 0,
    highSeverityTickets90d: recent?.high ?? 0,
    slaBreaches90d: recent?.breached ?? 0,
    oldestOpenTicketAgeDays: open?.oldest ? Math.floor(daysBetween(open.oldest, now)) : 0,
  };
}

function latestAnswer(db: TenantDb, accountId: string, kind: "nps" | "csat" | "ces", since: string): number | null {
  const row = db.get<{ score: number | null }>(sql`
    SELECT score FROM feedback
    WHERE account_id = ${accountId} AND kind = ${kind} AND score IS NOT NULL AND submitted_at >= ${since}
    ORDER BY submitted_at DESC LIMIT 1`);
  return row?.score ?? null;
}

function paymentFeatures(
  db: TenantDb,
  accountId: string,
  now: Date,
): Pick<NonUsageFeatures, "invoicesPaidLate" | "maxDaysLate" | "failedPayments" | "overdueAmount"> {
  const since = isoDaysBefore(now, PAYMENT_WINDOW_DAYS).slice(0, 10);
  const today = now.toISOString().slice(0, 10);
  const invoices = db.get<{ total: number; late: number; max_late: number | null; overdue: number }>(sql`
    SELECT count(*) AS total,
      coalesce(sum(paid_on IS NOT NULL AND paid_on > due_on), 0) AS late,
      max(max(julianday(coalesce(paid_on, CASE WHEN status IN ('open', 'failed') THEN ${today} END)) - julianday(due_on), 0)) AS max_late,
      coalesce(sum(CASE WHEN status IN ('open', 'failed') AND due_on < ${today} THEN amount ELSE 0 END), 0) AS overdue
    FROM invoices WHERE account_id = ${accountId} AND status != 'void' AND due_on >= ${since}`);
  if (!invoices || invoices.total === 0) {
    return { invoicesPaidLate: null, maxDaysLate: null, failedPayments: null, overdueAmount: null };
  }
  const failed = db.get<{ failed: number }>(sql`
    SELECT count(*) AS failed FROM payments WHERE account_id = ${accountId} AND status = 'failed' AND attempted_at >= ${since}`);
  return {
    invoicesPaidLate: invoices.late,
    maxDaysLate: Math.round(invoices.max_late ?? 0),
    failedPayments: failed?.failed ?? 0,
    overdueAmount: invoices.overdue,
  };
}

/** Recomputes every feature of the given accounts from the fact tables and stores them. */
export function refreshAccountFeatures(db: TenantDb, accountIds: Iterable<string>, now = new Date()): void {
  const today = now.toISOString().slice(0, 10);
  const tenantHasTickets = db.get<{ one: number }>(sql`SELECT 1 AS one FROM tickets LIMIT 1`) !== undefined;
  const satisfactionSince = isoDaysBefore(now, SATISFACTION_WINDOW_DAYS);
  const updatedAt = now.toISOString();
  for (const accountId of new Set(accountIds)) {
    // Writes the usage columns (and creates the row when missing).
    refreshUsageFeatures(db, accountId, today, now);
    const features: NonUsageFeatures = {
      ...contractFeatures(db, accountId),
      ...engagementFeatures(db, accountId, now),
      ...supportFeatures(db, accountId, now, tenantHasTickets),
      nps: latestAnswer(db, accountId, "nps", satisfactionSince),
      csat: latestAnswer(db, accountId, "csat", satisfactionSince),
      ces: latestAnswer(db, accountId, "ces", satisfactionSince),
      ...paymentFeatures(db, accountId, now),
    };
    db.update(accountFeatures)
      .set({ ...features, updatedAt })
      .where(sql`${accountFeatures.accountId} = ${accountId}`)
      .run();
  }
}
