import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { Browser, logIn } from "../scripts/lib/oauth-flow";
import { hashPassword } from "../src/auth/passwords";
import { sha256Hex } from "../src/http/hex";
import { addMember, createUser } from "../src/db/control";
import { adminWorkspace, createKey, postEvents, tool } from "./support/events";
import { apiCall, callTool, ORIGIN, PASSWORD, tokenFor, uniqueEmail, workerFetch } from "./support/worker";

interface KeyView {
  id: string;
  name: string;
  prefix: string;
  created_by: string;
  last_used_at: string | null;
  revoked_at: string | null;
}

const EVENT = { type: "track", messageId: "k-1", event: "login", userId: "u1", context: { groupId: "nobody-yet" } };

describe("API keys", () => {
  it("creates a key shown once, stores only its hash, lists it without the secret, and audits both changes", async () => {
    const admin = await adminWorkspace("Keys Co");
    const created = await tool<{ secret: string; key: KeyView; usage: string }>(admin.token, "create_api_key", { name: "production backend" });
    expect(created.secret).toMatch(/^csk_[A-Za-z0-9_-]{43}$/);
    expect(created.key.prefix).toBe(created.secret.slice(0, 12));
    expect(created.key.name).toBe("production backend");
    expect(created.key.revoked_at).toBeNull();

    const row = await env.CONTROL_DB.prepare("SELECT * FROM api_keys WHERE id = ?").bind(created.key.id).first<Record<string, unknown>>();
    expect(row?.key_hash).toBe(await sha256Hex(created.secret));
    expect(row?.tenant_id).toBe(admin.tenantId);
    expect(JSON.stringify(row)).not.toContain(created.secret);

    const listed = await tool<{ keys: KeyView[]; active_count: number }>(admin.token, "list_api_keys", {});
    expect(listed.keys.map((key) => key.id)).toEqual([created.key.id]);
    expect(listed.active_count).toBe(1);
    const listedText = JSON.stringify(listed);
    expect(listedText).not.toContain(created.secret);
    expect(listedText).not.toContain(String(row?.key_hash));

    // The key works, and its use is recorded.
    expect((await postEvents(created.secret, EVENT)).status).toBe(200);
    const used = await tool<{ keys: KeyView[] }>(admin.token, "list_api_keys", {});
    expect(used.keys[0]?.last_used_at).not.toBeNull();

    const revoked = await tool<{ key: KeyView; already_revoked: boolean }>(admin.token, "revoke_api_key", { key_id: created.key.id });
    expect(revoked.already_revoked).toBe(false);
    expect(revoked.key.revoked_at).not.toBeNull();
    const again = await tool<{ already_revoked: boolean; key: KeyView }>(admin.token, "revoke_api_key", { key_id: created.key.id });
    expect(again.already_revoked).toBe(true);
    expect(again.key.revoked_at).toBe(revoked.key.revoked_at);
    expect((await tool<{ active_count: number }>(admin.token, "list_api_keys", {})).active_count).toBe(0);

    // A revoked key is refused, with the way to get a new one.
    const refused = await postEvents(created.secret, EVENT);
    expect(refused.status).toBe(401);
    expect((await refused.json<{ error: { message: string } }>()).error.message).toContain("create_api_key");

    const audit = await admin.tenant.auditLog(20);
    const actions = audit.map((entry) => `${entry.action}:${entry.targetId}`);
    expect(actions).toContain(`create_api_key:${created.key.id}`);
    expect(actions.filter((action) => action === `revoke_api_key:${created.key.id}`)).toHaveLength(1);
    expect(JSON.stringify(audit)).not.toContain(created.secret);
  });

  it("has REST twins, and keeps each tenant's keys to itself", async () => {
    const alpha = await adminWorkspace("Alpha Keys");
    const beta = await adminWorkspace("Beta Keys");
    const alphaApi = (await tokenFor(alpha.workspace, { scope: "cs:read cs:write cs:admin", resource: ORIGIN })).access_token;

    const created = await apiCall(alphaApi, "/api/v1/api-keys", { method: "POST", body: JSON.stringify({ name: "rest key" }) });
    expect(created.status).toBe(201);
    const { key, secret } = await created.json<{ key: KeyView; secret: string }>();
    expect(secret.startsWith(key.prefix)).toBe(true);
    const list = await (await apiCall(alphaApi, "/api/v1/api-keys")).json<{ keys: KeyView[] }>();
    expect(list.keys.map((entry) => entry.id)).toEqual([key.id]);

    const betaKey = await createKey(beta.token, "beta key");
    // Alpha sees none of Beta's keys and cannot revoke them; Beta's key keeps working.
    expect(list.keys.map((entry) => entry.id)).not.toContain(betaKey.id);
    const foreign = await apiCall(alphaApi, `/api/v1/api-keys/${betaKey.id}`, { method: "DELETE" });
    expect(foreign.status).toBe(404);
    expect((await foreign.json<{ error: { message: string } }>()).error.message).toContain("list_api_keys");
    expect((await postEvents(betaKey.secret, EVENT)).status).toBe(200);

    const bad = await apiCall(alphaApi, "/api/v1/api-keys", { method: "POST", body: JSON.stringify({ name: "" }) });
    expect(bad.status).toBe(400);
    expect((await bad.json<{ error: { message: string } }>()).error.message).toContain("name");

    const deleted = await apiCall(alphaApi, `/api/v1/api-keys/${key.id}`, { method: "DELETE" });
    expect(deleted.status).toBe(200);
    expect((await postEvents(secret, EVENT)).status).toBe(401);
  });

  it("refuses key administration to a CSM token with 403 insufficient_scope naming cs:admin", async () => {
    const owner = await adminWorkspace("CSM Scope Co");
    const email = uniqueEmail("csm");
    const userId = await createUser(env.CONTROL_DB, { email, name: "Casey CSM", password: await hashPassword(PASSWORD) });
    await addMember(env.CONTROL_DB, { tenantId: owner.tenantId, userId, role: "csm" });
    const browser = new Browser(ORIGIN, workerFetch);
    await logIn(browser, { email, password: PASSWORD });
    const csm = await tokenFor({ browser, email }, { scope: "cs:read cs:write cs:admin" });
    expect(csm.scope).toBe("cs:read cs:write");

    const mcp = await callTool(csm.access_token, "create_api_key", { name: "sneaky" });
    expect(mcp.response.status).toBe(403);
    const challenge = mcp.response.headers.get("WWW-Authenticate") ?? "";
    expect(challenge).toContain('error="insufficient_scope"');
    expect(challenge).toContain("cs:admin");

    const csmApi = await tokenFor({ browser, email }, { scope: "cs:read cs:write", resource: ORIGIN });
    const rest = await apiCall(csmApi.access_token, "/api/v1/api-keys", { method: "POST", body: JSON.stringify({ name: "sneaky" }) });
    expect(rest.status).toBe(403);
    expect(rest.headers.get("WWW-Authenticate")).toContain("cs:admin");
    const count = await env.CONTROL_DB.prepare("SELECT count(*) AS n FROM api_keys WHERE tenant_id = ?").bind(owner.tenantId).first<{ n: number }>();
    expect(count?.n).toBe(0);
  });
});
