import { z } from "zod";
import { DEFAULT_SLA_HOURS, ESCALATION_STATUSES, MAX_SLA_HOURS, SEVERITIES } from "../db/escalations";
import { TASK_PRIORITIES, TASK_STATUSES } from "../db/tasks";
import { defineTool, READ_ONLY, unwrap, WRITE } from "./define";
import { isoDate } from "./fields";

/** Tasks (work for a person) and escalations with their own resolution SLA. */

const idOf = (field: string, from: string) =>
  z
    .string()
    .min(1, `${field} is required`)
    .max(100, `${field} is at most 100 characters`)
    .regex(/^[a-zA-Z0-9_-]+$/, `${field} holds only letters, digits, _ and - (as returned by ${from})`);

const clientId = idOf("client_id", "register_client or list_clients").describe("The account's id");
const taskId = idOf("task_id", "create_task or list_tasks");
const escalationId = idOf("escalation_id", "create_escalation or list_escalations");
const person = z.string().trim().min(1).max(200, "at most 200 characters");
const taskStatus = z.enum(TASK_STATUSES, { message: `must be one of ${TASK_STATUSES.join(", ")}` });
const priority = z.enum(TASK_PRIORITIES, { message: `must be one of ${TASK_PRIORITIES.join(", ")}` });
const severity = z.enum(SEVERITIES, { message: `must be one of ${SEVERITIES.join(", ")}` });
const escalationStatus = z.enum(ESCALATION_STATUSES, { message: `must be one of ${ESCALATION_STATUSES.join(", ")}` });
const limit = z.number().int("must be a whole number").min(1, "must be 1–200").max(200, "must be 1–200").default(50);
const cursor = z.string().min(1).max(500).optional().describe("next_cursor from the previous page");
const pagination = z.object({ returned_count: z.number().int(), has_more: z.boolean(), next_cursor: z.string().nullable() });

const task = z.object({
  task_id: z.string(),
  client_id: z.string().nullable(),
  client_name: z.string().nullable(),
  title: z.string(),
  description: z.string(),
  owner: z.string().nullable(),
  due_date: z.string().nullable(),
  priority,
  status: taskStatus,
  source: z.string().describe('"manual", "escalation:<id>" or "playbook:<id>"'),
  overdue: z.boolean().describe("Open or in progress with a due date before today"),
  created_at: z.string(),
  updated_at: z.string(),
  completed_at: z.string().nullable(),
});

export const createTaskTool = defineTool({
  name: "create_task",
  title: "Create a task",
  description:
    "Create a task for a person, optionally on an account (it then appears on the account's timeline): title, description, owner, due date and priority.",
  input: z.object({
    client_id: clientId.optional(),
    title: z.string().trim().min(1, "title is required").max(200, "title is at most 200 characters"),
    description: z.string().trim().max(4000, "description is at most 4000 characters").default(""),
    owner: person.optional().describe("Who does it (name or email)"),
    due_date: isoDate.optional(),
    priority: priority.default("medium"),
  }),
  output: z.object({ task }),
  annotations: WRITE,
  scope: "cs:write",
  rest: { method: "POST", path: "/tasks" },
  async handler({ tenant, actor }, input) {
    return { task: unwrap(await tenant.createTask(input, actor)) };
  },
});

export const listTasksTool = defineTool({
  name: "list_tasks",
  title: "List tasks",
  description:
    "Tasks soonest due first (tasks without a due date last), filtered by status, owner, account, overdue, and source (manual, escalation, playbook, or an exact source such as playbook:<id>); page with the cursor.",
  input: z.object({
    status: z.array(taskStatus).optional().describe("Only these statuses"),
    owner: person.optional(),
    client_id: clientId.optional(),
    overdue: z.boolean().optional().describe("true: only overdue open tasks; false: none of them"),
    source: z
      .string()
      .trim()
      .min(1)
      .max(200)
      .regex(/^(manual|playbook|escalation|workflow|review)(:[a-zA-Z0-9_-]+)?$/, 'must be manual, playbook, escalation, workflow, review, or "<family>:<id>" such as "playbook:<id>"')
      .optional(),
    limit,
    cursor,
  }),
  output: z.object({
    tasks: z.array(task),
    pagination,
    summary: z.object({ total_count: z.number().int(), overdue_count: z.number().int() }),
  }),
  annotations: READ_ONLY,
  scope: "cs:read",
  rest: { method: "GET", path: "/tasks" },
  async handler({ tenant }, input) {
    const list = unwrap(await tenant.listTasks(input));
    return {
      tasks: list.tasks,
      pagination: { returned_count: list.tasks.length, has_more: list.next_cursor !== null, next_cursor: list.next_cursor },
      summary: { total_count: list.total_count, overdue_count: list.overdue_count },
    };
  },
});

export const updateTaskTool = defineTool({
  name: "update_task",
  title: "Update a task",
  description:
    "Move a task along (open → in_progress → done or cancelled; done and cancelled are final), reassign it, or change its due date, priority, title or description. Done records completed_at; closing a playbook's task lets the playbook open a new one if its rule matches again.",
  input: z
    .object({
      task_id: taskId,
      status: taskStatus.optional(),
      owner: person.nullable().optional().describe("null to unassign"),
      due_date: isoDate.nullable().optional().describe("null to clear"),
      priority: priority.optional(),
      title: z.string().trim().min(1).max(200).optional(),
      description: z.string().trim().max(4000).optional(),
    })
    .refine(
      ({ task_id: _id, ...changes }) => Object.values(changes).some((value) => value !== undefined),
      "name at least one of status, owner, due_date, priority, title, description to change",
    ),
  output: z.object({ task, changed_fields: z.array(z.string()) }),
  annotations: { ...WRITE, idempotentHint: true },
  scope: "cs:write",
  rest: { method: "PATCH", path: "/tasks/{task_id}" },
  async handler({ tenant, actor }, { task_id, ...changes }) {
    const result = unwrap(await tenant.updateTask(task_id, changes, actor));
    return { task: result.task, changed_fields: result.changed };
  },
});

const sla = z.object({
  hours: z.number().describe("Hours the SLA allowed when the escalation was opened"),
  resolve_by: z.string(),
  breached: z.boolean().describe("Unresolved and past resolve_by"),
  minutes_left: z.number().int().nullable(),
  overdue_by_minutes: z.number().int().nullable(),
  resolved_within_sla: z.boolean().nullable(),
  summary: z.string(),
});

const escalation = z.object({
  escalation_id: z.string(),
  client_id: z.string(),
  client_name: z.string().nullable(),
  ticket_id: z.string().nullable(),
  severity,
  title: z.string(),
  description: z.string(),
  owner: z.string().nullable(),
  status: escalationStatus,
  opened_at: z.string(),
  acknowledged_at: z.string().nullable(),
  resolved_at: z.string().nullable(),
  resolution: z.string().nullable(),
  created_by: z.string(),
  task_id: z.string().nullable().describe("The linked task for the owner"),
  sla,
});

const slaHours = z.object({ critical: z.number(), high: z.number(), medium: z.number(), low: z.number() });
const SLA_DEFAULTS = SEVERITIES.map((s) => `${s} ${DEFAULT_SLA_HOURS[s]} h`).join(", ");

export const createEscalationTool = defineTool({
  name: "create_escalation",
  title: "Open an escalation",
  description: `Escalate an account issue with a severity; resolve_by comes from the workspace's SLA for that severity (defaults ${SLA_DEFAULTS}; see update_escalation_sla). Opens a linked task for the owner (default: the account's CSM) and records it on the account's timeline.`,
  input: z.object({
    client_id: clientId,
    severity,
    title: z.string().trim().min(1, "title is required").max(200, "title is at most 200 characters"),
    description: z.string().trim().max(4000, "description is at most 4000 characters").default(""),
    owner: person.optional().describe("Who drives it; defaults to the account's CSM"),
    ticket_id: idOf("ticket_id", "the ticket tools").optional().describe("The support ticket behind it, on the same account"),
    opened_at: z.iso
      .datetime({ offset: true, message: "must be an ISO date-time such as 2026-05-01T09:30:00Z" })
      .optional()
      .describe("When it was raised, if earlier than now; the SLA runs from here"),
  }),
  output: z.object({ escalation }),
  annotations: WRITE,
  scope: "cs:write",
  rest: { method: "POST", path: "/escalations" },
  async handler({ tenant, actor }, input) {
    return { escalation: unwrap(await tenant.createEscalation(input, actor)) };
  },
});

export const listEscalationsTool = defineTool({
  name: "list_escalations",
  title: "List escalations",
  description:
    "Escalations soonest due first, each with its SLA state (time left, or overdue by); filter by status, severity, account, or breached (unresolved past resolve_by). The summary counts every match and shows the SLA hours in force.",
  input: z.object({
    status: z.array(escalationStatus).optional(),
    severity: z.array(severity).optional(),
    client_id: clientId.optional(),
    breached: z.boolean().optional(),
    limit,
    cursor,
  }),
  output: z.object({
    escalations: z.array(escalation),
    pagination,
    summary: z.object({
      total_count: z.number().int(),
      breached_count: z.number().int(),
      by_status: z.record(z.string(), z.number()),
      by_severity: z.record(z.string(), z.number()),
    }),
    sla_hours: slaHours,
  }),
  annotations: READ_ONLY,
  scope: "cs:read",
  rest: { method: "GET", path: "/escalations" },
  async handler({ tenant }, input) {
    const list = unwrap(await tenant.listEscalations(input));
    return {
      escalations: list.escalations,
      pagination: { returned_count: list.escalations.length, has_more: list.next_cursor !== null, next_cursor: list.next_cursor },
      summary: list.summary,
      sla_hours: list.sla_hours,
    };
  },
});

export const acknowledgeEscalationTool = defineTool({
  name: "acknowledge_escalation",
  title: "Acknowledge an escalation",
  description: "Mark an open escalation as acknowledged (its linked task moves to in_progress). The SLA clock keeps running until it is resolved.",
  input: z.object({ escalation_id: escalationId }),
  output: z.object({ escalation }),
  annotations: { ...WRITE, idempotentHint: true },
  scope: "cs:write",
  rest: { method: "POST", path: "/escalations/{escalation_id}/acknowledge" },
  async handler({ tenant, actor }, { escalation_id }) {
    return { escalation: unwrap(await tenant.acknowledgeEscalation(escalation_id, actor)) };
  },
});

export const resolveEscalationTool = defineTool({
  name: "resolve_escalation",
  title: "Resolve an escalation",
  description: "Resolve an escalation with a note of how; closes its linked task and says whether it was resolved within the SLA.",
  input: z.object({
    escalation_id: escalationId,
    resolution: z.string().trim().min(1, "resolution is required: say how it was resolved").max(4000, "resolution is at most 4000 characters"),
  }),
  output: z.object({ escalation }),
  annotations: WRITE,
  scope: "cs:write",
  rest: { method: "POST", path: "/escalations/{escalation_id}/resolve" },
  async handler({ tenant, actor }, { escalation_id, resolution }) {
    return { escalation: unwrap(await tenant.resolveEscalation(escalation_id, resolution, actor)) };
  },
});

const hours = z
  .number({ message: "must be a number of hours" })
  .finite()
  .gt(0, "must be more than 0 hours")
  .max(MAX_SLA_HOURS, `must be at most ${MAX_SLA_HOURS} hours (a year)`);

export const updateEscalationSla = defineTool({
  name: "update_escalation_sla",
  title: "Set escalation SLAs",
  description: `Set the hours allowed to resolve an escalation, per severity (defaults ${SLA_DEFAULTS}). Name only the severities to change; a more severe escalation may not get more time than a less severe one. Applies to escalations opened from now on.`,
  input: z
    .strictObject({ critical: hours.optional(), high: hours.optional(), medium: hours.optional(), low: hours.optional() }, {
      error: (issue) => (issue.code === "unrecognized_keys" ? `unknown severity ${issue.keys.join(", ")}; use ${SEVERITIES.join(", ")}` : undefined),
    })
    .refine((input) => Object.values(input).some((value) => value !== undefined), "name at least one severity to change"),
  output: z.object({ sla_hours: slaHours }),
  annotations: { ...WRITE, idempotentHint: true },
  scope: "cs:admin",
  rest: { method: "PATCH", path: "/settings/escalation-sla" },
  async handler({ tenant, actor }, input) {
    return { sla_hours: unwrap(await tenant.updateEscalationSla(input, actor)) };
  },
});

export const taskTools = [
  createTaskTool,
  listTasksTool,
  updateTaskTool,
  createEscalationTool,
  listEscalationsTool,
  acknowledgeEscalationTool,
  resolveEscalationTool,
  updateEscalationSla,
];
