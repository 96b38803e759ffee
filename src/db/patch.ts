/**
 * The compare-and-assign step of the update verbs: which requested fields differ from the row,
 * as a patch of row columns, and their input names for the `changed` list a tool returns.
 */

/** Input field → the row column it sets; `changed` lists fields in this mapping's order. */
type Columns<Changes> = { readonly [F in keyof Changes]?: string };

/** The patch: each changed column with the value the input asked for. */
type PatchOf<Changes, M extends Columns<Changes>> = { [F in keyof M & keyof Changes as M[F] & string]?: Exclude<Changes[F], undefined> };

/**
 * Compares each mapped field of `changes` with its column in `before`: undefined means "not
 * given", and a value equal (===) to the row's is no change.
 */
export function patchChanges<Changes extends object, const M extends Columns<Changes>>(
  before: { readonly [F in keyof M as M[F] & string]: unknown },
  changes: Changes,
  columns: M,
): { patch: PatchOf<Changes, M>; changed: string[] } {
  const row: Record<string, unknown> = before;
  const patch: Record<string, unknown> = {};
  const changed: string[] = [];
  for (const [field, column] of Object.entries(columns) as [keyof Changes & string, string][]) {
    const value = changes[field];
    if (value === undefined || value === row[column]) continue;
    patch[column] = value;
    changed.push(field);
  }
  return { patch: patch as PatchOf<Changes, M>, changed };
}
