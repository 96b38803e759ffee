/**
 * Words for the health components, at two levels:
 * - {@link HEALTH_DRIVER_TEXT}: one fixed sentence per component naming what drove it, indexed
 *   by the drivers `evaluateHealthComponents` reports, so the recompute hot path formats no numbers;
 * - {@link describeHealthInputs}: the facts with their numbers, for the single-account view.
 */
import {
  type HealthFeatures,
  PAYMENT_PENALTIES,
  cesPoints,
  csatPoints,
  evaluateHealthComponents,
  has,
  newHealthEvaluation,
  nonNegative,
  npsPoints,
  overduePenalty,
  present,
  recencyScore,
} from "./health-components";
import type { HealthComponentName, HealthConfig } from "./health-config";
import { round } from "./math";

/** Said of a component the account has no data for. */
export const HEALTH_MISSING_TEXT: Readonly<Record<HealthComponentName, string>> = Object.freeze({
  usage: "No usage data (active users with seats, logins, feature use); left out and the other weights renormalized.",
  engagement: "No engagement data (last touch, email or message response); left out and the other weights renormalized.",
  support: "No support data (tickets, severity, SLA breaches, open ticket age); left out and the other weights renormalized.",
  satisfaction: "No NPS, CSAT or CES answer; left out and the other weights renormalized.",
  payment: "No payment data (late, failed or overdue invoices); left out and the other weights renormalized.",
});

const RECENCY_PHRASES = [
  "Last two-way touch was within the last day",
  "Last two-way touch was within 3 days",
  "Last two-way touch was within a week",
  "Last two-way touch was within two weeks",
  "Last two-way touch was within 30 days",
  "No two-way touch for over 30 days",
];
const RESPONSE_SUFFIXES = [
  ".",
  "; they open, click and reply at or near target rates.",
  "; their email and message response is middling.",
  "; they rarely open, click or reply.",
];
const RESPONSE_ONLY = [
  "",
  "Email and message response is at or near target rates.",
  "Email and message response is middling.",
  "They rarely open, click or reply to email and messages.",
];

/**
 * Driver sentences, indexed as the component functions in ./health-components.ts document
 * (`out.driver`). Engagement is 4 × recency bucket (6 = unknown) + response class.
 */
export const HEALTH_DRIVER_TEXT: Readonly<Record<HealthComponentName, readonly string[]>> = Object.freeze({
  usage: Object.freeze([
    "Usage is at or near target on every measure on record (seats, logins, feature breadth).",
    "Usage is held back most by seat utilization: a large share of licensed seats is inactive.",
    "Usage is held back most by login frequency, below the target per seat.",
    "Usage is held back most by feature breadth: few of the available features are in use.",
  ]),
  engagement: Object.freeze([...RECENCY_PHRASES.flatMap((r) => RESPONSE_SUFFIXES.map((s) => r + s)), ...RESPONSE_ONLY]),
  support: Object.freeze([
    "Nothing on record weighs on support: no tickets, SLA breaches or aged backlog reported.",
    "Ticket volume over the last 90 days weighs most on support.",
    "High-severity tickets in the last 90 days weigh most on support.",
    "SLA breaches in the last 90 days weigh most on support.",
    "A long-open ticket weighs most on support.",
    "The open ticket backlog weighs most on support.",
  ]),
  satisfaction: Object.freeze([
    "Latest NPS answer is a promoter (9–10).",
    "Latest NPS answer is a passive (7–8).",
    "Latest NPS answer is a detractor (0–6).",
    "Latest CSAT answer is satisfied (4–5 of 5).",
    "Latest CSAT answer is neutral (3 of 5).",
    "Latest CSAT answer is dissatisfied (1–2 of 5).",
    "Latest CES answer says the customer found it easy (1–3 of 7).",
    "Latest CES answer is neutral (4 of 7).",
    "Latest CES answer says the customer found it hard (5–7 of 7).",
  ]),
  payment: Object.freeze([
    "Paid on time: no late, failed or overdue invoices on record for the last 12 months.",
    "Invoices paid late weigh most on payment.",
    "How late invoices were paid weighs most on payment.",
    "Failed payments weigh most on payment.",
    "An overdue balance weighs most on payment.",
  ]),
});

// ── Detailed descriptions with numbers (one account at a time) ──

function fmt(value: number): string {
  return String(round(value, 1));
}

/** "1 SLA breach", "2 SLA breaches". */
function count(n: number, one: string, many: string): string {
  return `${fmt(n)} ${n === 1 ? one : many}`;
}

function pct(share: number): string {
  return `${round(share * 100, 0)} %`;
}

/**
 * The facts behind each component with their numbers, e.g.
 * "Usage 62: 40 of 50 seats active (80 %); 7.2 logins per seat in 30 days (target 12); 12 of 30 features used."
 * null for a component without data. Not for the hot path: it formats numbers.
 */
export function describeHealthInputs(features: HealthFeatures, config: HealthConfig): Record<HealthComponentName, string | null> {
  const f = features;
  const ev = evaluateHealthComponents(f, config.targets, newHealthEvaluation());
  const active = nonNegative(f.activeUsers);
  const seats = nonNegative(f.licensedSeats);
  const used = nonNegative(f.featuresUsed);
  const available = nonNegative(f.featuresAvailable);

  const usage: string[] = [];
  if (seats > 0 && active === active) usage.push(`${fmt(active)} of ${fmt(seats)} seats active (${pct(Math.min(1, active / seats))})`);
  const perSeat = ev.loginsPerSeat;
  if (perSeat === perSeat) usage.push(`${fmt(perSeat)} logins per ${seats > 0 ? "seat" : "active user"} in 30 days (target ${fmt(config.targets.loginsPerSeat30d)})`);
  if (available > 0 && used === used) usage.push(`${fmt(used)} of ${fmt(available)} features used`);

  const engagement: string[] = [];
  const days = present(f.daysSinceLastTouch);
  if (days === days) engagement.push(`last touch ${count(Math.max(0, days), "day", "days")} ago (recency ${recencyScore(days)})`);
  if (has(f.emailOpenRate)) engagement.push(`${pct(present(f.emailOpenRate))} of emails opened`);
  if (has(f.emailClickRate)) engagement.push(`${pct(present(f.emailClickRate))} clicked`);
  if (has(f.messageReplyRate)) engagement.push(`${pct(present(f.messageReplyRate))} of messages answered`);

  const tickets = nonNegative(f.tickets90d);
  const high = nonNegative(f.highSeverityTickets90d);
  const breaches = nonNegative(f.slaBreaches90d);
  const oldest = nonNegative(f.oldestOpenTicketAgeDays);
  const open = nonNegative(f.openTickets);
  const support: string[] = [];
  if (tickets === tickets) support.push(`${count(tickets, "ticket", "tickets")} in 90 days`);
  if (high === high) support.push(`${fmt(high)} high-severity`);
  if (breaches === breaches) support.push(count(breaches, "SLA breach", "SLA breaches"));
  if (oldest === oldest) support.push(`oldest open ticket ${count(oldest, "day", "days")} old`);
  if (open === open) support.push(`${fmt(open)} open now`);

  const nps = present(f.nps);
  const csat = present(f.csat);
  const ces = present(f.ces);
  const satisfaction: string[] = [];
  if (nps === nps) satisfaction.push(`latest NPS ${fmt(nps)}/10 (${fmt(npsPoints(nps))})`);
  if (csat === csat) satisfaction.push(`CSAT ${fmt(csat)}/5 (${fmt(csatPoints(csat))})`);
  if (ces === ces) satisfaction.push(`CES ${fmt(ces)}/7, lower is easier (${fmt(cesPoints(ces))})`);

  const late = nonNegative(f.invoicesPaidLate);
  const daysLate = nonNegative(f.maxDaysLate);
  const failed = nonNegative(f.failedPayments);
  const overdue = nonNegative(f.overdueAmount);
  const acv = nonNegative(f.annualContractValue);
  const payment: string[] = [];
  if (late === late) payment.push(`${count(late, "invoice", "invoices")} paid late`);
  if (daysLate === daysLate) payment.push(`up to ${count(daysLate, "day", "days")} late`);
  if (failed === failed) payment.push(count(failed, "failed payment", "failed payments"));
  if (overdue === overdue) payment.push(`${fmt(overdue)} overdue (${fmt(overduePenalty(overdue, acv))} of ${PAYMENT_PENALTIES.overdueCap} points off)`);

  const line = (label: string, value: number, parts: string[], suffix = ""): string | null =>
    value === value ? `${label} ${fmt(value)}${suffix}: ${parts.join("; ")}.` : null;
  return {
    usage: line("Usage", ev.usage, usage),
    engagement: line("Engagement", ev.engagement, engagement),
    support: line("Support", ev.support, support),
    satisfaction: line("Satisfaction", ev.satisfaction, satisfaction),
    payment: line("Payment", ev.payment, payment, " over the last 12 months"),
  };
}
