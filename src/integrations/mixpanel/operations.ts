import { jsonValue } from "../../db/json-value";
import { z } from "zod";
import type { Json } from "../../db/accounts";
import { encodeHex } from "../../http/hex";
import { ProviderError } from "../http";
import type { ConnectionFields, OperationContext, OperationResult } from "../provider";
import { IMPORT_MAX_BYTES, IMPORT_MAX_EVENTS, MixpanelClient, withBackoff, type MixpanelEvent, type QueryBudget } from "./client";
import { mixpanelConnection, mixpanelOrigins } from "./connection";

/**
 * Mixpanel's queue operations: import_events (a batch of ≤ 2,000 events / 2 MB, each with a
 * stable $insert_id, so a redelivered batch is deduplicated by Mixpanel) and engage (profile
 * $set / $add). Payloads are validated here, at send time, with messages naming the field.
 * Also the helpers a tool uses when it creates an export job: our usage events → Mixpanel
 * events, and the split into deliveries.
 */


/** Mixpanel's own rule for $insert_id: at most 36 letters, digits and hyphens. */
const INSERT_ID = /^[A-Za-z0-9-]{1,36}$/;

const mixpanelEventSchema = z.object({
  event: z.string().min(1, { error: "event is required: the event name" }).max(255),
  properties: z
    .object({
      time: z.number({ error: "properties.time is required: milliseconds since 1970" }).int().positive(),
      distinct_id: z.string({ error: "properties.distinct_id is required" }).min(1).max(255),
      $insert_id: z.string({ error: "properties.$insert_id is required so a retried import is deduplicated" }).regex(INSERT_ID, {
        error: "properties.$insert_id must be 1–36 letters, digits or hyphens",
      }),
    })
    .catchall(jsonValue),
});

export const importEventsPayload = z.object({
  events: z.array(mixpanelEventSchema).min(1, { error: "events must hold at least one event" }).max(IMPORT_MAX_EVENTS, { error: `events holds at most ${IMPORT_MAX_EVENTS} per delivery; split the job` }),
});

export const engagePayload = z.object({
  updates: z
    .array(
      z.object({
        distinct_id: z.string().min(1, { error: "updates[].distinct_id is required" }),
        set: z.record(z.string(), jsonValue).optional(),
        add: z.record(z.string(), z.number()).optional(),
      }),
    )
    .min(1, { error: "updates must hold at least one profile update" })
    .max(IMPORT_MAX_EVENTS),
});

function parsePayload<T>(schema: z.ZodType<T>, payload: Json, operation: string): T {
  const result = schema.safeParse(payload);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const where = issue?.path.length ? issue.path.join(".") : "payload";
  throw new ProviderError(`${operation} payload is invalid at ${where}: ${issue?.message ?? "unexpected shape"}`, 0, false);
}

/** A client for an opened connection. */
export function mixpanelClient(connection: ConnectionFields, budget?: QueryBudget): MixpanelClient {
  const fields = mixpanelConnection(connection);
  const origins = mixpanelOrigins(fields.region);
  return new MixpanelClient({
    ingestionOrigin: origins.ingestion,
    queryOrigin: origins.query,
    projectId: fields.project_id,
    username: fields.service_account_username,
    secret: fields.service_account_secret,
    projectToken: fields.project_token,
    budget,
  });
}

export async function importEvents(connection: ConnectionFields, payload: Json, context: OperationContext): Promise<OperationResult> {
  const { events } = parsePayload(importEventsPayload, payload, "import_events");
  let result;
  try {
    result = await mixpanelClient(connection).importEvents(events as MixpanelEvent[]);
  } catch (error) {
    throw withBackoff(error, context.attempt);
  }
  const detail: { [key: string]: Json } = { imported: result.imported, failed: result.failed.length };
  if (result.failed.length > 0) {
    detail.failed_records = result.failed.slice(0, 20).map((record) => ({ index: record.index, insert_id: record.insert_id, field: record.field, message: record.message }));
  }
  return { providerRef: null, detail };
}

export async function engage(connection: ConnectionFields, payload: Json, context: OperationContext): Promise<OperationResult> {
  const { updates } = parsePayload(engagePayload, payload, "engage");
  try {
    const result = await mixpanelClient(connection).engage(updates);
    return { providerRef: null, detail: { updated: result.updated } };
  } catch (error) {
    throw withBackoff(error, context.attempt);
  }
}

export const mixpanelOperations = { import_events: importEvents, engage };

/** What a tool exports of one of our usage events. */
export interface ExportableUsageEvent {
  messageId: string;
  type: string;
  event: string | null;
  userId: string | null;
  anonymousId: string | null;
  /** Our account id, and its external id when it has one. */
  accountId: string;
  accountExternalId: string | null;
  properties: string;
  occurredAt: string;
}

/** A stable $insert_id for one of our events: the same message id always gives the same one. */
export async function insertIdFor(messageId: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(`cs-mcp:usage:${messageId}`));
  return encodeHex(new Uint8Array(digest).slice(0, 16));
}

/** Our usage event as a Mixpanel event: the track name (or "$mp_web_page_view" for pages), the user, the account. */
export async function toMixpanelEvent(usage: ExportableUsageEvent): Promise<MixpanelEvent> {
  let properties: { [key: string]: Json } = {};
  try {
    const parsed: unknown = JSON.parse(usage.properties);
    if (parsed && typeof parsed === "object" && !Array.isArray(parsed)) properties = parsed as { [key: string]: Json };
  } catch {
    properties = {};
  }
  const name = usage.type === "page" ? "$mp_web_page_view" : (usage.event ?? usage.type);
  return {
    event: name,
    properties: {
      ...properties,
      time: Date.parse(usage.occurredAt),
      distinct_id: usage.userId ?? `anon:${usage.anonymousId ?? "unknown"}`,
      $insert_id: await insertIdFor(usage.messageId),
      account_id: usage.accountExternalId ?? usage.accountId,
      cs_client_id: usage.accountId,
      ...(usage.type === "page" && usage.event ? { page_name: usage.event } : {}),
    },
  };
}

/**
 * Bytes of events per delivery: Mixpanel takes 2 MB, but the payload waits in a Tenant object
 * row, and a job refuses payloads over 1.5 MB (src/db/integrations.ts), so stay under that.
 */
export const DELIVERY_MAX_BYTES = Math.min(IMPORT_MAX_BYTES, 1_400_000);

/**
 * Splits events into /import deliveries of at most `maxEvents` events and `maxBytes` of JSON
 * body each (an array: brackets and commas counted). An event that alone exceeds the byte
 * limit cannot be imported and is refused here, before any job starts.
 */
export function planImportDeliveries(
  events: readonly MixpanelEvent[],
  limits: { maxEvents: number; maxBytes: number } = { maxEvents: IMPORT_MAX_EVENTS, maxBytes: DELIVERY_MAX_BYTES },
): { payload: { events: MixpanelEvent[] }; items: number }[] {
  const encoder = new TextEncoder();
  const deliveries: { payload: { events: MixpanelEvent[] }; items: number }[] = [];
  let current: MixpanelEvent[] = [];
  let bytes = 2;
  for (const [index, event] of events.entries()) {
    const size = encoder.encode(JSON.stringify(event)).byteLength;
    if (size + 2 > limits.maxBytes) throw new Error(`events[${index}] is ${size} bytes as JSON, more than one Mixpanel import may carry (${limits.maxBytes}); trim its properties.`);
    const extra = current.length === 0 ? size : size + 1;
    if (current.length === limits.maxEvents || bytes + extra > limits.maxBytes) {
      deliveries.push({ payload: { events: current }, items: current.length });
      current = [];
      bytes = 2;
    }
    bytes += current.length === 0 ? size : size + 1;
    current.push(event);
  }
  if (current.length > 0) deliveries.push({ payload: { events: current }, items: current.length });
  return deliveries;
}
