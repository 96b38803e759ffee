import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { tenantStub, type TenantApi, type TenantDO } from "../../durable-objects/tenant";
import { ZendeskClient } from "../../src/integrations/zendesk/client";
import { authorizationOf, baseUrlOf, readConnection } from "../../src/integrations/zendesk/connection";
import { INVOCATION_HEADER, SIGNATURE_HEADER, signWebhook, TIMESTAMP_HEADER } from "../../src/integrations/zendesk/webhook";
import { providerRequests } from "../support/fakes";
import { callTool, newWorkspace, tenantIdOf, tokenFor, workerFetch } from "../support/worker";

/**
 * The whole path: connect Zendesk through the tool, a signed webhook POST → 202 → the real
 * queue → the Tenant object's tickets; Zendesk's own redelivery has one effect; pushing a ticket
 * runs a create_ticket job against the fake Zendesk; a sync pulls tickets through search.
 */

const SECRET = "e2e-zendesk-signing-secret";

interface Ctx {
  token: string;
  tenantId: string;
  tenant: TenantApi;
  subdomain: string;
  client: ZendeskClient;
  accountId: string;
}
let ctx: Ctx;

async function tool<T>(name: string, args: Record<string, unknown>, token = ctx.token): Promise<T> {
  const { result } = await callTool(token, name, args);
  if (result?.isError) throw new Error(`${name}: ${result.content[0]?.text ?? ""}`);
  return result?.structuredContent as T;
}

async function refusedTool(name: string, args: Record<string, unknown>, token = ctx.token): Promise<string> {
  const { result } = await callTool(token, name, args);
  expect(result?.isError, `${name} should fail`).toBe(true);
  return result?.content[0]?.text ?? "";
}

async function post(body: string, options: { secret?: string; invocation?: string } = {}): Promise<Response> {
  const timestamp = new Date().toISOString();
  return workerFetch(`http://localhost/webhooks/zendesk/${ctx.tenantId}`, {
    method: "POST",
    headers: {
      "Content-Type": "application/json",
      [SIGNATURE_HEADER]: await signWebhook(options.secret ?? SECRET, timestamp, body),
      [TIMESTAMP_HEADER]: timestamp,
      [INVOCATION_HEADER]: options.invocation ?? crypto.randomUUID(),
    },
    body,
  });
}

function event(type: string, ticketId: string, detail: Record<string, unknown>, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({ id: crypto.randomUUID(), type: `zen:event-type:ticket.${type}`, subject: `zen:ticket:${ticketId}`, time: new Date().toISOString(), detail: { id: ticketId, ...detail }, event: {}, ...extra });
}

interface TicketView {
  ticket_id: string;
  subject: string;
  status: string;
  priority: string;
  source: string;
}

async function ticketDetail<T>(ticketId: string): Promise<T> {
  return (await tool<{ ticket: T }>("get_ticket", { ticket_id: ticketId })).ticket;
}

async function ticketsOf(accountId: string): Promise<TicketView[]> {
  return (await tool<{ tickets: TicketView[] }>("list_tickets", { client_id: accountId, limit: 200 })).tickets;
}

beforeAll(async () => {
  const workspace = await newWorkspace("Zendesk E2E Co");
  const token = (await tokenFor(workspace, { scope: "cs:read cs:write cs:admin" })).access_token;
  const tenantId = await tenantIdOf(workspace.email);
  const subdomain = `zd-e2e-${crypto.randomUUID().slice(0, 8)}`;
  const fields = { subdomain, auth: "api_token", email: "agent@example.com", api_token: "tok-e2e-0123456789", webhook_signing_secret: SECRET };
  const connection = readConnection(fields);
  ctx = {
    token,
    tenantId,
    tenant: tenantStub(env.TENANT as DurableObjectNamespace<TenantDO>, tenantId),
    subdomain,
    client: new ZendeskClient(baseUrlOf(connection), authorizationOf(connection)),
    accountId: "",
  };
  const created = await tool<{ client: { client_id: string } }>("register_client", { client_name: "Helped Corp", company_name: "Helped Corp Ltd", contract_start_date: "2026-01-01", contract_end_date: "2027-01-01", tier: "enterprise" });
  ctx.accountId = created.client.client_id;
  // Before connecting: the Zendesk tools say what to do.
  expect(await refusedTool("sync_zendesk_tickets", { client_id: ctx.accountId })).toContain("link_zendesk_organization");
  await tool("link_zendesk_organization", { client_id: ctx.accountId, organization_id: 700 });
  expect(await refusedTool("sync_zendesk_tickets", { client_id: ctx.accountId })).toContain("connect_integration");
  const connected = await tool<{ integration: { connected: boolean; secret_hints: Record<string, string>; webhook_url: string | null }; test: { ok: boolean; message: string } }>("connect_integration", { provider: "zendesk", fields });
  expect(connected.test.ok).toBe(true);
  expect(connected.integration.secret_hints.api_token).toBe("…6789");
  expect(JSON.stringify(connected)).not.toContain("tok-e2e-0123456789");
  expect(JSON.stringify(connected)).not.toContain(SECRET);
  expect(connected.integration.webhook_url).toContain(`/webhooks/zendesk/${tenantId}`);
});

describe("Zendesk end to end", { timeout: 30_000 }, () => {
  it("a signed webhook opens a ticket within seconds; a redelivery has one effect", async () => {
    const detail = { subject: "API returns 500", description: "Since this morning", status: "NEW", priority: "URGENT", organization_id: "700", created_at: new Date().toISOString() };
    const created = event("created", "4001", detail);
    const response = await post(created);
    expect(response.status).toBe(202);
    expect(await response.json()).toEqual({ accepted: 1 });
    await vi.waitFor(
      async () => {
        const found = (await ticketsOf(ctx.accountId)).filter((t) => t.subject === "API returns 500");
        if (found.length === 0) throw new Error("not yet");
      },
      { timeout: 10_000, interval: 200 },
    );
    const comment = event("comment_added", "4001", { ...detail, status: "OPEN" }, { event: { comment: { id: "1", body: "Looking now", is_public: true, author: { id: "5", is_staff: true, name: "Agent" } } } });
    // Zendesk redelivers the same event (same id), freshly signed: both are accepted, one applies.
    expect((await post(created)).status).toBe(202);
    expect((await post(comment)).status).toBe(202);
    expect((await post(comment)).status).toBe(202);
    let ticket: { status: string; priority: string; comments: { body: string }[]; first_response_at: string | null } | null = null;
    await vi.waitFor(
      async () => {
        const [view] = (await ticketsOf(ctx.accountId)).filter((t) => t.subject === "API returns 500");
        ticket = await ticketDetail(view?.ticket_id ?? "");
        if (!ticket || ticket.comments.length === 0) throw new Error("not yet");
      },
      { timeout: 10_000, interval: 200 },
    );
    // Give any duplicate time to land before counting.
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    const same = (await ticketsOf(ctx.accountId)).filter((t) => t.subject === "API returns 500");
    expect(same).toHaveLength(1);
    expect(same[0]).toMatchObject({ source: "zendesk", priority: "P1", status: "open" });
    const full = await ticketDetail<{ comments: { body: string }[]; first_response_at: string | null }>(same[0]?.ticket_id ?? "");
    expect(full.comments.map((c) => c.body)).toEqual(["Looking now"]);
    expect(full.first_response_at).not.toBeNull();
    const receipts = await ctx.tenant.recentWebhookEvents("zendesk", 50);
    expect(receipts.ok && receipts.value.length).toBe(2);
  });

  it("refuses a delivery signed with another secret, naming the header; nothing is queued", async () => {
    const body = event("created", "4002", { subject: "Forged", status: "NEW", priority: "LOW", organization_id: "700" });
    const response = await post(body, { secret: "another-tenants-secret" });
    expect(response.status).toBe(401);
    const answer = (await response.json()) as { message: string };
    expect(answer.message).toContain(SIGNATURE_HEADER);
    expect(answer.message).not.toContain(SECRET);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect((await ticketsOf(ctx.accountId)).some((t) => t.subject === "Forged")).toBe(false);
  });

  it("push_ticket_to_zendesk creates the Zendesk ticket through a job; its webhook then updates the same ticket", async () => {
    const ours = await tool<{ ticket: { ticket_id: string } }>("create_ticket", { client_id: ctx.accountId, subject: "Renewal paperwork", description: "Need the signed order form", priority: "P2", category: "billing", assignee: "casey" });
    const ticketId = ours.ticket.ticket_id;
    const pushed = await tool<{ job_id: string; zendesk_payload: { organization_id: number | null; external_id: string; priority: string } }>("push_ticket_to_zendesk", { ticket_id: ticketId });
    expect(pushed.zendesk_payload).toEqual({ subject: "Renewal paperwork", priority: "high", requester_email: null, organization_id: 700, external_id: ticketId });
    let zendeskId = "";
    await vi.waitFor(
      async () => {
        const job = await tool<{ status: string; items: { sent: number } }>("get_integration_job", { job_id: pushed.job_id });
        if (job.status !== "sent") throw new Error(`job ${job.status}`);
      },
      { timeout: 10_000, interval: 200 },
    );
    const posts = (await providerRequests(`${ctx.subdomain}.zendesk.com`)).filter((r) => r.method === "POST" && r.path === "/api/v2/tickets");
    expect(posts).toHaveLength(1);
    expect(posts[0]?.headers["idempotency-key"]).toBeTruthy();
    const sent = JSON.parse(posts[0]?.body ?? "{}") as { ticket: { external_id: string; organization_id: number; comment: { body: string } } };
    expect(sent.ticket).toMatchObject({ external_id: ticketId, organization_id: 700, comment: { body: "Need the signed order form" } });
    const found = await ctx.client.exportTickets(`external_id:${ticketId}`);
    zendeskId = String(found.tickets[0]?.id ?? "");
    expect(zendeskId).toMatch(/^\d+$/);
    // Pushing it again is refused once Zendesk's webhook linked it.
    const detail = { subject: "Renewal paperwork", status: "OPEN", priority: "HIGH", organization_id: "700", external_id: ticketId };
    expect((await post(event("status_changed", zendeskId, { ...detail, status: "PENDING" }, { event: { current: "PENDING", previous: "OPEN" } }))).status).toBe(202);
    await vi.waitFor(
      async () => {
        const ticket = await ticketDetail<{ status: string }>(ticketId);
        if (ticket.status !== "pending") throw new Error(`status ${ticket.status}`);
      },
      { timeout: 10_000, interval: 200 },
    );
    expect((await ticketsOf(ctx.accountId)).filter((t) => t.subject === "Renewal paperwork")).toHaveLength(1);
    expect(await refusedTool("push_ticket_to_zendesk", { ticket_id: ticketId })).toContain(`Zendesk ticket #${zendeskId}`);
  });

  it("sync_zendesk_tickets pulls the organization's tickets from Zendesk's search", async () => {
    await ctx.client.createTicket({ subject: "Synced one", comment: { body: "first", public: true }, priority: "low", organization_id: 700 });
    const two = (await ctx.client.createTicket({ subject: "Synced two", comment: { body: "second", public: true }, priority: "normal", organization_id: 700 })).ticket;
    await ctx.client.updateTicket(two.id, { status: "solved" });
    const result = await tool<{ queries: string[]; found: number; opened: number; skipped: number }>("sync_zendesk_tickets", { client_id: ctx.accountId });
    expect(result.queries).toEqual(["organization:700"]);
    expect(result.opened).toBe(2);
    const views = await ticketsOf(ctx.accountId);
    expect(views.find((t) => t.subject === "Synced one")).toMatchObject({ status: "new", priority: "P4", source: "zendesk" });
    expect(views.find((t) => t.subject === "Synced two")).toMatchObject({ status: "solved", priority: "P3" });
    const again = await tool<{ opened: number; updated: number }>("sync_zendesk_tickets", { client_id: ctx.accountId });
    expect(again.opened).toBe(0);
  });
});
