import { beforeAll, describe, expect, it } from "vitest";
import * as schema from "../../src/db/tenant-schema";
import { sendMessagePayload } from "../../src/integrations/intercom/operations";
import { inTenant, newTeam, ok, register, type Team } from "../support/work";

/** Planning an Intercom message to an account's or a segment's contacts (one delivery each). */

async function addContact(team: Team, accountId: string, contact: { name: string; email: string | null; role?: "champion" | "billing"; status?: "active" | "left"; externalId?: string }): Promise<string> {
  const id = `ct_${crypto.randomUUID().slice(0, 12)}`;
  const at = new Date().toISOString();
  await inTenant(team.tenantId, (db) =>
    db
      .insert(schema.contacts)
      .values({ id, accountId, externalId: contact.externalId ?? null, name: contact.name, email: contact.email, title: null, role: contact.role ?? "champion", isPrimary: false, status: contact.status ?? "active", createdAt: at, updatedAt: at })
      .run(),
  );
  return id;
}

describe("planIntercomMessage", () => {
  let team: Team;
  let acme: string;
  let initech: string;
  let grace: string;
  let bill: string;
  let segmentId: string;

  beforeAll(async () => {
    team = await newTeam("Intercom Messages Co");
    acme = await register(team.token, { client_name: "Acme", tier: "enterprise" });
    initech = await register(team.token, { client_name: "Initech", tier: "enterprise" });
    await register(team.token, { client_name: "Smallco", tier: "starter" });
    grace = await addContact(team, acme, { name: "Grace Hopper", email: "grace@acme.test", externalId: "user-42" });
    bill = await addContact(team, acme, { name: "Bill Pay", email: "billing@acme.test", role: "billing" });
    await addContact(team, acme, { name: "Gone Person", email: "gone@acme.test", status: "left" });
    await addContact(team, acme, { name: "No Mail", email: null });
    await addContact(team, initech, { name: "Peter Gibbons", email: "peter@initech.test" });
    const segment = await ok<{ segment: { segment_id: string } }>(team.token, "create_segment", {
      name: "Enterprise",
      rule: { match: "all", rules: [{ field: "tier", operator: "eq", value: "enterprise" }] },
    });
    segmentId = segment.segment.segment_id;
  });

  it("messages an account's active contacts with an email, one delivery each, tokens rendered", async () => {
    const outcome = await team.tenant.planIntercomMessage({ client_id: acme, message_type: "email", subject: "{{client_name}} renewal", body: "Hi {{first_name}}, your CSM is {{csm_name}}.", template: "personal" });
    if (!outcome.ok) throw new Error(outcome.message);
    const plan = outcome.value;
    expect(plan.recipients.map((recipient) => recipient.contact_id).sort()).toEqual([grace, bill].sort());
    expect(plan.deliveries.every((delivery) => delivery.items === 1)).toBe(true);
    const toGrace = plan.deliveries.find((delivery) => JSON.stringify(delivery.payload).includes("grace@acme.test"))?.payload;
    expect(toGrace).toEqual({
      to: { email: "grace@acme.test", name: "Grace Hopper", external_id: "user-42" },
      message_type: "email",
      subject: "Acme renewal",
      body: "Hi Grace, your CSM is .",
      template: "personal",
      client_id: acme,
      contact_id: grace,
    });
    expect(plan.missing_tokens).toEqual(["csm_name"]);
    expect(plan.description).toBe("Intercom email to 2 contacts of account Acme");
    // Every planned payload is one the send_message operation accepts.
    for (const delivery of plan.deliveries) expect(sendMessagePayload.safeParse(delivery.payload).success).toBe(true);
  });

  it("narrows to roles or named contacts, and reaches a segment's accounts", async () => {
    const billing = await team.tenant.planIntercomMessage({ client_id: acme, roles: ["billing"], message_type: "inapp", body: "Invoice ready" });
    expect(billing.ok && billing.value.recipients.map((recipient) => recipient.email)).toEqual(["billing@acme.test"]);
    const named = await team.tenant.planIntercomMessage({ client_id: acme, contact_ids: [grace], message_type: "inapp", body: "Hello" });
    expect(named.ok && named.value.recipients.map((recipient) => recipient.contact_id)).toEqual([grace]);
    const segment = await team.tenant.planIntercomMessage({ segment_id: segmentId, message_type: "inapp", body: "New feature for {{company_name}}" });
    if (!segment.ok) throw new Error(segment.message);
    expect(segment.value.recipients.map((recipient) => recipient.email).sort()).toEqual(["billing@acme.test", "grace@acme.test", "peter@initech.test"]);
    expect(segment.value.description).toBe("Intercom in-app message to 3 contacts of segment Enterprise");
    const toPeter = segment.value.deliveries.find((delivery) => JSON.stringify(delivery.payload).includes("peter@"))?.payload as { body: string; to: Record<string, string> };
    expect(toPeter.body).toBe("New feature for Initech Ltd");
    expect(toPeter.to).toEqual({ email: "peter@initech.test", name: "Peter Gibbons" });
  });

  it("refuses what cannot be sent, naming the field", async () => {
    const cases: [Parameters<Team["tenant"]["planIntercomMessage"]>[0], RegExp][] = [
      [{ message_type: "inapp", body: "x" }, /^client_id \/ segment_id: give exactly one/],
      [{ client_id: acme, segment_id: segmentId, message_type: "inapp", body: "x" }, /^client_id \/ segment_id: give exactly one/],
      [{ client_id: acme, message_type: "email", body: "x" }, /^subject: is required for an email/],
      [{ client_id: acme, message_type: "inapp", body: "Hi {{nickname}}" }, /body/],
      [{ client_id: acme, contact_ids: ["ct_nobody"], message_type: "inapp", body: "x" }, /^contact_ids: ct_nobody is not an active contact/],
      [{ client_id: "acc_missing", message_type: "inapp", body: "x" }, /^client_ids: no account with id acc_missing/],
      [{ client_id: acme, roles: ["technical"], message_type: "inapp", body: "x" }, /^client_id: no active contact with an email/],
    ];
    for (const [input, message] of cases) {
      const outcome = await team.tenant.planIntercomMessage(input);
      expect(outcome.ok, JSON.stringify(input)).toBe(false);
      if (!outcome.ok) expect(outcome.message, JSON.stringify(input)).toMatch(message);
    }
  });
});
