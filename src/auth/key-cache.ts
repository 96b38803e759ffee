/**
 * WebCrypto keys imported once per isolate and then kept, keyed by the material they came
 * from: importing costs more than the HMAC or signature check it serves, and webhooks, forms
 * and survey links check many per second against the same few keys. A key that fails to import
 * is not kept, so a corrected secret is tried afresh.
 */
export function keyCache(importKey: (material: string) => Promise<CryptoKey>, limit = 500): (material: string) => Promise<CryptoKey> {
  const keys = new Map<string, Promise<CryptoKey>>();
  return (material) => {
    let key = keys.get(material);
    if (!key) {
      key = importKey(material);
      key.catch(() => keys.delete(material));
      if (keys.size >= limit) keys.clear();
      keys.set(material, key);
    }
    return key;
  };
}

/** An HMAC key for a secret given as text (signing and verifying). */
export function hmacKeyCache(hash: "SHA-1" | "SHA-256"): (secret: string) => Promise<CryptoKey> {
  return keyCache((secret) => crypto.subtle.importKey("raw", new TextEncoder().encode(secret), { name: "HMAC", hash }, false, ["sign", "verify"]));
}
