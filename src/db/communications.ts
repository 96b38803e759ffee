import { and, asc, desc, eq, inArray, isNotNull, sql, type SQL } from "drizzle-orm";
import { compileAccountRule, forEachAccountRecord } from "./account-fields";
import { AccountError, daysUntil, newId, type Json, type TenantDb, type Tier } from "./accounts";
import { suppressedEmails } from "./email-suppressions";
import { afterCursor, keysetPage } from "./keyset-cursor";
import { requireSegment } from "./segments";
import { accounts, campaignRecipients, campaigns, contacts, newsletters, settings } from "./tenant-schema";

/**
 * Email campaigns and newsletters. Recipients are the targeted accounts' real, active contacts
 * with an email address; subject and body are rendered per recipient from `{{tokens}}` filled
 * with that contact's and account's data. Email delivery (SendGrid through the integrations
 * queue) is not connected yet, so nothing is ever sent: a campaign is stored `not_sent` with the
 * reason, or `scheduled` for the time asked (and still not sent when that time comes).
 */

export const TEMPLATE_TYPES = [
  "onboarding",
  "product_update",
  "feature_announcement",
  "health_check",
  "renewal_reminder",
  "upsell_opportunity",
  "event_invitation",
  "training_invitation",
  "feedback_request",
  "success_story",
  "newsletter",
  "custom",
] as const;
export type TemplateType = (typeof TEMPLATE_TYPES)[number];

export const CONTACT_ROLES = ["executive", "decision_maker", "champion", "user", "billing", "technical"] as const;
export type ContactRole = (typeof CONTACT_ROLES)[number];

export const NOT_CONNECTED_REASON = "email delivery is not connected yet";
/** What a scheduled campaign's or newsletter's status_reason says until its time comes (src/db/scheduled-sends.ts). */
export const SCHEDULED_REASON = "scheduled: sent through SendGrid at that time if SendGrid is connected then";

/** The settings key for the recipient count above which a campaign needs `confirm: true`. */
export const CONFIRM_THRESHOLD_KEY = "communications.confirm_threshold";
export const DEFAULT_CONFIRM_THRESHOLD = 50;
/** A campaign's recipients are stored with their rendered text; this bounds one campaign. */
export const MAX_CAMPAIGN_RECIPIENTS = 5_000;
const PREVIEW_RECIPIENTS = 5;

/** Tokens filled from the account. */
export const ACCOUNT_TOKENS = [
  "client_id",
  "client_name",
  "company_name",
  "industry",
  "tier",
  "csm_name",
  "renewal_date",
  "days_until_renewal",
  "contract_value",
  "health_score",
] as const;
/** Tokens filled from the recipient. */
export const CONTACT_TOKENS = ["contact_name", "first_name", "contact_email", "contact_title", "contact_role"] as const;

const TOKEN = /\{\{\s*([a-zA-Z0-9_]+)\s*\}\}/g;

export type TokenValues = Record<string, string | null>;

/** The tokens a template uses, checked against what is available; an unknown one is an error naming it. */
export function checkTokens(template: string, field: string, available: readonly string[]): string[] {
  const used = new Set<string>();
  for (const match of template.matchAll(TOKEN)) used.add(match[1] as string);
  for (const token of used) {
    if (!available.includes(token)) {
      throw new AccountError(
        "invalid",
        `${field}: unknown personalization token {{${token}}}; use one of ${available.map((t) => `{{${t}}}`).join(", ")}, or pass it in personalization_tokens.`,
      );
    }
  }
  if (template.replace(TOKEN, "").includes("{{")) {
    throw new AccountError("invalid", `${field}: a token is not closed or has characters other than letters, digits and _; write tokens as {{token_name}}.`);
  }
  return [...used];
}

/** Renders a checked template; tokens without a value for this recipient become "" and are reported. */
export function renderTemplate(template: string, values: TokenValues): { text: string; missing: string[] } {
  const missing = new Set<string>();
  const text = template.replace(TOKEN, (_whole, token: string) => {
    const value = values[token];
    if (value === null || value === undefined || value === "") {
      missing.add(token);
      return "";
    }
    return value;
  });
  return { text, missing: [...missing] };
}

export interface AccountTokenSource {
  id: string;
  name: string;
  companyName: string;
  industry: string;
  tier: string;
  csmAssigned: string | null;
  renewalDate: string;
  contractValue: number;
  healthScore: number | null;
}

export function accountTokens(account: AccountTokenSource, now: Date): TokenValues {
  return {
    client_id: account.id,
    client_name: account.name,
    company_name: account.companyName,
    industry: account.industry,
    tier: account.tier,
    csm_name: account.csmAssigned,
    renewal_date: account.renewalDate,
    days_until_renewal: String(daysUntil(account.renewalDate, now)),
    contract_value: String(account.contractValue),
    health_score: account.healthScore === null ? null : String(Math.round(account.healthScore)),
  };
}

export function contactTokens(contact: { name: string; email: string; title: string | null; role: string }): TokenValues {
  return {
    contact_name: contact.name,
    first_name: contact.name.trim().split(/\s+/)[0] ?? contact.name,
    contact_email: contact.email,
    contact_title: contact.title,
    contact_role: contact.role,
  };
}

// --- settings ---

export function readConfirmThreshold(db: TenantDb): number {
  const row = db.select({ value: settings.value }).from(settings).where(eq(settings.key, CONFIRM_THRESHOLD_KEY)).get();
  if (!row) return DEFAULT_CONFIRM_THRESHOLD;
  const value: unknown = JSON.parse(row.value);
  return typeof value === "number" && Number.isInteger(value) && value >= 1 ? value : DEFAULT_CONFIRM_THRESHOLD;
}

export function writeConfirmThreshold(db: TenantDb, value: number, actor: string, now = new Date()): void {
  const at = now.toISOString();
  db.insert(settings)
    .values({ key: CONFIRM_THRESHOLD_KEY, value: JSON.stringify(value), updatedBy: actor, updatedAt: at })
    .onConflictDoUpdate({ target: settings.key, set: { value: JSON.stringify(value), updatedBy: actor, updatedAt: at } })
    .run();
}

// --- targeting ---

export type CampaignTarget =
  | { kind: "client_ids"; client_ids: string[] }
  | { kind: "segment"; segment_id: string; segment_name?: string }
  | { kind: "tier"; tier: Tier }
  | { kind: "workflow"; workflow_id: string; client_id: string };

/** The account ids a target names, in id order; unknown client ids are an error naming them. */
export function targetAccountIds(db: TenantDb, target: CampaignTarget, now: Date): string[] {
  if (target.kind === "client_ids" || target.kind === "workflow") {
    const wanted = target.kind === "workflow" ? [target.client_id] : [...new Set(target.client_ids)];
    const found = new Set<string>();
    for (let i = 0; i < wanted.length; i += 90) {
      for (const row of db.select({ id: accounts.id }).from(accounts).where(inArray(accounts.id, wanted.slice(i, i + 90))).all()) found.add(row.id);
    }
    const unknown = wanted.filter((id) => !found.has(id));
    if (unknown.length > 0) {
      throw new AccountError("not_found", `client_ids: no account with id ${unknown.slice(0, 5).join(", ")} in this workspace; list_clients shows the ids.`);
    }
    return [...found].sort();
  }
  if (target.kind === "tier") {
    return db.select({ id: accounts.id }).from(accounts).where(eq(accounts.tier, target.tier)).orderBy(asc(accounts.id)).all().map((row) => row.id);
  }
  const segment = requireSegment(db, target.segment_id);
  target.segment_name = segment.name;
  const predicate = compileAccountRule(segment.rule, "segment rule", now);
  const ids: string[] = [];
  forEachAccountRecord(db, (record) => {
    if (predicate(record.record)) ids.push(record.id);
  }, {}, now);
  return ids;
}

export interface Recipient {
  contactId: string;
  accountId: string;
  email: string;
  name: string;
  title: string | null;
  role: string;
}

/**
 * Active contacts with an email at these accounts (one per address), optionally only some roles;
 * addresses marked bad (bounced, reported spam, unsubscribed: email_suppressions) are skipped.
 */
export function resolveRecipients(db: TenantDb, accountIds: readonly string[], roles?: readonly ContactRole[]): Recipient[] {
  const out: Recipient[] = [];
  const seen = new Set<string>();
  for (let i = 0; i < accountIds.length; i += 90) {
    const conditions: SQL[] = [inArray(contacts.accountId, accountIds.slice(i, i + 90)), eq(contacts.status, "active"), isNotNull(contacts.email)];
    if (roles && roles.length > 0) conditions.push(inArray(contacts.role, [...roles]));
    const rows = db
      .select({ id: contacts.id, accountId: contacts.accountId, email: contacts.email, name: contacts.name, title: contacts.title, role: contacts.role })
      .from(contacts)
      .where(and(...conditions))
      .orderBy(asc(contacts.accountId), asc(contacts.name), asc(contacts.id))
      .all();
    const suppressed = suppressedEmails(db, rows.map((row) => row.email ?? ""));
    for (const row of rows) {
      const email = (row.email ?? "").trim();
      if (!email || seen.has(email.toLowerCase()) || suppressed.has(email.toLowerCase())) continue;
      seen.add(email.toLowerCase());
      out.push({ contactId: row.id, accountId: row.accountId, email, name: row.name, title: row.title, role: row.role });
    }
  }
  return out;
}

function accountSources(db: TenantDb, ids: readonly string[]): Map<string, AccountTokenSource> {
  const map = new Map<string, AccountTokenSource>();
  for (let i = 0; i < ids.length; i += 90) {
    const rows = db
      .select({
        id: accounts.id,
        name: accounts.name,
        companyName: accounts.companyName,
        industry: accounts.industry,
        tier: accounts.tier,
        csmAssigned: accounts.csmAssigned,
        renewalDate: accounts.renewalDate,
        contractValue: accounts.contractValue,
        healthScore: accounts.healthScore,
      })
      .from(accounts)
      .where(inArray(accounts.id, ids.slice(i, i + 90)))
      .all();
    for (const row of rows) map.set(row.id, row);
  }
  return map;
}

// --- campaigns ---

export interface NewCampaign {
  name: string;
  template_type: TemplateType;
  subject: string;
  body: string;
  sender_email?: string | null;
  target: CampaignTarget;
  contact_roles?: ContactRole[];
  personalization_tokens?: Record<string, string>;
  send_immediately: boolean;
  scheduled_send_time?: string | null;
}

export interface RenderedRecipient {
  contact_id: string;
  client_id: string;
  client_name: string;
  email: string;
  name: string;
  subject: string;
  body: string;
  missing_tokens: string[];
  status: CampaignStatus;
}

export type CampaignStatus = "not_sent" | "scheduled" | "sent" | "cancelled";

export interface Campaign {
  campaign_id: string;
  name: string;
  template_type: string;
  subject: string;
  body: string;
  sender_email: string | null;
  target: { [key: string]: Json };
  status: CampaignStatus;
  status_reason: string | null;
  scheduled_for: string | null;
  recipient_count: number;
  account_count: number;
  source: string;
  created_by: string;
  created_at: string;
}

export interface CampaignPlan {
  /** Null when only previewed. */
  campaign: Campaign | null;
  preview_only: boolean;
  recipient_count: number;
  account_count: number;
  accounts_without_recipients: string[];
  confirm_threshold: number;
  confirm_required: boolean;
  tokens_used: string[];
  preview: RenderedRecipient[];
}

type CampaignRow = typeof campaigns.$inferSelect;

function toCampaign(row: CampaignRow): Campaign {
  return {
    campaign_id: row.id,
    name: row.name,
    template_type: row.templateType,
    subject: row.subject,
    body: row.body,
    sender_email: row.senderEmail,
    target: JSON.parse(row.target) as { [key: string]: Json },
    status: row.status,
    status_reason: row.statusReason,
    scheduled_for: row.scheduledFor,
    recipient_count: row.recipientCount,
    account_count: row.accountCount,
    source: row.source,
    created_by: row.createdBy,
    created_at: row.createdAt,
  };
}

/** Checks subject and body against the tokens available with these custom ones; answers the tokens used. */
export function checkCampaignTemplates(subject: string, body: string, custom: Record<string, string> = {}): string[] {
  const available = [...ACCOUNT_TOKENS, ...CONTACT_TOKENS, ...Object.keys(custom)];
  return [...new Set([...checkTokens(subject, "subject", available), ...checkTokens(body, "body", available)])];
}

/**
 * Resolves a campaign's recipients and renders it for each; unless `previewOnly`, stores it.
 * Above the tenant's confirm threshold a stored campaign needs `confirm`. Must run in a transaction.
 */
export function createCampaign(
  db: TenantDb,
  input: NewCampaign,
  options: { previewOnly: boolean; confirm: boolean; source?: string },
  actor: string,
  now = new Date(),
): CampaignPlan {
  const custom = input.personalization_tokens ?? {};
  for (const key of Object.keys(custom)) {
    if ((ACCOUNT_TOKENS as readonly string[]).includes(key) || (CONTACT_TOKENS as readonly string[]).includes(key)) {
      throw new AccountError("invalid", `personalization_tokens.${key}: {{${key}}} is filled from the recipient's data; pick another name for a custom token.`);
    }
  }
  const tokensUsed = checkCampaignTemplates(input.subject, input.body, custom);
  let scheduledFor: string | null = null;
  if (!input.send_immediately) {
    if (!input.scheduled_send_time) {
      throw new AccountError("invalid", "scheduled_send_time: required unless send_immediately is true; give an ISO date-time in the future.");
    }
    const at = new Date(input.scheduled_send_time);
    if (Number.isNaN(at.getTime()) || at.getTime() <= now.getTime()) {
      throw new AccountError("invalid", "scheduled_send_time: must be an ISO date-time in the future, e.g. 2030-01-31T09:00:00Z.");
    }
    scheduledFor = at.toISOString();
  }
  const accountIds = targetAccountIds(db, input.target, now);
  const recipients = resolveRecipients(db, accountIds, input.contact_roles);
  if (recipients.length > MAX_CAMPAIGN_RECIPIENTS && !options.previewOnly) {
    throw new AccountError("invalid", `target: ${recipients.length} recipients is more than one campaign holds (${MAX_CAMPAIGN_RECIPIENTS}); narrow it with a segment, a tier or contact_roles.`);
  }
  const withRecipients = new Set(recipients.map((r) => r.accountId));
  const sources = accountSources(db, [...withRecipients]);
  const threshold = readConfirmThreshold(db);
  const confirmRequired = recipients.length > threshold;
  const status: CampaignStatus = scheduledFor ? "scheduled" : "not_sent";

  const render = (recipient: Recipient): RenderedRecipient => {
    const account = sources.get(recipient.accountId) as AccountTokenSource;
    const values: TokenValues = { ...custom, ...accountTokens(account, now), ...contactTokens(recipient) };
    const subject = renderTemplate(input.subject, values);
    const body = renderTemplate(input.body, values);
    return {
      contact_id: recipient.contactId,
      client_id: recipient.accountId,
      client_name: account.name,
      email: recipient.email,
      name: recipient.name,
      subject: subject.text,
      body: body.text,
      missing_tokens: [...new Set([...subject.missing, ...body.missing])],
      status,
    };
  };
  const plan: CampaignPlan = {
    campaign: null,
    preview_only: options.previewOnly,
    recipient_count: recipients.length,
    account_count: withRecipients.size,
    accounts_without_recipients: accountIds.filter((id) => !withRecipients.has(id)).slice(0, 100),
    confirm_threshold: threshold,
    confirm_required: confirmRequired,
    tokens_used: tokensUsed,
    preview: recipients.slice(0, PREVIEW_RECIPIENTS).map(render),
  };
  if (options.previewOnly) return plan;
  if (recipients.length === 0) {
    throw new AccountError("invalid", "target: none of the targeted accounts has an active contact with an email address; add contacts or pick other accounts.");
  }
  if (confirmRequired && !options.confirm) {
    throw new AccountError(
      "invalid",
      `confirm: this campaign would email ${recipients.length} recipients, more than this workspace's limit of ${threshold} without confirmation; check the preview (preview_only: true) and pass confirm: true.`,
    );
  }
  const row: CampaignRow = {
    id: newId("cmp"),
    name: input.name,
    templateType: input.template_type,
    subject: input.subject,
    body: input.body,
    senderEmail: input.sender_email ?? null,
    target: JSON.stringify(input.target),
    status,
    statusReason: scheduledFor ? SCHEDULED_REASON : NOT_CONNECTED_REASON,
    scheduledFor,
    recipientCount: recipients.length,
    accountCount: withRecipients.size,
    source: options.source ?? "manual",
    createdBy: actor,
    createdAt: now.toISOString(),
  };
  db.insert(campaigns).values(row).run();
  const rendered = recipients.map(render);
  for (let i = 0; i < rendered.length; i += 10) {
    db.insert(campaignRecipients)
      .values(
        rendered.slice(i, i + 10).map((r) => ({
          campaignId: row.id,
          contactId: r.contact_id,
          accountId: r.client_id,
          email: r.email,
          name: r.name,
          subject: r.subject,
          body: r.body,
          missingTokens: JSON.stringify(r.missing_tokens),
          status,
        })),
      )
      .run();
  }
  plan.campaign = toCampaign(row);
  return plan;
}

export interface CampaignList {
  campaigns: Campaign[];
  next_cursor: string | null;
}

export function listCampaigns(db: TenantDb, options: { status?: CampaignStatus; limit: number; cursor?: string }): CampaignList {
  const conditions: SQL[] = [];
  if (options.status) conditions.push(eq(campaigns.status, options.status));
  if (options.cursor) conditions.push(afterCursor(campaigns.createdAt, campaigns.id, options.cursor) as SQL);
  const rows = db
    .select()
    .from(campaigns)
    .where(conditions.length ? and(...conditions) : undefined)
    .orderBy(desc(campaigns.createdAt), desc(campaigns.id))
    .limit(options.limit + 1)
    .all();
  const { page, next_cursor } = keysetPage(rows, options.limit, (row) => [row.createdAt, row.id]);
  return { campaigns: page.map(toCampaign), next_cursor };
}

export function getCampaign(db: TenantDb, id: string, limit: number): { campaign: Campaign; recipients: RenderedRecipient[]; recipients_shown: number } {
  const row = db.select().from(campaigns).where(eq(campaigns.id, id)).get();
  if (!row) throw new AccountError("not_found", `campaign_id: no campaign "${id}" in this workspace; list_campaigns shows the ids.`);
  const recipients = db
    .select({
      contactId: campaignRecipients.contactId,
      accountId: campaignRecipients.accountId,
      email: campaignRecipients.email,
      name: campaignRecipients.name,
      subject: campaignRecipients.subject,
      body: campaignRecipients.body,
      missingTokens: campaignRecipients.missingTokens,
      status: campaignRecipients.status,
      clientName: accounts.name,
    })
    .from(campaignRecipients)
    .leftJoin(accounts, eq(accounts.id, campaignRecipients.accountId))
    .where(eq(campaignRecipients.campaignId, id))
    .orderBy(asc(campaignRecipients.accountId), asc(campaignRecipients.email))
    .limit(limit)
    .all();
  return {
    campaign: toCampaign(row),
    recipients: recipients.map((r) => ({
      contact_id: r.contactId,
      client_id: r.accountId,
      client_name: r.clientName ?? "",
      email: r.email,
      name: r.name,
      subject: r.subject,
      body: r.body,
      missing_tokens: JSON.parse(r.missingTokens) as string[],
      status: r.status,
    })),
    recipients_shown: recipients.length,
  };
}

// --- newsletters ---

export const NEWSLETTER_SECTION_TYPES = [
  "announcement",
  "feature_highlight",
  "tip",
  "success_story",
  "event",
  "blog_post",
  "resource",
  "update",
  "custom",
] as const;

export interface NewNewsletter {
  name: string;
  subject: string;
  sections: { type: (typeof NEWSLETTER_SECTION_TYPES)[number]; title: string; content: string }[];
  target_tiers?: Tier[];
  exclude_client_ids?: string[];
  scheduled_send?: string | null;
  recurrence?: "weekly" | "monthly" | "quarterly" | null;
}

export interface Newsletter {
  newsletter_id: string;
  name: string;
  subject: string;
  sections: NewNewsletter["sections"];
  target_tiers: Tier[] | null;
  exclude_client_ids: string[];
  recipient_count: number;
  account_count: number;
  status: CampaignStatus;
  status_reason: string | null;
  scheduled_for: string | null;
  recurrence: string | null;
  created_by: string;
  created_at: string;
}

export function createNewsletter(db: TenantDb, input: NewNewsletter, actor: string, now = new Date()): Newsletter {
  let scheduledFor: string | null = null;
  if (input.scheduled_send) {
    const at = new Date(input.scheduled_send);
    if (Number.isNaN(at.getTime()) || at.getTime() <= now.getTime()) {
      throw new AccountError("invalid", "scheduled_send: must be an ISO date-time in the future, e.g. 2030-01-31T09:00:00Z.");
    }
    scheduledFor = at.toISOString();
  }
  const excluded = new Set(input.exclude_client_ids ?? []);
  const tiers = input.target_tiers && input.target_tiers.length > 0 ? input.target_tiers : null;
  const ids = db
    .select({ id: accounts.id })
    .from(accounts)
    .where(and(tiers ? inArray(accounts.tier, tiers) : undefined, sql`${accounts.status} <> 'churned'`))
    .orderBy(asc(accounts.id))
    .all()
    .map((row) => row.id)
    .filter((id) => !excluded.has(id));
  const recipients = resolveRecipients(db, ids);
  const row: typeof newsletters.$inferInsert = {
    id: newId("nl"),
    name: input.name,
    subject: input.subject,
    sections: JSON.stringify(input.sections),
    audience: JSON.stringify({ tiers, exclude_client_ids: [...excluded] }),
    recipientCount: recipients.length,
    accountCount: new Set(recipients.map((r) => r.accountId)).size,
    status: scheduledFor ? "scheduled" : "not_sent",
    statusReason: scheduledFor ? SCHEDULED_REASON : NOT_CONNECTED_REASON,
    scheduledFor,
    recurrence: input.recurrence ?? null,
    createdBy: actor,
    createdAt: now.toISOString(),
  };
  db.insert(newsletters).values(row).run();
  return {
    newsletter_id: row.id,
    name: row.name,
    subject: row.subject,
    sections: input.sections,
    target_tiers: tiers,
    exclude_client_ids: [...excluded],
    recipient_count: row.recipientCount,
    account_count: row.accountCount,
    status: row.status,
    status_reason: row.statusReason ?? null,
    scheduled_for: scheduledFor,
    recurrence: row.recurrence ?? null,
    created_by: actor,
    created_at: row.createdAt,
  };
}
