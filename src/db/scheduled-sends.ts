import { and, eq, sql } from "drizzle-orm";
import type { TenantDb } from "./accounts";
import { SCHEDULED_REASON } from "./communications";
import { storedConnection } from "./integrations";
import { campaignRecipients, campaigns, newsletters } from "./tenant-schema";

/**
 * Campaigns and newsletters scheduled for later. The Tenant object's alarm wakes at the
 * earliest one (durable-objects/tenant.ts `armAlarm`); at that time each due send is handed to
 * SendGrid through the same path as send_campaign / send_newsletter, or, when SendGrid is not
 * connected then, recorded as not sent with the reason. Nothing is ever marked sent here.
 */

export type ScheduledKind = "campaign" | "newsletter";

export interface DueSend {
  kind: ScheduledKind;
  id: string;
}

/** Every campaign and newsletter waiting for its time, as (kind, id, scheduled_for). */
const SCHEDULED = sql`SELECT 'campaign' AS kind, id, scheduled_for FROM campaigns WHERE status = 'scheduled'
  UNION ALL SELECT 'newsletter' AS kind, id, scheduled_for FROM newsletters WHERE status = 'scheduled'`;

/** When the earliest scheduled send is due (ms since the epoch), or null when none is scheduled. */
export function nextScheduledSendAt(db: TenantDb): number | null {
  const at = db.get<{ at: string | null }>(sql`SELECT min(scheduled_for) AS at FROM (${SCHEDULED})`)?.at ?? null;
  return at === null ? null : Date.parse(at);
}

/** The scheduled sends due at `now`, oldest first. */
export function dueScheduledSends(db: TenantDb, now: Date): DueSend[] {
  return db.all<DueSend>(sql`SELECT kind, id FROM (${SCHEDULED}) WHERE scheduled_for <= ${now.toISOString()} ORDER BY scheduled_for, kind, id`);
}

export function sendgridConnected(db: TenantDb): boolean {
  return storedConnection(db, "sendgrid") !== null;
}

/**
 * A due send that could not go out: it becomes not_sent with the reason, so it is not retried
 * on every wake and send_campaign / send_newsletter can still send it by hand.
 */
export function markScheduledSendMissed(db: TenantDb, send: DueSend, reason: string): void {
  const table = send.kind === "campaign" ? campaigns : newsletters;
  db.update(table)
    .set({ status: "not_sent", statusReason: reason })
    .where(and(eq(table.id, send.id), eq(table.status, "scheduled")))
    .run();
  if (send.kind === "campaign") {
    db.update(campaignRecipients).set({ status: "not_sent" }).where(and(eq(campaignRecipients.campaignId, send.id), eq(campaignRecipients.status, "scheduled"))).run();
  }
}

/**
 * A campaign a workflow just recorded goes out at the object's next wake (within moments)
 * when SendGrid is connected: it is scheduled for `now`. Without SendGrid it stays not_sent.
 */
export function scheduleCampaignNow(db: TenantDb, campaignId: string, now: Date): boolean {
  if (!sendgridConnected(db)) return false;
  db.update(campaigns).set({ status: "scheduled", scheduledFor: now.toISOString(), statusReason: SCHEDULED_REASON }).where(eq(campaigns.id, campaignId)).run();
  db.update(campaignRecipients).set({ status: "scheduled" }).where(eq(campaignRecipients.campaignId, campaignId)).run();
  return true;
}
