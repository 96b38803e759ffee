import { and, asc, eq, gt, inArray, isNotNull, isNull, like, lt, or, sql, type SQL } from "drizzle-orm";
import { AccountError, appendEvent, newId, requireAccount, type TenantDb } from "./accounts";
import { decodeCursor, encodeCursor } from "./keyset-cursor";
import { patchChanges } from "./patch";
import { accounts, tasks } from "./tenant-schema";

/**
 * Tasks: work for a person, created by hand, by an escalation ("escalation:<id>") or by a
 * playbook ("playbook:<id>"). A playbook's open task carries a dedupe key so a rule that keeps
 * matching does not open it twice; closing the task clears the key, so the rule may open a
 * new one the next time it matches.
 */

export const TASK_STATUSES = ["open", "in_progress", "done", "cancelled"] as const;
export const TASK_PRIORITIES = ["low", "medium", "high", "urgent"] as const;
export type TaskStatus = (typeof TASK_STATUSES)[number];
export type TaskPriority = (typeof TASK_PRIORITIES)[number];

/** Which status may follow which; done and cancelled are final. */
const NEXT_STATUSES: Record<TaskStatus, readonly TaskStatus[]> = {
  open: ["in_progress", "done", "cancelled"],
  in_progress: ["open", "done", "cancelled"],
  done: [],
  cancelled: [],
};

export interface Task {
  task_id: string;
  client_id: string | null;
  client_name: string | null;
  title: string;
  description: string;
  owner: string | null;
  due_date: string | null;
  priority: TaskPriority;
  status: TaskStatus;
  source: string;
  overdue: boolean;
  created_at: string;
  updated_at: string;
  completed_at: string | null;
}

export interface NewTask {
  client_id?: string | null;
  title: string;
  description?: string;
  owner?: string | null;
  due_date?: string | null;
  priority?: TaskPriority;
}

export interface TaskChanges {
  status?: TaskStatus;
  owner?: string | null;
  due_date?: string | null;
  priority?: TaskPriority;
  title?: string;
  description?: string;
}

type TaskRow = typeof tasks.$inferSelect;

function today(now: Date): string {
  return now.toISOString().slice(0, 10);
}

function isOpen(status: TaskStatus): boolean {
  return status === "open" || status === "in_progress";
}

function toTask(row: TaskRow, clientName: string | null, now: Date): Task {
  return {
    task_id: row.id,
    client_id: row.accountId,
    client_name: clientName,
    title: row.title,
    description: row.description,
    owner: row.owner,
    due_date: row.dueDate,
    priority: row.priority,
    status: row.status,
    source: row.source,
    overdue: isOpen(row.status) && row.dueDate !== null && row.dueDate < today(now),
    created_at: row.createdAt,
    updated_at: row.updatedAt,
    completed_at: row.completedAt,
  };
}

/**
 * Inserts a task (and, on an account, a timeline event). `source` and `dedupeKey` are for
 * escalations and playbooks; `actor` is who or what created it.
 */
export function insertTask(
  db: TenantDb,
  input: NewTask,
  actor: string,
  options: { source?: string; dedupeKey?: string | null; eventDescription?: string; eventMetadata?: Record<string, string> } = {},
  now = new Date(),
): Task {
  const account = input.client_id ? requireAccount(db, input.client_id, now) : null;
  const at = now.toISOString();
  const row: TaskRow = {
    id: newId("task"),
    accountId: account?.client_id ?? null,
    title: input.title,
    description: input.description ?? "",
    owner: input.owner ?? null,
    dueDate: input.due_date ?? null,
    priority: input.priority ?? "medium",
    status: "open",
    source: options.source ?? "manual",
    dedupeKey: options.dedupeKey ?? null,
    createdAt: at,
    updatedAt: at,
    completedAt: null,
  };
  db.insert(tasks).values(row).run();
  if (account) {
    appendEvent(
      db,
      account.client_id,
      actor,
      {
        event_type: "account",
        title: `Task opened: ${row.title}`,
        description:
          options.eventDescription ??
          `${row.owner ? `Assigned to ${row.owner}` : "Unassigned"}${row.dueDate ? `, due ${row.dueDate}` : ""}, priority ${row.priority}.`,
        impact: "neutral",
        metadata: { task_id: row.id, source: row.source, owner: row.owner, due_date: row.dueDate, ...(options.eventMetadata ?? {}) },
      },
      now,
    );
  }
  return toTask(row, account?.client_name ?? null, now);
}

function clientName(db: TenantDb, accountId: string | null): string | null {
  if (accountId === null) return null;
  return db.select({ name: accounts.name }).from(accounts).where(eq(accounts.id, accountId)).get()?.name ?? null;
}

export function requireTask(db: TenantDb, id: string, now = new Date()): Task {
  const row = db.select().from(tasks).where(eq(tasks.id, id)).get();
  if (!row) throw new AccountError("not_found", `No task with task_id "${id}" in this workspace; list_tasks shows the ids.`);
  return toTask(row, clientName(db, row.accountId), now);
}

/**
 * Changes a task. Status moves open → in_progress → done | cancelled (open may go straight to
 * done or cancelled, in_progress back to open); done and cancelled are final. Done sets
 * completed_at; closing clears a playbook's dedupe key and records a timeline event on the account.
 */
export function updateTask(db: TenantDb, id: string, changes: TaskChanges, actor: string, now = new Date()): { task: Task; changed: string[] } {
  const before = db.select().from(tasks).where(eq(tasks.id, id)).get();
  if (!before) throw new AccountError("not_found", `No task with task_id "${id}" in this workspace; list_tasks shows the ids.`);
  const patch: Partial<TaskRow> = {};
  const changed: string[] = [];
  if (changes.status !== undefined && changes.status !== before.status) {
    if (!NEXT_STATUSES[before.status].includes(changes.status)) {
      const allowed = NEXT_STATUSES[before.status];
      throw new AccountError(
        "conflict",
        allowed.length === 0
          ? `status: the task is ${before.status}, which is final; create a new task instead.`
          : `status: a ${before.status} task can move to ${allowed.join(", ")}, not ${changes.status}.`,
      );
    }
    patch.status = changes.status;
    changed.push("status");
    // A playbook may open a fresh task once this one is closed; other keys (a renewal
    // checkpoint) name a one-off event and stay, so the same checkpoint never reopens.
    if (!isOpen(changes.status) && before.dedupeKey?.startsWith("playbook:")) patch.dedupeKey = null;
    if (changes.status === "done") patch.completedAt = now.toISOString();
  } else if (!isOpen(before.status) && Object.values(changes).some((value) => value !== undefined)) {
    const others = (Object.keys(changes) as (keyof TaskChanges)[]).filter((key) => changes[key] !== undefined && key !== "status");
    if (others.length > 0) {
      throw new AccountError("conflict", `${others[0]}: the task is ${before.status}, which is final; create a new task instead.`);
    }
  }
  const fields = patchChanges(before, changes, { owner: "owner", due_date: "dueDate", priority: "priority", title: "title", description: "description" });
  Object.assign(patch, fields.patch satisfies Partial<TaskRow>);
  changed.push(...fields.changed);
  if (changed.length === 0) return { task: toTask(before, clientName(db, before.accountId), now), changed };
  patch.updatedAt = now.toISOString();
  db.update(tasks).set(patch).where(eq(tasks.id, id)).run();
  const after = { ...before, ...patch } as TaskRow;
  if (before.accountId !== null && patch.status !== undefined && !isOpen(patch.status)) {
    appendEvent(
      db,
      before.accountId,
      actor,
      {
        event_type: "account",
        title: `Task ${patch.status === "done" ? "completed" : "cancelled"}: ${after.title}`,
        description: `${after.owner ? `${after.owner}'s task` : "Unassigned task"} from ${after.source} was ${patch.status === "done" ? "completed" : "cancelled"}.`,
        impact: patch.status === "done" ? "positive" : "neutral",
        metadata: { task_id: id, source: after.source, status: patch.status },
      },
      now,
    );
  }
  return { task: toTask(after, clientName(db, after.accountId), now), changed };
}

/** Closes every open task from `source` (an escalation's linked task when it is resolved). */
export function closeTasksFromSource(db: TenantDb, source: string, actor: string, now = new Date()): number {
  const open = db
    .select({ id: tasks.id })
    .from(tasks)
    .where(and(eq(tasks.source, source), inArray(tasks.status, ["open", "in_progress"])))
    .all();
  for (const { id } of open) updateTask(db, id, { status: "done" }, actor, now);
  return open.length;
}

/** Moves the open tasks from `source` to in_progress (an escalation acknowledged). */
export function startTasksFromSource(db: TenantDb, source: string, actor: string, now = new Date()): number {
  const open = db.select({ id: tasks.id }).from(tasks).where(and(eq(tasks.source, source), eq(tasks.status, "open"))).all();
  for (const { id } of open) updateTask(db, id, { status: "in_progress" }, actor, now);
  return open.length;
}

export interface TaskQuery {
  status?: TaskStatus[];
  owner?: string;
  client_id?: string;
  overdue?: boolean;
  /** "manual", "playbook", "escalation", or an exact source such as "playbook:pb_…". */
  source?: string;
  limit: number;
  cursor?: string;
}

export interface TaskList {
  tasks: Task[];
  next_cursor: string | null;
  total_count: number;
  overdue_count: number;
}

interface TaskCursor {
  /** The due date of the last task returned; null for a task without one. */
  d: string | null;
  id: string;
}

function isTaskCursor(value: unknown): value is TaskCursor {
  if (typeof value !== "object" || value === null) return false;
  const { d, id } = value as Record<string, unknown>;
  return typeof id === "string" && (typeof d === "string" || d === null);
}

/** Tasks soonest due first (tasks without a due date last), then by id; keyset cursor. */
export function listTasks(db: TenantDb, query: TaskQuery, now = new Date()): TaskList {
  const conditions: SQL[] = [];
  if (query.status?.length) conditions.push(inArray(tasks.status, query.status));
  if (query.owner) conditions.push(eq(tasks.owner, query.owner));
  if (query.client_id) conditions.push(eq(tasks.accountId, query.client_id));
  if (query.source) {
    conditions.push(
      query.source.includes(":") || query.source === "manual"
        ? eq(tasks.source, query.source)
        : like(tasks.source, `${query.source.replace(/[%_\\]/g, "")}:%`),
    );
  }
  const overdueCondition = and(inArray(tasks.status, ["open", "in_progress"]), isNotNull(tasks.dueDate), lt(tasks.dueDate, today(now))) as SQL;
  if (query.overdue === true) conditions.push(overdueCondition);
  if (query.overdue === false) conditions.push(sql`NOT (${overdueCondition})`);
  const matching = conditions.length ? and(...conditions) : undefined;

  const pageConditions = [...conditions];
  if (query.cursor) {
    const position = decodeCursor(query.cursor, isTaskCursor);
    pageConditions.push(
      position.d === null
        ? (and(isNull(tasks.dueDate), gt(tasks.id, position.id)) as SQL)
        : (or(isNull(tasks.dueDate), gt(tasks.dueDate, position.d), and(eq(tasks.dueDate, position.d), gt(tasks.id, position.id))) as SQL),
    );
  }
  const rows = db
    .select({ task: tasks, clientName: accounts.name })
    .from(tasks)
    .leftJoin(accounts, eq(accounts.id, tasks.accountId))
    .where(pageConditions.length ? and(...pageConditions) : undefined)
    .orderBy(sql`${tasks.dueDate} IS NULL`, asc(tasks.dueDate), asc(tasks.id))
    .limit(query.limit + 1)
    .all();
  const page = rows.slice(0, query.limit);
  const last = page.at(-1);
  const totals = db
    .select({
      count: sql<number>`count(*)`,
      overdue: sql<number>`coalesce(sum(CASE WHEN ${overdueCondition} THEN 1 ELSE 0 END), 0)`,
    })
    .from(tasks)
    .where(matching)
    .get();
  return {
    tasks: page.map(({ task, clientName: name }) => toTask(task, name, now)),
    next_cursor: rows.length > query.limit && last ? encodeCursor({ d: last.task.dueDate, id: last.task.id } satisfies TaskCursor) : null,
    total_count: totals?.count ?? 0,
    overdue_count: totals?.overdue ?? 0,
  };
}
