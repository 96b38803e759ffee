import { describe, expect, it } from "vitest";
import { z } from "zod";
import { invalidInput } from "../src/tools/define";
import { describeIssues, issueFields, likelyField } from "../src/tools/input-errors";

describe("describeIssues", () => {
  const schema = z.object({
    fields: z.object({
      api_key: z.string().startsWith("SG.", { error: "api_key: is not a SendGrid API key" }),
      from_email: z.email({ error: "is not an email address" }),
    }),
    limit: z.number().max(100, { error: "at most 100" }),
    tier: z.string().refine(() => false, { error: "tier is not a tier; use one of a, b" }),
    note: z.string({ error: "note_text: a differently named field stays as written" }),
  });
  const refused = schema.safeParse({ fields: { api_key: "nope", from_email: "bad" }, limit: 500, tier: "x", note: 1 });
  if (refused.success) throw new Error("expected the input to be refused");

  it("names each field once, with its path, whether or not the message already names it", () => {
    expect(describeIssues(refused.error).split("; ")).toEqual([
      "fields.api_key: is not a SendGrid API key",
      "fields.from_email: is not an email address",
      "limit: at most 100",
      "tier is not a tier",
      "use one of a, b",
      "note: note_text: a differently named field stays as written",
    ]);
  });

  it("gives each field's first problem by path, worded to stand under the field, behind a prefix when given", () => {
    expect(issueFields(refused.error, "input")).toEqual({
      "input.fields.api_key": "is not a SendGrid API key",
      "input.fields.from_email": "is not an email address",
      "input.limit": "at most 100",
      "input.tier": "tier is not a tier; use one of a, b",
      "input.note": "note_text: a differently named field stays as written",
    });
    const error = invalidInput(refused.error);
    expect(error.code).toBe("invalid");
    expect(error.fields?.limit).toBe("at most 100");
  });

  it("says the input's own problem without a field", () => {
    const parsed = z.strictObject({ name: z.string() }).safeParse({ name: "a", nmae: "b" });
    if (parsed.success) throw new Error("expected the input to be refused");
    expect(describeIssues(parsed.error)).toBe('"nmae" (did you mean "name"?) is not a field here; the fields are name.');
    expect(issueFields(parsed.error)).toEqual({ "": '"nmae" (did you mean "name"?) is not a field here; the fields are name.' });
  });
});

describe("unknown fields", () => {
  const listing = z.strictObject({ filters: z.object({}).optional(), sort_by: z.string().optional(), sort_order: z.string().optional(), limit: z.number().optional() });

  it("suggests the field a misspelling most likely meant, and lists the fields there are", () => {
    const parsed = listing.safeParse({ sort: "name", limt: 5, colour: "red" });
    if (parsed.success) throw new Error("expected the input to be refused");
    expect(parsed.error.issues[0]?.message).toBe(
      '"sort" (did you mean "sort_by"?), "limt" (did you mean "limit"?), "colour" are not fields here; the fields are filters, sort_by, sort_order, limit.',
    );
  });

  it("says when a tool takes no fields at all", () => {
    const parsed = z.strictObject({}).safeParse({ verbose: true });
    if (parsed.success) throw new Error("expected the input to be refused");
    expect(parsed.error.issues[0]?.message).toBe('"verbose" is not a field here; this takes no fields.');
  });

  it("matches near names only", () => {
    expect(likelyField("scopes", ["scope", "name"])).toBe("scope");
    expect(likelyField("SortBy", ["sort_by"])).toBe("sort_by");
    expect(likelyField("colour", ["filters", "limit"])).toBeUndefined();
    expect(likelyField("x", ["name"])).toBeUndefined();
    // One letter is not a name inside another.
    expect(likelyField("s", ["sort_by", "search"])).toBeUndefined();
  });
});

describe("mistyped fields", () => {
  it("says what the field takes and what it was given, in words", () => {
    const schema = z.object({ limit: z.number(), count: z.int(), active: z.boolean(), tags: z.array(z.string()), name: z.string(), since: z.string().optional() });
    const parsed = schema.safeParse({ limit: "lots", count: 1.5, active: "yes", tags: "a,b", name: 42 });
    if (parsed.success) throw new Error("expected the input to be refused");
    expect(issueFields(parsed.error)).toEqual({
      limit: 'must be a number, not the string "lots"',
      count: "must be a whole number, not the number 1.5",
      active: 'must be true or false, not the string "yes"',
      tags: 'must be a list, not the string "a,b"',
      name: "must be a string, not the number 42",
    });
    const missing = schema.safeParse({ count: 1, active: true, tags: [], name: "x" });
    expect(missing.error?.issues.map((issue) => issue.message)).toEqual(["required (a number)"]);
  });
});
