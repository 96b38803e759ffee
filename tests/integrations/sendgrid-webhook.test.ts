import { describe, expect, it } from "vitest";
import type { WebhookVerification } from "../../src/integrations/provider";
import { sendgrid } from "../../src/integrations/sendgrid";
import { derToRaw, SIGNATURE_HEADER, TIMESTAMP_HEADER } from "../../src/integrations/sendgrid/webhook";
import { connectionFor, rawToDer, sgEvent, signedHeaders, signingKey, signRaw, toBase64, uniqueKey, type SigningKey } from "./sendgrid-support";

const verify = sendgrid.verifyWebhook as NonNullable<typeof sendgrid.verifyWebhook>;

async function tenant(): Promise<{ key: SigningKey; connection: ReturnType<typeof connectionFor> }> {
  const key = await signingKey();
  return { key, connection: connectionFor(uniqueKey("webhook"), { webhook_public_key: key.publicKey }) };
}

function deliver(connection: ReturnType<typeof connectionFor>, headers: Headers, body: string | Uint8Array, now = new Date()): Promise<WebhookVerification> {
  return verify(connection, { headers, body: typeof body === "string" ? new TextEncoder().encode(body) : body, now });
}

function refusal(result: WebhookVerification): { status: number; reason: string } {
  expect(result.ok).toBe(false);
  if (result.ok) throw new Error("unreachable");
  return { status: result.status, reason: result.reason };
}

describe("SendGrid Signed Event Webhook", () => {
  it("accepts a correctly signed batch and splits it into one event per sg_event_id, custom_args kept", async () => {
    const { key, connection } = await tenant();
    const events = [
      sgEvent("delivered", { email: "ana@customer.test", account_id: "cs_1", contact_id: "ct_1" }),
      sgEvent("open", { email: "ana@customer.test", timestamp: 1_800_000_000 }),
      sgEvent("bounce", { email: "old@customer.test", reason: "550 5.1.1 user unknown", type: "bounce" }),
    ];
    const body = JSON.stringify(events);
    const result = await deliver(connection, await signedHeaders(key.privateKey, body), body);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.events.map((e) => [e.id, e.type])).toEqual(events.map((e) => [e.sg_event_id, e.event]));
    expect(result.events[1]?.occurredAt).toBe(new Date(1_800_000_000_000).toISOString());
    expect(result.events[0]?.data).toMatchObject({ account_id: "cs_1", contact_id: "ct_1", email: "ana@customer.test" });
  });

  it("verifies DER signatures whose r or s has a leading zero byte (shorter INTEGER) and whose r or s needs the 0x00 sign byte", async () => {
    const { key, connection } = await tenant();
    const seen = { shortR: false, shortS: false, signByte: false };
    // About one signature in 128 has a zero first byte in r or s: search until both kinds have been verified.
    for (let i = 0; i < 4_000 && !(seen.shortR && seen.shortS && seen.signByte); i++) {
      const body = JSON.stringify([sgEvent("processed", { n: i })]);
      const timestamp = String(Math.floor(Date.now() / 1000));
      const raw = await signRaw(key.privateKey, timestamp, body);
      const shortR = raw[0] === 0;
      const shortS = raw[32] === 0;
      const signByte = (raw[0] ?? 0) >= 0x80;
      if (!(shortR && !seen.shortR) && !(shortS && !seen.shortS) && !(signByte && !seen.signByte)) continue;
      const der = rawToDer(raw);
      expect(derToRaw(der)).toEqual(raw);
      const headers = new Headers({ [SIGNATURE_HEADER]: toBase64(der), [TIMESTAMP_HEADER]: timestamp });
      expect((await deliver(connection, headers, body)).ok).toBe(true);
      seen.shortR ||= shortR;
      seen.shortS ||= shortS;
      seen.signByte ||= signByte;
    }
    expect(seen).toEqual({ shortR: true, shortS: true, signByte: true });
  });

  it("refuses every way to get the signature wrong with 401 and a reason naming the header, never the key", async () => {
    const { key, connection } = await tenant();
    const other = await signingKey();
    const body = JSON.stringify([sgEvent("delivered", { email: "ana@customer.test" })]);
    const now = Math.floor(Date.now() / 1000);

    // Another tenant's key signed it.
    const foreign = refusal(await deliver(connection, await signedHeaders(other.privateKey, body), body));
    expect(foreign.status).toBe(401);
    expect(foreign.reason).toContain(`${SIGNATURE_HEADER} header does not match`);
    expect(foreign.reason).not.toContain(key.publicKey);

    // One flipped byte in the body, or in the signature.
    const headers = await signedHeaders(key.privateKey, body);
    const flipped = new TextEncoder().encode(body);
    flipped[10] = (flipped[10] ?? 0) ^ 0x01;
    expect(refusal(await deliver(connection, headers, flipped)).reason).toContain("does not match");
    const der = Uint8Array.from(atob(headers.get(SIGNATURE_HEADER) ?? ""), (c) => c.charCodeAt(0));
    der[der.length - 1] = (der[der.length - 1] ?? 0) ^ 0x01;
    const badSig = new Headers(headers);
    badSig.set(SIGNATURE_HEADER, toBase64(der));
    expect(refusal(await deliver(connection, badSig, body)).reason).toContain("does not match");

    // The same events, re-serialized (as a proxy that parses and re-encodes would).
    const reserialized = JSON.stringify(JSON.parse(body), null, 2);
    expect(refusal(await deliver(connection, headers, reserialized)).reason).toContain("does not match");

    // The timestamp is signed: changing it breaks the signature, even inside the window.
    const shifted = new Headers(headers);
    shifted.set(TIMESTAMP_HEADER, String(now - 1));
    expect(refusal(await deliver(connection, shifted, body)).reason).toContain("does not match");

    // Stale or future timestamps, correctly signed, are refused before the signature is checked.
    const clock = new Date(now * 1000);
    const stale = refusal(await deliver(connection, await signedHeaders(key.privateKey, body, String(now - 301)), body, clock));
    expect(stale).toEqual({ status: 401, reason: expect.stringContaining(`${TIMESTAMP_HEADER} header is 301 s from our clock`) });
    expect(refusal(await deliver(connection, await signedHeaders(key.privateKey, body, String(now + 400)), body, clock)).reason).toContain("more than the 300 s");
    expect((await deliver(connection, await signedHeaders(key.privateKey, body, String(now - 300)), body, clock)).ok).toBe(true);

    // Missing headers.
    const noSig = new Headers(headers);
    noSig.delete(SIGNATURE_HEADER);
    expect(refusal(await deliver(connection, noSig, body))).toEqual({ status: 401, reason: expect.stringContaining(`${SIGNATURE_HEADER} header is missing`) });
    const noTs = new Headers(headers);
    noTs.delete(TIMESTAMP_HEADER);
    expect(refusal(await deliver(connection, noTs, body)).reason).toContain(`${TIMESTAMP_HEADER} header is missing`);

    // Bad encodings: not base64, base64 of something that is not DER, raw r‖s instead of DER, an ISO timestamp.
    const notBase64 = new Headers(headers);
    notBase64.set(SIGNATURE_HEADER, "!!not base64!!");
    expect(refusal(await deliver(connection, notBase64, body)).reason).toContain(`${SIGNATURE_HEADER} header is not base64`);
    const notDer = new Headers(headers);
    notDer.set(SIGNATURE_HEADER, toBase64(await signRaw(key.privateKey, headers.get(TIMESTAMP_HEADER) ?? "", body)));
    expect(refusal(await deliver(connection, notDer, body)).reason).toContain("not a DER-encoded ECDSA P-256 signature");
    const isoTs = new Headers(headers);
    isoTs.set(TIMESTAMP_HEADER, new Date().toISOString());
    expect(refusal(await deliver(connection, isoTs, body)).reason).toContain("not a Unix time");

    // No verification key configured for this tenant.
    const unconfigured = refusal(await deliver(connectionFor(uniqueKey("nokey")), headers, body));
    expect(unconfigured).toEqual({ status: 401, reason: expect.stringContaining("webhook_public_key") });
  });

  it("refuses a signed body that is not a JSON array of events with 400", async () => {
    const { key, connection } = await tenant();
    for (const [body, reason] of [
      ["{not json", "not JSON"],
      [JSON.stringify({ event: "open" }), "not a JSON array"],
      [JSON.stringify([{ email: "a@x.test" }]), "events[0].event: missing"],
      [JSON.stringify([1]), "events[0]: is not an object"],
    ] as const) {
      expect(refusal(await deliver(connection, await signedHeaders(key.privateKey, body), body))).toEqual({ status: 400, reason: expect.stringContaining(reason) });
    }
  });

  it("unpacks only well-formed P-256 DER signatures", () => {
    const raw = new Uint8Array(64).map((_, i) => i + 1);
    expect(derToRaw(rawToDer(raw))).toEqual(raw);
    const der = rawToDer(raw);
    expect(derToRaw(der.subarray(0, der.length - 1))).toBeNull();
    expect(derToRaw(new Uint8Array([0x31, ...der.subarray(1)]))).toBeNull();
    expect(derToRaw(new Uint8Array([...der, 0x00]))).toBeNull();
    // An integer longer than 32 significant bytes is not a P-256 value.
    const long = new Uint8Array([0x30, 0x26, 0x02, 0x21, 0x01, ...new Uint8Array(32).fill(7), 0x02, 0x01, 0x05]);
    expect(derToRaw(long)).toBeNull();
  });
});
