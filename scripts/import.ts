/**
 * Imports a CSV file of accounts, contacts, contracts or invoices through the REST API
 * (POST /api/v1/import/{kind}), prints a summary and every rejected row, and exits non-zero
 * when any row was rejected.
 *
 *   npm run import -- --url http://localhost:8787 --kind accounts --file accounts.csv \
 *     [--mapping '{"external_id":"CRM ID"}'] [--dry-run] [--delimiter ';'] \
 *     [--token T | --email E --password P]
 *
 * Exit codes: 0 every row applied (or would be, with --dry-run); 1 some rows rejected;
 * 2 nothing imported (bad arguments, unreadable file, refused request).
 */
import { readFile } from "node:fs/promises";
import { parseArgs } from "node:util";
import { cliAccessToken } from "./lib/cli-auth.ts";

const KINDS = ["accounts", "contacts", "contracts", "invoices"];

const USAGE = `Usage: npm run import -- --kind <${KINDS.join("|")}> --file <path.csv> [--url http://localhost:8787]
       [--mapping '{"our_field":"CSV header"}'] [--dry-run] [--delimiter ','|';'|tab]
       [--token <access token> (or CS_TOKEN) | --email <email> --password <password>]
Columns per kind and accepted spellings: docs/import.md`;

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

class UsageError extends Error {}

function isReport(value: unknown): value is Report {
  return typeof value === "object" && value !== null && "rows" in value && "errors" in value && Array.isArray((value as Report).errors);
}

function describeReport(report: Report, file: string): string {
  const lines: string[] = [];
  const verb = report.dry_run ? "would be" : "were";
  lines.push(`${report.kind} from ${file}${report.dry_run ? " (dry run: nothing written)" : ""}: ${report.rows} row(s) read`);
  lines.push(`  created:   ${report.created}`);
  lines.push(`  updated:   ${report.updated}`);
  lines.push(`  unchanged: ${report.unchanged}`);
  lines.push(`  rejected:  ${report.rejected}`);
  const columns = Object.entries(report.columns);
  if (columns.length > 0) lines.push(`Columns read: ${columns.map(([field, header]) => (field === header ? field : `${field} ← "${header}"`)).join(", ")}`);
  if (report.warnings.length > 0) {
    lines.push("Warnings:");
    for (const warning of report.warnings) lines.push(`  ${warning.message}`);
  }
  if (report.errors.length > 0) {
    lines.push(`Rejected rows (${report.rejected} row(s) ${verb} not imported; row 1 is the header):`);
    for (const error of report.errors) lines.push(`  row ${error.row}${error.field ? `, ${error.field}` : ""}: ${error.message}`);
    if (report.errors_omitted > 0) lines.push(`  … and ${report.errors_omitted} more error(s)`);
  }
  return lines.join("\n");
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      url: { type: "string", default: "http://localhost:8787" },
      kind: { type: "string" },
      file: { type: "string" },
      mapping: { type: "string" },
      "dry-run": { type: "boolean", default: false },
      delimiter: { type: "string" },
      token: { type: "string" },
      email: { type: "string" },
      password: { type: "string" },
      help: { type: "boolean", default: false },
    },
    strict: true,
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  if (!values.kind || !KINDS.includes(values.kind)) throw new UsageError(`--kind must be one of ${KINDS.join(", ")}.`);
  if (!values.file) throw new UsageError("--file is required: the CSV file to import.");
  if (values.mapping !== undefined) {
    try {
      JSON.parse(values.mapping);
    } catch {
      throw new UsageError(`--mapping must be JSON such as '{"external_id":"CRM ID","name":"Company"}'.`);
    }
  }
  const delimiter = values.delimiter;

  let csv: string;
  try {
    csv = await readFile(values.file, "utf8");
  } catch {
    throw new UsageError(`Cannot read ${values.file}; check the path.`);
  }

  const origin = new URL(values.url).origin;
  const token = await cliAccessToken({
    url: origin,
    token: values.token,
    email: values.email,
    password: values.password,
    scope: "cs:read cs:write cs:admin",
    clientName: "CSV import script",
  });

  const query = new URLSearchParams();
  if (values["dry-run"]) query.set("dry_run", "true");
  if (values.mapping !== undefined) query.set("mapping", values.mapping);
  if (delimiter !== undefined) query.set("delimiter", delimiter);
  const response = await fetch(`${origin}/api/v1/import/${values.kind}${query.size > 0 ? `?${query}` : ""}`, {
    method: "POST",
    headers: { Authorization: `Bearer ${token}`, "Content-Type": "text/csv; charset=utf-8" },
    body: csv,
  });
  const body: unknown = await response.json().catch(() => null);
  if (!response.ok || !isReport(body)) {
    const message =
      typeof body === "object" && body !== null && "error" in body ? (body as { error: { message?: string } }).error.message : undefined;
    if (response.status === 403) {
      throw new Error(`Import refused (HTTP 403): importing needs the cs:admin scope, which only workspace owners and admins can grant.`);
    }
    throw new Error(`Import refused (HTTP ${response.status}): ${message ?? "no explanation in the response"}`);
  }
  console.log(describeReport(body, values.file));
  return body.rejected > 0 ? 1 : 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : String(error));
    const badArguments = error instanceof UsageError || String((error as { code?: unknown }).code ?? "").startsWith("ERR_PARSE_ARGS");
    if (badArguments) console.error(USAGE);
    process.exitCode = 2;
  },
);
