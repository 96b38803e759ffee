import { sql } from "drizzle-orm";
import { AnalyticsConfigError, health } from "../analytics";
import { AccountError, type TenantDb } from "./accounts";
import { encodeComponents } from "./snapshot-components";
import { accountFeatures, accounts, healthSnapshots, settings } from "./tenant-schema";

/**
 * The tenant's health model (stored in `settings`) and scoring of single accounts inside the
 * Tenant object: what calculate_health_score and every fact change run. The tenant-wide pass
 * is recomputeHealth in health.ts.
 */

export const HEALTH_MODEL_KEY = "health.model";
/** Snapshots this recent feed an account's trend. */
export const TREND_WINDOW_DAYS = 90;

const DAY_MS = 86_400_000;

export interface StoredHealthModel {
  config: health.HealthConfig;
  /** False until an admin saves a model; the engine's defaults apply meanwhile. */
  customized: boolean;
  updatedAt: string | null;
  updatedBy: string | null;
}

/** The model as stored and shown: plain JSON in the engine's own field names. */
export interface HealthModelJson {
  weights: health.HealthWeights;
  bands: health.HealthBands;
  segmentProfiles: Record<string, health.HealthWeights>;
  targets: health.HealthTargets;
  trendThresholdPer30Days: number;
}

export function healthModelJson(config: health.HealthConfig): HealthModelJson {
  return {
    weights: { ...config.weights },
    bands: { ...config.bands },
    segmentProfiles: Object.fromEntries(Object.entries(config.segmentProfiles).map(([key, weights]) => [key, { ...weights }])),
    targets: { ...config.targets },
    trendThresholdPer30Days: config.trendThresholdPer30Days,
  };
}

export function loadHealthModel(db: TenantDb): StoredHealthModel {
  const row = db.select().from(settings).where(sql`${settings.key} = ${HEALTH_MODEL_KEY}`).get();
  if (!row) return { config: health.DEFAULT_HEALTH_CONFIG, customized: false, updatedAt: null, updatedBy: null };
  return { config: health.validateHealthConfig(JSON.parse(row.value)), customized: true, updatedAt: row.updatedAt, updatedBy: row.updatedBy };
}

/** Validates a whole model (missing sections take the defaults); refusals name the field. */
export function validateHealthModel(input: unknown): health.HealthConfig {
  try {
    return health.validateHealthConfig(input);
  } catch (error) {
    if (error instanceof AnalyticsConfigError) throw new AccountError("invalid", error.message);
    throw error;
  }
}

export function saveHealthModel(db: TenantDb, config: health.HealthConfig, userId: string, now: Date): void {
  const value = JSON.stringify(healthModelJson(config));
  const updatedAt = now.toISOString();
  db.insert(settings)
    .values({ key: HEALTH_MODEL_KEY, value, updatedBy: userId, updatedAt })
    .onConflictDoUpdate({ target: settings.key, set: { value, updatedBy: userId, updatedAt } })
    .run();
}

const FEATURE_KEYS = [
  "activeUsers",
  "licensedSeats",
  "logins30d",
  "featuresUsed",
  "featuresAvailable",
  "daysSinceLastTouch",
  "emailOpenRate",
  "emailClickRate",
  "messageReplyRate",
  "openTickets",
  "tickets90d",
  "highSeverityTickets90d",
  "slaBreaches90d",
  "oldestOpenTicketAgeDays",
  "nps",
  "csat",
  "ces",
  "invoicesPaidLate",
  "maxDaysLate",
  "failedPayments",
  "overdueAmount",
  "annualContractValue",
] as const satisfies readonly (keyof health.HealthFeatures)[];

export type HealthInputs = Record<(typeof FEATURE_KEYS)[number], number | null>;

/** The account's stored health inputs; all null when nothing is known yet. */
export function readHealthInputs(db: TenantDb, accountId: string): HealthInputs {
  const row = db.select().from(accountFeatures).where(sql`${accountFeatures.accountId} = ${accountId}`).get();
  const inputs = {} as HealthInputs;
  for (const key of FEATURE_KEYS) inputs[key] = row ? row[key] : null;
  return inputs;
}

export interface HealthPoint {
  at: string;
  score: number;
  band: health.HealthBand | null;
}

/** Scored snapshots of an account since `since`, oldest first. */
export function healthHistory(db: TenantDb, accountId: string, since: string): HealthPoint[] {
  return db
    .select({ at: healthSnapshots.computedAt, score: healthSnapshots.score, band: healthSnapshots.band })
    .from(healthSnapshots)
    .where(sql`${healthSnapshots.accountId} = ${accountId} AND ${healthSnapshots.computedAt} >= ${since} AND ${healthSnapshots.score} IS NOT NULL`)
    .orderBy(healthSnapshots.computedAt)
    .all()
    .map((row) => ({ at: row.at, score: row.score as number, band: row.band }));
}

/**
 * The points a trend is fitted on: the last score of each UTC day, with `current` as today's.
 * Scores a few seconds apart (an import, then a batch of events) say nothing about a trend, and
 * a least-squares slope over them would be enormous; one point per day keeps "per 30 days" honest,
 * and a trend needs at least two different days.
 */
export function dailyTrendPoints(history: readonly HealthPoint[], current: { at: string; score: number } | null): { at: string; score: number }[] {
  const points = history.map(({ at, score }) => ({ at, score }));
  return lastOfEachDay(current ? [...points, current] : points);
}

/** The last of each UTC day's points (oldest first, as given): where each day ended. */
export function lastOfEachDay<P extends { at: string }>(points: readonly P[]): P[] {
  const byDay = new Map<string, P>();
  for (const point of points) byDay.set(point.at.slice(0, 10), point);
  return [...byDay.values()];
}

export interface AccountHealth {
  accountId: string;
  computedAt: string;
  result: health.HealthScoreResult;
  inputs: HealthInputs;
}

/**
 * Scores one account from its stored inputs with the tenant's model (the tier selects a
 * segment profile when the model has one), the trend from its recent snapshots plus this score,
 * and materializes it: a snapshot when the score or band moved since the last one, and the
 * account's health_score, health_trend and health_computed_at.
 */
export function scoreAccount(db: TenantDb, accountId: string, config: health.HealthConfig, now: Date): AccountHealth {
  const account = db.select({ tier: accounts.tier }).from(accounts).where(sql`${accounts.id} = ${accountId}`).get();
  if (!account) throw new AccountError("not_found", `No account with client_id ${accountId} in this workspace; list_clients shows the ids.`);
  const computedAt = now.toISOString();
  const inputs = readHealthInputs(db, accountId);
  const history = healthHistory(db, accountId, new Date(now.getTime() - TREND_WINDOW_DAYS * DAY_MS).toISOString());
  const first = health.scoreHealth(inputs, config, { segment: account.tier });
  const points = dailyTrendPoints(history, first.score === null ? null : { at: computedAt, score: first.score });
  const result = { ...first, trend: health.healthTrend(points, config.trendThresholdPer30Days) };

  const latestSnapshot = db
    .select({ score: healthSnapshots.score, band: healthSnapshots.band })
    .from(healthSnapshots)
    .where(sql`${healthSnapshots.accountId} = ${accountId}`)
    .orderBy(sql`${healthSnapshots.computedAt} DESC`)
    .limit(1)
    .get();
  const moved = !latestSnapshot || latestSnapshot.score !== result.score || latestSnapshot.band !== result.band;
  if (moved) {
    db.insert(healthSnapshots)
      .values({
        accountId,
        computedAt,
        score: result.score,
        band: result.band,
        coverage: result.coverage,
        components: encodeComponents(result.components),
      })
      .run();
  }
  const direction = result.trend.direction;
  db.update(accounts)
    .set({
      healthScore: result.score,
      healthTrend: direction === "insufficient_history" ? null : direction,
      healthComputedAt: computedAt,
    })
    .where(sql`${accounts.id} = ${accountId}`)
    .run();
  return { accountId, computedAt, result, inputs };
}
