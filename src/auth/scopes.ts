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

/** The scopes to grant: those asked for (or cs:read when none) that the role allows. */
export function grantableScopes(requested: readonly string[], role: Role): Scope[] {
  const allowed = scopesForRole(role);
  const asked = requested.filter(isScope);
  const wanted = asked.length > 0 ? asked : (["cs:read"] as Scope[]);
  return wanted.filter((scope) => allowed.includes(scope));
}
