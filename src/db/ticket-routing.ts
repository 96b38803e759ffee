import type { TenantDb } from "./accounts";
import { assignTicket, listTickets, supportSettings, TICKET_PRIORITIES, type Priority, type SupportRouting, type Ticket } from "./tickets";

/**
 * Routing over the real ticket queue (the seed's route_tickets worked on a mock queue of 20):
 * `auto` gives each unassigned open ticket to the least-loaded candidate of its category's
 * rule (else the default agents) below capacity; `workload` gives them to the least-loaded agent
 * of the whole team below capacity, whatever the category (when the specialists are swamped);
 * `rebalance` moves tickets off agents above capacity to candidates below it, lowest priority
 * first. A dry run returns the plan only.
 * Load is every open (not solved or closed) ticket an agent holds.
 */

export const ROUTING_STRATEGIES = ["auto", "workload", "rebalance"] as const;
export type RoutingStrategy = (typeof ROUTING_STRATEGIES)[number];

export interface RouteOptions {
  strategy: RoutingStrategy;
  dry_run: boolean;
  max_tickets_per_agent: number;
  category?: string;
  priority?: Priority[];
}

export interface RoutingMove {
  ticket_id: string;
  client_id: string;
  subject: string;
  priority: Priority;
  category: string;
  from: string | null;
  to: string;
  reason: string;
}

export interface Unrouted {
  ticket_id: string;
  priority: Priority;
  category: string;
  assignee: string | null;
  reason: string;
}

export interface QueueSummary {
  open_tickets: number;
  unassigned: number;
  sla_at_risk: number;
  sla_breached: number;
  by_priority: Record<Priority, number>;
  by_category: Record<string, number>;
}

export interface AgentUtilization {
  agent: string;
  open_tickets: number;
  capacity: number;
  utilization: number;
  over_capacity: boolean;
}

export interface RoutingResult {
  strategy: RoutingStrategy;
  dry_run: boolean;
  applied: number;
  routed: RoutingMove[];
  unrouted: Unrouted[];
  queue_summary: QueueSummary;
  agent_utilization: AgentUtilization[];
  /** The accounts whose tickets changed hands (for the caller's factsChanged). */
  touched_accounts: string[];
}

const PAGE = 500;
const RANK: Record<Priority, number> = { P1: 0, P2: 1, P3: 2, P4: 3 };

function openTickets(db: TenantDb, now: Date): Ticket[] {
  const all: Ticket[] = [];
  let cursor: string | undefined;
  for (;;) {
    const page = listTickets(db, { open_only: true, limit: PAGE, ...(cursor ? { cursor } : {}) }, now);
    all.push(...page.tickets);
    if (!page.next_cursor) return all;
    cursor = page.next_cursor;
  }
}

function candidatesFor(routing: SupportRouting, category: string): { agents: string[]; rule: string } {
  const rule = routing.rules.find((r) => r.category === category);
  if (rule) return { agents: rule.agents, rule: `category rule "${rule.category}"` };
  return { agents: routing.default_agents, rule: "default agents" };
}

/** When the ticket's next SLA clock is due (the sooner of first response and resolution), for ordering. */
function nextDue(t: Ticket): string {
  const dues = [t.sla.first_response, t.sla.resolution].filter((c) => c.running && c.due_at !== null).map((c) => c.due_at as string);
  return dues.sort()[0] ?? "9999";
}

function atRisk(t: Ticket): boolean {
  return !t.sla.breached && (t.sla.first_response.state === "at_risk" || t.sla.resolution.state === "at_risk");
}

export function routeTickets(db: TenantDb, options: RouteOptions, actor: string, now = new Date()): RoutingResult {
  const { routing } = supportSettings(db);
  const open = openTickets(db, now);
  const max = options.max_tickets_per_agent;
  const load = new Map<string, number>();
  const known = [...routing.rules.flatMap((r) => r.agents), ...routing.default_agents];
  for (const agent of known) load.set(agent, 0);
  for (const t of open) if (t.assignee !== null) load.set(t.assignee, (load.get(t.assignee) ?? 0) + 1);
  const inScope = (t: Ticket) => (options.category === undefined || t.category === options.category.trim().toLowerCase()) && (!options.priority?.length || options.priority.includes(t.priority));
  const scoped = open.filter(inScope);

  /** The least-loaded candidate below capacity; ties go to the earlier one in the rule's list. */
  const pick = (agents: readonly string[], except: string | null): string | null => {
    let best: string | null = null;
    for (const agent of agents) {
      if (agent === except || (load.get(agent) ?? 0) >= max) continue;
      if (best === null || (load.get(agent) ?? 0) < (load.get(best) ?? 0)) best = agent;
    }
    return best;
  };

  const routed: RoutingMove[] = [];
  const unrouted: Unrouted[] = [];
  const move = (t: Ticket, to: string, reason: string) => {
    if (t.assignee !== null) load.set(t.assignee, (load.get(t.assignee) ?? 0) - 1);
    load.set(to, (load.get(to) ?? 0) + 1);
    routed.push({ ticket_id: t.ticket_id, client_id: t.client_id, subject: t.subject, priority: t.priority, category: t.category, from: t.assignee, to, reason });
  };

  if (options.strategy === "auto" || options.strategy === "workload") {
    // Most urgent first: priority, then breached or at risk, then the soonest SLA due time.
    const queue = scoped
      .filter((t) => t.assignee === null)
      .sort((a, b) => RANK[a.priority] - RANK[b.priority] || Number(b.sla.breached) - Number(a.sla.breached) || Number(atRisk(b)) - Number(atRisk(a)) || nextDue(a).localeCompare(nextDue(b)) || a.opened_at.localeCompare(b.opened_at));
    // The whole team: everyone in a routing rule or the defaults, and anyone holding open tickets.
    const team = { agents: [...new Set([...known, ...load.keys()])], rule: "whole team (workload)" };
    for (const t of queue) {
      const { agents, rule } = options.strategy === "workload" ? team : candidatesFor(routing, t.category);
      if (agents.length === 0) {
        unrouted.push({ ticket_id: t.ticket_id, priority: t.priority, category: t.category, assignee: null, reason: `no agent for category "${t.category}": configure_support's routing has no rule for it and no default agents` });
        continue;
      }
      const to = pick(agents, null);
      if (to === null) {
        unrouted.push({ ticket_id: t.ticket_id, priority: t.priority, category: t.category, assignee: null, reason: `every candidate of the ${rule} (${agents.join(", ")}) holds ${max} or more open tickets (max_tickets_per_agent)` });
        continue;
      }
      move(t, to, `${rule}; ${to} had the fewest open tickets (${load.get(to) ?? 0} of ${max})`);
    }
  } else {
    // Lowest priority first off each agent above capacity, latest SLA due first among equals.
    const over = [...load.entries()].filter(([, n]) => n > max).map(([agent]) => agent).sort();
    for (const agent of over) {
      const theirs = scoped
        .filter((t) => t.assignee === agent)
        .sort((a, b) => RANK[b.priority] - RANK[a.priority] || nextDue(b).localeCompare(nextDue(a)) || b.opened_at.localeCompare(a.opened_at));
      for (const t of theirs) {
        if ((load.get(agent) ?? 0) <= max) break;
        const { agents, rule } = candidatesFor(routing, t.category);
        const to = pick(agents, agent);
        if (to === null) {
          unrouted.push({ ticket_id: t.ticket_id, priority: t.priority, category: t.category, assignee: agent, reason: `no other candidate of the ${rule} is below ${max} open tickets` });
          continue;
        }
        const before = load.get(agent) ?? 0;
        move(t, to, `${agent} held ${before} open tickets, over the capacity of ${max}; ${to} (${rule}) had ${load.get(to) ?? 0}`);
      }
    }
  }

  const touched = new Set<string>();
  if (!options.dry_run) {
    for (const m of routed) {
      assignTicket(db, m.ticket_id, m.to, actor, undefined, now);
      touched.add(m.client_id);
    }
  }

  // The queue as it stands after the plan (applied or not).
  const assigneeAfter = new Map(routed.map((m) => [m.ticket_id, m.to]));
  const byPriority = Object.fromEntries(TICKET_PRIORITIES.map((p) => [p, 0])) as Record<Priority, number>;
  const byCategory: Record<string, number> = {};
  let unassigned = 0;
  for (const t of scoped) {
    byPriority[t.priority]++;
    byCategory[t.category] = (byCategory[t.category] ?? 0) + 1;
    if ((assigneeAfter.get(t.ticket_id) ?? t.assignee) === null) unassigned++;
  }
  const agents = [...new Set([...known, ...load.keys()])];
  return {
    strategy: options.strategy,
    dry_run: options.dry_run,
    applied: options.dry_run ? 0 : routed.length,
    routed,
    unrouted,
    queue_summary: {
      open_tickets: scoped.length,
      unassigned,
      sla_at_risk: scoped.filter(atRisk).length,
      sla_breached: scoped.filter((t) => t.sla.breached).length,
      by_priority: byPriority,
      by_category: byCategory,
    },
    agent_utilization: agents.map((agent) => {
      const n = load.get(agent) ?? 0;
      return { agent, open_tickets: n, capacity: max, utilization: Math.round((n / max) * 100) / 100, over_capacity: n > max };
    }),
    touched_accounts: [...touched],
  };
}
