import { beforeAll, describe, expect, it } from "vitest";
import { snapshotOf } from "../../src/db/zendesk";
import { ZendeskClient } from "../../src/integrations/zendesk/client";
import { authorizationOf, baseUrlOf, readConnection } from "../../src/integrations/zendesk/connection";
import { apiCall } from "../support/worker";
import { eq } from "drizzle-orm";
import { accountFeatures } from "../../src/db/tenant-schema";
import { inTenant, newTeam, ok, refused, register, type Team } from "../support/work";

const ACTOR = { userId: "u-test", via: "system" };

let team: Team;
let accountId = "";
let otherAccount = "";

beforeAll(async () => {
  team = await newTeam("Zendesk Tools Co");
  accountId = await register(team.token, { client_name: "Synced", tier: "professional" });
  otherAccount = await register(team.token, { client_name: "Other" });
});

describe("link_zendesk_organization", () => {
  it("links an organization, moves it when linked again elsewhere, and has a REST twin", async () => {
    const first = await ok<{ organization_id: number; client_id: string; previous_client_id: string | null }>(team.token, "link_zendesk_organization", { client_id: otherAccount, organization_id: 4242 });
    expect(first).toEqual({ organization_id: 4242, client_id: otherAccount, previous_client_id: null });
    const response = await apiCall(team.api, `/api/v1/clients/${accountId}/zendesk-organization`, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ organization_id: 4242 }) });
    expect(response.status).toBe(201);
    expect(await response.json()).toMatchObject({ organization_id: 4242, client_id: accountId, previous_client_id: otherAccount });
    expect(unwrapQueries(await team.tenant.zendeskSearchQueries(accountId))).toEqual(["organization:4242"]);
  });

  it("refuses a bad organization id or an unknown account, naming the field", async () => {
    expect(await refused(team.token, "link_zendesk_organization", { client_id: accountId, organization_id: "abc" })).toContain("organization_id");
    expect(await refused(team.token, "link_zendesk_organization", { client_id: "acct_missing", organization_id: 1 })).toContain("acct_missing");
  });

  it("an account with neither a linked organization nor contact emails cannot be searched", async () => {
    const lonely = await register(team.token, { client_name: "Lonely" });
    const outcome = await team.tenant.zendeskSearchQueries(lonely);
    expect(outcome.ok).toBe(false);
    if (!outcome.ok) expect(outcome.message).toContain("link_zendesk_organization");
  });
});

function unwrapQueries(outcome: { ok: true; value: string[] } | { ok: false; message: string }): string[] {
  if (!outcome.ok) throw new Error(outcome.message);
  return outcome.value;
}

describe("importing an account's Zendesk tickets from a search", () => {
  it("opens what is new, updates what moved, leaves the rest, and rescores the account", async () => {
    const subdomain = `zd-tools-${crypto.randomUUID().slice(0, 8)}`;
    const connection = readConnection({ subdomain, auth: "api_token", email: "agent@example.com", api_token: "tok-0123456789" });
    const client = new ZendeskClient(baseUrlOf(connection), authorizationOf(connection));
    await ok(team.token, "link_zendesk_organization", { client_id: accountId, organization_id: 31337 });
    const a = (await client.createTicket({ subject: "Slow dashboard", comment: { body: "It takes a minute", public: true }, priority: "urgent", organization_id: 31337 })).ticket;
    const b = (await client.createTicket({ subject: "SSO setup", comment: { body: "How?", public: true }, priority: "low", organization_id: 31337 })).ticket;
    await client.updateTicket(b.id, { status: "solved" });

    const queries = unwrapQueries(await team.tenant.zendeskSearchQueries(accountId));
    expect(queries).toEqual(["organization:31337", "organization:4242"]);
    const search = async () => (await Promise.all(queries.map((q) => client.searchAllTickets(q)))).flatMap((r) => r.tickets);
    const found = { tickets: await search() };
    const first = await team.tenant.importZendeskTickets(accountId, found.tickets.map(snapshotOf), ACTOR);
    if (!first.ok) throw new Error(first.message);
    expect(first.value).toMatchObject({ client_id: accountId, opened: 2, updated: 0, unchanged: 0, skipped: 0 });
    // factsChanged ran: the health inputs count the open Zendesk ticket.
    const features = await inTenant(team.tenantId, (db) => db.select().from(accountFeatures).where(eq(accountFeatures.accountId, accountId)).get());
    expect(features?.openTickets).toBe(1);

    const list = await ok<{ tickets: { subject: string; status: string; priority: string; source: string }[] }>(team.token, "list_tickets", { client_id: accountId });
    expect(list.tickets.map((t) => [t.subject, t.status, t.priority, t.source]).sort()).toEqual([
      ["SSO setup", "solved", "P4", "zendesk"],
      ["Slow dashboard", "new", "P1", "zendesk"],
    ]);

    await client.updateTicket(a.id, { status: "pending" });
    const again = { tickets: await search() };
    const second = await team.tenant.importZendeskTickets(accountId, again.tickets.map(snapshotOf), ACTOR);
    if (!second.ok) throw new Error(second.message);
    expect(second.value).toMatchObject({ opened: 0, updated: 1, unchanged: 1 });
    expect(second.value.effects.find((e) => e.zendesk_ticket_id === a.id)?.effect).toContain("new → pending");
  });
});
