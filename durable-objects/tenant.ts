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
  healthAsOf,
  healthRecomputedAt,
  listAccounts,
  recentTimeline,
  recordAudit,
  recordAudits,
  requireAccount,
  updateAccount,
  type Account,
  type AccountChanges,
  type AccountList,
  type FieldChange,
  LIFECYCLE_STAGES,
  type Json,
  type ListOptions,
  type NewAccount,
  type NewEvent,
  type TenantDb,
  type Timeline,
  type TimelineQuery,
} from "../src/db/accounts";
import {
  accountIdsAfter,
  beginRestore,
  exportPage,
  finishRestore,
  restoreRows,
  restoreState,
  SCHEMA_VERSION as BACKUP_SCHEMA_VERSION,
  tableSummaries,
  type ExportPage,
  type TableSummary,
} from "../src/db/backup";
import { refreshAccountFeatures } from "../src/db/features";
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
import { previewHealthModel, recomputeHealth, updateHealthTrends, type ModelPreview, type RecomputeResult } from "../src/db/health";
import { backfillHealthHistory, type BackfillPage, type BackfillResult } from "../src/db/health-backfill";
import {
  claimDelivery,
  connectionSummaries,
  createJob,
  finishDelivery,
  jobStatus,
  listJobs,
  markDead,
  markEnqueued,
  purgeReceipts,
  receiptStats,
  replaceSealedSecrets,
  sealedSecretsByProvider,
  recentReceipts,
  recordConnectionTest,
  receivedEventIds,
  recordReceipts,
  type Receipt,
  removeConnection,
  requeueDeliveries,
  saveConnection,
  storedConnection,
  unenqueuedKeys,
  type ConnectionSummary,
  type DeliveryClaim,
  type DeliveryOutcome,
  type JobStatus,
  type NewJob,
  type StoredConnection,
} from "../src/db/integrations";
import { applyInboundBatch } from "../src/db/inbound";
import { open as openSealed, rootKeyId, rootKeys, seal, sealedKeyId } from "../src/integrations/credentials";
import type { InboundEvent, ProviderName } from "../src/integrations/provider";
import { sendAll, sized } from "../src/queues/messages";
import { openRenewalCheckpointTasks, type CheckpointRun } from "../src/db/maintenance";
import { updatePlanStatus, type PlanStatusUpdate } from "../src/db/onboarding-lifecycle";
import { analyzeOnboarding, type AnalysisOptions, type OnboardingAnalysis } from "../src/db/onboarding-analysis";
import { routeTickets, type RouteOptions, type RoutingResult } from "../src/db/ticket-routing";
import { cancelCampaign, listNewsletters, listReviews, updateInsight, type InsightChanges, type ReviewQuery } from "../src/db/catalog-verbs";
import { openAutomationTaskCount, openOnboardingAutomationTasks, readAutomationSettings, writeAutomationSettings, type AutomationRun, type OnboardingAutomationSettings } from "../src/db/onboarding-automation";
import { listTouchpoints, logTouchpoint, type NewTouchpoint, type Touchpoint, type TouchpointPage } from "../src/db/touchpoints";
import { portfolioHealth, type PortfolioHealth } from "../src/db/portfolio";
import { ReadCache } from "../src/db/read-cache";
import { ACCOUNT_HEALTH_TTL_SECONDS, accountHealthKey, healthEpochKey } from "../src/cache/account-health";
import { eq } from "drizzle-orm";
import { churn, type health } from "../src/analytics";
import { accountChurnRisk, portfolioChurnRisk, type AccountChurnRisk, type PortfolioRisk } from "../src/db/retention";
import { satisfactionReport, type SatisfactionReport } from "../src/db/satisfaction";
import { churnPostmortem, type Postmortem } from "../src/db/postmortem";
import {
  accountRefsOf,
  accountUsageDays,
  attachPendingEvents,
  hasPendingEvents,
  ingestUsageEvents,
  pendingEventCount,
  purgeExpiredRawEvents,
  readEventSettings,
  writeEventSettings,
  type EventSettings,
  type IncomingUsageEvent,
  type IngestResult,
  type UsageDay,
} from "../src/db/usage-events";
import { engagement, segments } from "../src/analytics";
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
import { applyImportBatch, type ImportChunkResult } from "../src/db/imports";
import type { ImportBatch } from "../src/import/rows";
import {
  accountOfTicket,
  sweepOpenTicketSla,
  addComment,
  assignTicket,
  closeTicket,
  createTicket,
  escalateTicket,
  getTicket,
  listTickets,
  rateTicket,
  reopenTicket,
  resolveTicket,
  supportPerformance,
  supportSettings,
  updateSupportSettings,
  updateTicket,
  type NewComment,
  type NewTicket,
  type Priority as TicketPriority,
  type Routing,
  type SupportPerformance,
  type SupportSettings,
  type SupportSettingsChanges,
  type TicketChanges,
  type TicketComment,
  type TicketDetail,
  type TicketList,
  type TicketQuery,
  type Status as TicketStatus,
} from "../src/db/tickets";
import {
  archiveArticle,
  createArticle,
  getArticle,
  publishArticle,
  searchArticles,
  updateArticle,
  voteArticle,
  type Article,
  type ArticleChanges,
  type ArticleStatus,
  type ArticleVersion,
  type NewArticle,
  type SearchResult,
} from "../src/db/knowledge-base";
import {
  expansionOpportunities,
  lifetimeValueReport,
  renewalForecast,
  renewalsDue,
  revenueExpansion,
  type AccountFilter,
  type ExpansionReport,
  type RevenueGranularity,
  type LifetimeValueReport,
  type PlanLimit,
  type RenewalsDue,
  type RevenuePeriod,
} from "../src/db/revenue";
import {
  createInsight,
  csMetrics,
  feedbackInsights,
  insertFeedback,
  listFeedback,
  listInsights,
  type FeedbackInsights,
  type FeedbackItem,
  type FeedbackQuery,
  type MetricsRow,
  type NewFeedback,
  type NewInsight,
  type ProductInsight,
} from "../src/db/feedback-intel";
import type { expansion, renewals } from "../src/analytics";
import {
  createCampaign,
  createNewsletter,
  getCampaign,
  listCampaigns,
  readConfirmThreshold,
  writeConfirmThreshold,
  type Campaign,
  type CampaignList,
  type CampaignPlan,
  type CampaignStatus,
  type NewCampaign,
  type NewNewsletter,
  type Newsletter,
  type RenderedRecipient,
} from "../src/db/communications";
import { createWorkflow, listWorkflows, runWorkflows, workflowRunsOf, type NewWorkflow, type Workflow, type WorkflowFiring } from "../src/db/workflows";
import { dueScheduledSends, markScheduledSendMissed, nextScheduledSendAt, sendgridConnected, type DueSend } from "../src/db/scheduled-sends";
import {
  advocacyLeaderboard,
  enrollAdvocate,
  recordActivity,
  recordReviewOutcome,
  scheduleReview,
  type ActionItem,
  type ActivityType,
  type Advocate,
  type AdvocacyActivity,
  type AdvocateTier,
  type Attendee,
  type BusinessReview,
  type ReviewType,
} from "../src/db/advocacy";
import { accountBrief, type AccountBrief } from "../src/db/account-brief";
import type { Env } from "../src/env";
import { createPlan, findPlan, planProgress, updateMilestone, type MilestoneChanges, type NewPlan, type Plan, type Progress, type UsageFirstValue } from "../src/db/onboarding";
import {
  createModule,
  issueCertification,
  listCertifications,
  listModules,
  listSessions,
  recordAttendance,
  revokeCertification,
  scheduleSession,
  type AttendanceRecord,
  type Certification,
  type CertificationQuery,
  type NewCertification,
  type NewModule,
  type NewSession,
  type RevokeTarget,
  type TrainingModule,
  type TrainingSession,
} from "../src/db/training";
import { customerJourney, type Journey } from "../src/db/journey";
import {
  dailyTrendPoints,
  healthHistory,
  healthModelJson,
  loadHealthModel,
  saveHealthModel,
  scoreAccount,
  TREND_WINDOW_DAYS,
  validateHealthModel,
  type AccountHealth,
  type HealthModelJson,
  type HealthPoint,
  type StoredHealthModel,
} from "../src/db/health-model";
import { auditFacets, filteredAudit, markSetupStep, readSetupProgress, setupCounts, type AuditQuery, type SetupCounts, type SetupProgress } from "../src/db/setup";
import { planIntercomMessage, type IntercomMessageInput, type IntercomMessagePlan } from "../src/db/intercom-messages";
import { importTickets, linkOrganization, searchQueries, ticketDraft, type OrganizationLink, type TicketSyncResult, type ZendeskTicketDraft, type ZendeskTicketSnapshot } from "../src/db/zendesk";
import { listCohorts as listMixpanelCohorts, reserveQuery as reserveMixpanelQuery, usageEventsForExport, type CohortSummary as MixpanelCohortSummary, type ExportQuery as MixpanelExportQuery } from "../src/db/mixpanel";
import type { ExportableUsageEvent } from "../src/integrations/mixpanel/operations";
import { campaignSendPlan, newsletterSendPlan, oneOffSendPlan, recordEmailSend, sendProgressFor, type OneOffEmail, type SendProgress } from "../src/db/email-sends";
import {
  answerSurvey,
  attachSurveyJob,
  createSurveyTemplate,
  listSurveyTemplates,
  materializeSurveyLinks,
  recordSurveySend,
  surveyForm,
  surveyRecipientIds,
  surveyResults,
  listSurveySends,
  updateSurveyTemplate,
  type NewSurveyTemplate,
  type SurveyAnswers,
  type SurveyForm,
  type SurveySendInput,
  type SurveySendResult,
  type SurveyTemplate,
  type SurveyTemplateChanges,
  type SurveyTemplateResults,
} from "../src/db/surveys";
import { sendMailPayload } from "../src/integrations/sendgrid/operations";
import { surveyToken, surveyTokenHash } from "../src/surveys/links";

/** Long strings in audited arguments (a pasted CSV) are summarized, not copied into the log. */
const AUDIT_STRING_LIMIT = 500;

function auditableArguments(value: unknown): Json {
  if (typeof value === "string") return value.length > AUDIT_STRING_LIMIT ? `[${value.length} characters]` : value;
  if (typeof value === "number" || typeof value === "boolean" || value === null) return value;
  if (Array.isArray(value)) return value.slice(0, 100).map(auditableArguments);
  if (value && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, auditableArguments(inner)]));
  return null;
}

/** Above this many accounts in one change, the KV cache is invalidated instead of written through. */
const WRITE_THROUGH_LIMIT = 50;

/** Which connections a key rotation re-sealed, which were already current, which no key opens. */
export interface ResealResult {
  resealed: string[];
  current: string[];
  unreadable: string[];
}

/** Webhook receipts are kept this long: providers redeliver for up to a day (SendGrid), so two weeks is ample. */
const RECEIPT_RETENTION_DAYS = 14;

/** How often each tenant's maintenance alarm runs. */
const MAINTENANCE_INTERVAL_MS = 86_400_000;
/** Storage key: when the next daily maintenance is due (ms since the epoch). */
const MAINTENANCE_AT_KEY = "maintenance.next_at";
const SYSTEM_ACTOR: Actor = { userId: "system", via: "system" };

/** Who is acting, recorded on every write. */
export interface Actor {
  userId: string;
  /** "mcp:<client id>", "api:<client id>", "setup" or "system". */
  via: string;
}

/** One tool call for the audit log: who, which tool, its arguments and how it ended. */
export interface ToolCallRecord extends Actor {
  tool: string;
  args: unknown;
  /** "ok", or the refusal's code ("invalid", "not_found", …) or "error". */
  outcome: string;
  message?: string;
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

  /** Answers of whole-tenant reads (list summaries, the portfolio), kept while the tables they read are unchanged. */
  private readonly reads = new ReadCache(["accounts", "health_snapshots"]);

  /** ctx.storage, watched by the read cache: every SQL statement goes through it. */
  private readonly storage: DurableObjectStorage;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.storage = this.reads.watch(ctx.storage);
    const db = drizzle(this.storage, { schema });
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
        this.attachUsage(tx, [{ id: account.client_id, externalId: account.external_id }]);
        runPlaybooks(tx, new Date(), [account.client_id]);
        // A new account may already be in a workflow's window (a renewal within N days).
        this.runWorkflows(tx, [account.client_id], new Date());
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
        const created: { id: string; externalId: string | null }[] = [];
        for (const { account, events } of inputs) {
          const registered = createAccount(tx, account, actor.userId);
          for (const event of events) appendEvent(tx, registered.client_id, actor.userId, event);
          created.push({ id: registered.client_id, externalId: registered.external_id });
        }
        this.attachUsage(tx, created);
        this.runWorkflows(tx, created.map((a) => a.id), new Date());
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
        if (result.changed.external_id && result.account.external_id) this.attachUsage(tx, [{ id, externalId: result.account.external_id }]);
        // Tier (weight profile), contract value and renewal feed health and playbook rules.
        if (Object.keys(result.changed).length > 0) this.factsChanged(tx, [id]);
        return result;
      }),
    );
  }

  /** The account with its latest events and counts by type, in one call (get_client_overview). */
  accountOverview(id: string, recentEvents: number): Outcome<{ account: Account; recent: Timeline }> {
    return attempt(() => ({ account: requireAccount(this.db, id), recent: recentTimeline(this.db, id, recentEvents) }));
  }

  listAccounts(options: ListOptions): Outcome<AccountList> {
    return attempt(() => listAccounts(this.db, options, new Date(), this.reads));
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

  /**
   * Tool calls, whatever their outcome: who, through which client, which tool, with what
   * arguments. The Worker batches them (src/tools/audit-batch.ts); they are stored together.
   */
  recordToolCalls(calls: readonly ToolCallRecord[]): void {
    recordAudits(
      this.db,
      calls.map((call) => {
        const args = auditableArguments(call.args);
        const target = args && typeof args === "object" && !Array.isArray(args) && typeof args.client_id === "string" ? args.client_id : null;
        return {
          userId: call.userId,
          via: call.via,
          action: `tool:${call.tool}`,
          targetId: target,
          details: { arguments: args, outcome: call.outcome, ...(call.message ? { message: call.message } : {}) },
        };
      }),
    );
  }

  auditLog(limit: number) {
    return auditEntries(this.db, limit);
  }

  /**
   * Scores every account from its stored features and writes a snapshot each, in one
   * transaction. The default health model until tenants can configure their own.
   */
  async recomputeHealth(): Promise<RecomputeResult> {
    const result = recomputeHealth(this.storage, this.healthModel().config);
    await this.markHealthEpoch();
    return result;
  }

  /** After a tenant-wide rescore: cached per-account scores from before it are stale. */
  private async markHealthEpoch(): Promise<void> {
    const tenantId = this.ctx.id.name;
    if (!tenantId) return;
    const epoch = new Date().toISOString();
    await this.env.CACHE.put(healthEpochKey(tenantId), JSON.stringify({ epoch })).catch(() => undefined);
  }

  /**
   * Rebuilds the health history the facts imply for one page of accounts, a snapshot every
   * `stepDays` over the last `days` (src/db/health-backfill.ts), for facts that arrive with their
   * past: imported history, the demo's sample months. Trends and movers then have history to
   * read from the first day.
   */
  backfillHealthHistory(page: BackfillPage): Outcome<BackfillResult> {
    return attempt(() => {
      const { accountIds, ...result } = this.db.transaction((tx) => backfillHealthHistory(tx, this.healthModel().config, new Date(), page));
      this.writeThroughHealth(accountIds);
      return result;
    });
  }

  // --- health ---

  /** The tenant's model, parsed once and kept until it is saved again. */
  private cachedHealthModel: StoredHealthModel | null = null;

  private healthModel(): StoredHealthModel {
    this.cachedHealthModel ??= loadHealthModel(this.db);
    return this.cachedHealthModel;
  }

  getHealthModel(): Outcome<Omit<StoredHealthModel, "config"> & { model: HealthModelJson }> {
    return attempt(() => {
      const { config, ...meta } = this.healthModel();
      return { ...meta, model: healthModelJson(config) };
    });
  }

  /**
   * Validates a draft model and shows how it would move accounts between bands; unless
   * `previewOnly`, saves it and rescores every account with it, all in one transaction.
   */
  updateHealthModel(
    draft: unknown,
    previewOnly: boolean,
    actor: Actor,
  ): Outcome<{ model: HealthModelJson; saved: boolean; preview: ModelPreview; recompute: RecomputeResult | null }> {
    return attempt(() => {
      const config = validateHealthModel(draft);
      const preview = previewHealthModel(this.storage, this.healthModel().config, config);
      if (previewOnly) return { model: healthModelJson(config), saved: false, preview, recompute: null };
      const recompute = this.storage.transactionSync(() => {
        saveHealthModel(this.db, config, actor.userId, new Date());
        recordAudit(this.db, { ...actor, action: "update_health_model", details: { model: healthModelJson(config) as unknown as Json } });
        return recomputeHealth(this.storage, config);
      });
      this.cachedHealthModel = null;
      void this.markHealthEpoch();
      return { model: healthModelJson(config), saved: true, preview, recompute };
    });
  }

  /** Scores one account now, from its current facts, and materializes the score. */
  calculateHealth(accountId: string): Outcome<AccountHealth & { bands: health.HealthBands }> {
    return attempt(() => {
      const { config } = this.healthModel();
      const scored = this.db.transaction((tx) => scoreAccount(tx, accountId, config, new Date()));
      this.writeThroughHealth([accountId]);
      return { ...scored, bands: config.bands };
    });
  }

  /** An account's scored snapshots over the last `days`, oldest first. */
  healthHistory(accountId: string, days: number): Outcome<{ points: HealthPoint[]; trendThresholdPer30Days: number }> {
    return attempt(() => {
      requireAccount(this.db, accountId);
      const since = new Date(Date.now() - days * 86_400_000).toISOString();
      return { points: healthHistory(this.db, accountId, since), trendThresholdPer30Days: this.healthModel().config.trendThresholdPer30Days };
    });
  }

  portfolioHealth(): PortfolioHealth {
    return portfolioHealth(this.db, this.healthModel().config.bands, new Date(), this.reads);
  }

  // --- scheduled maintenance ---

  /**
   * Called by the Worker's cron for every tenant: sets this object's alarm, spread over the
   * next `spreadMinutes` by a stable hash of the tenant so thousands of tenants do not all run
   * at once. An alarm already set is left alone, so a repeated cron does not postpone it.
   */
  async scheduleMaintenance(spreadMinutes = 60): Promise<{ at: string; alreadyScheduled: boolean }> {
    const existing = await this.storage.get<number>(MAINTENANCE_AT_KEY);
    if (existing !== undefined) return { at: new Date(existing).toISOString(), alreadyScheduled: true };
    const key = this.ctx.id.name ?? this.ctx.id.toString();
    let hash = 0;
    for (let i = 0; i < key.length; i++) hash = (hash * 31 + key.charCodeAt(i)) >>> 0;
    const at = Date.now() + (hash % Math.max(1, spreadMinutes * 60)) * 1000;
    await this.storage.put(MAINTENANCE_AT_KEY, at);
    await this.armAlarm();
    return { at: new Date(at).toISOString(), alreadyScheduled: false };
  }

  /**
   * One alarm serves two clocks: the daily maintenance (its time kept under MAINTENANCE_AT_KEY)
   * and the earliest scheduled campaign or newsletter. Each wake does what is due, then the
   * alarm is set to whichever comes next.
   */
  override async alarm(): Promise<void> {
    const maintenanceAt = await this.storage.get<number>(MAINTENANCE_AT_KEY);
    const due = dueScheduledSends(this.db, new Date());
    // No stored time: an alarm set before the two clocks shared it, or by hand; it was maintenance's.
    if (maintenanceAt === undefined ? due.length === 0 : maintenanceAt <= Date.now()) {
      await this.runMaintenance();
      await this.storage.put(MAINTENANCE_AT_KEY, Date.now() + MAINTENANCE_INTERVAL_MS);
    }
    // A send that came due during the maintenance is caught by the alarm armed below (at once).
    await this.sendScheduled(due);
    await this.armAlarm();
  }

  /** Sets the alarm to the earliest of the next maintenance and the next scheduled send, if earlier than it is. */
  private async armAlarm(): Promise<void> {
    const maintenanceAt = (await this.storage.get<number>(MAINTENANCE_AT_KEY)) ?? Number.POSITIVE_INFINITY;
    const wanted = Math.min(maintenanceAt, nextScheduledSendAt(this.db) ?? Number.POSITIVE_INFINITY);
    if (wanted === Number.POSITIVE_INFINITY) return;
    const current = await this.storage.getAlarm();
    if (current === null || wanted < current) await this.storage.setAlarm(Math.max(wanted, Date.now()));
  }

  private wakeArmed = false;

  /** After the current transaction, makes sure the alarm wakes for a send just scheduled. */
  private wakeForScheduledSends(): void {
    if (this.wakeArmed) return;
    this.wakeArmed = true;
    void Promise.resolve().then(async () => {
      this.wakeArmed = false;
      await this.armAlarm();
    });
  }

  /**
   * Hands the due scheduled campaigns and newsletters to SendGrid (as send_campaign and
   * send_newsletter do); one that cannot go (SendGrid not connected, every recipient
   * suppressed) becomes not_sent with the reason, so it can still be sent by hand.
   */
  private async sendScheduled(due: readonly DueSend[]): Promise<void> {
    if (due.length === 0) return;
    const connected = sendgridConnected(this.db);
    for (const send of due) {
      const sent = connected
        ? await this.sendEmail(send, SYSTEM_ACTOR)
        : { ok: false as const, message: "SendGrid was not connected at the scheduled time; connect it (connect_integration), then send it by hand" };
      if (sent.ok) continue;
      this.db.transaction((tx) => {
        markScheduledSendMissed(tx, send, `not sent at the scheduled time: ${sent.message}`);
        recordAudit(tx, { ...SYSTEM_ACTOR, action: "scheduled_send_missed", targetId: send.id, details: { kind: send.kind, reason: sent.message } });
      });
    }
  }

  /**
   * The daily pass: SLA clocks of idle open tickets, a health snapshot of every account (the
   * history trends are fitted on) and their trends, the playbooks over every account, renewal checkpoint tasks, and the purge of
   * raw events past the retention window. Each step commits on its own; a failure throws, and
   * the runtime retries the alarm.
   */
  async runMaintenance(now = new Date()): Promise<{
    health: RecomputeResult;
    playbooks: RunResult["totals"];
    renewalCheckpoints: CheckpointRun;
    onboardingAutomation: AutomationRun;
    workflowsFired: number;
    purgedEvents: number;
  }> {
    const { config } = this.healthModel();
    // Idle tickets that passed their SLA since their last write count as breached from today.
    const slaBreached = this.db.transaction((tx) => {
      const accounts = sweepOpenTicketSla(tx, now);
      refreshAccountFeatures(tx, accounts, now);
      return accounts.length;
    });
    const recompute = this.storage.transactionSync(() => {
      const result = recomputeHealth(this.storage, config, now);
      updateHealthTrends(this.storage, config.trendThresholdPer30Days, TREND_WINDOW_DAYS, now);
      return result;
    });
    await this.markHealthEpoch();
    const playbooks = this.runAllPlaybooks().totals;
    const renewalCheckpoints = this.db.transaction((tx) => openRenewalCheckpointTasks(tx, now));
    const onboardingAutomation = this.db.transaction((tx) => openOnboardingAutomationTasks(tx, now));
    // Time-based workflow triggers: a renewal entering its window fires with no data change.
    const timedWorkflows = this.db.transaction((tx) => this.runWorkflows(tx, null, now, { triggers: ["renewal_window"] })).length;
    let purgedEvents = 0;
    for (;;) {
      const purge = this.purgeExpiredEvents(now);
      purgedEvents += purge.deleted;
      if (!purge.more) break;
    }
    const integrations = await this.integrationMaintenance(now);
    recordAudit(this.db, {
      userId: "system",
      via: "system",
      action: "daily_maintenance",
      details: {
        scored: recompute.scored,
        accounts: recompute.accounts,
        newly_breached_accounts: slaBreached,
        tasks_opened: playbooks.created + renewalCheckpoints.opened + onboardingAutomation.overdue_milestone_tasks + onboardingAutomation.stalled_plan_tasks,
        workflows_fired: timedWorkflows,
        purged_events: purgedEvents,
        requeued_deliveries: integrations.requeued,
        purged_webhook_receipts: integrations.purgedReceipts,
      },
    });
    return { health: recompute, playbooks, renewalCheckpoints, onboardingAutomation, workflowsFired: timedWorkflows, purgedEvents };
  }

  // --- touchpoints ---

  logTouchpoint(input: NewTouchpoint, actor: Actor): Outcome<Touchpoint> {
    return attempt(() =>
      this.db.transaction((tx) => {
        const touchpoint = logTouchpoint(tx, input, actor.userId);
        recordAudit(tx, { ...actor, action: "log_touchpoint", targetId: input.client_id, details: { ...input } });
        this.factsChanged(tx, [input.client_id]);
        return touchpoint;
      }),
    );
  }

  /** Many touchpoints in one transaction (imports, the demo, provider webhooks), health refreshed once per account. */
  logTouchpoints(inputs: NewTouchpoint[], actor: Actor): Outcome<number> {
    return attempt(() =>
      this.db.transaction((tx) => {
        for (const input of inputs) logTouchpoint(tx, input, actor.userId);
        recordAudit(tx, { ...actor, action: "log_touchpoints", details: { count: inputs.length } });
        this.factsChanged(tx, inputs.map((input) => input.client_id));
        return inputs.length;
      }),
    );
  }

  listTouchpoints(accountId: string, options: { limit: number; cursor?: string; kind?: NewTouchpoint["kind"] }): Outcome<TouchpointPage> {
    return attempt(() => listTouchpoints(this.db, accountId, options));
  }

  // --- retention and risk ---

  churnRisk(accountId: string): Outcome<AccountChurnRisk> {
    return attempt(() => accountChurnRisk(this.db, accountId, this.healthModel().config, churn.DEFAULT_CHURN_CONFIG, new Date()));
  }

  portfolioChurnRisk(options: { minLevel: churn.ChurnRiskLevel; limit: number; csm?: string; tier?: string }): Outcome<PortfolioRisk> {
    return attempt(() => portfolioChurnRisk(this.db, this.healthModel().config, churn.DEFAULT_CHURN_CONFIG, options, new Date()));
  }

  satisfaction(accountId: string | null, days: number): Outcome<SatisfactionReport> {
    return attempt(() => {
      if (accountId) requireAccount(this.db, accountId);
      return satisfactionReport(this.db, { accountId, days }, new Date());
    });
  }

  churnPostmortem(accountId: string, churnDate: string | null): Outcome<Postmortem> {
    return attempt(() => churnPostmortem(this.db, accountId, churnDate, this.healthModel().config.bands));
  }

  /**
   * Every write that changes an account's facts calls this, inside its transaction, with the
   * accounts it touched: their health inputs are refreshed (and, as the health tools land,
   * their scores rematerialized).
   */
  private factsChanged(db: TenantDb, accountIds: Iterable<string>): void {
    const ids = [...new Set(accountIds)];
    const now = new Date();
    refreshAccountFeatures(db, ids, now);
    const { config } = this.healthModel();
    for (const id of ids) scoreAccount(db, id, config, now);
    runPlaybooks(db, now, ids);
    this.runWorkflows(db, ids, now);
    this.writeThroughHealth(ids);
  }

  /** The workflows for these accounts; a campaign one of them schedules wakes the object to send it. */
  private runWorkflows(db: TenantDb, accountIds: readonly string[] | null, now: Date, options?: Parameters<typeof runWorkflows>[3]): WorkflowFiring[] {
    const firings = runWorkflows(db, accountIds, now, options);
    if (firings.some((firing) => firing.scheduled_sends > 0)) this.wakeForScheduledSends();
    return firings;
  }

  private readonly healthToCache = new Set<string>();

  /**
   * Copies the accounts' materialized scores to the CACHE KV namespace once the current
   * transaction has finished: the flush runs after the synchronous RPC body and reads what was
   * committed, so a rolled-back write never reaches the cache.
   */
  private writeThroughHealth(accountIds: readonly string[]): void {
    const tenantId = this.ctx.id.name;
    if (!tenantId) return;
    // A bulk change (an import chunk, a batch of events) would cost one KV write per account:
    // instead move the epoch, which makes every older entry stale at once.
    if (accountIds.length > WRITE_THROUGH_LIMIT) {
      void this.markHealthEpoch();
      return;
    }
    const first = this.healthToCache.size === 0;
    for (const id of accountIds) this.healthToCache.add(id);
    if (!first) return;
    void Promise.resolve().then(async () => {
      const ids = [...this.healthToCache];
      this.healthToCache.clear();
      const puts = ids.flatMap((id) => {
        const row = this.db
          .select({ score: schema.accounts.healthScore, trend: schema.accounts.healthTrend, computedAt: schema.accounts.healthComputedAt })
          .from(schema.accounts)
          .where(eq(schema.accounts.id, id))
          .get();
        if (!row?.computedAt) return [];
        const value = JSON.stringify({ score: row.score, trend: row.trend, computed_at: healthAsOf(row.computedAt, healthRecomputedAt(this.db)) });
        return [this.env.CACHE.put(accountHealthKey(tenantId, id), value, { expirationTtl: ACCOUNT_HEALTH_TTL_SECONDS })];
      });
      // The cache is an optimization: a failed put leaves the Tenant object as the answer.
      await Promise.allSettled(puts);
    });
  }

  // --- events ---

  /**
   * Stores a batch from POST /api/v1/events and folds it into the daily usage: one RPC and
   * one transaction per batch, idempotent on messageId (src/db/usage-events.ts).
   */
  ingestUsageEvents(events: IncomingUsageEvent[]): Outcome<IngestResult> {
    return attempt(() =>
      this.db.transaction((tx) => {
        const { touchedAccounts, ...result } = ingestUsageEvents(tx, events, readEventSettings(tx));
        this.factsChanged(tx, touchedAccounts);
        return result;
      }),
    );
  }

  /** Attaches the pending usage events of accounts that just appeared (or got their external_id). */
  private attachUsage(tx: TenantDb, accounts: { id: string; externalId: string | null }[]): void {
    this.factsChanged(tx, attachPendingEvents(tx, accounts));
  }

  getEventSettings(): Outcome<EventSettings & { pending_events: number }> {
    return attempt(() => ({ ...readEventSettings(this.db), pending_events: pendingEventCount(this.db) }));
  }

  updateEventSettings(changes: Partial<EventSettings>, actor: Actor): Outcome<EventSettings & { pending_events: number }> {
    return attempt(() =>
      this.db.transaction((tx) => {
        const settings = writeEventSettings(tx, changes, actor.userId);
        recordAudit(tx, { ...actor, action: "update_event_settings", details: { ...changes } });
        return { ...settings, pending_events: pendingEventCount(tx) };
      }),
    );
  }

  /**
   * Deletes raw usage events received before the retention window (aggregates stay), in
   * transactions of at most 10,000 rows and at most `maxRows` per call; `more` says to call again.
   */
  purgeExpiredEvents(now: Date = new Date(), maxRows = 100_000): { deleted: number; cutoff: string; more: boolean } {
    const settings = readEventSettings(this.db);
    let deleted = 0;
    let cutoff = "";
    let more = true;
    while (more && deleted < maxRows) {
      const chunk = this.db.transaction((tx) => purgeExpiredRawEvents(tx, settings, now, Math.min(10_000, maxRows - deleted)));
      deleted += chunk.deleted;
      cutoff = chunk.cutoff;
      more = chunk.more;
    }
    return { deleted, cutoff, more };
  }

  /** An account's daily usage and features between two days (inclusive). */
  accountUsage(accountId: string, from: string, to: string): Outcome<UsageDay[]> {
    return attempt(() => {
      requireAccount(this.db, accountId);
      return accountUsageDays(this.db, accountId, from, to);
    });
  }

  /** Records a change to the workspace's API keys (kept in D1) in this tenant's audit log. */
  auditApiKey(action: "create_api_key" | "revoke_api_key", keyId: string, details: { [key: string]: Json }, actor: Actor): Outcome<null> {
    return attempt(() => {
      recordAudit(this.db, { ...actor, action, targetId: keyId, details });
      return null;
    });
  }

  // --- backup (export / restore) ---

  /** Every table with its columns, primary key and row count, in restore (foreign-key) order. */
  exportTables(): Outcome<{ schema_version: string; restore_in_progress: boolean; tables: TableSummary[] }> {
    return attempt(() => ({
      schema_version: BACKUP_SCHEMA_VERSION,
      restore_in_progress: restoreState(this.db) !== null,
      tables: tableSummaries(this.storage.sql),
    }));
  }

  /** One page of a table's rows in primary-key order after the cursor `after` (null: from the start). */
  exportPage(table: string, after: string | null, limit: number): Outcome<ExportPage> {
    return attempt(() => {
      if (restoreState(this.db)) throw new AccountError("conflict", "A restore into this workspace is in progress; export it after POST /api/v1/restore/finish.");
      return exportPage(this.storage.sql, table, after, limit);
    });
  }

  /** Starts a restore into this workspace, which must hold no data yet. */
  beginRestore(actor: Actor): Outcome<{ started_at: string; schema_version: string }> {
    return attempt(() => this.db.transaction((tx) => beginRestore(tx, this.storage.sql, actor)));
  }

  /** Inserts one page of exported rows as they are, in one transaction; only while a restore is in progress. */
  restorePage(table: string, rows: unknown): Outcome<{ table: string; inserted: number }> {
    return attempt(() => this.db.transaction((tx) => ({ table, inserted: restoreRows(tx, this.storage.sql, table, rows) })));
  }

  /** Refreshes every account's health inputs (in pages of accounts), then ends the restore. */
  finishRestore(actor: Actor): Outcome<{ started_at: string; tables: Record<string, number> }> {
    return attempt(() => {
      if (!restoreState(this.db)) throw new AccountError("conflict", "No restore is in progress in this workspace; POST /api/v1/restore/begin first.");
      let after: string | null = null;
      for (;;) {
        const ids = accountIdsAfter(this.storage.sql, after, 500);
        if (ids.length === 0) break;
        // Inputs only: the restored scores and their history are the backup's, kept as they were.
        this.db.transaction((tx) => refreshAccountFeatures(tx, ids));
        after = ids.at(-1) ?? null;
      }
      return this.db.transaction((tx) => finishRestore(tx, this.storage.sql, actor));
    });
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

  // --- engagement & segmentation ---

  /** The feature catalog (configured, or the names seen in usage) and the custom milestones, if any. */
  engagementSettings(): Outcome<{ catalog: FeatureCatalog; milestones: engagement.MilestoneDefinition[] | null; milestones_updated_at: string | null }> {
    return attempt(() => {
      const custom = readCustomMilestones(this.storage.sql);
      return { catalog: readFeatureCatalog(this.storage.sql), milestones: custom?.milestones ?? null, milestones_updated_at: custom?.updated_at ?? null };
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
        if (input.features === null) deleteSetting(this.storage.sql, FEATURE_CATALOG_KEY);
        else if (input.features) writeSetting(tx, FEATURE_CATALOG_KEY, input.features, actor.userId);
        if (milestones === null) deleteSetting(this.storage.sql, MILESTONES_KEY);
        else if (milestones) writeSetting(tx, MILESTONES_KEY, milestones, actor.userId);
        recordAudit(tx, { ...actor, action: "update_engagement_settings", details: { ...input } });
      });
      const custom = readCustomMilestones(this.storage.sql);
      return { catalog: readFeatureCatalog(this.storage.sql), milestones: custom?.milestones ?? null, milestones_updated_at: custom?.updated_at ?? null };
    });
  }

  usageEngagement(
    id: string,
    query: { start: string; end: string; granularity: Granularity; threshold: number },
  ): Outcome<{ account: Account; report: UsageEngagementReport }> {
    return attempt(() => {
      const account = requireAccount(this.db, id);
      return { account, report: usageEngagement(this.storage.sql, id, query, readFeatureCatalog(this.storage.sql)) };
    });
  }

  featureAdoption(query: {
    client_id?: string;
    start: string;
    end: string;
    threshold: number;
  }): Outcome<{ account: Account | null; account_report: AccountAdoptionReport | null; portfolio_report: PortfolioAdoptionReport | null }> {
    return attempt(() => {
      const sql = this.storage.sql;
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
      const sql = this.storage.sql;
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
      const sql = this.storage.sql;
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
      valueTierReport(this.storage.sql, query.tiers ?? segments.DEFAULT_VALUE_TIERS, { vip: query.vip, margin: query.margin, limit: query.limit }),
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
      const sql = this.storage.sql;
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
      const sql = this.storage.sql;
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

  // --- imports ---

  /**
   * Applies one chunk of validated CSV rows (src/import) in one transaction, with one audit
   * entry for the chunk. A dry run does exactly the same work and then rolls it back, so its
   * counts and row errors are the ones a real run would give.
   */
  importRows(batch: ImportBatch, options: { dryRun: boolean }, actor: Actor): Outcome<Omit<ImportChunkResult, "touchedAccounts" | "scoredAccounts">> {
    return attempt(() => {
      try {
        const { touchedAccounts: _touched, scoredAccounts: _scored, ...summary } = this.db.transaction((tx) => {
          const result = applyImportBatch(tx, batch, actor.userId, this.healthModel().config);
          // Contacts feed no health input, account field of a playbook rule or workflow trigger
          // (src/db/features.ts, src/db/account-fields.ts); rescoring a chunk's 500 accounts for
          // them was most of a contacts import's time. Churn risk reads contacts when asked.
          if (batch.kind !== "contacts") this.factsChanged(tx, result.touchedAccounts);
          // The accounts the chunk created were featured and scored in bulk by applyImportBatch;
          // the rest of factsChanged (playbooks, workflows, the cache) runs for them here.
          if (result.scoredAccounts.length > 0) {
            const now = new Date();
            runPlaybooks(tx, now, result.scoredAccounts);
            this.runWorkflows(tx, result.scoredAccounts, now);
            this.writeThroughHealth(result.scoredAccounts);
            // Events sent before these accounts existed join them now, as on register_client.
            if (hasPendingEvents(tx)) this.attachUsage(tx, accountRefsOf(tx, result.scoredAccounts));
          }
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
        const { touchedAccounts: _touched, scoredAccounts: _scored, ...summary } = error.result;
        return summary;
      }
    });
  }

  // --- onboarding & training ---

  createOnboardingPlan(input: NewPlan, actor: Actor): Outcome<{ plan: Plan; template_reasons: string[] }> {
    return attempt(() =>
      this.db.transaction((tx) => {
        const result = createPlan(tx, input, actor.userId);
        recordAudit(tx, { ...actor, action: "create_onboarding_plan", targetId: result.plan.plan_id, details: { ...input } });
        return result;
      }),
    );
  }

  /** Progress of a plan (by id, or the account's latest) as of a day, with usage's first value from the engagement engine. */
  onboardingProgress(query: { plan_id?: string; client_id?: string; as_of?: string }): Outcome<Progress> {
    return attempt(() => {
      const asOf = query.as_of ?? todayOf(new Date());
      const plan = findPlan(this.db, query, asOf);
      const sql = this.storage.sql;
      let usage: UsageFirstValue = { status: "no_data", reached_on: null, definition: "no usage recorded" };
      const row = milestoneAccount(sql, plan.client_id);
      if (row) {
        const result = milestonesForAccounts(sql, [row], asOf, readFeatureCatalog(sql), engagement.STANDARD_MILESTONES);
        const ttfv = result.accounts[0]?.time_to_first_value;
        if (ttfv) usage = { status: ttfv.status, reached_on: ttfv.reached_on, definition: ttfv.definition };
      }
      return planProgress(plan, asOf, usage);
    });
  }

  updateOnboardingMilestone(
    milestoneId: string,
    changes: MilestoneChanges,
    actor: Actor,
  ): Outcome<ReturnType<typeof updateMilestone>> {
    return attempt(() =>
      this.db.transaction((tx) => {
        const result = updateMilestone(tx, milestoneId, changes, actor.userId);
        if (result.changed.length > 0) recordAudit(tx, { ...actor, action: "update_onboarding_milestone", targetId: milestoneId, details: { ...changes } });
        return result;
      }),
    );
  }

  createTrainingModule(input: NewModule, actor: Actor): Outcome<TrainingModule> {
    return attempt(() =>
      this.db.transaction((tx) => {
        const module = createModule(tx, input, actor.userId);
        recordAudit(tx, { ...actor, action: "create_training_module", targetId: module.module_id, details: { ...input } });
        return module;
      }),
    );
  }

  listTrainingModules(): Outcome<TrainingModule[]> {
    return attempt(() => listModules(this.db));
  }

  listTrainingSessions(accountId: string): Outcome<TrainingSession[]> {
    return attempt(() => {
      requireAccount(this.db, accountId);
      return listSessions(this.db, accountId);
    });
  }

  scheduleTrainingSession(input: NewSession, actor: Actor): Outcome<TrainingSession> {
    return attempt(() =>
      this.db.transaction((tx) => {
        const session = scheduleSession(tx, input, actor.userId);
        recordAudit(tx, { ...actor, action: "schedule_training_session", targetId: session.session_id, details: { ...input } });
        return session;
      }),
    );
  }

  recordTrainingAttendance(sessionId: string, records: AttendanceRecord[], actor: Actor): Outcome<TrainingSession> {
    return attempt(() =>
      this.db.transaction((tx) => {
        const session = recordAttendance(tx, sessionId, records, actor.userId);
        recordAudit(tx, { ...actor, action: "record_attendance", targetId: sessionId, details: { attendees: records.map((r) => ({ ...r })) } });
        return session;
      }),
    );
  }

  issueCertification(input: NewCertification, actor: Actor): Outcome<Certification> {
    return attempt(() =>
      this.db.transaction((tx) => {
        const certification = issueCertification(tx, input, actor.userId);
        recordAudit(tx, { ...actor, action: "issue_certification", targetId: certification.certification_id, details: { ...input } });
        return certification;
      }),
    );
  }

  revokeCertification(target: RevokeTarget, reason: string, actor: Actor): Outcome<Certification> {
    return attempt(() =>
      this.db.transaction((tx) => {
        const certification = revokeCertification(tx, target, reason, actor.userId);
        recordAudit(tx, { ...actor, action: "revoke_certification", targetId: certification.certification_id, details: { ...target, reason } });
        return certification;
      }),
    );
  }

  listCertifications(query: Omit<CertificationQuery, "as_of"> & { as_of?: string }): Outcome<ReturnType<typeof listCertifications>> {
    return attempt(() => listCertifications(this.db, { ...query, as_of: query.as_of ?? todayOf(new Date()) }));
  }

  customerJourney(accountId: string, asOf: string | undefined, maxItemsPerStage: number): Outcome<Journey> {
    return attempt(() => customerJourney(this.db, accountId, asOf ?? todayOf(new Date()), maxItemsPerStage));
  }

  // --- support ---

  /** One ticket write: the change, factsChanged for its account (health reads tickets) and the audit entry, in one transaction. */
  private ticketWrite<T>(ticketId: string, action: string, details: { [key: string]: Json }, actor: Actor, work: (tx: TenantDb) => T): Outcome<T> {
    return attempt(() =>
      this.db.transaction((tx) => {
        const result = work(tx);
        this.factsChanged(tx, [accountOfTicket(tx, ticketId)]);
        recordAudit(tx, { ...actor, action, targetId: ticketId, details });
        return result;
      }),
    );
  }

  createTicket(input: NewTicket, actor: Actor, now = new Date()): Outcome<{ ticket: TicketDetail; routing: Routing | null }> {
    return attempt(() =>
      this.db.transaction((tx) => {
        const result = createTicket(tx, input, actor.userId, now);
        this.factsChanged(tx, [result.ticket.client_id]);
        recordAudit(tx, { ...actor, action: "create_ticket", targetId: result.ticket.ticket_id, details: { ...input } });
        return result;
      }),
    );
  }

  getTicket(id: string, now = new Date()): Outcome<TicketDetail> {
    return attempt(() => getTicket(this.db, id, now));
  }

  listTickets(query: TicketQuery, now = new Date()): Outcome<TicketList> {
    return attempt(() => listTickets(this.db, query, now));
  }

  updateTicket(id: string, changes: TicketChanges, actor: Actor, now = new Date()): Outcome<{ ticket: TicketDetail; changed: string[] }> {
    return this.ticketWrite(id, "update_ticket", { ...changes }, actor, (tx) => updateTicket(tx, id, changes, actor.userId, now));
  }

  assignTicket(id: string, assignee: string | null, actor: Actor, at?: string, now = new Date()): Outcome<{ ticket: TicketDetail; previous_assignee: string | null; changed: boolean }> {
    return this.ticketWrite(id, "assign_ticket", { assignee, at: at ?? null }, actor, (tx) => assignTicket(tx, id, assignee, actor.userId, at, now));
  }

  addTicketComment(id: string, input: NewComment, actor: Actor, now = new Date()): Outcome<{ ticket: TicketDetail; comment: TicketComment; first_response: boolean; status_change: { from: TicketStatus; to: TicketStatus } | null }> {
    return this.ticketWrite(id, "add_ticket_comment", { visibility: input.visibility, author_kind: input.author_kind, at: input.at ?? null }, actor, (tx) => addComment(tx, id, input, actor.userId, now));
  }

  resolveTicket(id: string, resolution: string, actor: Actor, at?: string, now = new Date()): Outcome<TicketDetail> {
    return this.ticketWrite(id, "resolve_ticket", { resolution, at: at ?? null }, actor, (tx) => resolveTicket(tx, id, resolution, actor.userId, at, now));
  }

  closeTicket(id: string, actor: Actor, at?: string, now = new Date()): Outcome<TicketDetail> {
    return this.ticketWrite(id, "close_ticket", { at: at ?? null }, actor, (tx) => closeTicket(tx, id, actor.userId, at, now));
  }

  reopenTicket(id: string, reason: string, actor: Actor, at?: string, now = new Date()): Outcome<TicketDetail> {
    return this.ticketWrite(id, "reopen_ticket", { reason, at: at ?? null }, actor, (tx) => reopenTicket(tx, id, reason, actor.userId, at, now));
  }

  rateTicket(id: string, score: number, comment: string | undefined, actor: Actor, now = new Date()): Outcome<{ ticket: TicketDetail; feedback_id: string }> {
    return this.ticketWrite(id, "rate_ticket", { score, comment: comment ?? null }, actor, (tx) => rateTicket(tx, id, score, comment, actor.userId, now));
  }

  escalateTicket(
    id: string,
    input: { reason: string; severity?: "critical" | "high" | "medium" | "low"; owner?: string | null; raise_priority: boolean },
    actor: Actor,
    now = new Date(),
  ): Outcome<{ ticket: TicketDetail; escalation: Escalation; priority_change: { from: TicketPriority; to: TicketPriority } | null }> {
    return this.ticketWrite(id, "escalate_ticket", { ...input }, actor, (tx) => escalateTicket(tx, id, input, actor.userId, now));
  }

  supportSettings(): Outcome<SupportSettings> {
    return attempt(() => supportSettings(this.db));
  }

  updateSupportSettings(changes: SupportSettingsChanges, actor: Actor): Outcome<SupportSettings> {
    return attempt(() =>
      this.db.transaction((tx) => {
        const result = updateSupportSettings(tx, changes, actor.userId);
        recordAudit(tx, { ...actor, action: "configure_support", targetId: "support", details: JSON.parse(JSON.stringify(changes)) as { [key: string]: Json } });
        return result;
      }),
    );
  }

  supportPerformance(options: { from: string; to: string; client_id?: string; agent?: string; priority?: TicketPriority }): Outcome<SupportPerformance> {
    return attempt(() => {
      if (options.client_id) requireAccount(this.db, options.client_id);
      return supportPerformance(this.db, options);
    });
  }

  createArticle(input: NewArticle, actor: Actor): Outcome<Article> {
    return attempt(() =>
      this.db.transaction((tx) => {
        const article = createArticle(tx, input, actor.userId);
        recordAudit(tx, { ...actor, action: "create_article", targetId: article.article_id, details: { title: input.title, category: input.category } });
        return article;
      }),
    );
  }

  updateArticle(id: string, changes: ArticleChanges, actor: Actor): Outcome<{ article: Article; changed: string[] }> {
    return attempt(() =>
      this.db.transaction((tx) => {
        const result = updateArticle(tx, id, changes, actor.userId);
        if (result.changed.length) recordAudit(tx, { ...actor, action: "update_article", targetId: id, details: { changed: result.changed, version: result.article.version } });
        return result;
      }),
    );
  }

  publishArticle(id: string, actor: Actor): Outcome<Article> {
    return attempt(() =>
      this.db.transaction((tx) => {
        const article = publishArticle(tx, id);
        recordAudit(tx, { ...actor, action: "publish_article", targetId: id, details: { version: article.version } });
        return article;
      }),
    );
  }

  archiveArticle(id: string, actor: Actor): Outcome<Article> {
    return attempt(() =>
      this.db.transaction((tx) => {
        const article = archiveArticle(tx, id);
        recordAudit(tx, { ...actor, action: "archive_article", targetId: id, details: {} });
        return article;
      }),
    );
  }

  voteArticle(id: string, helpful: boolean, actor: Actor): Outcome<{ article: Article; previous_vote: boolean | null }> {
    return attempt(() =>
      this.db.transaction((tx) => {
        const result = voteArticle(tx, id, actor.userId, helpful);
        recordAudit(tx, { ...actor, action: "vote_article", targetId: id, details: { helpful } });
        return result;
      }),
    );
  }

  getArticle(id: string): Outcome<{ article: Article; versions: ArticleVersion[] }> {
    return attempt(() => getArticle(this.db, id));
  }

  searchArticles(options: { query: string; category?: string; status: ArticleStatus[]; limit: number }): Outcome<{ terms: string[]; results: SearchResult[]; total_matches: number }> {
    return attempt(() => searchArticles(this.db, options));
  }

  // --- revenue & feedback ---

  renewalsDue(options: AccountFilter & { days: number; limit: number }): Outcome<RenewalsDue> {
    return attempt(() => renewalsDue(this.db, this.healthModel().config, options, new Date()));
  }

  renewalForecast(options: AccountFilter & { months: number }): Outcome<renewals.RenewalForecast> {
    return attempt(() => renewalForecast(this.db, this.healthModel().config, options, new Date()));
  }

  expansionOpportunities(
    options: AccountFilter & { accountId?: string; catalog: expansion.CatalogProduct[]; limits: PlanLimit[]; types?: expansion.ExpansionType[]; includeHeldBack: boolean; limit: number },
  ): Outcome<ExpansionReport> {
    return attempt(() => expansionOpportunities(this.db, this.healthModel().config, options, new Date()));
  }

  revenueExpansion(options: AccountFilter & { granularity: RevenueGranularity; periods: number }): Outcome<{ periods: RevenuePeriod[]; total: RevenuePeriod; accounts: number }> {
    return attempt(() => revenueExpansion(this.db, options, new Date()));
  }

  lifetimeValue(options: AccountFilter & { accountId?: string; grossMargin?: number; limit: number }): Outcome<LifetimeValueReport> {
    return attempt(() => lifetimeValueReport(this.db, this.healthModel().config, options, new Date()));
  }

  submitFeedback(input: NewFeedback, actor: Actor): Outcome<FeedbackItem> {
    return attempt(() =>
      this.db.transaction((tx) => {
        const item = insertFeedback(tx, input, actor.userId, new Date());
        recordAudit(tx, { ...actor, action: "submit_feedback", targetId: item.feedback_id, details: { client_id: item.client_id, kind: item.kind, score: item.score } });
        this.factsChanged(tx, [item.client_id]);
        return item;
      }),
    );
  }

  listFeedback(query: FeedbackQuery): Outcome<{ feedback: FeedbackItem[]; next_cursor: string | null }> {
    return attempt(() => {
      if (query.client_id) requireAccount(this.db, query.client_id);
      return listFeedback(this.db, query);
    });
  }

  feedbackInsights(options: AccountFilter & { accountId?: string; days: number; limit: number }): Outcome<FeedbackInsights> {
    return attempt(() => {
      if (options.accountId) requireAccount(this.db, options.accountId);
      return feedbackInsights(this.db, options, new Date());
    });
  }

  createProductInsight(input: NewInsight, actor: Actor): Outcome<ProductInsight> {
    return attempt(() =>
      this.db.transaction((tx) => {
        const insight = createInsight(tx, input, actor.userId, new Date());
        recordAudit(tx, { ...actor, action: "create_product_insight", targetId: insight.insight_id, details: { title: input.title, category: input.category, feedback_ids: insight.feedback_ids } });
        return insight;
      }),
    );
  }

  listProductInsights(query: { status?: string; category?: string; client_id?: string; limit: number }): Outcome<ProductInsight[]> {
    return attempt(() => listInsights(this.db, query));
  }

  csMetrics(options: { granularity: RevenueGranularity; periods: number; by: "all" | "tier" }): Outcome<MetricsRow[]> {
    return attempt(() => csMetrics(this.db, options, new Date()));
  }

  // --- communication ---

  /** Resolves, renders and (unless previewOnly) records a campaign; a scheduled one is sent by the alarm at its time. */
  createCampaign(input: NewCampaign, options: { previewOnly: boolean; confirm: boolean }, actor: Actor): Outcome<CampaignPlan> {
    return attempt(() =>
      this.db.transaction((tx) => {
        const plan = createCampaign(tx, input, options, actor.userId);
        if (plan.campaign?.status === "scheduled") this.wakeForScheduledSends();
        if (plan.campaign) {
          recordAudit(tx, {
            ...actor,
            action: "create_email_campaign",
            targetId: plan.campaign.campaign_id,
            details: { name: input.name, template_type: input.template_type, target: input.target, recipients: plan.recipient_count, status: plan.campaign.status },
          });
        }
        return plan;
      }),
    );
  }

  listCampaigns(options: { status?: CampaignStatus; limit: number; cursor?: string }): Outcome<CampaignList> {
    return attempt(() => listCampaigns(this.db, options));
  }

  getCampaign(id: string, limit: number): Outcome<{ campaign: Campaign; recipients: RenderedRecipient[]; recipients_shown: number }> {
    return attempt(() => getCampaign(this.db, id, limit));
  }

  communicationSettings(): Outcome<{ confirm_threshold: number }> {
    return attempt(() => ({ confirm_threshold: readConfirmThreshold(this.db) }));
  }

  updateCommunicationSettings(changes: { confirm_threshold: number }, actor: Actor): Outcome<{ confirm_threshold: number }> {
    return attempt(() =>
      this.db.transaction((tx) => {
        writeConfirmThreshold(tx, changes.confirm_threshold, actor.userId);
        recordAudit(tx, { ...actor, action: "update_communication_settings", targetId: "communications.confirm_threshold", details: { ...changes } });
        return { confirm_threshold: readConfirmThreshold(tx) };
      }),
    );
  }

  createWorkflow(input: NewWorkflow, actor: Actor): Outcome<Workflow> {
    return attempt(() =>
      this.db.transaction((tx) => {
        const workflow = createWorkflow(tx, input, actor.userId);
        recordAudit(tx, { ...actor, action: "create_workflow", targetId: workflow.workflow_id, details: JSON.parse(JSON.stringify(input)) as { [key: string]: Json } });
        return workflow;
      }),
    );
  }

  listWorkflows(runsPerWorkflow: number): Outcome<(Workflow & { recent_runs: ReturnType<typeof workflowRunsOf> })[]> {
    return attempt(() => listWorkflows(this.db).map((workflow) => ({ ...workflow, recent_runs: workflowRunsOf(this.db, workflow.workflow_id, runsPerWorkflow) })));
  }

  enrollAdvocate(input: { client_id: string; contact_id: string; tier?: AdvocateTier }, actor: Actor): Outcome<Advocate> {
    return attempt(() =>
      this.db.transaction((tx) => {
        const advocate = enrollAdvocate(tx, input, actor.userId);
        recordAudit(tx, { ...actor, action: "enroll_advocate", targetId: advocate.advocate_id, details: { ...input } });
        return advocate;
      }),
    );
  }

  recordAdvocacyActivity(
    input: { advocate_id: string; activity_type: ActivityType; details: string; occurred_at?: string },
    actor: Actor,
  ): Outcome<{ activity: AdvocacyActivity; advocate: Advocate; tier_changed: boolean }> {
    return attempt(() =>
      this.db.transaction((tx) => {
        const result = recordActivity(tx, input, actor.userId);
        recordAudit(tx, { ...actor, action: "record_advocacy_activity", targetId: input.advocate_id, details: { ...input, points: result.activity.points } });
        return result;
      }),
    );
  }

  advocacyLeaderboard(options: { limit: number; client_id?: string }): Outcome<ReturnType<typeof advocacyLeaderboard>> {
    return attempt(() => {
      if (options.client_id) requireAccount(this.db, options.client_id);
      return advocacyLeaderboard(this.db, options);
    });
  }

  scheduleBusinessReview(
    input: { client_id: string; review_type: ReviewType; scheduled_for: string; duration_minutes: number; attendees: Attendee[]; agenda?: string[]; objectives: string[] },
    actor: Actor,
  ): Outcome<BusinessReview> {
    return attempt(() =>
      this.db.transaction((tx) => {
        const review = scheduleReview(tx, input, actor.userId);
        recordAudit(tx, { ...actor, action: "schedule_business_review", targetId: review.review_id, details: JSON.parse(JSON.stringify(input)) as { [key: string]: Json } });
        return review;
      }),
    );
  }

  /** The outcome, its action items as tasks and the meeting as a touchpoint (a fact: health inputs refresh). */
  recordBusinessReviewOutcome(
    input: { review_id: string; summary: string; satisfaction_rating?: number; action_items: ActionItem[]; next_review_date?: string; held_at?: string },
    actor: Actor,
  ): Outcome<{ review: BusinessReview; tasks: Task[] }> {
    return attempt(() =>
      this.db.transaction((tx) => {
        const result = recordReviewOutcome(tx, input, actor.userId);
        recordAudit(tx, { ...actor, action: "record_business_review_outcome", targetId: input.review_id, details: JSON.parse(JSON.stringify(input)) as { [key: string]: Json } });
        this.factsChanged(tx, [result.review.client_id]);
        return result;
      }),
    );
  }

  createNewsletter(input: NewNewsletter, actor: Actor): Outcome<Newsletter> {
    return attempt(() =>
      this.db.transaction((tx) => {
        const newsletter = createNewsletter(tx, input, actor.userId);
        if (newsletter.status === "scheduled") this.wakeForScheduledSends();
        recordAudit(tx, { ...actor, action: "create_newsletter", targetId: newsletter.newsletter_id, details: { name: input.name, recipients: newsletter.recipient_count, status: newsletter.status } });
        return newsletter;
      }),
    );
  }

  /** The account brief behind the account:// resource and the prompts. Reads only. */
  accountBrief(id: string): Outcome<AccountBrief> {
    return attempt(() => accountBrief(this.db, id, this.healthModel().config.bands));
  }

  // --- integrations ---

  /** Every connected provider, with settings and the last four characters of each secret. */
  listConnections(): Outcome<ConnectionSummary[]> {
    return attempt(() => connectionSummaries(this.db));
  }

  /** The stored connection (secrets still sealed: the Worker opens them), or null. */
  connectionFor(provider: ProviderName): StoredConnection | null {
    return storedConnection(this.db, provider);
  }

  saveConnection(connection: StoredConnection, changedSecrets: string[], actor: Actor): Outcome<ConnectionSummary> {
    return attempt(() =>
      this.db.transaction((tx) => {
        const summary = saveConnection(tx, connection, actor.userId, new Date());
        recordAudit(tx, { ...actor, action: "connect_integration", targetId: connection.provider, details: { settings: connection.settings, secrets_changed: changedSecrets } });
        return summary;
      }),
    );
  }

  recordConnectionTest(provider: ProviderName, result: { ok: boolean; message: string }, actor: Actor): Outcome<ConnectionSummary> {
    return attempt(() =>
      this.db.transaction((tx) => {
        const summary = recordConnectionTest(tx, provider, result, new Date());
        recordAudit(tx, { ...actor, action: "test_integration", targetId: provider, details: { ok: result.ok } });
        return summary;
      }),
    );
  }

  removeConnection(provider: ProviderName, actor: Actor): Outcome<{ removed: boolean }> {
    return attempt(() =>
      this.db.transaction((tx) => {
        const removed = removeConnection(tx, provider);
        if (!removed) throw new AccountError("not_found", `${provider} is not connected; nothing to disconnect.`);
        recordAudit(tx, { ...actor, action: "disconnect_integration", targetId: provider, details: {} });
        return { removed };
      }),
    );
  }

  /**
   * Records a job and its deliveries, then hands them to the INTEGRATIONS queue. The rows are
   * committed first: if the enqueue fails, the daily maintenance enqueues them later, and the
   * idempotency keys make a double enqueue harmless.
   */
  async createIntegrationJob(input: NewJob, actor: Actor): Promise<Outcome<JobStatus>> {
    const created = attempt(() =>
      this.db.transaction((tx) => {
        const job = createJob(tx, input, actor.userId, new Date());
        recordAudit(tx, { ...actor, action: "start_integration_job", targetId: job.jobId, details: { provider: input.provider, operation: input.operation, deliveries: job.keys.length } });
        return job;
      }),
    );
    if (!created.ok) return created;
    await this.enqueueDeliveries(created.value.keys);
    return this.integrationJob(created.value.jobId);
  }

  private async enqueueDeliveries(keys: readonly string[]): Promise<void> {
    const tenant = this.ctx.id.name;
    if (!tenant || keys.length === 0) return;
    try {
      await sendAll(this.env.INTEGRATIONS, keys.map((key) => sized({ kind: "deliver", tenant, key })));
      markEnqueued(this.db, keys, new Date());
    } catch {
      // Left unmarked: the daily maintenance enqueues them again.
      console.error(JSON.stringify({ message: "enqueue failed; deliveries wait for maintenance", tenant, deliveries: keys.length }));
    }
  }

  /** Asked by the queue consumer before every provider call (null: no such delivery). */
  async claimDelivery(key: string): Promise<DeliveryClaim | null> {
    const claim = claimDelivery(this.db, key, new Date());
    // A survey's links are derived now and only their hashes kept (src/surveys/links.ts).
    return claim?.state === "send" && claim.operation === "send_mail" && surveyRecipientIds(claim.payload) ? { ...claim, payload: await this.surveyLinks(claim.payload) } : claim;
  }

  finishDelivery(key: string, outcome: DeliveryOutcome): void {
    finishDelivery(this.db, key, outcome, new Date());
  }

  /** The dead-letter consumer: retries ran out; the last reason stays on the delivery. */
  markDeadDelivery(key: string): void {
    markDead(this.db, key, new Date());
  }

  integrationJob(id: string): Outcome<JobStatus> {
    return attempt(() => {
      const status = jobStatus(this.db, id);
      if (!status) throw new AccountError("not_found", `No integration job ${id}; list_integration_jobs shows this workspace's jobs.`);
      return status;
    });
  }

  listIntegrationJobs(options: { limit: number; provider?: ProviderName }): Outcome<JobStatus[]> {
    return attempt(() => listJobs(this.db, options));
  }

  /** Dead-lettered or refused deliveries back onto the queue (the retry button). */
  async retryDeliveries(filter: { jobId?: string; keys?: string[] }, actor: Actor): Promise<Outcome<{ requeued: number }>> {
    const requeued = attempt(() =>
      this.db.transaction((tx) => {
        const keys = requeueDeliveries(tx, filter, new Date());
        recordAudit(tx, { ...actor, action: "retry_integration_deliveries", targetId: filter.jobId ?? null, details: { requeued: keys.length } });
        return keys;
      }),
    );
    if (!requeued.ok) return requeued;
    await this.enqueueDeliveries(requeued.value);
    return { ok: true, value: { requeued: requeued.value.length } };
  }

  /**
   * Applies verified webhook events from the queue, each exactly once: its receipt and its
   * effect commit together, so a redelivered event finds its receipt and does nothing.
   */
  applyInboundEvents(provider: ProviderName, events: InboundEvent[]): Outcome<{ applied: number; duplicates: number; effects: string[] }> {
    return attempt(() =>
      this.db.transaction((tx) => {
        const now = new Date();
        // Ids already received, and ids seen earlier in this same batch, are redeliveries.
        const seen = receivedEventIds(tx, provider, events.map((event) => event.id));
        const fresh = events.filter((event) => {
          if (seen.has(event.id)) return false;
          seen.add(event.id);
          return true;
        });
        const duplicates = events.length - fresh.length;
        const applied = applyInboundBatch(tx, provider, fresh, now);
        const touched = applied.flatMap((result) => result.accountIds);
        const effects = applied.map((result) => result.effect);
        const receipts: Receipt[] = applied.map(({ event, effect }) => ({ eventId: event.id, eventType: event.type, effect }));
        recordReceipts(tx, provider, receipts, now);
        if (touched.length > 0) this.factsChanged(tx, touched);
        return { applied: events.length - duplicates, duplicates, effects };
      }),
    );
  }

  /** Webhook events applied per provider in the last two weeks. */
  webhookEventCounts(): Outcome<ReturnType<typeof receiptStats>> {
    return attempt(() => receiptStats(this.db));
  }

  /** Recent webhook events of a provider and what each did. */
  recentWebhookEvents(provider: ProviderName, limit: number): Outcome<ReturnType<typeof recentReceipts>> {
    return attempt(() => recentReceipts(this.db, provider, limit));
  }

  /**
   * After an ENCRYPTION_KEY rotation: re-seals every connection still sealed with another key
   * (ENCRYPTION_KEY_PREVIOUS) under the current one. Runs in the daily maintenance, and on demand
   * (reseal_integration_credentials). Connections no configured key opens are named, not dropped.
   */
  async resealConnections(): Promise<Outcome<ResealResult>> {
    const tenantId = this.ctx.id.name;
    if (!tenantId) return { ok: false, code: "invalid", message: "This Tenant object has no name." };
    const currentId = await rootKeyId(this.env.ENCRYPTION_KEY);
    const result: ResealResult = { resealed: [], current: [], unreadable: [] };
    for (const { provider, sealedSecrets } of sealedSecretsByProvider(this.db)) {
      if (sealedKeyId(sealedSecrets) === currentId) {
        result.current.push(provider);
        continue;
      }
      try {
        const secrets = await openSealed(rootKeys(this.env), tenantId, `integration:${provider}`, sealedSecrets);
        replaceSealedSecrets(this.db, provider, await seal(this.env.ENCRYPTION_KEY, tenantId, `integration:${provider}`, secrets));
        result.resealed.push(provider);
      } catch {
        result.unreadable.push(provider);
      }
    }
    if (result.resealed.length > 0 || result.unreadable.length > 0) {
      recordAudit(this.db, { userId: "system", via: "system", action: "reseal_integration_credentials", details: { resealed: result.resealed, unreadable: result.unreadable } });
    }
    return { ok: true, value: result };
  }

  /** Daily: deliveries whose enqueue failed go to the queue again; old receipts are dropped; credentials re-sealed after a key rotation. */
  private async integrationMaintenance(now: Date): Promise<{ requeued: number; purgedReceipts: number }> {
    const keys = unenqueuedKeys(this.db, now, 1000);
    await this.enqueueDeliveries(keys);
    const purgedReceipts = purgeReceipts(this.db, new Date(now.getTime() - RECEIPT_RETENTION_DAYS * 86_400_000));
    await this.resealConnections();
    return { requeued: keys.length, purgedReceipts };
  }

  // --- setup ---

  /** The setup page's saved progress and what the workspace holds (step 1's checks). */
  setupStatus(): Outcome<SetupProgress & { accounts: number; health_model_customized: boolean } & SetupCounts> {
    return attempt(() => ({
      ...readSetupProgress(this.db),
      accounts: countAccounts(this.db),
      health_model_customized: this.healthModel().customized,
      ...setupCounts(this.db),
    }));
  }

  /** Marks a setup step done, with its audit entry, in one transaction. */
  completeSetupStep(step: string, actor: Actor): Outcome<SetupProgress> {
    return attempt(() =>
      this.db.transaction((tx) => {
        const progress = markSetupStep(tx, step, actor.userId, new Date());
        recordAudit(tx, { ...actor, action: "setup_step_completed", targetId: step, details: { step } });
        return progress;
      }),
    );
  }

  /** A page of accounts with each one's scored snapshots over `days` (the setup page's sparklines). */
  accountsWithHistory(options: ListOptions, days: number): Outcome<AccountList & { history: Record<string, { at: string; score: number }[]> }> {
    return attempt(() => {
      const list = listAccounts(this.db, options, new Date(), this.reads);
      const since = new Date(Date.now() - days * 86_400_000).toISOString();
      const history: Record<string, { at: string; score: number }[]> = {};
      for (const account of list.clients) {
        history[account.client_id] = dailyTrendPoints(healthHistory(this.db, account.client_id, since), null);
      }
      return { ...list, history };
    });
  }

  /** An audit entry for a setup action kept outside this object (team invitations live in D1). */
  auditSetupAction(action: "invite_user" | "revoke_invitation" | "accept_invitation" | "approve_assistant_access" | "revoke_assistant_access", targetId: string, details: { [key: string]: Json }, actor: Actor): Outcome<null> {
    return attempt(() => {
      recordAudit(this.db, { ...actor, action, targetId, details });
      return null;
    });
  }

  /** The audit log filtered by user, tool/action and date, newest first, with the filter choices. */
  auditLogPage(query: AuditQuery): Outcome<ReturnType<typeof filteredAudit> & ReturnType<typeof auditFacets>> {
    return attempt(() => ({ ...filteredAudit(this.db, query), ...auditFacets(this.db) }));
  }

  // --- intercom ---

  /** Who an Intercom message to an account's or a segment's contacts reaches, one delivery each. Reads only. */
  planIntercomMessage(input: IntercomMessageInput): Outcome<IntercomMessagePlan> {
    return attempt(() => planIntercomMessage(this.db, input));
  }

  // --- zendesk ---

  /** Which Zendesk organization is this account: tickets of that organization land on it. */
  linkZendeskOrganization(input: { client_id: string; organization_id: number }, actor: Actor): Outcome<OrganizationLink> {
    return attempt(() =>
      this.db.transaction((tx) => {
        const link = linkOrganization(tx, input.client_id, input.organization_id);
        recordAudit(tx, { ...actor, action: "link_zendesk_organization", targetId: input.client_id, details: { organization_id: input.organization_id, previous_client_id: link.previous_client_id } });
        return link;
      }),
    );
  }

  /** What create_ticket sends to Zendesk for one of our tickets. Reads only. */
  zendeskTicketDraft(ticketId: string): Outcome<ZendeskTicketDraft> {
    return attempt(() => ticketDraft(this.db, ticketId));
  }

  /** The Zendesk searches that find an account's tickets. Reads only. */
  zendeskSearchQueries(accountId: string): Outcome<string[]> {
    return attempt(() => searchQueries(this.db, accountId));
  }

  /** Tickets a Zendesk search found for the account, brought into ours (same code as the webhooks). */
  importZendeskTickets(accountId: string, found: ZendeskTicketSnapshot[], actor: Actor): Outcome<TicketSyncResult> {
    return attempt(() =>
      this.db.transaction((tx) => {
        const { result, touched } = importTickets(tx, accountId, found);
        recordAudit(tx, { ...actor, action: "sync_zendesk_tickets", targetId: accountId, details: { found: found.length, opened: result.opened, updated: result.updated, skipped: result.skipped } });
        if (touched.length > 0) this.factsChanged(tx, touched);
        return result;
      }),
    );
  }

  // --- mixpanel ---

  /** Takes one Mixpanel query from this tenant's hourly budget (60/hour), or says when one is free. */
  reserveMixpanelQuery(nowIso: string): Outcome<{ ok: true; remaining: number } | { ok: false; retryAfterSeconds: number }> {
    return attempt(() => this.db.transaction((tx) => reserveMixpanelQuery(tx, new Date(nowIso))));
  }

  /** A page of our usage events (track and page calls) to export to Mixpanel, oldest first. */
  mixpanelExportPage(query: MixpanelExportQuery): Outcome<{ events: ExportableUsageEvent[]; next_cursor: string | null }> {
    return attempt(() => usageEventsForExport(this.db, query));
  }

  /** The Mixpanel cohorts synced in, with their segments and matched members. */
  mixpanelCohorts(): Outcome<MixpanelCohortSummary[]> {
    return attempt(() => listMixpanelCohorts(this.db));
  }

  // --- sendgrid ---

  /**
   * Sends a stored campaign or newsletter, or a one-off email to an account's contacts, through
   * SendGrid: plans the send_mail deliveries (≤ 1,000 recipients each, bad addresses left out),
   * records the job and which campaign it sends in one transaction (so a campaign is handed over
   * once), then queues the deliveries.
   */
  async sendEmail(
    source: { kind: "campaign" | "newsletter"; id: string } | { kind: "one_off"; email: OneOffEmail },
    actor: Actor,
  ): Promise<Outcome<{ job_id: string; description: string; recipients: number; suppressed: number; deliveries: number; status: string }>> {
    const created = attempt(() =>
      this.db.transaction((tx) => {
        if (!storedConnection(tx, "sendgrid")) {
          throw new AccountError("invalid", "SendGrid is not connected in this workspace; an admin connects it with connect_integration (provider sendgrid), see docs/integrations/sendgrid.md.");
        }
        const now = new Date();
        const plan =
          source.kind === "one_off" ? oneOffSendPlan(tx, source.email, now) : source.kind === "campaign" ? campaignSendPlan(tx, source.id) : newsletterSendPlan(tx, source.id);
        const job = createJob(tx, { provider: "sendgrid", operation: "send_mail", description: plan.description, deliveries: plan.deliveries }, actor.userId, now);
        const send = {
          jobId: job.jobId,
          sourceKind: source.kind,
          sourceId: source.kind === "one_off" ? null : source.id,
          accountId: source.kind === "one_off" ? source.email.client_id : null,
          recipients: plan.recipients,
          suppressed: plan.suppressed,
        };
        recordEmailSend(tx, send, actor.userId, now);
        recordAudit(tx, { ...actor, action: "send_email", targetId: send.sourceId ?? send.accountId, details: { job_id: job.jobId, kind: source.kind, recipients: plan.recipients, suppressed: plan.suppressed } }, now);
        return { job, plan };
      }),
    );
    if (!created.ok) return created;
    const { job, plan } = created.value;
    await this.enqueueDeliveries(job.keys);
    const status = jobStatus(this.db, job.jobId);
    return {
      ok: true,
      value: { job_id: job.jobId, description: plan.description, recipients: plan.recipients, suppressed: plan.suppressed, deliveries: job.keys.length, status: status?.status ?? "queued" },
    };
  }

  /** The SendGrid progress of a campaign or newsletter, or null when it was not sent through SendGrid. */
  emailSendProgress(kind: "campaign" | "newsletter", id: string): Outcome<SendProgress | null> {
    return attempt(() => sendProgressFor(this.db, kind, id));
  }

  // --- catalog gaps ---

  /** Puts an onboarding plan on hold, resumes it or cancels it, with the reason (update_onboarding_plan). */
  updateOnboardingPlan(planId: string, update: PlanStatusUpdate, actor: Actor): Outcome<ReturnType<typeof updatePlanStatus>> {
    return attempt(() =>
      this.db.transaction((tx) => {
        const result = updatePlanStatus(tx, planId, update, actor.userId);
        recordAudit(tx, { ...actor, action: "update_onboarding_plan", targetId: planId, details: { ...update, from: result.previous_status } });
        return result;
      }),
    );
  }

  /** The onboarding process over a period from the real plans (analyze_onboarding_process). */
  analyzeOnboardingProcess(options: AnalysisOptions): Outcome<OnboardingAnalysis> {
    return attempt(() => analyzeOnboarding(this.db, options, (accountId, asOf) => this.usageFirstValue(accountId, asOf)));
  }

  /** The onboarding automation's settings and the tasks it has open. */
  onboardingAutomation(): Outcome<ReturnType<typeof readAutomationSettings> & { open_tasks: number }> {
    return attempt(() => ({ ...readAutomationSettings(this.db), open_tasks: openAutomationTaskCount(this.db) }));
  }

  updateOnboardingAutomation(changes: Partial<OnboardingAutomationSettings>, actor: Actor): Outcome<ReturnType<typeof readAutomationSettings> & { open_tasks: number }> {
    return attempt(() =>
      this.db.transaction((tx) => {
        const saved = writeAutomationSettings(tx, changes, actor.userId);
        recordAudit(tx, { ...actor, action: "update_onboarding_automation", details: { ...changes } });
        return { ...saved, open_tasks: openAutomationTaskCount(tx) };
      }),
    );
  }

  /** Routes unassigned open tickets, or rebalances agents over capacity (route_tickets); a dry run writes nothing. */
  routeTickets(options: RouteOptions, actor: Actor): Outcome<Omit<RoutingResult, "touched_accounts">> {
    return attempt(() =>
      this.db.transaction((tx) => {
        const { touched_accounts, ...result } = routeTickets(tx, options, actor.userId);
        if (!options.dry_run && result.applied > 0) {
          this.factsChanged(tx, touched_accounts);
          recordAudit(tx, { ...actor, action: "route_tickets", details: { strategy: options.strategy, applied: result.applied, moves: result.routed.map((m) => `${m.ticket_id}:${m.from ?? "-"}>${m.to}`) } });
        }
        return result;
      }),
    );
  }

  updateProductInsight(id: string, changes: InsightChanges, actor: Actor): Outcome<ReturnType<typeof updateInsight>> {
    return attempt(() =>
      this.db.transaction((tx) => {
        const result = updateInsight(tx, id, changes);
        if (result.changed.length > 0) recordAudit(tx, { ...actor, action: "update_product_insight", targetId: id, details: { ...changes, changed: result.changed } });
        return result;
      }),
    );
  }

  listBusinessReviews(query: ReviewQuery): Outcome<ReturnType<typeof listReviews>> {
    return attempt(() => listReviews(this.db, query));
  }

  listNewsletters(query: { status?: CampaignStatus; limit: number; cursor?: string }): Outcome<ReturnType<typeof listNewsletters>> {
    return attempt(() => listNewsletters(this.db, query));
  }

  cancelEmailCampaign(id: string, reason: string, actor: Actor): Outcome<ReturnType<typeof cancelCampaign>> {
    return attempt(() =>
      this.db.transaction((tx) => {
        const result = cancelCampaign(tx, id, reason, actor.userId);
        recordAudit(tx, { ...actor, action: "cancel_email_campaign", targetId: id, details: { reason, recipients: result.recipients_cancelled } });
        return result;
      }),
    );
  }

  /** Usage's first value for an account, from the engagement engine (as onboardingProgress reads it). */
  private usageFirstValue(accountId: string, asOf: string): UsageFirstValue {
    const sql = this.storage.sql;
    const row = milestoneAccount(sql, accountId);
    if (!row) return { status: "no_data", reached_on: null, definition: "no usage recorded" };
    const result = milestonesForAccounts(sql, [row], asOf, readFeatureCatalog(sql), engagement.STANDARD_MILESTONES);
    const ttfv = result.accounts[0]?.time_to_first_value;
    return ttfv ? { status: ttfv.status, reached_on: ttfv.reached_on, definition: ttfv.definition } : { status: "no_data", reached_on: null, definition: "no usage recorded" };
  }

  // --- surveys ---

  listSurveyTemplates(options: { includeArchived: boolean }): Outcome<SurveyTemplate[]> {
    return attempt(() => listSurveyTemplates(this.db, options));
  }

  createSurveyTemplate(input: NewSurveyTemplate, actor: Actor): Outcome<SurveyTemplate> {
    return attempt(() =>
      this.db.transaction((tx) => {
        const template = createSurveyTemplate(tx, input, actor.userId, new Date());
        recordAudit(tx, { ...actor, action: "create_survey_template", targetId: template.template_id, details: { name: template.name, kind: template.kind, questions: template.questions.length, frequency: template.frequency } });
        return template;
      }),
    );
  }

  updateSurveyTemplate(id: string, changes: SurveyTemplateChanges, actor: Actor): Outcome<{ template: SurveyTemplate; changed: string[] }> {
    return attempt(() =>
      this.db.transaction((tx) => {
        const result = updateSurveyTemplate(tx, id, changes, new Date());
        if (result.changed.length > 0) recordAudit(tx, { ...actor, action: "update_survey_template", targetId: id, details: { changed: result.changed } });
        return result;
      }),
    );
  }

  /** Records a survey send; with SendGrid connected its deliveries go to the queue, otherwise it stays not_sent. */
  async sendSurvey(input: SurveySendInput, actor: Actor): Promise<Outcome<SurveySendResult>> {
    const created = attempt(() =>
      this.db.transaction((tx) => {
        const now = new Date();
        const connected = storedConnection(tx, "sendgrid") !== null;
        const { result, deliveries } = recordSurveySend(tx, input, connected, actor.userId, now);
        let keys: string[] = [];
        if (connected) {
          const job = createJob(tx, { provider: "sendgrid", operation: "send_mail", description: `Survey "${result.template_name}" to ${result.recipients} contacts`, deliveries }, actor.userId, now);
          attachSurveyJob(tx, result.survey_send_id, job.jobId);
          result.job_id = job.jobId;
          result.status_reason = `${result.status_reason} as job ${job.jobId}`;
          keys = job.keys;
        }
        recordAudit(tx, { ...actor, action: "send_survey", targetId: result.survey_send_id, details: { template_id: result.template_id, status: result.status, recipients: result.recipients, job_id: result.job_id } }, now);
        return { result, keys };
      }),
    );
    if (!created.ok) return created;
    await this.enqueueDeliveries(created.value.keys);
    return { ok: true, value: created.value.result };
  }

  /** The form behind a survey link's hash; null for an unknown or expired link. */
  surveyForm(tokenHash: string): Outcome<SurveyForm | null> {
    return attempt(() => surveyForm(this.db, tokenHash, new Date()));
  }

  /** Records a respondent's answers once; the account's satisfaction input moves in the same transaction. */
  answerSurvey(tokenHash: string, answers: SurveyAnswers): Outcome<"answered" | "already_answered" | null> {
    return attempt(() =>
      this.db.transaction((tx) => {
        const result = answerSurvey(tx, tokenHash, answers, new Date());
        if (result === null || result === "already_answered") return result;
        recordAudit(tx, { userId: "survey-respondent", via: "survey", action: "answer_survey", targetId: result.feedbackId, details: { client_id: result.accountId } });
        this.factsChanged(tx, [result.accountId]);
        return "answered" as const;
      }),
    );
  }

  surveyResults(options: { templateId?: string; from: string; to: string }): Outcome<SurveyTemplateResults[]> {
    return attempt(() => surveyResults(this.db, options));
  }

  listSurveySends(query: { templateId?: string; limit: number; cursor?: string }): Outcome<ReturnType<typeof listSurveySends>> {
    return attempt(() => listSurveySends(this.db, query));
  }

  /** Puts each survey recipient's link token into a send_mail payload; keeps only the hashes. */
  private async surveyLinks(payload: Json): Promise<Json> {
    const parsed = sendMailPayload.safeParse(payload);
    const tenantId = this.ctx.id.name;
    if (!parsed.success || !tenantId) return payload;
    const tokens = new Map<string, { token: string; hash: string }>();
    for (const id of surveyRecipientIds(payload) ?? []) {
      const token = await surveyToken(this.env.ENCRYPTION_KEY, tenantId, id);
      tokens.set(id, { token, hash: await surveyTokenHash(token) });
    }
    const filled = this.db.transaction((tx) => materializeSurveyLinks(tx, parsed.data, tokens));
    return JSON.parse(JSON.stringify(filled)) as Json;
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
