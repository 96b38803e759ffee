import { describe, expect, it } from "vitest";
import { z } from "zod";
import { fieldNamedOnce, sdkSchema } from "../src/mcp/sdk-schema";

describe("sdkSchema: a tool schema as the MCP SDK gets it", () => {
  it("moves the path into a message that already names its field, at any depth", () => {
    expect(fieldNamedOnce({ message: "client_name is required", path: ["client_name"] })).toEqual({ message: "client_name is required" });
    expect(fieldNamedOnce({ message: "tier is not a tier", path: ["updates", "tier"] })).toEqual({ message: "updates.tier is not a tier" });
    expect(fieldNamedOnce({ message: "id: is used twice", path: ["questions", 1, { key: "id" }] })).toEqual({ message: "questions.1.id: is used twice" });
  });

  it("leaves other messages, and fields merely starting with the same letters, to the SDK's own 'path: message'", () => {
    const plain = { message: "Invalid input: expected number, received string", path: ["limit"] };
    expect(fieldNamedOnce(plain)).toBe(plain);
    const prefix = { message: "limits are 1–100", path: ["limit"] };
    expect(fieldNamedOnce(prefix)).toBe(prefix);
    const root = { message: "input is required" };
    expect(fieldNamedOnce(root)).toBe(root);
  });

  it("validates with zod, folding issues, and keeps the value of a valid input", async () => {
    const schema = sdkSchema(z.object({ name: z.string().min(1, "name is required"), limit: z.number().optional() }));
    expect(await schema["~standard"].validate({ name: "Acme", limit: 3 })).toEqual({ value: { name: "Acme", limit: 3 } });
    const failed = await schema["~standard"].validate({ name: "", limit: "3" });
    expect(failed.issues?.map((issue) => issue.message)).toEqual(["name is required", 'must be a number, not the string "3"']);
    expect(failed.issues?.[1]?.path).toEqual(["limit"]);
  });
});
