import { z } from "zod";
import { SEVERITIES } from "../db/escalations";
import { ARTICLE_STATUSES } from "../db/knowledge-base";
import { TICKET_PRIORITIES, TICKET_STATUSES, WORKING_STATUSES } from "../db/tickets";
import { defineTool, READ_ONLY, unwrap, type Tool, WRITE } from "./define";
import { clientId } from "./fields";

/**
 * Support and self-service: tickets with their lifecycle and live SLA clocks (from the engine),
 * routing by category and open load, the knowledge base, and support performance.
 */

const idOf = (field: string, from: string) =>
  z
    .string()
    .min(1, `${field} is required`)
    .max(100, `${field} is at most 100 characters`)
    .regex(/^[a-zA-Z0-9_-]+$/, `${field} holds only letters, digits, _ and - (as returned by ${from})`);

const ticketId = idOf("ticket_id", "create_ticket or list_tickets");
const articleId = idOf("article_id", "create_article or search_articles");
const priority = z.enum(TICKET_PRIORITIES, { message: `must be one of ${TICKET_PRIORITIES.join(", ")} (P1 most urgent)` });
const status = z.enum(TICKET_STATUSES, { message: `must be one of ${TICKET_STATUSES.join(", ")}` });
const workingStatus = z.enum(WORKING_STATUSES, {
  message: `must be one of ${WORKING_STATUSES.join(", ")}; use resolve_ticket, close_ticket or reopen_ticket for the others`,
});
const severity = z.enum(SEVERITIES, { message: `must be one of ${SEVERITIES.join(", ")}` });
const articleStatus = z.enum(ARTICLE_STATUSES, { message: `must be one of ${ARTICLE_STATUSES.join(", ")}` });
const person = z.string().trim().min(1, "must not be empty").max(200, "at most 200 characters");
const category = z
  .string()
  .trim()
  .min(1, "category is required")
  .max(60, "category is at most 60 characters")
  .regex(/^[a-zA-Z0-9_ -]+$/, "category holds letters, digits, spaces, _ and - (e.g. technical_issue, account_billing)");
const at = z.iso
  .datetime({ offset: true, message: "must be an ISO date-time such as 2026-05-01T09:30:00Z" })
  .optional()
  .describe("When it happened, if earlier than now (back-filling from another system); default now");
const isoDateTime = z.iso.datetime({ offset: true, message: "must be an ISO date-time such as 2026-05-01T00:00:00Z" });
const limit = z.number().int("must be a whole number").min(1, "must be 1–200").max(200, "must be 1–200").default(50);
const cursor = z.string().min(1).max(500).optional().describe("next_cursor from the previous page");

const clock = z.object({
  state: z.enum(["on_track", "at_risk", "breached", "met", "paused", "not_applicable"]),
  target_minutes: z.number().nullable(),
  elapsed_minutes: z.number(),
  remaining_minutes: z.number().nullable().describe("Negative once breached"),
  due_at: z.string().nullable(),
  running: z.boolean(),
});
const ticketSla = z.object({
  as_of: z.string(),
  paused: z.boolean().describe("Waiting on the customer (pending): both clocks stopped"),
  breached: z.boolean(),
  first_response: clock,
  resolution: clock,
  summary: z.string(),
});
const ticketFields = {
  ticket_id: z.string(),
  client_id: z.string(),
  client_name: z.string().nullable(),
  subject: z.string(),
  description: z.string(),
  priority,
  status,
  category: z.string(),
  assignee: z.string().nullable(),
  requester_contact_id: z.string().nullable(),
  opened_at: z.string(),
  first_response_at: z.string().nullable(),
  solved_at: z.string().nullable(),
  closed_at: z.string().nullable(),
  first_response_due_at: z.string().nullable(),
  resolution_due_at: z.string().nullable(),
  sla_breached: z.boolean().describe("Stored at the last write (what the health score reads); sla.breached is live"),
  satisfaction: z.number().int().nullable(),
  source: z.string(),
  updated_at: z.string(),
  sla: ticketSla,
};
const ticketSummary = z.object(ticketFields);
const comment = z.object({
  comment_id: z.string(),
  author: z.string(),
  author_kind: z.enum(["agent", "customer"]),
  visibility: z.enum(["public", "internal"]),
  kind: z.enum(["comment", "resolution"]),
  body: z.string(),
  created_at: z.string(),
});
const ticket = z.object({
  ...ticketFields,
  comments: z.array(comment),
  history: z.array(z.object({ type: z.string(), status, at: z.string(), actor: z.string(), details: z.record(z.string(), z.unknown()) })),
  escalations: z.array(z.object({ escalation_id: z.string(), severity: z.string(), status: z.string(), resolve_by: z.string() })),
});
const routing = z.object({
  assignee: z.string().nullable(),
  rule: z.string().describe('"category:<name>", "default_agents" or "none" (no rule and no default agents: left unassigned)'),
  candidates: z.array(z.object({ agent: z.string(), open_tickets: z.number().int() })),
});

export const createTicketTool = defineTool({
  name: "create_ticket",
  title: "Open a support ticket",
  description:
    "Open a ticket on an account. SLA due times come from the engine (targets per priority, configure_support). Without an assignee, routing picks the candidate with the fewest open tickets among the agents of the category's rule (or the default agents). Refreshes the account's health.",
  input: z.object({
    client_id: clientId,
    subject: z.string().trim().min(1, "subject is required").max(300, "subject is at most 300 characters"),
    description: z.string().trim().max(10_000, "description is at most 10000 characters").default(""),
    priority: priority.default("P3"),
    category: category.default("general"),
    assignee: person.optional().describe("Assign directly instead of routing"),
    requester_contact_id: idOf("requester_contact_id", "the account's contacts").optional(),
    external_id: z.string().trim().min(1).max(200).optional().describe("The ticket's id in the help desk it came from; unique"),
    source: z.string().trim().min(1).max(50).default("manual"),
    opened_at: at,
  }),
  output: z.object({ ticket, routing: routing.nullable().describe("How the assignee was chosen; null when assignee was given") }),
  annotations: WRITE,
  scope: "cs:write",
  rest: { method: "POST", path: "/tickets" },
  async handler({ tenant, actor }, input) {
    return unwrap(await tenant.createTicket(input, actor));
  },
});

export const getTicketTool = defineTool({
  name: "get_ticket",
  title: "Get a ticket",
  description: "A ticket with its comments, history and linked escalations, and its live SLA state from the engine: each clock's state, minutes left (negative once breached) and due time.",
  input: z.object({ ticket_id: ticketId }),
  output: z.object({ ticket }),
  annotations: READ_ONLY,
  scope: "cs:read",
  rest: { method: "GET", path: "/tickets/{ticket_id}" },
  async handler({ tenant }, { ticket_id }) {
    return { ticket: unwrap(await tenant.getTicket(ticket_id)) };
  },
});

export const listTicketsTool = defineTool({
  name: "list_tickets",
  title: "List tickets",
  description: "Tickets newest first with live SLA state, filtered by account, status, priority, assignee, category or open only; counts by status and priority over all matches; page with the cursor.",
  input: z.object({
    client_id: clientId.optional(),
    status: z.array(status).optional().describe("Only these statuses"),
    priority: z.array(priority).optional().describe("Only these priorities"),
    assignee: person.optional(),
    unassigned: z.boolean().optional().describe("true: only unassigned; false: only assigned"),
    category: category.optional(),
    open_only: z.boolean().optional().describe("Leave out solved and closed tickets"),
    limit,
    cursor,
  }),
  output: z.object({
    tickets: z.array(ticketSummary),
    pagination: z.object({ returned_count: z.number().int(), has_more: z.boolean(), next_cursor: z.string().nullable() }),
    summary: z.object({ total_count: z.number().int(), by_status: z.record(z.string(), z.number().int()), by_priority: z.record(z.string(), z.number().int()) }),
  }),
  annotations: READ_ONLY,
  scope: "cs:read",
  rest: { method: "GET", path: "/tickets" },
  async handler({ tenant }, input) {
    const list = unwrap(await tenant.listTickets(input));
    return {
      tickets: list.tickets,
      pagination: { returned_count: list.tickets.length, has_more: list.next_cursor !== null, next_cursor: list.next_cursor },
      summary: { total_count: list.total_count, by_status: list.by_status, by_priority: list.by_priority },
    };
  },
});

export const updateTicketTool = defineTool({
  name: "update_ticket",
  title: "Update a ticket",
  description:
    "Change a ticket's priority (the SLA targets follow), category, subject, description or working status. Allowed moves: new → open/pending/on_hold; open, pending and on_hold between each other. pending waits on the customer and pauses the SLA clocks. Solving, closing and reopening have their own tools; a refused move answers with the current status.",
  input: z
    .object({
      ticket_id: ticketId,
      status: workingStatus.optional(),
      priority: priority.optional(),
      category: category.optional(),
      subject: z.string().trim().min(1).max(300).optional(),
      description: z.string().trim().max(10_000).optional(),
      at,
    })
    .refine(
      ({ ticket_id: _id, at: _at, ...changes }) => Object.values(changes).some((value) => value !== undefined),
      "name at least one of status, priority, category, subject, description to change",
    ),
  output: z.object({ ticket, changed_fields: z.array(z.string()) }),
  annotations: { ...WRITE, idempotentHint: true },
  scope: "cs:write",
  rest: { method: "PATCH", path: "/tickets/{ticket_id}" },
  async handler({ tenant, actor }, { ticket_id, ...changes }) {
    const result = unwrap(await tenant.updateTicket(ticket_id, changes, actor));
    return { ticket: result.ticket, changed_fields: result.changed };
  },
});

export const assignTicketTool = defineTool({
  name: "assign_ticket",
  title: "Assign a ticket",
  description: "Give a ticket to an agent, or null to unassign it. Assigning to the current assignee changes nothing (changed: false).",
  input: z.object({ ticket_id: ticketId, assignee: person.nullable().describe("The agent (name or email); null to unassign"), at }),
  output: z.object({ ticket, previous_assignee: z.string().nullable(), changed: z.boolean() }),
  annotations: { ...WRITE, idempotentHint: true },
  scope: "cs:write",
  rest: { method: "POST", path: "/tickets/{ticket_id}/assign" },
  async handler({ tenant, actor }, { ticket_id, assignee, at: when }) {
    return unwrap(await tenant.assignTicket(ticket_id, assignee, actor, when));
  },
});

export const addTicketCommentTool = defineTool({
  name: "add_ticket_comment",
  title: "Comment on a ticket",
  description:
    "Add a public reply or an internal note. The first public agent reply is the first response (stops that SLA clock; a new ticket becomes open). A customer reply (author_kind customer, relayed) moves a pending ticket back to open.",
  input: z.object({
    ticket_id: ticketId,
    body: z.string().trim().min(1, "body is required").max(20_000, "body is at most 20000 characters"),
    visibility: z.enum(["public", "internal"], { message: "must be public or internal" }).default("public"),
    author_kind: z.enum(["agent", "customer"], { message: "must be agent or customer" }).default("agent"),
    at,
  }),
  output: z.object({
    ticket,
    comment,
    first_response: z.boolean().describe("This reply was the ticket's first response"),
    status_change: z.object({ from: status, to: status }).nullable(),
  }),
  annotations: WRITE,
  scope: "cs:write",
  rest: { method: "POST", path: "/tickets/{ticket_id}/comments" },
  async handler({ tenant, actor }, { ticket_id, ...input }) {
    return unwrap(await tenant.addTicketComment(ticket_id, input, actor));
  },
});

export const escalateTicketTool = defineTool({
  name: "escalate_ticket",
  title: "Escalate a ticket",
  description:
    "Raise an escalation linked to the ticket (the escalation SLA and owner task, as create_escalation), by default one priority level up (P4 → P3 → P2 → P1). Severity follows the priority (P1 critical, P2 high, P3 medium, P4 low) unless given. Refused while the ticket already has an open escalation, or once it is solved or closed.",
  input: z.object({
    ticket_id: ticketId,
    reason: z.string().trim().min(1, "reason is required: say why it needs escalating").max(4000),
    severity: severity.optional(),
    owner: person.optional().describe("Who owns the escalation; default the ticket's assignee, then the account's CSM"),
    raise_priority: z.boolean().default(true),
  }),
  output: z.object({
    ticket,
    escalation: z.object({
      escalation_id: z.string(),
      ticket_id: z.string().nullable(),
      severity,
      title: z.string(),
      status: z.string(),
      owner: z.string().nullable(),
      opened_at: z.string(),
      task_id: z.string().nullable().describe("The owner's task, closed when the escalation is resolved"),
      sla: z.object({ hours: z.number(), resolve_by: z.string(), breached: z.boolean(), summary: z.string() }),
    }),
    priority_change: z.object({ from: priority, to: priority }).nullable(),
  }),
  annotations: WRITE,
  scope: "cs:write",
  rest: { method: "POST", path: "/tickets/{ticket_id}/escalate" },
  async handler({ tenant, actor }, { ticket_id, ...input }) {
    return unwrap(await tenant.escalateTicket(ticket_id, input, actor));
  },
});

export const resolveTicketTool = defineTool({
  name: "resolve_ticket",
  title: "Resolve a ticket",
  description: "Mark a ticket solved with a resolution note (kept as a public reply); stops the resolution clock. A solved or closed ticket answers with its current state.",
  input: z.object({ ticket_id: ticketId, resolution: z.string().trim().min(1, "resolution is required: say how it was solved").max(10_000), at }),
  output: z.object({ ticket }),
  annotations: WRITE,
  scope: "cs:write",
  rest: { method: "POST", path: "/tickets/{ticket_id}/resolve" },
  async handler({ tenant, actor }, { ticket_id, resolution, at: when }) {
    return { ticket: unwrap(await tenant.resolveTicket(ticket_id, resolution, actor, when)) };
  },
});

export const closeTicketTool = defineTool({
  name: "close_ticket",
  title: "Close a ticket",
  description: "Close a solved ticket (final until reopened). Closing a ticket that is not solved, or already closed, is refused with its current status.",
  input: z.object({ ticket_id: ticketId, at }),
  output: z.object({ ticket }),
  annotations: WRITE,
  scope: "cs:write",
  rest: { method: "POST", path: "/tickets/{ticket_id}/close" },
  async handler({ tenant, actor }, { ticket_id, at: when }) {
    return { ticket: unwrap(await tenant.closeTicket(ticket_id, actor, when)) };
  },
});

export const reopenTicketTool = defineTool({
  name: "reopen_ticket",
  title: "Reopen a ticket",
  description: "Reopen a solved or closed ticket: it becomes open and its resolution clock resumes where it stopped. Any other status is refused with the current one.",
  input: z.object({ ticket_id: ticketId, reason: z.string().trim().max(4000).default(""), at }),
  output: z.object({ ticket }),
  annotations: WRITE,
  scope: "cs:write",
  rest: { method: "POST", path: "/tickets/{ticket_id}/reopen" },
  async handler({ tenant, actor }, { ticket_id, reason, at: when }) {
    return { ticket: unwrap(await tenant.reopenTicket(ticket_id, reason, actor, when)) };
  },
});

export const rateTicketTool = defineTool({
  name: "rate_ticket",
  title: "Rate a ticket (CSAT)",
  description: "Record the requester's satisfaction (CSAT 1–5) with a solved or closed ticket. Also stored as CSAT feedback on the account, so satisfaction reports and the health score use it; rating again replaces the earlier rating.",
  input: z.object({
    ticket_id: ticketId,
    score: z.number().int("must be a whole number 1–5").min(1, "must be 1–5").max(5, "must be 1–5"),
    comment: z.string().trim().max(4000).optional(),
  }),
  output: z.object({ ticket, feedback_id: z.string() }),
  annotations: { ...WRITE, idempotentHint: true },
  scope: "cs:write",
  rest: { method: "POST", path: "/tickets/{ticket_id}/rating" },
  async handler({ tenant, actor }, { ticket_id, score, comment: text }) {
    return unwrap(await tenant.rateTicket(ticket_id, score, text, actor));
  },
});

const targetMinutes = z.number().positive("must be above 0 minutes").max(525_600, "must be at most 525600 minutes (a year)");
const interval = z.object({
  start: z.string().regex(/^\d{2}:\d{2}$/, "must be HH:MM"),
  end: z.string().regex(/^\d{2}:\d{2}$/, "must be HH:MM"),
});
const businessHours = z.object({
  timeZone: z.string().min(1).max(100).describe('IANA zone, e.g. "Europe/Berlin"'),
  weekly: z.partialRecord(z.enum(["mon", "tue", "wed", "thu", "fri", "sat", "sun"], { message: "must be mon, tue, wed, thu, fri, sat or sun" }), z.array(interval)),
  holidays: z.array(z.iso.date({ message: "must be YYYY-MM-DD" })).optional(),
});
const slaTargets = z.record(
  z.string(),
  z.object({ first_response_minutes: z.number(), resolution_minutes: z.number() }),
);
const businessHoursOut = z.object({
  timeZone: z.string(),
  weekly: z.partialRecord(z.enum(["mon", "tue", "wed", "thu", "fri", "sat", "sun"]), z.array(interval).readonly()),
  holidays: z.array(z.string()).readonly().optional(),
});
const supportSettings = z.object({
  sla: z.object({ targets: slaTargets, business_hours: businessHoursOut.nullable() }),
  routing: z.object({ rules: z.array(z.object({ category: z.string(), agents: z.array(z.string()) })), default_agents: z.array(z.string()) }),
});

export const configureSupportTool = defineTool({
  name: "configure_support",
  title: "Configure support SLAs and routing",
  description:
    "Admin: set SLA targets per priority (minutes to first response and to resolution; defaults P1 15/240, P2 60/1440, P3 240/2880, P4 480/4320), business hours (null = round the clock), and routing rules (category → agents; default_agents for other categories). Only the fields given change; routing replaces the whole rule set. With no field it shows the current settings.",
  input: z.object({
    sla_targets: z
      .partialRecord(priority, z.object({ first_response_minutes: targetMinutes.optional(), resolution_minutes: targetMinutes.optional() }))
      .optional(),
    business_hours: businessHours.nullable().optional(),
    routing: z
      .object({
        rules: z.array(z.object({ category, agents: z.array(person).min(1, "name at least one agent").max(100) })).max(200),
        default_agents: z.array(person).max(100).default([]),
      })
      .optional(),
  }),
  output: z.object({ settings: supportSettings }),
  annotations: { ...WRITE, idempotentHint: true },
  scope: "cs:admin",
  rest: { method: "PATCH", path: "/support/settings" },
  async handler({ tenant, actor }, input) {
    const nothing = input.sla_targets === undefined && input.business_hours === undefined && input.routing === undefined;
    const settings = nothing ? unwrap(await tenant.supportSettings()) : unwrap(await tenant.updateSupportSettings(input, actor));
    return { settings };
  },
});

const perfGroup = {
  volume: z.number().int(),
  resolved: z.number().int(),
  median_first_response_minutes: z.number().nullable(),
  median_resolution_minutes: z.number().nullable(),
  first_response_sla_attainment: z.number().nullable(),
  resolution_sla_attainment: z.number().nullable(),
  sla_breached: z.number().int(),
  csat: z.number().nullable(),
  csat_responses: z.number().int(),
  backlog: z.number().int(),
};

export const supportPerformanceTool = defineTool({
  name: "get_support_performance",
  title: "Support performance",
  description:
    "From real tickets over a period (default the last 30 days): volume, resolved, median minutes to first response and to resolution, SLA attainment per clock (met / (met + breached), from the engine at the period's end), breaches, CSAT and backlog at the end — overall, by agent and by priority.",
  input: z
    .object({
      from: isoDateTime.optional().describe("Start (inclusive); default `to` minus period_days"),
      to: isoDateTime.optional().describe("End (exclusive); default now"),
      period_days: z.number().int("must be whole days").min(1, "must be 1–730").max(730, "must be 1–730").default(30),
      client_id: clientId.optional(),
      agent: person.optional(),
      priority: priority.optional(),
    })
    .refine((v) => v.from === undefined || v.to === undefined || Date.parse(v.from) < Date.parse(v.to), { message: "from must be before to", path: ["from"] }),
  output: z.object({
    period: z.object({ from: z.string(), to: z.string() }),
    overall: z.object(perfGroup),
    by_agent: z.array(z.object({ agent: z.string().nullable(), ...perfGroup })),
    by_priority: z.array(z.object({ priority, ...perfGroup })),
  }),
  annotations: READ_ONLY,
  scope: "cs:read",
  rest: { method: "GET", path: "/support/performance" },
  async handler({ tenant }, input) {
    const to = input.to ? new Date(input.to) : new Date();
    const from = input.from ? new Date(input.from) : new Date(to.getTime() - input.period_days * 86_400_000);
    const { period_days: _days, ...filters } = input;
    return unwrap(await tenant.supportPerformance({ ...filters, from: from.toISOString(), to: to.toISOString() }));
  },
});

// ---- knowledge base ------------------------------------------------------------------------

const article = z.object({
  article_id: z.string(),
  title: z.string(),
  body: z.string(),
  category: z.string(),
  tags: z.array(z.string()),
  status: articleStatus,
  version: z.number().int(),
  helpful_votes: z.number().int(),
  not_helpful_votes: z.number().int(),
  helpfulness: z.number().describe("helpful / (helpful + not helpful), 0 without votes"),
  published_at: z.string().nullable(),
  archived_at: z.string().nullable(),
  created_by: z.string(),
  created_at: z.string(),
  updated_at: z.string(),
});
const title = z.string().trim().min(1, "title is required").max(300, "title is at most 300 characters");
const body = z.string().trim().min(1, "body is required").max(100_000, "body is at most 100000 characters");
const tags = z.array(z.string().trim().min(1).max(50, "a tag is at most 50 characters")).max(30, "at most 30 tags");

export const createArticleTool = defineTool({
  name: "create_article",
  title: "Write a knowledge-base article",
  description: "Create an article as a draft (version 1); publish_article makes it searchable by default.",
  input: z.object({ title, body, category: category.default("general"), tags: tags.default([]) }),
  output: z.object({ article }),
  annotations: WRITE,
  scope: "cs:write",
  rest: { method: "POST", path: "/kb/articles" },
  async handler({ tenant, actor }, input) {
    return { article: unwrap(await tenant.createArticle(input, actor)) };
  },
});

export const updateArticleTool = defineTool({
  name: "update_article",
  title: "Edit a knowledge-base article",
  description: "Change an article's title, body, category or tags: writes a new version (every version is kept, see get_article). Archived articles are refused; publish_article restores them.",
  input: z
    .object({ article_id: articleId, title: title.optional(), body: body.optional(), category: category.optional(), tags: tags.optional(), note: z.string().trim().max(500).optional().describe("What changed, kept with the version") })
    .refine(({ article_id: _id, note: _note, ...changes }) => Object.values(changes).some((v) => v !== undefined), "name at least one of title, body, category, tags to change"),
  output: z.object({ article, changed_fields: z.array(z.string()) }),
  annotations: { ...WRITE, idempotentHint: true },
  scope: "cs:write",
  rest: { method: "PATCH", path: "/kb/articles/{article_id}" },
  async handler({ tenant, actor }, { article_id, ...changes }) {
    const result = unwrap(await tenant.updateArticle(article_id, changes, actor));
    return { article: result.article, changed_fields: result.changed };
  },
});

export const getArticleTool = defineTool({
  name: "get_article",
  title: "Get a knowledge-base article",
  description: "An article with its helpfulness and every version, newest first.",
  input: z.object({ article_id: articleId }),
  output: z.object({
    article,
    versions: z.array(z.object({ version: z.number().int(), title: z.string(), body: z.string(), category: z.string(), tags: z.array(z.string()), note: z.string(), edited_by: z.string(), created_at: z.string() })),
  }),
  annotations: READ_ONLY,
  scope: "cs:read",
  rest: { method: "GET", path: "/kb/articles/{article_id}" },
  async handler({ tenant }, { article_id }) {
    return unwrap(await tenant.getArticle(article_id));
  },
});

export const publishArticleTool = defineTool({
  name: "publish_article",
  title: "Publish a knowledge-base article",
  description: "Publish a draft (or restore an archived article). Publishing a published article is refused with its current version.",
  input: z.object({ article_id: articleId }),
  output: z.object({ article }),
  annotations: WRITE,
  scope: "cs:write",
  rest: { method: "POST", path: "/kb/articles/{article_id}/publish" },
  async handler({ tenant, actor }, { article_id }) {
    return { article: unwrap(await tenant.publishArticle(article_id, actor)) };
  },
});

export const archiveArticleTool = defineTool({
  name: "archive_article",
  title: "Archive a knowledge-base article",
  description: "Take an article out of search (kept with its versions and votes). Archiving an archived article is refused.",
  input: z.object({ article_id: articleId }),
  output: z.object({ article }),
  annotations: WRITE,
  scope: "cs:write",
  rest: { method: "POST", path: "/kb/articles/{article_id}/archive" },
  async handler({ tenant, actor }, { article_id }) {
    return { article: unwrap(await tenant.archiveArticle(article_id, actor)) };
  },
});

export const voteArticleTool = defineTool({
  name: "vote_article",
  title: "Vote on a knowledge-base article",
  description: "Mark a published article helpful or not. One vote per user: voting again replaces the earlier vote. Helpfulness feeds search ranking.",
  input: z.object({ article_id: articleId, helpful: z.boolean({ message: "helpful must be true or false" }) }),
  output: z.object({ article, previous_vote: z.boolean().nullable() }),
  annotations: { ...WRITE, idempotentHint: true },
  scope: "cs:write",
  rest: { method: "POST", path: "/kb/articles/{article_id}/votes" },
  async handler({ tenant, actor }, { article_id, helpful }) {
    return unwrap(await tenant.voteArticle(article_id, helpful, actor));
  },
});

export const searchArticlesTool = defineTool({
  name: "search_articles",
  title: "Search the knowledge base",
  description:
    "Ranked search over articles (published only unless status says otherwise): each query word scores 3 per title occurrence and 1 per body occurrence (at most 5), times (0.5 + smoothed helpfulness). Returns a snippet around the first match.",
  input: z.object({
    query: z.string().trim().min(1, "query is required").max(300, "query is at most 300 characters"),
    category: category.optional(),
    status: z.array(articleStatus).min(1).default(["published"]),
    limit: z.number().int("must be a whole number").min(1, "must be 1–50").max(50, "must be 1–50").default(10),
  }),
  output: z.object({
    terms: z.array(z.string()),
    total_matches: z.number().int(),
    results: z.array(
      z.object({
        article_id: z.string(),
        title: z.string(),
        category: z.string(),
        status: articleStatus,
        version: z.number().int(),
        snippet: z.string(),
        score: z.number(),
        text_score: z.number(),
        helpfulness: z.number(),
        helpful_votes: z.number().int(),
        not_helpful_votes: z.number().int(),
        matched_terms: z.array(z.string()),
      }),
    ),
  }),
  annotations: READ_ONLY,
  scope: "cs:read",
  rest: { method: "GET", path: "/kb/search" },
  async handler({ tenant }, input) {
    return unwrap(await tenant.searchArticles(input));
  },
});

export const supportTools: readonly Tool[] = [
  createTicketTool,
  getTicketTool,
  listTicketsTool,
  updateTicketTool,
  assignTicketTool,
  addTicketCommentTool,
  escalateTicketTool,
  resolveTicketTool,
  closeTicketTool,
  reopenTicketTool,
  rateTicketTool,
  configureSupportTool,
  supportPerformanceTool,
  createArticleTool,
  updateArticleTool,
  getArticleTool,
  publishArticleTool,
  archiveArticleTool,
  voteArticleTool,
  searchArticlesTool,
];
