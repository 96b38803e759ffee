import type { OAuthResourceContext } from "@cloudflare/workers-oauth-provider";
import { createMcpHandler } from "agents/mcp/server";
import { isAuthProps, type AuthProps } from "../auth/props";
import type { Env } from "../env";
import { configuredOrigin } from "../http/origin";
import { buildMcpServer } from "./server";

type McpHandler = ReturnType<typeof createMcpHandler>;

/** One stateless MCP handler per isolate's env; each request still gets a fresh McpServer. */
const handlers = new WeakMap<Env, McpHandler>();

function handlerFor(env: Env): McpHandler {
  let handler = handlers.get(env);
  if (!handler) {
    const publicOrigin = configuredOrigin(env);
    const publicHost = publicOrigin ? new URL(publicOrigin).hostname : undefined;
    handler = createMcpHandler(
      ({ authInfo }) => {
        const props = authInfo?.extra?.props;
        if (!isAuthProps(props)) throw new TypeError("MCP request reached the server without verified props");
        return buildMcpServer(env, props, authInfo?.clientId ?? "unknown");
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

/** The protected handler behind the OAuth resource server for /mcp. */
export const mcpHandler = {
  fetch(request: Request, env: Env, ctx: OAuthResourceContext<AuthProps>): Promise<Response> {
    return handlerFor(env)(request, env, ctx);
  },
};
