import { EVENTS_PATH, handleEvents } from "./api/events";
import { app } from "./app";
import { oauthEdge } from "./auth/oauth";
import { demoSettled, ensureDemoTenant } from "./demo/tenant";
import type { Env } from "./env";
import { isAcceptedBrowserOrigin, resolveOrigin } from "./http/origin";
import { ensureMaintenanceScheduled } from "./maintenance/cron";
import { DEAD_LETTER_QUEUE, handleDeadLetters, handleIntegrationBatch } from "./queues/consumer";
import { handleWebhook, WEBHOOK_PREFIX } from "./webhooks/route";

export { TenantDO } from "../durable-objects/tenant";

const PROTECTED_RESOURCE_METADATA = "/.well-known/oauth-protected-resource";
const AUTHORIZATION_SERVER_PATHS = ["/.well-known/oauth-authorization-server", "/oauth/token", "/oauth/register"];

function refuse(status: number, message: string): Response {
  return Response.json({ jsonrpc: "2.0", error: { code: -32000, message }, id: null }, { status });
}

/** An RFC 7009 revocation posted to the token endpoint: a form with a `token` and no grant_type. */
async function isRevocation(request: Request): Promise<boolean> {
  if (!(request.headers.get("Content-Type") ?? "").startsWith("application/x-www-form-urlencoded")) return false;
  try {
    // Read as bytes: the runtime warns when .text() is called on a form body.
    const form = new URLSearchParams(new TextDecoder().decode(await request.arrayBuffer()));
    return form.has("token") && !form.has("grant_type");
  } catch {
    return false;
  }
}

function isUnder(pathname: string, prefix: string): boolean {
  return pathname === prefix || pathname.startsWith(`${prefix}/`);
}

/**
 * The Worker's entry. Refuses foreign hosts (DNS rebinding), then routes:
 *   /mcp, /.well-known/oauth-protected-resource/mcp   → MCP resource server
 *   /api/v1/events                                    → usage events, API-key auth (src/api/events.ts)
 *   /api/v1/*, /.well-known/oauth-protected-resource  → REST resource server
 *   /webhooks/:provider/:tenant                       → signed provider webhooks (src/webhooks)
 *   OAuth metadata, token, registration               → authorization server
 *   everything else                                   → Hono app (pages, consent, health)
 */
export default {
  async fetch(request: Request, env: Env, ctx: ExecutionContext): Promise<Response> {
    const resolved = resolveOrigin(request, env);
    if (!resolved.ok) return refuse(resolved.status, resolved.message);
    const edge = oauthEdge(resolved.origin);
    const { pathname } = new URL(request.url);
    if (!demoSettled(env)) ctx.waitUntil(ensureDemoTenant(env));

    if (isUnder(pathname, "/mcp") || isUnder(pathname, "/api/v1")) {
      if (!isAcceptedBrowserOrigin(request, resolved.origin, env)) return refuse(403, "Requests from this Origin are not accepted.");
      if (pathname === EVENTS_PATH) return handleEvents(request, env, ctx);
      return isUnder(pathname, "/mcp") ? edge.mcp.fetch(request, env, ctx) : edge.api.fetch(request, env, ctx);
    }
    if (pathname.startsWith(WEBHOOK_PREFIX)) return handleWebhook(request, env);
    if (pathname === `${PROTECTED_RESOURCE_METADATA}/mcp`) return edge.mcp.fetch(request, env, ctx);
    if (pathname === PROTECTED_RESOURCE_METADATA) return edge.api.fetch(request, env, ctx);
    if (AUTHORIZATION_SERVER_PATHS.includes(pathname)) {
      const revocation = pathname === "/oauth/token" && request.method === "POST" && (await isRevocation(request.clone()));
      const response = await edge.authorizationServer.fetch(request, env, ctx);
      // A token revoked here stops working here at once, not after the memo's few seconds.
      if (revocation && response.ok) edge.forgetValidatedTokens(env);
      return response;
    }
    return app.fetch(request, env, ctx);
  },

  /** The INTEGRATIONS queue (provider calls, webhook events) and its dead-letter queue. */
  async queue(batch: MessageBatch<unknown>, env: Env): Promise<void> {
    if (batch.queue === DEAD_LETTER_QUEUE) await handleDeadLetters(batch, env);
    else await handleIntegrationBatch(batch, env);
  },

  /** The daily cron (wrangler.toml [triggers]): every tenant's object gets its maintenance alarm. */
  async scheduled(_controller: ScheduledController, env: Env, ctx: ExecutionContext): Promise<void> {
    ctx.waitUntil(ensureMaintenanceScheduled(env));
  },
} satisfies ExportedHandler<Env>;
