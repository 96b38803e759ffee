import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { campaignSendPlan, newsletterSendPlan, oneOffSendPlan, recordEmailSend, sendProgress, sendProgressFor } from "../../src/db/email-sends";
import * as schema from "../../src/db/tenant-schema";
import { sendMailPayload, type SendMailPayload } from "../../src/integrations/sendgrid/operations";
import { inTenant, newTeam, ok, register, type Team } from "../support/work";

async function addContacts(team: Team, accountId: string, emails: string[]): Promise<string[]> {
  const at = new Date().toISOString();
  const ids = emails.map((_, i) => `ct_send_${crypto.randomUUID().slice(0, 8)}_${i}`);
  await inTenant(team.tenantId, (db) => {
    for (let i = 0; i < emails.length; i += 9) {
      db.insert(schema.contacts)
        .values(
          emails.slice(i, i + 9).map((email, j) => ({
            id: ids[i + j] as string,
            accountId,
            externalId: null,
            name: `Person ${i + j}`,
            email,
            title: null,
            role: "user" as const,
            isPrimary: false,
            status: "active" as const,
            createdAt: at,
            updatedAt: at,
          })),
        )
        .run();
    }
  });
  return ids;
}

async function suppress(team: Team, email: string): Promise<void> {
  const at = new Date().toISOString();
  await inTenant(team.tenantId, (db) => db.insert(schema.emailSuppressions).values({ email, reason: "bounce", detail: null, source: "sendgrid", eventId: null, createdAt: at, updatedAt: at }).run());
}

describe("email sends through SendGrid", () => {
  it("turns a campaign of 1,203 recipients into two valid deliveries, leaves out addresses marked bad since, and shows the job's progress", async () => {
    const team = await newTeam("SG Sends");
    const accountId = await register(team.token, { client_name: "Globex" });
    await addContacts(team, accountId, Array.from({ length: 1_205 }, (_, i) => `p${i}@globex.test`));
    const created = await ok<{ campaign: { campaign_id: string } }>(team.token, "create_email_campaign", {
      name: "Renewal",
      template_type: "renewal_reminder",
      subject: "{{first_name}}, your renewal",
      body: "Hi {{contact_name}}, {{client_name}} renews on {{renewal_date}}.",
      client_ids: [accountId],
      send_immediately: true,
      confirm: true,
    });
    const campaignId = created.campaign.campaign_id;
    await suppress(team, "p3@globex.test");
    await suppress(team, "p4@globex.test");
    const plan = await inTenant(team.tenantId, (db) => campaignSendPlan(db, campaignId));
    expect([plan.recipients, plan.suppressed]).toEqual([1_203, 2]);
    expect(plan.deliveries.map((d) => d.items)).toEqual([1_000, 203]);
    const payloads = plan.deliveries.map((d) => sendMailPayload.parse(d.payload));
    const first = payloads[0] as SendMailPayload;
    expect(first.subject).toBe("Person, your renewal");
    expect(first.text).toBeUndefined();
    expect(first.custom_args).toEqual({ campaign_id: campaignId });
    const someone = first.recipients.find((r) => r.email === "p10@globex.test");
    expect(someone?.body).toBe("Hi Person 10, Globex renews on 2027-01-01.");
    expect(someone?.custom_args).toMatchObject({ account_id: accountId, subject: "Person, your renewal" });
    expect(payloads.flatMap((p) => p.recipients.map((r) => r.email))).not.toContain("p3@globex.test");

    // The lead's job tables are written here as the integrations queue would leave them.
    const jobId = `ijob_${crypto.randomUUID().slice(0, 8)}`;
    const at = new Date().toISOString();
    await inTenant(team.tenantId, (db) => {
      db.insert(schema.integrationJobs).values({ id: jobId, provider: "sendgrid", operation: "send_mail", description: plan.description, itemsTotal: plan.recipients, createdBy: "u", createdAt: at, updatedAt: at }).run();
      plan.deliveries.forEach((delivery, i) =>
        db.insert(schema.integrationDeliveries).values({ idempotencyKey: `${jobId}:${i}`, jobId, sequence: i, payload: JSON.stringify(delivery.payload), items: delivery.items, status: "queued", attempts: 0, updatedAt: at }).run(),
      );
      recordEmailSend(db, { jobId, sourceKind: "campaign", sourceId: campaignId, accountId: null, recipients: plan.recipients, suppressed: plan.suppressed }, "u");
    });
    const queued = await inTenant(team.tenantId, (db) => sendProgressFor(db, "campaign", campaignId));
    expect(queued).toMatchObject({ job_id: jobId, status: "queued", recipients: 1_203, accepted: 0, pending: 1_203, failed: 0, suppressed: 2 });
    const campaign = await inTenant(team.tenantId, (db) => db.select().from(schema.campaigns).where(eq(schema.campaigns.id, campaignId)).get());
    expect(campaign?.status).toBe("sent");
    expect(campaign?.statusReason).toContain(jobId);
    await inTenant(team.tenantId, (db) => db.update(schema.integrationDeliveries).set({ status: "sent" }).where(eq(schema.integrationDeliveries.idempotencyKey, `${jobId}:0`)).run());
    expect(await inTenant(team.tenantId, (db) => sendProgress(db, jobId))).toMatchObject({ status: "sending", accepted: 1_000, pending: 203 });
    await inTenant(team.tenantId, (db) => db.update(schema.integrationDeliveries).set({ status: "dead", lastError: "SendGrid answered 503." }).where(eq(schema.integrationDeliveries.idempotencyKey, `${jobId}:1`)).run());
    expect(await inTenant(team.tenantId, (db) => sendProgress(db, jobId))).toMatchObject({ status: "partly_failed", accepted: 1_000, failed: 203, last_error: "SendGrid answered 503." });

    // A campaign is handed over once.
    await expect(inTenant(team.tenantId, (db) => campaignSendPlan(db, campaignId))).rejects.toThrow(`already handed to SendGrid as job ${jobId}`);
  }, 30_000);

  it("plans a one-off email rendered per contact, and a newsletter with one shared text", async () => {
    const team = await newTeam("SG One-off");
    const accountId = await register(team.token, { client_name: "Initech", tier: "enterprise" });
    const [ana, ben] = await addContacts(team, accountId, ["ana@initech.test", "ben@initech.test", "bad@initech.test"]);
    await suppress(team, "bad@initech.test");
    const plan = await inTenant(team.tenantId, (db) => oneOffSendPlan(db, { client_id: accountId, subject: "Hello {{first_name}}", body: "Same body for all." }));
    expect([plan.recipients, plan.suppressed]).toEqual([2, 1]);
    const payload = sendMailPayload.parse(plan.deliveries[0]?.payload);
    expect(payload.text).toBe("Same body for all.");
    expect(payload.subject).toBe("Hello Person");
    expect(payload.recipients.map((r) => r.custom_args?.contact_id).sort()).toEqual([ana, ben].sort());
    const onlyBen = await inTenant(team.tenantId, (db) => oneOffSendPlan(db, { client_id: accountId, subject: "s", body: "b", contact_ids: [ben as string] }));
    expect(onlyBen.recipients).toBe(1);
    await expect(inTenant(team.tenantId, (db) => oneOffSendPlan(db, { client_id: accountId, subject: "s", body: "b", contact_ids: ["ct_nope"] }))).rejects.toThrow("contact_ids: no contact ct_nope");
    await expect(inTenant(team.tenantId, (db) => oneOffSendPlan(db, { client_id: accountId, subject: "s", body: "{{nope}}" }))).rejects.toThrow("unknown personalization token {{nope}}");

    const { newsletter } = await ok<{ newsletter: { newsletter_id: string } }>(team.token, "create_newsletter", {
      name: "November",
      subject: "What's new",
      sections: [
        { type: "announcement", title: "Dashboards", content: "New dashboards are live." },
        { type: "tip", title: "Tip", content: "Use segments." },
      ],
      target_tiers: ["enterprise"],
    });
    const letter = await inTenant(team.tenantId, (db) => newsletterSendPlan(db, newsletter.newsletter_id));
    expect([letter.recipients, letter.suppressed]).toEqual([2, 1]);
    const letterPayload = sendMailPayload.parse(letter.deliveries[0]?.payload);
    expect(letterPayload.text).toBe("Dashboards\n\nNew dashboards are live.\n\n———\n\nTip\n\nUse segments.");
    expect(letterPayload.custom_args).toEqual({ newsletter_id: newsletter.newsletter_id });
  }, 30_000);
});
