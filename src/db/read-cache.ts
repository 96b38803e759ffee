/**
 * Answers of read-only queries, kept in the Tenant object's memory while its database has not
 * changed since they were computed: paging through a list of 100,000 accounts, or a dashboard
 * asking again, then costs no rescan. The object is its database's only writer, and every
 * statement it runs goes through the storage that `watch` returns, which counts each statement
 * that may write (anything but SELECT, or WITH … SELECT); any such statement, committed or
 * rolled back, empties the cache. Coarse, but never stale. (SQLite's total_changes() cannot
 * serve: the runtime's own bookkeeping writes move it on every request.) Callers must not change
 * the objects they get back.
 */

const READ_ONLY = /^\s*(select\b|with\b(?![\s\S]*\b(insert|update|delete|replace)\b))/i;

export class ReadCache {
  private writes = 0;
  private answersAt = -1;
  private readonly answers = new Map<string, unknown>();

  constructor(private readonly maxEntries = 64) {}

  /** The storage to use for everything: the same object, whose sql.exec counts writes. */
  watch(storage: DurableObjectStorage): DurableObjectStorage {
    const sql = storage.sql;
    const countingSql = new Proxy(sql, {
      get: (target, property) => {
        if (property === "exec") {
          return (query: string, ...bindings: unknown[]) => {
            if (!READ_ONLY.test(query)) this.writes += 1;
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
