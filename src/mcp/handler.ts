import type { OAuthResourceContext } from "@cloudflare/workers-oauth-provider";
import { isJSONRPCRequest, isLegacyRequest, WebStandardStreamableHTTPServerTransport, type AuthInfo, type McpServer } from "@modelcontextprotocol/server";
import { createMcpHandler } from "agents/mcp/server";
import { isAuthProps, type AuthProps } from "../auth/props";
import type { Env } from "../env";
import { configuredOrigin } from "../http/origin";
import { buildMcpServer, isCatalogTool } from "./server";

type McpHandler = ReturnType<typeof createMcpHandler>;

/** The SDK's own bound on a request body; larger bodies go the default way and get its 413. */
const MAX_BODY_BYTES = 4 * 1024 * 1024;

/** One stateless MCP handler per isolate's env; each request still gets a fresh McpServer. */
const handlers = new WeakMap<Env, McpHandler>();

/**
 * The tool a `tools/call` request calls, keyed by the request handed to the SDK (its
 * factory receives that same Request as `requestInfo`), so the server built for it can
 * register that tool alone.
 */
const calledTools = new WeakMap<Request, string>();

/** The catalog tool a parsed JSON-RPC body calls, when it is one single tools/call. */
function calledTool(body: unknown): string | undefined {
  if (typeof body !== "object" || body === null || Array.isArray(body)) return undefined;
  const { method, params } = body as { method?: unknown; params?: unknown };
  if (method !== "tools/call" || typeof params !== "object" || params === null) return undefined;
  const name = (params as { name?: unknown }).name;
  return typeof name === "string" && isCatalogTool(name) ? name : undefined;
}

/** The McpServer for one request: the verified token's user, and only the called tool when there is one. */
function serverFor(env: Env, authInfo: AuthInfo | undefined, onlyTool: string | undefined): McpServer {
  const props = authInfo?.extra?.props;
  if (!isAuthProps(props)) throw new TypeError("MCP request reached the server without verified props");
  const waitUntil = authInfo?.extra?.waitUntil;
  const defer = typeof waitUntil === "function" ? (work: Promise<unknown>) => void waitUntil(work) : (work: Promise<unknown>) => void work;
  return buildMcpServer(env, props, authInfo?.clientId ?? "unknown", defer, authInfo?.scopes ?? [], authInfo?.resource?.origin, onlyTool);
}

function handlerFor(env: Env): McpHandler {
  let handler = handlers.get(env);
  if (!handler) {
    const publicOrigin = configuredOrigin(env);
    const publicHost = publicOrigin ? new URL(publicOrigin).hostname : undefined;
    handler = createMcpHandler(
      ({ authInfo, requestInfo }) => serverFor(env, authInfo, requestInfo ? calledTools.get(requestInfo) : undefined),
      {
        route: "/mcp",
        ...(publicHost ? { allowedHostnames: [publicHost], allowedOriginHostnames: [publicHost] } : {}),
        onerror: (error) => console.error("mcp error", error.name),
      },
    );
    handlers.set(env, handler);
  }
  return handler;
}

/** The verified token as the SDK describes it; the resource lets a 403 name its metadata. */
function authInfoOf(ctx: OAuthResourceContext<AuthProps>): AuthInfo {
  const { auth, props } = ctx;
  return {
    token: auth.token,
    clientId: auth.clientId ?? "unknown",
    scopes: [...auth.scope],
    ...(auth.expiresAt !== undefined ? { expiresAt: auth.expiresAt } : {}),
    resource: new URL(auth.audience),
    // waitUntil rides along so tool calls can finish their audit entry after answering.
    extra: { props, waitUntil: (work: Promise<unknown>) => ctx.waitUntil(work) },
  };
}

/** The headers the agents handler puts on every answer (its default CORS), kept on the JSON lane below. */
const CORS_HEADERS: Readonly<Record<string, string>> = {
  "Access-Control-Allow-Origin": "*",
  "Access-Control-Allow-Methods": "GET, POST, DELETE, OPTIONS",
  "Access-Control-Allow-Headers": "Content-Type, Accept, Authorization, mcp-session-id, MCP-Protocol-Version, Mcp-Method, Mcp-Name",
  "Access-Control-Expose-Headers": "mcp-session-id",
  "Access-Control-Max-Age": "86400",
};

/**
 * A 2025-era POST (initialize, tools/call, … with a 2025 MCP-Protocol-Version) answered with one
 * JSON body. The server is stateless and sends nothing but the answers, so the SSE stream the
 * agents handler answers these with (keep-alive timer, SSE framing, two stream wrappers and a
 * copy of the response for CORS) only cost CPU; clients accept either (Streamable HTTP). Host
 * and Origin were already checked by the Worker's entry (src/index.ts).
 *
 * A request from the server to the client (sampling, elicitation) cannot reach a stateless
 * client: it is answered at once with -32603, as the agents lane does, so a tool never hangs.
 */
async function answerLegacyAsJson(env: Env, request: Request, authInfo: AuthInfo, parsedBody: unknown, tool: string | undefined): Promise<Response> {
  const server = serverFor(env, authInfo, tool);
  const transport = new WebStandardStreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
  const send = transport.send.bind(transport);
  transport.send = async (message, options) => {
    if (!isJSONRPCRequest(message)) return send(message, options);
    transport.onmessage?.({ jsonrpc: "2.0", id: message.id, error: { code: -32603, message: "Server-to-client requests are unavailable on this stateless endpoint." } });
  };
  try {
    await server.connect(transport);
    const response = await transport.handleRequest(request, { authInfo, parsedBody });
    for (const [name, value] of Object.entries(CORS_HEADERS)) response.headers.set(name, value);
    // Not closed: in JSON mode the answer is whole, and nothing of this request's server and
    // transport outlives it (no stream, no timer, no handler in flight). Closing would only
    // build the SDK's "Connection closed" error, stack trace and all, for every call.
    return response;
  } catch (error) {
    await Promise.allSettled([transport.close(), server.close()]);
    // As the agents lane answers: a JSON-RPC internal error, its name logged, no details out.
    console.error("mcp error", error instanceof Error ? error.name : "unknown");
    const id = typeof parsedBody === "object" && parsedBody !== null && "id" in parsedBody ? parsedBody.id : null;
    return Response.json({ jsonrpc: "2.0", error: { code: -32603, message: "Internal error" }, id: typeof id === "string" || typeof id === "number" ? id : null }, { status: 500, headers: CORS_HEADERS });
  }
}

/**
 * The protected handler behind the OAuth resource server for /mcp. The body is read and
 * parsed once here and handed on: otherwise the era classifier and the SDK each read it again.
 * Anything unusual (not a POST, too large, not JSON) takes the default path unchanged, so the
 * SDK's own errors (413, -32700) still answer it.
 */
export const mcpHandler = {
  async fetch(request: Request, env: Env, ctx: OAuthResourceContext<AuthProps>): Promise<Response> {
    const handler = handlerFor(env);
    const declaredLength = Number(request.headers.get("Content-Length") ?? "0");
    if (request.method !== "POST" || declaredLength > MAX_BODY_BYTES || !isAuthProps(ctx.props)) return handler(request, env, ctx);
    const text = await request.text();
    let parsedBody: unknown;
    try {
      parsedBody = text.length <= MAX_BODY_BYTES ? JSON.parse(text) : undefined;
    } catch {
      parsedBody = undefined;
    }
    // Not JSON: the SDK reads the text again and answers -32700 itself.
    if (parsedBody === undefined) return handler(new Request(request, { body: text }), env, ctx);
    // Parsed: the SDK takes the body from parsedBody and never reads the request's own, so the
    // request goes on as it is (building a copy of it cost more than the rest of this handler).
    const tool = calledTool(parsedBody);
    const authInfo = authInfoOf(ctx);
    if (await isLegacyRequest(request, parsedBody)) return answerLegacyAsJson(env, request, authInfo, parsedBody, tool);
    if (tool !== undefined) calledTools.set(request, tool);
    return handler.fetch(request, { authInfo, parsedBody });
  },
};
