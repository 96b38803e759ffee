import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { drizzle } from "drizzle-orm/durable-sqlite";
import { describe, expect, it } from "vitest";
import type { TenantDO } from "../durable-objects/tenant";
import { tenantStub } from "../durable-objects/tenant";
import { health } from "../src/analytics";
import { PAGE_SQL, recomputeHealth, refreshUsageFeatures } from "../src/db/health";
import { decodeComponents, encodeComponents } from "../src/db/snapshot-components";
import * as schema from "../src/db/tenant-schema";

const ACTOR = { userId: "u-test", via: "system" };

interface Row {
  [column: string]: SqlStorageValue;
}

function rows(state: DurableObjectState, query: string, ...params: SqlStorageValue[]): Row[] {
  return state.storage.sql.exec<Row>(query, ...params).toArray();
}

describe("snapshot components", () => {
  it("stores thousandths and reads them back as the 3-decimal values; earlier formats still read", () => {
    const result = health.scoreHealth({ activeUsers: 7, licensedSeats: 9, nps: 8, daysSinceLastTouch: 3, emailOpenRate: 0.37 }, health.DEFAULT_HEALTH_CONFIG);
    const stored = encodeComponents(result.components);
    expect(stored).toMatch(/^\[(null|-?\d+)(,(null|-?\d+))*\]$/); // integers only: no decimal point to format
    const decoded = decodeComponents(stored);
    const round3 = (n: number) => Math.round(n * 1000) / 1000;
    expect(decoded).toEqual(
      result.components.map((c) => ({ name: c.name, value: c.value === null ? null : round3(c.value), weight: round3(c.weight), contribution: round3(c.contribution) })),
    );
    expect(decoded.find((c) => c.name === "support")).toEqual({ name: "support", value: null, weight: 0, contribution: 0 });
    expect(decoded.reduce((sum, c) => sum + c.contribution, 0)).toBeCloseTo(result.exactScore ?? -1, 2);
    // Snapshots written before: positional decimal triples, and named objects.
    expect(decodeComponents("[[72.5,0.35,25.375],[null,0,0]]")).toEqual([
      { name: "usage", value: 72.5, weight: 0.35, contribution: 25.375 },
      { name: "engagement", value: null, weight: 0, contribution: 0 },
    ]);
    expect(decodeComponents('[{"name":"payment","value":90,"weight":0.1,"contribution":9}]')).toEqual([{ name: "payment", value: 90, weight: 0.1, contribution: 9 }]);
    expect(decodeComponents("[]")).toEqual([]);
  });
});

describe("health recompute", () => {
  it("refreshes usage features from the last 30 days of usage_daily", async () => {
    const name = `refresh-${crypto.randomUUID()}`;
    const namespace = env.TENANT as DurableObjectNamespace<TenantDO>;
    const tenant = tenantStub(namespace, name);
    const created = await tenant.registerAccount(
      { client_name: "A", company_name: "A", industry: "x", tier: "starter", contract_value: 1, contract_start_date: "2026-01-01", contract_end_date: "2027-01-01" },
      ACTOR,
    );
    if (!created.ok) throw new Error(created.message);
    const id = created.value.client_id;
    await runInDurableObject(namespace.get(namespace.idFromName(name)), (_instance: TenantDO, state) => {
      const db = drizzle(state.storage, { schema });
      // 2026-03-01 is outside the 30 days ending 2026-04-10 (from 2026-03-12); its big numbers must not count.
      db.insert(schema.usageDaily)
        .values([
          { accountId: id, day: "2026-03-01", activeUsers: 99, sessions: 1000, events: 5, featuresUsed: 50 },
          { accountId: id, day: "2026-03-12", activeUsers: 4, sessions: 10, events: 5, featuresUsed: 3 },
          { accountId: id, day: "2026-04-10", activeUsers: 7, sessions: 20, events: 5, featuresUsed: 2 },
          { accountId: id, day: "2026-04-11", activeUsers: 80, sessions: 500, events: 5, featuresUsed: 40 },
        ])
        .run();
      expect(refreshUsageFeatures(db, id, "2026-04-10")).toEqual({ activeUsers: 7, logins30d: 30, featuresUsed: 3 });
      const stored = rows(state, "SELECT active_users, logins_30d, features_used FROM account_features WHERE account_id = ?", id);
      expect(stored).toEqual([{ active_users: 7, logins_30d: 30, features_used: 3 }]);
      // Usage exists but none in the window: known idle, zeros rather than "no data".
      expect(refreshUsageFeatures(db, id, "2027-01-01")).toEqual({ activeUsers: 0, logins30d: 0, featuresUsed: 0 });
    });
  });

  it("scores every account, writes snapshots and the account's score; no features stays null", async () => {
    const name = `recompute-${crypto.randomUUID()}`;
    const namespace = env.TENANT as DurableObjectNamespace<TenantDO>;
    const tenant = tenantStub(namespace, name);
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const created = await tenant.registerAccount(
        { client_name: `A${i}`, company_name: "C", industry: "x", tier: "starter", contract_value: 1, contract_start_date: "2026-01-01", contract_end_date: "2027-01-01" },
        ACTOR,
      );
      if (!created.ok) throw new Error(created.message);
      ids.push(created.value.client_id);
    }
    const [full, usageOnly, none] = ids as [string, string, string];
    const fullFeatures: health.HealthFeatures = {
      licensedSeats: 20, featuresAvailable: 10, daysSinceLastTouch: 5, emailOpenRate: 0.5, nps: 8, tickets90d: 4, openTickets: 1,
      invoicesPaidLate: 1, maxDaysLate: 10, failedPayments: 0,
    };
    const stub = namespace.get(namespace.idFromName(name));
    await runInDurableObject(stub, (_instance: TenantDO, state) => {
      const db = drizzle(state.storage, { schema });
      const updatedAt = "2026-04-10T00:00:00.000Z";
      db.insert(schema.accountFeatures).values([{ accountId: full, ...fullFeatures, updatedAt }, { accountId: usageOnly, updatedAt }]).run();
      db.insert(schema.usageDaily)
        .values([
          { accountId: full, day: "2026-04-09", activeUsers: 12, sessions: 150, events: 900, featuresUsed: 6 },
          { accountId: usageOnly, day: "2026-04-09", activeUsers: 3, sessions: 9, events: 40, featuresUsed: 1 },
        ])
        .run();
      refreshUsageFeatures(db, full, "2026-04-10");
      refreshUsageFeatures(db, usageOnly, "2026-04-10");
    });

    expect(await tenant.recomputeHealth()).toMatchObject({ accounts: 3, scored: 2, unscored: 1 });

    const expectedFull = health.scoreHealth({ ...fullFeatures, activeUsers: 12, logins30d: 150, featuresUsed: 6 }, health.DEFAULT_HEALTH_CONFIG);
    const expectedUsage = health.scoreHealth({ activeUsers: 3, logins30d: 9, featuresUsed: 1 }, health.DEFAULT_HEALTH_CONFIG);
    expect(expectedFull.score).not.toBeNull();
    expect(expectedUsage.score).not.toBeNull();

    await runInDurableObject(stub, (_instance: TenantDO, state) => {
      const scores = new Map(rows(state, "SELECT id, health_score, health_computed_at FROM accounts").map((r) => [r.id, r]));
      expect(scores.get(full)?.health_score).toBe(expectedFull.score);
      expect(scores.get(usageOnly)?.health_score).toBe(expectedUsage.score);
      expect(scores.get(none)?.health_score).toBeNull();
      expect(typeof scores.get(full)?.health_computed_at).toBe("string");

      const snapshots = new Map(rows(state, "SELECT account_id, score, band, coverage, components FROM health_snapshots").map((r) => [r.account_id, r]));
      expect(snapshots.size).toBe(3);
      const fullSnap = snapshots.get(full);
      expect(fullSnap?.score).toBe(expectedFull.score);
      expect(fullSnap?.band).toBe(expectedFull.band);
      expect(fullSnap?.coverage).toBeCloseTo(expectedFull.coverage, 12);
      const components = decodeComponents(String(fullSnap?.components));
      expect(components.map((c) => c.name)).toEqual(["usage", "engagement", "support", "satisfaction", "payment"]);
      expect(components.reduce((sum, c) => sum + c.contribution, 0)).toBeCloseTo(expectedFull.exactScore ?? -1, 1);
      expect(snapshots.get(none)).toMatchObject({ score: null, band: null, coverage: 0 });
    });

    // A second recompute adds a second snapshot per account; it never overwrites history.
    expect(await tenant.recomputeHealth()).toMatchObject({ accounts: 3, scored: 2 });
    await runInDurableObject(stub, (_instance: TenantDO, state) => {
      const counts = rows(state, "SELECT account_id, count(*) AS n FROM health_snapshots GROUP BY account_id");
      expect(counts).toHaveLength(3);
      for (const count of counts) expect(count.n).toBe(2);
    });
  });

  it("reads its pages from the accounts_health_state covering index, never the wide accounts rows", async () => {
    const namespace = env.TENANT as DurableObjectNamespace<TenantDO>;
    await runInDurableObject(namespace.get(namespace.idFromName(`plan-${crypto.randomUUID()}`)), (_instance: TenantDO, state) => {
      const plan = rows(state, `EXPLAIN QUERY PLAN ${PAGE_SQL}`, "").map((r) => String(r.detail));
      expect(plan.find((step) => / a /.test(` ${step} `))).toMatch(/COVERING INDEX accounts_health_state/);
    });
  });

  it("writes nothing when it fails part-way", async () => {
    const name = `rollback-${crypto.randomUUID()}`;
    const namespace = env.TENANT as DurableObjectNamespace<TenantDO>;
    const tenant = tenantStub(namespace, name);
    const ids: string[] = [];
    for (let i = 0; i < 4; i++) {
      const created = await tenant.registerAccount(
        { client_name: `A${i}`, company_name: "C", industry: "x", tier: "starter", contract_value: 1, contract_start_date: "2026-01-01", contract_end_date: "2027-01-01" },
        ACTOR,
      );
      if (!created.ok) throw new Error(created.message);
      ids.push(created.value.client_id);
    }
    // Accounts are visited in id order: fail on the last, after the others were written.
    const last = [...ids].sort().at(-1) ?? "";
    const stub = namespace.get(namespace.idFromName(name));
    await runInDurableObject(stub, (_instance: TenantDO, state) => {
      const db = drizzle(state.storage, { schema });
      db.insert(schema.accountFeatures)
        .values(ids.map((accountId) => ({ accountId, nps: 9, updatedAt: "2026-04-10T00:00:00.000Z" })))
        .run();
      state.storage.sql.exec(
        `CREATE TRIGGER fail_last BEFORE INSERT ON health_snapshots WHEN NEW.account_id = '${last}' BEGIN SELECT RAISE(ABORT, 'injected failure'); END`,
      );
    });

    // Called on the instance, not over RPC: an error thrown across RPC is also reported as unhandled.
    await runInDurableObject(stub, async (instance: TenantDO, state) => {
      await expect(instance.recomputeHealth()).rejects.toThrow(/injected failure/);
      expect(rows(state, "SELECT count(*) AS n FROM health_snapshots")).toEqual([{ n: 0 }]);
      expect(rows(state, "SELECT count(*) AS n FROM accounts WHERE health_score IS NOT NULL OR health_computed_at IS NOT NULL")).toEqual([{ n: 0 }]);
      expect(rows(state, "SELECT count(*) AS n FROM settings WHERE key = 'health_recomputed_at'")).toEqual([{ n: 0 }]);
      // Without the fault the same data recomputes: the failure was the injected one.
      state.storage.sql.exec("DROP TRIGGER fail_last");
    });
    expect(await tenant.recomputeHealth()).toMatchObject({ accounts: 4, scored: 4 });
  });

  it("rewrites only the accounts whose score changed; readers take the score time from the last full pass", async () => {
    const name = `changed-${crypto.randomUUID()}`;
    const namespace = env.TENANT as DurableObjectNamespace<TenantDO>;
    const tenant = tenantStub(namespace, name);
    const register = async (clientName: string) => {
      const created = await tenant.registerAccount(
        { client_name: clientName, company_name: "C", industry: "x", tier: "starter", contract_value: 1, contract_start_date: "2026-01-01", contract_end_date: "2027-01-01" },
        ACTOR,
      );
      if (!created.ok) throw new Error(created.message);
      return created.value.client_id;
    };
    const steady = await register("Steady");
    const moving = await register("Moving");
    const unscored = await register("No data");
    const first = "2026-04-10T00:00:00.000Z";
    const second = "2026-04-11T00:00:00.000Z";
    const stub = namespace.get(namespace.idFromName(name));
    const computedAt = async (id: string) => {
      const account = await tenant.getAccount(id);
      if (!account.ok) throw new Error(account.message);
      return { score: account.value.health_score, computedAt: account.value.health_computed_at };
    };

    await runInDurableObject(stub, (_instance: TenantDO, state) => {
      const db = drizzle(state.storage, { schema });
      db.insert(schema.accountFeatures)
        .values([
          { accountId: steady, nps: 9, updatedAt: first },
          { accountId: moving, nps: 9, updatedAt: first },
        ])
        .run();
      // First pass: every account gets its first score time, the unscored one too.
      expect(recomputeHealth(state.storage, health.DEFAULT_HEALTH_CONFIG, new Date(first))).toMatchObject({ accounts: 3, scored: 2, changed: 3 });
      // The moving account's satisfaction drops: only its score changes.
      db.update(schema.accountFeatures).set({ nps: 2 }).where(eq(schema.accountFeatures.accountId, moving)).run();
      expect(recomputeHealth(state.storage, health.DEFAULT_HEALTH_CONFIG, new Date(second))).toMatchObject({ accounts: 3, scored: 2, changed: 1 });

      const stored = new Map(rows(state, "SELECT id, health_score, health_computed_at FROM accounts").map((r) => [r.id, r]));
      expect(stored.get(steady)?.health_computed_at).toBe(first);
      expect(stored.get(unscored)).toMatchObject({ health_score: null, health_computed_at: first });
      expect(stored.get(moving)?.health_computed_at).toBe(second);
      expect(stored.get(moving)?.health_score).toBe(health.scoreHealth({ nps: 2 }, health.DEFAULT_HEALTH_CONFIG).score);
      expect(stored.get(steady)?.health_score).toBe(health.scoreHealth({ nps: 9 }, health.DEFAULT_HEALTH_CONFIG).score);
      // Every account still got its snapshot of the second pass.
      expect(rows(state, "SELECT count(*) AS n FROM health_snapshots WHERE computed_at = ?", second)).toEqual([{ n: 3 }]);
      expect(rows(state, "SELECT value FROM settings WHERE key = 'health_recomputed_at'")).toEqual([{ value: second }]);
    });

    // Readers: the unchanged accounts were scored by the second pass too.
    expect(await computedAt(steady)).toMatchObject({ computedAt: second });
    expect(await computedAt(unscored)).toEqual({ score: null, computedAt: second });
    expect(await computedAt(moving)).toMatchObject({ computedAt: second });
    // An account created after the pass has no score time yet.
    const later = await register("Later");
    expect(await computedAt(later)).toEqual({ score: null, computedAt: null });
    const listed = await tenant.listAccounts({ filters: {}, sort_by: "name", sort_order: "asc", limit: 10 });
    if (!listed.ok) throw new Error(listed.message);
    expect(Object.fromEntries(listed.value.clients.map((c) => [c.client_name, c.health_computed_at]))).toEqual({
      Steady: second,
      Moving: second,
      "No data": second,
      Later: null,
    });
  });
});
