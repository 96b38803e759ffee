import type { GrantSummary, OAuthHelpers } from "@cloudflare/workers-oauth-provider";
import { isScope, type Scope } from "./scopes";

/**
 * The assistants (OAuth grants) connected to a workspace, and ending one's access. A grant is
 * what a person's consent created: one per app they approved, holding its refresh tokens.
 * Revoking it deletes the grant and every token issued under it (the library's revokeGrant).
 */

export interface ConnectedAssistant {
  grantId: string;
  /** Who approved it. */
  userId: string;
  email: string;
  clientId: string;
  /** The name the app registered with; for a client ID metadata document (a URL), its host. */
  appName: string;
  scopes: Scope[];
  /** The tools allowed on the consent page; null: every tool the scopes allow. */
  tools: string[] | null;
  connectedAt: string;
  /** When the grant itself lapses, if it does (the library sets no grant TTL by default). */
  expiresAt: string | null;
}

interface Member {
  userId: string;
  email: string;
}

/** Grants per user to read at most: a person does not connect thousands of apps. */
const MAX_GRANTS_PER_USER = 1_000;

/** Every grant of a user (the library pages by KV cursor). */
async function grantsOf(oauth: OAuthHelpers, userId: string): Promise<GrantSummary[]> {
  const grants: GrantSummary[] = [];
  let cursor: string | undefined;
  do {
    const page = await oauth.listUserGrants(userId, { limit: 100, ...(cursor ? { cursor } : {}) });
    grants.push(...page.items);
    cursor = page.cursor;
  } while (cursor && grants.length < MAX_GRANTS_PER_USER);
  return grants;
}

/** What our consent route stored on the grant (src/auth/routes.tsx): its workspace and allowed tools. */
function grantMetadata(grant: GrantSummary): { tenantId: string | null; tools: string[] | null } {
  const metadata: unknown = grant.metadata;
  if (typeof metadata !== "object" || metadata === null) return { tenantId: null, tools: null };
  const { tenantId, tools } = metadata as { tenantId?: unknown; tools?: unknown };
  return {
    tenantId: typeof tenantId === "string" ? tenantId : null,
    tools: Array.isArray(tools) ? tools.filter((name): name is string => typeof name === "string") : null,
  };
}

/** A client ID that is a URL names its metadata document; show its host rather than fetch it while a page renders. */
export async function appNameOf(oauth: OAuthHelpers, clientId: string, names = new Map<string, string>()): Promise<string> {
  const known = names.get(clientId);
  if (known) return known;
  let name: string;
  if (/^https:\/\//i.test(clientId)) {
    name = new URL(clientId).host;
  } else {
    const client = await oauth.lookupClient(clientId).catch(() => null);
    name = client?.clientName?.trim() || "Unnamed app";
  }
  names.set(clientId, name);
  return name;
}

/** The assistants the given members connected to this workspace, newest first. */
export async function workspaceAssistants(oauth: OAuthHelpers, tenantId: string, members: readonly Member[]): Promise<ConnectedAssistant[]> {
  const names = new Map<string, string>();
  const perMember = await Promise.all(
    members.map(async (member) => {
      const grants = (await grantsOf(oauth, member.userId)).filter((grant) => grantMetadata(grant).tenantId === tenantId);
      return Promise.all(
        grants.map(async (grant) => ({
          grantId: grant.id,
          userId: member.userId,
          email: member.email,
          clientId: grant.clientId,
          appName: await appNameOf(oauth, grant.clientId, names),
          scopes: grant.scope.filter(isScope),
          tools: grantMetadata(grant).tools,
          connectedAt: new Date(grant.createdAt * 1000).toISOString(),
          expiresAt: grant.expiresAt ? new Date(grant.expiresAt * 1000).toISOString() : null,
        })),
      );
    }),
  );
  return perMember.flat().sort((a, b) => b.connectedAt.localeCompare(a.connectedAt));
}

/**
 * Ends one assistant's access to this workspace: the grant must be one of `members`' grants in
 * it (an id from elsewhere, or of another workspace, is refused as not found). Answers what was
 * revoked, or null.
 */
export async function revokeWorkspaceAssistant(
  oauth: OAuthHelpers,
  tenantId: string,
  members: readonly Member[],
  grantId: string,
): Promise<ConnectedAssistant | null> {
  const found = (await workspaceAssistants(oauth, tenantId, members)).find((assistant) => assistant.grantId === grantId);
  if (!found) return null;
  await oauth.revokeGrant(found.grantId, found.userId);
  return found;
}
