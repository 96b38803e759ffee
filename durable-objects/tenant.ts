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
  LIFECYCLE_STAGES,
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
import { engagement, health, segments } from "../src/analytics";
import {
  accountFeatureAdoption,
  accountPattern,
  activitySummary,
  milestoneAccount,
  milestoneAccountsPage,
  milestonesForAccounts,
  patternWindow,
  poolActivity,
  portfolioFeatureAdoption,
  portfolioPatterns,
  usageEngagement,
  type AccountAdoptionReport,
  type ActivitySummary,
  type AccountPattern,
  type Granularity,
  type MilestoneAccount,
  type PoolActivity,
  type PortfolioAdoptionReport,
  type PortfolioPatterns,
  type UsageEngagementReport,
} from "../src/db/engagement";
import { lifecycleNotes, lifecyclePass, valueTierReport, type LifecycleRow, type ValueTierReport } from "../src/db/segmentation";
import {
  accountUsage,
  addDays,
  deleteSetting,
  FEATURE_CATALOG_KEY,
  MILESTONES_KEY,
  readCustomMilestones,
  readFeatureCatalog,
  todayOf,
  validateCatalog,
  validateMilestones,
  writeSetting,
  type CatalogFeature,
  type FeatureCatalog,
} from "../src/db/usage-reads";
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

  // --- engagement & segmentation ---

  /** The feature catalog (configured, or the names seen in usage) and the custom milestones, if any. */
  engagementSettings(): Outcome<{ catalog: FeatureCatalog; milestones: engagement.MilestoneDefinition[] | null; milestones_updated_at: string | null }> {
    return attempt(() => {
      const custom = readCustomMilestones(this.ctx.storage.sql);
      return { catalog: readFeatureCatalog(this.ctx.storage.sql), milestones: custom?.milestones ?? null, milestones_updated_at: custom?.updated_at ?? null };
    });
  }

  /** Sets (or with null clears) the feature catalog and custom milestones, validated by the engine, with an audit entry. */
  updateEngagementSettings(
    input: { features?: CatalogFeature[] | null; milestones?: engagement.MilestoneDefinition[] | null },
    actor: Actor,
  ): Outcome<{ catalog: FeatureCatalog; milestones: engagement.MilestoneDefinition[] | null; milestones_updated_at: string | null }> {
    return attempt(() => {
      if (input.features) validateCatalog(input.features);
      const milestones = input.milestones ? validateMilestones(input.milestones) : input.milestones;
      this.db.transaction((tx) => {
        if (input.features === null) deleteSetting(this.ctx.storage.sql, FEATURE_CATALOG_KEY);
        else if (input.features) writeSetting(tx, FEATURE_CATALOG_KEY, input.features, actor.userId);
        if (milestones === null) deleteSetting(this.ctx.storage.sql, MILESTONES_KEY);
        else if (milestones) writeSetting(tx, MILESTONES_KEY, milestones, actor.userId);
        recordAudit(tx, { ...actor, action: "update_engagement_settings", details: { ...input } });
      });
      const custom = readCustomMilestones(this.ctx.storage.sql);
      return { catalog: readFeatureCatalog(this.ctx.storage.sql), milestones: custom?.milestones ?? null, milestones_updated_at: custom?.updated_at ?? null };
    });
  }

  usageEngagement(
    id: string,
    query: { start: string; end: string; granularity: Granularity; threshold: number },
  ): Outcome<{ account: Account; report: UsageEngagementReport }> {
    return attempt(() => {
      const account = requireAccount(this.db, id);
      return { account, report: usageEngagement(this.ctx.storage.sql, id, query, readFeatureCatalog(this.ctx.storage.sql)) };
    });
  }

  featureAdoption(query: {
    client_id?: string;
    start: string;
    end: string;
    threshold: number;
  }): Outcome<{ account: Account | null; account_report: AccountAdoptionReport | null; portfolio_report: PortfolioAdoptionReport | null }> {
    return attempt(() => {
      const sql = this.ctx.storage.sql;
      const catalog = readFeatureCatalog(sql);
      if (query.client_id !== undefined) {
        const account = requireAccount(this.db, query.client_id);
        return { account, account_report: accountFeatureAdoption(sql, account.client_id, query.start, query.end, query.threshold, catalog), portfolio_report: null };
      }
      return { account: null, account_report: null, portfolio_report: portfolioFeatureAdoption(sql, query.start, query.end, query.threshold, catalog) };
    });
  }

  adoptionMilestones(query: {
    client_id?: string;
    as_of?: string;
    framework: "standard" | "custom";
    custom_milestones?: engagement.MilestoneDefinition[];
    limit: number;
    cursor?: string;
  }): Outcome<{ as_of: string; milestones: readonly engagement.MilestoneDefinition[]; accounts: MilestoneAccount[]; notes: string[]; next_cursor: string | null }> {
    return attempt(() => {
      const sql = this.ctx.storage.sql;
      const asOf = query.as_of ?? todayOf(new Date());
      let milestones: readonly engagement.MilestoneDefinition[] = engagement.STANDARD_MILESTONES;
      if (query.framework === "custom") {
        const custom = query.custom_milestones ?? readCustomMilestones(sql)?.milestones;
        if (!custom) {
          throw new AccountError(
            "invalid",
            "framework is custom but there are no milestones: pass custom_milestones, or save them with update_feature_catalog (milestones).",
          );
        }
        milestones = validateMilestones(custom);
      }
      let page;
      let nextCursor: string | null = null;
      if (query.client_id !== undefined) {
        const row = milestoneAccount(sql, query.client_id);
        if (!row) requireAccount(this.db, query.client_id);
        page = row ? [row] : [];
      } else {
        const rows = milestoneAccountsPage(sql, query.cursor ?? "", query.limit + 1);
        page = rows.slice(0, query.limit);
        if (rows.length > query.limit) nextCursor = (page.at(-1) as { id: string }).id;
      }
      const result = milestonesForAccounts(sql, page, asOf, readFeatureCatalog(sql), milestones);
      return { as_of: asOf, milestones, accounts: result.accounts, notes: result.notes, next_cursor: nextCursor };
    });
  }

  engagementPatterns(query: {
    scope: "account" | "tier" | "all";
    client_id?: string;
    tier?: string;
    as_of?: string;
    lookback_days: number;
    top: number;
  }): Outcome<{
    window: { as_of: string; current_start: string; previous_start: string; previous_end: string };
    account: Account | null;
    activity: ActivitySummary | null;
    pattern: AccountPattern | null;
    pool: PoolActivity;
    portfolio: PortfolioPatterns | null;
  }> {
    return attempt(() => {
      const sql = this.ctx.storage.sql;
      const asOf = query.as_of ?? todayOf(new Date());
      const window = patternWindow(asOf, query.lookback_days);
      const windowOut = { as_of: asOf, current_start: window.currentStart, previous_start: window.previousStart, previous_end: addDays(window.currentStart, -1) };
      if (query.scope === "account") {
        const account = requireAccount(this.db, query.client_id ?? "");
        const usage = accountUsage(sql, account.client_id, window.loadFrom, asOf);
        const pattern = accountPattern({ id: account.client_id, name: account.client_name, tier: account.tier }, usage.series, usage.firstUsageDay, window);
        let activity: ActivitySummary | null = null;
        if (usage.firstUsageDay !== null && usage.firstUsageDay <= asOf) {
          const since = usage.firstUsageDay > window.currentStart ? usage.firstUsageDay : window.currentStart;
          activity = activitySummary(sql, account.client_id, usage.series.filter((d) => d.date >= since), since, asOf);
        }
        return { window: windowOut, account, activity, pattern, pool: poolActivity(sql, window, { tier: null, accountId: account.client_id }), portfolio: null };
      }
      const tier = query.scope === "tier" ? (query.tier ?? null) : null;
      return {
        window: windowOut,
        account: null,
        activity: null,
        pattern: null,
        pool: poolActivity(sql, window, { tier, accountId: null }),
        portfolio: portfolioPatterns(sql, window, tier, query.top),
      };
    });
  }

  valueTiers(query: { tiers?: segments.ValueTierDefinition[]; vip: number; margin: number; limit: number }): Outcome<ValueTierReport> {
    return attempt(() =>
      valueTierReport(this.ctx.storage.sql, query.tiers ?? segments.DEFAULT_VALUE_TIERS, { vip: query.vip, margin: query.margin, limit: query.limit }),
    );
  }

  lifecycleStages(query: {
    client_id?: string;
    as_of?: string;
    only_differing: boolean;
    limit: number;
    cursor?: string;
  }): Outcome<{
    as_of: string;
    accounts: LifecycleRow[];
    next_cursor: string | null;
    total_accounts: number;
    derived_distribution: Record<string, number>;
    stored_distribution: Record<string, number>;
    differing: number;
    rules_fired: Record<string, number>;
    notes: string[];
  }> {
    return attempt(() => {
      const sql = this.ctx.storage.sql;
      const asOf = query.as_of ?? todayOf(new Date());
      if (query.client_id !== undefined) requireAccount(this.db, query.client_id);
      const catalog = readFeatureCatalog(sql);
      const derived: Record<string, number> = Object.fromEntries(LIFECYCLE_STAGES.map((s) => [s, 0]));
      const stored: Record<string, number> = Object.fromEntries(LIFECYCLE_STAGES.map((s) => [s, 0]));
      const rules: Record<string, number> = {};
      const listed: LifecycleRow[] = [];
      let differing = 0;
      let more = false;
      const total = lifecyclePass(
        sql,
        asOf,
        catalog,
        (row) => {
          derived[row.derived_stage] = (derived[row.derived_stage] ?? 0) + 1;
          stored[row.stored_stage] = (stored[row.stored_stage] ?? 0) + 1;
          rules[row.rule] = (rules[row.rule] ?? 0) + 1;
          if (row.differs) differing++;
          if (query.cursor !== undefined && row.client_id <= query.cursor) return;
          if (query.only_differing && !row.differs) return;
          if (listed.length < query.limit) listed.push(row);
          else more = true;
        },
        query.client_id,
      );
      return {
        as_of: asOf,
        accounts: listed,
        next_cursor: more ? ((listed.at(-1) as LifecycleRow).client_id) : null,
        total_accounts: total,
        derived_distribution: derived,
        stored_distribution: stored,
        differing,
        rules_fired: rules,
        notes: lifecycleNotes(catalog),
      };
    });
  }

  /**
   * Sets stored lifecycle stages to the derived ones, through updateAccount (a timeline event each)
   * with an audit entry per account naming the rule, in one transaction; at most `limit` per call.
   */
  applyLifecycleStages(
    query: { client_ids?: string[]; as_of?: string; limit: number },
    actor: Actor,
  ): Outcome<{ as_of: string; applied: { client_id: string; client_name: string; from: string; to: string; rule: string; reason: string }[]; remaining: number }> {
    return attempt(() => {
      const sql = this.ctx.storage.sql;
      const asOf = query.as_of ?? todayOf(new Date());
      const catalog = readFeatureCatalog(sql);
      const changes: LifecycleRow[] = [];
      let remaining = 0;
      const visit = (row: LifecycleRow) => {
        if (!row.differs) return;
        if (changes.length < query.limit) changes.push(row);
        else remaining++;
      };
      if (query.client_ids) {
        for (const id of new Set(query.client_ids)) {
          requireAccount(this.db, id);
          lifecyclePass(sql, asOf, catalog, visit, id);
        }
      } else {
        lifecyclePass(sql, asOf, catalog, visit);
      }
      const applied = this.db.transaction((tx) =>
        changes.map((row) => {
          updateAccount(tx, row.client_id, { lifecycle_stage: row.derived_stage }, actor.userId);
          recordAudit(tx, {
            ...actor,
            action: "apply_lifecycle_stage",
            targetId: row.client_id,
            details: { from: row.stored_stage, to: row.derived_stage, rule: row.rule, reason: row.reason, as_of: asOf },
          });
          return { client_id: row.client_id, client_name: row.client_name, from: row.stored_stage, to: row.derived_stage, rule: row.rule, reason: row.reason };
        }),
      );
      return { as_of: asOf, applied, remaining };
    });
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
