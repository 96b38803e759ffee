import { and, asc, desc, eq, inArray, lt, notInArray, or, sql, type SQL } from "drizzle-orm";
import { afterCursor, keysetPage } from "./keyset-cursor";
import { patchChanges } from "./patch";
import { sla } from "../analytics";
import { AnalyticsConfigError } from "../analytics/errors";
import { AccountError, appendEvent, newId, requireAccount, type Json, type TenantDb } from "./accounts";
import { compiledOnce, placeholders } from "./compiled";
import { createEscalation, type Escalation, type Severity } from "./escalations";
import { accounts, contacts, escalations, feedback, settings, ticketComments, ticketEvents, tickets } from "./tenant-schema";

/**
 * Support tickets on real persisted state: the lifecycle (create, update, assign, comment,
 * escalate, resolve, close, reopen, rate), SLA clocks from the analytics engine (`sla`), replayed
 * from the ticket's own events, and routing by category rules and current open load.
 *
 * Statuses map onto the engine's: new → open, open → in_progress, pending (waiting on the
 * customer, pauses both clocks) → waiting_on_customer, on_hold → waiting_on_engineering,
 * solved → resolved, closed → closed. Priorities P1–P4 use the engine's P1–P4 targets.
 */

export const TICKET_PRIORITIES = ["P1", "P2", "P3", "P4"] as const;
export type Priority = (typeof TICKET_PRIORITIES)[number];
export const TICKET_STATUSES = ["new", "open", "pending", "on_hold", "solved", "closed"] as const;
export type Status = (typeof TICKET_STATUSES)[number];
/** Statuses update_ticket may set; solved, closed and reopening have their own tools. */
export const WORKING_STATUSES = ["open", "pending", "on_hold"] as const;
export type WorkingStatus = (typeof WORKING_STATUSES)[number];
const DONE: readonly Status[] = ["solved", "closed"];

/**
 * Which status may follow which through update_ticket / resolve / close / reopen. A ticket is
 * never moved back to "new"; "closed" is final except for reopen_ticket.
 */
export const TRANSITIONS: Readonly<Record<Status, readonly Status[]>> = {
  new: ["open", "pending", "on_hold", "solved"],
  open: ["pending", "on_hold", "solved"],
  pending: ["open", "on_hold", "solved"],
  on_hold: ["open", "pending", "solved"],
  solved: ["closed", "open"],
  closed: ["open"],
};

const ENGINE_STATUS: Record<Status, sla.TicketStatus> = {
  new: "open",
  open: "in_progress",
  pending: "waiting_on_customer",
  on_hold: "waiting_on_engineering",
  solved: "resolved",
  closed: "closed",
};

const SEVERITY_OF_PRIORITY: Record<Priority, Severity> = { P1: "critical", P2: "high", P3: "medium", P4: "low" };

// ---- settings ----------------------------------------------------------------------------

export const SLA_SETTING_KEY = "support.sla";
export const ROUTING_SETTING_KEY = "support.routing";

export interface SlaTargetMinutes {
  first_response_minutes: number;
  resolution_minutes: number;
}
export interface SupportSla {
  targets: Record<Priority, SlaTargetMinutes>;
  /** null: the clocks run round the clock. */
  business_hours: sla.BusinessHoursInput | null;
}
export interface RoutingRule {
  category: string;
  agents: string[];
}
export interface SupportRouting {
  /** First matching category wins; its agents are the candidates. */
  rules: RoutingRule[];
  /** Candidates when no rule names the category. */
  default_agents: string[];
}
export interface SupportSettings {
  sla: SupportSla;
  routing: SupportRouting;
}

/** The seed's table (§2.10) for P1–P4. */
export function defaultSla(): SupportSla {
  const targets = {} as Record<Priority, SlaTargetMinutes>;
  for (const p of TICKET_PRIORITIES) {
    const d = sla.DEFAULT_SLA_TARGETS[p];
    targets[p] = { first_response_minutes: d.firstResponseMinutes ?? 0, resolution_minutes: d.resolutionMinutes ?? 0 };
  }
  return { targets, business_hours: null };
}

/** The lookups and the history append every ticket write makes, compiled once (src/db/compiled.ts). */
function compileTicketQueries(db: TenantDb) {
  return {
    setting: db.select({ value: settings.value }).from(settings).where(eq(settings.key, sql.placeholder("key"))).prepare(),
    byId: db.select().from(tickets).where(eq(tickets.id, sql.placeholder("id"))).prepare(),
    byExternalId: db.select().from(tickets).where(eq(tickets.externalId, sql.placeholder("externalId"))).prepare(),
    lastEventAt: db
      .select({ at: ticketEvents.at })
      .from(ticketEvents)
      .where(eq(ticketEvents.ticketId, sql.placeholder("ticketId")))
      .orderBy(desc(ticketEvents.at))
      .limit(1)
      .prepare(),
    addEvent: db
      .insert(ticketEvents)
      .values(placeholders("ticketId", "type", "status", "details", "actor", "at"))
      .prepare(),
    insert: db
      .insert(tickets)
      .values(
        placeholders(
          "id",
          "accountId",
          "externalId",
          "subject",
          "description",
          "priority",
          "status",
          "category",
          "assignee",
          "requesterContactId",
          "openedAt",
          "firstResponseDueAt",
          "resolutionDueAt",
          "slaBreached",
          "source",
          "updatedAt",
        ),
      )
      .prepare(),
  };
}

function ticketQueries(db: TenantDb): ReturnType<typeof compileTicketQueries> {
  return compiledOnce(db, compileTicketQueries);
}

/** A ticket's row by our id, or undefined. */
export function findTicket(db: TenantDb, id: string): TicketRow | undefined {
  return ticketQueries(db).byId.get({ id });
}

/** A ticket's row by its external id (`zendesk:<id>`), or undefined. */
export function findTicketByExternalId(db: TenantDb, externalId: string): TicketRow | undefined {
  return ticketQueries(db).byExternalId.get({ externalId });
}

function readSetting<T>(db: TenantDb, key: string): T | null {
  const row = ticketQueries(db).setting.get({ key });
  return row ? (JSON.parse(row.value) as T) : null;
}

function writeSetting(db: TenantDb, key: string, value: unknown, actor: string, now: Date): void {
  const json = JSON.stringify(value);
  const updatedAt = now.toISOString();
  db.insert(settings)
    .values({ key, value: json, updatedBy: actor, updatedAt })
    .onConflictDoUpdate({ target: settings.key, set: { value: json, updatedBy: actor, updatedAt } })
    .run();
}

export function supportSettings(db: TenantDb): SupportSettings {
  const stored = readSetting<Partial<SupportSla>>(db, SLA_SETTING_KEY);
  const base = defaultSla();
  const slaSettings: SupportSla = {
    targets: { ...base.targets, ...(stored?.targets ?? {}) },
    business_hours: stored?.business_hours ?? null,
  };
  const routing = readSetting<SupportRouting>(db, ROUTING_SETTING_KEY) ?? { rules: [], default_agents: [] };
  return { sla: slaSettings, routing };
}

/** The engine's configuration for these settings; a P0 target as tight as P1's keeps the engine's order check happy. */
function engineConfig(s: SupportSla): sla.SlaConfig {
  const targets: sla.SlaConfigInput["targets"] = {};
  for (const p of TICKET_PRIORITIES) {
    targets[p] = { firstResponseMinutes: s.targets[p].first_response_minutes, resolutionMinutes: s.targets[p].resolution_minutes };
  }
  targets.P0 = {
    firstResponseMinutes: Math.min(sla.DEFAULT_SLA_TARGETS.P0.firstResponseMinutes ?? 5, s.targets.P1.first_response_minutes),
    resolutionMinutes: Math.min(sla.DEFAULT_SLA_TARGETS.P0.resolutionMinutes ?? 60, s.targets.P1.resolution_minutes),
  };
  try {
    return sla.resolveSlaConfig({ targets, businessHours: s.business_hours, pauseStatuses: ["waiting_on_customer"] });
  } catch (error) {
    if (error instanceof AnalyticsConfigError) {
      const field = error.field
        .replace(/^targets\.(P\d)\.firstResponseMinutes/, "sla_targets.$1.first_response_minutes")
        .replace(/^targets\.(P\d)\.resolutionMinutes/, "sla_targets.$1.resolution_minutes")
        .replace(/^businessHours/, "business_hours");
      throw new AccountError("invalid", `${field}${error.message.slice(error.field.length)}`);
    }
    throw error;
  }
}

export interface SupportSettingsChanges {
  sla_targets?: Partial<Record<Priority, Partial<SlaTargetMinutes>>>;
  business_hours?: sla.BusinessHoursInput | null;
  routing?: SupportRouting;
}

/** Validates (through the engine) and stores SLA targets, business hours and routing rules. */
export function updateSupportSettings(db: TenantDb, changes: SupportSettingsChanges, actor: string, now = new Date()): SupportSettings {
  const current = supportSettings(db);
  const next: SupportSla = { targets: { ...current.sla.targets }, business_hours: current.sla.business_hours };
  for (const [key, value] of Object.entries(changes.sla_targets ?? {})) {
    if (!(TICKET_PRIORITIES as readonly string[]).includes(key)) {
      throw new AccountError("invalid", `sla_targets.${key}: unknown priority; use ${TICKET_PRIORITIES.join(", ")}.`);
    }
    const p = key as Priority;
    next.targets[p] = { ...next.targets[p], ...Object.fromEntries(Object.entries(value ?? {}).filter(([, v]) => v !== undefined)) };
  }
  if (changes.business_hours !== undefined) next.business_hours = changes.business_hours;
  engineConfig(next);
  if (changes.sla_targets !== undefined || changes.business_hours !== undefined) writeSetting(db, SLA_SETTING_KEY, next, actor, now);
  let routing = current.routing;
  if (changes.routing !== undefined) {
    const seen = new Set<string>();
    changes.routing.rules.forEach((rule, i) => {
      const category = rule.category.trim().toLowerCase();
      if (seen.has(category)) throw new AccountError("invalid", `routing.rules[${i}].category: "${category}" already has a rule; give each category one rule.`);
      seen.add(category);
    });
    routing = {
      rules: changes.routing.rules.map((r) => ({ category: r.category.trim().toLowerCase(), agents: [...new Set(r.agents)] })),
      default_agents: [...new Set(changes.routing.default_agents)],
    };
    writeSetting(db, ROUTING_SETTING_KEY, routing, actor, now);
  }
  return { sla: next, routing };
}

// ---- reading -----------------------------------------------------------------------------

type TicketRow = typeof tickets.$inferSelect;
type EventRow = typeof ticketEvents.$inferSelect;
/** What the SLA engine reads of a ticket event. */
type ClockEvent = Pick<EventRow, "type" | "status" | "at">;

export interface SlaClockView {
  state: sla.SlaState;
  target_minutes: number | null;
  elapsed_minutes: number;
  /** Negative once breached. */
  remaining_minutes: number | null;
  due_at: string | null;
  running: boolean;
}
export interface TicketSla {
  as_of: string;
  paused: boolean;
  breached: boolean;
  first_response: SlaClockView;
  resolution: SlaClockView;
  summary: string;
}

export interface Ticket {
  ticket_id: string;
  client_id: string;
  client_name: string | null;
  subject: string;
  description: string;
  priority: Priority;
  status: Status;
  category: string;
  assignee: string | null;
  requester_contact_id: string | null;
  opened_at: string;
  first_response_at: string | null;
  solved_at: string | null;
  closed_at: string | null;
  first_response_due_at: string | null;
  resolution_due_at: string | null;
  sla_breached: boolean;
  satisfaction: number | null;
  source: string;
  updated_at: string;
  sla: TicketSla;
}

export interface TicketComment {
  comment_id: string;
  author: string;
  author_kind: "agent" | "customer";
  visibility: "public" | "internal";
  kind: "comment" | "resolution";
  body: string;
  created_at: string;
}

export interface TicketDetail extends Ticket {
  comments: TicketComment[];
  history: { type: EventRow["type"]; status: Status; at: string; actor: string; details: { [key: string]: Json } }[];
  escalations: { escalation_id: string; severity: string; status: string; resolve_by: string }[];
}

function engineEvents(rows: readonly ClockEvent[]): sla.SlaTicketEvent[] {
  const out: sla.SlaTicketEvent[] = [];
  for (const row of rows) {
    switch (row.type) {
      case "created":
        out.push({ type: "created", at: row.at, status: ENGINE_STATUS[row.status] });
        break;
      case "first_response":
        out.push({ type: "first_response", at: row.at });
        break;
      case "status_changed":
        out.push({ type: "status_changed", at: row.at, status: ENGINE_STATUS[row.status] });
        break;
      case "resolved":
        out.push({ type: "resolved", at: row.at });
        break;
      case "reopened":
        out.push({ type: "reopened", at: row.at });
        out.push({ type: "status_changed", at: row.at, status: ENGINE_STATUS[row.status] });
        break;
      default:
        break;
    }
  }
  return out;
}

function eventsOf(db: TenantDb, ticketIds: readonly string[]): Map<string, EventRow[]> {
  const map = new Map<string, EventRow[]>();
  if (ticketIds.length === 0) return map;
  const rows = db.select().from(ticketEvents).where(inArray(ticketEvents.ticketId, [...ticketIds])).orderBy(asc(ticketEvents.at), asc(ticketEvents.id)).all();
  for (const row of rows) {
    const list = map.get(row.ticketId) ?? [];
    list.push(row);
    map.set(row.ticketId, list);
  }
  return map;
}

/** The engine's report for a ticket at `now`, replayed from its stored events. */
export function slaReport(row: Pick<TicketRow, "priority">, events: readonly ClockEvent[], config: sla.SlaConfig, now: Date): sla.TicketSlaReport {
  return sla.computeSlaClocks({ priority: row.priority, events: engineEvents(events) }, Math.max(now.getTime(), Date.parse(events[0]?.at ?? now.toISOString())), config);
}

function round1(n: number): number {
  return Math.round(n * 10) / 10;
}

function clockView(c: sla.SlaClock): SlaClockView {
  return {
    state: c.state,
    target_minutes: c.targetMinutes,
    elapsed_minutes: round1(c.elapsedMinutes),
    remaining_minutes: c.remainingMinutes === null ? null : round1(c.remainingMinutes),
    due_at: c.dueAt,
    running: c.running,
  };
}

function slaView(report: sla.TicketSlaReport): TicketSla {
  const fr = clockView(report.firstResponse);
  const res = clockView(report.resolution);
  const breached = fr.state === "breached" || res.state === "breached";
  const describe = (name: string, c: SlaClockView): string => {
    if (c.state === "breached") return `${name} breached (${Math.abs(c.remaining_minutes ?? 0)} min over)`;
    if (c.state === "met") return `${name} met`;
    if (c.state === "paused") return `${name} paused`;
    if (c.state === "not_applicable") return `${name} n/a`;
    return `${name} ${c.state === "at_risk" ? "at risk" : "on track"}, ${c.remaining_minutes} min left (due ${c.due_at})`;
  };
  return {
    as_of: report.now,
    paused: report.paused,
    breached,
    first_response: fr,
    resolution: res,
    summary: `${describe("First response", fr)}; ${describe("resolution", res)}.`,
  };
}

function toTicket(row: TicketRow, clientName: string | null, report: sla.TicketSlaReport): Ticket {
  return {
    ticket_id: row.id,
    client_id: row.accountId,
    client_name: clientName,
    subject: row.subject,
    description: row.description,
    priority: row.priority,
    status: row.status,
    category: row.category,
    assignee: row.assignee,
    requester_contact_id: row.requesterContactId,
    opened_at: row.openedAt,
    first_response_at: row.firstResponseAt,
    solved_at: row.solvedAt,
    closed_at: row.closedAt,
    first_response_due_at: row.firstResponseDueAt,
    resolution_due_at: row.resolutionDueAt,
    sla_breached: row.slaBreached,
    satisfaction: row.satisfaction,
    source: row.source,
    updated_at: row.updatedAt,
    sla: slaView(report),
  };
}

function requireTicket(db: TenantDb, id: string): TicketRow {
  const row = findTicket(db, id);
  if (!row) throw new AccountError("not_found", `ticket_id: no ticket "${id}" in this workspace; list_tickets shows the ids.`);
  return row;
}

function nameOf(db: TenantDb, accountId: string): string | null {
  return db.select({ name: accounts.name }).from(accounts).where(eq(accounts.id, accountId)).get()?.name ?? null;
}

export function getTicket(db: TenantDb, id: string, now = new Date()): TicketDetail {
  const row = requireTicket(db, id);
  const events = eventsOf(db, [id]).get(id) ?? [];
  const config = engineConfig(supportSettings(db).sla);
  const comments = db.select().from(ticketComments).where(eq(ticketComments.ticketId, id)).orderBy(asc(ticketComments.createdAt), asc(ticketComments.id)).all();
  const linked = db
    .select({ id: escalations.id, severity: escalations.severity, status: escalations.status, resolveBy: escalations.resolveBy })
    .from(escalations)
    .where(eq(escalations.ticketId, id))
    .orderBy(asc(escalations.openedAt))
    .all();
  return {
    ...toTicket(row, nameOf(db, row.accountId), slaReport(row, events, config, now)),
    comments: comments.map((c) => ({
      comment_id: c.id,
      author: c.author,
      author_kind: c.authorKind,
      visibility: c.visibility,
      kind: c.kind,
      body: c.body,
      created_at: c.createdAt,
    })),
    history: events.map((e) => ({ type: e.type, status: e.status, at: e.at, actor: e.actor, details: JSON.parse(e.details) as { [key: string]: Json } })),
    escalations: linked.map((e) => ({ escalation_id: e.id, severity: e.severity, status: e.status, resolve_by: e.resolveBy })),
  };
}

// ---- writing -----------------------------------------------------------------------------

/** Parses an optional explicit time (for back-filled tickets and tests); never in the future, never before `floor`. */
function instant(value: string | undefined, field: string, now: Date, floor: string | null = null): Date {
  if (value === undefined) {
    if (floor !== null && now.toISOString() < floor) throw new AccountError("invalid", `${field}: now is before the ticket's last change (${floor}); pass ${field} explicitly.`);
    return now;
  }
  const ms = Date.parse(value);
  if (!/^\d{4}-\d{2}-\d{2}T/.test(value) || !Number.isFinite(ms)) throw new AccountError("invalid", `${field}: expected an ISO date-time such as 2026-05-01T09:30:00Z.`);
  if (ms > now.getTime() + 60_000) throw new AccountError("invalid", `${field}: ${value} is in the future; leave it out to use now.`);
  if (floor !== null && ms < Date.parse(floor)) throw new AccountError("invalid", `${field}: ${value} is before the ticket's last change at ${floor}; events must be in order.`);
  return new Date(ms);
}

/** The time of a ticket's latest lifecycle event, or null. */
export function lastEventAt(db: TenantDb, ticketId: string): string | null {
  return ticketQueries(db).lastEventAt.get({ ticketId })?.at ?? null;
}

function addEvent(db: TenantDb, ticketId: string, type: EventRow["type"], status: Status, at: Date, actor: string, details: { [key: string]: Json } = {}): void {
  ticketQueries(db).addEvent.run({ ticketId, type, status, details: JSON.stringify(details), actor, at: at.toISOString() });
}

/** Re-derives the stored due times and breach flag (what the health engine reads) from the engine at `now`. */
function refreshSla(db: TenantDb, ticketId: string, now: Date): void {
  const row = requireTicket(db, ticketId);
  const events = eventsOf(db, [ticketId]).get(ticketId) ?? [];
  const report = slaReport(row, events, engineConfig(supportSettings(db).sla), now);
  const breached = report.firstResponse.state === "breached" || report.resolution.state === "breached";
  db.update(tickets)
    .set({
      firstResponseDueAt: report.firstResponse.dueAt ?? row.firstResponseDueAt,
      resolutionDueAt: report.resolution.dueAt ?? row.resolutionDueAt,
      slaBreached: breached,
    })
    .where(eq(tickets.id, ticketId))
    .run();
}

/**
 * The daily sweep: an idle open ticket can pass its due time without any write, so every open
 * ticket not yet flagged is re-clocked. Returns the accounts whose tickets newly breached, for
 * the caller to refresh their health inputs.
 */
export function sweepOpenTicketSla(db: TenantDb, now = new Date()): string[] {
  const open = db
    .select({ id: tickets.id, accountId: tickets.accountId })
    .from(tickets)
    .where(and(notInArray(tickets.status, ["solved", "closed"]), eq(tickets.slaBreached, false)))
    .all();
  const touched = new Set<string>();
  for (const ticket of open) {
    refreshSla(db, ticket.id, now);
    if (requireTicket(db, ticket.id).slaBreached) touched.add(ticket.accountId);
  }
  return [...touched];
}

/** Open load per agent: tickets not solved or closed. */
function openLoad(db: TenantDb, agents: readonly string[]): Map<string, number> {
  const load = new Map(agents.map((a) => [a, 0]));
  if (agents.length === 0) return load;
  const rows = db
    .select({ assignee: tickets.assignee, count: sql<number>`count(*)` })
    .from(tickets)
    .where(and(inArray(tickets.assignee, [...agents]), notInArray(tickets.status, [...DONE])))
    .groupBy(tickets.assignee)
    .all();
  for (const r of rows) if (r.assignee !== null) load.set(r.assignee, r.count);
  return load;
}

export interface Routing {
  assignee: string | null;
  rule: string;
  candidates: { agent: string; open_tickets: number }[];
}

/** The candidates for a category (its rule, else the default agents); the one with the fewest open tickets wins, ties by list order. */
export function routeTicket(db: TenantDb, category: string, routing = supportSettings(db).routing): Routing {
  const rule = routing.rules.find((r) => r.category === category.toLowerCase());
  const agents = rule?.agents ?? routing.default_agents;
  const load = openLoad(db, agents);
  const candidates = agents.map((agent) => ({ agent, open_tickets: load.get(agent) ?? 0 }));
  let best: { agent: string; open_tickets: number } | null = null;
  for (const c of candidates) if (best === null || c.open_tickets < best.open_tickets) best = c;
  return {
    assignee: best?.agent ?? null,
    rule: rule ? `category:${rule.category}` : agents.length ? "default_agents" : "none",
    candidates,
  };
}

export interface NewTicket {
  client_id: string;
  subject: string;
  description?: string;
  priority: Priority;
  category: string;
  assignee?: string | null;
  requester_contact_id?: string | null;
  external_id?: string | null;
  source?: string;
  opened_at?: string;
}

function ticketEvent(db: TenantDb, row: Pick<TicketRow, "accountId" | "id" | "subject" | "priority">, actor: string, title: string, description: string, impact: "positive" | "negative" | "neutral", at: Date, metadata: { [key: string]: Json }, now: Date): void {
  appendEvent(db, row.accountId, actor, { event_type: "support", title, description, impact, metadata: { ticket_id: row.id, priority: row.priority, ...metadata }, occurred_at: at.toISOString() }, now);
}

/** A new ticket's columns; the ones left out start empty. */
type NewTicketRow = Omit<TicketRow, "firstResponseAt" | "solvedAt" | "closedAt" | "satisfaction">;

/**
 * Inserts a new ticket and answers its row, built here rather than read back with RETURNING
 * (which costs the runtime about as much again as the insert). A taken external_id (the unique
 * index refuses it) is a conflict naming the ticket that has it.
 */
function insertTicket(db: TenantDb, values: NewTicketRow): TicketRow {
  try {
    ticketQueries(db).insert.run(values);
  } catch (error) {
    const existing = values.externalId !== null && isUniqueViolation(error, "tickets.external_id") ? findTicketByExternalId(db, values.externalId) : undefined;
    if (existing) throw new AccountError("conflict", `external_id: ticket "${existing.id}" already has external_id "${values.externalId}".`);
    throw error;
  }
  return { ...values, firstResponseAt: null, solvedAt: null, closedAt: null, satisfaction: null };
}

function isUniqueViolation(error: unknown, column: string): boolean {
  // SQLite says "UNIQUE constraint failed: table.column"; a wrapper may keep it as the cause.
  for (let current: unknown = error; current instanceof Error; current = current.cause) {
    if (current.message.includes(`UNIQUE constraint failed: ${column}`)) return true;
  }
  return false;
}

/**
 * How a caller that already knows more than the input says opens a ticket: `support`, the
 * workspace's SLA and routing settings read once for a whole batch; `placed`, set when the
 * account and requester come from rows the database's foreign keys tie together (a webhook's
 * placement found them), so neither is looked up again.
 */
export interface OpenTicketOptions {
  support?: SupportSettings;
  placed?: boolean;
}

/**
 * Opens a ticket with its SLA clocks, routing and timeline entry; the detail is left to
 * createTicket. Webhooks open tickets in bulk, so the clocks are computed from the one
 * "created" event in memory and the row comes back from its insert, not from re-reads.
 */
export function openTicket(
  db: TenantDb,
  input: NewTicket,
  actor: string,
  now = new Date(),
  options: OpenTicketOptions = {},
): { ticketId: string; row: TicketRow; routing: Routing | null } {
  const accountId = options.placed ? input.client_id : requireAccount(db, input.client_id, now).client_id;
  const openedAt = instant(input.opened_at, "opened_at", now);
  if (input.requester_contact_id && !options.placed) {
    const contact = db.select({ accountId: contacts.accountId }).from(contacts).where(eq(contacts.id, input.requester_contact_id)).get();
    if (!contact) throw new AccountError("not_found", `requester_contact_id: no contact "${input.requester_contact_id}" in this workspace.`);
    if (contact.accountId !== accountId) throw new AccountError("invalid", `requester_contact_id: contact "${input.requester_contact_id}" belongs to another account, not ${accountId}.`);
  }
  const support = options.support ?? supportSettings(db);
  const category = input.category.trim().toLowerCase();
  const routing = input.assignee === undefined ? routeTicket(db, category, support.routing) : null;
  const assignee = input.assignee ?? routing?.assignee ?? null;
  const id = newId("tkt");
  const at = openedAt.toISOString();
  const report = slaReport({ priority: input.priority }, [{ type: "created", status: "new", at }], engineConfig(support.sla), now);
  const row = insertTicket(db, {
    id,
    accountId,
    externalId: input.external_id ?? null,
    subject: input.subject,
    description: input.description ?? "",
    priority: input.priority,
    status: "new",
    category,
    assignee,
    requesterContactId: input.requester_contact_id ?? null,
    openedAt: at,
    firstResponseDueAt: report.firstResponse.dueAt,
    resolutionDueAt: report.resolution.dueAt,
    slaBreached: report.firstResponse.state === "breached" || report.resolution.state === "breached",
    source: input.source ?? "manual",
    updatedAt: now.toISOString(),
  });
  addEvent(db, id, "created", "new", openedAt, actor, { priority: input.priority, category, assignee });
  ticketEvent(
    db,
    row,
    actor,
    `Ticket opened (${row.priority}): ${row.subject}`,
    `${category}; ${row.assignee ? `assigned to ${row.assignee}` : "unassigned"}; first response due ${row.firstResponseDueAt ?? "—"}, resolution due ${row.resolutionDueAt ?? "—"}.`,
    row.priority === "P1" || row.priority === "P2" ? "negative" : "neutral",
    openedAt,
    { category, assignee: row.assignee },
    now,
  );
  return { ticketId: id, row, routing };
}

/** Opens a ticket and answers with its whole detail (what the create_ticket tool shows). */
export function createTicket(db: TenantDb, input: NewTicket, actor: string, now = new Date()): { ticket: TicketDetail; routing: Routing | null } {
  const { ticketId, routing } = openTicket(db, input, actor, now);
  return { ticket: getTicket(db, ticketId, now), routing };
}

function refuseTransition(row: TicketRow, to: Status, tool: string): never {
  const since = row.status === "closed" ? ` since ${row.closedAt}` : row.status === "solved" ? ` since ${row.solvedAt}` : "";
  const allowed = TRANSITIONS[row.status];
  throw new AccountError(
    "conflict",
    `ticket "${row.id}" is ${row.status}${since}; ${tool} cannot move it to ${to}. From ${row.status} it can go to ${allowed.join(", ")}${row.status === "solved" ? " (close_ticket or reopen_ticket)" : row.status === "closed" ? " (reopen_ticket)" : ""}.`,
  );
}

export interface TicketChanges {
  priority?: Priority;
  category?: string;
  status?: WorkingStatus;
  subject?: string;
  description?: string;
  at?: string;
}

export function updateTicket(db: TenantDb, id: string, changes: TicketChanges, actor: string, now = new Date()): { ticket: TicketDetail; changed: string[] } {
  const row = requireTicket(db, id);
  const at = instant(changes.at, "at", now, lastEventAt(db, id));
  const set: Partial<TicketRow> = {};
  const changed: string[] = [];
  if (changes.status !== undefined && changes.status !== row.status) {
    if (DONE.includes(row.status) || !TRANSITIONS[row.status].includes(changes.status)) refuseTransition(row, changes.status, "update_ticket");
    set.status = changes.status;
    changed.push("status");
    addEvent(db, id, "status_changed", changes.status, at, actor, { from: row.status, to: changes.status });
  }
  const status = set.status ?? row.status;
  if (changes.priority !== undefined && changes.priority !== row.priority) {
    if (DONE.includes(row.status)) throw new AccountError("conflict", `priority: ticket "${id}" is ${row.status}; reopen_ticket before re-prioritizing it.`);
    set.priority = changes.priority;
    changed.push("priority");
    addEvent(db, id, "priority_changed", status, at, actor, { from: row.priority, to: changes.priority });
  }
  // Categories compare and store trimmed and lower-cased.
  const text = { ...changes, category: changes.category?.trim().toLowerCase() };
  const fields = patchChanges(row, text, { category: "category", subject: "subject", description: "description" });
  Object.assign(set, fields.patch satisfies Partial<TicketRow>);
  changed.push(...fields.changed);
  if (changed.length > 0) {
    db.update(tickets).set({ ...set, updatedAt: now.toISOString() }).where(eq(tickets.id, id)).run();
    refreshSla(db, id, now);
  }
  return { ticket: getTicket(db, id, now), changed };
}

export function assignTicket(db: TenantDb, id: string, assignee: string | null, actor: string, at?: string, now = new Date()): { ticket: TicketDetail; previous_assignee: string | null; changed: boolean } {
  const row = requireTicket(db, id);
  if (row.status === "closed") throw new AccountError("conflict", `ticket "${id}" is closed since ${row.closedAt}; reopen_ticket before reassigning it.`);
  if (row.assignee === assignee) return { ticket: getTicket(db, id, now), previous_assignee: row.assignee, changed: false };
  const when = instant(at, "at", now, lastEventAt(db, id));
  db.update(tickets).set({ assignee, updatedAt: now.toISOString() }).where(eq(tickets.id, id)).run();
  addEvent(db, id, "assigned", row.status, when, actor, { from: row.assignee, to: assignee });
  return { ticket: getTicket(db, id, now), previous_assignee: row.assignee, changed: true };
}

export interface NewComment {
  body: string;
  visibility: "public" | "internal";
  author_kind: "agent" | "customer";
  at?: string;
}

/**
 * A reply or note. The first public agent reply records first_response_at (and moves a new
 * ticket to open); a customer reply on a pending ticket moves it back to open.
 */
export function addComment(db: TenantDb, id: string, input: NewComment, actor: string, now = new Date()): { ticket: TicketDetail; comment: TicketComment; first_response: boolean; status_change: { from: Status; to: Status } | null } {
  const row = requireTicket(db, id);
  if (row.status === "closed") throw new AccountError("conflict", `ticket "${id}" is closed since ${row.closedAt}; reopen_ticket to continue the conversation.`);
  if (input.author_kind === "customer" && input.visibility === "internal") throw new AccountError("invalid", "visibility: a customer reply is always public; use author_kind agent for internal notes.");
  const at = instant(input.at, "at", now, lastEventAt(db, id));
  const comment: TicketComment = {
    comment_id: newId("cmt"),
    author: actor,
    author_kind: input.author_kind,
    visibility: input.visibility,
    kind: "comment",
    body: input.body,
    created_at: at.toISOString(),
  };
  db.insert(ticketComments)
    .values({ id: comment.comment_id, ticketId: id, author: actor, authorKind: comment.author_kind, visibility: comment.visibility, kind: "comment", body: input.body, createdAt: comment.created_at })
    .run();
  const set: Partial<TicketRow> = { updatedAt: now.toISOString() };
  let firstResponse = false;
  let statusChange: { from: Status; to: Status } | null = null;
  if (input.author_kind === "agent" && input.visibility === "public" && row.firstResponseAt === null) {
    set.firstResponseAt = comment.created_at;
    firstResponse = true;
    const to: Status = row.status === "new" ? "open" : row.status;
    addEvent(db, id, "first_response", to, at, actor, { comment_id: comment.comment_id });
    if (to !== row.status) {
      set.status = to;
      statusChange = { from: row.status, to };
      addEvent(db, id, "status_changed", to, at, actor, { from: row.status, to });
    }
  } else if (input.author_kind === "customer" && row.status === "pending") {
    set.status = "open";
    statusChange = { from: "pending", to: "open" };
    addEvent(db, id, "status_changed", "open", at, actor, { from: "pending", to: "open", reason: "customer replied" });
  }
  db.update(tickets).set(set).where(eq(tickets.id, id)).run();
  refreshSla(db, id, now);
  return { ticket: getTicket(db, id, now), comment, first_response: firstResponse, status_change: statusChange };
}

export function resolveTicket(db: TenantDb, id: string, resolution: string, actor: string, at?: string, now = new Date()): TicketDetail {
  const row = requireTicket(db, id);
  if (!TRANSITIONS[row.status].includes("solved")) refuseTransition(row, "solved", "resolve_ticket");
  const when = instant(at, "at", now, lastEventAt(db, id));
  const iso = when.toISOString();
  db.insert(ticketComments).values({ id: newId("cmt"), ticketId: id, author: actor, authorKind: "agent", visibility: "public", kind: "resolution", body: resolution, createdAt: iso }).run();
  db.update(tickets).set({ status: "solved", solvedAt: iso, updatedAt: now.toISOString() }).where(eq(tickets.id, id)).run();
  addEvent(db, id, "resolved", "solved", when, actor, { from: row.status, resolution });
  refreshSla(db, id, now);
  const ticket = getTicket(db, id, now);
  ticketEvent(
    db,
    row,
    actor,
    `Ticket resolved: ${row.subject}`,
    `${resolution} (${ticket.sla.summary.toLowerCase()})`,
    "positive",
    when,
    { sla_breached: ticket.sla.breached },
    now,
  );
  return ticket;
}

export function closeTicket(db: TenantDb, id: string, actor: string, at?: string, now = new Date()): TicketDetail {
  const row = requireTicket(db, id);
  if (row.status === "closed") throw new AccountError("conflict", `ticket "${id}" is already closed (since ${row.closedAt}); nothing changed.`);
  if (row.status !== "solved") throw new AccountError("conflict", `ticket "${id}" is ${row.status}; only a solved ticket can be closed, so resolve_ticket first.`);
  const when = instant(at, "at", now, lastEventAt(db, id));
  db.update(tickets).set({ status: "closed", closedAt: when.toISOString(), updatedAt: now.toISOString() }).where(eq(tickets.id, id)).run();
  addEvent(db, id, "status_changed", "closed", when, actor, { from: "solved", to: "closed" });
  refreshSla(db, id, now);
  return getTicket(db, id, now);
}

export function reopenTicket(db: TenantDb, id: string, reason: string, actor: string, at?: string, now = new Date()): TicketDetail {
  const row = requireTicket(db, id);
  if (!DONE.includes(row.status)) throw new AccountError("conflict", `ticket "${id}" is ${row.status}, not solved or closed; there is nothing to reopen.`);
  const when = instant(at, "at", now, lastEventAt(db, id));
  db.update(tickets).set({ status: "open", solvedAt: null, closedAt: null, updatedAt: now.toISOString() }).where(eq(tickets.id, id)).run();
  addEvent(db, id, "reopened", "open", when, actor, { from: row.status, reason });
  if (reason.trim()) {
    db.insert(ticketComments).values({ id: newId("cmt"), ticketId: id, author: actor, authorKind: "agent", visibility: "internal", kind: "comment", body: `Reopened: ${reason}`, createdAt: when.toISOString() }).run();
  }
  refreshSla(db, id, now);
  return getTicket(db, id, now);
}

export function rateTicket(db: TenantDb, id: string, score: number, comment: string | undefined, actor: string, now = new Date()): { ticket: TicketDetail; feedback_id: string } {
  const row = requireTicket(db, id);
  if (!DONE.includes(row.status)) throw new AccountError("conflict", `ticket "${id}" is ${row.status}; a ticket is rated once it is solved or closed.`);
  if (!Number.isInteger(score) || score < 1 || score > 5) throw new AccountError("invalid", "score: expected a whole number 1–5 (CSAT).");
  const externalId = `ticket:${id}`;
  const existing = db.select({ id: feedback.id }).from(feedback).where(eq(feedback.externalId, externalId)).get();
  const feedbackId = existing?.id ?? newId("fb");
  const values = { score, text: comment ?? null, submittedAt: now.toISOString(), contactId: row.requesterContactId };
  if (existing) db.update(feedback).set(values).where(eq(feedback.id, feedbackId)).run();
  else db.insert(feedback).values({ id: feedbackId, accountId: row.accountId, externalId, kind: "csat", source: "ticket", sentiment: null, ...values }).run();
  db.update(tickets).set({ satisfaction: score, updatedAt: now.toISOString() }).where(eq(tickets.id, id)).run();
  return { ticket: getTicket(db, id, now), feedback_id: feedbackId };
}

/** Raises an escalation through the escalation code, linked by ticket_id; optionally bumps the priority one level. */
export function escalateTicket(
  db: TenantDb,
  id: string,
  input: { reason: string; severity?: Severity; owner?: string | null; raise_priority: boolean },
  actor: string,
  now = new Date(),
): { ticket: TicketDetail; escalation: Escalation; priority_change: { from: Priority; to: Priority } | null } {
  const row = requireTicket(db, id);
  if (DONE.includes(row.status)) throw new AccountError("conflict", `ticket "${id}" is ${row.status}; reopen_ticket before escalating it.`);
  const open = db.select({ id: escalations.id, status: escalations.status }).from(escalations).where(and(eq(escalations.ticketId, id), or(eq(escalations.status, "open"), eq(escalations.status, "acknowledged")))).get();
  if (open) throw new AccountError("conflict", `ticket "${id}" is already escalated: escalation "${open.id}" is ${open.status}; resolve it before escalating again.`);
  let priorityChange: { from: Priority; to: Priority } | null = null;
  const index = TICKET_PRIORITIES.indexOf(row.priority);
  if (input.raise_priority && index > 0) {
    const to = TICKET_PRIORITIES[index - 1] as Priority;
    priorityChange = { from: row.priority, to };
    db.update(tickets).set({ priority: to, updatedAt: now.toISOString() }).where(eq(tickets.id, id)).run();
  }
  const priority = priorityChange?.to ?? row.priority;
  const escalation = createEscalation(
    db,
    { client_id: row.accountId, severity: input.severity ?? SEVERITY_OF_PRIORITY[priority], title: `Ticket ${row.id}: ${row.subject}`, description: input.reason, owner: input.owner ?? row.assignee ?? null, ticket_id: id },
    actor,
    now,
  );
  addEvent(db, id, "escalated", row.status, now, actor, { escalation_id: escalation.escalation_id, reason: input.reason, ...(priorityChange ? { priority_from: priorityChange.from, priority_to: priorityChange.to } : {}) });
  if (priorityChange) addEvent(db, id, "priority_changed", row.status, now, actor, { from: priorityChange.from, to: priorityChange.to });
  refreshSla(db, id, now);
  return { ticket: getTicket(db, id, now), escalation, priority_change: priorityChange };
}

// ---- listing -----------------------------------------------------------------------------

export interface TicketQuery {
  client_id?: string;
  status?: Status[];
  priority?: Priority[];
  assignee?: string;
  unassigned?: boolean;
  category?: string;
  open_only?: boolean;
  limit: number;
  cursor?: string;
}

export interface TicketList {
  tickets: Ticket[];
  next_cursor: string | null;
  total_count: number;
  by_status: Record<Status, number>;
  by_priority: Record<Priority, number>;
}

/** Newest opened first; live SLA state from the engine at `now`. */
export function listTickets(db: TenantDb, query: TicketQuery, now = new Date()): TicketList {
  const conditions: SQL[] = [];
  if (query.client_id) conditions.push(eq(tickets.accountId, query.client_id));
  if (query.status?.length) conditions.push(inArray(tickets.status, query.status));
  if (query.priority?.length) conditions.push(inArray(tickets.priority, query.priority));
  if (query.assignee) conditions.push(eq(tickets.assignee, query.assignee));
  if (query.unassigned === true) conditions.push(sql`${tickets.assignee} IS NULL`);
  if (query.unassigned === false) conditions.push(sql`${tickets.assignee} IS NOT NULL`);
  if (query.category) conditions.push(eq(tickets.category, query.category.trim().toLowerCase()));
  if (query.open_only) conditions.push(notInArray(tickets.status, [...DONE]));
  const matching = conditions.length ? and(...conditions) : undefined;
  const page = [...conditions];
  if (query.cursor) {
    page.push(afterCursor(tickets.openedAt, tickets.id, query.cursor) as SQL);
  }
  const rows = db
    .select({ ticket: tickets, clientName: accounts.name })
    .from(tickets)
    .leftJoin(accounts, eq(accounts.id, tickets.accountId))
    .where(page.length ? and(...page) : undefined)
    .orderBy(desc(tickets.openedAt), desc(tickets.id))
    .limit(query.limit + 1)
    .all();
  const { page: shown, next_cursor } = keysetPage(rows, query.limit, ({ ticket }) => [ticket.openedAt, ticket.id]);
  const events = eventsOf(db, shown.map((r) => r.ticket.id));
  const config = engineConfig(supportSettings(db).sla);
  const groups = db.select({ status: tickets.status, priority: tickets.priority, count: sql<number>`count(*)` }).from(tickets).where(matching).groupBy(tickets.status, tickets.priority).all();
  const byStatus = Object.fromEntries(TICKET_STATUSES.map((s) => [s, 0])) as Record<Status, number>;
  const byPriority = Object.fromEntries(TICKET_PRIORITIES.map((p) => [p, 0])) as Record<Priority, number>;
  let total = 0;
  for (const g of groups) {
    byStatus[g.status] += g.count;
    byPriority[g.priority] += g.count;
    total += g.count;
  }
  return {
    tickets: shown.map(({ ticket, clientName }) => toTicket(ticket, clientName, slaReport(ticket, events.get(ticket.id) ?? [], config, now))),
    next_cursor,
    total_count: total,
    by_status: byStatus,
    by_priority: byPriority,
  };
}

// ---- performance -------------------------------------------------------------------------

export interface PerformanceGroup {
  /** Tickets opened in the period. */
  volume: number;
  /** Of those, solved or closed by the end of the period. */
  resolved: number;
  /** Median minutes from opening to the first public agent reply (wall clock), over tickets that got one. */
  median_first_response_minutes: number | null;
  /** Median minutes from opening to resolution (wall clock), over resolved tickets. */
  median_resolution_minutes: number | null;
  /** met / (met + breached) for each clock, from the engine at the period's end; null when none was decided. */
  first_response_sla_attainment: number | null;
  resolution_sla_attainment: number | null;
  sla_breached: number;
  /** Mean CSAT (1–5) of rated tickets, and how many were rated. */
  csat: number | null;
  csat_responses: number;
  /** Tickets opened before the period's end and not solved or closed at its end (all tickets, not only this period's). */
  backlog: number;
}

export interface SupportPerformance {
  period: { from: string; to: string };
  overall: PerformanceGroup;
  by_agent: ({ agent: string | null } & PerformanceGroup)[];
  by_priority: ({ priority: Priority } & PerformanceGroup)[];
}

function median(values: number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  const value = sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
  return round1(value);
}

interface PerfTicket {
  row: TicketRow;
  /** The engine's clocks at the period's end; only for tickets opened in the period. */
  report: sla.TicketSlaReport | null;
  inPeriod: boolean;
  backlog: boolean;
}

function group(items: readonly PerfTicket[], to: string): PerformanceGroup {
  const period = items.filter((t) => t.inPeriod);
  const minutes = (from: string, until: string): number => (Date.parse(until) - Date.parse(from)) / 60_000;
  const resolved = period.filter((t) => t.row.solvedAt !== null && t.row.solvedAt < to);
  const responded = period.filter((t) => t.row.firstResponseAt !== null && t.row.firstResponseAt < to);
  const reports = period.flatMap((t) => (t.report ? [t.report] : []));
  const summary = sla.summarizeSla(reports);
  const rated = period.filter((t) => t.row.satisfaction !== null);
  const round3 = (n: number | null): number | null => (n === null ? null : Math.round(n * 1000) / 1000);
  return {
    volume: period.length,
    resolved: resolved.length,
    median_first_response_minutes: median(responded.map((t) => minutes(t.row.openedAt, t.row.firstResponseAt as string))),
    median_resolution_minutes: median(resolved.map((t) => minutes(t.row.openedAt, t.row.solvedAt as string))),
    first_response_sla_attainment: round3(summary.firstResponse.compliance),
    resolution_sla_attainment: round3(summary.resolution.compliance),
    sla_breached: reports.filter((r) => r.firstResponse.state === "breached" || r.resolution.state === "breached").length,
    csat: rated.length ? Math.round((rated.reduce((s, t) => s + (t.row.satisfaction as number), 0) / rated.length) * 100) / 100 : null,
    csat_responses: rated.length,
    backlog: items.filter((t) => t.backlog).length,
  };
}

/**
 * Support performance over [from, to) from real tickets: volume and outcomes of the tickets
 * opened in the period, overall, by assignee and by priority; SLA states are the engine's at `to`.
 */
export function supportPerformance(
  db: TenantDb,
  options: { from: string; to: string; client_id?: string; agent?: string; priority?: Priority },
): SupportPerformance {
  const { from, to } = options;
  const conditions: SQL[] = [lt(tickets.openedAt, to)];
  if (options.client_id) conditions.push(eq(tickets.accountId, options.client_id));
  if (options.agent) conditions.push(eq(tickets.assignee, options.agent));
  if (options.priority) conditions.push(eq(tickets.priority, options.priority));
  // Tickets opened in the period, plus older ones still in the backlog at its end.
  conditions.push(or(sql`${tickets.openedAt} >= ${from}`, sql`(${tickets.solvedAt} IS NULL OR ${tickets.solvedAt} >= ${to}) AND (${tickets.closedAt} IS NULL OR ${tickets.closedAt} >= ${to})`) as SQL);
  const rows = db.select().from(tickets).where(and(...conditions)).all();
  const config = engineConfig(supportSettings(db).sla);
  const events = eventsOf(db, rows.filter((r) => r.openedAt >= from).map((r) => r.id));
  const end = new Date(Date.parse(to) - 1);
  const items: PerfTicket[] = rows.map((row) => {
    const inPeriod = row.openedAt >= from;
    const evs = (events.get(row.id) ?? []).filter((e) => e.at < to);
    return {
      row,
      inPeriod,
      report: inPeriod && evs.length ? slaReport(row, evs, config, end) : null,
      backlog: (row.solvedAt === null || row.solvedAt >= to) && (row.closedAt === null || row.closedAt >= to) && !(row.status === "closed" && row.closedAt === null),
    };
  });
  const agents = [...new Set(items.map((t) => t.row.assignee))].sort((a, b) => (a ?? "\uffff").localeCompare(b ?? "\uffff"));
  return {
    period: { from, to },
    overall: group(items, to),
    by_agent: agents.map((agent) => ({ agent, ...group(items.filter((t) => t.row.assignee === agent), to) })).filter((g) => g.volume > 0 || g.backlog > 0),
    by_priority: TICKET_PRIORITIES.map((priority) => ({ priority, ...group(items.filter((t) => t.row.priority === priority), to) })),
  };
}

/** Accounts whose facts a ticket write touched, for factsChanged. */
export function accountOfTicket(db: TenantDb, id: string): string {
  return requireTicket(db, id).accountId;
}
