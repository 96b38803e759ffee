import { z } from "zod";
import { jsonValue } from "../db/json-value";
import { forgetWebhookConnection, openConnection, sealConnection } from "../integrations/connections";
import { PROVIDERS, type ConnectionFields, type ProviderIntegration, type ProviderName } from "../integrations/provider";
import { integrationFor } from "../integrations/registry";
import { defineTool, invalidInput, READ_ONLY, ToolError, unwrap, WRITE, type ToolContext } from "./define";

/**
 * Connecting Zendesk, Intercom, Mixpanel and SendGrid, and following the work sent to them.
 * Secrets go in, are sealed in the Tenant object, and never come back out: answers show only
 * their last four characters. Jobs are what tools that call providers start (a campaign send,
 * a usage export); their deliveries run from the INTEGRATIONS queue.
 */

const provider = z.enum(PROVIDERS).describe("zendesk, intercom, mixpanel or sendgrid");

const lastTest = z.object({ at: z.string(), ok: z.boolean(), message: z.string() }).nullable();

const integrationView = z.object({
  provider,
  title: z.string(),
  available: z.boolean().describe("False when this deployment does not include the provider yet"),
  connected: z.boolean(),
  settings: z.record(z.string(), jsonValue).describe("The non-secret fields as stored"),
  secret_hints: z.record(z.string(), z.string()).describe("Each stored secret's last four characters; secrets are never returned"),
  secret_fields: z.array(z.string()),
  last_test: lastTest,
  webhook_url: z.string().nullable().describe("Where to point the provider's webhooks (null when the provider sends none)"),
  console_url: z.string().nullable().describe("Where in the provider's console the credentials are made"),
  operations: z.array(z.string()).describe("What jobs can ask this provider to do"),
  webhook_events: z
    .object({ received: z.number().int(), last_received_at: z.string().nullable() })
    .describe("Verified webhook events applied in the last 14 days (each counted once, however often it was delivered)"),
});

const testResult = z.object({ ok: z.boolean(), message: z.string(), identity: z.string().nullable() });

const jobView = z.object({
  id: z.string(),
  provider: z.string(),
  operation: z.string(),
  description: z.string(),
  status: z.enum(["queued", "in_progress", "sent", "failed", "partially_failed"]),
  created_by: z.string(),
  created_at: z.string(),
  updated_at: z.string(),
  deliveries: z.object({
    queued: z.number().int(),
    sending: z.number().int(),
    retrying: z.number().int(),
    sent: z.number().int(),
    failed: z.number().int(),
    dead: z.number().int().describe("Retries ran out: the message is in the dead-letter queue"),
    total: z.number().int(),
  }),
  items: z.object({ total: z.number().int(), queued: z.number().int(), sent: z.number().int(), failed: z.number().int() }).describe("Emails, events or tickets across the deliveries"),
  failures: z
    .array(z.object({ key: z.string(), sequence: z.number().int(), status: z.enum(["failed", "dead", "retrying"]), attempts: z.number().int(), items: z.number().int(), error: z.string(), updated_at: z.string() }))
    .describe("Deliveries that failed or are being retried, with the provider's reason"),
});

function webhookUrl(context: ToolContext, integration: ProviderIntegration | null, name: ProviderName): string | null {
  if (!integration?.verifyWebhook) return null;
  const path = `/webhooks/${name}/${context.user.tenantId}`;
  return context.origin ? `${context.origin}${path}` : path;
}

function requireIntegration(name: ProviderName): ProviderIntegration {
  const integration = integrationFor(name);
  if (!integration) throw new ToolError("invalid", `provider: ${name} is not available in this deployment yet.`);
  return integration;
}

async function views(context: ToolContext, only?: ProviderName): Promise<z.input<typeof integrationView>[]> {
  const [connected, counts] = await Promise.all([context.tenant.listConnections().then(unwrap), context.tenant.webhookEventCounts().then(unwrap)]);
  return PROVIDERS.filter((name) => !only || name === only).map((name) => {
    const integration = integrationFor(name);
    const stored = connected.find((summary) => summary.provider === name);
    const received = counts.find((count) => count.provider === name);
    return {
      provider: name,
      title: integration?.title ?? name,
      available: integration !== null,
      connected: stored !== undefined,
      settings: stored?.settings ?? {},
      secret_hints: stored?.secret_hints ?? {},
      secret_fields: integration ? [...integration.secretFields] : [],
      last_test: stored?.last_test ?? null,
      webhook_url: webhookUrl(context, integration, name),
      console_url: integration?.consoleUrl ?? null,
      operations: integration ? Object.keys(integration.operations) : [],
      webhook_events: { received: received?.events ?? 0, last_received_at: received?.last_received_at ?? null },
    };
  });
}

async function runTest(context: ToolContext, integration: ProviderIntegration, connection: ConnectionFields): Promise<z.input<typeof testResult>> {
  let result: z.input<typeof testResult>;
  try {
    result = await integration.testConnection(connection);
  } catch (error) {
    result = { ok: false, message: error instanceof Error ? error.message : `${integration.title} could not be tested.`, identity: null };
  }
  unwrap(await context.tenant.recordConnectionTest(integration.name, { ok: result.ok, message: result.message }, context.actor));
  return result;
}

export const listIntegrationsTool = defineTool({
  name: "list_integrations",
  title: "List integrations",
  description:
    "Shows each provider (Zendesk, Intercom, Mixpanel, SendGrid): whether it is connected, its settings, the last four characters of each stored secret, the last connection test, and the webhook URL to paste into the provider's console.",
  input: z.object({}),
  output: z.object({ integrations: z.array(integrationView) }),
  annotations: READ_ONLY,
  scope: "cs:read",
  rest: { method: "GET", path: "/integrations" },
  handler: async (context) => ({ integrations: await views(context) }),
});

export const connectIntegrationTool = defineTool({
  name: "connect_integration",
  title: "Connect an integration",
  description:
    "Stores a provider's connection (settings and secrets; secrets are sealed and never shown again, only their last four characters). Fields left out keep their stored value, so a setting can change without re-entering secrets. Tests the connection afterwards unless test is false. Prefer the setup page for pasting secrets.",
  input: z.object({
    provider,
    fields: z.record(z.string(), jsonValue).describe("The provider's connection fields, e.g. {subdomain, email, api_token} for Zendesk; list_integrations names the secret ones"),
    test: z.boolean().default(true).describe("Call the provider's cheapest authenticated endpoint after saving"),
  }),
  output: z.object({ integration: integrationView, test: testResult.nullable() }),
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  scope: "cs:admin",
  rest: { method: "POST", path: "/integrations/{provider}" },
  handler: async (context, input) => {
    const integration = requireIntegration(input.provider);
    const tenantId = context.user.tenantId;
    const existing = (await openConnection(context.env, context.tenant, tenantId, input.provider)) ?? {};
    const merged: ConnectionFields = { ...existing };
    for (const [field, value] of Object.entries(input.fields)) {
      // An empty secret means "keep the stored one" (a form field left blank).
      if (value === "" && integration.secretFields.includes(field) && field in existing) continue;
      merged[field] = value;
    }
    const parsed = integration.connectionSchema.safeParse(merged);
    if (!parsed.success) throw invalidInput(parsed.error, "fields");
    const changedSecrets = integration.secretFields.filter((field) => field in input.fields && input.fields[field] !== "" && input.fields[field] !== existing[field]);
    const stored = await sealConnection(context.env, tenantId, integration, parsed.data);
    unwrap(await context.tenant.saveConnection(stored, changedSecrets, context.actor));
    forgetWebhookConnection(tenantId, input.provider);
    const test = input.test ? await runTest(context, integration, parsed.data) : null;
    const [view] = await views(context, input.provider);
    if (!view) throw new ToolError("not_found", `provider: ${input.provider} is unknown.`);
    return { integration: view, test };
  },
});

export const testIntegrationTool = defineTool({
  name: "test_integration",
  title: "Test an integration",
  description: "Calls the provider's cheapest authenticated endpoint with the stored credentials and reports success or the provider's own error.",
  input: z.object({ provider }),
  output: z.object({ provider, test: testResult }),
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  scope: "cs:admin",
  rest: { method: "POST", path: "/integrations/{provider}/test" },
  handler: async (context, input) => {
    const integration = requireIntegration(input.provider);
    const connection = await openConnection(context.env, context.tenant, context.user.tenantId, input.provider);
    if (!connection) throw new ToolError("not_found", `provider: ${input.provider} is not connected; connect it first with connect_integration.`);
    return { provider: input.provider, test: await runTest(context, integration, connection) };
  },
});

export const disconnectIntegrationTool = defineTool({
  name: "disconnect_integration",
  title: "Disconnect an integration",
  description: "Deletes a provider's stored connection and secrets. Its webhooks are refused from then on and queued deliveries fail with a reason; history stays.",
  input: z.object({ provider }),
  output: z.object({ provider, disconnected: z.boolean() }),
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: false },
  scope: "cs:admin",
  rest: { method: "DELETE", path: "/integrations/{provider}" },
  handler: async (context, input) => {
    unwrap(await context.tenant.removeConnection(input.provider, context.actor));
    forgetWebhookConnection(context.user.tenantId, input.provider);
    return { provider: input.provider, disconnected: true };
  },
});

export const listIntegrationJobsTool = defineTool({
  name: "list_integration_jobs",
  title: "List integration jobs",
  description: "Recent jobs sent to providers (newest first) with their progress: deliveries queued, sent, retrying, failed or dead-lettered, and items sent.",
  input: z.object({ provider: provider.optional(), limit: z.number().int().min(1).max(100).default(20) }),
  output: z.object({ jobs: z.array(jobView) }),
  annotations: READ_ONLY,
  scope: "cs:read",
  rest: { method: "GET", path: "/integration-jobs" },
  handler: async (context, input) => ({ jobs: unwrap(await context.tenant.listIntegrationJobs({ limit: input.limit, ...(input.provider ? { provider: input.provider } : {}) })) }),
});

export const getIntegrationJobTool = defineTool({
  name: "get_integration_job",
  title: "Get an integration job",
  description: "One job's progress (queued, sent, failed, with counts) and each failed delivery with the provider's reason.",
  input: z.object({ job_id: z.string().min(1).describe("The job id a sending tool returned") }),
  output: jobView,
  annotations: READ_ONLY,
  scope: "cs:read",
  rest: { method: "GET", path: "/integration-jobs/{job_id}" },
  handler: async (context, input) => unwrap(await context.tenant.integrationJob(input.job_id)),
});

export const retryIntegrationJobTool = defineTool({
  name: "retry_integration_job",
  title: "Retry failed deliveries",
  description: "Puts a job's dead-lettered and refused deliveries back on the queue (after fixing what the provider complained about). Deliveries already sent are never sent again.",
  input: z.object({ job_id: z.string().min(1) }),
  output: z.object({ job: jobView, requeued: z.number().int() }),
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true },
  scope: "cs:admin",
  rest: { method: "POST", path: "/integration-jobs/{job_id}/retry" },
  handler: async (context, input) => {
    unwrap(await context.tenant.integrationJob(input.job_id));
    const { requeued } = unwrap(await context.tenant.retryDeliveries({ jobId: input.job_id }, context.actor));
    return { job: unwrap(await context.tenant.integrationJob(input.job_id)), requeued };
  },
});

export const resealCredentialsTool = defineTool({
  name: "reseal_integration_credentials",
  title: "Re-seal integration credentials",
  description:
    "After the operator rotated ENCRYPTION_KEY (docs/security.md): re-seals this workspace's stored provider secrets under the current key now instead of waiting for the daily maintenance. Names any connection no configured key can open (reconnect those).",
  input: z.object({}),
  output: z.object({ resealed: z.array(z.string()), current: z.array(z.string()), unreadable: z.array(z.string()) }),
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  scope: "cs:admin",
  rest: { method: "POST", path: "/integration-credentials/reseal" },
  handler: async (context) => unwrap(await context.tenant.resealConnections()),
});

export const integrationTools = [
  listIntegrationsTool,
  connectIntegrationTool,
  testIntegrationTool,
  disconnectIntegrationTool,
  listIntegrationJobsTool,
  getIntegrationJobTool,
  retryIntegrationJobTool,
  resealCredentialsTool,
];
