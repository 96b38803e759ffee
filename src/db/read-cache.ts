/**
 * Answers of read-only queries over a few tables, kept in the Tenant object's memory while
 * those tables have not changed since they were computed: paging through a list of 100,000
 * accounts, or a dashboard asking again, then costs no rescan. The object is its database's
 * only writer, and every statement it runs goes through the storage that `watch` returns,
 * which counts each statement that may write one of the watched tables; any such statement,
 * committed or rolled back, empties the cache. A statement whose target it cannot tell (DDL,
 * anything unusual) counts too. Coarse, but never stale. (SQLite's total_changes() would move
 * on the audit entry every tool call writes.) Callers must not change the objects they get back.
 */

const READ_ONLY = /^\s*(select\b|with\b(?![\s\S]*\b(insert|update|delete|replace)\b))/i;
/** The table an INSERT, REPLACE, UPDATE or DELETE writes, when the statement begins with one. */
const WRITE_TARGET = /^\s*(?:insert(?:\s+or\s+\w+)?\s+into|replace\s+into|update(?:\s+or\s+\w+)?|delete\s+from)\s+["`]?(\w+)["`]?/i;

export class ReadCache {
  private writes = 0;
  private answersAt = -1;
  private readonly answers = new Map<string, unknown>();
  private readonly watched: ReadonlySet<string>;

  /** `tables`: every table a cached answer reads. */
  constructor(tables: readonly string[], private readonly maxEntries = 64) {
    this.watched = new Set(tables);
  }

  /** The storage to use for everything: the same object, whose sql.exec notes writes. */
  watch(storage: DurableObjectStorage): DurableObjectStorage {
    const countingSql = new Proxy(storage.sql, {
      get: (target, property) => {
        if (property === "exec") {
          return (query: string, ...bindings: unknown[]) => {
            this.noteStatement(query);
            return target.exec(query, ...bindings);
          };
        }
        const value: unknown = Reflect.get(target, property, target);
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
    return new Proxy(storage, {
      get: (target, property) => {
        if (property === "sql") return countingSql;
        const value: unknown = Reflect.get(target, property, target);
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
  }

  private noteStatement(query: string): void {
    if (READ_ONLY.test(query)) return;
    const target = WRITE_TARGET.exec(query)?.[1]?.toLowerCase();
    if (target !== undefined && !this.watched.has(target)) return;
    this.writes += 1;
  }

  answer<T>(key: string, compute: () => T): T {
    if (this.answersAt !== this.writes) {
      this.answers.clear();
      this.answersAt = this.writes;
    }
    if (this.answers.has(key)) return this.answers.get(key) as T;
    const value = compute();
    // A write during compute (none expected from a read) must not leave its answer behind.
    if (this.answersAt !== this.writes) return value;
    if (this.answers.size >= this.maxEntries) {
      const oldest = this.answers.keys().next();
      if (!oldest.done) this.answers.delete(oldest.value);
    }
    this.answers.set(key, value);
    return value;
  }
}
