import { and, eq, inArray, sql } from "drizzle-orm";
import { AccountError, type TenantDb } from "./accounts";
import { daysBetween, HIGH_RISK_SLIP_DAYS } from "./onboarding";
import { insertTask } from "./tasks";
import { accounts, onboardingMilestones, onboardingPlans, settings, tasks } from "./tenant-schema";

/**
 * Onboarding automation (the seed's activate_onboarding_automation, which scheduled nothing):
 * the daily maintenance opens a task for the plan's owner for each milestone overdue by more
 * than `milestone_overdue_days`, and for each plan in progress with no activity for
 * `no_progress_days`. Each milestone gets at most one task (ever), each stall one task; the
 * task's dedupe key carries that, and opening it writes a timeline event on the account.
 */

export const AUTOMATION_SETTING_KEY = "onboarding.automation";
export const AUTOMATION_TASK_SOURCE = "onboarding_automation";

export interface OnboardingAutomationSettings {
  enabled: boolean;
  /** A milestone overdue by more than this many days gets a task. */
  milestone_overdue_days: number;
  /** A plan in progress with no change to it or its milestones for this many days gets a task. */
  no_progress_days: number;
}

export const DEFAULT_AUTOMATION: OnboardingAutomationSettings = { enabled: true, milestone_overdue_days: 2, no_progress_days: 5 };

export function readAutomationSettings(db: TenantDb): OnboardingAutomationSettings & { updated_by: string | null; updated_at: string | null } {
  const row = db.select().from(settings).where(eq(settings.key, AUTOMATION_SETTING_KEY)).get();
  if (!row) return { ...DEFAULT_AUTOMATION, updated_by: null, updated_at: null };
  return { ...DEFAULT_AUTOMATION, ...(JSON.parse(row.value) as Partial<OnboardingAutomationSettings>), updated_by: row.updatedBy, updated_at: row.updatedAt };
}

export function writeAutomationSettings(db: TenantDb, changes: Partial<OnboardingAutomationSettings>, actor: string, now = new Date()): OnboardingAutomationSettings & { updated_by: string | null; updated_at: string | null } {
  const { updated_by: _by, updated_at: _at, ...current } = readAutomationSettings(db);
  const next: OnboardingAutomationSettings = {
    enabled: changes.enabled ?? current.enabled,
    milestone_overdue_days: changes.milestone_overdue_days ?? current.milestone_overdue_days,
    no_progress_days: changes.no_progress_days ?? current.no_progress_days,
  };
  if (next.milestone_overdue_days < 0 || next.milestone_overdue_days > 90) throw new AccountError("invalid", "milestone_overdue_days is 0–90.");
  if (next.no_progress_days < 1 || next.no_progress_days > 90) throw new AccountError("invalid", "no_progress_days is 1–90.");
  const value = JSON.stringify(next);
  const at = now.toISOString();
  db.insert(settings)
    .values({ key: AUTOMATION_SETTING_KEY, value, updatedBy: actor, updatedAt: at })
    .onConflictDoUpdate({ target: settings.key, set: { value, updatedBy: actor, updatedAt: at } })
    .run();
  return { ...next, updated_by: actor, updated_at: at };
}

export interface AutomationRun {
  enabled: boolean;
  plans_checked: number;
  overdue_milestone_tasks: number;
  stalled_plan_tasks: number;
}

const OPEN_MILESTONE = ["not_started", "in_progress", "blocked"] as const;
const PAGE = 500;

/** The daily pass over the plans in progress (held, cancelled and completed plans are left alone). */
export function openOnboardingAutomationTasks(db: TenantDb, now: Date): AutomationRun {
  const config = readAutomationSettings(db);
  const run: AutomationRun = { enabled: config.enabled, plans_checked: 0, overdue_milestone_tasks: 0, stalled_plan_tasks: 0 };
  if (!config.enabled) return run;
  const today = now.toISOString().slice(0, 10);
  const taken = (key: string) => db.select({ id: tasks.id }).from(tasks).where(eq(tasks.dedupeKey, key)).get() !== undefined;
  let after = "";
  for (;;) {
    const plans = db
      .select({ id: onboardingPlans.id, accountId: onboardingPlans.accountId, startDate: onboardingPlans.startDate, updatedAt: onboardingPlans.updatedAt, createdBy: onboardingPlans.createdBy, name: accounts.name, csm: accounts.csmAssigned })
      .from(onboardingPlans)
      .innerJoin(accounts, eq(accounts.id, onboardingPlans.accountId))
      .where(and(eq(onboardingPlans.status, "in_progress"), sql`${onboardingPlans.id} > ${after}`))
      .orderBy(onboardingPlans.id)
      .limit(PAGE)
      .all();
    for (const plan of plans) {
      run.plans_checked++;
      // The plan's owner: the account's CSM, else whoever created the plan.
      const owner = plan.csm ?? plan.createdBy;
      const milestones = db.select().from(onboardingMilestones).where(eq(onboardingMilestones.planId, plan.id)).all();
      for (const m of milestones) {
        if (!(OPEN_MILESTONE as readonly string[]).includes(m.status)) continue;
        const late = daysBetween(m.dueDate, today);
        if (late <= config.milestone_overdue_days) continue;
        const key = `onboarding:milestone:${m.id}`;
        if (taken(key)) continue;
        const because = `Milestone "${m.name}" (owner ${m.owner}) of onboarding plan ${plan.id} was due ${m.dueDate}, ${late} days ago, and is ${m.status}; the automation opens a task after ${config.milestone_overdue_days} days overdue.`;
        insertTask(
          db,
          {
            client_id: plan.accountId,
            title: `Onboarding milestone overdue: ${m.name} (${plan.name})`,
            description: `${because} Complete it, unblock it or reschedule it with update_onboarding_milestone.`,
            owner,
            due_date: today,
            priority: late > HIGH_RISK_SLIP_DAYS ? "high" : "medium",
          },
          "system",
          { source: AUTOMATION_TASK_SOURCE, dedupeKey: key, eventDescription: because, eventMetadata: { plan_id: plan.id, milestone_id: m.id, rule: "milestone_overdue" } },
          now,
        );
        run.overdue_milestone_tasks++;
      }
      // Progress: the latest change to the plan or any of its milestones, and never before the start.
      const lastChange = milestones.reduce((latest, m) => (m.updatedAt > latest ? m.updatedAt : latest), plan.updatedAt).slice(0, 10);
      const lastProgress = lastChange > plan.startDate ? lastChange : plan.startDate;
      const idle = daysBetween(lastProgress, today);
      if (idle >= config.no_progress_days && milestones.some((m) => (OPEN_MILESTONE as readonly string[]).includes(m.status))) {
        const key = `onboarding:stalled:${plan.id}:${lastProgress}`;
        if (!taken(key)) {
          const because = `Onboarding plan ${plan.id} has had no progress for ${idle} days (last change ${lastProgress}); the automation opens a task after ${config.no_progress_days} days.`;
          insertTask(
            db,
            {
              client_id: plan.accountId,
              title: `Onboarding stalled: ${plan.name}`,
              description: `${because} Check in with the customer and update the plan's milestones.`,
              owner,
              due_date: today,
              priority: "medium",
            },
            "system",
            { source: AUTOMATION_TASK_SOURCE, dedupeKey: key, eventDescription: because, eventMetadata: { plan_id: plan.id, rule: "no_progress" } },
            now,
          );
          run.stalled_plan_tasks++;
        }
      }
    }
    if (plans.length < PAGE) break;
    after = plans.at(-1)?.id ?? after;
  }
  return run;
}

/** Tasks the automation opened that are still open. */
export function openAutomationTaskCount(db: TenantDb): number {
  return (
    db
      .select({ n: sql<number>`count(*)` })
      .from(tasks)
      .where(and(eq(tasks.source, AUTOMATION_TASK_SOURCE), inArray(tasks.status, ["open", "in_progress"])))
      .get()?.n ?? 0
  );
}
