import type { ValidatedAccessToken } from "@cloudflare/workers-oauth-provider";
import { describe, expect, it } from "vitest";
import { memoizeTokenValidation, TOKEN_MEMO_MS } from "../src/auth/token-memo";

function validation(expiresAtSeconds: number): ValidatedAccessToken<{ tenantId: string }> {
  return { props: { tenantId: "t1" }, audience: "https://cs.example/mcp", expiresAt: expiresAtSeconds, scope: ["cs:read"], userId: "u1", clientId: "c1" };
}

describe("the per-isolate token memo", () => {
  it("asks the authorization server once per token and resource within the window, then again", async () => {
    let clock = 1_000_000;
    const asked: string[] = [];
    const memo = memoizeTokenValidation(async (resource, token) => {
      asked.push(`${resource} ${token}`);
      return validation(clock / 1000 + 3600);
    }, () => clock);
    await memo.validate("https://cs.example/mcp", "tok-a");
    await memo.validate("https://cs.example/mcp", "tok-a");
    await memo.validate("https://cs.example", "tok-a"); // another resource is another question
    expect(asked).toEqual(["https://cs.example/mcp tok-a", "https://cs.example tok-a"]);
    clock += TOKEN_MEMO_MS;
    await memo.validate("https://cs.example/mcp", "tok-a");
    expect(asked).toHaveLength(3);
  });

  it("never remembers a token past its expiry, nor a refusal, and forgets everything on clear", async () => {
    let clock = 1_000_000;
    let answer: ValidatedAccessToken<{ tenantId: string }> | null = validation(clock / 1000 + 1); // expires in 1 s
    let asks = 0;
    const memo = memoizeTokenValidation(async () => {
      asks++;
      return answer;
    }, () => clock);
    expect(await memo.validate("r", "tok")).not.toBeNull();
    clock += 1_000; // expired, although the memo window is longer
    answer = null;
    expect(await memo.validate("r", "tok")).toBeNull();
    expect(await memo.validate("r", "tok")).toBeNull();
    expect(asks).toBe(3); // refusals are asked again every time

    answer = validation(clock / 1000 + 3600);
    await memo.validate("r", "tok");
    memo.clear();
    answer = null;
    expect(await memo.validate("r", "tok")).toBeNull();
  });
});
