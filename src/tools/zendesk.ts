import { z } from "zod";
import { defineTool, type Tool, unwrap } from "./define";
import { clientId } from "./fields";

/**
 * Zendesk: which organization is which account (so webhook tickets land on the right account).
 */

const organizationId = z
  .number({ error: "organization_id: expected the Zendesk organization's number (Admin Center → People → Organizations, in its URL)." })
  .int("organization_id: a whole number")
  .positive("organization_id: a positive number")
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

export const zendeskTools: readonly Tool[] = [linkZendeskOrganizationTool];
