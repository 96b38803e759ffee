import { z } from "zod";
import type { Actor, TenantApi } from "../../durable-objects/tenant";
import { unwrap } from "../tools/define";
import { CsvError, DELIMITERS, parseCsv } from "./csv";
import { ImportFileError, resolveColumns, validateRecords, type ImportWarning, type RowError } from "./columns";
import { IMPORT_KINDS, type ImportBatch, type ImportKind } from "./rows";

/**
 * One CSV import from text to report, shared by the REST route, the import_csv tool and
 * (later) the hosted setup page: parse, map columns, validate every row in the Worker, then
 * apply the valid rows in the Tenant object in chunks of IMPORT_CHUNK_ROWS, one transaction
 * and one audit entry per chunk. `onProgress` is called after each chunk (for a progress bar).
 */

/** The largest CSV accepted inside a JSON-RPC message (the import_csv tool's csv argument), in characters. */
export const IMPORT_MAX_BYTES = 5 * 1024 * 1024;
/**
 * The largest request body POST /api/v1/import/{kind} accepts, in bytes: the setup page's limit.
 * A realistic 50,000-row accounts export with every column is ~9.4 MiB (npm run bench:import),
 * which the former 5 MiB refused; Workers take bodies up to 100 MB, and the import of a 9.4 MiB
 * file peaks at ~75 MiB of the isolate's 128 MiB.
 */
export const IMPORT_FILE_MAX_BYTES = 20 * 1024 * 1024;
/** Rows per Tenant object RPC and transaction. */
export const IMPORT_CHUNK_ROWS = 500;
/** Row errors listed in one report; the rest are counted in errors_omitted. */
export const IMPORT_MAX_ERRORS = 10_000;

export const importKind = z.enum(IMPORT_KINDS, { message: `must be one of ${IMPORT_KINDS.join(", ")}` });

export const importMapping = z
  .record(z.string(), z.string().min(1, "each mapped column name must be non-empty"))
  .describe('Which CSV column holds which field, as {"our_field": "CSV header"}; columns named like our fields map themselves');

export const importOptions = z.object({
  mapping: importMapping.optional(),
  dry_run: z.boolean().default(false).describe("Validate and report what would happen, writing nothing"),
  delimiter: z
    .enum(DELIMITERS, { message: 'must be ",", ";" or "tab"' })
    .default(",")
    .describe('The cell separator: "," (default), ";" or "tab"'),
});

export const rowError = z.object({
  row: z.number().int().describe("The row as a spreadsheet shows it: the header is row 1"),
  field: z.string().nullable().describe("The field the problem is in, or null for the whole row"),
  message: z.string(),
});

export const importReport = z.object({
  kind: importKind,
  dry_run: z.boolean(),
  rows: z.number().int().describe("Data rows read (blank rows are skipped)"),
  created: z.number().int(),
  updated: z.number().int().describe("Existing records (same external_id) with at least one changed field"),
  unchanged: z.number().int().describe("Existing records that already held these values"),
  rejected: z.number().int().describe("Rows not applied; errors says why"),
  errors: z.array(rowError),
  errors_omitted: z.number().int().describe("Row errors beyond the listed ones"),
  warnings: z.array(z.object({ column: z.string().nullable(), message: z.string() })),
  columns: z.record(z.string(), z.string()).describe("Which CSV column each field was read from"),
});

export type ImportReport = z.output<typeof importReport>;

export interface ImportRequest {
  kind: ImportKind;
  csv: string;
  mapping?: Record<string, string>;
  dryRun: boolean;
  delimiter?: z.output<typeof importOptions>["delimiter"];
}

export interface ImportProgress {
  kind: ImportKind;
  rowsTotal: number;
  rowsDone: number;
}

export interface RunOptions {
  maxErrors?: number;
  chunkRows?: number;
  onProgress?: (progress: ImportProgress) => void | Promise<void>;
}

function chunksOf(batch: ImportBatch, size: number): ImportBatch[] {
  const chunks: ImportBatch[] = [];
  for (let start = 0; start < batch.rows.length; start += size) {
    chunks.push({ kind: batch.kind, rows: batch.rows.slice(start, start + size) } as ImportBatch);
  }
  return chunks;
}

/** Throws ImportFileError for a file or mapping that cannot be read at all; everything else is in the report. */
export async function runImport(tenant: TenantApi, actor: Actor, request: ImportRequest, options: RunOptions = {}): Promise<ImportReport> {
  let parsed;
  try {
    parsed = parseCsv(request.csv, request.delimiter ?? ",");
  } catch (error) {
    if (error instanceof CsvError) throw new ImportFileError(error.message);
    throw error;
  }
  const columns = resolveColumns(request.kind, parsed.headers, request.mapping ?? {});
  const validated = validateRecords(request.kind, parsed.records, columns);

  const errors: RowError[] = [
    ...parsed.problems.map((problem) => ({ row: problem.row, field: null, message: problem.message })),
    ...validated.errors,
  ];
  const report = {
    created: 0,
    updated: 0,
    unchanged: 0,
    rejected: parsed.problems.length + validated.rejected,
  };
  const rowsTotal = parsed.records.length + parsed.problems.length;
  let rowsDone = rowsTotal - validated.batch.rows.length;
  await options.onProgress?.({ kind: request.kind, rowsTotal, rowsDone });

  for (const chunk of chunksOf(validated.batch, options.chunkRows ?? IMPORT_CHUNK_ROWS)) {
    const result = unwrap(await tenant.importRows(chunk, { dryRun: request.dryRun }, actor));
    report.created += result.created;
    report.updated += result.updated;
    report.unchanged += result.unchanged;
    report.rejected += result.rejected;
    errors.push(...result.errors);
    rowsDone += chunk.rows.length;
    await options.onProgress?.({ kind: request.kind, rowsTotal, rowsDone });
  }

  errors.sort((a, b) => a.row - b.row);
  const maxErrors = options.maxErrors ?? IMPORT_MAX_ERRORS;
  const warnings: ImportWarning[] = columns.warnings;
  return {
    kind: request.kind,
    dry_run: request.dryRun,
    rows: rowsTotal,
    ...report,
    errors: errors.slice(0, maxErrors),
    errors_omitted: Math.max(0, errors.length - maxErrors),
    warnings,
    columns: columns.mapping,
  };
}
