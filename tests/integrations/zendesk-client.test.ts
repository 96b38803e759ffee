import { describe, expect, it } from "vitest";
import { ProviderError } from "../../src/integrations/http";
import { ZendeskClient } from "../../src/integrations/zendesk/client";
import { authorizationOf, baseUrlOf, readConnection } from "../../src/integrations/zendesk/connection";
import { zendesk } from "../../src/integrations/zendesk";
import type { ConnectionFields, OperationContext } from "../../src/integrations/provider";
import { providerRequests, scriptFaults } from "../support/fakes";

/** Each test gets its own Zendesk account (subdomain): the fakes are shared by every test file. */
let counter = 0;
function account(overrides: Partial<Record<string, string>> = {}): { fields: ConnectionFields; host: string; client: ZendeskClient } {
  counter += 1;
  const subdomain = `zd-client-${counter}-${crypto.randomUUID().slice(0, 8)}`;
  const fields: ConnectionFields = { subdomain, auth: "api_token", email: "agent@example.com", api_token: `tok-${crypto.randomUUID()}`, ...overrides };
  const connection = readConnection(fields);
  return { fields, host: `${subdomain}.zendesk.com`, client: new ZendeskClient(baseUrlOf(connection), authorizationOf(connection), { timeoutMs: 1_000 }) };
}

function context(key: string): OperationContext {
  return { tenantId: "tenant-test", jobId: "job-test", idempotencyKey: key, attempt: 1 };
}

async function providerError(promise: Promise<unknown>): Promise<ProviderError> {
  const error = await promise.then(
    () => null,
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(ProviderError);
  return error as ProviderError;
}

describe("Zendesk client against the fake", () => {
  it("authenticates with {email}/token:{api_token} basic auth at the subdomain's /api/v2", async () => {
    const { client, host, fields } = account();
    const me = await client.me();
    expect(me.email).toBe("agent@example.com");
    const [request] = await providerRequests(host);
    expect(request?.path).toBe("/api/v2/users/me");
    expect(request?.headers.authorization).toBe(`Basic ${btoa(`agent@example.com/token:${String(fields.api_token)}`)}`);
  });

  it("authenticates with an OAuth bearer token", async () => {
    const { client, host, fields } = account({ auth: "oauth", email: undefined, api_token: undefined, oauth_access_token: "oauth-token-0123456789" });
    expect(fields.auth).toBe("oauth");
    await client.me();
    const [request] = await providerRequests(host);
    expect(request?.headers.authorization).toBe("Bearer oauth-token-0123456789");
  });

  it("creates, gets, updates and comments on a ticket", async () => {
    const { client, host } = account();
    const { ticket, replayed } = await client.createTicket({ subject: "Export fails", comment: { body: "CSV export times out", public: true }, priority: "high", requester: { email: "ann@customer.com", name: "Ann" } }, "key-1");
    expect(replayed).toBe(false);
    expect(ticket).toMatchObject({ subject: "Export fails", status: "new", priority: "high" });
    const fetched = await client.getTicket(ticket.id);
    expect(fetched.id).toBe(ticket.id);
    const updated = await client.updateTicket(ticket.id, { status: "pending", priority: "urgent" });
    expect(updated).toMatchObject({ status: "pending", priority: "urgent" });
    await client.addComment(ticket.id, { body: "Internal: looking at logs", public: false });
    const requests = await providerRequests(host);
    const put = requests.filter((r) => r.method === "PUT").at(-1);
    expect(JSON.parse(put?.body ?? "{}")).toEqual({ ticket: { comment: { body: "Internal: looking at logs", public: false } } });
    expect(requests.find((r) => r.method === "POST")?.headers["idempotency-key"]).toBe("key-1");
  });

  it("create_ticket passes the delivery's idempotency key, so a redelivery returns the first ticket", async () => {
    const { fields, host } = account();
    const payload = { subject: "Billing question", body: "Invoice is wrong", priority: "normal" as const, requester_email: "bob@customer.com" };
    const first = await zendesk.operations.create_ticket?.(fields, payload, context("job-1:0"));
    const again = await zendesk.operations.create_ticket?.(fields, payload, { ...context("job-1:0"), attempt: 2 });
    expect(first?.providerRef).toMatch(/^\d+$/);
    expect(again?.providerRef).toBe(first?.providerRef);
    expect(again?.detail.idempotent_replay).toBe(true);
    const posts = (await providerRequests(host)).filter((r) => r.method === "POST");
    expect(posts.map((r) => r.headers["idempotency-key"])).toEqual(["job-1:0", "job-1:0"]);
    const other = await zendesk.operations.create_ticket?.(fields, payload, context("job-1:1"));
    expect(other?.providerRef).not.toBe(first?.providerRef);
  });

  it("update_ticket, add_comment and upsert_user operations", async () => {
    const { fields } = account();
    const created = await zendesk.operations.create_ticket?.(fields, { subject: "S", body: "B" }, context("c-1"));
    const ticketId = Number(created?.providerRef);
    const updated = await zendesk.operations.update_ticket?.(fields, { ticket_id: ticketId, status: "solved" }, context("u-1"));
    expect(updated?.detail).toMatchObject({ ticket_id: ticketId, status: "solved" });
    const note = await zendesk.operations.add_comment?.(fields, { ticket_id: ticketId, body: "Note", public: false }, context("n-1"));
    expect(note?.detail.public).toBe(false);
    const user = await zendesk.operations.upsert_user?.(fields, { email: "Cara@Customer.com", name: "Cara" }, context("p-1"));
    expect(user?.detail.created).toBe(true);
    const again = await zendesk.operations.upsert_user?.(fields, { email: "cara@customer.com", name: "Cara Jones" }, context("p-2"));
    expect(again?.detail.created).toBe(false);
    expect(again?.providerRef).toBe(user?.providerRef);
  });

  it("refuses an invalid payload for good, naming the field, without calling Zendesk", async () => {
    const { fields, host } = account();
    const error = await providerError(Promise.resolve().then(() => zendesk.operations.update_ticket?.(fields, { ticket_id: "12", status: "done" }, context("x"))));
    expect(error.retryable).toBe(false);
    expect(error.message).toContain("ticket_id");
    expect(error.message).toContain("status");
    const empty = await providerError(Promise.resolve().then(() => zendesk.operations.update_ticket?.(fields, { ticket_id: 12 }, context("y"))));
    expect(empty.message).toContain("at least one of");
    const comment = await providerError(Promise.resolve().then(() => zendesk.operations.add_comment?.(fields, { ticket_id: 12, body: "x" }, context("z"))));
    expect(comment.message).toContain("public");
    expect(await providerRequests(host)).toHaveLength(0);
  });

  it("searches an organization's tickets through /search/export, following the cursor", async () => {
    const { client, host } = account();
    for (let i = 0; i < 5; i++) await client.createTicket({ subject: `Org ticket ${i}`, comment: { body: "b", public: true }, organization_id: 77 });
    await client.createTicket({ subject: "Other org", comment: { body: "b", public: true }, organization_id: 78 });
    const first = await client.exportTickets("organization:77", { pageSize: 2 });
    expect(first.tickets).toHaveLength(2);
    expect(first.nextCursor).not.toBeNull();
    const all = await client.searchAllTickets("organization:77", { pageSize: 2 });
    expect(all.pages).toBe(3);
    expect(all.tickets.map((t) => t.subject).sort()).toEqual(["Org ticket 0", "Org ticket 1", "Org ticket 2", "Org ticket 3", "Org ticket 4"]);
    expect(all.truncated).toBe(false);
    const capped = await client.searchAllTickets("organization:77", { maxTickets: 3 });
    expect(capped.tickets).toHaveLength(3);
    expect(capped.truncated).toBe(true);
    const exports = (await providerRequests(host)).filter((r) => r.path.startsWith("/api/v2/search/export"));
    expect(exports.every((r) => new URL(`https://x${r.path}`).searchParams.get("filter[type]") === "ticket")).toBe(true);
    expect(exports.some((r) => new URL(`https://x${r.path}`).searchParams.get("page[after]") !== null)).toBe(true);
  });
});

describe("Zendesk faults map to ProviderError", () => {
  it("429 with Retry-After is retryable after that many seconds", async () => {
    const { client, host } = account();
    await scriptFaults({ host, responses: [{ status: 429, headers: { "Retry-After": "17", "Content-Type": "application/json" }, body: '{"error":"TooManyRequests","description":"Rate limit exceeded"}' }] });
    const error = await providerError(client.me());
    expect(error).toMatchObject({ status: 429, retryable: true, retryAfterSeconds: 17 });
    expect(error.message).toContain("429");
  });

  it("429 without Retry-After falls back to Zendesk's ratelimit-reset, or to none", async () => {
    const { client, host } = account();
    await scriptFaults({ host, responses: [{ status: 429, headers: { "ratelimit-reset": "42" }, body: "" }, { status: 429, body: "Too Many Requests" }] });
    expect(await providerError(client.me())).toMatchObject({ status: 429, retryable: true, retryAfterSeconds: 42 });
    expect(await providerError(client.me())).toMatchObject({ status: 429, retryable: true, retryAfterSeconds: null });
  });

  it("5xx is retryable; 4xx is not and carries Zendesk's own words", async () => {
    const { client, host } = account();
    await scriptFaults({ host, responses: [{ status: 503, body: "<html>maintenance</html>" }] });
    const unavailable = await providerError(client.me());
    expect(unavailable).toMatchObject({ status: 503, retryable: true });
    expect(unavailable.message).not.toContain("<html>");
    const missing = await providerError(client.getTicket(999_999));
    expect(missing).toMatchObject({ status: 404, retryable: false });
    expect(missing.message).toContain("RecordNotFound");
    const bad = account({ api_token: "bad-token-0123456789" });
    const refused = await providerError(bad.client.me());
    expect(refused).toMatchObject({ status: 401, retryable: false });
    expect(refused.message).toContain("Couldn't authenticate you");
    expect(refused.message).not.toContain("bad-token");
  });

  it("a slow answer times out as a retryable failure", async () => {
    const { client, host } = account();
    await scriptFaults({ host, responses: [{ status: 200, body: '{"user":{"id":1}}', delay_ms: 2_500 }] });
    const error = await providerError(client.me());
    expect(error).toMatchObject({ status: 0, retryable: true });
    expect(error.message).toContain("did not answer");
  });

  it("a malformed 2xx body (not JSON, or not the expected shape) is a retryable failure", async () => {
    const { client, host } = account();
    await scriptFaults({ host, responses: [{ status: 200, body: "{not json" }, { status: 200, body: '{"ticket":{"subject":"no id"}}', headers: { "Content-Type": "application/json" } }] });
    expect(await providerError(client.me())).toMatchObject({ status: 200, retryable: true });
    const shape = await providerError(client.getTicket(1));
    expect(shape).toMatchObject({ status: 200, retryable: true });
    expect(shape.message).toContain("not a ticket");
  });

  it("a redirect is not followed", async () => {
    const { client, host } = account();
    await scriptFaults({ host, responses: [{ status: 302, headers: { Location: "http://169.254.169.254/latest/meta-data" }, body: "" }] });
    const error = await providerError(client.me());
    expect(error).toMatchObject({ status: 302, retryable: false });
    const requests = await providerRequests("169.254.169.254");
    expect(requests).toHaveLength(0);
  });
});

describe("testConnection", () => {
  it("reports who the credentials belong to", async () => {
    const { fields } = account();
    const result = await zendesk.testConnection(fields);
    expect(result.ok).toBe(true);
    expect(result.identity).toBe("agent@example.com");
    expect(result.message).toContain(".zendesk.com");
  });

  it("reports Zendesk's refusal in words a person can act on, without the secret", async () => {
    const { fields } = account({ api_token: "bad-secret-token-xyz" });
    const result = await zendesk.testConnection(fields);
    expect(result.ok).toBe(false);
    expect(result.message).toContain("Couldn't authenticate you");
    expect(result.message).toContain("API token");
    expect(result.message).not.toContain("bad-secret-token-xyz");
  });

  it("refuses credentials of an end user", async () => {
    const { fields } = account({ api_token: "enduser-token-0123" });
    const result = await zendesk.testConnection(fields);
    expect(result).toMatchObject({ ok: false });
    expect(result.message).toContain("agent or admin");
  });

  it("says when Zendesk is down and when to try again", async () => {
    const { fields, host } = account();
    await scriptFaults({ host, responses: [{ status: 429, headers: { "Retry-After": "30" } }, { status: 500 }] });
    expect((await zendesk.testConnection(fields)).message).toContain("test again in 30 s");
    expect((await zendesk.testConnection(fields)).message).toContain("unavailable");
  });
});
