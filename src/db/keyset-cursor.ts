import { AccountError } from "./accounts";

/**
 * Cursors for lists paged newest first by (time, id): the last row's pair, base64 JSON, so a
 * client passes it back unchanged.
 */
export function encodePairCursor(at: string, id: string): string {
  return btoa(JSON.stringify([at, id]));
}

export function decodePairCursor(cursor: string): [string, string] {
  try {
    const value: unknown = JSON.parse(atob(cursor));
    if (Array.isArray(value) && typeof value[0] === "string" && typeof value[1] === "string") return [value[0], value[1]];
  } catch {
    // fall through
  }
  throw new AccountError("invalid", "cursor: not one this server issued; pass next_cursor from the previous page unchanged.");
}
