import { z } from "zod";
import { TIERS } from "../db/accounts";
import { ACTIVITY_POINTS, ACTIVITY_TYPES, ADVOCATE_TIERS, REVIEW_TYPES } from "../db/advocacy";
import { ACCOUNT_TOKENS, CONTACT_ROLES, CONTACT_TOKENS, NEWSLETTER_SECTION_TYPES, TEMPLATE_TYPES } from "../db/communications";
import { TASK_PRIORITIES } from "../db/tasks";
import { HEALTH_BANDS, TICKET_PRIORITIES } from "../db/workflows";
import { defineTool, READ_ONLY, ToolError, unwrap, WRITE } from "./define";
import { clientId, isoDate } from "./fields";

/**
 * Communication and engagement: email campaigns (recorded, never faked as sent: delivery is not
 * connected yet), workflows evaluated on data changes, the advocacy program, executive business
 * reviews and newsletters.
 */

const idOf = (field: string, from: string) =>
  z
    .string()
    .min(1, `${field} is required`)
    .max(100, `${field} is at most 100 characters`)
    .regex(/^[a-zA-Z0-9_-]+$/, `${field} holds only letters, digits, _ and - (as returned by ${from})`);
const oneOf = <T extends readonly [string, ...string[]]>(values: T) => z.enum(values, { message: `must be one of ${values.join(", ")}` });
const isoDateTime = z.string().trim().min(1).max(40).describe("ISO 8601 date-time, e.g. 2030-01-31T09:00:00Z");
const text = (field: string, max: number) => z.string().trim().min(1, `${field} is required`).max(max, `${field} is at most ${max} characters`);
const ruleSchema = z.record(z.string(), z.json()).describe("A segment rule over account fields (list_segment_fields), e.g. {\"field\":\"tier\",\"operator\":\"eq\",\"value\":\"enterprise\"}");
const limit = (max: number, fallback: number) => z.number().int("must be a whole number").min(1, `must be 1–${max}`).max(max, `must be 1–${max}`).default(fallback);

const templateType = oneOf(TEMPLATE_TYPES);
const status = z.enum(["not_sent", "scheduled", "sent", "cancelled"]);
const TOKEN_HELP = `Tokens: ${[...ACCOUNT_TOKENS, ...CONTACT_TOKENS].map((t) => `{{${t}}}`).join(", ")}, plus any key of personalization_tokens.`;

export const campaign = z.object({
  campaign_id: z.string(),
  name: z.string(),
  template_type: z.string(),
  subject: z.string(),
  body: z.string(),
  sender_email: z.string().nullable(),
  target: z.record(z.string(), z.json()),
  status: status.describe("not_sent: recorded, not sent; scheduled: sent through SendGrid at scheduled_for if it is connected then, else it becomes not_sent with the reason; sent: handed to SendGrid (get_campaign shows the job's progress); cancelled: a scheduled campaign cancelled before sending (cancel_email_campaign)"),
  status_reason: z.string().nullable(),
  scheduled_for: z.string().nullable(),
  recipient_count: z.number().int(),
  account_count: z.number().int(),
  source: z.string().describe('"manual" or "workflow:<id>"'),
  created_by: z.string(),
  created_at: z.string(),
});
const recipient = z.object({
  contact_id: z.string(),
  client_id: z.string(),
  client_name: z.string(),
  email: z.string(),
  name: z.string(),
  subject: z.string(),
  body: z.string(),
  missing_tokens: z.array(z.string()).describe("Tokens this recipient had no value for (rendered empty)"),
  status,
});

export const createEmailCampaignTool = defineTool({
  name: "create_email_campaign",
  title: "Create an email campaign",
  description:
    "Email the real contacts (active, with an email) of accounts picked by client_ids, a saved segment, or a tier; subject and body are rendered per recipient from {{tokens}}. " +
    "Says how many recipients and accounts it touches; preview_only shows that and rendered samples without saving. Above the workspace's confirm threshold it needs confirm: true. " +
    "With send_immediately and SendGrid connected, it is sent at once through SendGrid (a queued job; bad addresses left out); with scheduled_send_time it is sent through SendGrid at that time if SendGrid is connected then (else it becomes not_sent, with the reason); otherwise it is recorded as not_sent and nothing is sent (send_campaign sends it later). " +
    TOKEN_HELP,
  input: z
    .object({
      name: text("name", 200),
      template_type: templateType,
      subject: text("subject", 300),
      body: text("body", 20_000),
      sender_email: z.email({ message: "must be an email address" }).max(320).optional(),
      client_ids: z.array(clientId).min(1, "client_ids: give at least one id").max(1000, "client_ids: at most 1000 ids").optional(),
      segment_id: idOf("segment_id", "create_segment or list_segments").optional(),
      tier: oneOf(TIERS).optional(),
      contact_roles: z.array(oneOf(CONTACT_ROLES)).max(6).optional().describe("Only contacts with these roles"),
      personalization_tokens: z
        .record(z.string().regex(/^[a-zA-Z0-9_]+$/, "token names hold only letters, digits and _").max(50), z.string().max(1000))
        .optional()
        .describe("Extra tokens with one value for every recipient"),
      send_immediately: z.boolean().default(false).describe("Send now through SendGrid when it is connected; otherwise record it as not_sent"),
      scheduled_send_time: isoDateTime.optional().describe("Required unless send_immediately; in the future"),
      preview_only: z.boolean().default(false).describe("Count and render a sample without saving"),
      confirm: z.boolean().default(false).describe("Required when the recipients exceed the workspace's confirm threshold"),
    })
    .refine((input) => [input.client_ids, input.segment_id, input.tier].filter((v) => v !== undefined).length === 1, {
      message: "give exactly one target: client_ids, segment_id or tier",
      path: ["client_ids"],
    }),
  output: z.object({
    campaign: campaign.nullable().describe("Null when preview_only"),
    preview_only: z.boolean(),
    recipient_count: z.number().int(),
    account_count: z.number().int(),
    accounts_without_recipients: z.array(z.string()).describe("Targeted accounts with no active contact with an email (first 100)"),
    confirm_threshold: z.number().int(),
    confirm_required: z.boolean(),
    tokens_used: z.array(z.string()),
    preview: z.array(recipient).describe("The first recipients, rendered"),
    delivery: z.object({
      connected: z.boolean(),
      note: z.string(),
      job_id: z.string().nullable().optional().describe("The SendGrid job sending it, when sent immediately with SendGrid connected (get_integration_job)"),
    }),
  }),
  annotations: WRITE,
  scope: "cs:write",
  rest: { method: "POST", path: "/campaigns" },
  async handler({ tenant, actor }, input) {
    const target = input.client_ids
      ? { kind: "client_ids" as const, client_ids: input.client_ids }
      : input.segment_id
        ? { kind: "segment" as const, segment_id: input.segment_id }
        : { kind: "tier" as const, tier: input.tier as (typeof TIERS)[number] };
    const plan = unwrap(
      await tenant.createCampaign(
        {
          name: input.name,
          template_type: input.template_type,
          subject: input.subject,
          body: input.body,
          sender_email: input.sender_email ?? null,
          target,
          contact_roles: input.contact_roles,
          personalization_tokens: input.personalization_tokens,
          send_immediately: input.send_immediately,
          scheduled_send_time: input.scheduled_send_time ?? null,
        },
        { previewOnly: input.preview_only, confirm: input.confirm },
        actor,
      ),
    );
    if (plan.campaign && input.send_immediately && (await tenant.connectionFor("sendgrid"))) {
      const sent = unwrap(await tenant.sendEmail({ kind: "campaign", id: plan.campaign.campaign_id }, actor));
      const campaign = unwrap(await tenant.getCampaign(plan.campaign.campaign_id, 0)).campaign;
      return {
        ...plan,
        campaign,
        delivery: {
          connected: true,
          note: `Handed to SendGrid as job ${sent.job_id}: ${sent.recipients} recipients in ${sent.deliveries} request(s)${sent.suppressed ? `, ${sent.suppressed} bad addresses left out` : ""}; get_campaign shows the progress.`,
          job_id: sent.job_id,
        },
      };
    }
    return {
      ...plan,
      delivery: {
        connected: false,
        note: input.send_immediately && !input.preview_only
          ? "SendGrid is not connected: the campaign is recorded, not sent. Connect SendGrid (connect_integration), then send it with send_campaign."
          : plan.campaign?.status === "scheduled"
            ? `Scheduled for ${plan.campaign.scheduled_for}: sent through SendGrid at that time if SendGrid is connected then (connect_integration); cancel_email_campaign cancels it.`
            : "Recorded, not sent: send it with send_campaign once SendGrid is connected.",
        job_id: null,
      },
    };
  },
});

export const listCampaignsTool = defineTool({
  name: "list_campaigns",
  title: "List email campaigns",
  description: "Recorded email campaigns, newest first, with their status (not_sent, scheduled, or sent: handed to SendGrid) and recipient counts; page with the cursor.",
  input: z.object({
    status: status.optional(),
    limit: limit(200, 50),
    cursor: z.string().min(1).max(500).optional().describe("next_cursor from the previous page"),
  }),
  output: z.object({ campaigns: z.array(campaign), next_cursor: z.string().nullable() }),
  annotations: READ_ONLY,
  scope: "cs:read",
  rest: { method: "GET", path: "/campaigns" },
  async handler({ tenant }, input) {
    return unwrap(await tenant.listCampaigns(input));
  },
});

export const getCampaignTool = defineTool({
  name: "get_campaign",
  title: "Get an email campaign",
  description: "One campaign with its recipients, each with the subject and body rendered for them, and its status.",
  input: z.object({ campaign_id: idOf("campaign_id", "create_email_campaign or list_campaigns"), limit: limit(500, 100).describe("Recipients shown") }),
  output: z.object({
    campaign,
    recipients: z.array(recipient),
    recipients_shown: z.number().int(),
    delivery: z
      .object({
        job_id: z.string(),
        status: z.enum(["queued", "sending", "sent", "partly_failed", "failed"]),
        recipients: z.number().int(),
        accepted: z.number().int().describe("Recipients in requests SendGrid accepted"),
        pending: z.number().int().describe("Recipients in requests still queued or retrying"),
        failed: z.number().int().describe("Recipients in requests refused for good or dead-lettered"),
        suppressed: z.number().int().describe("Recipients left out: their address bounced, reported spam or unsubscribed"),
        last_error: z.string().nullable(),
      })
      .nullable()
      .describe("The SendGrid job's progress; null when the campaign was not sent through SendGrid"),
  }),
  annotations: READ_ONLY,
  scope: "cs:read",
  rest: { method: "GET", path: "/campaigns/{campaign_id}" },
  async handler({ tenant }, input) {
    const found = unwrap(await tenant.getCampaign(input.campaign_id, input.limit));
    return { ...found, delivery: unwrap(await tenant.emailSendProgress("campaign", input.campaign_id)) };
  },
});

export const updateCommunicationSettingsTool = defineTool({
  name: "update_communication_settings",
  title: "Update communication settings",
  description: "Set the number of recipients above which an email campaign needs confirm: true (default 50).",
  input: z.object({
    confirm_threshold: z.number().int("must be a whole number").min(1, "must be 1–100000").max(100_000, "must be 1–100000"),
  }),
  output: z.object({ confirm_threshold: z.number().int() }),
  annotations: { ...WRITE, idempotentHint: true },
  scope: "cs:admin",
  rest: { method: "PATCH", path: "/settings/communications" },
  async handler({ tenant, actor }, input) {
    return unwrap(await tenant.updateCommunicationSettings(input, actor));
  },
});

const trigger = z.discriminatedUnion("type", [
  z.object({ type: z.literal("health_band_changed"), to_bands: z.array(oneOf(HEALTH_BANDS)).max(5).optional().describe("Only when the new band is one of these") }),
  z.object({ type: z.literal("ticket_opened"), priorities: z.array(oneOf(TICKET_PRIORITIES)).max(4).optional().describe("Only tickets of these priorities") }),
  z.object({ type: z.literal("renewal_window"), days: z.number().int("must be a whole number").min(1, "must be 1–365").max(365, "must be 1–365") }),
]);
const action = z.discriminatedUnion("type", [
  z.object({
    type: z.literal("create_task"),
    title: text("title", 200).describe(`May use account tokens: ${ACCOUNT_TOKENS.map((t) => `{{${t}}}`).join(", ")}`),
    description: z.string().trim().max(4000).optional(),
    owner: z.string().trim().min(1).max(200).optional().describe('"csm" for the account\'s CSM, or a name/email'),
    due_in_days: z.number().int().min(0, "must be 0–365").max(365, "must be 0–365").default(3),
    priority: oneOf(TASK_PRIORITIES).default("medium"),
  }),
  z.object({
    type: z.literal("record_campaign"),
    template_type: templateType,
    subject: text("subject", 300),
    body: text("body", 20_000).describe(TOKEN_HELP.replace(", plus any key of personalization_tokens", "")),
  }),
]);
const workflow = z.object({
  workflow_id: z.string(),
  name: z.string(),
  description: z.string(),
  trigger: z.record(z.string(), z.json()),
  conditions: z.record(z.string(), z.json()).nullable(),
  actions: z.array(z.record(z.string(), z.json())),
  enabled: z.boolean(),
  run_count: z.number().int(),
  last_run_at: z.string().nullable(),
  created_by: z.string(),
  created_at: z.string(),
});

export const createWorkflowTool = defineTool({
  name: "create_workflow",
  title: "Create a communication workflow",
  description:
    "When something happens to an account (its health band changes, a ticket is opened, its renewal comes within N days) and it meets the conditions (a segment rule), run the actions: open a task, and/or record a campaign to its contacts (sent through SendGrid moments later when SendGrid is connected, otherwise recorded as not_sent). " +
    "Evaluated on every data change for the accounts it touched; fires once per account and event.",
  input: z.object({
    name: text("name", 200),
    description: z.string().trim().max(2000).default(""),
    trigger,
    conditions: ruleSchema.optional(),
    actions: z.array(action).min(1, "actions: give at least one action").max(5, "actions: at most 5"),
    enabled: z.boolean().default(true),
  }),
  output: z.object({ workflow }),
  annotations: WRITE,
  scope: "cs:write",
  rest: { method: "POST", path: "/workflows" },
  async handler({ tenant, actor }, input) {
    const created = unwrap(await tenant.createWorkflow({ ...input, conditions: input.conditions ?? null }, actor));
    return { workflow: { ...created, trigger: { ...created.trigger }, actions: created.actions.map((a) => ({ ...a })) } };
  },
});

export const listWorkflowsTool = defineTool({
  name: "list_workflows",
  title: "List communication workflows",
  description: "Every workflow with its trigger, conditions, actions, how often it fired and its latest runs (account, event, tasks and campaigns).",
  input: z.object({ runs: limit(50, 5).describe("Latest runs shown per workflow") }),
  output: z.object({
    workflows: z.array(
      workflow.extend({
        recent_runs: z.array(z.object({ client_id: z.string(), event_key: z.string(), fired_at: z.string(), result: z.record(z.string(), z.json()) })),
      }),
    ),
  }),
  annotations: READ_ONLY,
  scope: "cs:read",
  rest: { method: "GET", path: "/workflows" },
  async handler({ tenant }, input) {
    const list = unwrap(await tenant.listWorkflows(input.runs));
    return { workflows: list.map((w) => ({ ...w, trigger: { ...w.trigger }, actions: w.actions.map((a) => ({ ...a })) })) };
  },
});

const advocate = z.object({
  advocate_id: z.string(),
  client_id: z.string(),
  client_name: z.string(),
  contact_id: z.string(),
  contact_name: z.string(),
  contact_email: z.string().nullable(),
  tier: oneOf(ADVOCATE_TIERS),
  points: z.number().int(),
  activity_count: z.number().int(),
  enrolled_at: z.string(),
});

export const enrollAdvocateTool = defineTool({
  name: "enroll_advocate",
  title: "Enroll an advocate",
  description: "Enroll one of an account's active contacts in the advocacy program (tier bronze unless given); tiers rise with points: silver 500, gold 1500, platinum 3000, champion 5000.",
  input: z.object({ client_id: clientId, contact_id: idOf("contact_id", "the account's contacts"), tier: oneOf(ADVOCATE_TIERS).optional() }),
  output: z.object({ advocate }),
  annotations: WRITE,
  scope: "cs:write",
  rest: { method: "POST", path: "/advocacy/advocates" },
  async handler({ tenant, actor }, input) {
    return { advocate: unwrap(await tenant.enrollAdvocate(input, actor)) };
  },
});

export const recordAdvocacyActivityTool = defineTool({
  name: "record_advocacy_activity",
  title: "Record an advocacy activity",
  description: `Record an advocate's contribution; it earns the type's points (${Object.entries(ACTIVITY_POINTS)
    .map(([k, v]) => `${k} ${v}`)
    .join(", ")}) times their tier's multiplier (bronze 1, silver 1.25, gold 1.5, platinum 1.75, champion 2), and may raise their tier.`,
  input: z.object({
    advocate_id: idOf("advocate_id", "enroll_advocate or get_advocacy_leaderboard"),
    activity_type: z.enum(ACTIVITY_TYPES as [string, ...string[]], { message: `must be one of ${ACTIVITY_TYPES.join(", ")}` }),
    details: text("details", 2000),
    occurred_at: isoDateTime.optional(),
  }),
  output: z.object({
    activity: z.object({
      activity_id: z.string(),
      advocate_id: z.string(),
      activity_type: z.string(),
      details: z.string(),
      base_points: z.number().int(),
      multiplier: z.number(),
      points: z.number().int(),
      occurred_at: z.string(),
    }),
    advocate,
    tier_changed: z.boolean(),
  }),
  annotations: WRITE,
  scope: "cs:write",
  rest: { method: "POST", path: "/advocacy/advocates/{advocate_id}/activities" },
  async handler({ tenant, actor }, input) {
    let occurredAt: string | undefined;
    if (input.occurred_at !== undefined) {
      const at = new Date(input.occurred_at);
      if (Number.isNaN(at.getTime())) throw new ToolError("invalid", "occurred_at: must be an ISO date-time, e.g. 2026-05-01T10:00:00Z.");
      occurredAt = at.toISOString();
    }
    return unwrap(
      await tenant.recordAdvocacyActivity(
        { advocate_id: input.advocate_id, activity_type: input.activity_type as (typeof ACTIVITY_TYPES)[number], details: input.details, occurred_at: occurredAt },
        actor,
      ),
    );
  },
});

export const getAdvocacyLeaderboardTool = defineTool({
  name: "get_advocacy_leaderboard",
  title: "Advocacy leaderboard",
  description: "Advocates ranked by points, with tier and activity count; optionally for one account.",
  input: z.object({ client_id: clientId.optional(), limit: limit(200, 20) }),
  output: z.object({ advocates: z.array(advocate.extend({ rank: z.number().int() })), total_advocates: z.number().int(), total_points: z.number().int() }),
  annotations: READ_ONLY,
  scope: "cs:read",
  rest: { method: "GET", path: "/advocacy/leaderboard" },
  async handler({ tenant }, input) {
    return unwrap(await tenant.advocacyLeaderboard(input));
  },
});

export const review = z.object({
  review_id: z.string(),
  client_id: z.string(),
  review_type: oneOf(REVIEW_TYPES),
  scheduled_for: z.string(),
  duration_minutes: z.number().int(),
  attendees: z.array(z.object({ name: z.string(), title: z.string().optional(), side: z.enum(["customer", "vendor"]) })),
  agenda: z.array(z.string()),
  objectives: z.array(z.string()),
  status: z.enum(["scheduled", "completed"]),
  summary: z.string().nullable(),
  satisfaction_rating: z.number().int().nullable(),
  next_review_date: z.string().nullable(),
  completed_at: z.string().nullable(),
});

export const scheduleBusinessReviewTool = defineTool({
  name: "schedule_business_review",
  title: "Schedule an executive business review",
  description: "Schedule a business review (quarterly, semi_annual, annual, ad_hoc, renewal, expansion) with an account: time, attendees, agenda (a default per type if none) and objectives; it appears on the timeline.",
  input: z.object({
    client_id: clientId,
    review_type: oneOf(REVIEW_TYPES),
    scheduled_for: isoDateTime.describe("When, in the future"),
    duration_minutes: z.number().int().min(15, "must be 15–480").max(480, "must be 15–480").default(60),
    attendees: z
      .array(z.object({ name: text("name", 200), title: z.string().trim().max(200).optional(), side: z.enum(["customer", "vendor"]) }))
      .max(50)
      .default([]),
    agenda: z.array(text("agenda item", 300)).max(30).optional(),
    objectives: z.array(text("objective", 300)).max(30).default([]),
  }),
  output: z.object({ review }),
  annotations: WRITE,
  scope: "cs:write",
  rest: { method: "POST", path: "/business-reviews" },
  async handler({ tenant, actor }, input) {
    return { review: unwrap(await tenant.scheduleBusinessReview(input, actor)) };
  },
});

const taskOut = z.object({ task_id: z.string(), title: z.string(), owner: z.string().nullable(), due_date: z.string().nullable(), priority: z.string(), status: z.string(), source: z.string() });

export const recordBusinessReviewOutcomeTool = defineTool({
  name: "record_business_review_outcome",
  title: "Record a business review's outcome",
  description: "Record what a business review concluded: summary, satisfaction 1–5, next review date; each action item becomes a task on the account (source review:<id>) and the meeting is recorded as a touchpoint.",
  input: z.object({
    review_id: idOf("review_id", "schedule_business_review"),
    summary: text("summary", 4000),
    satisfaction_rating: z.number().int("must be a whole number").min(1, "must be 1–5").max(5, "must be 1–5").optional(),
    action_items: z
      .array(
        z.object({
          title: text("title", 200),
          description: z.string().trim().max(4000).optional(),
          owner: z.string().trim().min(1).max(200).optional(),
          due_date: isoDate.optional(),
          priority: oneOf(TASK_PRIORITIES).optional(),
        }),
      )
      .max(50)
      .default([]),
    next_review_date: isoDate.optional(),
    held_at: isoDateTime.optional().describe("When it took place (default: its scheduled time if past, else now)"),
  }),
  output: z.object({ review, tasks: z.array(taskOut) }),
  annotations: WRITE,
  scope: "cs:write",
  rest: { method: "POST", path: "/business-reviews/{review_id}/outcome" },
  async handler({ tenant, actor }, input) {
    let heldAt: string | undefined;
    if (input.held_at !== undefined) {
      const at = new Date(input.held_at);
      if (Number.isNaN(at.getTime())) throw new ToolError("invalid", "held_at: must be an ISO date-time, e.g. 2026-05-01T10:00:00Z.");
      heldAt = at.toISOString();
    }
    const result = unwrap(await tenant.recordBusinessReviewOutcome({ ...input, held_at: heldAt }, actor));
    return { review: result.review, tasks: result.tasks };
  },
});

export const createNewsletterTool = defineTool({
  name: "create_newsletter",
  title: "Create a newsletter",
  description:
    "Record a newsletter edition (sections of announcement, feature_highlight, tip, success_story, event, blog_post, resource, update, custom) for every non-churned account or some tiers, minus excluded accounts; the audience is counted from real contacts. With scheduled_send it is sent through SendGrid at that time if SendGrid is connected then (else it becomes not_sent, with the reason); without it, send_newsletter sends it.",
  input: z.object({
    name: text("name", 200),
    subject: text("subject", 300),
    sections: z
      .array(z.object({ type: oneOf(NEWSLETTER_SECTION_TYPES), title: text("title", 300), content: text("content", 20_000) }))
      .min(1, "sections: give at least one section")
      .max(30),
    target_tiers: z.array(oneOf(TIERS)).max(4).optional().describe("Only these tiers (default: all)"),
    exclude_client_ids: z.array(clientId).max(1000).optional(),
    scheduled_send: isoDateTime.optional().describe("In the future; without it the edition is recorded as not_sent"),
    recurrence: z.enum(["weekly", "monthly", "quarterly"]).optional().describe("The edition's planned cadence, recorded; each edition is sent once, so record the next one for its date"),
  }),
  output: z.object({
    newsletter: z.object({
      newsletter_id: z.string(),
      name: z.string(),
      subject: z.string(),
      sections: z.array(z.object({ type: z.string(), title: z.string(), content: z.string() })),
      target_tiers: z.array(z.string()).nullable(),
      exclude_client_ids: z.array(z.string()),
      recipient_count: z.number().int(),
      account_count: z.number().int(),
      status,
      status_reason: z.string().nullable(),
      scheduled_for: z.string().nullable(),
      recurrence: z.string().nullable(),
      created_by: z.string(),
      created_at: z.string(),
    }),
  }),
  annotations: WRITE,
  scope: "cs:write",
  rest: { method: "POST", path: "/newsletters" },
  async handler({ tenant, actor }, input) {
    return { newsletter: unwrap(await tenant.createNewsletter(input, actor)) };
  },
});

export const communicationTools = [
  createEmailCampaignTool,
  listCampaignsTool,
  getCampaignTool,
  updateCommunicationSettingsTool,
  createWorkflowTool,
  listWorkflowsTool,
  enrollAdvocateTool,
  recordAdvocacyActivityTool,
  getAdvocacyLeaderboardTool,
  scheduleBusinessReviewTool,
  recordBusinessReviewOutcomeTool,
  createNewsletterTool,
];
