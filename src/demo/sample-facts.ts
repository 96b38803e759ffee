import type { Account } from "../db/accounts";
import type { IncomingUsageEvent } from "../db/usage-events";
import type { NewFeedback } from "../db/feedback-intel";
import type { NewTicket } from "../db/tickets";
import type { NewTouchpoint } from "../db/touchpoints";
import { seededRandom } from "./sample-accounts";

/**
 * Sample facts for the demo workspace's accounts: contacts, contracts, invoices (as the CSV the
 * import API takes), product usage (as the events endpoint receives it), touchpoints and support
 * tickets (opened, answered, resolved and rated through the ticket lifecycle) and survey answers. They go
 * in through the product's own write paths, so the demo's health scores, risks and trends are
 * computed exactly as a real workspace's would be. Each account gets a profile (thriving,
 * steady, struggling) that shapes its facts; nothing here is a score.
 */

const DAY = 86_400_000;
/** Days of sample product usage: three months of health history, each point with its full 30-day usage window. */
const USAGE_DAYS = 120;
const FEATURES = ["dashboards", "reports", "alerts", "exports", "integrations", "automations", "api", "sso"] as const;
type Profile = "thriving" | "steady" | "struggling";

/** A support ticket's story: opened, maybe answered, resolved and rated. */
export interface SampleTicket {
  ticket: NewTicket;
  respondedAt: string | null;
  resolvedAt: string | null;
  rating: number | null;
}

export interface SampleFacts {
  contactsCsv: string;
  contractsCsv: string;
  invoicesCsv: string;
  usage: Omit<IncomingUsageEvent, "index">[];
  touchpoints: NewTouchpoint[];
  tickets: SampleTicket[];
  feedback: NewFeedback[];
}

const COMMENTS = {
  thriving: ["The new dashboards save our team hours every week.", "Support was fast and friendly, great onboarding.", "Love the automations, reporting is much easier now."],
  steady: ["Works well, though exports could be faster.", "Good product; we would like more integrations.", "Solid, but the reports page is a bit slow."],
  struggling: ["Billing errors again and slow support, very frustrating.", "The integration keeps breaking and nobody follows up.", "Too expensive for what we use; exports time out."],
} as const;

const TICKET_SUBJECTS = [
  ["Export to CSV times out", "technical_issue"],
  ["Invoice shows the wrong seat count", "billing"],
  ["How do I set up SSO?", "how_to"],
  ["Dashboard widgets load slowly", "technical_issue"],
  ["Integration sync stopped", "integration"],
] as const;

function isoDay(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

const SUPPORT_AGENTS = ["Priya Shah", "Tom Becker", "Lena Ortiz"] as const;

function csv(rows: (string | number)[][]): string {
  return rows.map((row) => row.map((cell) => (/[",\n]/.test(String(cell)) ? `"${String(cell).replace(/"/g, '""')}"` : String(cell))).join(",")).join("\n");
}

export function sampleFacts(accounts: readonly Account[], now = Date.now(), seed = 7_2026): SampleFacts {
  const random = seededRandom(seed);
  const contacts: (string | number)[][] = [["external_id", "client_id", "name", "email", "title", "role", "is_primary", "status"]];
  const contracts: (string | number)[][] = [["external_id", "client_id", "start_date", "end_date", "renewal_date", "annual_value", "seats", "auto_renew", "status", "renewal_status"]];
  const invoices: (string | number)[][] = [["external_id", "client_id", "number", "amount", "currency", "issued_on", "due_on", "paid_on", "status"]];
  const usage: Omit<IncomingUsageEvent, "index">[] = [];
  const touchpoints: NewTouchpoint[] = [];
  const tickets: SampleTicket[] = [];
  const feedback: NewFeedback[] = [];

  accounts.forEach((account, i) => {
    if (account.status === "churned") {
      // Its last term ended at the renewal it did not take.
      contracts.push([`demo-k-${i}`, account.client_id, account.contract_start_date, account.contract_end_date, account.renewal_date, account.contract_value, 5, "false", "expired", "churned"]);
      return;
    }
    const profile: Profile = account.lifecycle_stage === "at_risk" || random() < 0.2 ? "struggling" : random() < 0.45 ? "thriving" : "steady";
    const domain = `${account.client_name.toLowerCase().replace(/[^a-z]+/g, "")}.example`;
    // Seats the demo can keep busy with its simulated users (a few to a dozen per account).
    const seats = Math.max(4, Math.min(12, Math.round(account.contract_value / 10_000)));

    // Contacts: a champion (who left, on some struggling accounts), a decision maker, a user.
    const championLeft = profile === "struggling" && random() < 0.4;
    contacts.push([`demo-ct-${i}-1`, account.client_id, account.primary_contact_name ?? "Alex Doe", account.primary_contact_email ?? `alex@${domain}`, "Head of Operations", "champion", "true", championLeft ? "left" : "active"]);
    contacts.push([`demo-ct-${i}-2`, account.client_id, "Sam Rivera", `sam@${domain}`, "VP Finance", "decision_maker", "false", "active"]);
    contacts.push([`demo-ct-${i}-3`, account.client_id, "Jo Park", `jo@${domain}`, "Analyst", "user", "false", "active"]);

    // An account past its first year renewed into its current term: the term before it was
    // smaller for accounts that grew (expansion), larger for struggling ones that cut seats.
    const currentStartMs = Date.parse(account.contract_end_date) - 365 * DAY;
    const startMs = Date.parse(account.contract_start_date);
    if (currentStartMs - startMs >= 300 * DAY && currentStartMs < now) {
      const before = account.lifecycle_stage === "expansion" || (profile === "thriving" && random() < 0.6) ? 0.8 : profile === "struggling" && random() < 0.3 ? 1.15 : 1;
      const previousValue = Math.round((account.contract_value * before) / 100) * 100;
      contracts.push([`demo-k-${i}-0`, account.client_id, account.contract_start_date, isoDay(currentStartMs), isoDay(currentStartMs), previousValue, seats, "true", "renewed", "renewed"]);
      contracts.push([`demo-k-${i}`, account.client_id, isoDay(currentStartMs), account.contract_end_date, account.renewal_date, account.contract_value, seats, "true", "active", "not_started"]);
    } else {
      contracts.push([`demo-k-${i}`, account.client_id, account.contract_start_date, account.contract_end_date, account.renewal_date, account.contract_value, seats, "true", "active", "not_started"]);
    }

    // Quarterly invoices over the last year: late or unpaid more often when struggling.
    for (let q = 0; q < 4; q++) {
      const issued = now - (q * 91 + 30) * DAY;
      const due = issued + 30 * DAY;
      const roll = random();
      const late = profile === "struggling" ? roll < 0.5 : roll < 0.08;
      const unpaid = profile === "struggling" && q === 0 && random() < 0.5;
      const paidOn = unpaid ? "" : isoDay(due + (late ? Math.floor(5 + random() * 40) : -Math.floor(random() * 10)) * DAY);
      invoices.push([`demo-inv-${i}-${q}`, account.client_id, `INV-${1000 + i * 4 + q}`, Math.round(account.contract_value / 4), "USD", isoDay(issued), isoDay(due), paidOn, unpaid ? "open" : "paid"]);
    }

    // Usage over the last four months: users active per day by profile. Struggling accounts fade
    // from steady use; thriving ones grow into theirs.
    const activeShare = (daysAgo: number) =>
      profile === "thriving" ? 0.7 - 0.2 * (daysAgo / USAGE_DAYS) : profile === "steady" ? 0.4 : 0.08 + 0.37 * (daysAgo / USAGE_DAYS);
    const featureCount = profile === "thriving" ? 7 : profile === "steady" ? 4 : 2;
    const users = seats;
    // Nobody uses the product before the contract starts, and a new customer takes 3–14 days to
    // get going: the time to its first active day is what time-to-value measures. (Not drawn from
    // `random`, so every other sample stays as it was.)
    const firstActiveMs = startMs + (3 + ((i * 7) % 12)) * DAY;
    for (let day = USAGE_DAYS; day >= 1; day--) {
      if (now - day * DAY < firstActiveMs) continue;
      for (let u = 0; u < users; u++) {
        if (random() > activeShare(day)) continue;
        const feature = FEATURES[Math.floor(random() * featureCount)] ?? "dashboards";
        const at = now - day * DAY + Math.floor(random() * 8 * 3_600_000);
        usage.push({
          messageId: `demo-${i}-${day}-${u}`,
          type: "track",
          event: feature,
          userId: `user-${u}@${domain}`,
          anonymousId: null,
          accountRef: account.client_id,
          accountRefField: "context.groupId",
          properties: "{}",
          occurredAt: new Date(at).toISOString(),
        });
      }
    }

    // Touchpoints: outbound emails (opened and answered by profile) and a recent meeting for the engaged.
    const emails = 2 + Math.floor(random() * 4);
    for (let e = 0; e < emails; e++) {
      const sent = now - (10 + e * 15 + Math.floor(random() * 5)) * DAY;
      const opened = random() < (profile === "struggling" ? 0.25 : 0.6);
      const replied = opened && random() < (profile === "thriving" ? 0.5 : 0.15);
      touchpoints.push({
        client_id: account.client_id,
        kind: "email",
        direction: "outbound",
        subject: ["Monthly check-in", "New release notes", "Your usage report", "Training invitation", "Renewal planning"][e % 5] ?? "Check-in",
        occurred_at: new Date(sent).toISOString(),
        opened_at: opened ? new Date(sent + 3_600_000).toISOString() : null,
        replied_at: replied ? new Date(sent + DAY).toISOString() : null,
        source: "demo",
      });
    }
    // Tickets over the last 80 days: struggling accounts file more, urgent ones, left open longer.
    const ticketCount = profile === "struggling" ? 2 + Math.floor(random() * 2) : random() < 0.5 ? 1 : 0;
    for (let t = 0; t < ticketCount; t++) {
      const [subject, category] = TICKET_SUBJECTS[Math.floor(random() * TICKET_SUBJECTS.length)] ?? TICKET_SUBJECTS[0];
      const opened = now - Math.floor(2 + random() * 78) * DAY;
      const urgent = profile === "struggling" && random() < 0.5;
      const open = profile === "struggling" && t === 0;
      const slowReply = profile === "struggling" && random() < 0.5;
      const respondedAt = new Date(opened + (slowReply ? 30 : 1) * 3_600_000).toISOString();
      const resolvedAt = open ? null : new Date(opened + (urgent ? 2 : 1) * DAY).toISOString();
      tickets.push({
        ticket: {
          client_id: account.client_id,
          subject,
          description: "Reported by the customer.",
          priority: urgent ? "P1" : t % 2 === 0 ? "P3" : "P2",
          category,
          // The demo's support team, so performance by agent and routing by load have people to show.
          assignee: SUPPORT_AGENTS[(i + t) % SUPPORT_AGENTS.length] ?? null,
          opened_at: new Date(opened).toISOString(),
          source: "demo",
        },
        respondedAt: Date.parse(respondedAt) < now ? respondedAt : null,
        resolvedAt: resolvedAt && Date.parse(resolvedAt) < now ? resolvedAt : null,
        rating: open ? null : profile === "struggling" ? 2 + Math.floor(random() * 2) : 4 + Math.floor(random() * 2),
      });
    }

    // An NPS answer with a comment this quarter and, for some, one the quarter before.
    const npsNow = profile === "thriving" ? 9 + Math.floor(random() * 2) : profile === "steady" ? 7 + Math.floor(random() * 2) : 2 + Math.floor(random() * 5);
    const comments = COMMENTS[profile];
    feedback.push({ client_id: account.client_id, kind: "nps", score: npsNow, text: comments[Math.floor(random() * comments.length)], source: "survey", submitted_at: new Date(now - Math.floor(5 + random() * 60) * DAY).toISOString() });
    if (random() < 0.6) {
      feedback.push({ client_id: account.client_id, kind: "nps", score: Math.min(10, npsNow + (profile === "struggling" ? 3 : 0)), source: "survey", submitted_at: new Date(now - Math.floor(100 + random() * 60) * DAY).toISOString() });
    }
    if (random() < 0.3) {
      feedback.push({ client_id: account.client_id, kind: "feature_request", text: random() < 0.5 ? "Please add a Salesforce integration." : "We need scheduled exports to S3.", source: "csm" });
    }

    if (profile !== "struggling") {
      touchpoints.push({ client_id: account.client_id, kind: "meeting", direction: "outbound", subject: "Success plan review", occurred_at: new Date(now - Math.floor(3 + random() * 20) * DAY).toISOString(), source: "demo" });
    }
  });
  return { contactsCsv: csv(contacts), contractsCsv: csv(contracts), invoicesCsv: csv(invoices), usage, touchpoints, tickets, feedback };
}
