import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import { tenantStub } from "../durable-objects/tenant";
import { integrationFor } from "../src/integrations/registry";
import { invalidInput } from "../src/tools/define";
import { PROVIDERS } from "../src/integrations/provider";
import { connectErrors, integrationSetupOf } from "../src/setup/integration-fields";
import * as schema from "../src/db/tenant-schema";
import { Browser, hiddenField } from "../scripts/lib/oauth-flow";
import { providerRequests, scriptFaults } from "./support/fakes";
import { inTenant, ok, register } from "./support/work";
import { newWorkspace, ORIGIN, tenantIdOf, tokenFor, uniqueEmail, workerFetch, type Workspace } from "./support/worker";

/** Setup step 2 (integrations) and the integration jobs view, against the real tools and the fake providers. */

const US = "api.intercom.io";

async function csrfOf(workspace: Workspace, path = "/setup/integrations"): Promise<string> {
  return hiddenField((await workspace.browser.page(path)).html, "csrf_token");
}

async function post(workspace: Workspace, path: string, fields: Record<string, string>): Promise<{ status: number; html: string }> {
  const response = await workspace.browser.submit(path, { csrf_token: await csrfOf(workspace), ...fields });
  return { status: response.status, html: await response.text() };
}

/** The text of the error shown under a field (its id is `<provider>-<field>-error`). */
function fieldError(html: string, id: string): string | null {
  return new RegExp(`<p class="field-error" id="${id}-error">([^<]*)</p>`).exec(html)?.[1] ?? null;
}

async function listed(workspace: Workspace) {
  const tenant = tenantStub(env.TENANT, await tenantIdOf(workspace.email));
  const connections = await tenant.listConnections();
  if (!connections.ok) throw new Error(connections.message);
  return connections.value;
}

const secret = (prefix: string) => `${prefix}${crypto.randomUUID().replaceAll("-", "")}`;

describe("setup step 2: integrations", () => {
  it("shows a card per provider with labelled fields, console links, the webhook URL and the step between welcome and health", async () => {
    const workspace = await newWorkspace("Integrations Co");
    const tenantId = await tenantIdOf(workspace.email);
    const page = await workspace.browser.page("/setup/integrations");
    expect(page.response.status).toBe(200);
    for (const title of ["Zendesk", "Intercom", "Mixpanel", "SendGrid"]) expect(page.html).toContain(`<h2 id="${title.toLowerCase()}-title">${title} `);
    expect(page.html).toContain('<label for="zendesk-subdomain">Zendesk subdomain</label>');
    expect(page.html).toMatch(/<input id="intercom-access_token" name="access_token" type="password" value=""/);
    expect(page.html).toContain('href="https://app.intercom.com/a/apps/_/developer-hub"');
    expect(page.html).toContain(`value="${ORIGIN}/webhooks/intercom/${tenantId}"`);
    expect(page.html).toContain("data-copy=\"intercom-webhook-url\"");
    expect(page.html.indexOf("1. Welcome")).toBeLessThan(page.html.indexOf("2. Integrations"));
    expect(page.html.indexOf("2. Integrations")).toBeLessThan(page.html.indexOf("3. Health model"));

    const response = await workspace.browser.submit("/setup/welcome", { csrf_token: await csrfOf(workspace, "/setup/welcome") });
    expect(response.headers.get("Location")).toBe("/setup/integrations");
    const done = await workspace.browser.submit("/setup/integrations/done", { csrf_token: await csrfOf(workspace) });
    expect(done.headers.get("Location")).toBe("/setup/health");
    const status = await tenantStub(env.TENANT, tenantId).setupStatus();
    expect(status.ok && status.value.completed).toEqual(["welcome", "integrations"]);
  });

  it("connects Intercom: the provider's own answer shown, secrets never in the HTML, only their last four; a blank secret keeps the stored one", async () => {
    const workspace = await newWorkspace();
    const accessToken = secret("tok");
    const clientSecret = secret("cs");
    const saved = await post(workspace, "/setup/integrations/intercom", { region: "us", access_token: accessToken, client_secret: clientSecret, admin_id: "", test: "yes" });
    expect(saved.status).toBe(200);
    expect(saved.html).toContain('data-test-result="ok"');
    expect(saved.html).toContain("Intercom answered: Connected to Intercom as Ada Admin &lt;ada@fake-intercom.test&gt; in workspace Fake Workspace.");
    expect(saved.html).toContain(`(stored: …${accessToken.slice(-4)})`);
    expect(saved.html).toContain(`Stored: …${clientSecret.slice(-4)}. Leave blank to keep it.`);
    for (const html of [saved.html, (await workspace.browser.page("/setup/integrations")).html]) {
      expect(html).not.toContain(accessToken);
      expect(html).not.toContain(clientSecret);
      expect(html).not.toContain(accessToken.slice(0, -4));
    }
    expect((await providerRequests(US, `Bearer ${accessToken}`)).map((request) => request.path)).toEqual(["/me"]);

    // Change a setting, leave the secrets blank: the stored token is kept and still works.
    const changed = await post(workspace, "/setup/integrations/intercom", { region: "us", access_token: "", client_secret: "", admin_id: "991267", test: "yes" });
    expect(changed.status).toBe(200);
    expect(changed.html).toContain('data-test-result="ok"');
    expect(changed.html).toContain('name="admin_id" type="text" value="991267"');
    expect((await providerRequests(US, `Bearer ${accessToken}`)).map((request) => request.path)).toEqual(["/me", "/me"]);
    const [connection] = await listed(workspace);
    expect(connection?.secret_hints.access_token).toBe(`…${accessToken.slice(-4)}`);

    // A revoked token: Intercom's own refusal is shown.
    const revoked = secret("revoked");
    const refused = await post(workspace, "/setup/integrations/intercom", { region: "us", access_token: revoked, test: "yes" });
    expect(refused.html).toContain('data-test-result="failed"');
    expect(refused.html).toContain("Access Token Invalid");
    expect(refused.html).not.toContain(revoked);

    // Test connection on its own, then disconnect.
    const tested = await post(workspace, "/setup/integrations/intercom/test", {});
    expect(tested.html).toContain('data-test-result="failed"');
    expect(tested.html).toContain("Intercom answered:");
    const gone = await post(workspace, "/setup/integrations/intercom/disconnect", {});
    expect(gone.html).toContain("Intercom disconnected");
    expect(await listed(workspace)).toEqual([]);
    const untested = await post(workspace, "/setup/integrations/intercom/test", {});
    expect(untested.status).toBe(400);
    expect(untested.html).toContain("intercom is not connected");
  });

  it("shows the schema's refusals next to their fields, keeps non-secret values, and saves nothing", async () => {
    const workspace = await newWorkspace();
    const token = secret("tok");
    const bad = await post(workspace, "/setup/integrations/intercom", { region: "us", access_token: "short", admin_id: "not-digits", test: "yes" });
    expect(bad.status).toBe(400);
    expect(fieldError(bad.html, "intercom-access_token")).toContain("access_token looks too short");
    expect(fieldError(bad.html, "intercom-admin_id")).toContain("admin_id must be the numeric id of an Intercom admin");
    expect(bad.html).toMatch(/<input id="intercom-admin_id" name="admin_id" type="text" value="not-digits"[^>]*aria-invalid="true"/);
    expect(bad.html).not.toContain('value="short"');
    expect(await listed(workspace)).toEqual([]);
    expect(await providerRequests(US, `Bearer ${token}`)).toEqual([]);
    const region = await post(workspace, "/setup/integrations/intercom", { region: "mars", access_token: token });
    expect(fieldError(region.html, "intercom-region")).toContain("region must be us, eu or au");

    if (integrationFor("zendesk")) {
      const zendeskToken = secret("zd");
      const zendesk = await post(workspace, "/setup/integrations/zendesk", { subdomain: "not a subdomain!", auth: "api_token", email: "admin@example.com", api_token: zendeskToken, test: "no" });
      expect(zendesk.status).toBe(400);
      expect(fieldError(zendesk.html, "zendesk-subdomain")).toContain("subdomain");
      expect(zendesk.html).not.toContain(zendeskToken);
    }
    // A provider this deployment does not include yet is refused in words, on its card.
    const missing = PROVIDERS.find((name) => integrationFor(name) === null);
    if (missing) {
      const refusedCard = await post(workspace, `/setup/integrations/${missing}`, { region: "us" });
      expect(refusedCard.status).toBe(400);
      expect(refusedCard.html).toContain(`provider: ${missing} is not available in this deployment yet.`);
      expect((await workspace.browser.page("/setup/integrations")).html).toContain("is not available in this deployment yet: its connection is refused until it is.");
    }
    expect(await listed(workspace)).toEqual([]);
  });

  it("skips a provider (saved in the setup progress and shown on the welcome checks)", async () => {
    const workspace = await newWorkspace();
    const skipped = await post(workspace, "/setup/integrations/sendgrid/skip", {});
    expect(skipped.status).toBe(200);
    expect(skipped.html).toContain("SendGrid skipped");
    expect(skipped.html).toContain('<span class="status todo">Skipped</span>');
    const status = await tenantStub(env.TENANT, await tenantIdOf(workspace.email)).setupStatus();
    expect(status.ok && status.value.completed).toEqual(["skip_sendgrid"]);
    expect((await workspace.browser.page("/setup/welcome")).html).toContain("SendGrid: skipped");
    const unknown = await post(workspace, "/setup/integrations/salesforce/skip", {});
    expect(unknown.status).toBe(404);
  });

  it("refuses a forged CSRF token (nothing saved) and gives a csm a 403 page on the step and the jobs view", async () => {
    const workspace = await newWorkspace();
    await workspace.browser.page("/setup/integrations");
    const forged = await workspace.browser.submit("/setup/integrations/intercom", { csrf_token: "forged", region: "us", access_token: secret("tok") });
    expect(forged.status).toBe(403);
    expect(await forged.text()).toContain("This form expired");
    expect(await listed(workspace)).toEqual([]);

    const csrf = hiddenField((await workspace.browser.page("/setup/team")).html, "csrf_token");
    const invited = await workspace.browser.submit("/setup/team/invite", { csrf_token: csrf, email: uniqueEmail("csm"), role: "csm" });
    const link = /id="invite-link"[^>]*value="([^"]+)"/.exec(await invited.text())?.[1] ?? "";
    const csm = new Browser(ORIGIN, workerFetch);
    const path = new URL(link).pathname;
    const invitation = await csm.page(path);
    await csm.submit(path, { csrf_token: hiddenField(invitation.html, "csrf_token"), mode: "signup", password: "another long password" });
    for (const page of ["/setup/integrations", "/setup/jobs"]) {
      const { response, html } = await csm.page(page);
      expect(response.status, page).toBe(403);
      expect(html).toContain("Workspace setup is for owners and admins");
    }
    const token = hiddenField((await csm.page("/setup/accounts")).html, "csrf_token");
    const sneaky = await csm.submit("/setup/integrations/intercom", { csrf_token: token, region: "us", access_token: secret("tok") });
    expect(sneaky.status).toBe(403);
    expect(await listed(workspace)).toEqual([]);
  });
});

describe("connect_integration refusals per field", () => {
  it("puts each problem of the provider's connection under its field, and the rest above the form", () => {
    const zendesk = integrationSetupOf("zendesk");
    const connection = integrationFor("zendesk")?.connectionSchema;
    if (!zendesk || !connection) throw new Error("no zendesk setup");
    const parsed = connection.safeParse({ subdomain: "acme corp", auth: "api_token", api_token: "short" });
    if (parsed.success) throw new Error("expected the connection to be refused");
    const refused = invalidInput(parsed.error, "fields");
    expect(refused.message).toContain("fields.subdomain may contain only lowercase letters");
    expect(connectErrors(zendesk, { errors: refused.fields ?? {}, message: refused.message })).toEqual({
      errors: {
        "zendesk-subdomain": "subdomain may contain only lowercase letters, digits and hyphens (^[a-z0-9-]+$).",
        "zendesk-api_token": "too short to be a Zendesk secret; create one in Zendesk Admin Center → Apps and integrations → APIs → Zendesk API.",
        "zendesk-email": "required with auth api_token: the Zendesk agent's email address the token belongs to.",
      },
      rest: null,
    });
    const whole = { errors: { fields: "connection: expected an object", "fields.nope.deep": "is odd" }, message: "…" };
    expect(connectErrors(zendesk, whole)).toEqual({ errors: {}, rest: "connection: expected an object fields.nope.deep: is odd" });
    const unknown = "provider: zendesk is not available in this deployment yet.";
    expect(connectErrors(zendesk, { errors: {}, message: unknown })).toEqual({ errors: {}, rest: unknown });
  });
});

describe("integration jobs view", () => {
  it("counts queued/sent/failed, shows each failure with the provider's reason, and retries with a CSRF form", async () => {
    const workspace = await newWorkspace("Jobs Co");
    const tenantId = await tenantIdOf(workspace.email);
    const empty = await workspace.browser.page("/setup/jobs");
    expect(empty.response.status).toBe(200);
    expect(empty.html).toContain("No integration jobs yet");

    const accessToken = secret("tok");
    const connected = await post(workspace, "/setup/integrations/intercom", { region: "us", access_token: accessToken, admin_id: "991267", test: "no" });
    expect(connected.html).toContain("Intercom saved (not tested).");
    const api = (await tokenFor(workspace, { scope: "cs:read cs:write cs:admin" })).access_token;
    const acme = await register(api, { client_name: "Acme" });
    const at = new Date().toISOString();
    await inTenant(tenantId, (db) =>
      db.insert(schema.contacts).values({ id: "ct_jobs_grace", accountId: acme, externalId: null, name: "Grace Hopper", email: "grace@jobs.test", title: null, role: "champion", isPrimary: true, status: "active", createdAt: at, updatedAt: at }).run(),
    );
    await scriptFaults({
      host: US,
      authorization: `Bearer ${accessToken}`,
      path_prefix: "/messages",
      responses: [{ status: 422, headers: { "Content-Type": "application/json" }, body: JSON.stringify({ type: "error.list", errors: [{ code: "parameter_invalid", message: "Messaging is paused for this workspace" }] }) }],
    });
    const started = await ok<{ job_id: string }>(api, "send_intercom_message", { client_id: acme, body: "Hello {{first_name}}" });
    await vi.waitFor(
      async () => {
        const job = await ok<{ status: string }>(api, "get_integration_job", { job_id: started.job_id });
        if (job.status !== "failed") throw new Error(`job ${job.status}`);
      },
      { timeout: 20_000, interval: 250 },
    );
    const failed = await workspace.browser.page("/setup/jobs");
    expect(failed.html).toContain('1 job; deliveries: <strong>0 queued</strong>, <strong>0 sent</strong>, <strong>1 failed</strong>.');
    expect(failed.html).toContain(`id="job-${started.job_id}"`);
    expect(failed.html).toContain("Messaging is paused for this workspace");
    expect(failed.html).toContain(`action="/setup/jobs/${started.job_id}/retry"`);
    expect(failed.html).toContain("Retry 1 failed delivery");

    const forged = await workspace.browser.submit(`/setup/jobs/${started.job_id}/retry`, { csrf_token: "forged" });
    expect(forged.status).toBe(403);
    const stillFailed = await ok<{ status: string }>(api, "get_integration_job", { job_id: started.job_id });
    expect(stillFailed.status).toBe("failed");

    const retried = await workspace.browser.submit(`/setup/jobs/${started.job_id}/retry`, { csrf_token: hiddenField(failed.html, "csrf_token") });
    expect(retried.status).toBe(200);
    expect(await retried.text()).toContain(`Job ${started.job_id}: 1 delivery put back on the queue.`);
    await vi.waitFor(
      async () => {
        const job = await ok<{ status: string }>(api, "get_integration_job", { job_id: started.job_id });
        if (job.status !== "sent") throw new Error(`job ${job.status}`);
      },
      { timeout: 20_000, interval: 250 },
    );
    const sent = await workspace.browser.page("/setup/jobs");
    expect(sent.html).toContain('1 job; deliveries: <strong>0 queued</strong>, <strong>1 sent</strong>, <strong>0 failed</strong>.');
    expect(sent.html).not.toContain("/retry");
    const missing = await workspace.browser.submit("/setup/jobs/job_nope/retry", { csrf_token: hiddenField(sent.html, "csrf_token") });
    expect(missing.status).toBe(404);
  });
});
