import type { Role } from "../db/control";

/**
 * OAuth scopes. A token carries at most what its user's role allows:
 * viewers read, CSMs read and write, admins and owners also administer.
 */
export const SCOPES = ["cs:read", "cs:write", "cs:admin"] as const;
export type Scope = (typeof SCOPES)[number];

export const SCOPE_DESCRIPTIONS: Record<Scope, string> = {
  "cs:read": "Read accounts, health scores, timelines and reports",
  "cs:write": "Create and change accounts and their records",
  "cs:admin": "Change workspace settings, health models and integrations",
};

const SCOPES_OF_ROLE: Record<Role, readonly Scope[]> = {
  owner: SCOPES,
  admin: SCOPES,
  csm: ["cs:read", "cs:write"],
  viewer: ["cs:read"],
};

export function scopesForRole(role: Role): readonly Scope[] {
  return SCOPES_OF_ROLE[role];
}

export function isScope(value: string): value is Scope {
  return (SCOPES as readonly string[]).includes(value);
}

/**
 * The scopes ticked when the consent page opens: read and write (the everyday work of a
 * CSM) plus anything else the client asked for, capped by the role. MCP clients first ask
 * only for the baseline cs:read that the 401 advertises; ticking cs:write too spares the
 * user a second consent on the first write. The user can untick any of them.
 */
export function preselectedScopes(requested: readonly string[], role: Role): Scope[] {
  const allowed = scopesForRole(role);
  const wanted = new Set<Scope>(["cs:read", "cs:write", ...requested.filter(isScope)]);
  return allowed.filter((scope) => wanted.has(scope));
}
