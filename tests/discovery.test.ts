import { describe, expect, it } from "vitest";
import { ORIGIN, workerFetch } from "./support/worker";

describe("MCP authorization discovery", () => {
  it("answers an unauthenticated /mcp with 401 naming the resource metadata and the baseline scope", async () => {
    const response = await workerFetch(`${ORIGIN}/mcp`, { method: "POST", body: "{}" });
    expect(response.status).toBe(401);
    const challenge = response.headers.get("WWW-Authenticate") ?? "";
    expect(challenge).toContain(`resource_metadata="${ORIGIN}/.well-known/oauth-protected-resource/mcp"`);
    expect(challenge).toContain('scope="cs:read"');
  });

  it("publishes protected-resource metadata in the /mcp path form and the root form", async () => {
    const mcp = await (await workerFetch(`${ORIGIN}/.well-known/oauth-protected-resource/mcp`)).json<Record<string, unknown>>();
    expect(mcp.resource).toBe(`${ORIGIN}/mcp`);
    expect(mcp.authorization_servers).toEqual([ORIGIN]);
    const root = await (await workerFetch(`${ORIGIN}/.well-known/oauth-protected-resource`)).json<Record<string, unknown>>();
    expect(root.resource).toBe(ORIGIN);
    expect(root.authorization_servers).toEqual([ORIGIN]);
  });

  it("publishes RFC 8414 metadata with PKCE S256, registration, refresh and our scopes", async () => {
    const metadata = await (await workerFetch(`${ORIGIN}/.well-known/oauth-authorization-server`)).json<Record<string, unknown>>();
    expect(metadata.issuer).toBe(ORIGIN);
    expect(metadata.authorization_endpoint).toBe(`${ORIGIN}/authorize`);
    expect(metadata.token_endpoint).toBe(`${ORIGIN}/oauth/token`);
    expect(metadata.registration_endpoint).toBe(`${ORIGIN}/oauth/register`);
    expect(metadata.code_challenge_methods_supported).toEqual(["S256"]);
    expect(metadata.grant_types_supported).toContain("refresh_token");
    expect(metadata.scopes_supported).toEqual(["cs:read", "cs:write", "cs:admin"]);
    expect(metadata.client_id_metadata_document_supported).toBe(true);
  });

  it("follows the origin it is served from (another port, another loopback name)", async () => {
    for (const origin of ["http://localhost:9000", "http://127.0.0.1:8787"]) {
      const metadata = await (await workerFetch(`${origin}/.well-known/oauth-authorization-server`)).json<Record<string, unknown>>();
      expect(metadata.issuer).toBe(origin);
      const resource = await (await workerFetch(`${origin}/.well-known/oauth-protected-resource/mcp`)).json<Record<string, unknown>>();
      expect(resource.resource).toBe(`${origin}/mcp`);
    }
  });

  it("refuses a foreign Host header (DNS rebinding) on every path", async () => {
    for (const path of ["/mcp", "/", "/.well-known/oauth-authorization-server", "/oauth/token"]) {
      const response = await workerFetch(`${ORIGIN}${path}`, { headers: { Host: "attacker.example" } });
      expect(response.status, path).toBe(421);
    }
  });

  it("refuses a foreign browser Origin on /mcp and /api/v1", async () => {
    for (const path of ["/mcp", "/api/v1/clients"]) {
      const response = await workerFetch(`${ORIGIN}${path}`, { method: "POST", headers: { Origin: "https://attacker.example" }, body: "{}" });
      expect(response.status, path).toBe(403);
    }
  });

  it("explains on the start page what the product is and the exact MCP URL", async () => {
    const html = await (await workerFetch(`${ORIGIN}:9000/`)).text();
    expect(html).toContain("http://localhost:9000/mcp");
    expect(html).toContain("MCP Inspector");
  });
});
