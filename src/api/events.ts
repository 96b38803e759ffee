import { tenantStub } from "../../durable-objects/tenant";
import { findActiveApiKey, touchApiKey } from "../db/api-keys";
import { USAGE_EVENT_TYPES, type EventRejection, type IncomingUsageEvent, type UsageEventType } from "../db/usage-events";
import type { Env } from "../env";
import { basicCredentials } from "../http/basic-auth";
import { readLimitedBody } from "../http/body";

/**
 * POST /api/v1/events: usage events in Segment's shape (a `{ "batch": [...] }` or one event),
 * authenticated with a workspace API key rather than an OAuth token, so product backends can
 * send usage the way they already send it to Segment. See docs/events.md.
 *
 * This handler checks the key and the envelope, validates and normalizes each item (a bad
 * item is reported by index, the others still go in), and hands the batch to the tenant's
 * Durable Object in ONE RPC, which stores and aggregates it in one transaction.
 */

export const EVENTS_PATH = "/api/v1/events";
export const MAX_EVENTS_PER_REQUEST = 500;
export const MAX_BODY_BYTES = 512 * 1024;
/** How far ahead of the server's clock a timestamp may be (clock skew), in milliseconds. */
const MAX_FUTURE_MS = 86_400_000;
const MAX_ID_LENGTH = 200;
const ISO_TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$/;

const HOW_TO_GET_A_KEY =
  "Send a workspace API key as `Authorization: Bearer csk_…` (or HTTP Basic with the key as the username and an empty password). A workspace admin creates one with the create_api_key tool (REST: POST /api/v1/api-keys).";

function errorResponse(status: number, code: string, message: string, headers: Record<string, string> = {}): Response {
  return Response.json({ error: { code, message } }, { status, headers: { "Cache-Control": "no-store", ...headers } });
}

/** The key from `Authorization: Bearer <key>` or `Basic base64(<key>:)`; null when absent. */
export function apiKeyFromHeader(header: string | null): string | null {
  if (!header) return null;
  const [scheme = "", ...rest] = header.trim().split(/\s+/);
  const value = rest.join(" ");
  if (!value) return null;
  if (scheme.toLowerCase() === "bearer") return value;
  if (scheme.toLowerCase() === "basic") {
    const credentials = basicCredentials(header);
    return "problem" in credentials ? null : credentials.user;
  }
  return null;
}

function tooLarge(): Response {
  return errorResponse(
    413,
    "payload_too_large",
    `The body is larger than ${MAX_BODY_BYTES} bytes (512 KiB), the limit per request; split it into smaller batches (at most ${MAX_EVENTS_PER_REQUEST} events each).`,
  );
}

type JsonObject = Record<string, unknown>;

function isObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

class ItemError extends Error {
  constructor(
    readonly field: string,
    readonly reason: string,
  ) {
    super(reason);
  }
}

/**
 * A Segment id: a non-empty string, or a number (Segment accepts both); undefined when
 * absent. Throws naming `field` when it is anything else.
 */
function idValue(value: unknown, field: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === "number" && Number.isFinite(value)) return String(value);
  const trimmed = typeof value === "string" ? value.trim() : "";
  if (trimmed === "" || trimmed.length > MAX_ID_LENGTH) {
    throw new ItemError(field, `must be a non-empty string (or a number) of at most ${MAX_ID_LENGTH} characters.`);
  }
  return trimmed;
}

/** The item's messageId for a rejection, when it has a usable one. */
function messageIdOf(item: unknown): string | null {
  if (!isObject(item)) return null;
  try {
    return idValue(item.messageId, "messageId") ?? null;
  } catch {
    return null;
  }
}

/** Where the account reference comes from, first match wins (docs/events.md). */
function accountReference(item: JsonObject): { ref: string; field: string } {
  const context = isObject(item.context) ? item.context : undefined;
  const candidates: [string, unknown][] = [
    ["groupId", item.groupId],
    ["context.groupId", context?.groupId],
    ["properties.accountId", isObject(item.properties) ? item.properties.accountId : undefined],
    ["traits.accountId", isObject(item.traits) ? item.traits.accountId : undefined],
  ];
  for (const [field, value] of candidates) {
    const id = idValue(value, field);
    if (id !== undefined) return { ref: id, field };
  }
  throw new ItemError(
    "groupId",
    "names no account: set groupId (group calls), context.groupId, or properties.accountId / traits.accountId to the account's client_id or external_id.",
  );
}

/** Validates one item and normalizes it for storage; throws ItemError naming the field. */
export function parseEventItem(item: unknown, index: number, receivedAt: Date): IncomingUsageEvent {
  if (!isObject(item)) throw new ItemError("item", "must be a JSON object (one Segment call).");
  const messageId = idValue(item.messageId, "messageId");
  if (messageId === undefined) {
    throw new ItemError("messageId", "is required: a unique id per event, used to drop replays (Segment's libraries send one).");
  }
  const type = item.type;
  if (typeof type !== "string" || !(USAGE_EVENT_TYPES as readonly string[]).includes(type)) {
    throw new ItemError("type", `must be one of ${USAGE_EVENT_TYPES.join(", ")}.`);
  }
  let event: string | null = null;
  if (type === "track") {
    if (typeof item.event !== "string" || item.event.trim() === "" || item.event.length > MAX_ID_LENGTH) {
      throw new ItemError("event", `is required for track calls: the feature's name, a non-empty string of at most ${MAX_ID_LENGTH} characters.`);
    }
    event = item.event.trim();
  } else if (type === "page" && typeof item.name === "string" && item.name.trim() !== "") {
    event = item.name.trim().slice(0, MAX_ID_LENGTH);
  }
  const userId = idValue(item.userId, "userId");
  const anonymousId = idValue(item.anonymousId, "anonymousId");
  if (userId === undefined && anonymousId === undefined) throw new ItemError("userId", "userId or anonymousId is required.");
  for (const field of ["properties", "traits", "context"] as const) {
    if (item[field] !== undefined && item[field] !== null && !isObject(item[field])) throw new ItemError(field, "must be a JSON object.");
  }
  const { ref, field } = accountReference(item);
  let occurredAt = receivedAt.toISOString();
  if (item.timestamp !== undefined && item.timestamp !== null) {
    const ms = typeof item.timestamp === "string" && ISO_TIMESTAMP.test(item.timestamp) ? Date.parse(item.timestamp) : Number.NaN;
    if (!Number.isFinite(ms)) throw new ItemError("timestamp", "must be an ISO 8601 date-time with a time zone, e.g. 2026-04-10T14:03:00Z (or leave it out to use the time of receipt).");
    if (ms > receivedAt.getTime() + MAX_FUTURE_MS) throw new ItemError("timestamp", "is more than a day in the future; check the sender's clock.");
    occurredAt = new Date(ms).toISOString();
  }
  const body = type === "identify" || type === "group" ? item.traits : item.properties;
  return {
    index,
    messageId,
    type: type as UsageEventType,
    event,
    userId: userId ?? null,
    anonymousId: anonymousId ?? null,
    accountRef: ref,
    accountRefField: field,
    properties: JSON.stringify(isObject(body) ? body : {}),
    occurredAt,
  };
}

/** The batch's items: `{ batch: [...] }` or a single event object. */
function itemsOf(body: unknown): unknown[] | Response {
  if (isObject(body) && "batch" in body) {
    if (!Array.isArray(body.batch)) return errorResponse(400, "invalid", "batch must be an array of events.");
    if (body.batch.length === 0) return errorResponse(400, "invalid", "batch is empty; send at least one event.");
    return body.batch;
  }
  if (isObject(body)) return [body];
  return errorResponse(400, "invalid", 'The body must be a JSON object: { "batch": [ ...events ] } or a single event.');
}

export async function handleEvents(request: Request, env: Env, ctx: ExecutionContext): Promise<Response> {
  if (request.method !== "POST") {
    return errorResponse(405, "method_not_allowed", `${EVENTS_PATH} takes POST with a JSON body.`, { Allow: "POST" });
  }
  const declared = request.headers.get("Content-Length");
  if (declared !== null && Number(declared) > MAX_BODY_BYTES) return tooLarge();

  const secret = apiKeyFromHeader(request.headers.get("Authorization"));
  const challenge = { "WWW-Authenticate": 'Basic realm="events", charset="UTF-8"' };
  if (!secret) return errorResponse(401, "unauthorized", `No API key. ${HOW_TO_GET_A_KEY}`, challenge);
  const key = await findActiveApiKey(env.CONTROL_DB, secret);
  if (!key) return errorResponse(401, "unauthorized", `The API key is unknown or revoked. ${HOW_TO_GET_A_KEY}`, challenge);
  const receivedAt = new Date();
  ctx.waitUntil(touchApiKey(env.CONTROL_DB, key, receivedAt).catch(() => undefined));

  const bytes = await readLimitedBody(request, MAX_BODY_BYTES);
  if (!bytes) return tooLarge();
  let body: unknown;
  try {
    body = JSON.parse(new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(bytes));
  } catch {
    return errorResponse(400, "invalid_json", 'The body is not JSON; send { "batch": [ ...events ] } with Content-Type: application/json.');
  }
  const items = itemsOf(body);
  if (items instanceof Response) return items;
  if (items.length > MAX_EVENTS_PER_REQUEST) {
    return errorResponse(
      413,
      "too_many_events",
      `The batch has ${items.length} events; the limit is ${MAX_EVENTS_PER_REQUEST} per request. Split it into batches of at most ${MAX_EVENTS_PER_REQUEST}.`,
    );
  }

  const rejected: EventRejection[] = [];
  const events: IncomingUsageEvent[] = [];
  items.forEach((item, index) => {
    try {
      events.push(parseEventItem(item, index, receivedAt));
    } catch (error) {
      if (!(error instanceof ItemError)) throw error;
      rejected.push({ index, messageId: messageIdOf(item), field: error.field, reason: error.reason });
    }
  });

  let result = { accepted: 0, duplicates: 0, pending: 0, rejected: [] as EventRejection[] };
  if (events.length > 0) {
    const outcome = await tenantStub(env.TENANT, key.tenantId).ingestUsageEvents(events);
    if (!outcome.ok) return errorResponse(outcome.code === "invalid" ? 400 : 409, outcome.code, outcome.message);
    result = outcome.value;
  }
  return Response.json(
    {
      accepted: result.accepted,
      duplicates: result.duplicates,
      pending: result.pending,
      rejected: [...rejected, ...result.rejected].sort((a, b) => a.index - b.index),
    },
    { headers: { "Cache-Control": "no-store" } },
  );
}
