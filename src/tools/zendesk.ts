import { z } from "zod";
import { snapshotOf } from "../db/zendesk";
import { openConnection } from "../integrations/connections";
import { ProviderError } from "../integrations/http";
import type { ZendeskTicket } from "../integrations/zendesk/client";
import { explainTestFailure } from "../integrations/zendesk";
import { clientOf } from "../integrations/zendesk/operations";
import { defineTool, type Tool, ToolError, type ToolContext, unwrap, WRITE } from "./define";
import { clientId } from "./fields";

/**
 * Zendesk: which organization is which account (so webhook tickets land on the right account),
 * pulling an account's tickets from Zendesk (a direct search), and pushing one of our tickets to
 * Zendesk (a queued create_ticket job, deduped by Zendesk on the delivery's idempotency key).
 */

async function zendeskConnection(context: ToolContext) {
  const connection = await openConnection(context.env, context.tenant, context.user.tenantId, "zendesk");
  if (!connection) throw new ToolError("conflict", "Zendesk is not connected in this workspace; connect it first with connect_integration (provider zendesk).");
  return connection;
}

const organizationId = z
  .number({ error: "expected the Zendesk organization's number (Admin Center → People → Organizations, in its URL)." })
  .int("a whole number")
  .positive("a positive number")
  .describe("The Zendesk organization's id");

export const linkZendeskOrganizationTool = defineTool({
  name: "link_zendesk_organization",
  title: "Link a Zendesk organization to an account",
  description:
    "Says which Zendesk organization is this account: tickets of that organization (from webhooks and sync_zendesk_tickets) become the account's tickets, with SLA clocks and health. Linking an organization already linked elsewhere moves it.",
  input: z.object({ client_id: clientId, organization_id: organizationId }),
  output: z.object({
    organization_id: z.number().int(),
    client_id: z.string(),
    previous_client_id: z.string().nullable().describe("The account it was linked to before, if another"),
  }),
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  scope: "cs:write",
  rest: { method: "POST", path: "/clients/{client_id}/zendesk-organization" },
  async handler({ tenant, actor }, input) {
    return unwrap(await tenant.linkZendeskOrganization(input, actor));
  },
});

const MAX_SYNC = 1000;

export const syncZendeskTicketsTool = defineTool({
  name: "sync_zendesk_tickets",
  title: "Pull an account's tickets from Zendesk",
  description:
    "Searches Zendesk (search/export, cursor pages) for the account's tickets — by its linked organizations (link_zendesk_organization), else by its contacts' emails as requesters — and brings each into our tickets the way webhooks do: new ones open (source zendesk, SLA clocks from Zendesk's creation time), changed ones move status and priority. Refreshes the account's health.",
  input: z.object({
    client_id: clientId,
    max_tickets: z.number().int("max_tickets: a whole number").min(1, "max_tickets: 1–1000").max(MAX_SYNC, "max_tickets: 1–1000").default(500).describe("Most tickets to pull in one call"),
  }),
  output: z.object({
    client_id: z.string(),
    queries: z.array(z.string()).describe("The Zendesk searches run"),
    found: z.number().int(),
    truncated: z.boolean().describe("More tickets matched than max_tickets"),
    opened: z.number().int(),
    updated: z.number().int(),
    unchanged: z.number().int(),
    skipped: z.number().int(),
    effects: z.array(z.object({ zendesk_ticket_id: z.number().int(), effect: z.string() })),
  }),
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  scope: "cs:write",
  rest: { method: "POST", path: "/clients/{client_id}/zendesk-sync" },
  async handler(context, input) {
    const queries = unwrap(await context.tenant.zendeskSearchQueries(input.client_id));
    const connection = await zendeskConnection(context);
    const client = clientOf(connection);
    const found: ZendeskTicket[] = [];
    let truncated = false;
    try {
      for (const query of queries) {
        if (found.length >= input.max_tickets) {
          truncated = true;
          break;
        }
        const page = await client.searchAllTickets(query, { maxTickets: input.max_tickets - found.length });
        found.push(...page.tickets);
        truncated ||= page.truncated;
      }
    } catch (error) {
      if (error instanceof ProviderError) throw new ToolError("conflict", explainTestFailure(error, String(connection.subdomain ?? "")));
      throw error;
    }
    const result = unwrap(await context.tenant.importZendeskTickets(input.client_id, found.map(snapshotOf), context.actor));
    return { ...result, queries, found: found.length, truncated };
  },
});

export const pushTicketToZendeskTool = defineTool({
  name: "push_ticket_to_zendesk",
  title: "Push a ticket to Zendesk",
  description:
    "Creates one of our tickets in Zendesk as a queued job (answers at once with the job; get_integration_job follows it): subject, description as the first public comment, priority P1–P4 → urgent/high/normal/low, the requester contact's email, the account's linked organization, and our ticket id as Zendesk's external_id, so Zendesk's webhooks update this same ticket afterwards. A redelivered job never creates a second Zendesk ticket (Idempotency-Key).",
  input: z.object({
    ticket_id: z.string().min(1, "ticket_id is required").max(100).regex(/^[a-zA-Z0-9_-]+$/, "ticket_id holds only letters, digits, _ and - (as returned by create_ticket or list_tickets)"),
  }),
  output: z.object({
    job_id: z.string(),
    status: z.string().describe("queued at first; get_integration_job shows the progress and the Zendesk ticket number"),
    zendesk_payload: z.object({ subject: z.string(), priority: z.string(), requester_email: z.string().nullable(), organization_id: z.number().int().nullable(), external_id: z.string() }),
  }),
  annotations: WRITE,
  scope: "cs:write",
  rest: { method: "POST", path: "/tickets/{ticket_id}/zendesk" },
  async handler(context, input) {
    const draft = unwrap(await context.tenant.zendeskTicketDraft(input.ticket_id));
    await zendeskConnection(context);
    const job = unwrap(
      await context.tenant.createIntegrationJob(
        { provider: "zendesk", operation: "create_ticket", description: `Ticket ${input.ticket_id} to Zendesk: ${draft.subject}`, deliveries: [{ payload: { ...draft }, items: 1 }] },
        context.actor,
      ),
    );
    return {
      job_id: job.id,
      status: job.status,
      zendesk_payload: { subject: draft.subject, priority: draft.priority, requester_email: draft.requester_email ?? null, organization_id: draft.organization_id ?? null, external_id: draft.external_id },
    };
  },
});

export const zendeskTools: readonly Tool[] = [linkZendeskOrganizationTool, syncZendeskTicketsTool, pushTicketToZendeskTool];
