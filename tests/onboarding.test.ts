import { beforeAll, describe, expect, it } from "vitest";
import { chooseTemplate } from "../src/db/onboarding";
import * as schema from "../src/db/tenant-schema";
import { apiCall, callTool, tokenFor } from "./support/worker";
import { inTenant, newTeam, ok, refused, type Team } from "./support/work";

interface Milestone {
  milestone_id: string;
  name: string;
  owner: string;
  due_date: string;
  status: string;
  first_value: boolean;
  completed_on: string | null;
  overdue: boolean;
  days_overdue: number;
}
interface Plan {
  plan_id: string;
  template: string;
  status: string;
  start_date: string;
  target_date: string;
  time_to_value_target_days: number;
  completed_on: string | null;
  total_estimated_hours: number;
  milestones: Milestone[];
}
interface Progress {
  percent_complete: number;
  expected_percent_complete: number;
  overdue_milestones: Milestone[];
  status: string;
  risk_level: string;
  risks: { severity: string; kind: string; message: string }[];
  time_to_value: {
    status: string;
    reached_on: string | null;
    reached_by: string | null;
    days: number | null;
    projected_date: string | null;
    projected_days: number | null;
    slip_days: number;
    on_target: boolean;
    usage: { status: string; reached_on: string | null };
  };
  plan: Plan;
}
interface Timeline {
  events: { title: string; event_type: string; metadata: Record<string, unknown> }[];
}

let team: Team;

async function account(t: Team, name: string, extra: Record<string, unknown> = {}): Promise<string> {
  const created = await ok<{ client: { client_id: string } }>(t.token, "register_client", {
    client_name: name,
    company_name: `${name} Ltd`,
    contract_start_date: "2026-01-01",
    contract_end_date: "2027-01-01",
    csm_assigned: "casey@example.com",
    primary_contact_name: "Ana Admin",
    primary_contact_email: "ana@customer.example",
    ...extra,
  });
  return created.client.client_id;
}

function plan(t: Team, clientId: string, args: Record<string, unknown> = {}) {
  return ok<{ plan: Plan; template_reasons: string[] }>(t.token, "create_onboarding_plan", { client_id: clientId, goals: ["Go live"], ...args });
}

function progress(t: Team, args: Record<string, unknown>) {
  return ok<Progress>(t.token, "get_onboarding_progress", args);
}

function milestoneNamed(p: Plan, name: string): Milestone {
  const found = p.milestones.find((m) => m.name === name);
  if (!found) throw new Error(`no milestone ${name} in ${p.milestones.map((m) => m.name).join(", ")}`);
  return found;
}

beforeAll(async () => {
  team = await newTeam("Onboarding Co");
});

describe("templates", () => {
  it("chooses the template by tier, team size and complexity, with due dates from the start and owners from the account", async () => {
    const quick = await plan(team, await account(team, "Quick", { tier: "starter" }), { team_size: 8, technical_complexity: "low", start_date: "2026-03-02" });
    expect(quick.plan.template).toBe("quick_start");
    expect(quick.plan.milestones.map((m) => [m.name, m.due_date, m.owner])).toEqual([
      ["Kickoff & Setup", "2026-03-05", "casey@example.com"],
      ["Core Training", "2026-03-09", "casey@example.com"],
      ["First Value", "2026-03-16", "ana@customer.example"],
    ]);
    expect(quick.plan.time_to_value_target_days).toBe(14);
    expect(quick.plan.target_date).toBe("2026-03-16");
    expect(quick.plan.total_estimated_hours).toBe(16);

    const enterprise = await plan(team, await account(team, "Big", { tier: "enterprise" }), { team_size: 40, start_date: "2026-03-02", owners: { executive_sponsor: "cfo@big.example" } });
    expect(enterprise.plan.template).toBe("enterprise");
    expect(enterprise.plan.milestones).toHaveLength(6);
    expect(enterprise.plan.time_to_value_target_days).toBe(28);
    expect(enterprise.plan.milestones.at(-1)?.owner).toBe("cfo@big.example");
    expect(enterprise.template_reasons).toEqual(["enterprise tier"]);

    // A large professional team with high complexity: standard, a deep dive before first value, and a phased rollout.
    const complex = await plan(team, await account(team, "Complex", { tier: "professional" }), { team_size: 120, technical_complexity: "high", start_date: "2026-03-02" });
    expect(complex.plan.template).toBe("standard");
    expect(complex.plan.milestones.map((m) => m.name)).toEqual([
      "Kickoff & Setup",
      "Core Training",
      "Technical Deep Dive",
      "Integration & First Value",
      "Optimization & Success Review",
      "Phased Rollout",
    ]);
    expect(milestoneNamed(complex.plan, "Integration & First Value").due_date).toBe("2026-03-30");
    expect(complex.plan.time_to_value_target_days).toBe(28);
    expect(complex.template_reasons).toHaveLength(3);

    // The rule itself: a team above 250 is enterprise whatever the tier.
    expect(chooseTemplate("standard", 300, "low").template.key).toBe("enterprise");
    expect(chooseTemplate("standard", 25, "low").template.key).toBe("quick_start");
    expect(chooseTemplate("standard", 26, "low").template.key).toBe("standard");
  });

  it("takes explicit milestones, keeps one plan in progress per account, and validates every field by name", async () => {
    const id = await account(team, "Explicit");
    const custom = await plan(team, id, {
      start_date: "2026-04-01",
      milestones: [
        { name: "Later", due_date: "2026-04-20", owner: "sam" },
        { name: "Value", due_date: "2026-04-10", owner: "kim", first_value: true, estimated_hours: 5 },
      ],
    });
    expect(custom.plan.template).toBe("custom");
    expect(custom.plan.milestones.map((m) => m.name)).toEqual(["Value", "Later"]);
    expect(custom.plan.time_to_value_target_days).toBe(9);

    expect(await refused(team.token, "create_onboarding_plan", { client_id: id, goals: ["x"] })).toContain(`already has onboarding plan ${custom.plan.plan_id} in progress`);
    const other = await account(team, "Invalid");
    expect(await refused(team.token, "create_onboarding_plan", { client_id: other, goals: ["x"], technical_complexity: "extreme" })).toContain(
      "technical_complexity: must be one of low, medium, high",
    );
    expect(await refused(team.token, "create_onboarding_plan", { client_id: other, goals: ["x"], tier: "gold" })).toContain(
      "tier: must be one of starter, standard, professional, enterprise",
    );
    expect(await refused(team.token, "create_onboarding_plan", { client_id: other, goals: [] })).toContain("goals");
    expect(await refused(team.token, "create_onboarding_plan", { client_id: other, goals: ["x"], start_date: "2026-02-30" })).toContain("start_date");
    expect(await refused(team.token, "create_onboarding_plan", { client_id: other, goals: ["x"], team_size: 0 })).toContain("team_size is 1–10000");
    expect(
      await refused(team.token, "create_onboarding_plan", { client_id: other, goals: ["x"], start_date: "2026-04-01", milestones: [{ name: "Early", due_date: "2026-03-01", owner: "x" }] }),
    ).toContain("milestones.0.due_date (2026-03-01) is before start_date (2026-04-01)");
    expect(await refused(team.token, "create_onboarding_plan", { client_id: "cs_nope", goals: ["x"] })).toContain('No account with client_id "cs_nope"');
    const rest = await apiCall(team.api, `/api/v1/clients/${other}/onboarding`, { method: "POST", body: JSON.stringify({ goals: ["x"], technical_complexity: "hard" }) });
    expect(rest.status).toBe(400);
    expect(((await rest.json()) as { error: { message: string } }).error.message).toContain("technical_complexity");
  });
});

describe("progress and risks", () => {
  it("computes % complete, overdue milestones, time to value and risk as of explicit days", async () => {
    const id = await account(team, "Progressing", { tier: "professional" });
    const { plan: p } = await plan(team, id, { team_size: 20, start_date: "2026-01-05" });
    expect(p.milestones.map((m) => m.due_date)).toEqual(["2026-01-12", "2026-01-19", "2026-01-26", "2026-02-02"]);
    await ok(team.token, "update_onboarding_milestone", { milestone_id: milestoneNamed(p, "Kickoff & Setup").milestone_id, status: "completed", completed_on: "2026-01-10" });

    const early = await progress(team, { client_id: id, as_of: "2026-01-22" });
    expect(early.percent_complete).toBe(25);
    expect(early.expected_percent_complete).toBe(50);
    expect(early.overdue_milestones.map((m) => [m.name, m.days_overdue])).toEqual([["Core Training", 3]]);
    expect(early.time_to_value).toMatchObject({ status: "projected", projected_date: "2026-01-26", projected_days: 21, slip_days: 0, on_target: true });
    expect(early.risks.map((r) => [r.kind, r.severity])).toEqual([
      ["overdue_milestone", "medium"],
      ["behind_schedule", "medium"],
    ]);
    expect(early.risk_level).toBe("medium");
    expect(early.status).toBe("at_risk");

    const late = await progress(team, { plan_id: p.plan_id, as_of: "2026-02-10" });
    expect(late.overdue_milestones.map((m) => m.days_overdue)).toEqual([22, 15, 8]);
    expect(late.time_to_value).toMatchObject({ status: "projected", projected_date: "2026-02-10", projected_days: 36, slip_days: 15, on_target: false });
    expect(late.risks.find((r) => r.kind === "time_to_value_slipping")?.message).toContain("projected at 36 days against a target of 21 (15 days late)");
    expect(late.risk_level).toBe("high");
    expect(late.status).toBe("delayed");

    // Before the kickoff was completed, as of its own day, nothing is done yet.
    const before = await progress(team, { client_id: id, as_of: "2026-01-09" });
    expect(before.percent_complete).toBe(0);
    expect(before.risk_level).toBe("low");
    expect(before.status).toBe("on_track");

    await ok(team.token, "update_onboarding_milestone", { milestone_id: milestoneNamed(p, "Core Training").milestone_id, status: "completed", completed_on: "2026-01-20" });
    await ok(team.token, "update_onboarding_milestone", { milestone_id: milestoneNamed(p, "Integration & First Value").milestone_id, status: "completed", completed_on: "2026-01-29" });
    const reached = await progress(team, { client_id: id, as_of: "2026-02-10" });
    expect(reached.percent_complete).toBe(75);
    expect(reached.time_to_value).toMatchObject({ status: "reached", reached_on: "2026-01-29", reached_by: "milestone", days: 24, slip_days: 3, on_target: false });
    expect(reached.overdue_milestones.map((m) => m.name)).toEqual(["Optimization & Success Review"]);
    expect(reached.risk_level).toBe("high");
  });

  it("takes first value from usage when it came before the milestone", async () => {
    const id = await account(team, "Using");
    const { plan: p } = await plan(team, id, { start_date: "2026-01-05" });
    await inTenant(team.tenantId, (db) => {
      for (const [day, users] of [
        ["2026-01-08", 1],
        ["2026-01-13", 4],
        ["2026-01-14", 5],
      ] as const) {
        db.insert(schema.usageDaily).values({ accountId: id, day, activeUsers: users, sessions: users, events: users * 3, featuresUsed: 1 }).run();
      }
    });
    const result = await progress(team, { plan_id: p.plan_id, as_of: "2026-01-20" });
    expect(result.time_to_value).toMatchObject({ status: "reached", reached_on: "2026-01-13", reached_by: "usage", days: 8, on_target: true });
    expect(result.time_to_value.usage).toMatchObject({ status: "reached", reached_on: "2026-01-13" });
    // As of a day before value was seen, it is still a projection.
    expect((await progress(team, { plan_id: p.plan_id, as_of: "2026-01-12" })).time_to_value.status).toBe("projected");
  });

  it("refuses progress for an account without a plan, and a plan of another account", async () => {
    const bare = await account(team, "Bare");
    expect(await refused(team.token, "get_onboarding_progress", { client_id: bare })).toContain("has no onboarding plan");
    expect(await refused(team.token, "get_onboarding_progress", {})).toContain("name the plan");
    const rest = await apiCall(team.api, `/api/v1/onboarding/progress?client_id=${bare}&as_of=2026-13-01`);
    expect(rest.status).toBe(400);
    expect(((await rest.json()) as { error: { message: string } }).error.message).toContain("as_of");
  });
});

describe("milestone transitions", () => {
  it("completes, blocks, skips, reschedules and reassigns with timeline events; completing the last completes the plan; refusals state the current state", async () => {
    const id = await account(team, "Transitions");
    const { plan: p } = await plan(team, id, {
      start_date: "2026-02-02",
      milestones: [
        { name: "One", due_date: "2026-02-09", owner: "sam", first_value: true },
        { name: "Two", due_date: "2026-02-16", owner: "sam" },
        { name: "Three", due_date: "2026-02-23", owner: "kim" },
      ],
    });
    const [one, two, three] = p.milestones as [Milestone, Milestone, Milestone];
    const done = await ok<{ milestone: Milestone; changed_fields: string[]; plan_completed: boolean }>(team.token, "update_onboarding_milestone", {
      milestone_id: one.milestone_id,
      status: "completed",
      completed_on: "2026-02-10",
    });
    expect(done.milestone).toMatchObject({ status: "completed", completed_on: "2026-02-10" });
    expect(done.plan_completed).toBe(false);
    expect(await refused(team.token, "update_onboarding_milestone", { milestone_id: one.milestone_id, status: "in_progress" })).toContain(
      'milestone "One" is completed (on 2026-02-10), which is final',
    );
    expect(await refused(team.token, "update_onboarding_milestone", { milestone_id: one.milestone_id, due_date: "2026-03-01" })).toContain("is completed (on 2026-02-10)");

    expect(await refused(team.token, "update_onboarding_milestone", { milestone_id: two.milestone_id, status: "blocked" })).toContain("blocker: say what blocks");
    await ok(team.token, "update_onboarding_milestone", { milestone_id: two.milestone_id, status: "blocked", blocker: "SSO not configured" });
    const blocked = await progress(team, { client_id: id, as_of: "2026-02-12" });
    expect(blocked.risks.find((r) => r.kind === "blocked_milestone")?.message).toContain("SSO not configured");

    const moved = await ok<{ milestone: Milestone; changed_fields: string[] }>(team.token, "update_onboarding_milestone", {
      milestone_id: two.milestone_id,
      status: "in_progress",
      due_date: "2026-02-20",
      owner: "lee",
    });
    expect(moved.changed_fields).toEqual(["status", "due_date", "owner"]);
    expect(moved.milestone).toMatchObject({ status: "in_progress", due_date: "2026-02-20", owner: "lee", blocker: null });

    await ok(team.token, "update_onboarding_milestone", { milestone_id: three.milestone_id, status: "skipped" });
    expect(await refused(team.token, "update_onboarding_milestone", { milestone_id: three.milestone_id, status: "completed" })).toContain(
      'milestone "Three" is skipped; it can move to not_started, not completed',
    );
    const future = new Date(Date.now() + 5 * 86_400_000).toISOString().slice(0, 10);
    expect(await refused(team.token, "update_onboarding_milestone", { milestone_id: two.milestone_id, status: "completed", completed_on: future })).toContain(
      `completed_on (${future}) is in the future`,
    );
    expect(await refused(team.token, "update_onboarding_milestone", { milestone_id: two.milestone_id, status: "unknown" })).toContain(
      "status: must be one of not_started, in_progress, completed, blocked, skipped",
    );

    const last = await ok<{ plan: Plan; plan_completed: boolean }>(team.token, "update_onboarding_milestone", {
      milestone_id: two.milestone_id,
      status: "completed",
      completed_on: "2026-02-19",
    });
    expect(last.plan_completed).toBe(true);
    expect(last.plan).toMatchObject({ status: "completed", completed_on: "2026-02-19" });
    expect(await refused(team.token, "update_onboarding_milestone", { milestone_id: three.milestone_id, status: "not_started" })).toContain(
      `plan ${p.plan_id} is completed (since 2026-02-19)`,
    );
    expect((await progress(team, { client_id: id, as_of: "2026-03-01" })).status).toBe("completed");

    const timeline = await ok<Timeline>(team.token, "get_client_timeline", { client_id: id, event_types: ["onboarding"], limit: 50 });
    const titles = timeline.events.map((e) => e.title);
    for (const title of [
      "Onboarding plan created (custom)",
      "Onboarding milestone completed: One",
      "Onboarding milestone blocked: Two",
      "Onboarding milestone rescheduled: Two",
      "Onboarding milestone reassigned: Two",
      "Onboarding completed",
    ]) {
      expect(titles, title).toContain(title);
    }
    // A new plan may start once the first is completed.
    await plan(team, id, { start_date: "2026-03-02" });
  });
});

interface Journey {
  current_stage: string;
  stages: { stage: string; started_on: string; ended_on: string | null; basis: string; item_count: number; items: { date: string; source: string; title: string }[] }[];
  counts_by_source: Record<string, number>;
}

describe("customer journey", () => {
  it("lays the account's real history on stages with dates", async () => {
    const t = await newTeam("Journey Co");
    const id = await ok<{ client: { client_id: string } }>(t.token, "register_client", {
      client_name: "Traveller",
      company_name: "Traveller Ltd",
      contract_start_date: "2026-01-01",
      contract_end_date: "2027-01-01",
      contract_value: 15_000,
    }).then((r) => r.client.client_id);
    const { plan: p } = await plan(t, id, {
      start_date: "2025-01-06",
      milestones: [
        { name: "Kickoff", due_date: "2025-01-13", owner: "sam" },
        { name: "Live", due_date: "2025-02-03", owner: "sam", first_value: true },
      ],
    });
    for (const [m, on] of [
      [p.milestones[0], "2025-01-12"],
      [p.milestones[1], "2025-02-10"],
    ] as const) {
      await ok(t.token, "update_onboarding_milestone", { milestone_id: m?.milestone_id, status: "completed", completed_on: on });
    }
    await inTenant(t.tenantId, (db) => {
      const at = "2025-01-01T00:00:00.000Z";
      const term = { accountId: id, seats: 10, autoRenew: true, createdAt: at, updatedAt: at };
      db.insert(schema.contracts)
        .values([
          { ...term, id: "ctr_one", startDate: "2025-01-01", endDate: "2026-01-01", renewalDate: "2026-01-01", annualValue: 10_000, status: "renewed", renewalStatus: "renewed" },
          { ...term, id: "ctr_two", startDate: "2026-01-01", endDate: "2027-01-01", renewalDate: "2027-01-01", annualValue: 15_000, status: "active", renewalStatus: "not_started" },
        ])
        .run();
      db.insert(schema.tickets)
        .values({
          id: "tkt_one",
          accountId: id,
          subject: "Import fails",
          description: "",
          priority: "P2",
          status: "solved",
          category: "technical_issue",
          openedAt: "2025-03-10T09:00:00.000Z",
          solvedAt: "2025-03-11T09:00:00.000Z",
          slaBreached: false,
          source: "test",
          updatedAt: at,
        })
        .run();
      for (const [computedAt, score, band] of [
        ["2025-02-01T00:00:00.000Z", 72, "neutral"],
        ["2025-03-01T00:00:00.000Z", 73, "neutral"],
        ["2025-11-15T00:00:00.000Z", 55, "at_risk"],
      ] as const) {
        db.insert(schema.healthSnapshots).values({ accountId: id, computedAt, score, band, coverage: 1, components: "[]" }).run();
      }
    });
    const journey = await ok<Journey>(t.token, "get_customer_journey", { client_id: id, as_of: "2026-06-30" });
    expect(journey.stages.map((s) => [s.stage, s.started_on, s.ended_on])).toEqual([
      ["onboarding", "2025-01-01", "2025-02-10"],
      ["adoption", "2025-02-10", "2025-10-03"],
      ["renewal", "2025-10-03", "2026-01-01"],
      ["expansion", "2026-01-01", null],
    ]);
    expect(journey.current_stage).toBe("expansion");
    expect(journey.stages[3]?.basis).toContain("10000 → 15000");
    const titles = (stage: number) => journey.stages[stage]?.items.map((i) => i.title) ?? [];
    expect(titles(0)).toEqual(["Contract term started", "Onboarding plan started (custom)", "Milestone completed: Kickoff", "First health score: neutral"]);
    expect(titles(1)).toEqual(["Milestone completed: Live", "Ticket opened (P2): Import fails", "Ticket solved: Import fails"]);
    expect(titles(2)).toEqual(["Health moved from neutral to at_risk"]);
    expect(titles(3)).toEqual(["Renewed", "Contract term started"]);
    expect(journey.counts_by_source).toMatchObject({ ticket: 2, health: 2, contract: 3, milestone: 3, timeline: 0 });

    const renewalOnly = await ok<Journey>(t.token, "get_customer_journey", { client_id: id, as_of: "2026-06-30", stage: "renewal" });
    expect(renewalOnly.stages.map((s) => s.stage)).toEqual(["renewal"]);
    // Before the first renewal window, the account is still in adoption.
    expect((await ok<Journey>(t.token, "get_customer_journey", { client_id: id, as_of: "2025-06-30" })).current_stage).toBe("adoption");
    expect(await refused(t.token, "get_customer_journey", { client_id: id, stage: "advocacy" })).toContain("stage: must be one of onboarding, adoption, renewal, expansion, churned");
  });
});

describe("scopes and tenants", () => {
  it("refuses onboarding writes to a read-only token and keeps plans inside their tenant", async () => {
    const id = await account(team, "Scoped");
    const { plan: p } = await plan(team, id, { start_date: "2026-01-05" });
    const readOnly = (await tokenFor(team.workspace, { scope: "cs:read", grant: ["cs:read"] })).access_token;
    await ok(readOnly, "get_onboarding_progress", { client_id: id });
    await ok(readOnly, "get_customer_journey", { client_id: id });
    for (const [name, args] of [
      ["create_onboarding_plan", { client_id: id, goals: ["x"] }],
      ["update_onboarding_milestone", { milestone_id: p.milestones[0]?.milestone_id, status: "completed" }],
    ] as const) {
      const call = await callTool(readOnly, name, args);
      expect(call.response.status, name).toBe(403);
      expect(call.response.headers.get("WWW-Authenticate"), name).toContain('error="insufficient_scope"');
    }
    const other = await newTeam("Other Onboarding Co");
    expect(await refused(other.token, "get_onboarding_progress", { plan_id: p.plan_id })).toContain("No onboarding plan");
    expect(await refused(other.token, "update_onboarding_milestone", { milestone_id: p.milestones[0]?.milestone_id, status: "completed" })).toContain("No onboarding milestone");
    expect(await refused(other.token, "get_customer_journey", { client_id: id })).toContain("No account");
    expect((await apiCall(other.api, `/api/v1/onboarding/milestones/${p.milestones[0]?.milestone_id}`, { method: "PATCH", body: JSON.stringify({ status: "completed" }) })).status).toBe(404);
  });
});
