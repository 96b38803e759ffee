import { OAuthAuthorizationServer, OAuthResourceServer } from "@cloudflare/workers-oauth-provider";
import { restApiHandler } from "../api/rest";
import type { Env } from "../env";
import { mcpHandler } from "../mcp/handler";
import type { AuthProps } from "./props";
import { SCOPES } from "./scopes";
import { memoizeTokenValidation, type TokenMemo } from "./token-memo";

/**
 * The OAuth side of the Worker, all of it @cloudflare/workers-oauth-provider: one
 * authorization server (issuer = the public origin) and two protected resources:
 *   <origin>/mcp  the MCP endpoint, metadata at /.well-known/oauth-protected-resource/mcp
 *   <origin>      the REST API,     metadata at /.well-known/oauth-protected-resource
 * The issuer and resources follow the public origin, so the set is built per origin and
 * kept: one in production (PUBLIC_URL), one per loopback port locally.
 */

export const ACCESS_TOKEN_TTL_SECONDS = 3600;
export const REFRESH_TOKEN_TTL_SECONDS = 30 * 24 * 3600;

export interface OAuthEdge {
  origin: string;
  mcpResource: string;
  authorizationServer: OAuthAuthorizationServer<Env>;
  mcp: OAuthResourceServer<Env, AuthProps>;
  api: OAuthResourceServer<Env, AuthProps>;
  /** Forgets the validated tokens this isolate remembers for env (src/auth/token-memo.ts). */
  forgetValidatedTokens(env: Env): void;
}

const edges = new Map<string, OAuthEdge>();
const MAX_EDGES = 16;

export function oauthEdge(origin: string): OAuthEdge {
  const existing = edges.get(origin);
  if (existing) return existing;

  const mcpResource = `${origin}/mcp`;
  const authorizationServer = new OAuthAuthorizationServer<Env>({
    issuer: origin,
    resources: [mcpResource, origin],
    defaultResource: mcpResource,
    authorizeEndpoint: `${origin}/authorize`,
    tokenEndpoint: `${origin}/oauth/token`,
    clientRegistrationEndpoint: `${origin}/oauth/register`,
    scopesSupported: [...SCOPES],
    clientIdMetadataDocumentEnabled: true,
    accessTokenTTL: ACCESS_TOKEN_TTL_SECONDS,
    refreshTokenTTL: REFRESH_TOKEN_TTL_SECONDS,
    onError: ({ internal }) => console.warn("oauth", internal.category, internal.reason),
  });
  // One memo per env (in practice per isolate), shared by both resources.
  const memos = new WeakMap<Env, TokenMemo<AuthProps>>();
  const validateToken = (env: Env) => {
    let memo = memos.get(env);
    if (!memo) {
      memo = memoizeTokenValidation<AuthProps>((resource, token) => authorizationServer.validateToken<AuthProps>(resource, token, env));
      memos.set(env, memo);
    }
    return memo.validate;
  };

  const edge: OAuthEdge = {
    origin,
    mcpResource,
    authorizationServer,
    forgetValidatedTokens: (env) => memos.get(env)?.clear(),
    mcp: new OAuthResourceServer<Env, AuthProps>({
      resourceMetadata: {
        resource: mcpResource,
        authorization_servers: [origin],
        bearer_methods_supported: ["header"],
        resource_name: "Customer Success MCP",
      },
      requiredScopes: ["cs:read"],
      validateToken,
      handler: mcpHandler,
    }),
    api: new OAuthResourceServer<Env, AuthProps>({
      resourceMetadata: {
        resource: origin,
        authorization_servers: [origin],
        bearer_methods_supported: ["header"],
        resource_name: "Customer Success REST API",
      },
      requiredScopes: ["cs:read"],
      validateToken,
      handler: restApiHandler,
    }),
  };
  if (edges.size >= MAX_EDGES) edges.delete(edges.keys().next().value as string);
  edges.set(origin, edge);
  return edge;
}
