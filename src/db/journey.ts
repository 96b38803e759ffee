import { asc, eq } from "drizzle-orm";
import { requireAccount, type TenantDb } from "./accounts";
import { accountPlans, addDaysTo } from "./onboarding";
import { accountEvents, certifications, contracts, healthSnapshots, tickets } from "./tenant-schema";

/**
 * An account's journey from its real history: timeline events, onboarding milestones, health
 * band changes, tickets, certifications and contract renewals, laid on consecutive stages.
 *
 * Stages, in order, each ending where the next begins:
 * - onboarding: from the first contract's start until the first onboarding plan was completed
 *   (open while a plan is in progress; without a plan, the first 90 days);
 * - adoption: until 90 days before the first renewal date;
 * - renewal: the 90 days up to each renewal date (one stage per contract term);
 * - after a renewal, expansion when the next term's annual value is higher, else adoption again;
 * - churned: from the end of the last term when it churned or the account is churned.
 */

export const JOURNEY_STAGES = ["onboarding", "adoption", "renewal", "expansion", "churned"] as const;
export type JourneyStage = (typeof JOURNEY_STAGES)[number];
export const RENEWAL_WINDOW_DAYS = 90;
export const DEFAULT_ONBOARDING_DAYS = 90;

export interface JourneyItem {
  date: string;
  source: "timeline" | "milestone" | "health" | "ticket" | "certification" | "contract";
  title: string;
  detail: string;
}

export interface JourneyStageEntry {
  stage: JourneyStage;
  started_on: string;
  /** Null while the stage is the current one. */
  ended_on: string | null;
  days: number;
  /** How the boundaries were found. */
  basis: string;
  item_count: number;
  items: JourneyItem[];
}

export interface Journey {
  client_id: string;
  client_name: string;
  as_of: string;
  current_stage: JourneyStage;
  stages: JourneyStageEntry[];
  counts_by_source: Record<JourneyItem["source"], number>;
}

function day(iso: string): string {
  return iso.slice(0, 10);
}

function daysBetween(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000);
}

export function customerJourney(db: TenantDb, accountId: string, asOf: string, maxItemsPerStage: number, now = new Date()): Journey {
  const account = requireAccount(db, accountId, now);
  const terms = db.select().from(contracts).where(eq(contracts.accountId, accountId)).orderBy(asc(contracts.startDate)).all();
  const start = terms.length > 0 && (terms[0] as { startDate: string }).startDate < account.contract_start_date ? (terms[0] as { startDate: string }).startDate : account.contract_start_date;
  const plans = accountPlans(db, accountId, asOf, account.client_name);

  // Stage boundaries.
  const stages: { stage: JourneyStage; start: string; end: string | null; basis: string }[] = [];
  const firstPlan = plans[0];
  let onboardingEnd: string | null;
  let basis: string;
  if (firstPlan?.completed_on) {
    onboardingEnd = firstPlan.completed_on;
    basis = `until onboarding plan ${firstPlan.plan_id} was completed`;
  } else if (firstPlan && firstPlan.status === "in_progress") {
    onboardingEnd = null;
    basis = `onboarding plan ${firstPlan.plan_id} is in progress`;
  } else {
    onboardingEnd = addDaysTo(start, DEFAULT_ONBOARDING_DAYS);
    basis = `no completed onboarding plan: the first ${DEFAULT_ONBOARDING_DAYS} days`;
  }
  if (onboardingEnd !== null && onboardingEnd > asOf) onboardingEnd = null;
  const onboardingStart = firstPlan && firstPlan.start_date < start ? firstPlan.start_date : start;
  stages.push({ stage: "onboarding", start: onboardingStart, end: onboardingEnd, basis });

  const renewals =
    terms.length > 0
      ? terms.map((t, i) => ({ date: t.renewalDate, end: t.endDate, value: t.annualValue, status: t.renewalStatus, next: terms[i + 1] ?? null }))
      : [{ date: account.renewal_date, end: account.contract_end_date, value: account.contract_value, status: "not_started" as const, next: null }];
  let cursor = onboardingEnd;
  let afterStage: JourneyStage = "adoption";
  let afterBasis = "after onboarding, before the first renewal window";
  for (const renewal of renewals) {
    if (cursor === null || cursor > asOf) break;
    const windowStart = addDaysTo(renewal.date, -RENEWAL_WINDOW_DAYS);
    if (windowStart > cursor) stages.push({ stage: afterStage, start: cursor, end: windowStart > asOf ? null : windowStart, basis: afterBasis });
    if (windowStart > asOf) {
      cursor = null;
      break;
    }
    const renewalStart = windowStart > cursor ? windowStart : cursor;
    const closed = renewal.date <= asOf || renewal.status === "renewed" || renewal.status === "churned";
    stages.push({
      stage: "renewal",
      start: renewalStart,
      end: closed ? (renewal.date > asOf ? asOf : renewal.date) : null,
      basis: `the ${RENEWAL_WINDOW_DAYS} days before the renewal date ${renewal.date} (${renewal.status})`,
    });
    if (!closed) {
      cursor = null;
      break;
    }
    cursor = renewal.date > asOf ? asOf : renewal.date;
    if (renewal.status === "churned" || (renewal.next === null && account.status === "churned")) {
      stages.push({ stage: "churned", start: renewal.end < cursor ? cursor : renewal.end > asOf ? cursor : renewal.end, end: null, basis: "the term ended without renewal" });
      cursor = null;
      break;
    }
    if (renewal.next && renewal.next.annualValue > renewal.value) {
      afterStage = "expansion";
      afterBasis = `renewed at a higher annual value (${renewal.value} → ${renewal.next.annualValue})`;
    } else {
      afterStage = "adoption";
      afterBasis = renewal.next ? `renewed at ${renewal.next.annualValue} (no increase)` : "after the last recorded renewal";
    }
  }
  if (cursor !== null && cursor <= asOf) stages.push({ stage: afterStage, start: cursor, end: null, basis: afterBasis });
  if (account.status === "churned" && stages.at(-1)?.stage !== "churned") {
    const last = stages.at(-1);
    const churnedOn = day(account.updated_at) < asOf ? day(account.updated_at) : asOf;
    if (last) last.end = churnedOn < last.start ? last.start : churnedOn;
    stages.push({ stage: "churned", start: last?.end ?? churnedOn, end: null, basis: "the account's status is churned" });
  }

  // Items from every source.
  const items: JourneyItem[] = [];
  for (const e of db.select().from(accountEvents).where(eq(accountEvents.accountId, accountId)).all()) {
    items.push({ date: day(e.occurredAt), source: "timeline", title: e.title, detail: e.description });
  }
  for (const plan of plans) {
    items.push({ date: plan.start_date, source: "milestone", title: `Onboarding plan started (${plan.template})`, detail: `${plan.milestones.length} milestones, target ${plan.target_date}` });
    for (const m of plan.milestones) {
      if (m.completed_on) items.push({ date: m.completed_on, source: "milestone", title: `Milestone completed: ${m.name}`, detail: `due ${m.due_date}, owner ${m.owner}` });
      else if (m.overdue) items.push({ date: m.due_date, source: "milestone", title: `Milestone missed its due date: ${m.name}`, detail: `${m.status}, ${m.days_overdue} days overdue on ${asOf}` });
    }
  }
  let previousBand: string | null | undefined;
  for (const s of db.select().from(healthSnapshots).where(eq(healthSnapshots.accountId, accountId)).orderBy(asc(healthSnapshots.computedAt)).all()) {
    if (s.band === previousBand) continue;
    items.push({
      date: day(s.computedAt),
      source: "health",
      title: previousBand === undefined ? `First health score: ${s.band ?? "no data"}` : `Health moved from ${previousBand ?? "no data"} to ${s.band ?? "no data"}`,
      detail: s.score === null ? "no component had data" : `score ${Math.round(s.score * 10) / 10}`,
    });
    previousBand = s.band;
  }
  for (const t of db.select().from(tickets).where(eq(tickets.accountId, accountId)).all()) {
    items.push({ date: day(t.openedAt), source: "ticket", title: `Ticket opened (${t.priority}): ${t.subject}`, detail: `${t.category}, now ${t.status}` });
    if (t.solvedAt) items.push({ date: day(t.solvedAt), source: "ticket", title: `Ticket solved: ${t.subject}`, detail: t.slaBreached ? "SLA breached" : "within SLA" });
  }
  for (const c of db.select().from(certifications).where(eq(certifications.accountId, accountId)).all()) {
    items.push({ date: c.issuedOn, source: "certification", title: `Certified ${c.level}: ${c.email}`, detail: `score ${c.score}, valid until ${c.expiresOn}` });
    if (c.revokedOn) items.push({ date: c.revokedOn, source: "certification", title: `Certificate revoked: ${c.email} (${c.level})`, detail: c.revokeReason ?? "" });
  }
  for (const t of terms) {
    items.push({ date: t.startDate, source: "contract", title: "Contract term started", detail: `annual value ${t.annualValue}, renewal ${t.renewalDate}` });
    if (t.renewalStatus === "renewed" || t.renewalStatus === "churned") {
      items.push({ date: t.renewalDate, source: "contract", title: t.renewalStatus === "renewed" ? "Renewed" : "Did not renew", detail: `term ${t.startDate} – ${t.endDate}` });
    }
  }
  const visible = items.filter((i) => i.date <= asOf).sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : 0));
  const counts: Record<JourneyItem["source"], number> = { timeline: 0, milestone: 0, health: 0, ticket: 0, certification: 0, contract: 0 };
  for (const i of visible) counts[i.source] += 1;

  const entries: JourneyStageEntry[] = stages.map((s, index) => {
    const isFirst = index === 0;
    const isLast = index === stages.length - 1;
    const inStage = visible.filter((i) => (isFirst || i.date >= s.start) && (isLast || s.end === null || i.date < s.end));
    return {
      stage: s.stage,
      started_on: s.start,
      ended_on: s.end,
      days: daysBetween(s.start, s.end ?? asOf),
      basis: s.basis,
      item_count: inStage.length,
      items: inStage.slice(-maxItemsPerStage),
    };
  });
  return {
    client_id: account.client_id,
    client_name: account.client_name,
    as_of: asOf,
    current_stage: (entries.at(-1) as JourneyStageEntry).stage,
    stages: entries,
    counts_by_source: counts,
  };
}
