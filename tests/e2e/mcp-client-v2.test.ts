/**
 * The MCP TypeScript SDK v2 client (@modelcontextprotocol/client) against the real local
 * server: the same interactive OAuth flow as v1 from only <origin>/mcp, but finishing with
 * the callback's parameters, so the SDK checks the RFC 9207 `iss` the server sends.
 */
import {
  Client,
  StreamableHTTPClientTransport,
  UnauthorizedError,
  type OAuthClientMetadata,
  type OAuthClientProvider,
  type OAuthDiscoveryState,
  type StoredOAuthClientInformation,
  type StoredOAuthTokens,
} from "@modelcontextprotocol/client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser } from "../../scripts/lib/oauth-flow";
import { startLocalServer, type LocalServer } from "../../scripts/lib/local-server";
import { approveInBrowser, CORE_TOOLS, field, isRecord, LOOPBACK_REDIRECT, signedUpBrowser, text, toolFailure, type ConsentOutcome } from "./helpers";

/** The v2 OAuthClientProvider, in memory, with a signed-in Browser as the user agent. */
class BrowserBackedProvider implements OAuthClientProvider {
  readonly redirectUrl = LOOPBACK_REDIRECT;
  readonly clientMetadata: OAuthClientMetadata = {
    client_name: "E2E SDK v2 client",
    redirect_uris: [LOOPBACK_REDIRECT],
    grant_types: ["authorization_code", "refresh_token"],
    response_types: ["code"],
    token_endpoint_auth_method: "none",
  };
  readonly authorizationUrls: URL[] = [];
  readonly expectedState = crypto.randomUUID();
  consent?: ConsentOutcome;
  savedClient?: StoredOAuthClientInformation;
  savedTokens?: StoredOAuthTokens;
  savedDiscovery?: OAuthDiscoveryState;
  private verifier?: string;
  private readonly browser: Browser;
  private readonly grant: readonly string[];

  constructor(browser: Browser, grant: readonly string[]) {
    this.browser = browser;
    this.grant = grant;
  }

  state(): string {
    return this.expectedState;
  }

  // One server, one credential set: the issuer context the SDK passes is not needed to key them.
  clientInformation(): StoredOAuthClientInformation | undefined {
    return this.savedClient;
  }

  saveClientInformation(information: StoredOAuthClientInformation): void {
    this.savedClient = information;
  }

  tokens(): StoredOAuthTokens | undefined {
    return this.savedTokens;
  }

  saveTokens(tokens: StoredOAuthTokens): void {
    this.savedTokens = tokens;
  }

  saveCodeVerifier(verifier: string): void {
    this.verifier = verifier;
  }

  codeVerifier(): string {
    if (!this.verifier) throw new Error("no code verifier saved");
    return this.verifier;
  }

  // Kept like the verifier, so the SDK can bind the callback to the authorization server it discovered.
  saveDiscoveryState(state: OAuthDiscoveryState): void {
    this.savedDiscovery = state;
  }

  discoveryState(): OAuthDiscoveryState | undefined {
    return this.savedDiscovery;
  }

  async redirectToAuthorization(authorizationUrl: URL): Promise<void> {
    this.authorizationUrls.push(authorizationUrl);
    this.consent = await approveInBrowser(this.browser, authorizationUrl, this.grant);
  }
}

let server: LocalServer;
let provider: BrowserBackedProvider;
const client = new Client({ name: "e2e-sdk-v2", version: "1.0.0" });

beforeAll(async () => {
  server = await startLocalServer();
  const { browser } = await signedUpBrowser(server.origin, "SDK v2 Co");
  provider = new BrowserBackedProvider(browser, ["cs:read", "cs:write"]);
});

afterAll(async () => {
  await client.close().catch(() => undefined);
  await server?.stop();
});

describe("MCP client v2", () => {
  it("completes the whole OAuth flow given only the /mcp URL, then connects", async () => {
    const mcpUrl = new URL(`${server.origin}/mcp`);
    const first = new StreamableHTTPClientTransport(mcpUrl, { authProvider: provider });
    await expect(client.connect(first)).rejects.toBeInstanceOf(UnauthorizedError);

    expect(provider.authorizationUrls).toHaveLength(1);
    const authorizationUrl = provider.authorizationUrls[0];
    if (!authorizationUrl || !provider.consent) throw new Error("the SDK never sent the browser to the authorization server");
    expect(`${authorizationUrl.origin}${authorizationUrl.pathname}`).toBe(`${server.origin}/authorize`);
    expect(authorizationUrl.searchParams.get("resource")).toBe(`${server.origin}/mcp`);
    expect(authorizationUrl.searchParams.get("client_id")).toBe(provider.savedClient?.client_id);
    // Discovery from the bare /mcp URL: the 401 named the resource metadata, which named this issuer.
    expect(provider.savedDiscovery?.resourceMetadataUrl).toBe(`${server.origin}/.well-known/oauth-protected-resource/mcp`);
    expect(provider.savedDiscovery?.resourceMetadata?.resource).toBe(`${server.origin}/mcp`);
    expect(provider.savedDiscovery?.authorizationServerMetadata?.issuer).toBe(server.origin);
    // The v2 SDK stamps stored credentials with the issuer it validated against the metadata.
    expect(provider.savedClient?.issuer).toBe(server.origin);

    const { callback } = provider.consent;
    expect(`${callback.origin}${callback.pathname}`).toBe(LOOPBACK_REDIRECT);
    expect(callback.searchParams.get("state")).toBe(provider.expectedState);
    // The SDK's preferred form: it reads code and iss itself and rejects a mismatched issuer.
    await first.finishAuth(callback.searchParams);
    expect(provider.savedTokens?.access_token).toBeTruthy();
    expect(provider.savedTokens?.issuer).toBe(server.origin);
    expect(provider.savedTokens?.scope?.split(" ").sort()).toEqual(["cs:read", "cs:write"]);

    await client.connect(new StreamableHTTPClientTransport(mcpUrl, { authProvider: provider }));
    expect(client.getServerVersion()?.name).toBe("customer-success-mcp");
    expect(provider.authorizationUrls).toHaveLength(1);
  });

  it("lists the core tools with schemas and annotations", async () => {
    const { tools } = await client.listTools();
    for (const name of CORE_TOOLS) {
      const tool = tools.find((entry) => entry.name === name);
      expect(tool, name).toBeDefined();
      expect(tool?.inputSchema.type, name).toBe("object");
      expect(tool?.outputSchema?.type, name).toBe("object");
      expect(typeof tool?.annotations?.readOnlyHint, name).toBe("boolean");
    }
  });

  it("calls tools: register_client, then get_client_overview returns the same account", async () => {
    const registered = await client.callTool({ name: "register_client", arguments: { client_name: "Globex", company_name: "Globex Corporation" } });
    expect(registered.isError).not.toBe(true);
    const clientId = text(registered.structuredContent, "client", "client_id");
    expect(text(registered.structuredContent, "client", "tier")).toBe("standard");

    const overview = await client.callTool({ name: "get_client_overview", arguments: { client_id: clientId } });
    expect(overview.isError).not.toBe(true);
    if (!isRecord(overview.structuredContent)) throw new Error(`no structuredContent: ${JSON.stringify(overview)}`);
    expect(text(overview.structuredContent, "client", "client_id")).toBe(clientId);
    expect(text(overview.structuredContent, "client", "company_name")).toBe("Globex Corporation");
    expect(field(overview.structuredContent, "renewal", "window")).toBe("later");
  });

  it("reports a wrong argument type as an error naming the field", async () => {
    const message = await toolFailure(() => client.callTool({ name: "get_client_overview", arguments: { client_id: 7 } }));
    expect(message).toMatch(/client_id/);
  });
});
