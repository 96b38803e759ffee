import type { ProviderName } from "../integrations/provider";

/**
 * What the setup page's integrations step shows for each provider: every connection field with
 * its label, help text, input type, options and whether it is a secret (a password input, never
 * pre-filled), the provider's console, and what to paste where for its webhooks. The field names
 * are the providers' own connection schemas' (src/integrations/<provider>/connection.ts); the
 * schemas themselves validate, through connect_integration.
 */

export interface IntegrationField {
  name: string;
  label: string;
  help: string;
  input: "text" | "email" | "password" | "select" | "checkbox" | "textarea";
  /** Sealed by connect_integration: a password input, never pre-filled; blank keeps the stored one. */
  secret: boolean;
  options?: readonly { value: string; label: string }[];
  /** Created by the page (not typed by the admin) and shown once; see ProviderSetup.generated. */
  generated?: boolean;
  placeholder?: string;
  /** Only shown while another field has this value (Zendesk's two ways to authenticate). */
  when?: { field: string; value: string };
}

export interface ProviderSetup {
  provider: ProviderName;
  title: string;
  /** What the connection is for, one sentence. */
  purpose: string;
  console: { url: string; label: string };
  fields: readonly IntegrationField[];
  /** What to do in the provider's console with our webhook URL, and which field here takes its secret. */
  webhook: string;
  /** Webhook credentials the page generates for the provider to present to us (Mixpanel), shown once. */
  generated?: { username: string; password: string };
}

export const INTEGRATION_SETUP: readonly ProviderSetup[] = [
  {
    provider: "zendesk",
    title: "Zendesk",
    purpose: "Tickets flow in as support facts (SLA clocks, open tickets in health); tickets can be created in Zendesk from here.",
    console: { url: "https://support.zendesk.com/hc/en-us/articles/4408889192858", label: "Zendesk: managing API token access" },
    fields: [
      {
        name: "subdomain",
        label: "Zendesk subdomain",
        help: "The first part of your Zendesk address: acme for acme.zendesk.com.",
        input: "text",
        secret: false,
        placeholder: "acme",
      },
      {
        name: "auth",
        label: "Sign in with",
        help: "An agent's email and API token (most accounts), or an OAuth access token.",
        input: "select",
        secret: false,
        options: [
          { value: "api_token", label: "Agent email and API token" },
          { value: "oauth", label: "OAuth access token" },
        ],
      },
      {
        name: "email",
        label: "Agent email",
        help: "The email of the Zendesk agent or admin who owns the API token.",
        input: "email",
        secret: false,
        when: { field: "auth", value: "api_token" },
      },
      {
        name: "api_token",
        label: "API token",
        help: "Admin Center → Apps and integrations → APIs → Zendesk API: enable token access and add a token.",
        input: "password",
        secret: true,
        when: { field: "auth", value: "api_token" },
      },
      {
        name: "oauth_access_token",
        label: "OAuth access token",
        help: "The access token of a Zendesk OAuth client with read and write scope.",
        input: "password",
        secret: true,
        when: { field: "auth", value: "oauth" },
      },
      {
        name: "webhook_signing_secret",
        label: "Webhook signing secret",
        help: "Admin Center → Apps and integrations → Webhooks → your webhook → Signing secret (after you create the webhook below).",
        input: "password",
        secret: true,
      },
    ],
    webhook:
      "In Admin Center → Apps and integrations → Webhooks, create a webhook: endpoint URL below, method POST, format JSON, subscribed to ticket events (or called from a trigger). Then reveal its signing secret and paste it into “Webhook signing secret” above.",
  },
  {
    provider: "intercom",
    title: "Intercom",
    purpose: "Conversations become engagement touchpoints; messages, notes and tags can be sent to Intercom contacts.",
    console: { url: "https://app.intercom.com/a/apps/_/developer-hub", label: "Intercom Developer Hub" },
    fields: [
      {
        name: "region",
        label: "Data hosting region",
        help: "Where your Intercom workspace is hosted (Settings → Workspace → Data hosting).",
        input: "select",
        secret: false,
        options: [
          { value: "us", label: "United States" },
          { value: "eu", label: "Europe" },
          { value: "au", label: "Australia" },
        ],
      },
      {
        name: "access_token",
        label: "Access token",
        help: "Developer Hub → your app → Authentication → Access token.",
        input: "password",
        secret: true,
      },
      {
        name: "client_secret",
        label: "Client secret",
        help: "Developer Hub → your app → Basic information → Client secret. Intercom signs its webhooks with it.",
        input: "password",
        secret: true,
      },
      {
        name: "admin_id",
        label: "Sending admin id (optional)",
        help: "The numeric id of the Intercom admin messages and notes are sent as (Settings → Teammates). The connection test names yours.",
        input: "text",
        secret: false,
      },
    ],
    webhook:
      "In Developer Hub → your app → Webhooks, set the endpoint URL below and subscribe to the conversation topics. Intercom signs each notification with the app's client secret: paste it into “Client secret” above.",
  },
  {
    provider: "mixpanel",
    title: "Mixpanel",
    purpose: "Product usage is exported to and pulled from Mixpanel; cohorts synced to us become segments.",
    console: { url: "https://mixpanel.com/settings/org#serviceaccounts", label: "Mixpanel service accounts" },
    fields: [
      {
        name: "region",
        label: "Data residency",
        help: "Where the Mixpanel project's data lives (EU projects use Mixpanel's EU hosts).",
        input: "select",
        secret: false,
        options: [
          { value: "us", label: "United States" },
          { value: "eu", label: "European Union" },
        ],
      },
      { name: "project_id", label: "Project ID", help: "Project Settings → Overview → Project ID (digits only).", input: "text", secret: false },
      {
        name: "service_account_username",
        label: "Service account username",
        help: "Organization Settings → Service Accounts: create one with access to the project.",
        input: "text",
        secret: false,
      },
      {
        name: "service_account_secret",
        label: "Service account secret",
        help: "Shown once when the service account is created; create a new one if it is lost.",
        input: "password",
        secret: true,
      },
      {
        name: "project_token",
        label: "Project token (optional)",
        help: "Project Settings → Overview → Project Token; needed to update user profiles.",
        input: "password",
        secret: true,
      },
      {
        name: "webhook_username",
        label: "Webhook username",
        help: "The username Mixpanel's cohort-sync webhook sends us. Leave blank to have one generated.",
        input: "text",
        secret: false,
      },
      {
        name: "webhook_password",
        label: "Webhook password",
        help: "Generated here and shown once after saving; tick the box to replace it.",
        input: "password",
        secret: true,
        generated: true,
      },
    ],
    webhook:
      "In Mixpanel → Integrations → Custom Webhook, add a webhook with the URL below and HTTP Basic credentials: the webhook username above and the password this page generates (shown once, right after saving). Then sync cohorts to it.",
    generated: { username: "webhook_username", password: "webhook_password" },
  },
  {
    provider: "sendgrid",
    title: "SendGrid",
    purpose: "Campaigns, newsletters and one-off emails are sent through SendGrid; deliveries, opens, clicks and bounces come back.",
    console: { url: "https://app.sendgrid.com/settings/api_keys", label: "SendGrid API keys" },
    fields: [
      {
        name: "region",
        label: "Region",
        help: "Global (api.sendgrid.com) unless your key belongs to an EU regional subuser.",
        input: "select",
        secret: false,
        options: [
          { value: "global", label: "Global" },
          { value: "eu", label: "EU regional subuser" },
        ],
      },
      {
        name: "api_key",
        label: "API key",
        help: "Settings → API Keys → Create API Key with Mail Send access. It starts with SG. and is shown once.",
        input: "password",
        secret: true,
        placeholder: "SG.…",
      },
      {
        name: "from_email",
        label: "Sender email",
        help: "A sender verified in SendGrid (Settings → Sender Authentication).",
        input: "email",
        secret: false,
      },
      { name: "from_name", label: "Sender name (optional)", help: "Shown as the sender, e.g. Acme Customer Success.", input: "text", secret: false },
      {
        name: "sandbox_mode",
        label: "Sandbox mode (SendGrid validates but delivers nothing)",
        help: "For trying things out; untick to send for real.",
        input: "checkbox",
        secret: false,
      },
      {
        name: "webhook_public_key",
        label: "Webhook verification key",
        help: "Settings → Mail Settings → Event Webhook → enable Signed Event Webhook → Verification Key (base64).",
        input: "textarea",
        secret: false,
      },
    ],
    webhook:
      "In Settings → Mail Settings → Event Webhook, set the Post URL below, choose the delivery, open, click, bounce, spam report and unsubscribe events, and enable Signed Event Webhook. Paste its Verification Key into “Webhook verification key” above.",
  },
];

export function integrationSetupOf(provider: string): ProviderSetup | null {
  return INTEGRATION_SETUP.find((entry) => entry.provider === provider) ?? null;
}

/** The form field's name and element id for a provider's connection field (ids are unique across the cards). */
export function fieldId(provider: string, field: string): string {
  return `${provider}-${field}`;
}

/**
 * connect_integration's refusal as errors per form field. The tool reports a connection's
 * problems by path ("fields.subdomain", "fields" for the connection as a whole); each of the
 * provider's own fields gets its first problem, and the rest is said above the form. A refusal
 * without problems by field (an unknown provider, say) is its message.
 */
export function connectErrors(setup: ProviderSetup, refusal: { errors: Partial<Record<string, string>>; message: string }): { errors: Record<string, string>; rest: string | null } {
  const names = new Set(setup.fields.map((field) => field.name));
  const errors: Record<string, string> = {};
  const rest: string[] = [];
  const problems = Object.entries(refusal.errors).filter((entry): entry is [string, string] => typeof entry[1] === "string");
  if (problems.length === 0) return { errors, rest: refusal.message };
  for (const [path, problem] of problems) {
    const name = path.startsWith("fields.") ? path.slice("fields.".length).split(".")[0] : undefined;
    if (name !== undefined && names.has(name)) errors[fieldId(setup.provider, name)] ??= problem;
    else rest.push(path === "fields" || path === "form" ? problem : `${path}: ${problem}`);
  }
  return { errors, rest: rest.length ? rest.join(" ") : null };
}
