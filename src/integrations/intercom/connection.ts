import { z } from "zod";
import { ProviderError } from "../http";
import type { ConnectionFields } from "../provider";

/**
 * An Intercom connection: the workspace's region (which pins the API host), an access token
 * from a private app in the Developer Hub, the app's client secret (Intercom signs webhooks
 * with it) and, optionally, the admin that messages and notes are sent as.
 *
 * The host comes only from the fixed table below, never from tenant text, so a connection can
 * never point our calls anywhere but Intercom's own API hosts (SSRF).
 */

export const INTERCOM_REGIONS = ["us", "eu", "au"] as const;
export type IntercomRegion = (typeof INTERCOM_REGIONS)[number];

const HOSTS: Record<IntercomRegion, string> = {
  us: "api.intercom.io",
  eu: "api.eu.intercom.io",
  au: "api.au.intercom.io",
};

/** The pinned API version: request and response shapes are read as of this version. */
export const INTERCOM_VERSION = "2.14";

/** https://api[.eu|.au].intercom.io for a region. */
export function intercomBaseUrl(region: IntercomRegion): string {
  return `https://${HOSTS[region]}`;
}

/** A secret pasted into a header or a key: no spaces, no line breaks, printable ASCII only. */
function secret(field: string, what: string) {
  return z
    .string({ error: `${field} is required: ${what}` })
    .trim()
    .min(10, `${field} looks too short: paste the whole value (${what})`)
    .max(500, `${field} is too long: paste only the value (${what})`)
    .regex(/^[\x21-\x7e]+$/, `${field} may not contain spaces, line breaks or non-ASCII characters: paste only the value (${what})`);
}

export const intercomConnection = z
  .object({
    region: z
      .enum(INTERCOM_REGIONS, { error: "region must be us, eu or au: the data-hosting region of your Intercom workspace (Settings > Workspace > Data hosting)" })
      .default("us"),
    access_token: secret("access_token", "Developer Hub > your app > Authentication > Access token"),
    client_secret: secret("client_secret", "Developer Hub > your app > Basic information > Client secret; Intercom signs webhooks with it").optional(),
    admin_id: z
      .string({ error: "admin_id must be a string of digits: the id of the Intercom admin who sends messages and notes" })
      .trim()
      .regex(/^\d{1,20}$/, "admin_id must be the numeric id of an Intercom admin (Settings > Teammates, or GET /admins); leave it out to pass one per message")
      .optional(),
  });

export type IntercomConnection = z.infer<typeof intercomConnection>;

export const INTERCOM_SECRET_FIELDS = ["access_token", "client_secret"] as const;

/** The connection schema as the registry sees it (every field is plain JSON). */
export const connectionSchema = intercomConnection as unknown as z.ZodType<ConnectionFields>;

/** Parses an opened connection; a bad one is a refusal no retry fixes, and its message names the field and the fix. */
export function readConnection(fields: ConnectionFields): IntercomConnection {
  const parsed = intercomConnection.safeParse(fields);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ProviderError(`Intercom connection: ${issue?.message ?? "invalid"}; reconnect Intercom.`, 0, false);
  }
  return parsed.data;
}
