import { z } from "zod";
import { TIERS } from "../db/accounts";
import { JOURNEY_STAGES } from "../db/journey";
import { COMPLEXITIES, MILESTONE_STATUSES, OWNER_ROLES, PLAN_STATUSES } from "../db/onboarding";
import { CERTIFICATION_LEVELS, TRAINING_FORMATS } from "../db/training";
import { defineTool, READ_ONLY, unwrap, WRITE } from "./define";
import { clientId, isoDate } from "./fields";

/** Onboarding plans and progress, training modules and sessions, certifications, and the customer journey. */

const idOf = (field: string, from: string) =>
  z
    .string()
    .min(1, `${field} is required`)
    .max(100, `${field} is at most 100 characters`)
    .regex(/^[a-zA-Z0-9_-]+$/, `${field} holds only letters, digits, _ and - (as returned by ${from})`);
const oneOf = <T extends readonly [string, ...string[]]>(values: T) => z.enum(values, { message: `must be one of ${values.join(", ")}` });

const planId = idOf("plan_id", "create_onboarding_plan");
const milestoneId = idOf("milestone_id", "get_onboarding_progress");
const moduleId = idOf("module_id", "create_training_module");
const sessionId = idOf("session_id", "schedule_training_session");
const certificationId = idOf("certification_id", "issue_certification or list_certifications");
const isoDateTime = z.iso.datetime({ message: "must be a UTC date and time written YYYY-MM-DDTHH:MM:SSZ, e.g. 2027-01-31T15:00:00Z" });
const person = z.string().trim().min(1, "must not be empty").max(200, "at most 200 characters");
const email = z.email({ message: "must be an email address, e.g. ana@example.com" }).max(254);
const text = (max: number) => z.string().trim().min(1, "must not be empty").max(max, `at most ${max} characters`);
const tier = oneOf(TIERS);
const complexity = oneOf(COMPLEXITIES);
const level = oneOf(CERTIFICATION_LEVELS);
const format = oneOf(TRAINING_FORMATS);
const fraction = (field: string) => z.number().min(0, `${field} is a fraction from 0 to 1`).max(1, `${field} is a fraction from 0 to 1`);

export const milestone = z.object({
  milestone_id: z.string(),
  plan_id: z.string(),
  sequence: z.number().int(),
  name: z.string(),
  description: z.string(),
  owner: z.string(),
  due_date: z.string(),
  estimated_hours: z.number(),
  first_value: z.boolean().describe("Completing it is the plan's first value"),
  status: oneOf(MILESTONE_STATUSES),
  blocker: z.string().nullable(),
  completed_on: z.string().nullable(),
  overdue: z.boolean(),
  days_overdue: z.number().int(),
});

export const plan = z.object({
  plan_id: z.string(),
  client_id: z.string(),
  client_name: z.string(),
  template: z.string().describe('Template key (quick_start, standard, enterprise) or "custom"'),
  tier,
  team_size: z.number().int(),
  complexity,
  goals: z.array(z.string()),
  success_criteria: z.array(z.string()),
  status: oneOf(PLAN_STATUSES),
  start_date: z.string(),
  target_date: z.string(),
  time_to_value_target_days: z.number().int(),
  completed_on: z.string().nullable(),
  total_estimated_hours: z.number(),
  created_at: z.string(),
  milestones: z.array(milestone),
});

export const createOnboardingPlanTool = defineTool({
  name: "create_onboarding_plan",
  title: "Create an onboarding plan",
  description:
    "Create an account's onboarding plan. Without explicit milestones the template follows tier, team size and complexity: quick_start (starter/standard, ≤ 25 people, low complexity; first value at day 14), enterprise (enterprise tier or > 250 people; first value at day 28) or standard (first value at day 21); high complexity adds a Technical Deep Dive and moves first value a week later; a standard team above 50 gets a Phased Rollout. Owners: csm → the account's CSM, customer_admin → its primary contact, others as given in owners. One plan in progress per account.",
  input: z.object({
    client_id: clientId,
    goals: z.array(text(300)).min(1, "goals: name at least one customer goal").max(20, "goals: at most 20"),
    tier: tier.optional().describe("Defaults to the account's tier"),
    team_size: z.number().int("must be a whole number").min(1, "team_size is 1–10000").max(10000, "team_size is 1–10000").default(10),
    technical_complexity: complexity.default("medium"),
    success_criteria: z.array(text(300)).max(20, "success_criteria: at most 20").optional(),
    start_date: isoDate.optional().describe("Defaults to today"),
    owners: z
      .object(Object.fromEntries(OWNER_ROLES.map((role) => [role, person.optional()])) as Record<(typeof OWNER_ROLES)[number], z.ZodOptional<typeof person>>)
      .strict()
      .optional()
      .describe(`Who fills each owner role (${OWNER_ROLES.join(", ")})`),
    milestones: z
      .array(
        z.object({
          name: text(200),
          description: z.string().trim().max(2000).optional(),
          due_date: isoDate,
          owner: person,
          estimated_hours: z.number().min(0, "estimated_hours is 0 or more").max(1000).optional(),
          first_value: z.boolean().optional(),
        }),
      )
      .min(1, "milestones: give at least one, or leave it out to use a template")
      .max(30, "milestones: at most 30")
      .optional()
      .describe("Explicit milestones instead of a template"),
    time_to_value_target_days: z.number().int().min(1, "time_to_value_target_days is 1–365").max(365, "time_to_value_target_days is 1–365").optional(),
  }),
  output: z.object({ plan, template_reasons: z.array(z.string()) }),
  annotations: WRITE,
  scope: "cs:write",
  rest: { method: "POST", path: "/clients/{client_id}/onboarding" },
  async handler({ tenant, actor }, { technical_complexity, ...input }) {
    return unwrap(await tenant.createOnboardingPlan({ ...input, complexity: technical_complexity }, actor));
  },
});

const risk = z.object({
  severity: z.enum(["medium", "high"]),
  kind: z.enum(["overdue_milestone", "time_to_value_slipping", "blocked_milestone", "behind_schedule"]),
  message: z.string(),
});

export const getOnboardingProgressTool = defineTool({
  name: "get_onboarding_progress",
  title: "Onboarding progress and risks",
  description:
    "Progress of an account's latest onboarding plan (or a plan by id) as of a day: % complete over the milestones not skipped, the % that should be done by then, overdue and blocked milestones, time to value (the first-value milestone's completion or the first value seen in usage, whichever came first) or, when not reached, its projection against the target, and a risk level (low, medium, high) with the reasons.",
  input: z
    .object({
      client_id: clientId.optional(),
      plan_id: planId.optional(),
      as_of: isoDate.optional().describe("Judge progress as of this day (default today)"),
    })
    .refine((input) => input.client_id !== undefined || input.plan_id !== undefined, "name the plan: client_id (its latest plan) or plan_id"),
  output: z.object({
    as_of: z.string(),
    plan,
    percent_complete: z.number(),
    expected_percent_complete: z.number().describe("Share of the milestones due by as_of"),
    milestones_total: z.number().int(),
    milestones_completed: z.number().int(),
    milestones_skipped: z.number().int(),
    overdue_milestones: z.array(milestone),
    status: z.enum(["completed", "on_track", "at_risk", "delayed"]),
    risk_level: z.enum(["low", "medium", "high"]),
    risks: z.array(risk),
    time_to_value: z.object({
      target_days: z.number().int(),
      target_date: z.string(),
      status: z.enum(["reached", "projected"]),
      reached_on: z.string().nullable(),
      reached_by: z.enum(["milestone", "usage"]).nullable(),
      days: z.number().int().nullable(),
      projected_date: z.string().nullable(),
      projected_days: z.number().int().nullable(),
      slip_days: z.number().int(),
      on_target: z.boolean(),
      usage: z.object({ status: z.enum(["reached", "not_reached", "no_data"]), reached_on: z.string().nullable(), definition: z.string() }),
    }),
  }),
  annotations: READ_ONLY,
  scope: "cs:read",
  rest: { method: "GET", path: "/onboarding/progress" },
  async handler({ tenant }, input) {
    return unwrap(await tenant.onboardingProgress(input));
  },
});

export const updateOnboardingMilestoneTool = defineTool({
  name: "update_onboarding_milestone",
  title: "Update an onboarding milestone",
  description:
    "Complete, start, block (with a blocker), skip or reopen a milestone, reschedule it (due_date) or reassign it (owner). Completed is final; skipped can only be reopened to not_started. Completing the last open milestone completes the plan. Each change is an onboarding event on the account's timeline; a refusal states the milestone's current state.",
  input: z
    .object({
      milestone_id: milestoneId,
      status: oneOf(MILESTONE_STATUSES).optional(),
      completed_on: isoDate.optional().describe("With status completed: the day it was done (default today)"),
      due_date: isoDate.optional(),
      owner: person.optional(),
      blocker: text(1000).optional().describe("With status blocked: what blocks it"),
    })
    .refine(
      ({ milestone_id: _id, completed_on: _on, ...changes }) => Object.values(changes).some((value) => value !== undefined),
      "name at least one of status, due_date, owner, blocker to change",
    ),
  output: z.object({ milestone, plan, changed_fields: z.array(z.string()), plan_completed: z.boolean() }),
  annotations: { ...WRITE, idempotentHint: true },
  scope: "cs:write",
  rest: { method: "PATCH", path: "/onboarding/milestones/{milestone_id}" },
  async handler({ tenant, actor }, { milestone_id, ...changes }) {
    const result = unwrap(await tenant.updateOnboardingMilestone(milestone_id, changes, actor));
    return { milestone: result.milestone, plan: result.plan, changed_fields: result.changed, plan_completed: result.plan_completed };
  },
});

const trainingModule = z.object({
  module_id: z.string(),
  name: z.string(),
  description: z.string(),
  level,
  duration_minutes: z.number().int(),
  pass_mark: z.number(),
  max_attempts: z.number().int(),
  created_at: z.string(),
});

export const createTrainingModuleTool = defineTool({
  name: "create_training_module",
  title: "Create a training module",
  description:
    "Define a training module: name (unique), the certification level it prepares for, duration (1–480 minutes), pass mark (fraction 0–1; defaults to the level's: basic 0.75, intermediate 0.80, advanced 0.85, expert 0.90) and the attempts allowed (1–10, default 3).",
  input: z.object({
    name: text(200),
    description: z.string().trim().max(4000, "description is at most 4000 characters").optional(),
    level,
    duration_minutes: z.number().int("must be a whole number").min(1, "duration_minutes is 1–480").max(480, "duration_minutes is 1–480"),
    pass_mark: fraction("pass_mark").optional(),
    max_attempts: z.number().int("must be a whole number").min(1, "max_attempts is 1–10").max(10, "max_attempts is 1–10").optional(),
  }),
  output: z.object({ module: trainingModule }),
  annotations: WRITE,
  scope: "cs:write",
  rest: { method: "POST", path: "/training/modules" },
  async handler({ tenant, actor }, input) {
    return { module: unwrap(await tenant.createTrainingModule(input, actor)) };
  },
});

const attendee = z.object({
  email: z.string(),
  attended: z.boolean().nullable(),
  score: z.number().nullable(),
  passed: z.boolean().nullable(),
  feedback_rating: z.number().int().nullable(),
  attempt: z.number().int().nullable(),
});

const session = z.object({
  session_id: z.string(),
  module: trainingModule,
  client_id: z.string(),
  format,
  scheduled_at: z.string(),
  duration_minutes: z.number().int(),
  trainer: z.string().nullable(),
  recording_enabled: z.boolean(),
  status: z.enum(["scheduled", "completed"]),
  attendees: z.array(attendee),
  summary: z.object({
    invited: z.number().int(),
    attended: z.number().int(),
    attendance_rate: z.number().nullable(),
    passed: z.number().int(),
    pass_rate: z.number().nullable(),
    average_score: z.number().nullable(),
    average_rating: z.number().nullable(),
  }),
});

export const scheduleTrainingSessionTool = defineTool({
  name: "schedule_training_session",
  title: "Schedule a training session",
  description: "Schedule a session of a training module for an account's people: format, time (UTC), duration (defaults to the module's), trainer and invitees.",
  input: z.object({
    client_id: clientId,
    module_id: moduleId,
    format: format.default("live_webinar"),
    scheduled_at: isoDateTime,
    duration_minutes: z.number().int("must be a whole number").min(15, "duration_minutes is 15–480").max(480, "duration_minutes is 15–480").optional(),
    trainer: person.optional(),
    recording_enabled: z.boolean().default(true),
    attendee_emails: z.array(email).min(1, "attendee_emails: invite at least one person").max(500, "attendee_emails: at most 500"),
  }),
  output: z.object({ session }),
  annotations: WRITE,
  scope: "cs:write",
  rest: { method: "POST", path: "/training/sessions" },
  async handler({ tenant, actor }, input) {
    return { session: unwrap(await tenant.scheduleTrainingSession(input, actor)) };
  },
});

export const recordAttendanceTool = defineTool({
  name: "record_attendance",
  title: "Record training attendance",
  description:
    "After a session: who attended, their assessment score (fraction 0–1; passed when at or above the module's pass mark) and feedback rating (1–5). People not invited are added. Refused before the session's time, and for anyone past the module's attempt limit. The session becomes completed, with attendance and pass rates.",
  input: z.object({
    session_id: sessionId,
    attendees: z
      .array(
        z.object({
          email,
          attended: z.boolean(),
          score: fraction("score").optional(),
          feedback_rating: z.number().int("must be a whole number").min(1, "feedback_rating is 1–5").max(5, "feedback_rating is 1–5").optional(),
        }),
      )
      .min(1, "attendees: record at least one person")
      .max(500),
  }),
  output: z.object({ session }),
  annotations: { ...WRITE, idempotentHint: true },
  scope: "cs:write",
  rest: { method: "POST", path: "/training/sessions/{session_id}/attendance" },
  async handler({ tenant, actor }, { session_id, attendees }) {
    return { session: unwrap(await tenant.recordTrainingAttendance(session_id, attendees, actor)) };
  },
});

export const listTrainingTool = defineTool({
  name: "list_training",
  title: "Training modules and sessions",
  description:
    "The workspace's training modules; with client_id, also the account's sessions (oldest first) with attendees, scores, attempts, and attendance and pass rates.",
  input: z.object({ client_id: clientId.optional() }),
  output: z.object({ modules: z.array(trainingModule), sessions: z.array(session).nullable().describe("Null without client_id") }),
  annotations: READ_ONLY,
  scope: "cs:read",
  rest: { method: "GET", path: "/training" },
  async handler({ tenant }, { client_id }) {
    const modules = unwrap(await tenant.listTrainingModules());
    return { modules, sessions: client_id ? unwrap(await tenant.listTrainingSessions(client_id)) : null };
  },
});

const certification = z.object({
  certification_id: z.string(),
  client_id: z.string(),
  email: z.string(),
  level,
  score: z.number(),
  pass_mark: z.number(),
  issued_on: z.string(),
  expires_on: z.string(),
  state: z.enum(["valid", "expired", "revoked"]),
  days_until_expiry: z.number().int().nullable(),
  revoked_on: z.string().nullable(),
  revoke_reason: z.string().nullable(),
});

export const issueCertificationTool = defineTool({
  name: "issue_certification",
  title: "Issue a certification",
  description:
    "Certify a person at an account at a level (basic, intermediate, advanced, expert). The score must reach the level's pass mark (0.75, 0.80, 0.85, 0.90), and each level above basic needs a valid certificate of the level below. Valid 12 months from issued_on unless validity_months says otherwise.",
  input: z.object({
    client_id: clientId,
    email,
    level,
    score: fraction("score"),
    issued_on: isoDate.optional().describe("Default today"),
    validity_months: z.number().int("must be a whole number").min(1, "validity_months is 1–60").max(60, "validity_months is 1–60").optional(),
  }),
  output: z.object({ certification }),
  annotations: WRITE,
  scope: "cs:write",
  rest: { method: "POST", path: "/certifications" },
  async handler({ tenant, actor }, input) {
    return { certification: unwrap(await tenant.issueCertification(input, actor)) };
  },
});

export const revokeCertificationTool = defineTool({
  name: "revoke_certification",
  title: "Revoke a certification",
  description:
    "Revoke a certificate by certification_id, or a person's certificate of a level (client_id, email, level). Refused with the person's current certificates when none was issued, and with the date when it was already revoked.",
  input: z
    .object({
      certification_id: certificationId.optional(),
      client_id: clientId.optional(),
      email: email.optional(),
      level: level.optional(),
      reason: text(1000),
    })
    .refine(
      (input) => input.certification_id !== undefined || (input.client_id !== undefined && input.email !== undefined && input.level !== undefined),
      "name the certificate: certification_id, or client_id with email and level",
    ),
  output: z.object({ certification }),
  annotations: { ...WRITE, destructiveHint: true },
  scope: "cs:write",
  rest: { method: "POST", path: "/certifications/revoke" },
  async handler({ tenant, actor }, { reason, ...target }) {
    return { certification: unwrap(await tenant.revokeCertification(target, reason, actor)) };
  },
});

export const listCertificationsTool = defineTool({
  name: "list_certifications",
  title: "List certifications",
  description: "Certificates by account, person, level and state (valid, expired, revoked) as of a day, with days until expiry, and counts by state.",
  input: z.object({
    client_id: clientId.optional(),
    email: email.optional(),
    level: level.optional(),
    state: oneOf(["valid", "expired", "revoked"] as const).optional(),
    as_of: isoDate.optional().describe("Judge expiry as of this day (default today)"),
  }),
  output: z.object({
    certifications: z.array(certification),
    counts: z.object({ valid: z.number().int(), expired: z.number().int(), revoked: z.number().int() }),
  }),
  annotations: READ_ONLY,
  scope: "cs:read",
  rest: { method: "GET", path: "/certifications" },
  async handler({ tenant }, input) {
    return unwrap(await tenant.listCertifications(input));
  },
});

const journeyItem = z.object({
  date: z.string(),
  source: z.enum(["timeline", "milestone", "health", "ticket", "certification", "contract"]),
  title: z.string(),
  detail: z.string(),
});

export const getCustomerJourneyTool = defineTool({
  name: "get_customer_journey",
  title: "Customer journey",
  description:
    "The account's journey from its real history: timeline events, onboarding milestones, health band changes, tickets, certifications and contract renewals, laid on consecutive stages with dates (onboarding until the first plan completed, adoption, the 90 days before each renewal, expansion after a renewal at a higher value, churned), each stage saying how its boundaries were found.",
  input: z.object({
    client_id: clientId,
    stage: oneOf(JOURNEY_STAGES).optional().describe("Only stages of this kind"),
    as_of: isoDate.optional().describe("The journey up to this day (default today)"),
    max_items_per_stage: z.number().int("must be a whole number").min(0, "max_items_per_stage is 0–500").max(500, "max_items_per_stage is 0–500").default(50),
  }),
  output: z.object({
    client_id: z.string(),
    client_name: z.string(),
    as_of: z.string(),
    current_stage: oneOf(JOURNEY_STAGES),
    stages: z.array(
      z.object({
        stage: oneOf(JOURNEY_STAGES),
        started_on: z.string(),
        ended_on: z.string().nullable(),
        days: z.number().int(),
        basis: z.string(),
        item_count: z.number().int(),
        items: z.array(journeyItem).describe("The latest max_items_per_stage items, oldest first"),
      }),
    ),
    counts_by_source: z.record(z.string(), z.number().int()),
  }),
  annotations: READ_ONLY,
  scope: "cs:read",
  rest: { method: "GET", path: "/clients/{client_id}/journey" },
  async handler({ tenant }, { client_id, stage, as_of, max_items_per_stage }) {
    const journey = unwrap(await tenant.customerJourney(client_id, as_of, max_items_per_stage));
    return stage ? { ...journey, stages: journey.stages.filter((s) => s.stage === stage) } : journey;
  },
});

export const onboardingTools = [
  createOnboardingPlanTool,
  getOnboardingProgressTool,
  updateOnboardingMilestoneTool,
  createTrainingModuleTool,
  scheduleTrainingSessionTool,
  recordAttendanceTool,
  listTrainingTool,
  issueCertificationTool,
  revokeCertificationTool,
  listCertificationsTool,
  getCustomerJourneyTool,
];
