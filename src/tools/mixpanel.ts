import { z } from "zod";
import { randomHex } from "../http/hex";
import { forgetWebhookConnection, openConnection, sealConnection } from "../integrations/connections";
import { ProviderError } from "../integrations/http";
import { mixpanel } from "../integrations/mixpanel";
import { mixpanelClient, planImportDeliveries, toMixpanelEvent, type ExportableUsageEvent } from "../integrations/mixpanel/operations";
import { MAX_PULLED_EVENTS, pullAccountUsage } from "../integrations/mixpanel/usage";
import type { ConnectionFields } from "../integrations/provider";
import { defineTool, READ_ONLY, ToolError, unwrap, WRITE, type ToolContext } from "./define";
import { clientId } from "./fields";

/** Mixpanel: usage out (queued /import jobs), usage in (query API), cohorts in (segments). docs/integrations/mixpanel.md. */

const DAY_MS = 86_400_000;
/** Most events one export job carries: 50 deliveries of 2,000. */
const EXPORT_MAX_EVENTS = 100_000;

function dayOffset(days: number, now = Date.now()): string {
  return new Date(now - days * DAY_MS).toISOString().slice(0, 10);
}

async function requireConnection(context: ToolContext): Promise<ConnectionFields> {
  const connection = await openConnection(context.env, context.tenant, context.user.tenantId, "mixpanel");
  if (!connection) throw new ToolError("not_found", "Mixpanel is not connected in this workspace; connect it first with connect_integration (provider mixpanel).");
  return connection;
}

function providerRefusal(error: unknown): never {
  if (error instanceof ProviderError) {
    const when = error.retryable && error.retryAfterSeconds !== null ? ` Try again in ${error.retryAfterSeconds} s.` : "";
    throw new ToolError(error.status === 429 ? "conflict" : "invalid", `${error.message}${when}`);
  }
  throw error;
}

const days = z.number().int().min(1, "days is at least 1").max(90, "days is at most 90 (the query API and our retention both look back 90 days)");

export const pullMixpanelUsageTool = defineTool({
  name: "pull_mixpanel_usage",
  title: "Pull an account's usage from Mixpanel",
  description:
    "Reads an account's product usage from Mixpanel's query API (one segmentation query per event name, filtered on the account_id property = the account's external_id, or client_id when it has none) and stores it as this workspace's usage events: one event per counted Mixpanel event and user per day, so pulling the same days again adds only what is new. Health is rescored at once. Each event name costs one of the workspace's 60 Mixpanel queries per hour. Do not pull events exported from here (export_usage_to_mixpanel): they would count twice.",
  input: z.object({
    client_id: clientId,
    events: z.array(z.string().trim().min(1, "events[] names a Mixpanel event").max(255)).min(1, "events needs at least one Mixpanel event name").max(10, "events holds at most 10 names per pull (each is one query of the hourly 60)"),
    days: days.default(30).describe("How many days back, today included"),
    account_property: z.string().trim().min(1).max(255).regex(/^[^"\\]+$/, "account_property may not contain quotes or backslashes").default("account_id").describe("The Mixpanel event property that holds the account"),
  }),
  output: z.object({
    client_id: z.string(),
    account_ref: z.string(),
    from: z.string(),
    to: z.string(),
    queries: z.number().int(),
    pulled: z.number().int(),
    accepted: z.number().int(),
    duplicates: z.number().int(),
    rejected: z.number().int(),
    truncated: z.boolean().describe(`True when more than ${MAX_PULLED_EVENTS} events were found: pull fewer days or events`),
  }),
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  scope: "cs:write",
  rest: { method: "POST", path: "/clients/{client_id}/mixpanel/pull" },
  async handler(context, input) {
    const account = unwrap(await context.tenant.getAccount(input.client_id));
    const connection = await requireConnection(context);
    const budget = { reserve: async (now: Date) => unwrap(await context.tenant.reserveMixpanelQuery(now.toISOString())) };
    const from = dayOffset(input.days - 1);
    const to = dayOffset(0);
    const accountRef = account.external_id ?? account.client_id;
    let pull;
    try {
      pull = await pullAccountUsage(mixpanelClient(connection, budget), { projectId: String(connection.project_id), accountRef, accountProperty: input.account_property, events: input.events, from, to });
    } catch (error) {
      if (error instanceof Error && !(error instanceof ProviderError) && error.message.includes("quotes")) throw new ToolError("invalid", error.message);
      providerRefusal(error);
    }
    const stored = pull.events.length > 0 ? unwrap(await context.tenant.ingestUsageEvents(pull.events)) : { accepted: 0, duplicates: 0, pending: 0, rejected: [] };
    return {
      client_id: account.client_id,
      account_ref: accountRef,
      from,
      to,
      queries: pull.queries,
      pulled: pull.events.length,
      accepted: stored.accepted,
      duplicates: stored.duplicates,
      rejected: stored.rejected.length,
      truncated: pull.truncated,
    };
  },
});

export const exportUsageToMixpanelTool = defineTool({
  name: "export_usage_to_mixpanel",
  title: "Export usage events to Mixpanel",
  description:
    "Starts a job that imports this workspace's usage events (track and page calls) of the last days into the connected Mixpanel project, for one account or all. Answers at once with the job; the INTEGRATIONS queue sends batches of at most 2,000 events, each event with a stable $insert_id so a retried batch is not counted twice by Mixpanel. Events Mixpanel refuses in strict mode are listed on the job. Follow it with get_integration_job.",
  input: z.object({
    client_id: clientId.optional().describe("One account; all accounts when left out"),
    days: days.default(7).describe("How many days back, today included"),
  }),
  output: z.object({
    job_id: z.string().describe("Follow it with get_integration_job"),
    status: z.string(),
    events: z.number().int(),
    deliveries: z.number().int().describe("Import calls of at most 2,000 events each"),
    from: z.string(),
    to: z.string(),
  }),
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true },
  scope: "cs:write",
  rest: { method: "POST", path: "/integrations/mixpanel/exports" },
  async handler(context, input) {
    await requireConnection(context);
    const from = dayOffset(input.days - 1);
    const to = dayOffset(0);
    const usage: ExportableUsageEvent[] = [];
    let cursor: string | undefined;
    do {
      const page = unwrap(await context.tenant.mixpanelExportPage({ client_id: input.client_id, from, to, cursor, limit: 2000 }));
      usage.push(...page.events);
      cursor = page.next_cursor ?? undefined;
      if (usage.length > EXPORT_MAX_EVENTS) {
        throw new ToolError("invalid", `days: the last ${input.days} days hold more than ${EXPORT_MAX_EVENTS} events${input.client_id ? "" : " across all accounts"}; export fewer days${input.client_id ? "" : " or one client_id at a time"}.`);
      }
    } while (cursor);
    if (usage.length === 0) throw new ToolError("invalid", `days: no usage events (track or page) between ${from} and ${to}${input.client_id ? ` for ${input.client_id}` : ""}; nothing to export.`);
    const deliveries = planImportDeliveries(await Promise.all(usage.map(toMixpanelEvent)));
    const job = unwrap(
      await context.tenant.createIntegrationJob(
        { provider: "mixpanel", operation: "import_events", description: `Export ${usage.length} usage events ${from}…${to}${input.client_id ? ` of ${input.client_id}` : ""} to Mixpanel`, deliveries },
        context.actor,
      ),
    );
    return { job_id: job.id, status: job.status, events: usage.length, deliveries: deliveries.length, from, to };
  },
});

export const resetMixpanelWebhookCredentialsTool = defineTool({
  name: "reset_mixpanel_webhook_credentials",
  title: "New Mixpanel webhook password",
  description:
    "Generates a new password for Mixpanel's cohort-sync webhook and answers it with the webhook URL and username: the ONLY time it is shown (it is stored sealed). Paste all three into Mixpanel (Integrations → Custom Webhook). The old password stops working at once.",
  input: z.object({}),
  output: z.object({ webhook_url: z.string(), username: z.string(), password: z.string() }),
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: false },
  scope: "cs:admin",
  rest: { method: "POST", path: "/integrations/mixpanel/webhook-credentials" },
  async handler(context) {
    const existing = await requireConnection(context);
    const password = randomHex(24);
    const fields = mixpanel.connectionSchema.parse({ ...existing, webhook_password: password });
    const stored = await sealConnection(context.env, context.user.tenantId, mixpanel, fields);
    unwrap(await context.tenant.saveConnection(stored, ["webhook_password"], context.actor));
    forgetWebhookConnection(context.user.tenantId, "mixpanel");
    const path = `/webhooks/mixpanel/${context.user.tenantId}`;
    return { webhook_url: context.origin ? `${context.origin}${path}` : path, username: String(fields.webhook_username), password };
  },
});

const cohort = z.object({
  cohort_id: z.string(),
  name: z.string(),
  segment_id: z.string().nullable().describe("The segment that mirrors the cohort; list_segment_members shows its accounts"),
  members: z.number().int(),
  matched_members: z.number().int().describe("Members matched to a contact or account of this workspace"),
  accounts: z.number().int(),
  updated_at: z.string(),
});

export const listMixpanelCohortsTool = defineTool({
  name: "list_mixpanel_cohorts",
  title: "Mixpanel cohorts",
  description:
    "The Mixpanel cohorts synced to this workspace by Mixpanel's cohort-sync webhook, each with the segment that mirrors it, how many members it has, how many matched our contacts or accounts, and how many accounts it covers.",
  input: z.object({}),
  output: z.object({ cohorts: z.array(cohort) }),
  annotations: READ_ONLY,
  scope: "cs:read",
  rest: { method: "GET", path: "/integrations/mixpanel/cohorts" },
  async handler({ tenant }) {
    return { cohorts: unwrap(await tenant.mixpanelCohorts()) };
  },
});

export const mixpanelTools = [exportUsageToMixpanelTool, pullMixpanelUsageTool, listMixpanelCohortsTool, resetMixpanelWebhookCredentialsTool];
