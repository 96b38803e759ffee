import { and, asc, desc, eq, inArray } from "drizzle-orm";
import { AccountError, appendEvent, newId, requireAccount, type Account, type Tier, type TenantDb } from "./accounts";
import { onboardingMilestones, onboardingPlans } from "./tenant-schema";

/**
 * Onboarding plans: milestones with owners and due dates, built from a template chosen by the
 * account's tier, team size and technical complexity (or given explicitly), and progress judged
 * from the milestones' real dates and the account's usage.
 */

export const COMPLEXITIES = ["low", "medium", "high"] as const;
export const MILESTONE_STATUSES = ["not_started", "in_progress", "completed", "blocked", "skipped"] as const;
export const PLAN_STATUSES = ["in_progress", "on_hold", "completed", "cancelled"] as const;
export const OWNER_ROLES = ["csm", "customer_admin", "trainer", "solutions_engineer", "executive_sponsor"] as const;
export type Complexity = (typeof COMPLEXITIES)[number];
export type MilestoneStatus = (typeof MILESTONE_STATUSES)[number];
export type PlanStatus = (typeof PLAN_STATUSES)[number];
export type OwnerRole = (typeof OWNER_ROLES)[number];

/** Days overdue beyond which an overdue milestone, or a slip in time to value, is a high risk. */
export const HIGH_RISK_SLIP_DAYS = 7;
/** Percentage points behind the schedule at which a plan counts as behind. */
export const BEHIND_SCHEDULE_POINTS = 25;

export interface TemplateMilestone {
  name: string;
  description: string;
  /** Days after the plan's start the milestone is due. */
  offset_days: number;
  owner_role: OwnerRole;
  estimated_hours: number;
  first_value?: boolean;
}

export interface Template {
  key: string;
  name: string;
  /** When it applies, in words. */
  applies_to: string;
  milestones: readonly TemplateMilestone[];
}

const KICKOFF: TemplateMilestone = {
  name: "Kickoff & Setup",
  description: "Kickoff call, goals confirmed, workspace provisioned and admins invited.",
  offset_days: 7,
  owner_role: "csm",
  estimated_hours: 8,
};
const CORE_TRAINING: TemplateMilestone = {
  name: "Core Training",
  description: "Admins and first users trained on the core workflows.",
  offset_days: 14,
  owner_role: "trainer",
  estimated_hours: 12,
};
const FIRST_VALUE: TemplateMilestone = {
  name: "Integration & First Value",
  description: "Main integration live and the first success criterion met in production.",
  offset_days: 21,
  owner_role: "solutions_engineer",
  estimated_hours: 16,
  first_value: true,
};
const OPTIMIZATION: TemplateMilestone = {
  name: "Optimization & Success Review",
  description: "Usage reviewed against the success criteria; next steps agreed with the customer admin.",
  offset_days: 28,
  owner_role: "csm",
  estimated_hours: 10,
};

/** The templates, in the order they are considered. Data, not logic: choose with `chooseTemplate`. */
export const TEMPLATES: readonly Template[] = [
  {
    key: "quick_start",
    name: "Quick start",
    applies_to: "starter or standard tier, team of at most 25, low complexity",
    milestones: [
      { ...KICKOFF, offset_days: 3, estimated_hours: 4 },
      { ...CORE_TRAINING, offset_days: 7, estimated_hours: 6, owner_role: "csm" },
      { ...FIRST_VALUE, name: "First Value", description: "The first success criterion met in production.", offset_days: 14, estimated_hours: 6, owner_role: "customer_admin" },
    ],
  },
  {
    key: "enterprise",
    name: "Enterprise rollout",
    applies_to: "enterprise tier, or a team larger than 250",
    milestones: [
      { ...KICKOFF, description: "Kickoff with the executive sponsor, goals and success criteria signed off, SSO and admins set up." },
      { ...CORE_TRAINING, description: "Admin and champion training; train-the-trainer for the wider rollout." },
      { ...FIRST_VALUE, offset_days: 28, estimated_hours: 24 },
      { name: "Phased Rollout", description: "Remaining teams onboarded in waves.", offset_days: 42, owner_role: "customer_admin", estimated_hours: 16 },
      { name: "Advanced Configuration", description: "Workflows, permissions and reporting tuned to the organisation.", offset_days: 49, owner_role: "solutions_engineer", estimated_hours: 20 },
      { ...OPTIMIZATION, name: "Executive Success Review", description: "Results against the goals reviewed with the executive sponsor.", offset_days: 56, owner_role: "executive_sponsor" },
    ],
  },
  {
    key: "standard",
    name: "Standard",
    applies_to: "everything else",
    milestones: [KICKOFF, CORE_TRAINING, FIRST_VALUE, OPTIMIZATION],
  },
];

const TECHNICAL_DEEP_DIVE: TemplateMilestone = {
  name: "Technical Deep Dive",
  description: "Architecture, data flows and edge cases walked through with the customer's engineers (high complexity).",
  offset_days: 0,
  owner_role: "solutions_engineer",
  estimated_hours: 24,
};
const PHASED_ROLLOUT: TemplateMilestone = {
  name: "Phased Rollout",
  description: "Teams onboarded in waves rather than all at once (more than 50 people).",
  offset_days: 0,
  owner_role: "customer_admin",
  estimated_hours: 12,
};

export interface TemplateChoice {
  template: Template;
  milestones: TemplateMilestone[];
  reasons: string[];
}

/**
 * The template for a tier, team size and complexity, with its adjustments: high complexity
 * inserts a Technical Deep Dive before first value and moves first value and what follows a
 * week later; a standard-template team above 50 gets a Phased Rollout a week after the last milestone.
 */
export function chooseTemplate(tier: Tier, teamSize: number, complexity: Complexity): TemplateChoice {
  const reasons: string[] = [];
  let template: Template;
  if (tier === "enterprise" || teamSize > 250) {
    template = TEMPLATES[1] as Template;
    reasons.push(tier === "enterprise" ? "enterprise tier" : `team of ${teamSize} is larger than 250`);
  } else if ((tier === "starter" || tier === "standard") && teamSize <= 25 && complexity === "low") {
    template = TEMPLATES[0] as Template;
    reasons.push(`${tier} tier, team of ${teamSize} (at most 25), low complexity`);
  } else {
    template = TEMPLATES[2] as Template;
    reasons.push(`${tier} tier, team of ${teamSize}, ${complexity} complexity: neither quick start nor enterprise`);
  }
  let milestones = template.milestones.map((m) => ({ ...m }));
  if (complexity === "high") {
    const at = milestones.findIndex((m) => m.first_value);
    const before = at > 0 ? (milestones[at - 1] as TemplateMilestone).offset_days : 0;
    milestones = [
      ...milestones.slice(0, at),
      { ...TECHNICAL_DEEP_DIVE, offset_days: before + 7 },
      ...milestones.slice(at).map((m) => ({ ...m, offset_days: m.offset_days + 7 })),
    ];
    reasons.push("high complexity: Technical Deep Dive added before first value, which moves a week later");
  }
  if (template.key === "standard" && teamSize > 50) {
    const last = milestones.at(-1) as TemplateMilestone;
    milestones.push({ ...PHASED_ROLLOUT, offset_days: last.offset_days + 7 });
    reasons.push(`team of ${teamSize} is larger than 50: Phased Rollout added`);
  }
  return { template, milestones, reasons };
}

export interface ExplicitMilestone {
  name: string;
  description?: string;
  due_date: string;
  owner: string;
  estimated_hours?: number;
  first_value?: boolean;
}

export interface NewPlan {
  client_id: string;
  tier?: Tier;
  team_size: number;
  complexity: Complexity;
  goals: string[];
  success_criteria?: string[];
  start_date?: string;
  /** Who fills each owner role; the CSM and customer admin default to the account's CSM and primary contact. */
  owners?: Partial<Record<OwnerRole, string>>;
  milestones?: ExplicitMilestone[];
  time_to_value_target_days?: number;
}

export const DEFAULT_SUCCESS_CRITERIA = [
  "Every licensed admin has logged in and completed core training",
  "The main integration is live in production",
  "The first success criterion agreed at kickoff is met",
];

export interface Milestone {
  milestone_id: string;
  plan_id: string;
  sequence: number;
  name: string;
  description: string;
  owner: string;
  due_date: string;
  estimated_hours: number;
  first_value: boolean;
  status: MilestoneStatus;
  blocker: string | null;
  completed_on: string | null;
  /** Not completed or skipped, and due before today (or before `as_of` in progress reports). */
  overdue: boolean;
  days_overdue: number;
}

export interface Plan {
  plan_id: string;
  client_id: string;
  client_name: string;
  template: string;
  tier: Tier;
  team_size: number;
  complexity: Complexity;
  goals: string[];
  success_criteria: string[];
  status: PlanStatus;
  start_date: string;
  target_date: string;
  time_to_value_target_days: number;
  completed_on: string | null;
  total_estimated_hours: number;
  created_at: string;
  milestones: Milestone[];
}

type PlanRow = typeof onboardingPlans.$inferSelect;
type MilestoneRow = typeof onboardingMilestones.$inferSelect;

const DAY_MS = 86_400_000;

export function addDaysTo(date: string, days: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + days * DAY_MS).toISOString().slice(0, 10);
}

export function daysBetween(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / DAY_MS);
}

function todayOf(now: Date): string {
  return now.toISOString().slice(0, 10);
}

/** A milestone as it stood on `asOf`: completed only if completed on or before that day. */
function toMilestone(row: MilestoneRow, asOf: string): Milestone {
  const doneByThen = (row.status === "completed" && row.completedOn !== null && row.completedOn <= asOf) || row.status === "skipped";
  const status: MilestoneStatus = row.status === "completed" && !doneByThen ? "in_progress" : row.status;
  const overdue = !doneByThen && row.dueDate < asOf;
  return {
    milestone_id: row.id,
    plan_id: row.planId,
    sequence: row.sequence,
    name: row.name,
    description: row.description,
    owner: row.owner,
    due_date: row.dueDate,
    estimated_hours: row.estimatedHours,
    first_value: row.firstValue,
    status,
    blocker: row.blocker,
    completed_on: doneByThen ? row.completedOn : null,
    overdue,
    days_overdue: overdue ? daysBetween(row.dueDate, asOf) : 0,
  };
}

function toPlan(row: PlanRow, clientName: string, milestoneRows: MilestoneRow[], asOf: string): Plan {
  const milestones = milestoneRows.map((m) => toMilestone(m, asOf));
  return {
    plan_id: row.id,
    client_id: row.accountId,
    client_name: clientName,
    template: row.template,
    tier: row.tier,
    team_size: row.teamSize,
    complexity: row.complexity,
    goals: JSON.parse(row.goals) as string[],
    success_criteria: JSON.parse(row.successCriteria) as string[],
    status: row.status === "completed" && row.completedOn !== null && row.completedOn > asOf ? "in_progress" : row.status,
    start_date: row.startDate,
    target_date: row.targetDate,
    time_to_value_target_days: row.timeToValueTargetDays,
    completed_on: row.completedOn !== null && row.completedOn <= asOf ? row.completedOn : null,
    total_estimated_hours: milestones.reduce((sum, m) => sum + m.estimated_hours, 0),
    created_at: row.createdAt,
    milestones,
  };
}

function ownerFor(role: OwnerRole, account: Account, owners: Partial<Record<OwnerRole, string>>): string {
  const named = owners[role];
  if (named) return named;
  if (role === "csm" && account.csm_assigned) return account.csm_assigned;
  if (role === "customer_admin" && account.primary_contact_email) return account.primary_contact_email;
  return role;
}

export function createPlan(db: TenantDb, input: NewPlan, actor: string, now = new Date()): { plan: Plan; template_reasons: string[] } {
  const account = requireAccount(db, input.client_id, now);
  // A plan on hold is still the account's plan: a second one would split its milestones and risks.
  const open = db
    .select({ id: onboardingPlans.id, status: onboardingPlans.status })
    .from(onboardingPlans)
    .where(and(eq(onboardingPlans.accountId, account.client_id), inArray(onboardingPlans.status, ["in_progress", "on_hold"])))
    .get();
  if (open?.status === "in_progress") {
    throw new AccountError(
      "conflict",
      `client_id: the account already has onboarding plan ${open.id} in progress; finish its milestones (update_onboarding_milestone) or cancel it (update_onboarding_plan, status cancelled) before creating another.`,
    );
  }
  if (open) {
    throw new AccountError(
      "conflict",
      `client_id: the account's onboarding plan ${open.id} is on hold; resume it (update_onboarding_plan, status in_progress) or cancel it (status cancelled) before creating another.`,
    );
  }
  const start = input.start_date ?? todayOf(now);
  const tier = input.tier ?? account.tier;
  let template = "custom";
  let reasons: string[];
  let specs: { name: string; description: string; due_date: string; owner: string; estimated_hours: number; first_value: boolean }[];
  if (input.milestones && input.milestones.length > 0) {
    reasons = ["explicit milestones given"];
    const firstValues = input.milestones.filter((m) => m.first_value).length;
    if (firstValues > 1) throw new AccountError("invalid", "milestones: at most one milestone may have first_value true.");
    input.milestones.forEach((m, i) => {
      if (m.due_date < start) throw new AccountError("invalid", `milestones.${i}.due_date (${m.due_date}) is before start_date (${start}); send a due date on or after the start.`);
    });
    specs = [...input.milestones]
      .sort((a, b) => (a.due_date < b.due_date ? -1 : a.due_date > b.due_date ? 1 : 0))
      .map((m) => ({
        name: m.name,
        description: m.description ?? "",
        due_date: m.due_date,
        owner: m.owner,
        estimated_hours: m.estimated_hours ?? 0,
        first_value: m.first_value ?? false,
      }));
  } else {
    const choice = chooseTemplate(tier, input.team_size, input.complexity);
    template = choice.template.key;
    reasons = choice.reasons;
    specs = choice.milestones.map((m) => ({
      name: m.name,
      description: m.description,
      due_date: addDaysTo(start, m.offset_days),
      owner: ownerFor(m.owner_role, account, input.owners ?? {}),
      estimated_hours: m.estimated_hours,
      first_value: m.first_value ?? false,
    }));
  }
  const firstValue = specs.find((m) => m.first_value);
  const ttvTarget = input.time_to_value_target_days ?? (firstValue ? daysBetween(start, firstValue.due_date) : daysBetween(start, (specs.at(-1) as { due_date: string }).due_date));
  const targetDate = (specs.at(-1) as { due_date: string }).due_date;
  const at = now.toISOString();
  const planRow: PlanRow = {
    id: newId("onb"),
    accountId: account.client_id,
    template,
    tier,
    teamSize: input.team_size,
    complexity: input.complexity,
    goals: JSON.stringify(input.goals),
    successCriteria: JSON.stringify(input.success_criteria?.length ? input.success_criteria : DEFAULT_SUCCESS_CRITERIA),
    status: "in_progress",
    startDate: start,
    targetDate: targetDate < start ? start : targetDate,
    timeToValueTargetDays: ttvTarget,
    completedOn: null,
    createdBy: actor,
    createdAt: at,
    updatedAt: at,
  };
  db.insert(onboardingPlans).values(planRow).run();
  const milestoneRows: MilestoneRow[] = specs.map((m, i) => ({
    id: newId("ms"),
    planId: planRow.id,
    accountId: account.client_id,
    sequence: i + 1,
    name: m.name,
    description: m.description,
    owner: m.owner,
    dueDate: m.due_date,
    estimatedHours: m.estimated_hours,
    firstValue: m.first_value,
    status: "not_started",
    blocker: null,
    completedOn: null,
    createdAt: at,
    updatedAt: at,
  }));
  for (const row of milestoneRows) db.insert(onboardingMilestones).values(row).run();
  appendEvent(
    db,
    account.client_id,
    actor,
    {
      event_type: "onboarding",
      title: `Onboarding plan created (${template})`,
      description: `${milestoneRows.length} milestones from ${start} to ${planRow.targetDate}; time-to-value target ${ttvTarget} days.`,
      impact: "positive",
      metadata: { plan_id: planRow.id, template, milestones: milestoneRows.length },
    },
    now,
  );
  return { plan: toPlan(planRow, account.client_name, milestoneRows, todayOf(now)), template_reasons: reasons };
}

function planRows(db: TenantDb, planId: string): { plan: PlanRow; milestones: MilestoneRow[] } | null {
  const plan = db.select().from(onboardingPlans).where(eq(onboardingPlans.id, planId)).get();
  if (!plan) return null;
  const milestones = db.select().from(onboardingMilestones).where(eq(onboardingMilestones.planId, planId)).orderBy(asc(onboardingMilestones.sequence)).all();
  return { plan, milestones };
}

/** The plan by id, or the account's latest plan. */
export function findPlan(db: TenantDb, query: { plan_id?: string; client_id?: string }, asOf: string, now = new Date()): Plan {
  let planId = query.plan_id;
  if (!planId) {
    if (!query.client_id) throw new AccountError("invalid", "Name the plan: pass plan_id, or client_id for the account's latest plan.");
    requireAccount(db, query.client_id, now);
    const latest = db
      .select({ id: onboardingPlans.id })
      .from(onboardingPlans)
      .where(eq(onboardingPlans.accountId, query.client_id))
      .orderBy(desc(onboardingPlans.createdAt), desc(onboardingPlans.id))
      .get();
    if (!latest) throw new AccountError("not_found", `client_id: account "${query.client_id}" has no onboarding plan; create one with create_onboarding_plan.`);
    planId = latest.id;
  }
  const found = planRows(db, planId);
  if (!found || (query.client_id && found.plan.accountId !== query.client_id)) {
    throw new AccountError("not_found", `No onboarding plan with plan_id "${planId}"${query.client_id ? ` on account "${query.client_id}"` : ""} in this workspace; get_onboarding_progress with client_id shows the account's plan.`);
  }
  const account = requireAccount(db, found.plan.accountId, now);
  return toPlan(found.plan, account.client_name, found.milestones, asOf);
}

/** Every plan of an account, newest first (for the journey). */
export function accountPlans(db: TenantDb, accountId: string, asOf: string, clientName: string): Plan[] {
  const plans = db.select().from(onboardingPlans).where(eq(onboardingPlans.accountId, accountId)).orderBy(asc(onboardingPlans.startDate)).all();
  return plans.map((plan) =>
    toPlan(
      plan,
      clientName,
      db.select().from(onboardingMilestones).where(eq(onboardingMilestones.planId, plan.id)).orderBy(asc(onboardingMilestones.sequence)).all(),
      asOf,
    ),
  );
}

/** Which status may follow which; completed is final, skipped may be reopened. */
const NEXT_STATUSES: Record<MilestoneStatus, readonly MilestoneStatus[]> = {
  not_started: ["in_progress", "completed", "blocked", "skipped"],
  in_progress: ["not_started", "completed", "blocked", "skipped"],
  blocked: ["not_started", "in_progress", "completed", "skipped"],
  skipped: ["not_started"],
  completed: [],
};

export interface MilestoneChanges {
  status?: MilestoneStatus;
  /** The day it was completed (default today); only with status completed. */
  completed_on?: string;
  due_date?: string;
  owner?: string;
  blocker?: string;
}

export function updateMilestone(
  db: TenantDb,
  milestoneId: string,
  changes: MilestoneChanges,
  actor: string,
  now = new Date(),
): { milestone: Milestone; plan: Plan; changed: string[]; plan_completed: boolean } {
  const row = db.select().from(onboardingMilestones).where(eq(onboardingMilestones.id, milestoneId)).get();
  if (!row) throw new AccountError("not_found", `No onboarding milestone with milestone_id "${milestoneId}" in this workspace; get_onboarding_progress lists a plan's milestones.`);
  const plan = db.select().from(onboardingPlans).where(eq(onboardingPlans.id, row.planId)).get() as PlanRow;
  const today = todayOf(now);
  if (plan.status === "on_hold") {
    throw new AccountError("conflict", `milestone_id: plan ${plan.id} is on hold; its milestones do not change until it is resumed with update_onboarding_plan (status in_progress).`);
  }
  if (plan.status !== "in_progress") {
    throw new AccountError(
      "conflict",
      `milestone_id: plan ${plan.id} is ${plan.status}${plan.completedOn ? ` (since ${plan.completedOn})` : ""}; its milestones no longer change. Create a new plan for further onboarding.`,
    );
  }
  if (changes.completed_on !== undefined && changes.status !== "completed") {
    throw new AccountError("invalid", "completed_on: only with status completed; send status \"completed\" as well.");
  }
  const patch: Partial<MilestoneRow> = {};
  const changed: string[] = [];
  const events: { title: string; description: string; impact: "positive" | "negative" | "neutral"; metadata: Record<string, string | null> }[] = [];
  if (row.status === "completed") {
    throw new AccountError(
      "conflict",
      `status: milestone "${row.name}" is completed (on ${row.completedOn}), which is final; nothing was changed.`,
    );
  }
  if (changes.status !== undefined && changes.status !== row.status) {
    const allowed = NEXT_STATUSES[row.status];
    if (!allowed.includes(changes.status)) {
      throw new AccountError("conflict", `status: milestone "${row.name}" is ${row.status}; it can move to ${allowed.join(", ")}, not ${changes.status}.`);
    }
    patch.status = changes.status;
    changed.push("status");
    if (changes.status === "completed") {
      const on = changes.completed_on ?? today;
      if (on > today) throw new AccountError("invalid", `completed_on (${on}) is in the future; send today (${today}) or an earlier day.`);
      if (on < plan.startDate) throw new AccountError("invalid", `completed_on (${on}) is before the plan's start_date (${plan.startDate}).`);
      patch.completedOn = on;
      patch.blocker = null;
      const late = daysBetween(row.dueDate, on);
      events.push({
        title: `Onboarding milestone completed: ${row.name}`,
        description: late > 0 ? `Completed on ${on}, ${late} days after its due date ${row.dueDate}.` : `Completed on ${on} (due ${row.dueDate}).`,
        impact: "positive",
        metadata: { plan_id: plan.id, milestone_id: row.id, completed_on: on, due_date: row.dueDate },
      });
    }
    if (changes.status === "blocked") {
      if (!changes.blocker) throw new AccountError("invalid", "blocker: say what blocks the milestone when setting status blocked.");
      events.push({
        title: `Onboarding milestone blocked: ${row.name}`,
        description: changes.blocker,
        impact: "negative",
        metadata: { plan_id: plan.id, milestone_id: row.id },
      });
    }
    if (changes.status !== "blocked") patch.blocker = null;
  }
  if (changes.blocker !== undefined && (changes.status ?? row.status) === "blocked" && changes.blocker !== row.blocker) {
    patch.blocker = changes.blocker;
    if (!changed.includes("blocker")) changed.push("blocker");
  } else if (changes.blocker !== undefined && (changes.status ?? row.status) !== "blocked") {
    throw new AccountError("invalid", `blocker: only for a blocked milestone (this one is ${changes.status ?? row.status}); send status "blocked" with it.`);
  }
  if (changes.due_date !== undefined && changes.due_date !== row.dueDate) {
    if (changes.due_date < plan.startDate) throw new AccountError("invalid", `due_date (${changes.due_date}) is before the plan's start_date (${plan.startDate}).`);
    patch.dueDate = changes.due_date;
    changed.push("due_date");
    events.push({
      title: `Onboarding milestone rescheduled: ${row.name}`,
      description: `Due date moved from ${row.dueDate} to ${changes.due_date}.`,
      impact: changes.due_date > row.dueDate ? "negative" : "neutral",
      metadata: { plan_id: plan.id, milestone_id: row.id, from: row.dueDate, to: changes.due_date },
    });
  }
  if (changes.owner !== undefined && changes.owner !== row.owner) {
    patch.owner = changes.owner;
    changed.push("owner");
    events.push({
      title: `Onboarding milestone reassigned: ${row.name}`,
      description: `Owner changed from ${row.owner} to ${changes.owner}.`,
      impact: "neutral",
      metadata: { plan_id: plan.id, milestone_id: row.id, from: row.owner, to: changes.owner },
    });
  }
  let planCompleted = false;
  if (changed.length > 0) {
    patch.updatedAt = now.toISOString();
    db.update(onboardingMilestones).set(patch).where(eq(onboardingMilestones.id, row.id)).run();
    for (const event of events) appendEvent(db, row.accountId, actor, { event_type: "onboarding", ...event }, now);
    const all = db.select().from(onboardingMilestones).where(eq(onboardingMilestones.planId, plan.id)).all();
    const done = all.every((m) => m.status === "completed" || m.status === "skipped") && all.some((m) => m.status === "completed");
    if (done) {
      const completedOn = all.reduce((latest, m) => (m.completedOn !== null && m.completedOn > latest ? m.completedOn : latest), plan.startDate);
      db.update(onboardingPlans).set({ status: "completed", completedOn, updatedAt: now.toISOString() }).where(eq(onboardingPlans.id, plan.id)).run();
      appendEvent(
        db,
        row.accountId,
        actor,
        {
          event_type: "onboarding",
          title: "Onboarding completed",
          description: `Every milestone of plan ${plan.id} is done; onboarding took ${daysBetween(plan.startDate, completedOn)} days (target date ${plan.targetDate}).`,
          impact: "positive",
          metadata: { plan_id: plan.id, completed_on: completedOn },
        },
        now,
      );
      planCompleted = true;
    }
  }
  const fresh = planRows(db, plan.id) as { plan: PlanRow; milestones: MilestoneRow[] };
  const account = requireAccount(db, plan.accountId, now);
  const full = toPlan(fresh.plan, account.client_name, fresh.milestones, today);
  return { milestone: full.milestones.find((m) => m.milestone_id === row.id) as Milestone, plan: full, changed, plan_completed: planCompleted };
}

// ---- progress ----------------------------------------------------------------------------

export interface UsageFirstValue {
  status: "reached" | "not_reached" | "no_data";
  reached_on: string | null;
  definition: string;
}

export interface RiskReason {
  severity: "medium" | "high";
  kind: "overdue_milestone" | "time_to_value_slipping" | "blocked_milestone" | "behind_schedule";
  message: string;
}

export interface Progress {
  as_of: string;
  plan: Plan;
  percent_complete: number;
  expected_percent_complete: number;
  milestones_total: number;
  milestones_completed: number;
  milestones_skipped: number;
  overdue_milestones: Milestone[];
  status: "completed" | "on_track" | "at_risk" | "delayed";
  risk_level: "low" | "medium" | "high";
  risks: RiskReason[];
  time_to_value: {
    target_days: number;
    target_date: string;
    status: "reached" | "projected";
    reached_on: string | null;
    /** How value was first seen: the first-value milestone's completion or the usage data. */
    reached_by: "milestone" | "usage" | null;
    days: number | null;
    projected_date: string | null;
    projected_days: number | null;
    /** Days beyond the target (actual or projected); 0 when within it. */
    slip_days: number;
    on_target: boolean;
    usage: UsageFirstValue;
  };
}

function round1(value: number): number {
  return Math.round(value * 10) / 10;
}

/**
 * Progress as of a day: % complete over the milestones not skipped; the share that should be
 * done by then; overdue and blocked milestones; time to value from the first-value milestone
 * and the usage data (the earlier of the two), projected when not reached yet; and the risks.
 */
export function planProgress(plan: Plan, asOf: string, usage: UsageFirstValue): Progress {
  const counted = plan.milestones.filter((m) => m.status !== "skipped");
  const completed = counted.filter((m) => m.status === "completed");
  const percent = counted.length === 0 ? 100 : round1((completed.length / counted.length) * 100);
  const dueByNow = counted.filter((m) => m.due_date <= asOf).length;
  const expected = counted.length === 0 ? 100 : round1((dueByNow / counted.length) * 100);
  const overdue = plan.milestones.filter((m) => m.overdue);
  const risks: RiskReason[] = [];
  for (const m of overdue) {
    risks.push({
      severity: m.days_overdue > HIGH_RISK_SLIP_DAYS ? "high" : "medium",
      kind: "overdue_milestone",
      message: `Milestone "${m.name}" (owner ${m.owner}) was due ${m.due_date}, ${m.days_overdue} day${m.days_overdue === 1 ? "" : "s"} ago, and is ${m.status}.`,
    });
  }
  for (const m of plan.milestones.filter((x) => x.status === "blocked")) {
    risks.push({ severity: "medium", kind: "blocked_milestone", message: `Milestone "${m.name}" is blocked: ${m.blocker ?? "no reason given"}.` });
  }

  const target = plan.time_to_value_target_days;
  const targetDate = addDaysTo(plan.start_date, target);
  const fv = plan.milestones.find((m) => m.first_value) ?? null;
  const candidates: { on: string; by: "milestone" | "usage" }[] = [];
  if (fv?.completed_on) candidates.push({ on: fv.completed_on, by: "milestone" });
  if (usage.status === "reached" && usage.reached_on !== null && usage.reached_on <= asOf) candidates.push({ on: usage.reached_on < plan.start_date ? plan.start_date : usage.reached_on, by: "usage" });
  candidates.sort((a, b) => (a.on < b.on ? -1 : a.on > b.on ? 1 : 0));
  const reached = candidates[0] ?? null;
  let ttv: Progress["time_to_value"];
  if (reached) {
    const days = daysBetween(plan.start_date, reached.on);
    ttv = {
      target_days: target,
      target_date: targetDate,
      status: "reached",
      reached_on: reached.on,
      reached_by: reached.by,
      days,
      projected_date: null,
      projected_days: null,
      slip_days: Math.max(0, days - target),
      on_target: days <= target,
      usage,
    };
  } else {
    // Not reached: value comes no earlier than the first-value milestone's due date, and no earlier than today.
    const due = fv?.due_date ?? plan.target_date;
    const projected = due > asOf ? due : asOf;
    const projectedDays = daysBetween(plan.start_date, projected);
    const slip = Math.max(0, projectedDays - target);
    ttv = {
      target_days: target,
      target_date: targetDate,
      status: "projected",
      reached_on: null,
      reached_by: null,
      days: null,
      projected_date: projected,
      projected_days: projectedDays,
      slip_days: slip,
      on_target: slip === 0,
      usage,
    };
    if (slip > 0) {
      risks.push({
        severity: slip > HIGH_RISK_SLIP_DAYS ? "high" : "medium",
        kind: "time_to_value_slipping",
        message: `Time to value is slipping: not reached after ${daysBetween(plan.start_date, asOf)} days; projected at ${projectedDays} days against a target of ${target} (${slip} days late).`,
      });
    }
  }
  if (plan.status === "in_progress" && expected - percent >= BEHIND_SCHEDULE_POINTS) {
    risks.push({
      severity: "medium",
      kind: "behind_schedule",
      message: `${percent}% complete where ${expected}% of the milestones were due by ${asOf}.`,
    });
  }
  const riskLevel = risks.some((r) => r.severity === "high") ? "high" : risks.length > 0 ? "medium" : "low";
  const status = plan.status === "completed" ? "completed" : riskLevel === "high" ? "delayed" : riskLevel === "medium" ? "at_risk" : "on_track";
  return {
    as_of: asOf,
    plan,
    percent_complete: percent,
    expected_percent_complete: expected,
    milestones_total: plan.milestones.length,
    milestones_completed: completed.length,
    milestones_skipped: plan.milestones.length - counted.length,
    overdue_milestones: overdue,
    status,
    risk_level: riskLevel,
    risks,
    time_to_value: ttv,
  };
}
