import { engagement } from "../analytics";
import {
  accountUsage,
  addDays,
  dayDiff,
  declaredFeatures,
  distinctUsers,
  engineCall,
  one,
  round,
  rows,
  type FeatureCatalog,
  type Sql,
} from "./usage-reads";

/**
 * Engagement reads inside the Tenant Durable Object: usage and engagement for an account and
 * period, feature adoption (one account or the portfolio), adoption milestones and time to first
 * value, and engagement patterns with anomalies. Every number comes from the usage tables
 * (usage_daily, usage_daily_users, usage_feature_daily) through the engine in src/analytics;
 * where the data is missing the answer says so instead of guessing.
 */

export type Granularity = "day" | "week" | "month";

/** DAU change at or beyond ±10 % between two periods reads as up / down; inside it, flat. */
export const TREND_THRESHOLD = 0.1;

const clamp01 = (v: number): number => Math.min(1, Math.max(0, v));
const change = (current: number, previous: number): number | null => (previous > 0 ? round((current - previous) / previous, 4) : null);
const laterOf = (a: string, b: string): string => (a > b ? a : b);

export interface ActivitySummary {
  /** Mean daily active users over the covered days of the period. */
  dau: number;
  /** Distinct users in the last 7 days of the period. */
  wau: number;
  /** Distinct users in the last 28 days of the period (the whole period when shorter). */
  mau: number;
  mau_window_days: number;
  /** DAU ÷ MAU over the MAU window, 0–1. */
  stickiness: number;
  /** Distinct users over the whole period. */
  distinct_users: number;
  method: "distinct_user_ids" | "peak_daily_lower_bound";
  active_days: number;
  covered_days: number;
  /** Sum of daily active users over the covered days (DAU × covered days). */
  active_user_days: number;
  sessions: number;
  events: number;
  sessions_per_active_user_day: number;
  events_per_active_user_day: number;
  explanation: string;
}

interface Totals {
  sessions: number;
  events: number;
}

function totalsOf(series: readonly engagement.DailyUsage[]): Totals {
  let sessions = 0;
  let events = 0;
  for (const d of series) {
    sessions += d.sessions ?? 0;
    events += d.events ?? 0;
  }
  return { sessions, events };
}

/** The engine's activity metrics over [since, end], with exact distinct users from SQL when every active day has user rows. */
export function activitySummary(sql: Sql, accountId: string, series: engagement.DailyUsage[], since: string, end: string): ActivitySummary {
  const days = dayDiff(since, end) + 1;
  const prepared = engineCall(() => engagement.prepareUsage({ series, asOf: end, dataSince: since }));
  const period = engagement.activityMetrics(prepared, { activityWindowDays: Math.min(366, Math.max(7, days)) });
  const month = engagement.activityMetrics(prepared, { activityWindowDays: 28 });
  const mauFrom = laterOf(addDays(end, -27), since);
  const week = distinctUsers(sql, accountId, laterOf(addDays(end, -6), since), end);
  const mauCount = distinctUsers(sql, accountId, mauFrom, end);
  const whole = distinctUsers(sql, accountId, since, end);
  const exact = week.exact !== null && mauCount.exact !== null && whole.exact !== null;
  const wau = exact ? (week.exact as number) : month.wau;
  const mau = exact ? (mauCount.exact as number) : month.mau;
  const stickiness = exact ? (mau > 0 ? clamp01(month.dau / mau) : 0) : month.stickiness;
  const totals = totalsOf(series);
  const userDays = period.dau * period.coveredDays;
  const mauWindow = dayDiff(mauFrom, end) + 1;
  return {
    dau: round(period.dau),
    wau,
    mau,
    mau_window_days: mauWindow,
    stickiness: round(stickiness, 4),
    distinct_users: exact ? (whole.exact as number) : whole.peak,
    method: exact ? "distinct_user_ids" : "peak_daily_lower_bound",
    active_days: period.activeDays,
    covered_days: period.coveredDays,
    active_user_days: Math.round(userDays),
    sessions: totals.sessions,
    events: totals.events,
    sessions_per_active_user_day: round(userDays > 0 ? totals.sessions / userDays : 0),
    events_per_active_user_day: round(userDays > 0 ? totals.events / userDays : 0),
    explanation:
      `${period.coveredDays} covered day(s) from ${since} to ${end}: ${period.dau.toFixed(1)} average daily active users, ` +
      (exact
        ? `${wau} distinct users in the last 7 days and ${mau} in the last ${mauWindow} (from user ids)`
        : `at least ${wau} users in the last 7 days and ${mau} in the last ${mauWindow} (peak day: some active days carry no user ids, so these are lower bounds and stickiness an upper bound)`) +
      `, stickiness ${(stickiness * 100).toFixed(0)} %.`,
  };
}

export interface FeatureRow {
  feature: string;
  category: string | null;
  declared: boolean;
  events: number;
  user_days: number;
  days_used: number;
  /** Feature user-days ÷ active user-days, 0–1. */
  adoption_rate: number;
  uses_per_active_user_day: number;
  level: "high" | "moderate" | "low";
  adopted: boolean;
  first_used_on: string | null;
}

export interface FeatureSummary {
  catalog_source: "settings" | "observed";
  available_features: number | null;
  used_features: number;
  breadth: number | null;
  depth: number;
  threshold: number;
  adopted: string[];
  underused: string[];
  explanation: string;
}

function featureRows(adoption: engagement.FeatureAdoption, threshold: number): FeatureRow[] {
  return adoption.features.map((f) => ({
    feature: f.key,
    category: f.category,
    declared: f.declared,
    events: f.uses,
    user_days: f.userDays,
    days_used: f.daysUsed,
    adoption_rate: round(f.adoptionRate, 4),
    uses_per_active_user_day: round(f.usesPerActiveUser, 4),
    level: f.level,
    adopted: f.adoptionRate >= threshold,
    first_used_on: f.firstUsedOn,
  }));
}

function featureSummary(adoption: engagement.FeatureAdoption, catalog: FeatureCatalog, threshold: number): FeatureSummary {
  return {
    catalog_source: catalog.source,
    available_features: adoption.availableFeatures,
    used_features: adoption.usedFeatures,
    breadth: adoption.breadth === null ? null : round(adoption.breadth, 4),
    depth: round(adoption.depth, 4),
    threshold,
    adopted: adoption.features.filter((f) => f.adoptionRate >= threshold && f.uses > 0).map((f) => f.key),
    underused: [...adoption.underutilized],
    explanation: adoption.explanation,
  };
}

// ---- get_usage_engagement ---------------------------------------------------------------------

export interface UsageBucket {
  start: string;
  end: string;
  covered_days: number;
  active_days: number;
  avg_daily_active_users: number;
  /** Distinct users in the bucket (exact), or its peak day (lower bound); see `active_users_method`. */
  active_users: number;
  active_users_method: "distinct_user_ids" | "peak_daily_lower_bound";
  sessions: number;
  events: number;
}

export interface PeriodTrend {
  previous_start: string;
  previous_end: string;
  previous_covered_days: number;
  previous: { dau: number; distinct_users: number; sessions_per_day: number; events_per_day: number } | null;
  change: { dau: number | null; distinct_users: number | null; sessions_per_day: number | null; events_per_day: number | null } | null;
  direction: "up" | "down" | "flat" | "unknown";
  explanation: string;
}

export interface UsageEngagementReport {
  data_status: "ok" | "no_usage_data" | "no_usage_in_period";
  period: { start: string; end: string; days: number; granularity: Granularity; data_since: string | null };
  activity: ActivitySummary | null;
  series: UsageBucket[];
  features: FeatureRow[];
  feature_summary: FeatureSummary | null;
  trend: PeriodTrend | null;
  notes: string[];
}

function bucketStart(day: string, granularity: Granularity): string {
  if (granularity === "day") return day;
  if (granularity === "month") return `${day.slice(0, 7)}-01`;
  const dow = new Date(`${day}T00:00:00Z`).getUTCDay(); // 0 = Sunday
  return addDays(day, -((dow + 6) % 7));
}

function bucketEnd(start: string, granularity: Granularity): string {
  if (granularity === "day") return start;
  if (granularity === "week") return addDays(start, 6);
  const d = new Date(`${start}T00:00:00Z`);
  return new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 0)).toISOString().slice(0, 10);
}

const BUCKET_SQL: Record<Granularity, string> = {
  day: "day",
  week: "date(day, '-' || ((CAST(strftime('%w', day) AS INTEGER) + 6) % 7) || ' days')",
  month: "substr(day, 1, 7) || '-01'",
};

function buckets(sql: Sql, accountId: string, series: engagement.DailyUsage[], since: string, end: string, granularity: Granularity): UsageBucket[] {
  const exact = new Map<string, { days: number; users: number }>();
  for (const r of sql.exec<{ b: string; days: number; users: number }>(
    `SELECT ${BUCKET_SQL[granularity]} AS b, count(DISTINCT day) AS days, count(DISTINCT user_key) AS users
     FROM usage_daily_users WHERE account_id = ? AND day >= ? AND day <= ? GROUP BY b`,
    accountId,
    since,
    end,
  )) {
    exact.set(r.b, { days: r.days, users: r.users });
  }
  const byDay = new Map(series.map((d) => [d.date, d]));
  const out: UsageBucket[] = [];
  let cursor = since;
  while (cursor <= end) {
    const key = bucketStart(cursor, granularity);
    const last = bucketEnd(key, granularity) < end ? bucketEnd(key, granularity) : end;
    let covered = 0;
    let activeDays = 0;
    let userDays = 0;
    let peak = 0;
    let sessions = 0;
    let events = 0;
    for (let day = cursor; day <= last; day = addDays(day, 1)) {
      covered++;
      const d = byDay.get(day);
      if (!d) continue;
      userDays += d.activeUsers;
      peak = Math.max(peak, d.activeUsers);
      if (d.activeUsers > 0) activeDays++;
      sessions += d.sessions ?? 0;
      events += d.events ?? 0;
    }
    const users = exact.get(key);
    const isExact = activeDays === 0 || (users !== undefined && users.days >= activeDays);
    out.push({
      start: cursor,
      end: last,
      covered_days: covered,
      active_days: activeDays,
      avg_daily_active_users: round(userDays / covered),
      active_users: activeDays === 0 ? 0 : isExact ? (users?.users ?? 0) : peak,
      active_users_method: isExact ? "distinct_user_ids" : "peak_daily_lower_bound",
      sessions,
      events,
    });
    cursor = addDays(last, 1);
  }
  return out;
}

function perDay(total: number, days: number): number {
  return days > 0 ? total / days : 0;
}

/** Usage and engagement of one account over [start, end], with the trend against the previous period of equal length. */
export function usageEngagement(
  sql: Sql,
  accountId: string,
  query: { start: string; end: string; granularity: Granularity; threshold: number },
  catalog: FeatureCatalog,
): UsageEngagementReport {
  const { start, end, granularity, threshold } = query;
  const days = dayDiff(start, end) + 1;
  const previousStart = addDays(start, -days);
  const previousEnd = addDays(start, -1);
  const usage = accountUsage(sql, accountId, previousStart, end);
  const period = { start, end, days, granularity, data_since: usage.firstUsageDay };
  const empty = { activity: null, series: [], features: [], feature_summary: null, trend: null };
  if (usage.firstUsageDay === null) {
    return {
      data_status: "no_usage_data",
      period,
      ...empty,
      notes: ["This account has never sent usage, so there is nothing to measure; send product events to the events endpoint (usage tables are empty for it)."],
    };
  }
  if (usage.firstUsageDay > end) {
    return {
      data_status: "no_usage_in_period",
      period,
      ...empty,
      notes: [`This account's usage starts on ${usage.firstUsageDay}, after the period; nothing is known about the period.`],
    };
  }
  const notes: string[] = [catalog.note];
  const since = laterOf(start, usage.firstUsageDay);
  if (since > start) notes.push(`Usage data starts on ${since}; the days before it are unknown, not zero, and are left out.`);
  const current = usage.series.filter((d) => d.date >= start);
  const activity = activitySummary(sql, accountId, current, since, end);

  const prepared = engineCall(() => engagement.prepareUsage({ series: current, asOf: end, dataSince: since, features: declaredFeatures(catalog) }));
  const adoption = engineCall(() => engagement.featureAdoption(prepared, { adoptionWindowDays: Math.min(366, days), adoptionThreshold: threshold }));

  let trend: PeriodTrend;
  if (usage.firstUsageDay > previousEnd) {
    trend = {
      previous_start: previousStart,
      previous_end: previousEnd,
      previous_covered_days: 0,
      previous: null,
      change: null,
      direction: "unknown",
      explanation: `No usage data before ${usage.firstUsageDay}, so there is no previous period to compare with.`,
    };
  } else {
    const previousSince = laterOf(previousStart, usage.firstUsageDay);
    const previousSeries = usage.series.filter((d) => d.date <= previousEnd);
    const previous = activitySummary(sql, accountId, previousSeries, previousSince, previousEnd);
    const prev = {
      dau: previous.dau,
      distinct_users: previous.distinct_users,
      sessions_per_day: round(perDay(previous.sessions, previous.covered_days)),
      events_per_day: round(perDay(previous.events, previous.covered_days)),
    };
    const cur = {
      dau: activity.dau,
      distinct_users: activity.distinct_users,
      sessions_per_day: perDay(activity.sessions, activity.covered_days),
      events_per_day: perDay(activity.events, activity.covered_days),
    };
    // From the unrounded means (user-days ÷ covered days), not the rounded DAU shown.
    const dauChange = change(perDay(activity.active_user_days, activity.covered_days), perDay(previous.active_user_days, previous.covered_days));
    const direction =
      dauChange === null ? (cur.dau > 0 ? "up" : "flat") : dauChange >= TREND_THRESHOLD ? "up" : dauChange <= -TREND_THRESHOLD ? "down" : "flat";
    trend = {
      previous_start: previousStart,
      previous_end: previousEnd,
      previous_covered_days: previous.covered_days,
      previous: prev,
      change: {
        dau: dauChange,
        distinct_users: change(cur.distinct_users, prev.distinct_users),
        sessions_per_day: change(cur.sessions_per_day, prev.sessions_per_day),
        events_per_day: change(cur.events_per_day, prev.events_per_day),
      },
      direction,
      explanation:
        `Average daily active users ${prev.dau} → ${cur.dau}` +
        (dauChange === null ? "" : ` (${dauChange >= 0 ? "+" : ""}${(dauChange * 100).toFixed(1)} %)`) +
        ` against ${previousSince} to ${previousEnd}; ±${TREND_THRESHOLD * 100} % or more counts as up or down.` +
        (previousSince > previousStart ? ` The previous period is only covered from ${previousSince}.` : ""),
    };
  }
  return {
    data_status: "ok",
    period,
    activity,
    series: buckets(sql, accountId, current, since, end, granularity),
    features: featureRows(adoption, threshold),
    feature_summary: featureSummary(adoption, catalog, threshold),
    trend,
    notes,
  };
}

// ---- get_feature_adoption ---------------------------------------------------------------------

export interface AccountAdoptionReport {
  data_status: "ok" | "no_usage_data" | "no_usage_in_period";
  features: FeatureRow[];
  summary: FeatureSummary | null;
  notes: string[];
}

/** One account's feature adoption over [start, end] (breadth, depth, per-feature rates and levels). */
export function accountFeatureAdoption(sql: Sql, accountId: string, start: string, end: string, threshold: number, catalog: FeatureCatalog): AccountAdoptionReport {
  const usage = accountUsage(sql, accountId, start, end);
  if (usage.firstUsageDay === null) {
    return { data_status: "no_usage_data", features: [], summary: null, notes: ["This account has never sent usage, so feature adoption cannot be measured."] };
  }
  if (usage.firstUsageDay > end) {
    return { data_status: "no_usage_in_period", features: [], summary: null, notes: [`This account's usage starts on ${usage.firstUsageDay}, after the period.`] };
  }
  const since = laterOf(start, usage.firstUsageDay);
  const prepared = engineCall(() => engagement.prepareUsage({ series: usage.series, asOf: end, dataSince: since, features: declaredFeatures(catalog) }));
  const adoption = engineCall(() => engagement.featureAdoption(prepared, { adoptionWindowDays: Math.min(366, dayDiff(start, end) + 1), adoptionThreshold: threshold }));
  const notes = [catalog.note];
  if (since > start) notes.push(`Usage data starts on ${since}; the period is measured from there.`);
  return { data_status: "ok", features: featureRows(adoption, threshold), summary: featureSummary(adoption, catalog, threshold), notes };
}

export interface PortfolioFeatureRow extends FeatureRow {
  /** Non-churned accounts that used the feature in the period. */
  accounts_using: number;
  /** Accounts whose own adoption rate of the feature is at or above the threshold. */
  accounts_adopted: number;
}

export interface AdoptionGroup {
  group: string;
  accounts: number;
  active_accounts: number;
  avg_features_used: number | null;
  avg_breadth: number | null;
  /** Mean over catalog features of feature user-days ÷ active user-days, pooled over the group. */
  adoption_rate: number | null;
}

export interface PortfolioAdoptionReport {
  data_status: "ok" | "no_usage_in_period";
  accounts: number;
  active_accounts: number;
  features: PortfolioFeatureRow[];
  summary: FeatureSummary | null;
  by_tier: AdoptionGroup[];
  by_lifecycle_stage: AdoptionGroup[];
  notes: string[];
}

/**
 * Portfolio feature adoption: the engine runs on the portfolio's pooled daily series (one row per
 * day, summed in SQL), and per-account counts by feature, tier and lifecycle stage are SQL
 * aggregates. Nothing per account is held in memory. Churned accounts are left out.
 */
export function portfolioFeatureAdoption(sql: Sql, start: string, end: string, threshold: number, catalog: FeatureCatalog): PortfolioAdoptionReport {
  const byDay = new Map<string, { date: string; activeUsers: number; sessions: number; events: number; features: Record<string, engagement.FeatureDayUsage> }>();
  for (const r of sql.exec<{ day: string; users: number; sessions: number; events: number }>(
    `SELECT u.day AS day, sum(u.active_users) AS users, sum(u.sessions) AS sessions, sum(u.events) AS events
     FROM usage_daily u JOIN accounts a ON a.id = u.account_id
     WHERE u.day >= ? AND u.day <= ? AND a.status <> 'churned' GROUP BY u.day`,
    start,
    end,
  )) {
    byDay.set(r.day, { date: r.day, activeUsers: r.users, sessions: r.sessions, events: r.events, features: {} });
  }
  for (const r of sql.exec<{ day: string; feature: string; users: number; events: number }>(
    `SELECT f.day AS day, f.feature AS feature, sum(f.users) AS users, sum(f.events) AS events
     FROM usage_feature_daily f JOIN accounts a ON a.id = f.account_id
     WHERE f.day >= ? AND f.day <= ? AND a.status <> 'churned' GROUP BY f.day, f.feature`,
    start,
    end,
  )) {
    let day = byDay.get(r.day);
    if (!day) {
      day = { date: r.day, activeUsers: 0, sessions: 0, events: 0, features: {} };
      byDay.set(r.day, day);
    }
    day.features[r.feature] = { users: r.users, uses: r.events };
  }
  const counts = one<{ accounts: number }>(sql, "SELECT count(*) AS accounts FROM accounts WHERE status <> 'churned'");
  const catalogKeys = JSON.stringify(catalog.features.map((f) => f.key));
  const groups = (column: "tier" | "lifecycle_stage"): AdoptionGroup[] =>
    rows<{ grp: string; accounts: number; active_accounts: number; features_used: number; ud: number; fu: number }>(
      sql,
      `WITH act AS (SELECT account_id, sum(active_users) AS ud FROM usage_daily WHERE day >= ?1 AND day <= ?2 GROUP BY account_id),
            fa AS (SELECT account_id, count(DISTINCT feature) AS n, sum(users) AS fu FROM usage_feature_daily
                   WHERE day >= ?1 AND day <= ?2 AND events > 0 AND feature IN (SELECT value FROM json_each(?3)) GROUP BY account_id)
       SELECT a.${column} AS grp, count(*) AS accounts,
              sum(CASE WHEN act.ud > 0 THEN 1 ELSE 0 END) AS active_accounts,
              sum(CASE WHEN act.ud > 0 THEN coalesce(fa.n, 0) ELSE 0 END) AS features_used,
              sum(coalesce(act.ud, 0)) AS ud, sum(CASE WHEN act.ud > 0 THEN coalesce(fa.fu, 0) ELSE 0 END) AS fu
       FROM accounts a LEFT JOIN act ON act.account_id = a.id LEFT JOIN fa ON fa.account_id = a.id
       WHERE a.status <> 'churned' GROUP BY a.${column} ORDER BY a.${column}`,
      start,
      end,
      catalogKeys,
    ).map((r) => {
      const available = catalog.features.length;
      const avgUsed = r.active_accounts > 0 ? r.features_used / r.active_accounts : null;
      return {
        group: r.grp,
        accounts: r.accounts,
        active_accounts: r.active_accounts,
        avg_features_used: avgUsed === null ? null : round(avgUsed),
        avg_breadth: avgUsed === null || available === 0 ? null : round(avgUsed / available, 4),
        adoption_rate: r.ud > 0 && available > 0 ? round(clamp01(r.fu / (r.ud * available)), 4) : null,
      };
    });
  const perFeature = new Map<string, { using: number; adopted: number }>();
  for (const r of sql.exec<{ feature: string; using_accounts: number; adopted_accounts: number }>(
    `WITH act AS (SELECT account_id, sum(active_users) AS ud FROM usage_daily WHERE day >= ?1 AND day <= ?2 GROUP BY account_id),
          fa AS (SELECT f.account_id, f.feature, sum(f.users) AS fu FROM usage_feature_daily f JOIN accounts a ON a.id = f.account_id
                 WHERE f.day >= ?1 AND f.day <= ?2 AND f.events > 0 AND a.status <> 'churned' GROUP BY f.account_id, f.feature)
     SELECT fa.feature AS feature, count(*) AS using_accounts,
            sum(CASE WHEN act.ud > 0 AND fa.fu >= ?3 * act.ud THEN 1 ELSE 0 END) AS adopted_accounts
     FROM fa LEFT JOIN act ON act.account_id = fa.account_id GROUP BY fa.feature`,
    start,
    end,
    threshold,
  )) {
    perFeature.set(r.feature, { using: r.using_accounts, adopted: r.adopted_accounts });
  }
  const byTier = groups("tier");
  const activeAccounts = byTier.reduce((sum, g) => sum + g.active_accounts, 0);
  const notes = [catalog.note, "Churned accounts are left out. Rates pool every account's users: a feature's rate is its user-days ÷ all active user-days."];
  const series = [...byDay.values()].sort((a, b) => (a.date < b.date ? -1 : 1));
  if (series.length === 0) {
    return {
      data_status: "no_usage_in_period",
      accounts: counts?.accounts ?? 0,
      active_accounts: 0,
      features: [],
      summary: null,
      by_tier: byTier,
      by_lifecycle_stage: groups("lifecycle_stage"),
      notes: [...notes, `No account sent usage between ${start} and ${end}.`],
    };
  }
  const prepared = engineCall(() => engagement.prepareUsage({ series, asOf: end, dataSince: start, features: declaredFeatures(catalog) }));
  const adoption = engineCall(() => engagement.featureAdoption(prepared, { adoptionWindowDays: Math.min(366, dayDiff(start, end) + 1), adoptionThreshold: threshold }));
  return {
    data_status: "ok",
    accounts: counts?.accounts ?? 0,
    active_accounts: activeAccounts,
    features: featureRows(adoption, threshold).map((f) => ({
      ...f,
      accounts_using: perFeature.get(f.feature)?.using ?? 0,
      accounts_adopted: perFeature.get(f.feature)?.adopted ?? 0,
    })),
    summary: featureSummary(adoption, catalog, threshold),
    by_tier: byTier,
    by_lifecycle_stage: groups("lifecycle_stage"),
    notes,
  };
}

// ---- get_adoption_milestones ------------------------------------------------------------------

export interface MilestoneAccount {
  client_id: string;
  client_name: string;
  tier: string;
  lifecycle_stage: string;
  start_date: string;
  elapsed_days: number | null;
  reached: number;
  evaluable: number;
  completion: number | null;
  overdue: string[];
  milestones: {
    id: string;
    name: string;
    importance: string;
    typical_days: number;
    status: engagement.MilestoneStatus;
    reached_on: string | null;
    days_to_reach: number | null;
    explanation: string;
  }[];
  time_to_first_value: {
    status: "reached" | "not_reached" | "no_data";
    reached_on: string | null;
    days: number | null;
    target_days: number;
    on_target: boolean | null;
    data_covers_start: boolean;
    definition: string;
  };
}

interface MilestonePageRow {
  id: string;
  name: string;
  tier: string;
  lifecycle_stage: string;
  start_date: string;
  seats: number | null;
  [key: string]: SqlStorageValue;
}

/** Accounts for milestones: the first contract's start is day 0 (the current term's start moves at each renewal). */
const MILESTONE_ACCOUNTS_SQL = `SELECT a.id AS id, a.name AS name, a.tier AS tier, a.lifecycle_stage AS lifecycle_stage,
    min(a.contract_start_date, coalesce((SELECT min(c.start_date) FROM contracts c WHERE c.account_id = a.id), a.contract_start_date)) AS start_date,
    coalesce(f.licensed_seats, (SELECT c.seats FROM contracts c WHERE c.account_id = a.id AND c.status = 'active' ORDER BY c.start_date DESC LIMIT 1)) AS seats
  FROM accounts a LEFT JOIN account_features f ON f.account_id = a.id`;

export function milestoneAccountsPage(sql: Sql, after: string, limit: number): MilestonePageRow[] {
  return rows<MilestonePageRow>(sql, `${MILESTONE_ACCOUNTS_SQL} WHERE a.id > ? ORDER BY a.id LIMIT ?`, after, limit);
}

export function milestoneAccount(sql: Sql, id: string): MilestonePageRow | null {
  return one<MilestonePageRow>(sql, `${MILESTONE_ACCOUNTS_SQL} WHERE a.id = ?`, id);
}

/**
 * Milestones and time to first value for a page of accounts, in three set-based queries.
 *
 * The engine only asks "on which day was X first reached", so each account's series is reduced to
 * the days that can answer it: the days its active users set a new high (a window function) and
 * the days each feature was first used. A day ≥ N active users is first reached on a new-high day,
 * so the engine's answers are the same as over the full history, without loading it.
 */
export function milestonesForAccounts(
  sql: Sql,
  accounts: readonly MilestonePageRow[],
  asOf: string,
  catalog: FeatureCatalog,
  milestones: readonly engagement.MilestoneDefinition[],
): { accounts: MilestoneAccount[]; notes: string[] } {
  const ids = JSON.stringify(accounts.map((a) => a.id));
  const series = new Map<string, Map<string, { date: string; activeUsers: number; features?: Record<string, engagement.FeatureDayUsage> }>>();
  const dayOf = (account: string, day: string) => {
    let days = series.get(account);
    if (!days) series.set(account, (days = new Map()));
    let d = days.get(day);
    if (!d) days.set(day, (d = { date: day, activeUsers: 0 }));
    return d;
  };
  for (const r of sql.exec<{ account_id: string; day: string; active_users: number }>(
    `SELECT account_id, day, active_users FROM (
       SELECT account_id, day, active_users,
              max(active_users) OVER (PARTITION BY account_id ORDER BY day ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS prev_max
       FROM usage_daily WHERE account_id IN (SELECT value FROM json_each(?1)) AND day <= ?2)
     WHERE prev_max IS NULL OR active_users > prev_max`,
    ids,
    asOf,
  )) {
    dayOf(r.account_id, r.day).activeUsers = r.active_users;
  }
  const firstUse = new Map<string, Map<string, string>>();
  for (const r of sql.exec<{ account_id: string; feature: string; day: string }>(
    `SELECT account_id, feature, min(day) AS day FROM usage_feature_daily
     WHERE account_id IN (SELECT value FROM json_each(?1)) AND day <= ?2 AND events > 0 GROUP BY account_id, feature`,
    ids,
    asOf,
  )) {
    (dayOf(r.account_id, r.day).features ??= {})[r.feature] = { users: 1, uses: 1 };
    let map = firstUse.get(r.account_id);
    if (!map) firstUse.set(r.account_id, (map = new Map()));
    map.set(r.feature, r.day);
  }

  // Event milestones: a track event of that name (its first day), or for champion_developed the
  // first champion contact. Judged only when the workspace records such facts at all.
  const eventNames = [...new Set(milestones.flatMap((m) => (m.criterion.kind === "event" ? [m.criterion.event] : [])))];
  const trackedEvents = new Set(
    rows<{ feature: string }>(sql, "SELECT DISTINCT feature FROM usage_feature_daily WHERE feature IN (SELECT value FROM json_each(?))", JSON.stringify(eventNames)).map(
      (r) => r.feature,
    ),
  );
  const champions = new Map<string, string>();
  const hasContacts = eventNames.includes("champion_developed") && one(sql, "SELECT 1 AS x FROM contacts LIMIT 1") !== null;
  if (hasContacts) {
    for (const r of sql.exec<{ account_id: string; at: string }>(
      "SELECT account_id, min(created_at) AS at FROM contacts WHERE role = 'champion' AND account_id IN (SELECT value FROM json_each(?)) GROUP BY account_id",
      ids,
    )) {
      champions.set(r.account_id, r.at.slice(0, 10));
    }
  }
  const eventsKnown = trackedEvents.size > 0 || hasContacts;
  const notes: string[] = [catalog.note];
  if (eventNames.length > 0) {
    notes.push(
      eventsKnown
        ? `Event milestones (${eventNames.join(", ")}) are read from track events of that name` +
            (eventNames.includes("champion_developed") ? " and, for champion_developed, the first contact with the champion role." : ".")
        : `Event milestones (${eventNames.join(", ")}) cannot be judged: this workspace has recorded no such track events${eventNames.includes("champion_developed") ? " and no contacts" : ""}.`,
    );
  }

  const valueFeatures = catalog.source === "settings" ? catalog.features.filter((f) => f.value_event).map((f) => f.key) : [];
  const declared = declaredFeatures(catalog);
  const out = accounts.map((account): MilestoneAccount => {
    const uses = firstUse.get(account.id);
    let firstValue: engagement.FirstValueDefinition = engagement.DEFAULT_ENGAGEMENT_CONFIG.firstValue;
    if (valueFeatures.length > 0) {
      // The value feature used first decides first value (any value event counts).
      const used = valueFeatures.filter((k) => uses?.has(k)).sort((a, b) => ((uses?.get(a) ?? "") < (uses?.get(b) ?? "") ? -1 : 1));
      firstValue = { kind: "feature", feature: used[0] ?? (valueFeatures[0] as string) };
    }
    let events: Record<string, string> | null = null;
    if (eventsKnown) {
      events = {};
      for (const name of eventNames) {
        const day = name === "champion_developed" ? (champions.get(account.id) ?? uses?.get(name)) : uses?.get(name);
        if (day !== undefined) events[name] = day;
      }
    }
    const accountSeries = [...(series.get(account.id)?.values() ?? [])].sort((a, b) => (a.date < b.date ? -1 : 1));
    const config = engineCall(() => engagement.validateEngagementConfig({ firstValue, milestones }));
    const prepared = engineCall(() =>
      engagement.prepareUsage({
        series: accountSeries,
        asOf,
        startDate: account.start_date,
        seats: account.seats,
        features: declared,
        events,
      }),
    );
    const ttfv = engagement.timeToFirstValue(prepared, config);
    const summary = engagement.adoptionMilestones(prepared, config);
    return {
      client_id: account.id,
      client_name: account.name,
      tier: account.tier,
      lifecycle_stage: account.lifecycle_stage,
      start_date: account.start_date,
      elapsed_days: summary.elapsedDays,
      reached: summary.reached,
      evaluable: summary.evaluable,
      completion: summary.completion === null ? null : round(summary.completion, 4),
      overdue: [...summary.overdue],
      milestones: summary.milestones.map((m) => ({
        id: m.id,
        name: m.name,
        importance: m.importance,
        typical_days: m.typicalDays,
        status: m.status,
        reached_on: m.reachedOn,
        days_to_reach: m.daysToReach,
        explanation: m.explanation,
      })),
      time_to_first_value: {
        status: ttfv.status,
        reached_on: ttfv.reachedOn,
        days: ttfv.days,
        target_days: ttfv.targetDays,
        on_target: ttfv.onTarget,
        data_covers_start: ttfv.dataCoversStart,
        definition: valueFeatures.length > 1 ? `first day with a use of any value event (${valueFeatures.join(", ")})` : ttfv.definition,
      },
    };
  });
  return { accounts: out, notes };
}

// ---- analyze_engagement_patterns --------------------------------------------------------------

export interface AnomalyRow {
  client_id: string;
  client_name: string;
  date: string;
  direction: "drop" | "spike";
  actual: number;
  expected: number;
  /** (actual − expected) ÷ expected; null when expected is 0. */
  change: number | null;
  score: number;
}

export interface DeclineRow {
  client_id: string;
  client_name: string;
  tier: string;
  previous_dau: number;
  current_dau: number;
  change: number;
}

export interface AccountPattern {
  client_id: string;
  client_name: string;
  tier: string;
  has_usage: boolean;
  current_dau: number | null;
  previous_dau: number | null;
  change: number | null;
  anomalies: AnomalyRow[];
  anomaly_status: "ok" | "insufficient_history" | "no_usage";
}

/** Days of baseline the anomaly scoring needs before the first scored day (the engine's default). */
const BASELINE_DAYS = engagement.DEFAULT_ANOMALY_CONFIG.baselineDays;

export interface PatternWindow {
  asOf: string;
  lookback: number;
  currentStart: string;
  previousStart: string;
  loadFrom: string;
}

export function patternWindow(asOf: string, lookback: number): PatternWindow {
  const currentStart = addDays(asOf, -(lookback - 1));
  const previousStart = addDays(currentStart, -lookback);
  const baselineStart = addDays(currentStart, -BASELINE_DAYS);
  return { asOf, lookback, currentStart, previousStart, loadFrom: previousStart < baselineStart ? previousStart : baselineStart };
}

function mean(values: Float64Array, from: number, to: number): number | null {
  if (to <= from) return null;
  let sum = 0;
  for (let i = from; i < to; i++) sum += values[i] as number;
  return sum / (to - from);
}

/** One account's change and anomalies over the lookback, against its own history. */
export function accountPattern(
  account: { id: string; name: string; tier: string },
  series: engagement.DailyUsage[],
  firstUsageDay: string | null,
  window: PatternWindow,
): AccountPattern {
  const base = { client_id: account.id, client_name: account.name, tier: account.tier };
  if (firstUsageDay === null || firstUsageDay > window.asOf) {
    return { ...base, has_usage: false, current_dau: null, previous_dau: null, change: null, anomalies: [], anomaly_status: "no_usage" };
  }
  const since = laterOf(window.loadFrom, firstUsageDay);
  const prepared = engineCall(() => engagement.prepareUsage({ series, asOf: window.asOf, dataSince: since }));
  const slot = (day: string) => Math.max(0, dayDiff(since, day));
  const curFrom = slot(window.currentStart);
  const prevFrom = slot(window.previousStart);
  const current = mean(prepared.activeUsers, curFrom, prepared.length);
  const previous = mean(prepared.activeUsers, prevFrom, curFrom);
  const report = engagement.detectUsageAnomalies(prepared, { lastDays: Math.max(1, prepared.length - curFrom) });
  return {
    ...base,
    has_usage: true,
    current_dau: current === null ? null : round(current),
    previous_dau: previous === null ? null : round(previous),
    change: current !== null && previous !== null ? change(current, previous) : null,
    anomalies: report.anomalies.map((a) => ({
      client_id: account.id,
      client_name: account.name,
      date: a.date,
      direction: a.direction,
      actual: a.actual,
      expected: a.expected,
      change: a.expected > 0 ? round((a.actual - a.expected) / a.expected, 4) : null,
      score: round(a.score, 2),
    })),
    anomaly_status: report.status,
  };
}

export interface PoolActivity {
  activity: {
    dau: number;
    wau: number;
    mau: number;
    stickiness: number;
    method: "distinct_user_ids" | "peak_daily_lower_bound";
    covered_days: number;
    explanation: string;
  } | null;
  weekday_profile: { weekday: string; avg_active_users: number; index: number }[];
  anomalies: { date: string; direction: "drop" | "spike"; actual: number; expected: number; change: number | null; score: number }[];
  anomaly_status: "ok" | "insufficient_history" | "no_usage";
  current_dau: number | null;
  previous_dau: number | null;
  change: number | null;
}

const WEEKDAYS = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];

/**
 * The scope's pooled daily series (summed in SQL, one row per day): the engine's activity metrics
 * (WAU/MAU as peak-day lower bounds, since users are not distinct across accounts), anomalies of the
 * whole scope, and the weekday profile (mean active users per weekday ÷ the overall mean).
 */
export function poolActivity(sql: Sql, window: PatternWindow, filter: { tier: string | null; accountId: string | null }): PoolActivity {
  const series: engagement.DailyUsage[] = rows<{ day: string; users: number; sessions: number; events: number }>(
    sql,
    `SELECT u.day AS day, sum(u.active_users) AS users, sum(u.sessions) AS sessions, sum(u.events) AS events
     FROM usage_daily u JOIN accounts a ON a.id = u.account_id
     WHERE u.day >= ?1 AND u.day <= ?2 AND (?3 IS NULL OR a.tier = ?3) AND (?4 IS NULL OR a.id = ?4) GROUP BY u.day ORDER BY u.day`,
    window.loadFrom,
    window.asOf,
    filter.tier,
    filter.accountId,
  ).map((r) => ({ date: r.day, activeUsers: r.users, sessions: r.sessions, events: r.events }));
  if (series.length === 0) {
    return { activity: null, weekday_profile: [], anomalies: [], anomaly_status: "no_usage", current_dau: null, previous_dau: null, change: null };
  }
  const since = series[0]?.date as string;
  const prepared = engineCall(() => engagement.prepareUsage({ series, asOf: window.asOf, dataSince: since }));
  const curFrom = Math.max(0, dayDiff(since, window.currentStart));
  const covered = prepared.length - curFrom;
  const act = engagement.activityMetrics(prepared, { activityWindowDays: Math.min(366, Math.max(7, covered)) });
  const report = engagement.detectUsageAnomalies(prepared, { lastDays: Math.max(1, covered) });
  const sums = new Array<number>(7).fill(0);
  const counts = new Array<number>(7).fill(0);
  let total = 0;
  for (let i = curFrom; i < prepared.length; i++) {
    const dow = new Date(`${addDays(since, i)}T00:00:00Z`).getUTCDay();
    sums[dow] = (sums[dow] as number) + (prepared.activeUsers[i] as number);
    counts[dow] = (counts[dow] as number) + 1;
    total += prepared.activeUsers[i] as number;
  }
  const overall = covered > 0 ? total / covered : 0;
  const order = [1, 2, 3, 4, 5, 6, 0];
  const current = mean(prepared.activeUsers, curFrom, prepared.length);
  const previous = mean(prepared.activeUsers, Math.max(0, dayDiff(since, window.previousStart)), curFrom);
  return {
    current_dau: current === null ? null : round(current),
    previous_dau: previous === null ? null : round(previous),
    change: current !== null && previous !== null ? change(current, previous) : null,
    activity: {
      dau: round(act.dau),
      wau: act.wau,
      mau: act.mau,
      stickiness: round(act.stickiness, 4),
      method: act.method,
      covered_days: act.coveredDays,
      explanation: act.explanation,
    },
    weekday_profile: order
      .filter((d) => (counts[d] as number) > 0)
      .map((d) => {
        const avg = (sums[d] as number) / (counts[d] as number);
        return { weekday: WEEKDAYS[d] as string, avg_active_users: round(avg, 2), index: overall > 0 ? round(avg / overall, 3) : 0 };
      }),
    anomalies: report.anomalies.map((a) => ({
      date: a.date,
      direction: a.direction,
      actual: a.actual,
      expected: a.expected,
      change: a.expected > 0 ? round((a.actual - a.expected) / a.expected, 4) : null,
      score: round(a.score, 2),
    })),
    anomaly_status: report.status,
  };
}

/** Accounts per page of a portfolio pass: bounds memory (at most this many accounts' usage at once). */
export const PATTERN_PAGE_SIZE = 200;

export interface PortfolioPatterns {
  accounts_analyzed: number;
  accounts_with_usage: number;
  accounts_with_anomalies: number;
  drops: number;
  spikes: number;
  top_anomalies: AnomalyRow[];
  largest_declines: DeclineRow[];
}

/**
 * Every account in scope, a page at a time (keyset on id): each page's usage comes in one ordered
 * query and is analysed account by account; only counts and the bounded top lists are kept.
 */
export function portfolioPatterns(sql: Sql, window: PatternWindow, tier: string | null, top: number): PortfolioPatterns {
  const result: PortfolioPatterns = { accounts_analyzed: 0, accounts_with_usage: 0, accounts_with_anomalies: 0, drops: 0, spikes: 0, top_anomalies: [], largest_declines: [] };
  let anomalies: AnomalyRow[] = [];
  let declines: DeclineRow[] = [];
  const trim = () => {
    anomalies = anomalies.sort((a, b) => Math.abs(b.score) - Math.abs(a.score) || (a.date < b.date ? 1 : -1)).slice(0, top);
    declines = declines.sort((a, b) => a.change - b.change || (a.client_id < b.client_id ? -1 : 1)).slice(0, top);
  };
  let after = "";
  for (;;) {
    const page = rows<{ id: string; name: string; tier: string; first_day: string | null }>(
      sql,
      `SELECT a.id AS id, a.name AS name, a.tier AS tier, (SELECT min(u.day) FROM usage_daily u WHERE u.account_id = a.id) AS first_day
       FROM accounts a WHERE a.id > ?1 AND (?2 IS NULL OR a.tier = ?2) ORDER BY a.id LIMIT ?3`,
      after,
      tier,
      PATTERN_PAGE_SIZE,
    );
    if (page.length === 0) break;
    const byAccount = new Map<string, engagement.DailyUsage[]>();
    for (const r of sql.exec<{ account_id: string; day: string; active_users: number; sessions: number; events: number }>(
      `SELECT account_id, day, active_users, sessions, events FROM usage_daily
       WHERE account_id IN (SELECT value FROM json_each(?1)) AND day >= ?2 AND day <= ?3`,
      JSON.stringify(page.map((a) => a.id)),
      window.loadFrom,
      window.asOf,
    )) {
      let list = byAccount.get(r.account_id);
      if (!list) byAccount.set(r.account_id, (list = []));
      list.push({ date: r.day, activeUsers: r.active_users, sessions: r.sessions, events: r.events });
    }
    for (const account of page) {
      const pattern = accountPattern(account, byAccount.get(account.id) ?? [], account.first_day, window);
      result.accounts_analyzed++;
      if (pattern.has_usage) result.accounts_with_usage++;
      if (pattern.anomalies.length > 0) result.accounts_with_anomalies++;
      for (const a of pattern.anomalies) {
        if (a.direction === "drop") result.drops++;
        else result.spikes++;
        anomalies.push(a);
      }
      if (pattern.change !== null && pattern.change < 0 && pattern.previous_dau !== null && pattern.current_dau !== null) {
        declines.push({ client_id: account.id, client_name: account.name, tier: account.tier, previous_dau: pattern.previous_dau, current_dau: pattern.current_dau, change: pattern.change });
      }
      if (anomalies.length > 4 * top || declines.length > 4 * top) trim();
    }
    byAccount.clear();
    after = (page.at(-1) as { id: string }).id;
    if (page.length < PATTERN_PAGE_SIZE) break;
  }
  trim();
  result.top_anomalies = anomalies;
  result.largest_declines = declines;
  return result;
}

