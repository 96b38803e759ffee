/**
 * An uploaded CSV's bytes as text. UTF-8 (with or without a BOM) is read as is; a file that
 * is not valid UTF-8 (a spreadsheet's "CSV (Windows)" export) is read as Windows-1252, and
 * the import report says so, instead of importing replacement characters.
 */

const CP1252_HIGH = "€\u0081‚ƒ„…†‡ˆ‰Š‹Œ\u008DŽ\u008F\u0090‘’“”•–—˜™š›œ\u009DžŸ";

export function decodeCsvBytes(bytes: Uint8Array): { text: string; warning: string | null } {
  try {
    return { text: new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(bytes), warning: null };
  } catch {
    let text = "";
    for (const byte of bytes) text += byte >= 0x80 && byte < 0xa0 ? (CP1252_HIGH[byte - 0x80] ?? "") : String.fromCharCode(byte);
    return { text, warning: "The file is not UTF-8; it was read as Windows-1252 (Excel's “CSV” export). Save it as “CSV UTF-8” if any name looks wrong." };
  }
}
