import { and, count, desc, eq, gte, like, lt, lte, or, sql, type SQL } from "drizzle-orm";
import { AccountError, type TenantDb } from "./accounts";
import { auditLog, contacts, playbooks, segments, settings, tickets } from "./tenant-schema";

/**
 * What the hosted setup page (src/setup) keeps in the Tenant object: which steps are done
 * (the `setup.progress` settings row, so setup resumes from any device), the workspace's
 * counts for the welcome checks, and the audit log read with filters.
 */

export const SETUP_PROGRESS_KEY = "setup.progress";

export interface SetupProgress {
  completed: string[];
  updatedAt: string | null;
  updatedBy: string | null;
}

const STEP_NAME = /^[a-z_]{1,40}$/;

export function readSetupProgress(db: TenantDb): SetupProgress {
  const row = db.select().from(settings).where(eq(settings.key, SETUP_PROGRESS_KEY)).get();
  if (!row) return { completed: [], updatedAt: null, updatedBy: null };
  const parsed = JSON.parse(row.value) as { completed?: unknown };
  const completed = Array.isArray(parsed.completed) ? parsed.completed.filter((step): step is string => typeof step === "string") : [];
  return { completed, updatedAt: row.updatedAt, updatedBy: row.updatedBy };
}

/** Marks a step done (idempotent); answers the progress as saved. */
export function markSetupStep(db: TenantDb, step: string, userId: string, now: Date): SetupProgress {
  if (!STEP_NAME.test(step)) throw new AccountError("invalid", "step must be a setup step name such as welcome, health, data, team or done.");
  const current = readSetupProgress(db);
  const completed = current.completed.includes(step) ? current.completed : [...current.completed, step];
  const value = JSON.stringify({ completed });
  const updatedAt = now.toISOString();
  db.insert(settings)
    .values({ key: SETUP_PROGRESS_KEY, value, updatedBy: userId, updatedAt })
    .onConflictDoUpdate({ target: settings.key, set: { value, updatedBy: userId, updatedAt } })
    .run();
  return { completed, updatedAt, updatedBy: userId };
}

export interface SetupCounts {
  contacts: number;
  playbooks: number;
  segments: number;
  open_tickets: number;
}

export function setupCounts(db: TenantDb): SetupCounts {
  const one = (rows: { n: number }[]) => rows[0]?.n ?? 0;
  return {
    contacts: one(db.select({ n: count() }).from(contacts).all()),
    playbooks: one(db.select({ n: count() }).from(playbooks).all()),
    segments: one(db.select({ n: count() }).from(segments).all()),
    open_tickets: one(db.select({ n: count() }).from(tickets).where(sql`${tickets.status} NOT IN ('solved', 'closed')`).all()),
  };
}

export interface AuditQuery {
  userId?: string;
  /** A tool name (matches `tool:<name>`) or any other action, exactly. */
  tool?: string;
  /** Inclusive YYYY-MM-DD bounds, UTC. */
  from?: string;
  to?: string;
  /** Entries with a smaller id than this (the next page). */
  before?: number;
  limit: number;
}

export interface AuditRow {
  id: number;
  occurred_at: string;
  user_id: string;
  via: string;
  action: string;
  target_id: string | null;
  details: string;
}

/** The audit log newest first, filtered; pages with `before`. */
export function filteredAudit(db: TenantDb, query: AuditQuery): { entries: AuditRow[]; next_before: number | null } {
  const conditions: SQL[] = [];
  if (query.userId) conditions.push(eq(auditLog.userId, query.userId));
  if (query.tool) {
    const condition = or(eq(auditLog.action, query.tool), eq(auditLog.action, `tool:${query.tool}`), like(auditLog.action, `${query.tool.replace(/[%_]/g, "")}:%`));
    if (condition) conditions.push(condition);
  }
  if (query.from) conditions.push(gte(auditLog.occurredAt, `${query.from}T00:00:00.000Z`));
  if (query.to) conditions.push(lte(auditLog.occurredAt, `${query.to}T23:59:59.999Z`));
  if (query.before !== undefined) conditions.push(lt(auditLog.id, query.before));
  const rows = db
    .select()
    .from(auditLog)
    .where(conditions.length ? and(...conditions) : undefined)
    .orderBy(desc(auditLog.id))
    .limit(query.limit + 1)
    .all();
  const page = rows.slice(0, query.limit);
  return {
    entries: page.map((row) => ({
      id: row.id,
      occurred_at: row.occurredAt,
      user_id: row.userId,
      via: row.via,
      action: row.action,
      target_id: row.targetId,
      details: row.details,
    })),
    next_before: rows.length > query.limit ? (page.at(-1)?.id ?? null) : null,
  };
}

/** The distinct users and actions in the log, for the filter menus. */
export function auditFacets(db: TenantDb): { users: string[]; actions: string[] } {
  const users = db.selectDistinct({ v: auditLog.userId }).from(auditLog).orderBy(auditLog.userId).limit(200).all();
  const actions = db.selectDistinct({ v: auditLog.action }).from(auditLog).orderBy(auditLog.action).limit(300).all();
  return { users: users.map((row) => row.v), actions: actions.map((row) => row.v) };
}
