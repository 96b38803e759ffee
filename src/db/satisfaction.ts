import { sql } from "drizzle-orm";
import { feedback, sentiment } from "../analytics";
import type { TenantDb } from "./accounts";

/**
 * Satisfaction over a period, from the survey answers and comments stored in `feedback`,
 * compared with the period of equal length before it. CES answers are stored on the 1–7
 * "how much effort" scale where lower is easier (what the health score reads too).
 */

const DAY_MS = 86_400_000;
export const CES_SCALE = { scaleMax: 7, direction: "lower_is_easier" } as const;
/** Comments read for themes and sentiment; the newest first. */
const MAX_COMMENTS = 2_000;

export interface SatisfactionReport {
  period: { from: string; to: string; previous_from: string };
  nps: feedback.NpsComparison;
  csat: feedback.CsatComparison;
  ces: feedback.CesComparison;
  /** Accounts whose latest NPS answer in the period was 0–6, by ARR. */
  detractors: { client_id: string; client_name: string; arr: number; score: number; answered_at: string }[];
  sentiment: sentiment.SentimentSummary;
  themes: feedback.ThemeReport;
  comments_read: number;
}

function scores(db: TenantDb, kind: "nps" | "csat" | "ces", from: string, to: string, accountId: string | null): number[] {
  const account = accountId ? sql` AND account_id = ${accountId}` : sql``;
  return db
    .all<{ score: number }>(sql`SELECT score FROM feedback WHERE kind = ${kind} AND score IS NOT NULL AND submitted_at >= ${from} AND submitted_at < ${to}${account}`)
    .map((row) => row.score);
}

export function satisfactionReport(db: TenantDb, options: { accountId: string | null; days: number }, now: Date): SatisfactionReport {
  const to = now.toISOString();
  const from = new Date(now.getTime() - options.days * DAY_MS).toISOString();
  const previousFrom = new Date(now.getTime() - 2 * options.days * DAY_MS).toISOString();
  const id = options.accountId;
  const account = id ? sql` AND f.account_id = ${id}` : sql``;
  const detractors = db.all<{ client_id: string; client_name: string; arr: number; score: number; answered_at: string }>(sql`
    SELECT a.id AS client_id, a.name AS client_name, a.contract_value AS arr, f.score, f.submitted_at AS answered_at
    FROM feedback f JOIN accounts a ON a.id = f.account_id
    WHERE f.kind = 'nps' AND f.score IS NOT NULL AND f.submitted_at >= ${from}${account}
      AND f.submitted_at = (SELECT max(g.submitted_at) FROM feedback g WHERE g.account_id = f.account_id AND g.kind = 'nps' AND g.score IS NOT NULL)
      AND f.score <= 6
    ORDER BY a.contract_value DESC LIMIT 25`);
  const comments = db.all<{ id: string; text: string; sentiment: number | null }>(sql`
    SELECT f.id, f.text, f.sentiment FROM feedback f
    WHERE f.text IS NOT NULL AND f.text != '' AND f.submitted_at >= ${from}${account}
    ORDER BY f.submitted_at DESC LIMIT ${MAX_COMMENTS}`);
  const analyze = sentiment.createSentimentAnalyzer();
  const withSentiment = comments.map((c) => ({ id: c.id, text: c.text, sentiment: c.sentiment ?? analyze(c.text).score }));
  return {
    period: { from, to, previous_from: previousFrom },
    nps: feedback.compareNps(scores(db, "nps", from, to, id), scores(db, "nps", previousFrom, from, id)),
    csat: feedback.compareCsat(scores(db, "csat", from, to, id), scores(db, "csat", previousFrom, from, id)),
    ces: feedback.compareCes(scores(db, "ces", from, to, id), scores(db, "ces", previousFrom, from, id), CES_SCALE),
    detractors,
    sentiment: sentiment.summarizeSentiment(withSentiment.map((c) => c.sentiment)),
    themes: feedback.extractThemes(withSentiment),
    comments_read: withSentiment.length,
  };
}
