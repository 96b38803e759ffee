import { hmacKeyCache } from "../../auth/key-cache";
import { timingSafeEqual } from "../../auth/passwords";
import type { Json } from "../../db/accounts";
import type { ConnectionFields, InboundEvent, WebhookRequest, WebhookVerification } from "../provider";
import { intercomConnection } from "./connection";

/**
 * Intercom webhooks: `X-Hub-Signature: sha1=<hex>`, the HMAC-SHA1 of the raw body keyed with the
 * app's client secret. Intercom signs no timestamp and retries a failed notification later, so
 * an old `first_sent_at` is accepted: the notification `id` is the dedupe key and a replay of a
 * delivery already applied has no second effect. One delivery is one notification, one event.
 */

export const SIGNATURE_HEADER = "X-Hub-Signature";

const SIGNATURE = /^sha1=([0-9a-f]{40})$/i;

function hexToBytes(hex: string): Uint8Array {
  const bytes = new Uint8Array(hex.length / 2);
  for (let i = 0; i < bytes.length; i++) bytes[i] = Number.parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return bytes;
}

/** Compares two byte strings in time that depends only on their length (the project's one compare). */
export const constantTimeEqual = timingSafeEqual;

const signingKey = hmacKeyCache("SHA-1");

/** HMAC-SHA1 of the body under the secret (what Intercom puts after "sha1="). */
export async function intercomSignature(secret: string, body: Uint8Array): Promise<Uint8Array> {
  const key = await signingKey(secret);
  return new Uint8Array(await crypto.subtle.sign("HMAC", key, new Uint8Array(body)));
}

function refuse(reason: string): WebhookVerification {
  return { ok: false, status: 401, reason };
}

function isObject(value: Json | undefined): value is { [key: string]: Json } {
  return Boolean(value) && typeof value === "object" && !Array.isArray(value);
}

/** Unix seconds (Intercom's timestamps) to ISO; null when absent or nonsense. */
function epochToIso(value: Json | undefined): string | null {
  if (typeof value !== "number" || !Number.isFinite(value) || value <= 0) return null;
  return new Date(value * 1000).toISOString();
}

function text(value: Json | undefined): string | null {
  if (typeof value === "string" && value) return value;
  if (typeof value === "number" && Number.isFinite(value)) return String(value);
  return null;
}

/** Intercom message bodies are HTML: the words, on one line, cut to a subject's length. */
export function plainText(html: string | null, limit = 200): string | null {
  if (!html) return null;
  const words = html
    .replace(/<[^>]*>/g, " ")
    .replace(/&nbsp;/g, " ")
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, "&")
    .replace(/\s+/g, " ")
    .trim();
  if (!words) return null;
  return words.length > limit ? `${words.slice(0, limit - 1)}…` : words;
}

function author(value: Json | undefined): Json {
  if (!isObject(value)) return null;
  return { type: text(value.type), id: text(value.id), email: text(value.email), name: text(value.name) };
}

/**
 * The parts of a conversation the inbound handler uses, small enough for a queue message
 * whatever the conversation's length: who is in it, how it started, and its newest part.
 */
export function summarizeConversation(item: { [key: string]: Json }): Json {
  const source = isObject(item.source) ? item.source : {};
  const contactList = isObject(item.contacts) && Array.isArray(item.contacts.contacts) ? item.contacts.contacts : [];
  const partList = isObject(item.conversation_parts) && Array.isArray(item.conversation_parts.conversation_parts) ? item.conversation_parts.conversation_parts : [];
  const last = partList.filter(isObject).at(-1) ?? null;
  return {
    id: text(item.id),
    state: text(item.state),
    title: plainText(text(item.title)),
    created_at: epochToIso(item.created_at),
    updated_at: epochToIso(item.updated_at),
    source: {
      id: text(source.id),
      delivered_as: text(source.delivered_as),
      subject: plainText(text(source.subject)),
      body: plainText(text(source.body)),
      author: author(source.author),
    },
    contacts: contactList.filter(isObject).slice(0, 20).map((contact) => ({ id: text(contact.id), external_id: text(contact.external_id), email: text(contact.email) })),
    part: last
      ? {
          id: text(last.id),
          part_type: text(last.part_type),
          body: plainText(text(last.body)),
          created_at: epochToIso(last.created_at),
          author: author(last.author),
        }
      : null,
  };
}

export async function verifyWebhook(fields: ConnectionFields, request: WebhookRequest): Promise<WebhookVerification> {
  const header = request.headers.get(SIGNATURE_HEADER);
  if (!header) return refuse(`${SIGNATURE_HEADER} header is missing: Intercom signs every webhook with it; check the webhook URL belongs to this workspace.`);
  const match = SIGNATURE.exec(header.trim());
  if (!match?.[1]) return refuse(`${SIGNATURE_HEADER} header must be sha1=<40 hex digits> (HMAC-SHA1 of the body).`);
  const connection = intercomConnection.safeParse(fields);
  const secret = connection.success ? connection.data.client_secret : undefined;
  if (!secret) return refuse(`${SIGNATURE_HEADER} cannot be checked: the Intercom connection has no client_secret; reconnect Intercom with the app's client secret.`);
  const expected = await intercomSignature(secret, request.body);
  if (!constantTimeEqual(expected, hexToBytes(match[1].toLowerCase()))) {
    return refuse(`${SIGNATURE_HEADER} does not match the body: check the client_secret on the Intercom connection is this app's.`);
  }

  let parsed: Json;
  try {
    parsed = JSON.parse(new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(request.body)) as Json;
  } catch {
    return { ok: false, status: 400, reason: "body: is not JSON; Intercom notifications are JSON objects." };
  }
  if (!isObject(parsed) || parsed.type !== "notification_event") {
    return { ok: false, status: 400, reason: 'body: is not an Intercom notification (type "notification_event").' };
  }
  const id = typeof parsed.id === "string" && parsed.id ? parsed.id : null;
  const topic = typeof parsed.topic === "string" && parsed.topic ? parsed.topic : null;
  if (!id || !topic) return { ok: false, status: 400, reason: "body: an Intercom notification needs its id and topic." };
  // Intercom posts a "ping" when the webhook is saved or tested: verified, nothing to apply.
  if (topic === "ping") return { ok: true, events: [] };

  const data = isObject(parsed.data) ? parsed.data : {};
  const item = isObject(data.item) ? data.item : null;
  const occurredAt = epochToIso(parsed.created_at) ?? epochToIso(item?.updated_at) ?? request.now.toISOString();
  const event: InboundEvent = {
    id,
    type: topic,
    occurredAt,
    data: {
      notification_id: id,
      topic,
      app_id: typeof parsed.app_id === "string" ? parsed.app_id : null,
      delivery_attempts: typeof parsed.delivery_attempts === "number" ? parsed.delivery_attempts : null,
      first_sent_at: epochToIso(parsed.first_sent_at),
      item_type: text(item?.type),
      conversation: item && item.type === "conversation" ? summarizeConversation(item) : null,
    },
  };
  return { ok: true, events: [event] };
}
