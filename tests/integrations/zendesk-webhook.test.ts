import { describe, expect, it } from "vitest";
import type { InboundEvent, WebhookVerification } from "../../src/integrations/provider";
import { zendesk } from "../../src/integrations/zendesk";
import { INVOCATION_HEADER, SIGNATURE_HEADER, signWebhook, TIMESTAMP_HEADER } from "../../src/integrations/zendesk/webhook";

const SECRET = "dGhpcyBpcyBhIHNpZ25pbmcgc2VjcmV0IGZvciB0ZW5hbnQgQQ==";
const OTHER_TENANT_SECRET = "dGhpcyBpcyBhIHNpZ25pbmcgc2VjcmV0IGZvciB0ZW5hbnQgQg==";
const connection = { subdomain: "zd-webhook", auth: "api_token", email: "agent@example.com", api_token: "tok-0123456789", webhook_signing_secret: SECRET };

const NOW = new Date("2026-05-01T12:00:00Z");

const created = {
  account_id: 12514403,
  detail: {
    actor_id: "8447388090494",
    assignee_id: null,
    created_at: "2026-05-01T11:59:30Z",
    description: "The CSV export times out for every report.",
    id: "5158",
    is_public: true,
    organization_id: "1504",
    priority: "HIGH",
    requester_id: "8447388090494",
    status: "NEW",
    subject: "Export fails",
    type: "INCIDENT",
    updated_at: "2026-05-01T11:59:30Z",
    via: { channel: "web_service" },
  },
  event: {},
  id: "cbe4028c-7239-495d-b020-f22348516046",
  subject: "zen:ticket:5158",
  time: "2026-05-01T11:59:31.405000000Z",
  type: "zen:event-type:ticket.created",
  zendesk_event_version: "2022-06-20",
};

async function delivery(body: string, options: { secret?: string; timestamp?: string; headers?: Record<string, string | null> } = {}): Promise<WebhookVerification> {
  const timestamp = options.timestamp ?? NOW.toISOString();
  const signature = await signWebhook(options.secret ?? SECRET, timestamp, body);
  const headers = new Headers({ "Content-Type": "application/json", [SIGNATURE_HEADER]: signature, [TIMESTAMP_HEADER]: timestamp, [INVOCATION_HEADER]: "inv-1" });
  for (const [name, value] of Object.entries(options.headers ?? {})) {
    if (value === null) headers.delete(name);
    else headers.set(name, value);
  }
  return verify(headers, new TextEncoder().encode(body));
}

async function verify(headers: Headers, body: Uint8Array, fields: Record<string, string> = connection): Promise<WebhookVerification> {
  const verifyWebhook = zendesk.verifyWebhook;
  if (!verifyWebhook) throw new Error("zendesk verifies webhooks");
  return verifyWebhook(fields, { headers, body, now: NOW });
}

function events(result: WebhookVerification): InboundEvent[] {
  if (!result.ok) throw new Error(`refused: ${result.reason}`);
  return result.events;
}

function refusal(result: WebhookVerification): { status: number; reason: string } {
  if (result.ok) throw new Error("expected a refusal");
  return { status: result.status, reason: result.reason };
}

describe("Zendesk webhook signatures", () => {
  it("accepts a correctly signed event and normalizes it, with the payload's event id", async () => {
    const [event, ...rest] = events(await delivery(JSON.stringify(created)));
    expect(rest).toHaveLength(0);
    expect(event).toMatchObject({ id: "cbe4028c-7239-495d-b020-f22348516046", type: "zendesk:ticket.created", occurredAt: "2026-05-01T11:59:31.405Z" });
    expect(event?.data).toMatchObject({ ticket: { id: "5158", status: "new", priority: "high", type: "incident", organization_id: "1504", subject: "Export fails" }, change: null, comment: null });
  });

  it("accepts an epoch-seconds timestamp as well as ISO 8601", async () => {
    const epoch = String(Math.floor(NOW.getTime() / 1000) - 120);
    expect(events(await delivery(JSON.stringify(created), { timestamp: epoch }))).toHaveLength(1);
  });

  it("refuses another tenant's secret", async () => {
    const result = refusal(await delivery(JSON.stringify(created), { secret: OTHER_TENANT_SECRET }));
    expect(result.status).toBe(401);
    expect(result.reason).toContain(SIGNATURE_HEADER);
    expect(result.reason).not.toContain(SECRET);
  });

  it("refuses one flipped byte of the body", async () => {
    const body = JSON.stringify(created);
    const timestamp = NOW.toISOString();
    const signature = await signWebhook(SECRET, timestamp, body);
    const bytes = new TextEncoder().encode(body);
    bytes[40] = (bytes[40] ?? 0) ^ 0x01;
    const result = refusal(await verify(new Headers({ [SIGNATURE_HEADER]: signature, [TIMESTAMP_HEADER]: timestamp }), bytes));
    expect(result).toMatchObject({ status: 401 });
    expect(result.reason).toContain("does not match");
  });

  it("refuses one flipped byte of the signature and a signature over another timestamp", async () => {
    const body = JSON.stringify(created);
    const timestamp = NOW.toISOString();
    const signature = await signWebhook(SECRET, timestamp, body);
    const raw = Uint8Array.from(atob(signature), (c) => c.charCodeAt(0));
    raw[0] = (raw[0] ?? 0) ^ 0x80;
    const flipped = btoa(String.fromCharCode(...raw));
    expect(refusal(await verify(new Headers({ [SIGNATURE_HEADER]: flipped, [TIMESTAMP_HEADER]: timestamp }), new TextEncoder().encode(body))).status).toBe(401);
    const otherTime = new Date(NOW.getTime() - 1000).toISOString();
    expect(refusal(await verify(new Headers({ [SIGNATURE_HEADER]: signature, [TIMESTAMP_HEADER]: otherTime }), new TextEncoder().encode(body))).status).toBe(401);
  });

  it("refuses a stale or future timestamp (over 300 s off), even when correctly signed", async () => {
    const stale = new Date(NOW.getTime() - 301_000).toISOString();
    const result = refusal(await delivery(JSON.stringify(created), { timestamp: stale }));
    expect(result.status).toBe(401);
    expect(result.reason).toContain(TIMESTAMP_HEADER);
    const future = String(Math.floor(NOW.getTime() / 1000) + 301);
    expect(refusal(await delivery(JSON.stringify(created), { timestamp: future })).status).toBe(401);
    expect(refusal(await delivery(JSON.stringify(created), { timestamp: "yesterday" })).reason).toContain("ISO 8601");
  });

  it("refuses missing headers, naming them", async () => {
    expect(refusal(await delivery(JSON.stringify(created), { headers: { [SIGNATURE_HEADER]: null } })).reason).toContain(SIGNATURE_HEADER);
    expect(refusal(await delivery(JSON.stringify(created), { headers: { [TIMESTAMP_HEADER]: null } })).reason).toContain(TIMESTAMP_HEADER);
  });

  it("refuses a signature in another encoding (hex, base64url, truncated)", async () => {
    const body = JSON.stringify(created);
    const timestamp = NOW.toISOString();
    const signature = await signWebhook(SECRET, timestamp, body);
    const raw = Uint8Array.from(atob(signature), (c) => c.charCodeAt(0));
    const hex = [...raw].map((b) => b.toString(16).padStart(2, "0")).join("");
    const base64url = signature.replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
    for (const bad of [hex, base64url, signature.slice(0, 20), `sha256=${signature}`]) {
      const result = refusal(await verify(new Headers({ [SIGNATURE_HEADER]: bad, [TIMESTAMP_HEADER]: timestamp }), new TextEncoder().encode(body)));
      expect(result.status).toBe(401);
      expect(result.reason).toContain(SIGNATURE_HEADER);
    }
  });

  it("refuses re-serialized JSON: the signature covers the raw bytes", async () => {
    const original = JSON.stringify(created, null, 2);
    const timestamp = NOW.toISOString();
    const signature = await signWebhook(SECRET, timestamp, original);
    const reserialized = JSON.stringify(JSON.parse(original));
    expect(events(await verify(new Headers({ [SIGNATURE_HEADER]: signature, [TIMESTAMP_HEADER]: timestamp }), new TextEncoder().encode(original)))).toHaveLength(1);
    expect(refusal(await verify(new Headers({ [SIGNATURE_HEADER]: signature, [TIMESTAMP_HEADER]: timestamp }), new TextEncoder().encode(reserialized))).status).toBe(401);
  });

  it("refuses every delivery when the connection has no signing secret, without echoing secrets", async () => {
    const { webhook_signing_secret: _secret, ...without } = connection;
    const body = JSON.stringify(created);
    const result = refusal(await verify(new Headers({ [SIGNATURE_HEADER]: await signWebhook(SECRET, NOW.toISOString(), body), [TIMESTAMP_HEADER]: NOW.toISOString() }), new TextEncoder().encode(body), without));
    expect(result.status).toBe(401);
    expect(result.reason).toContain("webhook_signing_secret");
    expect(result.reason).not.toContain(connection.api_token);
  });

  it("refuses a signed body that is not JSON or not a Zendesk shape with 400", async () => {
    expect(refusal(await delivery("not json")).status).toBe(400);
    const shape = refusal(await delivery(JSON.stringify({ hello: "world" })));
    expect(shape.status).toBe(400);
    expect(shape.reason).toContain("ticket");
  });
});

describe("Zendesk webhook bodies", () => {
  it("status and priority changes carry the new value; comments carry author and visibility", async () => {
    const base = { ...created, subject: "zen:ticket:5158", time: "2026-05-01T11:59:50Z" };
    const status = events(await delivery(JSON.stringify({ ...base, id: "e-status", type: "zen:event-type:ticket.status_changed", event: { current: "PENDING", previous: "OPEN" } })))[0];
    expect(status?.data.change).toEqual({ field: "status", previous: "open", current: "pending" });
    const priority = events(await delivery(JSON.stringify({ ...base, id: "e-prio", type: "zen:event-type:ticket.priority_changed", event: { current: "URGENT", previous: "HIGH" } })))[0];
    expect(priority?.data.change).toEqual({ field: "priority", previous: "high", current: "urgent" });
    const comment = events(
      await delivery(JSON.stringify({ ...base, id: "e-comment", type: "zen:event-type:ticket.comment_added", event: { comment: { id: "99", body: "Internal note", is_public: false, author: { id: "7", is_staff: true, name: "Agent Ann" } } } })),
    )[0];
    expect(comment?.data.comment).toEqual({ id: "99", body: "Internal note", public: false, by_agent: true, author: "Agent Ann" });
  });

  it("a trigger-style body with a ticket object uses the invocation id", async () => {
    const body = JSON.stringify({ type: "ticket.solved", ticket: { id: "812", status: "Solved", priority: "Normal", subject: "Login loop", requester: { email: "Ann@Customer.com", name: "Ann" }, organization: { id: "44", external_id: "crm-44" }, updated_at: "2026-05-01T11:58:00Z" } });
    const [event] = events(await delivery(body, { headers: { [INVOCATION_HEADER]: "inv-812-1" } }));
    expect(event).toMatchObject({ id: "inv-812-1", type: "zendesk:ticket.solved", occurredAt: "2026-05-01T11:58:00.000Z" });
    expect(event?.data.ticket).toMatchObject({ id: "812", status: "solved", priority: "normal", requester_email: "ann@customer.com", organization_id: "44", organization_external_id: "crm-44" });
    const bare = events(await delivery(JSON.stringify({ type: "ticket.solved", ticket: { id: "813" } }), { headers: { [INVOCATION_HEADER]: "inv-813" } }))[0];
    expect(bare?.data.ticket).toMatchObject({ id: "813", status: "solved" });
    const missing = refusal(await delivery(body, { headers: { [INVOCATION_HEADER]: null } }));
    expect(missing).toMatchObject({ status: 400 });
    expect(missing.reason).toContain(INVOCATION_HEADER);
  });

  it("an array of events becomes several events, each with its own id", async () => {
    const body = JSON.stringify([created, { ...created, id: "second", type: "zen:event-type:ticket.status_changed", event: { current: "OPEN", previous: "NEW" } }]);
    expect(events(await delivery(body)).map((e) => e.id)).toEqual([created.id, "second"]);
  });

  it("keeps events of other kinds (they are ignored later, not refused)", async () => {
    const [event] = events(await delivery(JSON.stringify({ id: "user-evt", type: "zen:event-type:user.created", subject: "zen:user:1", time: NOW.toISOString(), detail: {} })));
    expect(event).toMatchObject({ id: "user-evt", type: "zendesk:user.created", data: { ticket: null } });
  });
});
