import { sql } from "drizzle-orm";
import type { health } from "../analytics";
import { AccountError, type TenantDb } from "./accounts";

/**
 * A churned account's story from its own history: how long it stayed, what it was worth, how
 * its health moved, and which warning signs showed up how long before it left, and whether
 * anyone acted on them. Only facts the tenant recorded; a sign with no data says so.
 */

const DAY_MS = 86_400_000;
/** How far before the churn date warning signs are looked for. */
export const LOOKBACK_DAYS = 180;

export interface WarningSign {
  signal: "health_decline" | "usage_drop" | "support_trouble" | "detractor_nps" | "payment_trouble" | "escalation" | "champion_left" | "silence";
  detected: boolean;
  /** False when the tenant had no data to tell (e.g. no usage ever recorded). */
  data: boolean;
  first_seen: string | null;
  /** Days between the first sign and the churn date. */
  lead_days: number | null;
  /** Whether the team touched the account (meeting, call, outbound message, task) after the sign. */
  acted_on: boolean | null;
  evidence: string;
}

export interface Postmortem {
  client_id: string;
  client_name: string;
  churn_date: string;
  churn_date_source: "given" | "status_change" | "last_update";
  customer_since: string;
  lifetime_months: number;
  arr_at_churn: number;
  lifetime_value: { paid: number | null; invoices: number; basis: "paid_invoices" | "no_invoices" };
  health_before_churn: { days_before: number; score: number | null }[];
  warning_signs: WarningSign[];
  /** Signs seen at least 30 days ahead with nobody acting on them: where the playbook should have fired. */
  missed_opportunities: string[];
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

function leadDays(first: string | null, churnMs: number): number | null {
  return first === null ? null : Math.max(0, Math.round((churnMs - Date.parse(first)) / DAY_MS));
}

export function churnPostmortem(db: TenantDb, accountId: string, givenDate: string | null, bands: health.HealthBands): Postmortem {
  const account = db.get<{ name: string; status: string; arr: number; start: string; created: string; updated: string }>(sql`
    SELECT name, status, contract_value AS arr, contract_start_date AS start, created_at AS created, updated_at AS updated
    FROM accounts WHERE id = ${accountId}`);
  if (!account) throw new AccountError("not_found", `No account with client_id ${accountId} in this workspace; list_clients shows the ids.`);
  if (account.status !== "churned") {
    throw new AccountError(
      "invalid",
      `client_id ${accountId} is ${account.status}, not churned; a post-mortem needs a churned account (set status to churned with update_client_info first), or look at its risk with get_churn_risk.`,
    );
  }
  const statusChange = db.get<{ at: string }>(sql`
    SELECT occurred_at AS at FROM account_events
    WHERE account_id = ${accountId} AND json_extract(metadata, '$.changes.status.to') = 'churned'
    ORDER BY occurred_at DESC LIMIT 1`);
  const churnDate = givenDate ?? statusChange?.at ?? account.updated;
  const source = givenDate ? "given" : statusChange ? "status_change" : "last_update";
  const churnMs = Date.parse(churnDate);
  const churnIso = iso(churnMs);
  const since = iso(churnMs - LOOKBACK_DAYS * DAY_MS);
  const firstContract = db.get<{ start: string | null }>(sql`SELECT min(start_date) AS start FROM contracts WHERE account_id = ${accountId}`);
  const customerSince = [firstContract?.start, account.start, account.created.slice(0, 10)].filter((d): d is string => !!d).sort()[0] ?? account.start;
  const lifetimeMonths = Math.max(0, Math.round(((churnMs - Date.parse(customerSince)) / (DAY_MS * 30.44)) * 10) / 10);

  const paid = db.get<{ n: number; paid: number | null }>(sql`
    SELECT count(*) AS n, sum(CASE WHEN status = 'paid' THEN amount END) AS paid FROM invoices WHERE account_id = ${accountId} AND status != 'void'`);

  const scoreAt = (daysBefore: number) =>
    db.get<{ score: number | null }>(sql`
      SELECT score FROM health_snapshots WHERE account_id = ${accountId} AND score IS NOT NULL AND computed_at <= ${iso(churnMs - daysBefore * DAY_MS)}
      ORDER BY computed_at DESC LIMIT 1`)?.score ?? null;

  const actedAfter = (first: string | null): boolean | null => {
    if (first === null) return null;
    const touch = db.get<{ n: number }>(sql`
      SELECT count(*) AS n FROM touchpoints WHERE account_id = ${accountId} AND occurred_at > ${first} AND occurred_at <= ${churnIso}
        AND (kind IN ('meeting', 'call') OR direction = 'outbound')`);
    const task = db.get<{ n: number }>(sql`SELECT count(*) AS n FROM tasks WHERE account_id = ${accountId} AND created_at > ${first} AND created_at <= ${churnIso}`);
    return (touch?.n ?? 0) + (task?.n ?? 0) > 0;
  };

  const sign = (signal: WarningSign["signal"], data: boolean, first: string | null, evidence: string): WarningSign => ({
    signal,
    detected: first !== null,
    data,
    first_seen: first,
    lead_days: leadDays(first, churnMs),
    acted_on: actedAfter(first),
    evidence,
  });

  // Health: the first snapshot of the final run below the at-risk threshold.
  const snapshots = db.all<{ at: string; score: number }>(sql`
    SELECT computed_at AS at, score FROM health_snapshots WHERE account_id = ${accountId} AND score IS NOT NULL AND computed_at <= ${churnIso}
    ORDER BY computed_at`);
  let healthFirst: string | null = null;
  for (const snap of snapshots) {
    if (snap.score < bands.atRisk) healthFirst ??= snap.at;
    else healthFirst = null;
  }
  const healthSign = sign(
    "health_decline",
    snapshots.length > 0,
    healthFirst,
    snapshots.length === 0 ? "No health scores were recorded." : healthFirst ? `Health stayed below ${bands.atRisk} from ${healthFirst.slice(0, 10)} until churn.` : `Health was ${snapshots.at(-1)?.score} at its last score before churn.`,
  );

  // Usage: the first day of the last 30 days before churn with less than half the daily average of the 60 before.
  const usage = db.get<{ days: number; recent: number; baseline: number }>(sql`
    SELECT count(*) AS days,
      coalesce(sum(CASE WHEN day >= ${iso(churnMs - 30 * DAY_MS).slice(0, 10)} THEN sessions END), 0) AS recent,
      coalesce(sum(CASE WHEN day < ${iso(churnMs - 30 * DAY_MS).slice(0, 10)} THEN sessions END), 0) AS baseline
    FROM usage_daily WHERE account_id = ${accountId} AND day >= ${iso(churnMs - 90 * DAY_MS).slice(0, 10)} AND day <= ${churnIso.slice(0, 10)}`);
  const hasUsage = (usage?.days ?? 0) > 0;
  const baselinePer30 = (usage?.baseline ?? 0) / 2;
  const dropped = hasUsage && baselinePer30 > 0 && (usage?.recent ?? 0) < baselinePer30 / 2;
  const usageSign = sign(
    "usage_drop",
    hasUsage,
    dropped ? iso(churnMs - 30 * DAY_MS) : null,
    hasUsage ? `${usage?.recent ?? 0} sessions in the last 30 days before churn against ${Math.round(baselinePer30)} per 30 days before that.` : "No product usage was recorded for this account.",
  );

  const tickets = db.get<{ n: number; high: number; breached: number; first: string | null }>(sql`
    SELECT count(*) AS n, coalesce(sum(priority IN ('P1', 'P2')), 0) AS high, coalesce(sum(sla_breached), 0) AS breached,
      min(CASE WHEN priority IN ('P1', 'P2') OR sla_breached THEN opened_at END) AS first
    FROM tickets WHERE account_id = ${accountId} AND opened_at >= ${since} AND opened_at <= ${churnIso}`);
  const anyTickets = db.get<{ one: number }>(sql`SELECT 1 AS one FROM tickets LIMIT 1`) !== undefined;
  const supportSign = sign(
    "support_trouble",
    anyTickets,
    tickets?.first ?? null,
    `${tickets?.n ?? 0} tickets in the ${LOOKBACK_DAYS} days before churn, ${tickets?.high ?? 0} of them P1/P2, ${tickets?.breached ?? 0} SLA breaches.`,
  );

  const nps = db.get<{ first: string | null; n: number; detractors: number }>(sql`
    SELECT min(CASE WHEN score <= 6 THEN submitted_at END) AS first, count(*) AS n, coalesce(sum(score <= 6), 0) AS detractors
    FROM feedback WHERE account_id = ${accountId} AND kind = 'nps' AND score IS NOT NULL AND submitted_at >= ${since} AND submitted_at <= ${churnIso}`);
  const npsSign = sign("detractor_nps", (nps?.n ?? 0) > 0, nps?.first ?? null, `${nps?.detractors ?? 0} detractor answers (0–6) of ${nps?.n ?? 0} NPS answers before churn.`);

  const payment = db.get<{ first_failed: string | null; first_late: string | null; invoices: number }>(sql`
    SELECT
      (SELECT min(attempted_at) FROM payments WHERE account_id = ${accountId} AND status = 'failed' AND attempted_at >= ${since} AND attempted_at <= ${churnIso}) AS first_failed,
      (SELECT min(due_on) FROM invoices WHERE account_id = ${accountId} AND due_on >= ${since.slice(0, 10)} AND due_on <= ${churnIso.slice(0, 10)}
        AND (paid_on > due_on OR (paid_on IS NULL AND status IN ('open', 'failed')))) AS first_late,
      (SELECT count(*) FROM invoices WHERE account_id = ${accountId}) AS invoices`);
  const paymentFirst = [payment?.first_failed, payment?.first_late].filter((d): d is string => !!d).sort()[0] ?? null;
  const paymentSign = sign("payment_trouble", (payment?.invoices ?? 0) > 0, paymentFirst, paymentFirst ? "Failed payments or invoices past due before churn." : "Invoices were paid on time.");

  const escalation = db.get<{ first: string | null; n: number }>(sql`
    SELECT min(opened_at) AS first, count(*) AS n FROM escalations WHERE account_id = ${accountId} AND opened_at >= ${since} AND opened_at <= ${churnIso}`);
  const escalationSign = sign("escalation", true, escalation?.first ?? null, `${escalation?.n ?? 0} escalations in the ${LOOKBACK_DAYS} days before churn.`);

  const champion = db.get<{ left: number; active: number; at: string | null }>(sql`
    SELECT coalesce(sum(status = 'left'), 0) AS left, coalesce(sum(status = 'active'), 0) AS active, min(CASE WHEN status = 'left' THEN updated_at END) AS at
    FROM contacts WHERE account_id = ${accountId} AND role = 'champion'`);
  const championGone = (champion?.left ?? 0) > 0 && (champion?.active ?? 0) === 0;
  const championSign = sign(
    "champion_left",
    (champion?.left ?? 0) + (champion?.active ?? 0) > 0,
    championGone ? (champion?.at ?? null) : null,
    championGone ? "The account's champion left and nobody replaced them." : "A champion was in place (or none was recorded).",
  );

  const lastTouch = db.get<{ at: string | null }>(sql`
    SELECT max(coalesce(replied_at, occurred_at)) AS at FROM touchpoints
    WHERE account_id = ${accountId} AND occurred_at <= ${churnIso} AND (kind IN ('meeting', 'call') OR direction = 'inbound' OR replied_at IS NOT NULL)`);
  const silentDays = lastTouch?.at ? Math.round((churnMs - Date.parse(lastTouch.at)) / DAY_MS) : null;
  const silence = sign(
    "silence",
    lastTouch?.at != null,
    silentDays !== null && silentDays > 45 && lastTouch?.at ? iso(Date.parse(lastTouch.at) + 45 * DAY_MS) : null,
    lastTouch?.at ? `Last two-way touch ${silentDays} days before churn.` : "No two-way touch was ever recorded.",
  );

  const signs = [healthSign, usageSign, supportSign, npsSign, paymentSign, escalationSign, championSign, silence];
  return {
    client_id: accountId,
    client_name: account.name,
    churn_date: churnIso,
    churn_date_source: source,
    customer_since: customerSince,
    lifetime_months: lifetimeMonths,
    arr_at_churn: account.arr,
    lifetime_value: (paid?.n ?? 0) > 0 ? { paid: paid?.paid ?? 0, invoices: paid?.n ?? 0, basis: "paid_invoices" } : { paid: null, invoices: 0, basis: "no_invoices" },
    health_before_churn: [90, 60, 30, 0].map((days) => ({ days_before: days, score: scoreAt(days) })),
    warning_signs: signs,
    missed_opportunities: signs
      .filter((s) => s.detected && (s.lead_days ?? 0) >= 30 && s.acted_on === false)
      .map((s) => `${s.signal.replace(/_/g, " ")} showed ${s.lead_days} days before churn and nobody acted on it: ${s.evidence}`),
  };
}
