import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import * as schema from "../src/db/tenant-schema";
import { inTenant, newTeam, ok, refused } from "./support/work";
import { apiCall, callTool, tokenFor } from "./support/worker";

const DAY = 86_400_000;
const daysAgo = (days: number) => new Date(Date.now() - days * DAY).toISOString();

interface Item {
  feedback_id: string;
  client_id: string;
  kind: string;
  score: number | null;
  sentiment: number | null;
  sentiment_label: string | null;
  submitted_at: string;
}

async function registerAccount(token: string, name: string, arr: number): Promise<string> {
  const created = await ok<{ client: { client_id: string } }>(token, "register_client", { client_name: name, company_name: `${name} Ltd`, contract_value: arr });
  return created.client.client_id;
}

async function submit(token: string, args: Record<string, unknown>): Promise<Item> {
  return (await ok<{ feedback: Item }>(token, "submit_feedback", args)).feedback;
}

describe("collecting feedback", () => {
  it("validates the score per kind, naming the field, and computes sentiment on write", async () => {
    const team = await newTeam("Collect Co");
    const acme = await registerAccount(team.token, "Acme", 50_000);
    const other = await registerAccount(team.token, "Other", 10_000);

    expect(await refused(team.token, "submit_feedback", { client_id: acme, kind: "nps", score: 11 })).toMatch(/score.*0 to 10/);
    expect(await refused(team.token, "submit_feedback", { client_id: acme, kind: "nps", score: 8.5 })).toContain("score");
    expect(await refused(team.token, "submit_feedback", { client_id: acme, kind: "csat", score: 0 })).toMatch(/score.*1 to 5/);
    expect(await refused(team.token, "submit_feedback", { client_id: acme, kind: "ces", score: 8 })).toMatch(/score.*1 to 7/);
    expect(await refused(team.token, "submit_feedback", { client_id: acme, kind: "csat" })).toContain("score");
    expect(await refused(team.token, "submit_feedback", { client_id: acme, kind: "feature_request", score: 3, text: "x" })).toContain("score");
    expect(await refused(team.token, "submit_feedback", { client_id: acme, kind: "bug", text: "  " })).toContain("text");
    expect(await refused(team.token, "submit_feedback", { client_id: "nope", kind: "comment", text: "hi" })).toContain("client_id");
    expect(await refused(team.token, "submit_feedback", { client_id: acme, kind: "nps", score: 9, submitted_at: new Date(Date.now() + 5 * DAY).toISOString() })).toContain("submitted_at");
    // A contact of another account is refused.
    await inTenant(team.tenantId, (db) => {
      const at = new Date().toISOString();
      db.insert(schema.contacts).values({ id: "ct-other", accountId: other, name: "Ola", role: "user", isPrimary: false, status: "active", createdAt: at, updatedAt: at }).run();
    });
    expect(await refused(team.token, "submit_feedback", { client_id: acme, kind: "nps", score: 9, contact_id: "ct-other" })).toContain("contact_id");

    const angry = await submit(team.token, { client_id: acme, kind: "comment", text: "The app keeps crashing and support is slow to respond.", source: "email" });
    expect(angry.sentiment).not.toBeNull();
    expect(angry.sentiment ?? 0).toBeLessThan(0);
    const happy = await submit(team.token, { client_id: acme, kind: "csat", score: 5, text: "Great onboarding, the team was really helpful!" });
    expect(happy.sentiment ?? 0).toBeGreaterThan(0);
    const plain = await submit(team.token, { client_id: acme, kind: "nps", score: 4, external_id: "survey-1" });
    expect(plain.sentiment).toBeNull();
    expect(await refused(team.token, "submit_feedback", { client_id: acme, kind: "nps", score: 4, external_id: "survey-1" })).toContain("external_id");

    // The health inputs were refreshed in the same write: the latest NPS and CSAT are on the features row,
    // and the timeline has the feedback.
    const features = await inTenant(team.tenantId, (db) => db.get<{ nps: number | null; csat: number | null }>(sql`SELECT nps, csat FROM account_features WHERE account_id = ${acme}`));
    expect(features).toEqual({ nps: 4, csat: 5 });
    const timeline = await ok<{ events: { title: string; impact: string }[] }>(team.token, "get_client_timeline", { client_id: acme });
    expect(timeline.events.some((e) => e.title === "Feedback: NPS 4" && e.impact === "negative")).toBe(true);

    // REST twin.
    const rest = await apiCall(team.api, `/api/v1/clients/${acme}/feedback`, { method: "POST", body: JSON.stringify({ kind: "ces", score: 2 }) });
    expect(rest.status).toBe(201);
    const bad = await apiCall(team.api, `/api/v1/clients/${acme}/feedback`, { method: "POST", body: JSON.stringify({ kind: "ces", score: 9 }) });
    expect(bad.status).toBe(400);
    expect(await bad.text()).toContain("score");
  });

  it("lists feedback with filters and a cursor that neither skips nor repeats", async () => {
    const team = await newTeam("List Co");
    const a = await registerAccount(team.token, "A", 10_000);
    const b = await registerAccount(team.token, "B", 10_000);
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await submit(team.token, { client_id: i < 3 ? a : b, kind: "nps", score: i * 2, submitted_at: daysAgo(10 - i) })).feedback_id);
    await submit(team.token, { client_id: a, kind: "bug", text: "Export is broken", submitted_at: daysAgo(1) });

    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page: { feedback: Item[]; next_cursor: string | null } = await ok(team.token, "list_feedback", { kind: "nps", limit: 2, ...(cursor ? { cursor } : {}) });
      seen.push(...page.feedback.map((f) => f.feedback_id));
      cursor = page.next_cursor;
      pages++;
    } while (cursor);
    expect(pages).toBe(3);
    expect(seen).toEqual([...ids].reverse());
    const onlyB = await ok<{ feedback: Item[] }>(team.token, "list_feedback", { client_id: b });
    expect(onlyB.feedback.map((f) => f.score)).toEqual([8, 6]);
    const window = await ok<{ feedback: Item[] }>(team.token, "list_feedback", { kind: "nps", from: daysAgo(8.5), to: daysAgo(6.5) });
    expect(window.feedback.map((f) => f.score).sort()).toEqual([4, 6]);
    const negative = await ok<{ feedback: Item[] }>(team.token, "list_feedback", { sentiment: "negative" });
    expect(negative.feedback.map((f) => f.kind)).toEqual(["bug"]);
    expect(await refused(team.token, "list_feedback", { cursor: "garbage" })).toContain("cursor");
  });
});

describe("feedback insights and product insights", () => {
  it("ranks feature requests by the ARR asking, compares periods, and links insights to their feedback", async () => {
    const team = await newTeam("Insight Co");
    const big = await registerAccount(team.token, "Big", 200_000);
    const mid = await registerAccount(team.token, "Mid", 50_000);
    const small = await registerAccount(team.token, "Small", 5_000);
    // This period (last 30 days): Salesforce integration asked by Big (twice) and Small → 2 accounts, 205k.
    // Onboarding asked by Mid → 50k. Previous period: two complaints about slowness.
    const r1 = await submit(team.token, { client_id: big, kind: "feature_request", text: "Please add a Salesforce integration", submitted_at: daysAgo(3) });
    const r2 = await submit(team.token, { client_id: big, kind: "feature_request", text: "We need the Salesforce sync for our team", submitted_at: daysAgo(4) });
    const r3 = await submit(team.token, { client_id: small, kind: "feature_request", text: "Salesforce integration would be nice", submitted_at: daysAgo(5) });
    const r4 = await submit(team.token, { client_id: mid, kind: "feature_request", text: "Better onboarding training for new users", submitted_at: daysAgo(6) });
    await submit(team.token, { client_id: mid, kind: "comment", text: "The dashboard is slow and laggy", submitted_at: daysAgo(40) });
    await submit(team.token, { client_id: small, kind: "comment", text: "Reports are very slow to load", submitted_at: daysAgo(45) });
    await submit(team.token, { client_id: mid, kind: "comment", text: "Much faster now, great work", submitted_at: daysAgo(2) });

    const insights = await ok<{
      volume: { current: Record<string, number>; previous: Record<string, number> };
      sentiment: { current: { comments: number; mean: number | null }; previous: { comments: number; mean: number | null }; delta: number | null };
      themes: { theme: string; comments: number; previous_comments: number; change: number; feedback_ids: string[] }[];
      feature_requests: { theme: string; requests: number; accounts: number; arr: number; client_ids: string[]; feedback_ids: string[] }[];
    }>(team.token, "get_feedback_insights", { days: 30 });
    expect(insights.volume.current).toMatchObject({ feature_request: 4, comment: 1 });
    expect(insights.volume.previous).toMatchObject({ feature_request: 0, comment: 2 });
    expect(insights.sentiment.current.comments).toBe(5);
    expect(insights.sentiment.previous.comments).toBe(2);
    expect(insights.sentiment.delta).toBeCloseTo((insights.sentiment.current.mean ?? 0) - (insights.sentiment.previous.mean ?? 0), 2);
    const top = insights.feature_requests[0];
    expect(top?.theme).toBe("integration");
    expect(top).toMatchObject({ requests: 3, accounts: 2, arr: 205_000 });
    expect(top?.client_ids).toEqual([big, small].sort());
    expect([...(top?.feedback_ids ?? [])].sort()).toEqual([r1.feedback_id, r2.feedback_id, r3.feedback_id].sort());
    const onboarding = insights.feature_requests.find((f) => f.theme === "onboarding");
    expect(onboarding).toMatchObject({ requests: 1, accounts: 1, arr: 50_000, feedback_ids: [r4.feedback_id] });
    const performance = insights.themes.find((t) => t.theme === "performance");
    expect(performance).toMatchObject({ comments: 1, previous_comments: 2, change: -1 });

    const created = await ok<{ insight: { insight_id: string; feedback_ids: string[]; accounts: number; arr: number } }>(team.token, "create_product_insight", {
      title: "Salesforce integration",
      category: "integration",
      theme: "integration",
      feedback_ids: top?.feedback_ids,
    });
    expect(created.insight).toMatchObject({ accounts: 2, arr: 205_000 });
    expect(created.insight.feedback_ids).toHaveLength(3);
    const missing = await refused(team.token, "create_product_insight", { title: "X", category: "bug", feedback_ids: [r1.feedback_id, "fb_missing"] });
    expect(missing).toContain("feedback_ids[1]");
    expect(await refused(team.token, "create_product_insight", { title: "X", category: "bug", feedback_ids: [] })).toContain("feedback_ids");
    await ok(team.token, "create_product_insight", { title: "Onboarding course", category: "usability", status: "planned", feedback_ids: [r4.feedback_id] });

    const listed = await ok<{ insights: { title: string; arr: number; status: string }[] }>(team.token, "list_product_insights", {});
    expect(listed.insights.map((i) => [i.title, i.arr])).toEqual([
      ["Salesforce integration", 205_000],
      ["Onboarding course", 50_000],
    ]);
    const forMid = await ok<{ insights: { title: string }[] }>(team.token, "list_product_insights", { client_id: mid });
    expect(forMid.insights.map((i) => i.title)).toEqual(["Onboarding course"]);
    const planned = await ok<{ insights: { title: string }[] }>(team.token, "list_product_insights", { status: "planned" });
    expect(planned.insights.map((i) => i.title)).toEqual(["Onboarding course"]);

    // The report combines it all.
    await submit(team.token, { client_id: big, kind: "nps", score: 3, submitted_at: daysAgo(1) });
    await submit(team.token, { client_id: mid, kind: "nps", score: 10, submitted_at: daysAgo(1) });
    const voc = await ok<{
      scores: { nps: { current: number | null; responses: number } };
      detractor_accounts: { client_id: string }[];
      feature_requests: { theme: string }[];
      quotes: { negative: Item[]; positive: Item[] };
      product_insights: { title: string }[];
      highlights: string[];
    }>(team.token, "get_voice_of_customer_report", { days: 30 });
    expect(voc.scores.nps).toMatchObject({ current: 0, responses: 2 });
    expect(voc.detractor_accounts.map((d) => d.client_id)).toEqual([big]);
    expect(voc.feature_requests[0]?.theme).toBe("integration");
    expect(voc.quotes.positive.length).toBeGreaterThan(0);
    for (const q of voc.quotes.positive) expect(q.sentiment ?? 0).toBeGreaterThan(0);
    expect(voc.product_insights.map((i) => i.title)).toContain("Salesforce integration");
    expect(voc.highlights.some((h) => h.includes("integration") && h.includes("205000"))).toBe(true);
  });

  it("keeps feedback and insights inside their workspace, and needs cs:write to record", async () => {
    const one = await newTeam("Own Co");
    const two = await newTeam("Else Co");
    const acct = await registerAccount(one.token, "Own", 10_000);
    const item = await submit(one.token, { client_id: acct, kind: "bug", text: "Login fails" });
    const theirs = await ok<{ feedback: Item[] }>(two.token, "list_feedback", {});
    expect(theirs.feedback).toEqual([]);
    expect(await refused(two.token, "create_product_insight", { title: "Steal", category: "bug", feedback_ids: [item.feedback_id] })).toContain("feedback_ids[0]");
    expect(await refused(two.token, "submit_feedback", { client_id: acct, kind: "comment", text: "hi" })).toContain("client_id");

    const readOnly = (await tokenFor(one.workspace, { scope: "cs:read", grant: ["cs:read"] })).access_token;
    const { response } = await callTool(readOnly, "submit_feedback", { client_id: acct, kind: "comment", text: "hi" });
    expect(response.status).toBe(403);
    await ok(readOnly, "list_feedback", {});
    await ok(readOnly, "get_feedback_insights", {});
  });
});
