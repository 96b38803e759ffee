import { z } from "zod";
import type { Actor, TenantApi } from "../../durable-objects/tenant";
import { unwrap } from "../tools/define";
import { CsvError, CsvReader, DELIMITERS, type CsvPiece, type Delimiter } from "./csv";
import { ImportFileError, RecordValidator, resolveColumns, type ImportWarning, type ResolvedColumns, type RowError } from "./columns";
import { IMPORT_KINDS, type ImportBatch, type ImportKind } from "./rows";

/**
 * One CSV import from text to report, shared by the REST route, the import_csv tool and the
 * hosted setup page: parse, map columns, validate every row in the Worker, then apply the valid
 * rows in the Tenant object in chunks of IMPORT_CHUNK_ROWS, one transaction and one audit entry
 * per chunk. `onProgress` is called once the header is read and after each chunk (for a
 * progress bar).
 *
 * The file is read as a stream of text pieces (importCsv): each piece is parsed and validated
 * and its valid rows are sent as soon as a chunk is full, so the Worker holds one piece, the
 * rows waiting for the next chunk, the external ids seen (a repeated one is refused across the
 * whole file) and the row errors, never the whole file's rows (docs/benchmarks.md).
 */

/** The largest CSV accepted inside a JSON-RPC message (the import_csv tool's csv argument), in characters. */
export const IMPORT_MAX_BYTES = 5 * 1024 * 1024;
/**
 * The largest request body POST /api/v1/import/{kind} accepts, in bytes: the setup page's limit.
 * A realistic 50,000-row accounts export with every column is ~9.4 MiB (npm run bench:import),
 * which the former 5 MiB refused; Workers take bodies up to 100 MB. The setup page streams
 * the file: the Worker's live heap for it peaks at ~16 MiB (npm run bench:import-memory).
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

/** A CSV file's text, in pieces of any size. */
export interface CsvSource {
  /** One pass over the text from its start; each call starts a new pass. */
  pieces(): AsyncIterable<string>;
}

/** Characters per piece when a CSV already held as one string is read (the REST route and the tool). */
const STRING_PIECE_CHARS = 1024 * 1024;

export function stringSource(text: string): CsvSource {
  return {
    async *pieces() {
      for (let start = 0; start < text.length; start += STRING_PIECE_CHARS) yield text.slice(start, start + STRING_PIECE_CHARS);
    },
  };
}

export interface StreamImportRequest extends Omit<ImportRequest, "csv"> {
  source: CsvSource;
}

function fileError(error: unknown): unknown {
  return error instanceof CsvError ? new ImportFileError(error.message) : error;
}

/** Every piece of one pass, read into `take`, then the reader's end. */
async function readAll(source: CsvSource, delimiter: Delimiter, take: (piece: CsvPiece) => void | Promise<void>): Promise<void> {
  const reader = new CsvReader(delimiter);
  try {
    for await (const text of source.pieces()) await take(reader.push(text));
    await take(reader.end());
  } catch (error) {
    throw fileError(error);
  }
}

/** The rows of the file, for the progress bar's total: a pass that keeps nothing. */
async function countRows(source: CsvSource, delimiter: Delimiter): Promise<number> {
  let rows = 0;
  await readAll(source, delimiter, (piece) => {
    rows += piece.records.length + piece.problems.length;
  });
  return rows;
}

/** Throws ImportFileError for a file or mapping that cannot be read at all; everything else is in the report. */
export async function runImport(tenant: TenantApi, actor: Actor, request: ImportRequest, options: RunOptions = {}): Promise<ImportReport> {
  const { csv, ...rest } = request;
  return importCsv(tenant, actor, { ...rest, source: stringSource(csv) }, options);
}

/**
 * runImport over a file read in pieces. With `onProgress`, the file is read twice: once to count
 * its rows (the progress bar's total), then to import them.
 */
export async function importCsv(tenant: TenantApi, actor: Actor, request: StreamImportRequest, options: RunOptions = {}): Promise<ImportReport> {
  const delimiter = request.delimiter ?? ",";
  const chunkRows = options.chunkRows ?? IMPORT_CHUNK_ROWS;
  const rowsCounted = options.onProgress ? await countRows(request.source, delimiter) : null;

  const errors: RowError[] = [];
  const report = { created: 0, updated: 0, unchanged: 0, rejected: 0 };
  let columns: ResolvedColumns | null = null;
  let validator: RecordValidator | null = null;
  let pending: { row: number; values: unknown }[] = [];
  let rowsRead = 0;
  let lastProgress = -1;

  const progress = async () => {
    const rowsDone = rowsRead - pending.length;
    lastProgress = rowsDone;
    await options.onProgress?.({ kind: request.kind, rowsTotal: rowsCounted ?? rowsRead, rowsDone });
  };
  const send = async (rows: { row: number; values: unknown }[]) => {
    // The schema for `kind` produced every value, so the chunk's rows are of that kind.
    const chunk = { kind: request.kind, rows } as ImportBatch;
    const result = unwrap(await tenant.importRows(chunk, { dryRun: request.dryRun }, actor));
    report.created += result.created;
    report.updated += result.updated;
    report.unchanged += result.unchanged;
    report.rejected += result.rejected;
    errors.push(...result.errors);
  };

  await readAll(request.source, delimiter, async (piece) => {
    if (piece.headers) {
      columns = resolveColumns(request.kind, piece.headers, request.mapping ?? {});
      validator = new RecordValidator(request.kind, columns);
      await progress();
    }
    if (!validator) return;
    const validated = validator.validate(piece.records);
    for (const problem of piece.problems) errors.push({ row: problem.row, field: null, message: problem.message });
    errors.push(...validated.errors);
    report.rejected += piece.problems.length + validated.rejected;
    rowsRead += piece.records.length + piece.problems.length;
    pending.push(...validated.batch.rows);
    // A full chunk leaves while at least one row waits behind it, so the last chunk (sent at
    // the end) always exists and its progress line shows every row done.
    while (pending.length > chunkRows) {
      const rows = pending.slice(0, chunkRows);
      pending = pending.slice(chunkRows);
      await send(rows);
      await progress();
    }
  });
  if (!columns) throw new ImportFileError("The CSV is empty; its first row must be a header naming the columns.");
  const resolved: ResolvedColumns = columns;
  while (pending.length > 0) {
    const rows = pending.slice(0, chunkRows);
    pending = pending.slice(chunkRows);
    await send(rows);
    await progress();
  }
  if (lastProgress !== rowsRead) await progress();

  errors.sort((a, b) => a.row - b.row);
  const maxErrors = options.maxErrors ?? IMPORT_MAX_ERRORS;
  const warnings: ImportWarning[] = resolved.warnings;
  return {
    kind: request.kind,
    dry_run: request.dryRun,
    rows: rowsRead,
    ...report,
    errors: errors.slice(0, maxErrors),
    errors_omitted: Math.max(0, errors.length - maxErrors),
    warnings,
    columns: resolved.mapping,
  };
}
