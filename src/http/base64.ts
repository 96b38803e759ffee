/**
 * Bytes as base64 text and back (RFC 4648): WebCrypto works in bytes, while headers, cookies,
 * tokens and stored secrets are text. One copy, instead of one per caller.
 */

function binaryString(bytes: Uint8Array): string {
  // One character per byte; a loop, not String.fromCharCode(...bytes), so large inputs cannot overflow the stack.
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return binary;
}

/** Standard base64 with padding (§4). */
export function encodeBase64(bytes: Uint8Array): string {
  return btoa(binaryString(bytes));
}

/** URL- and filename-safe base64 without padding (§5): for tokens in URLs and cookies. */
export function encodeBase64Url(bytes: Uint8Array): string {
  return encodeBase64(bytes).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}

/** Decodes standard or URL-safe base64, padding optional; null when the text is not base64. */
export function decodeBase64(text: string): Uint8Array<ArrayBuffer> | null {
  const clean = text.trim().replaceAll("-", "+").replaceAll("_", "/");
  if (clean.length === 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(clean)) return null;
  try {
    const binary = atob(clean);
    const bytes = new Uint8Array(binary.length);
    for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
    return bytes;
  } catch {
    return null;
  }
}
