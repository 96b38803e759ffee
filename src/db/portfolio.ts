import { sql } from "drizzle-orm";
import type { health } from "../analytics";
import type { TenantDb } from "./accounts";
import type { ReadCache } from "./read-cache";
import { settings } from "./tenant-schema";

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

/** The settings key holding the cutoff that accounts.health_baseline_score was taken at. */
export const BASELINE_CUTOFF_KEY = "health.movers_baseline_cutoff";

/**
 * Makes accounts.health_baseline_score each account's last score at `cutoff`, unless it already
 * is. The cutoff moves once a day, and snapshots at or before it never change afterwards (they
 * are append-only and new ones are stamped now; a restore brings the column and this setting
 * back together; a history rebuild, which stamps them in the past, drops this setting), so this
 * is one pass of a snapshot lookup per account a day, instead of one per account on every
 * portfolio question.
 */
export function ensureMoversBaseline(db: TenantDb, cutoff: string, now = new Date()): void {
  const current = db.get<{ value: string }>(sql`SELECT value FROM settings WHERE key = ${BASELINE_CUTOFF_KEY}`)?.value;
  if (current === cutoff) return;
  db.transaction((tx) => {
    tx.run(sql`UPDATE accounts SET health_baseline_score = (
      SELECT s.score FROM health_snapshots s
      WHERE s.account_id = accounts.id AND s.computed_at <= ${cutoff} AND s.score IS NOT NULL
      ORDER BY s.computed_at DESC LIMIT 1)`);
    tx.insert(settings)
      .values({ key: BASELINE_CUTOFF_KEY, value: cutoff, updatedBy: "system", updatedAt: now.toISOString() })
      .onConflictDoUpdate({ target: settings.key, set: { value: cutoff, updatedAt: now.toISOString() } })
      .run();
  });
}

/** 00:00 UTC `MOVER_WINDOW_DAYS` days before `now`: what the movers compare with. */
export function moversCutoff(now: Date): string {
  return new Date(Math.floor(now.getTime() / DAY_MS) * DAY_MS - MOVER_WINDOW_DAYS * DAY_MS).toISOString();
}

/**
 * The portfolio now. The movers compare with the scores as they stood at 00:00 UTC
 * MOVER_WINDOW_DAYS days ago, so the answer changes only with the data or the date: with a
 * ReadCache, asking again the same day with nothing changed costs no rescan.
 */
export function portfolioHealth(db: TenantDb, bands: health.HealthBands, now = new Date(), cache?: ReadCache): PortfolioHealth {
  const cutoff = moversCutoff(now);
  const compute = () => {
    ensureMoversBaseline(db, cutoff, now);
    return computePortfolio(db, bands);
  };
  const portfolio = cache ? cache.answer(`portfolio:${cutoff}:${JSON.stringify(bands)}`, compute) : compute();
  return { computed_at: now.toISOString(), ...portfolio };
}

function computePortfolio(db: TenantDb, bands: health.HealthBands): Omit<PortfolioHealth, "computed_at"> {
  const bandOf = sql`CASE
    WHEN health_score IS NULL THEN 'unscored'
    WHEN health_score < ${bands.churnRisk} THEN 'churn_risk'
    WHEN health_score < ${bands.atRisk} THEN 'at_risk'
    WHEN health_score <= ${bands.healthy} THEN 'neutral'
    WHEN health_score <= ${bands.champion} THEN 'healthy'
    ELSE 'champion' END`;
  // One scan of the accounts for the bands, the average and the trends together.
  const perBand = db.all<{ band: PortfolioBand; accounts: number; arr: number; score_sum: number | null; improving: number; stable: number; declining: number }>(sql`
    SELECT ${bandOf} AS band, count(*) AS accounts, coalesce(sum(contract_value), 0) AS arr, sum(health_score) AS score_sum,
      coalesce(sum(health_trend = 'improving'), 0) AS improving,
      coalesce(sum(health_trend = 'stable'), 0) AS stable,
      coalesce(sum(health_trend = 'declining'), 0) AS declining
    FROM accounts GROUP BY 1`);
  const movers = db.all<Mover & { direction: "up" | "down" }>(sql`
    SELECT * FROM (SELECT 'up' AS direction, id AS client_id, name AS client_name, health_score AS score, health_baseline_score AS previous_score,
        health_score - health_baseline_score AS change
      FROM accounts WHERE health_score > health_baseline_score ORDER BY change DESC, id LIMIT ${MOVERS_SHOWN})
    UNION ALL
    SELECT * FROM (SELECT 'down' AS direction, id AS client_id, name AS client_name, health_score AS score, health_baseline_score AS previous_score,
        health_score - health_baseline_score AS change
      FROM accounts WHERE health_score < health_baseline_score ORDER BY change ASC, id LIMIT ${MOVERS_SHOWN})`);
  const sum = (pick: (row: (typeof perBand)[number]) => number | null) => perBand.reduce((total, row) => total + (pick(row) ?? 0), 0);
  const totals = {
    accounts: sum((row) => row.accounts),
    scored: sum((row) => (row.band === "unscored" ? 0 : row.accounts)),
    scoreSum: sum((row) => row.score_sum),
    improving: sum((row) => row.improving),
    stable: sum((row) => row.stable),
    declining: sum((row) => row.declining),
  };
  const byBand = new Map(perBand.map((row) => [row.band, row]));
  const { accounts, scored, improving, stable, declining } = totals;
  const strip = ({ direction: _direction, ...mover }: Mover & { direction: string }): Mover => ({ ...mover, change: round1(mover.change) });
  return {
    accounts,
    scored,
    average_score: scored === 0 ? null : round1(totals.scoreSum / scored),
    bands: PORTFOLIO_BANDS.map((band) => ({ band, accounts: byBand.get(band)?.accounts ?? 0, arr: byBand.get(band)?.arr ?? 0 })),
    arr_at_risk: (byBand.get("churn_risk")?.arr ?? 0) + (byBand.get("at_risk")?.arr ?? 0),
    trends: { improving, stable, declining, unknown: scored - improving - stable - declining },
    mover_window_days: MOVER_WINDOW_DAYS,
    movers_up: movers.filter((m) => m.direction === "up").map(strip),
    movers_down: movers.filter((m) => m.direction === "down").map(strip),
  };
}
