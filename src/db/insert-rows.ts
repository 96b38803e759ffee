import { getTableColumns, sql } from "drizzle-orm";
import type { SQLiteTable } from "drizzle-orm/sqlite-core";
import type { TenantDb } from "./accounts";

/**
 * INSERT … SELECT over json_each: `rows` travel as one JSON array of positional arrays, one
 * position per column of the table (from its drizzle schema) that the rows carry. A boolean is
 * stored as SQLite stores drizzle's booleans (1/0).
 */
export function insertRows<Table extends SQLiteTable>(db: TenantDb, table: Table, rows: readonly Table["$inferInsert"][]): void {
  const first = rows[0];
  if (first === undefined) return;
  const columns = Object.entries(getTableColumns(table)).filter(([property]) => property in first);
  const payload = JSON.stringify(
    rows.map((row) =>
      columns.map(([property]) => {
        const value: unknown = (row as Record<string, unknown>)[property];
        return typeof value === "boolean" ? (value ? 1 : 0) : (value ?? null);
      }),
    ),
  );
  const names = sql.raw(columns.map(([, column]) => `"${column.name}"`).join(", "));
  const picks = sql.raw(columns.map((_, index) => `value->>${index}`).join(", "));
  db.run(sql`INSERT INTO ${table} (${names}) SELECT ${picks} FROM json_each(${payload})`);
}
