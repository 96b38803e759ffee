import { sql } from "drizzle-orm";
import { churn, health } from "../analytics";
import { AccountError, daysUntil, type TenantDb } from "./accounts";
import { dailyTrendPoints, healthHistory, readHealthInputs, TREND_WINDOW_DAYS, type HealthInputs } from "./health-model";

/**
 * The churn model's inputs for one account, gathered from the tenant's facts, and the risk the
 * engine computes from them. Every input that has no data stays null; the engine then leaves
 * its factor out and says so.
 */

const DAY_MS = 86_400_000;
/** Recent usage window, compared with the average of the same-length windows before it. */
export const USAGE_RECENT_DAYS = 30;
export const USAGE_BASELINE_DAYS = 60;

function dayBefore(now: Date, days: number): string {
  return new Date(now.getTime() - days * DAY_MS).toISOString().slice(0, 10);
}

export interface AccountRiskFacts {
  accountId: string;
  name: string;
  arr: number;
  status: string;
  renewalDate: string;
  csm: string | null;
  health: health.HealthScoreResult;
  inputs: HealthInputs;
  churnInputs: churn.ChurnFeatures;
}

/** Sessions in the last 30 days against the average 30 days of the 60 before; null without usage. */
function usageWindows(db: TenantDb, accountId: string, now: Date): { recent: number | null; baseline: number | null } {
  const today = now.toISOString().slice(0, 10);
  const recentFrom = dayBefore(now, USAGE_RECENT_DAYS - 1);
  const baselineFrom = dayBefore(now, USAGE_RECENT_DAYS + USAGE_BASELINE_DAYS - 1);
  const row = db.get<{ days: number; recent: number; baseline: number; first_day: string | null }>(sql`
    SELECT count(*) AS days,
      coalesce(sum(CASE WHEN day >= ${recentFrom} THEN sessions ELSE 0 END), 0) AS recent,
      coalesce(sum(CASE WHEN day < ${recentFrom} THEN sessions ELSE 0 END), 0) AS baseline,
      min(day) AS first_day
    FROM usage_daily WHERE account_id = ${accountId} AND day >= ${baselineFrom} AND day <= ${today}`);
  if (!row || row.days === 0 || row.first_day === null) return { recent: null, baseline: null };
  // No baseline unless usage reaches back into the baseline period: a new account has no drop to show.
  if (row.first_day >= recentFrom) return { recent: row.recent, baseline: null };
  return { recent: row.recent, baseline: row.baseline / (USAGE_BASELINE_DAYS / USAGE_RECENT_DAYS) };
}

/** True when a champion contact has left and none remains; null when no contact was ever marked champion. */
function championLost(db: TenantDb, accountId: string): boolean | null {
  const row = db.get<{ active: number; gone: number }>(sql`
    SELECT coalesce(sum(status = 'active'), 0) AS active, coalesce(sum(status = 'left'), 0) AS gone
    FROM contacts WHERE account_id = ${accountId} AND role = 'champion'`);
  if (!row || row.active + row.gone === 0) return null;
  return row.active === 0;
}

/** Escalations opened in the last 90 days; the table is the tenant's own, so zero is a known zero. */
function escalations90d(db: TenantDb, accountId: string, now: Date): number {
  const since = new Date(now.getTime() - 90 * DAY_MS).toISOString();
  return db.get<{ n: number }>(sql`SELECT count(*) AS n FROM escalations WHERE account_id = ${accountId} AND opened_at >= ${since}`)?.n ?? 0;
}

export function accountRiskFacts(db: TenantDb, accountId: string, healthConfig: health.HealthConfig, now: Date): AccountRiskFacts {
  const account = db.get<{ name: string; tier: string; arr: number; status: string; renewal: string; csm: string | null }>(
    sql`SELECT name, tier, contract_value AS arr, status, renewal_date AS renewal, csm_assigned AS csm FROM accounts WHERE id = ${accountId}`,
  );
  if (!account) throw new AccountError("not_found", `No account with client_id ${accountId} in this workspace; list_clients shows the ids.`);
  const inputs = readHealthInputs(db, accountId);
  const history = healthHistory(db, accountId, new Date(now.getTime() - TREND_WINDOW_DAYS * DAY_MS).toISOString());
  const scored = health.scoreHealth(inputs, healthConfig, { segment: account.tier });
  const points = dailyTrendPoints(history, scored.score === null ? null : { at: now.toISOString(), score: scored.score });
  const result = { ...scored, trend: health.healthTrend(points, healthConfig.trendThresholdPer30Days) };
  const usage = usageWindows(db, accountId, now);
  return {
    accountId,
    name: account.name,
    arr: account.arr,
    status: account.status,
    renewalDate: account.renewal,
    csm: account.csm,
    health: result,
    inputs,
    churnInputs: {
      ...churn.churnFeaturesFromHealth(result, inputs),
      usageRecent: usage.recent,
      usageBaseline: usage.baseline,
      escalations90d: escalations90d(db, accountId, now),
      daysToRenewal: daysUntil(account.renewal, now),
      championLost: championLost(db, accountId),
    },
  };
}

/** Account ids in id order after `after`, for paging a portfolio pass; churned accounts are left out. */
export function activeAccountPage(db: TenantDb, after: string, limit: number, filter: { csm?: string; tier?: string }): string[] {
  const csm = filter.csm ? sql` AND csm_assigned = ${filter.csm}` : sql``;
  const tier = filter.tier ? sql` AND tier = ${filter.tier}` : sql``;
  return db
    .all<{ id: string }>(sql`SELECT id FROM accounts WHERE status != 'churned' AND id > ${after}${csm}${tier} ORDER BY id LIMIT ${limit}`)
    .map((row) => row.id);
}

export interface AccountChurnRisk {
  facts: AccountRiskFacts;
  risk: churn.ChurnRiskResult;
}

export function accountChurnRisk(db: TenantDb, accountId: string, healthConfig: health.HealthConfig, churnConfig: churn.ChurnConfig, now: Date): AccountChurnRisk {
  const facts = accountRiskFacts(db, accountId, healthConfig, now);
  return { facts, risk: churn.scoreChurnRisk(facts.churnInputs, churnConfig) };
}

export const CHURN_LEVELS = ["low", "medium", "high", "critical"] as const;

export interface PortfolioRiskEntry {
  client_id: string;
  client_name: string;
  arr: number;
  csm: string | null;
  renewal_date: string;
  probability: number;
  level: churn.ChurnRiskLevel;
  /** The factors adding most to the probability, largest first. */
  drivers: { factor: churn.ChurnFactorName; share: number; explanation: string }[];
}

export interface PortfolioRisk {
  accounts: number;
  levels: { level: churn.ChurnRiskLevel; accounts: number; arr: number }[];
  /** Σ probability × ARR: the ARR the model expects to lose. */
  expected_arr_loss: number;
  at_risk: PortfolioRiskEntry[];
}

const PAGE = 500;

function round3(value: number): number {
  return Math.round(value * 1000) / 1000;
}

export function topDrivers(risk: churn.ChurnRiskResult, count: number): PortfolioRiskEntry["drivers"] {
  return risk.factors
    .filter((factor) => factor.probabilityShare > 0.0005)
    .sort((a, b) => b.probabilityShare - a.probabilityShare)
    .slice(0, count)
    .map((factor) => ({ factor: factor.name, share: round3(factor.probabilityShare), explanation: factor.explanation }));
}

/** Scores every non-churned account (paged), counts levels and keeps the riskiest at or above `minLevel`. */
export function portfolioChurnRisk(
  db: TenantDb,
  healthConfig: health.HealthConfig,
  churnConfig: churn.ChurnConfig,
  options: { minLevel: churn.ChurnRiskLevel; limit: number; csm?: string; tier?: string },
  now: Date,
): PortfolioRisk {
  const counts = new Map<churn.ChurnRiskLevel, { accounts: number; arr: number }>(CHURN_LEVELS.map((level) => [level, { accounts: 0, arr: 0 }]));
  const minRank = CHURN_LEVELS.indexOf(options.minLevel);
  let accounts = 0;
  let expectedLoss = 0;
  let kept: PortfolioRiskEntry[] = [];
  let after = "";
  for (;;) {
    const ids = activeAccountPage(db, after, PAGE, options);
    for (const id of ids) {
      const { facts, risk } = accountChurnRisk(db, id, healthConfig, churnConfig, now);
      accounts++;
      expectedLoss += risk.probability * facts.arr;
      const level = counts.get(risk.level);
      if (level) {
        level.accounts++;
        level.arr += facts.arr;
      }
      if (CHURN_LEVELS.indexOf(risk.level) >= minRank) {
        kept.push({
          client_id: id,
          client_name: facts.name,
          arr: facts.arr,
          csm: facts.csm,
          renewal_date: facts.renewalDate,
          probability: round3(risk.probability),
          level: risk.level,
          drivers: topDrivers(risk, 3),
        });
      }
      after = id;
    }
    // Keep memory bounded: only the riskiest `limit` survive each page.
    if (kept.length > options.limit * 2) kept = kept.sort((a, b) => b.probability - a.probability || b.arr - a.arr).slice(0, options.limit);
    if (ids.length < PAGE) break;
  }
  return {
    accounts,
    levels: CHURN_LEVELS.map((level) => ({ level, ...(counts.get(level) ?? { accounts: 0, arr: 0 }) })),
    expected_arr_loss: Math.round(expectedLoss),
    at_risk: kept.sort((a, b) => b.probability - a.probability || b.arr - a.arr).slice(0, options.limit),
  };
}
