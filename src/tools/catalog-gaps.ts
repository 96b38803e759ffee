import { z } from "zod";
import { PLAN_STATUSES } from "../db/onboarding";
import { PLAN_STATUS_CHANGES } from "../db/onboarding-lifecycle";
import { defineTool, type Tool, WRITE, unwrap } from "./define";
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

export const catalogGapTools: readonly Tool[] = [updateOnboardingPlanTool];
