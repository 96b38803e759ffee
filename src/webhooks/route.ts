import { tenantStub } from "../../durable-objects/tenant";
import type { Env } from "../env";
import { readLimitedBody } from "../http/body";
import { webhookConnection } from "../integrations/connections";
import { isProviderName } from "../integrations/provider";
import { integrationFor } from "../integrations/registry";
import { inboundMessages, sendAll } from "../queues/messages";

/**
 * POST /webhooks/:provider/:tenant — what providers call. Reads the raw body once (refusing
 * anything over 1 MiB before any crypto), verifies the provider's signature with the tenant's
 * own secret, and hands the events to the INTEGRATIONS queue; the Tenant object applies them
 * (deduped on the provider's event id) within seconds. Answers 202 as soon as they are queued.
 */

export const WEBHOOK_PREFIX = "/webhooks/";
export const WEBHOOK_BODY_LIMIT = 1_048_576;
const TENANT_ID = /^t_[0-9a-f]{32}$/;

function refuse(status: number, error: string, message: string): Response {
  return Response.json({ error, message }, { status });
}

export async function handleWebhook(request: Request, env: Env): Promise<Response> {
  const [provider = "", tenantId = "", ...rest] = new URL(request.url).pathname.slice(WEBHOOK_PREFIX.length).split("/");
  if (rest.length > 0 || !isProviderName(provider)) return refuse(404, "not_found", "No such webhook: the URL is /webhooks/<zendesk|intercom|mixpanel|sendgrid>/<tenant id>.");
  const integration = integrationFor(provider);
  if (!integration?.verifyWebhook) return refuse(404, "not_found", `${provider} webhooks are not accepted.`);
  if (request.method !== "POST") return refuse(405, "method_not_allowed", "Webhooks are delivered with POST.");
  if (!TENANT_ID.test(tenantId)) return refuse(404, "not_found", "No such workspace: copy the webhook URL from the setup page.");

  const body = await readLimitedBody(request, WEBHOOK_BODY_LIMIT);
  if (!body) return refuse(413, "payload_too_large", `A webhook body may be at most ${WEBHOOK_BODY_LIMIT} bytes.`);

  const connection = await webhookConnection(env, () => tenantStub(env.TENANT, tenantId), tenantId, provider);
  if (!connection) return refuse(404, "not_found", `This workspace has not connected ${integration.title}; connect it on the setup page first.`);

  const verification = await integration.verifyWebhook(connection, { headers: request.headers, body, now: new Date() });
  if (!verification.ok) return refuse(verification.status, "invalid_webhook", verification.reason);
  if (verification.events.length === 0) return Response.json({ accepted: 0 }, { status: 200 });

  try {
    await sendAll(env.INTEGRATIONS, inboundMessages(tenantId, provider, verification.events));
  } catch {
    // The provider retries a 503; nothing was recorded, so the retry is not a duplicate.
    return refuse(503, "unavailable", "The delivery could not be queued; please retry.");
  }
  return Response.json({ accepted: verification.events.length }, { status: 202 });
}
