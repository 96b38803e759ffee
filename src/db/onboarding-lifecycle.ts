import { and, asc, eq, inArray, ne, sql } from "drizzle-orm";
import { AccountError, appendEvent, type TenantDb } from "./accounts";
import { daysBetween, findPlan, type Plan, type PlanStatus } from "./onboarding";
import { onboardingMilestones, onboardingPlanStatusChanges, onboardingPlans } from "./tenant-schema";

/**
 * An onboarding plan's lifecycle beyond completion: put on hold, resumed, or cancelled, each
 * with a reason, kept in `onboarding_plan_status_changes` and on the account's timeline.
 * Completed and cancelled are final; a request that would not change anything is refused with
 * the plan's current state, never answered as a success.
 */

export const PLAN_STATUS_CHANGES = ["in_progress", "on_hold", "cancelled"] as const;
export type PlanStatusChange = (typeof PLAN_STATUS_CHANGES)[number];

export interface StatusChange {
  from_status: PlanStatus;
  to_status: PlanStatus;
  reason: string;
  shifted_days: number;
  changed_by: string;
  changed_at: string;
}

export interface PlanStatusUpdate {
  status: PlanStatusChange;
  reason: string;
  /** On resume: move the open milestones' due dates (and the target date) later by the days on hold. Default true. */
  extend_due_dates?: boolean;
}

const ALLOWED: Record<PlanStatus, readonly PlanStatusChange[]> = {
  in_progress: ["on_hold", "cancelled"],
  on_hold: ["in_progress", "cancelled"],
  completed: [],
  cancelled: [],
};

const VERB: Record<PlanStatusChange, string> = { in_progress: "resumed", on_hold: "put on hold", cancelled: "cancelled" };

export function statusHistory(db: TenantDb, planId: string): StatusChange[] {
  return db
    .select()
    .from(onboardingPlanStatusChanges)
    .where(eq(onboardingPlanStatusChanges.planId, planId))
    .orderBy(asc(onboardingPlanStatusChanges.changedAt), asc(onboardingPlanStatusChanges.id))
    .all()
    .map((row) => ({
      from_status: row.fromStatus,
      to_status: row.toStatus,
      reason: row.reason,
      shifted_days: row.shiftedDays,
      changed_by: row.changedBy,
      changed_at: row.changedAt,
    }));
}

function describeCurrent(plan: typeof onboardingPlans.$inferSelect, last: StatusChange | undefined): string {
  if (plan.status === "completed") return `completed on ${plan.completedOn ?? plan.updatedAt.slice(0, 10)}`;
  if (plan.status === "in_progress") return last ? `in progress (resumed ${last.changed_at.slice(0, 10)})` : "in progress";
  const since = last ? ` since ${last.changed_at.slice(0, 10)}` : "";
  const reason = last ? ` (reason: ${last.reason})` : "";
  return `${plan.status === "on_hold" ? "on hold" : "cancelled"}${since}${reason}`;
}

export function updatePlanStatus(
  db: TenantDb,
  planId: string,
  update: PlanStatusUpdate,
  actor: string,
  now = new Date(),
): { plan: Plan; previous_status: PlanStatus; status_history: StatusChange[]; shifted_days: number } {
  const row = db.select().from(onboardingPlans).where(eq(onboardingPlans.id, planId)).get();
  if (!row) throw new AccountError("not_found", `plan_id: no onboarding plan "${planId}" in this workspace; get_onboarding_progress with client_id shows an account's plan.`);
  const history = statusHistory(db, planId);
  const current = describeCurrent(row, history.at(-1));
  if (row.status === update.status) {
    throw new AccountError("conflict", `status: plan ${planId} is already ${current}; nothing was changed.`);
  }
  const allowed = ALLOWED[row.status];
  if (!allowed.includes(update.status)) {
    throw new AccountError(
      "conflict",
      allowed.length === 0
        ? `status: plan ${planId} is ${current}, which is final; nothing was changed. Create a new plan with create_onboarding_plan for further onboarding.`
        : `status: plan ${planId} is ${current}; it can move to ${allowed.join(" or ")}, not ${update.status}.`,
    );
  }
  const today = now.toISOString().slice(0, 10);
  let shifted = 0;
  if (update.status === "in_progress") {
    const other = db
      .select({ id: onboardingPlans.id })
      .from(onboardingPlans)
      .where(and(eq(onboardingPlans.accountId, row.accountId), eq(onboardingPlans.status, "in_progress"), ne(onboardingPlans.id, planId)))
      .get();
    if (other) throw new AccountError("conflict", `status: account ${row.accountId} already has plan ${other.id} in progress; cancel or hold it before resuming ${planId}.`);
    const heldSince = history.filter((h) => h.to_status === "on_hold").at(-1)?.changed_at.slice(0, 10) ?? today;
    if (update.extend_due_dates !== false) shifted = Math.max(0, daysBetween(heldSince, today));
    if (shifted > 0) {
      db.update(onboardingMilestones)
        .set({ dueDate: sql`date(${onboardingMilestones.dueDate}, ${`+${shifted} days`})`, updatedAt: now.toISOString() })
        .where(and(eq(onboardingMilestones.planId, planId), inArray(onboardingMilestones.status, ["not_started", "in_progress", "blocked"])))
        .run();
    }
  }
  db.update(onboardingPlans)
    .set({
      status: update.status,
      ...(shifted > 0 ? { targetDate: sql`date(${onboardingPlans.targetDate}, ${`+${shifted} days`})` } : {}),
      updatedAt: now.toISOString(),
    })
    .where(eq(onboardingPlans.id, planId))
    .run();
  db.insert(onboardingPlanStatusChanges)
    .values({ planId, accountId: row.accountId, fromStatus: row.status, toStatus: update.status, reason: update.reason, shiftedDays: shifted, changedBy: actor, changedAt: now.toISOString() })
    .run();
  appendEvent(
    db,
    row.accountId,
    actor,
    {
      event_type: "onboarding",
      title: `Onboarding plan ${VERB[update.status]}`,
      description: `${update.reason}${shifted > 0 ? ` Open milestones and the target date moved ${shifted} day${shifted === 1 ? "" : "s"} later (time on hold).` : ""}`,
      impact: update.status === "in_progress" ? "positive" : "negative",
      metadata: { plan_id: planId, from: row.status, to: update.status, shifted_days: shifted },
    },
    now,
  );
  return { plan: findPlan(db, { plan_id: planId }, today, now), previous_status: row.status, status_history: statusHistory(db, planId), shifted_days: shifted };
}
