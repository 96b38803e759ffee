/**
 * The generated CSV files of `npm run bench:import` and `npm run bench:import-memory`: BENCH_ROWS
 * accounts and as many contacts, realistic, deterministic, with one bad row in BAD_EVERY whose
 * spreadsheet row numbers the generator records (see docs/benchmarks.md). Plain TypeScript with
 * erasable types, so Node 22 runs it directly.
 */
import { seededRandom } from "../../src/demo/sample-accounts.ts";

/** One row in BAD_EVERY is a bad row, cycling through the kinds of bad row. */
export const BAD_EVERY = 150;

const PREFIXES = ["North", "Blue", "Silver", "Bright", "Green", "Red", "Summit", "Harbor", "Crystal", "Iron", "Atlas", "Nova", "Pioneer", "Vertex", "Zürich", "Café", "Søren", "Árvore", "Łódź", "Müller"];
const NOUNS = ["Analytics", "Logistics", "Health", "Foods", "Robotics", "Media", "Energy", "Bank", "Labs", "Systems", "Retail", "Travel", "Studios", "Networks", "Pharma", "Insurance"];
const SUFFIXES = ["Inc", "Ltd", "GmbH", "SA", "LLC", "AB", "BV", "plc", "S.p.A.", "Oy"];
const INDUSTRIES = ["Technology", "Healthcare", "Financial Services", "Retail", "Manufacturing", "Media", "Education", "Logistics"];
const TIERS = ["starter", "standard", "Professional", "Enterprise"];
const STAGES = ["onboarding", "adoption", "active", "At Risk", "renewal", "expansion"];
const FIRST = ["Ann", "Bo", "Chloé", "Dmitri", "Eva", "Farid", "Grace", "Hiro", "Inés", "Jonas", "Kofi", "Lena", "Mateo", "Nora", "Olu", "Priya"];
const LAST = ["Lee", "Novak", "García", "Schmidt", "Okafor", "Tanaka", "Dubois", "Rossi", "Khan", "Björk", "Silva", "Nguyen"];
const ROLES = ["executive", "decision maker", "champion", "user", "billing", "technical"];

function pick<T>(next: () => number, values: readonly T[]): T {
  return values[Math.floor(next() * values.length)] as T;
}

function quote(cell: string): string {
  return /[",\n\r]/.test(cell) ? `"${cell.replaceAll('"', '""')}"` : cell;
}

function day(next: () => number, fromYear: number, years: number): string {
  const start = Date.UTC(fromYear, 0, 1);
  return new Date(start + Math.floor(next() * years * 365) * 86_400_000).toISOString().slice(0, 10);
}

function latin1(text: string): Buffer {
  return Buffer.from(text, "latin1");
}

export interface GeneratedFile {
  bytes: Buffer;
  rows: number;
  /** Spreadsheet row numbers (header = 1) the import must reject. */
  rejectedRows: number[];
  /** Rows the import must create on an empty workspace. */
  created: number;
  /** Rows written in Windows-1252 inside the UTF-8 file (valid otherwise). */
  latin1Rows: number;
}

const ACCOUNT_BAD_KINDS = ["latin1", "no_external_id", "no_name", "bad_number", "bad_date", "duplicate"] as const;

export function accountsFile(count: number): GeneratedFile {
  const next = seededRandom(7);
  const parts: Buffer[] = [
    Buffer.from(
      "external_id,name,company_name,industry,tier,status,lifecycle_stage,contract_value,contract_start_date,contract_end_date,renewal_date,primary_contact_name,primary_contact_email,csm_assigned\n",
    ),
  ];
  const rejectedRows: number[] = [];
  let latin1Rows = 0;
  let bad = 0;
  for (let index = 1; index <= count; index += 1) {
    const row = index + 1;
    const name = `${pick(next, PREFIXES)} ${pick(next, NOUNS)} ${index}`;
    const start = day(next, 2023, 3);
    const end = new Date(Date.parse(start) + (365 + Math.floor(next() * 730)) * 86_400_000).toISOString().slice(0, 10);
    const contact = `${pick(next, FIRST)} ${pick(next, LAST)}`;
    const cells = [
      `acct-${String(index).padStart(6, "0")}`,
      name,
      `${name} ${pick(next, SUFFIXES)}`,
      pick(next, INDUSTRIES),
      pick(next, TIERS),
      next() < 0.97 ? "active" : "paused",
      pick(next, STAGES),
      next() < 0.5 ? String(1_000 + Math.floor(next() * 500) * 100) : `$${(1_000 + Math.floor(next() * 2_000) * 100).toLocaleString("en-US")}`,
      start,
      end,
      end,
      contact,
      `${contact.split(" ")[0]?.toLowerCase().normalize("NFD").replace(/[^a-z]/g, "")}.${index}@customer${index % 997}.example`,
      `csm${index % 40}@vendor.example`,
    ];
    const kind = index % BAD_EVERY === 7 ? ACCOUNT_BAD_KINDS[bad++ % ACCOUNT_BAD_KINDS.length] : null;
    if (kind === "latin1") {
      // An Excel "CSV" export pasted into a UTF-8 file: the row is fine, its bytes are Windows-1252.
      cells[1] = `Société Générale ${index}`;
      cells[2] = `Société Générale ${index} SA`;
      parts.push(latin1(`${cells.map(quote).join(",")}\n`));
      latin1Rows += 1;
      continue;
    }
    if (kind === "no_external_id") cells[0] = "";
    if (kind === "no_name") {
      cells[1] = "";
      cells[2] = "";
    }
    if (kind === "bad_number") cells[7] = "12,5";
    if (kind === "bad_date") cells[10] = "31/12/2027";
    if (kind === "duplicate") cells[0] = `acct-${String(index - 1).padStart(6, "0")}`;
    if (kind) rejectedRows.push(row);
    parts.push(Buffer.from(`${cells.map(quote).join(",")}\n`));
  }
  return { bytes: Buffer.concat(parts), rows: count, rejectedRows, created: count - rejectedRows.length, latin1Rows };
}

const CONTACT_BAD_KINDS = ["unknown_account", "bad_email", "no_name", "duplicate", "rejected_account"] as const;

/** One contact per account row, each naming its account by external id. */
export function contactsFile(count: number, accounts: GeneratedFile): GeneratedFile {
  const next = seededRandom(11);
  const rejectedAccounts = new Set(accounts.rejectedRows.map((row) => row - 1));
  const parts: Buffer[] = [Buffer.from("external_id,account_external_id,name,email,title,role,is_primary,status\n")];
  const rejectedRows: number[] = [];
  let bad = 0;
  for (let index = 1; index <= count; index += 1) {
    const row = index + 1;
    const account = ((index - 1) % accounts.rows) + 1;
    const name = `${pick(next, FIRST)} ${pick(next, LAST)}`;
    const cells = [
      `con-${String(index).padStart(6, "0")}`,
      `acct-${String(account).padStart(6, "0")}`,
      name,
      `${name.toLowerCase().normalize("NFD").replace(/[^a-z ]/g, "").replace(" ", ".")}.${index}@customer${account % 997}.example`,
      pick(next, ["VP Customer Success", "Head of Operations", "CTO", "Finance Manager", "Product Lead"]),
      pick(next, ROLES),
      next() < 0.2 ? "yes" : "no",
      "active",
    ];
    // A contact of an account row the accounts import rejected has no account to belong to
    // (a rejected row's own acct-N id is nowhere else in the file).
    let kind: (typeof CONTACT_BAD_KINDS)[number] | null = index % BAD_EVERY === 11 ? CONTACT_BAD_KINDS[bad++ % (CONTACT_BAD_KINDS.length - 1)] ?? null : null;
    if (kind === "unknown_account") cells[1] = `acct-missing-${index}`;
    if (kind === "bad_email") cells[3] = "not-an-email";
    if (kind === "no_name") cells[2] = "";
    if (kind === "duplicate") cells[0] = `con-${String(index - 1).padStart(6, "0")}`;
    if (!kind && rejectedAccounts.has(account)) kind = "rejected_account";
    if (kind) rejectedRows.push(row);
    parts.push(Buffer.from(`${cells.map(quote).join(",")}\n`));
  }
  return { bytes: Buffer.concat(parts), rows: count, rejectedRows, created: count - rejectedRows.length, latin1Rows: 0 };
}
