import { z } from "zod";
import { TIERS } from "../db/accounts";
import { defineTool, READ_ONLY, unwrap } from "./define";
import { isoDate } from "./fields";

/**
 * Engagement tools: usage and engagement per account, feature adoption, adoption milestones and
 * time to first value, engagement patterns and anomalies, and the feature catalog they read.
 * Every number comes from the usage tables through the analytics engine (docs/engagement.md).
 */

const MS_PER_DAY = 86_400_000;
const MAX_PERIOD_DAYS = 365;

const clientId = z
  .string()
  .min(1, "client_id is required")
  .max(100, "client_id is at most 100 characters")
  .regex(/^[a-zA-Z0-9_-]+$/, "client_id holds only letters, digits, _ and - (as returned by register_client or list_clients)")
  .describe("The account's id, as returned by register_client or list_clients");
const threshold = z
  .number()
  .gt(0, "must be above 0 and at most 1 (a share of active user-days, e.g. 0.2)")
  .max(1, "must be above 0 and at most 1 (a share of active user-days, e.g. 0.2)")
  .default(0.2)
  .describe("A feature counts as adopted when its users make up at least this share of active user-days (seed default 0.2)");

function today(): string {
  return new Date().toISOString().slice(0, 10);
}

function addDays(date: string, days: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + days * MS_PER_DAY).toISOString().slice(0, 10);
}

function spanDays(start: string, end: string): number {
  return Math.round((Date.parse(`${end}T00:00:00Z`) - Date.parse(`${start}T00:00:00Z`)) / MS_PER_DAY);
}

/** Fills a period's defaults (the `days` before the end, ending today) and checks its order and length. */
function periodRefinement(input: { period_start?: string; period_end?: string }, ctx: z.RefinementCtx): void {
  if (input.period_start && input.period_end) {
    if (input.period_end < input.period_start) {
      ctx.addIssue({ code: "custom", message: "period_end must be on or after period_start", path: ["period_end"] });
    } else if (spanDays(input.period_start, input.period_end) > MAX_PERIOD_DAYS) {
      ctx.addIssue({ code: "custom", message: `the period spans more than ${MAX_PERIOD_DAYS} days; shorten it (period_end − period_start ≤ ${MAX_PERIOD_DAYS})`, path: ["period_end"] });
    }
  }
}

function resolvePeriod(input: { period_start?: string; period_end?: string }, defaultDays: number): { start: string; end: string } {
  const end = input.period_end ?? (input.period_start ? addDays(input.period_start, defaultDays - 1) : today());
  const start = input.period_start ?? addDays(end, -(defaultDays - 1));
  return { start, end };
}

const notes = z.array(z.string()).describe("What the numbers rest on and what data is missing");

const featureRow = z.object({
  feature: z.string(),
  category: z.string().nullable().describe("core, advanced or integration from the feature catalog; null when unknown"),
  declared: z.boolean().describe("In the feature catalog (or seen in the workspace's usage when no catalog is set)"),
  events: z.number(),
  user_days: z.number(),
  days_used: z.number(),
  adoption_rate: z.number().describe("Feature user-days ÷ active user-days, 0–1"),
  uses_per_active_user_day: z.number(),
  level: z.enum(["high", "moderate", "low"]),
  adopted: z.boolean(),
  first_used_on: z.string().nullable(),
});

const featureSummary = z.object({
  catalog_source: z.enum(["settings", "observed"]),
  available_features: z.number().nullable(),
  used_features: z.number(),
  breadth: z.number().nullable().describe("Catalog features used ÷ catalog features"),
  depth: z.number().describe("Mean uses per active user-day over used features"),
  threshold: z.number(),
  adopted: z.array(z.string()),
  underused: z.array(z.string()).describe("Catalog features below the threshold, least used first"),
  explanation: z.string(),
});

const activity = z.object({
  dau: z.number().describe("Mean daily active users over the covered days"),
  wau: z.number().describe("Distinct users in the last 7 days"),
  mau: z.number().describe("Distinct users in the last 28 days (the period when shorter)"),
  mau_window_days: z.number(),
  stickiness: z.number().describe("DAU ÷ MAU over the MAU window, 0–1"),
  distinct_users: z.number().describe("Distinct users over the whole period"),
  method: z.enum(["distinct_user_ids", "peak_daily_lower_bound"]),
  active_days: z.number(),
  covered_days: z.number(),
  active_user_days: z.number().describe("Sum of daily active users over the covered days"),
  sessions: z.number(),
  events: z.number(),
  sessions_per_active_user_day: z.number(),
  events_per_active_user_day: z.number(),
  explanation: z.string(),
});

const accountRef = z.object({ client_id: z.string(), client_name: z.string(), tier: z.string() });
const dataStatus = z.enum(["ok", "no_usage_data", "no_usage_in_period"]);

export const getUsageEngagement = defineTool({
  name: "get_usage_engagement",
  title: "Usage and engagement of an account",
  description:
    "DAU, WAU, MAU, stickiness, sessions and events of one account over a period (up to 365 days; default the last 30), per day, week or month, with a per-feature breakdown and the trend against the previous period of equal length. From the account's recorded usage; says so when there is none.",
  input: z
    .object({
      client_id: clientId,
      period_start: isoDate.optional().describe("First day (inclusive); default 29 days before period_end"),
      period_end: isoDate.optional().describe("Last day (inclusive); default today"),
      granularity: z.enum(["day", "week", "month"], { message: "must be day, week or month" }).default("week"),
      adoption_threshold: threshold,
    })
    .superRefine(periodRefinement),
  output: z.object({
    client: accountRef,
    data_status: dataStatus,
    period: z.object({ start: z.string(), end: z.string(), days: z.number(), granularity: z.string(), data_since: z.string().nullable() }),
    activity: activity.nullable(),
    series: z.array(
      z.object({
        start: z.string(),
        end: z.string(),
        covered_days: z.number(),
        active_days: z.number(),
        avg_daily_active_users: z.number(),
        active_users: z.number(),
        active_users_method: z.enum(["distinct_user_ids", "peak_daily_lower_bound"]),
        sessions: z.number(),
        events: z.number(),
      }),
    ),
    features: z.array(featureRow),
    feature_summary: featureSummary.nullable(),
    trend: z
      .object({
        previous_start: z.string(),
        previous_end: z.string(),
        previous_covered_days: z.number(),
        previous: z.object({ dau: z.number(), distinct_users: z.number(), sessions_per_day: z.number(), events_per_day: z.number() }).nullable(),
        change: z
          .object({ dau: z.number().nullable(), distinct_users: z.number().nullable(), sessions_per_day: z.number().nullable(), events_per_day: z.number().nullable() })
          .nullable()
          .describe("Relative change (0.25 = +25 %); null when the previous value is 0"),
        direction: z.enum(["up", "down", "flat", "unknown"]),
        explanation: z.string(),
      })
      .nullable(),
    notes,
  }),
  annotations: READ_ONLY,
  scope: "cs:read",
  rest: { method: "GET", path: "/clients/{client_id}/engagement" },
  async handler({ tenant }, input) {
    const { start, end } = resolvePeriod(input, 30);
    const { account, report } = unwrap(
      await tenant.usageEngagement(input.client_id, { start, end, granularity: input.granularity, threshold: input.adoption_threshold }),
    );
    return { client: { client_id: account.client_id, client_name: account.client_name, tier: account.tier }, ...report };
  },
});

const adoptionGroup = z.object({
  group: z.string(),
  accounts: z.number(),
  active_accounts: z.number().describe("Accounts with active users in the period"),
  avg_features_used: z.number().nullable(),
  avg_breadth: z.number().nullable(),
  adoption_rate: z.number().nullable().describe("Mean over catalog features of feature user-days ÷ active user-days"),
});

export const getFeatureAdoption = defineTool({
  name: "get_feature_adoption",
  title: "Feature adoption",
  description:
    "Feature adoption for one account, or across the portfolio when client_id is left out: breadth and depth, each feature's adoption rate and level, the adopted and under-used features, and (portfolio) how many accounts use and have adopted each feature, with adoption by tier and lifecycle stage. Default period: the last 90 days.",
  input: z
    .object({
      client_id: clientId.optional().describe("One account; leave out for the whole portfolio"),
      period_start: isoDate.optional().describe("First day (inclusive); default 89 days before period_end"),
      period_end: isoDate.optional().describe("Last day (inclusive); default today"),
      adoption_threshold: threshold,
    })
    .superRefine(periodRefinement),
  output: z.object({
    scope: z.enum(["account", "portfolio"]),
    client: accountRef.nullable(),
    period: z.object({ start: z.string(), end: z.string() }),
    data_status: z.enum(["ok", "no_usage_data", "no_usage_in_period"]),
    summary: featureSummary.nullable(),
    features: z.array(
      featureRow.extend({
        accounts_using: z.number().optional().describe("Portfolio: non-churned accounts that used it"),
        accounts_adopted: z.number().optional().describe("Portfolio: accounts whose own rate reaches the threshold"),
      }),
    ),
    accounts: z.number().nullable().describe("Portfolio: non-churned accounts"),
    active_accounts: z.number().nullable(),
    by_tier: z.array(adoptionGroup),
    by_lifecycle_stage: z.array(adoptionGroup),
    notes,
  }),
  annotations: READ_ONLY,
  scope: "cs:read",
  rest: { method: "GET", path: "/engagement/feature-adoption" },
  async handler({ tenant }, input) {
    const { start, end } = resolvePeriod(input, 90);
    const out = unwrap(await tenant.featureAdoption({ client_id: input.client_id, start, end, threshold: input.adoption_threshold }));
    if (out.account && out.account_report) {
      const r = out.account_report;
      return {
        scope: "account" as const,
        client: { client_id: out.account.client_id, client_name: out.account.client_name, tier: out.account.tier },
        period: { start, end },
        data_status: r.data_status,
        summary: r.summary,
        features: r.features,
        accounts: null,
        active_accounts: null,
        by_tier: [],
        by_lifecycle_stage: [],
        notes: r.notes,
      };
    }
    const p = out.portfolio_report;
    if (!p) throw new Error("feature adoption answered neither an account nor a portfolio report");
    return {
      scope: "portfolio" as const,
      client: null,
      period: { start, end },
      data_status: p.data_status,
      summary: p.summary,
      features: p.features,
      accounts: p.accounts,
      active_accounts: p.active_accounts,
      by_tier: p.by_tier,
      by_lifecycle_stage: p.by_lifecycle_stage,
      notes: p.notes,
    };
  },
});

// ---- milestones ---------------------------------------------------------------------------

const featureCategory = z.enum(["core", "advanced", "integration"], { message: "must be core, advanced or integration" });
const criterion = z.discriminatedUnion(
  "kind",
  [
    z.object({ kind: z.literal("active_users"), atLeast: z.number().int("must be a whole number").min(1, "must be at least 1") }),
    z.object({ kind: z.literal("seat_share"), atLeast: z.number().gt(0, "must be a share of seats in (0, 1]").max(1, "must be a share of seats in (0, 1]") }),
    z.object({ kind: z.literal("first_value") }),
    z.object({
      kind: z.literal("features_used"),
      mode: z.enum(["all", "any"], { message: "must be all or any" }),
      category: featureCategory.optional(),
      features: z.array(z.string().min(1)).min(1).readonly().optional(),
    }),
    z.object({ kind: z.literal("event"), event: z.string().min(1, "names the track event (e.g. business_impact_measured)") }),
  ],
  { message: "kind must be one of active_users, seat_share, first_value, features_used, event" },
);
export const milestoneDefinition = z.object({
  id: z.string().min(1, "id is required").max(50),
  name: z.string().min(1, "name is required").max(200),
  typicalDays: z.number().int("must be a whole number of days").min(0).max(3660).describe("Days from the start by which it is typically reached"),
  importance: z.enum(["critical", "high", "medium", "low"], { message: "must be critical, high, medium or low" }),
  criterion,
});

const milestoneAccount = z.object({
  client_id: z.string(),
  client_name: z.string(),
  tier: z.string(),
  lifecycle_stage: z.string(),
  start_date: z.string(),
  elapsed_days: z.number().nullable(),
  reached: z.number(),
  evaluable: z.number(),
  completion: z.number().nullable().describe("Reached ÷ milestones the data could judge"),
  overdue: z.array(z.string()),
  milestones: z.array(
    z.object({
      id: z.string(),
      name: z.string(),
      importance: z.string(),
      typical_days: z.number(),
      status: z.enum(["reached", "reached_late", "in_progress", "overdue", "not_evaluable"]),
      reached_on: z.string().nullable(),
      days_to_reach: z.number().nullable(),
      explanation: z.string(),
    }),
  ),
  time_to_first_value: z.object({
    status: z.enum(["reached", "not_reached", "no_data"]),
    reached_on: z.string().nullable(),
    days: z.number().nullable(),
    target_days: z.number(),
    on_target: z.boolean().nullable(),
    data_covers_start: z.boolean(),
    definition: z.string(),
  }),
});

type MilestoneAccountOut = z.infer<typeof milestoneAccount>;

/** Fast track (seed §2.5, on real data): more than 70 % of judged milestones reached within the first 120 days, none overdue. */
const FAST_TRACK_COMPLETION = 0.7;
const FAST_TRACK_DAYS = 120;

function median(values: number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

function milestoneSummary(accounts: MilestoneAccountOut[], definitions: readonly { id: string; name: string; importance: string; typicalDays: number }[]) {
  const completion = definitions.map((m) => {
    const entries = accounts.map((a) => a.milestones.find((x) => x.id === m.id)).filter((x) => x !== undefined);
    const count = (status: string) => entries.filter((e) => e.status === status).length;
    const reached = count("reached") + count("reached_late");
    const evaluable = entries.length - count("not_evaluable");
    return {
      id: m.id,
      name: m.name,
      importance: m.importance,
      typical_days: m.typicalDays,
      reached: count("reached"),
      reached_late: count("reached_late"),
      in_progress: count("in_progress"),
      overdue: count("overdue"),
      not_evaluable: count("not_evaluable"),
      completion_rate: evaluable > 0 ? Math.round((reached / evaluable) * 10_000) / 10_000 : null,
      median_days_to_reach: median(entries.flatMap((e) => (e.days_to_reach === null ? [] : [e.days_to_reach]))),
    };
  });
  const ttfv = accounts.map((a) => a.time_to_first_value);
  const reachedTtfv = ttfv.filter((t) => t.status === "reached");
  const weight = (importance: string) => (importance === "critical" ? 3 : importance === "high" ? 2 : 1);
  const importanceOf = new Map(definitions.map((m) => [m.id, m.importance]));
  return {
    completion_by_milestone: completion,
    time_to_first_value: {
      reached: reachedTtfv.length,
      not_reached: ttfv.filter((t) => t.status === "not_reached").length,
      no_data: ttfv.filter((t) => t.status === "no_data").length,
      median_days: median(reachedTtfv.flatMap((t) => (t.days === null ? [] : [t.days]))),
      on_target_share: reachedTtfv.length > 0 ? Math.round((reachedTtfv.filter((t) => t.on_target).length / reachedTtfv.length) * 10_000) / 10_000 : null,
    },
    stuck_accounts: accounts
      .filter((a) => a.overdue.length > 0)
      .map((a) => ({
        client_id: a.client_id,
        client_name: a.client_name,
        elapsed_days: a.elapsed_days,
        completion: a.completion,
        overdue: a.overdue,
        severity: a.overdue.reduce((sum, id) => sum + weight(importanceOf.get(id) ?? "low"), 0),
      }))
      .sort((a, b) => b.severity - a.severity || (b.elapsed_days ?? 0) - (a.elapsed_days ?? 0)),
    fast_track_accounts: accounts
      .filter(
        (a) =>
          a.completion !== null && a.completion > FAST_TRACK_COMPLETION && a.elapsed_days !== null && a.elapsed_days < FAST_TRACK_DAYS && a.overdue.length === 0,
      )
      .map((a) => ({ client_id: a.client_id, client_name: a.client_name, elapsed_days: a.elapsed_days, completion: a.completion, reached: a.reached })),
  };
}

export const getAdoptionMilestones = defineTool({
  name: "get_adoption_milestones",
  title: "Adoption milestones and time to first value",
  description:
    "Progress on adoption milestones for one account, or a page of accounts: each milestone reached (on which day), late, in progress, overdue or not judgeable from the data; time to first value against the 21-day target; completion rates, stuck accounts (milestones overdue past their typical timeframe) and fast-track accounts. framework standard is the seed's m1–m8; custom uses custom_milestones or the saved ones.",
  input: z.object({
    client_id: clientId.optional().describe("One account; leave out for a page of accounts"),
    framework: z.enum(["standard", "custom"], { message: "must be standard or custom" }).default("standard"),
    custom_milestones: z.array(milestoneDefinition).min(1).max(50).optional().describe("With framework custom; otherwise the milestones saved with update_feature_catalog"),
    as_of: isoDate.optional().describe("Judge as of this day; default today"),
    limit: z.number().int("must be a whole number").min(1, "must be 1–200").max(200, "must be 1–200").default(50),
    cursor: z.string().min(1).optional().describe("next_cursor from the previous page"),
  }),
  output: z.object({
    as_of: z.string(),
    framework: z.enum(["standard", "custom"]),
    milestone_definitions: z.array(milestoneDefinition),
    accounts: z.array(milestoneAccount),
    summary: z.object({
      accounts: z.number(),
      completion_by_milestone: z.array(
        z.object({
          id: z.string(),
          name: z.string(),
          importance: z.string(),
          typical_days: z.number(),
          reached: z.number(),
          reached_late: z.number(),
          in_progress: z.number(),
          overdue: z.number(),
          not_evaluable: z.number(),
          completion_rate: z.number().nullable(),
          median_days_to_reach: z.number().nullable(),
        }),
      ),
      time_to_first_value: z.object({
        reached: z.number(),
        not_reached: z.number(),
        no_data: z.number(),
        median_days: z.number().nullable(),
        on_target_share: z.number().nullable(),
      }),
      stuck_accounts: z.array(
        z.object({
          client_id: z.string(),
          client_name: z.string(),
          elapsed_days: z.number().nullable(),
          completion: z.number().nullable(),
          overdue: z.array(z.string()),
          severity: z.number().describe("Overdue milestones weighted critical 3, high 2, else 1"),
        }),
      ),
      fast_track_accounts: z.array(
        z.object({ client_id: z.string(), client_name: z.string(), elapsed_days: z.number().nullable(), completion: z.number().nullable(), reached: z.number() }),
      ),
      covers: z.string(),
    }),
    pagination: z.object({ returned_count: z.number(), has_more: z.boolean(), next_cursor: z.string().nullable() }),
    notes,
  }),
  annotations: READ_ONLY,
  scope: "cs:read",
  rest: { method: "GET", path: "/engagement/milestones" },
  async handler({ tenant }, input) {
    const out = unwrap(
      await tenant.adoptionMilestones({
        client_id: input.client_id,
        as_of: input.as_of,
        framework: input.framework,
        custom_milestones: input.custom_milestones,
        limit: input.limit,
        cursor: input.cursor,
      }),
    );
    return {
      as_of: out.as_of,
      framework: input.framework,
      milestone_definitions: [...out.milestones],
      accounts: out.accounts,
      summary: {
        accounts: out.accounts.length,
        ...milestoneSummary(out.accounts, out.milestones),
        covers: input.client_id ? "this account" : "the accounts on this page; follow next_cursor for the rest",
      },
      pagination: { returned_count: out.accounts.length, has_more: out.next_cursor !== null, next_cursor: out.next_cursor },
      notes: [
        ...out.notes,
        `Day 0 is the first contract's start. Fast track: more than ${FAST_TRACK_COMPLETION * 100} % of judged milestones reached within ${FAST_TRACK_DAYS} days and none overdue; stuck: at least one milestone unreached past its typical day.`,
      ],
    };
  },
});

// ---- patterns -----------------------------------------------------------------------------

const anomaly = z.object({
  date: z.string(),
  direction: z.enum(["drop", "spike"]),
  actual: z.number().describe("Active users that day"),
  expected: z.number().describe("The median of the comparable days in the 28 before it"),
  change: z.number().nullable().describe("(actual − expected) ÷ expected"),
  score: z.number().describe("Robust z-score; |score| ≥ 3.5 is an anomaly"),
});

export const analyzeEngagementPatterns = defineTool({
  name: "analyze_engagement_patterns",
  title: "Engagement patterns and anomalies",
  description:
    "Engagement over a lookback (7–365 days) for one account, one tier or every account: activity (DAU/WAU/MAU, stickiness), the weekday profile, usage anomalies against each account's own rolling 28-day baseline (drops and spikes with dates and size), the change against the previous period, and the accounts with the largest declines.",
  input: z
    .object({
      scope: z.enum(["account", "tier", "all"], { message: "must be account, tier or all" }).default("all"),
      client_id: clientId.optional().describe("Required with scope account"),
      tier: z.enum(TIERS, { message: `must be one of ${TIERS.join(", ")}` }).optional().describe("Required with scope tier"),
      lookback_days: z.number().int("must be a whole number").min(7, "must be 7–365").max(365, "must be 7–365").default(90),
      as_of: isoDate.optional().describe("Last day analysed; default today"),
      top: z.number().int("must be a whole number").min(1, "must be 1–100").max(100, "must be 1–100").default(10).describe("How many anomalies and declining accounts to list"),
    })
    .superRefine((input, ctx) => {
      if (input.scope === "account" && !input.client_id) ctx.addIssue({ code: "custom", message: "client_id is required with scope account", path: ["client_id"] });
      if (input.scope === "tier" && !input.tier) ctx.addIssue({ code: "custom", message: "tier is required with scope tier", path: ["tier"] });
    }),
  output: z.object({
    scope: z.enum(["account", "tier", "all"]),
    client: accountRef.nullable(),
    tier: z.string().nullable(),
    period: z.object({ start: z.string(), end: z.string(), lookback_days: z.number(), previous_start: z.string(), previous_end: z.string() }),
    accounts_analyzed: z.number(),
    accounts_with_usage: z.number(),
    accounts_with_anomalies: z.number(),
    activity: z
      .object({
        dau: z.number(),
        wau: z.number(),
        mau: z.number(),
        stickiness: z.number(),
        method: z.enum(["distinct_user_ids", "peak_daily_lower_bound"]),
        covered_days: z.number(),
        explanation: z.string(),
      })
      .nullable(),
    usage_change: z.object({ previous_dau: z.number().nullable(), current_dau: z.number().nullable(), change: z.number().nullable() }),
    weekday_profile: z.array(z.object({ weekday: z.string(), avg_active_users: z.number(), index: z.number().describe("Weekday mean ÷ overall mean") })),
    anomalies: z.object({
      status: z.enum(["ok", "insufficient_history", "no_usage"]),
      drops: z.number(),
      spikes: z.number(),
      scope_series: z.array(anomaly).describe("Anomalies of the scope's summed daily active users"),
      accounts: z.array(anomaly.extend({ client_id: z.string(), client_name: z.string() })).describe("The largest per-account anomalies (|score| first)"),
    }),
    largest_declines: z.array(
      z.object({ client_id: z.string(), client_name: z.string(), tier: z.string(), previous_dau: z.number(), current_dau: z.number(), change: z.number() }),
    ),
    notes,
  }),
  annotations: READ_ONLY,
  scope: "cs:read",
  rest: { method: "GET", path: "/engagement/patterns" },
  async handler({ tenant }, input) {
    const out = unwrap(
      await tenant.engagementPatterns({
        scope: input.scope,
        client_id: input.client_id,
        tier: input.tier,
        as_of: input.as_of,
        lookback_days: input.lookback_days,
        top: input.top,
      }),
    );
    const period = {
      start: out.window.current_start,
      end: out.window.as_of,
      lookback_days: input.lookback_days,
      previous_start: out.window.previous_start,
      previous_end: out.window.previous_end,
    };
    const baseNotes = [
      "Anomalies: a day is compared with the median of the comparable days (weekdays with weekdays, weekends with weekends) in the 28 days before it; |robust z| ≥ 3.5 is a drop or a spike.",
      "Change: mean daily active users over the lookback against the same number of days before it.",
    ];
    if (out.account && out.pattern) {
      const p = out.pattern;
      const a = out.activity;
      return {
        scope: "account" as const,
        client: { client_id: out.account.client_id, client_name: out.account.client_name, tier: out.account.tier },
        tier: null,
        period,
        accounts_analyzed: 1,
        accounts_with_usage: p.has_usage ? 1 : 0,
        accounts_with_anomalies: p.anomalies.length > 0 ? 1 : 0,
        activity: a
          ? { dau: a.dau, wau: a.wau, mau: a.mau, stickiness: a.stickiness, method: a.method, covered_days: a.covered_days, explanation: a.explanation }
          : null,
        usage_change: { previous_dau: p.previous_dau, current_dau: p.current_dau, change: p.change },
        weekday_profile: out.pool.weekday_profile,
        anomalies: {
          status: p.anomaly_status,
          drops: p.anomalies.filter((x) => x.direction === "drop").length,
          spikes: p.anomalies.filter((x) => x.direction === "spike").length,
          scope_series: p.anomalies.map(({ client_id: _id, client_name: _name, ...rest }) => rest),
          accounts: p.anomalies,
        },
        largest_declines:
          p.change !== null && p.change < 0 && p.previous_dau !== null && p.current_dau !== null
            ? [{ client_id: p.client_id, client_name: p.client_name, tier: p.tier, previous_dau: p.previous_dau, current_dau: p.current_dau, change: p.change }]
            : [],
        notes: p.has_usage ? baseNotes : ["This account has no usage up to as_of, so there are no patterns to analyse.", ...baseNotes],
      };
    }
    const portfolio = out.portfolio;
    if (!portfolio) throw new Error("engagement patterns answered no portfolio");
    return {
      scope: input.scope,
      client: null,
      tier: input.scope === "tier" ? (input.tier ?? null) : null,
      period,
      accounts_analyzed: portfolio.accounts_analyzed,
      accounts_with_usage: portfolio.accounts_with_usage,
      accounts_with_anomalies: portfolio.accounts_with_anomalies,
      activity: out.pool.activity,
      usage_change: { previous_dau: out.pool.previous_dau, current_dau: out.pool.current_dau, change: out.pool.change },
      weekday_profile: out.pool.weekday_profile,
      anomalies: {
        status: out.pool.anomaly_status,
        drops: portfolio.drops,
        spikes: portfolio.spikes,
        scope_series: out.pool.anomalies,
        accounts: portfolio.top_anomalies,
      },
      largest_declines: portfolio.largest_declines,
      notes: [
        ...baseNotes,
        "Scope activity sums every account's daily active users; WAU and MAU are then peak days (users are not distinct across accounts), flagged by method.",
        ...(portfolio.accounts_with_usage === 0 ? ["No account in scope has usage up to as_of."] : []),
      ],
    };
  },
});

// ---- feature catalog (tenant configuration) -------------------------------------------------

const catalogFeature = z.object({
  key: z.string().trim().min(1, "key is the feature's event name").max(200),
  category: featureCategory.nullable().default(null),
  value_event: z.boolean().default(false).describe("Counts toward time to first value"),
});

const settingsOutput = z.object({
  catalog: z.object({
    source: z.enum(["settings", "observed"]),
    features: z.array(z.object({ key: z.string(), category: featureCategory.nullable(), value_event: z.boolean() })),
    updated_at: z.string().nullable(),
    updated_by: z.string().nullable(),
    note: z.string(),
  }),
  milestones: z.array(milestoneDefinition).nullable(),
  milestones_updated_at: z.string().nullable(),
});

export const getFeatureCatalog = defineTool({
  name: "get_feature_catalog",
  title: "Feature catalog and milestones",
  description:
    "The workspace's feature catalog (features, their category core/advanced/integration, which count as value events for time to first value) and custom adoption milestones. Without a catalog, the features are the names seen in usage, categories unknown.",
  input: z.object({}),
  output: settingsOutput,
  annotations: READ_ONLY,
  scope: "cs:read",
  rest: { method: "GET", path: "/settings/feature-catalog" },
  async handler({ tenant }) {
    return unwrap(await tenant.engagementSettings());
  },
});

export const updateFeatureCatalog = defineTool({
  name: "update_feature_catalog",
  title: "Set the feature catalog and milestones",
  description:
    "Set the workspace's feature catalog (every feature with its category and whether it is a value event) and/or its custom adoption milestones, validated by the analytics engine. null clears one (back to observed features / no custom milestones). Recorded in the audit log.",
  input: z
    .object({
      features: z.array(catalogFeature).max(500, "at most 500 features").nullable().optional().describe("The whole catalog (replaces the current one); null clears it"),
      milestones: z.array(milestoneDefinition).min(1).max(50).nullable().optional().describe("Custom milestones for framework custom; null clears them"),
    })
    .refine((input) => input.features !== undefined || input.milestones !== undefined, "give features, milestones or both"),
  output: settingsOutput,
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  scope: "cs:admin",
  rest: { method: "PATCH", path: "/settings/feature-catalog" },
  async handler({ tenant, actor }, input) {
    return unwrap(await tenant.updateEngagementSettings({ features: input.features, milestones: input.milestones }, actor));
  },
});

export const engagementTools = [getUsageEngagement, getFeatureAdoption, getAdoptionMilestones, analyzeEngagementPatterns, getFeatureCatalog, updateFeatureCatalog];
