import { FIELDS, REQUIRED_COLUMNS, ROW_SCHEMAS, type ImportBatch, type ImportKind } from "./rows";
import type { CsvRecord } from "./csv";

/**
 * From a header and an optional mapping to "which column holds which field", and from
 * records to validated rows with per-row errors. Pure: the Worker runs it before any row
 * reaches the Tenant object, so only well-formed rows cross the RPC boundary.
 */

/** One reason a row was rejected; `row` is the spreadsheet row (header = 1). */
export interface RowError {
  row: number;
  field: string | null;
  message: string;
}

export interface ImportWarning {
  /** The CSV column the warning is about, when there is one. */
  column: string | null;
  message: string;
}

/** A problem with the file or the mapping as a whole: nothing is read. */
export class ImportFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ImportFileError";
  }
}

/** "External ID" → "external_id": how a header is compared with field names. */
export function normalizeHeader(header: string): string {
  return header
    .trim()
    .toLowerCase()
    .replace(/[\s-]+/g, "_");
}

export interface ResolvedColumns {
  /** Our field → index of the column holding it. */
  fieldColumns: Map<string, number>;
  /** Our field → the CSV header it was read from, for the report. */
  mapping: Record<string, string>;
  warnings: ImportWarning[];
}

export function resolveColumns(kind: ImportKind, headers: readonly string[], mapping: Readonly<Record<string, string>> = {}): ResolvedColumns {
  const fields = FIELDS[kind];
  const fieldNames = fields.map((field) => field.name);
  const known = new Set(fieldNames);
  const fieldColumns = new Map<string, number>();
  const usedColumns = new Set<number>();

  for (const [field, header] of Object.entries(mapping)) {
    if (!known.has(field)) {
      throw new ImportFileError(`mapping names "${field}", which is not a field of ${kind}; the fields are ${fieldNames.join(", ")}.`);
    }
    let index = headers.indexOf(header);
    if (index < 0) index = headers.findIndex((candidate) => normalizeHeader(candidate) === normalizeHeader(header));
    if (index < 0) {
      throw new ImportFileError(`mapping.${field} names the column "${header}", which is not in the header; the columns are ${headers.map((h) => `"${h}"`).join(", ")}.`);
    }
    if (usedColumns.has(index)) {
      throw new ImportFileError(`mapping uses the column "${header}" for more than one field; map each column to one field.`);
    }
    fieldColumns.set(field, index);
    usedColumns.add(index);
  }

  const warnings: ImportWarning[] = [];
  const nameOf = new Map<string, string>();
  for (const field of fields) {
    nameOf.set(field.name, field.name);
    for (const alias of field.aliases ?? []) nameOf.set(alias, field.name);
  }
  headers.forEach((header, index) => {
    if (usedColumns.has(index)) return;
    if (header === "") {
      warnings.push({ column: null, message: `column ${index + 1} has no header and is ignored` });
      return;
    }
    const field = nameOf.get(normalizeHeader(header));
    if (!field) {
      warnings.push({ column: header, message: `column "${header}" is not a field of ${kind} and is ignored; map it with mapping if it holds one` });
      return;
    }
    if (fieldColumns.has(field)) {
      const other = headers[fieldColumns.get(field) ?? -1] ?? "";
      if (mapping[field] !== undefined) {
        warnings.push({ column: header, message: `column "${header}" is ignored: mapping reads ${field} from "${other}"` });
        return;
      }
      throw new ImportFileError(`columns "${other}" and "${header}" both hold ${field}; remove one, or map ${field} to the one to use.`);
    }
    fieldColumns.set(field, index);
    usedColumns.add(index);
  });

  const missing = REQUIRED_COLUMNS[kind].filter((alternatives) => !alternatives.some((field) => fieldColumns.has(field)));
  if (missing.length > 0) {
    const named = missing.map((alternatives) => alternatives.join(" or ")).join(", ");
    throw new ImportFileError(
      `The CSV has no column for ${named} (required for ${kind}); add the column, or map it with mapping, e.g. {"${missing[0]?.[0] ?? ""}": "Your header"}.`,
    );
  }

  const resolved: Record<string, string> = {};
  for (const [field, index] of fieldColumns) resolved[field] = headers[index] ?? "";
  return { fieldColumns, mapping: resolved, warnings };
}

export interface ValidatedRows {
  batch: ImportBatch;
  errors: RowError[];
  /** Rows rejected here (each may have several errors). */
  rejected: number;
}

/** A string of its own: a cell is a slice of the text it was parsed from and would keep all of it reachable. */
function detached(text: string): string {
  return text.length < 13 ? text : (JSON.parse(JSON.stringify(text)) as string);
}

/**
 * Validates records against the kind's schema, a batch at a time (a file read in pieces). A
 * second row with an external_id seen earlier in the file, in any batch, is rejected, because
 * which of the two should win is a guess.
 */
export class RecordValidator {
  readonly #schema;
  readonly #firstRowOf = new Map<string, number>();

  constructor(
    readonly kind: ImportKind,
    readonly columns: ResolvedColumns,
  ) {
    this.#schema = ROW_SCHEMAS[kind];
  }

  validate(records: readonly CsvRecord[]): ValidatedRows {
    const errors: RowError[] = [];
    const rows: { row: number; values: unknown }[] = [];
    let rejected = 0;
    for (const record of records) {
      const input: Record<string, string | undefined> = {};
      for (const [field, index] of this.columns.fieldColumns) {
        const text = (record.cells[index] ?? "").trim();
        input[field] = text === "" ? undefined : text;
      }
      const parsed = this.#schema.safeParse(input);
      if (!parsed.success) {
        rejected += 1;
        for (const issue of parsed.error.issues) {
          errors.push({ row: record.row, field: typeof issue.path[0] === "string" ? issue.path[0] : null, message: issue.message });
        }
        continue;
      }
      const externalId = parsed.data.external_id;
      const earlier = this.#firstRowOf.get(externalId);
      if (earlier !== undefined) {
        rejected += 1;
        errors.push({ row: record.row, field: "external_id", message: detached(`"${externalId}" already appears on row ${earlier}; each external_id may appear once per file`) });
        continue;
      }
      this.#firstRowOf.set(detached(externalId), record.row);
      rows.push({ row: record.row, values: parsed.data });
    }
    // The schema for `kind` produced every value, so the batch's rows are of that kind.
    return { batch: { kind: this.kind, rows } as ImportBatch, errors, rejected };
  }
}

/** Validates every record of a file read whole (see RecordValidator). */
export function validateRecords(kind: ImportKind, records: readonly CsvRecord[], columns: ResolvedColumns): ValidatedRows {
  return new RecordValidator(kind, columns).validate(records);
}
