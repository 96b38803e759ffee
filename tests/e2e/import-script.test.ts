/**
 * `npm run import` against the real local server: a new owner signs up, the script logs in
 * with --email/--password (approving itself as an OAuth client with cs:admin), imports a CSV,
 * and the result is checked through the REST API with a token of its own.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startLocalServer, type LocalServer } from "../../scripts/lib/local-server";
import { authorize, registerOAuthClient, type Browser } from "../../scripts/lib/oauth-flow";
import { field, list, nodeFetch, PASSWORD, signedUpBrowser } from "./helpers";

const ROOT = resolve(import.meta.dirname, "../..");

let server: LocalServer;
let dir: string;

beforeAll(async () => {
  server = await startLocalServer();
  dir = mkdtempSync(join(tmpdir(), "cs-import-"));
});

afterAll(async () => {
  await server?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function runScript(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile(process.execPath, ["scripts/import.ts", ...args], { cwd: ROOT, env: { ...process.env, CS_TOKEN: "" } }, (error, stdout, stderr) => {
      const code = error && typeof error.code === "number" ? error.code : error ? 2 : 0;
      done({ code, stdout, stderr });
    });
  });
}

async function apiToken(browser: Browser): Promise<string> {
  const client = await registerOAuthClient(server.origin, nodeFetch);
  const { tokens } = await authorize(browser, client, { scope: "cs:read", resource: server.origin });
  if (!tokens) throw new Error("no token");
  return tokens.access_token;
}

describe("npm run import", () => {
  it("imports a CSV with --email/--password, reports rejected rows, and a second run changes nothing", async () => {
    const { browser, email } = await signedUpBrowser(server.origin, "Script Import Co");
    const file = join(dir, "accounts.csv");
    writeFileSync(
      file,
      [
        "CRM ID,Company,Plan,ARR,Notes",
        'e2e-1,"Script, Inc.",enterprise,"48,000",first',
        "e2e-2,Second Co,gold,100,bad plan",
        "e2e-3,Third Co,starter,2500,",
      ].join("\n"),
    );
    const args = ["--url", server.origin, "--kind", "accounts", "--file", file, "--email", email, "--password", PASSWORD];
    const mapping = JSON.stringify({ external_id: "CRM ID", name: "Company", tier: "Plan", contract_value: "ARR" });

    const dry = await runScript([...args, "--mapping", mapping, "--dry-run"]);
    expect(dry.stdout).toContain("dry run");
    expect(dry.stdout).toMatch(/created:\s+2/);
    expect(dry.code).toBe(1);

    const first = await runScript([...args, "--mapping", mapping]);
    expect(first.stderr).toBe("");
    expect(first.code).toBe(1);
    expect(first.stdout).toMatch(/created:\s+2/);
    expect(first.stdout).toMatch(/rejected:\s+1/);
    expect(first.stdout).toContain("row 3, tier: must be one of starter, standard, professional, enterprise");
    expect(first.stdout).toContain('column "Notes" is not a field of accounts');

    const token = await apiToken(browser);
    const listed = await (await fetch(`${server.origin}/api/v1/clients?sort_by=name`, { headers: { Authorization: `Bearer ${token}` } })).json();
    const clients = list(listed, "clients");
    expect(clients.map((client) => [field(client, "external_id"), field(client, "company_name"), field(client, "tier"), field(client, "contract_value")])).toEqual([
      ["e2e-1", "Script, Inc.", "enterprise", 48000],
      ["e2e-3", "Third Co", "starter", 2500],
    ]);

    writeFileSync(file, ["CRM ID,Company,Plan,ARR", 'e2e-1,"Script, Inc.",enterprise,"48,000"', "e2e-3,Third Co,starter,2500"].join("\n"));
    const again = await runScript([...args, "--mapping", mapping]);
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/created:\s+0/);
    expect(again.stdout).toMatch(/unchanged:\s+2/);

    const noAuth = await runScript(["--url", server.origin, "--kind", "accounts", "--file", file]);
    expect(noAuth.code).toBe(2);
    expect(noAuth.stderr).toContain("--email and --password");
  });
});
