import { describe, expect, it } from "vitest";
import { intercom } from "../../src/integrations/intercom";
import { constantTimeEqual, plainText } from "../../src/integrations/intercom/webhook";
import type { WebhookVerification } from "../../src/integrations/provider";

/** Intercom webhook verification: X-Hub-Signature = sha1=<hex HMAC-SHA1 of the raw body>. */

const SECRET = "b6c0f1e2d3a4958677a8b9c0d1e2f3a4";
const OTHER_TENANT_SECRET = "0f9e8d7c6b5a49382716a5b4c3d2e1f0";
const connection = { region: "us", access_token: "dG9rOmFiY2RlZmdoaWo=", client_secret: SECRET };

async function hmacHex(secret: string, body: Uint8Array, hash: "SHA-1" | "SHA-256" = "SHA-1"): Promise<string> {
  const key = await crypto.subtle.importKey("raw", new TextEncoder().encode(secret), { name: "HMAC", hash }, false, ["sign"]);
  const signature = new Uint8Array(await crypto.subtle.sign("HMAC", key, new Uint8Array(body)));
  return [...signature].map((byte) => byte.toString(16).padStart(2, "0")).join("");
}

/** A notification as Intercom posts it (API 2.x conversation model), pretty-printed like Intercom does not. */
function notification(overrides: Record<string, unknown> = {}, parts = 1): string {
  const now = Math.floor(Date.now() / 1000);
  return JSON.stringify({
    type: "notification_event",
    app_id: "fk3xyz12",
    id: `notif_${crypto.randomUUID()}`,
    topic: "conversation.user.replied",
    delivery_status: "pending",
    delivery_attempts: 1,
    delivered_at: 0,
    first_sent_at: now,
    created_at: now,
    links: {},
    self: null,
    data: {
      type: "notification_event_data",
      item: {
        type: "conversation",
        id: "147",
        created_at: now - 600,
        updated_at: now,
        state: "open",
        title: null,
        source: {
          type: "conversation",
          id: "403918316",
          delivered_as: "customer_initiated",
          subject: "",
          body: "<p>Our export is failing since Monday</p>",
          author: { type: "user", id: "6643703ffae7834d1792fd30", name: "Grace", email: "grace@acme.test" },
        },
        contacts: { type: "contact.list", contacts: [{ type: "contact", id: "6643703ffae7834d1792fd30", external_id: "ct_1" }] },
        conversation_parts: {
          type: "conversation_part.list",
          conversation_parts: Array.from({ length: parts }, (_, i) => ({
            type: "conversation_part",
            id: `${9000 + i}`,
            part_type: "comment",
            body: `<p>Still broken &amp; urgent (${i})</p>`,
            created_at: now - parts + i,
            author: { type: "user", id: "6643703ffae7834d1792fd30", name: "Grace", email: "grace@acme.test" },
          })),
          total_count: parts,
        },
      },
    },
    ...overrides,
  });
}

async function deliver(body: string | Uint8Array, signature: string | null, fields: Record<string, string> = connection): Promise<WebhookVerification> {
  const headers = new Headers({ "Content-Type": "application/json", "User-Agent": "Intercom-Webhooks" });
  if (signature !== null) headers.set("X-Hub-Signature", signature);
  const bytes = typeof body === "string" ? new TextEncoder().encode(body) : body;
  return intercom.verifyWebhook!(fields, { headers, body: bytes, now: new Date() });
}

async function signed(body: string, secret = SECRET): Promise<string> {
  return `sha1=${await hmacHex(secret, new TextEncoder().encode(body))}`;
}

function refusal(result: WebhookVerification): { status: number; reason: string } {
  if (result.ok) throw new Error("expected a refusal");
  return { status: result.status, reason: result.reason };
}

describe("Intercom webhook verification", () => {
  it("accepts a correctly signed notification as one event keyed by the notification id", async () => {
    const body = notification();
    const result = await deliver(body, await signed(body));
    if (!result.ok) throw new Error(result.reason);
    const sent = JSON.parse(body) as { id: string; created_at: number };
    expect(result.events).toHaveLength(1);
    const [event] = result.events;
    expect(event?.id).toBe(sent.id);
    expect(event?.type).toBe("conversation.user.replied");
    expect(event?.occurredAt).toBe(new Date(sent.created_at * 1000).toISOString());
    expect(event?.data.conversation).toMatchObject({
      id: "147",
      state: "open",
      source: { id: "403918316", body: "Our export is failing since Monday", author: { type: "user", email: "grace@acme.test" } },
      contacts: [{ id: "6643703ffae7834d1792fd30", external_id: "ct_1", email: null }],
      part: { id: "9000", part_type: "comment", body: "Still broken & urgent (0)" },
    });
  });

  it("accepts an upper-case hex digest and an old first_sent_at (Intercom retries later; the id dedupes)", async () => {
    const body = notification({ first_sent_at: Math.floor(Date.now() / 1000) - 3 * 86_400, delivery_attempts: 4 });
    const result = await deliver(body, (await signed(body)).toUpperCase().replace("SHA1=", "sha1="));
    expect(result.ok).toBe(true);
  });

  it("verifies a ping and applies nothing", async () => {
    const body = notification({ topic: "ping", data: { type: "notification_event_data", item: { type: "ping", message: "something" } } });
    expect(await deliver(body, await signed(body))).toEqual({ ok: true, events: [] });
  });

  it("keeps only a summary of a long conversation (small enough for a queue message)", async () => {
    const body = notification({}, 400);
    expect(body.length).toBeGreaterThan(60_000);
    const result = await deliver(body, await signed(body));
    if (!result.ok) throw new Error(result.reason);
    expect(JSON.stringify(result.events).length).toBeLessThan(3_000);
    expect(result.events[0]?.data.conversation).toMatchObject({ part: { id: "9399", body: "Still broken & urgent (399)" } });
  });

  it("refuses a delivery signed with another tenant's client secret", async () => {
    const body = notification();
    expect(refusal(await deliver(body, await signed(body, OTHER_TENANT_SECRET)))).toEqual({
      status: 401,
      reason: "X-Hub-Signature does not match the body: check the client_secret on the Intercom connection is this app's.",
    });
  });

  it("refuses a body with one flipped byte, and a signature with one flipped digit", async () => {
    const body = notification();
    const signature = await signed(body);
    const bytes = new TextEncoder().encode(body);
    bytes[Math.floor(bytes.length / 2)]! ^= 0x01;
    expect(refusal(await deliver(bytes, signature)).status).toBe(401);
    const last = signature.at(-1) === "0" ? "1" : "0";
    expect(refusal(await deliver(body, signature.slice(0, -1) + last)).reason).toMatch(/^X-Hub-Signature does not match the body/);
  });

  it("refuses re-serialized JSON (same data, different bytes)", async () => {
    const body = notification();
    const signature = await signed(body);
    const reserialized = JSON.stringify(JSON.parse(body), null, 2);
    expect(JSON.parse(reserialized)).toEqual(JSON.parse(body));
    expect(refusal(await deliver(reserialized, signature)).status).toBe(401);
  });

  it("refuses a missing header, naming it", async () => {
    expect(refusal(await deliver(notification(), null))).toEqual({
      status: 401,
      reason: "X-Hub-Signature header is missing: Intercom signs every webhook with it; check the webhook URL belongs to this workspace.",
    });
  });

  it("refuses SHA-256 where SHA-1 is due, base64 instead of hex, a bare digest and a truncated one", async () => {
    const body = notification();
    const bytes = new TextEncoder().encode(body);
    const sha1 = await hmacHex(SECRET, bytes);
    const base64 = btoa(String.fromCharCode(...(sha1.match(/../g) ?? []).map((pair) => Number.parseInt(pair, 16))));
    for (const header of [`sha256=${await hmacHex(SECRET, bytes, "SHA-256")}`, `sha1=${base64}`, sha1, `sha1=${sha1.slice(0, 38)}`, "sha1=", "   "]) {
      const result = await deliver(body, header);
      expect(refusal(result).status, header).toBe(401);
      expect(refusal(result).reason, header).toMatch(/^X-Hub-Signature (header must be sha1=<40 hex digits>|header is missing)/);
    }
  });

  it("refuses when the connection has no client secret, and never echoes the secret", async () => {
    const body = notification();
    const withoutSecret = await deliver(body, await signed(body), { region: "us", access_token: connection.access_token });
    expect(refusal(withoutSecret).reason).toMatch(/no client_secret; reconnect Intercom/);
    const wrong = await deliver(body, await signed(body, OTHER_TENANT_SECRET));
    expect(JSON.stringify(wrong)).not.toContain(SECRET);
    expect(JSON.stringify(wrong)).not.toContain(OTHER_TENANT_SECRET);
  });

  it("answers 400 to a correctly signed body that is not an Intercom notification", async () => {
    for (const body of ["{not json", JSON.stringify({ type: "something_else", id: "x", topic: "y" }), JSON.stringify({ type: "notification_event", topic: "conversation.user.created" }), "[]"]) {
      const result = await deliver(body, await signed(body));
      expect(refusal(result).status, body).toBe(400);
      expect(refusal(result).reason, body).toMatch(/^body: /);
    }
    const invalidUtf8 = new Uint8Array([0x7b, 0xff, 0xfe, 0x7d]);
    const signature = `sha1=${await hmacHex(SECRET, invalidUtf8)}`;
    expect(refusal(await deliver(invalidUtf8, signature)).status).toBe(400);
  });
});

describe("webhook helpers", () => {
  it("compares in constant time, including different lengths", () => {
    expect(constantTimeEqual(new Uint8Array([1, 2, 3]), new Uint8Array([1, 2, 3]))).toBe(true);
    expect(constantTimeEqual(new Uint8Array([1, 2, 3]), new Uint8Array([1, 2, 4]))).toBe(false);
    expect(constantTimeEqual(new Uint8Array([1, 2, 3]), new Uint8Array([1, 2, 3, 0]))).toBe(false);
    expect(constantTimeEqual(new Uint8Array([]), new Uint8Array([0]))).toBe(false);
  });

  it("turns Intercom's HTML into a one-line subject", () => {
    expect(plainText("<p>Hi&nbsp;there</p>\n<p>A &lt;b&gt; &amp;amp; C</p>")).toBe("Hi there A <b> &amp; C");
    expect(plainText("<p> </p>")).toBeNull();
    expect(plainText("x".repeat(300), 10)).toBe(`${"x".repeat(9)}…`);
  });
});
