import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { tenantStub } from "../durable-objects/tenant";
import { hiddenField } from "../scripts/lib/oauth-flow";
import { inTenant, newTeam, ok, register } from "./support/work";
import { newWorkspace, tenantIdOf, type Workspace } from "./support/worker";

/** Data step imports, the accounts and account views, and the audit log filters. */

async function upload(workspace: Workspace, kind: string, bytes: Uint8Array | string, fields: Record<string, string> = {}) {
  const csrf = hiddenField((await workspace.browser.page("/setup/data")).html, "csrf_token");
  const form = new FormData();
  form.set("csrf_token", csrf);
  form.set("file", new File([bytes], `${kind}.csv`, { type: "text/csv" }));
  for (const [name, value] of Object.entries(fields)) form.set(name, value);
  const response = await workspace.browser.request(`/setup/data/import/${kind}`, { method: "POST", body: form });
  return { status: response.status, html: await response.text() };
}

const ACCOUNTS_CSV = [
  "Customer ID,Account Name,tier,contract_value,renewal_date",
  "crm-1,Alpha Ltd,enterprise,120000,2027-03-01",
  "crm-2,Beta GmbH,standard,not-a-number,2027-04-01",
  "crm-3,Gamma Inc,professional,40000,2027-13-40",
  "crm-4,Delta SA,starter,9000,2027-05-01",
].join("\n");

describe("data step import", () => {
  it("imports the valid rows with a mapped column, reports each bad row by number and reason, and re-runs without duplicates", async () => {
    const workspace = await newWorkspace();
    const tenant = tenantStub(env.TENANT, await tenantIdOf(workspace.email));
    const first = await upload(workspace, "accounts", ACCOUNTS_CSV, { map_external_id: "Customer ID" });
    expect(first.status).toBe(200);
    expect(first.html).toContain("2 created, 0 updated, 0 unchanged, <strong>2 rejected</strong>");
    expect(first.html).toMatch(/<td class="num">3<\/td><td>contract_value<\/td><td>must be a number/);
    expect(first.html).toMatch(/<td class="num">4<\/td><td>renewal_date<\/td>/);
    expect(first.html).toContain('id="import-progress"');
    expect(first.html).toContain("4 of 4 rows processed");
    expect(first.html.trimEnd().endsWith("</html>")).toBe(true);
    expect(await tenant.accountCount()).toBe(2);
    // The counts are read after the import ran, not before (the page streams while it runs).
    expect(first.html).toContain('<p id="import-counts">The workspace has 2 accounts and 0 contacts.</p>');
    expect(first.html).toContain('document.getElementById("workspace-counts").textContent="The workspace has 2 accounts and 0 contacts."');
    expect(first.html).not.toContain("The workspace has 0 accounts");
    // No script takes the form over: the browser shows the server-streamed progress bar.
    expect(first.html).not.toContain("XMLHttpRequest");
    expect((await workspace.browser.page("/setup/data")).html).not.toContain("XMLHttpRequest");

    const again = await upload(workspace, "accounts", ACCOUNTS_CSV, { map_external_id: "Customer ID" });
    expect(again.html).toContain("0 created, 0 updated, 2 unchanged, <strong>2 rejected</strong>");
    expect(await tenant.accountCount()).toBe(2);

    const contacts = await upload(workspace, "contacts", "external_id,account_external_id,name,email\nc-1,crm-1,Ann Lee,ann@alpha.example\nc-2,crm-9,Nobody,n@x.example\n");
    expect(contacts.html).toContain("1 created");
    expect(contacts.html).toContain('<p id="import-counts">The workspace has 2 accounts and 1 contact.</p>');
    expect(contacts.html).toMatch(/<td class="num">3<\/td>/);
  });

  it("refuses a file without a required column, naming it, and writes nothing", async () => {
    const workspace = await newWorkspace();
    const tenant = tenantStub(env.TENANT, await tenantIdOf(workspace.email));
    const response = await upload(workspace, "accounts", "name,tier\nAlpha,enterprise\n");
    expect(response.status).toBe(400);
    expect(response.html).toContain('id="file_accounts-error"');
    expect(response.html).toContain("no column for external_id");
    expect(await tenant.accountCount()).toBe(0);
    const missing = await upload(workspace, "accounts", "");
    expect(missing.status).toBe(400);
  });

  it("reads a Windows-1252 file instead of importing replacement characters, and says so", async () => {
    const workspace = await newWorkspace();
    const tenant = tenantStub(env.TENANT, await tenantIdOf(workspace.email));
    const bytes = new Uint8Array([...new TextEncoder().encode("external_id,name\nw-1,Caf"), 0xe9, ...new TextEncoder().encode(" M"), 0xfc, ...new TextEncoder().encode("ller\n")]);
    const response = await upload(workspace, "accounts", bytes);
    expect(response.html).toContain("read as Windows-1252");
    const listed = await tenant.listAccounts({ filters: {}, sort_by: "name", sort_order: "asc", limit: 5 });
    expect(listed.ok && listed.value.clients[0]?.client_name).toBe("Café Müller");
  });

  it("reads a mixed file line by line: UTF-8 lines keep their accents, only the others are read as Windows-1252", async () => {
    const workspace = await newWorkspace();
    const tenant = tenantStub(env.TENANT, await tenantIdOf(workspace.email));
    const utf8 = (text: string) => [...new TextEncoder().encode(text)];
    // Line 2 is UTF-8 (Zoë Ångström), line 3 Windows-1252 (Café: é as the single byte 0xE9).
    const bytes = new Uint8Array([...utf8("external_id,name\nm-1,Zoë Ångström\nm-2,Caf"), 0xe9, ...utf8("\n")]);
    const response = await upload(workspace, "accounts", bytes);
    expect(response.html).toContain("Line 3 of the file (the header is line 1) is not UTF-8; it was read as Windows-1252");
    const listed = await tenant.listAccounts({ filters: {}, sort_by: "name", sort_order: "asc", limit: 5 });
    expect(listed.ok && listed.value.clients.map((client) => client.client_name)).toEqual(["Café", "Zoë Ångström"]);
  });

  it("imports 1,500 rows in chunks and a check-only run writes nothing", async () => {
    const workspace = await newWorkspace();
    const tenant = tenantStub(env.TENANT, await tenantIdOf(workspace.email));
    const rows = ["external_id,name,tier,contract_value"];
    for (let index = 1; index <= 1_500; index += 1) rows.push(`bulk-${index},Bulk ${index},standard,${1000 + index}`);
    const csv = rows.join("\n");
    const dry = await upload(workspace, "accounts", csv, { dry_run: "on" });
    expect(dry.html).toContain("1500 created");
    expect(dry.html).toContain("nothing was written");
    expect(await tenant.accountCount()).toBe(0);
    const real = await upload(workspace, "accounts", csv);
    expect(real.html).toContain("1,500 of 1,500 rows processed");
    expect(real.html).toContain("1,000 of 1,500 rows processed");
    expect(await tenant.accountCount()).toBe(1_500);
  }, 180_000);
});

describe("accounts and audit views", () => {
  it("shows accounts sortable by ARR with sparklines, an account page, and audit entries filtered by tool and date", async () => {
    const workspace = await newWorkspace();
    await upload(workspace, "accounts", "external_id,name,tier,contract_value\na-1,Small Co,starter,1000\na-2,Big Co,enterprise,900000\n");
    const byArr = (await workspace.browser.page("/setup/accounts?sort=arr&order=desc")).html;
    expect(byArr.indexOf("Big Co")).toBeLessThan(byArr.indexOf("Small Co"));
    expect(byArr).toContain('aria-sort="descending"');
    const ascending = (await workspace.browser.page("/setup/accounts?sort=arr&order=asc")).html;
    expect(ascending.indexOf("Small Co")).toBeLessThan(ascending.indexOf("Big Co"));
    expect((await workspace.browser.page("/setup/accounts?sort=bogus")).response.status).toBe(400);

    const id = /href="\/setup\/accounts\/([^"]+)">Big Co/.exec(byArr)?.[1] ?? "";
    const account = await workspace.browser.page(`/setup/accounts/${id}`);
    expect(account.response.status).toBe(200);
    expect(account.html).toContain("<h1>Big Co</h1>");
    expect(account.html).toContain("Open tickets");
    expect((await workspace.browser.page("/setup/accounts/cs_missing")).response.status).toBe(404);

    const today = new Date().toISOString().slice(0, 10);
    const audit = (await workspace.browser.page(`/setup/audit?tool=import_accounts&from=${today}&to=${today}`)).html;
    expect(audit).toContain("<code>import_accounts</code>");
    expect(audit).not.toContain("<code>setup_step_completed</code>");
    const none = (await workspace.browser.page("/setup/audit?from=2001-01-01&to=2001-01-02")).html;
    expect(none).toContain("No entries match these filters.");
    const bad = await workspace.browser.page("/setup/audit?from=yesterday");
    expect(bad.response.status).toBe(400);
    expect(bad.html).toContain('id="from-error"');
  });
});

describe("health history from the data", () => {
  it("rebuilds the weeks before each account's first score from the facts it has, once", async () => {
    const team = await newTeam("History Setup Co");
    // Customers since 2026-01-01 (register's default), their records made today.
    const ids = [await register(team.token, { client_name: "Alpha" }), await register(team.token, { client_name: "Beta" })];
    // Product usage brought in with its dates: a day a month ago, and one two months ago.
    await inTenant(team.tenantId, (_db, state) => {
      for (const id of ids) {
        for (const daysAgo of [30, 60]) {
          const day = new Date(Date.now() - daysAgo * 86_400_000).toISOString().slice(0, 10);
          state.storage.sql.exec("INSERT INTO usage_daily (account_id, day, active_users, sessions, events, features_used) VALUES (?, ?, 4, 9, 30, 2)", id, day);
        }
      }
    });
    const press = async (fields: Record<string, string> = {}) => {
      const csrf = hiddenField((await team.workspace.browser.page("/setup/data")).html, "csrf_token");
      const response = await team.workspace.browser.submit("/setup/data/history", { csrf_token: csrf, ...fields });
      return { status: response.status, html: await response.text() };
    };
    const first = await press();
    expect(first.status).toBe(200);
    const added = /Went through 2 accounts and added (\d+) past scores\. Health history is rebuilt\./.exec(first.html);
    expect(Number(added?.[1])).toBeGreaterThan(0);
    const history = await ok<{ points: { at: string }[] }>(team.token, "get_health_history", { client_id: ids[0] ?? "" });
    expect(Date.parse(history.points[0]?.at ?? "")).toBeLessThan(Date.now() - 50 * 86_400_000);

    expect((await press()).html).toContain("Went through 2 accounts and added 0 past scores.");
    const bad = await press({ after_client_id: "not an id!" });
    expect(bad.status).toBe(400);
    expect(bad.html).toContain("after_client_id");
  });
});
