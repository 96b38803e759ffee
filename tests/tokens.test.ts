import { afterEach, describe, expect, it, vi } from "vitest";
import { exchange } from "../scripts/lib/oauth-flow";
import { ACCESS_TOKEN_TTL_SECONDS } from "../src/auth/oauth";
import { apiCall, callTool, mcpCall, newWorkspace, ORIGIN, tokenFor, workerFetch } from "./support/worker";

function expectDiscoveryChallenge(response: Response, metadataPath: string): void {
  expect(response.status).toBe(401);
  expect(response.headers.get("WWW-Authenticate") ?? "").toContain(`resource_metadata="${ORIGIN}${metadataPath}"`);
}

afterEach(() => {
  vi.useRealTimers();
});

describe("access tokens", () => {
  it("answers a missing or malformed token with 401 and the discovery header", async () => {
    expectDiscoveryChallenge((await mcpCall(null, { jsonrpc: "2.0", id: 1, method: "tools/list" })).response, "/.well-known/oauth-protected-resource/mcp");
    expectDiscoveryChallenge((await mcpCall("not:a:token", { jsonrpc: "2.0", id: 1, method: "tools/list" })).response, "/.well-known/oauth-protected-resource/mcp");
    expectDiscoveryChallenge(await apiCall("garbage", "/api/v1/clients"), "/.well-known/oauth-protected-resource");
  });

  it("refuses a token issued for the other resource (wrong audience)", async () => {
    const workspace = await newWorkspace();
    const mcpToken = (await tokenFor(workspace)).access_token;
    const apiToken = (await tokenFor(workspace, { resource: ORIGIN })).access_token;
    expect((await apiCall(apiToken, "/api/v1/clients")).status).toBe(200);
    expectDiscoveryChallenge(await apiCall(mcpToken, "/api/v1/clients"), "/.well-known/oauth-protected-resource");
    expectDiscoveryChallenge((await mcpCall(apiToken, { jsonrpc: "2.0", id: 1, method: "tools/list" })).response, "/.well-known/oauth-protected-resource/mcp");
  });

  it("refuses a revoked token", async () => {
    const workspace = await newWorkspace();
    const tokens = await tokenFor(workspace);
    expect((await callTool(tokens.access_token, "list_clients", {})).response.status).toBe(200);
    const revoked = await workerFetch(`${ORIGIN}/oauth/token`, {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ token: tokens.access_token, token_type_hint: "access_token", client_id: tokens.client_id }),
    });
    expect(revoked.status).toBe(200);
    expectDiscoveryChallenge((await mcpCall(tokens.access_token, { jsonrpc: "2.0", id: 1, method: "tools/list" })).response, "/.well-known/oauth-protected-resource/mcp");
  });

  it("refuses an expired token", async () => {
    const workspace = await newWorkspace();
    const tokens = await tokenFor(workspace);
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(Date.now() + (ACCESS_TOKEN_TTL_SECONDS + 60) * 1000);
    expectDiscoveryChallenge((await mcpCall(tokens.access_token, { jsonrpc: "2.0", id: 1, method: "tools/list" })).response, "/.well-known/oauth-protected-resource/mcp");
  });

  it("rotates refresh tokens: the new access token works and carries the same tenant", async () => {
    const workspace = await newWorkspace("Refresh Co");
    const first = await tokenFor(workspace);
    expect(first.refresh_token).toBeTruthy();
    await callTool(first.access_token, "register_client", { client_name: "Before Refresh", company_name: "BR" });
    const second = await exchange(ORIGIN, workerFetch, { grant_type: "refresh_token", refresh_token: first.refresh_token ?? "", client_id: first.client_id });
    expect(second.access_token).not.toBe(first.access_token);
    expect(second.refresh_token).not.toBe(first.refresh_token);
    const list = await callTool(second.access_token, "list_clients", { search: "Before Refresh" });
    expect((list.result?.structuredContent?.summary as { total_count: number }).total_count).toBe(1);
  });
});
