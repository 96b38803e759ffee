import { sql } from "drizzle-orm";
import * as schema from "../src/db/tenant-schema";
import { describe, expect, it } from "vitest";
import { health } from "../src/analytics";
import { RECORD_PAGE_SIZE } from "../src/db/account-fields";
import type { TenantDb } from "../src/db/accounts";
import { apiCall, callTool, tokenFor } from "./support/worker";
import { inTenant, newTeam, ok, refused, register, setFeatures } from "./support/work";
import type { TenantDO } from "../durable-objects/tenant";
import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";

interface RunTask {
  client_id: string;
  task_id: string | null;
  title: string;
  owner: string | null;
  due_date: string;
  already_open: boolean;
  why: string[];
}
interface Run {
  dry_run: boolean;
  accounts_evaluated: number;
  playbooks: { playbook_id: string; matched: number; created: number; already_open: number; error: string | null; tasks: RunTask[] }[];
  totals: { matched: number; created: number; already_open: number };
}
interface Task {
  task_id: string;
  client_id: string | null;
  title: string;
  description: string;
  owner: string | null;
  due_date: string | null;
  priority: string;
  status: string;
  source: string;
}
interface Playbook {
  playbook_id: string;
  enabled: boolean;
  last_run_at: string | null;
  open_tasks: number;
  action: { title: string; owner: string; due_in_days: number; priority: string };
}

const enterpriseTrigger = { match: "all", rules: [{ field: "tier", operator: "eq", value: "enterprise" }] };

function inDays(days: number): string {
  return new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);
}

async function tasksOf(token: string, playbookId: string, extra: Record<string, unknown> = {}): Promise<Task[]> {
  return (await ok<{ tasks: Task[] }>(token, "list_tasks", { source: `playbook:${playbookId}`, limit: 200, ...extra })).tasks;
}

describe("playbook definitions", () => {
  it("refuses bad triggers and task templates, naming the field", async () => {
    const team = await newTeam("Playbook Rules Co");
    const badTrigger = await refused(team.token, "create_playbook", {
      name: "x",
      trigger: { match: "all", rules: [{ field: "health", operator: "lt", value: 40 }] },
      action: { title: "Call" },
    });
    expect(badTrigger).toContain('trigger.rules[0].field: unknown field "health"');
    const badToken = await refused(team.token, "create_playbook", { name: "x", trigger: enterpriseTrigger, action: { title: "Call {{customer}}" } });
    expect(badToken).toContain("action.title: unknown token {{customer}}");
    const braces = await refused(team.token, "create_playbook", { name: "x", trigger: enterpriseTrigger, action: { title: "Call {{account_name}", description: "" } });
    expect(braces).toContain("action.title");
    const rest = await apiCall(team.api, "/api/v1/playbooks", {
      method: "POST",
      body: JSON.stringify({ name: "x", trigger: enterpriseTrigger, action: { title: "Call", due_in_days: 400 } }),
    });
    expect(rest.status).toBe(400);
    expect(((await rest.json()) as { error: { message: string } }).error.message).toContain("action.due_in_days");

    const created = await ok<{ playbook: Playbook }>(team.token, "create_playbook", { name: "Defaults", trigger: enterpriseTrigger, action: { title: "Call {{account_name}}" } });
    expect(created.playbook.action).toEqual({ title: "Call {{account_name}}", description: "", owner: "csm", due_in_days: 7, priority: "medium" });
    expect(created.playbook.enabled).toBe(true);
    expect(await refused(team.token, "create_playbook", { name: "Defaults", trigger: enterpriseTrigger, action: { title: "Again" } })).toContain(
      'a playbook named "Defaults" already exists',
    );
    const changed = await ok<{ playbook: Playbook; changed_fields: string[] }>(team.token, "update_playbook", {
      playbook_id: created.playbook.playbook_id,
      action: { priority: "urgent" },
    });
    expect(changed.changed_fields).toEqual(["action"]);
    expect(changed.playbook.action).toMatchObject({ title: "Call {{account_name}}", priority: "urgent", due_in_days: 7 });
    expect(await refused(team.token, "update_playbook", { playbook_id: created.playbook.playbook_id, trigger: { match: "all", rules: [{ field: "tier", operator: "eq", value: "gold" }] } })).toContain(
      "trigger.rules[0].value",
    );
  });
});

describe("documented examples", () => {
  it("accepts the two example playbooks in docs/playbooks.md and runs the renewal one on the right accounts", async () => {
    const team = await newTeam("Playbook Docs Co");
    const soonDate = inDays(60);
    const soon = await register(team.token, { client_name: "Soon", contract_end_date: soonDate, csm_assigned: "ria@example.com" });
    const touched = await register(team.token, { client_name: "Touched", contract_end_date: soonDate });
    await register(team.token, { client_name: "Later", contract_end_date: inDays(300) });
    await setFeatures(team.tenantId, touched, { daysSinceLastTouch: 5 });
    await setFeatures(team.tenantId, soon, { daysSinceLastTouch: 45 });
    await ok(team.token, "create_playbook", {
      name: "Health below 40",
      description: "Call accounts whose health fell into churn risk",
      trigger: { match: "all", rules: [{ field: "health_score", operator: "lt", value: 40 }] },
      action: { title: "Call {{account_name}} (health {{health_score}})", owner: "csm", due_in_days: 2, priority: "high" },
    });
    const renewal = await ok<{ playbook: Playbook }>(team.token, "create_playbook", {
      name: "Renewal in 90 days, no touch in 30",
      trigger: {
        match: "all",
        rules: [
          { field: "days_until_renewal", operator: "between", value: [0, 90] },
          { match: "any", rules: [{ field: "days_since_last_touch", operator: "gte", value: 30 }, { field: "days_since_last_touch", operator: "exists", value: false }] },
        ],
      },
      action: { title: "Renewal check-in with {{company_name}} ({{days_until_renewal}} days left)", owner: "csm", due_in_days: 5, priority: "medium" },
    });
    const run = await ok<Run>(team.token, "run_playbooks", { playbook_id: renewal.playbook.playbook_id });
    expect(run.playbooks[0]?.tasks.map((t) => [t.client_id, t.title, t.owner])).toEqual([[soon, "Renewal check-in with Soon Ltd (60 days left)", "ria@example.com"]]);
  });
});

describe("running playbooks", () => {
  it("opens one task per matching account, dedupes across runs, and reopens after the task is closed", async () => {
    const team = await newTeam("Playbook Run Co");
    const e1 = await register(team.token, { client_name: "E1", tier: "enterprise", csm_assigned: "alex@example.com", contract_value: 120_000 });
    const e2 = await register(team.token, { client_name: "E2", tier: "enterprise" });
    const s1 = await register(team.token, { client_name: "S1", tier: "starter", csm_assigned: "alex@example.com" });
    const { playbook } = await ok<{ playbook: Playbook }>(team.token, "create_playbook", {
      name: "Enterprise check-in",
      description: "Every enterprise account gets a call",
      trigger: enterpriseTrigger,
      action: { title: "Call {{account_name}} ({{tier}}, ARR {{contract_value}})", owner: "csm", due_in_days: 2, priority: "high" },
    });
    expect(await tasksOf(team.token, playbook.playbook_id)).toEqual([]);

    const dry = await ok<Run>(team.token, "run_playbooks", { dry_run: true });
    expect(dry).toMatchObject({ dry_run: true, accounts_evaluated: 3, totals: { matched: 2, created: 2, already_open: 0 } });
    expect(dry.playbooks[0]?.tasks.map((t) => t.task_id)).toEqual([null, null]);
    expect(dry.playbooks[0]?.tasks.find((t) => t.client_id === e1)?.title).toBe("Call E1 (enterprise, ARR 120000)");
    expect(await tasksOf(team.token, playbook.playbook_id)).toEqual([]);

    const first = await ok<Run>(team.token, "run_playbooks", {});
    expect(first.totals).toEqual({ matched: 2, created: 2, already_open: 0 });
    const tasks = await tasksOf(team.token, playbook.playbook_id);
    expect(tasks.map((t) => t.client_id).sort()).toEqual([e1, e2].sort());
    expect(tasks.map((t) => t.client_id)).not.toContain(s1);
    const e1Task = tasks.find((t) => t.client_id === e1);
    expect(e1Task).toMatchObject({ owner: "alex@example.com", priority: "high", due_date: inDays(2), status: "open", title: "Call E1 (enterprise, ARR 120000)" });
    expect(e1Task?.description).toContain('Opened by playbook "Enterprise check-in" because:');
    expect(e1Task?.description).toContain('tier eq "enterprise" (was "enterprise")');
    expect(tasks.find((t) => t.client_id === e2)?.owner).toBeNull();
    const timeline = await ok<{ events: { title: string; actor: string; metadata: Record<string, unknown> }[] }>(team.token, "get_client_timeline", { client_id: e1 });
    const opened = timeline.events.find((e) => e.title === "Task opened: Call E1 (enterprise, ARR 120000)");
    expect(opened?.metadata.playbook_id).toBe(playbook.playbook_id);
    expect(opened?.actor).toBe(`playbook:${playbook.playbook_id}`);

    const second = await ok<Run>(team.token, "run_playbooks", {});
    expect(second.totals).toEqual({ matched: 2, created: 0, already_open: 2 });
    expect(second.playbooks[0]?.tasks.every((t) => t.already_open && t.task_id !== null)).toBe(true);
    expect(await tasksOf(team.token, playbook.playbook_id)).toHaveLength(2);

    // Done on E1: the rule still matches, so the next run opens a new task for E1 only.
    await ok(team.token, "update_task", { task_id: e1Task?.task_id, status: "done" });
    const third = await ok<Run>(team.token, "run_playbooks", { playbook_id: playbook.playbook_id });
    expect(third.totals).toEqual({ matched: 2, created: 1, already_open: 1 });
    const e1Tasks = await tasksOf(team.token, playbook.playbook_id, { client_id: e1 });
    expect(e1Tasks.map((t) => t.status).sort()).toEqual(["done", "open"]);

    // Cancelled works the same way.
    const e2Task = (await tasksOf(team.token, playbook.playbook_id, { client_id: e2 }))[0];
    await ok(team.token, "update_task", { task_id: e2Task?.task_id, status: "cancelled" });
    expect((await ok<Run>(team.token, "run_playbooks", {})).totals).toEqual({ matched: 2, created: 1, already_open: 1 });

    const listed = await ok<{ playbooks: Playbook[] }>(team.token, "list_playbooks", {});
    expect(listed.playbooks[0]).toMatchObject({ playbook_id: playbook.playbook_id, open_tasks: 2 });
    expect(listed.playbooks[0]?.last_run_at).not.toBeNull();

    // Disabled: scheduled and data-change runs skip it; a run of it alone needs dry_run.
    await ok(team.token, "update_playbook", { playbook_id: playbook.playbook_id, enabled: false });
    expect((await ok<Run>(team.token, "run_playbooks", {})).playbooks).toEqual([]);
    expect(await refused(team.token, "run_playbooks", { playbook_id: playbook.playbook_id })).toContain("disabled");
    const disabledDry = await ok<Run>(team.token, "run_playbooks", { playbook_id: playbook.playbook_id, dry_run: true });
    expect(disabledDry.totals).toEqual({ matched: 2, created: 0, already_open: 2 });
    expect((await ok<{ playbooks: Playbook[] }>(team.token, "list_playbooks", { enabled: true })).playbooks).toEqual([]);
    const rest = await apiCall(team.api, "/api/v1/playbooks?enabled=false");
    expect(((await rest.json()) as { playbooks: Playbook[] }).playbooks.map((p) => p.playbook_id)).toEqual([playbook.playbook_id]);
  });

  it("runs when account data changes: update_client_info, registration and the fact writers' factsChanged", async () => {
    const team = await newTeam("Playbook Trigger Co");
    const account = await register(team.token, { client_name: "Wobbly", tier: "professional", csm_assigned: "jo@example.com" });
    const { playbook } = await ok<{ playbook: Playbook }>(team.token, "create_playbook", {
      name: "At-risk rescue",
      trigger: { match: "all", rules: [{ field: "lifecycle_stage", operator: "eq", value: "at_risk" }] },
      action: { title: "Rescue plan for {{account_name}}", owner: "csm", due_in_days: 3, priority: "urgent" },
    });
    expect(await tasksOf(team.token, playbook.playbook_id)).toEqual([]);

    await ok(team.token, "update_client_info", { client_id: account, updates: { lifecycle_stage: "at_risk" } });
    const afterChange = await tasksOf(team.token, playbook.playbook_id);
    expect(afterChange).toHaveLength(1);
    expect(afterChange[0]).toMatchObject({ client_id: account, owner: "jo@example.com", priority: "urgent", title: "Rescue plan for Wobbly" });

    // Another change while the task is open does not open a second one.
    await ok(team.token, "update_client_info", { client_id: account, updates: { industry: "Retail" } });
    expect(await tasksOf(team.token, playbook.playbook_id)).toHaveLength(1);

    const registered = await ok<{ client: { client_id: string } }>(team.token, "register_client", { client_name: "Born at risk", company_name: "B", lifecycle_stage: "at_risk" });
    expect((await tasksOf(team.token, playbook.playbook_id, { client_id: registered.client.client_id })).map((t) => t.owner)).toEqual([null]);

    // A fact writer changes account_features and calls factsChanged in its transaction.
    const overdue = await ok<{ playbook: Playbook }>(team.token, "create_playbook", {
      name: "Collect overdue",
      trigger: { match: "all", rules: [{ field: "overdue_amount", operator: "gt", value: 0 }] },
      action: { title: "Chase {{overdue_amount}} from {{company_name}}", owner: "finance@example.com" },
    });
    // An invoice 20 days past due: factsChanged derives overdue_amount from it.
    const namespace = env.TENANT as DurableObjectNamespace<TenantDO>;
    await runInDurableObject(namespace.get(namespace.idFromName(team.tenantId)), (instance: TenantDO) => {
      const inner = instance as unknown as { db: TenantDb; factsChanged(db: TenantDb, ids: Iterable<string>): void };
      const dueOn = new Date(Date.now() - 20 * 86_400_000).toISOString().slice(0, 10);
      const now = new Date().toISOString();
      inner.db.transaction((tx) => {
        tx.insert(schema.invoices)
          .values({ id: "inv-overdue", accountId: account, amount: 2500, currency: "USD", issuedOn: dueOn, dueOn, status: "open", createdAt: now, updatedAt: now })
          .run();
        inner.factsChanged(tx, new Set([account]));
      });
    });
    const chased = await tasksOf(team.token, overdue.playbook.playbook_id);
    expect(chased.map((t) => [t.client_id, t.title, t.owner])).toEqual([[account, "Chase 2500 from Wobbly Ltd", "finance@example.com"]]);
  });

  it("opens tasks for accounts whose recomputed health falls below 40 (scheduled run over every account)", async () => {
    const team = await newTeam("Playbook Health Co");
    const sick = await register(team.token, { client_name: "Sick", csm_assigned: "dana@example.com" });
    const fine = await register(team.token, { client_name: "Fine", csm_assigned: "dana@example.com" });
    const sickFeatures = { activeUsers: 1, licensedSeats: 50, logins30d: 2, nps: 1, openTickets: 9, slaBreaches90d: 6, tickets90d: 20, highSeverityTickets90d: 8, failedPayments: 3, overdueAmount: 20_000, invoicesPaidLate: 4, maxDaysLate: 90, daysSinceLastTouch: 120 };
    const fineFeatures = { activeUsers: 45, licensedSeats: 50, logins30d: 900, nps: 10, openTickets: 0, tickets90d: 1, failedPayments: 0, invoicesPaidLate: 0, daysSinceLastTouch: 3 };
    const sickScore = health.scoreHealth(sickFeatures, health.DEFAULT_HEALTH_CONFIG).score ?? 100;
    const fineScore = health.scoreHealth(fineFeatures, health.DEFAULT_HEALTH_CONFIG).score ?? 0;
    expect(sickScore).toBeLessThan(40);
    expect(fineScore).toBeGreaterThanOrEqual(40);
    await setFeatures(team.tenantId, sick, sickFeatures);
    await setFeatures(team.tenantId, fine, fineFeatures);

    const { playbook } = await ok<{ playbook: Playbook }>(team.token, "create_playbook", {
      name: "Health below 40",
      trigger: { match: "all", rules: [{ field: "health_score", operator: "lt", value: 40 }] },
      action: { title: "Call {{account_name}} (health {{health_score}})", due_in_days: 2, priority: "high" },
    });
    // Not scored yet: a missing health score does not match.
    expect((await team.tenant.runAllPlaybooks()).totals.matched).toBe(0);

    await team.tenant.recomputeHealth();
    const run = await team.tenant.runAllPlaybooks();
    expect(run.totals).toEqual({ matched: 1, created: 1, already_open: 0 });
    const tasks = await tasksOf(team.token, playbook.playbook_id);
    expect(tasks.map((t) => [t.client_id, t.title, t.owner, t.due_date])).toEqual([[sick, `Call Sick (health ${sickScore})`, "dana@example.com", inDays(2)]]);
    expect(tasks[0]?.description).toContain(`health_score lt 40 (was ${sickScore})`);
    expect((await team.tenant.runAllPlaybooks()).totals).toEqual({ matched: 1, created: 0, already_open: 1 });
  });

  it("scans every account in pages when the tenant is larger than a page", async () => {
    const team = await newTeam("Playbook Scale Co");
    const count = RECORD_PAGE_SIZE * 2 + 37;
    const inputs = Array.from({ length: count }, (_, i) => ({
      account: {
        client_name: `Bulk ${String(i).padStart(5, "0")}`,
        company_name: "Bulk",
        industry: "x",
        tier: (i % 3 === 0 ? "enterprise" : "standard") as "enterprise" | "standard",
        contract_value: 1000,
        contract_start_date: "2026-01-01",
        contract_end_date: "2027-01-01",
      },
      events: [],
    }));
    const registered = await team.tenant.registerAccounts(inputs, { userId: "u-test", via: "system" });
    expect(registered.ok).toBe(true);
    await ok(team.token, "create_playbook", { name: "Every enterprise", trigger: enterpriseTrigger, action: { title: "Hello {{account_name}}" } });
    const expected = inputs.filter((input) => input.account.tier === "enterprise").length;
    const run = await team.tenant.runAllPlaybooks();
    expect(run.accounts_evaluated).toBe(count);
    expect(run.totals).toEqual({ matched: expected, created: expected, already_open: 0 });
    expect(run.playbooks[0]?.tasks).toHaveLength(50);
    const stored = await inTenant(team.tenantId, (_db, state) =>
      state.storage.sql.exec<{ n: number; keys: number }>("SELECT count(*) AS n, count(DISTINCT dedupe_key) AS keys FROM tasks").one(),
    );
    expect(stored).toEqual({ n: expected, keys: expected });
    const preview = await ok<{ member_count: number; accounts_evaluated: number }>(team.token, "preview_segment", { rule: enterpriseTrigger, limit: 1 });
    expect(preview).toMatchObject({ member_count: expected, accounts_evaluated: count });
  }, 60_000);
});

describe("scopes and tenants", () => {
  it("reports a stored playbook that no longer holds a valid action, and runs the others", async () => {
    const team = await newTeam("Damaged Playbook Co");
    const account = await register(team.token, { client_name: "E1", tier: "enterprise" });
    const good = await ok<{ playbook: Playbook }>(team.token, "create_playbook", { name: "Good", trigger: enterpriseTrigger, action: { title: "Call {{account_name}}" } });
    const damaged = await ok<{ playbook: Playbook }>(team.token, "create_playbook", { name: "Damaged", trigger: enterpriseTrigger, action: { title: "Call" } });
    // As a restore from an old or edited backup could leave it: an action without a title.
    await inTenant(team.tenantId, (db) => db.run(sql`UPDATE playbooks SET action = '{"owner":"csm"}' WHERE id = ${damaged.playbook.playbook_id}`));
    const run = await ok<Run>(team.token, "run_playbooks", {});
    expect(run.playbooks.find((p) => p.playbook_id === damaged.playbook.playbook_id)?.error).toMatch(/action\.title/);
    expect(run.playbooks.find((p) => p.playbook_id === good.playbook.playbook_id)).toMatchObject({ error: null, created: 1 });
    // Writes that run the playbooks still succeed.
    await ok(team.token, "update_client_info", { client_id: account, updates: { csm_assigned: "sam@example.com" } });
  });

  it("lets a read-only token list playbooks but not create, change or run them", async () => {
    const team = await newTeam("Playbook Scope Co");
    const { playbook } = await ok<{ playbook: Playbook }>(team.token, "create_playbook", { name: "P", trigger: enterpriseTrigger, action: { title: "T" } });
    const readOnly = (await tokenFor(team.workspace, { scope: "cs:read", grant: ["cs:read"] })).access_token;
    await ok(readOnly, "list_playbooks", {});
    for (const [name, args] of [
      ["create_playbook", { name: "Q", trigger: enterpriseTrigger, action: { title: "T" } }],
      ["update_playbook", { playbook_id: playbook.playbook_id, enabled: false }],
      ["run_playbooks", { dry_run: true }],
    ] as const) {
      const call = await callTool(readOnly, name, args);
      expect(call.response.status, name).toBe(403);
      expect(call.response.headers.get("WWW-Authenticate"), name).toContain('error="insufficient_scope"');
    }
  });

  it("runs a tenant's playbooks over its own accounts only", async () => {
    const alpha = await newTeam("Alpha Playbooks");
    const beta = await newTeam("Beta Playbooks");
    await register(alpha.token, { client_name: "Alpha Ent", tier: "enterprise" });
    await register(beta.token, { client_name: "Beta Ent", tier: "enterprise" });
    const { playbook } = await ok<{ playbook: Playbook }>(alpha.token, "create_playbook", { name: "Mine", trigger: enterpriseTrigger, action: { title: "T {{account_name}}" } });
    const run = await ok<Run>(alpha.token, "run_playbooks", {});
    expect(run.totals.created).toBe(1);
    expect(run.playbooks[0]?.tasks.map((t) => t.title)).toEqual(["T Alpha Ent"]);
    expect((await ok<{ tasks: Task[] }>(beta.token, "list_tasks", {})).tasks).toEqual([]);
    expect((await ok<Run>(beta.token, "run_playbooks", {})).playbooks).toEqual([]);
    expect(await refused(beta.token, "update_playbook", { playbook_id: playbook.playbook_id, enabled: false })).toContain("No playbook");
    expect(await refused(beta.token, "run_playbooks", { playbook_id: playbook.playbook_id, dry_run: true })).toContain("No playbook");
  });
});
