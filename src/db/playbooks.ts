import { and, asc, eq, inArray, sql } from "drizzle-orm";
import type { segments as engine } from "../analytics";
import { ACCOUNT_FIELD_CATALOG, compileAccountRule, forEachAccountRecord, matchedReasons, type AccountRecord } from "./account-fields";
import { AccountError, newId, type Json, type TenantDb } from "./accounts";
import { insertTask, TASK_PRIORITIES, type TaskPriority } from "./tasks";
import { playbooks, tasks } from "./tenant-schema";

/**
 * Playbooks: rules that turn risk into assigned tasks (the incumbents' "calls to action").
 * A playbook's trigger is a segment rule over the account field catalog; its action is a task
 * template. Running a playbook opens one task per matching account unless that account already
 * has an open task from the same playbook: the open task carries the dedupe key
 * "playbook:<playbook id>:<account id>", and closing it (done or cancelled) clears the key, so
 * the next run after that may open a new one if the rule still, or again, matches.
 *
 * Playbooks run when an account's data changes (TenantDO.factsChanged, updateAccount,
 * registerAccount: only the touched accounts), on demand (run_playbooks), and on a schedule
 * (TenantDO.runAllPlaybooks: every account, in pages).
 */

export interface PlaybookAction {
  /** May hold {{tokens}}: account_name, company_name, client_id, csm, or any rule field. */
  title: string;
  description: string;
  /** "csm" = the account's csm_assigned at run time; anything else is a fixed owner. */
  owner: string;
  due_in_days: number;
  priority: TaskPriority;
}

export interface Playbook {
  playbook_id: string;
  name: string;
  description: string;
  trigger: { [key: string]: Json };
  action: PlaybookAction;
  enabled: boolean;
  last_run_at: string | null;
  created_by: string;
  created_at: string;
  updated_at: string;
  open_tasks: number;
}

export interface NewPlaybook {
  name: string;
  description: string;
  trigger: { [key: string]: Json };
  action: Partial<PlaybookAction> & { title: string };
  enabled: boolean;
}

export interface PlaybookChanges {
  name?: string;
  description?: string;
  trigger?: { [key: string]: Json };
  action?: Partial<PlaybookAction>;
  enabled?: boolean;
}

/** A task a run opened (or, in a dry run, would open), or found already open. */
export interface PlaybookRunTask {
  client_id: string;
  client_name: string;
  /** Null in a dry run for a task not yet created. */
  task_id: string | null;
  title: string;
  owner: string | null;
  due_date: string;
  already_open: boolean;
  why: string[];
}

export interface PlaybookRunResult {
  playbook_id: string;
  name: string;
  matched: number;
  created: number;
  already_open: number;
  /** Set when the stored trigger no longer compiles; the playbook was skipped. */
  error: string | null;
  /** The first tasks opened or found (at most {@link TASKS_SHOWN_PER_PLAYBOOK}). */
  tasks: PlaybookRunTask[];
}

export interface RunResult {
  dry_run: boolean;
  ran_at: string;
  accounts_evaluated: number;
  playbooks: PlaybookRunResult[];
  totals: { matched: number; created: number; already_open: number };
}

export const TASKS_SHOWN_PER_PLAYBOOK = 50;
const MAX_DUE_IN_DAYS = 365;
const MS_PER_DAY = 86_400_000;
const NAME_TOKENS = ["account_name", "company_name", "client_id", "csm"] as const;

type PlaybookRow = typeof playbooks.$inferSelect;

// ---- the task template ---------------------------------------------------------------------

const TOKEN = /\{\{\s*([a-zA-Z0-9_]+)\s*\}\}/g;

function knownTokens(): string[] {
  return [...NAME_TOKENS, ...Object.keys(ACCOUNT_FIELD_CATALOG)];
}

function checkTokens(text: string, field: string): void {
  const known = knownTokens();
  for (const match of text.matchAll(TOKEN)) {
    const token = match[1] ?? "";
    if (!known.includes(token)) {
      throw new AccountError("invalid", `${field}: unknown token {{${token}}}; use ${NAME_TOKENS.map((t) => `{{${t}}}`).join(", ")} or any rule field such as {{health_score}}.`);
    }
  }
  const stray = text.replace(TOKEN, "");
  if (stray.includes("{{") || stray.includes("}}")) {
    throw new AccountError("invalid", `${field}: a token is written {{name}}, e.g. {{account_name}}; check the braces.`);
  }
}

/** Checks a task template and fills the defaults: owner "csm", due in 7 days, priority medium. */
export function validateAction(input: Partial<PlaybookAction>): PlaybookAction {
  const title = typeof input.title === "string" ? input.title.trim() : "";
  if (title === "" || title.length > 200) throw new AccountError("invalid", "action.title: expected a task title of 1–200 characters, e.g. \"Call {{account_name}}\".");
  checkTokens(title, "action.title");
  const description = input.description ?? "";
  if (description.length > 2000) throw new AccountError("invalid", "action.description: at most 2000 characters.");
  checkTokens(description, "action.description");
  const owner = (input.owner ?? "csm").trim();
  if (owner === "" || owner.length > 200) {
    throw new AccountError("invalid", 'action.owner: expected "csm" (the account\'s CSM) or a person\'s name or email.');
  }
  const due = input.due_in_days ?? 7;
  if (!Number.isInteger(due) || due < 0 || due > MAX_DUE_IN_DAYS) {
    throw new AccountError("invalid", `action.due_in_days: expected a whole number of days from 0 to ${MAX_DUE_IN_DAYS}.`);
  }
  const priority = input.priority ?? "medium";
  if (!(TASK_PRIORITIES as readonly string[]).includes(priority)) {
    throw new AccountError("invalid", `action.priority: expected one of ${TASK_PRIORITIES.join(", ")}.`);
  }
  return { title, description, owner, due_in_days: due, priority };
}

function tokenValue(account: AccountRecord, token: string): string {
  switch (token) {
    case "account_name":
      return account.name;
    case "company_name":
      return account.companyName;
    case "csm":
      return account.csm ?? "unassigned";
  }
  const value = account.record[token];
  if (value === null || value === undefined) return "unknown";
  if (typeof value === "number") return String(Math.round(value * 100) / 100);
  if (Array.isArray(value)) return value.join(", ");
  return String(value);
}

function render(template: string, account: AccountRecord): string {
  return template.replace(TOKEN, (_whole, token: string) => tokenValue(account, token));
}

// ---- storage -------------------------------------------------------------------------------

function toPlaybook(row: PlaybookRow, openTasks: number): Playbook {
  return {
    playbook_id: row.id,
    name: row.name,
    description: row.description,
    trigger: JSON.parse(row.trigger) as { [key: string]: Json },
    action: JSON.parse(row.action) as PlaybookAction,
    enabled: row.enabled,
    last_run_at: row.lastRunAt,
    created_by: row.createdBy,
    created_at: row.createdAt,
    updated_at: row.updatedAt,
    open_tasks: openTasks,
  };
}

function openTaskCounts(db: TenantDb): Map<string, number> {
  const rows = db
    .select({ source: tasks.source, count: sql<number>`count(*)` })
    .from(tasks)
    .where(and(sql`${tasks.source} LIKE 'playbook:%'`, inArray(tasks.status, ["open", "in_progress"])))
    .groupBy(tasks.source)
    .all();
  return new Map(rows.map((row) => [row.source.slice("playbook:".length), row.count]));
}

function requireRow(db: TenantDb, id: string): PlaybookRow {
  const row = db.select().from(playbooks).where(eq(playbooks.id, id)).get();
  if (!row) throw new AccountError("not_found", `No playbook with playbook_id "${id}" in this workspace; list_playbooks shows the ids.`);
  return row;
}

function checkName(db: TenantDb, name: string, self: string | null): void {
  const clash = db.select({ id: playbooks.id }).from(playbooks).where(eq(playbooks.name, name)).get();
  if (clash && clash.id !== self) {
    throw new AccountError("conflict", `name: a playbook named "${name}" already exists (${clash.id}); pick another name or change that one.`);
  }
}

export function createPlaybook(db: TenantDb, input: NewPlaybook, actor: string, now = new Date()): Playbook {
  compileAccountRule(input.trigger, "trigger", now);
  const action = validateAction(input.action);
  checkName(db, input.name, null);
  const at = now.toISOString();
  const row: PlaybookRow = {
    id: newId("pb"),
    name: input.name,
    description: input.description,
    trigger: JSON.stringify(input.trigger),
    action: JSON.stringify(action),
    enabled: input.enabled,
    lastRunAt: null,
    createdBy: actor,
    createdAt: at,
    updatedAt: at,
  };
  db.insert(playbooks).values(row).run();
  return toPlaybook(row, 0);
}

export function updatePlaybook(db: TenantDb, id: string, changes: PlaybookChanges, now = new Date()): { playbook: Playbook; changed: string[] } {
  const before = requireRow(db, id);
  const patch: Partial<PlaybookRow> = {};
  const changed: string[] = [];
  if (changes.name !== undefined && changes.name !== before.name) {
    checkName(db, changes.name, id);
    patch.name = changes.name;
    changed.push("name");
  }
  if (changes.description !== undefined && changes.description !== before.description) {
    patch.description = changes.description;
    changed.push("description");
  }
  if (changes.trigger !== undefined) {
    compileAccountRule(changes.trigger, "trigger", now);
    const trigger = JSON.stringify(changes.trigger);
    if (trigger !== before.trigger) {
      patch.trigger = trigger;
      changed.push("trigger");
    }
  }
  if (changes.action !== undefined) {
    const action = JSON.stringify(validateAction({ ...(JSON.parse(before.action) as PlaybookAction), ...changes.action }));
    if (action !== before.action) {
      patch.action = action;
      changed.push("action");
    }
  }
  if (changes.enabled !== undefined && changes.enabled !== before.enabled) {
    patch.enabled = changes.enabled;
    changed.push("enabled");
  }
  const after = changed.length > 0 ? { ...before, ...patch, updatedAt: now.toISOString() } : before;
  if (changed.length > 0) db.update(playbooks).set({ ...patch, updatedAt: after.updatedAt }).where(eq(playbooks.id, id)).run();
  return { playbook: toPlaybook(after, openTaskCounts(db).get(id) ?? 0), changed };
}

export function listPlaybooks(db: TenantDb, options: { enabled?: boolean } = {}): Playbook[] {
  const counts = openTaskCounts(db);
  return db
    .select()
    .from(playbooks)
    .where(options.enabled === undefined ? undefined : eq(playbooks.enabled, options.enabled))
    .orderBy(asc(playbooks.name))
    .all()
    .map((row) => toPlaybook(row, counts.get(row.id) ?? 0));
}

// ---- running -------------------------------------------------------------------------------

interface Compiled {
  row: PlaybookRow;
  trigger: unknown;
  predicate: engine.SegmentPredicate | null;
  action: PlaybookAction;
  result: PlaybookRunResult;
}

export function dedupeKey(playbookId: string, accountId: string): string {
  return `playbook:${playbookId}:${accountId}`;
}

function addDays(now: Date, days: number): string {
  return new Date(now.getTime() + days * MS_PER_DAY).toISOString().slice(0, 10);
}

/** Which of these dedupe keys belong to an open task (closing a task clears its key). */
function openKeys(db: TenantDb, keys: string[]): Set<string> {
  const found = new Set<string>();
  for (let i = 0; i < keys.length; i += 90) {
    const rows = db
      .select({ key: tasks.dedupeKey })
      .from(tasks)
      .where(inArray(tasks.dedupeKey, keys.slice(i, i + 90)))
      .all();
    for (const { key } of rows) if (key !== null) found.add(key);
  }
  return found;
}

const PAGE = 500;

/**
 * Runs playbooks over accounts: all enabled playbooks (or only `options.playbookId`), over every
 * account in pages (`accountIds` undefined) or only the given ones. For each match it opens one
 * task per (playbook, account) unless one is already open; a dry run opens nothing and reports
 * what it would do. Must run inside the caller's transaction; never throws for a playbook whose
 * stored trigger no longer compiles (it reports the error and skips it).
 */
export function runPlaybooks(
  db: TenantDb,
  now: Date,
  accountIds?: Iterable<string>,
  options: { playbookId?: string; dryRun?: boolean } = {},
): RunResult {
  const dryRun = options.dryRun ?? false;
  let rows: PlaybookRow[];
  if (options.playbookId !== undefined) {
    const row = requireRow(db, options.playbookId);
    if (!row.enabled && !dryRun) {
      throw new AccountError("invalid", `playbook_id: playbook "${row.name}" is disabled; enable it with update_playbook, or pass dry_run to see what it would do.`);
    }
    rows = [row];
  } else {
    rows = db.select().from(playbooks).where(eq(playbooks.enabled, true)).orderBy(asc(playbooks.name)).all();
  }
  const ranAt = now.toISOString();
  const result: RunResult = { dry_run: dryRun, ran_at: ranAt, accounts_evaluated: 0, playbooks: [], totals: { matched: 0, created: 0, already_open: 0 } };
  const ids = accountIds === undefined ? undefined : [...accountIds];
  if (rows.length === 0 || (ids !== undefined && ids.length === 0)) return result;

  const compiled: Compiled[] = rows.map((row) => {
    const entry: PlaybookRunResult = { playbook_id: row.id, name: row.name, matched: 0, created: 0, already_open: 0, error: null, tasks: [] };
    // A stored playbook that no longer parses (restored from a damaged backup) is reported and
    // skipped: it must not stop every other write that runs the playbooks.
    let trigger: unknown = null;
    let action: PlaybookAction | null = null;
    let predicate: engine.SegmentPredicate | null = null;
    try {
      trigger = JSON.parse(row.trigger);
      // Checked like a new action: a stored one missing its title would fail every write's run.
      const storedAction: unknown = JSON.parse(row.action);
      if (typeof storedAction !== "object" || storedAction === null || Array.isArray(storedAction)) {
        throw new AccountError("invalid", "action: the stored action is not an object; update the playbook with update_playbook");
      }
      action = validateAction(storedAction as Partial<PlaybookAction>);
      predicate = compileAccountRule(trigger, "trigger", now);
    } catch (error) {
      if (error instanceof SyntaxError) entry.error = "the stored trigger or action is not valid JSON; update the playbook with update_playbook";
      else if (error instanceof AccountError) entry.error = error.message;
      else throw error;
      predicate = null;
    }
    return { row, trigger, predicate, action: action ?? ({} as PlaybookAction), result: entry };
  });
  result.playbooks = compiled.map((c) => c.result);
  const live = compiled.filter((c) => c.predicate !== null);

  let pending: { playbook: Compiled; account: AccountRecord }[] = [];
  const flush = (): void => {
    if (pending.length === 0) return;
    const open = openKeys(db, pending.map(({ playbook, account }) => dedupeKey(playbook.row.id, account.id)));
    for (const { playbook, account } of pending) {
      const key = dedupeKey(playbook.row.id, account.id);
      const entry = playbook.result;
      const why = matchedReasons(playbook.trigger, (playbook.predicate as engine.SegmentPredicate).explain(account.record));
      const title = render(playbook.action.title, account);
      const owner = playbook.action.owner === "csm" ? account.csm : playbook.action.owner;
      const dueDate = addDays(now, playbook.action.due_in_days);
      if (open.has(key)) {
        entry.already_open++;
        if (entry.tasks.length < TASKS_SHOWN_PER_PLAYBOOK) {
          const existing = db.select({ id: tasks.id, title: tasks.title, owner: tasks.owner, due: tasks.dueDate }).from(tasks).where(eq(tasks.dedupeKey, key)).get();
          entry.tasks.push({
            client_id: account.id,
            client_name: account.name,
            task_id: existing?.id ?? null,
            title: existing?.title ?? title,
            owner: existing?.owner ?? owner,
            due_date: existing?.due ?? dueDate,
            already_open: true,
            why,
          });
        }
        continue;
      }
      let taskId: string | null = null;
      if (!dryRun) {
        const because = `Opened by playbook "${playbook.row.name}" because:\n${why.map((line) => `- ${line}`).join("\n")}`;
        const body = render(playbook.action.description, account);
        const task = insertTask(
          db,
          { client_id: account.id, title, description: body ? `${body}\n\n${because}` : because, owner, due_date: dueDate, priority: playbook.action.priority },
          `playbook:${playbook.row.id}`,
          { source: `playbook:${playbook.row.id}`, dedupeKey: key, eventDescription: because, eventMetadata: { playbook_id: playbook.row.id } },
          now,
        );
        taskId = task.task_id;
      }
      entry.created++;
      if (entry.tasks.length < TASKS_SHOWN_PER_PLAYBOOK) {
        entry.tasks.push({ client_id: account.id, client_name: account.name, task_id: taskId, title, owner, due_date: dueDate, already_open: false, why });
      }
    }
    pending = [];
  };

  if (live.length > 0) {
    forEachAccountRecord(
      db,
      (account) => {
        result.accounts_evaluated++;
        for (const playbook of live) {
          if (playbook.predicate?.(account.record)) {
            playbook.result.matched++;
            pending.push({ playbook, account });
          }
        }
        if (pending.length >= PAGE) flush();
      },
      { ids },
      now,
    );
    flush();
  }

  for (const { result: entry } of compiled) {
    result.totals.matched += entry.matched;
    result.totals.created += entry.created;
    result.totals.already_open += entry.already_open;
  }
  if (!dryRun && live.length > 0) {
    db.update(playbooks)
      .set({ lastRunAt: ranAt })
      .where(inArray(playbooks.id, live.map((c) => c.row.id)))
      .run();
  }
  return result;
}
