import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import { tenantStub } from "../durable-objects/tenant";
import { Browser, hiddenField } from "../scripts/lib/oauth-flow";
import { newWorkspace, ORIGIN, PASSWORD, tenantIdOf, workerFetch, type Workspace } from "./support/worker";

/** The setup page's server rules: sign-in, roles, CSRF, the health step's validation, progress. */

async function csrfOf(workspace: Workspace, path = "/setup/welcome"): Promise<string> {
  return hiddenField((await workspace.browser.page(path)).html, "csrf_token");
}

function tenantOf(tenantId: string) {
  return tenantStub(env.TENANT, tenantId);
}

const WEIGHTS = { weight_usage: "30", weight_engagement: "25", weight_support: "15", weight_satisfaction: "15", weight_payment: "15" };
const BANDS = { band_churn_risk: "40", band_at_risk: "60", band_healthy: "75", band_champion: "90" };

describe("setup page access", () => {
  it("sends a visitor who is not signed in to log in, and back afterwards", async () => {
    const response = await workerFetch(`${ORIGIN}/setup/health`, { redirect: "manual" });
    expect(response.status).toBe(302);
    expect(response.headers.get("Location")).toBe("/login?next=%2Fsetup%2Fhealth");
  });

  it("takes a new owner from sign-up to the first unfinished step, and resumes there from another browser", async () => {
    const workspace = await newWorkspace("Resume Co");
    const home = await workspace.browser.request("/setup");
    expect(home.status).toBe(302);
    expect(home.headers.get("Location")).toBe("/setup/welcome");
    const welcome = await workspace.browser.page("/setup/welcome");
    expect(welcome.html).toContain("Set up Resume Co");
    expect(welcome.html).toContain("0 accounts, 0 contacts");
    expect(welcome.html).toContain('value="0"');

    const done = await workspace.browser.submit("/setup/welcome", { csrf_token: hiddenField(welcome.html, "csrf_token") });
    expect(done.status).toBe(303);
    expect(done.headers.get("Location")).toBe("/setup/integrations");

    // Another device: log in afresh; setup resumes at the integrations step.
    const other = new Browser(ORIGIN, workerFetch);
    const login = await other.page("/login?next=/setup");
    const loggedIn = await other.submit("/login", { csrf_token: hiddenField(login.html, "csrf_token"), next: "/setup", email: workspace.email, password: PASSWORD });
    expect(loggedIn.headers.get("Location")).toBe("/setup");
    const resumed = await other.request("/setup");
    expect(resumed.headers.get("Location")).toBe("/setup/integrations");
    const status = await tenantOf(await tenantIdOf(workspace.email)).setupStatus();
    expect(status.ok && status.value.completed).toEqual(["welcome"]);
  });

  it("refuses a form without the CSRF token and saves nothing", async () => {
    const workspace = await newWorkspace();
    await workspace.browser.page("/setup/health");
    const response = await workspace.browser.submit("/setup/health", { csrf_token: "forged", action: "save", ...WEIGHTS, weight_usage: "40", weight_payment: "5", ...BANDS });
    expect(response.status).toBe(403);
    expect(await response.text()).toContain("This form expired");
    const model = await tenantOf(await tenantIdOf(workspace.email)).getHealthModel();
    expect(model.ok && model.value.customized).toBe(false);
    const step = await workspace.browser.submit("/setup/welcome", { csrf_token: "" });
    expect(step.status).toBe(403);
  });

  it("labels every input of every step", async () => {
    const workspace = await newWorkspace();
    for (const path of ["/setup/welcome", "/setup/health", "/setup/data", "/setup/team", "/setup/done", "/setup/audit", "/setup/accounts"]) {
      const { response, html } = await workspace.browser.page(path);
      expect(response.status, path).toBe(200);
      const ids = [...html.matchAll(/<(?:input|select)(?![^>]*type="(?:hidden|submit)")[^>]*\bid="([^"]+)"/g)].map((match) => match[1]);
      const controls = [...html.matchAll(/<(?:input|select)(?![^>]*type="(?:hidden|submit)")[^>]*>/g)];
      expect(ids.length, `${path}: every control has an id`).toBe(controls.length);
      const labelled = new Set([...html.matchAll(/<label[^>]*for="([^"]+)"/g)].map((match) => match[1]));
      expect(ids.filter((id) => !labelled.has(id)), path).toEqual([]);
    }
  });
});

describe("health step", () => {
  it("refuses weights that do not total 100%, naming the field, and saves nothing", async () => {
    const workspace = await newWorkspace();
    const csrf = await csrfOf(workspace, "/setup/health");
    const response = await workspace.browser.submit("/setup/health", { csrf_token: csrf, action: "save", ...WEIGHTS, weight_usage: "25", ...BANDS });
    expect(response.status).toBe(400);
    const html = await response.text();
    expect(html).toContain('id="weights-error"');
    expect(html).toContain("The weights add up to 95%; they must total 100% (add 5 points).");
    expect(html).toContain('value="25"');
    const model = await tenantOf(await tenantIdOf(workspace.email)).getHealthModel();
    expect(model.ok && model.value.customized).toBe(false);
  });

  it("refuses band thresholds out of order with the engine's message next to the field", async () => {
    const workspace = await newWorkspace();
    const csrf = await csrfOf(workspace, "/setup/health");
    const response = await workspace.browser.submit("/setup/health", { csrf_token: csrf, action: "save", ...WEIGHTS, ...BANDS, band_healthy: "50" });
    expect(response.status).toBe(400);
    const html = await response.text();
    expect(html).toMatch(/id="band_(healthy|at_risk)-error"/);
    const model = await tenantOf(await tenantIdOf(workspace.email)).getHealthModel();
    expect(model.ok && model.value.customized).toBe(false);
  });

  it("previews the draft on the tenant's own accounts without saving, then saves it", async () => {
    const workspace = await newWorkspace();
    const tenantId = await tenantIdOf(workspace.email);
    const tenant = tenantOf(tenantId);
    const csrf = await csrfOf(workspace, "/setup/data");
    const sample = await workspace.browser.submit("/setup/data/sample", { csrf_token: csrf });
    expect(sample.status).toBe(200);
    expect(await tenant.accountCount()).toBe(50);
    // A draft that raises every band threshold moves accounts down.
    const draft = { ...WEIGHTS, band_churn_risk: "70", band_at_risk: "80", band_healthy: "90", band_champion: "95" };
    const expected = await tenant.updateHealthModel(
      { weights: { usage: 0.3, engagement: 0.25, support: 0.15, satisfaction: 0.15, payment: 0.15 }, bands: { churnRisk: 70, atRisk: 80, healthy: 90, champion: 95 }, segmentProfiles: {} },
      true,
      { userId: "test", via: "test" },
    );
    if (!expected.ok) throw new Error(expected.message);
    expect(expected.value.preview.moving).toBeGreaterThan(0);

    const preview = await workspace.browser.submit("/setup/health", { csrf_token: csrf, action: "preview", ...draft });
    expect(preview.status).toBe(200);
    const html = await preview.text();
    expect(html).toContain(`<strong>${expected.value.preview.moving}</strong> of 50 account`);
    let model = await tenant.getHealthModel();
    expect(model.ok && model.value.customized).toBe(false);

    const saved = await workspace.browser.submit("/setup/health", { csrf_token: csrf, action: "save", ...draft });
    expect(saved.status).toBe(200);
    expect(await saved.text()).toContain("Saved. 50 accounts rescored");
    model = await tenant.getHealthModel();
    expect(model.ok && model.value.model.bands).toEqual({ churnRisk: 70, atRisk: 80, healthy: 90, champion: 95 });
    // The audit entry is written just after the answer (src/tools/audit-batch.ts).
    await vi.waitFor(
      async () => {
        const audit = await tenant.auditLogPage({ tool: "update_health_model", limit: 10 });
        expect(audit.ok && audit.value.entries.some((entry) => entry.via === "setup" && entry.action === "tool:update_health_model")).toBe(true);
      },
      { timeout: 5_000, interval: 20 },
    );
  }, 120_000);

  it("saves SLA targets through configure_support and refuses a non-number next to its field", async () => {
    const workspace = await newWorkspace();
    const tenant = tenantOf(await tenantIdOf(workspace.email));
    const csrf = await csrfOf(workspace, "/setup/health");
    const fields: Record<string, string> = { csrf_token: csrf };
    for (const priority of ["P1", "P2", "P3", "P4"]) {
      fields[`sla_${priority}_first`] = "30";
      fields[`sla_${priority}_resolution`] = "600";
    }
    const bad = await workspace.browser.submit("/setup/health/sla", { ...fields, sla_P2_first: "soon" });
    expect(bad.status).toBe(400);
    expect(await bad.text()).toContain('id="sla_P2_first-error"');
    const negative = await workspace.browser.submit("/setup/health/sla", { ...fields, sla_P3_resolution: "-5" });
    expect(negative.status).toBe(400);
    expect(await negative.text()).toContain('id="sla_P3_resolution-error"');
    let settings = await tenant.supportSettings();
    expect(settings.ok && settings.value.sla.targets.P1?.first_response_minutes).toBe(15);

    const ok = await workspace.browser.submit("/setup/health/sla", fields);
    expect(ok.status).toBe(200);
    settings = await tenant.supportSettings();
    expect(settings.ok && settings.value.sla.targets.P1).toEqual({ first_response_minutes: 30, resolution_minutes: 600 });
  });

  it("adds a churn trigger as a playbook", async () => {
    const workspace = await newWorkspace();
    const tenant = tenantOf(await tenantIdOf(workspace.email));
    const csrf = await csrfOf(workspace, "/setup/health");
    const bad = await workspace.browser.submit("/setup/health/trigger", { csrf_token: csrf, preset: "churn_risk", threshold: "140", days: "30", owner: "csm" });
    expect(bad.status).toBe(400);
    expect(await bad.text()).toContain('id="threshold-error"');
    const response = await workspace.browser.submit("/setup/health/trigger", { csrf_token: csrf, preset: "churn_risk", threshold: "45", days: "30", owner: "csm" });
    expect(response.status).toBe(200);
    const playbooks = await tenant.listPlaybooks({});
    expect(playbooks.ok && playbooks.value.map((playbook) => playbook.name)).toEqual(["Churn risk: health below 45"]);
    expect(playbooks.ok && playbooks.value[0]?.trigger).toEqual({ match: "all", rules: [{ field: "health_score", operator: "lt", value: 45 }] });
  });
});
