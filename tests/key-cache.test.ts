import { describe, expect, it } from "vitest";
import { hmacKeyCache, keyCache } from "../src/auth/key-cache";

describe("keyCache", () => {
  it("imports each material once, and forgets one whose import failed so a corrected one is tried again", async () => {
    const imported: string[] = [];
    const cached = keyCache(async (material) => {
      imported.push(material);
      if (material === "broken") throw new Error("not a key");
      return crypto.subtle.importKey("raw", new TextEncoder().encode(material), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
    });
    const [first, second] = await Promise.all([cached("secret-a"), cached("secret-a")]);
    expect(first).toBe(second);
    await cached("secret-b");
    await expect(cached("broken")).rejects.toThrow("not a key");
    await expect(cached("broken")).rejects.toThrow("not a key");
    expect(imported).toEqual(["secret-a", "secret-b", "broken", "broken"]);
  });

  it("starts afresh past its limit", async () => {
    let imports = 0;
    const cached = keyCache(async (material) => {
      imports += 1;
      return crypto.subtle.importKey("raw", new TextEncoder().encode(material), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
    }, 2);
    await cached("a");
    await cached("b");
    await cached("a");
    expect(imports).toBe(2);
    await cached("c"); // over the limit: the cache is cleared, then holds c
    await cached("a");
    expect(imports).toBe(4);
  });

  it("gives HMAC keys that sign as a freshly imported key does", async () => {
    const key = await hmacKeyCache("SHA-256")("webhook-secret");
    const fresh = await crypto.subtle.importKey("raw", new TextEncoder().encode("webhook-secret"), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
    const data = new TextEncoder().encode("2026-11-22T20:00:00Z{}");
    expect(new Uint8Array(await crypto.subtle.sign("HMAC", key, data))).toEqual(new Uint8Array(await crypto.subtle.sign("HMAC", fresh, data)));
    expect(await crypto.subtle.verify("HMAC", key, await crypto.subtle.sign("HMAC", fresh, data), data)).toBe(true);
  });
});
