import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { drizzle } from "drizzle-orm/durable-sqlite";
import { describe, expect, it } from "vitest";
import type { TenantDO } from "../durable-objects/tenant";
import * as schema from "../src/db/tenant-schema";
import { callTool, newWorkspace, tenantIdOf, tokenFor } from "./support/worker";

const DAY = 86_400_000;
const daysAgo = (days: number) => new Date(Date.now() - days * DAY).toISOString();
const dayFromNow = (days: number) => new Date(Date.now() + days * DAY).toISOString().slice(0, 10);

type Db = ReturnType<typeof drizzle<typeof schema>>;

async function setup(name: string) {
  const ws = await newWorkspace(name);
  const token = (await tokenFor(ws)).access_token;
  const tenantId = await tenantIdOf(ws.email);
  const namespace = env.TENANT as DurableObjectNamespace<TenantDO>;
  const stub = namespace.get(namespace.idFromName(tenantId));
  const ok = async (tool: string, args: Record<string, unknown> = {}) => {
    const { result, message } = await callTool(token, tool, args);
    if (!result || result.isError) throw new Error(`${tool} failed: ${JSON.stringify(message)}`);
    return result.structuredContent as Record<string, unknown>;
  };
  const refusal = async (tool: string, args: Record<string, unknown>) => {
    const { result } = await callTool(token, tool, args);
    expect(result?.isError).toBe(true);
    return result?.content[0]?.text ?? "";
  };
  const register = async (client: string, extra: Record<string, unknown> = {}) =>
    ((await ok("register_client", { client_name: client, company_name: client, contract_value: 100_000, ...extra })).client as { client_id: string }).client_id;
  const facts = (ids: string[], write: (db: Db) => void) =>
    runInDurableObject(stub, (instance: TenantDO, state) => {
      const db = drizzle(state.storage, { schema });
      db.transaction((tx) => {
        write(tx as unknown as Db);
        instance["factsChanged"](tx, ids);
      });
    });
  return { ok, refusal, register, facts };
}

interface Driver {
  factor: string;
  share: number;
}

describe("churn risk", () => {
  it("explains one account's probability by its drivers, and ranks the portfolio", async () => {
    const { ok, register, facts } = await setup("Risk Co");
    const now = new Date().toISOString();
    // Renews in 20 days, a detractor, two escalations, and its champion has left.
    const risky = await register("Risky", { contract_start_date: dayFromNow(-345), contract_end_date: dayFromNow(20), contract_value: 50_000 });
    const happy = await register("Happy", { contract_start_date: dayFromNow(-30), contract_end_date: dayFromNow(335), contract_value: 200_000 });
    const gone = await register("Gone");
    await ok("update_client_info", { client_id: gone, updates: { status: "churned" } });
    await facts([risky, happy], (db) => {
      db.insert(schema.feedback)
        .values([
          { id: "f1", accountId: risky, kind: "nps", score: 2, source: "survey", submittedAt: daysAgo(5) },
          { id: "f2", accountId: happy, kind: "nps", score: 10, source: "survey", submittedAt: daysAgo(5) },
        ])
        .run();
      const escalation = { accountId: risky, severity: "high" as const, description: "", status: "open" as const, resolveBy: now, createdBy: "u" };
      db.insert(schema.escalations)
        .values([
          { ...escalation, id: "e1", title: "Outage", openedAt: daysAgo(10) },
          { ...escalation, id: "e2", title: "Data loss", openedAt: daysAgo(3) },
        ])
        .run();
      db.insert(schema.contacts)
        .values({ id: "c1", accountId: risky, name: "Chris", role: "champion", isPrimary: true, status: "left", createdAt: now, updatedAt: now })
        .run();
    });

    const one = (await ok("get_churn_risk", { client_id: risky })).account as {
      probability: number;
      baseline_probability: number;
      drivers: Driver[];
      unknown_factors: string[];
      level: string;
    };
    const factors = one.drivers.map((d) => d.factor);
    expect(factors).toEqual(expect.arrayContaining(["detractor_nps", "support_escalations", "renewal_proximity", "lost_champion"]));
    expect(one.unknown_factors).toContain("usage_drop");
    // Shapley shares: the baseline plus every share is the probability.
    const total = one.baseline_probability + one.drivers.reduce((sum, d) => sum + d.share, 0);
    expect(Math.abs(total - one.probability)).toBeLessThan(0.01);

    const calm = (await ok("get_churn_risk", { client_id: happy })).account as { probability: number };
    expect(calm.probability).toBeLessThan(one.probability);

    const portfolio = (await ok("get_churn_risk", { min_level: "low", limit: 10 })).portfolio as {
      accounts: number;
      levels: { level: string; accounts: number; arr: number }[];
      expected_arr_loss: number;
      at_risk: { client_id: string; probability: number }[];
    };
    // The churned account is not at risk any more: it is gone.
    expect(portfolio.accounts).toBe(2);
    expect(portfolio.levels.reduce((sum, l) => sum + l.accounts, 0)).toBe(2);
    expect(portfolio.at_risk.map((a) => a.client_id)).toEqual([risky, happy]);
    // Probabilities are shown to 3 decimals: the expected loss agrees within that rounding.
    expect(Math.abs(portfolio.expected_arr_loss - (one.probability * 50_000 + calm.probability * 200_000))).toBeLessThan(0.0005 * 250_000 + 1);
    const highOnly = (await ok("get_churn_risk", { min_level: "critical" })).portfolio as { at_risk: { probability: number }[] };
    for (const entry of highOnly.at_risk) expect(entry.probability).toBeGreaterThanOrEqual(0.75);

    const detail = await ok("score_risk_factors", { client_id: risky });
    expect((detail.factors as unknown[]).length).toBe(8);
    expect(detail.probability).toBe(one.probability);
    expect((detail.missing_data as string[]).some((m) => m.startsWith("usage"))).toBe(true);
  });
});

describe("satisfaction", () => {
  it("computes NPS, CSAT and CES against the previous period and lists detractor accounts", async () => {
    const { ok, refusal, register, facts } = await setup("Voice Co");
    const a = await register("Alpha", { contract_value: 90_000 });
    const b = await register("Beta", { contract_value: 10_000 });
    await facts([a, b], (db) => {
      const answer = (id: string, accountId: string, kind: "nps" | "csat" | "ces", score: number, days: number, text: string | null = null) => ({
        id, accountId, kind, score, text, source: "survey", submittedAt: daysAgo(days),
      });
      db.insert(schema.feedback)
        .values([
          answer("n1", a, "nps", 10, 5, "Love the new dashboards, support was fast"),
          answer("n2", b, "nps", 9, 10),
          answer("n3", b, "nps", 3, 2, "Billing is confusing and the invoice was wrong"),
          answer("n4", a, "nps", 2, 40),
          answer("n5", b, "nps", 4, 45),
          answer("s1", a, "csat", 5, 3),
          answer("s2", b, "csat", 2, 3),
          answer("e1", a, "ces", 2, 3),
        ])
        .run();
    });
    const report = await ok("monitor_satisfaction", { days: 30 });
    const nps = report.nps as { responses: number; promoters: number; detractors: number; score: { current: number; previous: number; assessment: string } };
    expect(nps).toMatchObject({ responses: 3, promoters: 2, detractors: 1 });
    expect(nps.score.current).toBeCloseTo(33.3, 1);
    expect(nps.score.previous).toBe(-100);
    expect(nps.score.assessment).toBe("improved");
    expect((report.csat as { percent_satisfied: { current: number } }).percent_satisfied.current).toBe(50);
    expect((report.ces as { responses: number }).responses).toBe(1);
    // Beta's latest answer is a 3; Alpha's latest is a 10.
    expect((report.detractor_accounts as { client_id: string }[]).map((d) => d.client_id)).toEqual([b]);
    expect((report.sentiment as { comments: number }).comments).toBe(2);

    const alpha = await ok("monitor_satisfaction", { client_id: a, days: 30 });
    expect((alpha.nps as { responses: number }).responses).toBe(1);
    expect(await refusal("monitor_satisfaction", { days: 3 })).toMatch(/days/);
  });
});

describe("churn post-mortem", () => {
  it("needs a churned account, then tells its story with lead times and missed signs", async () => {
    const { ok, refusal, register, facts } = await setup("Lost Co");
    const id = await register("Lost", { contract_start_date: dayFromNow(-400), contract_end_date: dayFromNow(-35) });
    expect(await refusal("analyze_churn_postmortem", { client_id: id })).toMatch(/not churned/);

    await facts([id], (db) => {
      db.insert(schema.healthSnapshots)
        .values([
          { accountId: id, computedAt: daysAgo(120), score: 80, band: "healthy", coverage: 1, components: "[]" },
          { accountId: id, computedAt: daysAgo(70), score: 45, band: "at_risk", coverage: 1, components: "[]" },
          { accountId: id, computedAt: daysAgo(20), score: 30, band: "churn_risk", coverage: 1, components: "[]" },
        ])
        .run();
      db.insert(schema.feedback).values({ id: "n1", accountId: id, kind: "nps", score: 1, source: "survey", submittedAt: daysAgo(50) }).run();
      db.insert(schema.invoices)
        .values({ id: "i1", accountId: id, amount: 25_000, currency: "USD", issuedOn: dayFromNow(-300), dueOn: dayFromNow(-270), paidOn: dayFromNow(-268), status: "paid", createdAt: daysAgo(300), updatedAt: daysAgo(268) })
        .run();
    });
    await ok("update_client_info", { client_id: id, updates: { status: "churned" } });

    const story = await ok("analyze_churn_postmortem", { client_id: id });
    expect(story.churn_date_source).toBe("status_change");
    expect(story.lifetime_months as number).toBeGreaterThan(12);
    expect(story.lifetime_value).toEqual({ paid: 25_000, invoices: 1, basis: "paid_invoices" });
    const before = story.health_before_churn as { days_before: number; score: number | null }[];
    expect(before.find((p) => p.days_before === 90)?.score).toBe(80);
    expect(before.find((p) => p.days_before === 30)?.score).toBe(45);
    const signs = Object.fromEntries((story.warning_signs as { signal: string; detected: boolean; lead_days: number | null; acted_on: boolean | null; data: boolean }[]).map((s) => [s.signal, s]));
    expect(signs.health_decline).toMatchObject({ detected: true, acted_on: false });
    expect(signs.health_decline?.lead_days).toBeGreaterThanOrEqual(69);
    expect(signs.detractor_nps).toMatchObject({ detected: true, acted_on: false });
    expect(signs.usage_drop).toMatchObject({ detected: false, data: false });
    expect((story.missed_opportunities as string[]).length).toBeGreaterThanOrEqual(2);

    const given = await ok("analyze_churn_postmortem", { client_id: id, churn_date: dayFromNow(-10) });
    expect(given.churn_date_source).toBe("given");
    expect(await refusal("analyze_churn_postmortem", { client_id: id, churn_date: "31/01/2026" })).toMatch(/churn_date/);
  });
});
