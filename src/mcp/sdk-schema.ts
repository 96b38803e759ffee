import type { StandardSchemaWithJSON } from "@modelcontextprotocol/server";
import type { z } from "zod";
import { ownFieldPrefix } from "../tools/input-errors";

type StandardProps<T extends z.ZodType> = StandardSchemaWithJSON<z.input<T>, z.output<T>>["~standard"];
type ValidationResult<T extends z.ZodType> = Awaited<ReturnType<StandardProps<T>["validate"]>>;
type Issue = NonNullable<ValidationResult<z.ZodType>["issues"]>[number];

/**
 * A tool's zod schema as the MCP SDK gets it (Standard Schema with JSON Schema):
 * - its JSON Schema is computed once per isolate. The SDK converts a tool's schemas for
 *   tools/list and for every tools/call, and memoises them only on the McpServer, which we
 *   rebuild for every request; this keeps the conversion out of the request path.
 * - its issues name their field once. The SDK prints an issue as "path: message", and many of
 *   our messages already begin with their field ("client_name is required"), which would read
 *   "client_name: client_name is required". Such an issue carries its whole path in the message
 *   instead ("client_name is required", "updates.tier is …").
 * Validation itself is zod's.
 */
export function sdkSchema<T extends z.ZodType>(schema: T): StandardSchemaWithJSON<z.input<T>, z.output<T>> {
  const standard = schema["~standard"] as StandardProps<T>;
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
  const namedOnce = (result: ValidationResult<T>): ValidationResult<T> => (result.issues ? { issues: result.issues.map(fieldNamedOnce) } : result);
  return {
    "~standard": {
      version: standard.version,
      vendor: standard.vendor,
      validate: (value, options) => {
        const result = standard.validate(value, options);
        return result instanceof Promise ? result.then(namedOnce) : namedOnce(result);
      },
      jsonSchema: {
        input: (options) => converted("input", options),
        output: (options) => converted("output", options),
      },
    },
  };
}

/** An issue whose message begins with its field's name ("name is …", "name: …"), with the path moved into the message. */
export function fieldNamedOnce(issue: Issue): Issue {
  const path = (issue.path ?? []).map((segment) => (typeof segment === "object" ? segment.key : segment));
  const last = path.at(-1);
  if (ownFieldPrefix(last, issue.message) === null) return issue;
  return { message: `${path.map(String).join(".")}${issue.message.slice(String(last).length)}` };
}
