import { sql } from "drizzle-orm";
import { feedback as fb, sentiment } from "../analytics";
import { AccountError, appendEvent, newId, requireAccount, type TenantDb } from "./accounts";
import { decodePairCursor, keysetPage } from "./keyset-cursor";
import { cohortAccounts, engine, periods, type AccountFilter, type RevenueGranularity } from "./revenue";
import { CES_SCALE } from "./satisfaction";
import { cohorts } from "../analytics";
import { feedback, productInsightFeedback, productInsights } from "./tenant-schema";

/**
 * Feedback intelligence: collecting feedback (score checked per kind, sentiment computed on
 * write), listing it, themes and sentiment over a period against the previous one, feature
 * requests ranked by the ARR asking for them, product insights linked to the feedback behind
 * them, the voice-of-customer report, and the CS metrics by period and tier.
 */

const DAY_MS = 86_400_000;
/** Comments read per period for themes and sentiment, newest first. */
const MAX_COMMENTS = 5_000;

export const FEEDBACK_KINDS = ["nps", "csat", "ces", "feature_request", "bug", "comment"] as const;
export type FeedbackKind = (typeof FEEDBACK_KINDS)[number];
export const INSIGHT_CATEGORIES = ["feature_request", "bug", "usability", "performance", "integration", "other"] as const;
export const INSIGHT_STATUSES = ["new", "planned", "in_progress", "shipped", "declined"] as const;

/** Score range per survey kind; free-form kinds take no score. */
export const SCORE_RANGE: Record<FeedbackKind, { min: number; max: number } | null> = {
  nps: { min: 0, max: 10 },
  csat: { min: 1, max: 5 },
  ces: { min: 1, max: 7 },
  feature_request: null,
  bug: null,
  comment: null,
};

function round3(value: number): number {
  return Math.round(value * 1000) / 1000;
}

function round1(value: number): number {
  return Math.round(value * 10) / 10;
}

export interface NewFeedback {
  client_id: string;
  kind: FeedbackKind;
  score?: number;
  text?: string;
  contact_id?: string;
  source: string;
  submitted_at?: string;
  external_id?: string;
}

export interface FeedbackItem {
  feedback_id: string;
  client_id: string;
  client_name: string;
  contact_id: string | null;
  kind: FeedbackKind;
  score: number | null;
  text: string | null;
  sentiment: number | null;
  sentiment_label: sentiment.SentimentLabel | null;
  source: string;
  submitted_at: string;
}

interface FeedbackRow {
  id: string;
  account_id: string;
  name: string;
  contact_id: string | null;
  kind: FeedbackKind;
  score: number | null;
  text: string | null;
  sentiment: number | null;
  source: string;
  submitted_at: string;
}

function toItem(row: FeedbackRow): FeedbackItem {
  return {
    feedback_id: row.id,
    client_id: row.account_id,
    client_name: row.name,
    contact_id: row.contact_id,
    kind: row.kind,
    score: row.score,
    text: row.text,
    sentiment: row.sentiment,
    sentiment_label: row.sentiment === null ? null : sentiment.sentimentLabel(row.sentiment),
    source: row.source,
    submitted_at: row.submitted_at,
  };
}

/** Checks the score against the kind; refusals name the field and the accepted range. */
export function checkScore(kind: FeedbackKind, score: number | undefined, text: string | undefined): void {
  const range = SCORE_RANGE[kind];
  if (range) {
    if (score === undefined) throw new AccountError("invalid", `score: a ${kind} answer needs a score, a whole number from ${range.min} to ${range.max}.`);
    if (!Number.isInteger(score) || score < range.min || score > range.max) {
      throw new AccountError("invalid", `score: ${score} is not a valid ${kind} score; send a whole number from ${range.min} to ${range.max}${kind === "ces" ? " (1 = very easy, 7 = very hard)" : ""}.`);
    }
  } else {
    if (score !== undefined) throw new AccountError("invalid", `score: a ${kind} takes no score; leave score out and put the feedback in text.`);
    if (!text || text.trim() === "") throw new AccountError("invalid", `text: a ${kind} needs text saying what the customer asked for or reported.`);
  }
}

export function insertFeedback(db: TenantDb, input: NewFeedback, actor: string, now: Date): FeedbackItem {
  const account = requireAccount(db, input.client_id, now);
  checkScore(input.kind, input.score, input.text);
  if (input.contact_id) {
    const contact = db.get<{ account_id: string }>(sql`SELECT account_id FROM contacts WHERE id = ${input.contact_id}`);
    if (!contact || contact.account_id !== input.client_id) {
      throw new AccountError("not_found", `contact_id: no contact ${input.contact_id} on client ${input.client_id}; leave contact_id out or use one of its contacts.`);
    }
  }
  if (input.external_id) {
    const clash = db.get<{ id: string }>(sql`SELECT id FROM feedback WHERE external_id = ${input.external_id}`);
    if (clash) throw new AccountError("conflict", `external_id: ${input.external_id} was already recorded as ${clash.id}; it is not stored twice.`);
  }
  const submittedAt = input.submitted_at ?? now.toISOString();
  if (Date.parse(submittedAt) > now.getTime() + 60_000) throw new AccountError("invalid", "submitted_at: is in the future; give when the customer answered.");
  const text = input.text?.trim() ? input.text.trim() : null;
  const score = text === null ? null : sentiment.analyzeSentiment(text).score;
  const row: FeedbackRow = {
    id: newId("fb"),
    account_id: input.client_id,
    name: account.client_name,
    contact_id: input.contact_id ?? null,
    kind: input.kind,
    score: input.score ?? null,
    text,
    sentiment: score === null ? null : round3(score),
    source: input.source,
    submitted_at: submittedAt,
  };
  db.insert(feedback)
    .values({
      id: row.id,
      accountId: row.account_id,
      contactId: row.contact_id,
      externalId: input.external_id ?? null,
      kind: row.kind,
      score: row.score,
      text: row.text,
      sentiment: row.sentiment,
      source: row.source,
      submittedAt: row.submitted_at,
    })
    .run();
  const label = row.score === null ? input.kind.replace("_", " ") : `${input.kind.toUpperCase()} ${row.score}`;
  const negative = (input.kind === "nps" && (row.score ?? 10) <= 6) || input.kind === "bug" || (row.sentiment ?? 0) < -0.2;
  const positive = (input.kind === "nps" && (row.score ?? 0) >= 9) || (row.sentiment ?? 0) > 0.2;
  appendEvent(
    db,
    input.client_id,
    actor,
    {
      event_type: input.kind === "feature_request" || input.kind === "bug" ? "product" : "communication",
      title: `Feedback: ${label}`,
      description: text ? text.slice(0, 280) : `${label} from ${input.source}`,
      impact: negative ? "negative" : positive ? "positive" : "neutral",
      metadata: { feedback_id: row.id, kind: input.kind, score: row.score },
      occurred_at: submittedAt,
    },
    now,
  );
  return toItem(row);
}

export interface FeedbackQuery {
  client_id?: string;
  kind?: FeedbackKind;
  from?: string;
  to?: string;
  sentiment?: "negative" | "neutral" | "positive";
  limit: number;
  cursor?: string;
}

export function listFeedback(db: TenantDb, query: FeedbackQuery): { feedback: FeedbackItem[]; next_cursor: string | null } {
  const parts = [sql`1 = 1`];
  if (query.client_id) parts.push(sql`f.account_id = ${query.client_id}`);
  if (query.kind) parts.push(sql`f.kind = ${query.kind}`);
  if (query.from) parts.push(sql`f.submitted_at >= ${query.from}`);
  if (query.to) parts.push(sql`f.submitted_at < ${query.to}`);
  // The engine's label cut-offs: negative and very negative below −0.2, positive and very positive from 0.2.
  const { positive, neutral } = sentiment.SENTIMENT_LABEL_CUTOFFS;
  if (query.sentiment === "negative") parts.push(sql`f.sentiment < ${neutral}`);
  if (query.sentiment === "positive") parts.push(sql`f.sentiment >= ${positive}`);
  if (query.sentiment === "neutral") parts.push(sql`f.sentiment >= ${neutral} AND f.sentiment < ${positive}`);
  if (query.cursor) {
    const [at, id] = decodePairCursor(query.cursor);
    parts.push(sql`(f.submitted_at < ${at} OR (f.submitted_at = ${at} AND f.id < ${id}))`);
  }
  const rows = db.all<FeedbackRow>(sql`
    SELECT f.id, f.account_id, a.name, f.contact_id, f.kind, f.score, f.text, f.sentiment, f.source, f.submitted_at
    FROM feedback f JOIN accounts a ON a.id = f.account_id
    WHERE ${sql.join(parts, sql` AND `)}
    ORDER BY f.submitted_at DESC, f.id DESC LIMIT ${query.limit + 1}`);
  const { page, next_cursor } = keysetPage(rows, query.limit, (row) => [row.submitted_at, row.id]);
  return { feedback: page.map(toItem), next_cursor };
}

// ---------------------------------------------------------------- insights

interface Comment {
  id: string;
  account_id: string;
  kind: FeedbackKind;
  text: string;
  sentiment: number | null;
  arr: number;
}

function comments(db: TenantDb, from: string, to: string, filter: AccountFilter & { accountId?: string }, kinds?: readonly FeedbackKind[]): Comment[] {
  const account = filter.accountId ? sql` AND f.account_id = ${filter.accountId}` : sql``;
  const tier = filter.tier ? sql` AND a.tier = ${filter.tier}` : sql``;
  const csm = filter.csm ? sql` AND a.csm_assigned = ${filter.csm}` : sql``;
  const kind = kinds ? sql` AND f.kind IN (SELECT value FROM json_each(${JSON.stringify(kinds)}))` : sql``;
  return db.all<Comment>(sql`
    SELECT f.id, f.account_id, f.kind, f.text, f.sentiment, a.contract_value AS arr
    FROM feedback f JOIN accounts a ON a.id = f.account_id
    WHERE f.text IS NOT NULL AND f.text != '' AND f.submitted_at >= ${from} AND f.submitted_at < ${to}${account}${tier}${csm}${kind}
    ORDER BY f.submitted_at DESC LIMIT ${MAX_COMMENTS}`);
}

function withSentiment(list: Comment[]): (Comment & { sentiment: number })[] {
  const analyze = sentiment.createSentimentAnalyzer();
  return list.map((c) => ({ ...c, sentiment: c.sentiment ?? analyze(c.text).score }));
}

/** Themes with every supporting id (the engine keeps examples; here all are kept). */
function themesOf(list: (Comment & { sentiment: number })[]): fb.ThemeReport {
  return fb.extractThemes(
    list.map((c) => ({ id: c.id, text: c.text, sentiment: c.sentiment })),
    { maxExamples: MAX_COMMENTS },
  );
}

export interface ThemeInsight {
  theme: string;
  source: "lexicon" | "emergent";
  comments: number;
  previous_comments: number;
  change: number;
  share: number;
  average_sentiment: number;
  previous_average_sentiment: number | null;
  critical: boolean;
  severity: "high" | "medium" | null;
  accounts: number;
  arr: number;
  feedback_ids: string[];
}

export interface RequestInsight {
  theme: string;
  requests: number;
  accounts: number;
  /** Σ ARR of the distinct accounts asking. */
  arr: number;
  client_ids: string[];
  feedback_ids: string[];
}

export interface FeedbackInsights {
  period: { from: string; to: string; previous_from: string; days: number };
  volume: { current: Record<string, number>; previous: Record<string, number> };
  sentiment: {
    current: { comments: number; mean: number | null; label: string | null; counts: Record<string, number> };
    previous: { comments: number; mean: number | null; label: string | null; counts: Record<string, number> };
    delta: number | null;
  };
  themes: ThemeInsight[];
  feature_requests: RequestInsight[];
  bugs: RequestInsight[];
}

function volume(db: TenantDb, from: string, to: string, filter: AccountFilter & { accountId?: string }): Record<string, number> {
  const account = filter.accountId ? sql` AND f.account_id = ${filter.accountId}` : sql``;
  const tier = filter.tier ? sql` AND a.tier = ${filter.tier}` : sql``;
  const csm = filter.csm ? sql` AND a.csm_assigned = ${filter.csm}` : sql``;
  const rows = db.all<{ kind: string; n: number }>(sql`
    SELECT f.kind, count(*) AS n FROM feedback f JOIN accounts a ON a.id = f.account_id
    WHERE f.submitted_at >= ${from} AND f.submitted_at < ${to}${account}${tier}${csm} GROUP BY f.kind`);
  const out: Record<string, number> = Object.fromEntries(FEEDBACK_KINDS.map((k) => [k, 0]));
  for (const r of rows) out[r.kind] = r.n;
  return out;
}

function summary(scores: number[]) {
  const s = sentiment.summarizeSentiment(scores);
  return { comments: s.count, mean: s.mean === null ? null : round3(s.mean), label: s.label, counts: s.counts };
}

/** Groups requests by theme and ranks them by the ARR of the distinct accounts asking. */
function rankRequests(list: (Comment & { sentiment: number })[]): RequestInsight[] {
  const byId = new Map(list.map((c) => [c.id, c]));
  return themesOf(list)
    .themes.map((t) => {
      const ids = t.exampleCommentIds;
      const accounts = new Map<string, number>();
      for (const id of ids) {
        const c = byId.get(id);
        if (c) accounts.set(c.account_id, c.arr);
      }
      return {
        theme: t.theme,
        requests: ids.length,
        accounts: accounts.size,
        arr: [...accounts.values()].reduce((s, v) => s + v, 0),
        client_ids: [...accounts.keys()].sort(),
        feedback_ids: ids,
      };
    })
    .sort((a, b) => b.arr - a.arr || b.requests - a.requests || a.theme.localeCompare(b.theme));
}

export function feedbackInsights(db: TenantDb, options: AccountFilter & { accountId?: string; days: number; limit: number }, now: Date): FeedbackInsights {
  const to = now.toISOString();
  const from = new Date(now.getTime() - options.days * DAY_MS).toISOString();
  const previousFrom = new Date(now.getTime() - 2 * options.days * DAY_MS).toISOString();
  const current = withSentiment(comments(db, from, to, options));
  const previous = withSentiment(comments(db, previousFrom, from, options));
  const currentThemes = themesOf(current);
  const previousThemes = new Map(themesOf(previous).themes.map((t) => [t.theme, t]));
  const byId = new Map(current.map((c) => [c.id, c]));
  const themes = currentThemes.themes.slice(0, options.limit).map((t): ThemeInsight => {
    const before = previousThemes.get(t.theme);
    const accounts = new Map<string, number>();
    for (const id of t.exampleCommentIds) {
      const c = byId.get(id);
      if (c) accounts.set(c.account_id, c.arr);
    }
    return {
      theme: t.theme,
      source: t.source,
      comments: t.comments,
      previous_comments: before?.comments ?? 0,
      change: t.comments - (before?.comments ?? 0),
      share: round3(t.share),
      average_sentiment: round3(t.averageSentiment),
      previous_average_sentiment: before ? round3(before.averageSentiment) : null,
      critical: t.critical,
      severity: t.severity,
      accounts: accounts.size,
      arr: [...accounts.values()].reduce((s, v) => s + v, 0),
      feedback_ids: t.exampleCommentIds,
    };
  });
  const cur = summary(current.map((c) => c.sentiment));
  const prev = summary(previous.map((c) => c.sentiment));
  return {
    period: { from, to, previous_from: previousFrom, days: options.days },
    volume: { current: volume(db, from, to, options), previous: volume(db, previousFrom, from, options) },
    sentiment: { current: cur, previous: prev, delta: cur.mean !== null && prev.mean !== null ? round3(cur.mean - prev.mean) : null },
    themes,
    feature_requests: rankRequests(current.filter((c) => c.kind === "feature_request")).slice(0, options.limit),
    bugs: rankRequests(current.filter((c) => c.kind === "bug")).slice(0, options.limit),
  };
}

// ---------------------------------------------------------------- product insights

export interface NewInsight {
  title: string;
  description: string;
  category: (typeof INSIGHT_CATEGORIES)[number];
  status: (typeof INSIGHT_STATUSES)[number];
  theme?: string;
  feedback_ids: string[];
}

export interface ProductInsight {
  insight_id: string;
  title: string;
  description: string;
  category: string;
  status: string;
  priority: string | null;
  theme: string | null;
  created_by: string;
  created_at: string;
  feedback_ids: string[];
  accounts: number;
  /** Σ ARR of the distinct accounts behind the supporting feedback, as of now. */
  arr: number;
}

export function insightSupport(db: TenantDb, id: string): { feedback_ids: string[]; accounts: number; arr: number } {
  const rows = db.all<{ feedback_id: string; account_id: string; arr: number }>(sql`
    SELECT l.feedback_id, f.account_id, a.contract_value AS arr FROM product_insight_feedback l
    JOIN feedback f ON f.id = l.feedback_id JOIN accounts a ON a.id = f.account_id
    WHERE l.insight_id = ${id} ORDER BY l.feedback_id`);
  const accounts = new Map(rows.map((r) => [r.account_id, r.arr]));
  return { feedback_ids: rows.map((r) => r.feedback_id), accounts: accounts.size, arr: [...accounts.values()].reduce((s, v) => s + v, 0) };
}

export function createInsight(db: TenantDb, input: NewInsight, actor: string, now: Date): ProductInsight {
  const ids = [...new Set(input.feedback_ids)];
  const found = new Set(
    db.all<{ id: string }>(sql`SELECT id FROM feedback WHERE id IN (SELECT value FROM json_each(${JSON.stringify(ids)}))`).map((r) => r.id),
  );
  const missing = ids.findIndex((id) => !found.has(id));
  if (missing >= 0) {
    throw new AccountError("not_found", `feedback_ids[${missing}]: no feedback ${ids[missing]} in this workspace; list_feedback or get_feedback_insights shows the ids.`);
  }
  const id = newId("ins");
  const at = now.toISOString();
  db.insert(productInsights)
    .values({ id, title: input.title, description: input.description, category: input.category, status: input.status, theme: input.theme ?? null, createdBy: actor, createdAt: at, updatedAt: at })
    .run();
  db.insert(productInsightFeedback)
    .values(ids.map((feedbackId) => ({ id: newId("ifb"), insightId: id, feedbackId })))
    .run();
  return {
    insight_id: id,
    title: input.title,
    description: input.description,
    category: input.category,
    status: input.status,
    priority: null,
    theme: input.theme ?? null,
    created_by: actor,
    created_at: at,
    ...insightSupport(db, id),
  };
}

export function listInsights(
  db: TenantDb,
  query: { status?: string; category?: string; client_id?: string; limit: number },
): ProductInsight[] {
  const parts = [sql`1 = 1`];
  if (query.status) parts.push(sql`status = ${query.status}`);
  if (query.category) parts.push(sql`category = ${query.category}`);
  if (query.client_id) {
    parts.push(sql`id IN (SELECT l.insight_id FROM product_insight_feedback l JOIN feedback f ON f.id = l.feedback_id WHERE f.account_id = ${query.client_id})`);
  }
  const rows = db.all<{ id: string; title: string; description: string; category: string; status: string; priority: string | null; theme: string | null; created_by: string; created_at: string }>(sql`
    SELECT id, title, description, category, status, priority, theme, created_by, created_at FROM product_insights WHERE ${sql.join(parts, sql` AND `)}`);
  return rows
    .map((r) => ({ insight_id: r.id, title: r.title, description: r.description, category: r.category, status: r.status, priority: r.priority, theme: r.theme, created_by: r.created_by, created_at: r.created_at, ...insightSupport(db, r.id) }))
    .sort((a, b) => b.arr - a.arr || b.feedback_ids.length - a.feedback_ids.length || a.insight_id.localeCompare(b.insight_id))
    .slice(0, query.limit);
}

// ---------------------------------------------------------------- CS metrics

function surveyScores(db: TenantDb, kind: "nps" | "csat" | "ces", from: string, to: string, tier: string | null): number[] {
  const t = tier ? sql` AND a.tier = ${tier}` : sql``;
  return db
    .all<{ score: number }>(sql`
      SELECT f.score FROM feedback f JOIN accounts a ON a.id = f.account_id
      WHERE f.kind = ${kind} AND f.score IS NOT NULL AND f.submitted_at >= ${from} AND f.submitted_at < ${to}${t}`)
    .map((r) => r.score);
}

/**
 * Days from each account's start to its first day with active users, for accounts starting in
 * [from, to); the median over those that reached it, and how many have not yet. Only accounts
 * that started once the workspace's usage history had begun count: for an account that started
 * before usage was tracked, the first day seen is when tracking began, not when it found value,
 * so it is reported as `untracked` rather than guessed.
 */
function timeToValue(
  db: TenantDb,
  from: string,
  to: string,
  tier: string | null,
): { accounts: number; reached: number; median_days: number | null; untracked: number } {
  const t = tier ? sql` AND a.tier = ${tier}` : sql``;
  const historyStart = db.get<{ day: string | null }>(sql`SELECT min(day) AS day FROM usage_daily`)?.day ?? null;
  const rows = db.all<{ start: string; first: string | null }>(sql`
    SELECT a.contract_start_date AS start,
      (SELECT min(u.day) FROM usage_daily u WHERE u.account_id = a.id AND u.active_users > 0 AND u.day >= a.contract_start_date) AS first
    FROM accounts a WHERE a.contract_start_date >= ${from.slice(0, 10)} AND a.contract_start_date < ${to.slice(0, 10)}${t}`);
  const tracked = rows.filter((r) => historyStart !== null && r.start >= historyStart);
  const days = tracked
    .filter((r): r is { start: string; first: string } => r.first !== null)
    .map((r) => Math.round((Date.parse(r.first) - Date.parse(r.start)) / DAY_MS))
    .sort((a, b) => a - b);
  const n = days.length;
  const median = n === 0 ? null : n % 2 ? (days[(n - 1) / 2] as number) : ((days[n / 2 - 1] as number) + (days[n / 2] as number)) / 2;
  return { accounts: tracked.length, reached: n, median_days: median, untracked: rows.length - tracked.length };
}

export interface MetricsRow {
  period: string;
  from: string;
  to: string;
  segment: string;
  nrr: number | null;
  grr: number | null;
  logo_churn_rate: number | null;
  starting_customers: number;
  churned_customers: number;
  starting_arr: number;
  expansion_arr: number;
  contraction_arr: number;
  churned_arr: number;
  nps: number | null;
  nps_responses: number;
  csat_percent: number | null;
  ces_mean: number | null;
  time_to_value: { accounts: number; reached: number; median_days: number | null; untracked: number };
}

export function csMetrics(db: TenantDb, options: { granularity: RevenueGranularity; periods: number; by: "all" | "tier" }, now: Date): MetricsRow[] {
  const accounts = cohortAccounts(db, {});
  const segments: (string | null)[] = options.by === "tier" ? ["starter", "standard", "professional", "enterprise"] : [null];
  const out: MetricsRow[] = [];
  for (const p of periods(options.granularity, options.periods, now)) {
    const from = p.from.toISOString();
    const to = p.to.toISOString();
    for (const segment of segments) {
      const members = segment === null ? accounts : accounts.filter((a) => a.tier === segment);
      const r = engine(() => cohorts.revenueRetention(members, { from: p.from, to: p.to }));
      const nps = surveyScores(db, "nps", from, to, segment);
      const csat = surveyScores(db, "csat", from, to, segment);
      const ces = surveyScores(db, "ces", from, to, segment);
      out.push({
        period: p.label,
        from,
        to,
        segment: segment ?? "all",
        nrr: r.netRevenueRetention === null ? null : round3(r.netRevenueRetention),
        grr: r.grossRevenueRetention === null ? null : round3(r.grossRevenueRetention),
        logo_churn_rate: r.logoRetention === null ? null : round3(1 - r.logoRetention),
        starting_customers: r.startingCustomers,
        churned_customers: r.startingCustomers - r.retainedCustomers,
        starting_arr: r.startingArr,
        expansion_arr: r.expansionArr,
        contraction_arr: r.contractionArr,
        churned_arr: r.churnedArr,
        nps: nps.length ? round1(fb.computeNps(nps).score as number) : null,
        nps_responses: nps.length,
        csat_percent: csat.length ? round1(fb.computeCsat(csat).percentSatisfied as number) : null,
        ces_mean: ces.length ? round1(fb.computeCes(ces, CES_SCALE).mean as number) : null,
        time_to_value: timeToValue(db, from, to, segment),
      });
    }
  }
  return out;
}
