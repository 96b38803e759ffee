import { and, asc, eq, inArray, sql } from "drizzle-orm";
import { splitSendMail, type SendMailPayload } from "../integrations/sendgrid/operations";
import { AccountError, requireAccount, type Json, type TenantDb } from "./accounts";
import { accountTokens, checkCampaignTemplates, contactTokens, renderTemplate, resolveRecipients, type ContactRole } from "./communications";
import { suppressedEmails } from "./email-suppressions";
import { accounts, campaignRecipients, campaigns, contacts, emailSends, integrationDeliveries, newsletters } from "./tenant-schema";

/**
 * Email sends through SendGrid: a campaign, a newsletter or a one-off email becomes the
 * deliveries of one integration job (≤ 1,000 recipients each, split by splitSendMail), and
 * `email_sends` remembers which job sent what, so a campaign is handed over once and shows the
 * job's progress. Addresses marked bad (email_suppressions) are left out at send time too.
 */

/** The longest subject kept in custom_args (SendGrid echoes it on every event; all args ≤ 10,000 bytes). */
const SUBJECT_ARG_LIMIT = 150;

export interface SendDelivery {
  payload: Json;
  items: number;
}

export interface SendPlan {
  description: string;
  deliveries: SendDelivery[];
  recipients: number;
  /** Left out because the address is marked bad. */
  suppressed: number;
}

interface PlannedRecipient {
  email: string;
  name: string;
  accountId: string;
  contactId: string;
  subject: string;
  body: string;
}

function toJson(payload: SendMailPayload): Json {
  return JSON.parse(JSON.stringify(payload)) as Json;
}

/** Recipients with rendered text → request-sized send_mail payloads; shared subject/body when every recipient has the same. */
function plan(description: string, recipients: PlannedRecipient[], extra: { from?: string | null; customArgs: Record<string, string> }, suppressed: number): SendPlan {
  if (recipients.length === 0) {
    throw new AccountError("invalid", `recipients: nobody to send to (${suppressed} address${suppressed === 1 ? " is" : "es are"} marked bad); add contacts with an email address or pick other accounts.`);
  }
  const sameSubject = recipients.every((r) => r.subject === recipients[0]?.subject);
  const sameBody = recipients.every((r) => r.body === recipients[0]?.body);
  const tooLong = sameBody ? null : recipients.find((r) => new TextEncoder().encode(r.body).length > 9_900);
  if (tooLong) {
    throw new AccountError("invalid", `body: the text rendered for ${tooLong.email} is longer than SendGrid takes per recipient (about 9,900 bytes); shorten it or drop the per-recipient tokens from the body.`);
  }
  const base: Omit<SendMailPayload, "recipients"> = {
    ...(sameSubject ? { subject: recipients[0]?.subject } : {}),
    ...(sameBody ? { text: recipients[0]?.body } : {}),
    ...(extra.from ? { from: { email: extra.from } } : {}),
    custom_args: extra.customArgs,
  };
  const { payloads } = splitSendMail({
    ...base,
    recipients: recipients.map((r) => ({
      email: r.email,
      name: r.name,
      ...(sameSubject ? {} : { subject: r.subject }),
      ...(sameBody ? {} : { body: r.body }),
      custom_args: { account_id: r.accountId, contact_id: r.contactId, subject: r.subject.slice(0, SUBJECT_ARG_LIMIT) },
    })),
  });
  return { description, deliveries: payloads.map((payload) => ({ payload: toJson(payload), items: payload.recipients.length })), recipients: recipients.length, suppressed };
}

function alreadySent(db: TenantDb, kind: "campaign" | "newsletter", id: string): void {
  const sent = db.select({ jobId: emailSends.jobId }).from(emailSends).where(and(eq(emailSends.sourceKind, kind), eq(emailSends.sourceId, id))).get();
  if (sent) throw new AccountError("conflict", `${kind}_id: ${id} was already handed to SendGrid as job ${sent.jobId}; get_integration_job shows its progress.`);
}

/** A stored campaign's rendered recipients, minus addresses marked bad since it was created. */
export function campaignSendPlan(db: TenantDb, campaignId: string): SendPlan {
  const campaign = db.select().from(campaigns).where(eq(campaigns.id, campaignId)).get();
  if (!campaign) throw new AccountError("not_found", `campaign_id: no campaign "${campaignId}" in this workspace; list_campaigns shows the ids.`);
  alreadySent(db, "campaign", campaignId);
  if (campaign.status === "cancelled") throw new AccountError("conflict", `campaign_id: campaign "${campaignId}" was cancelled (${campaign.statusReason ?? "no reason recorded"}); nothing was sent. Create a new campaign to send it.`);
  const rows = db.select().from(campaignRecipients).where(eq(campaignRecipients.campaignId, campaignId)).orderBy(asc(campaignRecipients.accountId), asc(campaignRecipients.email)).all();
  const bad = suppressedEmails(db, rows.map((r) => r.email));
  const recipients = rows
    .filter((r) => !bad.has(r.email.toLowerCase()))
    .map((r) => ({ email: r.email, name: r.name, accountId: r.accountId, contactId: r.contactId, subject: r.subject, body: r.body }));
  return plan(`Campaign "${campaign.name}" to ${recipients.length} recipients`, recipients, { from: campaign.senderEmail, customArgs: { campaign_id: campaignId } }, rows.length - recipients.length);
}

/** A newsletter's sections as one text, to its audience's current recipients. */
export function newsletterSendPlan(db: TenantDb, newsletterId: string): SendPlan {
  const newsletter = db.select().from(newsletters).where(eq(newsletters.id, newsletterId)).get();
  if (!newsletter) throw new AccountError("not_found", `newsletter_id: no newsletter "${newsletterId}" in this workspace.`);
  alreadySent(db, "newsletter", newsletterId);
  const sections = JSON.parse(newsletter.sections) as { title: string; content: string }[];
  const body = sections.map((section) => `${section.title}\n\n${section.content}`).join("\n\n———\n\n");
  const audience = JSON.parse(newsletter.audience) as { tiers: string[] | null; exclude_client_ids: string[] };
  const excluded = new Set(audience.exclude_client_ids);
  const ids = db
    .select({ id: accounts.id })
    .from(accounts)
    .where(and(audience.tiers ? inArray(accounts.tier, audience.tiers as (typeof accounts.$inferSelect)["tier"][]) : undefined, sql`${accounts.status} <> 'churned'`))
    .orderBy(asc(accounts.id))
    .all()
    .map((row) => row.id)
    .filter((id) => !excluded.has(id));
  const recipients = resolveRecipients(db, ids);
  const everyone = countWithEmail(db, ids);
  return plan(
    `Newsletter "${newsletter.name}" to ${recipients.length} recipients`,
    recipients.map((r) => ({ email: r.email, name: r.name, accountId: r.accountId, contactId: r.contactId, subject: newsletter.subject, body })),
    { customArgs: { newsletter_id: newsletterId } },
    Math.max(0, everyone - recipients.length),
  );
}

/** Active contacts with an email at these accounts, bad addresses included (to report how many were skipped). */
function countWithEmail(db: TenantDb, accountIds: readonly string[]): number {
  let count = 0;
  for (let i = 0; i < accountIds.length; i += 90) {
    const rows = db
      .select({ email: contacts.email })
      .from(contacts)
      .where(and(inArray(contacts.accountId, accountIds.slice(i, i + 90)), eq(contacts.status, "active"), sql`${contacts.email} IS NOT NULL AND trim(${contacts.email}) <> ''`))
      .all();
    count += new Set(rows.map((r) => (r.email ?? "").trim().toLowerCase())).size;
  }
  return count;
}

export interface OneOffEmail {
  client_id: string;
  subject: string;
  body: string;
  contact_ids?: string[];
  contact_roles?: ContactRole[];
}

/** One email to some or all of an account's contacts, rendered per contact from {{tokens}}. */
export function oneOffSendPlan(db: TenantDb, input: OneOffEmail, now = new Date()): SendPlan {
  const account = requireAccount(db, input.client_id, now);
  checkCampaignTemplates(input.subject, input.body);
  const all = resolveRecipients(db, [input.client_id], input.contact_roles);
  let chosen = all;
  if (input.contact_ids && input.contact_ids.length > 0) {
    const wanted = new Set(input.contact_ids);
    const known = db.select({ id: contacts.id, email: contacts.email, status: contacts.status }).from(contacts).where(and(eq(contacts.accountId, input.client_id), inArray(contacts.id, [...wanted]))).all();
    const missing = [...wanted].filter((id) => !known.some((k) => k.id === id));
    if (missing.length > 0) throw new AccountError("not_found", `contact_ids: no contact ${missing.slice(0, 5).join(", ")} on account ${input.client_id}; get_client shows its contacts.`);
    chosen = all.filter((r) => wanted.has(r.contactId));
  }
  const everyone = input.contact_ids?.length ? input.contact_ids.length : countWithEmail(db, [input.client_id]);
  const source = db
    .select({ id: accounts.id, name: accounts.name, companyName: accounts.companyName, industry: accounts.industry, tier: accounts.tier, csmAssigned: accounts.csmAssigned, renewalDate: accounts.renewalDate, contractValue: accounts.contractValue, healthScore: accounts.healthScore })
    .from(accounts)
    .where(eq(accounts.id, account.client_id))
    .get();
  if (!source) throw new AccountError("not_found", `client_id: no account ${input.client_id}.`);
  const recipients = chosen.map((r) => {
    const values = { ...accountTokens(source, now), ...contactTokens(r) };
    return { email: r.email, name: r.name, accountId: r.accountId, contactId: r.contactId, subject: renderTemplate(input.subject, values).text, body: renderTemplate(input.body, values).text };
  });
  return plan(`Email "${input.subject.slice(0, 80)}" to ${recipients.length} contacts of ${account.client_name}`, recipients, { customArgs: {} }, Math.max(0, everyone - recipients.length));
}

/** Remembers which job sends what; a campaign or newsletter is marked sent (handed to SendGrid). */
export function recordEmailSend(
  db: TenantDb,
  send: { jobId: string; sourceKind: "campaign" | "newsletter" | "one_off"; sourceId: string | null; accountId: string | null; recipients: number; suppressed: number },
  actor: string,
  now = new Date(),
): void {
  db.insert(emailSends).values({ ...send, createdBy: actor, createdAt: now.toISOString() }).run();
  const reason = `handed to SendGrid as job ${send.jobId} (${send.recipients} recipients${send.suppressed ? `, ${send.suppressed} bad addresses left out` : ""})`;
  if (send.sourceKind === "campaign" && send.sourceId) {
    db.update(campaigns).set({ status: "sent", statusReason: reason }).where(eq(campaigns.id, send.sourceId)).run();
    db.update(campaignRecipients).set({ status: "sent" }).where(eq(campaignRecipients.campaignId, send.sourceId)).run();
  }
  if (send.sourceKind === "newsletter" && send.sourceId) {
    db.update(newsletters).set({ status: "sent", statusReason: reason }).where(eq(newsletters.id, send.sourceId)).run();
  }
}

export interface SendProgress {
  job_id: string;
  /** queued: nothing sent yet; sending: some deliveries still pending; sent: all accepted; partly_failed / failed: some or all refused for good. */
  status: "queued" | "sending" | "sent" | "partly_failed" | "failed";
  recipients: number;
  /** Recipients in deliveries SendGrid accepted. */
  accepted: number;
  /** Recipients in deliveries still queued, sending or retrying. */
  pending: number;
  /** Recipients in deliveries refused for good or dead-lettered. */
  failed: number;
  suppressed: number;
  last_error: string | null;
}

/** The progress of the job that sent this campaign or newsletter, or null when it was not sent through SendGrid. */
export function sendProgressFor(db: TenantDb, sourceKind: "campaign" | "newsletter", sourceId: string): SendProgress | null {
  const send = db.select().from(emailSends).where(and(eq(emailSends.sourceKind, sourceKind), eq(emailSends.sourceId, sourceId))).get();
  return send ? sendProgress(db, send.jobId, send.suppressed) : null;
}

export function sendProgress(db: TenantDb, jobId: string, suppressed = 0): SendProgress {
  const rows = db
    .select({ status: integrationDeliveries.status, items: sql<number>`sum(${integrationDeliveries.items})`, lastError: sql<string | null>`max(${integrationDeliveries.lastError})` })
    .from(integrationDeliveries)
    .where(eq(integrationDeliveries.jobId, jobId))
    .groupBy(integrationDeliveries.status)
    .all();
  let accepted = 0;
  let pending = 0;
  let failed = 0;
  let lastError: string | null = null;
  for (const row of rows) {
    const items = Number(row.items ?? 0);
    if (row.status === "sent") accepted += items;
    else if (row.status === "failed" || row.status === "dead") {
      failed += items;
      lastError = row.lastError ?? lastError;
    } else pending += items;
  }
  const recipients = accepted + pending + failed;
  const status: SendProgress["status"] =
    pending > 0 ? (accepted + failed > 0 ? "sending" : "queued") : failed === 0 ? "sent" : accepted > 0 ? "partly_failed" : "failed";
  return { job_id: jobId, status, recipients, accepted, pending, failed, suppressed, last_error: lastError };
}
