import { beforeAll, describe, expect, it } from "vitest";
import { eq } from "drizzle-orm";
import {
  addComment,
  closeTicket,
  createTicket,
  getTicket,
  openTicket,
  rateTicket,
  reopenTicket,
  resolveTicket,
  supportPerformance,
  updateSupportSettings,
  updateTicket,
} from "../src/db/tickets";
import { AccountError } from "../src/db/accounts";
import { accountEvents, accountFeatures, feedback, tickets } from "../src/db/tenant-schema";
import { apiCall, callTool, tokenFor } from "./support/worker";
import { inTenant, newTeam, ok, refused, register, type Team } from "./support/work";

interface Clock {
  state: string;
  target_minutes: number | null;
  elapsed_minutes: number;
  remaining_minutes: number | null;
  due_at: string | null;
  running: boolean;
}
interface Ticket {
  ticket_id: string;
  client_id: string;
  status: string;
  priority: string;
  category: string;
  assignee: string | null;
  first_response_at: string | null;
  first_response_due_at: string | null;
  resolution_due_at: string | null;
  sla_breached: boolean;
  satisfaction: number | null;
  sla: { breached: boolean; paused: boolean; first_response: Clock; resolution: Clock; summary: string };
  comments: { visibility: string; author_kind: string; kind: string; body: string }[];
  history: { type: string; status: string }[];
  escalations: { escalation_id: string; severity: string; status: string }[];
}
interface Routing {
  assignee: string | null;
  rule: string;
  candidates: { agent: string; open_tickets: number }[];
}

const MIN = 60_000;
const HOUR = 60 * MIN;

let team: Team;
let accountId = "";

function ago(ms: number): string {
  return new Date(Date.now() - ms).toISOString();
}

beforeAll(async () => {
  team = await newTeam("Support Co");
  accountId = await register(team.token, { client_name: "Helped", tier: "professional", contract_value: 50_000, csm_assigned: "casey@example.com" });
});

describe("SLA clocks from the engine", () => {
  it("sets due times at opening, pauses while pending, breaches, and stores the breach (explicit times)", async () => {
    const r = await inTenant(team.tenantId, (db) => {
      const at = (iso: string) => new Date(iso);
      const { ticket: created } = createTicket(db, { client_id: accountId, subject: "Export fails", priority: "P2", category: "technical_issue", assignee: "ann" }, "u-test", at("2026-05-01T09:00:00Z"));
      const id = created.ticket_id;
      const early = getTicket(db, id, at("2026-05-01T09:30:00Z"));
      updateTicket(db, id, { status: "pending" }, "u-test", at("2026-05-01T09:40:00Z"));
      const paused = getTicket(db, id, at("2026-05-01T11:00:00Z"));
      const reply = addComment(db, id, { body: "Still broken", visibility: "public", author_kind: "customer" }, "u-test", at("2026-05-01T12:00:00Z"));
      const late = getTicket(db, id, at("2026-05-01T12:25:00Z"));
      const answered = addComment(db, id, { body: "Looking into it", visibility: "public", author_kind: "agent" }, "u-test", at("2026-05-01T12:30:00Z"));
      const solved = resolveTicket(db, id, "Fixed the exporter", "u-test", undefined, at("2026-05-01T13:00:00Z"));
      const stored = db.select().from(tickets).where(eq(tickets.id, id)).get();
      return { created, early, paused, reply, late, answered, solved, stored };
    });
    expect(r.created.first_response_due_at).toBe("2026-05-01T10:00:00.000Z");
    expect(r.created.resolution_due_at).toBe("2026-05-02T09:00:00.000Z");
    expect(r.created.status).toBe("new");
    expect(r.early.sla.first_response).toMatchObject({ state: "on_track", target_minutes: 60, elapsed_minutes: 30, remaining_minutes: 30, due_at: "2026-05-01T10:00:00.000Z" });
    // 40 minutes ran before the ticket went pending; the clocks stopped there.
    expect(r.paused.sla.paused).toBe(true);
    expect(r.paused.sla.first_response).toMatchObject({ state: "paused", elapsed_minutes: 40, running: false });
    expect(r.reply.status_change).toEqual({ from: "pending", to: "open" });
    expect(r.reply.first_response).toBe(false);
    // Resumed at 12:00 with 20 minutes left: due 12:20, so at 12:25 it is 5 minutes over.
    expect(r.late.sla.first_response).toMatchObject({ state: "breached", elapsed_minutes: 65, remaining_minutes: -5, due_at: "2026-05-01T12:20:00.000Z" });
    expect(r.late.sla.breached).toBe(true);
    expect(r.answered.first_response).toBe(true);
    expect(r.answered.ticket.first_response_at).toBe("2026-05-01T12:30:00.000Z");
    // Resolution ran 40 + 60 minutes of its 1440: met; the first-response breach stays.
    expect(r.solved.sla.resolution).toMatchObject({ state: "met", elapsed_minutes: 100 });
    expect(r.solved.sla.first_response.state).toBe("breached");
    expect(r.solved.status).toBe("solved");
    expect(r.stored?.slaBreached).toBe(true);
    expect(r.solved.comments.map((c) => c.kind)).toEqual(["comment", "comment", "resolution"]);
  });

  it("counts only business hours when the tenant sets them, and re-targets on priority changes", async () => {
    const t = await newTeam("Hours Co");
    const account = await register(t.token, { client_name: "Berlin" });
    const r = await inTenant(t.tenantId, (db) => {
      updateSupportSettings(db, { business_hours: { timeZone: "Europe/Berlin", weekly: { mon: [{ start: "09:00", end: "17:00" }], tue: [{ start: "09:00", end: "17:00" }], wed: [{ start: "09:00", end: "17:00" }], thu: [{ start: "09:00", end: "17:00" }], fri: [{ start: "09:00", end: "17:00" }] } } }, "u-test", new Date("2026-04-01T00:00:00Z"));
      // Friday 1 May 2026, 16:00 in Berlin (UTC+2): one business hour left that day.
      const { ticket } = createTicket(db, { client_id: account, subject: "Slow", priority: "P3", category: "performance" }, "u-test", new Date("2026-05-01T14:00:00Z"));
      const raised = updateTicket(db, ticket.ticket_id, { priority: "P1" }, "u-test", new Date("2026-05-01T14:05:00Z"));
      return { ticket, raised };
    });
    // 240 business minutes: 60 on Friday, 180 on Monday from 09:00 → Monday 12:00 Berlin = 10:00Z.
    expect(r.ticket.first_response_due_at).toBe("2026-05-04T10:00:00.000Z");
    // P1 is 15 minutes: 5 already ran, due 16:15 Berlin.
    expect(r.raised.changed).toEqual(["priority"]);
    expect(r.raised.ticket.first_response_due_at).toBe("2026-05-01T14:15:00.000Z");
  });

  it("lets an admin change SLA targets (validated by the engine); csm tokens get 403", async () => {
    const t = await newTeam("Targets Co");
    const account = await register(t.token, { client_name: "Targeted" });
    const tAdmin = (await tokenFor(t.workspace, { scope: "cs:read cs:write cs:admin", grant: ["cs:read", "cs:write", "cs:admin"] })).access_token;
    const forbidden = await callTool(t.token, "configure_support", { sla_targets: { P1: { first_response_minutes: 10 } } });
    expect(forbidden.response.status).toBe(403);
    expect(await refused(tAdmin, "configure_support", { sla_targets: { P2: { first_response_minutes: 2000 } } })).toContain("sla_targets.P2.first_response_minutes");
    expect(await refused(tAdmin, "configure_support", { sla_targets: { P3: { first_response_minutes: 5 } } })).toContain("more urgent priority");
    expect(await refused(tAdmin, "configure_support", { sla_targets: { P9: { first_response_minutes: 5 } } })).toContain("sla_targets");
    expect(await refused(tAdmin, "configure_support", { business_hours: { timeZone: "Mars/Olympus", weekly: {} } })).toContain("business_hours.timeZone");
    const set = await ok<{ settings: { sla: { targets: Record<string, { first_response_minutes: number }> } } }>(tAdmin, "configure_support", { sla_targets: { P4: { first_response_minutes: 300 } } });
    expect(set.settings.sla.targets.P4).toEqual({ first_response_minutes: 300, resolution_minutes: 4320 });
    const opened = ago(10 * MIN);
    const { ticket } = await ok<{ ticket: Ticket }>(t.token, "create_ticket", { client_id: account, subject: "Question", priority: "P4", opened_at: opened });
    expect(Date.parse(ticket.first_response_due_at ?? "") - Date.parse(opened)).toBe(300 * MIN);
    expect(ticket.sla.first_response.target_minutes).toBe(300);
  });
});

describe("lifecycle over MCP and REST", () => {
  it("refuses a second ticket with a taken external_id, naming the ticket that has it, and writes nothing for it", async () => {
    const externalId = `zendesk:${crypto.randomUUID()}`;
    const outcome = await inTenant(team.tenantId, (db) => {
      const first = openTicket(db, { client_id: accountId, subject: "First", priority: "P3", category: "billing", external_id: externalId }, "test");
      const timelineBefore = db.select().from(accountEvents).where(eq(accountEvents.accountId, accountId)).all().length;
      let error: unknown;
      try {
        openTicket(db, { client_id: accountId, subject: "Second", priority: "P1", category: "billing", external_id: externalId }, "test");
      } catch (caught) {
        error = caught;
      }
      return {
        first: first.ticketId,
        error: error instanceof AccountError ? { code: error.code, message: error.message } : String(error),
        withExternalId: db.select({ id: tickets.id }).from(tickets).where(eq(tickets.externalId, externalId)).all(),
        seconds: db.select({ id: tickets.id }).from(tickets).where(eq(tickets.subject, "Second")).all().length,
        timelineAdded: db.select().from(accountEvents).where(eq(accountEvents.accountId, accountId)).all().length - timelineBefore,
      };
    });
    expect(outcome.error).toEqual({ code: "conflict", message: `external_id: ticket "${outcome.first}" already has external_id "${externalId}".` });
    expect(outcome.withExternalId).toEqual([{ id: outcome.first }]);
    expect(outcome.seconds).toBe(0);
    expect(outcome.timelineAdded).toBe(0);
  });

  it("walks a ticket through its lifecycle, answering nonsense moves with the current state", async () => {
    const { ticket, routing } = await ok<{ ticket: Ticket; routing: Routing | null }>(team.token, "create_ticket", {
      client_id: accountId,
      subject: "Cannot log in",
      description: "SSO loop",
      priority: "P2",
      category: "Technical_Issue",
      opened_at: ago(3 * HOUR),
    });
    const id = ticket.ticket_id;
    expect(ticket).toMatchObject({ status: "new", category: "technical_issue", assignee: null });
    expect(routing?.rule).toBe("none");
    // Opened three hours ago with a 60-minute first-response target and no reply: breached, live.
    expect(ticket.sla.first_response.state).toBe("breached");
    expect(ticket.sla.first_response.remaining_minutes).toBeCloseTo(-120, 0);

    expect(await refused(team.token, "close_ticket", { ticket_id: id })).toContain("is new; only a solved ticket can be closed");
    expect(await refused(team.token, "reopen_ticket", { ticket_id: id })).toContain("is new, not solved or closed");
    expect(await refused(team.token, "rate_ticket", { ticket_id: id, score: 4 })).toContain("is new");

    const assigned = await ok<{ ticket: Ticket; previous_assignee: string | null; changed: boolean }>(team.token, "assign_ticket", { ticket_id: id, assignee: "ann" });
    expect(assigned).toMatchObject({ previous_assignee: null, changed: true });
    expect((await ok<{ changed: boolean }>(team.token, "assign_ticket", { ticket_id: id, assignee: "ann" })).changed).toBe(false);

    const note = await ok<{ first_response: boolean; ticket: Ticket }>(team.token, "add_ticket_comment", { ticket_id: id, body: "Checking IdP logs", visibility: "internal" });
    expect(note.first_response).toBe(false);
    expect(note.ticket.first_response_at).toBeNull();
    const reply = await ok<{ first_response: boolean; ticket: Ticket; status_change: unknown }>(team.token, "add_ticket_comment", { ticket_id: id, body: "We are on it" });
    expect(reply.first_response).toBe(true);
    expect(reply.status_change).toEqual({ from: "new", to: "open" });
    expect(reply.ticket.first_response_at).not.toBeNull();

    const solved = await ok<{ ticket: Ticket }>(team.token, "resolve_ticket", { ticket_id: id, resolution: "Reset the SSO binding" });
    expect(solved.ticket.status).toBe("solved");
    expect(await refused(team.token, "resolve_ticket", { ticket_id: id, resolution: "again" })).toMatch(/is solved since .*; resolve_ticket cannot move it to solved/);
    expect(await refused(team.token, "update_ticket", { ticket_id: id, status: "pending" })).toContain("is solved");
    expect(await refused(team.token, "update_ticket", { ticket_id: id, priority: "P1" })).toContain("reopen_ticket before re-prioritizing");

    const rated = await ok<{ ticket: Ticket; feedback_id: string }>(team.token, "rate_ticket", { ticket_id: id, score: 2, comment: "Took long" });
    expect(rated.ticket.satisfaction).toBe(2);
    const rerated = await ok<{ ticket: Ticket; feedback_id: string }>(team.token, "rate_ticket", { ticket_id: id, score: 4 });
    expect(rerated.feedback_id).toBe(rated.feedback_id);

    const closed = await ok<{ ticket: Ticket }>(team.token, "close_ticket", { ticket_id: id });
    expect(closed.ticket.status).toBe("closed");
    expect(await refused(team.token, "close_ticket", { ticket_id: id })).toContain("is already closed");
    expect(await refused(team.token, "add_ticket_comment", { ticket_id: id, body: "hi" })).toContain("is closed");

    const reopened = await ok<{ ticket: Ticket }>(team.token, "reopen_ticket", { ticket_id: id, reason: "Came back" });
    expect(reopened.ticket).toMatchObject({ status: "open", satisfaction: 4 });
    expect(reopened.ticket.history.map((h) => h.type)).toEqual(["created", "assigned", "first_response", "status_changed", "resolved", "status_changed", "reopened"]);

    // CSAT is stored as feedback (one row, replaced on re-rating); ticket writes refresh health inputs.
    const facts = await inTenant(team.tenantId, (db) => ({
      csat: db.select().from(feedback).where(eq(feedback.accountId, accountId)).all().filter((f) => f.kind === "csat"),
      features: db.select().from(accountFeatures).where(eq(accountFeatures.accountId, accountId)).get(),
    }));
    expect(facts.csat.map((f) => [f.score, f.source, f.externalId])).toEqual([[4, "ticket", `ticket:${id}`]]);
    expect(facts.features?.csat).toBe(4);
    expect(facts.features?.openTickets).toBeGreaterThanOrEqual(1);

    const timeline = await ok<{ events: { title: string; event_type: string }[] }>(team.token, "get_client_timeline", { client_id: accountId });
    const titles = timeline.events.map((e) => e.title);
    expect(titles).toContain("Ticket opened (P2): Cannot log in");
    expect(titles).toContain("Ticket resolved: Cannot log in");
  });

  it("escalates through the escalation code, linked by ticket_id, raising the priority once", async () => {
    const { ticket } = await ok<{ ticket: Ticket }>(team.token, "create_ticket", { client_id: accountId, subject: "Data loss", priority: "P3", assignee: "bob" });
    const escalated = await ok<{ ticket: Ticket; escalation: { escalation_id: string; ticket_id: string; severity: string; owner: string; task_id: string | null }; priority_change: unknown }>(
      team.token,
      "escalate_ticket",
      { ticket_id: ticket.ticket_id, reason: "Customer threatens to churn" },
    );
    expect(escalated.priority_change).toEqual({ from: "P3", to: "P2" });
    expect(escalated.escalation).toMatchObject({ ticket_id: ticket.ticket_id, severity: "high", owner: "bob" });
    expect(escalated.escalation.task_id).not.toBeNull();
    expect(escalated.ticket.priority).toBe("P2");
    expect(escalated.ticket.sla.first_response.target_minutes).toBe(60);
    expect(escalated.ticket.escalations).toEqual([{ escalation_id: escalated.escalation.escalation_id, severity: "high", status: "open", resolve_by: expect.any(String) }]);
    expect(await refused(team.token, "escalate_ticket", { ticket_id: ticket.ticket_id, reason: "again" })).toContain(`escalation "${escalated.escalation.escalation_id}" is open`);
    const list = await ok<{ escalations: { escalation_id: string; ticket_id: string | null }[] }>(team.token, "list_escalations", { client_id: accountId });
    expect(list.escalations.find((e) => e.escalation_id === escalated.escalation.escalation_id)?.ticket_id).toBe(ticket.ticket_id);
  });

  it("validates enums, dates and ids with messages naming the field and the allowed values", async () => {
    expect(await refused(team.token, "create_ticket", { client_id: accountId, subject: "x", priority: "P0" })).toContain("priority: must be one of P1, P2, P3, P4");
    expect(await refused(team.token, "create_ticket", { client_id: accountId, subject: "x", opened_at: "yesterday" })).toContain("opened_at");
    expect(await refused(team.token, "create_ticket", { client_id: accountId, subject: "x", opened_at: new Date(Date.now() + HOUR).toISOString() })).toContain("opened_at");
    expect(await refused(team.token, "create_ticket", { client_id: "acc_missing", subject: "x" })).toContain("No account");
    expect(await refused(team.token, "get_ticket", { ticket_id: "tkt_missing" })).toContain('ticket_id: no ticket "tkt_missing"');
    expect(await refused(team.token, "update_ticket", { ticket_id: "tkt_x", status: "solved" })).toContain("status: must be one of open, pending, on_hold");
    expect(await refused(team.token, "list_tickets", { status: ["done"] })).toContain("new, open, pending, on_hold, solved, closed");
    expect(await refused(team.token, "list_tickets", { cursor: "bogus" })).toContain("cursor");
    expect(await refused(team.token, "add_ticket_comment", { ticket_id: "tkt_x", body: "x", visibility: "secret" })).toContain("visibility: must be public or internal");
    expect(await refused(team.token, "rate_ticket", { ticket_id: "tkt_x", score: 6 })).toContain("score");

    const { ticket } = await ok<{ ticket: Ticket }>(team.token, "create_ticket", { client_id: accountId, subject: "Ordered", opened_at: ago(HOUR) });
    expect(await refused(team.token, "add_ticket_comment", { ticket_id: ticket.ticket_id, body: "x", at: ago(2 * HOUR) })).toContain("before the ticket's last change");

    const bad = await apiCall(team.api, "/api/v1/tickets", { method: "POST", body: JSON.stringify({ client_id: accountId, subject: "x", priority: "urgent" }) });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { message: string } }).error.message).toContain("priority");
  });

  it("lists with filters and a cursor over REST", async () => {
    const t = await newTeam("List Co");
    const account = await register(t.token, { client_name: "Listed" });
    for (const [i, priority] of (["P1", "P2", "P3", "P4", "P3"] as const).entries()) {
      await ok(t.token, "create_ticket", { client_id: account, subject: `T${i}`, priority, opened_at: ago((10 - i) * MIN), assignee: i % 2 ? "ann" : undefined });
    }
    const page1 = (await (await apiCall(t.api, "/api/v1/tickets?limit=2")).json()) as { tickets: { subject: string }[]; pagination: { next_cursor: string } };
    expect(page1.tickets.map((x) => x.subject)).toEqual(["T4", "T3"]);
    const page2 = (await (await apiCall(t.api, `/api/v1/tickets?limit=2&cursor=${encodeURIComponent(page1.pagination.next_cursor)}`)).json()) as { tickets: { subject: string }[] };
    expect(page2.tickets.map((x) => x.subject)).toEqual(["T2", "T1"]);
    const p34 = (await (await apiCall(t.api, "/api/v1/tickets?priority=P3&priority=P4&status=new")).json()) as { tickets: { subject: string }[] };
    expect(p34.tickets.map((x) => x.subject)).toEqual(["T4", "T3", "T2"]);
    const p3 = await ok<{ tickets: { subject: string }[]; summary: { total_count: number; by_priority: Record<string, number> } }>(t.token, "list_tickets", { priority: ["P3"] });
    expect(p3.tickets.map((x) => x.subject)).toEqual(["T4", "T2"]);
    expect(p3.summary.total_count).toBe(2);
    const ann = await ok<{ tickets: { subject: string }[] }>(t.token, "list_tickets", { assignee: "ann" });
    expect(ann.tickets.map((x) => x.subject)).toEqual(["T3", "T1"]);
    const unassigned = await ok<{ summary: { total_count: number } }>(t.token, "list_tickets", { unassigned: true });
    expect(unassigned.summary.total_count).toBe(3);
  });
});

describe("routing", () => {
  it("picks the least-loaded agent of the category's rule, ties by list order, else the default agents", async () => {
    const t = await newTeam("Routing Co");
    const account = await register(t.token, { client_name: "Routed" });
    const tAdmin = (await tokenFor(t.workspace, { scope: "cs:read cs:write cs:admin", grant: ["cs:read", "cs:write", "cs:admin"] })).access_token;
    expect(await refused(tAdmin, "configure_support", { routing: { rules: [{ category: "billing", agents: ["ann"] }, { category: "Billing", agents: ["bob"] }] } })).toContain("routing.rules[1].category");
    await ok(tAdmin, "configure_support", { routing: { rules: [{ category: "billing", agents: ["ann", "bob"] }], default_agents: ["cat"] } });

    const create = (category: string, assignee?: string) =>
      ok<{ ticket: Ticket; routing: Routing | null }>(t.token, "create_ticket", { client_id: account, subject: `${category} question`, category, ...(assignee ? { assignee } : {}) });
    const first = await create("billing", "ann");
    expect(first.routing).toBeNull();
    const second = await create("billing");
    expect(second.routing).toEqual({ assignee: "bob", rule: "category:billing", candidates: [{ agent: "ann", open_tickets: 1 }, { agent: "bob", open_tickets: 0 }] });
    const third = await create("billing");
    expect(third.ticket.assignee).toBe("ann");
    // Solving one of ann's tickets frees her capacity: she has 1 open, bob 1 → ann again (list order).
    await ok(t.token, "resolve_ticket", { ticket_id: first.ticket.ticket_id, resolution: "Refunded" });
    const fourth = await create("billing");
    expect(fourth.routing?.candidates).toEqual([{ agent: "ann", open_tickets: 1 }, { agent: "bob", open_tickets: 1 }]);
    expect(fourth.ticket.assignee).toBe("ann");
    const other = await create("how_to_question");
    expect(other.routing).toMatchObject({ assignee: "cat", rule: "default_agents" });
  });
});

describe("support performance", () => {
  it("computes volume, medians, SLA attainment, CSAT and backlog from real tickets (hand-computed fixture)", async () => {
    const t = await newTeam("Perf Co");
    const account = await register(t.token, { client_name: "Measured" });
    const perf = await inTenant(t.tenantId, (db) => {
      const at = (iso: string) => new Date(iso);
      const open = (subject: string, priority: "P1" | "P2" | "P3", assignee: string, iso: string) =>
        createTicket(db, { client_id: account, subject, priority, category: "general", assignee }, "u-test", at(iso)).ticket.ticket_id;
      const reply = (id: string, iso: string) => addComment(db, id, { body: "Hi", visibility: "public", author_kind: "agent" }, "u-test", at(iso));
      // T1: P1, ann, reply after 10 min (target 15: met), solved after 120 (240: met), CSAT 5.
      const t1 = open("T1", "P1", "ann", "2026-04-02T10:00:00Z");
      reply(t1, "2026-04-02T10:10:00Z");
      resolveTicket(db, t1, "done", "u-test", undefined, at("2026-04-02T12:00:00Z"));
      rateTicket(db, t1, 5, undefined, "u-test", at("2026-04-02T13:00:00Z"));
      // T2: P1, ann, reply after 30 min (breached), solved after 300 (breached), CSAT 3.
      const t2 = open("T2", "P1", "ann", "2026-04-03T10:00:00Z");
      reply(t2, "2026-04-03T10:30:00Z");
      resolveTicket(db, t2, "done", "u-test", undefined, at("2026-04-03T15:00:00Z"));
      rateTicket(db, t2, 3, undefined, "u-test", at("2026-04-03T16:00:00Z"));
      // T3: P3, bob, reply after 120 min (240: met), never solved (2880-minute resolution breached by May).
      const t3 = open("T3", "P3", "bob", "2026-04-05T00:00:00Z");
      reply(t3, "2026-04-05T02:00:00Z");
      // T4: opened before the period, still open: backlog only. T5: after the period: ignored.
      open("T4", "P3", "bob", "2026-03-20T00:00:00Z");
      open("T5", "P2", "ann", "2026-05-02T00:00:00Z");
      // T6: opened and closed before the period: neither volume nor backlog.
      const t6 = open("T6", "P2", "ann", "2026-03-01T00:00:00Z");
      resolveTicket(db, t6, "done", "u-test", undefined, at("2026-03-02T00:00:00Z"));
      closeTicket(db, t6, "u-test", undefined, at("2026-03-03T00:00:00Z"));
      return supportPerformance(db, { from: "2026-04-01T00:00:00.000Z", to: "2026-05-01T00:00:00.000Z" });
    });
    expect(perf.overall).toEqual({
      volume: 3,
      resolved: 2,
      median_first_response_minutes: 30,
      median_resolution_minutes: 210,
      first_response_sla_attainment: 0.667,
      resolution_sla_attainment: 0.333,
      sla_breached: 2,
      csat: 4,
      csat_responses: 2,
      backlog: 2,
    });
    expect(perf.by_agent).toEqual([
      { agent: "ann", volume: 2, resolved: 2, median_first_response_minutes: 20, median_resolution_minutes: 210, first_response_sla_attainment: 0.5, resolution_sla_attainment: 0.5, sla_breached: 1, csat: 4, csat_responses: 2, backlog: 0 },
      { agent: "bob", volume: 1, resolved: 0, median_first_response_minutes: 120, median_resolution_minutes: null, first_response_sla_attainment: 1, resolution_sla_attainment: 0, sla_breached: 1, csat: null, csat_responses: 0, backlog: 2 },
    ]);
    expect(perf.by_priority.map((p) => [p.priority, p.volume, p.backlog])).toEqual([
      ["P1", 2, 0],
      ["P2", 0, 0],
      ["P3", 1, 2],
      ["P4", 0, 0],
    ]);

    const viaTool = await ok<{ overall: { volume: number; backlog: number }; period: { from: string } }>(t.token, "get_support_performance", {
      from: "2026-04-01T00:00:00Z",
      to: "2026-05-01T00:00:00Z",
      agent: "bob",
    });
    expect(viaTool.overall).toMatchObject({ volume: 1, backlog: 2 });
    expect(await refused(t.token, "get_support_performance", { from: "2026-05-01T00:00:00Z", to: "2026-04-01T00:00:00Z" })).toContain("from must be before to");
    expect(await refused(t.token, "get_support_performance", { priority: "P7" })).toContain("priority");
  });
});

describe("scopes and tenants", () => {
  it("refuses ticket writes to a read-only token and never shows another tenant's tickets", async () => {
    const readOnly = (await tokenFor(team.workspace, { scope: "cs:read", grant: ["cs:read"] })).access_token;
    await ok(readOnly, "list_tickets", {});
    for (const [name, args] of [
      ["create_ticket", { client_id: accountId, subject: "x" }],
      ["resolve_ticket", { ticket_id: "tkt_x", resolution: "x" }],
      ["escalate_ticket", { ticket_id: "tkt_x", reason: "x" }],
    ] as const) {
      const call = await callTool(readOnly, name, args);
      expect(call.response.status, name).toBe(403);
    }
    const { ticket } = await ok<{ ticket: Ticket }>(team.token, "create_ticket", { client_id: accountId, subject: "Private" });
    const other = await newTeam("Other Support Co");
    expect((await ok<{ tickets: unknown[] }>(other.token, "list_tickets", {})).tickets).toEqual([]);
    expect(await refused(other.token, "get_ticket", { ticket_id: ticket.ticket_id })).toContain("no ticket");
    expect((await apiCall(other.api, `/api/v1/tickets/${ticket.ticket_id}/close`, { method: "POST", body: "{}" })).status).toBe(404);
    expect(await refused(other.token, "create_ticket", { client_id: accountId, subject: "x" })).toContain("No account");
  });
});
