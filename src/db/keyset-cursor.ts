import { and, eq, lt, or, type SQL } from "drizzle-orm";
import type { SQLiteColumn } from "drizzle-orm/sqlite-core";
import { AccountError } from "./accounts";

const INVALID_CURSOR = "cursor: not one this server issued; pass next_cursor from the previous page unchanged.";

/**
 * A pagination cursor: the value as base64 JSON, so a client passes it back unchanged. Text
 * outside ASCII is written as JSON \u escapes, since btoa takes only Latin-1 characters (an
 * account name sorted on could hold any); ASCII-only values encode as they always have.
 */
export function encodeCursor(value: unknown): string {
  return btoa(JSON.stringify(value).replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`));
}

/**
 * The value a cursor carries, when it has the shape `isShape` expects. A cursor that is not
 * base64, not JSON, or of another shape is refused by name, never thrown raw. Accepts the
 * URL-safe alphabet and missing padding too: the accounts list issued its cursors that way.
 */
export function decodeCursor<T>(cursor: string, isShape: (value: unknown) => value is T): T {
  let value: unknown;
  try {
    value = JSON.parse(atob(cursor.replaceAll("-", "+").replaceAll("_", "/")));
  } catch {
    throw new AccountError("invalid", INVALID_CURSOR);
  }
  if (!isShape(value)) throw new AccountError("invalid", INVALID_CURSOR);
  return value;
}

function isPair(value: unknown): value is [string, string] {
  return Array.isArray(value) && typeof value[0] === "string" && typeof value[1] === "string";
}

/** Cursors for lists paged by (time, id): the last row's pair. */
export function encodePairCursor(at: string, id: string): string {
  return encodeCursor([at, id]);
}

export function decodePairCursor(cursor: string): [string, string] {
  return decodeCursor(cursor, isPair);
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
