import { and, asc, desc, eq, gt, inArray, lt, ne, or, sql, type SQL } from "drizzle-orm";
import { AccountError, appendEvent, newId, requireAccount, type TenantDb } from "./accounts";
import { decodePairCursor, keysetPage } from "./keyset-cursor";
import { closeTasksFromSource, insertTask, startTasksFromSource, type TaskPriority } from "./tasks";
import { accounts, escalations, settings, tasks, tickets } from "./tenant-schema";

/**
 * Escalations with their own resolution SLA: `resolve_by` = opened_at + the hours for the
 * severity (tenant setting `escalations.sla_hours`, defaults below). Each opens a linked task
 * for its owner (source "escalation:<id>"), which resolving the escalation closes.
 */

export const SEVERITIES = ["critical", "high", "medium", "low"] as const;
export type Severity = (typeof SEVERITIES)[number];
export const ESCALATION_STATUSES = ["open", "acknowledged", "resolved"] as const;
export type EscalationStatus = (typeof ESCALATION_STATUSES)[number];
export type SlaHours = Record<Severity, number>;

/** Hours to resolve, by severity. The old product had 4 h for critical and 24 h for the rest. */
export const DEFAULT_SLA_HOURS: Readonly<SlaHours> = Object.freeze({ critical: 4, high: 24, medium: 72, low: 168 });
export const SLA_SETTING_KEY = "escalations.sla_hours";
/** The longest SLA a tenant may set: a year. */
export const MAX_SLA_HOURS = 8_760;

const TASK_PRIORITY_OF_SEVERITY: Record<Severity, TaskPriority> = { critical: "urgent", high: "high", medium: "medium", low: "low" };
const MS_PER_HOUR = 3_600_000;

export interface EscalationSla {
  /** Hours the SLA allowed when the escalation was opened. */
  hours: number;
  resolve_by: string;
  /** Unresolved and past resolve_by. */
  breached: boolean;
  /** Minutes until resolve_by while unresolved and not yet breached. */
  minutes_left: number | null;
  /** Minutes past resolve_by while unresolved and breached. */
  overdue_by_minutes: number | null;
  /** For a resolved escalation: whether it was resolved by resolve_by. */
  resolved_within_sla: boolean | null;
  summary: string;
}

export interface Escalation {
  escalation_id: string;
  client_id: string;
  client_name: string | null;
  ticket_id: string | null;
  severity: Severity;
  title: string;
  description: string;
  owner: string | null;
  status: EscalationStatus;
  opened_at: string;
  acknowledged_at: string | null;
  resolved_at: string | null;
  resolution: string | null;
  created_by: string;
  task_id: string | null;
  sla: EscalationSla;
}

export interface NewEscalation {
  client_id: string;
  severity: Severity;
  title: string;
  description?: string;
  owner?: string | null;
  ticket_id?: string | null;
  /** When the escalation was raised, if earlier than now (ISO date-time). */
  opened_at?: string;
}

type EscalationRow = typeof escalations.$inferSelect;

// ---- SLA settings --------------------------------------------------------------------------

/**
 * Checks SLA hours: only the four severities, each a number of hours above 0 and at most a
 * year, and a more severe escalation never gets more time than a less severe one.
 */
export function validateSlaHours(input: unknown, base: SlaHours = { ...DEFAULT_SLA_HOURS }): SlaHours {
  if (typeof input !== "object" || input === null || Array.isArray(input)) {
    throw new AccountError("invalid", `sla_hours: expected an object of hours by severity (${SEVERITIES.join(", ")}).`);
  }
  const out: SlaHours = { ...base };
  for (const [key, value] of Object.entries(input)) {
    if (value === undefined) continue;
    if (!(SEVERITIES as readonly string[]).includes(key)) {
      throw new AccountError("invalid", `sla_hours.${key}: unknown severity; use ${SEVERITIES.join(", ")}.`);
    }
    if (typeof value !== "number" || !Number.isFinite(value) || value <= 0 || value > MAX_SLA_HOURS) {
      throw new AccountError("invalid", `sla_hours.${key}: expected hours above 0 and at most ${MAX_SLA_HOURS} (a year), got ${JSON.stringify(value)}.`);
    }
    out[key as Severity] = value;
  }
  for (let i = 1; i < SEVERITIES.length; i++) {
    const more = SEVERITIES[i - 1] as Severity;
    const less = SEVERITIES[i] as Severity;
    if (out[more] > out[less]) {
      throw new AccountError(
        "invalid",
        `sla_hours.${more}: ${out[more]} h is longer than ${less} (${out[less]} h); a more severe escalation must not get more time.`,
      );
    }
  }
  return out;
}

export function slaHours(db: TenantDb): SlaHours {
  const row = db.select({ value: settings.value }).from(settings).where(eq(settings.key, SLA_SETTING_KEY)).get();
  if (!row) return { ...DEFAULT_SLA_HOURS };
  return { ...DEFAULT_SLA_HOURS, ...(JSON.parse(row.value) as Partial<SlaHours>) };
}

export function updateSlaHours(db: TenantDb, changes: Partial<SlaHours>, actor: string, now = new Date()): SlaHours {
  const next = validateSlaHours(changes, slaHours(db));
  const value = JSON.stringify(next);
  const updatedAt = now.toISOString();
  db.insert(settings)
    .values({ key: SLA_SETTING_KEY, value, updatedBy: actor, updatedAt })
    .onConflictDoUpdate({ target: settings.key, set: { value, updatedBy: actor, updatedAt } })
    .run();
  return next;
}

// ---- reading -------------------------------------------------------------------------------

function duration(minutes: number): string {
  const days = Math.floor(minutes / 1440);
  const hours = Math.floor((minutes % 1440) / 60);
  const mins = minutes % 60;
  if (days > 0) return `${days} d ${hours} h`;
  if (hours > 0) return `${hours} h ${mins} min`;
  return `${mins} min`;
}

/** The SLA state of an escalation at `now`. */
export function slaState(row: Pick<EscalationRow, "openedAt" | "resolveBy" | "resolvedAt" | "status">, now: Date): EscalationSla {
  const due = Date.parse(row.resolveBy);
  const hours = Math.round(((due - Date.parse(row.openedAt)) / MS_PER_HOUR) * 100) / 100;
  if (row.status === "resolved" && row.resolvedAt !== null) {
    const within = Date.parse(row.resolvedAt) <= due;
    return {
      hours,
      resolve_by: row.resolveBy,
      breached: false,
      minutes_left: null,
      overdue_by_minutes: null,
      resolved_within_sla: within,
      summary: within ? "Resolved within the SLA" : `Resolved ${duration(Math.round((Date.parse(row.resolvedAt) - due) / 60_000))} after the SLA`,
    };
  }
  const minutes = Math.round((due - now.getTime()) / 60_000);
  const breached = now.getTime() > due;
  return {
    hours,
    resolve_by: row.resolveBy,
    breached,
    minutes_left: breached ? null : Math.max(0, minutes),
    overdue_by_minutes: breached ? Math.max(0, -minutes) : null,
    resolved_within_sla: null,
    summary: breached ? `Breached: overdue by ${duration(Math.max(0, -minutes))}` : `${duration(Math.max(0, minutes))} left`,
  };
}

function linkedTaskId(db: TenantDb, row: EscalationRow): string | null {
  return (
    db
      .select({ id: tasks.id })
      .from(tasks)
      .where(and(eq(tasks.accountId, row.accountId), eq(tasks.source, `escalation:${row.id}`)))
      .orderBy(desc(tasks.createdAt))
      .get()?.id ?? null
  );
}

function toEscalation(db: TenantDb, row: EscalationRow, clientName: string | null, now: Date): Escalation {
  return {
    escalation_id: row.id,
    client_id: row.accountId,
    client_name: clientName,
    ticket_id: row.ticketId,
    severity: row.severity,
    title: row.title,
    description: row.description,
    owner: row.owner,
    status: row.status,
    opened_at: row.openedAt,
    acknowledged_at: row.acknowledgedAt,
    resolved_at: row.resolvedAt,
    resolution: row.resolution,
    created_by: row.createdBy,
    task_id: linkedTaskId(db, row),
    sla: slaState(row, now),
  };
}

function requireRow(db: TenantDb, id: string): EscalationRow {
  const row = db.select().from(escalations).where(eq(escalations.id, id)).get();
  if (!row) throw new AccountError("not_found", `No escalation with escalation_id "${id}" in this workspace; list_escalations shows the ids.`);
  return row;
}

function nameOf(db: TenantDb, accountId: string): string | null {
  return db.select({ name: accounts.name }).from(accounts).where(eq(accounts.id, accountId)).get()?.name ?? null;
}

export function getEscalation(db: TenantDb, id: string, now = new Date()): Escalation {
  const row = requireRow(db, id);
  return toEscalation(db, row, nameOf(db, row.accountId), now);
}

// ---- writing -------------------------------------------------------------------------------

export function createEscalation(db: TenantDb, input: NewEscalation, actor: string, now = new Date()): Escalation {
  const account = requireAccount(db, input.client_id, now);
  let openedAt = now;
  if (input.opened_at !== undefined) {
    const ms = Date.parse(input.opened_at);
    if (!Number.isFinite(ms)) throw new AccountError("invalid", "opened_at: expected an ISO date-time such as 2026-05-01T09:30:00Z.");
    if (ms > now.getTime()) throw new AccountError("invalid", "opened_at: may not be in the future; leave it out to use now.");
    openedAt = new Date(ms);
  }
  if (input.ticket_id) {
    const ticket = db.select({ accountId: tickets.accountId }).from(tickets).where(eq(tickets.id, input.ticket_id)).get();
    if (!ticket) throw new AccountError("not_found", `ticket_id: no ticket "${input.ticket_id}" in this workspace.`);
    if (ticket.accountId !== account.client_id) {
      throw new AccountError("invalid", `ticket_id: ticket "${input.ticket_id}" belongs to another account, not ${account.client_id}.`);
    }
  }
  const hours = slaHours(db)[input.severity];
  const owner = input.owner ?? account.csm_assigned ?? null;
  const row: EscalationRow = {
    id: newId("esc"),
    accountId: account.client_id,
    ticketId: input.ticket_id ?? null,
    severity: input.severity,
    title: input.title,
    description: input.description ?? "",
    owner,
    status: "open",
    openedAt: openedAt.toISOString(),
    acknowledgedAt: null,
    resolveBy: new Date(openedAt.getTime() + hours * MS_PER_HOUR).toISOString(),
    resolvedAt: null,
    resolution: null,
    createdBy: actor,
  };
  db.insert(escalations).values(row).run();
  appendEvent(
    db,
    account.client_id,
    actor,
    {
      event_type: "support",
      title: `Escalation opened (${row.severity}): ${row.title}`,
      description: `${owner ? `Owned by ${owner}` : "No owner"}; to be resolved by ${row.resolveBy} (${hours} h SLA for ${row.severity}).`,
      impact: "negative",
      metadata: { escalation_id: row.id, severity: row.severity, resolve_by: row.resolveBy, ticket_id: row.ticketId },
      occurred_at: row.openedAt,
    },
    now,
  );
  insertTask(
    db,
    {
      client_id: account.client_id,
      title: `Resolve ${row.severity} escalation: ${row.title}`,
      description: `${row.description}${row.description ? "\n\n" : ""}Escalation ${row.id}; resolve by ${row.resolveBy}.`,
      owner,
      due_date: row.resolveBy.slice(0, 10),
      priority: TASK_PRIORITY_OF_SEVERITY[row.severity],
    },
    actor,
    { source: `escalation:${row.id}` },
    now,
  );
  return toEscalation(db, row, account.client_name, now);
}

export function acknowledgeEscalation(db: TenantDb, id: string, actor: string, now = new Date()): Escalation {
  const row = requireRow(db, id);
  if (row.status === "resolved") {
    throw new AccountError("conflict", `escalation_id: escalation "${id}" was resolved at ${row.resolvedAt}; there is nothing to acknowledge.`);
  }
  if (row.status === "acknowledged") return toEscalation(db, row, nameOf(db, row.accountId), now);
  const acknowledgedAt = now.toISOString();
  db.update(escalations).set({ status: "acknowledged", acknowledgedAt }).where(eq(escalations.id, id)).run();
  startTasksFromSource(db, `escalation:${id}`, actor, now);
  appendEvent(
    db,
    row.accountId,
    actor,
    {
      event_type: "support",
      title: `Escalation acknowledged: ${row.title}`,
      description: `Acknowledged by ${actor}; to be resolved by ${row.resolveBy}.`,
      impact: "neutral",
      metadata: { escalation_id: id },
    },
    now,
  );
  return getEscalation(db, id, now);
}

export function resolveEscalation(db: TenantDb, id: string, resolution: string, actor: string, now = new Date()): Escalation {
  const row = requireRow(db, id);
  if (row.status === "resolved") {
    throw new AccountError("conflict", `escalation_id: escalation "${id}" was already resolved at ${row.resolvedAt}.`);
  }
  if (resolution.trim() === "") throw new AccountError("invalid", "resolution: say how the escalation was resolved.");
  const resolvedAt = now.toISOString();
  db.update(escalations).set({ status: "resolved", resolvedAt, resolution }).where(eq(escalations.id, id)).run();
  closeTasksFromSource(db, `escalation:${id}`, actor, now);
  const sla = slaState({ ...row, status: "resolved", resolvedAt }, now);
  appendEvent(
    db,
    row.accountId,
    actor,
    {
      event_type: "support",
      title: `Escalation resolved: ${row.title}`,
      description: `${resolution} (${sla.summary.toLowerCase()}).`,
      impact: "positive",
      metadata: { escalation_id: id, resolved_within_sla: sla.resolved_within_sla },
    },
    now,
  );
  return getEscalation(db, id, now);
}

// ---- listing -------------------------------------------------------------------------------

export interface EscalationQuery {
  status?: EscalationStatus[];
  severity?: Severity[];
  client_id?: string;
  breached?: boolean;
  limit: number;
  cursor?: string;
}

export interface EscalationList {
  escalations: Escalation[];
  next_cursor: string | null;
  summary: { total_count: number; breached_count: number; by_status: Record<EscalationStatus, number>; by_severity: Record<Severity, number> };
  sla_hours: SlaHours;
}

/** Escalations by resolve_by (soonest first), then id; `breached` is judged at `now`. */
export function listEscalations(db: TenantDb, query: EscalationQuery, now = new Date()): EscalationList {
  const at = now.toISOString();
  const breachedCondition = and(ne(escalations.status, "resolved"), lt(escalations.resolveBy, at)) as SQL;
  const conditions: SQL[] = [];
  if (query.status?.length) conditions.push(inArray(escalations.status, query.status));
  if (query.severity?.length) conditions.push(inArray(escalations.severity, query.severity));
  if (query.client_id) conditions.push(eq(escalations.accountId, query.client_id));
  if (query.breached === true) conditions.push(breachedCondition);
  if (query.breached === false) conditions.push(sql`NOT (${breachedCondition})`);
  const matching = conditions.length ? and(...conditions) : undefined;
  const pageConditions = [...conditions];
  if (query.cursor) {
    const [resolveBy, id] = decodePairCursor(query.cursor);
    pageConditions.push(or(gt(escalations.resolveBy, resolveBy), and(eq(escalations.resolveBy, resolveBy), gt(escalations.id, id))) as SQL);
  }
  const rows = db
    .select({ escalation: escalations, clientName: accounts.name })
    .from(escalations)
    .leftJoin(accounts, eq(accounts.id, escalations.accountId))
    .where(pageConditions.length ? and(...pageConditions) : undefined)
    .orderBy(asc(escalations.resolveBy), asc(escalations.id))
    .limit(query.limit + 1)
    .all();
  const { page, next_cursor } = keysetPage(rows, query.limit, ({ escalation }) => [escalation.resolveBy, escalation.id]);

  const groups = db
    .select({
      status: escalations.status,
      severity: escalations.severity,
      count: sql<number>`count(*)`,
      breached: sql<number>`coalesce(sum(CASE WHEN ${breachedCondition} THEN 1 ELSE 0 END), 0)`,
    })
    .from(escalations)
    .where(matching)
    .groupBy(escalations.status, escalations.severity)
    .all();
  const byStatus = Object.fromEntries(ESCALATION_STATUSES.map((s) => [s, 0])) as Record<EscalationStatus, number>;
  const bySeverity = Object.fromEntries(SEVERITIES.map((s) => [s, 0])) as Record<Severity, number>;
  let total = 0;
  let breached = 0;
  for (const group of groups) {
    byStatus[group.status] += group.count;
    bySeverity[group.severity] += group.count;
    total += group.count;
    breached += group.breached;
  }
  return {
    escalations: page.map(({ escalation, clientName }) => toEscalation(db, escalation, clientName, now)),
    next_cursor,
    summary: { total_count: total, breached_count: breached, by_status: byStatus, by_severity: bySeverity },
    sla_hours: slaHours(db),
  };
}
