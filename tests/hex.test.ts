import { describe, expect, it } from "vitest";
import { encodeHex, randomHex, sha256Hex } from "../src/http/hex";

describe("hex", () => {
  it("writes each byte as two lowercase digits, leading zeros kept", () => {
    expect(encodeHex(new Uint8Array([0, 1, 15, 16, 171, 255]))).toBe("00010f10abff");
    expect(encodeHex(new Uint8Array())).toBe("");
  });

  it("hashes the text's UTF-8 bytes with SHA-256 (FIPS 180-2 test vector, and a non-ASCII text)", async () => {
    expect(await sha256Hex("abc")).toBe("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    // "é" is two bytes in UTF-8 (c3 a9); hashing its UTF-16 code unit would give another digest.
    expect(await sha256Hex("é")).toBe(encodeHex(new Uint8Array(await crypto.subtle.digest("SHA-256", new Uint8Array([0xc3, 0xa9])))));
  });

  it("gives fresh random bytes of the length asked for", () => {
    const first = randomHex(24);
    expect(first).toMatch(/^[0-9a-f]{48}$/);
    expect(randomHex(24)).not.toBe(first);
    expect(randomHex(4)).toHaveLength(8);
  });
});
