import { and, desc, eq, gte, lte, sql, type SQL } from "drizzle-orm";
import { afterCursor, keysetPage } from "./keyset-cursor";
import { AccountError, newId, requireAccount, type Json, type TenantDb } from "./accounts";
import { toReview, type BusinessReview } from "./advocacy";
import type { Campaign, CampaignStatus, Newsletter, NewNewsletter } from "./communications";
import { INSIGHT_STATUSES, insightSupport, type ProductInsight } from "./feedback-intel";
import { patchChanges } from "./patch";
import { accounts, businessReviews, campaignRecipients, campaigns, emailSends, newsletters, productInsightFeedback, productInsights } from "./tenant-schema";

/**
 * The small verbs issue 6 still missed: change a product insight (status, priority, title,
 * more supporting feedback), list business reviews and newsletters, and cancel a scheduled
 * campaign before it is sent.
 */

export const INSIGHT_PRIORITIES = ["low", "medium", "high", "critical"] as const;
export type InsightPriority = (typeof INSIGHT_PRIORITIES)[number];

// ---- product insights ----------------------------------------------------------------------

export interface InsightChanges {
  title?: string;
  description?: string;
  status?: (typeof INSIGHT_STATUSES)[number];
  priority?: InsightPriority;
  add_feedback_ids?: string[];
}

function readInsight(db: TenantDb, id: string): ProductInsight {
  const row = db.select().from(productInsights).where(eq(productInsights.id, id)).get();
  if (!row) throw new AccountError("not_found", `insight_id: no product insight "${id}" in this workspace; list_product_insights shows the ids.`);
  return {
    insight_id: row.id,
    title: row.title,
    description: row.description,
    category: row.category,
    status: row.status,
    priority: row.priority,
    theme: row.theme,
    created_by: row.createdBy,
    created_at: row.createdAt,
    ...insightSupport(db, row.id),
  };
}

export function updateInsight(db: TenantDb, id: string, changes: InsightChanges, now = new Date()): { insight: ProductInsight; changed: string[]; linked_feedback_ids: string[]; already_linked: string[] } {
  const before = readInsight(db, id);
  // The insight as read has the table's own names for these four columns.
  const { patch, changed } = patchChanges(before, changes, { title: "title", description: "description", status: "status", priority: "priority" });
  const wanted = [...new Set(changes.add_feedback_ids ?? [])];
  const linked: string[] = [];
  const already: string[] = [];
  if (wanted.length > 0) {
    const found = new Set(db.all<{ id: string }>(sql`SELECT id FROM feedback WHERE id IN (SELECT value FROM json_each(${JSON.stringify(wanted)}))`).map((r) => r.id));
    const missing = wanted.findIndex((f) => !found.has(f));
    if (missing >= 0) throw new AccountError("not_found", `add_feedback_ids[${missing}]: no feedback ${wanted[missing]} in this workspace; list_feedback shows the ids.`);
    const have = new Set(before.feedback_ids);
    for (const feedbackId of wanted) {
      if (have.has(feedbackId)) {
        already.push(feedbackId);
        continue;
      }
      db.insert(productInsightFeedback).values({ id: newId("ifb"), insightId: id, feedbackId }).run();
      linked.push(feedbackId);
    }
    if (linked.length > 0) changed.push("feedback_ids");
  }
  if (changed.length > 0) db.update(productInsights).set({ ...patch, updatedAt: now.toISOString() }).where(eq(productInsights.id, id)).run();
  return { insight: readInsight(db, id), changed, linked_feedback_ids: linked, already_linked: already };
}

// ---- business reviews ----------------------------------------------------------------------

export interface ReviewQuery {
  client_id?: string;
  status?: "scheduled" | "completed";
  from?: string;
  to?: string;
  limit: number;
  cursor?: string;
}

/** Reviews newest scheduled first, filtered by account, status and the day they are scheduled for (from/to inclusive). */
export function listReviews(db: TenantDb, query: ReviewQuery, now = new Date()): { reviews: (BusinessReview & { client_name: string })[]; next_cursor: string | null } {
  if (query.client_id) requireAccount(db, query.client_id, now);
  if (query.from && query.to && query.from > query.to) throw new AccountError("invalid", `from (${query.from}) is after to (${query.to}); swap them.`);
  const conditions: SQL[] = [];
  if (query.client_id) conditions.push(eq(businessReviews.accountId, query.client_id));
  if (query.status) conditions.push(eq(businessReviews.status, query.status));
  if (query.from) conditions.push(gte(businessReviews.scheduledFor, query.from));
  if (query.to) conditions.push(lte(sql`substr(${businessReviews.scheduledFor}, 1, 10)`, query.to));
  if (query.cursor) {
    conditions.push(afterCursor(businessReviews.scheduledFor, businessReviews.id, query.cursor) as SQL);
  }
  const rows = db
    .select({ review: businessReviews, name: accounts.name })
    .from(businessReviews)
    .innerJoin(accounts, eq(accounts.id, businessReviews.accountId))
    .where(conditions.length ? and(...conditions) : undefined)
    .orderBy(desc(businessReviews.scheduledFor), desc(businessReviews.id))
    .limit(query.limit + 1)
    .all();
  const { page, next_cursor } = keysetPage(rows, query.limit, ({ review }) => [review.scheduledFor, review.id]);
  return { reviews: page.map((r) => ({ ...toReview(r.review), client_name: r.name })), next_cursor };
}

// ---- newsletters ---------------------------------------------------------------------------

type NewsletterRow = typeof newsletters.$inferSelect;

function toNewsletter(row: NewsletterRow): Newsletter {
  const audience = JSON.parse(row.audience) as { tiers: Newsletter["target_tiers"]; exclude_client_ids: string[] };
  return {
    newsletter_id: row.id,
    name: row.name,
    subject: row.subject,
    sections: JSON.parse(row.sections) as NewNewsletter["sections"],
    target_tiers: audience.tiers,
    exclude_client_ids: audience.exclude_client_ids,
    recipient_count: row.recipientCount,
    account_count: row.accountCount,
    status: row.status,
    status_reason: row.statusReason,
    scheduled_for: row.scheduledFor,
    recurrence: row.recurrence,
    created_by: row.createdBy,
    created_at: row.createdAt,
  };
}

/** Newsletters newest first; `sent` means handed to SendGrid (send_newsletter). */
export function listNewsletters(db: TenantDb, query: { status?: CampaignStatus; limit: number; cursor?: string }): { newsletters: (Newsletter & { sendgrid_job_id: string | null })[]; next_cursor: string | null } {
  const conditions: SQL[] = [];
  if (query.cursor) {
    conditions.push(afterCursor(newsletters.createdAt, newsletters.id, query.cursor) as SQL);
  }
  // A newsletter handed to SendGrid keeps its stored status; the send record says it was sent.
  const sentJob = sql<string | null>`(SELECT ${emailSends.jobId} FROM ${emailSends} WHERE ${emailSends.sourceKind} = 'newsletter' AND ${emailSends.sourceId} = ${newsletters.id} LIMIT 1)`;
  if (query.status === "sent") conditions.push(sql`(${newsletters.status} = 'sent' OR ${sentJob} IS NOT NULL)`);
  else if (query.status) conditions.push(and(eq(newsletters.status, query.status), sql`${sentJob} IS NULL`) as SQL);
  const rows = db
    .select({ row: newsletters, job: sentJob })
    .from(newsletters)
    .where(conditions.length ? and(...conditions) : undefined)
    .orderBy(desc(newsletters.createdAt), desc(newsletters.id))
    .limit(query.limit + 1)
    .all();
  const { page, next_cursor } = keysetPage(rows, query.limit, ({ row }) => [row.createdAt, row.id]);
  return {
    newsletters: page.map(({ row, job }) => {
      const item = toNewsletter(row);
      return { ...item, status: job !== null ? "sent" : item.status, sendgrid_job_id: job };
    }),
    next_cursor,
  };
}

// ---- campaigns -----------------------------------------------------------------------------

/**
 * Cancels a scheduled campaign that was not sent: it and its recipients become cancelled, with
 * the reason; send_campaign then refuses it. A campaign already sent, handed to SendGrid,
 * cancelled, or never scheduled is refused with its current state.
 */
export function cancelCampaign(db: TenantDb, id: string, reason: string, actor: string, now = new Date()): { campaign: Campaign; previous_status: CampaignStatus; recipients_cancelled: number } {
  const row = db.select().from(campaigns).where(eq(campaigns.id, id)).get();
  if (!row) throw new AccountError("not_found", `campaign_id: no campaign "${id}" in this workspace; list_campaigns shows the ids.`);
  const sent = db.select({ jobId: emailSends.jobId }).from(emailSends).where(and(eq(emailSends.sourceKind, "campaign"), eq(emailSends.sourceId, id))).get();
  if (sent) throw new AccountError("conflict", `campaign_id: campaign "${id}" was already handed to SendGrid as job ${sent.jobId}; it cannot be cancelled (get_integration_job shows its progress).`);
  if (row.status === "cancelled") throw new AccountError("conflict", `campaign_id: campaign "${id}" is already cancelled (${row.statusReason ?? "no reason recorded"}); nothing was changed.`);
  if (row.status === "sent") throw new AccountError("conflict", `campaign_id: campaign "${id}" is sent; it cannot be cancelled.`);
  if (row.status !== "scheduled") {
    throw new AccountError("conflict", `campaign_id: campaign "${id}" is ${row.status} (recorded for immediate sending, not scheduled); only a scheduled campaign can be cancelled.`);
  }
  const statusReason = `cancelled by ${actor} on ${now.toISOString().slice(0, 10)}: ${reason}`;
  db.update(campaigns).set({ status: "cancelled", statusReason }).where(eq(campaigns.id, id)).run();
  const recipients = db.update(campaignRecipients).set({ status: "cancelled" }).where(eq(campaignRecipients.campaignId, id)).returning({ id: campaignRecipients.contactId }).all().length;
  const after = db.select().from(campaigns).where(eq(campaigns.id, id)).get() as typeof row;
  return {
    campaign: {
      campaign_id: after.id,
      name: after.name,
      template_type: after.templateType,
      subject: after.subject,
      body: after.body,
      sender_email: after.senderEmail,
      target: JSON.parse(after.target) as { [key: string]: Json },
      status: after.status,
      status_reason: after.statusReason,
      scheduled_for: after.scheduledFor,
      recipient_count: after.recipientCount,
      account_count: after.accountCount,
      source: after.source,
      created_by: after.createdBy,
      created_at: after.createdAt,
    },
    previous_status: row.status,
    recipients_cancelled: recipients,
  };
}
