import { eq, is } from "drizzle-orm";
import { getTableConfig, SQLiteTable } from "drizzle-orm/sqlite-core";
import migrations from "../../migrations/tenant/migrations.js";
import { AccountError, recordAudit, type TenantDb } from "./accounts";
import * as schema from "./tenant-schema";
import { decodeBase64, encodeBase64Url } from "../http/base64";

/**
 * Export and restore of a whole tenant, table by table, in primary-key pages. The tables,
 * their columns, primary keys and foreign-key order all come from the drizzle schema module,
 * so a table added there is exported and restored without touching this file. Rows travel
 * with their SQL column names and values exactly as stored.
 */

/** A value as SQLite stores it in this schema (no blobs). */
export type SqlValue = string | number | null;
export type BackupRow = Record<string, SqlValue>;

export interface BackupTable {
  name: string;
  /** SQL column names, in declaration order. */
  columns: string[];
  /** SQL column names of the primary key, in key order: the page cursor. */
  primaryKey: string[];
  /** Tables this one references (foreign keys), which come before it. */
  references: string[];
}

/** At most this many rows per page, either way. */
export const PAGE_ROWS_MAX = 1000;
/** A page stops growing past about this many bytes of JSON (it always holds at least one row). */
export const PAGE_BYTES_MAX = 1_000_000;

/** The tag of the last tenant migration: what an export file's schema must match to be restored. */
export const SCHEMA_VERSION: string = migrations.journal.entries.at(-1)?.tag ?? "none";

/** The settings key that marks a restore in progress (never exported, never restored). */
export const RESTORE_FLAG = "restore.in_progress";

function describeTable(table: SQLiteTable): BackupTable {
  const config = getTableConfig(table);
  const columns = config.columns.map((column) => column.name);
  const composite = config.primaryKeys[0];
  const primaryKey = composite ? composite.columns.map((column) => column.name) : config.columns.filter((column) => column.primary).map((column) => column.name);
  if (primaryKey.length === 0) throw new Error(`table ${config.name} has no primary key; export pages need one`);
  const references = [...new Set(config.foreignKeys.map((key) => getTableConfig(key.reference().foreignTable).name))].filter(
    (name) => name !== config.name,
  );
  return { name: config.name, columns, primaryKey, references };
}

/** Every table of the schema module, each after the tables it references. */
function inForeignKeyOrder(tables: BackupTable[]): BackupTable[] {
  const byName = new Map(tables.map((table) => [table.name, table]));
  const ordered: BackupTable[] = [];
  const placed = new Set<string>();
  const visiting = new Set<string>();
  const visit = (table: BackupTable) => {
    if (placed.has(table.name)) return;
    if (visiting.has(table.name)) throw new Error(`foreign keys form a cycle through ${table.name}`);
    visiting.add(table.name);
    for (const name of table.references) {
      const referenced = byName.get(name);
      if (referenced) visit(referenced);
    }
    visiting.delete(table.name);
    placed.add(table.name);
    ordered.push(table);
  };
  for (const table of tables) visit(table);
  return ordered;
}

/**
 * Tables a backup leaves out. Integration credentials are sealed under a key bound to their own
 * tenant, so they could not be opened in the workspace a backup is restored into (and a backup
 * file is no place for secrets, even sealed ones): after a restore, connect the providers again.
 */
export const NOT_BACKED_UP: readonly string[] = ["integrations"];

export const BACKUP_TABLES: readonly BackupTable[] = inForeignKeyOrder(
  (Object.values(schema) as unknown[]).flatMap((value) => (is(value, SQLiteTable) ? [describeTable(value)] : [])).filter((table) => !NOT_BACKED_UP.includes(table.name)),
);

const TABLES_BY_NAME = new Map(BACKUP_TABLES.map((table) => [table.name, table]));

/** The table of that name, or a not_found refusal listing the real ones (names never reach SQL unchecked). */
export function backupTable(name: string): BackupTable {
  const table = TABLES_BY_NAME.get(name);
  if (!table) {
    throw new AccountError("not_found", `No table "${name.slice(0, 64)}" in the tenant schema; use one of: ${BACKUP_TABLES.map((t) => t.name).join(", ")}.`);
  }
  return table;
}

const quote = (identifier: string) => `"${identifier.replaceAll('"', '""')}"`;

/** The cursor after a row: its primary-key values, as opaque base64url JSON. */
export function encodeCursor(values: SqlValue[]): string {
  return encodeBase64Url(new TextEncoder().encode(JSON.stringify(values)));
}

export function decodeCursor(table: BackupTable, cursor: string): SqlValue[] {
  const invalid = () =>
    new AccountError("invalid", `after: not a cursor of table ${table.name}; pass the "next" value of the previous page, or leave it out to start at the beginning.`);
  let values: unknown;
  try {
    const bytes = decodeBase64(cursor);
    if (!bytes) throw invalid();
    values = JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    throw invalid();
  }
  if (!Array.isArray(values) || values.length !== table.primaryKey.length) throw invalid();
  if (!values.every((value) => typeof value === "string" || (typeof value === "number" && Number.isFinite(value)))) throw invalid();
  return values as SqlValue[];
}

function storedValue(table: BackupTable, column: string, value: SqlStorageValue): SqlValue {
  if (value === null || typeof value === "string" || typeof value === "number") return value;
  throw new Error(`${table.name}.${column} holds a blob, which exports do not carry`);
}

export interface ExportPage {
  rows: BackupRow[];
  /** The cursor to pass as `after` for the next page; null after the last row. */
  next: string | null;
}

/**
 * The rows of one table after a cursor, in primary-key order (keyset paging: a page is
 * stable however many rows came before it). Stops at `limit` rows or about PAGE_BYTES_MAX.
 */
export function exportPage(sql: SqlStorage, tableName: string, after: string | null, limit: number): ExportPage {
  const table = backupTable(tableName);
  if (!Number.isInteger(limit) || limit < 1 || limit > PAGE_ROWS_MAX) {
    throw new AccountError("invalid", `limit must be a whole number from 1 to ${PAGE_ROWS_MAX}.`);
  }
  const key = table.primaryKey.map(quote).join(", ");
  const bindings: SqlValue[] = after === null ? [] : decodeCursor(table, after);
  const where = after === null ? "" : ` WHERE (${key}) > (${table.primaryKey.map(() => "?").join(", ")})`;
  const sqlText = `SELECT ${table.columns.map(quote).join(", ")} FROM ${quote(table.name)}${where} ORDER BY ${key} LIMIT ?`;
  const rows: BackupRow[] = [];
  let bytes = 0;
  let more = false;
  for (const raw of sql.exec(sqlText, ...bindings, limit + 1)) {
    if (rows.length === limit || (rows.length > 0 && bytes >= PAGE_BYTES_MAX)) {
      more = true;
      break;
    }
    const row: BackupRow = {};
    for (const column of table.columns) row[column] = storedValue(table, column, raw[column] ?? null);
    rows.push(row);
    bytes += JSON.stringify(row).length;
  }
  const last = rows.at(-1);
  return { rows, next: more && last ? encodeCursor(table.primaryKey.map((column) => last[column] ?? null)) : null };
}

export function rowCount(sql: SqlStorage, table: BackupTable): number {
  const row = sql.exec<{ n: number }>(`SELECT count(*) AS n FROM ${quote(table.name)}`).one();
  return row.n;
}

/** What GET /export/tables shows of each table. */
export interface TableSummary {
  name: string;
  columns: string[];
  primary_key: string[];
  rows: number;
}

export function tableSummaries(sql: SqlStorage): TableSummary[] {
  return BACKUP_TABLES.map((table) => ({ name: table.name, columns: table.columns, primary_key: table.primaryKey, rows: rowCount(sql, table) }));
}

/* ---------------------------------------------------------------- restore */

/** Kept in the settings row RESTORE_FLAG while a restore is in progress. */
interface RestoreState {
  started_at: string;
  user_id: string;
  /** Audit entries of this workspace's own (the restore_begin entry and any before it), kept after the restored ones. */
  own_audit_ids: number[];
}

export function restoreState(db: TenantDb): RestoreState | null {
  const row = db.select({ value: schema.settings.value }).from(schema.settings).where(eq(schema.settings.key, RESTORE_FLAG)).get();
  return row ? (JSON.parse(row.value) as RestoreState) : null;
}

function saveRestoreState(db: TenantDb, state: RestoreState, userId: string, now: Date): void {
  const value = JSON.stringify(state);
  db.insert(schema.settings)
    .values({ key: RESTORE_FLAG, value, updatedBy: userId, updatedAt: now.toISOString() })
    .onConflictDoUpdate({ target: schema.settings.key, set: { value, updatedBy: userId, updatedAt: now.toISOString() } })
    .run();
}

function requireRestore(db: TenantDb): RestoreState {
  const state = restoreState(db);
  if (!state) throw new AccountError("conflict", "No restore is in progress in this workspace; POST /api/v1/restore/begin first (into a new, empty workspace).");
  return state;
}

/** Refuses unless this workspace holds nothing but its own audit entries and no restore is under way. */
export function checkRestorable(db: TenantDb, sql: SqlStorage): void {
  const state = restoreState(db);
  if (state) {
    throw new AccountError(
      "conflict",
      `A restore into this workspace is already in progress (begun ${state.started_at}); post the remaining tables, then POST /api/v1/restore/finish.`,
    );
  }
  const filled = BACKUP_TABLES.filter((table) => table.name !== "audit_log")
    .map((table) => ({ name: table.name, rows: rowCount(sql, table) }))
    .filter((table) => table.rows > 0);
  if (filled.length > 0) {
    throw new AccountError(
      "conflict",
      `This workspace already has data (${filled.map((t) => `${t.name}: ${t.rows} rows`).join(", ")}); restore only into a new, empty workspace (sign up a new one).`,
    );
  }
}

/** Who is acting (the Tenant object's Actor). */
type Actor = { userId: string; via: string };

export function beginRestore(db: TenantDb, sql: SqlStorage, actor: Actor, now = new Date()): { started_at: string; schema_version: string } {
  checkRestorable(db, sql);
  recordAudit(db, { ...actor, action: "restore_begin", details: { schema_version: SCHEMA_VERSION } }, now);
  const ownAuditIds = [...sql.exec<{ id: number }>(`SELECT id FROM audit_log ORDER BY id`)].map((row) => row.id);
  saveRestoreState(db, { started_at: now.toISOString(), user_id: actor.userId, own_audit_ids: ownAuditIds }, actor.userId, now);
  return { started_at: now.toISOString(), schema_version: SCHEMA_VERSION };
}

function validRows(table: BackupTable, rows: unknown): BackupRow[] {
  if (!Array.isArray(rows) || rows.length === 0 || rows.length > PAGE_ROWS_MAX) {
    throw new AccountError("invalid", `rows must be an array of 1 to ${PAGE_ROWS_MAX} row objects of table ${table.name}.`);
  }
  const known = new Set(table.columns);
  return rows.map((row: unknown, index) => {
    if (!row || typeof row !== "object" || Array.isArray(row)) throw new AccountError("invalid", `rows[${index}] must be an object of column values.`);
    for (const [column, value] of Object.entries(row)) {
      if (!known.has(column)) {
        throw new AccountError("invalid", `rows[${index}].${column.slice(0, 64)}: no such column in ${table.name}; its columns are ${table.columns.join(", ")}.`);
      }
      const ok = value === null || typeof value === "string" || (typeof value === "number" && Number.isFinite(value));
      if (!ok) throw new AccountError("invalid", `rows[${index}].${column} must be a string, a finite number or null, as the export gave it.`);
    }
    for (const column of table.primaryKey) {
      if (!(column in row)) throw new AccountError("invalid", `rows[${index}].${column} is missing; it is part of ${table.name}'s primary key.`);
    }
    return row as BackupRow;
  });
}

/** SQLite's refusal of one row, turned into a message naming the row and the fix. */
function refusal(table: BackupTable, index: number, error: unknown): AccountError | null {
  const message = error instanceof Error ? error.message : "";
  if (/UNIQUE constraint failed|PRIMARY KEY/i.test(message)) {
    return new AccountError("conflict", `rows[${index}] of ${table.name} is already restored (same key); post each page once.`);
  }
  if (/FOREIGN KEY constraint failed/i.test(message)) {
    return new AccountError(
      "invalid",
      `rows[${index}] of ${table.name} references a row that is not restored; restore tables in the order GET /api/v1/export/tables lists them.`,
    );
  }
  const notNull = /NOT NULL constraint failed: [\w.]*?(\w+)\s*(?::|$)/i.exec(message);
  if (notNull) return new AccountError("invalid", `rows[${index}].${notNull[1]} of ${table.name} must not be null.`);
  return null;
}

/**
 * Inserts one page of exported rows as they are (same keys). Call inside a transaction, after
 * beginRestore. The workspace's own audit entries move after the restored ones, so the
 * restored entries keep their ids.
 */
export function restoreRows(db: TenantDb, sql: SqlStorage, tableName: string, rawRows: unknown, now = new Date()): number {
  const table = backupTable(tableName);
  const state = requireRestore(db);
  const rows = validRows(table, rawRows);
  if (table.name === "settings") {
    const index = rows.findIndex((row) => row.key === RESTORE_FLAG);
    if (index >= 0) throw new AccountError("invalid", `rows[${index}].key: ${RESTORE_FLAG} is the restore's own marker and cannot be restored.`);
  }
  if (table.name === "audit_log") {
    const highest = Math.max(...rows.map((row) => (typeof row.id === "number" ? row.id : 0)));
    // When any of the workspace's own entries is in the way, all of them move, in their order,
    // after both the log and this page: moving only some would put them out of order.
    if (state.own_audit_ids.some((id) => id <= highest)) {
      const top = sql.exec<{ top: number | null }>(`SELECT max(id) AS top FROM audit_log`).one().top ?? 0;
      const first = Math.max(top, highest) + 1;
      const moved = state.own_audit_ids.map((id, index) => {
        sql.exec(`UPDATE audit_log SET id = ? WHERE id = ?`, first + index, id);
        return first + index;
      });
      saveRestoreState(db, { ...state, own_audit_ids: moved }, state.user_id, now);
    }
  }
  rows.forEach((row, index) => {
    const columns = Object.keys(row);
    try {
      sql.exec(
        `INSERT INTO ${quote(table.name)} (${columns.map(quote).join(", ")}) VALUES (${columns.map(() => "?").join(", ")})`,
        ...columns.map((column) => row[column] ?? null),
      );
    } catch (error) {
      throw refusal(table, index, error) ?? error;
    }
  });
  return rows.length;
}

/** The ids of accounts after `after`, in pages, for refreshing derived state at the end of a restore. */
export function accountIdsAfter(sql: SqlStorage, after: string | null, limit: number): string[] {
  const cursor = after === null ? sql.exec<{ id: string }>(`SELECT id FROM accounts ORDER BY id LIMIT ?`, limit) : sql.exec<{ id: string }>(`SELECT id FROM accounts WHERE id > ? ORDER BY id LIMIT ?`, after, limit);
  return [...cursor].map((row) => row.id);
}

/** Ends the restore: clears the marker and records what arrived. Call inside a transaction. */
export function finishRestore(db: TenantDb, sql: SqlStorage, actor: Actor, now = new Date()): { started_at: string; tables: Record<string, number> } {
  const state = requireRestore(db);
  db.delete(schema.settings).where(eq(schema.settings.key, RESTORE_FLAG)).run();
  const tables = Object.fromEntries(BACKUP_TABLES.map((table) => [table.name, rowCount(sql, table)]));
  recordAudit(db, { ...actor, action: "restore_finish", details: { started_at: state.started_at, rows: tables } }, now);
  return { started_at: state.started_at, tables };
}
