import type { OAuthHelpers } from "@cloudflare/workers-oauth-provider";
import type { TenantDO } from "../durable-objects/tenant";

/** Every binding, variable and secret the Worker reads, typed once. */
export interface Env {
  /** One Durable Object per tenant, holding all of that tenant's state in SQLite. */
  TENANT: DurableObjectNamespace<TenantDO>;
  /** Control plane: tenants, users, memberships, rate-limit counters. */
  CONTROL_DB: D1Database;
  /** Grants and tokens, owned by @cloudflare/workers-oauth-provider. */
  OAUTH_KV: KVNamespace;
  /** Health scores written through when they change; never the only copy of anything. */
  CACHE: KVNamespace;
  /** Outbound calls to Zendesk, Intercom, Mixpanel and SendGrid. */
  INTEGRATIONS: Queue<unknown>;
  /** "development" or "production". Only development creates the demo tenant. */
  ENVIRONMENT: string;
  /** Public origin in production (https://cs.example.com); empty means "the request's own origin", allowed on loopback only. */
  PUBLIC_URL: string;
  /** Secret: signs session cookies and CSRF tokens (32+ characters). */
  SESSION_SECRET: string;
  /** Secret: root key for per-tenant credential encryption (32+ characters). */
  ENCRYPTION_KEY: string;
  /** Secret, only during a key rotation: the old ENCRYPTION_KEY, so credentials sealed with it still open. */
  ENCRYPTION_KEY_PREVIOUS?: string;
  /** Set by the OAuth provider for handlers behind it. */
  OAUTH_PROVIDER?: OAuthHelpers;
}

/** The secrets the Worker cannot run without, with what each is for. */
export const REQUIRED_SECRETS = {
  SESSION_SECRET: "signs session cookies and CSRF tokens",
  ENCRYPTION_KEY: "derives each tenant's key for integration credentials",
} as const;

export function isProduction(env: Pick<Env, "ENVIRONMENT">): boolean {
  return env.ENVIRONMENT === "production";
}
