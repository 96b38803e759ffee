import { describe, expect, it } from "vitest";
import { ProviderError } from "../../src/integrations/http";
import type { OperationContext } from "../../src/integrations/provider";
import { integrationFor } from "../../src/integrations/registry";
import { sendgrid } from "../../src/integrations/sendgrid";
import { SendgridClient } from "../../src/integrations/sendgrid/client";
import { connectionSchema, sendgridOrigin } from "../../src/integrations/sendgrid/connection";
import { BODY_TAG, sendMail, splitSendMail, type SendMailPayload } from "../../src/integrations/sendgrid/operations";
import { providerRequests, scriptFaults } from "../support/fakes";
import { connectionFor, signingKey, uniqueKey } from "./sendgrid-support";

const HOST = "api.sendgrid.com";
const EU_HOST = "api.eu.sendgrid.com";

function context(label: string): OperationContext {
  return { tenantId: `tenant-${label}`, jobId: `job-${label}`, idempotencyKey: `job-${label}:0`, attempt: 1 };
}

async function rejection(promise: Promise<unknown>): Promise<ProviderError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(ProviderError);
    return error as ProviderError;
  }
  throw new Error("expected a ProviderError");
}

interface SentBody {
  personalizations: { to: { email: string; name?: string }[]; subject?: string; custom_args?: Record<string, string>; substitutions?: Record<string, string>; dynamic_template_data?: Record<string, unknown> }[];
  from: { email: string; name?: string };
  subject?: string;
  content?: { type: string; value: string }[];
  template_id?: string;
  custom_args: Record<string, string>;
  mail_settings: { sandbox_mode: { enable: boolean } };
}

async function sentBodies(host: string, key: string): Promise<SentBody[]> {
  return (await providerRequests(host, `Bearer ${key}`)).filter((r) => r.path === "/v3/mail/send").map((r) => JSON.parse(r.body) as SentBody);
}

describe("SendGrid connection", () => {
  it("is registered, parses a complete connection and derives the host from the region alone", async () => {
    expect(integrationFor("sendgrid")).toBe(sendgrid);
    expect(sendgrid.secretFields).toEqual(["api_key"]);
    const { publicKey } = await signingKey();
    const parsed = connectionSchema.parse({
      api_key: " SG.abc.def ",
      from_email: "Success@Acme.test",
      webhook_public_key: `-----BEGIN PUBLIC KEY-----\n${publicKey.slice(0, 40)}\n${publicKey.slice(40)}\n-----END PUBLIC KEY-----`,
      // Unknown fields are dropped: nothing but the region chooses the host.
      base_url: "http://169.254.169.254",
      host: "evil.example",
    });
    expect(parsed).toEqual({ region: "global", api_key: "SG.abc.def", from_email: "success@acme.test", from_name: null, sandbox_mode: false, webhook_public_key: publicKey });
    expect(sendgridOrigin(parsed)).toBe("https://api.sendgrid.com");
    expect(sendgridOrigin(connectionSchema.parse({ ...parsed, region: "eu" }))).toBe("https://api.eu.sendgrid.com");
  });

  it("refuses hosts, IP literals and dotted names as the region, and names the field and the fix for every bad value", async () => {
    const base = { api_key: "SG.abc.def", from_email: "a@acme.test" };
    const message = (fields: Record<string, unknown>) => {
      const result = connectionSchema.safeParse(fields);
      expect(result.success).toBe(false);
      return result.error?.issues.map((issue) => issue.message).join("; ") ?? "";
    };
    for (const region of ["us", "api.evil.com", "eu.evil.com", "127.0.0.1", "[::1]", "EU", "eu/../x", ""]) {
      expect(message({ ...base, region })).toMatch(/^region: must be "global".*or "eu"/);
    }
    expect(message({ ...base, api_key: "not-a-key" })).toContain("api_key: is not a SendGrid API key");
    expect(message({ from_email: "a@acme.test" })).toContain("api_key: required");
    expect(message({ ...base, from_email: "nobody" })).toContain("from_email: is not an email address");
    expect(message({ ...base, sandbox_mode: "yes" })).toContain("sandbox_mode: must be true or false");
    expect(message({ ...base, webhook_public_key: "%%%not base64%%%" })).toContain("webhook_public_key: is not base64");
    // An RSA-sized blob or a truncated key is base64 but not a P-256 key.
    expect(message({ ...base, webhook_public_key: btoa("x".repeat(91)) })).toContain("not a P-256");
    const { publicKey } = await signingKey();
    expect(message({ ...base, webhook_public_key: publicKey.slice(0, 60) })).toContain("webhook_public_key:");
  });
});

describe("SendGrid client against the fake", () => {
  it("sends one request per payload with custom_args, the connection's sender and 202 + X-Message-Id as providerRef", async () => {
    const key = uniqueKey("send");
    const payload: SendMailPayload = {
      subject: "Your quarterly review",
      text: "Hello from Acme",
      custom_args: { campaign_id: "cmp_1" },
      recipients: [
        { email: "ana@customer.test", name: "Ana", custom_args: { account_id: "cs_1", contact_id: "ct_1" } },
        { email: "ben@customer.test", custom_args: { account_id: "cs_2", contact_id: "ct_2" } },
      ],
    };
    const result = await sendMail(connectionFor(key), payload, context("send"));
    const requests = await providerRequests(HOST, `Bearer ${key}`);
    expect(requests).toHaveLength(1);
    expect(requests[0]?.method).toBe("POST");
    expect(result.providerRef).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(result.detail).toEqual({ recipients: 2, sandbox: false, status: 202 });
    const [body] = await sentBodies(HOST, key);
    expect(body?.from).toEqual({ email: "success@acme.test", name: "Acme Success" });
    expect(body?.custom_args).toEqual({ campaign_id: "cmp_1", tenant_id: "tenant-send", job_id: "job-send", delivery_key: "job-send:0" });
    expect(body?.personalizations.map((p) => [p.to, p.custom_args])).toEqual([
      [[{ email: "ana@customer.test", name: "Ana" }], { account_id: "cs_1", contact_id: "ct_1" }],
      [[{ email: "ben@customer.test" }], { account_id: "cs_2", contact_id: "ct_2" }],
    ]);
    expect(body?.subject).toBe("Your quarterly review");
    expect(body?.content).toEqual([{ type: "text/plain", value: "Hello from Acme" }]);
    expect(body?.mail_settings).toEqual({ sandbox_mode: { enable: false } });
  });

  it("sends in sandbox mode when the connection says so (SendGrid answers 200) and to the EU host for region eu", async () => {
    const key = uniqueKey("sandbox");
    const result = await sendMail(connectionFor(key, { sandbox_mode: true, region: "eu" }), { subject: "s", html: "<p>h</p>", recipients: [{ email: "a@x.test" }] }, context("sandbox"));
    expect(result.detail).toEqual({ recipients: 1, sandbox: true, status: 200 });
    expect(await providerRequests(HOST, `Bearer ${key}`)).toHaveLength(0);
    const [body] = await sentBodies(EU_HOST, key);
    expect(body?.mail_settings.sandbox_mode.enable).toBe(true);
    expect(body?.content).toEqual([{ type: "text/html", value: "<p>h</p>" }]);
  });

  it("sends dynamic templates with per-recipient data, and per-recipient bodies as substitutions", async () => {
    const key = uniqueKey("template");
    await sendMail(
      connectionFor(key),
      { template_id: "d-0123456789abcdef0123456789abcdef", recipients: [{ email: "a@x.test", dynamic_template_data: { first_name: "Ana", health: 71 } }] },
      context("template"),
    );
    await sendMail(
      connectionFor(key),
      { recipients: [{ email: "b@x.test", subject: "Hi Ben", body: "Dear Ben, your renewal is due." }, { email: "c@x.test", subject: "Hi Cy", body: "Dear Cy, welcome." }] },
      context("bodies"),
    );
    const [template, bodies] = await sentBodies(HOST, key);
    expect(template?.template_id).toBe("d-0123456789abcdef0123456789abcdef");
    expect(template?.content).toBeUndefined();
    expect(template?.personalizations[0]?.dynamic_template_data).toEqual({ first_name: "Ana", health: 71 });
    expect(bodies?.content).toEqual([{ type: "text/plain", value: BODY_TAG }]);
    expect(bodies?.personalizations.map((p) => [p.subject, p.substitutions])).toEqual([
      ["Hi Ben", { [BODY_TAG]: "Dear Ben, your renewal is due." }],
      ["Hi Cy", { [BODY_TAG]: "Dear Cy, welcome." }],
    ]);
  });

  it("refuses a payload SendGrid would refuse before calling it: duplicates, over 1,000, mixed content, reserved custom_args", async () => {
    const key = uniqueKey("invalid");
    const cases: [unknown, string][] = [
      [{ subject: "s", text: "t", recipients: [{ email: "a@x.test" }, { email: "A@X.test" }] }, "recipients[1].email: A@X.test appears twice"],
      [{ subject: "s", text: "t", recipients: Array.from({ length: 1001 }, (_, i) => ({ email: `r${i}@x.test` })) }, "recipients: at most 1000"],
      [{ template_id: "d-0123456789abcdef", text: "t", recipients: [{ email: "a@x.test" }] }, "template_id: a dynamic template brings its own content"],
      [{ template_id: "abc", recipients: [{ email: "a@x.test" }] }, "template_id: must be a dynamic template id"],
      [{ text: "t", recipients: [{ email: "a@x.test" }] }, "subject: required"],
      [{ subject: "s", recipients: [{ email: "a@x.test" }] }, "text: give text or html"],
      [{ subject: "s", recipients: [{ email: "a@x.test", body: "b" }, { email: "b@x.test" }] }, "recipients[].body: give a body for every recipient or for none"],
      [{ subject: "s", text: "t", custom_args: { job_id: "forged" }, recipients: [{ email: "a@x.test" }] }, "custom_args.job_id: is set by the integration"],
      [{ subject: "s", text: "t", recipients: [] }, "recipients: give at least one"],
    ];
    for (const [payload, expected] of cases) {
      const error = await rejection(sendMail(connectionFor(key), payload as SendMailPayload, context("invalid")));
      expect(error.retryable).toBe(false);
      expect(error.status).toBe(400);
      expect(error.message).toContain(expected);
    }
    expect(await providerRequests(HOST, `Bearer ${key}`)).toHaveLength(0);
  });

  it("splits a send of 2,501 addresses (with duplicates in other case) into request-sized payloads, each address once", async () => {
    const recipients = Array.from({ length: 2_501 }, (_, i) => ({ email: `user${i}@x.test` }));
    recipients.push({ email: "USER7@x.test" }, { email: "user2500@X.TEST" });
    const { payloads, duplicates } = splitSendMail({ subject: "s", text: "t", recipients });
    expect(duplicates).toBe(2);
    expect(payloads.map((p) => p.recipients.length)).toEqual([1000, 1000, 501]);
    const all = payloads.flatMap((p) => p.recipients.map((r) => r.email.toLowerCase()));
    expect(new Set(all).size).toBe(2_501);
    // The last chunk really is accepted by SendGrid's rules.
    const key = uniqueKey("split");
    const result = await sendMail(connectionFor(key), payloads[2] as SendMailPayload, context("split"));
    expect(result.detail.recipients).toBe(501);
    expect((await sentBodies(HOST, key))[0]?.personalizations).toHaveLength(501);
  });

  it("keeps SendGrid's own words on a 400 and does not retry it", async () => {
    const key = uniqueKey("dup400");
    const client = new SendgridClient("https://api.sendgrid.com", key);
    const error = await rejection(
      client.sendMail({ personalizations: [{ to: [{ email: "a@x.test" }, { email: "a@x.test" }] }], from: { email: "f@x.test" }, subject: "s", content: [{ type: "text/plain", value: "t" }] }),
    );
    expect(error.status).toBe(400);
    expect(error.retryable).toBe(false);
    expect(error.message).toContain("SendGrid answered 400: Each email address in the personalization block should be unique");
  });

  it("maps every fault kind to a ProviderError that says whether and when to retry", async () => {
    const key = uniqueKey("faults");
    const authorization = `Bearer ${key}`;
    const client = new SendgridClient("https://api.sendgrid.com", key, { timeoutMs: 400 });
    const mail = { personalizations: [{ to: [{ email: "a@x.test" }] }], from: { email: "f@x.test" }, subject: "s", content: [{ type: "text/plain", value: "t" }] };
    const errorsBody = JSON.stringify({ errors: [{ message: "too many requests", field: null, help: null }] });
    const resetAt = Math.floor(Date.now() / 1000) + 42;
    await scriptFaults({
      host: HOST,
      authorization,
      path_prefix: "/v3/mail/send",
      responses: [
        { status: 429, headers: { "Retry-After": "7", "Content-Type": "application/json" }, body: errorsBody },
        { status: 429, headers: { "X-RateLimit-Limit": "600", "X-RateLimit-Remaining": "0", "X-RateLimit-Reset": String(resetAt) }, body: errorsBody },
        { status: 429, body: errorsBody },
        { status: 500, body: JSON.stringify({ errors: [{ message: "internal error" }] }) },
        { status: 503, body: "<html>Service Unavailable</html>" },
        { status: 202, delay_ms: 1_500 },
        { status: 302, headers: { Location: "http://169.254.169.254/latest/meta-data" } },
      ],
    });
    const withRetryAfter = await rejection(client.sendMail(mail));
    expect([withRetryAfter.status, withRetryAfter.retryable, withRetryAfter.retryAfterSeconds]).toEqual([429, true, 7]);
    expect(withRetryAfter.message).toContain("too many requests");
    const withReset = await rejection(client.sendMail(mail));
    expect(withReset.retryable).toBe(true);
    expect(withReset.retryAfterSeconds).toBeGreaterThanOrEqual(40);
    expect(withReset.retryAfterSeconds).toBeLessThanOrEqual(43);
    const bare = await rejection(client.sendMail(mail));
    expect([bare.status, bare.retryable, bare.retryAfterSeconds]).toEqual([429, true, null]);
    const serverError = await rejection(client.sendMail(mail));
    expect([serverError.status, serverError.retryable]).toEqual([500, true]);
    expect(serverError.message).toBe("SendGrid answered 500: internal error");
    const unavailable = await rejection(client.sendMail(mail));
    expect([unavailable.status, unavailable.retryable]).toEqual([503, true]);
    expect(unavailable.message).toBe("SendGrid answered 503.");
    const slow = await rejection(client.sendMail(mail));
    expect([slow.status, slow.retryable]).toEqual([0, true]);
    expect(slow.message).toContain("did not answer within");
    const redirect = await rejection(client.sendMail(mail));
    expect([redirect.status, redirect.retryable]).toEqual([302, false]);
    expect(redirect.message).toContain("not followed");
    // The redirect's target was never called.
    expect(await providerRequests("169.254.169.254")).toHaveLength(0);
    // A malformed 200 on a call whose body is read is retryable, not a crash.
    await scriptFaults({ host: HOST, authorization, path_prefix: "/v3/scopes", responses: [{ status: 200, body: "{not json" }, { status: 200, body: JSON.stringify({ scopes: "all" }) }] });
    const malformed = await rejection(client.scopes());
    expect([malformed.retryable, malformed.message]).toEqual([true, "SendGrid answered 200 with a body that is not JSON."]);
    const wrongShape = await rejection(client.scopes());
    expect(wrongShape.message).toContain("without a list of scopes");
    expect(await client.scopes()).toContain("mail.send");
  });
});

describe("SendGrid test connection", () => {
  it("reports success with the sender, and the provider's refusal in words a person can act on", async () => {
    const good = await sendgrid.testConnection(connectionFor(uniqueKey("good"), { sandbox_mode: true }));
    expect(good).toEqual({ ok: true, message: expect.stringContaining("including Mail Send"), identity: "success@acme.test" });
    expect(good.message).toContain("sandbox mode");

    const revokedKey = uniqueKey("revoked");
    const revoked = await sendgrid.testConnection(connectionFor(revokedKey));
    expect(revoked.ok).toBe(false);
    expect(revoked.message).toContain("SendGrid answered 401: The provided authorization grant is invalid, expired, or revoked");
    expect(revoked.message).toContain("Settings → API Keys");
    expect(revoked.message).not.toContain(revokedKey);

    const noSend = await sendgrid.testConnection(connectionFor(uniqueKey("nosend")));
    expect(noSend).toMatchObject({ ok: false, message: expect.stringContaining("no Mail Send permission") });

    const busyKey = uniqueKey("busy");
    await scriptFaults({ host: HOST, authorization: `Bearer ${busyKey}`, responses: [{ status: 503, body: JSON.stringify({ errors: [{ message: "service unavailable" }] }) }] });
    const busy = await sendgrid.testConnection(connectionFor(busyKey));
    expect(busy).toMatchObject({ ok: false, message: "SendGrid answered 503: service unavailable Try again in a minute." });

    const broken = await sendgrid.testConnection({ region: "mars", api_key: "SG.a.b", from_email: "a@x.test" });
    expect(broken).toMatchObject({ ok: false, message: expect.stringContaining("region:") });
  });
});
