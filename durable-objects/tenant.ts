import { DurableObject } from "cloudflare:workers";
import { drizzle } from "drizzle-orm/durable-sqlite";
import { migrate } from "drizzle-orm/durable-sqlite/migrator";
import migrations from "../migrations/tenant/migrations.js";
import * as schema from "../src/db/tenant-schema";
import {
  AccountError,
  accountTimeline,
  appendEvent,
  auditEntries,
  countAccounts,
  createAccount,
  listAccounts,
  recentTimeline,
  recordAudit,
  requireAccount,
  updateAccount,
  type Account,
  type AccountChanges,
  type AccountList,
  type FieldChange,
  type ListOptions,
  type NewAccount,
  type NewEvent,
  type TenantDb,
  type Timeline,
  type TimelineQuery,
} from "../src/db/accounts";
import { refreshAccountFeatures } from "../src/db/features";
import { recomputeHealth, type RecomputeResult } from "../src/db/health";
import { health } from "../src/analytics";
import { applyImportBatch, type ImportChunkResult } from "../src/db/imports";
import type { ImportBatch } from "../src/import/rows";
import type { Env } from "../src/env";

/** Who is acting, recorded on every write. */
export interface Actor {
  userId: string;
  /** "mcp:<client id>", "api:<client id>", "setup" or "system". */
  via: string;
}

/**
 * What every RPC answers. Errors cross the RPC boundary as plain data, because a thrown
 * error loses its class on the way; anything unexpected is still thrown (and becomes a 500).
 */
export type Outcome<T> = { ok: true; value: T } | { ok: false; code: AccountError["code"]; message: string };

function attempt<T>(work: () => T): Outcome<T> {
  try {
    return { ok: true, value: work() };
  } catch (error) {
    if (error instanceof AccountError) return { ok: false, code: error.code, message: error.message };
    throw error;
  }
}

/**
 * One tenant's whole state. Single writer per tenant, so every write (the change, its
 * timeline event and its audit entry) lands in one transaction or not at all.
 */
export class TenantDO extends DurableObject<Env> {
  private readonly db: TenantDb;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    const db = drizzle(ctx.storage, { schema });
    this.db = db;
    void ctx.blockConcurrencyWhile(async () => {
      await migrate(db, migrations);
    });
  }

  registerAccount(input: NewAccount, actor: Actor): Outcome<Account> {
    return attempt(() =>
      this.db.transaction((tx) => {
        const account = createAccount(tx, input, actor.userId);
        recordAudit(tx, { ...actor, action: "register_client", targetId: account.client_id, details: { ...input } });
        return account;
      }),
    );
  }

  /** Registers many accounts with their history in one transaction (demo seed, imports). */
  registerAccounts(
    inputs: { account: NewAccount; events: NewEvent[] }[],
    actor: Actor,
  ): Outcome<number> {
    return attempt(() =>
      this.db.transaction((tx) => {
        for (const { account, events } of inputs) {
          const created = createAccount(tx, account, actor.userId);
          for (const event of events) appendEvent(tx, created.client_id, actor.userId, event);
        }
        recordAudit(tx, { ...actor, action: "register_accounts", details: { count: inputs.length } });
        return inputs.length;
      }),
    );
  }

  getAccount(id: string): Outcome<Account> {
    return attempt(() => requireAccount(this.db, id));
  }

  updateAccount(
    id: string,
    changes: AccountChanges,
    actor: Actor,
  ): Outcome<{ account: Account; changed: Record<string, FieldChange> }> {
    return attempt(() =>
      this.db.transaction((tx) => {
        const result = updateAccount(tx, id, changes, actor.userId);
        if (Object.keys(result.changed).length > 0) {
          recordAudit(tx, { ...actor, action: "update_client_info", targetId: id, details: { ...changes } });
        }
        return result;
      }),
    );
  }

  /** The account with its latest events and counts by type, in one call (get_client_overview). */
  accountOverview(id: string, recentEvents: number): Outcome<{ account: Account; recent: Timeline }> {
    return attempt(() => ({ account: requireAccount(this.db, id), recent: recentTimeline(this.db, id, recentEvents) }));
  }

  listAccounts(options: ListOptions): Outcome<AccountList> {
    return attempt(() => listAccounts(this.db, options));
  }

  timeline(id: string, query: TimelineQuery): Outcome<Timeline> {
    return attempt(() => {
      requireAccount(this.db, id);
      return accountTimeline(this.db, id, query);
    });
  }

  accountCount(): number {
    return countAccounts(this.db);
  }

  auditLog(limit: number) {
    return auditEntries(this.db, limit);
  }

  /**
   * Scores every account from its stored features and writes a snapshot each, in one
   * transaction. The default health model until tenants can configure their own.
   */
  recomputeHealth(): RecomputeResult {
    return recomputeHealth(this.ctx.storage, health.DEFAULT_HEALTH_CONFIG);
  }

  /**
   * Every write that changes an account's facts calls this, inside its transaction, with the
   * accounts it touched: their health inputs are refreshed (and, as the health tools land,
   * their scores rematerialized).
   */
  private factsChanged(db: TenantDb, accountIds: Iterable<string>): void {
    refreshAccountFeatures(db, accountIds);
  }

  // --- imports ---

  /**
   * Applies one chunk of validated CSV rows (src/import) in one transaction, with one audit
   * entry for the chunk. A dry run does exactly the same work and then rolls it back, so its
   * counts and row errors are the ones a real run would give.
   */
  importRows(batch: ImportBatch, options: { dryRun: boolean }, actor: Actor): Outcome<Omit<ImportChunkResult, "touchedAccounts">> {
    return attempt(() => {
      try {
        const { touchedAccounts: _touched, ...summary } = this.db.transaction((tx) => {
          const result = applyImportBatch(tx, batch, actor.userId);
          this.factsChanged(tx, result.touchedAccounts);
          recordAudit(tx, {
            ...actor,
            action: `import_${batch.kind}`,
            details: {
              first_row: batch.rows[0]?.row ?? null,
              last_row: batch.rows.at(-1)?.row ?? null,
              created: result.created,
              updated: result.updated,
              unchanged: result.unchanged,
              rejected: result.rejected,
            },
          });
          if (options.dryRun) throw new DryRunRollback(result);
          return result;
        });
        return summary;
      } catch (error) {
        if (!(error instanceof DryRunRollback)) throw error;
        const { touchedAccounts: _touched, ...summary } = error.result;
        return summary;
      }
    });
  }
}

/** Thrown out of a dry run's transaction so SQLite rolls it back; carries what would have happened. */
class DryRunRollback extends Error {
  constructor(readonly result: ImportChunkResult) {
    super("dry run");
  }
}

type RpcMethodName = Exclude<keyof TenantDO, keyof DurableObject<Env>>;

/**
 * The Tenant object as callers see it over RPC: each method answers a promise of a
 * structured clone of what it returns. Spelled out because the runtime's generated RPC
 * types cannot follow the recursive JSON in timeline metadata.
 */
export type TenantApi = {
  [K in RpcMethodName]: TenantDO[K] extends (...args: infer A) => infer R ? (...args: A) => Promise<Awaited<R>> : never;
};

/** The stub for one tenant, typed as TenantApi. */
export function tenantStub(namespace: DurableObjectNamespace<TenantDO>, tenantId: string): TenantApi {
  return namespace.get(namespace.idFromName(tenantId)) as unknown as TenantApi;
}
