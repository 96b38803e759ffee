-- Per-tenant API keys for the usage-events endpoint (POST /api/v1/events).
-- Only the SHA-256 of the secret is kept: the secret is 32 random bytes, so a plain hash is
-- enough (no salt or stretching needed), and it makes the lookup one indexed equality.
CREATE TABLE api_keys (
  id TEXT PRIMARY KEY,
  tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  name TEXT NOT NULL,
  -- The first characters of the secret ("csk_" and 8 more), shown so people can tell keys apart.
  key_prefix TEXT NOT NULL,
  -- Lowercase hex SHA-256 of the whole secret.
  key_hash TEXT NOT NULL UNIQUE,
  created_by TEXT NOT NULL,
  created_at TEXT NOT NULL,
  last_used_at TEXT,
  revoked_at TEXT
);
CREATE INDEX api_keys_by_tenant ON api_keys(tenant_id, created_at);
