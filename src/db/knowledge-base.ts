import { and, asc, desc, eq, inArray, sql, type SQL } from "drizzle-orm";
import { AccountError, newId, type TenantDb } from "./accounts";
import { kbArticles, kbArticleVersions, kbVotes } from "./tenant-schema";

/**
 * The knowledge base: articles with every version kept, a draft → published → archived
 * lifecycle, one helpful/not-helpful vote per voter, and ranked search.
 *
 * Ranking (search_articles): for each query term, 3 points per occurrence in the title and 1 per
 * occurrence in the body (at most 5 per term), so a term in the title outweighs a passing
 * mention; articles that match no term are left out. The text score is then weighted by
 * helpfulness: score × (0.5 + smoothed), smoothed = (helpful + 1) / (helpful + not_helpful + 2),
 * so an unvoted article keeps its text score and voters can move it by at most half either way.
 */

export const ARTICLE_STATUSES = ["draft", "published", "archived"] as const;
export type ArticleStatus = (typeof ARTICLE_STATUSES)[number];

type ArticleRow = typeof kbArticles.$inferSelect;

export interface Article {
  article_id: string;
  title: string;
  body: string;
  category: string;
  tags: string[];
  status: ArticleStatus;
  version: number;
  helpful_votes: number;
  not_helpful_votes: number;
  /** helpful / (helpful + not helpful), or 0 without votes (the seed's rule). */
  helpfulness: number;
  published_at: string | null;
  archived_at: string | null;
  created_by: string;
  created_at: string;
  updated_at: string;
}

export interface ArticleVersion {
  version: number;
  title: string;
  body: string;
  category: string;
  tags: string[];
  note: string;
  edited_by: string;
  created_at: string;
}

function helpfulness(helpful: number, notHelpful: number): number {
  const total = helpful + notHelpful;
  return total === 0 ? 0 : Math.round((helpful / total) * 1000) / 1000;
}

function toArticle(row: ArticleRow): Article {
  return {
    article_id: row.id,
    title: row.title,
    body: row.body,
    category: row.category,
    tags: JSON.parse(row.tags) as string[],
    status: row.status,
    version: row.version,
    helpful_votes: row.helpfulVotes,
    not_helpful_votes: row.notHelpfulVotes,
    helpfulness: helpfulness(row.helpfulVotes, row.notHelpfulVotes),
    published_at: row.publishedAt,
    archived_at: row.archivedAt,
    created_by: row.createdBy,
    created_at: row.createdAt,
    updated_at: row.updatedAt,
  };
}

function requireArticle(db: TenantDb, id: string): ArticleRow {
  const row = db.select().from(kbArticles).where(eq(kbArticles.id, id)).get();
  if (!row) throw new AccountError("not_found", `article_id: no article "${id}" in this workspace; search_articles shows the ids.`);
  return row;
}

function normalizeTags(tags: readonly string[]): string[] {
  return [...new Set(tags.map((t) => t.trim().toLowerCase()).filter((t) => t !== ""))];
}

export interface NewArticle {
  title: string;
  body: string;
  category: string;
  tags?: string[];
}

export function createArticle(db: TenantDb, input: NewArticle, actor: string, now = new Date()): Article {
  const at = now.toISOString();
  const row: ArticleRow = {
    id: newId("kb"),
    title: input.title,
    body: input.body,
    category: input.category.trim().toLowerCase(),
    tags: JSON.stringify(normalizeTags(input.tags ?? [])),
    status: "draft",
    version: 1,
    helpfulVotes: 0,
    notHelpfulVotes: 0,
    publishedAt: null,
    archivedAt: null,
    createdBy: actor,
    createdAt: at,
    updatedAt: at,
  };
  db.insert(kbArticles).values(row).run();
  db.insert(kbArticleVersions)
    .values({ articleId: row.id, version: 1, title: row.title, body: row.body, category: row.category, tags: row.tags, note: "First draft", editedBy: actor, createdAt: at })
    .run();
  return toArticle(row);
}

export interface ArticleChanges {
  title?: string;
  body?: string;
  category?: string;
  tags?: string[];
  note?: string;
}

/** A change to the content writes a new version; the status stays (a published article shows the new text at once). */
export function updateArticle(db: TenantDb, id: string, changes: ArticleChanges, actor: string, now = new Date()): { article: Article; changed: string[] } {
  const row = requireArticle(db, id);
  if (row.status === "archived") throw new AccountError("conflict", `article "${id}" is archived (since ${row.archivedAt}); publish_article to restore it before editing.`);
  const next = {
    title: changes.title ?? row.title,
    body: changes.body ?? row.body,
    category: changes.category?.trim().toLowerCase() ?? row.category,
    tags: changes.tags ? JSON.stringify(normalizeTags(changes.tags)) : row.tags,
  };
  const changed = (["title", "body", "category", "tags"] as const).filter((k) => next[k] !== row[k]);
  if (changed.length === 0) return { article: toArticle(row), changed };
  const version = row.version + 1;
  const at = now.toISOString();
  db.update(kbArticles).set({ ...next, version, updatedAt: at }).where(eq(kbArticles.id, id)).run();
  db.insert(kbArticleVersions)
    .values({ articleId: id, version, ...next, note: changes.note ?? `Changed ${changed.join(", ")}`, editedBy: actor, createdAt: at })
    .run();
  return { article: toArticle(requireArticle(db, id)), changed };
}

export function publishArticle(db: TenantDb, id: string, now = new Date()): Article {
  const row = requireArticle(db, id);
  if (row.status === "published") throw new AccountError("conflict", `article "${id}" is already published (version ${row.version}, since ${row.publishedAt}); nothing changed.`);
  const at = now.toISOString();
  db.update(kbArticles).set({ status: "published", publishedAt: at, archivedAt: null, updatedAt: at }).where(eq(kbArticles.id, id)).run();
  return toArticle(requireArticle(db, id));
}

export function archiveArticle(db: TenantDb, id: string, now = new Date()): Article {
  const row = requireArticle(db, id);
  if (row.status === "archived") throw new AccountError("conflict", `article "${id}" is already archived (since ${row.archivedAt}); nothing changed.`);
  const at = now.toISOString();
  db.update(kbArticles).set({ status: "archived", archivedAt: at, updatedAt: at }).where(eq(kbArticles.id, id)).run();
  return toArticle(requireArticle(db, id));
}

/** One vote per voter: voting again replaces the earlier vote. Only published articles take votes. */
export function voteArticle(db: TenantDb, id: string, voter: string, helpful: boolean, now = new Date()): { article: Article; previous_vote: boolean | null } {
  const row = requireArticle(db, id);
  if (row.status !== "published") throw new AccountError("conflict", `article "${id}" is ${row.status}; only published articles take votes.`);
  const previous = db.select({ helpful: kbVotes.helpful }).from(kbVotes).where(and(eq(kbVotes.articleId, id), eq(kbVotes.voter, voter))).get();
  const at = now.toISOString();
  db.insert(kbVotes)
    .values({ articleId: id, voter, helpful, votedAt: at })
    .onConflictDoUpdate({ target: [kbVotes.articleId, kbVotes.voter], set: { helpful, votedAt: at } })
    .run();
  const counts = db
    .select({ yes: sql<number>`coalesce(sum(CASE WHEN ${kbVotes.helpful} THEN 1 ELSE 0 END), 0)`, no: sql<number>`coalesce(sum(CASE WHEN ${kbVotes.helpful} THEN 0 ELSE 1 END), 0)` })
    .from(kbVotes)
    .where(eq(kbVotes.articleId, id))
    .get();
  db.update(kbArticles).set({ helpfulVotes: counts?.yes ?? 0, notHelpfulVotes: counts?.no ?? 0 }).where(eq(kbArticles.id, id)).run();
  return { article: toArticle(requireArticle(db, id)), previous_vote: previous ? previous.helpful : null };
}

export function getArticle(db: TenantDb, id: string): { article: Article; versions: ArticleVersion[] } {
  const row = requireArticle(db, id);
  const versions = db.select().from(kbArticleVersions).where(eq(kbArticleVersions.articleId, id)).orderBy(desc(kbArticleVersions.version)).all();
  return {
    article: toArticle(row),
    versions: versions.map((v) => ({ version: v.version, title: v.title, body: v.body, category: v.category, tags: JSON.parse(v.tags) as string[], note: v.note, edited_by: v.editedBy, created_at: v.createdAt })),
  };
}

// ---- search ------------------------------------------------------------------------------

const STOPWORDS = new Set(["a", "an", "the", "and", "or", "of", "to", "in", "on", "for", "is", "are", "how", "do", "i", "my", "with", "what", "can", "it"]);
/** Articles read per search: the newest-updated matching ones. */
const MAX_CANDIDATES = 2_000;
const BODY_HITS_CAP = 5;
const TITLE_WEIGHT = 3;
const SNIPPET_CHARS = 160;

export function searchTerms(query: string): string[] {
  const words = query.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
  return [...new Set(words.filter((w) => !STOPWORDS.has(w)))];
}

function occurrences(haystack: string, term: string): number {
  const pattern = new RegExp(`(?<![\\p{L}\\p{N}])${term}`, "gu");
  return haystack.match(pattern)?.length ?? 0;
}

function snippet(body: string, terms: readonly string[]): string {
  const lower = body.toLowerCase();
  const hits = terms.map((t) => lower.indexOf(t)).filter((i) => i >= 0);
  const first = hits.length ? Math.min(...hits) : 0;
  const start = Math.max(0, first - 40);
  const end = Math.min(body.length, start + SNIPPET_CHARS);
  return `${start > 0 ? "…" : ""}${body.slice(start, end).replace(/\s+/g, " ").trim()}${end < body.length ? "…" : ""}`;
}

export interface SearchResult {
  article_id: string;
  title: string;
  category: string;
  status: ArticleStatus;
  version: number;
  snippet: string;
  score: number;
  text_score: number;
  helpfulness: number;
  helpful_votes: number;
  not_helpful_votes: number;
  matched_terms: string[];
}

export function searchArticles(db: TenantDb, options: { query: string; category?: string; status: ArticleStatus[]; limit: number }): { terms: string[]; results: SearchResult[]; total_matches: number } {
  const terms = searchTerms(options.query);
  if (terms.length === 0) throw new AccountError("invalid", "query: give at least one word that is not a stop word (e.g. \"export invoices\").");
  const conditions: SQL[] = [inArray(kbArticles.status, options.status)];
  if (options.category) conditions.push(eq(kbArticles.category, options.category.trim().toLowerCase()));
  const anyTerm = terms.map((t) => sql`instr(lower(${kbArticles.title} || ' ' || ${kbArticles.body}), ${t}) > 0`);
  conditions.push(sql`(${sql.join(anyTerm, sql` OR `)})`);
  const rows = db.select().from(kbArticles).where(and(...conditions)).orderBy(desc(kbArticles.updatedAt), asc(kbArticles.id)).limit(MAX_CANDIDATES).all();
  const scored = rows
    .map((row) => {
      const title = row.title.toLowerCase();
      const body = row.body.toLowerCase();
      let text = 0;
      const matched: string[] = [];
      for (const term of terms) {
        const inTitle = occurrences(title, term);
        const inBody = Math.min(occurrences(body, term), BODY_HITS_CAP);
        if (inTitle + inBody > 0) matched.push(term);
        text += TITLE_WEIGHT * inTitle + inBody;
      }
      const smoothed = (row.helpfulVotes + 1) / (row.helpfulVotes + row.notHelpfulVotes + 2);
      return { row, text, matched, score: Math.round(text * (0.5 + smoothed) * 1000) / 1000 };
    })
    .filter((r) => r.text > 0)
    .sort((a, b) => b.score - a.score || b.text - a.text || a.row.id.localeCompare(b.row.id));
  return {
    terms,
    total_matches: scored.length,
    results: scored.slice(0, options.limit).map(({ row, text, matched, score }) => ({
      article_id: row.id,
      title: row.title,
      category: row.category,
      status: row.status,
      version: row.version,
      snippet: snippet(row.body, matched),
      score,
      text_score: text,
      helpfulness: helpfulness(row.helpfulVotes, row.notHelpfulVotes),
      helpful_votes: row.helpfulVotes,
      not_helpful_votes: row.notHelpfulVotes,
      matched_terms: matched,
    })),
  };
}
