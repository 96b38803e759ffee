import type { Env } from "../env";

/**
 * Which origin this Worker answers as, and which Host and Origin headers it accepts.
 * In production the configured PUBLIC_URL is the only origin; locally the request's own
 * origin is used, but only on a loopback host, so a DNS-rebinding page cannot reach it.
 */

const LOOPBACK_HOSTNAMES = new Set(["localhost", "127.0.0.1", "[::1]", "::1"]);

export function isLoopbackHostname(hostname: string): boolean {
  return LOOPBACK_HOSTNAMES.has(hostname) || /^127\.\d+\.\d+\.\d+$/.test(hostname);
}

/** The configured public origin, normalized (no trailing slash), or null when unset. */
export function configuredOrigin(env: Pick<Env, "PUBLIC_URL">): string | null {
  const text = env.PUBLIC_URL?.trim();
  if (!text) return null;
  return new URL(text).origin;
}

export type OriginCheck = { ok: true; origin: string } | { ok: false; status: 403 | 421; message: string };

/** Decisions by (PUBLIC_URL, Host, URL origin): the same few values repeat on every request. */
const decided = new Map<string, OriginCheck>();
const MAX_DECISIONS = 256;

/** Decides the public origin for a request, refusing a foreign Host header. */
export function resolveOrigin(request: Request, env: Pick<Env, "PUBLIC_URL">): OriginCheck {
  const host = request.headers.get("Host") ?? "";
  const url = request.url; // read once: each access crosses into the runtime
  // A Request's URL is normalized with a path, so the first "/" after "scheme://" ends the origin.
  const urlOrigin = url.slice(0, url.indexOf("/", url.indexOf("://") + 3));
  const key = `${env.PUBLIC_URL}|${host}|${urlOrigin}`;
  let decision = decided.get(key);
  if (!decision) {
    decision = decideOrigin(request, env);
    if (decided.size >= MAX_DECISIONS) decided.clear();
    decided.set(key, decision);
  }
  return decision;
}

function decideOrigin(request: Request, env: Pick<Env, "PUBLIC_URL">): OriginCheck {
  const url = new URL(request.url);
  const configured = configuredOrigin(env);
  const origin = configured ?? url.origin;
  const expectedHost = new URL(origin).host;
  const host = request.headers.get("Host") ?? url.host;
  if (configured ? host !== expectedHost : !isLoopbackHostname(new URL(`http://${host}`).hostname)) {
    const hint = configured ? "" : " Set PUBLIC_URL to this server's public origin to serve it beyond localhost.";
    return { ok: false, status: 421, message: `This server does not answer for host "${host}".${hint}` };
  }
  return { ok: true, origin };
}

/**
 * For the protected endpoints (/mcp, /api/v1): a browser Origin is accepted when it is this
 * server itself or, locally, any loopback page (the MCP Inspector runs on its own port).
 * Requests without an Origin (server-side clients) pass.
 */
export function isAcceptedBrowserOrigin(request: Request, origin: string, env: Pick<Env, "PUBLIC_URL">): boolean {
  const browserOrigin = request.headers.get("Origin");
  if (!browserOrigin || browserOrigin === origin) return true;
  try {
    return configuredOrigin(env) === null && isLoopbackHostname(new URL(browserOrigin).hostname);
  } catch {
    return false;
  }
}
