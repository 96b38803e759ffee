import { and, asc, desc, eq, sql } from "drizzle-orm";
import { AccountError, appendEvent, newId, requireAccount, type TenantDb } from "./accounts";
import { insertTask, type Task, type TaskPriority } from "./tasks";
import { accounts, advocacyActivities, advocates, businessReviews, contacts, touchpoints } from "./tenant-schema";

/**
 * The advocacy program (contacts earn points for case studies, references, reviews…, and climb
 * tiers) and executive business reviews (scheduled, then their outcome recorded: the meeting
 * becomes a touchpoint and each action item a task).
 */

export const ADVOCATE_TIERS = ["bronze", "silver", "gold", "platinum", "champion"] as const;
export type AdvocateTier = (typeof ADVOCATE_TIERS)[number];

/** Points multiplier and the points at which a tier is reached (the seed's program). */
export const TIER_RULES: Record<AdvocateTier, { multiplier: number; threshold: number }> = {
  bronze: { multiplier: 1, threshold: 0 },
  silver: { multiplier: 1.25, threshold: 500 },
  gold: { multiplier: 1.5, threshold: 1500 },
  platinum: { multiplier: 1.75, threshold: 3000 },
  champion: { multiplier: 2, threshold: 5000 },
};

export const ACTIVITY_POINTS = {
  case_study: 500,
  reference: 250,
  review: 300,
  testimonial: 150,
  speaking_engagement: 1000,
  referral: 400,
} as const;
export type ActivityType = keyof typeof ACTIVITY_POINTS;
export const ACTIVITY_TYPES = Object.keys(ACTIVITY_POINTS) as ActivityType[];

/** The highest tier whose threshold the points reach, never below `floor`. */
export function tierFor(points: number, floor: AdvocateTier): AdvocateTier {
  let tier: AdvocateTier = floor;
  for (const candidate of ADVOCATE_TIERS) {
    if (points >= TIER_RULES[candidate].threshold && ADVOCATE_TIERS.indexOf(candidate) > ADVOCATE_TIERS.indexOf(tier)) tier = candidate;
  }
  return tier;
}

export interface Advocate {
  advocate_id: string;
  client_id: string;
  client_name: string;
  contact_id: string;
  contact_name: string;
  contact_email: string | null;
  tier: AdvocateTier;
  points: number;
  activity_count: number;
  enrolled_at: string;
}

function readAdvocate(db: TenantDb, id: string): Advocate {
  const row = db
    .select({
      id: advocates.id,
      accountId: advocates.accountId,
      clientName: accounts.name,
      contactId: advocates.contactId,
      contactName: contacts.name,
      contactEmail: contacts.email,
      tier: advocates.tier,
      points: advocates.points,
      enrolledAt: advocates.enrolledAt,
      activities: sql<number>`(SELECT count(*) FROM advocacy_activities a WHERE a.advocate_id = ${advocates.id})`,
    })
    .from(advocates)
    .innerJoin(accounts, eq(accounts.id, advocates.accountId))
    .innerJoin(contacts, eq(contacts.id, advocates.contactId))
    .where(eq(advocates.id, id))
    .get();
  if (!row) throw new AccountError("not_found", `advocate_id: no advocate "${id}" in this workspace; get_advocacy_leaderboard lists them.`);
  return {
    advocate_id: row.id,
    client_id: row.accountId,
    client_name: row.clientName,
    contact_id: row.contactId,
    contact_name: row.contactName,
    contact_email: row.contactEmail,
    tier: row.tier,
    points: row.points,
    activity_count: row.activities,
    enrolled_at: row.enrolledAt,
  };
}

export function enrollAdvocate(db: TenantDb, input: { client_id: string; contact_id: string; tier?: AdvocateTier }, actor: string, now = new Date()): Advocate {
  requireAccount(db, input.client_id, now);
  const contact = db.select().from(contacts).where(eq(contacts.id, input.contact_id)).get();
  if (!contact || contact.accountId !== input.client_id) {
    throw new AccountError("not_found", `contact_id: no contact "${input.contact_id}" at account ${input.client_id}; the account's contacts are on get_client_overview or import them first.`);
  }
  if (contact.status !== "active") throw new AccountError("invalid", `contact_id: ${contact.name} has left the account; enroll an active contact.`);
  const existing = db.select({ id: advocates.id }).from(advocates).where(eq(advocates.contactId, contact.id)).get();
  if (existing) throw new AccountError("conflict", `contact_id: ${contact.name} is already an advocate (${existing.id}).`);
  const id = newId("adv");
  db.insert(advocates)
    .values({ id, accountId: input.client_id, contactId: contact.id, tier: input.tier ?? "bronze", points: 0, enrolledAt: now.toISOString(), enrolledBy: actor })
    .run();
  appendEvent(db, input.client_id, actor, { event_type: "communication", title: `${contact.name} joined the advocacy program`, description: `Enrolled at tier ${input.tier ?? "bronze"}.`, impact: "positive", metadata: { advocate_id: id } }, now);
  return readAdvocate(db, id);
}

export interface AdvocacyActivity {
  activity_id: string;
  advocate_id: string;
  activity_type: ActivityType;
  details: string;
  base_points: number;
  multiplier: number;
  points: number;
  occurred_at: string;
}

/** Records a contribution: base points for its type times the advocate's current tier multiplier. */
export function recordActivity(
  db: TenantDb,
  input: { advocate_id: string; activity_type: ActivityType; details: string; occurred_at?: string },
  actor: string,
  now = new Date(),
): { activity: AdvocacyActivity; advocate: Advocate; tier_changed: boolean } {
  const before = readAdvocate(db, input.advocate_id);
  const base = ACTIVITY_POINTS[input.activity_type];
  const multiplier = TIER_RULES[before.tier].multiplier;
  const points = Math.round(base * multiplier);
  const total = before.points + points;
  const tier = tierFor(total, before.tier);
  const activity: AdvocacyActivity = {
    activity_id: newId("act"),
    advocate_id: before.advocate_id,
    activity_type: input.activity_type,
    details: input.details,
    base_points: base,
    multiplier,
    points,
    occurred_at: input.occurred_at ?? now.toISOString(),
  };
  db.insert(advocacyActivities)
    .values({
      id: activity.activity_id,
      advocateId: before.advocate_id,
      accountId: before.client_id,
      activityType: activity.activity_type,
      details: activity.details,
      basePoints: base,
      multiplier,
      points,
      occurredAt: activity.occurred_at,
      recordedBy: actor,
    })
    .run();
  db.update(advocates).set({ points: total, tier }).where(eq(advocates.id, before.advocate_id)).run();
  appendEvent(
    db,
    before.client_id,
    actor,
    {
      event_type: "communication",
      title: `${before.contact_name}: ${input.activity_type.replaceAll("_", " ")}`,
      description: `${input.details} (+${points} points${tier !== before.tier ? `; now ${tier}` : ""})`,
      impact: "positive",
      metadata: { advocate_id: before.advocate_id, activity_id: activity.activity_id, points },
    },
    now,
  );
  return { activity, advocate: readAdvocate(db, before.advocate_id), tier_changed: tier !== before.tier };
}

export function advocacyLeaderboard(db: TenantDb, options: { limit: number; client_id?: string }): { advocates: (Advocate & { rank: number })[]; total_advocates: number; total_points: number } {
  const where = options.client_id ? eq(advocates.accountId, options.client_id) : undefined;
  const ids = db.select({ id: advocates.id }).from(advocates).where(where).orderBy(desc(advocates.points), asc(advocates.enrolledAt), asc(advocates.id)).limit(options.limit).all();
  const totals = db.select({ count: sql<number>`count(*)`, points: sql<number>`coalesce(sum(${advocates.points}), 0)` }).from(advocates).where(where).get();
  return {
    advocates: ids.map(({ id }, i) => ({ rank: i + 1, ...readAdvocate(db, id) })),
    total_advocates: totals?.count ?? 0,
    total_points: totals?.points ?? 0,
  };
}

// --- business reviews ---

export const REVIEW_TYPES = ["quarterly", "semi_annual", "annual", "ad_hoc", "renewal", "expansion"] as const;
export type ReviewType = (typeof REVIEW_TYPES)[number];

const DEFAULT_AGENDA: Record<ReviewType, string[]> = {
  quarterly: ["Results since the last review", "Health and adoption", "Open issues", "Goals for next quarter"],
  semi_annual: ["Progress against objectives", "Health and adoption", "Roadmap", "Goals for the next six months"],
  annual: ["Year in review", "Value delivered", "Strategic goals", "Partnership plan"],
  ad_hoc: ["Purpose of the meeting", "Discussion", "Next steps"],
  renewal: ["Value delivered this term", "Renewal terms", "Risks and concerns", "Next term's goals"],
  expansion: ["Current usage and value", "Expansion opportunity", "Business case", "Next steps"],
};

export interface Attendee {
  name: string;
  title?: string;
  side: "customer" | "vendor";
}

export interface BusinessReview {
  review_id: string;
  client_id: string;
  review_type: ReviewType;
  scheduled_for: string;
  duration_minutes: number;
  attendees: Attendee[];
  agenda: string[];
  objectives: string[];
  status: "scheduled" | "completed";
  summary: string | null;
  satisfaction_rating: number | null;
  next_review_date: string | null;
  completed_at: string | null;
}

type ReviewRow = typeof businessReviews.$inferSelect;

export function toReview(row: ReviewRow): BusinessReview {
  return {
    review_id: row.id,
    client_id: row.accountId,
    review_type: row.reviewType as ReviewType,
    scheduled_for: row.scheduledFor,
    duration_minutes: row.durationMinutes,
    attendees: JSON.parse(row.attendees) as Attendee[],
    agenda: JSON.parse(row.agenda) as string[],
    objectives: JSON.parse(row.objectives) as string[],
    status: row.status,
    summary: row.summary,
    satisfaction_rating: row.satisfactionRating,
    next_review_date: row.nextReviewDate,
    completed_at: row.completedAt,
  };
}

export function scheduleReview(
  db: TenantDb,
  input: { client_id: string; review_type: ReviewType; scheduled_for: string; duration_minutes: number; attendees: Attendee[]; agenda?: string[]; objectives: string[] },
  actor: string,
  now = new Date(),
): BusinessReview {
  const account = requireAccount(db, input.client_id, now);
  const at = new Date(input.scheduled_for);
  if (Number.isNaN(at.getTime()) || at.getTime() <= now.getTime()) {
    throw new AccountError("invalid", "scheduled_for: must be an ISO date-time in the future, e.g. 2030-01-31T15:00:00Z.");
  }
  const row: ReviewRow = {
    id: newId("ebr"),
    accountId: account.client_id,
    reviewType: input.review_type,
    scheduledFor: at.toISOString(),
    durationMinutes: input.duration_minutes,
    attendees: JSON.stringify(input.attendees),
    agenda: JSON.stringify(input.agenda && input.agenda.length > 0 ? input.agenda : DEFAULT_AGENDA[input.review_type]),
    objectives: JSON.stringify(input.objectives),
    status: "scheduled",
    summary: null,
    satisfactionRating: null,
    nextReviewDate: null,
    completedAt: null,
    createdBy: actor,
    createdAt: now.toISOString(),
  };
  db.insert(businessReviews).values(row).run();
  appendEvent(
    db,
    account.client_id,
    actor,
    { event_type: "communication", title: `Business review scheduled (${input.review_type.replace("_", "-")})`, description: `For ${row.scheduledFor}, ${input.duration_minutes} minutes.`, impact: "neutral", metadata: { review_id: row.id } },
    now,
  );
  return toReview(row);
}

export interface ActionItem {
  title: string;
  description?: string;
  owner?: string;
  due_date?: string;
  priority?: TaskPriority;
}

/**
 * Records what happened: the summary and rating, each action item as a task (source
 * "review:<id>"), and the meeting as a touchpoint. Answers the touched account so the caller
 * refreshes its health inputs in the same transaction.
 */
export function recordReviewOutcome(
  db: TenantDb,
  input: { review_id: string; summary: string; satisfaction_rating?: number; action_items: ActionItem[]; next_review_date?: string; held_at?: string },
  actor: string,
  now = new Date(),
): { review: BusinessReview; tasks: Task[] } {
  const row = db.select().from(businessReviews).where(eq(businessReviews.id, input.review_id)).get();
  if (!row) throw new AccountError("not_found", `review_id: no business review "${input.review_id}" in this workspace; schedule_business_review answers its id.`);
  if (row.status === "completed") throw new AccountError("conflict", `review_id: the outcome of ${row.id} was already recorded on ${row.completedAt}; record follow-ups as tasks.`);
  const heldAt = input.held_at ?? (row.scheduledFor < now.toISOString() ? row.scheduledFor : now.toISOString());
  if (heldAt > now.toISOString()) throw new AccountError("invalid", "held_at: a review's outcome can only be recorded once it has happened; give a time not in the future.");
  db.update(businessReviews)
    .set({
      status: "completed",
      summary: input.summary,
      satisfactionRating: input.satisfaction_rating ?? null,
      nextReviewDate: input.next_review_date ?? null,
      completedAt: now.toISOString(),
    })
    .where(and(eq(businessReviews.id, row.id), eq(businessReviews.status, "scheduled")))
    .run();
  const tasks = input.action_items.map((item) =>
    insertTask(
      db,
      { client_id: row.accountId, title: item.title, description: item.description ?? `Action item from the ${row.reviewType.replace("_", "-")} business review.`, owner: item.owner ?? null, due_date: item.due_date ?? null, priority: item.priority ?? "medium" },
      actor,
      { source: `review:${row.id}`, eventDescription: `Action item from business review ${row.id}`, eventMetadata: { review_id: row.id } },
      now,
    ),
  );
  db.insert(touchpoints)
    .values({
      id: newId("tp"),
      accountId: row.accountId,
      contactId: null,
      externalId: null,
      kind: "meeting",
      direction: "outbound",
      subject: `Business review (${row.reviewType.replace("_", "-")})`,
      occurredAt: heldAt,
      openedAt: null,
      clickedAt: null,
      repliedAt: null,
      source: "business_review",
      createdBy: actor,
    })
    .run();
  appendEvent(
    db,
    row.accountId,
    actor,
    {
      event_type: "communication",
      title: `Business review held (${row.reviewType.replace("_", "-")})`,
      description: `${input.summary}${input.satisfaction_rating ? ` Rating ${input.satisfaction_rating}/5.` : ""} ${tasks.length} action item(s).`,
      impact: input.satisfaction_rating !== undefined && input.satisfaction_rating <= 2 ? "negative" : "positive",
      metadata: { review_id: row.id, task_ids: tasks.map((t) => t.task_id) },
      occurred_at: heldAt,
    },
    now,
  );
  const after = db.select().from(businessReviews).where(eq(businessReviews.id, row.id)).get() as ReviewRow;
  return { review: toReview(after), tasks };
}

/** Reviews of an account, newest first (for the account brief). */
export function reviewsOf(db: TenantDb, accountId: string, limit: number): BusinessReview[] {
  return db.select().from(businessReviews).where(eq(businessReviews.accountId, accountId)).orderBy(desc(businessReviews.scheduledFor)).limit(limit).all().map(toReview);
}
