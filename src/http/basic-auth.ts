import { decodeBase64 } from "./base64";

/** The credentials in an `Authorization: Basic …` header (RFC 7617); password is null when no colon separates one. */
export interface BasicCredentials {
  user: string;
  password: string | null;
}

/**
 * Reads `Basic <base64 of user:password>`, or says why it cannot: not the Basic scheme, not
 * base64 of UTF-8 text. Each reason completes a sentence whose subject is the header.
 */
export function basicCredentials(header: string): BasicCredentials | { problem: string } {
  const match = /^Basic\s+([A-Za-z0-9+/]+=*)$/i.exec(header.trim());
  if (!match?.[1]) return { problem: "is not HTTP Basic credentials (Basic <base64 of username:password>)" };
  const notText = { problem: "holds Basic credentials that are not valid base64 of UTF-8 text" };
  const bytes = decodeBase64(match[1]);
  if (!bytes) return notText;
  let decoded: string;
  try {
    decoded = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    return notText;
  }
  const colon = decoded.indexOf(":");
  return colon < 0 ? { user: decoded, password: null } : { user: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}
