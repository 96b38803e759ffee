import { describe, expect, it } from "vitest";
import { basicAuth, ProviderError } from "../../src/integrations/http";
import { mixpanel } from "../../src/integrations/mixpanel";
import { IMPORT_MAX_EVENTS, mixpanelBackoffSeconds, MixpanelClient, type MixpanelEvent, type QueryBudget } from "../../src/integrations/mixpanel/client";
import { mixpanelConnectionSchema } from "../../src/integrations/mixpanel/connection";
import { DELIVERY_MAX_BYTES, importEvents, insertIdFor, planImportDeliveries, toMixpanelEvent } from "../../src/integrations/mixpanel/operations";
import type { ConnectionFields, OperationContext } from "../../src/integrations/provider";
import { providerRequests, scriptFaults } from "../support/fakes";

/** Each test its own service account: the fake keeps state per credential. */
function account(label: string): { username: string; secret: string; authorization: string } {
  const username = `sa-${label}-${crypto.randomUUID().slice(0, 8)}`;
  const secret = `secret-${crypto.randomUUID()}`;
  return { username, secret, authorization: basicAuth(username, secret) };
}

function client(sa: { username: string; secret: string }, options: { region?: "us" | "eu"; budget?: QueryBudget; timeoutMs?: number; token?: string } = {}): MixpanelClient {
  const eu = options.region === "eu";
  return new MixpanelClient({
    ingestionOrigin: eu ? "https://api-eu.mixpanel.com" : "https://api.mixpanel.com",
    queryOrigin: eu ? "https://eu.mixpanel.com" : "https://mixpanel.com",
    projectId: "424242",
    username: sa.username,
    secret: sa.secret,
    projectToken: options.token,
    budget: options.budget,
    timeoutMs: options.timeoutMs,
  });
}

function connection(sa: { username: string; secret: string }, extra: Record<string, string> = {}): ConnectionFields {
  return mixpanelConnectionSchema.parse({ project_id: "424242", service_account_username: sa.username, service_account_secret: sa.secret, ...extra });
}

const context = (attempt = 1): OperationContext => ({ tenantId: "t1", jobId: "job1", idempotencyKey: `key-${attempt}`, attempt });

async function events(count: number, day = "2026-11-20", accountId = "acme"): Promise<MixpanelEvent[]> {
  return Promise.all(
    Array.from({ length: count }, async (_, i) => ({
      event: "report_built",
      properties: { time: Date.parse(`${day}T10:00:00Z`) + i * 1000, distinct_id: `user-${i % 3}`, $insert_id: await insertIdFor(`msg-${accountId}-${day}-${i}`), account_id: accountId },
    })),
  );
}

async function caught(promise: Promise<unknown>): Promise<ProviderError> {
  const error = await promise.then(
    () => null,
    (thrown: unknown) => thrown,
  );
  if (!(error instanceof ProviderError)) throw new Error(`expected a ProviderError, got ${String(error)}`);
  return error;
}

describe("mixpanel connection", () => {
  it("accepts a service account and generates webhook credentials when absent", () => {
    const parsed = mixpanelConnectionSchema.parse({ project_id: " 424242 ", service_account_username: "sa", service_account_secret: "s3cret" });
    expect(parsed.region).toBe("us");
    expect(parsed.project_id).toBe("424242");
    expect(parsed.webhook_username).toMatch(/^mixpanel-[0-9a-f]{8}$/);
    expect(parsed.webhook_password).toMatch(/^[0-9a-f]{48}$/);
    const again = mixpanelConnectionSchema.parse({ project_id: "1", service_account_username: "sa", service_account_secret: "s3cret" });
    expect(again.webhook_password).not.toBe(parsed.webhook_password);
    expect(mixpanel.secretFields).toEqual(expect.arrayContaining(["service_account_secret", "project_token", "webhook_password"]));
    expect(mixpanel.secretFields).not.toContain("webhook_username");
  });

  it.each([
    [{ region: "eu.evil.com" }, "region"],
    [{ region: "127.0.0.1" }, "region"],
    [{ region: "api.mixpanel.com" }, "region"],
    [{ project_id: "42/../admin" }, "project_id"],
    [{ project_id: "1.2.3.4" }, "project_id"],
    [{ project_id: "evil.com#" }, "project_id"],
    [{ service_account_secret: "" }, "service_account_secret"],
    [{ project_token: "tok en" }, "project_token"],
    [{ webhook_password: "short" }, "webhook_password"],
  ])("refuses %o with a message naming the field", (change, field) => {
    const result = mixpanelConnectionSchema.safeParse({ project_id: "424242", service_account_username: "sa", service_account_secret: "s3cret", ...change });
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.message).toContain(field);
  });

  it("reaches only Mixpanel's hosts for the region (EU residency)", async () => {
    const sa = account("eu");
    await importEvents(connection(sa, { region: "eu" }), { events: (await events(1)) as never }, context());
    expect(await providerRequests("api-eu.mixpanel.com", sa.authorization)).toHaveLength(1);
    expect(await providerRequests("api.mixpanel.com", sa.authorization)).toHaveLength(0);
  });

  it("does not follow a redirect", async () => {
    const sa = account("redirect");
    await scriptFaults({ host: "mixpanel.com", authorization: sa.authorization, responses: [{ status: 302, headers: { Location: "http://169.254.169.254/latest" } }] });
    const error = await caught(client(sa).me());
    expect(error.status).toBe(302);
    expect(error.retryable).toBe(false);
    expect(error.message).toContain("not followed");
    await scriptFaults({ host: "api.mixpanel.com", authorization: sa.authorization, responses: [{ status: 307, headers: { Location: "https://evil.example/import" } }] });
    const importError = await caught(client(sa).importEvents(await events(1)));
    expect(importError.status).toBe(307);
    expect(importError.retryable).toBe(false);
    expect((await providerRequests("evil.example")).length).toBe(0);
  });
});

describe("mixpanel import", () => {
  it("imports events with basic auth and project_id in strict mode; a retried batch dedupes on $insert_id", async () => {
    const sa = account("import");
    const batch = await events(5);
    expect(await client(sa).importEvents(batch)).toEqual({ imported: 5, failed: [] });
    await client(sa).importEvents(batch);
    const [first] = await providerRequests("api.mixpanel.com", sa.authorization);
    expect(first?.path).toBe("/import?strict=1&project_id=424242");
    expect(first?.headers["content-type"]).toBe("application/json");
    const counts = await client(sa).segmentation({ event: "report_built", from_date: "2026-11-20", to_date: "2026-11-20", where: 'properties["account_id"] == "acme"' });
    expect(counts.values.report_built?.["2026-11-20"]).toBe(5);
  });

  it("reports strict mode's failed records and keeps what was imported", async () => {
    const sa = account("strict");
    const batch = await events(3);
    const broken = { event: "report_built", properties: { ...batch[1]!.properties, time: Date.now() + 86_400_000 * 30 } };
    const result = await client(sa).importEvents([batch[0]!, broken, batch[2]!]);
    expect(result.imported).toBe(2);
    expect(result.failed).toEqual([{ index: 1, insert_id: batch[1]!.properties.$insert_id, field: "properties.time", message: expect.stringContaining("future") }]);
    const operation = await importEvents(connection(sa), { events: [batch[0]!, broken] as never }, context());
    expect(operation.detail).toMatchObject({ imported: 1, failed: 1 });
    const all = await caught(client(sa).importEvents([broken]));
    expect(all.status).toBe(400);
    expect(all.retryable).toBe(false);
    expect(all.message).toContain("properties.time");
  });

  it("refuses a bad service account with Mixpanel's words", async () => {
    const sa = { ...account("bad"), secret: "wrong-secret" };
    const error = await caught(client(sa).importEvents(await events(1)));
    expect(error.status).toBe(401);
    expect(error.retryable).toBe(false);
    expect(error.message).toContain("Invalid username or secret");
    expect(error.message).not.toContain("wrong-secret");
  });

  it("maps 429 without Retry-After to Mixpanel's backoff, with Retry-After to the provider's hint", async () => {
    const sa = account("limited");
    await scriptFaults({ host: "api.mixpanel.com", authorization: sa.authorization, responses: [{ status: 429, body: '{"error":"rate limit exceeded"}' }, { status: 429, headers: { "Retry-After": "30" } }, { status: 429 }] });
    const batch = await events(1);
    const bare = await caught(client(sa).importEvents(batch));
    expect(bare).toMatchObject({ status: 429, retryable: true, retryAfterSeconds: null });
    expect(bare.message).toContain("rate limit exceeded");
    const hinted = await caught(importEvents(connection(sa), { events: batch as never }, context(1)));
    expect(hinted.retryAfterSeconds).toBe(30);
    const backedOff = await caught(importEvents(connection(sa), { events: batch as never }, context(3)));
    expect(backedOff.retryAfterSeconds).toBeGreaterThanOrEqual(9);
    expect(backedOff.retryAfterSeconds).toBeLessThanOrEqual(13);
  });

  it("backs off from 2 s doubling to 60 s with 1–5 s of jitter", () => {
    expect(mixpanelBackoffSeconds(1, () => 0)).toBe(3);
    expect(mixpanelBackoffSeconds(2, () => 0)).toBe(5);
    expect(mixpanelBackoffSeconds(4, () => 0.999)).toBe(21);
    expect(mixpanelBackoffSeconds(6, () => 0)).toBe(61);
    expect(mixpanelBackoffSeconds(20, () => 0.999)).toBe(65);
  });

  it.each([500, 502, 503])("treats %i as retryable", async (status) => {
    const sa = account(`s${status}`);
    await scriptFaults({ host: "api.mixpanel.com", authorization: sa.authorization, responses: [{ status, body: "<html>upstream</html>" }] });
    const error = await caught(client(sa).importEvents(await events(1)));
    expect(error).toMatchObject({ status, retryable: true });
    expect(error.message).not.toContain("<html>");
  });

  it("treats a slow answer as a retryable timeout and a malformed 200 as retryable", async () => {
    const sa = account("slow");
    await scriptFaults({ host: "api.mixpanel.com", authorization: sa.authorization, responses: [{ status: 200, body: "{}", delay_ms: 1500 }, { status: 200, body: "{not json" }] });
    const slow = await caught(client(sa, { timeoutMs: 300 }).importEvents(await events(1)));
    expect(slow).toMatchObject({ status: 0, retryable: true });
    expect(slow.message).toContain("did not answer");
    const malformed = await caught(client(sa).importEvents(await events(1)));
    expect(malformed).toMatchObject({ status: 200, retryable: true });
    expect(malformed.message).toContain("not JSON");
  });

  it("validates the operation payload, naming the field", async () => {
    const sa = account("payload");
    const [event] = await events(1);
    const noInsertId = { event: "x", properties: { time: 1, distinct_id: "u" } };
    const error = await caught(importEvents(connection(sa), { events: [noInsertId] }, context()));
    expect(error.retryable).toBe(false);
    expect(error.message).toContain("events.0.properties.$insert_id");
    const tooMany = await caught(importEvents(connection(sa), { events: Array.from({ length: IMPORT_MAX_EVENTS + 1 }, () => event) as never }, context()));
    expect(tooMany.message).toContain("at most 2000");
    expect(await providerRequests("api.mixpanel.com", sa.authorization)).toHaveLength(0);
  });
});

describe("mixpanel export planning", () => {
  it("derives a stable $insert_id from our message id", async () => {
    const usage = { messageId: "m-1", type: "track", event: "Export CSV", userId: "u1", anonymousId: null, accountId: "acc_1", accountExternalId: "acme", properties: '{"plan":"pro"}', occurredAt: "2026-11-20T10:00:00.000Z" };
    const first = await toMixpanelEvent(usage);
    const second = await toMixpanelEvent({ ...usage, properties: "{}" });
    expect(first.properties.$insert_id).toBe(second.properties.$insert_id);
    expect(first.properties.$insert_id).toMatch(/^[0-9a-f]{32}$/);
    expect((await toMixpanelEvent({ ...usage, messageId: "m-2" })).properties.$insert_id).not.toBe(first.properties.$insert_id);
    expect(first).toMatchObject({ event: "Export CSV", properties: { time: Date.parse(usage.occurredAt), distinct_id: "u1", account_id: "acme", plan: "pro" } });
  });

  it("splits 2,001 events into 2,000 + 1 and keeps every body under the byte limit", async () => {
    const batch = await events(2001);
    const plan = planImportDeliveries(batch);
    expect(plan.map((delivery) => delivery.items)).toEqual([2000, 1]);
    expect(plan.flatMap((delivery) => delivery.payload.events)).toEqual(batch);
    const big = batch.slice(0, 1200).map((event) => ({ ...event, properties: { ...event.properties, blob: "y".repeat(1500) } }));
    const byDefault = planImportDeliveries(big);
    expect(byDefault.length).toBe(2);
    for (const delivery of byDefault) expect(JSON.stringify(delivery.payload.events).length).toBeLessThanOrEqual(DELIVERY_MAX_BYTES);
    const padded = batch.slice(0, 10).map((event) => ({ ...event, properties: { ...event.properties, blob: "x".repeat(300) } }));
    const oneEvent = JSON.stringify(padded[0]).length;
    const bySize = planImportDeliveries(padded, { maxEvents: 2000, maxBytes: oneEvent * 3 + 4 });
    expect(bySize.map((delivery) => delivery.items)).toEqual([3, 3, 3, 1]);
    for (const delivery of bySize) expect(JSON.stringify(delivery.payload.events).length).toBeLessThanOrEqual(oneEvent * 3 + 4);
    expect(() => planImportDeliveries(padded, { maxEvents: 2000, maxBytes: 100 })).toThrow(/events\[0\]/);
  });
});

describe("mixpanel engage, query and test connection", () => {
  it("sets and increments profiles with the project token", async () => {
    const sa = account("engage");
    const result = await client(sa, { token: "goodtoken123" }).engage([{ distinct_id: "u1", set: { plan: "pro" }, add: { logins: 2 } }]);
    expect(result.updated).toBe(2);
    const sent = (await providerRequests("api.mixpanel.com")).filter((request) => request.body.includes("goodtoken123"));
    expect(JSON.parse(sent[0]!.body)).toEqual([
      { $token: "goodtoken123", $distinct_id: "u1", $set: { plan: "pro" } },
      { $token: "goodtoken123", $distinct_id: "u1", $add: { logins: 2 } },
    ]);
  });

  it("treats a 200 with status 0 as a failure carrying Mixpanel's error", async () => {
    const sa = account("engage-bad");
    const error = await caught(client(sa, { token: "badtoken999" }).engage([{ distinct_id: "u1", set: { plan: "pro" } }]));
    expect(error).toMatchObject({ status: 200, retryable: false });
    expect(error.message).toContain("Invalid project token");
    const missing = await caught(client(sa).engage([{ distinct_id: "u1", set: { a: 1 } }]));
    expect(missing.message).toContain("project_token");
  });

  it("refuses a query early once the tenant used its hourly budget, without calling Mixpanel", async () => {
    const sa = account("budget");
    let used = 0;
    const budget: QueryBudget = { reserve: async () => (++used > 1 ? { ok: false, retryAfterSeconds: 1200 } : { ok: true }) };
    await client(sa, { budget }).segmentation({ event: "x", from_date: "2026-11-01", to_date: "2026-11-02" });
    const error = await caught(client(sa, { budget }).segmentation({ event: "x", from_date: "2026-11-01", to_date: "2026-11-02" }));
    expect(error).toMatchObject({ status: 429, retryable: true, retryAfterSeconds: 1200 });
    expect(error.message).toContain("60 queries per hour");
    expect(error.message).toContain("20 min");
    expect(await providerRequests("mixpanel.com", sa.authorization)).toHaveLength(1);
  });

  it("gives a query 429 without Retry-After the first backoff step", async () => {
    const sa = account("q429");
    await scriptFaults({ host: "mixpanel.com", authorization: sa.authorization, responses: [{ status: 429, body: '{"error":"Query rate limit exceeded"}' }] });
    const error = await caught(client(sa).segmentation({ event: "x", from_date: "2026-11-01", to_date: "2026-11-02" }));
    expect(error.retryable).toBe(true);
    expect(error.retryAfterSeconds).toBeGreaterThanOrEqual(3);
    expect(error.retryAfterSeconds).toBeLessThanOrEqual(7);
  });

  it("tests the connection against /api/app/me and says what to fix", async () => {
    const good = account("me");
    expect(await mixpanel.testConnection(connection(good))).toEqual({ ok: true, message: expect.stringContaining("project 424242"), identity: `${good.username}@serviceaccount.mixpanel.com` });
    const wrong = await mixpanel.testConnection(connection({ ...account("me-bad"), secret: "wrong-secret" }));
    expect(wrong.ok).toBe(false);
    expect(wrong.message).toContain("401");
    expect(wrong.message).toContain("service_account_secret");
    expect(wrong.message).not.toContain("wrong-secret");
    const noAccess = await mixpanel.testConnection(connection(account("noaccess")));
    expect(noAccess.ok).toBe(false);
    expect(noAccess.message).toContain("no access to project 424242");
  });
});
