import { z } from "zod";
import { INSIGHT_PRIORITIES } from "../db/catalog-verbs";
import { INSIGHT_STATUSES } from "../db/feedback-intel";
import { PLAN_STATUSES } from "../db/onboarding";
import { PLAN_STATUS_CHANGES } from "../db/onboarding-lifecycle";
import { ROUTING_STRATEGIES } from "../db/ticket-routing";
import { TICKET_PRIORITIES } from "../db/tickets";
import { defineTool, READ_ONLY, type Tool, WRITE, unwrap } from "./define";
import { campaign, review } from "./communication";
import { insight } from "./feedback";
import { clientId, isoDate } from "./fields";
import { plan } from "./onboarding";

/**
 * The verbs issue 6 still missed: an onboarding plan's lifecycle (hold, resume, cancel), the
 * onboarding process analysis, onboarding automation settings, ticket routing over the real
 * queue, and the small missing reads and writes of insights, reviews, newsletters and campaigns.
 */

const idOf = (field: string, from: string) =>
  z
    .string()
    .min(1, `${field} is required`)
    .max(100, `${field} is at most 100 characters`)
    .regex(/^[a-zA-Z0-9_-]+$/, `${field} holds only letters, digits, _ and - (as returned by ${from})`);
const oneOf = <T extends readonly [string, ...string[]]>(values: T, field: string) => z.enum(values, { message: `${field} must be one of ${values.join(", ")}` });
const text = (field: string, max: number) => z.string().trim().min(1, `${field} must not be empty`).max(max, `${field} is at most ${max} characters`);

const planId = idOf("plan_id", "create_onboarding_plan or get_onboarding_progress");

const statusChange = z.object({
  from_status: oneOf(PLAN_STATUSES, "from_status"),
  to_status: oneOf(PLAN_STATUSES, "to_status"),
  reason: z.string(),
  shifted_days: z.number().int().describe("Days the open milestones moved later on a resume"),
  changed_by: z.string(),
  changed_at: z.string(),
});

export const updateOnboardingPlanTool = defineTool({
  name: "update_onboarding_plan",
  title: "Hold, resume or cancel an onboarding plan",
  description:
    "Change an onboarding plan's status with a reason: on_hold (pause it; its milestones stop changing and the automation leaves it alone), in_progress (resume a held plan; by default the open milestones and the target date move later by the days it was on hold) or cancelled (final). Completed and cancelled plans are final; asking for the status a plan already has, or a move that makes no sense, is refused with the plan's current state and nothing changes. Each change is kept in the plan's status history and on the account's timeline.",
  input: z.object({
    plan_id: planId,
    status: oneOf(PLAN_STATUS_CHANGES, "status"),
    reason: text("reason", 1000).describe("Why: shown on the account's timeline and in the plan's status history"),
    extend_due_dates: z.boolean().default(true).describe("On resume: move the open milestones and the target date later by the days on hold"),
  }),
  output: z.object({
    plan,
    previous_status: oneOf(PLAN_STATUSES, "previous_status"),
    shifted_days: z.number().int(),
    status_history: z.array(statusChange),
  }),
  annotations: WRITE,
  scope: "cs:write",
  rest: { method: "PATCH", path: "/onboarding/plans/{plan_id}" },
  async handler({ tenant, actor }, { plan_id, ...update }) {
    return unwrap(await tenant.updateOnboardingPlan(plan_id, update, actor));
  },
});

const daysStats = z.object({
  median_days: z.number(),
  average_days: z.number(),
  median_target_days: z.number(),
  average_target_days: z.number(),
  median_variance_days: z.number().describe("Median of actual − target per plan; negative is ahead of target"),
  on_target: z.number().int(),
  late: z.number().int(),
});

export const analyzeOnboardingProcessTool = defineTool({
  name: "analyze_onboarding_process",
  title: "Analyze the onboarding process",
  description:
    "How onboarding went over the last period_days (7–365), from the workspace's real plans: onboardings completed and cancelled, completion rate (completed ÷ ended), time to value (start → first-value milestone completed) and duration (start → completion) as median and average against each plan's own targets, the milestones most often overdue (finished late or still open past due) with counts and days late, and the plans in progress that are at risk today (same rules as get_onboarding_progress). With fewer than min_completed_onboardings completed in the period it says there is not enough data and gives no rates, times or bottlenecks.",
  input: z.object({
    period_days: z.number().int("period_days must be a whole number").min(7, "period_days is 7–365").max(365, "period_days is 7–365").default(90),
    min_completed_onboardings: z.number().int("min_completed_onboardings must be a whole number").min(1, "min_completed_onboardings is at least 1").max(1000, "min_completed_onboardings is at most 1000").default(5),
    include_in_progress: z.boolean().default(true).describe("Judge the plans in progress: at-risk list, and their overdue milestones count towards bottlenecks"),
    limit: z.number().int("limit must be a whole number").min(1, "limit is 1–100").max(100, "limit is 1–100").default(10).describe("Most bottlenecks and at-risk plans listed"),
  }),
  output: z.object({
    period: z.object({ from: z.string(), to: z.string(), days: z.number().int() }),
    enough_data: z.boolean(),
    message: z.string(),
    min_completed_onboardings: z.number().int(),
    completed: z.number().int(),
    cancelled: z.number().int(),
    started: z.number().int().describe("Plans whose start date falls in the period"),
    in_progress: z.number().int().describe("Plans in progress now"),
    on_hold: z.number().int().describe("Plans on hold now"),
    completion_rate: z.number().nullable(),
    time_to_value: daysStats.extend({ measured_by: z.string() }).nullable(),
    duration: daysStats.nullable(),
    bottlenecks: z
      .array(
        z.object({
          milestone: z.string(),
          times_overdue: z.number().int(),
          occurrences: z.number().int(),
          overdue_share: z.number(),
          average_days_late: z.number(),
          max_days_late: z.number().int(),
          still_open_overdue: z.number().int(),
        }),
      )
      .nullable(),
    at_risk: z.array(
      z.object({
        plan_id: z.string(),
        client_id: z.string(),
        client_name: z.string(),
        start_date: z.string(),
        percent_complete: z.number(),
        expected_percent_complete: z.number(),
        status: z.enum(["completed", "on_track", "at_risk", "delayed"]),
        risk_level: z.enum(["low", "medium", "high"]),
        overdue_milestones: z.number().int(),
        time_to_value_slip_days: z.number().int(),
        risks: z.array(z.string()),
      }),
    ),
    in_progress_judged: z.number().int(),
  }),
  annotations: READ_ONLY,
  scope: "cs:read",
  rest: { method: "GET", path: "/onboarding/analysis" },
  async handler({ tenant }, input) {
    return unwrap(await tenant.analyzeOnboardingProcess(input));
  },
});

const automationSettings = z.object({
  enabled: z.boolean(),
  milestone_overdue_days: z.number().int(),
  no_progress_days: z.number().int(),
  updated_by: z.string().nullable(),
  updated_at: z.string().nullable(),
  open_tasks: z.number().int().describe("Tasks the automation opened that are still open"),
});

export const getOnboardingAutomationTool = defineTool({
  name: "get_onboarding_automation",
  title: "Onboarding automation settings",
  description:
    "The onboarding automation the daily maintenance runs: for every plan in progress it opens a task for the plan's owner (the account's CSM, else the plan's creator) for each milestone overdue by more than milestone_overdue_days (once per milestone), and for a plan with no change to it or its milestones for no_progress_days (once per stall). Each task is on the account's timeline. Shows the settings (defaults: enabled, 2 and 5 days) and how many of its tasks are open.",
  input: z.object({}),
  output: automationSettings,
  annotations: READ_ONLY,
  scope: "cs:read",
  rest: { method: "GET", path: "/onboarding/automation" },
  async handler({ tenant }) {
    return unwrap(await tenant.onboardingAutomation());
  },
});

export const updateOnboardingAutomationTool = defineTool({
  name: "update_onboarding_automation",
  title: "Configure onboarding automation",
  description:
    "Turn the onboarding automation on or off and set its thresholds: milestone_overdue_days (0–90; a milestone overdue by more than this gets a task) and no_progress_days (1–90; a plan idle this long gets a task). Takes effect at the next daily maintenance.",
  input: z
    .object({
      enabled: z.boolean().optional(),
      milestone_overdue_days: z.number().int("milestone_overdue_days must be a whole number").min(0, "milestone_overdue_days is 0–90").max(90, "milestone_overdue_days is 0–90").optional(),
      no_progress_days: z.number().int("no_progress_days must be a whole number").min(1, "no_progress_days is 1–90").max(90, "no_progress_days is 1–90").optional(),
    })
    .refine((input) => Object.values(input).some((value) => value !== undefined), "name at least one of enabled, milestone_overdue_days, no_progress_days to change"),
  output: automationSettings,
  annotations: { ...WRITE, idempotentHint: true },
  scope: "cs:admin",
  rest: { method: "PATCH", path: "/onboarding/automation" },
  async handler({ tenant, actor }, input) {
    return unwrap(await tenant.updateOnboardingAutomation(input, actor));
  },
});

const ticketPriority = oneOf(TICKET_PRIORITIES, "priority");
const routingMove = z.object({
  ticket_id: z.string(),
  client_id: z.string(),
  subject: z.string(),
  priority: ticketPriority,
  category: z.string(),
  from: z.string().nullable(),
  to: z.string(),
  reason: z.string(),
});

export const routeTicketsTool = defineTool({
  name: "route_tickets",
  title: "Route or rebalance the ticket queue",
  description:
    "Work the real ticket queue with configure_support's routing rules. strategy auto: each unassigned open ticket (most urgent first: priority, breached or at risk, soonest SLA due) goes to the candidate of its category's rule (else the default agents) with the fewest open tickets, never to one holding max_tickets_per_agent or more; tickets nobody can take are listed with why. strategy workload: the same queue to the least-loaded agent of the whole team below max_tickets_per_agent, whatever the category (when a category's specialists are swamped). strategy rebalance: agents holding more than max_tickets_per_agent give up their lowest-priority tickets to candidates for those categories that are below it; returns the moves. dry_run returns the plan without assigning anything. Also returns the queue summary (open, unassigned after routing, SLA at risk and breached, by priority and category; narrowed by category/priority when given) and each agent's utilization from their open tickets.",
  input: z.object({
    strategy: oneOf(ROUTING_STRATEGIES, "strategy").default("auto"),
    dry_run: z.boolean().default(false).describe("Return the plan without assigning anything"),
    max_tickets_per_agent: z.number().int("max_tickets_per_agent must be a whole number").min(1, "max_tickets_per_agent is 1–500").max(500, "max_tickets_per_agent is 1–500").default(10),
    category: z
      .string()
      .trim()
      .min(1, "category must not be empty")
      .max(60, "category is at most 60 characters")
      .optional()
      .describe("Only tickets of this category"),
    priority: z.array(ticketPriority).max(4).optional().describe("Only tickets of these priorities"),
  }),
  output: z.object({
    strategy: oneOf(ROUTING_STRATEGIES, "strategy"),
    dry_run: z.boolean(),
    applied: z.number().int().describe("Assignments written (0 on a dry run)"),
    routed: z.array(routingMove).describe("Assignments (auto) or moves (rebalance), planned or applied"),
    unrouted: z.array(z.object({ ticket_id: z.string(), priority: ticketPriority, category: z.string(), assignee: z.string().nullable(), reason: z.string() })),
    queue_summary: z.object({
      open_tickets: z.number().int(),
      unassigned: z.number().int(),
      sla_at_risk: z.number().int(),
      sla_breached: z.number().int(),
      by_priority: z.record(z.string(), z.number().int()),
      by_category: z.record(z.string(), z.number().int()),
    }),
    agent_utilization: z.array(z.object({ agent: z.string(), open_tickets: z.number().int(), capacity: z.number().int(), utilization: z.number(), over_capacity: z.boolean() })),
  }),
  annotations: WRITE,
  scope: "cs:write",
  rest: { method: "POST", path: "/tickets/routing" },
  async handler({ tenant, actor }, input) {
    return unwrap(await tenant.routeTickets(input, actor));
  },
});

const cursor = z.string().min(1).max(500).optional().describe("next_cursor from the previous page");
const pageLimit = z.number().int("limit must be a whole number").min(1, "limit is 1–200").max(200, "limit is 1–200").default(50);
const insightId = idOf("insight_id", "create_product_insight or list_product_insights");
const campaignId = idOf("campaign_id", "create_email_campaign or list_campaigns");
const feedbackId = idOf("feedback id", "list_feedback");

export const updateProductInsightTool = defineTool({
  name: "update_product_insight",
  title: "Update a product insight",
  description:
    "Change a product insight's status (new, planned, in_progress, shipped, declined), priority (low, medium, high, critical), title or description, and link more supporting feedback (add_feedback_ids; feedback already linked is reported, not linked twice). The supporting accounts and ARR are recounted from the linked feedback. Changing nothing answers with the insight as it is and changed_fields empty.",
  input: z
    .object({
      insight_id: insightId,
      title: text("title", 200).optional(),
      description: z.string().trim().max(5000, "description is at most 5000 characters").optional(),
      status: oneOf(INSIGHT_STATUSES, "status").optional(),
      priority: oneOf(INSIGHT_PRIORITIES, "priority").optional(),
      add_feedback_ids: z.array(feedbackId).min(1, "add_feedback_ids: give at least one id, or leave it out").max(500, "add_feedback_ids holds at most 500 ids").optional(),
    })
    .refine(({ insight_id: _id, ...changes }) => Object.values(changes).some((value) => value !== undefined), "name at least one of title, description, status, priority, add_feedback_ids to change"),
  output: z.object({
    insight,
    changed_fields: z.array(z.string()),
    linked_feedback_ids: z.array(z.string()).describe("Feedback newly linked by this call"),
    already_linked: z.array(z.string()).describe("Feedback in add_feedback_ids that was linked before"),
  }),
  annotations: { ...WRITE, idempotentHint: true },
  scope: "cs:write",
  rest: { method: "PATCH", path: "/product-insights/{insight_id}" },
  async handler({ tenant, actor }, { insight_id, ...changes }) {
    const result = unwrap(await tenant.updateProductInsight(insight_id, changes, actor));
    return { insight: result.insight, changed_fields: result.changed, linked_feedback_ids: result.linked_feedback_ids, already_linked: result.already_linked };
  },
});

export const listBusinessReviewsTool = defineTool({
  name: "list_business_reviews",
  title: "List business reviews",
  description:
    "Executive business reviews, latest scheduled first: by account (client_id), status (scheduled or completed) and the day they are scheduled for (from/to, inclusive). Each with its attendees, agenda, objectives and, once held, summary, rating and next review date.",
  input: z.object({
    client_id: clientId.optional(),
    status: oneOf(["scheduled", "completed"] as const, "status").optional(),
    from: isoDate.optional().describe("Scheduled on or after this day"),
    to: isoDate.optional().describe("Scheduled on or before this day"),
    limit: pageLimit,
    cursor,
  }),
  output: z.object({ reviews: z.array(review.extend({ client_name: z.string() })), next_cursor: z.string().nullable() }),
  annotations: READ_ONLY,
  scope: "cs:read",
  rest: { method: "GET", path: "/business-reviews" },
  async handler({ tenant }, input) {
    return unwrap(await tenant.listBusinessReviews(input));
  },
});

const newsletterStatus = oneOf(["not_sent", "scheduled", "sent", "cancelled"] as const, "status");

export const listNewslettersTool = defineTool({
  name: "list_newsletters",
  title: "List newsletters",
  description:
    "Newsletter editions, newest first, with their sections, audience (tiers, excluded accounts), recipient and account counts, schedule and recurrence. status sent means handed to SendGrid (send_newsletter; sendgrid_job_id names the job); not_sent and scheduled editions are recorded only.",
  input: z.object({ status: newsletterStatus.optional(), limit: pageLimit, cursor }),
  output: z.object({
    newsletters: z.array(
      z.object({
        newsletter_id: z.string(),
        name: z.string(),
        subject: z.string(),
        sections: z.array(z.object({ type: z.string(), title: z.string(), content: z.string() })),
        target_tiers: z.array(z.string()).nullable(),
        exclude_client_ids: z.array(z.string()),
        recipient_count: z.number().int(),
        account_count: z.number().int(),
        status: newsletterStatus,
        status_reason: z.string().nullable(),
        scheduled_for: z.string().nullable(),
        recurrence: z.string().nullable(),
        created_by: z.string(),
        created_at: z.string(),
        sendgrid_job_id: z.string().nullable(),
      }),
    ),
    next_cursor: z.string().nullable(),
  }),
  annotations: READ_ONLY,
  scope: "cs:read",
  rest: { method: "GET", path: "/newsletters" },
  async handler({ tenant }, input) {
    return unwrap(await tenant.listNewsletters(input));
  },
});

export const cancelEmailCampaignTool = defineTool({
  name: "cancel_email_campaign",
  title: "Cancel a scheduled email campaign",
  description:
    "Cancel a scheduled campaign that has not been sent: the campaign and its recipients become cancelled with the reason, and send_campaign refuses it afterwards. A campaign already sent or handed to SendGrid, one already cancelled, or one recorded for immediate sending is refused with its current state.",
  input: z.object({ campaign_id: campaignId, reason: text("reason", 1000) }),
  output: z.object({ campaign, previous_status: z.string(), recipients_cancelled: z.number().int() }),
  annotations: { ...WRITE, destructiveHint: true },
  scope: "cs:write",
  rest: { method: "POST", path: "/campaigns/{campaign_id}/cancel" },
  async handler({ tenant, actor }, { campaign_id, reason }) {
    return unwrap(await tenant.cancelEmailCampaign(campaign_id, reason, actor));
  },
});

export const catalogGapTools: readonly Tool[] = [
  updateOnboardingPlanTool,
  analyzeOnboardingProcessTool,
  getOnboardingAutomationTool,
  updateOnboardingAutomationTool,
  routeTicketsTool,
  updateProductInsightTool,
  listBusinessReviewsTool,
  listNewslettersTool,
  cancelEmailCampaignTool,
];
