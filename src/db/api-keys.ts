import { encodeBase64Url } from "../http/base64";
import { sha256Hex } from "../http/hex";

/**
 * Per-tenant API keys in the D1 control plane, for the usage-events endpoint.
 *
 * A key is `csk_` followed by 43 base64url characters (32 random bytes). Only its SHA-256 is
 * stored: with 256 bits of entropy a plain hash cannot be brute-forced, so no salt or
 * stretching is needed, and looking a key up is one equality on a unique index.
 */

export const API_KEY_PREFIX = "csk_";
/** Characters of the secret kept for display: "csk_" and the first 8 random characters. */
const DISPLAY_PREFIX_LENGTH = API_KEY_PREFIX.length + 8;
const API_KEY_PATTERN = /^csk_[A-Za-z0-9_-]{43}$/;
/** last_used_at is written at most once per this many milliseconds per key. */
const LAST_USED_RESOLUTION_MS = 60_000;

export interface ApiKeySummary {
  id: string;
  name: string;
  prefix: string;
  created_by: string;
  created_at: string;
  last_used_at: string | null;
  revoked_at: string | null;
}

/** What an authenticated request knows about its key. */
export interface ApiKeyIdentity {
  id: string;
  tenantId: string;
  name: string;
  lastUsedAt: string | null;
}

interface ApiKeyRow {
  id: string;
  tenant_id: string;
  name: string;
  key_prefix: string;
  created_by: string;
  created_at: string;
  last_used_at: string | null;
  revoked_at: string | null;
}

/** Whether a string has the shape of one of our keys (checked before hashing anything). */
export function looksLikeApiKey(value: string): boolean {
  return API_KEY_PATTERN.test(value);
}

function toSummary(row: ApiKeyRow): ApiKeySummary {
  return {
    id: row.id,
    name: row.name,
    prefix: row.key_prefix,
    created_by: row.created_by,
    created_at: row.created_at,
    last_used_at: row.last_used_at,
    revoked_at: row.revoked_at,
  };
}

/** Creates a key for a tenant; the secret is in the answer and nowhere else, ever. */
export async function createApiKey(
  db: D1Database,
  input: { tenantId: string; name: string; createdBy: string },
  now = new Date(),
): Promise<{ key: ApiKeySummary; secret: string }> {
  const secret = `${API_KEY_PREFIX}${encodeBase64Url(crypto.getRandomValues(new Uint8Array(32)))}`;
  const row: ApiKeyRow = {
    id: `key_${crypto.randomUUID().replaceAll("-", "").slice(0, 20)}`,
    tenant_id: input.tenantId,
    name: input.name,
    key_prefix: secret.slice(0, DISPLAY_PREFIX_LENGTH),
    created_by: input.createdBy,
    created_at: now.toISOString(),
    last_used_at: null,
    revoked_at: null,
  };
  await db
    .prepare(
      "INSERT INTO api_keys (id, tenant_id, name, key_prefix, key_hash, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(row.id, row.tenant_id, row.name, row.key_prefix, await sha256Hex(secret), row.created_by, row.created_at)
    .run();
  return { key: toSummary(row), secret };
}

/** A tenant's keys, newest first, revoked ones included (never the secret or its hash). */
export async function listApiKeys(db: D1Database, tenantId: string): Promise<ApiKeySummary[]> {
  const { results } = await db
    .prepare(
      `SELECT id, tenant_id, name, key_prefix, created_by, created_at, last_used_at, revoked_at
       FROM api_keys WHERE tenant_id = ? ORDER BY created_at DESC, id DESC`,
    )
    .bind(tenantId)
    .all<ApiKeyRow>();
  return results.map(toSummary);
}

/**
 * Revokes one of the tenant's keys. Null when the tenant has no key with that id (another
 * tenant's key id is "not found" too). Revoking twice keeps the first revocation time.
 */
export async function revokeApiKey(
  db: D1Database,
  tenantId: string,
  id: string,
  now = new Date(),
): Promise<{ key: ApiKeySummary; alreadyRevoked: boolean } | null> {
  const before = await db
    .prepare(
      "SELECT id, tenant_id, name, key_prefix, created_by, created_at, last_used_at, revoked_at FROM api_keys WHERE id = ? AND tenant_id = ?",
    )
    .bind(id, tenantId)
    .first<ApiKeyRow>();
  if (!before) return null;
  if (before.revoked_at) return { key: toSummary(before), alreadyRevoked: true };
  const revokedAt = now.toISOString();
  await db.prepare("UPDATE api_keys SET revoked_at = ? WHERE id = ? AND tenant_id = ? AND revoked_at IS NULL").bind(revokedAt, id, tenantId).run();
  return { key: toSummary({ ...before, revoked_at: revokedAt }), alreadyRevoked: false };
}

/** The live key with this secret, or null (unknown, malformed or revoked). */
export async function findActiveApiKey(db: D1Database, secret: string): Promise<ApiKeyIdentity | null> {
  if (!looksLikeApiKey(secret)) return null;
  const row = await db
    .prepare("SELECT id, tenant_id, name, last_used_at FROM api_keys WHERE key_hash = ? AND revoked_at IS NULL")
    .bind(await sha256Hex(secret))
    .first<{ id: string; tenant_id: string; name: string; last_used_at: string | null }>();
  return row ? { id: row.id, tenantId: row.tenant_id, name: row.name, lastUsedAt: row.last_used_at } : null;
}

/** Records that a key was used, at most once a minute per key (a busy sender is not a D1 write per request). */
export async function touchApiKey(db: D1Database, key: ApiKeyIdentity, now = new Date()): Promise<void> {
  if (key.lastUsedAt && now.getTime() - Date.parse(key.lastUsedAt) < LAST_USED_RESOLUTION_MS) return;
  await db.prepare("UPDATE api_keys SET last_used_at = ? WHERE id = ?").bind(now.toISOString(), key.id).run();
}
