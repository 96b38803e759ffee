import { describe, expect, it } from "vitest";
import { z } from "zod";
import { describeIssues } from "../src/tools/define";

describe("describeIssues", () => {
  it("names each field once, with its path, whether or not the message already names it", () => {
    const schema = z.object({
      fields: z.object({
        api_key: z.string().startsWith("SG.", { error: "api_key: is not a SendGrid API key" }),
        from_email: z.email({ error: "is not an email address" }),
      }),
      limit: z.number().max(100, { error: "at most 100" }),
      note: z.string({ error: "note_text: a differently named field stays as written" }),
    });
    const parsed = schema.safeParse({ fields: { api_key: "nope", from_email: "bad" }, limit: 500, note: 1 });
    if (parsed.success) throw new Error("expected the input to be refused");
    expect(describeIssues(parsed.error).split("; ")).toEqual([
      "fields.api_key: is not a SendGrid API key",
      "fields.from_email: is not an email address",
      "limit: at most 100",
      "note: note_text: a differently named field stays as written",
    ]);
  });
});
