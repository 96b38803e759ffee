import { and, eq, gte, inArray, lte, sql } from "drizzle-orm";
import type { TenantDb } from "./accounts";
import { addDaysTo, daysBetween, findPlan, planProgress, type Progress, type UsageFirstValue } from "./onboarding";
import { onboardingMilestones, onboardingPlanStatusChanges, onboardingPlans } from "./tenant-schema";

/**
 * The onboarding process over a period, from the tenant's real plans (the seed's
 * optimize_onboarding_process returned fixed numbers): how many onboardings completed and how
 * many were cancelled, time to value against each plan's own target, the milestones most often
 * overdue, and the plans in progress that are at risk now.
 */

export interface AnalysisOptions {
  period_days: number;
  min_completed_onboardings: number;
  include_in_progress: boolean;
  limit: number;
}

export interface Bottleneck {
  milestone: string;
  /** Times it was finished after its due date, or is still open past it. */
  times_overdue: number;
  /** Plans that had a milestone of this name (not skipped). */
  occurrences: number;
  overdue_share: number;
  average_days_late: number;
  max_days_late: number;
  still_open_overdue: number;
}

export interface PlanAtRisk {
  plan_id: string;
  client_id: string;
  client_name: string;
  start_date: string;
  percent_complete: number;
  expected_percent_complete: number;
  status: Progress["status"];
  risk_level: Progress["risk_level"];
  overdue_milestones: number;
  time_to_value_slip_days: number;
  risks: string[];
}

export interface DaysStats {
  median_days: number;
  average_days: number;
  median_target_days: number;
  average_target_days: number;
  /** Median of (actual − target) per plan; negative is ahead of target. */
  median_variance_days: number;
  on_target: number;
  late: number;
}

export interface OnboardingAnalysis {
  period: { from: string; to: string; days: number };
  enough_data: boolean;
  message: string;
  min_completed_onboardings: number;
  completed: number;
  cancelled: number;
  started: number;
  in_progress: number;
  on_hold: number;
  /** completed / (completed + cancelled) over the plans that ended in the period. */
  completion_rate: number | null;
  time_to_value: (DaysStats & { measured_by: string }) | null;
  duration: DaysStats | null;
  bottlenecks: Bottleneck[] | null;
  at_risk: PlanAtRisk[];
  in_progress_judged: number;
}

function round(value: number, digits = 1): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

function stats(pairs: readonly { actual: number; target: number }[]): DaysStats {
  const actual = pairs.map((p) => p.actual);
  const target = pairs.map((p) => p.target);
  return {
    median_days: round(median(actual)),
    average_days: round(actual.reduce((s, v) => s + v, 0) / pairs.length),
    median_target_days: round(median(target)),
    average_target_days: round(target.reduce((s, v) => s + v, 0) / pairs.length),
    median_variance_days: round(median(pairs.map((p) => p.actual - p.target))),
    on_target: pairs.filter((p) => p.actual <= p.target).length,
    late: pairs.filter((p) => p.actual > p.target).length,
  };
}

/** `usageOf` gives the usage engine's first value for an account (the Tenant object reads it). */
export function analyzeOnboarding(db: TenantDb, options: AnalysisOptions, usageOf: (accountId: string, asOf: string) => UsageFirstValue, now = new Date()): OnboardingAnalysis {
  const to = now.toISOString().slice(0, 10);
  const from = addDaysTo(to, -options.period_days);
  const completedRows = db
    .select()
    .from(onboardingPlans)
    .where(and(eq(onboardingPlans.status, "completed"), gte(onboardingPlans.completedOn, from), lte(onboardingPlans.completedOn, to)))
    .all();
  // A cancellation's day is its status change (or, for plans cancelled before that was kept, the last update).
  const cancelled = db
    .select({ id: onboardingPlans.id })
    .from(onboardingPlans)
    .where(
      and(
        eq(onboardingPlans.status, "cancelled"),
        sql`coalesce((SELECT max(${onboardingPlanStatusChanges.changedAt}) FROM ${onboardingPlanStatusChanges} WHERE ${onboardingPlanStatusChanges.planId} = ${onboardingPlans.id} AND ${onboardingPlanStatusChanges.toStatus} = 'cancelled'), ${onboardingPlans.updatedAt}) >= ${from}`,
      ),
    )
    .all().length;
  const started = db
    .select({ n: sql<number>`count(*)` })
    .from(onboardingPlans)
    .where(and(gte(onboardingPlans.startDate, from), lte(onboardingPlans.startDate, to)))
    .get()?.n ?? 0;
  const openCounts = db
    .select({ status: onboardingPlans.status, n: sql<number>`count(*)` })
    .from(onboardingPlans)
    .where(inArray(onboardingPlans.status, ["in_progress", "on_hold"]))
    .groupBy(onboardingPlans.status)
    .all();
  const countOf = (status: string) => openCounts.find((r) => r.status === status)?.n ?? 0;

  // Plans in progress, judged as of today with the same rules as get_onboarding_progress.
  const atRisk: PlanAtRisk[] = [];
  const openPlans = options.include_in_progress
    ? db.select({ id: onboardingPlans.id, accountId: onboardingPlans.accountId }).from(onboardingPlans).where(eq(onboardingPlans.status, "in_progress")).all()
    : [];
  for (const row of openPlans) {
    const p = planProgress(findPlan(db, { plan_id: row.id }, to, now), to, usageOf(row.accountId, to));
    if (p.risk_level === "low") continue;
    atRisk.push({
      plan_id: p.plan.plan_id,
      client_id: p.plan.client_id,
      client_name: p.plan.client_name,
      start_date: p.plan.start_date,
      percent_complete: p.percent_complete,
      expected_percent_complete: p.expected_percent_complete,
      status: p.status,
      risk_level: p.risk_level,
      overdue_milestones: p.overdue_milestones.length,
      time_to_value_slip_days: p.time_to_value.slip_days,
      risks: p.risks.map((r) => r.message),
    });
  }
  atRisk.sort((a, b) => (a.risk_level === b.risk_level ? b.time_to_value_slip_days - a.time_to_value_slip_days || b.overdue_milestones - a.overdue_milestones : a.risk_level === "high" ? -1 : 1));

  const completed = completedRows.length;
  const base = {
    period: { from, to, days: options.period_days },
    min_completed_onboardings: options.min_completed_onboardings,
    completed,
    cancelled,
    started,
    in_progress: countOf("in_progress"),
    on_hold: countOf("on_hold"),
    at_risk: atRisk.slice(0, options.limit),
    in_progress_judged: openPlans.length,
  };
  if (completed < options.min_completed_onboardings) {
    return {
      ...base,
      enough_data: false,
      message: `Not enough data: ${completed} onboarding${completed === 1 ? "" : "s"} completed between ${from} and ${to}, and at least ${options.min_completed_onboardings} are needed for completion rate, time to value and bottlenecks. Widen period_days or lower min_completed_onboardings.`,
      completion_rate: null,
      time_to_value: null,
      duration: null,
      bottlenecks: null,
    };
  }

  const planIds = completedRows.map((p) => p.id);
  const milestones = db
    .select()
    .from(onboardingMilestones)
    .where(inArray(onboardingMilestones.planId, [...planIds, ...openPlans.map((p) => p.id)]))
    .all();
  const byPlan = new Map<string, typeof milestones>();
  for (const m of milestones) byPlan.set(m.planId, [...(byPlan.get(m.planId) ?? []), m]);

  const ttv = completedRows.map((p) => {
    const fv = (byPlan.get(p.id) ?? []).find((m) => m.firstValue && m.status === "completed" && m.completedOn !== null);
    const reached = fv?.completedOn ?? (p.completedOn as string);
    return { actual: daysBetween(p.startDate, reached), target: p.timeToValueTargetDays };
  });
  const duration = completedRows.map((p) => ({ actual: daysBetween(p.startDate, p.completedOn as string), target: daysBetween(p.startDate, p.targetDate) }));

  const groups = new Map<string, { occurrences: number; late: number[]; open: number }>();
  for (const m of milestones) {
    if (m.status === "skipped") continue;
    const g = groups.get(m.name) ?? { occurrences: 0, late: [], open: 0 };
    g.occurrences++;
    if (m.status === "completed" && m.completedOn !== null) {
      if (m.completedOn > m.dueDate) g.late.push(daysBetween(m.dueDate, m.completedOn));
    } else if (m.dueDate < to) {
      g.late.push(daysBetween(m.dueDate, to));
      g.open++;
    }
    groups.set(m.name, g);
  }
  const bottlenecks = [...groups.entries()]
    .filter(([, g]) => g.late.length > 0)
    .map(([name, g]) => ({
      milestone: name,
      times_overdue: g.late.length,
      occurrences: g.occurrences,
      overdue_share: round(g.late.length / g.occurrences, 3),
      average_days_late: round(g.late.reduce((s, v) => s + v, 0) / g.late.length),
      max_days_late: Math.max(...g.late),
      still_open_overdue: g.open,
    }))
    .sort((a, b) => b.times_overdue - a.times_overdue || b.average_days_late - a.average_days_late || a.milestone.localeCompare(b.milestone))
    .slice(0, options.limit);

  const ended = completed + cancelled;
  return {
    ...base,
    enough_data: true,
    message: `${completed} onboarding${completed === 1 ? "" : "s"} completed and ${cancelled} cancelled between ${from} and ${to}.`,
    completion_rate: ended === 0 ? null : round(completed / ended, 3),
    time_to_value: { ...stats(ttv), measured_by: "days from the plan's start to its first-value milestone's completion (the plan's completion when it has none), against the plan's time_to_value_target_days" },
    duration: stats(duration),
    bottlenecks,
  };
}
