import { z } from "zod";
import type { Json } from "../../db/accounts";
import { hmacKeyCache } from "../../auth/key-cache";
import type { ConnectionFields, InboundEvent, WebhookRequest, WebhookVerification } from "../provider";
import { decodeBase64, encodeBase64 } from "../../http/base64";

/**
 * Zendesk webhooks: `X-Zendesk-Webhook-Signature` is base64(HMAC-SHA256(signing secret,
 * timestamp + raw body)) with the timestamp from `X-Zendesk-Webhook-Signature-Timestamp`
 * (ISO 8601 or epoch seconds/milliseconds are accepted), at most 300 s off our clock. The
 * comparison is WebCrypto's HMAC verify (constant time) over the raw bytes, so re-serialized
 * JSON does not verify.
 *
 * Two body shapes are accepted:
 * - event subscriptions: {id, type: "zen:event-type:ticket.created", time, subject:
 *   "zen:ticket:123", detail: {ticket}, event: {current, previous} | {comment}} (or an array of them);
 * - trigger-style: {ticket: {id, status, priority, subject, requester: {email}, organization:
 *   {id, external_id}…}, type?: "ticket.solved"}: its id is the X-Zendesk-Webhook-Invocation-Id.
 * Each becomes an InboundEvent whose data is the normalized ZendeskEventData below.
 */

export const SIGNATURE_HEADER = "X-Zendesk-Webhook-Signature";
export const TIMESTAMP_HEADER = "X-Zendesk-Webhook-Signature-Timestamp";
export const INVOCATION_HEADER = "X-Zendesk-Webhook-Invocation-Id";
export const WINDOW_SECONDS = 300;

/** Longest comment or description kept on an event (queue messages are small). */
const TEXT_LIMIT = 8_000;

const id = z.union([z.string(), z.number()]).transform((value) => String(value)).pipe(z.string().regex(/^\d{1,20}$/));

/** What the inbound handler gets, whatever shape Zendesk posted. */
export const zendeskEventData = z.object({
  ticket: z.object({
    id,
    subject: z.string().nullable(),
    description: z.string().nullable(),
    /** new | open | pending | hold | solved | closed (lowercase), or null when not given. */
    status: z.string().nullable(),
    /** urgent | high | normal | low (lowercase), or null. */
    priority: z.string().nullable(),
    type: z.string().nullable(),
    requester_id: z.string().nullable(),
    requester_email: z.string().nullable(),
    requester_name: z.string().nullable(),
    organization_id: z.string().nullable(),
    organization_external_id: z.string().nullable(),
    assignee_id: z.string().nullable(),
    /** The ticket's external_id at Zendesk: our ticket id when we created it (push_ticket_to_zendesk). */
    external_id: z.string().nullable().default(null),
    created_at: z.string().nullable(),
  }),
  change: z.object({ field: z.enum(["status", "priority"]), previous: z.string().nullable(), current: z.string().nullable() }).nullable(),
  comment: z.object({ id: z.string().nullable(), body: z.string(), public: z.boolean(), by_agent: z.boolean(), author: z.string().nullable() }).nullable(),
});
export type ZendeskEventData = z.output<typeof zendeskEventData>;

// ---- the shapes Zendesk posts ---------------------------------------------------------------

const optionalId = z.union([z.string(), z.number()]).nullish().transform((value) => (value === null || value === undefined || value === "" ? null : String(value)));
const optionalText = z.union([z.string(), z.number()]).nullish().transform((value) => (value === null || value === undefined || value === "" ? null : String(value)));
const lower = optionalText.transform((value) => (value === null || value === "-" ? null : value.toLowerCase().replace(/\s+/g, "_")));

const subscriptionDetail = z.looseObject({
  id: optionalId,
  subject: optionalText,
  description: optionalText,
  status: lower,
  priority: lower,
  type: lower,
  requester_id: optionalId,
  organization_id: optionalId,
  assignee_id: optionalId,
  external_id: optionalText,
  created_at: optionalText,
});

const subscriptionEvent = z.looseObject({
  id: z.string().min(1).max(200),
  type: z.string().startsWith("zen:event-type:"),
  time: z.string().optional(),
  subject: z.string().optional(),
  detail: subscriptionDetail.optional(),
  event: z
    .looseObject({
      current: optionalText,
      previous: optionalText,
      comment: z
        .looseObject({
          id: optionalId,
          body: optionalText,
          is_public: z.boolean().optional(),
          author: z.looseObject({ id: optionalId, is_staff: z.boolean().optional(), name: optionalText }).optional(),
        })
        .optional(),
    })
    .optional(),
});

const triggerTicket = z.looseObject({
  id,
  subject: optionalText,
  description: optionalText,
  status: lower,
  priority: lower,
  type: lower,
  requester_id: optionalId,
  requester_email: optionalText,
  requester_name: optionalText,
  requester: z.looseObject({ id: optionalId, email: optionalText, name: optionalText }).optional(),
  organization_id: optionalId,
  organization_external_id: optionalText,
  organization: z.looseObject({ id: optionalId, external_id: optionalText, name: optionalText }).optional(),
  assignee_id: optionalId,
  external_id: optionalText,
  created_at: optionalText,
  updated_at: optionalText,
  latest_comment: z.looseObject({ id: optionalId, body: optionalText, public: z.union([z.boolean(), z.string()]).optional(), author_is_agent: z.union([z.boolean(), z.string()]).optional(), author: optionalText }).optional(),
});

const triggerBody = z.looseObject({ ticket: triggerTicket, type: optionalText, event: optionalText, id: optionalText });

// ---- verification --------------------------------------------------------------------------

function refuse(status: 400 | 401, reason: string): WebhookVerification {
  return { ok: false, status, reason };
}

/** Epoch seconds, epoch milliseconds or ISO 8601; null when it is none of them. */
export function parseTimestamp(value: string): number | null {
  const trimmed = value.trim();
  if (/^\d{9,10}$/.test(trimmed)) return Number(trimmed) * 1000;
  if (/^\d{12,13}$/.test(trimmed)) return Number(trimmed);
  if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/.test(trimmed)) {
    const ms = Date.parse(trimmed);
    return Number.isFinite(ms) ? ms : null;
  }
  return null;
}

function decodeSignature(value: string): Uint8Array<ArrayBuffer> | null {
  const trimmed = value.trim();
  if (!/^[A-Za-z0-9+/]{43}=$/.test(trimmed)) return null;
  const bytes = decodeBase64(trimmed);
  return bytes?.length === 32 ? bytes : null;
}

const signingKey = hmacKeyCache("SHA-256");

/** base64(HMAC-SHA256(secret, timestamp + body)): what Zendesk sends (and what tests sign with). */
export async function signWebhook(secret: string, timestamp: string, body: Uint8Array | string): Promise<string> {
  const key = await signingKey(secret);
  const signature = new Uint8Array(await crypto.subtle.sign("HMAC", key, signedContent(timestamp, typeof body === "string" ? new TextEncoder().encode(body) : body)));
  return encodeBase64(signature);
}

function signedContent(timestamp: string, body: Uint8Array): Uint8Array<ArrayBuffer> {
  const prefix = new TextEncoder().encode(timestamp);
  const content = new Uint8Array(prefix.length + body.length);
  content.set(prefix, 0);
  content.set(body, prefix.length);
  return content;
}

export async function verifyWebhook(connection: ConnectionFields, request: WebhookRequest): Promise<WebhookVerification> {
  const secret = connection.webhook_signing_secret;
  if (typeof secret !== "string" || !secret) {
    return refuse(401, `${SIGNATURE_HEADER} cannot be checked: the Zendesk connection has no webhook_signing_secret; paste the webhook's signing secret with connect_integration.`);
  }
  const signatureHeader = request.headers.get(SIGNATURE_HEADER);
  if (!signatureHeader) return refuse(401, `${SIGNATURE_HEADER} header is missing; Zendesk signs every webhook request, so this did not come from a Zendesk webhook.`);
  const timestampHeader = request.headers.get(TIMESTAMP_HEADER);
  if (!timestampHeader) return refuse(401, `${TIMESTAMP_HEADER} header is missing; the signature cannot be checked without it.`);
  const at = parseTimestamp(timestampHeader);
  if (at === null) return refuse(401, `${TIMESTAMP_HEADER} is neither an ISO 8601 time nor epoch seconds.`);
  if (Math.abs(request.now.getTime() - at) > WINDOW_SECONDS * 1000) {
    return refuse(401, `${TIMESTAMP_HEADER} is more than ${WINDOW_SECONDS} s from the server's clock; a replayed or delayed request is refused.`);
  }
  const signature = decodeSignature(signatureHeader);
  if (!signature) return refuse(401, `${SIGNATURE_HEADER} is not the base64 of an HMAC-SHA256 (44 characters).`);
  const key = await signingKey(secret);
  const valid = await crypto.subtle.verify("HMAC", key, signature, signedContent(timestampHeader, request.body));
  if (!valid) return refuse(401, `${SIGNATURE_HEADER} does not match the body: check that webhook_signing_secret is this webhook's signing secret.`);

  let body: unknown;
  try {
    body = JSON.parse(new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(request.body));
  } catch {
    return refuse(400, "body: not JSON; set the Zendesk webhook's request format to JSON.");
  }
  const split = eventsOf(body, request.headers.get(INVOCATION_HEADER), request.now);
  return typeof split === "string" ? refuse(400, split) : { ok: true, events: split };
}

// ---- normalizing -----------------------------------------------------------------------------

function isoOr(value: string | null | undefined, fallback: Date): string {
  const ms = value ? Date.parse(value) : Number.NaN;
  return Number.isFinite(ms) ? new Date(ms).toISOString() : fallback.toISOString();
}

function clip(value: string | null): string | null {
  return value === null ? null : value.slice(0, TEXT_LIMIT);
}

function truthy(value: boolean | string | undefined): boolean | null {
  if (value === undefined) return null;
  if (typeof value === "boolean") return value;
  return ["true", "yes", "1"].includes(value.trim().toLowerCase());
}

function fromSubscription(raw: z.output<typeof subscriptionEvent>, now: Date): InboundEvent | string {
  const kind = raw.type.slice("zen:event-type:".length);
  const subjectId = /^zen:ticket:(\d{1,20})$/.exec(raw.subject ?? "")?.[1] ?? null;
  const detail = raw.detail;
  const ticketNumber = subjectId ?? detail?.id ?? null;
  const occurredAt = isoOr(raw.time, now);
  if (!kind.startsWith("ticket.") || !ticketNumber) {
    return { id: raw.id, type: `zendesk:${kind}`, occurredAt, data: { ticket: null } };
  }
  let change: ZendeskEventData["change"] = null;
  if (kind === "ticket.status_changed" || kind === "ticket.priority_changed") {
    const lowerOf = (value: string | null | undefined) => (value ? value.toLowerCase() : null);
    change = { field: kind === "ticket.status_changed" ? "status" : "priority", previous: lowerOf(raw.event?.previous), current: lowerOf(raw.event?.current) };
  }
  const rawComment = raw.event?.comment;
  const comment: ZendeskEventData["comment"] =
    kind === "ticket.comment_added" && rawComment?.body
      ? { id: rawComment.id, body: rawComment.body.slice(0, TEXT_LIMIT), public: rawComment.is_public ?? true, by_agent: rawComment.author?.is_staff ?? false, author: rawComment.author?.name ?? null }
      : null;
  const data: ZendeskEventData = {
    ticket: {
      id: ticketNumber,
      subject: detail?.subject ?? null,
      description: clip(detail?.description ?? null),
      status: detail?.status ?? null,
      priority: detail?.priority ?? null,
      type: detail?.type ?? null,
      requester_id: detail?.requester_id ?? null,
      requester_email: null,
      requester_name: null,
      organization_id: detail?.organization_id ?? null,
      organization_external_id: null,
      assignee_id: detail?.assignee_id ?? null,
      external_id: detail?.external_id ?? null,
      created_at: detail?.created_at ?? null,
    },
    change,
    comment,
  };
  return { id: raw.id, type: `zendesk:${kind}`, occurredAt, data: data as unknown as { [key: string]: Json } };
}

function fromTrigger(raw: z.output<typeof triggerBody>, invocationId: string | null, now: Date): InboundEvent | string {
  const eventId = raw.id ?? invocationId;
  if (!eventId) return `${INVOCATION_HEADER}: missing, and the body has no id; Zendesk sends the header on every webhook request.`;
  const t = raw.ticket;
  const named = (raw.type ?? raw.event ?? "ticket.updated").toLowerCase().replace(/^zen:event-type:/, "");
  const kind = named.startsWith("ticket.") ? named : `ticket.${named}`;
  const latest = t.latest_comment;
  const comment: ZendeskEventData["comment"] =
    kind === "ticket.comment_added" && latest?.body
      ? { id: latest.id, body: latest.body.slice(0, TEXT_LIMIT), public: truthy(latest.public) ?? true, by_agent: truthy(latest.author_is_agent) ?? false, author: latest.author }
      : null;
  const data: ZendeskEventData = {
    ticket: {
      id: t.id,
      subject: t.subject,
      description: clip(t.description),
      status: t.status === "on-hold" || t.status === "on_hold" ? "hold" : (t.status ?? (kind === "ticket.solved" ? "solved" : null)),
      priority: t.priority,
      type: t.type,
      requester_id: t.requester_id ?? t.requester?.id ?? null,
      requester_email: (t.requester_email ?? t.requester?.email ?? null)?.toLowerCase() ?? null,
      requester_name: t.requester_name ?? t.requester?.name ?? null,
      organization_id: t.organization_id ?? t.organization?.id ?? null,
      organization_external_id: t.organization_external_id ?? t.organization?.external_id ?? null,
      assignee_id: t.assignee_id,
      external_id: t.external_id,
      created_at: t.created_at,
    },
    change: null,
    comment,
  };
  return { id: eventId, type: `zendesk:${kind}`, occurredAt: isoOr(t.updated_at, now), data: data as unknown as { [key: string]: Json } };
}

function eventsOf(body: unknown, invocationId: string | null, now: Date): InboundEvent[] | string {
  const items = Array.isArray(body) ? body : [body];
  if (items.length === 0) return "body: an empty array carries no events.";
  const events: InboundEvent[] = [];
  for (const [index, item] of items.entries()) {
    const where = Array.isArray(body) ? `body[${index}]` : "body";
    const subscription = subscriptionEvent.safeParse(item);
    if (subscription.success) {
      const event = fromSubscription(subscription.data, now);
      if (typeof event === "string") return `${where}: ${event}`;
      events.push(event);
      continue;
    }
    const trigger = triggerBody.safeParse(item);
    if (trigger.success && !Array.isArray(body)) {
      const event = fromTrigger(trigger.data, invocationId, now);
      if (typeof event === "string") return event;
      events.push(event);
      continue;
    }
    return `${where}: neither a Zendesk event ({id, type: "zen:event-type:…", subject, detail}) nor a trigger payload with a ticket object ({ticket: {id, status, …}}); see docs/integrations/zendesk.md.`;
  }
  return events;
}
