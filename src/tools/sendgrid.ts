import { z } from "zod";
import { CONTACT_ROLES } from "../db/communications";
import { defineTool, unwrap, WRITE } from "./define";
import { clientId } from "./fields";

/**
 * Email through SendGrid: a one-off email to an account's contacts, and sending a recorded
 * campaign or newsletter. Each returns at once with the integration job that sends it
 * (get_integration_job shows its progress); recipients whose address bounced, reported spam or
 * unsubscribed are left out. create_email_campaign with send_immediately sends the same way when
 * SendGrid is connected.
 */

const idOf = (field: string, from: string) =>
  z
    .string()
    .min(1, `${field} is required`)
    .max(100, `${field} is at most 100 characters`)
    .regex(/^[a-zA-Z0-9_-]+$/, `${field} holds only letters, digits, _ and - (as returned by ${from})`);

const sendResult = z.object({
  job_id: z.string().describe("The integration job sending it: get_integration_job shows its progress"),
  description: z.string(),
  recipients: z.number().int().describe("Addresses handed to SendGrid"),
  suppressed: z.number().int().describe("Recipients left out: their address bounced, reported spam or unsubscribed"),
  deliveries: z.number().int().describe("SendGrid requests (at most 1,000 recipients each)"),
  status: z.string().describe("The job's status right after it was queued"),
});

export const sendEmailTool = defineTool({
  name: "send_email",
  title: "Send an email to an account's contacts",
  description:
    "Send one email through SendGrid to an account's active contacts with an email address (all, some contact_ids, or some contact_roles); subject and body may use {{tokens}} " +
    "({{first_name}}, {{contact_name}}, {{client_name}}, {{renewal_date}}…), rendered per contact. Returns at once with the job that sends it; opens, clicks and bounces come back " +
    "through the SendGrid webhook as email touchpoints on the account. Needs SendGrid connected (connect_integration).",
  input: z.object({
    client_id: clientId,
    subject: z.string().trim().min(1, "subject is required").max(300, "subject is at most 300 characters"),
    body: z.string().trim().min(1, "body is required").max(9_000, "body is at most 9,000 characters (SendGrid's per-recipient limit)"),
    contact_ids: z.array(idOf("contact_ids[]", "get_client")).min(1).max(1000).optional().describe("Only these contacts of the account"),
    contact_roles: z.array(z.enum(CONTACT_ROLES, { message: `must be one of ${CONTACT_ROLES.join(", ")}` })).max(6).optional().describe("Only contacts with these roles"),
  }),
  output: sendResult,
  annotations: { ...WRITE, openWorldHint: true },
  scope: "cs:write",
  rest: { method: "POST", path: "/clients/{client_id}/emails" },
  async handler({ tenant, actor }, input) {
    return unwrap(await tenant.sendEmail({ kind: "one_off", email: input }, actor));
  },
});

export const sendCampaignTool = defineTool({
  name: "send_campaign",
  title: "Send a recorded campaign through SendGrid",
  description:
    "Send an email campaign recorded earlier (create_email_campaign, status not_sent or scheduled) through SendGrid now, with each recipient's rendered subject and body; " +
    "a campaign is sent once. The campaign becomes sent and get_campaign shows the job's progress. Needs SendGrid connected.",
  input: z.object({ campaign_id: idOf("campaign_id", "create_email_campaign or list_campaigns") }),
  output: sendResult,
  annotations: { ...WRITE, openWorldHint: true },
  scope: "cs:write",
  rest: { method: "POST", path: "/campaigns/{campaign_id}/send" },
  async handler({ tenant, actor }, input) {
    return unwrap(await tenant.sendEmail({ kind: "campaign", id: input.campaign_id }, actor));
  },
});

export const sendNewsletterTool = defineTool({
  name: "send_newsletter",
  title: "Send a newsletter through SendGrid",
  description:
    "Send a recorded newsletter edition (create_newsletter) through SendGrid now, to its audience's current contacts (bad addresses left out); an edition is sent once. Needs SendGrid connected.",
  input: z.object({ newsletter_id: idOf("newsletter_id", "create_newsletter") }),
  output: sendResult,
  annotations: { ...WRITE, openWorldHint: true },
  scope: "cs:write",
  rest: { method: "POST", path: "/newsletters/{newsletter_id}/send" },
  async handler({ tenant, actor }, input) {
    return unwrap(await tenant.sendEmail({ kind: "newsletter", id: input.newsletter_id }, actor));
  },
});

export const sendgridTools = [sendEmailTool, sendCampaignTool, sendNewsletterTool];
