import { z } from "zod";
import { ACCOUNT_TOKENS, CONTACT_ROLES, CONTACT_TOKENS } from "../db/communications";
import { MAX_INTERCOM_RECIPIENTS } from "../db/intercom-messages";
import { openConnection } from "../integrations/connections";
import { defineTool, ToolError, unwrap } from "./define";
import { clientId } from "./fields";

/**
 * Intercom tools. Sending is a queued job (one delivery per recipient) whose progress
 * get_integration_job shows; the conversations that follow come back through the Intercom
 * webhook as engagement touchpoints.
 */

const tokens = [...ACCOUNT_TOKENS, ...CONTACT_TOKENS].map((token) => `{{${token}}}`).join(", ");

export const sendIntercomMessageTool = defineTool({
  name: "send_intercom_message",
  title: "Send an Intercom message",
  description:
    "Sends an Intercom in-app message or email from an Intercom admin to the active contacts (with an email) of one account or of a segment, optionally only some roles or named contacts. " +
    `Subject and body may use ${tokens}. Returns a job at once; the queue finds or creates each contact in Intercom and sends one message each. Follow it with get_integration_job.`,
  input: z
    .object({
      client_id: clientId.optional().describe("The account whose contacts get the message (or give segment_id)"),
      segment_id: z.string().min(1, "segment_id is required").max(100).optional().describe("A segment whose accounts' contacts get the message (list_segments)"),
      contact_ids: z.array(z.string().min(1).max(100)).min(1).max(MAX_INTERCOM_RECIPIENTS).optional().describe("Only these contacts of the account or segment"),
      roles: z.array(z.enum(CONTACT_ROLES, { error: `must be one of ${CONTACT_ROLES.join(", ")}` })).min(1).max(CONTACT_ROLES.length).optional().describe("Only contacts with these roles"),
      message_type: z.enum(["inapp", "email"], { error: "message_type must be inapp or email" }).default("inapp"),
      subject: z.string().trim().min(1, "subject may not be empty").max(255, "subject is at most 255 characters").optional().describe("Required for an email"),
      body: z.string().trim().min(1, "body is required").max(20_000, "body is at most 20,000 characters").describe("Text or simple HTML"),
      template: z.enum(["plain", "personal"], { error: "template must be plain or personal" }).default("plain"),
      from_admin_id: z.string().regex(/^\d{1,20}$/, "from_admin_id must be the numeric id of an Intercom admin").optional().describe("Defaults to the connection's admin_id"),
    })
    .refine((input) => Boolean(input.client_id) !== Boolean(input.segment_id), { error: "give exactly one of client_id or segment_id", path: ["client_id"] })
    .refine((input) => input.message_type !== "email" || input.subject, { error: "subject is required for an email", path: ["subject"] }),
  output: z.object({
    job_id: z.string(),
    status: z.string(),
    description: z.string(),
    recipient_count: z.number().int(),
    recipients: z.array(z.object({ contact_id: z.string(), client_id: z.string(), email: z.string(), name: z.string() })).describe("At most the first 50"),
    missing_tokens: z.array(z.string()).describe("Tokens that had no value for some recipient and were left empty"),
  }),
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true },
  scope: "cs:write",
  rest: { method: "POST", path: "/intercom/messages" },
  handler: async (context, input) => {
    const connection = await openConnection(context.env, context.tenant, context.user.tenantId, "intercom");
    if (!connection) throw new ToolError("not_found", "provider: Intercom is not connected; an admin connects it with connect_integration (docs/integrations/intercom.md).");
    if (!input.from_admin_id && typeof connection.admin_id !== "string") {
      throw new ToolError("invalid", "from_admin_id: the Intercom connection has no admin_id; pass from_admin_id or set admin_id on the connection.");
    }
    const plan = unwrap(
      await context.tenant.planIntercomMessage({
        ...(input.client_id ? { client_id: input.client_id } : {}),
        ...(input.segment_id ? { segment_id: input.segment_id } : {}),
        ...(input.contact_ids ? { contact_ids: input.contact_ids } : {}),
        ...(input.roles ? { roles: input.roles } : {}),
        message_type: input.message_type,
        ...(input.subject ? { subject: input.subject } : {}),
        body: input.body,
        template: input.template,
        ...(input.from_admin_id ? { from_admin_id: input.from_admin_id } : {}),
      }),
    );
    const job = unwrap(
      await context.tenant.createIntegrationJob({ provider: "intercom", operation: "send_message", description: plan.description, deliveries: plan.deliveries }, context.actor),
    );
    return {
      job_id: job.id,
      status: job.status,
      description: job.description,
      recipient_count: plan.recipients.length,
      recipients: plan.recipients.slice(0, 50),
      missing_tokens: plan.missing_tokens,
    };
  },
});

export const intercomTools = [sendIntercomMessageTool];
