import { sql } from "drizzle-orm";
import type { health } from "../analytics";
import type { TenantDb } from "./accounts";
import type { ReadCache } from "./read-cache";

/**
 * The tenant's health at a glance: accounts and ARR per band, average score, trend counts and
 * the week's biggest movers. Set-based SQL over the materialized scores, so it stays a single
 * pass at 100,000 accounts.
 */

export const PORTFOLIO_BANDS = ["churn_risk", "at_risk", "neutral", "healthy", "champion", "unscored"] as const;
export type PortfolioBand = (typeof PORTFOLIO_BANDS)[number];

export interface Mover {
  client_id: string;
  client_name: string;
  score: number;
  previous_score: number;
  change: number;
}

export interface PortfolioHealth {
  computed_at: string;
  accounts: number;
  scored: number;
  average_score: number | null;
  bands: { band: PortfolioBand; accounts: number; arr: number }[];
  /** ARR of accounts in the churn-risk and at-risk bands. */
  arr_at_risk: number;
  trends: { improving: number; stable: number; declining: number; unknown: number };
  /** Compared with each account's last score from before the start (UTC) of the day `mover_window_days` ago. */
  mover_window_days: number;
  movers_up: Mover[];
  movers_down: Mover[];
}

const DAY_MS = 86_400_000;
export const MOVER_WINDOW_DAYS = 7;
const MOVERS_SHOWN = 10;

function round1(value: number): number {
  return Math.round(value * 10) / 10;
}

/**
 * The portfolio now. The movers compare with the scores as they stood at 00:00 UTC
 * MOVER_WINDOW_DAYS days ago, so the answer changes only with the data or the date: with a
 * ReadCache, asking again the same day with nothing changed costs no rescan.
 */
export function portfolioHealth(db: TenantDb, bands: health.HealthBands, now = new Date(), cache?: ReadCache): PortfolioHealth {
  const cutoff = new Date(Math.floor(now.getTime() / DAY_MS) * DAY_MS - MOVER_WINDOW_DAYS * DAY_MS).toISOString();
  const compute = () => computePortfolio(db, bands, cutoff);
  const portfolio = cache ? cache.answer(`portfolio:${cutoff}:${JSON.stringify(bands)}`, compute) : compute();
  return { computed_at: now.toISOString(), ...portfolio };
}

function computePortfolio(db: TenantDb, bands: health.HealthBands, cutoff: string): Omit<PortfolioHealth, "computed_at"> {
  const bandOf = sql`CASE
    WHEN health_score IS NULL THEN 'unscored'
    WHEN health_score < ${bands.churnRisk} THEN 'churn_risk'
    WHEN health_score < ${bands.atRisk} THEN 'at_risk'
    WHEN health_score <= ${bands.healthy} THEN 'neutral'
    WHEN health_score <= ${bands.champion} THEN 'healthy'
    ELSE 'champion' END`;
  const perBand = db.all<{ band: PortfolioBand; accounts: number; arr: number }>(
    sql`SELECT ${bandOf} AS band, count(*) AS accounts, coalesce(sum(contract_value), 0) AS arr FROM accounts GROUP BY 1`,
  );
  const totals = db.get<{ accounts: number; scored: number; average: number | null; improving: number; stable: number; declining: number }>(sql`
    SELECT count(*) AS accounts, count(health_score) AS scored, avg(health_score) AS average,
      coalesce(sum(health_trend = 'improving'), 0) AS improving,
      coalesce(sum(health_trend = 'stable'), 0) AS stable,
      coalesce(sum(health_trend = 'declining'), 0) AS declining
    FROM accounts`);
  // One index seek per scored account for its score a week ago; materialized once, read twice.
  const movers = db.all<Mover & { direction: "up" | "down" }>(sql`
    WITH changes AS MATERIALIZED (
      SELECT id, name, health_score AS score, previous
      FROM (
        SELECT a.id, a.name, a.health_score,
          (SELECT s.score FROM health_snapshots s
            WHERE s.account_id = a.id AND s.computed_at <= ${cutoff} AND s.score IS NOT NULL
            ORDER BY s.computed_at DESC LIMIT 1) AS previous
        FROM accounts a WHERE a.health_score IS NOT NULL
      ) WHERE previous IS NOT NULL AND health_score != previous
    )
    SELECT * FROM (SELECT 'up' AS direction, id AS client_id, name AS client_name, score, previous AS previous_score, score - previous AS change
      FROM changes WHERE score > previous ORDER BY change DESC, id LIMIT ${MOVERS_SHOWN})
    UNION ALL
    SELECT * FROM (SELECT 'down' AS direction, id AS client_id, name AS client_name, score, previous AS previous_score, score - previous AS change
      FROM changes WHERE score < previous ORDER BY change ASC, id LIMIT ${MOVERS_SHOWN})`);
  const byBand = new Map(perBand.map((row) => [row.band, row]));
  const accounts = totals?.accounts ?? 0;
  const scored = totals?.scored ?? 0;
  const improving = totals?.improving ?? 0;
  const stable = totals?.stable ?? 0;
  const declining = totals?.declining ?? 0;
  const strip = ({ direction: _direction, ...mover }: Mover & { direction: string }): Mover => ({ ...mover, change: round1(mover.change) });
  return {
    accounts,
    scored,
    average_score: totals?.average == null ? null : round1(totals.average),
    bands: PORTFOLIO_BANDS.map((band) => ({ band, accounts: byBand.get(band)?.accounts ?? 0, arr: byBand.get(band)?.arr ?? 0 })),
    arr_at_risk: (byBand.get("churn_risk")?.arr ?? 0) + (byBand.get("at_risk")?.arr ?? 0),
    trends: { improving, stable, declining, unknown: scored - improving - stable - declining },
    mover_window_days: MOVER_WINDOW_DAYS,
    movers_up: movers.filter((m) => m.direction === "up").map(strip),
    movers_down: movers.filter((m) => m.direction === "down").map(strip),
  };
}
