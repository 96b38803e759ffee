import { beforeAll, describe, expect, it } from "vitest";
import { apiCall, callTool, tokenFor } from "./support/worker";
import { newTeam, ok, refused, type Team } from "./support/work";

interface Article {
  article_id: string;
  title: string;
  body: string;
  status: string;
  version: number;
  tags: string[];
  category: string;
  helpful_votes: number;
  not_helpful_votes: number;
  helpfulness: number;
  published_at: string | null;
}
interface Result {
  article_id: string;
  title: string;
  snippet: string;
  score: number;
  text_score: number;
  matched_terms: string[];
}
interface Search {
  terms: string[];
  total_matches: number;
  results: Result[];
}

let team: Team;

async function article(token: string, title: string, body: string, publish = true, extra: Record<string, unknown> = {}): Promise<Article> {
  const created = (await ok<{ article: Article }>(token, "create_article", { title, body, ...extra })).article;
  if (!publish) return created;
  return (await ok<{ article: Article }>(token, "publish_article", { article_id: created.article_id })).article;
}

beforeAll(async () => {
  team = await newTeam("KB Co");
});

describe("articles", () => {
  it("keeps every version, and answers nonsense lifecycle moves with the current state", async () => {
    const created = (await ok<{ article: Article }>(team.token, "create_article", { title: "Set up SSO", body: "Step one.", category: "Security", tags: ["SSO", "sso", " login "] })).article;
    expect(created).toMatchObject({ status: "draft", version: 1, category: "security", tags: ["sso", "login"], helpfulness: 0 });
    const id = created.article_id;

    const edited = await ok<{ article: Article; changed_fields: string[] }>(team.token, "update_article", { article_id: id, body: "Step one. Step two.", note: "Added step two" });
    expect(edited.changed_fields).toEqual(["body"]);
    expect(edited.article.version).toBe(2);
    const same = await ok<{ article: Article; changed_fields: string[] }>(team.token, "update_article", { article_id: id, body: "Step one. Step two." });
    expect(same.changed_fields).toEqual([]);
    expect(same.article.version).toBe(2);

    const published = (await ok<{ article: Article }>(team.token, "publish_article", { article_id: id })).article;
    expect(published.status).toBe("published");
    expect(published.published_at).not.toBeNull();
    expect(await refused(team.token, "publish_article", { article_id: id })).toContain("is already published (version 2");
    // Editing a published article writes version 3 and keeps it published.
    const v3 = await ok<{ article: Article }>(team.token, "update_article", { article_id: id, title: "Set up single sign-on" });
    expect(v3.article).toMatchObject({ version: 3, status: "published", title: "Set up single sign-on" });

    const full = await ok<{ article: Article; versions: { version: number; title: string; body: string; note: string }[] }>(team.token, "get_article", { article_id: id });
    expect(full.versions.map((v) => [v.version, v.title, v.body])).toEqual([
      [3, "Set up single sign-on", "Step one. Step two."],
      [2, "Set up SSO", "Step one. Step two."],
      [1, "Set up SSO", "Step one."],
    ]);
    expect(full.versions[1]?.note).toBe("Added step two");

    expect((await ok<{ article: Article }>(team.token, "archive_article", { article_id: id })).article.status).toBe("archived");
    expect(await refused(team.token, "archive_article", { article_id: id })).toContain("is already archived");
    expect(await refused(team.token, "update_article", { article_id: id, body: "x" })).toContain("is archived");
    expect(await refused(team.token, "vote_article", { article_id: id, helpful: true })).toContain("is archived; only published articles take votes");
    expect((await ok<{ article: Article }>(team.token, "publish_article", { article_id: id })).article.status).toBe("published");
  });

  it("counts one vote per user; voting again replaces it", async () => {
    const a = await article(team.token, "Rotate API keys", "Go to settings.");
    const up = await ok<{ article: Article; previous_vote: boolean | null }>(team.token, "vote_article", { article_id: a.article_id, helpful: true });
    expect(up.previous_vote).toBeNull();
    expect(up.article).toMatchObject({ helpful_votes: 1, not_helpful_votes: 0, helpfulness: 1 });
    const down = await ok<{ article: Article; previous_vote: boolean | null }>(team.token, "vote_article", { article_id: a.article_id, helpful: false });
    expect(down.previous_vote).toBe(true);
    expect(down.article).toMatchObject({ helpful_votes: 0, not_helpful_votes: 1, helpfulness: 0 });
    const draft = await article(team.token, "Draft only", "Not yet.", false);
    expect(await refused(team.token, "vote_article", { article_id: draft.article_id, helpful: true })).toContain("is draft");
  });
});

describe("search", () => {
  it("ranks by title and body matches weighted by helpfulness, with snippets", async () => {
    const t = await newTeam("Search Co");
    const a = await article(t.token, "Export invoices to CSV", "Open Billing, choose Export. The export contains every invoice.");
    const b = await article(t.token, "Reset your password", "If export fails, reset your password first.");
    const e = await article(t.token, "Export data", "Use export.");
    const f = await article(t.token, "Export reports", "Use export.");
    const draft = await article(t.token, "Export audit log", "Admins can export the audit log.", false);
    const archived = await article(t.token, "Export legacy", "Old export.");
    await ok(t.token, "archive_article", { article_id: archived.article_id });
    await ok(t.token, "vote_article", { article_id: f.article_id, helpful: true });
    await ok(t.token, "vote_article", { article_id: e.article_id, helpful: false });

    const found = await ok<Search>(t.token, "search_articles", { query: "How to export invoices?" });
    expect(found.terms).toEqual(["export", "invoices"]);
    // A: title export + invoices (3 + 3) + body export ×2 = 8, unvoted (× 1).
    // F: title 3 + body 1 = 4, one helpful vote: × (0.5 + 2/3). E: 4 × (0.5 + 1/3). B: body 1.
    expect(found.results.map((r) => [r.article_id, r.text_score, r.score])).toEqual([
      [a.article_id, 8, 8],
      [f.article_id, 4, 4.667],
      [e.article_id, 4, 3.333],
      [b.article_id, 1, 1],
    ]);
    expect(found.total_matches).toBe(4);
    expect(found.results[0]?.matched_terms).toEqual(["export", "invoices"]);
    expect(found.results[0]?.snippet).toContain("choose Export");

    const drafts = await ok<Search>(t.token, "search_articles", { query: "export", status: ["draft"] });
    expect(drafts.results.map((r) => r.article_id)).toEqual([draft.article_id]);
    const limited = await ok<Search>(t.token, "search_articles", { query: "export", limit: 2 });
    expect(limited.results).toHaveLength(2);
    expect(limited.total_matches).toBe(4);

    const long = await article(t.token, "Long read", `${"lorem ".repeat(100)}the webhook retries three times${" ipsum".repeat(100)}`);
    const hit = (await ok<Search>(t.token, "search_articles", { query: "webhook" })).results[0];
    expect(hit?.article_id).toBe(long.article_id);
    expect(hit?.snippet.startsWith("…")).toBe(true);
    expect(hit?.snippet.endsWith("…")).toBe(true);
    expect(hit?.snippet).toContain("webhook retries");
    expect(hit?.snippet.length).toBeLessThanOrEqual(162);

    expect((await ok<Search>(t.token, "search_articles", { query: "kubernetes" })).results).toEqual([]);
    const rest = await apiCall(t.api, "/api/v1/kb/search?query=invoices");
    expect(rest.status).toBe(200);
    expect(((await rest.json()) as Search).results.map((r) => r.article_id)).toEqual([a.article_id]);
  });

  it("validates input with the field and allowed values", async () => {
    expect(await refused(team.token, "search_articles", { query: "how to the" })).toContain("query: give at least one word");
    expect(await refused(team.token, "search_articles", { query: "x", status: ["live"] })).toContain("draft, published, archived");
    expect(await refused(team.token, "get_article", { article_id: "kb_missing" })).toContain('article_id: no article "kb_missing"');
    expect(await refused(team.token, "create_article", { title: "", body: "x" })).toContain("title");
    expect(await refused(team.token, "update_article", { article_id: "kb_x" })).toContain("name at least one of title, body, category, tags");
    expect(await refused(team.token, "vote_article", { article_id: "kb_x", helpful: "yes" })).toContain("helpful");
  });
});

describe("scopes and tenants", () => {
  it("lets a read-only token search but not write, and keeps each tenant's knowledge base apart", async () => {
    const secret = await article(team.token, "Internal runbook", "Failover steps.");
    const readOnly = (await tokenFor(team.workspace, { scope: "cs:read", grant: ["cs:read"] })).access_token;
    expect((await ok<Search>(readOnly, "search_articles", { query: "runbook" })).results.map((r) => r.article_id)).toEqual([secret.article_id]);
    for (const [name, args] of [
      ["create_article", { title: "x", body: "y" }],
      ["vote_article", { article_id: secret.article_id, helpful: true }],
      ["archive_article", { article_id: secret.article_id }],
    ] as const) {
      expect((await callTool(readOnly, name, args)).response.status, name).toBe(403);
    }
    const other = await newTeam("Other KB Co");
    expect((await ok<Search>(other.token, "search_articles", { query: "runbook" })).results).toEqual([]);
    expect(await refused(other.token, "get_article", { article_id: secret.article_id })).toContain("no article");
    expect((await apiCall(other.api, `/api/v1/kb/articles/${secret.article_id}/archive`, { method: "POST", body: "{}" })).status).toBe(404);
  });
});
