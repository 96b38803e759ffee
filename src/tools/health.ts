import { z } from "zod";
import { health } from "../analytics";
import { dailyTrendPoints, lastOfEachDay, type HealthModelJson } from "../db/health-model";
import { PORTFOLIO_BANDS } from "../db/portfolio";
import { readPortfolio } from "../cache/portfolio";
import { clientId } from "./fields";
import type { TenantApi } from "../../durable-objects/tenant";
import { defineTool, READ_ONLY, ToolError, unwrap } from "./define";

/** Health tools: a score with its explanation, history and trend, the portfolio, the model. */

const band = z.enum(["churn_risk", "at_risk", "neutral", "healthy", "champion"]);
const componentName = z.enum(health.HEALTH_COMPONENTS);
const trend = z.object({
  direction: z.enum(["improving", "declining", "stable", "insufficient_history"]),
  slope_per_30_days: z.number().nullable().describe("Least-squares slope of the score, in points per 30 days"),
  points: z.number().int().describe("Snapshots the trend was fitted on"),
});

function trendOut(result: health.HealthTrendResult): z.input<typeof trend> {
  return {
    direction: result.direction,
    slope_per_30_days: result.slopePer30Days === null ? null : Math.round(result.slopePer30Days * 100) / 100,
    points: result.points,
  };
}

const HEALTH_INPUT_NAMES: Record<string, string> = {
  activeUsers: "active_users_30d",
  licensedSeats: "licensed_seats",
  logins30d: "logins_30d",
  featuresUsed: "features_used_30d",
  featuresAvailable: "features_available",
  daysSinceLastTouch: "days_since_last_touch",
  emailOpenRate: "email_open_rate_90d",
  emailClickRate: "email_click_rate_90d",
  messageReplyRate: "message_reply_rate_90d",
  openTickets: "open_tickets",
  tickets90d: "tickets_90d",
  highSeverityTickets90d: "high_severity_tickets_90d",
  slaBreaches90d: "sla_breaches_90d",
  oldestOpenTicketAgeDays: "oldest_open_ticket_age_days",
  nps: "latest_nps",
  csat: "latest_csat",
  ces: "latest_ces",
  invoicesPaidLate: "invoices_paid_late_12m",
  maxDaysLate: "max_days_late_12m",
  failedPayments: "failed_payments_12m",
  overdueAmount: "overdue_amount",
  annualContractValue: "annual_contract_value",
};

export const calculateHealthScore = defineTool({
  name: "calculate_health_score",
  title: "Calculate an account's health score",
  description:
    "Score one account now from its real facts (usage, engagement, support, satisfaction, payment) with the workspace's health model. " +
    "Explains itself: each component's value, weight and contribution (they sum to the score), what drove it, which components had no data " +
    "(left out, weights renormalized, coverage shown), the band and the trend from past scores. The score is saved to the account's history.",
  input: z.object({ client_id: clientId }),
  output: z.object({
    client_id: z.string(),
    computed_at: z.string(),
    score: z.number().nullable().describe("0–100, null when no component had data"),
    band: band.nullable(),
    coverage: z.number().describe("Share (0–1) of the model's weight whose components had data"),
    profile: z.string().describe("\"default\" or the tier whose weights were used"),
    components: z.array(
      z.object({
        name: componentName,
        value: z.number().nullable(),
        weight: z.number(),
        contribution: z.number(),
        explanation: z.string(),
      }),
    ),
    missing: z.array(componentName),
    reason: z.string().nullable().describe("Why there is no score, when there is none"),
    trend,
    bands: z.object({ churn_risk_below: z.number(), at_risk_below: z.number(), healthy_above: z.number(), champion_above: z.number() }),
    inputs: z.record(z.string(), z.number().nullable()).describe("The facts the score was computed from; null = no data"),
  }),
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  scope: "cs:read",
  rest: { method: "POST", path: "/clients/{client_id}/health" },
  async handler({ tenant }, { client_id }) {
    const scored = unwrap(await tenant.calculateHealth(client_id));
    const { result } = scored;
    return {
      client_id,
      computed_at: scored.computedAt,
      score: result.score,
      band: result.band,
      coverage: Math.round(result.coverage * 1000) / 1000,
      profile: result.profile,
      components: result.components.map((c) => ({
        name: c.name,
        value: c.value === null ? null : Math.round(c.value * 10) / 10,
        weight: Math.round(c.weight * 1000) / 1000,
        contribution: Math.round(c.contribution * 100) / 100,
        explanation: c.explanation,
      })),
      missing: [...result.missing],
      reason: result.reason,
      trend: trendOut(result.trend),
      bands: {
        churn_risk_below: scored.bands.churnRisk,
        at_risk_below: scored.bands.atRisk,
        healthy_above: scored.bands.healthy,
        champion_above: scored.bands.champion,
      },
      inputs: Object.fromEntries(Object.entries(scored.inputs).map(([key, value]) => [HEALTH_INPUT_NAMES[key] ?? key, value])),
    };
  },
});

/** At most this many points of every move (granularity "change"): the latest ones. */
export const MAX_CHANGE_POINTS = 500;

export const getHealthHistory = defineTool({
  name: "get_health_history",
  title: "Health score history and trend",
  description:
    "An account's past health scores over a period: by default one point per day (where the day's score ended), or every time the score or band moved; with the trend fitted over the days and the change across the period.",
  input: z.object({
    client_id: clientId,
    days: z.number().int().min(1, "days must be at least 1").max(365, "days is at most 365").default(90).describe("How far back, 1–365"),
    granularity: z
      .enum(["day", "change"], { error: "granularity must be day or change" })
      .default("day")
      .describe(`day: each UTC day's last score, one point per day (a chart's points); change: every time the score or band moved (the latest ${MAX_CHANGE_POINTS})`),
  }),
  output: z.object({
    client_id: z.string(),
    days: z.number().int(),
    granularity: z.enum(["day", "change"]),
    points: z.array(z.object({ at: z.string(), score: z.number(), band: band.nullable() })),
    omitted_points: z.number().int().describe(`Earlier moves left out: granularity change returns the latest ${MAX_CHANGE_POINTS}`),
    first_score: z.number().nullable().describe("The period's first point (with granularity day, where its first day ended)"),
    latest_score: z.number().nullable(),
    change: z.number().nullable().describe("latest − first over the period"),
    trend,
  }),
  annotations: READ_ONLY,
  scope: "cs:read",
  rest: { method: "GET", path: "/clients/{client_id}/health/history" },
  async handler({ tenant }, { client_id, days, granularity }) {
    const { points: moves, trendThresholdPer30Days } = unwrap(await tenant.healthHistory(client_id, days));
    // Scores seconds apart (facts arriving together) say nothing a day's last score does not.
    const all = granularity === "day" ? lastOfEachDay(moves) : moves;
    const first = all[0]?.score ?? null;
    const latest = all.at(-1)?.score ?? null;
    const points = all.slice(-MAX_CHANGE_POINTS);
    return {
      client_id,
      days,
      granularity,
      points,
      omitted_points: all.length - points.length,
      first_score: first,
      latest_score: latest,
      change: first === null || latest === null ? null : Math.round((latest - first) * 10) / 10,
      trend: trendOut(health.healthTrend(dailyTrendPoints(moves, null), trendThresholdPer30Days)),
    };
  },
});

const mover = z.object({ client_id: z.string(), client_name: z.string(), score: z.number(), previous_score: z.number(), change: z.number() });

export const getPortfolioHealth = defineTool({
  name: "get_portfolio_health",
  title: "Portfolio health",
  description:
    "The workspace's health at a glance: accounts and ARR per band, ARR at risk, average score, trend counts, and the biggest movers up and down over the last week. " +
    "Served from a cache at most max_age_seconds old (the answer says when it was computed); max_age_seconds 0 computes it now.",
  input: z.object({
    max_age_seconds: z.number().int().min(0).max(60, "max_age_seconds is at most 60").default(60).describe("Oldest acceptable cached answer, 0–60"),
  }),
  output: z.object({
    computed_at: z.string(),
    source: z.enum(["cache", "live"]),
    accounts: z.number().int(),
    scored: z.number().int(),
    average_score: z.number().nullable(),
    bands: z.array(z.object({ band: z.enum(PORTFOLIO_BANDS), accounts: z.number().int(), arr: z.number() })),
    arr_at_risk: z.number(),
    trends: z.object({ improving: z.number().int(), stable: z.number().int(), declining: z.number().int(), unknown: z.number().int() }),
    mover_window_days: z.number().int(),
    movers_up: z.array(mover),
    movers_down: z.array(mover),
  }),
  annotations: READ_ONLY,
  scope: "cs:read",
  rest: { method: "GET", path: "/health/portfolio" },
  async handler(context, { max_age_seconds }) {
    return readPortfolio(context, max_age_seconds);
  },
});

const weightsInput = z
  .object({
    usage: z.number(),
    engagement: z.number(),
    support: z.number(),
    satisfaction: z.number(),
    payment: z.number(),
  })
  .describe("All five weights, each 0–1, summing to 1");

const modelInput = {
  weights: weightsInput.optional(),
  bands: z
    .object({
      churn_risk: z.number().optional().describe("Scores below this are churn risk (default 40)"),
      at_risk: z.number().optional().describe("Scores below this are at risk (default 60)"),
      healthy: z.number().optional().describe("Scores above this are healthy (default 75)"),
      champion: z.number().optional().describe("Scores above this are champions (default 90)"),
    })
    .strict()
    .optional(),
  segment_profiles: z.record(z.string(), weightsInput).optional().describe("Weights per account tier (e.g. enterprise) used instead of the default weights"),
  targets: z
    .object({
      logins_per_seat_30d: z.number().optional(),
      email_open_rate: z.number().optional(),
      email_click_rate: z.number().optional(),
      message_reply_rate: z.number().optional(),
    })
    .strict()
    .optional(),
  trend_threshold_per_30_days: z.number().optional().describe("Slope beyond which a trend is improving or declining (default 3)"),
};

const modelOutput = z.object({
  weights: z.record(z.string(), z.number()),
  bands: z.object({ churn_risk: z.number(), at_risk: z.number(), healthy: z.number(), champion: z.number() }),
  segment_profiles: z.record(z.string(), z.record(z.string(), z.number())),
  targets: z.object({ logins_per_seat_30d: z.number(), email_open_rate: z.number(), email_click_rate: z.number(), message_reply_rate: z.number() }),
  trend_threshold_per_30_days: z.number(),
});

function modelOut(model: HealthModelJson): z.input<typeof modelOutput> {
  return {
    weights: { ...model.weights },
    bands: { churn_risk: model.bands.churnRisk, at_risk: model.bands.atRisk, healthy: model.bands.healthy, champion: model.bands.champion },
    segment_profiles: model.segmentProfiles,
    targets: {
      logins_per_seat_30d: model.targets.loginsPerSeat30d,
      email_open_rate: model.targets.emailOpenRate,
      email_click_rate: model.targets.emailClickRate,
      message_reply_rate: model.targets.messageReplyRate,
    },
    trend_threshold_per_30_days: model.trendThresholdPer30Days,
  };
}

export const getHealthModel = defineTool({
  name: "get_health_model",
  title: "The workspace's health model",
  description: "The weights, bands, per-tier weight profiles, targets and trend threshold this workspace scores health with, and whether they are the defaults.",
  input: z.object({}),
  output: z.object({ model: modelOutput, customized: z.boolean(), updated_at: z.string().nullable(), updated_by: z.string().nullable() }),
  annotations: READ_ONLY,
  scope: "cs:read",
  rest: { method: "GET", path: "/health/model" },
  async handler({ tenant }) {
    const stored = unwrap(await tenant.getHealthModel());
    return { model: modelOut(stored.model), customized: stored.customized, updated_at: stored.updatedAt, updated_by: stored.updatedBy };
  },
});

type ModelInput = z.output<z.ZodObject<typeof modelInput>>;

/** The engine's field names for a change on top of the current model; sections left out stay as they are. */
function engineModel(current: HealthModelJson, change: ModelInput): Record<string, unknown> {
  const bands = change.bands;
  const targets = change.targets;
  return {
    weights: change.weights ?? current.weights,
    bands: {
      churnRisk: bands?.churn_risk ?? current.bands.churnRisk,
      atRisk: bands?.at_risk ?? current.bands.atRisk,
      healthy: bands?.healthy ?? current.bands.healthy,
      champion: bands?.champion ?? current.bands.champion,
    },
    segmentProfiles: change.segment_profiles ?? current.segmentProfiles,
    targets: {
      loginsPerSeat30d: targets?.logins_per_seat_30d ?? current.targets.loginsPerSeat30d,
      emailOpenRate: targets?.email_open_rate ?? current.targets.emailOpenRate,
      emailClickRate: targets?.email_click_rate ?? current.targets.emailClickRate,
      messageReplyRate: targets?.message_reply_rate ?? current.targets.messageReplyRate,
    },
    trendThresholdPer30Days: change.trend_threshold_per_30_days ?? current.trendThresholdPer30Days,
  };
}

/** The engine names fields in camelCase; the tool's callers wrote snake_case. */
function snakeFieldNames(message: string): string {
  return message
    .replace(/segmentProfiles/g, "segment_profiles")
    .replace(/trendThresholdPer30Days/g, "trend_threshold_per_30_days")
    .replace(/churnRisk/g, "churn_risk")
    .replace(/atRisk/g, "at_risk")
    .replace(/loginsPerSeat30d/g, "logins_per_seat_30d")
    .replace(/emailOpenRate/g, "email_open_rate")
    .replace(/emailClickRate/g, "email_click_rate")
    .replace(/messageReplyRate/g, "message_reply_rate");
}

const bandOrUnscored = z.enum(["churn_risk", "at_risk", "neutral", "healthy", "champion", "unscored"]);

export const updateHealthModel = defineTool({
  name: "update_health_model",
  title: "Change the health model",
  description:
    "Change the workspace's health weights (all five, summing to 1), band thresholds, per-tier weight profiles, targets or trend threshold; sections left out keep their current values. " +
    "With preview true nothing is saved: the answer shows how many accounts would move between bands. Saving rescores every account with the new model.",
  input: z.object({ ...modelInput, preview: z.boolean().default(false).describe("Show the effect without saving") }),
  output: z.object({
    saved: z.boolean(),
    model: modelOutput,
    accounts: z.number().int(),
    accounts_moving_band: z.number().int(),
    moves: z.array(z.object({ from: bandOrUnscored, to: bandOrUnscored, accounts: z.number().int() })),
    bands: z.array(z.object({ band: bandOrUnscored, current: z.number().int(), draft: z.number().int() })),
    rescored: z.number().int().nullable(),
  }),
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  scope: "cs:admin",
  rest: { method: "PATCH", path: "/health/model" },
  async handler({ tenant, actor }, input) {
    const { preview, ...change } = input;
    const current = unwrap(await tenant.getHealthModel()).model;
    const outcome = await tenant.updateHealthModel(engineModel(current, change), preview, actor);
    const result = unwrap(outcome.ok ? outcome : { ...outcome, message: snakeFieldNames(outcome.message) });
    return {
      saved: result.saved,
      model: modelOut(result.model),
      accounts: result.preview.accounts,
      accounts_moving_band: result.preview.moving,
      moves: result.preview.moves,
      bands: result.preview.bands,
      rescored: result.recompute?.accounts ?? null,
    };
  },
});

/**
 * Past scores one Tenant object call computes (each is about a dozen indexed reads): its
 * transaction stays a few seconds long whatever `days` and `step_days` are.
 */
const REBUILD_POINTS_PER_PAGE = 4_000;
/** Pages one rebuild_health_history call goes through before it answers with where to go on. */
const REBUILD_PAGES_PER_CALL = 3;

/**
 * Rebuilds the health history the facts imply, page by page: from `after` (or the first
 * account) until every account is done or `maxPages` pages are, whichever is first.
 */
export async function rebuildHealthHistory(
  tenant: TenantApi,
  options: { days: number; stepDays: number; after: string },
  maxPages: number,
): Promise<{ accounts: number; snapshots: number; next: string | null }> {
  let total = { accounts: 0, snapshots: 0, next: null as string | null };
  let after = options.after;
  const limit = Math.max(1, Math.floor(REBUILD_POINTS_PER_PAGE / Math.floor(options.days / options.stepDays)));
  for (let page = 0; page < maxPages; page++) {
    const result = unwrap(await tenant.backfillHealthHistory({ days: options.days, stepDays: options.stepDays, after, limit }));
    total = { accounts: total.accounts + result.accounts, snapshots: total.snapshots + result.snapshots, next: result.next };
    if (result.next === null) break;
    after = result.next;
  }
  return total;
}

export const rebuildHealthHistoryTool = defineTool({
  name: "rebuild_health_history",
  title: "Rebuild health history from the facts",
  description:
    "For facts imported with their past (usage events, invoices, contracts, tickets, survey answers), scores every account as it stood every step_days over the last days, so trends, movers and the decline risk factor work at once instead of after weeks. Adds points only before an account's first stored score, so it never rewrites history and a second run adds nothing. Approximations: a ticket counts as open until it was solved or closed, a breach from its first due time; the contract value and the features available are today's. A large workspace takes several calls: pass next_after_client_id back as after_client_id.",
  input: z.object({
    days: z.number().int().min(7, "days is 7–365").max(365, "days is 7–365").default(90).describe("How far back, 7–365"),
    step_days: z.number().int().min(1, "step_days is 1–30").max(30, "step_days is 1–30").default(7).describe("Days between rebuilt points, 1–30"),
    after_client_id: clientId.optional().describe("Continue after this account: the previous call's next_after_client_id"),
  }),
  output: z.object({
    accounts: z.number().int().describe("Live accounts this call went through"),
    snapshots: z.number().int().describe("Past scores it added"),
    next_after_client_id: z.string().nullable().describe("Where the next call goes on; null when every account is done"),
  }),
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  scope: "cs:admin",
  rest: { method: "POST", path: "/health/history/rebuild" },
  async handler({ tenant }, { days, step_days, after_client_id }) {
    if (step_days >= days) throw new ToolError("invalid", "step_days must be smaller than days, or there is no point to rebuild.");
    const result = await rebuildHealthHistory(tenant, { days, stepDays: step_days, after: after_client_id ?? "" }, REBUILD_PAGES_PER_CALL);
    return { accounts: result.accounts, snapshots: result.snapshots, next_after_client_id: result.next };
  },
});

export const healthTools = [calculateHealthScore, getHealthHistory, getPortfolioHealth, getHealthModel, updateHealthModel, rebuildHealthHistoryTool];
