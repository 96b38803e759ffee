import { ProviderError } from "../http";
import type { ConnectionFields, ConnectionTestResult, ProviderIntegration } from "../provider";
import { connectionSchema, readConnection, secretFields } from "./connection";
import { clientOf, operations } from "./operations";
import { verifyWebhook } from "./webhook";

/**
 * Zendesk Support: tickets out (create with Idempotency-Key, update, comment, upsert users),
 * ticket events in (signed webhooks → our tickets and their SLA clocks, src/db/inbound/zendesk.ts).
 */

/** What a refusal means for the person connecting, in words they can act on. */
export function explainTestFailure(error: ProviderError, subdomain: string): string {
  const host = `${subdomain}.zendesk.com`;
  switch (true) {
    case error.status === 401:
      return `${error.message} Zendesk did not accept the credentials for ${host}: check the agent email and API token (Admin Center → Apps and integrations → APIs → Zendesk API, token access enabled), or the OAuth access token.`;
    case error.status === 403:
      return `${error.message} The credentials are valid but may not use the API: the token's user must be an agent or admin, and API token access must be enabled.`;
    case error.status === 404:
      return `${error.message} There is no Zendesk account at ${host}: check the subdomain.`;
    case error.status >= 300 && error.status < 400:
      return `${error.message} Zendesk redirected instead of answering: the account at ${host} may have moved or be closed.`;
    case error.status === 429:
      return `${error.message} Zendesk's rate limit for this account is reached; test again in ${error.retryAfterSeconds ?? 60} s.`;
    case error.retryable:
      return `${error.message} Zendesk is unavailable for now; test again in a few minutes.`;
    default:
      return error.message;
  }
}

async function testConnection(connection: ConnectionFields): Promise<ConnectionTestResult> {
  let subdomain = "";
  try {
    subdomain = readConnection(connection).subdomain;
    const user = await clientOf(connection).me();
    if (user.id === null || user.role === "end-user" || user.role === "anonymous") {
      return {
        ok: false,
        message: `Zendesk at ${subdomain}.zendesk.com answered as ${user.id === null ? "an anonymous visitor" : "an end user"}: the credentials must belong to an agent or admin.`,
        identity: user.email ?? null,
      };
    }
    return {
      ok: true,
      message: `Connected to ${subdomain}.zendesk.com as ${user.name ?? "an agent"}${user.email ? ` <${user.email}>` : ""}${user.role ? ` (${user.role})` : ""}.`,
      identity: user.email ?? user.name ?? null,
    };
  } catch (error) {
    if (error instanceof ProviderError) return { ok: false, message: explainTestFailure(error, subdomain), identity: null };
    throw error;
  }
}

export const zendesk: ProviderIntegration = {
  name: "zendesk",
  title: "Zendesk",
  consoleUrl: "https://support.zendesk.com/hc/en-us/articles/4408889192858",
  connectionSchema,
  secretFields,
  testConnection,
  operations,
  verifyWebhook,
};
