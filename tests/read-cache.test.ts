import { env, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { TenantDO } from "../durable-objects/tenant";
import { ReadCache } from "../src/db/read-cache";

/** Runs against a real Tenant object's storage, so the proxy wraps workerd's own SqlStorage. */
async function withStorage<T>(name: string, work: (storage: DurableObjectStorage) => T): Promise<T> {
  const stub = env.TENANT.get(env.TENANT.idFromName(name));
  return runInDurableObject(stub, (_instance: TenantDO, state) => work(state.storage));
}

describe("ReadCache", () => {
  it("keeps an answer across reads and writes to other tables, and drops it after a write to a watched table", async () => {
    await withStorage(`read-cache-${crypto.randomUUID()}`, (raw) => {
      const cache = new ReadCache(["watched"]);
      const storage = cache.watch(raw);
      storage.sql.exec("CREATE TABLE IF NOT EXISTS watched (n INTEGER)");
      storage.sql.exec("CREATE TABLE IF NOT EXISTS other (n INTEGER)");
      let computed = 0;
      const total = () =>
        cache.answer("total", () => {
          computed += 1;
          return storage.sql.exec<{ n: number }>("SELECT coalesce(sum(n), 0) AS n FROM watched").one().n;
        });
      expect(total()).toBe(0);
      storage.sql.exec("SELECT count(*) FROM watched");
      storage.sql.exec("WITH x AS (SELECT 1) SELECT * FROM x");
      storage.sql.exec('INSERT INTO "other" (n) VALUES (5)');
      expect(total()).toBe(0);
      expect(computed).toBe(1);

      storage.sql.exec('insert into "watched" ("n") values (?)', 3);
      expect(total()).toBe(3);
      storage.sql.exec("UPDATE watched SET n = n + 1");
      expect(total()).toBe(4);
      storage.sql.exec("WITH x AS (SELECT 2 AS v) INSERT INTO watched (n) SELECT v FROM x");
      expect(total()).toBe(6);
      storage.sql.exec("DELETE FROM watched WHERE n = 2");
      expect(total()).toBe(4);
      // A statement whose target it cannot tell counts as a write.
      storage.sql.exec("CREATE INDEX IF NOT EXISTS watched_n ON watched (n)");
      expect(total()).toBe(4);
      expect(computed).toBe(6);
    });
  });

  it("passes everything else through to the real storage (transactions, alarms)", async () => {
    await withStorage(`read-cache-${crypto.randomUUID()}`, async (raw) => {
      const storage = new ReadCache(["watched"]).watch(raw);
      storage.sql.exec("CREATE TABLE IF NOT EXISTS watched (n INTEGER)");
      expect(() =>
        storage.transactionSync(() => {
          storage.sql.exec("INSERT INTO watched (n) VALUES (1)");
          throw new Error("roll back");
        }),
      ).toThrow("roll back");
      expect(raw.sql.exec<{ n: number }>("SELECT count(*) AS n FROM watched").one().n).toBe(0);
      await storage.setAlarm(Date.now() + 60_000);
      expect(await raw.getAlarm()).not.toBeNull();
      await storage.deleteAlarm();
    });
  });
});
