import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { drizzle } from "drizzle-orm/durable-sqlite";
import { describe, expect, it } from "vitest";
import type { TenantDO } from "../durable-objects/tenant";
import type { TenantDb } from "../src/db/accounts";
import { firstTicketAt, healthInputsAsOf } from "../src/db/features-as-of";
import { readHealthInputs } from "../src/db/health-model";
import { moversCutoff } from "../src/db/portfolio";
import * as schema from "../src/db/tenant-schema";
import { newTeam, ok, refused, register, type Team } from "./support/work";
import { callTool, tokenFor } from "./support/worker";

/** Health history rebuilt from facts that arrive with their past (src/db/features-as-of.ts, src/db/health-backfill.ts). */

const DAY = 86_400_000;
const daysAgo = (days: number) => new Date(Date.now() - days * DAY).toISOString();
const dayAgo = (days: number) => daysAgo(days).slice(0, 10);

function stubOf(team: Team): DurableObjectStub<TenantDO> {
  const namespace = env.TENANT as DurableObjectNamespace<TenantDO>;
  return namespace.get(namespace.idFromName(team.tenantId));
}

/** Three months of one account's facts, written as the fact writers would, features refreshed. */
async function withHistory(team: Team, id: string): Promise<void> {
  await runInDurableObject(stubOf(team), (instance: TenantDO, state) => {
    const db = drizzle(state.storage, { schema });
    const now = new Date().toISOString();
    db.transaction((tx) => {
      tx.insert(schema.contracts)
        .values([
          // The term before, renewed into this one on the day it ended: 10 seats, then 20.
          { id: "ct0", accountId: id, startDate: dayAgo(465), endDate: dayAgo(100), renewalDate: dayAgo(100), annualValue: 60_000, seats: 10, autoRenew: true, status: "renewed", renewalStatus: "renewed", createdAt: now, updatedAt: now },
          { id: "ct1", accountId: id, startDate: dayAgo(100), endDate: dayAgo(-265), renewalDate: dayAgo(-265), annualValue: 120_000, seats: 20, autoRenew: true, status: "active", renewalStatus: "not_started", createdAt: now, updatedAt: now },
        ])
        .run();
      const email = { accountId: id, kind: "email" as const, direction: "outbound" as const, subject: "Check-in", source: "manual", createdBy: "csm" };
      tx.insert(schema.touchpoints)
        .values([
          { ...email, id: "t1", occurredAt: daysAgo(40), openedAt: daysAgo(39), clickedAt: daysAgo(39), repliedAt: daysAgo(3) },
          { ...email, id: "t2", occurredAt: daysAgo(30), openedAt: daysAgo(29) },
          { ...email, id: "t3", occurredAt: daysAgo(20) },
          { id: "t4", accountId: id, kind: "meeting", direction: "outbound", subject: "QBR", occurredAt: daysAgo(5), source: "manual", createdBy: "csm" },
        ])
        .run();
      const ticket = { accountId: id, description: "", category: "bug", source: "zendesk", updatedAt: now };
      tx.insert(schema.tickets)
        .values([
          { ...ticket, id: "k1", subject: "Down", priority: "P1", status: "open", openedAt: daysAgo(10), firstResponseDueAt: daysAgo(9), slaBreached: true },
          { ...ticket, id: "k2", subject: "Slow", priority: "P3", status: "solved", openedAt: daysAgo(30), solvedAt: daysAgo(20), slaBreached: false },
          // Closed, with no time saying when (an import can bring one): closed then as now.
          { ...ticket, id: "k3", subject: "Question", priority: "P3", status: "closed", openedAt: daysAgo(33), slaBreached: false },
        ])
        .run();
      tx.insert(schema.feedback)
        .values([
          { id: "f1", accountId: id, kind: "nps", score: 3, source: "survey", submittedAt: daysAgo(60) },
          { id: "f2", accountId: id, kind: "nps", score: 9, source: "survey", submittedAt: daysAgo(6) },
        ])
        .run();
      tx.insert(schema.invoices)
        .values([
          { id: "i1", accountId: id, amount: 30_000, currency: "USD", issuedOn: dayAgo(100), dueOn: dayAgo(70), paidOn: dayAgo(60), status: "paid", createdAt: now, updatedAt: now },
          { id: "i2", accountId: id, amount: 5_000, currency: "USD", issuedOn: dayAgo(50), dueOn: dayAgo(20), status: "open", createdAt: now, updatedAt: now },
          // Paid, with no date saying when: paid then as now, never overdue.
          { id: "i3", accountId: id, amount: 1_000, currency: "USD", issuedOn: dayAgo(70), dueOn: dayAgo(40), status: "paid", createdAt: now, updatedAt: now },
        ])
        .run();
      tx.insert(schema.payments).values({ id: "p1", invoiceId: "i2", accountId: id, amount: 5_000, attemptedAt: daysAgo(19), status: "failed", failureReason: "card_declined" }).run();
      tx.insert(schema.usageDaily)
        .values([
          { accountId: id, day: dayAgo(50), activeUsers: 5, sessions: 9, events: 40, featuresUsed: 2 },
          { accountId: id, day: dayAgo(3), activeUsers: 8, sessions: 20, events: 90, featuresUsed: 4 },
        ])
        .run();
      instance["factsChanged"](tx as unknown as TenantDb, [id]);
    });
  });
}

async function inputsAt(team: Team, id: string, at: Date) {
  return runInDurableObject(stubOf(team), (_instance: TenantDO, state) => {
    const db = drizzle(state.storage, { schema }) as unknown as TenantDb;
    const today = readHealthInputs(db, id);
    return { asOf: healthInputsAsOf(db, id, at, { today, firstTicketAt: firstTicketAt(db) }), live: today };
  });
}

describe("health inputs as of a past day", () => {
  it("as of now, are what the live features say", async () => {
    const team = await newTeam("As-of Now Co");
    const id = await register(team.token, { client_name: "Acme" });
    await withHistory(team, id);
    const { asOf, live } = await inputsAt(team, id, new Date());
    expect(live.openTickets).toBe(1);
    expect(asOf).toEqual(live);
  });

  it("count only what had happened by then", async () => {
    const team = await newTeam("As-of Past Co");
    const id = await register(team.token, { client_name: "Acme" });
    await withHistory(team, id);
    const { asOf } = await inputsAt(team, id, new Date(Date.now() - 25 * DAY));
    expect(asOf).toMatchObject({
      // Usage 50 days ago is inside the 30 days before then; 3 days ago is not yet.
      activeUsers: 5,
      logins30d: 9,
      featuresUsed: 2,
      licensedSeats: 20,
      // Two emails sent by then, both opened, one clicked; the reply came later.
      emailOpenRate: 1,
      emailClickRate: 0.5,
      messageReplyRate: 0,
      daysSinceLastTouch: null,
      // The ticket opened 30 days ago was open until 20 days ago (the closed one was not); the P1 came later.
      openTickets: 1,
      tickets90d: 2,
      highSeverityTickets90d: 0,
      slaBreaches90d: 0,
      oldestOpenTicketAgeDays: 5,
      nps: 3,
      // The first invoice was paid 10 days late; the second was not due yet, its failed payment later.
      invoicesPaidLate: 1,
      maxDaysLate: 10,
      overdueAmount: 0,
      failedPayments: 0,
    });
    // Before the workspace had any ticket, support is unknown rather than perfect.
    const early = await inputsAt(team, id, new Date(Date.now() - 35 * DAY));
    expect(early.asOf).toMatchObject({ openTickets: null, tickets90d: null, activeUsers: 5 });
    const beforeUsage = await inputsAt(team, id, new Date(Date.now() - 55 * DAY));
    expect(beforeUsage.asOf).toMatchObject({ activeUsers: null, logins30d: null });
    // On the renewal day the new term's seats count, and before it the old term's.
    expect((await inputsAt(team, id, new Date(Date.now() - 100 * DAY))).asOf.licensedSeats).toBe(20);
    expect((await inputsAt(team, id, new Date(Date.now() - 101 * DAY))).asOf.licensedSeats).toBe(10);
  });
});

describe("rebuild_health_history", () => {
  it("scores the past from the facts, fits today's trend over it, and never adds a point twice", async () => {
    const team = await newTeam("Backfill Co");
    const admin = (await tokenFor(team.workspace, { scope: "cs:read cs:write cs:admin" })).access_token;
    const id = await register(team.token, { client_name: "Acme" });
    await runInDurableObject(stubOf(team), (_instance: TenantDO, state) => {
      state.storage.sql.exec("UPDATE accounts SET created_at = ? WHERE id = ?", daysAgo(100), id);
    });
    await withHistory(team, id);
    const before = await ok<{ points: unknown[] }>(team.token, "get_health_history", { client_id: id, granularity: "change" });
    const baseline = () =>
      runInDurableObject(stubOf(team), (_instance: TenantDO, state) => state.storage.sql.exec<{ score: number | null }>("SELECT health_baseline_score AS score FROM accounts WHERE id = ?", id).one().score);
    // The movers' baseline is taken a week back, when the account had no score yet.
    await ok(team.token, "get_portfolio_health", { max_age_seconds: 0 });
    expect(await baseline()).toBeNull();

    // Rebuilding is a workspace setting's job: cs:admin.
    const { response } = await callTool(team.token, "rebuild_health_history", {});
    expect(response.status).toBe(403);
    expect(await ok(admin, "rebuild_health_history", { days: 60, step_days: 7 })).toEqual({ accounts: 1, snapshots: 8, next_after_client_id: null });
    const history = await ok<{ points: { at: string; score: number }[]; trend: { direction: string } }>(team.token, "get_health_history", { client_id: id });
    // Eight weekly points from 56 days ago, then today's.
    expect(history.points).toHaveLength(9);
    expect(Date.parse(history.points[0]?.at ?? "")).toBeLessThan(Date.now() - 55 * DAY);
    expect(new Set(history.points.map((point) => point.score)).size).toBeGreaterThan(1);
    expect(history.trend.direction).not.toBe("insufficient_history");
    const overview = await ok<{ client: { health_trend: string | null }; health: { note: string } }>(team.token, "get_client_overview", { client_id: id });
    expect(overview.client.health_trend).toBe(history.trend.direction);
    expect(overview.health.note).toContain(`, ${history.trend.direction}; calculate_health_score explains`);
    // The rebuilt week-old score is the movers' baseline from the next portfolio question on.
    await ok(team.token, "get_portfolio_health", { max_age_seconds: 0 });
    const cutoff = moversCutoff(new Date());
    const atCutoff = history.points.filter((point) => point.at <= cutoff).at(-1);
    expect(atCutoff).toBeDefined();
    expect(await baseline()).toBe(atCutoff?.score);

    // Again: every point it could add is older than the history it now has.
    expect(await ok(admin, "rebuild_health_history", { days: 60, step_days: 7 })).toEqual({ accounts: 1, snapshots: 0, next_after_client_id: null });
    const moves = await ok<{ points: unknown[] }>(team.token, "get_health_history", { client_id: id, granularity: "change" });
    expect(moves.points.length).toBe(before.points.length + 8);
    expect(await refused(admin, "rebuild_health_history", { days: 7, step_days: 7 })).toMatch(/step_days must be smaller than days/);
  });

  it("goes through a large workspace a page of accounts at a time, each page once", async () => {
    const team = await newTeam("Pages Co");
    const ids = [await register(team.token, { client_name: "One" }), await register(team.token, { client_name: "Two" }), await register(team.token, { client_name: "Three" })].sort();
    await runInDurableObject(stubOf(team), (_instance: TenantDO, state) => {
      state.storage.sql.exec("UPDATE accounts SET created_at = ?", daysAgo(30));
      // Usage 20 days ago gives every account a past to score.
      for (const id of ids) state.storage.sql.exec("INSERT INTO usage_daily (account_id, day, active_users, sessions, events, features_used) VALUES (?, ?, 3, 5, 10, 1)", id, dayAgo(20));
      state.storage.sql.exec("DELETE FROM health_snapshots");
    });
    const page = { days: 14, stepDays: 7, limit: 2 };
    const first = await team.tenant.backfillHealthHistory({ ...page, after: "" });
    expect(first).toEqual({ ok: true, value: { accounts: 2, snapshots: 4, next: ids[1] } });
    const second = await team.tenant.backfillHealthHistory({ ...page, after: ids[1] ?? "" });
    expect(second).toEqual({ ok: true, value: { accounts: 1, snapshots: 2, next: null } });
  });
});
