import { and, asc, desc, eq, inArray, isNull, lt, or, sql } from "drizzle-orm";
import type { ProviderName } from "../integrations/provider";
import { AccountError, newId, type Json, type TenantDb } from "./accounts";
import { insertRows } from "./insert-rows";
import { integrationDeliveries, integrationJobs, integrations, webhookReceipts } from "./tenant-schema";

/**
 * Persistence for integrations: the tenant's provider connections (secrets stay sealed here;
 * they are opened in the Worker), outbound jobs and their deliveries (one per queue message,
 * keyed by idempotency key), and receipts of webhook events already applied.
 */

export interface StoredConnection {
  provider: ProviderName;
  settings: { [field: string]: Json };
  sealedSecrets: string;
  secretHints: { [field: string]: string };
}

export interface ConnectionSummary {
  provider: ProviderName;
  settings: { [field: string]: Json };
  secret_hints: { [field: string]: string };
  connected_at: string;
  updated_at: string;
  updated_by: string;
  last_test: { at: string; ok: boolean; message: string } | null;
}

type ConnectionRow = typeof integrations.$inferSelect;

function parseObject(text: string): { [key: string]: Json } {
  const parsed: unknown = JSON.parse(text);
  return parsed && typeof parsed === "object" && !Array.isArray(parsed) ? (parsed as { [key: string]: Json }) : {};
}

function summarize(row: ConnectionRow): ConnectionSummary {
  return {
    provider: row.provider,
    settings: parseObject(row.settings),
    secret_hints: parseObject(row.secretHints) as { [field: string]: string },
    connected_at: row.connectedAt,
    updated_at: row.updatedAt,
    updated_by: row.updatedBy,
    last_test: row.lastTestAt ? { at: row.lastTestAt, ok: row.lastTestOk === true, message: row.lastTestMessage ?? "" } : null,
  };
}

export function connectionSummaries(db: TenantDb): ConnectionSummary[] {
  return db.select().from(integrations).orderBy(asc(integrations.provider)).all().map(summarize);
}

export function storedConnection(db: TenantDb, provider: ProviderName): StoredConnection | null {
  const row = db.select().from(integrations).where(eq(integrations.provider, provider)).get();
  if (!row) return null;
  return { provider, settings: parseObject(row.settings), sealedSecrets: row.sealedSecrets, secretHints: parseObject(row.secretHints) as { [field: string]: string } };
}

export function saveConnection(db: TenantDb, connection: StoredConnection, userId: string, now: Date): ConnectionSummary {
  const at = now.toISOString();
  const values = {
    provider: connection.provider,
    settings: JSON.stringify(connection.settings),
    sealedSecrets: connection.sealedSecrets,
    secretHints: JSON.stringify(connection.secretHints),
    connectedAt: at,
    updatedAt: at,
    updatedBy: userId,
    // A changed connection has not been tested yet.
    lastTestAt: null,
    lastTestOk: null,
    lastTestMessage: null,
  };
  const { connectedAt: _keep, ...changes } = values;
  db.insert(integrations).values(values).onConflictDoUpdate({ target: integrations.provider, set: changes }).run();
  const row = db.select().from(integrations).where(eq(integrations.provider, connection.provider)).get();
  if (!row) throw new Error("connection vanished after save");
  return summarize(row);
}

export function recordConnectionTest(db: TenantDb, provider: ProviderName, result: { ok: boolean; message: string }, now: Date): ConnectionSummary {
  db.update(integrations)
    .set({ lastTestAt: now.toISOString(), lastTestOk: result.ok, lastTestMessage: result.message.slice(0, 500) })
    .where(eq(integrations.provider, provider))
    .run();
  const row = db.select().from(integrations).where(eq(integrations.provider, provider)).get();
  if (!row) throw new AccountError("not_found", `${provider} is not connected; connect it first with connect_integration.`);
  return summarize(row);
}

export function removeConnection(db: TenantDb, provider: ProviderName): boolean {
  return db.delete(integrations).where(eq(integrations.provider, provider)).returning({ provider: integrations.provider }).all().length > 0;
}

/** Every connection's sealed secrets, for a key rotation. */
export function sealedSecretsByProvider(db: TenantDb): { provider: ProviderName; sealedSecrets: string }[] {
  return db.select({ provider: integrations.provider, sealedSecrets: integrations.sealedSecrets }).from(integrations).all();
}

export function replaceSealedSecrets(db: TenantDb, provider: ProviderName, sealedSecrets: string): void {
  db.update(integrations).set({ sealedSecrets }).where(eq(integrations.provider, provider)).run();
}

// --- jobs and deliveries ---

export const DELIVERY_STATUSES = ["queued", "sending", "retrying", "sent", "failed", "dead"] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

export interface NewJob {
  provider: ProviderName;
  operation: string;
  description: string;
  deliveries: { payload: Json; items: number }[];
}

export interface DeliveryFailure {
  key: string;
  sequence: number;
  status: "failed" | "dead" | "retrying";
  attempts: number;
  items: number;
  error: string;
  updated_at: string;
}

export interface JobStatus {
  id: string;
  provider: string;
  operation: string;
  description: string;
  /** queued: nothing tried yet; in_progress; sent; failed; partially_failed. */
  status: "queued" | "in_progress" | "sent" | "failed" | "partially_failed";
  created_by: string;
  created_at: string;
  updated_at: string;
  deliveries: { [status in DeliveryStatus]: number } & { total: number };
  items: { total: number; queued: number; sent: number; failed: number };
  failures: DeliveryFailure[];
}

/** Largest payload kept per delivery: a provider request (≤ 1,000 recipients) fits well under it. */
const PAYLOAD_LIMIT_BYTES = 1_500_000;

export function createJob(db: TenantDb, input: NewJob, userId: string, now: Date): { jobId: string; keys: string[] } {
  if (input.deliveries.length === 0) throw new AccountError("invalid", "The job has nothing to send: deliveries is empty.");
  const jobId = newId("job");
  const at = now.toISOString();
  db.insert(integrationJobs)
    .values({
      id: jobId,
      provider: input.provider,
      operation: input.operation,
      description: input.description.slice(0, 300),
      itemsTotal: input.deliveries.reduce((sum, delivery) => sum + delivery.items, 0),
      createdBy: userId,
      createdAt: at,
      updatedAt: at,
    })
    .run();
  const keys: string[] = [];
  input.deliveries.forEach((delivery, index) => {
    const payload = JSON.stringify(delivery.payload);
    if (payload.length > PAYLOAD_LIMIT_BYTES) {
      throw new AccountError("invalid", `Delivery ${index + 1} is ${payload.length} bytes; split it into smaller deliveries (at most ${PAYLOAD_LIMIT_BYTES}).`);
    }
    const key = `${jobId}:${index + 1}`;
    keys.push(key);
    db.insert(integrationDeliveries)
      .values({ idempotencyKey: key, jobId, sequence: index + 1, payload, items: delivery.items, status: "queued", attempts: 0, updatedAt: at })
      .run();
  });
  return { jobId, keys };
}

export function markEnqueued(db: TenantDb, keys: readonly string[], now: Date): void {
  for (let i = 0; i < keys.length; i += 90) {
    db.update(integrationDeliveries)
      .set({ enqueuedAt: now.toISOString() })
      .where(inArray(integrationDeliveries.idempotencyKey, keys.slice(i, i + 90)))
      .run();
  }
}

/** Deliveries written but never handed to the queue (the enqueue failed), older than a minute. */
export function unenqueuedKeys(db: TenantDb, now: Date, limit: number): string[] {
  const cutoff = new Date(now.getTime() - 60_000).toISOString();
  return db
    .select({ key: integrationDeliveries.idempotencyKey })
    .from(integrationDeliveries)
    .where(and(isNull(integrationDeliveries.enqueuedAt), eq(integrationDeliveries.status, "queued"), lt(integrationDeliveries.updatedAt, cutoff)))
    .limit(limit)
    .all()
    .map((row) => row.key);
}

export type DeliveryClaim =
  | { state: "send"; jobId: string; provider: ProviderName; operation: string; payload: Json; attempt: number; connection: StoredConnection | null }
  | { state: "done"; status: DeliveryStatus };

/**
 * The consumer asks before every provider call. A delivery that was sent or refused for good
 * is done: a redelivered queue message must not call the provider again. A delivery to send
 * comes with the provider's stored (still sealed) connection, saving the consumer a second call.
 */
export function claimDelivery(db: TenantDb, key: string, now: Date): DeliveryClaim | null {
  const row = db
    .select({ delivery: integrationDeliveries, provider: integrationJobs.provider, operation: integrationJobs.operation })
    .from(integrationDeliveries)
    .innerJoin(integrationJobs, eq(integrationJobs.id, integrationDeliveries.jobId))
    .where(eq(integrationDeliveries.idempotencyKey, key))
    .get();
  if (!row) return null;
  const { delivery } = row;
  if (delivery.status === "sent" || delivery.status === "failed") return { state: "done", status: delivery.status };
  const attempt = delivery.attempts + 1;
  db.update(integrationDeliveries).set({ status: "sending", attempts: attempt, updatedAt: now.toISOString() }).where(eq(integrationDeliveries.idempotencyKey, key)).run();
  const provider = row.provider as ProviderName;
  return { state: "send", jobId: delivery.jobId, provider, operation: row.operation, payload: JSON.parse(delivery.payload) as Json, attempt, connection: storedConnection(db, provider) };
}

export type DeliveryOutcome =
  | { status: "sent"; providerRef: string | null; detail: { [key: string]: Json } }
  | { status: "retrying" | "failed" | "dead"; error: string };

export function finishDelivery(db: TenantDb, key: string, outcome: DeliveryOutcome, now: Date): void {
  const at = now.toISOString();
  const changes =
    outcome.status === "sent"
      ? { status: outcome.status, providerRef: outcome.providerRef, detail: JSON.stringify(outcome.detail), lastError: null, updatedAt: at }
      : { status: outcome.status, lastError: outcome.error.slice(0, 500), updatedAt: at };
  const updated = db.update(integrationDeliveries).set(changes).where(eq(integrationDeliveries.idempotencyKey, key)).returning({ jobId: integrationDeliveries.jobId }).all();
  const jobId = updated[0]?.jobId;
  if (jobId) db.update(integrationJobs).set({ updatedAt: at }).where(eq(integrationJobs.id, jobId)).run();
}

/** Retries ran out (the message is in the dead-letter queue); a delivery already sent stays sent. */
export function markDead(db: TenantDb, key: string, now: Date): void {
  db.update(integrationDeliveries)
    .set({ status: "dead", updatedAt: now.toISOString() })
    .where(and(eq(integrationDeliveries.idempotencyKey, key), inArray(integrationDeliveries.status, ["queued", "sending", "retrying"])))
    .run();
}

/** Dead-lettered or refused deliveries set back to queued, for a retry; answers their keys. */
export function requeueDeliveries(db: TenantDb, filter: { jobId?: string; keys?: string[] }, now: Date): string[] {
  const conditions = [or(eq(integrationDeliveries.status, "dead"), eq(integrationDeliveries.status, "failed"))];
  if (filter.jobId) conditions.push(eq(integrationDeliveries.jobId, filter.jobId));
  if (filter.keys) conditions.push(inArray(integrationDeliveries.idempotencyKey, filter.keys.slice(0, 90)));
  return db
    .update(integrationDeliveries)
    .set({ status: "queued", enqueuedAt: null, updatedAt: now.toISOString() })
    .where(and(...conditions))
    .returning({ key: integrationDeliveries.idempotencyKey })
    .all()
    .map((row) => row.key);
}

const EMPTY_COUNTS = (): { [status in DeliveryStatus]: number } => ({ queued: 0, sending: 0, retrying: 0, sent: 0, failed: 0, dead: 0 });

function jobStatusOf(row: typeof integrationJobs.$inferSelect, counts: { status: DeliveryStatus; deliveries: number; items: number }[], failures: DeliveryFailure[]): JobStatus {
  const deliveries = EMPTY_COUNTS();
  const items = { total: row.itemsTotal, queued: 0, sent: 0, failed: 0 };
  for (const count of counts) {
    deliveries[count.status] += count.deliveries;
    if (count.status === "sent") items.sent += count.items;
    else if (count.status === "failed" || count.status === "dead") items.failed += count.items;
    else items.queued += count.items;
  }
  const total = Object.values(deliveries).reduce((sum, value) => sum + value, 0);
  const pending = deliveries.queued + deliveries.sending + deliveries.retrying;
  const attempted = total - deliveries.queued;
  const broken = deliveries.failed + deliveries.dead;
  const status: JobStatus["status"] =
    pending > 0 ? (attempted === 0 ? "queued" : "in_progress") : broken === 0 ? "sent" : deliveries.sent === 0 ? "failed" : "partially_failed";
  return {
    id: row.id,
    provider: row.provider,
    operation: row.operation,
    description: row.description,
    status,
    created_by: row.createdBy,
    created_at: row.createdAt,
    updated_at: row.updatedAt,
    deliveries: { ...deliveries, total },
    items,
    failures,
  };
}

export function jobStatus(db: TenantDb, jobId: string, failureLimit = 20): JobStatus | null {
  const row = db.select().from(integrationJobs).where(eq(integrationJobs.id, jobId)).get();
  if (!row) return null;
  const counts = db
    .select({ status: integrationDeliveries.status, deliveries: sql<number>`count(*)`, items: sql<number>`sum(${integrationDeliveries.items})` })
    .from(integrationDeliveries)
    .where(eq(integrationDeliveries.jobId, jobId))
    .groupBy(integrationDeliveries.status)
    .all();
  const failures = db
    .select()
    .from(integrationDeliveries)
    .where(and(eq(integrationDeliveries.jobId, jobId), inArray(integrationDeliveries.status, ["failed", "dead", "retrying"])))
    .orderBy(asc(integrationDeliveries.sequence))
    .limit(failureLimit)
    .all()
    .map((delivery) => ({
      key: delivery.idempotencyKey,
      sequence: delivery.sequence,
      status: delivery.status as DeliveryFailure["status"],
      attempts: delivery.attempts,
      items: delivery.items,
      error: delivery.lastError ?? "",
      updated_at: delivery.updatedAt,
    }));
  return jobStatusOf(row, counts, failures);
}

export function listJobs(db: TenantDb, options: { limit: number; provider?: ProviderName }): JobStatus[] {
  const rows = db
    .select({ id: integrationJobs.id })
    .from(integrationJobs)
    .where(options.provider ? eq(integrationJobs.provider, options.provider) : undefined)
    .orderBy(desc(integrationJobs.createdAt), desc(integrationJobs.id))
    .limit(options.limit)
    .all();
  return rows.flatMap((row) => {
    const status = jobStatus(db, row.id, 5);
    return status ? [status] : [];
  });
}

// --- webhook receipts ---

/**
 * Of these event ids, the ones whose receipt is already stored (redeliveries). One statement per
 * batch: the ids travel as one JSON parameter expanded by json_each, so the runtime's cap of 100
 * bound parameters does not apply.
 */
export function receivedEventIds(db: TenantDb, provider: ProviderName, eventIds: readonly string[]): Set<string> {
  if (eventIds.length === 0) return new Set();
  const rows = db
    .select({ eventId: webhookReceipts.eventId })
    .from(webhookReceipts)
    .where(and(eq(webhookReceipts.provider, provider), sql`${webhookReceipts.eventId} IN (SELECT value FROM json_each(${JSON.stringify(eventIds)}))`))
    .all();
  return new Set(rows.map((row) => row.eventId));
}

export interface Receipt {
  eventId: string;
  eventType: string;
  /** What applying it did, in words. */
  effect: string;
}

/** Stores the receipts of a batch of applied events, with their effects, in one statement. */
export function recordReceipts(db: TenantDb, provider: ProviderName, receipts: readonly Receipt[], now: Date): void {
  const receivedAt = now.toISOString();
  insertRows(
    db,
    webhookReceipts,
    receipts.map((receipt) => ({ provider, eventId: receipt.eventId, eventType: receipt.eventType.slice(0, 100), effect: receipt.effect.slice(0, 300), receivedAt })),
  );
}

export function recentReceipts(db: TenantDb, provider: ProviderName, limit: number) {
  return db
    .select()
    .from(webhookReceipts)
    .where(eq(webhookReceipts.provider, provider))
    .orderBy(desc(webhookReceipts.receivedAt))
    .limit(limit)
    .all()
    .map((row) => ({ id: row.eventId, type: row.eventType, effect: row.effect, received_at: row.receivedAt }));
}

/** Webhook events applied per provider (within the receipt window), and the latest. */
export function receiptStats(db: TenantDb): { provider: string; events: number; last_received_at: string | null }[] {
  return db
    .select({ provider: webhookReceipts.provider, events: sql<number>`count(*)`, last_received_at: sql<string | null>`max(${webhookReceipts.receivedAt})` })
    .from(webhookReceipts)
    .groupBy(webhookReceipts.provider)
    .all();
}

/** Receipts older than the dedupe window are dropped by the daily maintenance. */
export function purgeReceipts(db: TenantDb, olderThan: Date): number {
  return db.delete(webhookReceipts).where(lt(webhookReceipts.receivedAt, olderThan.toISOString())).returning({ id: webhookReceipts.eventId }).all().length;
}
