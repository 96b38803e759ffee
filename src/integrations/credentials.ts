import { decodeBase64, encodeBase64Url } from "../http/base64";

/**
 * Integration secrets at rest: AES-256-GCM under a key derived per tenant with HKDF-SHA-256
 * from the ENCRYPTION_KEY secret. The tenant id and provider are bound in as additional data,
 * so a sealed value copied to another tenant or provider does not open. A sealed value is
 * "v1.<key id>.<base64url iv>.<base64url ciphertext>"; the key id (first bytes of a hash of the
 * root key) lets a rotation tell which root key sealed what (docs/security.md).
 */

const VERSION = "v1";
const HKDF_SALT = new TextEncoder().encode("customer-success-mcp/integration-credentials/v1");

export class SealedValueError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "SealedValueError";
  }
}

/** A short, non-secret fingerprint of a root key. */
export async function rootKeyId(rootKey: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(`key-id:${rootKey}`));
  return encodeBase64Url(new Uint8Array(digest).slice(0, 6));
}

const derivedKeys = new Map<string, Promise<CryptoKey>>();

async function tenantKey(rootKey: string, tenantId: string): Promise<CryptoKey> {
  const cacheKey = `${await rootKeyId(rootKey)}:${tenantId}`;
  let key = derivedKeys.get(cacheKey);
  if (!key) {
    key = (async () => {
      const material = await crypto.subtle.importKey("raw", new TextEncoder().encode(rootKey), "HKDF", false, ["deriveKey"]);
      return crypto.subtle.deriveKey(
        { name: "HKDF", hash: "SHA-256", salt: HKDF_SALT, info: new TextEncoder().encode(`tenant:${tenantId}`) },
        material,
        { name: "AES-GCM", length: 256 },
        false,
        ["encrypt", "decrypt"],
      );
    })();
    derivedKeys.set(cacheKey, key);
  }
  return key;
}

function additionalData(tenantId: string, purpose: string): Uint8Array<ArrayBuffer> {
  return new Uint8Array(new TextEncoder().encode(`${tenantId}\n${purpose}`));
}

/** Seals a JSON-serializable value for one tenant and purpose (e.g. "integration:zendesk"). */
export async function seal(rootKey: string, tenantId: string, purpose: string, value: unknown): Promise<string> {
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const plaintext = new TextEncoder().encode(JSON.stringify(value));
  const key = await tenantKey(rootKey, tenantId);
  const ciphertext = await crypto.subtle.encrypt({ name: "AES-GCM", iv, additionalData: additionalData(tenantId, purpose) }, key, plaintext);
  return [VERSION, await rootKeyId(rootKey), encodeBase64Url(iv), encodeBase64Url(new Uint8Array(ciphertext))].join(".");
}

/** The key id a sealed value was made with, or null when it is not a sealed value. */
export function sealedKeyId(sealed: string): string | null {
  const parts = sealed.split(".");
  return parts.length === 4 && parts[0] === VERSION ? (parts[1] ?? null) : null;
}

/**
 * Opens a sealed value. Tries each root key whose id matches (the current one, then the
 * previous one during a rotation); throws SealedValueError without saying why in detail.
 */
export async function open(rootKeys: readonly string[], tenantId: string, purpose: string, sealed: string): Promise<unknown> {
  const [version, keyId, ivText, cipherText] = sealed.split(".");
  const iv = decodeBase64(ivText ?? "");
  const ciphertext = decodeBase64(cipherText ?? "");
  if (version !== VERSION || !keyId || !iv || !ciphertext) throw new SealedValueError("The stored credentials are not in a known format.");
  for (const rootKey of rootKeys) {
    if (!rootKey || (await rootKeyId(rootKey)) !== keyId) continue;
    try {
      const key = await tenantKey(rootKey, tenantId);
      const plaintext = await crypto.subtle.decrypt(
        { name: "AES-GCM", iv, additionalData: additionalData(tenantId, purpose) },
        key,
        ciphertext,
      );
      return JSON.parse(new TextDecoder().decode(plaintext));
    } catch {
      throw new SealedValueError("The stored credentials could not be opened (wrong key, tenant or provider).");
    }
  }
  throw new SealedValueError("The stored credentials were sealed with an encryption key this deployment does not have; reconnect the integration or restore ENCRYPTION_KEY_PREVIOUS.");
}

/** The root keys to open with: the current one, and the previous one while a rotation runs. */
export function rootKeys(env: { ENCRYPTION_KEY: string; ENCRYPTION_KEY_PREVIOUS?: string }): string[] {
  return env.ENCRYPTION_KEY_PREVIOUS ? [env.ENCRYPTION_KEY, env.ENCRYPTION_KEY_PREVIOUS] : [env.ENCRYPTION_KEY];
}

/** The last four characters of a secret, for showing which one is stored. */
export function lastFour(secret: string): string {
  return secret.length <= 4 ? "…" : `…${secret.slice(-4)}`;
}
