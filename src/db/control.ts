import type { PasswordHash } from "../auth/passwords";

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
