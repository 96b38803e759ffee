import type { OAuthResourceContext } from "@cloudflare/workers-oauth-provider";
import type { AuthInfo } from "@modelcontextprotocol/server";
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

function handlerFor(env: Env): McpHandler {
  let handler = handlers.get(env);
  if (!handler) {
    const publicOrigin = configuredOrigin(env);
    const publicHost = publicOrigin ? new URL(publicOrigin).hostname : undefined;
    handler = createMcpHandler(
      ({ authInfo, requestInfo }) => {
        const props = authInfo?.extra?.props;
        if (!isAuthProps(props)) throw new TypeError("MCP request reached the server without verified props");
        const waitUntil = authInfo?.extra?.waitUntil;
        const defer = typeof waitUntil === "function" ? (work: Promise<unknown>) => void waitUntil(work) : (work: Promise<unknown>) => void work;
        const onlyTool = requestInfo ? calledTools.get(requestInfo) : undefined;
        return buildMcpServer(env, props, authInfo?.clientId ?? "unknown", defer, authInfo?.scopes ?? [], authInfo?.resource?.origin, onlyTool);
      },
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
    if (tool !== undefined) calledTools.set(request, tool);
    return handler.fetch(request, { authInfo: authInfoOf(ctx), parsedBody });
  },
};
