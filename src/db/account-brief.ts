import { and, asc, desc, eq, inArray } from "drizzle-orm";
import { health } from "../analytics";
import { recentTimeline, requireAccount, type Account, type TenantDb, type TimelineEvent } from "./accounts";
import { reviewsOf, type BusinessReview } from "./advocacy";
import { decodeComponents, type SnapshotComponent } from "./snapshot-components";
import { contacts, contracts, escalations, healthSnapshots, tasks, tickets } from "./tenant-schema";

/**
 * One account on a page: what the MCP resource `account://{client_id}` and the prompts show.
 * Everything is read from stored facts; the health breakdown is the latest snapshot the engine
 * wrote (every fact change rescores), so reading a brief writes nothing.
 */

export interface AccountBrief {
  account: Account;
  health: {
    score: number | null;
    band: string | null;
    trend: string | null;
    computed_at: string | null;
    coverage: number | null;
    /** Named components ({name, value, weight, contribution}), decoded from the snapshot's compact stored form. */
    components: SnapshotComponent[];
  };
  renewal: {
    renewal_date: string;
    days_until_renewal: number;
    contract_value: number;
    auto_renew: boolean | null;
    renewal_status: string | null;
    seats: number | null;
  };
  open_tasks: { task_id: string; title: string; owner: string | null; due_date: string | null; priority: string; status: string; source: string }[];
  open_escalations: { escalation_id: string; title: string; severity: string; status: string; resolve_by: string }[];
  open_tickets: { ticket_id: string; subject: string; priority: string; status: string; opened_at: string; sla_breached: boolean }[];
  contacts: { contact_id: string; name: string; email: string | null; title: string | null; role: string; is_primary: boolean }[];
  business_reviews: BusinessReview[];
  recent_timeline: TimelineEvent[];
}

export function accountBrief(db: TenantDb, accountId: string, bands: health.HealthBands, now = new Date()): AccountBrief {
  const account = requireAccount(db, accountId, now);
  const snapshot = db
    .select()
    .from(healthSnapshots)
    .where(eq(healthSnapshots.accountId, accountId))
    .orderBy(desc(healthSnapshots.computedAt), desc(healthSnapshots.id))
    .limit(1)
    .get();
  const contract = db.select().from(contracts).where(eq(contracts.accountId, accountId)).orderBy(desc(contracts.startDate)).limit(1).get();
  return {
    account,
    health: {
      score: account.health_score,
      band: account.health_score === null ? null : health.healthBand(account.health_score, bands),
      trend: account.health_trend,
      computed_at: account.health_computed_at,
      coverage: snapshot?.coverage ?? null,
      components: snapshot ? decodeComponents(snapshot.components) : [],
    },
    renewal: {
      renewal_date: account.renewal_date,
      days_until_renewal: account.days_until_renewal,
      contract_value: account.contract_value,
      auto_renew: contract?.autoRenew ?? null,
      renewal_status: contract?.renewalStatus ?? null,
      seats: contract?.seats ?? null,
    },
    open_tasks: db
      .select()
      .from(tasks)
      .where(and(eq(tasks.accountId, accountId), inArray(tasks.status, ["open", "in_progress"])))
      .orderBy(asc(tasks.dueDate), asc(tasks.id))
      .limit(20)
      .all()
      .map((t) => ({ task_id: t.id, title: t.title, owner: t.owner, due_date: t.dueDate, priority: t.priority, status: t.status, source: t.source })),
    open_escalations: db
      .select()
      .from(escalations)
      .where(and(eq(escalations.accountId, accountId), inArray(escalations.status, ["open", "acknowledged"])))
      .orderBy(asc(escalations.resolveBy))
      .limit(20)
      .all()
      .map((e) => ({ escalation_id: e.id, title: e.title, severity: e.severity, status: e.status, resolve_by: e.resolveBy })),
    open_tickets: db
      .select()
      .from(tickets)
      .where(and(eq(tickets.accountId, accountId), inArray(tickets.status, ["new", "open", "pending", "on_hold"])))
      .orderBy(asc(tickets.openedAt))
      .limit(20)
      .all()
      .map((t) => ({ ticket_id: t.id, subject: t.subject, priority: t.priority, status: t.status, opened_at: t.openedAt, sla_breached: t.slaBreached })),
    contacts: db
      .select()
      .from(contacts)
      .where(and(eq(contacts.accountId, accountId), eq(contacts.status, "active")))
      .orderBy(desc(contacts.isPrimary), asc(contacts.name))
      .limit(50)
      .all()
      .map((c) => ({ contact_id: c.id, name: c.name, email: c.email, title: c.title, role: c.role, is_primary: c.isPrimary })),
    business_reviews: reviewsOf(db, accountId, 5),
    recent_timeline: recentTimeline(db, accountId, 10).events,
  };
}
