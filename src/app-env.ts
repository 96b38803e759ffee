import type { OAuthEdge } from "./auth/oauth";
import type { Env } from "./env";

/** The Hono environment of the unprotected pages: bindings plus the request's public origin. */
export interface AppEnv {
  Bindings: Env;
  Variables: { origin: string; edge: OAuthEdge };
}
