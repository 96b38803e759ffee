import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { tenantStub } from "../durable-objects/tenant";
import { Browser, hiddenField } from "../scripts/lib/oauth-flow";
import { newWorkspace, ORIGIN, tenantIdOf, uniqueEmail, workerFetch, type Workspace } from "./support/worker";

/** Team step: invitations from creation to acceptance or revocation, and what csm/viewer may reach. */

async function invite(workspace: Workspace, email: string, role: string): Promise<{ status: number; html: string; link: string | null }> {
  const csrf = hiddenField((await workspace.browser.page("/setup/team")).html, "csrf_token");
  const response = await workspace.browser.submit("/setup/team/invite", { csrf_token: csrf, email, role });
  const html = await response.text();
  const link = /id="invite-link"[^>]*value="([^"]+)"/.exec(html)?.[1] ?? null;
  return { status: response.status, html, link };
}

async function acceptBySignup(link: string): Promise<{ browser: Browser; response: Response }> {
  const browser = new Browser(ORIGIN, workerFetch);
  const path = new URL(link).pathname;
  const page = await browser.page(path);
  expect(page.response.status).toBe(200);
  const response = await browser.submit(path, { csrf_token: hiddenField(page.html, "csrf_token"), mode: "signup", password: "another long password" });
  return { browser, response };
}

describe("team invitations", () => {
  it("invites, lists as pending, and lets the invitee sign up and join with the role", async () => {
    const owner = await newWorkspace("Team Co");
    const tenantId = await tenantIdOf(owner.email);
    const email = uniqueEmail("csm");
    const created = await invite(owner, email, "csm");
    expect(created.status).toBe(200);
    expect(created.link).toMatch(/^http:\/\/localhost\/invite\/inv_[A-Za-z0-9_-]+$/);
    expect((await owner.browser.page("/setup/team")).html).toContain(`<td>${email}</td>`);
    const stored = await env.CONTROL_DB.prepare("SELECT token_hash FROM invitations WHERE email = ?").bind(email).first<{ token_hash: string }>();
    expect(stored?.token_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(created.link).not.toContain(stored?.token_hash ?? "none");

    const short = await (async () => {
      const browser = new Browser(ORIGIN, workerFetch);
      const path = new URL(created.link ?? "").pathname;
      const page = await browser.page(path);
      return browser.submit(path, { csrf_token: hiddenField(page.html, "csrf_token"), mode: "signup", password: "short" });
    })();
    expect(short.status).toBe(400);
    expect(await short.text()).toContain('id="password-error"');

    const { browser, response } = await acceptBySignup(created.link ?? "");
    expect(response.status).toBe(303);
    expect(response.headers.get("Location")).toBe("/setup/accounts");
    const member = await env.CONTROL_DB.prepare("SELECT m.role, m.tenant_id FROM memberships m JOIN users u ON u.id = m.user_id WHERE u.email = ?")
      .bind(email)
      .first<{ role: string; tenant_id: string }>();
    expect(member).toEqual({ role: "csm", tenant_id: tenantId });
    expect((await browser.page("/setup/accounts")).response.status).toBe(200);

    // The link works once.
    const again = await new Browser(ORIGIN, workerFetch).page(new URL(created.link ?? "").pathname);
    expect(again.response.status).toBe(410);
    expect((await owner.browser.page("/setup/team")).html).not.toContain(`<td>${email}</td>`);
    const audit = await tenantStub(env.TENANT, tenantId).auditLogPage({ limit: 20 });
    const actions = audit.ok ? audit.value.entries.map((entry) => `${entry.action}:${entry.via}`) : [];
    expect(actions).toContain("invite_user:setup");
    expect(actions).toContain("accept_invitation:setup");
  });

  it("refuses a duplicate pending invitation and a bad email, each next to its field", async () => {
    const owner = await newWorkspace();
    const email = uniqueEmail("dup");
    expect((await invite(owner, email, "viewer")).status).toBe(200);
    const twice = await invite(owner, email, "viewer");
    expect(twice.status).toBe(409);
    expect(twice.html).toContain('id="email-error"');
    const bad = await invite(owner, "not-an-email", "boss");
    expect(bad.status).toBe(400);
    expect(bad.html).toContain('id="email-error"');
    expect(bad.html).toContain('id="role-error"');
    const member = await invite(owner, owner.email, "admin");
    expect(member.status).toBe(409);
    expect(member.html).toContain("already a member");
  });

  it("revokes a pending invitation so its link stops working", async () => {
    const owner = await newWorkspace();
    const email = uniqueEmail("revoked");
    const created = await invite(owner, email, "admin");
    const team = (await owner.browser.page("/setup/team")).html;
    const id = /name="invitation_id" value="([^"]+)"/.exec(team)?.[1] ?? "";
    const revoked = await owner.browser.submit("/setup/team/revoke", { csrf_token: hiddenField(team, "csrf_token"), invitation_id: id });
    expect(revoked.status).toBe(200);
    expect(await revoked.text()).toContain("Invitation revoked");
    const page = await new Browser(ORIGIN, workerFetch).page(new URL(created.link ?? "").pathname);
    expect(page.response.status).toBe(410);
    expect(page.html).toContain("Invitation revoked");
    const again = await owner.browser.submit("/setup/team/revoke", { csrf_token: hiddenField(team, "csrf_token"), invitation_id: id });
    expect(again.status).toBe(404);
    expect((await new Browser(ORIGIN, workerFetch).page("/invite/inv_unknownunknownunknownunknown")).response.status).toBe(404);
  });

  it("gives csm and viewer members a 403 page on every admin step, and the accounts view", async () => {
    const owner = await newWorkspace("Roles Co");
    for (const role of ["csm", "viewer"]) {
      const created = await invite(owner, uniqueEmail(role), role);
      const { browser } = await acceptBySignup(created.link ?? "");
      for (const path of ["/setup", "/setup/welcome", "/setup/health", "/setup/data", "/setup/team", "/setup/done", "/setup/audit", "/setup/report.json"]) {
        const { response, html } = await browser.page(path);
        expect(response.status, `${role} ${path}`).toBe(403);
        expect(html).toContain("Workspace setup is for owners and admins");
        expect(html).toContain(`signed in as ${role}`);
      }
      const csrf = hiddenField((await browser.page("/setup/accounts")).html, "csrf_token");
      const post = await browser.submit("/setup/team/invite", { csrf_token: csrf, email: uniqueEmail("sneaky"), role: "owner" });
      expect(post.status).toBe(403);
      expect((await browser.page("/setup/accounts")).response.status).toBe(200);
    }
    const pending = await env.CONTROL_DB.prepare("SELECT count(*) AS n FROM invitations WHERE email LIKE 'sneaky%'").first<{ n: number }>();
    expect(pending?.n).toBe(0);
  });

  it("lets only an owner invite another owner", async () => {
    const owner = await newWorkspace();
    const created = await invite(owner, uniqueEmail("admin"), "admin");
    const { browser } = await acceptBySignup(created.link ?? "");
    const csrf = hiddenField((await browser.page("/setup/team")).html, "csrf_token");
    const response = await browser.submit("/setup/team/invite", { csrf_token: csrf, email: uniqueEmail("owner2"), role: "owner" });
    expect(response.status).toBe(403);
    expect(await response.text()).toContain("Only an owner can invite another owner");
  });
});
