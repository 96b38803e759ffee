import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { sql } from "drizzle-orm";
import { drizzle } from "drizzle-orm/durable-sqlite";
import { describe, expect, it } from "vitest";
import type { TenantDO } from "../durable-objects/tenant";
import { cachedAccountHealth } from "../src/cache/account-health";
import { BASELINE_CUTOFF_KEY, portfolioHealth } from "../src/db/portfolio";
import * as schema from "../src/db/tenant-schema";
import { MAX_CHANGE_POINTS } from "../src/tools/health";
import { apiCall, callTool, newWorkspace, ORIGIN, tenantIdOf, tokenFor } from "./support/worker";

const DAY = 86_400_000;

function daysAgo(days: number): string {
  return new Date(Date.now() - days * DAY).toISOString();
}

function dayAgo(days: number): string {
  return daysAgo(days).slice(0, 10);
}

async function ok(token: string, name: string, args: Record<string, unknown> = {}): Promise<Record<string, unknown>> {
  const { result, message } = await callTool(token, name, args);
  if (!result || result.isError) throw new Error(`${name} failed: ${JSON.stringify(message)}`);
  return result.structuredContent ?? {};
}

async function refusal(token: string, name: string, args: Record<string, unknown>): Promise<string> {
  const { result, message } = await callTool(token, name, args);
  const error = message?.error as { message: string } | undefined;
  if (error) return error.message;
  expect(result?.isError).toBe(true);
  return result?.content[0]?.text ?? "";
}

interface Setup {
  token: string;
  /** For the REST API, whose resource is the origin rather than /mcp. */
  restToken: string;
  tenantId: string;
  stub: DurableObjectStub<TenantDO>;
}

async function workspace(name: string, scope = "cs:read cs:write cs:admin"): Promise<Setup> {
  const ws = await newWorkspace(name);
  const token = (await tokenFor(ws, { scope, grant: scope.split(" ") })).access_token;
  const restToken = (await tokenFor(ws, { scope, grant: scope.split(" "), resource: ORIGIN })).access_token;
  const tenantId = await tenantIdOf(ws.email);
  const namespace = env.TENANT as DurableObjectNamespace<TenantDO>;
  return { token, restToken, tenantId, stub: namespace.get(namespace.idFromName(tenantId)) };
}

async function register(token: string, name: string, extra: Record<string, unknown> = {}): Promise<string> {
  const out = await ok(token, "register_client", { client_name: name, company_name: `${name} Inc.`, contract_value: 120_000, ...extra });
  return (out.client as { client_id: string }).client_id;
}

type Db = ReturnType<typeof drizzle<typeof schema>>;

/** Writes facts straight into the tenant's tables, then runs the same hook every write path runs. */
async function withFacts(stub: DurableObjectStub<TenantDO>, accountIds: string[], write: (db: Db) => void): Promise<void> {
  await runInDurableObject(stub, (instance: TenantDO, state) => {
    const db = drizzle(state.storage, { schema });
    db.transaction((tx) => {
      write(tx as unknown as Db);
      instance["factsChanged"](tx, accountIds);
    });
  });
}

describe("health features from the facts", () => {
  it("derives every input from tickets, feedback, touchpoints, contracts and invoices, and explains the score", async () => {
    const { token, stub } = await workspace("Facts Co");
    const a = await register(token, "Acme");
    const b = await register(token, "Bravo");
    const now = new Date().toISOString();
    await withFacts(stub, [a, b], (db) => {
      db.insert(schema.contracts)
        .values({ id: "ct1", accountId: a, startDate: dayAgo(100), endDate: dayAgo(-265), renewalDate: dayAgo(-265), annualValue: 120_000, seats: 20, autoRenew: true, status: "active", renewalStatus: "not_started", createdAt: now, updatedAt: now })
        .run();
      const email = { accountId: a, kind: "email" as const, direction: "outbound" as const, subject: "Check-in", source: "manual", createdBy: "csm" };
      db.insert(schema.touchpoints)
        .values([
          { ...email, id: "t1", occurredAt: daysAgo(40), openedAt: daysAgo(39), clickedAt: daysAgo(39), repliedAt: daysAgo(3) },
          { ...email, id: "t2", occurredAt: daysAgo(30), openedAt: daysAgo(29) },
          { ...email, id: "t3", occurredAt: daysAgo(20) },
          { ...email, id: "t4", occurredAt: daysAgo(10) },
          // Older than the 90-day window: does not count towards the rates.
          { ...email, id: "t5", occurredAt: daysAgo(200), openedAt: daysAgo(199) },
          { id: "t6", accountId: a, kind: "meeting", direction: "outbound", subject: "QBR", occurredAt: daysAgo(5), source: "manual", createdBy: "csm" },
        ])
        .run();
      const ticket = { accountId: a, description: "", category: "bug", source: "zendesk", updatedAt: now };
      db.insert(schema.tickets)
        .values([
          { ...ticket, id: "k1", subject: "Down", priority: "P1", status: "open", openedAt: daysAgo(10), slaBreached: true },
          { ...ticket, id: "k2", subject: "Slow", priority: "P3", status: "solved", openedAt: daysAgo(30), solvedAt: daysAgo(29), slaBreached: false },
          { ...ticket, id: "k3", subject: "Old", priority: "P1", status: "closed", openedAt: daysAgo(120), slaBreached: true },
        ])
        .run();
      db.insert(schema.feedback)
        .values([
          { id: "f1", accountId: a, kind: "nps", score: 3, source: "survey", submittedAt: daysAgo(60) },
          { id: "f2", accountId: a, kind: "nps", score: 9, source: "survey", submittedAt: daysAgo(6) },
          { id: "f3", accountId: a, kind: "csat", score: 4, source: "survey", submittedAt: daysAgo(6) },
        ])
        .run();
      db.insert(schema.invoices)
        .values([
          { id: "i1", accountId: a, amount: 30_000, currency: "USD", issuedOn: dayAgo(100), dueOn: dayAgo(70), paidOn: dayAgo(60), status: "paid", createdAt: now, updatedAt: now },
          { id: "i2", accountId: a, amount: 5_000, currency: "USD", issuedOn: dayAgo(50), dueOn: dayAgo(20), status: "open", createdAt: now, updatedAt: now },
        ])
        .run();
      db.insert(schema.payments).values({ id: "p1", invoiceId: "i2", accountId: a, amount: 5_000, attemptedAt: daysAgo(19), status: "failed", failureReason: "card_declined" }).run();
    });

    const scored = await ok(token, "calculate_health_score", { client_id: a });
    const inputs = scored.inputs as Record<string, number | null>;
    expect(inputs).toMatchObject({
      licensed_seats: 20,
      email_open_rate_90d: 0.5,
      email_click_rate_90d: 0.25,
      message_reply_rate_90d: 0.25,
      open_tickets: 1,
      tickets_90d: 2,
      high_severity_tickets_90d: 1,
      sla_breaches_90d: 1,
      oldest_open_ticket_age_days: 10,
      latest_nps: 9,
      latest_csat: 4,
      latest_ces: null,
      invoices_paid_late_12m: 1,
      max_days_late_12m: 20,
      failed_payments_12m: 1,
      overdue_amount: 5_000,
      annual_contract_value: 120_000,
      active_users_30d: null,
    });
    // The reply three days ago is the latest two-way touch (the meeting was five days ago).
    expect(inputs.days_since_last_touch).toBeCloseTo(3, 0);
    expect(scored.missing).toEqual(["usage"]);
    expect(scored.coverage).toBeCloseTo(0.65, 3);
    const components = scored.components as { name: string; contribution: number; weight: number; explanation: string }[];
    const sum = components.reduce((total, c) => total + c.contribution, 0);
    expect(Math.abs(sum - (scored.score as number))).toBeLessThan(0.06);
    expect(components.find((c) => c.name === "usage")).toMatchObject({ weight: 0, contribution: 0 });
    for (const c of components.filter((c) => c.name !== "usage")) expect(c.explanation.length).toBeGreaterThan(10);

    // Bravo has no facts of its own, but the workspace has tickets: zero tickets is known, the rest is not.
    const bravo = await ok(token, "calculate_health_score", { client_id: b });
    expect((bravo.inputs as Record<string, number | null>).open_tickets).toBe(0);
    expect(bravo.missing).toEqual(["usage", "engagement", "satisfaction", "payment"]);
    expect(bravo.score).toBe(100);
  });

  it("leaves support out while the workspace has never had a ticket, and says why there is no score", async () => {
    const { token } = await workspace("No Desk Co");
    const id = await register(token, "Quiet");
    const scored = await ok(token, "calculate_health_score", { client_id: id });
    expect(scored.score).toBeNull();
    expect(scored.band).toBeNull();
    expect(scored.coverage).toBe(0);
    expect(String(scored.reason)).toMatch(/No data/);
    expect((scored.inputs as Record<string, unknown>).open_tickets).toBeNull();
  });

  it("refuses an unknown account by name", async () => {
    const { token } = await workspace("Unknown Co");
    expect(await refusal(token, "calculate_health_score", { client_id: "cs_nope" })).toMatch(/cs_nope/);
  });
});

describe("history, trend and the account's materialized score", () => {
  it("fits the trend over past snapshots and the current score, and writes the score through to KV", async () => {
    const { token, tenantId, stub } = await workspace("Trend Co");
    const id = await register(token, "Falling");
    await runInDurableObject(stub, (_instance: TenantDO, state) => {
      const db = drizzle(state.storage, { schema });
      db.insert(schema.healthSnapshots)
        .values([
          { accountId: id, computedAt: daysAgo(60), score: 95, band: "champion", coverage: 1, components: "[]" },
          { accountId: id, computedAt: daysAgo(30), score: 85, band: "healthy", coverage: 1, components: "[]" },
        ])
        .run();
    });
    // A P1 open for 40 days with a breach drags support down; support is the only component with data.
    await withFacts(stub, [id], (db) => {
      db.insert(schema.tickets)
        .values({ id: "k1", accountId: id, subject: "Down", description: "", priority: "P1", status: "open", category: "outage", openedAt: daysAgo(40), slaBreached: true, source: "zendesk", updatedAt: new Date().toISOString() })
        .run();
    });
    const scored = await ok(token, "calculate_health_score", { client_id: id });
    expect(scored.score as number).toBeLessThan(85);
    expect((scored.trend as { direction: string }).direction).toBe("declining");

    const history = await ok(token, "get_health_history", { client_id: id, days: 90 });
    const points = history.points as { at: string; score: number }[];
    expect(points.map((p) => p.score).slice(0, 2)).toEqual([95, 85]);
    expect(points.at(-1)?.score).toBe(scored.score);
    expect(history.change).toBeCloseTo((scored.score as number) - 95, 1);
    // Recalculating without a change in facts adds no snapshot.
    await ok(token, "calculate_health_score", { client_id: id });
    expect(((await ok(token, "get_health_history", { client_id: id })).points as unknown[]).length).toBe(points.length);
    // Only the last 45 days: the 60-day-old snapshot is out.
    expect(((await ok(token, "get_health_history", { client_id: id, days: 45 })).points as unknown[]).length).toBe(points.length - 1);

    const overview = await ok(token, "get_client_overview", { client_id: id });
    expect((overview.client as { health_score: number; health_trend: string }).health_score).toBe(scored.score);
    expect((overview.client as { health_trend: string }).health_trend).toBe("declining");

    const cached = await cachedAccountHealth(env, tenantId, [id]);
    expect(cached.get(id)?.score).toBe(scored.score);
    // A tenant-wide recompute makes every earlier cache entry stale.
    await stub.recomputeHealth();
    expect((await cachedAccountHealth(env, tenantId, [id])).has(id)).toBe(false);
  });

  it("fits no trend on scores seconds apart: one point per day", async () => {
    const { token, stub } = await workspace("Burst Co");
    const id = await register(token, "Burst");
    // Three fact changes in a row move the score three times within a second.
    for (const [i, priority] of (["P3", "P1", "P1"] as const).entries()) {
      await withFacts(stub, [id], (db) => {
        db.insert(schema.tickets)
          .values({ id: `k${i}`, accountId: id, subject: "x", description: "", priority, status: "open", category: "bug", openedAt: daysAgo(1 + i * 10), slaBreached: i > 0, source: "zendesk", updatedAt: new Date().toISOString() })
          .run();
      });
    }
    // By day, the history is where today ended; every move is there on request.
    const history = await ok(token, "get_health_history", { client_id: id });
    expect(history.points as unknown[]).toHaveLength(1);
    expect(history).toMatchObject({ granularity: "day", change: 0, omitted_points: 0 });
    const moves = await ok(token, "get_health_history", { client_id: id, granularity: "change" });
    expect((moves.points as unknown[]).length).toBeGreaterThanOrEqual(2);
    expect(moves.latest_score).toBe(history.latest_score);
    expect(moves.first_score).not.toBe(moves.latest_score);
    const scored = await ok(token, "calculate_health_score", { client_id: id });
    expect(scored.trend).toMatchObject({ direction: "insufficient_history", slope_per_30_days: null, points: 1 });
    expect((await ok(token, "get_churn_risk", { client_id: id })).account).toMatchObject({ unknown_factors: expect.arrayContaining(["health_decline"]) });
  });

  it("returns the latest moves of a busy account, saying how many earlier ones it left out", async () => {
    const { token, stub } = await workspace("Busy Co");
    const id = await register(token, "Busy");
    const start = Date.now() - 10 * 86_400_000;
    const total = await runInDurableObject(stub, (_instance: TenantDO, state) => {
      const db = drizzle(state.storage, { schema });
      // 600 moves over ten days (one every 24 minutes), alternating between two scores.
      const rows = Array.from({ length: 600 }, (_, i) => ({ accountId: id, computedAt: new Date(start + i * 24 * 60_000).toISOString(), score: i % 2 ? 61 : 59, band: i % 2 ? ("neutral" as const) : ("at_risk" as const), coverage: 1, components: "[]" }));
      for (let i = 0; i < rows.length; i += 10) db.insert(schema.healthSnapshots).values(rows.slice(i, i + 10)).run();
      // With the score at registration, when it had one.
      return db.$count(schema.healthSnapshots, sql`${schema.healthSnapshots.accountId} = ${id} AND ${schema.healthSnapshots.score} IS NOT NULL`);
    });
    expect(total).toBeGreaterThanOrEqual(600);
    const moves = await ok(token, "get_health_history", { client_id: id, days: 30, granularity: "change" });
    const points = moves.points as { at: string }[];
    expect(points).toHaveLength(MAX_CHANGE_POINTS);
    expect(moves.omitted_points).toBe(total - MAX_CHANGE_POINTS);
    const days = await ok(token, "get_health_history", { client_id: id, days: 30 });
    const daily = days.points as { at: string }[];
    expect(daily.length).toBeGreaterThanOrEqual(10);
    expect(daily.length).toBeLessThanOrEqual(12);
    expect(new Set(daily.map((point) => point.at.slice(0, 10))).size).toBe(daily.length);
    expect(days.omitted_points).toBe(0);
  });

  it("validates days", async () => {
    const { token } = await workspace("Days Co");
    const id = await register(token, "Any");
    expect(await refusal(token, "get_health_history", { client_id: id, days: 0 })).toMatch(/days/);
  });
});

describe("portfolio health", () => {
  it("counts accounts and ARR per band, finds the week's movers, and serves repeats from the cache", async () => {
    const { token, restToken, stub } = await workspace("Portfolio Co");
    const up = await register(token, "Riser", { contract_value: 10_000 });
    const down = await register(token, "Faller", { contract_value: 20_000 });
    await register(token, "Unscored", { contract_value: 5_000 });
    await runInDurableObject(stub, (_instance: TenantDO, state) => {
      const db = drizzle(state.storage, { schema });
      db.insert(schema.healthSnapshots)
        .values([
          { accountId: up, computedAt: daysAgo(9), score: 50, band: "at_risk", coverage: 1, components: "[]" },
          { accountId: down, computedAt: daysAgo(8), score: 80, band: "healthy", coverage: 1, components: "[]" },
          // Newer than a week: not the comparison point.
          { accountId: down, computedAt: daysAgo(2), score: 70, band: "neutral", coverage: 1, components: "[]" },
        ])
        .run();
      state.storage.sql.exec("UPDATE accounts SET health_score = 72, health_trend = 'improving' WHERE id = ?", up);
      state.storage.sql.exec("UPDATE accounts SET health_score = 35, health_trend = 'declining' WHERE id = ?", down);
    });
    const live = await ok(token, "get_portfolio_health", { max_age_seconds: 0 });
    expect(live.source).toBe("live");
    expect(live.accounts).toBe(3);
    expect(live.scored).toBe(2);
    expect(live.average_score).toBe(53.5);
    const bands = Object.fromEntries((live.bands as { band: string; accounts: number; arr: number }[]).map((b) => [b.band, b]));
    expect(bands.churn_risk).toMatchObject({ accounts: 1, arr: 20_000 });
    expect(bands.neutral).toMatchObject({ accounts: 1, arr: 10_000 });
    expect(bands.unscored).toMatchObject({ accounts: 1, arr: 5_000 });
    expect(live.arr_at_risk).toBe(20_000);
    expect(live.trends).toEqual({ improving: 1, stable: 0, declining: 1, unknown: 0 });
    expect(live.movers_up).toEqual([{ client_id: up, client_name: "Riser", score: 72, previous_score: 50, change: 22 }]);
    expect(live.movers_down).toEqual([{ client_id: down, client_name: "Faller", score: 35, previous_score: 80, change: -45 }]);

    const again = await ok(token, "get_portfolio_health");
    expect(again.source).toBe("cache");
    expect(again.computed_at).toBe(live.computed_at);
    const rest = await apiCall(restToken, "/api/v1/health/portfolio?max_age_seconds=0");
    expect(rest.status).toBe(200);
    expect(((await rest.json()) as { source: string }).source).toBe("live");

    // The Tenant object keeps the live answer while nothing changes; any write makes it recompute.
    const unchanged = await ok(token, "get_portfolio_health", { max_age_seconds: 0 });
    expect({ ...unchanged, computed_at: live.computed_at }).toEqual(live);
    await runInDurableObject(stub, (instance: TenantDO) => {
      // Through the object's own (watched) storage, as every write of the object goes.
      (instance as unknown as { storage: DurableObjectStorage }).storage.sql.exec("UPDATE accounts SET health_score = 95, health_trend = 'improving' WHERE name = 'Unscored'");
    });
    const changed = await ok(token, "get_portfolio_health", { max_age_seconds: 0 });
    expect(changed.scored).toBe(3);
    expect(changed.trends).toEqual({ improving: 2, stable: 0, declining: 1, unknown: 0 });
    const changedBands = Object.fromEntries((changed.bands as { band: string; accounts: number }[]).map((b) => [b.band, b.accounts]));
    expect(changedBands).toMatchObject({ champion: 1, unscored: 0 });
  });
});

describe("the movers' baseline", () => {
  it("is each account's score at the cutoff, taken once per cutoff and retaken when the day moves", async () => {
    const { token, stub } = await workspace("Baseline Co");
    const id = await register(token, "Mover", { contract_value: 1_000 });
    const bands = { churnRisk: 40, atRisk: 60, healthy: 75, champion: 90 };
    await runInDurableObject(stub, (_instance: TenantDO, state) => {
      const db = drizzle(state.storage, { schema });
      const monday = new Date("2026-03-16T12:00:00Z");
      db.insert(schema.healthSnapshots)
        .values([
          { accountId: id, computedAt: "2026-03-08T10:00:00.000Z", score: 40, band: "churn_risk", coverage: 1, components: "[]" },
          { accountId: id, computedAt: "2026-03-09T10:00:00.000Z", score: 55, band: "at_risk", coverage: 1, components: "[]" },
        ])
        .run();
      state.storage.sql.exec("UPDATE accounts SET health_score = 70 WHERE id = ?", id);
      // Cutoff 2026-03-09T00:00Z: the 8th's 40 is the last score before it.
      const first = portfolioHealth(db, bands, monday);
      expect(first.movers_up).toEqual([{ client_id: id, client_name: "Mover", score: 70, previous_score: 40, change: 30 }]);
      const stored = state.storage.sql.exec<{ value: string }>("SELECT value FROM settings WHERE key = ?", BASELINE_CUTOFF_KEY).one().value;
      expect(stored).toBe("2026-03-09T00:00:00.000Z");
      // A day later the cutoff is the 10th: the 9th's 55 is the comparison point now.
      const tuesday = portfolioHealth(db, bands, new Date("2026-03-17T08:00:00Z"));
      expect(tuesday.movers_up).toEqual([{ client_id: id, client_name: "Mover", score: 70, previous_score: 55, change: 15 }]);
      // An account without a score at the cutoff is no mover.
      state.storage.sql.exec("UPDATE accounts SET health_score = 30 WHERE id = ?", id);
      const later = portfolioHealth(db, bands, new Date("2026-03-17T09:00:00Z"));
      expect(later.movers_down).toEqual([{ client_id: id, client_name: "Mover", score: 30, previous_score: 55, change: -25 }]);
      state.storage.sql.exec("DELETE FROM health_snapshots WHERE account_id = ?", id);
      expect(portfolioHealth(db, bands, new Date("2026-03-18T09:00:00Z")).movers_down).toEqual([]);
    });
  });
});

describe("the health model", () => {
  it("starts at the defaults, previews a change without saving, then saves and rescores", async () => {
    const { token, stub } = await workspace("Model Co");
    const id = await register(token, "Scored");
    await withFacts(stub, [id], (db) => {
      db.insert(schema.tickets)
        .values({ id: "k1", accountId: id, subject: "x", description: "", priority: "P1", status: "open", category: "bug", openedAt: daysAgo(3), slaBreached: false, source: "zendesk", updatedAt: new Date().toISOString() })
        .run();
      db.insert(schema.feedback).values({ id: "f1", accountId: id, kind: "nps", score: 2, source: "survey", submittedAt: daysAgo(1) }).run();
    });
    const initial = await ok(token, "get_health_model");
    expect(initial.customized).toBe(false);
    expect((initial.model as { weights: Record<string, number> }).weights).toEqual({ usage: 0.35, engagement: 0.25, support: 0.15, satisfaction: 0.15, payment: 0.1 });
    const before = (await ok(token, "calculate_health_score", { client_id: id })) as { score: number; band: string };

    // Satisfaction (NPS 2) weighs more: the score falls, and with bands raised the account moves band.
    const change = { weights: { usage: 0.2, engagement: 0.2, support: 0.1, satisfaction: 0.4, payment: 0.1 }, bands: { churn_risk: 60, at_risk: 70 } };
    const preview = await ok(token, "update_health_model", { ...change, preview: true });
    expect(preview.saved).toBe(false);
    expect(preview.accounts).toBe(1);
    expect(preview.accounts_moving_band).toBe(1);
    expect((await ok(token, "get_health_model")).customized).toBe(false);

    const saved = await ok(token, "update_health_model", change);
    expect(saved.saved).toBe(true);
    expect(saved.rescored).toBe(1);
    const model = await ok(token, "get_health_model");
    expect(model.customized).toBe(true);
    expect((model.model as { bands: Record<string, number> }).bands).toEqual({ churn_risk: 60, at_risk: 70, healthy: 75, champion: 90 });
    const after = (await ok(token, "calculate_health_score", { client_id: id })) as { score: number; band: string };
    expect(after.score).toBeLessThan(before.score);
    expect(after.band).toBe("churn_risk");
  });

  it("refuses a bad model naming the field, and needs cs:admin", async () => {
    const { token } = await workspace("Bad Model Co");
    const sum = await refusal(token, "update_health_model", { weights: { usage: 0.5, engagement: 0.5, support: 0.5, satisfaction: 0, payment: 0 } });
    expect(sum).toMatch(/weights/);
    expect(sum).toMatch(/sum to 1/);
    const order = await refusal(token, "update_health_model", { bands: { at_risk: 30 } });
    expect(order).toMatch(/bands\.at_risk/);
    expect((await ok(token, "get_health_model")).customized).toBe(false);

    const writer = await workspace("Writer Co", "cs:read cs:write");
    const response = await apiCall(writer.restToken, "/api/v1/health/model", { method: "PATCH", body: JSON.stringify({ bands: { churn_risk: 30 } }) });
    expect(response.status).toBe(403);
    expect(JSON.stringify(await response.json())).toMatch(/cs:admin/);
  });
});
