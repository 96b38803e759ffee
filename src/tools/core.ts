import { z } from "zod";
import { ACCOUNT_SORT_FIELDS, ACCOUNT_STATUSES, EVENT_TYPES, LIFECYCLE_STAGES, TIERS } from "../db/accounts";
import { defineTool, READ_ONLY, unwrap, WRITE } from "./define";
import { clientId, isoDate } from "./fields";

/** Core account tools: register, look up, change, list, and the timeline. */


const tier = z.enum(TIERS, { message: `must be one of ${TIERS.join(", ")}` });
const status = z.enum(ACCOUNT_STATUSES, { message: `must be one of ${ACCOUNT_STATUSES.join(", ")}` });
const lifecycleStage = z.enum(LIFECYCLE_STAGES, { message: `must be one of ${LIFECYCLE_STAGES.join(", ")}` });
const eventType = z.enum(EVENT_TYPES, { message: `must be one of ${EVENT_TYPES.join(", ")}` });
const email = z.email({ message: "must be an email address such as jane@example.com" });
const money = z.number().finite().min(0, "must be zero or more");

const account = z.object({
  client_id: z.string(),
  client_name: z.string(),
  company_name: z.string(),
  industry: z.string(),
  tier,
  status,
  lifecycle_stage: lifecycleStage,
  contract_value: z.number().describe("Annual contract value (ARR)"),
  contract_start_date: z.string(),
  contract_end_date: z.string(),
  renewal_date: z.string(),
  days_until_renewal: z.number().int().describe("Negative once the renewal date has passed"),
  primary_contact_name: z.string().nullable(),
  primary_contact_email: z.string().nullable(),
  csm_assigned: z.string().nullable(),
  external_id: z.string().nullable(),
  health_score: z.number().nullable().describe("0–100; null until the account has been scored from real data"),
  health_trend: z.enum(["improving", "stable", "declining"]).nullable(),
  health_computed_at: z.string().nullable(),
  last_engagement_at: z.string().nullable(),
  created_at: z.string(),
  updated_at: z.string(),
});

const timelineEvent = z.object({
  event_id: z.string(),
  occurred_at: z.string(),
  event_type: eventType,
  title: z.string(),
  description: z.string(),
  impact: z.enum(["positive", "negative", "neutral"]),
  actor: z.string(),
  metadata: z.record(z.string(), z.unknown()),
});

const MS_PER_DAY = 86_400_000;

function renewalWindow(days: number): "overdue" | "within_30_days" | "within_90_days" | "later" {
  if (days < 0) return "overdue";
  if (days <= 30) return "within_30_days";
  return days <= 90 ? "within_90_days" : "later";
}

function today(): string {
  return new Date().toISOString().slice(0, 10);
}

function addDays(date: string, days: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + days * MS_PER_DAY).toISOString().slice(0, 10);
}

/** What a CSM should do next with a newly registered account, from what is still missing. */
function nextSteps(input: { primary_contact_email?: string | null; csm_assigned?: string | null; contract_value: number }): string[] {
  const steps: string[] = [];
  if (!input.primary_contact_email) steps.push("Add a primary contact with update_client_info (primary_contact_email, primary_contact_name).");
  if (!input.csm_assigned) steps.push("Assign a CSM with update_client_info (csm_assigned).");
  if (input.contract_value === 0) steps.push("Record the contract value with update_client_info (contract_value) so ARR reports include it.");
  steps.push("Review the account with get_client_overview and follow its history with get_client_timeline.");
  return steps;
}

const registerInput = z.object({
  client_name: z.string().trim().min(1, "client_name is required").max(200, "client_name is at most 200 characters"),
  company_name: z.string().trim().min(1, "company_name is required").max(200, "company_name is at most 200 characters"),
  industry: z.string().trim().min(1).max(100, "industry is at most 100 characters").default("Technology"),
  tier: tier.default("standard"),
  lifecycle_stage: lifecycleStage.default("onboarding"),
  contract_value: money.default(0).describe("Annual contract value (ARR)"),
  contract_start_date: isoDate.optional().describe("Defaults to today"),
  contract_end_date: isoDate.optional().describe("Defaults to one year after the start"),
  primary_contact_email: email.optional(),
  primary_contact_name: z.string().trim().min(1).max(200).optional(),
  csm_assigned: z.string().trim().min(1).max(200).optional().describe("The CSM who owns the account (name or email)"),
  external_id: z.string().trim().min(1).max(200).optional().describe("The account's id in your CRM; unique in the workspace"),
});

export const registerClient = defineTool({
  name: "register_client",
  title: "Register a customer account",
  description:
    "Create a customer account in this workspace with its contract, tier and primary contact. Returns the new account with its client_id and suggested next steps.",
  input: registerInput,
  output: z.object({ client: account, next_steps: z.array(z.string()) }),
  annotations: WRITE,
  scope: "cs:write",
  rest: { method: "POST", path: "/clients" },
  async handler({ tenant, actor }, input) {
    const start = input.contract_start_date ?? today();
    const end = input.contract_end_date ?? addDays(start, 365);
    const client = unwrap(
      await tenant.registerAccount({ ...input, contract_start_date: start, contract_end_date: end }, actor),
    );
    return { client, next_steps: nextSteps(input) };
  },
});

export const getClientOverview = defineTool({
  name: "get_client_overview",
  title: "Account overview",
  description:
    "A 360° view of one account: identity, contract and renewal, health as last scored, and its most recent activity.",
  input: z.object({ client_id: clientId }),
  output: z.object({
    client: account,
    renewal: z.object({
      renewal_date: z.string(),
      days_until_renewal: z.number().int(),
      window: z.enum(["overdue", "within_30_days", "within_90_days", "later"]),
    }),
    health: z.object({
      score: z.number().nullable(),
      trend: z.enum(["improving", "stable", "declining"]).nullable(),
      computed_at: z.string().nullable(),
      note: z.string(),
    }),
    recent_activity: z.array(timelineEvent),
    activity_counts: z.record(z.string(), z.number()),
  }),
  annotations: READ_ONLY,
  scope: "cs:read",
  rest: { method: "GET", path: "/clients/{client_id}" },
  async handler({ tenant }, { client_id }) {
    const { account: client, recent } = unwrap(await tenant.accountOverview(client_id, 5));
    const days = client.days_until_renewal;
    return {
      client,
      renewal: {
        renewal_date: client.renewal_date,
        days_until_renewal: days,
        window: renewalWindow(days),
      },
      health: {
        score: client.health_score,
        trend: client.health_trend,
        computed_at: client.health_computed_at,
        note:
          client.health_score === null
            ? "Not scored yet: a health score needs usage, engagement, support, satisfaction or payment data for this account."
            : `Health ${client.health_score}, ${client.health_trend ?? "no trend yet (that needs scores on two days)"}; calculate_health_score explains each component, get_health_history shows how it got here.`,
      },
      recent_activity: recent.events,
      activity_counts: recent.counts_by_type,
    };
  },
});

const accountUpdates = z
  .strictObject(
    {
      client_name: z.string().trim().min(1).max(200),
      company_name: z.string().trim().min(1).max(200),
      industry: z.string().trim().min(1).max(100),
      tier,
      status,
      lifecycle_stage: lifecycleStage,
      contract_value: money,
      contract_start_date: isoDate,
      contract_end_date: isoDate,
      renewal_date: isoDate,
      primary_contact_name: z.string().trim().min(1).max(200).nullable(),
      primary_contact_email: email.nullable(),
      csm_assigned: z.string().trim().min(1).max(200).nullable(),
      external_id: z.string().trim().min(1).max(200).nullable(),
    },
    {
      error: (issue) =>
        issue.code === "unrecognized_keys"
          ? `cannot change ${issue.keys.join(", ")}; the fields that can change are client_name, company_name, industry, tier, status, lifecycle_stage, contract_value, contract_start_date, contract_end_date, renewal_date, primary_contact_name, primary_contact_email, csm_assigned, external_id`
          : undefined,
    },
  )
  .partial()
  .refine((updates) => Object.keys(updates).length > 0, "updates must name at least one field to change");

export const updateClientInfo = defineTool({
  name: "update_client_info",
  title: "Update an account",
  description:
    "Change an account's details (name, tier, status, contract, contact, CSM). Records every changed field with its previous value on the account's timeline and in the audit log.",
  input: z.object({ client_id: clientId, updates: accountUpdates }),
  output: z.object({
    client: account,
    changed_fields: z.array(z.object({ field: z.string(), from: z.unknown(), to: z.unknown() })),
  }),
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  scope: "cs:write",
  rest: { method: "PATCH", path: "/clients/{client_id}" },
  async handler({ tenant, actor }, { client_id, updates }) {
    const { account: client, changed } = unwrap(await tenant.updateAccount(client_id, updates, actor));
    return {
      client,
      changed_fields: Object.entries(changed).map(([field, change]) => ({ field, from: change.from, to: change.to })),
    };
  },
});

const listInput = z
  .object({
    tier: z.array(tier).optional().describe("Only these tiers"),
    lifecycle_stage: z.array(lifecycleStage).optional().describe("Only these lifecycle stages"),
    status: z.array(status).optional().describe("Only these account statuses"),
    csm_assigned: z.string().min(1).optional().describe("Only accounts owned by this CSM"),
    health_score_min: z.number().min(0, "must be 0–100").max(100, "must be 0–100").optional().describe("Only scored accounts at or above this health"),
    health_score_max: z.number().min(0, "must be 0–100").max(100, "must be 0–100").optional().describe("Only scored accounts at or below this health"),
    renewal_before: isoDate.optional().describe("Renewal date strictly before this day"),
    renewal_after: isoDate.optional().describe("Renewal date strictly after this day"),
    search: z.string().min(1).max(100).optional().describe("Matches the account or company name (anywhere in it), or a client_id from its start"),
    sort_by: z.enum(ACCOUNT_SORT_FIELDS, { message: `must be one of ${ACCOUNT_SORT_FIELDS.join(", ")}` }).default("name"),
    sort_order: z.enum(["asc", "desc"], { message: "must be asc or desc" }).default("asc"),
    limit: z.number().int("must be a whole number").min(1, "must be 1–200").max(200, "must be 1–200").default(50),
    cursor: z.string().min(1).optional().describe("next_cursor from the previous page"),
  })
  .refine(
    (input) => input.health_score_min === undefined || input.health_score_max === undefined || input.health_score_min <= input.health_score_max,
    { message: "health_score_min must not exceed health_score_max", path: ["health_score_min"] },
  );

export const listClients = defineTool({
  name: "list_clients",
  title: "List accounts",
  description:
    "List this workspace's accounts with filters (tier, lifecycle stage, status, CSM, health range, renewal window, name search), a sort, and cursor pagination. The summary covers every matching account, not just the page.",
  input: listInput,
  output: z.object({
    clients: z.array(account),
    pagination: z.object({
      limit: z.number().int(),
      returned_count: z.number().int(),
      has_more: z.boolean(),
      next_cursor: z.string().nullable(),
    }),
    summary: z.object({
      total_count: z.number().int(),
      total_arr: z.number(),
      average_health_score: z.number().nullable(),
      scored_count: z.number().int(),
      by_lifecycle_stage: z.record(z.string(), z.number()),
      by_tier: z.record(z.string(), z.number()),
    }),
  }),
  annotations: READ_ONLY,
  scope: "cs:read",
  rest: { method: "GET", path: "/clients" },
  async handler({ tenant }, input) {
    const { sort_by, sort_order, limit, cursor, ...filters } = input;
    const page = unwrap(await tenant.listAccounts({ filters, sort_by, sort_order, limit, cursor }));
    return {
      clients: page.clients,
      pagination: { limit, returned_count: page.clients.length, has_more: page.next_cursor !== null, next_cursor: page.next_cursor },
      summary: page.summary,
    };
  },
});

export const getClientTimeline = defineTool({
  name: "get_client_timeline",
  title: "Account timeline",
  description:
    "Every change and event on an account, newest first: registration, field changes with previous values, contract changes and activity. Filter by date range and event type; page with the cursor.",
  input: z
    .object({
      client_id: clientId,
      start_date: isoDate.optional().describe("From this day (inclusive)"),
      end_date: isoDate.optional().describe("Up to this day (inclusive)"),
      event_types: z.array(eventType).optional(),
      limit: z.number().int("must be a whole number").min(1, "must be 1–500").max(500, "must be 1–500").default(100),
      cursor: z.string().min(1).optional().describe("next_cursor from the previous page"),
    })
    .refine((input) => !input.start_date || !input.end_date || input.start_date <= input.end_date, {
      message: "start_date must be on or before end_date",
      path: ["start_date"],
    }),
  output: z.object({
    client_id: z.string(),
    events: z.array(timelineEvent),
    pagination: z.object({ returned_count: z.number().int(), has_more: z.boolean(), next_cursor: z.string().nullable() }),
    summary: z.object({ total_events: z.number().int(), counts_by_type: z.record(z.string(), z.number()) }),
  }),
  annotations: READ_ONLY,
  scope: "cs:read",
  rest: { method: "GET", path: "/clients/{client_id}/timeline" },
  async handler({ tenant }, { client_id, ...query }) {
    const timeline = unwrap(await tenant.timeline(client_id, query));
    return {
      client_id,
      events: timeline.events,
      pagination: { returned_count: timeline.events.length, has_more: timeline.next_cursor !== null, next_cursor: timeline.next_cursor },
      summary: { total_events: timeline.total_events, counts_by_type: timeline.counts_by_type },
    };
  },
});

export const coreTools = [registerClient, getClientOverview, updateClientInfo, listClients, getClientTimeline];
