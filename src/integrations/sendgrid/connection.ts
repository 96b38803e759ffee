import { z } from "zod";
import type { ConnectionFields } from "../provider";
import { decodeBase64 } from "../../http/base64";

/**
 * A SendGrid connection: the API key (sealed), the region whose API host it belongs to, the
 * verified sender mail goes out from, whether to send in sandbox mode, and the Signed Event
 * Webhook's verification key. The API host comes from a fixed table keyed by region, so no
 * tenant-supplied text ever becomes part of a URL (SSRF).
 */

export const SENDGRID_REGIONS = ["global", "eu"] as const;
export type SendgridRegion = (typeof SENDGRID_REGIONS)[number];

/** The only hosts the client calls: https, SendGrid's own domain, chosen by region. */
export const SENDGRID_ORIGINS: Record<SendgridRegion, string> = {
  global: "https://api.sendgrid.com",
  eu: "https://api.eu.sendgrid.com",
};

/** DER prefix of every P-256 SubjectPublicKeyInfo (id-ecPublicKey, prime256v1, 65-byte point). */
const P256_SPKI_PREFIX = [
  0x30, 0x59, 0x30, 0x13, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01, 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07, 0x03, 0x42, 0x00,
];

/** Null when the text is a base64 P-256 public key (SPKI) as SendGrid shows it; otherwise what is wrong. */
export function publicKeyProblem(text: string): string | null {
  const stripped = text.replace(/-----(BEGIN|END) PUBLIC KEY-----/g, "").replace(/\s+/g, "");
  const bytes = decodeBase64(stripped);
  if (!bytes) return "is not base64; copy the Verification Key from Settings → Mail Settings → Event Webhook → Signature Verification";
  if (bytes.length !== 91 || P256_SPKI_PREFIX.some((byte, i) => bytes[i] !== byte) || bytes[26] !== 0x04) {
    return "is not a P-256 (ECDSA) public key; paste the Verification Key SendGrid shows after enabling Signed Event Webhook";
  }
  return null;
}

/** The key as stored: base64 of the SPKI bytes, without PEM armour or whitespace. */
export function normalizePublicKey(text: string): string {
  return text.replace(/-----(BEGIN|END) PUBLIC KEY-----/g, "").replace(/\s+/g, "");
}

const email = z
  .string({ error: "from_email: required; give the verified sender address mail goes out from, e.g. success@acme.com" })
  .trim()
  .toLowerCase()
  .pipe(z.email({ error: "from_email: is not an email address; give a sender verified in SendGrid (Settings → Sender Authentication)" }));

export const connectionSchema = z.object({
  region: z
    .enum(SENDGRID_REGIONS, { error: 'region: must be "global" (api.sendgrid.com) or "eu" (api.eu.sendgrid.com, for EU regional subusers)' })
    .default("global"),
  api_key: z
    .string({ error: "api_key: required; create one in SendGrid under Settings → API Keys with Mail Send access" })
    .trim()
    .regex(/^SG\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/, {
      error: "api_key: is not a SendGrid API key (they start with SG. and have two dot-separated parts); copy the whole key shown once when it was created",
    }),
  from_email: email,
  from_name: z
    .string({ error: "from_name: must be text, e.g. Acme Customer Success" })
    .trim()
    .max(100, { error: "from_name: at most 100 characters" })
    .nullable()
    .default(null),
  sandbox_mode: z.boolean({ error: "sandbox_mode: must be true or false (true: SendGrid validates but delivers nothing)" }).default(false),
  webhook_public_key: z
    .string({ error: "webhook_public_key: must be text: the base64 Verification Key of the Signed Event Webhook" })
    .superRefine((value, ctx) => {
      const problem = publicKeyProblem(value);
      if (problem) ctx.addIssue({ code: "custom", message: `webhook_public_key: ${problem}` });
    })
    .transform(normalizePublicKey)
    .nullable()
    .default(null),
});

export type SendgridConnection = z.infer<typeof connectionSchema>;

/** Sealed and never shown back (only its last four characters). */
export const secretFields = ["api_key"] as const;

/** Opens a stored connection's fields; throws with the field named when they do not parse. */
export function sendgridConnection(fields: ConnectionFields): SendgridConnection {
  const parsed = connectionSchema.safeParse(fields);
  if (!parsed.success) throw new Error(parsed.error.issues.map((issue) => issue.message).join("; "));
  return parsed.data;
}

/** https://api.sendgrid.com or https://api.eu.sendgrid.com, from the region alone. */
export function sendgridOrigin(connection: Pick<SendgridConnection, "region">): string {
  return SENDGRID_ORIGINS[connection.region];
}
