import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import type { TenantDO } from "../durable-objects/tenant";
import { Browser, logIn } from "../scripts/lib/oauth-flow";
import { hashPassword } from "../src/auth/passwords";
import { addMember, createUser } from "../src/db/control";
import { RecordValidator, resolveColumns } from "../src/import/columns";
import { CsvReader, parseCsv } from "../src/import/csv";
import { parseNumber } from "../src/import/rows";
import { csvFileSource } from "../src/setup/csv-file";
import { apiCall, callTool, mcpCall, newWorkspace, ORIGIN, PASSWORD, tokenFor, uniqueEmail, workerFetch, type Workspace } from "./support/worker";

interface Report {
  kind: string;
  dry_run: boolean;
  rows: number;
  created: number;
  updated: number;
  unchanged: number;
  rejected: number;
  errors: { row: number; field: string | null; message: string }[];
  errors_omitted: number;
  warnings: { column: string | null; message: string }[];
  columns: Record<string, string>;
}

type Row = Record<string, SqlStorageValue>;

async function tenantOf(email: string): Promise<string> {
  const row = await env.CONTROL_DB.prepare("SELECT m.tenant_id FROM memberships m JOIN users u ON u.id = m.user_id WHERE u.email = ?")
    .bind(email)
    .first<{ tenant_id: string }>();
  return row?.tenant_id ?? "";
}

/** Reads the tenant's own tables, to check what an import wrote (no tools read contacts, contracts or invoices yet). */
async function query(workspace: Workspace, sql: string, ...params: SqlStorageValue[]): Promise<Row[]> {
  const namespace = env.TENANT as DurableObjectNamespace<TenantDO>;
  const stub = namespace.get(namespace.idFromName(await tenantOf(workspace.email)));
  return runInDurableObject(stub, (_instance: TenantDO, state) => state.storage.sql.exec<Row>(sql, ...params).toArray());
}

async function importCsv(
  token: string,
  kind: string,
  csv: string,
  query: Record<string, string> = {},
): Promise<{ status: number; body: Report & { error?: { code: string; message: string } } }> {
  const search = new URLSearchParams(query).toString();
  const response = await apiCall(token, `/api/v1/import/${kind}${search ? `?${search}` : ""}`, {
    method: "POST",
    headers: { "Content-Type": "text/csv; charset=utf-8" },
    body: csv,
  });
  return { status: response.status, body: (await response.json()) as Report & { error?: { code: string; message: string } } };
}

function csv(...lines: string[]): string {
  return `${lines.join("\r\n")}\r\n`;
}

const ACCOUNTS = csv(
  "external_id,name,company_name,industry,tier,status,lifecycle_stage,contract_value,contract_start_date,contract_end_date,renewal_date,primary_contact_name,primary_contact_email,csm",
  'crm-1,Acme,"Acme, Inc.",Manufacturing,Enterprise,active,Adoption,"12,000.50",2026-01-01,2027-01-01,2026-12-01,"Jane ""JJ"" Doe",jane@acme.test,sam@cs.test',
  'crm-2,Globex,Globex Corp,Software,starter,active,at risk,900,2026-02-01,2027-02-01,,Hank,hank@globex.test,',
);

describe("CSV parsing", () => {
  it("reads quoted cells with commas, quotes and newlines, a BOM and CRLF, numbering rows as a spreadsheet does", () => {
    const parsed = parseCsv('\ufeffexternal_id,name\r\na-1,"Line one\r\nline two"\r\n\r\na-2,"Comma, ""quoted"""\r\n');
    expect(parsed.headers).toEqual(["external_id", "name"]);
    expect(parsed.records).toEqual([
      { row: 2, cells: ["a-1", "Line one\r\nline two"] },
      { row: 4, cells: ["a-2", 'Comma, "quoted"'] },
    ]);
    expect(parsed.problems).toEqual([]);
    expect(parseCsv("external_id\tname\nt-1\tTabbed, Co\n", "tab").records).toEqual([{ row: 2, cells: ["t-1", "Tabbed, Co"] }]);
  });

  it("reports an unclosed quote and a row with too many cells on their rows", () => {
    const parsed = parseCsv("external_id,name\na-1,ok\na-2,too,many\na-3,\"never closed\n");
    expect(parsed.records.map((record) => record.row)).toEqual([2]);
    expect(parsed.problems.map((problem) => problem.row)).toEqual([3, 4]);
    expect(parsed.problems[0]?.message).toContain("3 cells");
    expect(parsed.problems[1]?.message).toContain("quoted cell is not closed");
  });

  it("reads a file given in pieces cut anywhere exactly as the whole text: rows, row numbers and problems", () => {
    const cell = fc.oneof(fc.constantFrom("", "a", "Zürich", "x y", "Łódź 12"), fc.constantFrom('"quoted, with comma"', '"two\r\nlines"', '"say ""hi"""', '"unclosed'));
    const line = fc.oneof(fc.array(cell, { minLength: 1, maxLength: 4 }).map((cells) => cells.join(",")), fc.constant(""));
    fc.assert(
      fc.property(fc.array(line, { maxLength: 30 }), fc.constantFrom("\n", "\r\n"), fc.array(fc.nat(), { maxLength: 8 }), (lines, newline, cuts) => {
        const text = `\ufeffexternal_id,name,tier\n${lines.join(newline)}${newline}`.replaceAll("\n", newline === "\r\n" ? "\r\n" : "\n").replaceAll("\r\r", "\r");
        // The reader guesses the line endings from the first 40 characters here (1 MiB, as papaparse
        // does on a whole text, outside tests), wherever the pieces are cut.
        const whole = parseCsv(text);
        const wholeReader = new CsvReader(",", 40);
        const onePiece = [wholeReader.push(text), wholeReader.end()];
        const points = [...new Set(cuts.map((cut) => cut % (text.length + 1)))].sort((a, b) => a - b);
        const reader = new CsvReader(",", 40);
        const pieces = [];
        let start = 0;
        for (const point of [...points, text.length]) {
          pieces.push(reader.push(text.slice(start, point)));
          start = point;
        }
        pieces.push(reader.end());
        expect(reader.headers).toEqual(whole.headers);
        expect(pieces.flatMap((piece) => piece.records)).toEqual(onePiece.flatMap((piece) => piece.records));
        expect(pieces.flatMap((piece) => piece.problems)).toEqual(onePiece.flatMap((piece) => piece.problems));
        // With the line endings guessed alike (a file of one kind of line ending), the same as parseCsv.
        if (!/\r(?!\n)/.test(text.slice(1, 41))) {
          expect(pieces.flatMap((piece) => piece.records)).toEqual(whole.records);
          expect(pieces.flatMap((piece) => piece.problems)).toEqual(whole.problems);
        }
      }),
      { numRuns: 500 },
    );
    expect(() => new CsvReader(",").end()).toThrow(/The CSV is empty/);
    const blank = new CsvReader(",", 1);
    blank.push("\n\n");
    expect(() => blank.push("external_id\na-1\n")).toThrow(/starts with 2 blank row/);
  });

  it("refuses an external id repeated in a later piece of the file, naming the first row", () => {
    const columns = resolveColumns("accounts", ["external_id", "name"]);
    const validator = new RecordValidator("accounts", columns);
    const first = validator.validate([{ row: 2, cells: ["a-1", "One"] }]);
    const second = validator.validate([
      { row: 900, cells: ["a-2", "Two"] },
      { row: 901, cells: ["a-1", "Again"] },
    ]);
    expect(first.batch.rows.map((row) => row.row)).toEqual([2]);
    expect(second.batch.rows.map((row) => row.row)).toEqual([900]);
    expect(second.errors).toEqual([{ row: 901, field: "external_id", message: '"a-1" already appears on row 2; each external_id may appear once per file' }]);
  });

  it("streams an upload in blocks of whole lines, reading the lines that are not UTF-8 as Windows-1252 and naming them", async () => {
    const encoder = new TextEncoder();
    const parts: Uint8Array[] = [encoder.encode("\ufeffexternal_id,name\n")];
    const expected = ["external_id,name"];
    // ~2.6 MiB: more than two blocks, with Windows-1252 lines in the first and the last.
    for (let index = 1; index <= 100_000; index += 1) {
      const legacy = index === 3 || index === 99_999;
      const name = legacy ? `Société ${index}` : `Zürich Łódź ${index}`;
      parts.push(legacy ? Uint8Array.from(`a-${index},${name}\n`, (char) => char.charCodeAt(0)) : encoder.encode(`a-${index},${name}\n`));
      expected.push(`a-${index},${name}`);
    }
    const source = csvFileSource(new Blob(parts));
    const pieces: string[] = [];
    for await (const piece of source.pieces()) pieces.push(piece);
    expect(pieces.length).toBeGreaterThan(2);
    for (const piece of pieces) {
      expect(piece.endsWith("\n")).toBe(true);
      expect(encoder.encode(piece).length).toBeLessThanOrEqual(1024 * 1024);
    }
    expect(pieces.join("")).toBe(`${expected.join("\n")}\n`);
    expect(source.warning()).toContain("Lines 4, 100000 of the file (the header is line 1) are not UTF-8");
  });

  it("reads thousands separators only where they cannot be a decimal comma", () => {
    expect(parseNumber("12,000.50")).toBe(12000.5);
    expect(parseNumber("1,234,567")).toBe(1234567);
    expect(parseNumber("$ 900")).toBe(900);
    expect(parseNumber("12,5")).toBeNull();
    expect(parseNumber("1.234,56")).toBeNull();
    expect(parseNumber("12,00")).toBeNull();
  });
});

describe("importing accounts", () => {
  let owner: Workspace;
  let token: string;

  beforeAll(async () => {
    owner = await newWorkspace("Import Co");
    token = (await tokenFor(owner, { scope: "cs:read cs:write cs:admin", resource: ORIGIN })).access_token;
  });

  it("creates accounts from every column, then re-importing the same file changes nothing", async () => {
    const first = await importCsv(token, "accounts", ACCOUNTS);
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ kind: "accounts", dry_run: false, rows: 2, created: 2, updated: 0, unchanged: 0, rejected: 0, errors: [] });
    expect(first.body.columns.csm_assigned).toBe("csm");

    const listed = (await (await apiCall(token, "/api/v1/clients?search=Acme")).json()) as { clients: Record<string, unknown>[] };
    expect(listed.clients).toHaveLength(1);
    expect(listed.clients[0]).toMatchObject({
      external_id: "crm-1",
      client_name: "Acme",
      company_name: "Acme, Inc.",
      tier: "enterprise",
      lifecycle_stage: "adoption",
      contract_value: 12000.5,
      renewal_date: "2026-12-01",
      primary_contact_name: 'Jane "JJ" Doe',
      csm_assigned: "sam@cs.test",
    });
    const globex = (await (await apiCall(token, "/api/v1/clients?search=Globex")).json()) as { clients: Record<string, unknown>[] };
    expect(globex.clients[0]).toMatchObject({ lifecycle_stage: "at_risk", renewal_date: "2027-02-01", csm_assigned: null });

    const again = await importCsv(token, "accounts", ACCOUNTS);
    expect(again.body).toMatchObject({ rows: 2, created: 0, updated: 0, unchanged: 2, rejected: 0 });
    const accounts = await query(owner, "SELECT count(*) AS n FROM accounts");
    expect(accounts[0]?.n).toBe(2);

    const changed = await importCsv(token, "accounts", csv("external_id,tier,contract_value", "crm-1,enterprise,15000", "crm-2,starter,900"));
    expect(changed.body).toMatchObject({ created: 0, updated: 1, unchanged: 1 });
    const timeline = (await (await apiCall(token, `/api/v1/clients/${String(listed.clients[0]?.client_id)}/timeline`)).json()) as {
      events: { title: string; description: string }[];
    };
    expect(timeline.events.map((event) => event.title)).toEqual(["Updated contract_value", "Account registered"]);
    // An imported account's registration reads as one register_client writes.
    expect(timeline.events[1]?.description).toMatch(/^Acme \(Acme, Inc\.\) registered on the enterprise tier with a contract of 12000\.5 from \d{4}-\d{2}-\d{2} to \d{4}-\d{2}-\d{2}\.$/);
    const audit = await query(owner, "SELECT details FROM audit_log WHERE action = 'import_accounts' ORDER BY id");
    expect(audit).toHaveLength(3);
    expect(JSON.parse(String(audit[2]?.details))).toMatchObject({ first_row: 2, last_row: 3, updated: 1, unchanged: 1 });
  });

  it("rejects bad rows with their spreadsheet row numbers and applies the good ones", async () => {
    const file = csv(
      "external_id,name,tier,contract_value,contract_start_date,contract_end_date,primary_contact_email",
      'bad-1,"Spans\ntwo lines",gold,"12,5",2026-02-30,2027-01-01,not-an-email',
      "",
      "ok-1,Fine Ltd,starter,100,2026-01-01,2027-01-01,",
      ",No Id,starter,100,,,",
      "ok-1,Duplicate,starter,100,,,",
      "bad-2,Backwards,starter,100,2027-01-01,2026-01-01,",
      "new-without-name,,starter,,,,",
    );
    const { status, body } = await importCsv(token, "accounts", file);
    expect(status).toBe(200);
    expect(body).toMatchObject({ rows: 6, created: 1, rejected: 5 });
    const byRow = (row: number) => body.errors.filter((error) => error.row === row).map((error) => error.field);
    expect(byRow(2).sort()).toEqual(["contract_start_date", "contract_value", "primary_contact_email", "tier"]);
    expect(body.errors.find((error) => error.field === "tier")?.message).toContain("starter, standard, professional, enterprise");
    expect(body.errors.find((error) => error.field === "contract_value")?.message).toContain("never a decimal point");
    expect(byRow(5)).toEqual(["external_id"]);
    expect(body.errors.find((error) => error.row === 6)?.message).toContain("already appears on row 4");
    expect(body.errors.find((error) => error.row === 7)).toMatchObject({ field: "contract_end_date" });
    expect(body.errors.find((error) => error.row === 8)).toMatchObject({ field: "name" });
    expect(body.errors.map((error) => error.row)).toEqual([...body.errors.map((error) => error.row)].sort((a, b) => a - b));
    const created = await query(owner, "SELECT name FROM accounts WHERE external_id IN ('ok-1', 'bad-1', 'bad-2', 'new-without-name')");
    expect(created.map((row) => row.name)).toEqual(["Fine Ltd"]);
  });

  it("maps columns, warns about unknown ones and names a missing required column before reading rows", async () => {
    const file = csv("CRM ID,Company,Plan,Favourite colour", "map-1,Mapped Co,Professional,blue");
    const mapped = await importCsv(token, "accounts", file, { mapping: JSON.stringify({ external_id: "CRM ID", name: "Company", tier: "Plan" }) });
    expect(mapped.status).toBe(200);
    expect(mapped.body).toMatchObject({ created: 1, rejected: 0, columns: { external_id: "CRM ID", name: "Company", tier: "Plan" } });
    expect(mapped.body.warnings).toEqual([expect.objectContaining({ column: "Favourite colour" })]);
    const stored = await query(owner, "SELECT name, tier FROM accounts WHERE external_id = 'map-1'");
    expect(stored).toEqual([{ name: "Mapped Co", tier: "professional" }]);

    const missing = await importCsv(token, "accounts", file, { mapping: JSON.stringify({ name: "Company" }) });
    expect(missing.status).toBe(400);
    expect(missing.body.error?.message).toContain("no column for external_id");

    const wrongColumn = await importCsv(token, "accounts", file, { mapping: JSON.stringify({ external_id: "Customer Number", name: "Company" }) });
    expect(wrongColumn.status).toBe(400);
    expect(wrongColumn.body.error?.message).toContain('mapping.external_id names the column "Customer Number"');

    const unknownField = await importCsv(token, "accounts", file, { mapping: JSON.stringify({ colour: "Favourite colour" }) });
    expect(unknownField.status).toBe(400);
    expect(unknownField.body.error?.message).toContain('"colour", which is not a field of accounts');
  });

  it("dry_run reports what would happen and writes nothing", async () => {
    const before = await query(owner, "SELECT (SELECT count(*) FROM accounts) AS accounts, (SELECT count(*) FROM audit_log) AS audit, (SELECT count(*) FROM account_events) AS events");
    const file = csv("external_id,name,tier", "dry-1,Dry One,starter", "dry-2,Dry Two,gold", "crm-1,Acme,professional");
    const { body } = await importCsv(token, "accounts", file, { dry_run: "true" });
    expect(body).toMatchObject({ dry_run: true, rows: 3, created: 1, updated: 1, unchanged: 0, rejected: 1 });
    expect(body.errors).toEqual([expect.objectContaining({ row: 3, field: "tier" })]);
    const after = await query(owner, "SELECT (SELECT count(*) FROM accounts) AS accounts, (SELECT count(*) FROM audit_log) AS audit, (SELECT count(*) FROM account_events) AS events");
    expect(after).toEqual(before);
    const acme = await query(owner, "SELECT tier FROM accounts WHERE external_id = 'crm-1'");
    expect(acme[0]?.tier).toBe("enterprise");
  });

  it("applies a large file in chunks of 500 rows, one audit entry each", async () => {
    const lines = ["external_id,name,contract_value"];
    for (let index = 1; index <= 1_100; index += 1) lines.push(`bulk-${index},Bulk ${index},${index}`);
    lines[600] = "bulk-600,Bulk 600,not a number";
    const { body } = await importCsv(token, "accounts", csv(...lines));
    expect(body).toMatchObject({ rows: 1_100, created: 1_099, rejected: 1 });
    expect(body.errors).toEqual([expect.objectContaining({ row: 601, field: "contract_value" })]);
    const audit = await query(owner, "SELECT details FROM audit_log WHERE action = 'import_accounts' ORDER BY id DESC LIMIT 3");
    expect(audit.map((row) => (JSON.parse(String(row.details)) as { created: number }).created).sort((a, b) => a - b)).toEqual([99, 500, 500]);
    const stored = await query(owner, "SELECT count(*) AS n, sum(contract_value) AS total FROM accounts WHERE external_id LIKE 'bulk-%'");
    expect(stored[0]).toEqual({ n: 1_099, total: (1_100 * 1_101) / 2 - 600 });
  }, 60_000);

  it("refuses a body over the size limit with 413 naming it, and an unknown kind with 404", async () => {
    // 20 MiB: the setup page's limit, room for a 50,000-row accounts export (~9.4 MiB).
    const big = `external_id,name\n${"x".repeat(20 * 1024 * 1024)}`;
    const { status, body } = await importCsv(token, "accounts", big);
    expect(status).toBe(413);
    expect(body.error?.message).toContain("20 MiB");
    expect((await importCsv(token, "widgets", ACCOUNTS)).status).toBe(404);
    const wrongType = await apiCall(token, "/api/v1/import/accounts", { method: "POST", headers: { "Content-Type": "application/xml" }, body: "<a/>" });
    expect(wrongType.status).toBe(400);
  });

  it("takes the import_csv tool's JSON over REST and MCP, and lists the fields for a mapping screen", async () => {
    const rest = await apiCall(token, "/api/v1/import/accounts", {
      method: "POST",
      body: JSON.stringify({ csv: "external_id;name\njson-1;Json One\n", delimiter: ";", dry_run: false }),
    });
    expect(rest.status).toBe(200);
    expect(await rest.json()).toMatchObject({ created: 1 });

    const mcpToken = (await tokenFor(owner, { scope: "cs:read cs:write cs:admin" })).access_token;
    const viaMcp = await callTool(mcpToken, "import_csv", { kind: "accounts", csv: "external_id,name\njson-1,Json One\njson-2,Json Two\n" });
    expect(viaMcp.result?.isError).toBeFalsy();
    expect(viaMcp.result?.structuredContent).toMatchObject({ created: 1, unchanged: 1 });

    const fields = (await (await apiCall(token, "/api/v1/import/contacts")).json()) as { fields: { name: string }[]; required_columns: string[][] };
    expect(fields.fields.map((field) => field.name)).toContain("account_external_id");
    expect(fields.required_columns).toContainEqual(["account_external_id", "client_id"]);
  });
});

describe("importing contacts, contracts and invoices", () => {
  let owner: Workspace;
  let token: string;

  beforeAll(async () => {
    owner = await newWorkspace("Facts Co");
    token = (await tokenFor(owner, { scope: "cs:read cs:write cs:admin", resource: ORIGIN })).access_token;
    const accounts = await importCsv(token, "accounts", ACCOUNTS);
    expect(accounts.body.created).toBe(2);
  });

  it("imports contacts against accounts by external id or client_id, idempotently", async () => {
    const [acme] = await query(owner, "SELECT id FROM accounts WHERE external_id = 'crm-1'");
    const file = csv(
      "external_id,account_external_id,client_id,name,email,title,role,is_primary,status",
      "c-1,crm-1,,Jane Doe,jane@acme.test,VP Ops,Decision Maker,yes,active",
      `c-2,,${String(acme?.id)},Joe Roe,,,champion,0,`,
      "c-3,crm-404,,Ghost,,,,,",
      "c-4,crm-2,,Bad Flag,,,user,maybe,",
    );
    const { body } = await importCsv(token, "contacts", file);
    expect(body).toMatchObject({ rows: 4, created: 2, rejected: 2 });
    expect(body.errors).toEqual([
      { row: 4, field: "account_external_id", message: expect.stringContaining('"crm-404"') },
      { row: 5, field: "is_primary", message: expect.stringContaining("true or false") },
    ]);
    const contacts = await query(owner, "SELECT external_id, account_id, role, is_primary, status FROM contacts ORDER BY external_id");
    expect(contacts).toEqual([
      { external_id: "c-1", account_id: acme?.id, role: "decision_maker", is_primary: 1, status: "active" },
      { external_id: "c-2", account_id: acme?.id, role: "champion", is_primary: 0, status: "active" },
    ]);

    const again = await importCsv(token, "contacts", file);
    expect(again.body).toMatchObject({ created: 0, unchanged: 2, rejected: 2 });
    const moved = await importCsv(token, "contacts", csv("external_id,account_external_id,name,status", "c-2,crm-2,Joe Roe,left"));
    expect(moved.body).toMatchObject({ updated: 1 });
    const [joe] = await query(owner, "SELECT a.external_id AS account, c.status FROM contacts c JOIN accounts a ON a.id = c.account_id WHERE c.external_id = 'c-2'");
    expect(joe).toEqual({ account: "crm-2", status: "left" });
  });

  it("imports contracts and invoices, links invoices to their contract and refreshes the accounts' facts", async () => {
    const contracts = csv(
      "external_id,account_external_id,start_date,end_date,annual_value,seats,auto_renew,status,renewal_status",
      "k-1,crm-1,2026-01-01,2027-01-01,\"12,000\",50,true,active,in progress",
      "k-2,crm-2,2026-02-01,2027-02-01,900,,no,,",
      "k-3,crm-2,2026-03-01,2026-02-01,900,,,,",
    );
    const imported = await importCsv(token, "contracts", contracts);
    expect(imported.body).toMatchObject({ created: 2, rejected: 1, errors: [expect.objectContaining({ row: 4, field: "end_date" })] });
    const stored = await query(owner, "SELECT external_id, renewal_date, annual_value, seats, auto_renew, renewal_status FROM contracts ORDER BY external_id");
    expect(stored).toEqual([
      { external_id: "k-1", renewal_date: "2027-01-01", annual_value: 12000, seats: 50, auto_renew: 1, renewal_status: "in_progress" },
      { external_id: "k-2", renewal_date: "2027-02-01", annual_value: 900, seats: null, auto_renew: 0, renewal_status: "not_started" },
    ]);
    const events = await query(owner, "SELECT e.title, e.occurred_at FROM account_events e JOIN accounts a ON a.id = e.account_id WHERE a.external_id = 'crm-1' AND e.event_type = 'contract'");
    expect(events).toEqual([{ title: "Contract imported", occurred_at: "2026-01-01T00:00:00.000Z" }]);

    const invoices = csv(
      "external_id,account_external_id,contract_external_id,number,amount,currency,issued_on,due_on,paid_on,status",
      "i-1,crm-1,k-1,INV-001,\"6,000.00\",eur,2026-01-01,2026-01-31,2026-01-20,",
      "i-2,crm-1,k-1,INV-002,6000,,2026-07-01,2026-07-31,,",
      "i-3,crm-1,k-2,INV-003,10,,2026-07-01,2026-07-31,,",
      "i-4,crm-2,k-9,INV-004,10,,2026-07-01,2026-07-31,,",
      "i-5,crm-2,,INV-005,10,dollars,2026-07-01,2026-06-01,,",
    );
    const billed = await importCsv(token, "invoices", invoices);
    expect(billed.body).toMatchObject({ rows: 5, created: 2, rejected: 3 });
    expect(billed.body.errors.map((error) => [error.row, error.field])).toEqual([
      [4, "contract_external_id"],
      [5, "contract_external_id"],
      [6, "currency"],
      [6, "due_on"],
    ]);
    expect(billed.body.errors[0]?.message).toContain("another account");
    const rows = await query(owner, "SELECT i.external_id, c.external_id AS contract, i.amount, i.currency, i.status FROM invoices i LEFT JOIN contracts c ON c.id = i.contract_id ORDER BY i.external_id");
    expect(rows).toEqual([
      { external_id: "i-1", contract: "k-1", amount: 6000, currency: "EUR", status: "paid" },
      { external_id: "i-2", contract: "k-1", amount: 6000, currency: "USD", status: "open" },
    ]);
    const features = await query(owner, "SELECT a.external_id FROM account_features f JOIN accounts a ON a.id = f.account_id ORDER BY a.external_id");
    expect(features.map((row) => row.external_id)).toEqual(["crm-1", "crm-2"]);

    const paid = await importCsv(token, "invoices", csv("external_id,account_external_id,amount,issued_on,due_on,paid_on,status", "i-2,crm-1,6000,2026-07-01,2026-07-31,2026-07-15,paid"));
    expect(paid.body).toMatchObject({ updated: 1, created: 0 });
    // An empty cell keeps the stored value, so the original file does not unpay i-2.
    const again = await importCsv(token, "invoices", invoices);
    expect(again.body).toMatchObject({ created: 0, updated: 0, unchanged: 2, rejected: 3 });
  });
});

describe("import isolation and scope", () => {
  it("never lets tenant B's import reach tenant A's accounts", async () => {
    const alpha = await newWorkspace("Alpha Imports");
    const beta = await newWorkspace("Beta Imports");
    const alphaToken = (await tokenFor(alpha, { scope: "cs:read cs:write cs:admin", resource: ORIGIN })).access_token;
    const betaToken = (await tokenFor(beta, { scope: "cs:read cs:write cs:admin", resource: ORIGIN })).access_token;
    await importCsv(alphaToken, "accounts", csv("external_id,name", "alpha-1,Alpha Secret"));
    const [alphaAccount] = await query(alpha, "SELECT id FROM accounts WHERE external_id = 'alpha-1'");

    const { body } = await importCsv(betaToken, "contacts", csv("external_id,account_external_id,client_id,name", "x-1,alpha-1,,Spy", `x-2,,${String(alphaAccount?.id)},Spy Two`));
    expect(body).toMatchObject({ created: 0, rejected: 2 });
    expect(body.errors).toEqual([
      { row: 2, field: "account_external_id", message: expect.stringContaining('"alpha-1"') },
      { row: 3, field: "client_id", message: expect.stringContaining(String(alphaAccount?.id)) },
    ]);
    // The same external id in B is B's own account, not A's.
    const own = await importCsv(betaToken, "accounts", csv("external_id,name", "alpha-1,Beta's Own"));
    expect(own.body.created).toBe(1);
    expect(await query(alpha, "SELECT count(*) AS n FROM contacts")).toEqual([{ n: 0 }]);
    expect(await query(alpha, "SELECT name FROM accounts")).toEqual([{ name: "Alpha Secret" }]);
  });

  it("answers a csm's token (no cs:admin) with 403 insufficient_scope on REST and MCP", async () => {
    const owner = await newWorkspace("Scoped Imports");
    const email = uniqueEmail("csm");
    const userId = await createUser(env.CONTROL_DB, { email, name: "CSM", password: await hashPassword(PASSWORD) });
    await addMember(env.CONTROL_DB, { tenantId: await tenantOf(owner.email), userId, role: "csm" });
    const browser = new Browser(ORIGIN, workerFetch);
    await logIn(browser, { email, password: PASSWORD });
    const csm = { browser, email };

    const rest = await tokenFor(csm, { scope: "cs:read cs:write cs:admin", resource: ORIGIN });
    expect(rest.scope).toBe("cs:read cs:write");
    const refused = await apiCall(rest.access_token, "/api/v1/import/accounts", { method: "POST", headers: { "Content-Type": "text/csv" }, body: ACCOUNTS });
    expect(refused.status).toBe(403);
    expect(refused.headers.get("WWW-Authenticate")).toContain("cs:admin");

    const mcp = (await tokenFor(csm, { scope: "cs:read cs:write cs:admin" })).access_token;
    const { response } = await mcpCall(mcp, {
      jsonrpc: "2.0",
      id: 1,
      method: "tools/call",
      params: { name: "import_csv", arguments: { kind: "accounts", csv: ACCOUNTS } },
    });
    expect(response.status).toBe(403);
    expect(await query(owner, "SELECT count(*) AS n FROM accounts")).toEqual([{ n: 0 }]);
  });
});
