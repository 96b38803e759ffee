import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { tenantStub } from "../durable-objects/tenant";
import { authorize, Browser, exchange, hiddenField, registerOAuthClient } from "../scripts/lib/oauth-flow";
import { apiCall, callTool, newWorkspace, ORIGIN, tenantIdOf, uniqueEmail, workerFetch, type Workspace } from "./support/worker";

/** /setup/assistants: the OAuth grants a workspace's people approved, and revoking one. */

async function connect(workspace: Workspace, appName: string, scope: string) {
  const client = await registerOAuthClient(ORIGIN, workerFetch, appName);
  const { tokens } = await authorize(workspace.browser, client, { scope });
  if (!tokens) throw new Error("no tokens");
  return { ...tokens, client_id: client.client_id };
}

/** Invites `role` into the owner's workspace and signs the invitee up through the link. */
async function member(owner: Workspace, role: string): Promise<Workspace> {
  const email = uniqueEmail(role);
  const team = (await owner.browser.page("/setup/team")).html;
  const invited = await (await owner.browser.submit("/setup/team/invite", { csrf_token: hiddenField(team, "csrf_token"), email, role })).text();
  const link = /id="invite-link"[^>]*value="([^"]+)"/.exec(invited)?.[1] ?? "";
  const browser = new Browser(ORIGIN, workerFetch);
  const path = new URL(link).pathname;
  const page = await browser.page(path);
  const joined = await browser.submit(path, { csrf_token: hiddenField(page.html, "csrf_token"), mode: "signup", password: "another long password" });
  expect(joined.status).toBe(303);
  return { browser, email };
}

/** The rows of the page: app name, grant id, and who approved it (admins see that column). */
function rows(html: string): { app: string; grantId: string; approvedBy: string | null }[] {
  return [...html.matchAll(/<tr><td><strong>.*?<\/tr>/gs)].map(([row]) => ({
    app: /<strong>([^<]+)<\/strong>/.exec(row)?.[1] ?? "",
    approvedBy: /<td>([^<]+@[^<]+)<\/td>/.exec(row)?.[1] ?? null,
    grantId: /name="grant_id" value="([^"]+)"/.exec(row)?.[1] ?? "",
  }));
}

async function revoke(workspace: Workspace, grantId: string): Promise<{ status: number; html: string }> {
  const csrf = hiddenField((await workspace.browser.page("/setup/assistants")).html, "csrf_token");
  const response = await workspace.browser.submit("/setup/assistants/revoke", { csrf_token: csrf, grant_id: grantId });
  return { status: response.status, html: await response.text() };
}

describe("connected assistants", () => {
  it("lists each person's approved apps: the whole team's for an owner, one's own for a CSM", async () => {
    const owner = await newWorkspace("Assistants Co");
    const csm = await member(owner, "csm");
    await connect(owner, "Claude Desktop", "cs:read cs:admin");
    await connect(csm, "Inspector", "cs:read");

    const ownerPage = await owner.browser.page("/setup/assistants");
    expect(ownerPage.response.status).toBe(200);
    const listed = rows(ownerPage.html);
    expect(listed.map((row) => `${row.app} by ${row.approvedBy}`).sort()).toEqual([`Claude Desktop by ${owner.email}`, `Inspector by ${csm.email}`]);
    expect(ownerPage.html).toContain("cs:read, cs:admin");

    const csmPage = await csm.browser.page("/setup/assistants");
    expect(csmPage.response.status).toBe(200);
    expect(rows(csmPage.html).map((row) => row.app)).toEqual(["Inspector"]);
    expect(csmPage.html).not.toContain("Claude Desktop");
  });

  it("revokes an app: its access and refresh tokens stop working at once, and the audit log says who did it", async () => {
    const owner = await newWorkspace("Revoke Co");
    const csm = await member(owner, "csm");
    const csmTokens = await connect(csm, "Laptop Claude", "cs:read cs:write");
    const ownerTokens = await connect(owner, "Owner Claude", "cs:read");
    expect((await callTool(csmTokens.access_token, "list_clients", {})).result?.isError).toBeFalsy();

    // A CSM cannot revoke the owner's app: it is not on their page, and a forged id is refused.
    const ownerGrant = rows((await owner.browser.page("/setup/assistants")).html).find((row) => row.app === "Owner Claude")?.grantId ?? "";
    const forged = await revoke(csm, ownerGrant);
    expect(forged.status).toBe(404);
    expect(forged.html).toContain("not yours to revoke");
    expect((await callTool(ownerTokens.access_token, "list_clients", {})).response.status).toBe(200);

    // The owner revokes the CSM's app.
    const csmGrant = rows((await owner.browser.page("/setup/assistants")).html).find((row) => row.app === "Laptop Claude")?.grantId ?? "";
    const revoked = await revoke(owner, csmGrant);
    expect(revoked.status).toBe(200);
    expect(revoked.html).toContain(`Laptop Claude (approved by ${csm.email}) no longer has access`);
    expect(rows(revoked.html).map((row) => row.app)).toEqual(["Owner Claude"]);

    const mcp = await callTool(csmTokens.access_token, "list_clients", {});
    expect(mcp.response.status).toBe(401);
    expect(mcp.response.headers.get("WWW-Authenticate")).toContain("resource_metadata");
    expect((await apiCall(csmTokens.access_token, "/api/v1/clients")).status).toBe(401);
    await expect(exchange(ORIGIN, workerFetch, { grant_type: "refresh_token", refresh_token: csmTokens.refresh_token ?? "", client_id: csmTokens.client_id })).rejects.toThrow(
      /answered 400.*invalid_grant/,
    );
    // The owner's own app is untouched.
    expect((await callTool(ownerTokens.access_token, "list_clients", {})).result?.isError).toBeFalsy();

    // Revoking it again finds nothing.
    expect((await revoke(owner, csmGrant)).status).toBe(404);

    const audit = await tenantStub(env.TENANT, await tenantIdOf(owner.email)).auditLogPage({ limit: 20 });
    const entry = audit.ok ? audit.value.entries.find((row) => row.action === "revoke_assistant_access") : undefined;
    expect(entry?.target_id).toBe(csmGrant);
    expect(entry?.via).toBe("setup");
    expect(JSON.parse(String(entry?.details))).toMatchObject({ app: "Laptop Claude", approved_by: csm.email, scopes: ["cs:read", "cs:write"] });
  });

  it("keeps workspaces apart: an owner neither sees nor revokes another workspace's apps", async () => {
    const first = await newWorkspace("First Co");
    const second = await newWorkspace("Second Co");
    const tokens = await connect(second, "Second's Claude", "cs:read");
    const secondGrant = rows((await second.browser.page("/setup/assistants")).html)[0]?.grantId ?? "";
    expect(secondGrant).not.toBe("");

    const firstPage = await first.browser.page("/setup/assistants");
    expect(rows(firstPage.html)).toEqual([]);
    expect(firstPage.html).toContain("No assistant is connected by anyone in this workspace");
    expect((await revoke(first, secondGrant)).status).toBe(404);
    expect((await callTool(tokens.access_token, "list_clients", {})).response.status).toBe(200);
  });

  it("refuses a revocation without the form's security token", async () => {
    const owner = await newWorkspace();
    await connect(owner, "Claude", "cs:read");
    const grantId = rows((await owner.browser.page("/setup/assistants")).html)[0]?.grantId ?? "";
    const response = await owner.browser.submit("/setup/assistants/revoke", { grant_id: grantId });
    expect(response.status).toBe(403);
    expect(rows((await owner.browser.page("/setup/assistants")).html).map((row) => row.grantId)).toEqual([grantId]);
  });
});
