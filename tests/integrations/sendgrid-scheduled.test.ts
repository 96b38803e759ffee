import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import type { TenantDO } from "../../durable-objects/tenant";
import { providerRequests } from "../support/fakes";
import { newTeam, ok, register } from "../support/work";
import { addContact, connected } from "./sendgrid-support";

const HOST = "api.sendgrid.com";

function stubOf(tenantId: string): DurableObjectStub<TenantDO> {
  const namespace = env.TENANT as DurableObjectNamespace<TenantDO>;
  return namespace.get(namespace.idFromName(tenantId));
}

const alarmOf = (tenantId: string) => runInDurableObject(stubOf(tenantId), (_instance: TenantDO, state) => state.storage.getAlarm());

interface CampaignAnswer {
  campaign: { campaign_id: string; status: string; status_reason: string | null; scheduled_for: string | null };
  delivery: { note: string } | null;
}

/**
 * Waits until `at` has passed, then makes sure the alarm has run: the runtime fires it on its own
 * when it is due, so it may already have run (runDurableObjectAlarm then answers false).
 */
async function alarmRunsAt(tenantId: string, at: number): Promise<void> {
  const wait = at - Date.now() + 20;
  if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
  await runDurableObjectAlarm(stubOf(tenantId));
}

describe("scheduled campaigns and newsletters", () => {
  it("are sent through SendGrid by the alarm at their time, once, and the alarm then returns to the daily maintenance", async () => {
    const setup = await connected("scheduled");
    const stub = stubOf(setup.team.tenantId);
    await stub.scheduleMaintenance();
    const maintenanceAt = await alarmOf(setup.team.tenantId);
    expect(maintenanceAt).not.toBeNull();

    const at = Date.now() + 1_500;
    const created = await ok<CampaignAnswer>(setup.team.token, "create_email_campaign", {
      name: "Webinar",
      template_type: "event_invitation",
      subject: "{{first_name}}, join us",
      body: "Hi {{first_name}}, {{client_name}} is invited.",
      client_ids: [setup.accountId],
      scheduled_send_time: new Date(at).toISOString(),
    });
    expect(created.campaign.status).toBe("scheduled");
    expect(created.delivery?.note).toMatch(/^Scheduled for .*: sent through SendGrid at that time/);
    // The alarm moved from the maintenance to the campaign, the earlier of the two.
    await vi.waitFor(async () => expect(await alarmOf(setup.team.tenantId)).toBe(at), { timeout: 2_000, interval: 50 });

    const mailBefore = (await providerRequests(HOST, `Bearer ${setup.apiKey}`)).filter((r) => r.path === "/v3/mail/send").length;
    await alarmRunsAt(setup.team.tenantId, at);
    const sent = await ok<CampaignAnswer & { delivery: { status: string } | null }>(setup.team.token, "get_campaign", { campaign_id: created.campaign.campaign_id });
    expect(sent.campaign.status).toBe("sent");
    await vi.waitFor(
      async () => {
        const mail = (await providerRequests(HOST, `Bearer ${setup.apiKey}`)).filter((r) => r.path === "/v3/mail/send");
        expect(mail.length).toBe(mailBefore + 1);
        const body = JSON.parse(mail.at(-1)?.body ?? "{}") as { personalizations: { to: { email: string }[] }[] };
        expect(body.personalizations.map((p) => p.to[0]?.email).sort()).toEqual(setup.contacts.map((c) => c.email).sort());
      },
      { timeout: 10_000, interval: 200 },
    );
    // Back to the daily maintenance, which did not run: it was not due.
    expect(await alarmOf(setup.team.tenantId)).toBe(maintenanceAt);
    const maintenanceRuns = await runInDurableObject(stub, (_i: TenantDO, state) =>
      state.storage.sql.exec<{ n: number }>("SELECT count(*) AS n FROM audit_log WHERE action = 'daily_maintenance'").one().n,
    );
    expect(maintenanceRuns).toBe(0);

    // A second wake sends nothing again.
    await runInDurableObject(stub, (_i: TenantDO, state) => state.storage.setAlarm(Date.now()));
    await runDurableObjectAlarm(stub);
    const mailAfter = (await providerRequests(HOST, `Bearer ${setup.apiKey}`)).filter((r) => r.path === "/v3/mail/send").length;
    expect(mailAfter).toBe(mailBefore + 1);
  });

  it("without SendGrid at the time, a scheduled send becomes not_sent with the reason and can be sent by hand later", async () => {
    const team = await newTeam("Scheduled No SG");
    const accountId = await register(team.token, { client_name: "Quiet Corp" });
    await addContact(team, accountId, "ana@quiet.test", "Ana Lima");
    const at = Date.now() + 1_000;
    const campaign = await ok<CampaignAnswer>(team.token, "create_email_campaign", {
      name: "Check-in",
      template_type: "health_check",
      subject: "How are things?",
      body: "Hi {{first_name}}",
      client_ids: [accountId],
      scheduled_send_time: new Date(at).toISOString(),
    });
    const newsletter = await ok<{ newsletter: { newsletter_id: string; status: string } }>(team.token, "create_newsletter", {
      name: "November",
      subject: "What's new",
      sections: [{ type: "update", title: "Faster exports", content: "Exports are twice as fast." }],
      scheduled_send: new Date(at).toISOString(),
    });
    expect(newsletter.newsletter.status).toBe("scheduled");
    await vi.waitFor(async () => expect(await alarmOf(team.tenantId)).toBe(at), { timeout: 2_000, interval: 50 });

    await alarmRunsAt(team.tenantId, at);
    const after = await ok<CampaignAnswer>(team.token, "get_campaign", { campaign_id: campaign.campaign.campaign_id });
    expect(after.campaign.status).toBe("not_sent");
    expect(after.campaign.status_reason).toMatch(/not sent at the scheduled time: SendGrid was not connected/);
    const newsletters = await ok<{ newsletters: { newsletter_id: string; status: string; status_reason: string | null }[] }>(team.token, "list_newsletters", {});
    expect(newsletters.newsletters.find((n) => n.newsletter_id === newsletter.newsletter.newsletter_id)).toMatchObject({ status: "not_sent" });
    const audit = await runInDurableObject(stubOf(team.tenantId), (_i: TenantDO, state) =>
      state.storage.sql.exec<{ target_id: string }>("SELECT target_id FROM audit_log WHERE action = 'scheduled_send_missed'").toArray(),
    );
    expect(audit.map((row) => row.target_id).sort()).toEqual([campaign.campaign.campaign_id, newsletter.newsletter.newsletter_id].sort());
    // Nothing else is due and no maintenance was scheduled: no alarm is left set.
    expect(await alarmOf(team.tenantId)).toBeNull();
    // It stays sendable by hand (send_campaign takes not_sent campaigns).
    const notSent = await ok<{ campaigns: { campaign_id: string }[] }>(team.token, "list_campaigns", { status: "not_sent" });
    expect(notSent.campaigns.map((c) => c.campaign_id)).toContain(campaign.campaign.campaign_id);
  });

  it("a workflow's campaign goes out moments later when SendGrid is connected", async () => {
    const setup = await connected("workflow");
    await ok(setup.team.token, "create_workflow", {
      name: "P1 apology",
      trigger: { type: "ticket_opened", priorities: ["P1"] },
      actions: [{ type: "record_campaign", template_type: "custom", subject: "We are on it", body: "Hi {{first_name}}, we are working on {{client_name}}'s outage." }],
    });
    await ok(setup.team.token, "create_ticket", { client_id: setup.accountId, subject: "Everything is down", description: "500s", priority: "P1", category: "technical" });
    const listed = await ok<{ campaigns: { campaign_id: string; status: string; source: string }[] }>(setup.team.token, "list_campaigns", {});
    const recorded = listed.campaigns.find((c) => c.source.startsWith("workflow:"));
    expect(recorded?.status).toBe("scheduled");
    await vi.waitFor(async () => expect(await alarmOf(setup.team.tenantId)).not.toBeNull(), { timeout: 2_000, interval: 50 });
    await alarmRunsAt(setup.team.tenantId, Date.now());
    const sent = await ok<CampaignAnswer>(setup.team.token, "get_campaign", { campaign_id: recorded?.campaign_id ?? "" });
    expect(sent.campaign.status).toBe("sent");
  });
});
