/**
 * What `npm run export` and `npm run restore` share: the libSQL database (a local file: URL or
 * a Turso libsql:// URL), the tenant schema applied from the project's own migration files,
 * the `_export` marker table, and the REST calls to /api/v1/export and /api/v1/restore.
 * Plain TypeScript with erasable types, so Node 22 runs it directly.
 */
import { createClient, type Client, type InValue } from "@libsql/client";
import { readFileSync } from "node:fs";
import { isAbsolute, resolve } from "node:path";

const MIGRATIONS_DIR = resolve(import.meta.dirname, "../../migrations/tenant");

interface Journal {
  entries: { idx: number; tag: string }[];
}

function journal(): Journal {
  return JSON.parse(readFileSync(resolve(MIGRATIONS_DIR, "meta/_journal.json"), "utf8")) as Journal;
}

/** The tag of this checkout's last tenant migration: the schema version an export file records. */
export function localSchemaVersion(): string {
  return journal().entries.at(-1)?.tag ?? "none";
}

/** Creates the tenant tables by running migrations/tenant/*.sql in journal order, as the Tenant object does. */
export async function applyTenantSchema(client: Client): Promise<void> {
  const entries = [...journal().entries].sort((a, b) => a.idx - b.idx);
  for (const entry of entries) {
    const text = readFileSync(resolve(MIGRATIONS_DIR, `${entry.tag}.sql`), "utf8");
    const statements = text
      .split("--> statement-breakpoint")
      .map((statement) => statement.trim())
      .filter((statement) => statement !== "");
    await client.batch(statements, "write");
  }
}

/** The marker an export writes last; its absence means the export did not finish. */
export const EXPORT_TABLE = "_export";

export async function createExportTable(client: Client): Promise<void> {
  await client.execute(`CREATE TABLE ${EXPORT_TABLE} (tenant_id TEXT NOT NULL, exported_at TEXT NOT NULL, schema_version TEXT NOT NULL, source TEXT NOT NULL)`);
}

export interface ExportMarker {
  tenant_id: string;
  exported_at: string;
  schema_version: string;
  source: string;
}

/** A file: URL relative to where the user ran npm (INIT_CWD), not to the project root npm switches to. */
export function databaseUrl(url: string): string {
  if (!url.startsWith("file:") || url.startsWith("file://")) return url;
  const path = url.slice("file:".length);
  return isAbsolute(path) ? url : `file:${resolve(process.env.INIT_CWD ?? process.cwd(), path)}`;
}

export function openDatabase(url: string, authToken: string | undefined): Client {
  return createClient({ url: databaseUrl(url), ...(authToken ? { authToken } : {}) });
}

export const quote = (identifier: string) => `"${identifier.replaceAll('"', '""')}"`;

/** Tables, views and triggers already in the database (SQLite's own left out). */
export async function existingObjects(client: Client): Promise<{ type: string; name: string }[]> {
  const result = await client.execute(`SELECT type, name FROM sqlite_master WHERE type IN ('table', 'view', 'trigger') AND name NOT LIKE 'sqlite_%'`);
  return result.rows.map((row) => ({ type: String(row.type), name: String(row.name) }));
}

export async function columnsOf(client: Client, table: string): Promise<string[]> {
  const result = await client.execute({ sql: `SELECT name FROM pragma_table_info(?) ORDER BY cid`, args: [table] });
  return result.rows.map((row) => String(row.name));
}

export type SqlValue = string | number | null;
export type Row = Record<string, SqlValue>;

export function sqlValue(value: unknown, where: string): SqlValue {
  if (value === null || typeof value === "string" || typeof value === "number") return value;
  if (typeof value === "bigint" && Number.isSafeInteger(Number(value))) return Number(value);
  throw new Error(`${where} holds a value the export format does not carry (${typeof value}).`);
}

export function insertStatement(table: string, row: Row): { sql: string; args: InValue[] } {
  const columns = Object.keys(row);
  return {
    sql: `INSERT INTO ${quote(table)} (${columns.map(quote).join(", ")}) VALUES (${columns.map(() => "?").join(", ")})`,
    args: columns.map((column) => row[column] ?? null),
  };
}

/* ------------------------------------------------------------------ the REST API */

export interface TableInfo {
  name: string;
  columns: string[];
  primary_key: string[];
  rows: number;
}

export interface TablesAnswer {
  tenant_id: string;
  schema_version: string;
  restore_in_progress: boolean;
  tables: TableInfo[];
}

export class Api {
  readonly origin: string;
  private readonly token: string;

  constructor(url: string, token: string) {
    this.origin = new URL(url).origin;
    this.token = token;
  }

  async call<T>(method: "GET" | "POST", path: string, body?: unknown): Promise<T> {
    const response = await fetch(`${this.origin}/api/v1${path}`, {
      method,
      headers: { Authorization: `Bearer ${this.token}`, "Content-Type": "application/json" },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = undefined;
    }
    if (!response.ok) {
      const message =
        parsed && typeof parsed === "object" && "error" in parsed && parsed.error && typeof parsed.error === "object" && "message" in parsed.error
          ? String(parsed.error.message)
          : (response.headers.get("WWW-Authenticate") ?? text.slice(0, 200));
      throw new Error(`${method} /api/v1${path} answered ${response.status}: ${message}`);
    }
    return parsed as T;
  }

  tables(): Promise<TablesAnswer> {
    return this.call<TablesAnswer>("GET", "/export/tables");
  }
}

/** --tenant, when given, must name the token's own workspace. */
export function checkTenant(wanted: string | undefined, answer: TablesAnswer): void {
  if (wanted !== undefined && wanted !== answer.tenant_id) {
    throw new Error(`--tenant ${wanted} is not the workspace of this token (${answer.tenant_id}); sign in to that workspace, or leave --tenant out.`);
  }
}

export const SCOPES = "cs:read cs:write cs:admin";

/** Runs a script's main, printing only the message of a failure (no stack). */
export function run(main: () => Promise<void>): void {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : String(error));
    process.exitCode = 1;
  });
}
