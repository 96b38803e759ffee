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

export function decodeCsvBytes(bytes: Uint8Array): { text: string; warning: string | null } {
  const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false });
  try {
    return { text: utf8.decode(bytes), warning: null };
  } catch {
    // A line feed is the same byte in both encodings and never part of a UTF-8 sequence, so the
    // file splits into lines safely before decoding (a quoted cell's line break included).
    const parts: string[] = [];
    const legacyLines: number[] = [];
    let start = 0;
    let line = 1;
    while (start <= bytes.length) {
      let end = bytes.indexOf(LINE_FEED, start);
      if (end < 0) end = bytes.length;
      const segment = bytes.subarray(start, end);
      try {
        parts.push(new TextDecoder("utf-8", { fatal: true, ignoreBOM: line > 1 }).decode(segment));
      } catch {
        parts.push(windows1252(segment));
        legacyLines.push(line);
      }
      start = end + 1;
      line++;
    }
    // Only lines with bytes above 0x7F can fail, so these are exactly the lines whose text changed.
    const one = legacyLines.length === 1;
    const where = `Line${one ? "" : "s"} ${lineList(legacyLines)} of the file (the header is line 1) ${one ? "is" : "are"} not UTF-8; ${one ? "it was" : "they were"}`;
    return {
      text: parts.join("\n"),
      warning: `${where} read as Windows-1252 (Excel's “CSV” export). Save it as “CSV UTF-8” if any name looks wrong.`,
    };
  }
}
