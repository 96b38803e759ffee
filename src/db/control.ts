import type { PasswordHash } from "../auth/passwords";
import { encodeBase64Url } from "../http/base64";
import { sha256Hex } from "../http/hex";

/** The control plane in D1: tenants, users and who belongs where with which role. */

export const ROLES = ["owner", "admin", "csm", "viewer"] as const;
export type Role = (typeof ROLES)[number];

export interface UserRecord {
  id: string;
  email: string;
  name: string;
  password: PasswordHash;
}

export interface Membership {
  tenantId: string;
  tenantName: string;
  role: Role;
}

export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

export async function findUserByEmail(db: D1Database, email: string): Promise<UserRecord | null> {
  const row = await db
    .prepare("SELECT id, email, name, password_hash, password_salt, password_iterations FROM users WHERE email = ?")
    .bind(normalizeEmail(email))
    .first<{ id: string; email: string; name: string; password_hash: string; password_salt: string; password_iterations: number }>();
  if (!row) return null;
  return {
    id: row.id,
    email: row.email,
    name: row.name,
    password: { hash: row.password_hash, salt: row.password_salt, iterations: row.password_iterations },
  };
}

export async function membershipsOf(db: D1Database, userId: string): Promise<Membership[]> {
  const { results } = await db
    .prepare(
      `SELECT m.tenant_id, t.name AS tenant_name, m.role FROM memberships m
       JOIN tenants t ON t.id = m.tenant_id WHERE m.user_id = ? ORDER BY m.created_at`,
    )
    .bind(userId)
    .all<{ tenant_id: string; tenant_name: string; role: Role }>();
  return results.map((row) => ({ tenantId: row.tenant_id, tenantName: row.tenant_name, role: row.role }));
}

export async function membership(db: D1Database, userId: string, tenantId: string): Promise<Membership | null> {
  const all = await membershipsOf(db, userId);
  return all.find((entry) => entry.tenantId === tenantId) ?? null;
}

/** Creates a tenant and its owner in one batch: both rows or neither. */
export async function createTenantWithOwner(
  db: D1Database,
  input: { organization: string; email: string; name: string; password: PasswordHash; isDemo?: boolean },
): Promise<{ tenantId: string; userId: string } | { error: "email_taken" }> {
  const tenantId = `t_${crypto.randomUUID().replaceAll("-", "")}`;
  const userId = `u_${crypto.randomUUID().replaceAll("-", "")}`;
  const now = new Date().toISOString();
  try {
    await db.batch([
      db.prepare("INSERT INTO tenants (id, name, is_demo, created_at) VALUES (?, ?, ?, ?)").bind(tenantId, input.organization, input.isDemo ? 1 : 0, now),
      db
        .prepare(
          "INSERT INTO users (id, email, name, password_hash, password_salt, password_iterations, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(userId, normalizeEmail(input.email), input.name, input.password.hash, input.password.salt, input.password.iterations, now),
      db.prepare("INSERT INTO memberships (user_id, tenant_id, role, created_at) VALUES (?, ?, 'owner', ?)").bind(userId, tenantId, now),
    ]);
  } catch (error) {
    if (String(error).includes("UNIQUE")) return { error: "email_taken" };
    throw error;
  }
  return { tenantId, userId };
}

/** Adds an existing or new user to a tenant with a role (team management, tests). */
export async function addMember(db: D1Database, input: { tenantId: string; userId: string; role: Role }): Promise<void> {
  await db
    .prepare("INSERT INTO memberships (user_id, tenant_id, role, created_at) VALUES (?, ?, ?, ?) ON CONFLICT DO UPDATE SET role = excluded.role")
    .bind(input.userId, input.tenantId, input.role, new Date().toISOString())
    .run();
}

export async function createUser(db: D1Database, input: { email: string; name: string; password: PasswordHash }): Promise<string> {
  const userId = `u_${crypto.randomUUID().replaceAll("-", "")}`;
  await db
    .prepare("INSERT INTO users (id, email, name, password_hash, password_salt, password_iterations, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)")
    .bind(userId, normalizeEmail(input.email), input.name, input.password.hash, input.password.salt, input.password.iterations, new Date().toISOString())
    .run();
  return userId;
}

export async function isDemoTenantPresent(db: D1Database): Promise<boolean> {
  return (await db.prepare("SELECT 1 FROM tenants WHERE is_demo = 1 LIMIT 1").first()) !== null;
}

/** Whether a tenant exists (webhook URLs name one; an unknown id must not create a Tenant object). */
export async function tenantExists(db: D1Database, tenantId: string): Promise<boolean> {
  const row = await db.prepare("SELECT 1 AS found FROM tenants WHERE id = ?").bind(tenantId).first<{ found: number }>();
  return row !== null;
}

// --- invitations (setup page, team step) ---

export const INVITATION_DAYS = 7;

export interface Invitation {
  id: string;
  tenantId: string;
  tenantName: string;
  email: string;
  role: Role;
  invitedBy: string;
  createdAt: string;
  expiresAt: string;
  acceptedAt: string | null;
  revokedAt: string | null;
}

interface InvitationRow {
  id: string;
  tenant_id: string;
  tenant_name: string;
  email: string;
  role: Role;
  invited_by: string;
  created_at: string;
  expires_at: string;
  accepted_at: string | null;
  revoked_at: string | null;
}

function invitationOf(row: InvitationRow): Invitation {
  return {
    id: row.id,
    tenantId: row.tenant_id,
    tenantName: row.tenant_name,
    email: row.email,
    role: row.role,
    invitedBy: row.invited_by,
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    acceptedAt: row.accepted_at,
    revokedAt: row.revoked_at,
  };
}

const INVITATION_COLUMNS = `i.id, i.tenant_id, t.name AS tenant_name, i.email, i.role, i.invited_by, i.created_at, i.expires_at, i.accepted_at, i.revoked_at`;

function randomToken(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  return `inv_${encodeBase64Url(bytes)}`;
}

/** Who belongs to a tenant, for the team step. */
export async function membersOf(db: D1Database, tenantId: string): Promise<{ userId: string; email: string; role: Role; createdAt: string }[]> {
  const { results } = await db
    .prepare("SELECT u.id, u.email, m.role, m.created_at FROM memberships m JOIN users u ON u.id = m.user_id WHERE m.tenant_id = ? ORDER BY m.created_at")
    .bind(tenantId)
    .all<{ id: string; email: string; role: Role; created_at: string }>();
  return results.map((row) => ({ userId: row.id, email: row.email, role: row.role, createdAt: row.created_at }));
}

/**
 * Invites an email into a tenant with a role. The token is returned once (the link to copy);
 * only its hash is stored. Refuses a current member and a second pending invitation.
 */
export async function createInvitation(
  db: D1Database,
  input: { tenantId: string; email: string; role: Role; invitedBy: string; now?: Date },
): Promise<{ invitation: Invitation; token: string } | { error: "already_member" | "already_invited" }> {
  const email = normalizeEmail(input.email);
  const member = await db
    .prepare("SELECT 1 FROM memberships m JOIN users u ON u.id = m.user_id WHERE m.tenant_id = ? AND u.email = ?")
    .bind(input.tenantId, email)
    .first();
  if (member) return { error: "already_member" };
  const now = input.now ?? new Date();
  const token = randomToken();
  const id = `inv_${crypto.randomUUID().replaceAll("-", "")}`;
  // An expired, never-used invitation no longer blocks a new one.
  await db
    .prepare("UPDATE invitations SET revoked_at = ? WHERE tenant_id = ? AND email = ? AND accepted_at IS NULL AND revoked_at IS NULL AND expires_at <= ?")
    .bind(now.toISOString(), input.tenantId, email, now.toISOString())
    .run();
  try {
    await db
      .prepare("INSERT INTO invitations (id, tenant_id, email, role, token_hash, invited_by, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)")
      .bind(id, input.tenantId, email, input.role, await sha256Hex(token), input.invitedBy, now.toISOString(), new Date(now.getTime() + INVITATION_DAYS * 86_400_000).toISOString())
      .run();
  } catch (error) {
    if (String(error).includes("UNIQUE")) return { error: "already_invited" };
    throw error;
  }
  const invitation = await invitationById(db, input.tenantId, id);
  if (!invitation) throw new Error("invitation not stored");
  return { invitation, token };
}

export async function invitationById(db: D1Database, tenantId: string, id: string): Promise<Invitation | null> {
  const row = await db
    .prepare(`SELECT ${INVITATION_COLUMNS} FROM invitations i JOIN tenants t ON t.id = i.tenant_id WHERE i.tenant_id = ? AND i.id = ?`)
    .bind(tenantId, id)
    .first<InvitationRow>();
  return row ? invitationOf(row) : null;
}

/** Invitations neither accepted, revoked nor expired, newest first. */
export async function pendingInvitations(db: D1Database, tenantId: string, now = new Date()): Promise<Invitation[]> {
  const { results } = await db
    .prepare(
      `SELECT ${INVITATION_COLUMNS} FROM invitations i JOIN tenants t ON t.id = i.tenant_id
       WHERE i.tenant_id = ? AND i.accepted_at IS NULL AND i.revoked_at IS NULL AND i.expires_at > ? ORDER BY i.created_at DESC`,
    )
    .bind(tenantId, now.toISOString())
    .all<InvitationRow>();
  return results.map(invitationOf);
}

/** Revokes a pending invitation of this tenant; false when there is none by that id. */
export async function revokeInvitation(db: D1Database, tenantId: string, id: string, now = new Date()): Promise<boolean> {
  const result = await db
    .prepare("UPDATE invitations SET revoked_at = ? WHERE tenant_id = ? AND id = ? AND accepted_at IS NULL AND revoked_at IS NULL")
    .bind(now.toISOString(), tenantId, id)
    .run();
  return result.meta.changes > 0;
}

export type InvitationState = "pending" | "accepted" | "revoked" | "expired";

export function invitationState(invitation: Invitation, now = new Date()): InvitationState {
  if (invitation.acceptedAt) return "accepted";
  if (invitation.revokedAt) return "revoked";
  return invitation.expiresAt <= now.toISOString() ? "expired" : "pending";
}

/** The invitation a link's token names, whatever its state; null for an unknown token. */
export async function invitationByToken(db: D1Database, token: string): Promise<Invitation | null> {
  if (!/^inv_[A-Za-z0-9_-]{20,80}$/.test(token)) return null;
  const row = await db
    .prepare(`SELECT ${INVITATION_COLUMNS} FROM invitations i JOIN tenants t ON t.id = i.tenant_id WHERE i.token_hash = ?`)
    .bind(await sha256Hex(token))
    .first<InvitationRow>();
  return row ? invitationOf(row) : null;
}

/**
 * Accepts a pending invitation for a user in one batch: marks it accepted only while it is
 * still pending, and adds the membership only when that update happened. False when the
 * invitation was no longer pending.
 */
export async function acceptInvitation(db: D1Database, invitation: Invitation, userId: string, now = new Date()): Promise<boolean> {
  const at = now.toISOString();
  const [updated] = await db.batch([
    db
      .prepare("UPDATE invitations SET accepted_at = ?, accepted_by = ? WHERE id = ? AND accepted_at IS NULL AND revoked_at IS NULL AND expires_at > ?")
      .bind(at, userId, invitation.id, at),
    db
      .prepare(
        `INSERT INTO memberships (user_id, tenant_id, role, created_at)
         SELECT ?, tenant_id, role, ? FROM invitations WHERE id = ? AND accepted_by = ? AND accepted_at = ?
         ON CONFLICT DO UPDATE SET role = excluded.role`,
      )
      .bind(userId, at, invitation.id, userId, at),
  ]);
  return (updated?.meta.changes ?? 0) > 0;
}

export async function userCount(db: D1Database, tenantId: string): Promise<number> {
  const row = await db.prepare("SELECT count(*) AS n FROM memberships WHERE tenant_id = ?").bind(tenantId).first<{ n: number }>();
  return row?.n ?? 0;
}
