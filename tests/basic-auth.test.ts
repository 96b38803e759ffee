import { describe, expect, it } from "vitest";
import { basicCredentials } from "../src/http/basic-auth";
import { encodeBase64 } from "../src/http/base64";

function basic(text: string): string {
  return `Basic ${encodeBase64(new TextEncoder().encode(text))}`;
}

describe("basicCredentials", () => {
  it("splits user and password at the first colon, in any scheme case, password colons kept", () => {
    expect(basicCredentials(basic("mixpanel:s3cret"))).toEqual({ user: "mixpanel", password: "s3cret" });
    expect(basicCredentials(basic("user:pa:ss"))).toEqual({ user: "user", password: "pa:ss" });
    expect(basicCredentials(`basic ${btoa("key:")}`)).toEqual({ user: "key", password: "" });
    expect(basicCredentials(basic("zoë:pässword"))).toEqual({ user: "zoë", password: "pässword" });
  });

  it("gives a null password when no colon separates one", () => {
    expect(basicCredentials(basic("csk_only-a-key"))).toEqual({ user: "csk_only-a-key", password: null });
  });

  it("says why a header is not usable", () => {
    expect(basicCredentials("Bearer abc")).toEqual({ problem: expect.stringContaining("not HTTP Basic") });
    expect(basicCredentials("Basic %%%")).toEqual({ problem: expect.stringContaining("not HTTP Basic") });
    expect(basicCredentials("Basic a")).toEqual({ problem: expect.stringContaining("not valid base64 of UTF-8 text") });
    expect(basicCredentials(`Basic ${encodeBase64(new Uint8Array([0xff, 0xfe]))}`)).toEqual({ problem: expect.stringContaining("not valid base64 of UTF-8 text") });
  });
});
