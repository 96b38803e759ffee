/**
 * The hosted setup page in a real browser: Debian's Chromium driven by playwright-core
 * against the real local server. Signs up, walks every step (health preview and save, a CSV
 * with bad rows, sample-free data, an invitation), checks the result through the MCP
 * endpoint, navigates a step with the keyboard only, and runs axe-core on every page.
 * Screenshots of each step go to .tmp/screenshots/ (git-ignored).
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join, resolve } from "node:path";
import { chromium, type Browser as Chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startLocalServer, type LocalServer } from "../../scripts/lib/local-server";
import { authorize, Browser, exchange, logIn, pkcePair, registerOAuthClient } from "../../scripts/lib/oauth-flow";
import { isRecord, nodeFetch, PASSWORD, uniqueEmail } from "./helpers";

const SCREENSHOTS = resolve(import.meta.dirname, "../../.tmp/screenshots");
const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");

let server: LocalServer;
let browser: Chromium;

/** Debian's Chromium, or an error that says how to get it (the test installs nothing itself). */
function chromiumPath(): string {
  try {
    return execFileSync("which", ["chromium"], { encoding: "utf8" }).trim();
  } catch {
    throw new Error("Chromium is not installed; this test drives it. Install it with `apt-get update && apt-get install -y chromium` (.ci/run does so when it is missing).");
  }
}

beforeAll(async () => {
  mkdirSync(SCREENSHOTS, { recursive: true });
  const executablePath = chromiumPath();
  server = await startLocalServer();
  browser = await chromium.launch({
    executablePath,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

/** axe-core's violations on the page as it is now (WCAG 2.1 A/AA and best practices). */
async function axeViolations(page: Page): Promise<string[]> {
  await page.addScriptTag({ content: AXE_SOURCE });
  const violations = await page.evaluate(async () => {
    const axe = (globalThis as unknown as { axe: { run: (context: unknown, options: unknown) => Promise<{ violations: { id: string; nodes: { target: unknown }[] }[] }> } }).axe;
    const result = await axe.run(document, { runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"] } });
    return result.violations.map((violation) => `${violation.id}: ${violation.nodes.map((node) => JSON.stringify(node.target)).join(", ")}`);
  });
  return violations;
}

async function step(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
  expect(await axeViolations(page), `${name}: axe violations`).toEqual([]);
}

async function mcpToolCall(token: string, name: string, args: Record<string, unknown>): Promise<Record<string, unknown>> {
  const response = await fetch(`${server.origin}/mcp`, {
    method: "POST",
    headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json", Accept: "application/json, text/event-stream", "MCP-Protocol-Version": "2025-06-18" },
    body: JSON.stringify({ jsonrpc: "2.0", id: 7, method: "tools/call", params: { name, arguments: args } }),
  });
  const body = await response.text();
  const data = (response.headers.get("Content-Type") ?? "").startsWith("text/event-stream") ? (body.split("\n").filter((line) => line.startsWith("data:")).at(-1)?.slice(5) ?? "null") : body;
  const message: unknown = JSON.parse(data);
  if (!isRecord(message) || !isRecord(message.result) || !isRecord(message.result.structuredContent)) throw new Error(`unexpected answer: ${body.slice(0, 300)}`);
  return message.result.structuredContent;
}

const CSV = [
  "external_id,name,tier,contract_value,renewal_date",
  "e2e-1,Northwind,enterprise,250000,2027-06-30",
  "e2e-2,Contoso,standard,abc,2027-02-01",
  "e2e-3,Fabrikam,professional,60000,2027-09-15",
  "e2e-4,,starter,5000,2027-01-10",
].join("\n");

describe("the setup page in Chromium", () => {
  it("signs up, walks every step, imports a CSV with bad rows, invites a user, and the MCP endpoint sees the result", async () => {
    const context = await browser.newContext({ baseURL: server.origin });
    const page = await context.newPage();
    const email = uniqueEmail("setup-owner");

    await page.goto("/signup");
    await page.getByLabel("Organization name").fill("Browser Test Co");
    await page.getByLabel("Work email").fill(email);
    await page.getByLabel(/^Password/).fill(PASSWORD);
    await page.getByRole("button", { name: "Create workspace" }).click();
    await page.waitForURL("**/setup/welcome");
    await expect.poll(() => page.locator("h1").textContent()).toBe("Set up Browser Test Co");
    await step(page, "1-welcome");
    await page.getByRole("button", { name: "Start setup" }).click();
    await page.waitForURL("**/setup/integrations");
    await step(page, "2-integrations");

    // Step 2: Zendesk's fields with a bad subdomain (refused next to the field, or, in a
    // deployment without Zendesk yet, refused in words on its card); nothing reaches Zendesk.
    const zendesk = page.locator("#integration-zendesk");
    const zendeskAvailable = (await zendesk.locator(".warning[role=note]").count()) === 0;
    const token = `zd_${Date.now()}_secretTOKEN`;
    await page.getByLabel("Zendesk subdomain").fill("not a subdomain!");
    await page.getByLabel("Agent email").fill("admin@example.com");
    await page.getByLabel("API token", { exact: true }).fill(token);
    await page.getByRole("button", { name: "Save Zendesk without testing" }).click();
    if (zendeskAvailable) {
      await expect.poll(() => page.locator("#zendesk-subdomain-error").textContent()).toContain("subdomain");
      expect(await page.getByLabel("Zendesk subdomain").getAttribute("aria-invalid")).toBe("true");
    } else {
      await expect.poll(() => page.locator("#integration-zendesk .error").textContent()).toContain("not available in this deployment yet");
    }
    expect(await page.getByLabel("API token", { exact: true }).inputValue()).toBe("");
    expect(await page.content()).not.toContain(token);
    await step(page, "2-integrations-zendesk-refused");
    if (zendeskAvailable) {
      await page.getByLabel("Zendesk subdomain").fill("acme");
      await page.getByLabel("API token", { exact: true }).fill(token);
      await page.getByRole("button", { name: "Save Zendesk without testing" }).click();
      await expect.poll(() => page.locator("#integration-zendesk .notice").first().textContent()).toContain("Zendesk saved (not tested).");
      expect(await page.content()).toContain(`(stored: …${token.slice(-4)})`);
      expect(await page.content()).not.toContain(token);
    }
    for (const provider of ["Intercom", "Mixpanel", "SendGrid"]) {
      await page.getByRole("button", { name: `Skip ${provider}` }).click();
      await expect.poll(() => page.locator(`#integration-${provider.toLowerCase()} .notice`).first().textContent()).toContain(`${provider} skipped`);
    }
    await step(page, "2-integrations-done");
    await page.getByRole("button", { name: "Continue to health model" }).click();
    await page.waitForURL("**/setup/health");
    await step(page, "3-health");

    // Weights that do not total 100: the remainder shows live, the server refuses.
    await page.getByLabel("Usage (%)").first().fill("20");
    await expect.poll(() => page.locator("#weights-remainder").textContent()).toBe("15 points left to assign");
    await page.getByRole("button", { name: "Save the model" }).click();
    await expect.poll(() => page.locator("#weights-error").textContent()).toContain("they must total 100%");
    await page.getByLabel("Usage (%)").first().fill("35");
    await expect.poll(() => page.locator("#weights-remainder").textContent()).toBe("Total 100%: ready");
    await page.getByRole("button", { name: "Preview on my accounts" }).click();
    await expect.poll(() => page.locator("div.notice h2").textContent()).toContain("Preview: nothing is saved yet");
    await step(page, "3-health-preview");
    await page.getByRole("button", { name: "Save the model" }).click();
    await expect.poll(() => page.locator(".notice").first().textContent()).toContain("Saved.");
    await page.getByRole("button", { name: "Continue to data" }).click();
    await page.waitForURL("**/setup/data");
    await step(page, "4-data");

    await page.getByLabel("CSV file of accounts").setInputFiles({ name: "accounts.csv", mimeType: "text/csv", buffer: Buffer.from(CSV) });
    await page.getByRole("button", { name: "Import accounts" }).click();
    await page.waitForSelector("#import-report");
    const report = await page.locator("#import-report").textContent();
    expect(report).toContain("2 created");
    expect(report).toContain("2 rejected");
    expect(await page.locator("#import-report tbody tr").count()).toBe(2);
    expect(await page.locator("#import-progress").getAttribute("max")).toBe("4");
    await step(page, "4-data-report");
    await page.goto("/setup/data");
    await page.getByRole("button", { name: "Create default segments" }).click();
    await expect.poll(() => page.locator(".notice").first().textContent()).toContain("Created the segments");
    await page.getByRole("button", { name: "Continue to team" }).click();
    await page.waitForURL("**/setup/team");
    await step(page, "5-team");

    const invitee = uniqueEmail("invitee");
    await page.getByLabel("Email", { exact: true }).fill(invitee);
    await page.getByLabel("Role").selectOption("csm");
    await page.getByRole("button", { name: "Create invitation" }).click();
    const link = await page.getByLabel("Invitation link").inputValue();
    expect(link).toMatch(new RegExp(`^${server.origin}/invite/inv_`));
    await step(page, "5-team-invited");
    await page.getByRole("button", { name: "Continue" }).click();
    await page.waitForURL("**/setup/done");
    expect(await page.locator("pre").first().textContent()).toBe(`${server.origin}/mcp`);
    await step(page, "6-done");
    const download = await (await context.request.get("/setup/report.json")).json();
    expect(download.data.accounts).toBe(2);
    expect(JSON.stringify(download)).not.toMatch(/password|token_hash|inv_/i);

    // The invitee accepts in another browser context and lands on the accounts view.
    const other = await browser.newContext({ baseURL: server.origin });
    const invited = await other.newPage();
    await invited.goto(link);
    await step(invited, "invite-accept");
    await invited.getByLabel(/Choose a password/).fill("invitee password 123");
    await invited.getByRole("button", { name: "Create my account and join" }).click();
    await invited.waitForURL("**/setup/accounts");
    await step(invited, "accounts");
    const forbidden = await invited.goto("/setup/health");
    expect(forbidden?.status()).toBe(403);
    await step(invited, "forbidden");
    await page.goto("/setup/audit");
    await step(page, "audit");
    await page.goto("/setup/accounts?sort=arr&order=desc");
    await page.getByRole("link", { name: "Northwind" }).click();
    await step(page, "account");
    await other.close();
    await context.close();

    // Through MCP: the owner's token sees the imported accounts, the saved model and the segments.
    const cli = new Browser(server.origin, nodeFetch);
    await logIn(cli, { email, password: PASSWORD });
    const client = await registerOAuthClient(server.origin, nodeFetch);
    const { tokens } = await authorize(cli, client, { grant: ["cs:read", "cs:write", "cs:admin"] });
    if (!tokens) throw new Error("no tokens");
    const clients = await mcpToolCall(tokens.access_token, "list_clients", { sort_by: "name" });
    expect((clients.clients as { client_name: string }[]).map((entry) => entry.client_name)).toEqual(["Fabrikam", "Northwind"]);
    const model = await mcpToolCall(tokens.access_token, "get_health_model", {});
    expect(model.customized).toBe(true);
    expect((model.model as { weights: Record<string, number> }).weights.usage).toBeCloseTo(0.35, 5);
    const segments = await mcpToolCall(tokens.access_token, "list_segments", {});
    expect(JSON.stringify(segments)).toContain("Renewing in 90 days");

    // The owner finds that app under Connected assistants; revoking it ends its access.
    const ownerContext = await browser.newContext({ baseURL: server.origin });
    const ownerPage = await ownerContext.newPage();
    await ownerPage.goto("/login");
    await ownerPage.getByLabel("Email").fill(email);
    await ownerPage.getByLabel("Password").fill(PASSWORD);
    await ownerPage.getByRole("button", { name: "Log in" }).click();
    await ownerPage.waitForURL((url) => url.pathname !== "/login");
    await ownerPage.goto("/setup/accounts");
    await ownerPage.getByRole("link", { name: "Connected assistants" }).click();
    await expect.poll(() => ownerPage.locator("tbody tr").count()).toBe(1);
    await step(ownerPage, "assistants");
    await ownerPage.getByRole("button", { name: `Revoke Test client, approved by ${email}` }).click();
    await expect.poll(() => ownerPage.locator("p.notice").textContent()).toContain("no longer has access to this workspace");
    await step(ownerPage, "assistants-revoked");
    const refused = await fetch(`${server.origin}/mcp`, {
      method: "POST",
      headers: { Authorization: `Bearer ${tokens.access_token}`, "Content-Type": "application/json", Accept: "application/json, text/event-stream" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 8, method: "tools/call", params: { name: "list_clients", arguments: {} } }),
    });
    expect(refused.status).toBe(401);

    // The consent page in Chromium: the person leaves out the email tools, and the app never sees them.
    const app = await registerOAuthClient(server.origin, nodeFetch, "Chromium app");
    const { verifier, challenge } = await pkcePair();
    const query = new URLSearchParams({ response_type: "code", client_id: app.client_id, redirect_uri: app.redirect_uri, code_challenge: challenge, code_challenge_method: "S256", state: "e2e", scope: "cs:read cs:write", resource: `${server.origin}/mcp` });
    // The app's redirect URI is answered here, as the app on the person's computer would.
    await ownerPage.route((url) => url.href.startsWith(app.redirect_uri), (route) => route.fulfill({ status: 200, contentType: "text/plain", body: "back in the app" }));
    await ownerPage.goto(`/authorize?${query}`);
    await ownerPage.getByText("choose to limit them").click();
    await ownerPage.getByLabel("Email and messages to customers").selectOption("none");
    await step(ownerPage, "consent-tools");
    await ownerPage.getByRole("button", { name: "Approve" }).click();
    await ownerPage.waitForURL((url) => url.href.startsWith(app.redirect_uri));
    const code = new URL(ownerPage.url()).searchParams.get("code") ?? "";
    const exchanged = await exchange(server.origin, nodeFetch, { grant_type: "authorization_code", code, redirect_uri: app.redirect_uri, client_id: app.client_id, code_verifier: verifier });
    const listed = await fetch(`${server.origin}/mcp`, {
      method: "POST",
      headers: { Authorization: `Bearer ${exchanged.access_token}`, "Content-Type": "application/json", Accept: "application/json, text/event-stream", "MCP-Protocol-Version": "2025-06-18" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 9, method: "tools/list" }),
    });
    const names = ((await listed.json()) as { result: { tools: { name: string }[] } }).result.tools.map((tool) => tool.name);
    expect(names).toContain("list_clients");
    expect(names).not.toContain("send_email");
    await ownerContext.close();
  }, 300_000);

  it("walks a step with the keyboard only", async () => {
    const context = await browser.newContext({ baseURL: server.origin });
    const page = await context.newPage();
    await page.goto("/signup");
    // Keyboard only from here: Tab between fields, type, Enter submits.
    await page.keyboard.press("Tab"); // header link
    let guard = 0;
    while ((await page.evaluate(() => document.activeElement?.id)) !== "organization" && guard++ < 10) await page.keyboard.press("Tab");
    await page.keyboard.type("Keyboard Co");
    await page.keyboard.press("Tab");
    await page.keyboard.type(uniqueEmail("keys"));
    await page.keyboard.press("Tab");
    await page.keyboard.type(PASSWORD);
    await page.keyboard.press("Enter");
    await page.waitForURL("**/setup/welcome");
    await page.goto("/setup/health");
    guard = 0;
    while ((await page.evaluate(() => document.activeElement?.id)) !== "weight_usage" && guard++ < 40) await page.keyboard.press("Tab");
    expect(await page.evaluate(() => document.activeElement?.id)).toBe("weight_usage");
    const outline = await page.evaluate(() => getComputedStyle(document.activeElement as Element).outlineStyle);
    expect(outline).not.toBe("none");
    const values = ["40", "15", "15", "15", "15"];
    for (const [index, value] of values.entries()) {
      if (index > 0) await page.keyboard.press("Tab");
      await page.keyboard.press("Control+A");
      await page.keyboard.type(value);
      const sum = await page.evaluate(() => Array.from(document.querySelectorAll<HTMLInputElement>("[data-weights=weights] input[type=number]")).reduce((total, input) => total + Number(input.value), 0));
      const left = 100 - sum;
      const expected = left === 0 ? "Total 100%: ready" : left > 0 ? `${left} points left to assign` : `${-left} points too many`;
      await expect.poll(() => page.locator("#weights-remainder").textContent()).toBe(expected);
    }
    await expect.poll(() => page.locator("#weights-remainder").textContent()).toBe("Total 100%: ready");
    // Tab on to the Preview button and press it.
    guard = 0;
    while ((await page.evaluate(() => document.activeElement?.textContent?.trim())) !== "Preview on my accounts" && guard++ < 60) await page.keyboard.press("Tab");
    await page.keyboard.press("Enter");
    await expect.poll(() => page.locator("div.notice h2").textContent()).toContain("Preview: nothing is saved yet");
    await page.screenshot({ path: join(SCREENSHOTS, "keyboard-health.png"), fullPage: true });
    await context.close();
  }, 120_000);
});
