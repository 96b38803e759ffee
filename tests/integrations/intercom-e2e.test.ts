import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { tenantStub, type TenantApi, type TenantDO } from "../../durable-objects/tenant";
import * as schema from "../../src/db/tenant-schema";
import { providerRequests, scriptFaults } from "../support/fakes";
import { inTenant, ok, refused, register } from "../support/work";
import { callTool, newWorkspace, ORIGIN, tenantIdOf, tokenFor, workerFetch } from "../support/worker";

/**
 * Intercom end to end through the Worker: connect with the integration tools, signed webhook
 * POSTs through the real route and queue into tenant state, and send_intercom_message as a
 * queued job that reaches the fake Intercom.
 */

const EU = "api.eu.intercom.io";

interface Setup {
  tenantId: string;
  token: string;
  tenant: TenantApi;
  accessToken: string;
  secret: string;
  acme: string;
  grace: string;
  linus: string;
}

async function sign(secret: string, body: string): Promise<string> {
  const key = await crypto.subtle.importKey("raw", new TextEncoder().encode(secret), { name: "HMAC", hash: "SHA-1" }, false, ["sign"]);
  const digest = new Uint8Array(await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(body)));
  return `sha1=${[...digest].map((byte) => byte.toString(16).padStart(2, "0")).join("")}`;
}

function replyNotification(partId: string, email: string): string {
  const now = Math.floor(Date.now() / 1000);
  return JSON.stringify({
    type: "notification_event",
    app_id: "fk3xyz12",
    id: `notif_${crypto.randomUUID()}`,
    topic: "conversation.user.replied",
    delivery_attempts: 1,
    first_sent_at: now,
    created_at: now,
    data: {
      type: "notification_event_data",
      item: {
        type: "conversation",
        id: "9001",
        created_at: now - 600,
        updated_at: now,
        state: "open",
        source: { type: "conversation", id: "1", body: "<p>Hello</p>", author: { type: "user", id: "664e2e0", email } },
        contacts: { type: "contact.list", contacts: [{ type: "contact", id: "664e2e0", external_id: null }] },
        conversation_parts: {
          type: "conversation_part.list",
          conversation_parts: [{ type: "conversation_part", id: partId, part_type: "comment", body: "<p>We love the new dashboards</p>", created_at: now - 5, author: { type: "user", id: "664e2e0", email } }],
          total_count: 1,
        },
      },
    },
  });
}

async function post(tenantId: string, body: string, signature: string | null): Promise<Response> {
  const headers: Record<string, string> = { "Content-Type": "application/json" };
  if (signature) headers["X-Hub-Signature"] = signature;
  return workerFetch(`${ORIGIN}/webhooks/intercom/${tenantId}`, { method: "POST", headers, body });
}

async function addContact(tenantId: string, accountId: string, name: string, email: string): Promise<string> {
  const id = `ct_${crypto.randomUUID().slice(0, 12)}`;
  const at = new Date().toISOString();
  await inTenant(tenantId, (db) =>
    db.insert(schema.contacts).values({ id, accountId, externalId: null, name, email, title: null, role: "champion", isPrimary: false, status: "active", createdAt: at, updatedAt: at }).run(),
  );
  return id;
}

async function interestingTouchpoints(token: string, accountId: string, externalPrefix: string) {
  const listed = await ok<{ touchpoints: { touchpoint_id: string; subject: string; source: string; direction: string }[] }>(token, "list_touchpoints", { client_id: accountId });
  return listed.touchpoints.filter((row) => row.source === "intercom" && row.subject.includes(externalPrefix));
}

describe("Intercom through the Worker", () => {
  let setup: Setup;

  beforeAll(async () => {
    const workspace = await newWorkspace("Intercom E2E Co");
    const tenantId = await tenantIdOf(workspace.email);
    const token = (await tokenFor(workspace, { scope: "cs:read cs:write cs:admin" })).access_token;
    const tenant = tenantStub(env.TENANT as DurableObjectNamespace<TenantDO>, tenantId);
    const acme = await register(token, { client_name: "Acme" });
    const grace = await addContact(tenantId, acme, "Grace Hopper", "grace@acme-e2e.test");
    const linus = await addContact(tenantId, acme, "Linus T", "linus@acme-e2e.test");
    setup = { tenantId, token, tenant, accessToken: `e2e_${crypto.randomUUID().replaceAll("-", "")}`, secret: `whsec${crypto.randomUUID().replaceAll("-", "")}`, acme, grace, linus };
  });

  it("refuses to send before Intercom is connected, then connects and tests against the region's host", async () => {
    const before = await refused(setup.token, "send_intercom_message", { client_id: setup.acme, body: "Hi" });
    expect(before).toMatch(/Intercom is not connected/);
    const connected = await ok<{ test: { ok: boolean; message: string }; integration: { connected: boolean; secret_hints: Record<string, string>; settings: Record<string, unknown> } }>(
      setup.token,
      "connect_integration",
      { provider: "intercom", fields: { region: "eu", access_token: setup.accessToken, client_secret: setup.secret, admin_id: "991267" } },
    );
    expect(connected.test).toMatchObject({ ok: true, message: expect.stringMatching(/^Connected to Intercom as Ada Admin/) });
    expect(connected.integration.connected).toBe(true);
    expect(connected.integration.secret_hints.access_token).toBe(`…${setup.accessToken.slice(-4)}`);
    expect(JSON.stringify(connected)).not.toContain(setup.accessToken);
    expect(JSON.stringify(connected)).not.toContain(setup.secret);
    expect((await providerRequests(EU, `Bearer ${setup.accessToken}`)).map((request) => request.path)).toEqual(["/me"]);
  });

  it("a signed webhook is accepted with 202 and becomes an engagement touchpoint; the same delivery again has no second effect", async () => {
    const body = replyNotification("70001", "GRACE@acme-e2e.test");
    const signature = await sign(setup.secret, body);
    const first = await post(setup.tenantId, body, signature);
    expect(first.status).toBe(202);
    await vi.waitFor(
      async () => {
        const rows = await interestingTouchpoints(setup.token, setup.acme, "We love the new dashboards");
        if (rows.length !== 1) throw new Error(`touchpoints: ${rows.length}`);
      },
      { timeout: 10_000, interval: 150 },
    );
    const again = await post(setup.tenantId, body, signature);
    expect(again.status).toBe(202);
    const notificationId = (JSON.parse(body) as { id: string }).id;
    await vi.waitFor(
      async () => {
        const counts = await setup.tenant.webhookEventCounts();
        if (!counts.ok) throw new Error(counts.message);
        const receipts = await setup.tenant.recentWebhookEvents("intercom", 50);
        if (!receipts.ok || !receipts.value.some((receipt) => receipt.id === notificationId)) throw new Error("no receipt yet");
      },
      { timeout: 10_000, interval: 150 },
    );
    // Give the second delivery time to be applied (or deduped) before counting.
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    const rows = await interestingTouchpoints(setup.token, setup.acme, "We love the new dashboards");
    expect(rows).toHaveLength(1);
    expect(rows[0]?.direction).toBe("inbound");
    const timeline = await ok<{ events: { title: string }[] }>(setup.token, "get_client_timeline", { client_id: setup.acme });
    expect(timeline.events.filter((event) => event.title.includes("We love the new dashboards"))).toHaveLength(1);
  });

  it("refuses a forged delivery with 401 naming the header, and changes nothing", async () => {
    const body = replyNotification("70002", "grace@acme-e2e.test");
    const forged = await post(setup.tenantId, body, await sign("someone-elses-secret-123", body));
    expect(forged.status).toBe(401);
    expect(((await forged.json()) as { message: string }).message).toMatch(/^X-Hub-Signature does not match/);
    const unsigned = await post(setup.tenantId, body, null);
    expect(unsigned.status).toBe(401);
    const text = await unsigned.text();
    expect(text).toMatch(/X-Hub-Signature header is missing/);
    expect(text).not.toContain(setup.secret);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(await interestingTouchpoints(setup.token, setup.acme, "70002")).toEqual([]);
  });

  it("send_intercom_message queues one message per contact, survives a 429 and reaches Intercom", async () => {
    const reset = Math.floor(Date.now() / 1000) + 1;
    await scriptFaults({
      host: EU,
      authorization: `Bearer ${setup.accessToken}`,
      path_prefix: "/messages",
      responses: [{ status: 429, headers: { "Content-Type": "application/json", "X-RateLimit-Reset": String(reset), "X-RateLimit-Remaining": "0" }, body: JSON.stringify({ type: "error.list", errors: [{ code: "rate_limit_exceeded", message: "Exceeded rate limit" }] }) }],
    });
    const started = await ok<{ job_id: string; recipient_count: number; description: string }>(setup.token, "send_intercom_message", {
      client_id: setup.acme,
      message_type: "email",
      subject: "Your {{client_name}} review",
      body: "Hi {{first_name}}, shall we meet?",
    });
    expect(started.recipient_count).toBe(2);
    expect(started.description).toBe("Intercom email to 2 contacts of account Acme");
    await vi.waitFor(
      async () => {
        const job = await ok<{ status: string; items: { sent: number } }>(setup.token, "get_integration_job", { job_id: started.job_id });
        if (job.status !== "sent") throw new Error(`job ${job.status}`);
        expect(job.items.sent).toBe(2);
      },
      { timeout: 20_000, interval: 250 },
    );
    const seen = await providerRequests(EU, `Bearer ${setup.accessToken}`);
    const messages = seen.filter((request) => request.path === "/messages").map((request) => JSON.parse(request.body) as { subject: string; body: string; from: { id: string } });
    // Two recipients, one of them tried twice (the 429), each delivered once.
    expect(messages).toHaveLength(3);
    expect(new Set(messages.map((message) => message.body))).toEqual(new Set(["Hi Grace, shall we meet?", "Hi Linus, shall we meet?"]));
    expect(messages.every((message) => message.subject === "Your Acme review")).toBe(true);
    expect(messages.every((message) => message.from.id === "991267")).toBe(true);
    expect(seen.filter((request) => request.method === "POST" && request.path === "/contacts")).toHaveLength(2);
  });

  it("the tool refuses a bad target or an email without a subject, naming the field", async () => {
    const both = await callTool(setup.token, "send_intercom_message", { body: "x" });
    expect(both.result?.isError).toBe(true);
    expect(both.result?.content[0]?.text).toMatch(/client_id/);
    const noSubject = await refused(setup.token, "send_intercom_message", { client_id: setup.acme, message_type: "email", body: "x" });
    expect(noSubject).toMatch(/subject/);
    const wrongContact = await refused(setup.token, "send_intercom_message", { client_id: setup.acme, contact_ids: ["ct_other"], body: "x" });
    expect(wrongContact).toMatch(/^contact_ids: ct_other is not an active contact/);
  });
});
