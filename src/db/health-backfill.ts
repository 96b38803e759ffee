import { sql } from "drizzle-orm";
import { health } from "../analytics";
import type { TenantDb } from "./accounts";
import { firstTicketAt, healthInputsAsOf } from "./features-as-of";
import { readHealthInputs, scoreAccount } from "./health-model";
import { insertRows } from "./insert-rows";
import { BASELINE_CUTOFF_KEY } from "./portfolio";
import { encodeComponents } from "./snapshot-components";
import { healthSnapshots } from "./tenant-schema";

/**
 * Health history rebuilt from the facts: for every live account, a snapshot every `stepDays`
 * over the last `days`, scored by the tenant's model from the inputs as they stood then
 * (src/db/features-as-of.ts), then today's score with its trend fitted over them. Points before
 * the account was a customer, and from its first stored snapshot on, are left alone, so nothing
 * the engine recorded is rewritten. A call covers one page of accounts (by id, after `after`), so a
 * large workspace is rebuilt over several calls, each a transaction of bounded size.
 */

const DAY_MS = 86_400_000;

/** Rows per insert statement: six bound values each stay far below SQLite's limits as JSON. */
const ROWS_PER_STATEMENT = 500;

export interface BackfillResult {
  accounts: number;
  snapshots: number;
  /** The last account of this page, to pass as `after` for the next; null after the last page. */
  next: string | null;
}

export interface BackfillPage {
  days: number;
  stepDays: number;
  /** Accounts with ids after this one ("" for the first page). */
  after: string;
  limit: number;
}

/** The page's result, and the accounts it rescored (whose cached scores must be rewritten). */
export function backfillHealthHistory(db: TenantDb, config: health.HealthConfig, now: Date, page: BackfillPage): BackfillResult & { accountIds: string[] } {
  const { days, stepDays, after, limit } = page;
  // An account is a customer from its contract's start, whenever its record was made (an import
  // makes records today for customers of years): scores go back to the earlier of the two.
  const live = db.all<{ id: string; tier: string; since: string; first_snapshot: string | null }>(sql`
    SELECT a.id, a.tier, min(a.created_at, a.contract_start_date) AS since, (SELECT min(computed_at) FROM health_snapshots s WHERE s.account_id = a.id) AS first_snapshot
    FROM accounts a WHERE a.status != 'churned' AND a.id > ${after} ORDER BY a.id LIMIT ${limit}`);
  const rows: (typeof healthSnapshots.$inferInsert)[] = [];
  const ticketsSince = firstTicketAt(db);
  for (const account of live) {
    const context = { today: readHealthInputs(db, account.id), firstTicketAt: ticketsSince };
    const from = Math.max(Date.parse(account.since), now.getTime() - days * DAY_MS);
    const until = account.first_snapshot ? Date.parse(account.first_snapshot) : now.getTime();
    for (let back = days; back >= stepDays; back -= stepDays) {
      const at = new Date(now.getTime() - back * DAY_MS);
      if (at.getTime() < from || at.getTime() >= until) continue;
      const result = health.scoreHealth(healthInputsAsOf(db, account.id, at, context), config, { segment: account.tier });
      if (result.score === null) continue;
      rows.push({ accountId: account.id, computedAt: at.toISOString(), score: result.score, band: result.band, coverage: result.coverage, components: encodeComponents(result.components) });
    }
  }
  for (let start = 0; start < rows.length; start += ROWS_PER_STATEMENT) insertRows(db, healthSnapshots, rows.slice(start, start + ROWS_PER_STATEMENT));
  // The movers' baseline assumes no snapshot is ever stamped in the past; these are: take it again.
  if (rows.length > 0) db.run(sql`DELETE FROM settings WHERE key = ${BASELINE_CUTOFF_KEY}`);
  // Today's score again for the accounts that gained a past, now with a trend to fit.
  const rescored = [...new Set(rows.map((row) => row.accountId))];
  for (const id of rescored) scoreAccount(db, id, config, now);
  const next = live.length === limit ? (live.at(-1)?.id ?? null) : null;
  return { accounts: live.length, snapshots: rows.length, next, accountIds: rescored };
}
