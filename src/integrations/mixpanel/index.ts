import type { ConnectionFields, ConnectionTestResult, ProviderIntegration } from "../provider";
import { ProviderError } from "../http";
import { MIXPANEL_SECRET_FIELDS, mixpanelConnection, mixpanelConnectionSchema } from "./connection";
import { mixpanelClient, mixpanelOperations } from "./operations";
import { verifyMixpanelWebhook } from "./webhook";

/**
 * Mixpanel: usage events out (/import), profiles out (/engage), usage pulled from the query
 * API, cohort membership in (cohort-sync webhook → segments). docs/integrations/mixpanel.md.
 */

/** Calls /api/app/me and checks the service account reaches the connection's project. */
export async function testMixpanelConnection(connection: ConnectionFields): Promise<ConnectionTestResult> {
  const fields = mixpanelConnection(connection);
  try {
    const me = await mixpanelClient(connection).me();
    const identity = me.email ?? me.name;
    if (me.projectIds.length > 0 && !me.projectIds.includes(fields.project_id)) {
      return {
        ok: false,
        message: `The service account works but has no access to project ${fields.project_id} (it reaches ${me.projectIds.slice(0, 5).join(", ")}); add it to the project in Organization Settings → Service Accounts, or fix project_id.`,
        identity,
      };
    }
    return { ok: true, message: `Connected to Mixpanel project ${fields.project_id} (${fields.region.toUpperCase()} residency).`, identity };
  } catch (error) {
    if (!(error instanceof ProviderError)) throw error;
    const hint =
      error.status === 401
        ? " Check service_account_username and service_account_secret (Organization Settings → Service Accounts)."
        : error.status === 403
          ? " The service account lacks a role on this project; give it Admin or Analyst."
          : error.status >= 300 && error.status < 400
            ? " Check the region: EU projects use region eu."
            : error.retryable
              ? " Mixpanel is unavailable or rate-limited right now; test again in a minute."
              : "";
    return { ok: false, message: `${error.message}${hint}`, identity: null };
  }
}

export const mixpanel: ProviderIntegration = {
  name: "mixpanel",
  title: "Mixpanel",
  consoleUrl: "https://mixpanel.com/settings/org#serviceaccounts",
  connectionSchema: mixpanelConnectionSchema,
  secretFields: MIXPANEL_SECRET_FIELDS,
  testConnection: testMixpanelConnection,
  operations: mixpanelOperations,
  verifyWebhook: verifyMixpanelWebhook,
};
