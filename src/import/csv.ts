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

/** What one piece of text added: the header once known, and the records and problems it completed. */
export interface CsvPiece {
  headers: string[] | null;
  records: CsvRecord[];
  problems: CsvProblem[];
}

interface ParseResults {
  data: string[][];
  errors: { code: string; row?: number }[];
  meta: { cursor: number };
}

/** papaparse's ParserHandle (exported at runtime, not in its types): the parser its file streamers drive chunk by chunk. */
interface ParserHandle {
  parse(input: string, baseIndex: number, ignoreLastRow: boolean): ParseResults;
  guessLineEndings(input: string, quoteChar: string): string;
}

const ParserHandle = (Papa as unknown as { ParserHandle: new (config: Papa.ParseConfig) => ParserHandle }).ParserHandle;

/** How much text papaparse reads to guess the line endings (ParserHandle.guessLineEndings). */
const NEWLINE_GUESS_CHARS = 1024 * 1024;

/**
 * Reads a CSV given in pieces of text of any size (a row or a quoted cell may span pieces), so
 * a large upload is never parsed, or held, whole. It drives papaparse the way papaparse's own
 * file streamers do (each piece parsed after the unfinished end of the previous one, which is
 * kept back), and applies the same rules as parseCsv, which reads its text as one piece.
 */
export class CsvReader {
  readonly #delimiter: string;
  #handle: ParserHandle | null = null;
  #partial = "";
  #baseIndex = 0;
  #first = true;
  /** Rows papaparse returned so far (blank ones included): the next row's index. */
  #rowsSeen = 0;
  #leadingBlankRows = 0;
  #headers: string[] | null = null;

  /** `newlineGuessChars`: how much text to gather before the first parse (smaller only in tests, to cut small files into pieces). */
  constructor(
    delimiter: Delimiter = ",",
    private readonly newlineGuessChars = NEWLINE_GUESS_CHARS,
  ) {
    this.#delimiter = delimiter === "tab" ? "\t" : delimiter;
  }

  get headers(): string[] | null {
    return this.#headers;
  }

  /** The records completed by this piece. Throws CsvError when the file cannot be read at all. */
  push(text: string): CsvPiece {
    let piece = text;
    if (this.#first) {
      if (piece === "") return { headers: null, records: [], problems: [] };
      if (piece.charCodeAt(0) === 0xfeff) piece = piece.slice(1);
      this.#first = false;
    }
    const aggregate = this.#partial + piece;
    if (!this.#handle && aggregate.length < this.newlineGuessChars) {
      this.#partial = aggregate;
      return { headers: null, records: [], problems: [] };
    }
    const results = this.#parser(aggregate).parse(aggregate, this.#baseIndex, true);
    this.#partial = aggregate.substring(results.meta.cursor - this.#baseIndex);
    this.#baseIndex = results.meta.cursor;
    return this.#take(results, false);
  }

  /** The last records, once every piece was pushed. */
  end(): CsvPiece {
    const aggregate = this.#partial;
    this.#partial = "";
    const results: ParseResults = aggregate === "" ? { data: [], errors: [], meta: { cursor: this.#baseIndex } } : this.#parser(aggregate).parse(aggregate, this.#baseIndex, false);
    // A file ending in a newline yields one empty trailing record; it is not a row.
    if (results.data.length > 0 && isBlank(results.data[results.data.length - 1] ?? [])) results.data.pop();
    const piece = this.#take(results, true);
    if (this.#headers === null) throw new CsvError("The CSV is empty; its first row must be a header naming the columns.");
    return piece;
  }

  /**
   * papaparse guesses the line endings from the first 1 MiB of the first text it parses; the
   * reader gathers that much first and guesses from exactly that prefix, so the guess is the
   * one made on the whole text, wherever the pieces were cut (even between "\r" and "\n").
   */
  #parser(aggregate: string): ParserHandle {
    if (!this.#handle) {
      const newline = new ParserHandle({}).guessLineEndings(aggregate.substring(0, this.newlineGuessChars), '"');
      this.#handle = new ParserHandle({ delimiter: this.#delimiter, newline: newline as Papa.ParseConfig["newline"], header: false, skipEmptyLines: false, dynamicTyping: false });
    }
    return this.#handle;
  }

  #take(results: ParseResults, last: boolean): CsvPiece {
    const first = this.#rowsSeen;
    const rows = results.data;
    this.#rowsSeen += rows.length;
    const unreadable = new Set<number>();
    const problems: CsvProblem[] = [];
    for (const error of results.errors) {
      if (error.row === undefined) continue;
      // A row papaparse kept back for the next piece is read (and its errors reported) then.
      if (!last && error.row >= rows.length) continue;
      if (error.code === "MissingQuotes" || error.code === "InvalidQuotes") {
        if (unreadable.has(error.row)) continue;
        problems.push({ row: first + error.row + 1, message: "a quoted cell is not closed; check for a stray double quote (write \"\" for a quote inside a quoted cell)" });
        unreadable.add(error.row);
      }
    }
    const headersBefore = this.#headers;
    const records: CsvRecord[] = [];
    for (let index = 0; index < rows.length; index += 1) {
      const cells = rows[index] ?? [];
      const row = first + index + 1;
      if (this.#headers === null) {
        if (isBlank(cells)) {
          this.#leadingBlankRows += 1;
          continue;
        }
        if (this.#leadingBlankRows > 0) throw new CsvError(`The CSV starts with ${this.#leadingBlankRows} blank row(s); the header must be row 1.`);
        this.#headers = cells.map((header) => header.trim());
        continue;
      }
      if (unreadable.has(index) || isBlank(cells)) continue;
      if (cells.length > this.#headers.length && !isBlank(cells.slice(this.#headers.length))) {
        problems.push({ row, message: `the row has ${cells.length} cells but the header has ${this.#headers.length} columns; quote cells that contain the delimiter` });
        continue;
      }
      records.push({ row, cells });
    }
    problems.sort((a, b) => a.row - b.row);
    return { headers: headersBefore === null ? this.#headers : null, records, problems };
  }
}

export function parseCsv(text: string, delimiter: Delimiter = ","): ParsedCsv {
  const reader = new CsvReader(delimiter);
  const pieces = [reader.push(text), reader.end()];
  return {
    headers: reader.headers ?? [],
    records: pieces.flatMap((piece) => piece.records),
    problems: pieces.flatMap((piece) => piece.problems),
  };
}
