import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { TenantDO } from "../durable-objects/tenant";
import type { TenantDb } from "../src/db/accounts";
import { hiddenField } from "../scripts/lib/oauth-flow";
import { callTool, newWorkspace, tenantIdOf, tokenFor, type Workspace } from "./support/worker";

/**
 * The bulk import path (src/db/imports.ts): a few thousand rows with every kind of bad row
 * through the setup page, and the health a new account gets from the bulk path is the health
 * factsChanged itself computes for it.
 */

type Row = Record<string, SqlStorageValue>;

async function stubOf(workspace: Workspace) {
  const namespace = env.TENANT as DurableObjectNamespace<TenantDO>;
  return namespace.get(namespace.idFromName(await tenantIdOf(workspace.email)));
}

async function query(workspace: Workspace, sql: string, ...params: SqlStorageValue[]): Promise<Row[]> {
  return runInDurableObject(await stubOf(workspace), (_instance: TenantDO, state) => state.storage.sql.exec<Row>(sql, ...params).toArray());
}

async function upload(workspace: Workspace, kind: string, bytes: Uint8Array | string) {
  const csrf = hiddenField((await workspace.browser.page("/setup/data")).html, "csrf_token");
  const form = new FormData();
  form.set("csrf_token", csrf);
  form.set("file", new File([bytes], `${kind}.csv`, { type: "text/csv" }));
  const response = await workspace.browser.request(`/setup/data/import/${kind}`, { method: "POST", body: form });
  return { status: response.status, html: await response.text(), headers: response.headers };
}

function counts(html: string) {
  const match = /(\d+) created, (\d+) updated, (\d+) unchanged, <strong>(\d+) rejected<\/strong>/.exec(html);
  if (!match) throw new Error(`no report in the page: ${html.slice(-500)}`);
  const [created, updated, unchanged, rejected] = match.slice(1).map(Number);
  return { created, updated, unchanged, rejected };
}

function listedRows(html: string): number[] {
  return [...new Set([...html.matchAll(/<td class="num">(\d+)<\/td>/g)].map((match) => Number(match[1])))];
}

const ROWS = 3_000;

/** A 3,000-row accounts file; every 97th row is bad in one of five ways. Returns the bad rows' numbers. */
function accountsCsv(): { csv: string; bad: number[]; refusedByWorker: number } {
  const lines = ["external_id,name,tier,contract_value,contract_start_date,contract_end_date,csm_assigned"];
  const bad: number[] = [];
  let refusedByWorker = 0;
  const kinds = ["no_id", "no_name", "number", "dates", "duplicate"];
  let next = 0;
  for (let index = 1; index <= ROWS; index += 1) {
    const cells = [`bulk-${index}`, `Bulk Co ${index}`, ["starter", "standard", "professional", "enterprise"][index % 4] ?? "standard", String(1_000 * (index % 50) + 500), "2026-01-01", "2027-01-01", `csm${index % 7}@vendor.example`];
    if (index % 97 === 3) {
      const kind = kinds[next++ % kinds.length];
      if (kind === "no_id") cells[0] = "";
      if (kind === "no_name") cells[1] = "";
      if (kind === "number") cells[3] = "12,5";
      if (kind === "dates") cells[5] = "2025-06-01"; // before the start: refused by the Tenant object
      if (kind === "duplicate") cells[0] = `bulk-${index - 1}`;
      bad.push(index + 1);
      // Missing ids, bad numbers and repeated ids never leave the Worker; the rest reach the Tenant object.
      if (kind === "no_id" || kind === "number" || kind === "duplicate") refusedByWorker += 1;
    }
    lines.push(cells.join(","));
  }
  return { csv: lines.join("\n"), bad, refusedByWorker };
}

describe("bulk import through the setup page", () => {
  it("imports 3,000 accounts and their contacts, reports each bad row by number, and a second post duplicates nothing", async () => {
    const workspace = await newWorkspace();
    const { csv, bad, refusedByWorker } = accountsCsv();
    const first = await upload(workspace, "accounts", csv);
    expect(first.status).toBe(200);
    expect(counts(first.html)).toEqual({ created: ROWS - bad.length, updated: 0, unchanged: 0, rejected: bad.length });
    expect(listedRows(first.html)).toEqual(bad);
    expect(first.html).toContain(`${ROWS.toLocaleString("en-US")} of ${ROWS.toLocaleString("en-US")} rows processed`);
    expect(first.html).toMatch(/must be after contract_start_date/);
    // The page streams uncompressed (a compressor would hold the progress lines back), and
    // every progress line comes after the <progress> element it moves.
    expect(first.headers.get("Content-Encoding")).toBe("identity");
    expect(first.html.indexOf('id="import-progress"')).toBeGreaterThan(0);
    expect(first.html.indexOf('id="import-progress"')).toBeLessThan(first.html.indexOf("rows processed"));
    // One line once the file is validated, then one per chunk of 500 rows sent to the Tenant object.
    expect(first.html.split("rows processed").length - 1).toBe(1 + Math.ceil((ROWS - refusedByWorker) / 500));
    // One account, one registration event, one feature row and one snapshot per created row.
    const [written] = await query(
      workspace,
      `SELECT (SELECT count(*) FROM accounts) AS accounts, (SELECT count(*) FROM account_events WHERE title = 'Account registered') AS events,
              (SELECT count(*) FROM account_features) AS features, (SELECT count(*) FROM health_snapshots) AS snapshots,
              (SELECT count(DISTINCT external_id) FROM accounts) AS ids, (SELECT count(*) FROM accounts WHERE health_computed_at IS NULL) AS unscored`,
    );
    expect(written).toEqual({ accounts: ROWS - bad.length, events: ROWS - bad.length, features: ROWS - bad.length, snapshots: ROWS - bad.length, ids: ROWS - bad.length, unscored: 0 });

    const again = await upload(workspace, "accounts", csv);
    expect(counts(again.html)).toEqual({ created: 0, updated: 0, unchanged: ROWS - bad.length, rejected: bad.length });
    expect(listedRows(again.html)).toEqual(bad);
    const [after] = await query(workspace, "SELECT count(*) AS accounts, (SELECT count(*) FROM account_events) AS events FROM accounts");
    expect(after).toEqual({ accounts: ROWS - bad.length, events: ROWS - bad.length });

    // A changed row updates just that account, through updateAccount (with its timeline event).
    const changed = csv.replace("bulk-10,Bulk Co 10,", "bulk-10,Bulk Company Ten,");
    const third = await upload(workspace, "accounts", changed);
    expect(counts(third.html)).toEqual({ created: 0, updated: 1, unchanged: ROWS - bad.length - 1, rejected: bad.length });
    expect(await query(workspace, "SELECT title FROM account_events WHERE title LIKE 'Updated%'")).toEqual([{ title: "Updated client_name" }]);

    // Contacts: one per account row, so the bad account rows leave contacts with no account.
    const contactLines = ["external_id,account_external_id,name,email"];
    for (let index = 1; index <= ROWS; index += 1) contactLines.push(`c-${index},bulk-${index},Person ${index},p${index}@example.com`);
    const contactsCsv = contactLines.join("\n");
    const contactsFirst = await upload(workspace, "contacts", contactsCsv);
    // A duplicate-id account row still leaves bulk-<n> unimported: its id belonged to row n-1.
    expect(counts(contactsFirst.html)).toEqual({ created: ROWS - bad.length, updated: 0, unchanged: 0, rejected: bad.length });
    expect(listedRows(contactsFirst.html)).toEqual(bad);
    const contactsAgain = await upload(workspace, "contacts", contactsCsv);
    expect(counts(contactsAgain.html)).toEqual({ created: 0, updated: 0, unchanged: ROWS - bad.length, rejected: bad.length });
    const [contactCount] = await query(workspace, "SELECT count(*) AS contacts, count(DISTINCT account_id) AS accounts FROM contacts");
    expect(contactCount).toEqual({ contacts: ROWS - bad.length, accounts: ROWS - bad.length });
  }, 60_000);

  it("gives a new account the features, score, band and trend factsChanged computes for it, with and without tickets in the workspace", async () => {
    const workspace = await newWorkspace();
    const token = (await tokenFor(workspace, { scope: "cs:read cs:write cs:admin" })).access_token;
    const registered = await callTool(token, "register_client", {
      client_name: "Ticketed Co",
      company_name: "Ticketed Co",
      industry: "Retail",
      tier: "starter",
      contract_value: 5000,
    });
    const ticketedId = (registered.result?.structuredContent?.client as { client_id: string } | undefined)?.client_id ?? "";
    expect(ticketedId).toMatch(/^cs_/);

    const csv = "external_id,name,tier,contract_value,contract_start_date,contract_end_date\nh-1,Plain Co,enterprise,250000,2026-01-01,2027-01-01\nh-2,Small Co,starter,0,2026-02-01,2026-12-31\n";
    const compare = async (label: string, prefix: string) => {
      const stub = await stubOf(workspace);
      const ids = (await query(workspace, "SELECT id FROM accounts WHERE external_id LIKE ? ORDER BY external_id", `${prefix}%`)).map((row) => String(row.id));
      const read = () =>
        query(
          workspace,
          `SELECT a.id, a.health_score, a.health_trend, f.*, (SELECT count(*) FROM health_snapshots s WHERE s.account_id = a.id) AS snapshots,
                  (SELECT band || ':' || coverage || ':' || components FROM health_snapshots s WHERE s.account_id = a.id ORDER BY id DESC LIMIT 1) AS latest
           FROM accounts a JOIN account_features f ON f.account_id = a.id WHERE a.external_id LIKE ? ORDER BY a.external_id`,
          `${prefix}%`,
        );
      const bulk = await read();
      expect(bulk.length, label).toBe(2);
      // The general path: factsChanged recomputes every feature from the fact tables and rescores.
      await runInDurableObject(stub, (instance: TenantDO) => {
        const inner = instance as unknown as { db: TenantDb; factsChanged(db: TenantDb, ids: string[]): void };
        inner.db.transaction((tx) => inner.factsChanged(tx, ids));
      });
      const general = await read();
      const strip = (rows: Row[]) => rows.map(({ updated_at: _updated, ...rest }) => rest);
      // Same inputs, same score, band, coverage and components: no new snapshot was needed.
      expect(strip(general), label).toEqual(strip(bulk));
      expect(bulk.map((row) => row.snapshots), label).toEqual([1, 1]);
    };

    await upload(workspace, "accounts", csv);
    await compare("no tickets", "h-");
    expect((await query(workspace, "SELECT open_tickets FROM account_features f JOIN accounts a ON a.id = f.account_id WHERE a.external_id = 'h-1'"))[0]).toEqual({ open_tickets: null });

    // Once the workspace has a ticket, support counts of every account are known zeros.
    const ticket = await callTool(token, "create_ticket", { client_id: ticketedId, subject: "Login fails" });
    expect(ticket.result?.isError ?? false).toBe(false);
    await upload(workspace, "accounts", csv.replaceAll("h-", "t-"));
    await compare("with a ticket", "t-");
    expect((await query(workspace, "SELECT open_tickets FROM account_features f JOIN accounts a ON a.id = f.account_id WHERE a.external_id = 't-1'"))[0]).toEqual({ open_tickets: 0 });

    // The registration event is the one register_client (createAccount) writes.
    const [imported] = await query(workspace, "SELECT event_type, title, impact, metadata FROM account_events e JOIN accounts a ON a.id = e.account_id WHERE a.external_id = 't-2'");
    const [direct] = await query(workspace, "SELECT event_type, title, impact FROM account_events WHERE account_id = ?", ticketedId);
    expect(imported).toMatchObject(direct ?? {});
    expect(JSON.parse(String(imported?.metadata))).toEqual({ tier: "starter", contract_value: 0 });
  }, 60_000);
});
