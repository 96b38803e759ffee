import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { handleSendgridEvent, prepareSendgridBatch } from "../../src/db/inbound/sendgrid";
import { INBOUND_HANDLERS, InboundBatch } from "../../src/db/inbound";
import * as schema from "../../src/db/tenant-schema";
import type { InboundEvent } from "../../src/integrations/provider";
import { sendgrid } from "../../src/integrations/sendgrid";
import { inTenant, newTeam, ok, register, type Team } from "../support/work";
import { connectionFor, sgEvent, signedHeaders, signingKey, uniqueKey } from "./sendgrid-support";

let contactSeq = 0;

async function addContact(team: Team, accountId: string, email: string, name = "Ana Lima"): Promise<string> {
  const id = `ct_sg_${++contactSeq}_${crypto.randomUUID().slice(0, 6)}`;
  const at = new Date().toISOString();
  await inTenant(team.tenantId, (db) => {
    db.insert(schema.contacts)
      .values({ id, accountId, externalId: null, name, email, title: null, role: "champion", isPrimary: false, status: "active", createdAt: at, updatedAt: at })
      .run();
  });
  return id;
}

/** Signs the events as SendGrid would, verifies them, and applies them in a transaction, as the Tenant object does. */
async function deliver(team: Team, events: Record<string, string | number | string[]>[]): Promise<{ effect: string; accountIds: string[] }[]> {
  const key = await signingKey();
  const body = JSON.stringify(events);
  const verified = await sendgrid.verifyWebhook?.(connectionFor(uniqueKey("inbound"), { webhook_public_key: key.publicKey }), {
    headers: await signedHeaders(key.privateKey, body),
    body: new TextEncoder().encode(body),
    now: new Date(),
  });
  if (!verified?.ok) throw new Error("verification failed");
  return apply(team, verified.events);
}

async function apply(team: Team, events: InboundEvent[]): Promise<{ effect: string; accountIds: string[] }[]> {
  return inTenant(team.tenantId, (db) => db.transaction((tx) => {
    const batch = new InboundBatch();
    prepareSendgridBatch(tx, events, batch);
    return events.map((event) => handleSendgridEvent(tx, event, new Date(), batch));
  }));
}

async function touchpointsOf(team: Team, accountId: string) {
  return inTenant(team.tenantId, (db) => db.select().from(schema.touchpoints).where(eq(schema.touchpoints.accountId, accountId)).all());
}

async function timelineOf(team: Team, accountId: string) {
  return inTenant(team.tenantId, (db) => db.select().from(schema.accountEvents).where(eq(schema.accountEvents.accountId, accountId)).all());
}

const t0 = Math.floor(Date.now() / 1000) - 3_600;

describe("SendGrid events → tenant state", () => {
  it("is the registered inbound handler", () => {
    expect(INBOUND_HANDLERS.sendgrid).toBe(handleSendgridEvent);
  });

  it("logs one email touchpoint per delivered message and recipient, with opened_at and clicked_at, whatever order the events arrive in", async () => {
    const team = await newTeam("SG Engagement");
    const accountId = await register(team.token, { client_name: "Northwind" });
    const contactId = await addContact(team, accountId, "ana@northwind.test");
    const args = { account_id: accountId, contact_id: contactId, subject: "Your Q3 review" };
    const results = await deliver(team, [
      sgEvent("processed", { email: "ana@northwind.test", sg_message_id: "MSG1.filter-1", timestamp: t0, ...args }),
      // The open arrives before the delivery: they still meet on one touchpoint.
      sgEvent("open", { email: "ana@northwind.test", sg_message_id: "MSG1.filter-2", timestamp: t0 + 60, ...args }),
      sgEvent("delivered", { email: "ana@northwind.test", sg_message_id: "MSG1.filter-1", timestamp: t0 + 5, ...args }),
      sgEvent("open", { email: "ana@northwind.test", sg_message_id: "MSG1.filter-2", timestamp: t0 + 90, ...args }),
      sgEvent("click", { email: "ana@northwind.test", sg_message_id: "MSG1.filter-2", timestamp: t0 + 120, url: "https://acme.test/review", ...args }),
      // Another message to the same person is another touchpoint.
      sgEvent("delivered", { email: "ana@northwind.test", sg_message_id: "MSG2.filter-1", timestamp: t0 + 200, ...args }),
    ]);
    expect(results.map((r) => r.effect)).toEqual([
      expect.stringMatching(/^no change: processed/),
      expect.stringMatching(/^logged email touchpoint tp_\S+ \(open\) for ana@northwind.test$/),
      expect.stringMatching(/^no change: touchpoint tp_\S+ already logged/),
      expect.stringMatching(/^no change: touchpoint tp_\S+ already opened$/),
      expect.stringMatching(/^clicked touchpoint tp_\S+ for ana@northwind.test$/),
      expect.stringMatching(/^logged email touchpoint tp_\S+ \(delivered\)/),
    ]);
    expect(results.map((r) => r.accountIds)).toEqual([[], [accountId], [], [], [accountId], [accountId]]);
    const touchpoints = (await touchpointsOf(team, accountId)).sort((a, b) => a.occurredAt.localeCompare(b.occurredAt));
    expect(touchpoints.map((t) => [t.externalId, t.kind, t.direction, t.source, t.contactId, t.subject])).toEqual([
      ["sendgrid:MSG1:ana@northwind.test", "email", "outbound", "sendgrid", contactId, "Your Q3 review"],
      ["sendgrid:MSG2:ana@northwind.test", "email", "outbound", "sendgrid", contactId, "Your Q3 review"],
    ]);
    const iso = (s: number) => new Date(s * 1000).toISOString();
    // The delivery time wins as occurred_at; the first open and the first click are kept.
    expect([touchpoints[0]?.occurredAt, touchpoints[0]?.openedAt, touchpoints[0]?.clickedAt]).toEqual([iso(t0 + 5), iso(t0 + 60), iso(t0 + 120)]);
    expect([touchpoints[1]?.openedAt, touchpoints[1]?.clickedAt]).toEqual([null, null]);
    const titles = (await timelineOf(team, accountId)).map((e) => e.title);
    expect(titles).toEqual(expect.arrayContaining(["Email (outbound): Your Q3 review", "Email opened by ana@northwind.test: Your Q3 review", "Email clicked by ana@northwind.test: Your Q3 review"]));
    expect(titles.filter((t) => t.startsWith("Email opened"))).toHaveLength(1);
  });

  it("finds the account from the address when custom_args are absent, and ignores events for unknown addresses", async () => {
    const team = await newTeam("SG Lookup");
    const accountId = await register(team.token, { client_name: "Contoso" });
    const contactId = await addContact(team, accountId, " Ben.Ode@Contoso.test ", "Ben Ode");
    const results = await deliver(team, [
      sgEvent("delivered", { email: "ben.ode@contoso.test", sg_message_id: "M3.x" }),
      sgEvent("delivered", { email: "stranger@nowhere.test", sg_message_id: "M4.x" }),
      sgEvent("open", { email: "stranger@nowhere.test", sg_message_id: "M4.x", account_id: "cs_not_here" }),
    ]);
    expect(results[0]?.accountIds).toEqual([accountId]);
    expect(results[1]).toEqual({ accountIds: [], effect: "ignored: no account or contact for stranger@nowhere.test" });
    expect(results[2]?.effect).toMatch(/^ignored:/);
    const [touchpoint] = await touchpointsOf(team, accountId);
    expect(touchpoint?.contactId).toBe(contactId);
  });

  it("marks bounced, spam-reporting and unsubscribed addresses bad, shows it on the timeline, and campaigns skip them", async () => {
    const team = await newTeam("SG Suppress");
    const accountId = await register(team.token, { client_name: "Fabrikam" });
    await addContact(team, accountId, "good@fabrikam.test", "Gail Good");
    await addContact(team, accountId, "Bounce@Fabrikam.test", "Bo Unce");
    await addContact(team, accountId, "spam@fabrikam.test", "Sam Spam");
    await addContact(team, accountId, "unsub@fabrikam.test", "Una Sub");
    await addContact(team, accountId, "blocked@fabrikam.test", "Bea Blocked");
    await addContact(team, accountId, "full@fabrikam.test", "Phil Full");
    const results = await deliver(team, [
      sgEvent("bounce", { email: "bounce@fabrikam.test", type: "bounce", reason: "550 5.1.1 The email account does not exist", status: "5.1.1" }),
      sgEvent("spamreport", { email: "spam@fabrikam.test" }),
      sgEvent("unsubscribe", { email: "unsub@fabrikam.test" }),
      sgEvent("bounce", { email: "blocked@fabrikam.test", type: "blocked", reason: "421 try again later" }),
      sgEvent("dropped", { email: "full@fabrikam.test", reason: "Spam Content (if spam checker app enabled)" }),
      sgEvent("bounce", { email: "nobody@elsewhere.test", type: "bounce", reason: "550 no such user" }),
    ]);
    expect(results.map((r) => r.effect)).toEqual([
      "marked bounce@fabrikam.test bad (bounce)",
      "marked spam@fabrikam.test bad (spamreport)",
      "marked unsub@fabrikam.test bad (unsubscribe)",
      "no change: blocked (temporary) for blocked@fabrikam.test",
      "noted drop for full@fabrikam.test",
      "marked nobody@elsewhere.test bad (bounce); no account has a contact with this address",
    ]);
    expect(results[0]?.accountIds).toEqual([accountId]);
    const suppressions = await inTenant(team.tenantId, (db) => db.select().from(schema.emailSuppressions).all());
    expect(suppressions.map((s) => [s.email, s.reason]).sort()).toEqual([
      ["bounce@fabrikam.test", "bounce"],
      ["nobody@elsewhere.test", "bounce"],
      ["spam@fabrikam.test", "spamreport"],
      ["unsub@fabrikam.test", "unsubscribe"],
    ]);
    expect(suppressions.find((s) => s.email === "bounce@fabrikam.test")?.detail).toBe("550 5.1.1 The email account does not exist");
    const timeline = await timelineOf(team, accountId);
    const bounced = timeline.find((e) => e.title === "Email to bounce@fabrikam.test bounced");
    expect(bounced?.impact).toBe("negative");
    expect(bounced?.description).toContain("550 5.1.1");
    expect(timeline.map((e) => e.title)).toEqual(expect.arrayContaining(["Email to spam@fabrikam.test was reported as spam", "Email to unsub@fabrikam.test unsubscribed", "Email to full@fabrikam.test was dropped by SendGrid"]));

    const plan = await ok<{ recipient_count: number; preview: { email: string }[] }>(team.token, "create_email_campaign", {
      name: "Check-in",
      template_type: "custom",
      subject: "Hello {{first_name}}",
      body: "Checking in.",
      client_ids: [accountId],
      send_immediately: true,
      preview_only: true,
    });
    expect(plan.preview.map((r) => r.email).sort()).toEqual(["blocked@fabrikam.test", "full@fabrikam.test", "good@fabrikam.test"]);
    expect(plan.recipient_count).toBe(3);

    // A resubscribe to a group lifts an unsubscribe (not a bounce).
    const again = await deliver(team, [sgEvent("group_resubscribe", { email: "unsub@fabrikam.test" }), sgEvent("group_resubscribe", { email: "bounce@fabrikam.test" })]);
    expect(again.map((r) => r.effect)).toEqual(["resubscribed unsub@fabrikam.test", "no change: bounce@fabrikam.test was not unsubscribed"]);
  });
});
