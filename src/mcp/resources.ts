import { completable, McpServer, ProtocolError, ProtocolErrorCode, requireScopes, ResourceTemplate, type GetPromptResult, type ReadResourceResult } from "@modelcontextprotocol/server";
import { z } from "zod";
import { toolAllowed } from "../auth/props";
import type { AccountBrief } from "../db/account-brief";
import { ToolError, unwrap, type ToolContext } from "../tools/define";
import { clientId } from "../tools/fields";
import { getHealthModel } from "../tools/health";
import { SOURCE_TOOLS } from "../tools/groups";
import { getChurnRisk } from "../tools/retention";

/**
 * MCP resources and prompts. Resources: `account://{client_id}` (an account brief: health with
 * its breakdown, open tasks, escalations and tickets, renewal, the last ten timeline events) and
 * `health-model://current`. Prompts: QBR preparation, renewal preparation, churn review and
 * onboarding kick-off, each filled in with the account's real data. All need cs:read: reads and
 * prompts answer a scope challenge without it; listing and completion then answer nothing.
 *
 * They show what tools show, so a connection limited to some tools on the consent page gets only
 * those whose tool it was allowed (SOURCE_TOOLS); the rest are not registered, so they are
 * neither listed nor readable, as a tool left out is not listed.
 */

const READ_SCOPE = "cs:read";
/** The challenge reads and prompts answer without cs:read; built once, as the tools' are (server.ts). */
const scopeChallenge = requireScopes(READ_SCOPE);
const COMPLETIONS = 20;
/** Accounts listed by resources/list: the first page by name (completion finds the rest). */
const LISTED_ACCOUNTS = 100;

type PromptName = "qbr_preparation" | "renewal_preparation" | "churn_review" | "onboarding_kickoff";

/**
 * Runs a read or prompt: a refusal (unknown account, bad id) becomes an invalid-params error with
 * its message; anything else a generic internal error, so no internals reach the client.
 */
async function guarded<T>(what: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof ToolError) throw new ProtocolError(ProtocolErrorCode.InvalidParams, error.message);
    console.error(`${what} failed`, error instanceof Error ? error.name : "unknown error");
    throw new ProtocolError(ProtocolErrorCode.InternalError, `${what} failed on the server; try again, and report it if it keeps failing.`);
  }
}

function json(uri: string, value: unknown): ReadResourceResult {
  return { contents: [{ uri, mimeType: "application/json", text: JSON.stringify(value, null, 2) }] };
}

/** Account ids whose id or name starts with (or contains) what was typed, best first. */
async function completeAccountIds(context: ToolContext, typed: string, allowed: boolean): Promise<string[]> {
  if (!allowed) return [];
  const search = typed.trim().slice(0, 100);
  const list = unwrap(
    await context.tenant.listAccounts({ filters: search ? { search } : {}, sort_by: "name", sort_order: "asc", limit: COMPLETIONS }),
  );
  const ids = list.clients.map((c) => c.client_id);
  // An id typed from its start matches by id as well as by name.
  const exact = ids.filter((id) => id.startsWith(search));
  return [...new Set([...exact, ...ids])].slice(0, COMPLETIONS);
}

function money(value: number): string {
  return Math.round(value).toLocaleString("en-US");
}

function line(label: string, value: string | number | null | undefined): string {
  return `- ${label}: ${value === null || value === undefined || value === "" ? "unknown" : value}`;
}

/** The brief as readable text, the part every prompt shares. */
export function briefText(brief: AccountBrief): string {
  const { account, health, renewal } = brief;
  const parts: string[] = [];
  parts.push(`Account: ${account.client_name} (${account.client_id}), ${account.company_name}, ${account.industry}`);
  parts.push(line("Tier", account.tier));
  parts.push(line("Status / lifecycle stage", `${account.status} / ${account.lifecycle_stage}`));
  parts.push(line("CSM", account.csm_assigned));
  parts.push(line("ARR", money(account.contract_value)));
  parts.push(line("Contract", `${account.contract_start_date} to ${account.contract_end_date}`));
  parts.push(
    line(
      "Renewal",
      `${renewal.renewal_date} (${renewal.days_until_renewal} days)${renewal.auto_renew === null ? "" : renewal.auto_renew ? ", auto-renews" : ", does not auto-renew"}${renewal.renewal_status ? `, renewal status ${renewal.renewal_status}` : ""}`,
    ),
  );
  parts.push("");
  if (health.score === null) {
    parts.push("Health: not scored yet (no data for any component).");
  } else {
    parts.push(`Health: ${health.score} (${health.band}${health.trend ? `, ${health.trend}` : ""}), coverage ${health.coverage ?? "unknown"}, computed ${health.computed_at}`);
    for (const component of health.components) {
      parts.push(`  - ${String(component.name)}: value ${component.value === null ? "no data" : String(component.value)}, weight ${String(component.weight)}, contribution ${String(component.contribution)}`);
    }
  }
  parts.push("");
  parts.push(`Open tasks (${brief.open_tasks.length}):`);
  for (const t of brief.open_tasks) parts.push(`  - [${t.priority}] ${t.title}${t.owner ? ` — ${t.owner}` : ""}${t.due_date ? `, due ${t.due_date}` : ""}`);
  parts.push(`Open escalations (${brief.open_escalations.length}):`);
  for (const e of brief.open_escalations) parts.push(`  - [${e.severity}] ${e.title} (${e.status}), resolve by ${e.resolve_by}`);
  parts.push(`Open tickets (${brief.open_tickets.length}):`);
  for (const t of brief.open_tickets) parts.push(`  - [${t.priority}] ${t.subject} (${t.status}) opened ${t.opened_at}${t.sla_breached ? ", SLA breached" : ""}`);
  parts.push(`Contacts (${brief.contacts.length}):`);
  for (const c of brief.contacts) parts.push(`  - ${c.name}${c.title ? `, ${c.title}` : ""} (${c.role}${c.is_primary ? ", primary" : ""})${c.email ? ` <${c.email}>` : ""}`);
  if (brief.business_reviews.length > 0) {
    parts.push("Business reviews:");
    for (const r of brief.business_reviews) {
      parts.push(`  - ${r.review_type} ${r.status} ${r.scheduled_for}${r.summary ? `: ${r.summary}` : ""}${r.satisfaction_rating ? ` (rating ${r.satisfaction_rating}/5)` : ""}`);
    }
  }
  parts.push("Recent timeline (newest first):");
  for (const e of brief.recent_timeline) parts.push(`  - ${e.occurred_at.slice(0, 10)} [${e.event_type}, ${e.impact}] ${e.title}${e.description ? `: ${e.description}` : ""}`);
  return parts.join("\n");
}

async function churnText(context: ToolContext, id: string): Promise<string> {
  const risk = (await getChurnRisk.execute(context, { client_id: id, min_level: "high", limit: 20 })) as {
    account: { probability: number; level: string; drivers: { factor: string; share: number; explanation: string }[]; unknown_factors: string[] } | null;
  };
  const account = risk.account;
  if (!account) return "Churn risk: not available.";
  const lines = [`Churn risk: ${Math.round(account.probability * 100)}% (${account.level})`];
  for (const d of account.drivers) lines.push(`  - ${d.factor} (${Math.round(d.share * 100)}% of the risk): ${d.explanation}`);
  if (account.unknown_factors.length > 0) lines.push(`  Factors with no data: ${account.unknown_factors.join(", ")}`);
  return lines.join("\n");
}

const INSTRUCTIONS: Record<PromptName, { title: string; description: string; ask: string; churn: boolean }> = {
  qbr_preparation: {
    title: "Prepare a quarterly business review",
    description: "A QBR preparation brief for one account, filled in with its health breakdown, open work, renewal and recent history.",
    ask:
      "Prepare a quarterly business review for this account from the data above: a short executive summary, the value and outcomes to highlight, the health components to discuss (strongest and weakest), open issues to address, risks, and a proposed agenda with goals for next quarter. Use only these facts; say where data is missing.",
    churn: false,
  },
  renewal_preparation: {
    title: "Prepare a renewal",
    description: "A renewal preparation brief for one account: renewal date and terms, health, churn risk drivers, open issues and stakeholders.",
    ask:
      "Prepare this account's renewal from the data above: where the renewal stands and how much time is left, the risks to the renewal (from the churn drivers and open issues) with a mitigation for each, the stakeholders to involve, the value story to tell, and a dated plan of next steps up to the renewal date. Use only these facts; say where data is missing.",
    churn: true,
  },
  churn_review: {
    title: "Review churn risk",
    description: "A churn review for one account: churn probability with its drivers, health breakdown, open escalations and tickets, recent timeline.",
    ask:
      "Review this account's churn risk from the data above: explain what drives the risk (most important first), what the timeline shows about how it got here, which open items make it worse, and a save plan with owners and dates. Use only these facts; say where data is missing.",
    churn: true,
  },
  onboarding_kickoff: {
    title: "Plan an onboarding kick-off",
    description: "An onboarding kick-off plan for one account: contract, contacts and their roles, seats, open tasks.",
    ask:
      "Plan the onboarding kick-off meeting for this account from the data above: attendees (from the contacts and their roles), goals and success criteria for the first 90 days, the agenda, the first milestones with dates counted from the contract start, and the tasks to open after the call. Use only these facts; say where data is missing.",
    churn: false,
  },
};

export function registerResourcesAndPrompts(server: McpServer, context: ToolContext, scopes: readonly string[]): void {
  const canRead = scopes.includes(READ_SCOPE);
  const allowed = (tool: string) => toolAllowed(context.user.tools, tool);
  if (allowed(SOURCE_TOOLS.accountBrief)) {
    registerAccountBriefs(server, context, canRead);
    registerPrompts(server, context, canRead, allowed(SOURCE_TOOLS.churn));
  }
  if (allowed(SOURCE_TOOLS.healthModel)) registerHealthModel(server, context);
}

function registerAccountBriefs(server: McpServer, context: ToolContext, canRead: boolean): void {
  server.registerResource(
    "account",
    new ResourceTemplate("account://{client_id}", {
      list: async () => {
        if (!canRead) return { resources: [] };
        const list = unwrap(await context.tenant.listAccounts({ filters: {}, sort_by: "name", sort_order: "asc", limit: LISTED_ACCOUNTS }));
        return {
          resources: list.clients.map((c) => ({
            uri: `account://${c.client_id}`,
            name: c.client_name,
            title: `${c.client_name} — account brief`,
            description: `${c.tier} account, health ${c.health_score ?? "not scored"}, renews ${c.renewal_date}`,
            mimeType: "application/json",
          })),
        };
      },
      complete: { client_id: (value) => completeAccountIds(context, value, canRead) },
    }),
    {
      title: "Account brief",
      description: "One account: health with its component breakdown, open tasks, escalations and tickets, renewal, contacts, business reviews and the last 10 timeline events.",
      mimeType: "application/json",
      scopeChallenge,
    },
    async (uri, variables) =>
      guarded("reading the account brief", async () => {
        const raw = variables.client_id;
        const id = Array.isArray(raw) ? raw[0] : raw;
        const parsed = clientId.safeParse(id ?? "");
        if (!parsed.success) throw new ToolError("invalid", `client_id in ${uri.href}: ${parsed.error.issues[0]?.message ?? "invalid"}`);
        return json(uri.href, unwrap(await context.tenant.accountBrief(parsed.data)));
      }),
  );
}

function registerHealthModel(server: McpServer, context: ToolContext): void {
  server.registerResource(
    "health-model",
    "health-model://current",
    {
      title: "Health model",
      description: "The weights, bands, per-tier profiles, targets and trend threshold this workspace scores health with (as get_health_model answers).",
      mimeType: "application/json",
      scopeChallenge,
    },
    async (uri) => guarded("reading the health model", async () => json(uri.href, await getHealthModel.execute(context, {}))),
  );
}

/** The prompts, each on one account's brief; the churn ones only when `churnAllowed`. */
function registerPrompts(server: McpServer, context: ToolContext, canRead: boolean, churnAllowed: boolean): void {
  // completable() marks the schema it is given, so each server gets its own copy of the field.
  const argsSchema = z.object({
    client_id: completable(clientId.describe("The account's id (list_clients, or let the client complete it)"), (value) => completeAccountIds(context, value, canRead)),
  });
  for (const [name, spec] of Object.entries(INSTRUCTIONS) as [PromptName, (typeof INSTRUCTIONS)[PromptName]][]) {
    if (spec.churn && !churnAllowed) continue;
    server.registerPrompt(name, { title: spec.title, description: spec.description, argsSchema, scopeChallenge }, async ({ client_id }): Promise<GetPromptResult> =>
      guarded(`the ${name} prompt`, async () => {
      const brief = unwrap(await context.tenant.accountBrief(client_id));
      const sections = [briefText(brief)];
      if (spec.churn) sections.push(await churnText(context, client_id));
      sections.push(spec.ask);
      return {
        description: `${spec.title}: ${brief.account.client_name}`,
        messages: [{ role: "user", content: { type: "text", text: sections.join("\n\n") } }],
      };
      }),
    );
  }
}
