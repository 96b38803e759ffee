import { z } from "zod";
import { ImportFileError } from "../import/columns";
import { importKind, importOptions, importReport, IMPORT_MAX_BYTES, runImport } from "../import/run";
import { defineTool, ToolError } from "./define";

/** CSV import for assistants pasting a small file; the REST route POST /api/v1/import/{kind} takes large ones as text/csv. */

/** Row errors an assistant sees at once; the rest are counted in errors_omitted. */
const TOOL_MAX_ERRORS = 200;

export const importCsvInput = importOptions.extend({
  kind: importKind.describe("What the rows are: accounts, contacts, contracts or invoices (import accounts first)"),
  csv: z
    .string()
    .min(1, "csv is required: the file's text, header row first")
    .max(IMPORT_MAX_BYTES, `csv is at most ${IMPORT_MAX_BYTES} characters; send larger files to POST /api/v1/import/{kind} as text/csv`)
    .describe("The CSV text, header row first"),
});

export const importCsv = defineTool({
  name: "import_csv",
  title: "Import records from CSV",
  description:
    "Import accounts, contacts, contracts or invoices from CSV text. Every row is validated; valid rows are created, or updated when their external_id already exists (importing the same file twice changes nothing). Rejected rows come back as { row, field, message } with the row number a spreadsheet shows (header = row 1). Use dry_run to preview. Columns and accepted spellings: docs/import.md.",
  input: importCsvInput,
  output: importReport,
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  scope: "cs:admin",
  rest: { method: "POST", path: "/import/{kind}" },
  async handler({ tenant, actor }, input) {
    try {
      return await runImport(
        tenant,
        actor,
        { kind: input.kind, csv: input.csv, mapping: input.mapping, dryRun: input.dry_run, delimiter: input.delimiter },
        { maxErrors: TOOL_MAX_ERRORS },
      );
    } catch (error) {
      if (error instanceof ImportFileError) throw new ToolError("invalid", error.message);
      throw error;
    }
  },
});

export const importTools = [importCsv];
