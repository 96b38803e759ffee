import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { AccountError } from "../src/db/accounts";
import { decodeCursor, decodePairCursor, encodeCursor, encodePairCursor } from "../src/db/keyset-cursor";

interface Position {
  v: string | number | null;
  id: string;
  s: string;
  o: string;
}

function isPosition(value: unknown): value is Position {
  if (typeof value !== "object" || value === null) return false;
  const { v, id, s, o } = value as Record<string, unknown>;
  return (v === null || typeof v === "string" || typeof v === "number") && typeof id === "string" && typeof s === "string" && typeof o === "string";
}

function refusal(decode: () => unknown): { code: string; message: string } | string {
  try {
    decode();
  } catch (error) {
    return error instanceof AccountError ? { code: error.code, message: error.message } : String(error);
  }
  return "decoded";
}

const invalid = { code: "invalid", message: "cursor: not one this server issued; pass next_cursor from the previous page unchanged." };

describe("pagination cursors", () => {
  it("round-trip any pair and any position, whatever text they hold", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary" }), fc.string({ unit: "binary" }), (at, id) => {
        expect(decodePairCursor(encodePairCursor(at, id))).toEqual([at, id]);
        const position = { v: at, id, s: "name", o: "asc" };
        expect(decodeCursor(encodeCursor(position), isPosition)).toEqual(position);
      }),
    );
  });

  it("encode ASCII values as plain base64 JSON, as cursors always were", () => {
    expect(encodePairCursor("2025-03-01T10:00:00.000Z", "evt_1")).toBe("WyIyMDI1LTAzLTAxVDEwOjAwOjAwLjAwMFoiLCJldnRfMSJd");
    expect(encodeCursor({ after: "acc_2" })).toBe("eyJhZnRlciI6ImFjY18yIn0=");
  });

  it("still decode cursors issued in the older forms", () => {
    // The accounts list issued URL-safe base64 without padding; segments dropped the padding.
    expect(decodeCursor("eyJ2IjoiQWNtZSA-PiBDbz8iLCJpZCI6ImFjY18xIiwicyI6Im5hbWUiLCJvIjoiYXNjIn0", isPosition)).toEqual({
      v: "Acme >> Co?",
      id: "acc_1",
      s: "name",
      o: "asc",
    });
    expect(decodeCursor("eyJhZnRlciI6ImFjY18yIn0", (value): value is { after: string } => typeof value === "object" && value !== null)).toEqual({ after: "acc_2" });
    // Latin-1 text went out as raw bytes before it was escaped.
    expect(decodePairCursor(btoa(JSON.stringify(["Zürich", "acc_3"])))).toEqual(["Zürich", "acc_3"]);
  });

  it("refuse a cursor that is not base64, not JSON, or of another shape, by name", () => {
    for (const bad of ["not base64!", "%%%%", "abcde", "é"]) expect(refusal(() => decodePairCursor(bad)), bad).toEqual(invalid);
    for (const bad of [btoa("not json"), btoa("{\"a\":"), ""]) expect(refusal(() => decodePairCursor(bad)), bad).toEqual(invalid);
    for (const bad of [encodeCursor({ after: "acc_2" }), encodeCursor(["2025-03-01", 7]), encodeCursor(null), encodeCursor("text")]) {
      expect(refusal(() => decodePairCursor(bad)), bad).toEqual(invalid);
    }
    expect(refusal(() => decodeCursor(encodePairCursor("a", "b"), isPosition))).toEqual(invalid);
  });
});
