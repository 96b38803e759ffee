import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { eq, sql } from "drizzle-orm";
import { drizzle } from "drizzle-orm/durable-sqlite";
import { describe, expect, it } from "vitest";
import type { TenantDO } from "../durable-objects/tenant";
import { tenantStub } from "../durable-objects/tenant";
import type { TenantDb } from "../src/db/accounts";
import { compiledOnce } from "../src/db/compiled";
import * as schema from "../src/db/tenant-schema";

const ACTOR = { userId: "u-test", via: "system" };

describe("compiledOnce", () => {
  it("compiles a query once per database and runs it inside and outside transactions, seeing each one's writes", async () => {
    const name = `compiled-${crypto.randomUUID()}`;
    const namespace = env.TENANT as DurableObjectNamespace<TenantDO>;
    const created = await tenantStub(namespace, name).registerAccount(
      { client_name: "Acme", company_name: "Acme", industry: "x", tier: "starter", contract_value: 1, contract_start_date: "2026-01-01", contract_end_date: "2027-01-01" },
      ACTOR,
    );
    if (!created.ok) throw new Error(created.message);
    const id = created.value.client_id;
    await runInDurableObject(namespace.get(namespace.idFromName(name)), (_instance: TenantDO, state) => {
      const db: TenantDb = drizzle(state.storage, { schema });
      let compilations = 0;
      const compileNameById = (database: TenantDb) => {
        compilations += 1;
        return database.select({ name: schema.accounts.name }).from(schema.accounts).where(eq(schema.accounts.id, sql.placeholder("id"))).prepare();
      };

      // First compiled inside a transaction: it sees the transaction's own uncommitted write.
      db.transaction((tx) => {
        tx.update(schema.accounts).set({ name: "Acme Renamed" }).where(eq(schema.accounts.id, id)).run();
        expect(compiledOnce(tx, compileNameById).get({ id })).toEqual({ name: "Acme Renamed" });
      });
      // Reused outside it and in a later transaction, without compiling again.
      expect(compiledOnce(db, compileNameById).get({ id })).toEqual({ name: "Acme Renamed" });
      db.transaction((tx) => {
        expect(compiledOnce(tx, compileNameById).get({ id: "cs_missing" })).toBeUndefined();
      });
      expect(compilations).toBe(1);

      // A rolled-back write is gone for the compiled query too.
      expect(() =>
        db.transaction((tx) => {
          tx.update(schema.accounts).set({ name: "Never" }).where(eq(schema.accounts.id, id)).run();
          expect(compiledOnce(tx, compileNameById).get({ id })).toEqual({ name: "Never" });
          throw new Error("roll back");
        }),
      ).toThrow("roll back");
      expect(compiledOnce(db, compileNameById).get({ id })).toEqual({ name: "Acme Renamed" });

      // Another database object on the same storage (another session) compiles its own.
      const other: TenantDb = drizzle(state.storage, { schema });
      expect(compiledOnce(other, compileNameById).get({ id })).toEqual({ name: "Acme Renamed" });
      expect(compilations).toBe(2);
    });
  });
});
