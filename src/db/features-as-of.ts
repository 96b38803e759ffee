import { sql } from "drizzle-orm";
import type { TenantDb } from "./accounts";
import { daysBetween, ENGAGEMENT_WINDOW_DAYS, isoDaysBefore, OPEN_TICKET_STATUSES, PAYMENT_WINDOW_DAYS, SATISFACTION_WINDOW_DAYS } from "./features";
import { USAGE_WINDOW_DAYS } from "./health";
import type { HealthInputs } from "./health-model";

/**
 * An account's health inputs as they stood at a past instant, rebuilt from the fact tables with
 * every fact bounded by that instant: what lets history be reconstructed from facts that arrive
 * with their past (the demo's sample months) instead of starting the day they were loaded.
 *
 * It reads what the live features read (src/db/features.ts, refreshUsageFeatures), with these
 * differences, because the tables keep no history of their own:
 * - a ticket is open from opened_at until it was solved or closed (or still, if it is open now);
 *   its SLA breach counts from its first due time on;
 * - an invoice is unpaid until paid_on (or still, if it is open or failed now); seats are those
 *   of the contracts running on that day;
 * - the contract value and the number of features available are today's.
 */

function rate(part: number, whole: number): number | null {
  return whole > 0 ? part / whole : null;
}

/** What the inputs as of any day share: today's values it keeps, and when the workspace's first ticket came. */
export interface AsOfContext {
  today: Pick<HealthInputs, "featuresAvailable" | "annualContractValue">;
  /** The workspace's earliest ticket (null: none yet): support counts are known zeros only from then. */
  firstTicketAt: string | null;
}

/** When the workspace's first ticket was opened, if it has one. */
export function firstTicketAt(db: TenantDb): string | null {
  return db.get<{ at: string | null }>(sql`SELECT min(opened_at) AS at FROM tickets`)?.at ?? null;
}

export function healthInputsAsOf(db: TenantDb, accountId: string, at: Date, context: AsOfContext): HealthInputs {
  const { today } = context;
  const iso = at.toISOString();
  const day = iso.slice(0, 10);

  const usageFrom = isoDaysBefore(at, USAGE_WINDOW_DAYS - 1).slice(0, 10);
  const usage = db.get<{ days: number; active: number | null; sessions: number | null; features: number | null; ever: number }>(sql`
    SELECT count(*) FILTER (WHERE day >= ${usageFrom}) AS days,
      max(active_users) FILTER (WHERE day >= ${usageFrom}) AS active,
      sum(sessions) FILTER (WHERE day >= ${usageFrom}) AS sessions,
      max(features_used) FILTER (WHERE day >= ${usageFrom}) AS features,
      count(*) AS ever
    FROM usage_daily WHERE account_id = ${accountId} AND day <= ${day}`);
  const used = (usage?.ever ?? 0) > 0;
  const inWindow = (usage?.days ?? 0) > 0;

  // A term renewed on its end date hands over that day: the new term's seats count, not both.
  const seats = db.get<{ seats: number | null }>(sql`
    SELECT sum(seats) AS seats FROM contracts
    WHERE account_id = ${accountId} AND status != 'cancelled' AND seats IS NOT NULL AND start_date <= ${day}
      AND (end_date > ${day} OR (status = 'active' AND end_date = ${day}))`);

  const engagementSince = isoDaysBefore(at, ENGAGEMENT_WINDOW_DAYS);
  const lastTouch = db.get<{ at: string | null }>(sql`
    SELECT max(CASE WHEN replied_at IS NOT NULL AND replied_at <= ${iso} THEN replied_at
                    WHEN kind IN ('meeting', 'call') OR direction = 'inbound' THEN occurred_at END) AS at
    FROM touchpoints WHERE account_id = ${accountId} AND occurred_at <= ${iso}`);
  const emails = db.get<{ sent: number; opened: number; clicked: number }>(sql`
    SELECT count(*) AS sent, count(*) FILTER (WHERE opened_at <= ${iso}) AS opened, count(*) FILTER (WHERE clicked_at <= ${iso}) AS clicked
    FROM touchpoints
    WHERE account_id = ${accountId} AND kind = 'email' AND direction = 'outbound' AND occurred_at >= ${engagementSince} AND occurred_at <= ${iso}`);
  const messages = db.get<{ sent: number; replied: number }>(sql`
    SELECT count(*) AS sent, count(*) FILTER (WHERE replied_at <= ${iso}) AS replied FROM touchpoints
    WHERE account_id = ${accountId} AND kind IN ('email', 'message') AND direction = 'outbound' AND occurred_at >= ${engagementSince} AND occurred_at <= ${iso}`);

  // Support counts are known zeros only once the workspace had any ticket (as the live features say).
  const tenantHadTickets = context.firstTicketAt !== null && context.firstTicketAt <= iso;
  const open = db.get<{ open: number; oldest: string | null }>(sql`
    SELECT count(*) AS open, min(opened_at) AS oldest FROM tickets
    WHERE account_id = ${accountId} AND opened_at <= ${iso} AND (status IN ${OPEN_TICKET_STATUSES} OR coalesce(solved_at, closed_at) > ${iso})`);
  const recent = db.get<{ total: number; high: number; breached: number }>(sql`
    SELECT count(*) AS total, coalesce(sum(priority IN ('P1', 'P2')), 0) AS high,
      coalesce(sum(sla_breached AND min(coalesce(first_response_due_at, ${iso}), coalesce(resolution_due_at, ${iso})) < ${iso}), 0) AS breached
    FROM tickets WHERE account_id = ${accountId} AND opened_at >= ${engagementSince} AND opened_at <= ${iso}`);

  const satisfactionSince = isoDaysBefore(at, SATISFACTION_WINDOW_DAYS);
  const latestAnswer = (kind: "nps" | "csat" | "ces"): number | null =>
    db.get<{ score: number | null }>(sql`
      SELECT score FROM feedback
      WHERE account_id = ${accountId} AND kind = ${kind} AND score IS NOT NULL AND submitted_at >= ${satisfactionSince} AND submitted_at <= ${iso}
      ORDER BY submitted_at DESC LIMIT 1`)?.score ?? null;

  const paymentSince = isoDaysBefore(at, PAYMENT_WINDOW_DAYS).slice(0, 10);
  // Unpaid on the day: unpaid now, or paid only after it.
  const unpaidOnDay = sql`(status IN ('open', 'failed') OR paid_on > ${day})`;
  const invoices = db.get<{ total: number; late: number; max_late: number | null; overdue: number }>(sql`
    SELECT count(*) AS total,
      coalesce(sum(paid_on IS NOT NULL AND paid_on <= ${day} AND paid_on > due_on), 0) AS late,
      max(max(julianday(CASE WHEN paid_on IS NOT NULL AND paid_on <= ${day} THEN paid_on WHEN ${unpaidOnDay} THEN ${day} END) - julianday(due_on), 0)) AS max_late,
      coalesce(sum(CASE WHEN ${unpaidOnDay} AND due_on < ${day} THEN amount ELSE 0 END), 0) AS overdue
    FROM invoices WHERE account_id = ${accountId} AND status != 'void' AND due_on >= ${paymentSince} AND issued_on <= ${day}`);
  const invoiced = (invoices?.total ?? 0) > 0;
  const failed = invoiced
    ? (db.get<{ failed: number }>(sql`
        SELECT count(*) AS failed FROM payments
        WHERE account_id = ${accountId} AND status = 'failed' AND attempted_at >= ${paymentSince} AND attempted_at <= ${iso}`)?.failed ?? 0)
    : null;

  const sentEmails = emails?.sent ?? 0;
  return {
    activeUsers: inWindow ? (usage?.active ?? 0) : used ? 0 : null,
    licensedSeats: seats?.seats ?? null,
    logins30d: inWindow ? (usage?.sessions ?? 0) : used ? 0 : null,
    featuresUsed: inWindow ? (usage?.features ?? 0) : used ? 0 : null,
    featuresAvailable: today.featuresAvailable,
    daysSinceLastTouch: lastTouch?.at ? Math.round(daysBetween(lastTouch.at, at) * 10) / 10 : null,
    emailOpenRate: rate(emails?.opened ?? 0, sentEmails),
    emailClickRate: rate(emails?.clicked ?? 0, sentEmails),
    messageReplyRate: rate(messages?.replied ?? 0, messages?.sent ?? 0),
    openTickets: tenantHadTickets ? (open?.open ?? 0) : null,
    tickets90d: tenantHadTickets ? (recent?.total ?? 0) : null,
    highSeverityTickets90d: tenantHadTickets ? (recent?.high ?? 0) : null,
    slaBreaches90d: tenantHadTickets ? (recent?.breached ?? 0) : null,
    oldestOpenTicketAgeDays: tenantHadTickets ? (open?.oldest ? Math.floor(daysBetween(open.oldest, at)) : 0) : null,
    nps: latestAnswer("nps"),
    csat: latestAnswer("csat"),
    ces: latestAnswer("ces"),
    invoicesPaidLate: invoiced ? (invoices?.late ?? 0) : null,
    maxDaysLate: invoiced ? Math.round(invoices?.max_late ?? 0) : null,
    failedPayments: failed,
    overdueAmount: invoiced ? (invoices?.overdue ?? 0) : null,
    annualContractValue: today.annualContractValue,
  };
}
