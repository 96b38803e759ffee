import { beforeAll, describe, expect, it } from "vitest";
import { createEscalation, listEscalations, resolveEscalation, slaState, updateSlaHours } from "../src/db/escalations";
import { listTasks } from "../src/db/tasks";
import { apiCall, callTool, ORIGIN, tokenFor } from "./support/worker";
import { inTenant, newTeam, ok, refused, register, type Team } from "./support/work";

interface Task {
  task_id: string;
  client_id: string | null;
  title: string;
  owner: string | null;
  due_date: string | null;
  priority: string;
  status: string;
  source: string;
  overdue: boolean;
  completed_at: string | null;
}
interface TaskPage {
  tasks: Task[];
  pagination: { has_more: boolean; next_cursor: string | null };
  summary: { total_count: number; overdue_count: number };
}
interface Escalation {
  escalation_id: string;
  status: string;
  owner: string | null;
  severity: string;
  opened_at: string;
  task_id: string | null;
  sla: { hours: number; resolve_by: string; breached: boolean; minutes_left: number | null; overdue_by_minutes: number | null; resolved_within_sla: boolean | null };
}
interface Timeline {
  events: { title: string; event_type: string; metadata: Record<string, unknown> }[];
}

const HOUR = 3_600_000;

let team: Team;
let accountId = "";

function day(offsetDays: number): string {
  return new Date(Date.now() + offsetDays * 86_400_000).toISOString().slice(0, 10);
}

beforeAll(async () => {
  team = await newTeam("Tasks Co");
  accountId = await register(team.token, { client_name: "Taskable", tier: "professional", contract_value: 40_000, csm_assigned: "casey@example.com" });
});

describe("tasks", () => {
  it("creates tasks, lists them soonest due first with filters and a cursor, and records them on the timeline", async () => {
    const t = await newTeam("Task List Co");
    const account = await register(t.token, { client_name: "Listed" });
    const specs = [
      { title: "Later", due_date: day(10), owner: "sam" },
      { title: "Overdue", due_date: day(-2), owner: "sam", client_id: account },
      { title: "No date", owner: "kim" },
      { title: "Soon", due_date: day(1), owner: "kim", priority: "high" },
    ];
    const created: Task[] = [];
    for (const spec of specs) created.push((await ok<{ task: Task }>(t.token, "create_task", spec)).task);
    expect(created[1]).toMatchObject({ client_id: account, status: "open", source: "manual", overdue: true, priority: "medium" });
    expect(created[3]?.priority).toBe("high");

    const all = await ok<TaskPage>(t.token, "list_tasks", {});
    expect(all.tasks.map((task) => task.title)).toEqual(["Overdue", "Soon", "Later", "No date"]);
    expect(all.summary).toEqual({ total_count: 4, overdue_count: 1 });

    const titles: string[] = [];
    let cursor: string | null = null;
    do {
      const page: TaskPage = await ok<TaskPage>(t.token, "list_tasks", { limit: 3, ...(cursor ? { cursor } : {}) });
      titles.push(...page.tasks.map((task) => task.title));
      cursor = page.pagination.next_cursor;
    } while (cursor);
    expect(titles).toEqual(["Overdue", "Soon", "Later", "No date"]);

    expect((await ok<TaskPage>(t.token, "list_tasks", { owner: "kim" })).tasks.map((x) => x.title)).toEqual(["Soon", "No date"]);
    expect((await ok<TaskPage>(t.token, "list_tasks", { overdue: true })).tasks.map((x) => x.title)).toEqual(["Overdue"]);
    expect((await ok<TaskPage>(t.token, "list_tasks", { client_id: account })).tasks.map((x) => x.title)).toEqual(["Overdue"]);
    expect((await ok<TaskPage>(t.token, "list_tasks", { source: "playbook" })).tasks).toEqual([]);
    const rest = await apiCall(t.api, "/api/v1/tasks?owner=sam&status=open,in_progress&source=manual");
    expect(rest.status).toBe(200);
    expect(((await rest.json()) as TaskPage).tasks.map((x) => x.title)).toEqual(["Overdue", "Later"]);

    const timeline = await ok<Timeline>(t.token, "get_client_timeline", { client_id: account });
    expect(timeline.events.map((e) => e.title)).toContain("Task opened: Overdue");

    expect(await refused(t.token, "create_task", { title: "x", client_id: "cs_missing" })).toContain('No account with client_id "cs_missing"');
    expect(await refused(t.token, "create_task", { title: "x", due_date: "tomorrow" })).toContain("due_date");
  });

  it("moves a task open → in_progress → done with completed_at; done is final; reassigns and cancels", async () => {
    const { task } = await ok<{ task: Task }>(team.token, "create_task", { title: "Kick-off call", client_id: accountId, owner: "casey@example.com", due_date: day(3) });
    const started = await ok<{ task: Task; changed_fields: string[] }>(team.token, "update_task", { task_id: task.task_id, status: "in_progress", owner: "lee@example.com" });
    expect(started.task).toMatchObject({ status: "in_progress", owner: "lee@example.com", completed_at: null });
    expect(started.changed_fields.sort()).toEqual(["owner", "status"]);

    const done = await ok<{ task: Task }>(team.token, "update_task", { task_id: task.task_id, status: "done" });
    expect(done.task.status).toBe("done");
    expect(Date.parse(done.task.completed_at ?? "")).toBeGreaterThan(Date.now() - 60_000);

    const reopen = await apiCall(team.api, `/api/v1/tasks/${task.task_id}`, { method: "PATCH", body: JSON.stringify({ status: "open" }) });
    expect(reopen.status).toBe(409);
    expect(((await reopen.json()) as { error: { message: string } }).error.message).toContain("final");
    const badStatus = await apiCall(team.api, `/api/v1/tasks/${task.task_id}`, { method: "PATCH", body: JSON.stringify({ status: "finished" }) });
    expect(badStatus.status).toBe(400);
    expect(((await badStatus.json()) as { error: { message: string } }).error.message).toContain("status");
    const empty = await apiCall(team.api, `/api/v1/tasks/${task.task_id}`, { method: "PATCH", body: JSON.stringify({}) });
    expect(empty.status).toBe(400);

    const other = await ok<{ task: Task }>(team.token, "create_task", { title: "Maybe", client_id: accountId });
    const cancelled = await ok<{ task: Task }>(team.token, "update_task", { task_id: other.task.task_id, status: "cancelled" });
    expect(cancelled.task).toMatchObject({ status: "cancelled", completed_at: null });

    const timeline = await ok<Timeline>(team.token, "get_client_timeline", { client_id: accountId });
    const titles = timeline.events.map((e) => e.title);
    expect(titles).toContain("Task completed: Kick-off call");
    expect(titles).toContain("Task cancelled: Maybe");
    expect(await refused(team.token, "update_task", { task_id: "task_nope", status: "done" })).toContain("No task");
  });
});

describe("escalation SLA", () => {
  it("sets resolve_by from the severity and computes time left, breach and overdue-by at explicit times", async () => {
    const result = await inTenant(team.tenantId, (db) => {
      const opened = new Date("2026-05-01T09:00:00.000Z");
      const critical = createEscalation(db, { client_id: accountId, severity: "critical", title: "Outage" }, "u-test", opened);
      const low = createEscalation(db, { client_id: accountId, severity: "low", title: "Typo" }, "u-test", opened);
      const at = (iso: string) => listEscalations(db, { limit: 50, client_id: accountId }, new Date(iso));
      const find = (list: ReturnType<typeof at>, id: string) => list.escalations.find((e) => e.escalation_id === id);
      const before = at("2026-05-01T12:00:00.000Z");
      const after = at("2026-05-01T14:30:00.000Z");
      const breachedOnly = listEscalations(db, { limit: 50, client_id: accountId, breached: true }, new Date("2026-05-01T14:30:00.000Z"));
      // Resolved an hour late: no longer breached, but not within the SLA either.
      const resolved = resolveEscalation(db, critical.escalation_id, "Failover restored", "u-test", new Date("2026-05-01T14:00:00.000Z"));
      const afterResolve = listEscalations(db, { limit: 50, client_id: accountId, breached: true }, new Date("2026-05-01T15:00:00.000Z"));
      const tasks = listTasks(db, { limit: 50, source: `escalation:${critical.escalation_id}` }, new Date("2026-05-01T15:00:00.000Z"));
      return { critical, low, before: find(before, critical.escalation_id), after: find(after, critical.escalation_id), lowAfter: find(after, low.escalation_id), breachedOnly, resolved, afterResolve, tasks, breachedCount: after.summary.breached_count };
    });
    expect(result.critical.sla.resolve_by).toBe("2026-05-01T13:00:00.000Z");
    expect(result.low.sla.resolve_by).toBe("2026-05-08T09:00:00.000Z");
    expect(result.before?.sla).toMatchObject({ hours: 4, breached: false, minutes_left: 60, overdue_by_minutes: null });
    expect(result.after?.sla).toMatchObject({ breached: true, minutes_left: null, overdue_by_minutes: 90 });
    expect(result.lowAfter?.sla).toMatchObject({ hours: 168, breached: false, minutes_left: 168 * 60 - 330 });
    expect(result.breachedOnly.escalations.map((e) => e.escalation_id)).toEqual([result.critical.escalation_id]);
    expect(result.breachedCount).toBeGreaterThanOrEqual(1);
    expect(result.resolved.sla).toMatchObject({ breached: false, resolved_within_sla: false });
    expect(result.afterResolve.escalations.map((e) => e.escalation_id)).not.toContain(result.critical.escalation_id);
    // The linked task was opened for the account's CSM, urgent, and closed by the resolution.
    expect(result.tasks.tasks).toHaveLength(1);
    expect(result.tasks.tasks[0]).toMatchObject({ owner: "casey@example.com", priority: "urgent", status: "done", due_date: "2026-05-01" });

    // slaState at its boundary: exactly at resolve_by is not yet a breach.
    expect(slaState({ openedAt: "2026-01-01T00:00:00.000Z", resolveBy: "2026-01-01T04:00:00.000Z", resolvedAt: null, status: "open" }, new Date("2026-01-01T04:00:00.000Z"))).toMatchObject({ breached: false, minutes_left: 0 });
  });

  it("opens, lists, acknowledges and resolves through the tools, with the linked task and timeline", async () => {
    const openedAt = new Date(Date.now() - 5 * HOUR).toISOString();
    const late = (await ok<{ escalation: Escalation }>(team.token, "create_escalation", {
      client_id: accountId, severity: "critical", title: "Data export failing", opened_at: openedAt,
    })).escalation;
    expect(late.owner).toBe("casey@example.com");
    expect(Date.parse(late.sla.resolve_by) - Date.parse(late.opened_at)).toBe(4 * HOUR);
    expect(late.sla.breached).toBe(true);
    expect(late.sla.overdue_by_minutes).toBeGreaterThanOrEqual(59);
    expect(late.sla.overdue_by_minutes).toBeLessThanOrEqual(61);
    expect(late.task_id).not.toBeNull();

    const fresh = (await ok<{ escalation: Escalation }>(team.token, "create_escalation", {
      client_id: accountId, severity: "high", title: "Slow dashboards", owner: "pat@example.com",
    })).escalation;
    expect(fresh.sla).toMatchObject({ hours: 24, breached: false });
    expect(fresh.sla.minutes_left).toBeGreaterThan(24 * 60 - 2);

    const breached = await ok<{ escalations: Escalation[]; summary: { breached_count: number }; sla_hours: Record<string, number> }>(team.token, "list_escalations", { breached: true, client_id: accountId });
    expect(breached.escalations.map((e) => e.escalation_id)).toContain(late.escalation_id);
    expect(breached.escalations.map((e) => e.escalation_id)).not.toContain(fresh.escalation_id);
    expect(breached.sla_hours).toEqual({ critical: 4, high: 24, medium: 72, low: 168 });
    const rest = await apiCall(team.api, `/api/v1/escalations?severity=high&status=open`);
    expect(((await rest.json()) as { escalations: Escalation[] }).escalations.map((e) => e.escalation_id)).toEqual([fresh.escalation_id]);

    const acknowledged = (await ok<{ escalation: Escalation }>(team.token, "acknowledge_escalation", { escalation_id: fresh.escalation_id })).escalation;
    expect(acknowledged.status).toBe("acknowledged");
    const linked = await ok<TaskPage>(team.token, "list_tasks", { source: `escalation:${fresh.escalation_id}` });
    expect(linked.tasks).toHaveLength(1);
    expect(linked.tasks[0]).toMatchObject({ status: "in_progress", owner: "pat@example.com", priority: "high", task_id: acknowledged.task_id });

    const noText = await apiCall(team.api, `/api/v1/escalations/${fresh.escalation_id}/resolve`, { method: "POST", body: JSON.stringify({ resolution: "  " }) });
    expect(noText.status).toBe(400);
    expect(((await noText.json()) as { error: { message: string } }).error.message).toContain("resolution");
    const resolved = (await ok<{ escalation: Escalation }>(team.token, "resolve_escalation", { escalation_id: fresh.escalation_id, resolution: "Index added" })).escalation;
    expect(resolved).toMatchObject({ status: "resolved" });
    expect(resolved.sla.resolved_within_sla).toBe(true);
    expect((await ok<TaskPage>(team.token, "list_tasks", { source: `escalation:${fresh.escalation_id}` })).tasks[0]?.status).toBe("done");
    expect(await refused(team.token, "resolve_escalation", { escalation_id: fresh.escalation_id, resolution: "again" })).toContain("already resolved");

    const timeline = await ok<Timeline>(team.token, "get_client_timeline", { client_id: accountId, event_types: ["support"] });
    const titles = timeline.events.map((e) => e.title);
    expect(titles).toContain("Escalation opened (high): Slow dashboards");
    expect(titles).toContain("Escalation acknowledged: Slow dashboards");
    expect(titles).toContain("Escalation resolved: Slow dashboards");

    expect(await refused(team.token, "create_escalation", { client_id: accountId, severity: "urgent", title: "x" })).toContain("severity");
    expect(await refused(team.token, "create_escalation", { client_id: accountId, severity: "low", title: "x", ticket_id: "tkt_missing" })).toContain("ticket_id");
    expect(await refused(team.token, "create_escalation", { client_id: accountId, severity: "low", title: "x", opened_at: new Date(Date.now() + HOUR).toISOString() })).toContain("opened_at");
  });

  it("lets an admin change the SLA hours, validating each value; csm tokens get 403", async () => {
    const t = await newTeam("SLA Co");
    const account = await register(t.token, { client_name: "Timed" });
    const admin = (await tokenFor(t.workspace, { scope: "cs:read cs:write cs:admin", grant: ["cs:read", "cs:write", "cs:admin"] })).access_token;
    const adminApi = (await tokenFor(t.workspace, { scope: "cs:read cs:write cs:admin", grant: ["cs:read", "cs:write", "cs:admin"], resource: ORIGIN })).access_token;

    const forbidden = await callTool(t.token, "update_escalation_sla", { critical: 2 });
    expect(forbidden.response.status).toBe(403);
    expect(forbidden.response.headers.get("WWW-Authenticate")).toContain("cs:admin");

    const zero = await apiCall(adminApi, "/api/v1/settings/escalation-sla", { method: "PATCH", body: JSON.stringify({ critical: 0 }) });
    expect(zero.status).toBe(400);
    expect(((await zero.json()) as { error: { message: string } }).error.message).toContain("critical");
    const unknown = await apiCall(adminApi, "/api/v1/settings/escalation-sla", { method: "PATCH", body: JSON.stringify({ urgent: 3 }) });
    expect(unknown.status).toBe(400);
    expect(await refused(admin, "update_escalation_sla", { critical: 48 })).toContain("sla_hours.critical: 48 h is longer than high (24 h)");
    expect(await refused(admin, "update_escalation_sla", { low: 9000 })).toContain("low");

    const updated = await ok<{ sla_hours: Record<string, number> }>(admin, "update_escalation_sla", { critical: 2, medium: 48 });
    expect(updated.sla_hours).toEqual({ critical: 2, high: 24, medium: 48, low: 168 });
    const esc = (await ok<{ escalation: Escalation }>(t.token, "create_escalation", { client_id: account, severity: "critical", title: "Down" })).escalation;
    expect(esc.sla.hours).toBe(2);
    expect(Date.parse(esc.sla.resolve_by) - Date.parse(esc.opened_at)).toBe(2 * HOUR);

    // Stored per tenant: another workspace keeps the defaults.
    const other = await inTenant(team.tenantId, (db) => updateSlaHours(db, {}, "u-test"));
    expect(other).toEqual({ critical: 4, high: 24, medium: 72, low: 168 });
  });
});

describe("scopes and tenants", () => {
  it("refuses task and escalation writes to a read-only token with 403 insufficient_scope", async () => {
    const readOnly = (await tokenFor(team.workspace, { scope: "cs:read", grant: ["cs:read"] })).access_token;
    await ok(readOnly, "list_tasks", {});
    await ok(readOnly, "list_escalations", {});
    for (const [name, args] of [
      ["create_task", { title: "x" }],
      ["update_task", { task_id: "task_x", status: "done" }],
      ["create_escalation", { client_id: accountId, severity: "low", title: "x" }],
      ["resolve_escalation", { escalation_id: "esc_x", resolution: "x" }],
    ] as const) {
      const call = await callTool(readOnly, name, args);
      expect(call.response.status, name).toBe(403);
      expect(call.response.headers.get("WWW-Authenticate"), name).toContain('error="insufficient_scope"');
    }
  });

  it("never shows or changes another tenant's tasks and escalations", async () => {
    const other = await newTeam("Other Tasks Co");
    const { task } = await ok<{ task: Task }>(team.token, "create_task", { title: "Private", client_id: accountId });
    const esc = (await ok<{ escalation: Escalation }>(team.token, "create_escalation", { client_id: accountId, severity: "medium", title: "Private" })).escalation;
    expect((await ok<TaskPage>(other.token, "list_tasks", {})).tasks).toEqual([]);
    expect((await ok<{ escalations: unknown[] }>(other.token, "list_escalations", {})).escalations).toEqual([]);
    expect(await refused(other.token, "update_task", { task_id: task.task_id, status: "done" })).toContain("No task");
    expect(await refused(other.token, "acknowledge_escalation", { escalation_id: esc.escalation_id })).toContain("No escalation");
    expect(await refused(other.token, "create_escalation", { client_id: accountId, severity: "low", title: "x" })).toContain("No account");
    expect((await apiCall(other.api, `/api/v1/tasks/${task.task_id}`, { method: "PATCH", body: JSON.stringify({ status: "done" }) })).status).toBe(404);
  });
});
