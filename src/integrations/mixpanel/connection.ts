import { z } from "zod";
import { randomHex } from "../../http/hex";
import type { ConnectionFields } from "../provider";

/**
 * A Mixpanel connection: a service account (Basic username:secret) and the project it may
 * import into and query, the project token for /engage, the data residency region, and the
 * HTTP Basic credentials Mixpanel's cohort-sync webhook must present to us (generated here
 * when the admin gives none). Nothing tenant-supplied becomes part of a host name: the region
 * is an enum mapped to Mixpanel's own hosts, the project id is digits only (SSRF).
 */

export const MIXPANEL_REGIONS = ["us", "eu"] as const;
export type MixpanelRegion = (typeof MIXPANEL_REGIONS)[number];

/** Ingestion (/import, /engage) and query (/api/query, /api/app) origins per region. */
export const MIXPANEL_ORIGINS: Record<MixpanelRegion, { ingestion: string; query: string }> = {
  us: { ingestion: "https://api.mixpanel.com", query: "https://mixpanel.com" },
  eu: { ingestion: "https://api-eu.mixpanel.com", query: "https://eu.mixpanel.com" },
};

export const MIXPANEL_SECRET_FIELDS = ["service_account_secret", "project_token", "webhook_password"] as const;

const required = (field: string, fix: string) =>
  z
    .string({ error: `${field} is required: ${fix}` })
    .trim()
    .min(1, { error: `${field} is required: ${fix}` });

export const mixpanelConnectionSchema = z.object({
  region: z.enum(MIXPANEL_REGIONS, { error: 'region must be "us" or "eu" (the data residency of your Mixpanel project; EU projects use api-eu.mixpanel.com)' }).default("us"),
  project_id: z
    .string({ error: "project_id is required: the number in Project Settings → Overview → Project ID" })
    .trim()
    .regex(/^\d{1,20}$/, { error: "project_id must be the numeric Project ID from Project Settings → Overview (digits only)" }),
  service_account_username: required("service_account_username", "create a service account in Organization Settings → Service Accounts and paste its username").max(200, {
    error: "service_account_username is longer than any Mixpanel service account username; paste the username, not the whole credential",
  }),
  service_account_secret: required("service_account_secret", "paste the secret shown once when the service account was created (create a new one if it is lost)").max(200, {
    error: "service_account_secret is too long; paste only the secret",
  }),
  project_token: z
    .string()
    .trim()
    .regex(/^[A-Za-z0-9]{8,64}$/, { error: "project_token must be the Project Token from Project Settings → Overview (letters and digits); it is needed to update profiles" })
    .optional(),
  webhook_username: z
    .string()
    .trim()
    .regex(/^[A-Za-z0-9._-]{3,64}$/, { error: "webhook_username may hold 3–64 letters, digits, dots, hyphens and underscores; leave it out to have one generated" })
    .default(() => `mixpanel-${randomHex(4)}`),
  webhook_password: z
    .string()
    .min(16, { error: "webhook_password must be at least 16 characters; leave it out to have a strong one generated" })
    .max(200, { error: "webhook_password must be at most 200 characters" })
    .default(() => randomHex(24)),
});

export type MixpanelConnection = z.infer<typeof mixpanelConnectionSchema>;

/** The connection's fields, parsed again (the stored ones were valid when connected). */
export function mixpanelConnection(fields: ConnectionFields): MixpanelConnection {
  return mixpanelConnectionSchema.parse(fields);
}

export function mixpanelOrigins(region: MixpanelRegion): { ingestion: string; query: string } {
  return MIXPANEL_ORIGINS[region];
}
