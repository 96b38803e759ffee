import { z } from "zod";
import { TASK_PRIORITIES } from "../db/tasks";
import { defineTool, READ_ONLY, unwrap, WRITE } from "./define";
import { asJsonRule, RULE_LANGUAGE, ruleInput, segmentTools } from "./segments";
import { taskTools } from "./tasks";

/** Playbooks: rules that turn risk into assigned tasks. Also gathers the segment and task tools. */

const playbookId = z
  .string()
  .min(1, "playbook_id is required")
  .max(100)
  .regex(/^[a-zA-Z0-9_-]+$/, "playbook_id holds only letters, digits, _ and - (as returned by create_playbook or list_playbooks)");
const priority = z.enum(TASK_PRIORITIES, { message: `must be one of ${TASK_PRIORITIES.join(", ")}` });
const TOKENS = "{{account_name}}, {{company_name}}, {{client_id}}, {{csm}} or any rule field such as {{health_score}} or {{days_until_renewal}}";

const actionFields = {
  title: z.string().trim().min(1, "title is required").max(200, "title is at most 200 characters").describe(`Task title; may use ${TOKENS}`),
  description: z.string().trim().max(2000, "description is at most 2000 characters").describe("Task description; same tokens as the title"),
  owner: z
    .string()
    .trim()
    .min(1)
    .max(200)
    .describe('"csm" = the account\'s CSM when the task opens (unassigned if it has none); anything else is a fixed owner'),
  due_in_days: z.number().int("must be a whole number of days").min(0, "must be 0–365").max(365, "must be 0–365").describe("Due this many days after the task opens"),
  priority,
};

const actionInput = z.object({
  title: actionFields.title,
  description: actionFields.description.default(""),
  owner: actionFields.owner.default("csm"),
  due_in_days: actionFields.due_in_days.default(7),
  priority: priority.default("medium"),
});

const action = z.object({ title: z.string(), description: z.string(), owner: z.string(), due_in_days: z.number().int(), priority });

const playbook = z.object({
  playbook_id: z.string(),
  name: z.string(),
  description: z.string(),
  trigger: z.record(z.string(), z.unknown()),
  action,
  enabled: z.boolean(),
  last_run_at: z.string().nullable(),
  created_by: z.string(),
  created_at: z.string(),
  updated_at: z.string(),
  open_tasks: z.number().int().describe("Tasks from this playbook still open or in progress"),
});


export const createPlaybookTool = defineTool({
  name: "create_playbook",
  title: "Create a playbook",
  description: `A rule that turns risk into assigned tasks: when the trigger (a segment rule over account fields) matches an account, a task is opened from the action template, at most one open task per account and playbook. Playbooks run when an account's data changes, on a schedule, and with run_playbooks. Trigger: ${RULE_LANGUAGE}`,
  input: z.object({
    name: z.string().trim().min(1, "name is required").max(100, "name is at most 100 characters"),
    description: z.string().trim().max(1000, "description is at most 1000 characters").default(""),
    trigger: ruleInput,
    action: actionInput,
    enabled: z.boolean().default(true),
  }),
  output: z.object({ playbook }),
  annotations: WRITE,
  scope: "cs:write",
  rest: { method: "POST", path: "/playbooks" },
  async handler({ tenant, actor }, input) {
    return { playbook: unwrap(await tenant.createPlaybook({ ...input, trigger: asJsonRule(input.trigger) }, actor)) };
  },
});

export const listPlaybooksTool = defineTool({
  name: "list_playbooks",
  title: "List playbooks",
  description: "Every playbook with its trigger, task template, whether it is enabled, when it last ran and how many of its tasks are open.",
  input: z.object({ enabled: z.boolean().optional().describe("Only enabled (true) or disabled (false) playbooks") }),
  output: z.object({ playbooks: z.array(playbook) }),
  annotations: READ_ONLY,
  scope: "cs:read",
  rest: { method: "GET", path: "/playbooks" },
  async handler({ tenant }, input) {
    return { playbooks: unwrap(await tenant.listPlaybooks(input)) };
  },
});

export const updatePlaybookTool = defineTool({
  name: "update_playbook",
  title: "Change a playbook",
  description: "Enable or disable a playbook, or change its name, description, trigger or task template (name only the action fields to change). Tasks it already opened stay as they are.",
  input: z
    .object({
      playbook_id: playbookId,
      name: z.string().trim().min(1).max(100).optional(),
      description: z.string().trim().max(1000).optional(),
      trigger: ruleInput.optional(),
      action: z
        .object({
          title: actionFields.title.optional(),
          description: actionFields.description.optional(),
          owner: actionFields.owner.optional(),
          due_in_days: actionFields.due_in_days.optional(),
          priority: priority.optional(),
        })
        .optional(),
      enabled: z.boolean().optional(),
    })
    .refine(
      ({ playbook_id: _id, ...changes }) => Object.values(changes).some((value) => value !== undefined),
      "name at least one of name, description, trigger, action, enabled to change",
    ),
  output: z.object({ playbook, changed_fields: z.array(z.string()) }),
  annotations: { ...WRITE, idempotentHint: true },
  scope: "cs:write",
  rest: { method: "PATCH", path: "/playbooks/{playbook_id}" },
  async handler({ tenant, actor }, { playbook_id, trigger, action: actionChanges, ...rest }) {
    const cleanAction = actionChanges
      ? Object.fromEntries(Object.entries(actionChanges).filter(([, value]) => value !== undefined))
      : undefined;
    const result = unwrap(
      await tenant.updatePlaybook(
        playbook_id,
        { ...rest, trigger: trigger ? asJsonRule(trigger) : undefined, action: cleanAction },
        actor,
      ),
    );
    return { playbook: result.playbook, changed_fields: result.changed };
  },
});

const runTask = z.object({
  client_id: z.string(),
  client_name: z.string(),
  task_id: z.string().nullable().describe("Null in a dry run for a task not yet created"),
  title: z.string(),
  owner: z.string().nullable(),
  due_date: z.string(),
  already_open: z.boolean(),
  why: z.array(z.string()).describe("The trigger rules this account met"),
});

export const runPlaybooksTool = defineTool({
  name: "run_playbooks",
  title: "Run playbooks now",
  description:
    "Run every enabled playbook (or one) over all accounts now: open a task for each matching account that has no open task from that playbook. With dry_run, nothing is written and the result shows which accounts would get tasks. Returns matched, created and already_open counts per playbook.",
  input: z.object({
    playbook_id: playbookId.optional().describe("Run only this playbook (a disabled one only with dry_run)"),
    dry_run: z.boolean().default(false),
  }),
  output: z.object({
    dry_run: z.boolean(),
    ran_at: z.string(),
    accounts_evaluated: z.number().int(),
    playbooks: z.array(
      z.object({
        playbook_id: z.string(),
        name: z.string(),
        matched: z.number().int(),
        created: z.number().int().describe("Tasks opened (in a dry run: that would be opened)"),
        already_open: z.number().int(),
        error: z.string().nullable(),
        tasks: z.array(runTask).describe("The first 50 tasks opened or found open"),
      }),
    ),
    totals: z.object({ matched: z.number().int(), created: z.number().int(), already_open: z.number().int() }),
  }),
  annotations: WRITE,
  scope: "cs:write",
  rest: { method: "POST", path: "/playbooks/run" },
  async handler({ tenant, actor }, { playbook_id, dry_run }) {
    return unwrap(await tenant.runPlaybooks({ playbookId: playbook_id, dryRun: dry_run }, actor));
  },
});

/** Segments, tasks, escalations and playbooks: the catalog's one entry for this area. */
export const playbookTools = [
  ...segmentTools,
  ...taskTools,
  createPlaybookTool,
  listPlaybooksTool,
  updatePlaybookTool,
  runPlaybooksTool,
];
