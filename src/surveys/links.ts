import { hmacKeyCache } from "../auth/key-cache";
import { encodeBase64Url } from "../http/base64";
import { sha256Hex } from "../http/hex";

/**
 * Survey links: `<origin>/survey/<tenant id>.<43 characters>`. The second part is an
 * HMAC-SHA-256 of the recipient's id under the ENCRYPTION_KEY secret, computed when the email is
 * handed to SendGrid; only the SHA-256 of the whole token is stored, so neither the database nor
 * an export holds a working link. The tenant comes from the token alone.
 */

const TOKEN = /^(t_[0-9a-f]{32})\.([A-Za-z0-9_-]{43})$/;

const macKey = hmacKeyCache("SHA-256");

/** The token of one recipient's link. */
export async function surveyToken(rootKey: string, tenantId: string, recipientId: string): Promise<string> {
  const mac = await crypto.subtle.sign("HMAC", await macKey(rootKey), new TextEncoder().encode(`survey-link\n${tenantId}\n${recipientId}`));
  return `${tenantId}.${encodeBase64Url(new Uint8Array(mac))}`;
}

/** What is stored and looked up: the hex SHA-256 of the token. */
export function surveyTokenHash(token: string): Promise<string> {
  return sha256Hex(token);
}

/** The tenant a token names, or null when it is not shaped like one. */
export function tenantOfSurveyToken(token: string): string | null {
  return TOKEN.exec(token)?.[1] ?? null;
}
