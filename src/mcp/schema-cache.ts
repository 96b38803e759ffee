import type { StandardSchemaWithJSON } from "@modelcontextprotocol/server";
import type { z } from "zod";

/**
 * Wraps a zod schema so its JSON Schema is computed once per isolate. The SDK converts a
 * tool's schemas for tools/list and for every tools/call, and memoises them only on the
 * McpServer, which we rebuild for every request; this keeps the conversion out of the
 * request path. Validation still goes to zod.
 */
export function withCachedJsonSchema<T extends z.ZodType>(schema: T): StandardSchemaWithJSON<z.input<T>, z.output<T>> {
  const standard = schema["~standard"] as StandardSchemaWithJSON<z.input<T>, z.output<T>>["~standard"];
  const cache = new Map<string, Record<string, unknown>>();
  const converted = (io: "input" | "output", options: { target: string }) => {
    const key = `${io}:${options.target}`;
    let json = cache.get(key);
    if (!json) {
      json = standard.jsonSchema[io](options as Parameters<typeof standard.jsonSchema.input>[0]);
      cache.set(key, json);
    }
    return json;
  };
  return {
    "~standard": {
      version: standard.version,
      vendor: standard.vendor,
      validate: (value, options) => standard.validate(value, options),
      jsonSchema: {
        input: (options) => converted("input", options),
        output: (options) => converted("output", options),
      },
    },
  };
}
