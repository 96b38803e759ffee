-- Team invitations from the setup page (/setup/team): an owner or admin invites an email with
-- a role; the invitee follows /invite/<token> to sign up or log in and join the tenant.
-- Only the SHA-256 of the token is kept (32 random bytes, so no salt or stretching needed).
CREATE TABLE invitations (
  id TEXT PRIMARY KEY,
  tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  email TEXT NOT NULL,
  role TEXT NOT NULL CHECK (role IN ('owner', 'admin', 'csm', 'viewer')),
  token_hash TEXT NOT NULL UNIQUE,
  invited_by TEXT NOT NULL,
  created_at TEXT NOT NULL,
  expires_at TEXT NOT NULL,
  accepted_at TEXT,
  accepted_by TEXT,
  revoked_at TEXT
);
CREATE INDEX invitations_by_tenant ON invitations(tenant_id, created_at);
-- At most one pending invitation per email and tenant.
CREATE UNIQUE INDEX invitations_pending_email ON invitations(tenant_id, email) WHERE accepted_at IS NULL AND revoked_at IS NULL;
