import type { ValidatedAccessToken } from "@cloudflare/workers-oauth-provider";

/**
 * Remembers, per isolate and for a few seconds, which bearer tokens the authorization server
 * validated. A client calling tools in a burst sends the same token every time, and each check
 * costs a KV read, a key derivation, a key unwrap and a decryption in the OAuth library (≈ 8 %
 * of an MCP call's CPU; docs/benchmarks.md). The trade-off: a token revoked at the
 * authorization server keeps working in an isolate that validated it for at most
 * TOKEN_MEMO_MS (a revocation served by this isolate clears its memo at once); expiry is
 * still honoured exactly. Only successful validations are kept.
 */

export const TOKEN_MEMO_MS = 5_000;
const MAX_ENTRIES = 1_000;

export type Validate<T> = (resource: string, token: string) => Promise<ValidatedAccessToken<T> | null>;

export interface TokenMemo<T> {
  validate: Validate<T>;
  /** Forgets everything: called when this isolate serves a revocation. */
  clear(): void;
}

interface Remembered<T> {
  validation: ValidatedAccessToken<T>;
  until: number;
}

export function memoizeTokenValidation<T>(validate: Validate<T>, now: () => number = Date.now): TokenMemo<T> {
  const remembered = new Map<string, Remembered<T>>();
  const memoized: Validate<T> = async (resource, token) => {
    const key = `${resource} ${token}`;
    const hit = remembered.get(key);
    if (hit && hit.until > now()) return hit.validation;
    if (hit) remembered.delete(key);
    const validation = await validate(resource, token);
    if (validation) {
      // expiresAt is in seconds: never remember a token past its own expiry.
      const until = Math.min(now() + TOKEN_MEMO_MS, validation.expiresAt * 1000);
      if (remembered.size >= MAX_ENTRIES) {
        const oldest = remembered.keys().next();
        if (!oldest.done) remembered.delete(oldest.value);
      }
      remembered.set(key, { validation, until });
    }
    return validation;
  };
  return { validate: memoized, clear: () => remembered.clear() };
}
