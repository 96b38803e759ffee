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
  type Json,
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
import { createSegment, deleteSegment, listSegments, previewSegment, segmentMembers, type MemberPage, type Segment, type SegmentPreview, type SegmentWithCounts } from "../src/db/segments";
import { insertTask, listTasks, updateTask, type NewTask, type Task, type TaskChanges, type TaskList, type TaskQuery } from "../src/db/tasks";
import {
  acknowledgeEscalation,
  createEscalation,
  listEscalations,
  resolveEscalation,
  updateSlaHours,
  type Escalation,
  type EscalationList,
  type EscalationQuery,
  type NewEscalation,
  type SlaHours,
} from "../src/db/escalations";
import {
  createPlaybook,
  listPlaybooks,
  runPlaybooks,
  updatePlaybook,
  type NewPlaybook,
  type Playbook,
  type PlaybookChanges,
  type RunResult,
} from "../src/db/playbooks";
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
        runPlaybooks(tx, new Date(), [account.client_id]);
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
          runPlaybooks(tx, new Date(), [id]);
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
    const ids = [...accountIds];
    refreshAccountFeatures(db, ids);
    runPlaybooks(db, new Date(), ids);
  }

  // --- segments, tasks, escalations, playbooks ---

  createSegment(input: { name: string; description: string; rule: { [key: string]: Json } }, actor: Actor): Outcome<Segment> {
    return attempt(() =>
      this.db.transaction((tx) => {
        const segment = createSegment(tx, input, actor.userId);
        recordAudit(tx, { ...actor, action: "create_segment", targetId: segment.segment_id, details: { ...input } });
        return segment;
      }),
    );
  }

  listSegments(): Outcome<SegmentWithCounts[]> {
    return attempt(() => listSegments(this.db));
  }

  previewSegment(rule: { [key: string]: Json }, options: { limit: number; cursor?: string }): Outcome<SegmentPreview> {
    return attempt(() => previewSegment(this.db, rule, options));
  }

  segmentMembers(id: string, options: { limit: number; cursor?: string }): Outcome<{ segment: Segment } & MemberPage> {
    return attempt(() => segmentMembers(this.db, id, options));
  }

  deleteSegment(id: string, actor: Actor): Outcome<Segment> {
    return attempt(() =>
      this.db.transaction((tx) => {
        const segment = deleteSegment(tx, id);
        recordAudit(tx, { ...actor, action: "delete_segment", targetId: id, details: { name: segment.name } });
        return segment;
      }),
    );
  }

  createTask(input: NewTask, actor: Actor): Outcome<Task> {
    return attempt(() =>
      this.db.transaction((tx) => {
        const task = insertTask(tx, input, actor.userId);
        recordAudit(tx, { ...actor, action: "create_task", targetId: task.task_id, details: { ...input } });
        return task;
      }),
    );
  }

  listTasks(query: TaskQuery): Outcome<TaskList> {
    return attempt(() => listTasks(this.db, query));
  }

  updateTask(id: string, changes: TaskChanges, actor: Actor): Outcome<{ task: Task; changed: string[] }> {
    return attempt(() =>
      this.db.transaction((tx) => {
        const result = updateTask(tx, id, changes, actor.userId);
        if (result.changed.length > 0) recordAudit(tx, { ...actor, action: "update_task", targetId: id, details: { ...changes } });
        return result;
      }),
    );
  }

  createEscalation(input: NewEscalation, actor: Actor): Outcome<Escalation> {
    return attempt(() =>
      this.db.transaction((tx) => {
        const escalation = createEscalation(tx, input, actor.userId);
        recordAudit(tx, { ...actor, action: "create_escalation", targetId: escalation.escalation_id, details: { ...input } });
        return escalation;
      }),
    );
  }

  listEscalations(query: EscalationQuery): Outcome<EscalationList> {
    return attempt(() => listEscalations(this.db, query));
  }

  acknowledgeEscalation(id: string, actor: Actor): Outcome<Escalation> {
    return attempt(() =>
      this.db.transaction((tx) => {
        const escalation = acknowledgeEscalation(tx, id, actor.userId);
        recordAudit(tx, { ...actor, action: "acknowledge_escalation", targetId: id, details: {} });
        return escalation;
      }),
    );
  }

  resolveEscalation(id: string, resolution: string, actor: Actor): Outcome<Escalation> {
    return attempt(() =>
      this.db.transaction((tx) => {
        const escalation = resolveEscalation(tx, id, resolution, actor.userId);
        recordAudit(tx, { ...actor, action: "resolve_escalation", targetId: id, details: { resolution } });
        return escalation;
      }),
    );
  }

  updateEscalationSla(changes: Partial<SlaHours>, actor: Actor): Outcome<SlaHours> {
    return attempt(() =>
      this.db.transaction((tx) => {
        const hours = updateSlaHours(tx, changes, actor.userId);
        recordAudit(tx, { ...actor, action: "update_escalation_sla", targetId: "escalations.sla_hours", details: { ...changes } });
        return hours;
      }),
    );
  }

  createPlaybook(input: NewPlaybook, actor: Actor): Outcome<Playbook> {
    return attempt(() =>
      this.db.transaction((tx) => {
        const playbook = createPlaybook(tx, input, actor.userId);
        recordAudit(tx, { ...actor, action: "create_playbook", targetId: playbook.playbook_id, details: { ...input } });
        return playbook;
      }),
    );
  }

  listPlaybooks(options: { enabled?: boolean }): Outcome<Playbook[]> {
    return attempt(() => listPlaybooks(this.db, options));
  }

  updatePlaybook(id: string, changes: PlaybookChanges, actor: Actor): Outcome<{ playbook: Playbook; changed: string[] }> {
    return attempt(() =>
      this.db.transaction((tx) => {
        const result = updatePlaybook(tx, id, changes);
        if (result.changed.length > 0) recordAudit(tx, { ...actor, action: "update_playbook", targetId: id, details: { ...changes } });
        return result;
      }),
    );
  }

  /** run_playbooks: all enabled playbooks (or one) over every account, now; a dry run writes nothing. */
  runPlaybooks(options: { playbookId?: string; dryRun: boolean }, actor: Actor): Outcome<RunResult> {
    return attempt(() =>
      this.db.transaction((tx) => {
        const result = runPlaybooks(tx, new Date(), undefined, options);
        if (!options.dryRun) {
          recordAudit(tx, { ...actor, action: "run_playbooks", targetId: options.playbookId ?? null, details: { ...options, created: result.totals.created } });
        }
        return result;
      }),
    );
  }

  /** For the scheduled maintenance: every enabled playbook over every account, in pages. */
  runAllPlaybooks(): RunResult {
    return this.db.transaction((tx) => runPlaybooks(tx, new Date()));
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
