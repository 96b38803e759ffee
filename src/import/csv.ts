import Papa from "papaparse";

/**
 * CSV text → header and records, with each record's row number as a spreadsheet shows it
 * (the header is row 1; a quoted cell spanning several lines is still one row). Parsing is
 * papaparse's (RFC 4180 quoting, embedded commas, quotes and newlines, CRLF or LF); this
 * module only adds the row numbers, the BOM and blank-row handling, and plain-words errors.
 */

export interface CsvRecord {
  /** 1-based, header = 1. */
  row: number;
  cells: string[];
}

export interface CsvProblem {
  row: number;
  message: string;
}

export interface ParsedCsv {
  headers: string[];
  records: CsvRecord[];
  /** Rows the parser could not read (an unclosed quote, more cells than the header). */
  problems: CsvProblem[];
}

/** "tab" rather than a literal tab, so it survives query strings and docs. */
export const DELIMITERS = [",", ";", "tab"] as const;
export type Delimiter = (typeof DELIMITERS)[number];

export class CsvError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "CsvError";
  }
}

function isBlank(cells: readonly string[]): boolean {
  return cells.every((cell) => cell.trim() === "");
}

export function parseCsv(text: string, delimiter: Delimiter = ","): ParsedCsv {
  const source = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const result = Papa.parse<string[]>(source, { delimiter: delimiter === "tab" ? "\t" : delimiter, header: false, skipEmptyLines: false, dynamicTyping: false });
  const rows = result.data;
  // A file ending in a newline yields one empty trailing record; it is not a row.
  if (rows.length > 0 && isBlank(rows[rows.length - 1] ?? [])) rows.pop();

  const headerIndex = rows.findIndex((cells) => !isBlank(cells));
  if (headerIndex < 0) throw new CsvError("The CSV is empty; its first row must be a header naming the columns.");
  const headers = (rows[headerIndex] ?? []).map((header) => header.trim());
  if (headerIndex > 0) throw new CsvError(`The CSV starts with ${headerIndex} blank row(s); the header must be row 1.`);

  const problems: CsvProblem[] = [];
  const unreadable = new Set<number>();
  for (const error of result.errors) {
    if (error.row === undefined) continue;
    const row = error.row + 1;
    if (error.code === "MissingQuotes" || error.code === "InvalidQuotes") {
      problems.push({ row, message: "a quoted cell is not closed; check for a stray double quote (write \"\" for a quote inside a quoted cell)" });
      unreadable.add(error.row);
    }
  }

  const records: CsvRecord[] = [];
  for (let index = headerIndex + 1; index < rows.length; index += 1) {
    const cells = rows[index] ?? [];
    const row = index + 1;
    if (unreadable.has(index) || isBlank(cells)) continue;
    if (cells.length > headers.length && !isBlank(cells.slice(headers.length))) {
      problems.push({ row, message: `the row has ${cells.length} cells but the header has ${headers.length} columns; quote cells that contain the delimiter` });
      continue;
    }
    records.push({ row, cells });
  }
  problems.sort((a, b) => a.row - b.row);
  return { headers, records, problems };
}
