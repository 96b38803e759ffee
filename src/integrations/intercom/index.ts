import { ProviderError } from "../http";
import type { ConnectionFields, ConnectionTestResult, ProviderIntegration } from "../provider";
import { IntercomClient } from "./client";
import { connectionSchema, INTERCOM_SECRET_FIELDS, intercomBaseUrl, intercomConnection } from "./connection";
import { operations } from "./operations";
import { verifyWebhook } from "./webhook";

/**
 * Intercom: contacts found or created, in-app and email messages, notes, data events and tags
 * out (queued); conversation notifications in (engagement touchpoints). docs/integrations/intercom.md.
 */

/** What a person can do about each way Intercom refuses GET /me. */
function advice(error: ProviderError): string {
  if (error.status === 401) return `${error.message} The access_token is wrong or revoked: copy it again from Developer Hub > your app > Authentication.`;
  if (error.status === 403) return `${error.message} The token's app lacks permission or the workspace's region differs: check the app's permissions and the region (us, eu, au).`;
  if (error.status === 404) return `${error.message} Check the region: a workspace hosted in the EU or Australia answers only on its own host.`;
  if (error.retryable) return `${error.message} Intercom is busy or unreachable; test again in a minute.`;
  return error.message;
}

export async function testConnection(fields: ConnectionFields): Promise<ConnectionTestResult> {
  const parsed = intercomConnection.safeParse(fields);
  if (!parsed.success) return { ok: false, message: parsed.error.issues[0]?.message ?? "the connection is invalid", identity: null };
  const client = new IntercomClient(intercomBaseUrl(parsed.data.region), parsed.data.access_token);
  try {
    const admin = await client.me();
    const who = [admin.name, admin.email ? `<${admin.email}>` : null].filter(Boolean).join(" ") || `admin ${admin.id}`;
    const workspace = admin.app?.name ? ` in workspace ${admin.app.name}` : "";
    const sender = parsed.data.admin_id ? "" : ` Messages and notes need an admin: set admin_id (this token's admin is ${admin.id}) or pass one per message.`;
    const webhooks = parsed.data.client_secret ? "" : " Webhooks cannot be verified until client_secret is set.";
    return { ok: true, message: `Connected to Intercom as ${who}${workspace}.${sender}${webhooks}`, identity: admin.email ?? admin.id };
  } catch (error) {
    if (error instanceof ProviderError) return { ok: false, message: advice(error), identity: null };
    return { ok: false, message: "Intercom could not be tested; try again.", identity: null };
  }
}

export const intercom: ProviderIntegration = {
  name: "intercom",
  title: "Intercom",
  consoleUrl: "https://app.intercom.com/a/apps/_/developer-hub",
  connectionSchema,
  secretFields: INTERCOM_SECRET_FIELDS,
  testConnection,
  operations,
  verifyWebhook,
};
