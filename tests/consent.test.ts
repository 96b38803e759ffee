import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { authorize, Browser, exchange, hiddenField, pkcePair, registerOAuthClient } from "../scripts/lib/oauth-flow";
import { hashPassword } from "../src/auth/passwords";
import { addMember, createUser } from "../src/db/control";
import { logIn } from "../scripts/lib/oauth-flow";
import { newWorkspace, ORIGIN, PASSWORD, uniqueEmail, workerFetch } from "./support/worker";

function authorizeQuery(clientId: string, redirectUri: string, challenge: string, scope = "cs:read cs:write"): string {
  return new URLSearchParams({
    response_type: "code",
    client_id: clientId,
    redirect_uri: redirectUri,
    code_challenge: challenge,
    code_challenge_method: "S256",
    state: "s1",
    scope,
    resource: `${ORIGIN}/mcp`,
  }).toString();
}

describe("OAuth consent", () => {
  it("sends a signed-out user to log in first, then back to the same authorization request", async () => {
    const client = await registerOAuthClient(ORIGIN, workerFetch, "Claude");
    const { challenge } = await pkcePair();
    const browser = new Browser(ORIGIN, workerFetch);
    const response = await browser.request(`/authorize?${authorizeQuery(client.client_id, client.redirect_uri, challenge)}`);
    expect(response.status).toBe(302);
    const location = new URL(response.headers.get("Location") ?? "", ORIGIN);
    expect(location.pathname).toBe("/login");
    expect(location.searchParams.get("next")).toMatch(/^\/authorize\?/);
  });

  it("shows the client's name, the scopes asked for, and Approve and Deny buttons", async () => {
    const workspace = await newWorkspace("Consent Co");
    const client = await registerOAuthClient(ORIGIN, workerFetch, "Claude <script>alert(1)</script>");
    const { challenge } = await pkcePair();
    const { response, html } = await workspace.browser.page(`/authorize?${authorizeQuery(client.client_id, client.redirect_uri, challenge)}`);
    expect(response.status).toBe(200);
    expect(html).toContain("Claude &lt;script&gt;alert(1)&lt;/script&gt;");
    expect(html).not.toContain("<script>alert(1)</script>");
    expect(html).toMatch(/<button[^>]*value="approve"[^>]*>\s*Approve\s*<\/button>/);
    expect(html).toMatch(/<button[^>]*value="deny"[^>]*>\s*Deny\s*<\/button>/);
    expect(html).toMatch(/value="cs:read" checked/);
    expect(html).toMatch(/value="cs:write" checked/);
    expect(html).toMatch(/value="cs:admin"(?! checked)/);
    expect(html).toContain("127.0.0.1");
    expect(html).toContain("Consent Co");
    expect(response.headers.get("X-Frame-Options") ?? response.headers.get("Content-Security-Policy") ?? "").not.toBe("");
  });

  it("returns access_denied to the client when the user chooses Deny", async () => {
    const workspace = await newWorkspace();
    const client = await registerOAuthClient(ORIGIN, workerFetch);
    const { tokens, redirect } = await authorize(workspace.browser, client, { deny: true });
    expect(tokens).toBeUndefined();
    expect(redirect.searchParams.get("error")).toBe("access_denied");
    expect(redirect.searchParams.get("iss")).toBe(ORIGIN);
  });

  it("grants only what the user ticked: an unticked cs:write is not in the token", async () => {
    const workspace = await newWorkspace();
    const client = await registerOAuthClient(ORIGIN, workerFetch);
    const { tokens } = await authorize(workspace.browser, client, { scope: "cs:read cs:write", grant: ["cs:read"] });
    expect(tokens?.scope).toBe("cs:read");
  });

  it("never grants a viewer more than cs:read, even when ticked by a forged form", async () => {
    const owner = await newWorkspace("Viewer Co");
    const tenant = await env.CONTROL_DB.prepare(
      "SELECT m.tenant_id FROM memberships m JOIN users u ON u.id = m.user_id WHERE u.email = ?",
    )
      .bind(owner.email)
      .first<{ tenant_id: string }>();
    const viewerEmail = uniqueEmail("viewer");
    const viewerId = await createUser(env.CONTROL_DB, { email: viewerEmail, name: "Vera Viewer", password: await hashPassword(PASSWORD) });
    await addMember(env.CONTROL_DB, { tenantId: tenant?.tenant_id ?? "", userId: viewerId, role: "viewer" });

    const browser = new Browser(ORIGIN, workerFetch);
    expect((await logIn(browser, { email: viewerEmail, password: PASSWORD })).status).toBe(303);
    const client = await registerOAuthClient(ORIGIN, workerFetch);
    const { challenge, verifier } = await pkcePair();
    const { html } = await browser.page(`/authorize?${authorizeQuery(client.client_id, client.redirect_uri, challenge)}`);
    expect(html).not.toContain('value="cs:write"');
    const forged = await browser.submit("/authorize", {
      csrf_token: hiddenField(html, "csrf_token"),
      handle: hiddenField(html, "handle"),
      decision: "approve",
      scope: ["cs:read", "cs:write", "cs:admin"],
    });
    expect(forged.status).toBe(302);
    const code = new URL(forged.headers.get("Location") ?? "").searchParams.get("code") ?? "";
    const tokens = await exchange(ORIGIN, workerFetch, {
      grant_type: "authorization_code",
      code,
      redirect_uri: client.redirect_uri,
      client_id: client.client_id,
      code_verifier: verifier,
    });
    expect(tokens.scope).toBe("cs:read");
  });

  it("refuses a consent form posted without the CSRF token", async () => {
    const workspace = await newWorkspace();
    const client = await registerOAuthClient(ORIGIN, workerFetch);
    const { challenge } = await pkcePair();
    const { html } = await workspace.browser.page(`/authorize?${authorizeQuery(client.client_id, client.redirect_uri, challenge)}`);
    const response = await workspace.browser.submit("/authorize", { handle: hiddenField(html, "handle"), decision: "approve", scope: "cs:read" });
    expect(response.status).toBe(403);
  });

  it("renders an unknown client locally instead of redirecting", async () => {
    const workspace = await newWorkspace();
    const { challenge } = await pkcePair();
    const response = await workspace.browser.request(`/authorize?${authorizeQuery("no-such-client", "https://evil.example/cb", challenge)}`);
    expect(response.status).toBe(400);
    expect(response.headers.get("Location")).toBeNull();
  });
});
