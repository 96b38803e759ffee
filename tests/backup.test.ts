import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { is } from "drizzle-orm";
import { drizzle } from "drizzle-orm/durable-sqlite";
import { getTableConfig, SQLiteTable } from "drizzle-orm/sqlite-core";
import { describe, expect, it } from "vitest";
import type { TenantDO } from "../durable-objects/tenant";
import migrations from "../migrations/tenant/migrations.js";
import { NOT_BACKED_UP } from "../src/db/backup";
import { refreshAccountFeatures } from "../src/db/features";
import * as schema from "../src/db/tenant-schema";
import { apiCall, newWorkspace, ORIGIN, tokenFor } from "./support/worker";

/** Export and restore routes (src/api/backup.ts, src/db/backup.ts) against the real Tenant object. */

type Value = string | number | null;
type Row = Record<string, Value>;

interface TableInfo {
  name: string;
  columns: string[];
  primary_key: string[];
  rows: number;
}

interface TablesAnswer {
  tenant_id: string;
  schema_version: string;
  restore_in_progress: boolean;
  tables: TableInfo[];
}

const ADMIN = "cs:read cs:write cs:admin";

async function adminToken(organization: string): Promise<string> {
  const workspace = await newWorkspace(organization);
  return (await tokenFor(workspace, { scope: ADMIN, grant: ADMIN.split(" "), resource: ORIGIN })).access_token;
}

async function json<T>(response: Response): Promise<T> {
  return (await response.json()) as T;
}

async function tablesOf(token: string): Promise<TablesAnswer> {
  const response = await apiCall(token, "/api/v1/export/tables");
  expect(response.status).toBe(200);
  return json<TablesAnswer>(response);
}

function objectOf(tenantId: string): DurableObjectStub<TenantDO> {
  const namespace = env.TENANT as DurableObjectNamespace<TenantDO>;
  return namespace.get(namespace.idFromName(tenantId));
}

/** Every row of a table in primary-key order, read inside the Tenant object. */
async function storedRows(tenantId: string, table: TableInfo): Promise<Row[]> {
  return runInDurableObject(objectOf(tenantId), (_instance: TenantDO, state) => {
    const key = table.primary_key.map((column) => `"${column}"`).join(", ");
    return state.storage.sql.exec<Row>(`SELECT * FROM "${table.name}" ORDER BY ${key}`).toArray();
  });
}

/** Reads a whole table through GET /export/{table}, page by page. */
async function exportAll(token: string, table: string, limit: number): Promise<{ rows: Row[]; pages: number }> {
  const rows: Row[] = [];
  let after: string | null = null;
  let pages = 0;
  do {
    const query = new URLSearchParams({ limit: String(limit), ...(after ? { after } : {}) });
    const response = await apiCall(token, `/api/v1/export/${table}?${query}`);
    expect(response.status).toBe(200);
    const page = await json<{ rows: Row[]; next: string | null }>(response);
    expect(page.rows.length).toBeLessThanOrEqual(limit);
    rows.push(...page.rows);
    after = page.next;
    pages += 1;
  } while (after);
  return { rows, pages };
}

const ROWS_PER_TABLE = 9;
const ACCOUNTS = 4;

/**
 * Fills every table of the schema module with generated rows, straight into the Tenant
 * object: generic over the tables (drizzle's table config), so a new table is covered too.
 * Foreign keys point at rows of the referenced table, several rows sharing one parent, so
 * composite keys have pages that break inside one account.
 */
async function fillEveryTable(tenantId: string): Promise<Map<string, number>> {
  const tables = (Object.values(schema) as unknown[])
    .flatMap((value) => (is(value, SQLiteTable) ? [value] : []))
    .filter((table) => !NOT_BACKED_UP.includes(getTableConfig(table).name));
  const keys = new Map<string, Row[]>();
  const pending = [...tables];
  const ordered: SQLiteTable[] = [];
  while (pending.length > 0) {
    const index = pending.findIndex((table) =>
      getTableConfig(table).foreignKeys.every((key) => {
        const target = getTableConfig(key.reference().foreignTable).name;
        return target === getTableConfig(table).name || ordered.some((done) => getTableConfig(done).name === target);
      }),
    );
    const [next] = pending.splice(index, 1);
    if (!next) throw new Error("no table can go next");
    ordered.push(next);
  }
  const counts = new Map<string, number>();
  await runInDurableObject(objectOf(tenantId), (_instance: TenantDO, state) => {
    // A new workspace's log already holds the consent that made the test's token; the rows below are numbered from 1.
    state.storage.sql.exec("DELETE FROM audit_log");
    for (const table of ordered) {
      const config = getTableConfig(table);
      const isReference = (name: string) => config.foreignKeys.some((fk) => fk.reference().columns.some((c) => c.name === name));
      const keyColumns = config.primaryKeys[0]?.columns ?? config.columns.filter((column) => column.primary);
      // A table keyed by its parent (account_features) has one row per parent row.
      const keyedByParent = keyColumns.every((column) => isReference(column.name));
      const parentCount = (name: string) => keys.get(name)?.length ?? 0;
      const firstParent = config.foreignKeys[0] ? getTableConfig(config.foreignKeys[0].reference().foreignTable).name : "";
      const count = config.name === "accounts" ? ACCOUNTS : keyedByParent ? parentCount(firstParent) : ROWS_PER_TABLE;
      const inserted: Row[] = [];
      for (let i = 0; i < count; i++) {
        const row: Row = {};
        for (const column of config.columns) {
          const key = config.foreignKeys.find((fk) => fk.reference().columns.some((c) => c.name === column.name));
          if (key) {
            const reference = key.reference();
            const parents = keys.get(getTableConfig(reference.foreignTable).name) ?? [];
            const position = reference.columns.findIndex((c) => c.name === column.name);
            const parent = keyedByParent ? parents[i] : parents[i % Math.min(parents.length, ACCOUNTS)];
            row[column.name] = parent ? (parent[reference.foreignColumns[position]?.name ?? ""] ?? null) : null;
            continue;
          }
          const enumValues = (column as { enumValues?: string[] }).enumValues;
          if (column.columnType === "SQLiteText" && enumValues && enumValues.length > 0) row[column.name] = enumValues[i % enumValues.length] ?? null;
          else if (column.columnType === "SQLiteText" && /(^day$|_date$|_on$)/.test(column.name)) row[column.name] = new Date(Date.UTC(2026, 0, 1 + i * 3)).toISOString().slice(0, 10);
          else if (column.columnType === "SQLiteText" && /_at$/.test(column.name)) row[column.name] = new Date(Date.UTC(2026, 0, 1, i, 30)).toISOString();
          else if (column.columnType === "SQLiteText") row[column.name] = `${config.name}.${column.name} #${i} "quoted" é`;
          else if (column.columnType === "SQLiteBoolean") row[column.name] = i % 2;
          else if (column.columnType.startsWith("SQLiteInteger")) row[column.name] = i + 1;
          else row[column.name] = i + 0.25;
        }
        const columns = Object.keys(row);
        state.storage.sql.exec(
          `INSERT INTO "${config.name}" (${columns.map((c) => `"${c}"`).join(", ")}) VALUES (${columns.map(() => "?").join(", ")})`,
          ...columns.map((c) => row[c] ?? null),
        );
        inserted.push(row);
      }
      keys.set(config.name, inserted);
      counts.set(config.name, count);
    }
  });
  return counts;
}

/** Copies every table of `from` into `to` through the export and restore routes. */
async function copyThroughApi(from: string, to: string, limit: number): Promise<void> {
  const begun = await apiCall(to, "/api/v1/restore/begin", { method: "POST" });
  expect(begun.status).toBe(200);
  for (const table of (await tablesOf(from)).tables) {
    let after: string | null = null;
    do {
      const query: URLSearchParams = new URLSearchParams({ limit: String(limit), ...(after ? { after } : {}) });
      const page: { rows: Row[]; next: string | null } = await json(await apiCall(from, `/api/v1/export/${table.name}?${query}`));
      if (page.rows.length > 0) {
        const posted = await apiCall(to, `/api/v1/restore/${table.name}`, { method: "POST", body: JSON.stringify({ rows: page.rows }) });
        expect(posted.status, await posted.clone().text()).toBe(200);
        expect((await json<{ inserted: number }>(posted)).inserted).toBe(page.rows.length);
      }
      after = page.next;
    } while (after);
  }
  const finished = await apiCall(to, "/api/v1/restore/finish", { method: "POST" });
  expect(finished.status, await finished.clone().text()).toBe(200);
}

describe("export", () => {
  it("lists every table of the schema in foreign-key order, with columns, keys, counts and the tenant", async () => {
    const token = await adminToken("Export Co");
    const before = await tablesOf(token);
    expect(before.schema_version).toBe(migrations.journal.entries.at(-1)?.tag);
    expect(before.restore_in_progress).toBe(false);
    const counts = await fillEveryTable(before.tenant_id);
    const answer = await tablesOf(token);
    // Every table SQLite has, except drizzle's migrations table, the runtime's own, and the
    // sealed integration credentials (bound to their tenant: never exported).
    const real = await runInDurableObject(objectOf(answer.tenant_id), (_instance: TenantDO, state) =>
      state.storage.sql
        .exec<{ name: string }>(`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_cf_%' AND name != '__drizzle_migrations'`)
        .toArray()
        .map((row) => row.name)
        .filter((name) => !NOT_BACKED_UP.includes(name)),
    );
    expect(answer.tables.map((table) => table.name).sort()).toEqual(real.sort());
    for (const table of answer.tables) {
      expect(table.rows).toBe(counts.get(table.name));
      expect(table.rows).toBeGreaterThan(0);
      const columns = await runInDurableObject(objectOf(answer.tenant_id), (_instance: TenantDO, state) =>
        state.storage.sql.exec<{ name: string; pk: number }>(`SELECT name, pk FROM pragma_table_info(?)`, table.name).toArray(),
      );
      expect(table.columns).toEqual(columns.map((column) => column.name));
      expect(table.primary_key).toEqual(columns.filter((c) => c.pk > 0).sort((a, b) => a.pk - b.pk).map((c) => c.name));
      const references = await runInDurableObject(objectOf(answer.tenant_id), (_instance: TenantDO, state) =>
        state.storage.sql.exec<{ table: string }>(`SELECT "table" FROM pragma_foreign_key_list(?)`, table.name).toArray(),
      );
      const position = answer.tables.indexOf(table);
      for (const { table: parent } of references) {
        if (parent !== table.name) expect(answer.tables.findIndex((t) => t.name === parent)).toBeLessThan(position);
      }
    }
  });

  it("pages every table completely in key order, stable when rows arrive between pages", async () => {
    const token = await adminToken("Paging Co");
    const { tenant_id: tenantId } = await tablesOf(token);
    await fillEveryTable(tenantId);
    for (const table of (await tablesOf(token)).tables) {
      const { rows, pages } = await exportAll(token, table.name, 2);
      expect(rows).toEqual(await storedRows(tenantId, table));
      expect(pages).toBe(Math.ceil(table.rows / 2));
    }
    // A row that sorts before the cursor, added mid-export, neither repeats nor skips a row.
    const first = await json<{ rows: Row[]; next: string }>(await apiCall(token, "/api/v1/export/segments?limit=3"));
    await runInDurableObject(objectOf(tenantId), (_instance: TenantDO, state) => {
      state.storage.sql.exec(
        `INSERT INTO segments (id, name, description, rule, created_by, created_at, updated_at) VALUES ('!first', 'early', '', '{}', 'u', '2026-01-01', '2026-01-01')`,
      );
    });
    const rest: Row[] = [];
    let after: string | null = first.next;
    while (after) {
      const page: { rows: Row[]; next: string | null } = await json(await apiCall(token, `/api/v1/export/segments?limit=3&after=${after}`));
      rest.push(...page.rows);
      after = page.next;
    }
    const all = [...first.rows, ...rest].map((row) => row.id);
    expect(new Set(all).size).toBe(ROWS_PER_TABLE);
    expect(all).not.toContain("!first");
  }, 30_000);

  it("pages tables with composite keys across rows that share the leading key", async () => {
    const token = await adminToken("Composite Co");
    const { tenant_id: tenantId } = await tablesOf(token);
    await fillEveryTable(tenantId);
    const tables = (await tablesOf(token)).tables.filter((table) => table.primary_key.length > 1);
    expect(tables.map((table) => table.name)).toEqual(expect.arrayContaining(["usage_daily", "usage_daily_users", "usage_feature_daily"]));
    for (const table of tables) {
      const first = await json<{ rows: Row[]; next: string }>(await apiCall(token, `/api/v1/export/${table.name}?limit=1`));
      const second = await json<{ rows: Row[] }>(await apiCall(token, `/api/v1/export/${table.name}?limit=1&after=${first.next}`));
      const stored = await storedRows(tenantId, table);
      expect([first.rows[0], second.rows[0]]).toEqual(stored.slice(0, 2));
      // Rows of four accounts in a table of nine: some share the leading key column (the
      // account-led tables; others, like webhook_receipts, lead with free text).
      if (table.name.startsWith("usage_")) expect(new Set(stored.map((row) => row[table.primary_key[0] ?? ""])).size).toBeLessThan(stored.length);
      expect((await exportAll(token, table.name, 2)).rows).toEqual(stored);
    }
    // A cursor of one table is refused on another, whose key has another shape.
    const cursor = (await json<{ next: string }>(await apiCall(token, "/api/v1/export/usage_daily_users?limit=1"))).next;
    const wrong = await apiCall(token, `/api/v1/export/accounts?after=${cursor}`);
    expect(wrong.status).toBe(400);
    expect((await json<{ error: { message: string } }>(wrong)).error.message).toContain("after");
  });

  it("accepts only the schema's tables and bounded limits", async () => {
    const token = await adminToken("Validation Co");
    for (const name of ["sqlite_master", "__drizzle_migrations", "accounts%22%3B%20DROP%20TABLE%20accounts%3B--", "nope"]) {
      const response = await apiCall(token, `/api/v1/export/${name}`);
      expect(response.status).toBe(404);
      expect((await json<{ error: { message: string } }>(response)).error.message).toContain("accounts");
    }
    for (const limit of ["0", "1001", "abc", "2.5"]) {
      const response = await apiCall(token, `/api/v1/export/accounts?limit=${limit}`);
      expect(response.status).toBe(400);
      expect((await json<{ error: { message: string } }>(response)).error.message).toContain("limit");
    }
    expect((await apiCall(token, "/api/v1/export/accounts?after=not-a-cursor")).status).toBe(400);
    expect((await apiCall(token, "/api/v1/restore/begin", { method: "POST" })).status).toBe(200);
    const unknown = await apiCall(token, "/api/v1/restore/sqlite_master", { method: "POST", body: JSON.stringify({ rows: [{ name: "x" }] }) });
    expect(unknown.status).toBe(404);
    const badColumn = await apiCall(token, "/api/v1/restore/segments", { method: "POST", body: JSON.stringify({ rows: [{ id: "s", "name; DROP": "x" }] }) });
    expect(badColumn.status).toBe(400);
    expect((await json<{ error: { message: string } }>(badColumn)).error.message).toContain("no such column");
    const noRows = await apiCall(token, "/api/v1/restore/segments", { method: "POST", body: JSON.stringify({ rows: [] }) });
    expect(noRows.status).toBe(400);
    const notNull = await apiCall(token, "/api/v1/restore/segments", { method: "POST", body: JSON.stringify({ rows: [{ id: "s" }] }) });
    expect(notNull.status).toBe(400);
    expect((await json<{ error: { message: string } }>(notNull)).error.message).toMatch(/must not be null/);
    const flag = await apiCall(token, "/api/v1/restore/settings", {
      method: "POST",
      body: JSON.stringify({ rows: [{ key: "restore.in_progress", value: "{}", updated_by: "u", updated_at: "2026-01-01" }] }),
    });
    expect(flag.status).toBe(400);
    const orphan = await apiCall(token, "/api/v1/restore/contacts", {
      method: "POST",
      body: JSON.stringify({
        rows: [{ id: "c1", account_id: "missing", name: "N", role: "user", is_primary: 0, status: "active", created_at: "2026-01-01", updated_at: "2026-01-01" }],
      }),
    });
    expect(orphan.status).toBe(400);
    expect((await json<{ error: { message: string } }>(orphan)).error.message).toContain("order");
  });
});

describe("restore", () => {
  it("round-trips every table into a new workspace: same rows, same keys, derived state refreshed", async () => {
    const tokenA = await adminToken("Source Co");
    const tokenB = await adminToken("Target Co");
    const a = await tablesOf(tokenA);
    const b = await tablesOf(tokenB);
    await fillEveryTable(a.tenant_id);
    await copyThroughApi(tokenA, tokenB, 4);
    // What the restore's refresh did to B's derived state, done to A as well.
    await runInDurableObject(objectOf(a.tenant_id), (_instance: TenantDO, state) => {
      const db = drizzle(state.storage, { schema });
      const ids = state.storage.sql.exec<{ id: string }>("SELECT id FROM accounts").toArray().map((row) => row.id);
      state.storage.transactionSync(() => refreshAccountFeatures(db, ids));
    });
    const after = await tablesOf(tokenB);
    expect(after.restore_in_progress).toBe(false);
    for (const table of after.tables) {
      const source = await storedRows(a.tenant_id, table);
      const target = await storedRows(b.tenant_id, table);
      if (table.name === "audit_log") {
        // The restored history keeps its ids; B's own entry (the consent that made its token) and the restore's own follow it.
        expect(target.slice(0, source.length)).toEqual(source);
        expect(target.slice(source.length).map((row) => row.action)).toEqual(["approve_assistant_access", "restore_begin", "restore_finish"]);
        expect(target.slice(source.length).every((row) => Number(row.id) > source.length)).toBe(true);
      } else if (table.name === "account_features") {
        const withoutTime = (rows: Row[]) => rows.map(({ updated_at: _time, ...rest }) => rest);
        expect(withoutTime(target)).toEqual(withoutTime(source));
      } else {
        expect(target).toEqual(source);
      }
    }
    // New writes in B continue after the restored ids.
    const created = await apiCall(tokenB, "/api/v1/clients", {
      method: "POST",
      body: JSON.stringify({ client_name: "After", company_name: "After Ltd", industry: "x", tier: "starter", contract_value: 1 }),
    });
    expect(created.status).toBe(201);
    const audit = await storedRows(b.tenant_id, { name: "audit_log", columns: [], primary_key: ["id"], rows: 0 });
    expect(audit.filter((row) => !String(row.action).startsWith("tool:")).at(-1)?.action).toBe("register_client");
    expect(new Set(audit.map((row) => row.id)).size).toBe(audit.length);
  }, 30_000);

  it("is refused into a workspace with data, twice, without begin, and blocks export while under way", async () => {
    const token = await adminToken("Busy Co");
    const created = await apiCall(token, "/api/v1/clients", {
      method: "POST",
      body: JSON.stringify({ client_name: "Busy", company_name: "Busy Ltd", industry: "x", tier: "starter", contract_value: 1 }),
    });
    expect(created.status).toBe(201);
    const refused = await apiCall(token, "/api/v1/restore/begin", { method: "POST" });
    expect(refused.status).toBe(409);
    expect((await json<{ error: { message: string } }>(refused)).error.message).toMatch(/already has data \(accounts: 1 rows/);

    const fresh = await adminToken("Fresh Co");
    const notBegun = await apiCall(fresh, "/api/v1/restore/segments", {
      method: "POST",
      body: JSON.stringify({ rows: [{ id: "s", name: "n", description: "", rule: "{}", created_by: "u", created_at: "x", updated_at: "x" }] }),
    });
    expect(notBegun.status).toBe(409);
    expect((await json<{ error: { message: string } }>(notBegun)).error.message).toContain("restore/begin");
    expect((await apiCall(fresh, "/api/v1/restore/finish", { method: "POST" })).status).toBe(409);
    expect((await apiCall(fresh, "/api/v1/restore/begin", { method: "POST" })).status).toBe(200);
    expect((await apiCall(fresh, "/api/v1/restore/begin", { method: "POST" })).status).toBe(409);
    expect((await tablesOf(fresh)).restore_in_progress).toBe(true);
    expect((await apiCall(fresh, "/api/v1/export/accounts")).status).toBe(409);
    const page = { rows: [{ id: "s", name: "n", description: "", rule: "{}", created_by: "u", created_at: "x", updated_at: "x" }] };
    expect((await apiCall(fresh, "/api/v1/restore/segments", { method: "POST", body: JSON.stringify(page) })).status).toBe(200);
    const twice = await apiCall(fresh, "/api/v1/restore/segments", { method: "POST", body: JSON.stringify(page) });
    expect(twice.status).toBe(409);
    expect((await json<{ error: { message: string } }>(twice)).error.message).toContain("already restored");
    expect((await apiCall(fresh, "/api/v1/restore/finish", { method: "POST" })).status).toBe(200);
    expect((await exportAll(fresh, "segments", 10)).rows.map((row) => row.id)).toEqual(["s"]);
    // Now it has data: a second restore is refused.
    expect((await apiCall(fresh, "/api/v1/restore/begin", { method: "POST" })).status).toBe(409);
  });

  it("needs cs:admin on every route", async () => {
    const workspace = await newWorkspace("Scope Co");
    const token = (await tokenFor(workspace, { scope: "cs:read cs:write", grant: ["cs:read", "cs:write"], resource: ORIGIN })).access_token;
    const calls: [string, string][] = [
      ["GET", "/api/v1/export/tables"],
      ["GET", "/api/v1/export/accounts"],
      ["POST", "/api/v1/restore/begin"],
      ["POST", "/api/v1/restore/accounts"],
      ["POST", "/api/v1/restore/finish"],
    ];
    for (const [method, path] of calls) {
      const response = await apiCall(token, path, { method, ...(method === "POST" ? { body: JSON.stringify({ rows: [] }) } : {}) });
      expect(response.status).toBe(403);
      expect(response.headers.get("WWW-Authenticate")).toContain("insufficient_scope");
      expect(response.headers.get("WWW-Authenticate")).toContain("cs:admin");
    }
    expect((await apiCall("not-a-token", "/api/v1/export/tables")).status).toBe(401);
  });

  it("keeps each workspace to itself: a token exports and restores only its own tenant", async () => {
    const tokenA = await adminToken("Tenant A");
    const tokenB = await adminToken("Tenant B");
    const a = await tablesOf(tokenA);
    const b = await tablesOf(tokenB);
    expect(a.tenant_id).not.toBe(b.tenant_id);
    await fillEveryTable(a.tenant_id);
    expect((await exportAll(tokenB, "accounts", 10)).rows).toEqual([]);
    // B holds nothing but the audit entry of the consent that made its token.
    const tablesB = (await tablesOf(tokenB)).tables;
    expect(tablesB.filter((table) => table.rows !== 0).map((table) => `${table.name}: ${table.rows}`)).toEqual(["audit_log: 1"]);
    // Restoring into B leaves A as it was.
    const beforeA = await storedRows(a.tenant_id, { name: "accounts", columns: [], primary_key: ["id"], rows: 0 });
    await copyThroughApi(tokenA, tokenB, 1000);
    expect(await storedRows(a.tenant_id, { name: "accounts", columns: [], primary_key: ["id"], rows: 0 })).toEqual(beforeA);
    expect((await exportAll(tokenB, "accounts", 10)).rows).toEqual(beforeA);
    expect((await tablesOf(tokenA)).tables.find((table) => table.name === "audit_log")?.rows).toBe(ROWS_PER_TABLE);
  });
});
