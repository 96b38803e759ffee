import { sql, type Placeholder } from "drizzle-orm";
import type { TenantDb } from "./accounts";

/**
 * Drizzle builds a query's SQL on every call, and for the small lookups a webhook or a tool
 * call makes that costs more than SQLite running them. The hottest queries are compiled once
 * per tenant database (`.prepare()` with `sql.placeholder`s) and reused.
 *
 * A transaction shares its database's session (and so its SQLite handle), so the cache is keyed
 * by the session: queries compiled outside a transaction serve inside one and the other way round.
 */
const compiledBySession = new WeakMap<object, Map<(db: TenantDb) => unknown, unknown>>();

export function compiledOnce<T>(db: TenantDb, compile: (db: TenantDb) => T): T {
  // `session` is drizzle's own field on every database and transaction object (not in its types).
  const session = (db as unknown as { session: object }).session;
  let cache = compiledBySession.get(session);
  if (!cache) {
    cache = new Map();
    compiledBySession.set(session, cache);
  }
  if (!cache.has(compile)) cache.set(compile, compile(db));
  return cache.get(compile) as T;
}

/** `{ column: sql.placeholder("column") }` for each column: the values of an insert compiled once. */
export function placeholders<Column extends string>(...columns: Column[]): Record<Column, Placeholder<Column>> {
  return Object.fromEntries(columns.map((column) => [column, sql.placeholder(column)])) as Record<Column, Placeholder<Column>>;
}
