/**
 * A real MCP TypeScript SDK v1 client (@modelcontextprotocol/sdk) against the real local
 * server: given only <origin>/mcp it discovers the authorization server, registers itself,
 * sends the user's browser to the consent page, redeems the code and calls the tools.
 */
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { UnauthorizedError, type OAuthClientProvider } from "@modelcontextprotocol/sdk/client/auth.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import type { OAuthClientInformationMixed, OAuthClientMetadata, OAuthTokens } from "@modelcontextprotocol/sdk/shared/auth.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser } from "../../scripts/lib/oauth-flow";
import { startLocalServer, type LocalServer } from "../../scripts/lib/local-server";
import {
  approveInBrowser,
  CORE_TOOLS,
  field,
  isRecord,
  list,
  LOOPBACK_REDIRECT,
  signedUpBrowser,
  text,
  toolFailure,
  type ConsentOutcome,
} from "./helpers";

/**
 * The SDK's OAuthClientProvider, kept in memory, whose "browser" is a signed-in Browser:
 * redirectToAuthorization does what the user would do on the consent page.
 */
class BrowserBackedProvider implements OAuthClientProvider {
  readonly redirectUrl = LOOPBACK_REDIRECT;
  readonly clientMetadata: OAuthClientMetadata = {
    client_name: "E2E SDK v1 client",
    redirect_uris: [LOOPBACK_REDIRECT],
    grant_types: ["authorization_code", "refresh_token"],
    response_types: ["code"],
    token_endpoint_auth_method: "none",
  };
  readonly authorizationUrls: URL[] = [];
  readonly expectedState = crypto.randomUUID();
  consent?: ConsentOutcome;
  savedClient?: OAuthClientInformationMixed;
  savedTokens?: OAuthTokens;
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

  clientInformation(): OAuthClientInformationMixed | undefined {
    return this.savedClient;
  }

  saveClientInformation(information: OAuthClientInformationMixed): void {
    this.savedClient = information;
  }

  tokens(): OAuthTokens | undefined {
    return this.savedTokens;
  }

  saveTokens(tokens: OAuthTokens): void {
    this.savedTokens = tokens;
  }

  saveCodeVerifier(verifier: string): void {
    this.verifier = verifier;
  }

  codeVerifier(): string {
    if (!this.verifier) throw new Error("no code verifier saved");
    return this.verifier;
  }

  async redirectToAuthorization(authorizationUrl: URL): Promise<void> {
    this.authorizationUrls.push(authorizationUrl);
    this.consent = await approveInBrowser(this.browser, authorizationUrl, this.grant);
  }
}

let server: LocalServer;
let provider: BrowserBackedProvider;
const client = new Client({ name: "e2e-sdk-v1", version: "1.0.0" });

beforeAll(async () => {
  server = await startLocalServer();
  const { browser } = await signedUpBrowser(server.origin, "SDK v1 Co");
  // The user ticks read and write on the consent page: the tools below register and update accounts.
  provider = new BrowserBackedProvider(browser, ["cs:read", "cs:write"]);
});

afterAll(async () => {
  await client.close().catch(() => undefined);
  await server?.stop();
});

/** Calls a tool and returns its structuredContent, failing with the server's words if it errs. */
async function callOk(name: string, args: Record<string, unknown>): Promise<Record<string, unknown>> {
  const result = await client.callTool({ name, arguments: args });
  if (result.isError === true) throw new Error(`${name} failed: ${JSON.stringify(result.content)}`);
  const structured = result.structuredContent;
  if (!isRecord(structured)) throw new Error(`${name} returned no structuredContent: ${JSON.stringify(result)}`);
  return structured;
}

describe("MCP SDK v1 client", () => {
  it("completes the whole OAuth flow given only the /mcp URL, then connects", async () => {
    const mcpUrl = new URL(`${server.origin}/mcp`);
    const first = new StreamableHTTPClientTransport(mcpUrl, { authProvider: provider });
    // No token yet: the SDK discovers, registers, sends the browser to consent and stops.
    await expect(client.connect(first)).rejects.toBeInstanceOf(UnauthorizedError);

    expect(provider.authorizationUrls).toHaveLength(1);
    const authorizationUrl = provider.authorizationUrls[0];
    if (!authorizationUrl || !provider.consent) throw new Error("the SDK never sent the browser to the authorization server");
    expect(`${authorizationUrl.origin}${authorizationUrl.pathname}`).toBe(`${server.origin}/authorize`);
    expect(authorizationUrl.searchParams.get("code_challenge_method")).toBe("S256");
    expect(authorizationUrl.searchParams.get("resource")).toBe(`${server.origin}/mcp`);
    // Dynamic client registration happened against this server, and the URL carries that client.
    expect(provider.savedClient?.client_id).toBeTruthy();
    expect(authorizationUrl.searchParams.get("client_id")).toBe(provider.savedClient?.client_id);
    // The SDK asks for the baseline scope of the 401 challenge; the owner's consent page offers
    // every scope of the role, with read and write ticked and admin left for the user to add.
    expect(authorizationUrl.searchParams.get("scope")).toBe("cs:read");
    expect(provider.consent.offered).toEqual([
      { value: "cs:read", checked: true },
      { value: "cs:write", checked: true },
      { value: "cs:admin", checked: false },
    ]);

    const { callback } = provider.consent;
    expect(`${callback.origin}${callback.pathname}`).toBe(LOOPBACK_REDIRECT);
    expect(callback.searchParams.get("state")).toBe(provider.expectedState);
    expect(callback.searchParams.get("iss")).toBe(server.origin);
    const code = callback.searchParams.get("code");
    if (!code) throw new Error(`no code in ${callback.href}`);

    await first.finishAuth(code);
    expect(provider.savedTokens?.access_token).toBeTruthy();
    expect(provider.savedTokens?.refresh_token).toBeTruthy();
    expect(provider.savedTokens?.token_type.toLowerCase()).toBe("bearer");
    expect(provider.savedTokens?.scope?.split(" ").sort()).toEqual(["cs:read", "cs:write"]);

    // As the SDK documents: after finishAuth, connect again with a new transport.
    await client.connect(new StreamableHTTPClientTransport(mcpUrl, { authProvider: provider }));
    expect(client.getServerVersion()?.name).toBe("customer-success-mcp");
    expect(provider.authorizationUrls).toHaveLength(1);
  });

  it("lists the core tools, each with input and output schemas and annotations", async () => {
    const { tools } = await client.listTools();
    const names = tools.map((tool) => tool.name);
    for (const name of CORE_TOOLS) expect(names).toContain(name);
    for (const name of CORE_TOOLS) {
      const tool = tools.find((entry) => entry.name === name);
      expect(tool?.inputSchema.type, name).toBe("object");
      expect(tool?.outputSchema?.type, name).toBe("object");
      expect(typeof tool?.annotations?.readOnlyHint, name).toBe("boolean");
      expect(tool?.annotations?.openWorldHint, name).toBe(false);
    }
    const register = tools.find((tool) => tool.name === "register_client");
    expect(register?.annotations?.readOnlyHint).toBe(false);
    expect(register?.inputSchema.required).toEqual(expect.arrayContaining(["client_name", "company_name"]));
    expect(tools.find((tool) => tool.name === "get_client_overview")?.annotations?.readOnlyHint).toBe(true);
  });

  it("registers an account, then finds it by overview, list and timeline, newest event first", async () => {
    const suffix = crypto.randomUUID().slice(0, 6);
    const registered = await callOk("register_client", {
      client_name: `Acme ${suffix}`,
      company_name: `Acme Holdings ${suffix}`,
      tier: "professional",
      contract_value: 48000,
    });
    const clientId = text(registered, "client", "client_id");
    expect(text(registered, "client", "tier")).toBe("professional");

    const overview = await callOk("get_client_overview", { client_id: clientId });
    expect(text(overview, "client", "client_id")).toBe(clientId);
    expect(text(overview, "client", "client_name")).toBe(`Acme ${suffix}`);
    expect(field(overview, "client", "contract_value")).toBe(48000);

    const listed = await callOk("list_clients", { search: `Acme ${suffix}` });
    expect(list(listed, "clients").map((entry) => text(entry, "client_id"))).toEqual([clientId]);
    expect(field(listed, "summary", "total_count")).toBe(1);

    const updated = await callOk("update_client_info", { client_id: clientId, updates: { csm_assigned: "jane@csm.example" } });
    expect(list(updated, "changed_fields")).toEqual([{ field: "csm_assigned", from: null, to: "jane@csm.example" }]);
    expect(field(updated, "client", "csm_assigned")).toBe("jane@csm.example");

    const timeline = await callOk("get_client_timeline", { client_id: clientId });
    expect(text(timeline, "client_id")).toBe(clientId);
    const events = list(timeline, "events");
    expect(events.map((event) => text(event, "title"))).toEqual(["Updated csm_assigned", "Account registered"]);
    expect(field(events[0], "metadata", "changes", "csm_assigned")).toEqual({ from: null, to: "jane@csm.example" });
    expect(text(events[0], "occurred_at") >= text(events[1], "occurred_at")).toBe(true);
    expect(field(timeline, "summary", "total_events")).toBe(2);
  });

  it("reports an unknown tool as an error", async () => {
    const message = await toolFailure(() => client.callTool({ name: "no_such_tool", arguments: {} }));
    expect(message).toMatch(/no_such_tool/);
  });

  it("reports a wrong argument type as an error naming the field", async () => {
    const message = await toolFailure(() => client.callTool({ name: "register_client", arguments: { client_name: 42, company_name: "Typed Co" } }));
    expect(message).toMatch(/client_name/);
    expect(message).toMatch(/string/);
  });
});
