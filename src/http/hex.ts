/**
 * Bytes as lowercase hex: what stored token digests, Mixpanel insert ids and generated
 * webhook credentials are written in. One copy, instead of one per caller.
 */

export function encodeHex(bytes: Uint8Array): string {
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, "0")).join("");
}

/** The hex SHA-256 of a text's UTF-8 bytes: how secrets we hand out are stored and looked up. */
export async function sha256Hex(text: string): Promise<string> {
  return encodeHex(new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text))));
}

/** `byteCount` random bytes as hex (generated usernames and passwords). */
export function randomHex(byteCount: number): string {
  return encodeHex(crypto.getRandomValues(new Uint8Array(byteCount)));
}
