import { describe, expect, it } from "vitest";
import type { Json } from "../../src/db/accounts";
import { ProviderError } from "../../src/integrations/http";
import { IntercomClient } from "../../src/integrations/intercom/client";
import { intercomBaseUrl, intercomConnection, INTERCOM_VERSION } from "../../src/integrations/intercom/connection";
import { intercom } from "../../src/integrations/intercom";
import { integrationFor } from "../../src/integrations/registry";
import type { OperationContext } from "../../src/integrations/provider";
import { providerRequests, scriptFaults } from "../support/fakes";

/** The Intercom client and operations against the fake Intercom (tests/fakes/intercom.ts). */

const US = "api.intercom.io";
const EU = "api.eu.intercom.io";

/** A fresh token per test: the fake keeps a workspace per host and token. */
function token(label = "tok"): string {
  return `${label}_${crypto.randomUUID().replaceAll("-", "")}`;
}

function client(accessToken: string, region: "us" | "eu" | "au" = "us", timeoutMs?: number): IntercomClient {
  return new IntercomClient(intercomBaseUrl(region), accessToken, timeoutMs ? { timeoutMs } : {});
}

function context(key = crypto.randomUUID()): OperationContext {
  return { tenantId: "t_test", jobId: "job_test", idempotencyKey: key, attempt: 1 };
}

async function failure(promise: Promise<unknown>): Promise<ProviderError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof ProviderError) return error;
    throw error;
  }
  throw new Error("expected a ProviderError");
}

describe("Intercom connection", () => {
  it("is registered, seals the token and the client secret, and defaults to the US region", () => {
    expect(integrationFor("intercom")).toBe(intercom);
    expect([...intercom.secretFields].sort()).toEqual(["access_token", "client_secret"]);
    const parsed = intercomConnection.parse({ access_token: "dG9rOmFiY2RlZg==" });
    expect(parsed.region).toBe("us");
    expect(intercomBaseUrl(parsed.region)).toBe("https://api.intercom.io");
    expect(intercomBaseUrl("eu")).toBe("https://api.eu.intercom.io");
    expect(intercomBaseUrl("au")).toBe("https://api.au.intercom.io");
  });

  it.each([
    ["a host", { region: "evil.example.com" }],
    ["an IP literal", { region: "169.254.169.254" }],
    ["a dotted region", { region: "eu.intercom.io" }],
    ["an upper-case region", { region: "EU" }],
  ])("refuses %s as the region, naming the field", (_label, settings) => {
    const parsed = intercom.connectionSchema.safeParse({ access_token: "dG9rOmFiY2RlZg==", ...settings });
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues[0]?.message).toMatch(/^region must be us, eu or au/);
  });

  it("refuses a missing, short or header-breaking token and a non-numeric admin, naming the field", () => {
    const messages = (value: Record<string, unknown>) => intercom.connectionSchema.safeParse(value).error?.issues.map((issue) => issue.message).join(" | ") ?? "";
    expect(messages({})).toMatch(/access_token is required/);
    expect(messages({ access_token: "short" })).toMatch(/access_token looks too short/);
    expect(messages({ access_token: "dG9rOmFi\r\nX-Injected: 1" })).toMatch(/access_token may not contain spaces, line breaks/);
    expect(messages({ access_token: "dG9rOmFiY2RlZg==", client_secret: "abc def ghi jkl" })).toMatch(/client_secret may not contain spaces/);
    expect(messages({ access_token: "dG9rOmFiY2RlZg==", admin_id: "ada@example.com" })).toMatch(/admin_id must be the numeric id/);
  });

  it("tests the connection with GET /me on the region's host and names the admin and workspace", async () => {
    const accessToken = token();
    const result = await intercom.testConnection({ region: "eu", access_token: accessToken, admin_id: "991267", client_secret: "0123456789abcdef" });
    expect(result).toEqual({ ok: true, message: "Connected to Intercom as Ada Admin <ada@fake-intercom.test> in workspace Fake Workspace.", identity: "ada@fake-intercom.test" });
    const seen = await providerRequests(EU, `Bearer ${accessToken}`);
    expect(seen.map((request) => `${request.method} ${request.path}`)).toEqual(["GET /me"]);
    expect(seen[0]?.headers["intercom-version"]).toBe(INTERCOM_VERSION);
    expect(await providerRequests(US, `Bearer ${accessToken}`)).toEqual([]);
  });

  it("says what to do when the token is refused, and when admin_id or client_secret are missing", async () => {
    const revoked = await intercom.testConnection({ access_token: token("revoked") });
    expect(revoked.ok).toBe(false);
    expect(revoked.message).toMatch(/^Intercom answered 401: Access Token Invalid .*copy it again/);
    const forbidden = await intercom.testConnection({ access_token: token("noscope") });
    expect(forbidden.message).toMatch(/403: Your app does not have the required permission.*check the app's permissions and the region/);
    const partial = await intercom.testConnection({ access_token: token() });
    expect(partial.ok).toBe(true);
    expect(partial.message).toContain("set admin_id (this token's admin is 991267)");
    expect(partial.message).toContain("Webhooks cannot be verified until client_secret is set");
    expect(revoked.message).not.toContain("revoked_");
  });
});

describe("Intercom client against the fake", () => {
  it("sends the bearer token and the pinned version, and pages contact search with starting_after", async () => {
    const accessToken = token();
    const api = client(accessToken);
    for (let i = 0; i < 5; i++) await api.createContact({ role: "user", email: `pager-${i}@example.com`, external_id: `ext-${i}` });
    const first = await api.searchContacts([{ field: "email", operator: "~", value: "pager-" }], { perPage: 2 });
    expect(first.contacts.map((contact) => contact.email)).toEqual(["pager-0@example.com", "pager-1@example.com"]);
    expect(first.total).toBe(5);
    expect(first.next).not.toBeNull();
    const second = await api.searchContacts([{ field: "email", operator: "~", value: "pager-" }], { perPage: 2, startingAfter: first.next });
    expect(second.contacts.map((contact) => contact.email)).toEqual(["pager-2@example.com", "pager-3@example.com"]);
    const all = await api.searchAllContacts([{ field: "email", operator: "~", value: "pager-" }], { perPage: 2 });
    expect(all.map((contact) => contact.external_id)).toEqual(["ext-0", "ext-1", "ext-2", "ext-3", "ext-4"]);
    const capped = await api.searchAllContacts([{ field: "email", operator: "~", value: "pager-" }], { perPage: 2, limit: 3 });
    expect(capped.length).toBe(3);
    const seen = await providerRequests(US, `Bearer ${accessToken}`);
    expect(seen.every((request) => request.headers["intercom-version"] === "2.14" && request.headers.accept === "application/json")).toBe(true);
    const cursors = seen
      .filter((request) => request.path === "/contacts/search")
      .map((request) => (JSON.parse(request.body) as { pagination: { starting_after?: string } }).pagination.starting_after ?? null);
    // first, second, then three pages for all and two for the capped walk.
    expect(cursors.length).toBe(7);
    expect(cursors[1]).toBe(first.next);
    expect(cursors.slice(2, 5).map((cursor) => cursor === null)).toEqual([true, false, false]);
  });

  it("maps a 429 without Retry-After to a retryable error waiting until X-RateLimit-Reset", async () => {
    const accessToken = token();
    const reset = Math.floor(Date.now() / 1000) + 7;
    await scriptFaults({
      host: US,
      authorization: `Bearer ${accessToken}`,
      responses: [
        {
          status: 429,
          headers: { "Content-Type": "application/json", "X-RateLimit-Limit": "10000", "X-RateLimit-Remaining": "0", "X-RateLimit-Reset": String(reset) },
          body: JSON.stringify({ type: "error.list", errors: [{ code: "rate_limit_exceeded", message: "Exceeded rate limit of 10000 in 1_minute" }] }),
        },
      ],
    });
    const error = await failure(client(accessToken).me());
    expect(error.status).toBe(429);
    expect(error.retryable).toBe(true);
    expect(error.retryAfterSeconds).toBeGreaterThanOrEqual(6);
    expect(error.retryAfterSeconds).toBeLessThanOrEqual(8);
    expect(error.message).toBe("Intercom answered 429: Exceeded rate limit of 10000 in 1_minute");
  });

  it("honours a Retry-After when one is sent, and a 429 with neither header retries without a hint", async () => {
    const accessToken = token();
    await scriptFaults({ host: US, authorization: `Bearer ${accessToken}`, responses: [{ status: 429, headers: { "Retry-After": "12" } }, { status: 429 }] });
    const withHint = await failure(client(accessToken).me());
    expect([withHint.retryable, withHint.retryAfterSeconds]).toEqual([true, 12]);
    const without = await failure(client(accessToken).me());
    expect([without.retryable, without.retryAfterSeconds, without.message]).toEqual([true, null, "Intercom answered 429."]);
  });

  it.each([500, 502, 503])("maps %i to a retryable error", async (status) => {
    const accessToken = token();
    await scriptFaults({ host: US, authorization: `Bearer ${accessToken}`, responses: [{ status, body: "<html>upstream trouble</html>" }] });
    const error = await failure(client(accessToken).me());
    expect([error.status, error.retryable, error.message]).toEqual([status, true, `Intercom answered ${status}.`]);
  });

  it("gives up on a slow answer with a retryable timeout", async () => {
    const accessToken = token();
    await scriptFaults({ host: US, authorization: `Bearer ${accessToken}`, responses: [{ status: 200, body: "{}", delay_ms: 1_500 }] });
    const error = await failure(client(accessToken, "us", 200).me());
    expect([error.status, error.retryable]).toEqual([0, true]);
    expect(error.message).toMatch(/did not answer within/);
  });

  it("refuses a 200 whose body is not JSON, or JSON without an id, as retryable", async () => {
    const accessToken = token();
    await scriptFaults({ host: US, authorization: `Bearer ${accessToken}`, responses: [{ status: 200, body: "{not json" }, { status: 200, body: JSON.stringify({ type: "admin" }) }] });
    const broken = await failure(client(accessToken).me());
    expect([broken.retryable, broken.message]).toEqual([true, "Intercom answered 200 with a body that is not JSON."]);
    const hollow = await failure(client(accessToken).me());
    expect(hollow.retryable).toBe(true);
    expect(hollow.message).toMatch(/missing its id/);
  });

  it("does not follow a redirect, and refuses it for good", async () => {
    const accessToken = token();
    await scriptFaults({ host: US, authorization: `Bearer ${accessToken}`, responses: [{ status: 302, headers: { Location: "http://169.254.169.254/latest/meta-data" } }] });
    const error = await failure(client(accessToken).me());
    expect([error.status, error.retryable]).toEqual([302, false]);
    expect(await providerRequests("169.254.169.254")).toEqual([]);
  });

  it("turns 4xx refusals into non-retryable errors with Intercom's words", async () => {
    const error = await failure(client(token()).getContact("nope"));
    expect([error.status, error.retryable, error.message]).toEqual([404, false, "Intercom answered 404: User Not Found"]);
  });
});

describe("Intercom operations", () => {
  const connection = (accessToken: string) => ({ region: "us", access_token: accessToken, admin_id: "991267" }) satisfies Record<string, Json>;

  it("upsert_contact creates, then finds by external_id, then updates what Intercom lacks", async () => {
    const accessToken = token();
    const run = (payload: Json) => intercom.operations.upsert_contact!(connection(accessToken), payload, context());
    const created = await run({ contact: { external_id: "ct_1", email: "grace@acme.test", name: "Grace" } });
    expect(created.detail.action).toBe("created");
    const found = await run({ contact: { external_id: "ct_1", email: "grace@acme.test", name: "Grace" } });
    expect(found).toEqual({ providerRef: created.providerRef, detail: { action: "found", role: "user" } });
    const updated = await run({ contact: { email: "grace@acme.test", name: "Grace Hopper" }, custom_attributes: { plan: "enterprise" } });
    expect([updated.providerRef, updated.detail.action]).toEqual([created.providerRef, "updated"]);
    const contact = await client(accessToken).getContact(String(created.providerRef));
    expect(contact.name).toBe("Grace Hopper");
    const creates = (await providerRequests(US, `Bearer ${accessToken}`)).filter((request) => request.method === "POST" && request.path === "/contacts");
    expect(creates.length).toBe(1);
  });

  it("upsert_contact fetches the existing contact when the create answers 409", async () => {
    const accessToken = token();
    const existing = await client(accessToken).createContact({ role: "user", email: "race@acme.test" });
    // The search misses (as if the contact were created a moment later), the create collides.
    await scriptFaults({
      host: US,
      authorization: `Bearer ${accessToken}`,
      path_prefix: "/contacts/search",
      responses: [{ status: 200, headers: { "Content-Type": "application/json" }, body: JSON.stringify({ type: "list", data: [], total_count: 0, pages: { type: "pages", page: 1 } }) }],
    });
    const result = await intercom.operations.upsert_contact!(connection(accessToken), { contact: { email: "race@acme.test" } }, context());
    expect(result).toEqual({ providerRef: existing.id, detail: { action: "refetched", role: "user" } });
    const paths = (await providerRequests(US, `Bearer ${accessToken}`)).map((request) => `${request.method} ${request.path}`);
    expect(paths.slice(-3)).toEqual(["POST /contacts/search", "POST /contacts", `GET /contacts/${existing.id}`]);
  });

  it("send_message finds or creates the recipient and sends from the connection's admin", async () => {
    const accessToken = token();
    const result = await intercom.operations.send_message!(
      connection(accessToken),
      { to: { external_id: "ct_9", email: "linus@acme.test" }, message_type: "email", subject: "Your QBR", body: "<p>Hi Linus</p>", template: "personal" },
      context(),
    );
    expect(result.providerRef).toMatch(/^\w+$/);
    expect(result.detail.contact).toBe("created");
    const sent = (await providerRequests(US, `Bearer ${accessToken}`)).find((request) => request.path === "/messages");
    expect(JSON.parse(sent?.body ?? "{}")).toEqual({
      message_type: "email",
      subject: "Your QBR",
      body: "<p>Hi Linus</p>",
      template: "personal",
      from: { type: "admin", id: "991267" },
      to: { type: "user", id: result.detail.contact_id },
    });
  });

  it("refuses bad payloads for good, naming the field, before calling Intercom", async () => {
    const accessToken = token();
    const refusal = async (operation: string, payload: Json, fields: Record<string, Json> = connection(accessToken)) =>
      failure(intercom.operations[operation]!(fields, payload, context()));
    const noSubject = await refusal("send_message", { to: { email: "a@acme.test" }, message_type: "email", body: "hi" });
    expect([noSubject.retryable, noSubject.message]).toEqual([false, "send_message payload: subject: subject is required for an email message"]);
    const nobody = await refusal("add_note", { contact: { name: "No Keys" }, body: "x" });
    expect(nobody.message).toMatch(/^add_note payload: contact: contact needs intercom_id, external_id or email/);
    const noAdmin = await refusal("add_note", { contact: { email: "a@acme.test" }, body: "x" }, { access_token: accessToken });
    expect([noAdmin.retryable, noAdmin.message]).toEqual([false, "admin_id: no Intercom admin to send as; pass admin_id or set admin_id on the Intercom connection."]);
    const badConnection = await refusal("tag_contact", { contact: { email: "a@acme.test" }, tag: "vip" }, { access_token: "x" });
    expect(badConnection.message).toMatch(/^Intercom connection: access_token looks too short/);
    expect(await providerRequests(US, `Bearer ${accessToken}`)).toEqual([]);
  });

  it("add_note, track_event and tag_contact reach the contact", async () => {
    const accessToken = token();
    const fields = connection(accessToken);
    const contact = { external_id: "ct_42", email: "ada@acme.test" };
    const note = await intercom.operations.add_note!(fields, { contact, body: "Renewal call went well" }, context());
    const tracked = await intercom.operations.track_event!(fields, { contact, event_name: "qbr-held", occurred_at: "2026-11-20T15:00:00Z", metadata: { score: 9 } }, context());
    const tagged = await intercom.operations.tag_contact!(fields, { contact, tag: "at-risk" }, context());
    const again = await intercom.operations.tag_contact!(fields, { contact, tag: "at-risk" }, context());
    expect(note.detail.contact_id).toBe(tracked.detail.contact_id);
    expect(tracked.detail.created_at).toBe(Date.parse("2026-11-20T15:00:00Z") / 1000);
    expect(again.providerRef).toBe(tagged.providerRef);
    const seen = await providerRequests(US, `Bearer ${accessToken}`);
    const event = seen.find((request) => request.path === "/events");
    expect(JSON.parse(event?.body ?? "{}")).toEqual({ event_name: "qbr-held", created_at: Date.parse("2026-11-20T15:00:00Z") / 1000, id: tracked.detail.contact_id, metadata: { score: 9 } });
    const noteCall = seen.find((request) => request.path.endsWith("/notes"));
    expect(JSON.parse(noteCall?.body ?? "{}")).toEqual({ body: "Renewal call went well", admin_id: "991267" });
    expect(seen.filter((request) => request.path === "/contacts" && request.method === "POST").length).toBe(1);
  });

  it("passes a provider refusal through as a ProviderError the consumer can retry", async () => {
    const accessToken = token();
    await scriptFaults({ host: US, authorization: `Bearer ${accessToken}`, path_prefix: "/contacts/search", responses: [{ status: 503, body: "{}" }] });
    const error = await failure(intercom.operations.tag_contact!(connection(accessToken), { contact: { email: "x@acme.test" }, tag: "vip" }, context()));
    expect([error.status, error.retryable]).toEqual([503, true]);
  });
});
