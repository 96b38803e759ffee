import { z } from "zod";
import { subdomainProblem, pinnedOrigin } from "../hosts";
import { basicAuth, ProviderError } from "../http";
import type { ConnectionFields } from "../provider";

/**
 * A Zendesk connection: the account's subdomain (pinned to zendesk.com, SSRF-safe), how we
 * authenticate (an agent's email plus an API token, or an OAuth access token) and the signing
 * secret of the webhook Zendesk posts to us. The tokens and the signing secret are sealed.
 */

export const ZENDESK_DOMAIN = "zendesk.com";

const FIELDS: readonly string[] = ["subdomain", "auth", "email", "api_token", "oauth_access_token", "webhook_signing_secret"];

export const secretFields = ["api_token", "oauth_access_token", "webhook_signing_secret"] as const;

const secret = (field: string, fix: string) =>
  z
    .string({ error: `${field}: expected a string; ${fix}` })
    .trim()
    .min(8, { error: `${field}: too short to be a Zendesk secret; ${fix}` })
    .max(512, { error: `${field}: longer than 512 characters; paste only the secret itself.` });

const shape = z
  .strictObject(
    {
      subdomain: z
        .string({ error: "subdomain: required, the first part of your Zendesk URL (acme for acme.zendesk.com)." })
        .trim()
        .superRefine((value, ctx) => {
          const problem = subdomainProblem(value);
          if (problem) ctx.addIssue({ code: "custom", message: `subdomain ${problem}.` });
        }),
      auth: z.enum(["api_token", "oauth"], { error: 'auth: use "api_token" (agent email + API token) or "oauth" (an OAuth access token).' }).default("api_token"),
      email: z.email({ error: "email: the email address of the Zendesk agent or admin who owns the API token, e.g. admin@acme.com." }).optional(),
      api_token: secret("api_token", "create one in Zendesk Admin Center → Apps and integrations → APIs → Zendesk API.").optional(),
      oauth_access_token: secret("oauth_access_token", "use the access token of a Zendesk OAuth client with read and write scope.").optional(),
      webhook_signing_secret: secret("webhook_signing_secret", "copy it from Admin Center → Apps and integrations → Webhooks → your webhook → Signing secret.").optional(),
    },
    {
      error: (issue) =>
        issue.code === "unrecognized_keys"
          ? `${issue.keys.join(", ")}: not a Zendesk connection field; use subdomain, auth, email, api_token, oauth_access_token, webhook_signing_secret.`
          : "connection: expected an object with subdomain, auth, email, api_token, oauth_access_token, webhook_signing_secret.",
    },
  )
  .superRefine((value, ctx) => {
    if (value.auth === "api_token") {
      if (!value.email) ctx.addIssue({ code: "custom", path: ["email"], message: "email: required with auth api_token: the Zendesk agent's email address the token belongs to." });
      if (!value.api_token) ctx.addIssue({ code: "custom", path: ["api_token"], message: "api_token: required with auth api_token; create one in Admin Center → Apps and integrations → APIs → Zendesk API." });
    } else if (!value.oauth_access_token) {
      ctx.addIssue({ code: "custom", path: ["oauth_access_token"], message: "oauth_access_token: required with auth oauth; or use auth api_token with email and api_token." });
    }
  });

export type ZendeskConnection = z.output<typeof shape>;

/** Drops absent optional fields so the parsed value is plain JSON. */
export const connectionSchema: z.ZodType<ConnectionFields> = shape.transform((value) => {
  const out: ConnectionFields = { subdomain: value.subdomain, auth: value.auth };
  for (const key of ["email", "api_token", "oauth_access_token", "webhook_signing_secret"] as const) {
    const field = value[key];
    if (field !== undefined) out[key] = field;
  }
  return out;
});

/** The typed connection out of stored fields; a broken stored connection is a non-retryable refusal. */
export function readConnection(fields: ConnectionFields): ZendeskConnection {
  // Only our fields: whatever else the store keeps beside them is not ours to refuse.
  const known = Object.fromEntries(Object.entries(fields).filter(([key]) => FIELDS.includes(key)));
  const parsed = shape.safeParse(known);
  if (!parsed.success) {
    const message = parsed.error.issues.map((issue) => issue.message).join(" ");
    throw new ProviderError(`The Zendesk connection is incomplete: ${message} Reconnect Zendesk with connect_integration.`, 0, false);
  }
  return parsed.data;
}

/** https://<subdomain>.zendesk.com/api/v2, the subdomain checked again (never trust stored values). */
export function baseUrlOf(connection: Pick<ZendeskConnection, "subdomain">): string {
  return `${pinnedOrigin(connection.subdomain, ZENDESK_DOMAIN)}/api/v2`;
}

/** The Authorization header: Basic "{email}/token:{api_token}" or Bearer. */
export function authorizationOf(connection: ZendeskConnection): string {
  if (connection.auth === "oauth") return `Bearer ${connection.oauth_access_token ?? ""}`;
  return basicAuth(`${connection.email ?? ""}/token`, connection.api_token ?? "");
}
