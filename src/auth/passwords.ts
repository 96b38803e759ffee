import { decodeBase64, encodeBase64 } from "../http/base64";

/**
 * Password hashing: PBKDF2-SHA256 through WebCrypto with a per-user salt. 100,000
 * iterations is the most the Workers runtime allows. Comparison is constant-time.
 */

export const PBKDF2_ITERATIONS = 100_000;
const HASH_BITS = 256;

export interface PasswordHash {
  hash: string;
  salt: string;
  iterations: number;
}

const encoder = new TextEncoder();

async function derive(password: string, salt: Uint8Array<ArrayBuffer>, iterations: number): Promise<Uint8Array> {
  const key = await crypto.subtle.importKey("raw", encoder.encode(password), "PBKDF2", false, ["deriveBits"]);
  const bits = await crypto.subtle.deriveBits({ name: "PBKDF2", hash: "SHA-256", salt, iterations }, key, HASH_BITS);
  return new Uint8Array(bits);
}

export async function hashPassword(password: string): Promise<PasswordHash> {
  const salt = crypto.getRandomValues(new Uint8Array(16));
  const hash = await derive(password, salt, PBKDF2_ITERATIONS);
  return { hash: encodeBase64(hash), salt: encodeBase64(salt), iterations: PBKDF2_ITERATIONS };
}

/** Constant-time equality of two byte strings of any length. */
export function timingSafeEqual(a: Uint8Array, b: Uint8Array): boolean {
  let difference = a.length ^ b.length;
  for (let i = 0; i < Math.max(a.length, b.length); i++) difference |= (a[i] ?? 0) ^ (b[i] ?? 0);
  return difference === 0;
}

export async function verifyPassword(password: string, stored: PasswordHash): Promise<boolean> {
  const salt = decodeBase64(stored.salt);
  const hash = decodeBase64(stored.hash);
  // A stored hash that is not base64 matches no password.
  if (!salt || !hash) return false;
  const candidate = await derive(password, salt, stored.iterations);
  return timingSafeEqual(candidate, hash);
}

/**
 * A hash to verify against when the email is unknown, so a login for a missing account
 * costs the same time as one for a real account and reveals nothing.
 */
let decoyHash: Promise<PasswordHash> | undefined;
export function decoyPasswordHash(): Promise<PasswordHash> {
  decoyHash ??= hashPassword(crypto.randomUUID());
  return decoyHash;
}
