import { sql } from "drizzle-orm";
import type { TenantDb } from "./accounts";

/**
 * Answers of read-only queries, kept in the Tenant object's memory while its database has not
 * changed since they were computed. SQLite's total_changes() counts every row this connection
 * has inserted, updated or deleted, and the object is its database's only connection, so an
 * unchanged count means unchanged data: paging through a list of 100,000 accounts, or a
 * dashboard asking again, then costs no rescan. Any write anywhere empties the cache (coarse,
 * but never stale). Callers must not change the objects they get back.
 */
export class ReadCache {
  private version = -1;
  private readonly answers = new Map<string, unknown>();

  constructor(private readonly maxEntries = 64) {}

  answer<T>(db: TenantDb, key: string, compute: () => T): T {
    const version = db.get<{ version: number }>(sql`SELECT total_changes() AS version`)?.version ?? -1;
    if (version !== this.version) {
      this.answers.clear();
      this.version = version;
    }
    if (this.answers.has(key)) return this.answers.get(key) as T;
    const value = compute();
    if (this.answers.size >= this.maxEntries) {
      const oldest = this.answers.keys().next();
      if (!oldest.done) this.answers.delete(oldest.value);
    }
    this.answers.set(key, value);
    return value;
  }
}
