import { beforeAll, describe, expect, it } from "vitest";
import { campaignSendPlan } from "../src/db/email-sends";
import * as schema from "../src/db/tenant-schema";
import { apiCall, callTool, tokenFor } from "./support/worker";
import { inTenant, newTeam, ok, refused, type Team } from "./support/work";

/** Issue 6's remaining catalog gaps, against the real Tenant object. */

interface Milestone {
  milestone_id: string;
  name: string;
  due_date: string;
  status: string;
}
interface Plan {
  plan_id: string;
  status: string;
  start_date: string;
  target_date: string;
  milestones: Milestone[];
}
interface Timeline {
  events: { title: string; event_type: string; description: string; metadata: Record<string, unknown> }[];
}

const DAY = 86_400_000;
const day = (offset: number) => new Date(Date.now() + offset * DAY).toISOString().slice(0, 10);
const at = (offset: number) => new Date(Date.now() + offset * DAY).toISOString();

let team: Team;

async function account(t: Team, name: string, extra: Record<string, unknown> = {}): Promise<string> {
  const created = await ok<{ client: { client_id: string } }>(t.token, "register_client", {
    client_name: name,
    company_name: `${name} Ltd`,
    contract_start_date: "2026-01-01",
    contract_end_date: "2027-06-01",
    csm_assigned: "casey@example.com",
    primary_contact_name: "Ana Admin",
    primary_contact_email: "ana@customer.example",
    ...extra,
  });
  return created.client.client_id;
}

async function plan(t: Team, clientId: string, args: Record<string, unknown> = {}): Promise<Plan> {
  return (await ok<{ plan: Plan }>(t.token, "create_onboarding_plan", { client_id: clientId, goals: ["Go live"], ...args })).plan;
}

beforeAll(async () => {
  team = await newTeam("Catalog Gaps Co");
});

describe("onboarding plan lifecycle", () => {
  it("holds, resumes (moving open milestones by the days held) and cancels a plan, with reasons on the timeline", async () => {
    const id = await account(team, "Lifecycle");
    const created = await plan(team, id, { start_date: day(-20) });
    const firstDue = created.milestones.map((m) => m.due_date);

    const held = await ok<{ plan: Plan; previous_status: string; status_history: { to_status: string; reason: string }[] }>(team.token, "update_onboarding_plan", {
      plan_id: created.plan_id,
      status: "on_hold",
      reason: "Customer re-org, paused by their VP",
    });
    expect(held.plan.status).toBe("on_hold");
    expect(held.previous_status).toBe("in_progress");
    expect(held.status_history.map((h) => [h.to_status, h.reason])).toEqual([["on_hold", "Customer re-org, paused by their VP"]]);

    // Milestones of a held plan do not change.
    const blockedEdit = await refused(team.token, "update_onboarding_milestone", { milestone_id: created.milestones[0]?.milestone_id, status: "completed" });
    expect(blockedEdit).toMatch(/is on hold; its milestones do not change until it is resumed with update_onboarding_plan/);

    // Pretend the hold began 4 days ago, then resume: the open milestones move 4 days later.
    await inTenant(team.tenantId, (_db, state) => {
      state.storage.sql.exec("UPDATE onboarding_plan_status_changes SET changed_at = ? WHERE plan_id = ?", at(-4), created.plan_id);
    });
    const resumed = await ok<{ plan: Plan; shifted_days: number }>(team.token, "update_onboarding_plan", { plan_id: created.plan_id, status: "in_progress", reason: "Re-org done" });
    expect(resumed.shifted_days).toBe(4);
    expect(resumed.plan.status).toBe("in_progress");
    expect(resumed.plan.milestones.map((m) => m.due_date)).toEqual(firstDue.map((d) => new Date(Date.parse(`${d}T00:00:00Z`) + 4 * DAY).toISOString().slice(0, 10)));
    expect(resumed.plan.target_date).toBe(new Date(Date.parse(`${created.target_date}T00:00:00Z`) + 4 * DAY).toISOString().slice(0, 10));

    const cancelled = await ok<{ plan: Plan }>(team.token, "update_onboarding_plan", { plan_id: created.plan_id, status: "cancelled", reason: "Customer chose another vendor" });
    expect(cancelled.plan.status).toBe("cancelled");

    // Cancelling again answers with the current state, not success; so does resuming.
    const again = await refused(team.token, "update_onboarding_plan", { plan_id: created.plan_id, status: "cancelled", reason: "again" });
    expect(again).toMatch(/already cancelled since \d{4}-\d{2}-\d{2} \(reason: Customer chose another vendor\); nothing was changed/);
    const resume = await refused(team.token, "update_onboarding_plan", { plan_id: created.plan_id, status: "in_progress", reason: "back" });
    expect(resume).toMatch(/cancelled .* which is final/);

    const timeline = await ok<Timeline>(team.token, "get_client_timeline", { client_id: id, event_types: ["onboarding"] });
    const titles = timeline.events.map((e) => e.title);
    expect(titles).toEqual(expect.arrayContaining(["Onboarding plan put on hold", "Onboarding plan resumed", "Onboarding plan cancelled"]));
    expect(timeline.events.find((e) => e.title === "Onboarding plan cancelled")?.description).toMatch(/another vendor/);
  });

  it("refuses a second plan while one is on hold, bad status and empty reasons, on both faces", async () => {
    const id = await account(team, "Two Plans");
    const first = await plan(team, id);
    await ok(team.token, "update_onboarding_plan", { plan_id: first.plan_id, status: "on_hold", reason: "Waiting for budget" });
    // The held plan is still the account's plan: a new one would split its milestones.
    const second = await refused(team.token, "create_onboarding_plan", { client_id: id, goals: ["Restart"] });
    expect(second).toContain(`onboarding plan ${first.plan_id} is on hold; resume it`);

    expect(await refused(team.token, "update_onboarding_plan", { plan_id: first.plan_id, status: "completed", reason: "x" })).toMatch(/status must be one of in_progress, on_hold, cancelled/);
    expect(await refused(team.token, "update_onboarding_plan", { plan_id: first.plan_id, status: "cancelled", reason: " " })).toMatch(/reason must not be empty/);
    expect(await refused(team.token, "update_onboarding_plan", { plan_id: "onb_missing", status: "cancelled", reason: "x" })).toMatch(/plan_id: no onboarding plan/);

    const rest = await apiCall(team.api, `/api/v1/onboarding/plans/${first.plan_id}`, { method: "PATCH", body: JSON.stringify({ status: "cancelled", reason: "Lost budget after all" }) });
    expect(rest.status).toBe(200);
    expect(((await rest.json()) as { plan: Plan }).plan.status).toBe("cancelled");
    const twice = await apiCall(team.api, `/api/v1/onboarding/plans/${first.plan_id}`, { method: "PATCH", body: JSON.stringify({ status: "cancelled", reason: "again" }) });
    expect(twice.status).toBe(409);
  });
});

interface Analysis {
  enough_data: boolean;
  message: string;
  completed: number;
  cancelled: number;
  in_progress: number;
  completion_rate: number | null;
  time_to_value: { median_days: number; average_days: number; median_target_days: number; median_variance_days: number; on_target: number; late: number } | null;
  duration: { median_days: number } | null;
  bottlenecks: { milestone: string; times_overdue: number; occurrences: number; average_days_late: number; max_days_late: number; still_open_overdue: number }[] | null;
  at_risk: { plan_id: string; risk_level: string; overdue_milestones: number }[];
}

describe("analyze_onboarding_process", () => {
  it("measures completed, cancelled, time to value against the target, bottlenecks and plans at risk from real plans", async () => {
    const t = await newTeam("Onboarding Analysis Co");
    const empty = await ok<Analysis>(t.token, "analyze_onboarding_process", {});
    expect(empty).toMatchObject({ enough_data: false, completed: 0, completion_rate: null, time_to_value: null, bottlenecks: null });
    expect(empty.message).toMatch(/Not enough data: 0 onboardings completed/);

    const milestones = (kickoffDue: number, valueDue: number) => [
      { name: "Kickoff", due_date: day(kickoffDue), owner: "casey@example.com" },
      { name: "Value", due_date: day(valueDue), owner: "ana@customer.example", first_value: true },
    ];
    const complete = async (p: Plan, name: string, on: number) =>
      ok(t.token, "update_onboarding_milestone", { milestone_id: p.milestones.find((m) => m.name === name)?.milestone_id, status: "completed", completed_on: day(on) });

    // A: both milestones two days late; time to value 12 days against a target of 10.
    const a = await plan(t, await account(t, "A"), { start_date: day(-40), milestones: milestones(-35, -30) });
    await complete(a, "Kickoff", -33);
    await complete(a, "Value", -28);
    // B: early; time to value 8 days against 10.
    const b = await plan(t, await account(t, "B"), { start_date: day(-30), milestones: milestones(-25, -20) });
    await complete(b, "Kickoff", -26);
    await complete(b, "Value", -22);
    // C: in progress, kickoff 15 days overdue.
    const c = await plan(t, await account(t, "C"), { start_date: day(-20), milestones: milestones(-15, 5) });
    // D: cancelled.
    const d = await plan(t, await account(t, "D"), { start_date: day(-10), milestones: milestones(-5, 5) });
    await ok(t.token, "update_onboarding_plan", { plan_id: d.plan_id, status: "cancelled", reason: "Deal fell through" });

    const few = await ok<Analysis>(t.token, "analyze_onboarding_process", { min_completed_onboardings: 3 });
    expect(few).toMatchObject({ enough_data: false, completed: 2, cancelled: 1, completion_rate: null, bottlenecks: null });
    expect(few.message).toMatch(/2 onboardings completed .* at least 3 are needed/);
    // The plans at risk are listed even then: they are real plans, not statistics.
    expect(few.at_risk.map((r) => r.plan_id)).toEqual([c.plan_id]);

    const report = await ok<Analysis>(t.token, "analyze_onboarding_process", { min_completed_onboardings: 2 });
    expect(report.enough_data).toBe(true);
    expect(report.completion_rate).toBeCloseTo(2 / 3, 3);
    expect(report.in_progress).toBe(1);
    expect(report.time_to_value).toMatchObject({ median_days: 10, average_days: 10, median_target_days: 10, median_variance_days: 0, on_target: 1, late: 1 });
    // Durations: A 12 days (planned 10), B 8 days (planned 10).
    expect(report.duration?.median_days).toBe(10);
    expect(report.bottlenecks?.[0]).toEqual({ milestone: "Kickoff", times_overdue: 2, occurrences: 3, average_days_late: 8.5, max_days_late: 15, still_open_overdue: 1, overdue_share: 0.667 });
    expect(report.bottlenecks?.[1]).toMatchObject({ milestone: "Value", times_overdue: 1, average_days_late: 2 });
    expect(report.at_risk[0]).toMatchObject({ plan_id: c.plan_id, risk_level: "high", overdue_milestones: 1 });

    // Without the plans in progress, C neither counts as a bottleneck nor appears at risk.
    const doneOnly = await ok<Analysis>(t.token, "analyze_onboarding_process", { min_completed_onboardings: 2, include_in_progress: false });
    expect(doneOnly.at_risk).toEqual([]);
    expect(doneOnly.bottlenecks?.find((x) => x.milestone === "Kickoff")).toMatchObject({ times_overdue: 1, occurrences: 2 });

    // A period that ends before the completions saw nothing complete.
    const week = await ok<Analysis>(t.token, "analyze_onboarding_process", { period_days: 7, min_completed_onboardings: 1 });
    expect(week).toMatchObject({ enough_data: false, completed: 0 });

    expect(await refused(t.token, "analyze_onboarding_process", { period_days: 3 })).toMatch(/period_days is 7–365/);
    expect(await refused(t.token, "analyze_onboarding_process", { min_completed_onboardings: 0 })).toMatch(/min_completed_onboardings is at least 1/);
    const rest = await apiCall(t.api, "/api/v1/onboarding/analysis?period_days=90&min_completed_onboardings=2");
    expect(rest.status).toBe(200);
    expect(((await rest.json()) as Analysis).completed).toBe(2);
  });
});

interface Task {
  task_id: string;
  title: string;
  owner: string | null;
  source: string;
  priority: string;
  client_id: string | null;
}

describe("onboarding automation in the daily maintenance", () => {
  it("opens one task per milestone overdue beyond the threshold and per stalled plan, for the plan's owner, skipping held plans", async () => {
    const t = await newTeam("Onboarding Automation Co");
    const admin = (await tokenFor(t.workspace, { scope: "cs:read cs:write cs:admin" })).access_token;
    // Changing the settings needs cs:admin; the read/write token is refused.
    const denied = await callTool(t.token, "update_onboarding_automation", { enabled: false });
    expect(denied.response.status).toBe(403);
    expect(denied.response.headers.get("WWW-Authenticate")).toContain("cs:admin");
    const settings = await ok<{ enabled: boolean; milestone_overdue_days: number; no_progress_days: number; open_tasks: number }>(t.token, "get_onboarding_automation", {});
    expect(settings).toMatchObject({ enabled: true, milestone_overdue_days: 2, no_progress_days: 5, open_tasks: 0 });

    const busy = await account(t, "Busy");
    const p = await plan(t, busy, {
      start_date: day(-10),
      milestones: [
        { name: "Kickoff", due_date: day(-5), owner: "ana@customer.example" },
        { name: "Training", due_date: day(-1), owner: "trainer@example.com" },
        { name: "Value", due_date: day(10), owner: "ana@customer.example", first_value: true },
      ],
    });
    const held = await account(t, "Held", { csm_assigned: "lee@example.com" });
    const heldPlan = await plan(t, held, { start_date: day(-10), milestones: [{ name: "Kickoff", due_date: day(-6), owner: "x" }] });
    await ok(t.token, "update_onboarding_plan", { plan_id: heldPlan.plan_id, status: "on_hold", reason: "Customer asked to pause" });

    const first = await t.tenant.runMaintenance();
    expect(first.onboardingAutomation).toMatchObject({ enabled: true, overdue_milestone_tasks: 1, stalled_plan_tasks: 0 });
    const tasks = async () => (await ok<{ tasks: Task[] }>(t.token, "list_tasks", { client_id: busy, limit: 50 })).tasks.filter((x) => x.source === "onboarding_automation");
    const afterFirst = await tasks();
    expect(afterFirst).toHaveLength(1);
    // Kickoff is 5 days overdue (> 2); Training only 1. The task goes to the plan's owner, the account's CSM.
    expect(afterFirst[0]).toMatchObject({ title: "Onboarding milestone overdue: Kickoff (Busy)", owner: "casey@example.com", priority: "medium" });
    const heldTasks = (await ok<{ tasks: Task[] }>(t.token, "list_tasks", { client_id: held, limit: 50 })).tasks.filter((x) => x.source === "onboarding_automation");
    expect(heldTasks).toEqual([]);

    // Idempotent: a second pass opens nothing new.
    const second = await t.tenant.runMaintenance();
    expect(second.onboardingAutomation).toMatchObject({ overdue_milestone_tasks: 0, stalled_plan_tasks: 0 });
    expect(await tasks()).toHaveLength(1);

    // Tighter threshold: Training (1 day overdue) now qualifies; and with no change for 6 days the plan is stalled.
    await ok(admin, "update_onboarding_automation", { milestone_overdue_days: 0 });
    await inTenant(t.tenantId, (_db, state) => {
      state.storage.sql.exec("UPDATE onboarding_plans SET updated_at = ? WHERE id = ?", at(-6), p.plan_id);
      state.storage.sql.exec("UPDATE onboarding_milestones SET updated_at = ? WHERE plan_id = ?", at(-6), p.plan_id);
    });
    const third = await t.tenant.runMaintenance();
    expect(third.onboardingAutomation).toMatchObject({ overdue_milestone_tasks: 1, stalled_plan_tasks: 1 });
    const titles = (await tasks()).map((x) => x.title).sort();
    expect(titles).toEqual(["Onboarding milestone overdue: Kickoff (Busy)", "Onboarding milestone overdue: Training (Busy)", "Onboarding stalled: Busy"]);
    expect((await t.tenant.runMaintenance()).onboardingAutomation).toMatchObject({ overdue_milestone_tasks: 0, stalled_plan_tasks: 0 });

    const timeline = await ok<Timeline>(t.token, "get_client_timeline", { client_id: busy, limit: 100 });
    const stalledEvent = timeline.events.find((e) => e.title === "Task opened: Onboarding stalled: Busy");
    expect(stalledEvent?.description).toMatch(/no progress for 6 days/);
    expect(stalledEvent?.metadata).toMatchObject({ plan_id: p.plan_id, rule: "no_progress" });
    expect((await ok<{ open_tasks: number }>(t.token, "get_onboarding_automation", {})).open_tasks).toBe(3);

    // Switched off, nothing is opened even for a newly overdue plan.
    const off = await ok<{ enabled: boolean }>(admin, "update_onboarding_automation", { enabled: false });
    expect(off.enabled).toBe(false);
    await plan(t, await account(t, "Late"), { start_date: day(-10), milestones: [{ name: "Kickoff", due_date: day(-8), owner: "x" }] });
    expect((await t.tenant.runMaintenance()).onboardingAutomation).toMatchObject({ enabled: false, overdue_milestone_tasks: 0 });

    expect(await refused(admin, "update_onboarding_automation", {})).toMatch(/name at least one of enabled/);
    expect(await refused(admin, "update_onboarding_automation", { no_progress_days: 0 })).toMatch(/no_progress_days is 1–90/);
  });
});

describe("communication workflows on registration and in the daily maintenance", () => {
  it("fires a renewal_window workflow for a newly registered account and, without any data change, when a renewal enters its window; once per renewal", async () => {
    const t = await newTeam("Workflow Occasions Co");
    await ok(t.token, "create_workflow", {
      name: "Renewal prep",
      trigger: { type: "renewal_window", days: 30 },
      actions: [{ type: "create_task", title: "Prepare the renewal of {{client_name}}", owner: "csm", due_in_days: 3, priority: "high" }],
    });
    const workflowTasks = async (clientId: string) =>
      (await ok<{ tasks: Task[] }>(t.token, "list_tasks", { client_id: clientId, limit: 50 })).tasks.filter((x) => x.source.startsWith("workflow:"));

    // Registered already inside the window: fires at registration.
    const soon = await account(t, "Soon", { contract_start_date: day(-335), contract_end_date: day(20) });
    const soonTasks = await workflowTasks(soon);
    expect(soonTasks.map((x) => [x.title, x.owner])).toEqual([["Prepare the renewal of Soon", "casey@example.com"]]);

    // Registered outside the window: nothing, until time moves the renewal into it (simulated by
    // moving the date underneath, which no write path sees) and the daily maintenance runs.
    const later = await account(t, "Later", { contract_start_date: day(-300), contract_end_date: day(60) });
    expect(await workflowTasks(later)).toEqual([]);
    await inTenant(t.tenantId, (_db, state) => {
      state.storage.sql.exec("UPDATE accounts SET renewal_date = ?, contract_end_date = ? WHERE id = ?", day(25), day(25), later);
    });
    const run = await t.tenant.runMaintenance();
    expect(run.workflowsFired).toBe(1);
    expect((await workflowTasks(later)).map((x) => x.title)).toEqual(["Prepare the renewal of Later"]);

    // Each trigger event fires once: another pass, and a data change, add nothing.
    expect((await t.tenant.runMaintenance()).workflowsFired).toBe(0);
    await ok(t.token, "update_client_info", { client_id: later, updates: { industry: "Retail" } });
    expect(await workflowTasks(later)).toHaveLength(1);
    expect(await workflowTasks(soon)).toHaveLength(1);
    const listed = await ok<{ workflows: { name: string; run_count: number }[] }>(t.token, "list_workflows", {});
    expect(listed.workflows.find((w) => w.name === "Renewal prep")?.run_count).toBe(2);
  });
});

interface Routing {
  dry_run: boolean;
  applied: number;
  routed: { ticket_id: string; from: string | null; to: string; reason: string }[];
  unrouted: { ticket_id: string; reason: string }[];
  queue_summary: { open_tickets: number; unassigned: number; sla_at_risk: number; sla_breached: number; by_priority: Record<string, number>; by_category: Record<string, number> };
  agent_utilization: { agent: string; open_tickets: number; capacity: number; utilization: number; over_capacity: boolean }[];
}

describe("route_tickets on the real queue", () => {
  async function ticket(t: Team, clientId: string, subject: string, priority: string, category: string, extra: Record<string, unknown> = {}): Promise<string> {
    return (await ok<{ ticket: { ticket_id: string } }>(t.token, "create_ticket", { client_id: clientId, subject, priority, category, ...extra })).ticket.ticket_id;
  }
  const assignee = async (t: Team, id: string) => (await ok<{ ticket: { assignee: string | null } }>(t.token, "get_ticket", { ticket_id: id })).ticket.assignee;

  it("auto: most urgent first to the least-loaded candidate under capacity; dry run writes nothing; the rest is reported", async () => {
    const t = await newTeam("Routing Auto Co");
    const admin = (await tokenFor(t.workspace, { scope: "cs:read cs:write cs:admin" })).access_token;
    const id = await account(t, "Queue");
    // Kim already holds two billing tickets; four tickets arrive while no routing is configured, so they stay unassigned.
    await ticket(t, id, "Invoice copy", "P3", "billing", { assignee: "kim" });
    await ticket(t, id, "VAT number", "P3", "billing", { assignee: "kim" });
    const p4 = await ticket(t, id, "Receipt format", "P4", "billing");
    const p1 = await ticket(t, id, "Charged twice", "P1", "billing", { opened_at: at(-2) });
    const p2 = await ticket(t, id, "API 500s", "P2", "technical");
    const p3 = await ticket(t, id, "Refund", "P3", "billing");
    await ok(admin, "configure_support", { routing: { rules: [{ category: "billing", agents: ["kim", "lee"] }], default_agents: ["max"] } });

    const plan = await ok<Routing>(t.token, "route_tickets", { strategy: "auto", dry_run: true, max_tickets_per_agent: 2 });
    expect(plan.dry_run).toBe(true);
    expect(plan.applied).toBe(0);
    // P1 first: kim is at capacity, so lee; P2 technical to the default agent; P3 to lee; P4 finds everyone full.
    expect(plan.routed.map((r) => [r.ticket_id, r.to])).toEqual([
      [p1, "lee"],
      [p2, "max"],
      [p3, "lee"],
    ]);
    expect(plan.routed[0]?.reason).toMatch(/category rule "billing"; lee had the fewest open tickets/);
    expect(plan.unrouted).toEqual([expect.objectContaining({ ticket_id: p4, reason: expect.stringMatching(/kim, lee\) holds 2 or more open tickets/) })]);
    expect(plan.queue_summary).toEqual({ open_tickets: 6, unassigned: 1, sla_at_risk: 0, sla_breached: 1, by_priority: { P1: 1, P2: 1, P3: 3, P4: 1 }, by_category: { billing: 5, technical: 1 } });
    expect(await assignee(t, p1)).toBeNull();
    // workload ignores the category rule: the default agent takes billing too, so nothing is left over.
    const workload = await ok<Routing>(t.token, "route_tickets", { strategy: "workload", dry_run: true, max_tickets_per_agent: 2 });
    expect(workload.routed.map((r) => [r.ticket_id, r.to])).toEqual([
      [p1, "lee"],
      [p2, "max"],
      [p3, "lee"],
      [p4, "max"],
    ]);
    expect(workload.routed[3]?.reason).toMatch(/whole team \(workload\); max had the fewest open tickets/);
    expect(workload.unrouted).toEqual([]);

    const applied = await ok<Routing>(t.token, "route_tickets", { max_tickets_per_agent: 2 });
    expect(applied.applied).toBe(3);
    expect(await assignee(t, p1)).toBe("lee");
    expect(await assignee(t, p2)).toBe("max");
    expect(await assignee(t, p4)).toBeNull();
    expect(applied.agent_utilization).toEqual(
      expect.arrayContaining([
        { agent: "kim", open_tickets: 2, capacity: 2, utilization: 1, over_capacity: false },
        { agent: "lee", open_tickets: 2, capacity: 2, utilization: 1, over_capacity: false },
        { agent: "max", open_tickets: 1, capacity: 2, utilization: 0.5, over_capacity: false },
      ]),
    );
    // Routing again only finds the ticket nobody could take; a higher capacity places it.
    expect((await ok<Routing>(t.token, "route_tickets", { max_tickets_per_agent: 2 })).routed).toEqual([]);
    const more = await ok<Routing>(t.token, "route_tickets", { max_tickets_per_agent: 3, category: "billing" });
    expect(more.routed.map((r) => [r.ticket_id, r.to])).toEqual([[p4, "kim"]]);
    expect(more.queue_summary.open_tickets).toBe(5);
    expect(more.queue_summary.unassigned).toBe(0);

    expect(await refused(t.token, "route_tickets", { strategy: "escalation" })).toMatch(/strategy must be one of auto, workload, rebalance/);
    expect(await refused(t.token, "route_tickets", { max_tickets_per_agent: 0 })).toMatch(/max_tickets_per_agent is 1–500/);
  });

  it("rebalance: moves the lowest-priority tickets off an agent over capacity, as a plan or for real", async () => {
    const t = await newTeam("Routing Rebalance Co");
    const admin = (await tokenFor(t.workspace, { scope: "cs:read cs:write cs:admin" })).access_token;
    const id = await account(t, "Busy Queue");
    const ids: Record<string, string> = {};
    for (const p of ["P1", "P2", "P3", "P4"]) ids[p] = await ticket(t, id, `Ticket ${p}`, p, "billing", { assignee: "kim" });
    await ok(admin, "configure_support", { routing: { rules: [{ category: "billing", agents: ["kim", "lee"] }], default_agents: [] } });

    const plan = await ok<Routing>(t.token, "route_tickets", { strategy: "rebalance", dry_run: true, max_tickets_per_agent: 2 });
    expect(plan.routed.map((r) => [r.ticket_id, r.from, r.to])).toEqual([
      [ids.P4, "kim", "lee"],
      [ids.P3, "kim", "lee"],
    ]);
    expect(plan.routed[0]?.reason).toMatch(/kim held 4 open tickets, over the capacity of 2/);
    expect(plan.agent_utilization.find((a) => a.agent === "kim")).toMatchObject({ open_tickets: 2, over_capacity: false });
    expect(await assignee(t, ids.P4 as string)).toBe("kim");

    const rest = await apiCall(t.api, "/api/v1/tickets/routing", { method: "POST", body: JSON.stringify({ strategy: "rebalance", max_tickets_per_agent: 2 }) });
    expect(rest.status).toBe(201);
    expect(((await rest.json()) as Routing).applied).toBe(2);
    expect(await assignee(t, ids.P4 as string)).toBe("lee");
    expect(await assignee(t, ids.P1 as string)).toBe("kim");
    // Balanced now: nothing to move.
    expect((await ok<Routing>(t.token, "route_tickets", { strategy: "rebalance", max_tickets_per_agent: 2 })).routed).toEqual([]);
  });
});

describe("small missing verbs", () => {
  it("update_product_insight changes status, priority and title and links more feedback once", async () => {
    const t = await newTeam("Insight Verbs Co");
    const a = await account(t, "Insight A", { contract_value: 10_000 });
    const b = await account(t, "Insight B", { contract_value: 25_000 });
    const fa = (await ok<{ feedback: { feedback_id: string } }>(t.token, "submit_feedback", { client_id: a, kind: "feature_request", text: "Need SSO" })).feedback.feedback_id;
    const fb = (await ok<{ feedback: { feedback_id: string } }>(t.token, "submit_feedback", { client_id: b, kind: "feature_request", text: "SSO please" })).feedback.feedback_id;
    const created = await ok<{ insight: { insight_id: string; priority: string | null; arr: number } }>(t.token, "create_product_insight", { title: "SSO", category: "feature_request", feedback_ids: [fa] });
    expect(created.insight.priority).toBeNull();
    expect(created.insight.arr).toBe(10_000);

    const updated = await ok<{ insight: { status: string; priority: string; title: string; feedback_ids: string[]; accounts: number; arr: number }; changed_fields: string[]; linked_feedback_ids: string[]; already_linked: string[] }>(
      t.token,
      "update_product_insight",
      { insight_id: created.insight.insight_id, status: "planned", priority: "high", title: "SAML SSO", add_feedback_ids: [fa, fb] },
    );
    expect(updated.changed_fields).toEqual(["title", "status", "priority", "feedback_ids"]);
    expect(updated.linked_feedback_ids).toEqual([fb]);
    expect(updated.already_linked).toEqual([fa]);
    expect(updated.insight).toMatchObject({ status: "planned", priority: "high", title: "SAML SSO", accounts: 2, arr: 35_000 });
    expect(updated.insight.feedback_ids.sort()).toEqual([fa, fb].sort());

    const same = await ok<{ changed_fields: string[]; insight: { priority: string } }>(t.token, "update_product_insight", { insight_id: created.insight.insight_id, priority: "high" });
    expect(same.changed_fields).toEqual([]);
    const listed = await ok<{ insights: { insight_id: string; priority: string | null }[] }>(t.token, "list_product_insights", { status: "planned" });
    expect(listed.insights.map((i) => [i.insight_id, i.priority])).toEqual([[created.insight.insight_id, "high"]]);

    expect(await refused(t.token, "update_product_insight", { insight_id: created.insight.insight_id, priority: "urgent" })).toMatch(/priority must be one of low, medium, high, critical/);
    expect(await refused(t.token, "update_product_insight", { insight_id: created.insight.insight_id, add_feedback_ids: ["fb_missing"] })).toMatch(/add_feedback_ids\[0\]: no feedback fb_missing/);
    expect(await refused(t.token, "update_product_insight", { insight_id: created.insight.insight_id })).toMatch(/name at least one of/);
    expect(await refused(t.token, "update_product_insight", { insight_id: "ins_missing", status: "shipped" })).toMatch(/insight_id: no product insight/);
    const rest = await apiCall(t.api, `/api/v1/product-insights/${created.insight.insight_id}`, { method: "PATCH", body: JSON.stringify({ status: "shipped" }) });
    expect(rest.status).toBe(200);
    expect(((await rest.json()) as { insight: { status: string } }).insight.status).toBe("shipped");
  });

  it("list_business_reviews filters by account, status and scheduled day", async () => {
    const t = await newTeam("Review Verbs Co");
    const a = await account(t, "Review A");
    const b = await account(t, "Review B");
    const schedule = async (clientId: string, days: number) =>
      (await ok<{ review: { review_id: string } }>(t.token, "schedule_business_review", { client_id: clientId, review_type: "quarterly", scheduled_for: at(days), attendees: [{ name: "Jane", side: "customer" }], objectives: ["Goals"] })).review.review_id;
    const a1 = await schedule(a, 3);
    const a2 = await schedule(a, 40);
    const b1 = await schedule(b, 10);
    await ok(t.token, "record_business_review_outcome", { review_id: a1, summary: "Went well", held_at: new Date(Date.now() - 3_600_000).toISOString() });

    type Reviews = { reviews: { review_id: string; client_name: string; status: string }[]; next_cursor: string | null };
    const all = await ok<Reviews>(t.token, "list_business_reviews", {});
    expect(all.reviews.map((r) => r.review_id)).toEqual([a2, b1, a1]);
    expect((await ok<Reviews>(t.token, "list_business_reviews", { client_id: a })).reviews.map((r) => r.review_id)).toEqual([a2, a1]);
    expect((await ok<Reviews>(t.token, "list_business_reviews", { status: "completed" })).reviews.map((r) => [r.review_id, r.client_name])).toEqual([[a1, "Review A"]]);
    expect((await ok<Reviews>(t.token, "list_business_reviews", { from: day(5), to: day(20) })).reviews.map((r) => r.review_id)).toEqual([b1]);
    const first = await ok<Reviews>(t.token, "list_business_reviews", { limit: 2 });
    expect(first.reviews).toHaveLength(2);
    const next = await ok<Reviews>(t.token, "list_business_reviews", { limit: 2, cursor: first.next_cursor });
    expect(next.reviews.map((r) => r.review_id)).toEqual([a1]);
    expect(next.next_cursor).toBeNull();
    expect(await refused(t.token, "list_business_reviews", { from: day(20), to: day(5) })).toMatch(/from .* is after to/);
    expect(await refused(t.token, "list_business_reviews", { status: "held" })).toMatch(/status must be one of scheduled, completed/);
    const rest = await apiCall(t.api, `/api/v1/business-reviews?client_id=${b}`);
    expect(rest.status).toBe(200);
    expect(((await rest.json()) as Reviews).reviews.map((r) => r.review_id)).toEqual([b1]);
  });

  it("list_newsletters and cancel_email_campaign", async () => {
    const t = await newTeam("Campaign Verbs Co");
    const a = await account(t, "Mail A", { tier: "enterprise" });
    await inTenant(t.tenantId, (db) => {
      const now = new Date().toISOString();
      db.insert(schema.contacts)
        .values({ id: `ct_${a}`, accountId: a, externalId: null, name: "Jo Reader", email: "jo@mail-a.example", title: null, role: "user", isPrimary: false, status: "active", createdAt: now, updatedAt: now })
        .run();
    });
    const section = [{ type: "tip", title: "Tip", content: "Use saved views." }];
    const n1 = (await ok<{ newsletter: { newsletter_id: string } }>(t.token, "create_newsletter", { name: "March", subject: "News", sections: section })).newsletter.newsletter_id;
    const n2 = (await ok<{ newsletter: { newsletter_id: string } }>(t.token, "create_newsletter", { name: "April", subject: "News", sections: section, scheduled_send: at(5), target_tiers: ["enterprise"] })).newsletter.newsletter_id;
    type Newsletters = { newsletters: { newsletter_id: string; status: string; recipient_count: number; target_tiers: string[] | null }[]; next_cursor: string | null };
    const listed = await ok<Newsletters>(t.token, "list_newsletters", {});
    expect(listed.newsletters.map((n) => [n.newsletter_id, n.status])).toEqual([
      [n2, "scheduled"],
      [n1, "not_sent"],
    ]);
    expect(listed.newsletters[0]).toMatchObject({ recipient_count: 1, target_tiers: ["enterprise"] });
    expect((await ok<Newsletters>(t.token, "list_newsletters", { status: "not_sent" })).newsletters.map((n) => n.newsletter_id)).toEqual([n1]);
    const paged = await ok<Newsletters>(t.token, "list_newsletters", { limit: 1 });
    expect((await ok<Newsletters>(t.token, "list_newsletters", { limit: 1, cursor: paged.next_cursor })).newsletters.map((n) => n.newsletter_id)).toEqual([n1]);

    const scheduled = await ok<{ campaign: { campaign_id: string; status: string } }>(t.token, "create_email_campaign", {
      name: "Later",
      template_type: "product_update",
      subject: "Hi {{client_name}}",
      body: "Hello {{first_name}}",
      client_ids: [a],
      scheduled_send_time: at(3),
    });
    expect(scheduled.campaign.status).toBe("scheduled");
    const cancelled = await ok<{ campaign: { status: string; status_reason: string }; previous_status: string; recipients_cancelled: number }>(t.token, "cancel_email_campaign", {
      campaign_id: scheduled.campaign.campaign_id,
      reason: "Launch moved",
    });
    expect(cancelled).toMatchObject({ previous_status: "scheduled", recipients_cancelled: 1, campaign: { status: "cancelled" } });
    expect(cancelled.campaign.status_reason).toMatch(/Launch moved/);
    const shown = await ok<{ campaign: { status: string }; recipients: { status: string }[] }>(t.token, "get_campaign", { campaign_id: scheduled.campaign.campaign_id });
    expect(shown.campaign.status).toBe("cancelled");
    expect(shown.recipients.map((r) => r.status)).toEqual(["cancelled"]);
    expect((await ok<{ campaigns: { campaign_id: string }[] }>(t.token, "list_campaigns", { status: "cancelled" })).campaigns.map((c) => c.campaign_id)).toEqual([scheduled.campaign.campaign_id]);

    // Cancelling again answers with the current state; so does cancelling one not scheduled.
    expect(await refused(t.token, "cancel_email_campaign", { campaign_id: scheduled.campaign.campaign_id, reason: "again" })).toMatch(/already cancelled \(cancelled by .*Launch moved\); nothing was changed/);
    const immediate = await ok<{ campaign: { campaign_id: string; status: string } }>(t.token, "create_email_campaign", { name: "Now", template_type: "product_update", subject: "Hi", body: "Hello", client_ids: [a], send_immediately: true });
    expect(await refused(t.token, "cancel_email_campaign", { campaign_id: immediate.campaign.campaign_id, reason: "x" })).toMatch(/is not_sent .*only a scheduled campaign can be cancelled/);
    expect(await refused(t.token, "cancel_email_campaign", { campaign_id: "cmp_missing", reason: "x" })).toMatch(/campaign_id: no campaign/);
    expect(await refused(t.token, "cancel_email_campaign", { campaign_id: immediate.campaign.campaign_id, reason: "" })).toMatch(/reason must not be empty/);
    // A cancelled campaign is never sent: SendGrid's send plan refuses it.
    const planError = await inTenant(t.tenantId, (db) => {
      try {
        campaignSendPlan(db, scheduled.campaign.campaign_id);
        return null;
      } catch (error) {
        return (error as Error).message;
      }
    });
    expect(planError).toMatch(/was cancelled \(cancelled by .*Launch moved\); nothing was sent/);
    const rest = await apiCall(t.api, `/api/v1/campaigns/${scheduled.campaign.campaign_id}/cancel`, { method: "POST", body: JSON.stringify({ reason: "again" }) });
    expect(rest.status).toBe(409);
  });
});
