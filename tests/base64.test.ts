import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { decodeBase64, encodeBase64, encodeBase64Url } from "../src/http/base64";

describe("base64", () => {
  it("round-trips any bytes through both alphabets, padded and unpadded", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        const standard = encodeBase64(bytes);
        const url = encodeBase64Url(bytes);
        expect(url).toMatch(/^[A-Za-z0-9_-]*$/);
        expect(standard.length % 4).toBe(0);
        if (bytes.length > 0) {
          expect(decodeBase64(standard)).toEqual(bytes);
          expect(decodeBase64(url)).toEqual(bytes);
        }
      }),
    );
  });

  it("matches RFC 4648's test vectors", () => {
    const text = (value: string) => new TextEncoder().encode(value);
    expect(encodeBase64(text("foobar"))).toBe("Zm9vYmFy");
    expect(encodeBase64(text("fo"))).toBe("Zm8=");
    expect(encodeBase64Url(new Uint8Array([0xfb, 0xff]))).toBe("-_8");
    expect(encodeBase64(new Uint8Array([0xfb, 0xff]))).toBe("+/8=");
  });

  it("answers null for text that is not base64", () => {
    for (const bad of ["", "   ", "abc$", "Zm9v=Ym", "Zm9vY===", "é"]) expect(decodeBase64(bad), bad).toBeNull();
  });
});
