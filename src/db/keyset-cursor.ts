import { and, eq, lt, or, type SQL } from "drizzle-orm";
import type { SQLiteColumn } from "drizzle-orm/sqlite-core";
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

/**
 * The rows after the cursor's row in (time desc, id desc) order, as a condition; undefined
 * without a cursor. A cursor this server did not issue is refused by name.
 */
export function afterCursor(time: SQLiteColumn, id: SQLiteColumn, cursor: string | undefined): SQL | undefined {
  if (!cursor) return undefined;
  const [at, lastId] = decodePairCursor(cursor);
  return or(lt(time, at), and(eq(time, at), lt(id, lastId)));
}

/** A page from `limit + 1` fetched rows: the first `limit`, and the cursor to the next page when the extra row came back. */
export function keysetPage<Row>(rows: readonly Row[], limit: number, pairOf: (row: Row) => [string, string]): { page: Row[]; next_cursor: string | null } {
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  return { page, next_cursor: rows.length > limit && last !== undefined ? encodePairCursor(...pairOf(last)) : null };
}
