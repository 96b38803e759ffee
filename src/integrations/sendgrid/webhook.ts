import { keyCache } from "../../auth/key-cache";
import type { Json } from "../../db/accounts";
import type { ConnectionFields, InboundEvent, WebhookRequest, WebhookVerification } from "../provider";
import { decodeBase64 } from "../../http/base64";
import { normalizePublicKey, publicKeyProblem } from "./connection";

/**
 * SendGrid's Signed Event Webhook: an ECDSA P-256 / SHA-256 signature over the timestamp
 * header followed by the raw body, sent base64 DER-encoded; the tenant pastes the public key
 * (base64 SPKI) SendGrid shows. WebCrypto wants the signature as the 64-byte r‖s, so the DER is
 * unpacked here. The body is an array of events, each deduped on its sg_event_id.
 */

export const SIGNATURE_HEADER = "X-Twilio-Email-Event-Webhook-Signature";
export const TIMESTAMP_HEADER = "X-Twilio-Email-Event-Webhook-Timestamp";
/** How far the signed timestamp may be from our clock. */
export const TIMESTAMP_WINDOW_SECONDS = 300;

/**
 * DER `SEQUENCE { INTEGER r, INTEGER s }` → 64-byte r‖s: each integer loses the leading 0x00
 * that keeps it positive (and any other leading zeros) and is left-padded to 32 bytes. Null when
 * the bytes are not such a structure for P-256.
 */
export function derToRaw(der: Uint8Array): Uint8Array<ArrayBuffer> | null {
  let offset = 0;
  const readLength = (): number | null => {
    const first = der[offset++];
    if (first === undefined) return null;
    if (first < 0x80) return first;
    if (first !== 0x81) return null; // A P-256 signature never needs more than one length byte.
    const next = der[offset++];
    return next === undefined || next < 0x80 ? null : next;
  };
  if (der[offset++] !== 0x30) return null;
  const total = readLength();
  if (total === null || offset + total !== der.length) return null;
  const out = new Uint8Array(64);
  for (const half of [0, 1]) {
    if (der[offset++] !== 0x02) return null;
    const length = readLength();
    if (length === null || length === 0 || offset + length > der.length) return null;
    let value = der.subarray(offset, offset + length);
    offset += length;
    while (value.length > 1 && value[0] === 0) value = value.subarray(1);
    if (value.length > 32) return null;
    out.set(value, half * 32 + (32 - value.length));
  }
  return offset === der.length ? out : null;
}

const verificationKey = keyCache((publicKey) =>
  crypto.subtle.importKey("spki", decodeBase64(publicKey) ?? new Uint8Array(0), { name: "ECDSA", namedCurve: "P-256" }, false, ["verify"]),
);

function refuse(status: 400 | 401 | 403, reason: string): WebhookVerification {
  return { ok: false, status, reason };
}

export async function verifyWebhook(connection: ConnectionFields, request: WebhookRequest): Promise<WebhookVerification> {
  const configured = typeof connection.webhook_public_key === "string" ? normalizePublicKey(connection.webhook_public_key) : "";
  if (!configured || publicKeyProblem(configured)) {
    return refuse(401, "No Signed Event Webhook verification key is set for SendGrid in this workspace; paste it as webhook_public_key when connecting SendGrid.");
  }
  const signatureText = request.headers.get(SIGNATURE_HEADER);
  if (!signatureText) return refuse(401, `${SIGNATURE_HEADER} header is missing; enable Signed Event Webhook in SendGrid (Mail Settings → Event Webhook).`);
  const timestampText = request.headers.get(TIMESTAMP_HEADER);
  if (!timestampText) return refuse(401, `${TIMESTAMP_HEADER} header is missing; SendGrid signs the timestamp with the body.`);
  if (!/^\d{1,12}$/.test(timestampText.trim())) return refuse(401, `${TIMESTAMP_HEADER} header is not a Unix time in seconds.`);
  const skew = Math.abs(request.now.getTime() / 1000 - Number(timestampText.trim()));
  if (skew > TIMESTAMP_WINDOW_SECONDS) {
    return refuse(401, `${TIMESTAMP_HEADER} header is ${Math.round(skew)} s from our clock, more than the ${TIMESTAMP_WINDOW_SECONDS} s allowed; a replayed or delayed delivery is refused.`);
  }
  const der = decodeBase64(signatureText);
  if (!der) return refuse(401, `${SIGNATURE_HEADER} header is not base64.`);
  const raw = derToRaw(der);
  if (!raw) return refuse(401, `${SIGNATURE_HEADER} header is not a DER-encoded ECDSA P-256 signature.`);

  const timestampBytes = new TextEncoder().encode(timestampText);
  const signed = new Uint8Array(timestampBytes.length + request.body.length);
  signed.set(timestampBytes, 0);
  signed.set(request.body, timestampBytes.length);
  let valid = false;
  try {
    valid = await crypto.subtle.verify({ name: "ECDSA", hash: "SHA-256" }, await verificationKey(configured), raw, signed);
  } catch {
    return refuse(401, "The stored SendGrid verification key could not be used; paste the Verification Key again as webhook_public_key.");
  }
  if (!valid) {
    return refuse(401, `${SIGNATURE_HEADER} header does not match the body and timestamp under this workspace's verification key; check the key pasted as webhook_public_key.`);
  }

  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder().decode(request.body));
  } catch {
    return refuse(400, "The body is not JSON; SendGrid posts a JSON array of events.");
  }
  if (!Array.isArray(parsed)) return refuse(400, "The body is not a JSON array of events.");
  const events: InboundEvent[] = [];
  for (const [index, item] of parsed.entries()) {
    if (!item || typeof item !== "object" || Array.isArray(item)) return refuse(400, `events[${index}]: is not an object.`);
    const event = item as { [key: string]: Json };
    const type = typeof event.event === "string" ? event.event : null;
    if (!type) return refuse(400, `events[${index}].event: missing; every SendGrid event names its type.`);
    const seconds = typeof event.timestamp === "number" ? event.timestamp : Number(event.timestamp);
    const occurredAt = Number.isFinite(seconds) && seconds > 0 ? new Date(seconds * 1000).toISOString() : request.now.toISOString();
    // sg_event_id is on every event SendGrid sends; without it the event still dedupes on what identifies it.
    const id =
      typeof event.sg_event_id === "string" && event.sg_event_id
        ? event.sg_event_id
        : `${String(event.sg_message_id ?? "")}:${type}:${String(event.timestamp ?? "")}:${String(event.email ?? "")}`;
    events.push({ id, type, occurredAt, data: event });
  }
  return { ok: true, events };
}
