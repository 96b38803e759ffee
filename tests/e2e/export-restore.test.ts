/**
 * The backup round trip with the real scripts against the real local server: fill workspace A
 * through the API, `npm run export` it to a libSQL file, `npm run restore` that file into a
 * new workspace B, export B to a second file, and compare every table of the two files with
 * SQL. Generic over the tables: whatever the schema holds is compared.
 */
import { createClient, type Client } from "@libsql/client";
import { execFile } from "node:child_process";
import { copyFileSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startLocalServer, type LocalServer } from "../../scripts/lib/local-server";
import { authorize, registerOAuthClient, type Browser } from "../../scripts/lib/oauth-flow";
import { isRecord, nodeFetch, PASSWORD, signedUpBrowser } from "./helpers";

const ROOT = resolve(import.meta.dirname, "../..");
const SCOPES = "cs:read cs:write cs:admin";

let server: LocalServer;
let dir: string;

beforeAll(async () => {
  server = await startLocalServer();
  dir = mkdtempSync(join(tmpdir(), "cs-export-"));
});

afterAll(async () => {
  await server?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

interface Workspace {
  browser: Browser;
  email: string;
  rest: string;
  mcp: string;
  tenantId: string;
}

async function workspace(organization: string): Promise<Workspace> {
  const { browser, email } = await signedUpBrowser(server.origin, organization);
  const token = async (resource: string) => {
    const client = await registerOAuthClient(server.origin, nodeFetch);
    const { tokens } = await authorize(browser, client, { scope: SCOPES, grant: SCOPES.split(" "), resource });
    if (!tokens) throw new Error("no token");
    return tokens.access_token;
  };
  const rest = await token(server.origin);
  const mcp = await token(`${server.origin}/mcp`);
  const tables = (await (await api(rest, "/export/tables")).json()) as { tenant_id: string };
  return { browser, email, rest, mcp, tenantId: tables.tenant_id };
}

function api(token: string, path: string, init: RequestInit = {}): Promise<Response> {
  return fetch(`${server.origin}/api/v1${path}`, { ...init, headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json" } });
}

/** Runs `node scripts/<name>.ts …` as `npm run <name> -- …` does; resolves with its exit code and output. */
function script(name: "export" | "restore", args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile(process.execPath, [`scripts/${name}.ts`, "--url", server.origin, ...args], { cwd: ROOT, env: { ...process.env, CS_TOKEN: "" } }, (error, stdout, stderr) => {
      done({ code: error ? (typeof error.code === "number" ? error.code : 1) : 0, stdout, stderr });
    });
  });
}

async function listClients(token: string): Promise<unknown> {
  const response = await fetch(`${server.origin}/mcp`, {
    method: "POST",
    headers: {
      Authorization: `Bearer ${token}`,
      "Content-Type": "application/json",
      Accept: "application/json, text/event-stream",
      "MCP-Protocol-Version": "2025-06-18",
    },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/call", params: { name: "list_clients", arguments: { limit: 50, sort_by: "name" } } }),
  });
  const text = await response.text();
  const data = (response.headers.get("Content-Type") ?? "").startsWith("text/event-stream") ? (text.split("\n").filter((line) => line.startsWith("data:")).at(-1)?.slice(5) ?? "") : text;
  const message: unknown = JSON.parse(data);
  if (!isRecord(message) || !isRecord(message.result)) throw new Error(`list_clients failed: ${text.slice(0, 300)}`);
  return message.result.structuredContent;
}

type Row = Record<string, unknown>;

async function tableNames(db: Client): Promise<string[]> {
  const result = await db.execute(`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name`);
  return result.rows.map((row) => String(row.name));
}

async function rowsOf(db: Client, table: string): Promise<Row[]> {
  const key = await db.execute({ sql: `SELECT name FROM pragma_table_info(?) WHERE pk > 0 ORDER BY pk`, args: [table] });
  const order = key.rows.map((row) => `"${String(row.name)}"`).join(", ") || "rowid";
  const result = await db.execute(`SELECT * FROM "${table}" ORDER BY ${order}`);
  return result.rows.map((row) => Object.fromEntries(result.columns.map((column) => [column, row[column]])));
}

describe("export and restore through the scripts", () => {
  it("round-trips a workspace into a new one: every table alike, list_clients alike", async () => {
    const a = await workspace("Acme Export");
    for (const [name, tier, value] of [
      ["Globex", "enterprise", 120000],
      ["Initech", "standard", 18000],
      ["Umbrella", "professional", 56000],
    ] as const) {
      const created = await api(a.rest, "/clients", {
        method: "POST",
        body: JSON.stringify({ client_name: name, company_name: `${name} Inc`, industry: "Software", tier, contract_value: value, csm_assigned: "Dana" }),
      });
      expect(created.status).toBe(201);
      const { client } = (await created.json()) as { client: { client_id: string } };
      const patched = await api(a.rest, `/clients/${client.client_id}`, { method: "PATCH", body: JSON.stringify({ updates: { lifecycle_stage: "adoption" } }) });
      expect(patched.status).toBe(200);
    }

    const fileA = `file:${join(dir, "a.db")}`;
    const wrongTenant = await script("export", ["--to", fileA, "--token", a.rest, "--tenant", "someone-else"]);
    expect(wrongTenant.code).toBe(1);
    expect(wrongTenant.stderr).toContain("is not the workspace of this token");

    const exported = await script("export", ["--to", fileA, "--email", a.email, "--password", PASSWORD, "--tenant", a.tenantId, "--limit", "2"]);
    expect(exported.stderr).toBe("");
    expect(exported.code).toBe(0);
    expect(exported.stdout).toContain("accounts 3");

    const again = await script("export", ["--to", fileA, "--token", a.rest]);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain("--force");

    const b = await workspace("Beta Restore");
    const restoreStarted = new Date().toISOString();
    const restored = await script("restore", ["--from", fileA, "--token", b.rest, "--tenant", b.tenantId]);
    expect(restored.stderr).toBe("");
    expect(restored.code).toBe(0);

    const fileB = `file:${join(dir, "b.db")}`;
    expect((await script("export", ["--to", fileB, "--token", b.rest])).code).toBe(0);
    // --force replaces an existing export.
    const forced = await script("export", ["--to", fileB, "--token", b.rest, "--force"]);
    expect(forced.stderr).toBe("");
    expect(forced.code).toBe(0);

    const dbA = createClient({ url: fileA });
    const dbB = createClient({ url: fileB });
    try {
      const names = await tableNames(dbA);
      expect(await tableNames(dbB)).toEqual(names);
      expect(names).toEqual(expect.arrayContaining(["_export", "accounts", "account_events", "audit_log", "usage_daily"]));
      expect((await rowsOf(dbA, "accounts")).length).toBe(3);
      // Each account's timeline: its registration and its stage change.
      expect((await rowsOf(dbA, "account_events")).length).toBe(6);
      for (const table of names) {
        const rowsA = await rowsOf(dbA, table);
        const rowsB = await rowsOf(dbB, table);
        if (table === "_export") {
          expect(rowsA.map((row) => row.tenant_id)).toEqual([a.tenantId]);
          expect(rowsB.map((row) => row.tenant_id)).toEqual([b.tenantId]);
          expect(rowsB[0]?.schema_version).toBe(rowsA[0]?.schema_version);
        } else if (table === "audit_log") {
          // A's history with its ids, then B's own (its two consents, kept and moved after A's), then the restore's two entries.
          expect(rowsB.slice(0, rowsA.length)).toEqual(rowsA);
          expect(rowsB.slice(rowsA.length).map((row) => row.action)).toEqual(["approve_assistant_access", "approve_assistant_access", "restore_begin", "restore_finish"]);
        } else if (table === "account_features") {
          // Derived state, refreshed by the restore for every account; A's rows (if any) agree but for the time.
          const withoutTime = (rows: Row[]) => rows.map(({ updated_at: _time, ...rest }) => rest);
          const accounts = (await rowsOf(dbB, "accounts")).map((row) => row.id);
          expect(rowsB.map((row) => row.account_id)).toEqual(accounts);
          expect(rowsB.every((row) => String(row.updated_at) >= restoreStarted)).toBe(true);
          const inA = new Set(rowsA.map((row) => row.account_id));
          expect(withoutTime(rowsB.filter((row) => inA.has(row.account_id)))).toEqual(withoutTime(rowsA));
        } else {
          expect(rowsB, table).toEqual(rowsA);
        }
      }
    } finally {
      dbA.close();
      dbB.close();
    }

    const listedA = await listClients(a.mcp);
    expect(await listClients(b.mcp)).toEqual(listedA);
    expect(JSON.stringify(listedA)).toContain("Umbrella");

    // B has data now: a second restore is refused by the server.
    const twice = await script("restore", ["--from", fileA, "--token", b.rest]);
    expect(twice.code).toBe(1);
    expect(twice.stderr).toContain("already has data");
  });

  it("refuses a file of another schema version, an unfinished export and a file that is not an export", async () => {
    const c = await workspace("Gamma Restore");
    const source = join(dir, "gamma-source.db");
    expect((await script("export", ["--to", `file:${source}`, "--token", c.rest])).code).toBe(0);

    const older = join(dir, "older.db");
    copyFileSync(source, older);
    const db = createClient({ url: `file:${older}` });
    await db.execute(`UPDATE _export SET schema_version = '0000_init'`);
    db.close();
    const versioned = await script("restore", ["--from", `file:${older}`, "--token", c.rest]);
    expect(versioned.code).toBe(1);
    expect(versioned.stderr).toContain("schema 0000_init");

    const unfinished = join(dir, "unfinished.db");
    copyFileSync(source, unfinished);
    const db2 = createClient({ url: `file:${unfinished}` });
    await db2.execute(`DELETE FROM _export`);
    db2.close();
    const cut = await script("restore", ["--from", `file:${unfinished}`, "--token", c.rest]);
    expect(cut.code).toBe(1);
    expect(cut.stderr).toContain("did not finish");

    const other = join(dir, "other.db");
    const db3 = createClient({ url: `file:${other}` });
    await db3.execute(`CREATE TABLE notes (id INTEGER PRIMARY KEY)`);
    db3.close();
    const foreign = await script("restore", ["--from", `file:${other}`, "--token", c.rest]);
    expect(foreign.code).toBe(1);
    expect(foreign.stderr).toContain("not a database written by npm run export");
    // None of the refusals began a restore.
    const tables = (await (await api(c.rest, "/export/tables")).json()) as { restore_in_progress: boolean };
    expect(tables.restore_in_progress).toBe(false);
  });
});
