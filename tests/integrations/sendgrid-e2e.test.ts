import { describe, expect, it, vi } from "vitest";
import * as schema from "../../src/db/tenant-schema";
import { providerRequests, scriptFaults } from "../support/fakes";
import { inTenant, newTeam, ok, refused, register } from "../support/work";
import { ORIGIN, workerFetch } from "../support/worker";
import { addContact, connected, sgEvent, signedHeaders, signingKey, uniqueKey, type Setup } from "./sendgrid-support";

const HOST = "api.sendgrid.com";

async function postWebhook(setup: Setup, events: unknown[], signer: CryptoKey = setup.key.privateKey): Promise<Response> {
  const body = JSON.stringify(events);
  return workerFetch(`${ORIGIN}/webhooks/sendgrid/${setup.team.tenantId}`, { method: "POST", headers: await signedHeaders(signer, body), body });
}

interface Job {
  status: string;
  items: { total: number; sent: number; failed: number };
}

describe("SendGrid end to end", () => {
  it("send_email queues a job that reaches SendGrid with custom_args, and signed events become touchpoints once, even when delivered twice", async () => {
    const setup = await connected("flow");
    const sent = await ok<{ job_id: string; recipients: number; suppressed: number; deliveries: number }>(setup.team.token, "send_email", {
      client_id: setup.accountId,
      subject: "Hello {{first_name}}",
      body: "Your account {{client_name}} is set up.",
    });
    expect([sent.recipients, sent.suppressed, sent.deliveries]).toEqual([2, 0, 1]);
    await vi.waitFor(async () => expect((await ok<Job>(setup.team.token, "get_integration_job", { job_id: sent.job_id })).status).toBe("sent"), { timeout: 10_000, interval: 200 });
    const requests = (await providerRequests(HOST, `Bearer ${setup.apiKey}`)).filter((r) => r.path === "/v3/mail/send");
    expect(requests).toHaveLength(1);
    const body = JSON.parse(requests[0]?.body ?? "{}") as { custom_args: Record<string, string>; personalizations: { subject: string; custom_args: Record<string, string>; to: { email: string }[] }[]; from: { email: string } };
    expect(body.custom_args).toMatchObject({ tenant_id: setup.team.tenantId, job_id: sent.job_id });
    expect(body.personalizations.map((p) => [p.to[0]?.email, p.subject, p.custom_args.contact_id])).toEqual(
      expect.arrayContaining([[setup.contacts[0]?.email, "Hello Ana", setup.contacts[0]?.id], [setup.contacts[1]?.email, "Hello Ben", setup.contacts[1]?.id]]),
    );
    expect(body.from.email).toBe("success@acme.test");

    const [ana] = setup.contacts;
    const args = { account_id: setup.accountId, contact_id: ana?.id ?? "", subject: "Hello Ana" };
    const events = [
      sgEvent("delivered", { email: ana?.email ?? "", sg_message_id: "E2EMSG.filter1", ...args }),
      sgEvent("open", { email: ana?.email ?? "", sg_message_id: "E2EMSG.filter1", ...args }),
    ];
    const first = await postWebhook(setup, events);
    expect(first.status).toBe(202);
    expect(await first.json()).toEqual({ accepted: 2 });
    // SendGrid retries the same batch: accepted again, applied once.
    expect((await postWebhook(setup, events)).status).toBe(202);
    await vi.waitFor(
      async () => {
        const page = await ok<{ touchpoints: { source: string; opened_at: string | null; subject: string }[] }>(setup.team.token, "list_touchpoints", { client_id: setup.accountId });
        expect(page.touchpoints.filter((t) => t.source === "sendgrid")).toEqual([expect.objectContaining({ subject: "Hello Ana", opened_at: expect.any(String) })]);
      },
      { timeout: 10_000, interval: 200 },
    );
    await vi.waitFor(
      async () => {
        const receipts = await inTenant(setup.team.tenantId, (db) => db.select().from(schema.webhookReceipts).all());
        expect(receipts.filter((r) => r.provider === "sendgrid").map((r) => r.eventId).sort()).toEqual(events.map((e) => String(e.sg_event_id)).sort());
      },
      { timeout: 10_000, interval: 200 },
    );
    const timeline = await inTenant(setup.team.tenantId, (db) => db.select().from(schema.accountEvents).all());
    expect(timeline.filter((e) => e.title.startsWith("Email opened by")).length).toBe(1);

    // A forged delivery is refused at the door.
    const other = await signingKey();
    const forged = await postWebhook(setup, [sgEvent("bounce", { email: ana?.email ?? "" })], other.privateKey);
    expect(forged.status).toBe(401);
    expect(JSON.stringify(await forged.json())).toContain("X-Twilio-Email-Event-Webhook-Signature");
  }, 30_000);

  it("a bounce marks the address bad and later sends leave it out; campaigns sent immediately become SendGrid jobs shown on get_campaign, once", async () => {
    const setup = await connected("campaign", { sandbox_mode: true });
    const [ana, ben] = setup.contacts;
    expect((await postWebhook(setup, [sgEvent("bounce", { email: ben?.email ?? "", type: "bounce", reason: "550 user unknown" })])).status).toBe(202);
    await vi.waitFor(async () => expect(await inTenant(setup.team.tenantId, (db) => db.select().from(schema.emailSuppressions).all())).toHaveLength(1), { timeout: 10_000, interval: 200 });

    const plan = await ok<{ campaign: { campaign_id: string; status: string; status_reason: string }; recipient_count: number; delivery: { connected: boolean; note: string; job_id?: string | null } }>(
      setup.team.token,
      "create_email_campaign",
      { name: "Kickoff", template_type: "onboarding", subject: "Welcome {{first_name}}", body: "Hi {{first_name}}", client_ids: [setup.accountId], send_immediately: true },
    );
    expect(plan.recipient_count).toBe(1);
    expect(plan.delivery.connected).toBe(true);
    expect(plan.delivery.job_id).toMatch(/\S+/);
    expect(plan.campaign.status).toBe("sent");
    await vi.waitFor(
      async () => {
        const campaign = await ok<{ delivery: { status: string; accepted: number } | null }>(setup.team.token, "get_campaign", { campaign_id: plan.campaign.campaign_id });
        expect(campaign.delivery).toMatchObject({ status: "sent", accepted: 1 });
      },
      { timeout: 10_000, interval: 200 },
    );
    const mail = (await providerRequests(HOST, `Bearer ${setup.apiKey}`)).filter((r) => r.path === "/v3/mail/send");
    expect(mail).toHaveLength(1);
    const sentTo = (JSON.parse(mail[0]?.body ?? "{}") as { personalizations: { to: { email: string }[] }[]; mail_settings: { sandbox_mode: { enable: boolean } } });
    expect(sentTo.personalizations.map((p) => p.to[0]?.email)).toEqual([ana?.email]);
    expect(sentTo.mail_settings.sandbox_mode.enable).toBe(true);
    expect(await refused(setup.team.token, "send_campaign", { campaign_id: plan.campaign.campaign_id })).toContain("already handed to SendGrid");

    const oneOff = await ok<{ recipients: number; suppressed: number }>(setup.team.token, "send_email", { client_id: setup.accountId, subject: "s", body: "b" });
    expect([oneOff.recipients, oneOff.suppressed]).toEqual([1, 1]);
  }, 30_000);

  it("without SendGrid connected, send_email says how to connect it and campaigns stay recorded, not sent", async () => {
    const team = await newTeam("SG none");
    const accountId = await register(team.token, { client_name: "Unconnected" });
    await addContact(team, accountId, "x@unconnected.test", "Xavi");
    expect(await refused(team.token, "send_email", { client_id: accountId, subject: "s", body: "b" })).toContain("connect_integration");
    const plan = await ok<{ campaign: { status: string }; delivery: { connected: boolean } }>(team.token, "create_email_campaign", {
      name: "N",
      template_type: "custom",
      subject: "s",
      body: "b",
      client_ids: [accountId],
      send_immediately: true,
    });
    expect([plan.campaign.status, plan.delivery.connected]).toEqual(["not_sent", false]);
  }, 30_000);
});

describe("SendGrid sends through the queue", () => {
  it("a 429 with Retry-After is retried and sends once; a refused key fails the job with SendGrid's reason", async () => {
    const setup = await connected("retry");
    await scriptFaults({
      host: HOST,
      authorization: `Bearer ${setup.apiKey}`,
      path_prefix: "/v3/mail/send",
      responses: [{ status: 429, headers: { "Retry-After": "1", "X-RateLimit-Remaining": "0" }, body: JSON.stringify({ errors: [{ message: "too many requests" }] }) }],
    });
    const sent = await ok<{ job_id: string }>(setup.team.token, "send_email", { client_id: setup.accountId, subject: "s", body: "b" });
    await vi.waitFor(async () => expect((await ok<Job>(setup.team.token, "get_integration_job", { job_id: sent.job_id })).status).toBe("sent"), { timeout: 20_000, interval: 300 });
    const attempts = (await providerRequests(HOST, `Bearer ${setup.apiKey}`)).filter((r) => r.path === "/v3/mail/send");
    expect(attempts).toHaveLength(2);
    expect(attempts[1]?.body).toBe(attempts[0]?.body);

    // The key loses Mail Send: SendGrid answers 403, which is not retried.
    const revoked = uniqueKey("nosend");
    await ok(setup.admin, "connect_integration", { provider: "sendgrid", fields: { api_key: revoked }, test: false });
    const refusedJob = await ok<{ job_id: string }>(setup.team.token, "send_email", { client_id: setup.accountId, subject: "s2", body: "b2" });
    await vi.waitFor(
      async () => {
        const job = await ok<Job & { failures: { error: string }[] }>(setup.team.token, "get_integration_job", { job_id: refusedJob.job_id });
        expect(job.status).toBe("failed");
        expect(job.failures[0]?.error).toContain("SendGrid answered 403: access forbidden");
      },
      { timeout: 20_000, interval: 300 },
    );
    expect((await providerRequests(HOST, `Bearer ${revoked}`)).filter((r) => r.path === "/v3/mail/send")).toHaveLength(1);
  }, 45_000);
});
