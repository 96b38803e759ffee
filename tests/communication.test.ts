import { describe, expect, it } from "vitest";
import * as schema from "../src/db/tenant-schema";
import { apiCall, callTool, tokenFor } from "./support/worker";
import { inTenant, newTeam, ok, refused, register, type Team } from "./support/work";

interface Recipient {
  contact_id: string;
  client_id: string;
  email: string;
  name: string;
  subject: string;
  body: string;
  missing_tokens: string[];
  status: string;
}
interface Plan {
  campaign: { campaign_id: string; status: string; status_reason: string | null; scheduled_for: string | null; recipient_count: number; account_count: number; source: string } | null;
  preview_only: boolean;
  recipient_count: number;
  account_count: number;
  accounts_without_recipients: string[];
  confirm_threshold: number;
  confirm_required: boolean;
  tokens_used: string[];
  preview: Recipient[];
  delivery: { connected: boolean; note: string };
}
interface Task {
  task_id: string;
  client_id: string | null;
  title: string;
  owner: string | null;
  due_date: string | null;
  source: string;
  description: string;
}

let contactSeq = 0;

/** Contacts are written as fixtures: no tool writes contacts yet (CSV import needs cs:admin). */
async function addContact(team: Team, accountId: string, spec: { name: string; email?: string | null; role?: string; status?: "active" | "left"; title?: string }): Promise<string> {
  const id = `ct_test_${++contactSeq}_${Math.random().toString(36).slice(2, 8)}`;
  const at = new Date().toISOString();
  await inTenant(team.tenantId, (db) => {
    db.insert(schema.contacts)
      .values({
        id,
        accountId,
        externalId: null,
        name: spec.name,
        email: spec.email === undefined ? `${spec.name.toLowerCase().replaceAll(" ", ".")}@example.test` : spec.email,
        title: spec.title ?? null,
        role: (spec.role ?? "user") as "user",
        isPrimary: false,
        status: spec.status ?? "active",
        createdAt: at,
        updatedAt: at,
      })
      .run();
  });
  return id;
}

function inDays(days: number): string {
  return new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);
}

const future = () => new Date(Date.now() + 7 * 86_400_000).toISOString();

describe("email campaigns", () => {
  it("renders tokens per recipient from the contact and account, and records the campaign as not sent", async () => {
    const team = await newTeam("Campaign Tokens Co");
    const acme = await register(team.token, { client_name: "Acme", tier: "enterprise", csm_assigned: "Dana CSM", contract_value: 120000 });
    const beta = await register(team.token, { client_name: "Beta", tier: "enterprise" });
    await addContact(team, acme, { name: "Jane Doe", email: "jane@acme.test", role: "champion", title: "VP Ops" });
    await addContact(team, acme, { name: "Gone Guy", email: "gone@acme.test", status: "left" });
    await addContact(team, acme, { name: "No Mail", email: null });
    await addContact(team, beta, { name: "Bob Stone", email: "bob@beta.test", role: "executive" });

    const plan = await ok<Plan>(team.token, "create_email_campaign", {
      name: "Renewal nudge",
      template_type: "renewal_reminder",
      subject: "{{client_name}}: renewal on {{renewal_date}}",
      body: "Hi {{first_name}}, {{csm_name}} here about {{company_name}} ({{tier}}). {{promo}}",
      tier: "enterprise",
      personalization_tokens: { promo: "Ask about the loyalty discount." },
      send_immediately: true,
    });
    expect(plan.recipient_count).toBe(2);
    expect(plan.account_count).toBe(2);
    expect(plan.tokens_used.sort()).toEqual(["client_name", "company_name", "csm_name", "first_name", "promo", "renewal_date", "tier"]);
    expect(plan.campaign?.status).toBe("not_sent");
    expect(plan.campaign?.status_reason).toBe("email delivery is not connected yet");
    expect(plan.delivery.connected).toBe(false);

    const stored = await ok<{ campaign: { status: string; recipient_count: number }; recipients: Recipient[] }>(team.token, "get_campaign", {
      campaign_id: plan.campaign?.campaign_id,
    });
    expect(stored.campaign.status).toBe("not_sent");
    const jane = stored.recipients.find((r) => r.email === "jane@acme.test");
    const bob = stored.recipients.find((r) => r.email === "bob@beta.test");
    expect(stored.recipients.map((r) => r.email).sort()).toEqual(["bob@beta.test", "jane@acme.test"]);
    const acmeAccount = await ok<{ client: { renewal_date: string } }>(team.token, "get_client_overview", { client_id: acme });
    expect(jane?.subject).toBe(`Acme: renewal on ${acmeAccount.client.renewal_date}`);
    expect(jane?.body).toBe("Hi Jane, Dana CSM here about Acme Ltd (enterprise). Ask about the loyalty discount.");
    // Beta has no CSM: the token renders empty and the preview says so.
    expect(bob?.body).toBe("Hi Bob,  here about Beta Ltd (enterprise). Ask about the loyalty discount.");
    expect(plan.preview.find((r) => r.email === "bob@beta.test")?.missing_tokens).toEqual(["csm_name"]);
    expect(bob?.missing_tokens).toEqual(["csm_name"]);
    expect(jane?.missing_tokens).toEqual([]);
    expect(jane?.status).toBe("not_sent");

    const listed = await ok<{ campaigns: { campaign_id: string; status: string }[] }>(team.token, "list_campaigns", {});
    expect(listed.campaigns.map((c) => c.campaign_id)).toEqual([plan.campaign?.campaign_id]);
  });

  it("refuses an unknown token, naming it, and a token that is not closed", async () => {
    const team = await newTeam("Campaign Bad Tokens Co");
    const id = await register(team.token, { client_name: "Acme" });
    await addContact(team, id, { name: "Jane Doe" });
    const unknown = await refused(team.token, "create_email_campaign", {
      name: "x",
      template_type: "custom",
      subject: "Hello {{nickname}}",
      body: "b",
      client_ids: [id],
      send_immediately: true,
    });
    expect(unknown).toContain("subject: unknown personalization token {{nickname}}");
    expect(unknown).toContain("{{first_name}}");
    const open = await refused(team.token, "create_email_campaign", { name: "x", template_type: "custom", subject: "s", body: "Hi {{first_name", client_ids: [id], send_immediately: true });
    expect(open).toContain("body:");
    const noTarget = await refused(team.token, "create_email_campaign", { name: "x", template_type: "custom", subject: "s", body: "b", send_immediately: true });
    expect(noTarget).toContain("exactly one target");
    const noTime = await refused(team.token, "create_email_campaign", { name: "x", template_type: "custom", subject: "s", body: "b", client_ids: [id] });
    expect(noTime).toContain("scheduled_send_time");
    const missing = await refused(team.token, "create_email_campaign", { name: "x", template_type: "custom", subject: "s", body: "b", client_ids: ["acct_nope"], send_immediately: true });
    expect(missing).toContain("acct_nope");
    // REST: the same refusal is a 400 naming the token.
    const rest = await apiCall(team.api, "/api/v1/campaigns", {
      method: "POST",
      body: JSON.stringify({ name: "x", template_type: "custom", subject: "{{bogus}}", body: "b", client_ids: [id], send_immediately: true }),
    });
    expect(rest.status).toBe(400);
    expect(await rest.text()).toContain("{{bogus}}");
  });

  it("needs confirm above the workspace's threshold, which an admin sets; previews write nothing", async () => {
    const team = await newTeam("Campaign Confirm Co");
    const a = await register(team.token, { client_name: "Alpha" });
    const b = await register(team.token, { client_name: "Bravo" });
    for (const name of ["Ann One", "Ann Two"]) await addContact(team, a, { name });
    for (const name of ["Bea One", "Bea Two"]) await addContact(team, b, { name });
    const admin = (await tokenFor(team.workspace, { scope: "cs:read cs:write cs:admin", grant: ["cs:read", "cs:write", "cs:admin"] })).access_token;
    const writer = (await tokenFor(team.workspace, { scope: "cs:read cs:write", grant: ["cs:read", "cs:write"] })).access_token;
    const denied = await callTool(writer, "update_communication_settings", { confirm_threshold: 3 });
    expect(denied.response.status).toBe(403);
    expect((await ok<{ confirm_threshold: number }>(admin, "update_communication_settings", { confirm_threshold: 3 })).confirm_threshold).toBe(3);

    const args = { name: "Big", template_type: "product_update", subject: "News for {{client_name}}", body: "Hi {{contact_name}}", client_ids: [a, b], scheduled_send_time: future() };
    const preview = await ok<Plan>(team.token, "create_email_campaign", { ...args, preview_only: true });
    expect(preview).toMatchObject({ campaign: null, preview_only: true, recipient_count: 4, confirm_threshold: 3, confirm_required: true });
    expect(preview.preview[0]?.body).toMatch(/^Hi (Ann|Bea) (One|Two)$/);
    expect((await ok<{ campaigns: unknown[] }>(team.token, "list_campaigns", {})).campaigns).toHaveLength(0);

    const refusal = await refused(team.token, "create_email_campaign", args);
    expect(refusal).toContain("confirm:");
    expect(refusal).toContain("4 recipients");
    expect(refusal).toContain("limit of 3");

    const confirmed = await ok<Plan>(team.token, "create_email_campaign", { ...args, confirm: true });
    expect(confirmed.campaign?.status).toBe("scheduled");
    expect(confirmed.campaign?.scheduled_for).toBe(new Date(args.scheduled_send_time).toISOString());
    // Under the threshold, with contact_roles narrowing it, no confirm is needed.
    const few = await ok<Plan>(team.token, "create_email_campaign", { ...args, client_ids: [a], contact_roles: ["user"] });
    expect(few.recipient_count).toBe(2);
    expect(few.confirm_required).toBe(false);
  });

  it("targets a saved segment's members", async () => {
    const team = await newTeam("Campaign Segment Co");
    const big = await register(team.token, { client_name: "Big", contract_value: 500000 });
    const small = await register(team.token, { client_name: "Small", contract_value: 1000 });
    await addContact(team, big, { name: "Big Boss" });
    await addContact(team, small, { name: "Small Boss" });
    const segment = await ok<{ segment: { segment_id: string } }>(team.token, "create_segment", {
      name: "High value",
      rule: { match: "all", rules: [{ field: "contract_value", operator: "gte", value: 100000 }] },
    });
    const plan = await ok<Plan>(team.token, "create_email_campaign", {
      name: "VIP",
      template_type: "event_invitation",
      subject: "Invite",
      body: "Dear {{contact_name}}",
      segment_id: segment.segment.segment_id,
      send_immediately: true,
    });
    expect(plan.recipient_count).toBe(1);
    expect(plan.preview[0]?.client_id).toBe(big);
    expect(plan.preview[0]?.body).toBe("Dear Big Boss");
  });
});

describe("workflows", () => {
  it("fires on a data change (renewal window) for accounts meeting the conditions, once per event", async () => {
    const team = await newTeam("Workflow Renewal Co");
    const ent = await register(team.token, { client_name: "Ent", tier: "enterprise", csm_assigned: "Casey" });
    const starter = await register(team.token, { client_name: "Tiny", tier: "starter" });
    await addContact(team, ent, { name: "Eve Exec", role: "executive" });
    const created = await ok<{ workflow: { workflow_id: string; run_count: number } }>(team.token, "create_workflow", {
      name: "Renewal outreach",
      trigger: { type: "renewal_window", days: 60 },
      conditions: { match: "all", rules: [{ field: "tier", operator: "eq", value: "enterprise" }] },
      actions: [
        { type: "create_task", title: "Plan renewal for {{client_name}}", owner: "csm", due_in_days: 5, priority: "high" },
        { type: "record_campaign", template_type: "renewal_reminder", subject: "{{client_name}} renews {{renewal_date}}", body: "Hi {{first_name}}" },
      ],
    });
    const workflowId = created.workflow.workflow_id;
    const bad = await refused(team.token, "create_workflow", {
      name: "Bad",
      trigger: { type: "renewal_window", days: 30 },
      actions: [{ type: "create_task", title: "Hi {{first_name}}" }],
    });
    expect(bad).toContain("actions[0].title: unknown personalization token {{first_name}}");

    // A renewal far away does not fire; moving it into the window does (update_client_info is a data change).
    await ok(team.token, "update_client_info", { client_id: ent, updates: { renewal_date: inDays(200) } });
    expect((await ok<{ tasks: Task[] }>(team.token, "list_tasks", { client_id: ent })).tasks).toHaveLength(0);
    await ok(team.token, "update_client_info", { client_id: ent, updates: { renewal_date: inDays(30) } });
    await ok(team.token, "update_client_info", { client_id: starter, updates: { renewal_date: inDays(30) } });

    const tasks = (await ok<{ tasks: Task[] }>(team.token, "list_tasks", { client_id: ent })).tasks;
    expect(tasks).toHaveLength(1);
    expect(tasks[0]).toMatchObject({ title: "Plan renewal for Ent", owner: "Casey", due_date: inDays(5), source: `workflow:${workflowId}` });
    expect(tasks[0]?.description).toContain("renewal on");
    expect((await ok<{ tasks: Task[] }>(team.token, "list_tasks", { client_id: starter })).tasks).toHaveLength(0);

    const campaigns = await ok<{ campaigns: { campaign_id: string; status: string; source: string; recipient_count: number }[] }>(team.token, "list_campaigns", {});
    expect(campaigns.campaigns).toHaveLength(1);
    expect(campaigns.campaigns[0]).toMatchObject({ status: "not_sent", source: `workflow:${workflowId}`, recipient_count: 1 });
    const detail = await ok<{ recipients: Recipient[] }>(team.token, "get_campaign", { campaign_id: campaigns.campaigns[0]?.campaign_id });
    expect(detail.recipients[0]?.subject).toBe(`Ent renews ${inDays(30)}`);

    // Another change with the same renewal date does not fire again; a new date does.
    await ok(team.token, "update_client_info", { client_id: ent, updates: { csm_assigned: "Robin" } });
    expect((await ok<{ tasks: Task[] }>(team.token, "list_tasks", { client_id: ent })).tasks).toHaveLength(1);
    await ok(team.token, "update_client_info", { client_id: ent, updates: { renewal_date: inDays(20) } });
    expect((await ok<{ tasks: Task[] }>(team.token, "list_tasks", { client_id: ent })).tasks).toHaveLength(2);

    const listed = await ok<{ workflows: { workflow_id: string; run_count: number; recent_runs: { client_id: string; event_key: string }[] }[] }>(team.token, "list_workflows", {});
    expect(listed.workflows[0]?.run_count).toBe(2);
    expect(listed.workflows[0]?.recent_runs.map((r) => r.event_key).sort()).toEqual([`renewal:${inDays(20)}`, `renewal:${inDays(30)}`]);
  });

  it("fires on a ticket opened after the workflow existed, filtered by priority", async () => {
    const team = await newTeam("Workflow Ticket Co");
    const id = await register(team.token, { client_name: "Acme" });
    const ticket = (tid: string, priority: "P1" | "P3", openedAt: string) => ({
      id: tid,
      accountId: id,
      externalId: null,
      subject: `Ticket ${tid}`,
      description: "",
      priority,
      status: "open" as const,
      category: "bug",
      assignee: null,
      requesterContactId: null,
      openedAt,
      firstResponseAt: null,
      solvedAt: null,
      closedAt: null,
      firstResponseDueAt: null,
      resolutionDueAt: null,
      slaBreached: false,
      satisfaction: null,
      source: "test",
      updatedAt: openedAt,
    });
    // Opened before the workflow: never fires.
    await inTenant(team.tenantId, (db) => db.insert(schema.tickets).values(ticket("tk_old", "P1", "2026-01-01T00:00:00.000Z")).run());
    await ok(team.token, "create_workflow", {
      name: "P1 follow-up",
      trigger: { type: "ticket_opened", priorities: ["P1"] },
      actions: [{ type: "create_task", title: "Call {{client_name}} about the P1", due_in_days: 1, priority: "urgent" }],
    });
    // Tickets arrive as fixtures (no ticket tool yet); the fact change that follows evaluates workflows.
    const later = new Date(Date.now() + 1000).toISOString();
    await inTenant(team.tenantId, (db) => {
      db.insert(schema.tickets).values(ticket("tk_p1", "P1", later)).run();
      db.insert(schema.tickets).values(ticket("tk_p3", "P3", later)).run();
    });
    await ok(team.token, "update_client_info", { client_id: id, updates: { industry: "Retail" } });
    const tasks = (await ok<{ tasks: Task[] }>(team.token, "list_tasks", { client_id: id })).tasks;
    expect(tasks.map((t) => t.title)).toEqual(["Call Acme about the P1"]);
    expect(tasks[0]?.description).toContain('ticket "Ticket tk_p1" (P1) was opened');
  });
});

describe("workflows on health", () => {
  it("fires when a fact change moves the account into another health band", async () => {
    const team = await newTeam("Workflow Band Co");
    const id = await register(team.token, { client_name: "Acme", csm_assigned: "Casey" });
    // The last two-way touch was 200 days ago (a fixture: no touchpoint tool yet).
    await inTenant(team.tenantId, (db) =>
      db
        .insert(schema.touchpoints)
        .values({
          id: "tp_old",
          accountId: id,
          contactId: null,
          externalId: null,
          kind: "meeting",
          direction: "outbound",
          subject: "Kick-off",
          occurredAt: new Date(Date.now() - 200 * 86_400_000).toISOString(),
          openedAt: null,
          clickedAt: null,
          repliedAt: null,
          source: "test",
          createdBy: "test",
        })
        .run(),
    );
    await ok(team.token, "update_client_info", { client_id: id, updates: { industry: "Retail" } });
    const before = await ok<{ client: { health_score: number | null } }>(team.token, "get_client_overview", { client_id: id });
    expect(before.client.health_score).not.toBeNull();
    const workflow = await ok<{ workflow: { workflow_id: string } }>(team.token, "create_workflow", {
      name: "Band moves",
      trigger: { type: "health_band_changed" },
      actions: [{ type: "create_task", title: "Health of {{client_name}} moved", owner: "csm", due_in_days: 2 }],
    });
    // A business review held now is a meeting touchpoint: the fact change rescored the account.
    const review = await ok<{ review: { review_id: string } }>(team.token, "schedule_business_review", {
      client_id: id,
      review_type: "ad_hoc",
      scheduled_for: new Date(Date.now() + 86_400_000).toISOString(),
    });
    await ok(team.token, "record_business_review_outcome", { review_id: review.review.review_id, summary: "Reconnected", held_at: new Date().toISOString() });
    const snapshots = await inTenant(team.tenantId, (db) =>
      db.select().from(schema.healthSnapshots).all().filter((row) => row.accountId === id).sort((a, b) => (a.computedAt < b.computedAt ? -1 : a.computedAt > b.computedAt ? 1 : a.id - b.id)),
    );
    const [previous, current] = snapshots.slice(-2);
    expect(previous?.band).not.toBe(current?.band);
    const tasks = (await ok<{ tasks: Task[] }>(team.token, "list_tasks", { client_id: id, source: `workflow:${workflow.workflow.workflow_id}` })).tasks;
    expect(tasks).toHaveLength(1);
    expect(tasks[0]).toMatchObject({ title: "Health of Acme moved", owner: "Casey" });
    expect(tasks[0]?.description).toContain(`health band changed from ${String(previous?.band)} to ${String(current?.band)}`);
    const runs = await ok<{ workflows: { run_count: number }[] }>(team.token, "list_workflows", {});
    expect(runs.workflows[0]?.run_count).toBe(1);
  });
});

describe("advocacy", () => {
  it("awards points per activity type times the tier multiplier, raises tiers, and ranks advocates", async () => {
    const team = await newTeam("Advocacy Co");
    const acme = await register(team.token, { client_name: "Acme" });
    const beta = await register(team.token, { client_name: "Beta" });
    const jane = await addContact(team, acme, { name: "Jane Doe" });
    const bob = await addContact(team, beta, { name: "Bob Stone" });
    const left = await addContact(team, beta, { name: "Lou Left", status: "left" });

    const a = (await ok<{ advocate: { advocate_id: string; tier: string; points: number } }>(team.token, "enroll_advocate", { client_id: acme, contact_id: jane })).advocate;
    expect(a).toMatchObject({ tier: "bronze", points: 0 });
    const b = (await ok<{ advocate: { advocate_id: string } }>(team.token, "enroll_advocate", { client_id: beta, contact_id: bob, tier: "gold" })).advocate;
    expect(await refused(team.token, "enroll_advocate", { client_id: acme, contact_id: jane })).toContain("already an advocate");
    expect(await refused(team.token, "enroll_advocate", { client_id: acme, contact_id: bob })).toContain("contact_id");
    expect(await refused(team.token, "enroll_advocate", { client_id: beta, contact_id: left })).toContain("left");

    type Activity = { activity: { base_points: number; multiplier: number; points: number }; advocate: { tier: string; points: number }; tier_changed: boolean };
    const first = await ok<Activity>(team.token, "record_advocacy_activity", { advocate_id: a.advocate_id, activity_type: "case_study", details: "Published case study" });
    expect(first.activity).toMatchObject({ base_points: 500, multiplier: 1, points: 500 });
    expect(first.advocate).toMatchObject({ points: 500, tier: "silver" });
    expect(first.tier_changed).toBe(true);
    const second = await ok<Activity>(team.token, "record_advocacy_activity", { advocate_id: a.advocate_id, activity_type: "review", details: "G2 review" });
    // Silver multiplies by 1.25: 300 × 1.25 = 375.
    expect(second.activity).toMatchObject({ base_points: 300, multiplier: 1.25, points: 375 });
    expect(second.advocate).toMatchObject({ points: 875, tier: "silver" });
    const gold = await ok<Activity>(team.token, "record_advocacy_activity", { advocate_id: b.advocate_id, activity_type: "speaking_engagement", details: "Keynote" });
    expect(gold.activity.points).toBe(1500);
    expect(gold.advocate.tier).toBe("gold");
    expect(await refused(team.token, "record_advocacy_activity", { advocate_id: a.advocate_id, activity_type: "bribe", details: "x" })).toContain("activity_type");

    const board = await ok<{ advocates: { rank: number; contact_name: string; points: number; activity_count: number }[]; total_advocates: number; total_points: number }>(
      team.token,
      "get_advocacy_leaderboard",
      {},
    );
    expect(board.advocates.map((x) => [x.rank, x.contact_name, x.points, x.activity_count])).toEqual([
      [1, "Bob Stone", 1500, 1],
      [2, "Jane Doe", 875, 2],
    ]);
    expect(board).toMatchObject({ total_advocates: 2, total_points: 2375 });
    const onlyAcme = await ok<{ advocates: { contact_name: string }[] }>(team.token, "get_advocacy_leaderboard", { client_id: acme });
    expect(onlyAcme.advocates.map((x) => x.contact_name)).toEqual(["Jane Doe"]);
    const timeline = await ok<{ events: { title: string }[] }>(team.token, "get_client_timeline", { client_id: acme });
    expect(timeline.events.map((e) => e.title)).toContain("Jane Doe: case study");
  });
});

describe("business reviews and newsletters", () => {
  it("schedules a review, records its outcome, and turns action items into tasks and the meeting into a touchpoint", async () => {
    const team = await newTeam("Review Co");
    const id = await register(team.token, { client_name: "Acme" });
    const scheduledFor = new Date(Date.now() + 3 * 86_400_000).toISOString();
    const review = (
      await ok<{ review: { review_id: string; agenda: string[]; status: string } }>(team.token, "schedule_business_review", {
        client_id: id,
        review_type: "quarterly",
        scheduled_for: scheduledFor,
        attendees: [{ name: "Jane Doe", side: "customer" }],
        objectives: ["Agree Q3 goals"],
      })
    ).review;
    expect(review.status).toBe("scheduled");
    expect(review.agenda.length).toBeGreaterThan(0);
    expect(await refused(team.token, "schedule_business_review", { client_id: id, review_type: "annual", scheduled_for: "2020-01-01T00:00:00Z" })).toContain("scheduled_for");

    const heldAt = new Date(Date.now() - 3_600_000).toISOString();
    const outcome = await ok<{ review: { status: string; satisfaction_rating: number; summary: string }; tasks: Task[] }>(team.token, "record_business_review_outcome", {
      review_id: review.review_id,
      summary: "Good quarter; seats to grow.",
      satisfaction_rating: 4,
      action_items: [
        { title: "Send expansion proposal", owner: "Dana", due_date: inDays(10), priority: "high" },
        { title: "Book training for new team" },
      ],
      held_at: heldAt,
    });
    expect(outcome.review).toMatchObject({ status: "completed", satisfaction_rating: 4, summary: "Good quarter; seats to grow." });
    expect(outcome.tasks.map((t) => t.source)).toEqual([`review:${review.review_id}`, `review:${review.review_id}`]);
    const tasks = (await ok<{ tasks: Task[] }>(team.token, "list_tasks", { client_id: id })).tasks;
    expect(tasks.map((t) => t.title).sort()).toEqual(["Book training for new team", "Send expansion proposal"]);
    expect(tasks.find((t) => t.title === "Send expansion proposal")).toMatchObject({ owner: "Dana", due_date: inDays(10) });
    const touch = await inTenant(team.tenantId, (db) => db.select().from(schema.touchpoints).all());
    expect(touch).toHaveLength(1);
    expect(touch[0]).toMatchObject({ accountId: id, kind: "meeting", occurredAt: heldAt, source: "business_review" });
    // The touchpoint is a fact: health inputs were refreshed in the same write.
    const features = await inTenant(team.tenantId, (db) => db.select().from(schema.accountFeatures).all());
    expect(features.find((f) => f.accountId === id)?.daysSinceLastTouch).toBe(0);
    expect(await refused(team.token, "record_business_review_outcome", { review_id: review.review_id, summary: "again" })).toContain("already recorded");
  });

  it("records a newsletter with its audience counted from real contacts, not sent", async () => {
    const team = await newTeam("Newsletter Co");
    const ent = await register(team.token, { client_name: "Ent", tier: "enterprise" });
    const pro = await register(team.token, { client_name: "Pro", tier: "professional" });
    const other = await register(team.token, { client_name: "Other", tier: "enterprise" });
    await addContact(team, ent, { name: "E One" });
    await addContact(team, ent, { name: "E Two" });
    await addContact(team, pro, { name: "P One" });
    await addContact(team, other, { name: "O One" });
    const created = await ok<{ newsletter: { status: string; status_reason: string; recipient_count: number; account_count: number } }>(team.token, "create_newsletter", {
      name: "Monthly",
      subject: "What's new",
      sections: [{ type: "feature_highlight", title: "Dashboards", content: "New dashboards." }],
      target_tiers: ["enterprise"],
      exclude_client_ids: [other],
    });
    expect(created.newsletter).toMatchObject({ status: "not_sent", status_reason: "email delivery is not connected yet", recipient_count: 2, account_count: 1 });
    const scheduled = await ok<{ newsletter: { status: string; recipient_count: number } }>(team.token, "create_newsletter", {
      name: "Monthly",
      subject: "What's new",
      sections: [{ type: "tip", title: "Tip", content: "Use filters." }],
      scheduled_send: future(),
      recurrence: "monthly",
    });
    expect(scheduled.newsletter).toMatchObject({ status: "scheduled", recipient_count: 4 });
  });
});

describe("scopes and tenants", () => {
  it("needs cs:write to create and keeps each workspace's campaigns to itself", async () => {
    const team = await newTeam("Comms Scope Co");
    const other = await newTeam("Comms Other Co");
    const id = await register(team.token, { client_name: "Acme" });
    await addContact(team, id, { name: "Jane Doe" });
    const readOnly = (await tokenFor(team.workspace, { scope: "cs:read", grant: ["cs:read"] })).access_token;
    const rest = await apiCall(
      (await tokenFor(team.workspace, { scope: "cs:read", grant: ["cs:read"], resource: "http://localhost" })).access_token,
      "/api/v1/campaigns",
      { method: "POST", body: JSON.stringify({ name: "x", template_type: "custom", subject: "s", body: "b", client_ids: [id], send_immediately: true }) },
    );
    expect(rest.status).toBe(403);
    const plan = await ok<Plan>(team.token, "create_email_campaign", { name: "x", template_type: "custom", subject: "s", body: "b", client_ids: [id], send_immediately: true });
    expect((await ok<{ campaigns: unknown[] }>(readOnly, "list_campaigns", {})).campaigns).toHaveLength(1);
    expect((await ok<{ campaigns: unknown[] }>(other.token, "list_campaigns", {})).campaigns).toHaveLength(0);
    expect(await refused(other.token, "get_campaign", { campaign_id: plan.campaign?.campaign_id })).toContain("no campaign");
    expect(await refused(other.token, "create_email_campaign", { name: "x", template_type: "custom", subject: "s", body: "b", client_ids: [id], send_immediately: true })).toContain(id);
  });
});
