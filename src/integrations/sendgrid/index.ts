import { ProviderError } from "../http";
import type { ConnectionFields, ConnectionTestResult, ProviderIntegration } from "../provider";
import { SendgridClient } from "./client";
import { connectionSchema, secretFields, sendgridConnection, sendgridOrigin } from "./connection";
import { operations } from "./operations";
import { verifyWebhook } from "./webhook";

/** The permission a key needs to send mail. */
export const MAIL_SEND_SCOPE = "mail.send";

async function testConnection(fields: ConnectionFields): Promise<ConnectionTestResult> {
  let connection;
  try {
    connection = sendgridConnection(fields);
  } catch (error) {
    return { ok: false, message: error instanceof Error ? error.message : "The connection settings do not parse.", identity: null };
  }
  const client = new SendgridClient(sendgridOrigin(connection), connection.api_key);
  let scopes: string[];
  try {
    scopes = await client.scopes();
  } catch (error) {
    if (!(error instanceof ProviderError)) throw error;
    if (error.status === 401) {
      return {
        ok: false,
        message: `${error.message} The API key is wrong, revoked or belongs to the other region (this connection uses ${connection.region}); create a key under Settings → API Keys and paste it again.`,
        identity: null,
      };
    }
    if (error.status === 403) {
      return { ok: false, message: `${error.message} The key may not read its own scopes; give it Mail Send access (Settings → API Keys → Edit).`, identity: null };
    }
    return { ok: false, message: `${error.message}${error.retryable ? " Try again in a minute." : ""}`, identity: null };
  }
  if (!scopes.includes(MAIL_SEND_SCOPE)) {
    return {
      ok: false,
      message: "SendGrid accepted the key, but it has no Mail Send permission (mail.send); edit the key under Settings → API Keys and grant Mail Send.",
      identity: null,
    };
  }
  return {
    ok: true,
    message: `SendGrid accepted the key (${scopes.length} permissions, including Mail Send); mail goes out from ${connection.from_email}${connection.sandbox_mode ? " in sandbox mode (validated, never delivered)" : ""}.`,
    identity: connection.from_email,
  };
}

export const sendgrid: ProviderIntegration = {
  name: "sendgrid",
  title: "SendGrid",
  consoleUrl: "https://app.sendgrid.com/settings/api_keys",
  connectionSchema,
  secretFields,
  testConnection,
  operations,
  verifyWebhook,
};
