import { concatBytes } from "../http/body";
import type { CsvSource } from "../import/run";

/**
 * An uploaded CSV's bytes as text. UTF-8 (with or without a BOM) is read as is. A line that is
 * not valid UTF-8 (from a spreadsheet's "CSV (Windows)" export, or pasted in from one) is read as
 * Windows-1252, line by line, so the UTF-8 lines of a mixed file keep their accents; the import
 * report names the lines read that way instead of importing replacement characters.
 */

const CP1252_HIGH = "€\u0081‚ƒ„…†‡ˆ‰Š‹Œ\u008DŽ\u008F\u0090‘’“”•–—˜™š›œ\u009DžŸ";
const LINE_FEED = 0x0a;
const LINES_NAMED = 5;

function windows1252(bytes: Uint8Array): string {
  let text = "";
  for (const byte of bytes) text += byte >= 0x80 && byte < 0xa0 ? (CP1252_HIGH[byte - 0x80] ?? "") : String.fromCharCode(byte);
  return text;
}

function lineList(lines: readonly number[]): string {
  const named = lines.slice(0, LINES_NAMED).join(", ");
  return lines.length > LINES_NAMED ? `${named} and ${lines.length - LINES_NAMED} more` : named;
}

/** Bytes decoded at a time: a block of whole lines, tried as UTF-8 in one go. */
const BLOCK_BYTES = 1024 * 1024;

function legacyWarning(legacyLines: readonly number[]): string | null {
  if (legacyLines.length === 0) return null;
  const one = legacyLines.length === 1;
  const where = `Line${one ? "" : "s"} ${lineList(legacyLines)} of the file (the header is line 1) ${one ? "is" : "are"} not UTF-8; ${one ? "it was" : "they were"}`;
  return `${where} read as Windows-1252 (Excel's “CSV” export). Save it as “CSV UTF-8” if any name looks wrong.`;
}


/**
 * An uploaded file read as a stream of text, a block of whole lines at a time (a block that is
 * not UTF-8 is decoded line by line, a line that is not UTF-8 as Windows-1252); `warning()`
 * names those lines once a pass has ended.
 */
export function csvFileSource(file: Blob): CsvSource & { warning(): string | null } {
  let legacyLines: number[] = [];
  async function* pieces(): AsyncGenerator<string> {
    legacyLines = [];
    const found: number[] = [];
    const first = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false });
    const rest = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
    let line = 1;
    let atStart = true;
    /** Whole lines (the last one up to `end`, which may be the file's end) as text. */
    const decode = (bytes: Uint8Array): string => {
      const blockDecoder = atStart ? first : rest;
      atStart = false;
      try {
        const text = blockDecoder.decode(bytes);
        for (let at = bytes.indexOf(LINE_FEED); at >= 0; at = bytes.indexOf(LINE_FEED, at + 1)) line++;
        return text;
      } catch {
        // A line feed is the same byte in both encodings and never part of a UTF-8 sequence, so
        // the block splits into lines safely before decoding (a quoted cell's line break included).
        let text = "";
        let start = 0;
        while (start < bytes.length) {
          let end = bytes.indexOf(LINE_FEED, start);
          const last = end < 0;
          if (last) end = bytes.length;
          const segment = bytes.subarray(start, end);
          try {
            text += (line === 1 ? first : rest).decode(segment);
          } catch {
            text += windows1252(segment);
            found.push(line);
          }
          if (!last) {
            text += "\n";
            line++;
          }
          start = end + 1;
        }
        return text;
      }
    };
    const reader = file.stream().getReader();
    let parts: Uint8Array[] = [];
    let length = 0;
    for (;;) {
      const read = await reader.read();
      if (!read.done) {
        parts.push(read.value);
        length += read.value.length;
        if (length < BLOCK_BYTES) continue;
      }
      let bytes = concatBytes(parts, length);
      parts = [];
      length = 0;
      // Blocks of at most BLOCK_BYTES of whole lines (a longer line is a block of its own), however
      // the stream cut the file.
      while (bytes.length >= BLOCK_BYTES) {
        let cut = bytes.lastIndexOf(LINE_FEED, BLOCK_BYTES - 1);
        if (cut < 0) cut = bytes.indexOf(LINE_FEED, BLOCK_BYTES);
        if (cut < 0) break;
        yield decode(bytes.subarray(0, cut + 1));
        bytes = bytes.subarray(cut + 1);
      }
      if (read.done) {
        if (bytes.length > 0) yield decode(bytes);
        break;
      }
      if (bytes.length > 0) {
        parts = [bytes];
        length = bytes.length;
      }
    }
    legacyLines = found;
  }
  return { pieces, warning: () => legacyWarning(legacyLines) };
}
