import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import { tenantStub, type TenantDO } from "../../durable-objects/tenant";
import { lastFour, open, rootKeys, seal, SealedValueError } from "../../src/integrations/credentials";
import { basicAuth, providerFetch, ProviderError, providerMessage, retryAfterSeconds } from "../../src/integrations/http";
import { pinnedOrigin, subdomainProblem } from "../../src/integrations/hosts";
import { retryDelaySeconds } from "../../src/queues/backoff";
import { chunksOfEvents, MAX_EVENTS_PER_APPLY } from "../../src/queues/consumer";
import { inboundMessages, MESSAGE_BYTES_LIMIT } from "../../src/queues/messages";
import { providerRequests, scriptFaults } from "../support/fakes";
import { newWorkspace, tenantIdOf, tokenFor, callTool, workerFetch } from "../support/worker";

const ROOT = "root-key-for-tests-0123456789abcdef0123456789";
const OTHER_ROOT = "another-root-key-0123456789abcdef0123456789ab";

describe("sealed credentials", () => {
  it("open what was sealed for the same tenant and purpose, and nothing else", async () => {
    const sealed = await seal(ROOT, "t_a", "integration:zendesk", { api_token: "zd-secret-1234" });
    expect(sealed).not.toContain("zd-secret");
    expect(await open([ROOT], "t_a", "integration:zendesk", sealed)).toEqual({ api_token: "zd-secret-1234" });
    await expect(open([ROOT], "t_b", "integration:zendesk", sealed)).rejects.toBeInstanceOf(SealedValueError);
    await expect(open([ROOT], "t_a", "integration:intercom", sealed)).rejects.toBeInstanceOf(SealedValueError);
    await expect(open([OTHER_ROOT], "t_a", "integration:zendesk", sealed)).rejects.toThrow(/ENCRYPTION_KEY_PREVIOUS/);
    const tampered = sealed.slice(0, -2) + (sealed.endsWith("A") ? "BB" : "AA");
    await expect(open([ROOT], "t_a", "integration:zendesk", tampered)).rejects.toBeInstanceOf(SealedValueError);
  });

  it("each seal uses a fresh IV, and the previous key still opens during a rotation", async () => {
    const first = await seal(OTHER_ROOT, "t_a", "p", "x");
    const second = await seal(OTHER_ROOT, "t_a", "p", "x");
    expect(first).not.toBe(second);
    const keys = rootKeys({ ENCRYPTION_KEY: ROOT, ENCRYPTION_KEY_PREVIOUS: OTHER_ROOT });
    expect(await open(keys, "t_a", "p", first)).toBe("x");
    expect(lastFour("SG.abcdefgh")).toBe("…efgh");
    expect(lastFour("abc")).toBe("…");
  });
});

describe("provider hosts", () => {
  it("accept one DNS label and refuse everything that could leave the provider's domain", () => {
    expect(subdomainProblem("acme-support")).toBeNull();
    expect(pinnedOrigin("acme", "zendesk.com")).toBe("https://acme.zendesk.com");
    for (const bad of ["", "acme.zendesk.com", "evil.com#", "127.0.0.1", "ACME", "acme:8080", "a/b", "-acme", "acme_1", "[::1]"]) {
      expect(subdomainProblem(bad), bad).not.toBeNull();
    }
    expect(() => pinnedOrigin("169.254.169.254", "zendesk.com")).toThrow(/IP address/);
  });
});

describe("provider fetch", () => {
  const host = "api.provider-http.test";

  it("turns 429 and 5xx into retryable errors carrying the provider's words and retry hint", async () => {
    await scriptFaults({
      host,
      responses: [
        { status: 429, headers: { "retry-after": "7" }, body: JSON.stringify({ error: "Rate limited" }) },
        { status: 503, body: "<html>down</html>" },
        { status: 422, body: JSON.stringify({ errors: [{ message: "email is invalid" }] }) },
        { status: 302, headers: { location: "https://elsewhere.test/" } },
      ],
    });
    const call = () => providerFetch({ method: "GET", url: `https://${host}/x`, headers: {}, provider: "Fake" });
    const limited = await call().catch((error: unknown) => error);
    expect(limited).toBeInstanceOf(ProviderError);
    expect(limited).toMatchObject({ status: 429, retryable: true, retryAfterSeconds: 7, message: "Fake answered 429: Rate limited" });
    expect(await call().catch((error: unknown) => error)).toMatchObject({ status: 503, retryable: true, message: "Fake answered 503." });
    expect(await call().catch((error: unknown) => error)).toMatchObject({ status: 422, retryable: false, message: "Fake answered 422: email is invalid" });
    const redirected = await call().catch((error: unknown) => error);
    expect(redirected).toMatchObject({ status: 302, retryable: false });
    expect((redirected as Error).message).toMatch(/redirect/);
    expect((await providerRequests(host)).length).toBe(4);
  });

  it("gives up on a slow provider with a retryable timeout", async () => {
    await scriptFaults({ host, path_prefix: "/slow", responses: [{ status: 200, delay_ms: 1500, body: "{}" }] });
    const error = await providerFetch({ method: "GET", url: `https://${host}/slow`, headers: {}, provider: "Fake", timeoutMs: 200 }).catch((e: unknown) => e);
    expect(error).toMatchObject({ status: 0, retryable: true });
    expect((error as Error).message).toMatch(/did not answer/);
  });

  it("reads retry hints in every form providers send them", () => {
    const now = Date.parse("2026-11-22T10:00:00Z");
    expect(retryAfterSeconds(new Headers({ "retry-after": "12" }), now)).toBe(12);
    expect(retryAfterSeconds(new Headers({ "retry-after": "Sun, 22 Nov 2026 10:00:30 GMT" }), now)).toBe(30);
    expect(retryAfterSeconds(new Headers({ "x-ratelimit-reset": String(now / 1000 + 9) }), now)).toBe(9);
    expect(retryAfterSeconds(new Headers({ "ratelimit-reset": "4" }), now)).toBe(4);
    expect(retryAfterSeconds(new Headers(), now)).toBeNull();
    expect(providerMessage('{"error":{"message":"Invalid API key"}}')).toBe("Invalid API key");
    expect(providerMessage("plain words")).toBe("plain words");
    // Zendesk's 422: a code, a description and per-field details, all worth reading.
    expect(providerMessage('{"error":"RecordInvalid","description":"Record validation errors","details":{"email":[{"description":"Email is invalid"}]}}')).toBe(
      "RecordInvalid: Record validation errors: Email is invalid",
    );
    expect(basicAuth("a@b.c/token", "t")).toBe(`Basic ${btoa("a@b.c/token:t")}`);
  });

  it("backs off exponentially with jitter unless the provider named a delay", () => {
    expect(retryDelaySeconds(1, null, () => 0)).toBe(3);
    expect(retryDelaySeconds(3, null, () => 0.99)).toBe(8 + 5);
    expect(retryDelaySeconds(20, null, () => 0)).toBe(301);
    expect(retryDelaySeconds(1, 42)).toBe(42);
    expect(retryDelaySeconds(1, 0)).toBe(1);
    expect(retryDelaySeconds(1, 10 ** 9)).toBe(43_200);
  });
});

describe("queue messages", () => {
  it("split inbound events under the message size limit without splitting an event", () => {
    const big = "x".repeat(30_000);
    const events = Array.from({ length: 10 }, (_, i) => ({ id: `e${i}`, type: "t", occurredAt: "2026-11-22T00:00:00Z", data: { big } }));
    const messages = inboundMessages("t_x", "sendgrid", events);
    expect(messages.length).toBeGreaterThan(1);
    expect(messages.flatMap(({ body }) => (body.kind === "inbound" ? body.events.map((event) => event.id) : []))).toEqual(events.map((event) => event.id));
    for (const message of messages) {
      const bytes = JSON.stringify(message.body).length;
      expect(bytes).toBeLessThanOrEqual(MESSAGE_BYTES_LIMIT);
      // The size sendAll budgets with is the message's own, give or take the envelope's room.
      expect(message.bytes).toBeGreaterThanOrEqual(bytes);
      expect(message.bytes).toBeLessThan(bytes + 150);
    }
  });

  it("apply a batch's webhook deliveries in runs of at most MAX_EVENTS_PER_APPLY events, in order, one oversized delivery alone", () => {
    const delivery = (name: string, events: number) => ({ name, body: { events: Array.from({ length: events }, (_, i) => i) } });
    const runs = (deliveries: ReturnType<typeof delivery>[]) => [...chunksOfEvents(deliveries)].map((chunk) => chunk.map((d) => d.name));
    // A full batch of SendGrid deliveries (100 events each): ten per call.
    const sendgrid = Array.from({ length: 100 }, (_, i) => delivery(`s${i}`, 100));
    const sendgridRuns = runs(sendgrid);
    expect(sendgridRuns.map((run) => run.length)).toEqual(Array((100 * 100) / MAX_EVENTS_PER_APPLY).fill(MAX_EVENTS_PER_APPLY / 100));
    expect(sendgridRuns.flat()).toEqual(sendgrid.map((d) => d.name));
    // A full batch of Zendesk deliveries (one event each): one call.
    expect(runs(Array.from({ length: 100 }, (_, i) => delivery(`z${i}`, 1))).length).toBe(1);
    const most = MAX_EVENTS_PER_APPLY;
    expect(runs([delivery("a", most - 400), delivery("b", 400), delivery("c", 1), delivery("huge", most + 5), delivery("d", 2)])).toEqual([["a", "b"], ["c"], ["huge"], ["d"]]);
    expect(runs([])).toEqual([]);
  });
});

async function workspace(name: string) {
  const ws = await newWorkspace(name);
  const tenantId = await tenantIdOf(ws.email);
  const token = (await tokenFor(ws, { scope: "cs:read cs:write cs:admin" })).access_token;
  return { tenantId, token, tenant: tenantStub(env.TENANT as DurableObjectNamespace<TenantDO>, tenantId) };
}

describe("jobs through the real queue", () => {
  it("a delivery whose provider is not connected fails once with a reason, and a retry requeues it", async () => {
    const { tenant, token } = await workspace("Queue Co");
    const created = await tenant.createIntegrationJob(
      { provider: "zendesk", operation: "create_ticket", description: "two tickets", deliveries: [{ payload: { a: 1 }, items: 1 }, { payload: { a: 2 }, items: 1 }] },
      { userId: "u_test", via: "test" },
    );
    if (!created.ok) throw new Error(created.message);
    expect(created.value.deliveries.total).toBe(2);
    const jobId = created.value.id;
    await vi.waitFor(
      async () => {
        const job = await tenant.integrationJob(jobId);
        if (!job.ok || job.value.status !== "failed") throw new Error("not yet");
      },
      { timeout: 10_000, interval: 100 },
    );
    const { result } = await callTool(token, "get_integration_job", { job_id: jobId });
    const job = result?.structuredContent as { status: string; items: { failed: number }; failures: { error: string; attempts: number }[] };
    expect(job.status).toBe("failed");
    expect(job.items.failed).toBe(2);
    expect(job.failures[0]?.error).toMatch(/zendesk is no longer connected/);
    expect(job.failures[0]?.attempts).toBe(1);
    const retried = await callTool(token, "retry_integration_job", { job_id: jobId });
    expect((retried.result?.structuredContent as { requeued: number }).requeued).toBe(2);
  });

  it("a sent delivery is never claimed again (a redelivered message does nothing)", async () => {
    const { tenant } = await workspace("Redelivery Co");
    // No queue involved here: the consumer's two questions to the Tenant object, in order.
    const created = await tenant.createIntegrationJob({ provider: "sendgrid", operation: "send_mail", description: "one", deliveries: [{ payload: {}, items: 3 }] }, { userId: "u", via: "test" });
    if (!created.ok) throw new Error(created.message);
    const key = `${created.value.id}:1`;
    // The real consumer may already have failed it (no connection): set it up as a fresh claim.
    await tenant.retryDeliveries({ jobId: created.value.id }, { userId: "u", via: "test" });
    const claim = await tenant.claimDelivery(key);
    if (claim?.state === "send") await tenant.finishDelivery(key, { status: "sent", providerRef: "msg-1", detail: {} });
    const again = await tenant.claimDelivery(key);
    expect(again).toEqual({ state: "done", status: "sent" });
  });

  it("inbound events apply once: a redelivered event is counted as a duplicate", async () => {
    const { tenant } = await workspace("Inbound Co");
    const events = [{ id: "evt-1", type: "ping", occurredAt: "2026-11-22T00:00:00Z", data: {} }];
    const first = await tenant.applyInboundEvents("intercom", events);
    const second = await tenant.applyInboundEvents("intercom", [...events, { id: "evt-2", type: "ping", occurredAt: "2026-11-22T00:00:01Z", data: {} }]);
    expect(first).toMatchObject({ ok: true, value: { applied: 1, duplicates: 0 } });
    expect(second).toMatchObject({ ok: true, value: { applied: 1, duplicates: 1 } });
    const receipts = await tenant.recentWebhookEvents("intercom", 10);
    expect(receipts.ok && receipts.value.map((receipt) => receipt.id).sort()).toEqual(["evt-1", "evt-2"]);
    const counts = await tenant.webhookEventCounts();
    expect(counts.ok && counts.value).toEqual([{ provider: "intercom", events: 2, last_received_at: expect.any(String) }]);
  });

  it("an event repeated within one batch applies once, and every receipt keeps its effect", async () => {
    const { tenant } = await workspace("Inbound Batch Co");
    const event = (id: string) => ({ id, type: "ping", occurredAt: "2026-11-22T00:00:00Z", data: {} });
    const outcome = await tenant.applyInboundEvents("intercom", [event("a"), event("b"), event("a"), event("c"), event("b")]);
    expect(outcome).toMatchObject({ ok: true, value: { applied: 3, duplicates: 2 } });
    const receipts = await tenant.recentWebhookEvents("intercom", 10);
    const stored = receipts.ok ? receipts.value : [];
    expect(stored.map((receipt) => receipt.id).sort()).toEqual(["a", "b", "c"]);
    for (const receipt of stored) expect(receipt).toMatchObject({ type: "ping", effect: expect.stringMatching(/\S/) });
  });
});

describe("integration tools and webhooks without a connection", () => {
  it("list shows every provider, none connected, and nothing secret", async () => {
    const { token } = await workspace("List Co");
    const { result } = await callTool(token, "list_integrations", {});
    const list = (result?.structuredContent as { integrations: { provider: string; connected: boolean }[] }).integrations;
    expect(list.map((item) => item.provider)).toEqual(["zendesk", "intercom", "mixpanel", "sendgrid"]);
    expect(list.every((item) => !item.connected)).toBe(true);
  });

  it("webhooks for unknown providers or workspaces answer 404 without touching a Tenant object", async () => {
    const unknownProvider = await workerFetch("http://localhost/webhooks/salesforce/t_00000000000000000000000000000000", { method: "POST", body: "{}" });
    expect(unknownProvider.status).toBe(404);
    const badTenant = await workerFetch("http://localhost/webhooks/zendesk/not-a-tenant", { method: "POST", body: "{}" });
    expect(badTenant.status).toBe(404);
  });
});

describe("ENCRYPTION_KEY rotation", () => {
  it("re-seals connections sealed with the previous key, keeps current ones, and names those no key opens", async () => {
    const { tenant, tenantId, token } = await workspace("Rotation Co");
    const previous = env.ENCRYPTION_KEY_PREVIOUS;
    if (!previous) throw new Error("vitest.config.ts sets ENCRYPTION_KEY_PREVIOUS");
    const sealedWith = (root: string, provider: string) => seal(root, tenantId, `integration:${provider}`, { api_key: `${provider}-secret-9876` });
    const store = async (provider: "zendesk" | "intercom" | "sendgrid", sealedSecrets: string) => {
      const saved = await tenant.saveConnection({ provider, settings: {}, sealedSecrets, secretHints: {} }, [], { userId: "u", via: "test" });
      if (!saved.ok) throw new Error(saved.message);
    };
    await store("zendesk", await sealedWith(previous, "zendesk"));
    await store("intercom", await sealedWith(env.ENCRYPTION_KEY, "intercom"));
    await store("sendgrid", await sealedWith(OTHER_ROOT, "sendgrid"));

    const { result } = await callTool(token, "reseal_integration_credentials", {});
    expect(result?.structuredContent).toEqual({ resealed: ["zendesk"], current: ["intercom"], unreadable: ["sendgrid"] });
    const zendesk = await tenant.connectionFor("zendesk");
    if (!zendesk) throw new Error("zendesk connection vanished");
    // Now it opens with the current key alone, and still holds the same secret.
    expect(await open([env.ENCRYPTION_KEY], tenantId, "integration:zendesk", zendesk.sealedSecrets)).toEqual({ api_key: "zendesk-secret-9876" });
    const again = await tenant.resealConnections();
    expect(again.ok && again.value.resealed).toEqual([]);
  });
});
