import { describe, expect, it } from "vitest";
import { patchChanges } from "../src/db/patch";

interface Row {
  id: string;
  title: string;
  dueDate: string | null;
  owner: string | null;
  archived: boolean;
}

interface Changes {
  title?: string;
  due_date?: string | null;
  owner?: string | null;
  archived?: boolean;
}

const row: Row = { id: "t1", title: "Call", dueDate: "2026-01-10", owner: null, archived: false };
const columns = { title: "title", due_date: "dueDate", owner: "owner", archived: "archived" } as const;

describe("patchChanges", () => {
  it("patches the columns whose value differs and names their input fields in the mapping's order", () => {
    const changes: Changes = { archived: true, owner: "ana@example.com", due_date: "2026-02-01", title: "Call" };
    expect(patchChanges(row, changes, columns)).toEqual({
      patch: { dueDate: "2026-02-01", owner: "ana@example.com", archived: true },
      changed: ["due_date", "owner", "archived"],
    });
  });

  it("treats undefined as not given and null as a value", () => {
    expect(patchChanges(row, { title: undefined, due_date: null }, columns)).toEqual({ patch: { dueDate: null }, changed: ["due_date"] });
    expect(patchChanges(row, { owner: null, archived: false }, columns)).toEqual({ patch: {}, changed: [] });
  });

  it("looks only at the mapped fields", () => {
    expect(patchChanges(row, { title: "Email", owner: "bo@example.com" } satisfies Changes, { owner: "owner" })).toEqual({
      patch: { owner: "bo@example.com" },
      changed: ["owner"],
    });
  });
});
