import { z } from "zod";
import type { Tool } from "./define";

/** docs/tools.md, generated from the catalog so the reference cannot drift from the code. */

interface FieldSchema {
  type?: string | string[];
  enum?: unknown[];
  items?: FieldSchema;
  description?: string;
  default?: unknown;
  anyOf?: FieldSchema[];
  format?: string;
  minimum?: number;
  maximum?: number;
}

function typeOf(schema: FieldSchema): string {
  if (schema.enum) return schema.enum.map((value) => `\`${String(value)}\``).join(" \\| ");
  if (schema.anyOf) return schema.anyOf.map(typeOf).join(" \\| ");
  if (schema.type === "array" && schema.items) return `list of ${typeOf(schema.items)}`;
  const base = Array.isArray(schema.type) ? schema.type.join(" \\| ") : (schema.type ?? "any");
  return schema.format ? `${base} (${schema.format})` : base;
}

function fieldRows(tool: Tool): string[] {
  const json = z.toJSONSchema(tool.input, { io: "input", unrepresentable: "any" }) as {
    properties?: Record<string, FieldSchema>;
    required?: string[];
  };
  const required = new Set(json.required ?? []);
  return Object.entries(json.properties ?? {}).map(([name, schema]) => {
    const notes = [schema.description, schema.default !== undefined ? `default ${JSON.stringify(schema.default)}` : undefined]
      .filter(Boolean)
      .join("; ");
    return `| \`${name}\` | ${typeOf(schema)} | ${required.has(name) ? "yes" : "no"} | ${notes} |`;
  });
}

export function toolsMarkdown(tools: readonly Tool[]): string {
  const lines = [
    "# Tools",
    "",
    "Generated from the catalog in `src/tools` by `npm run docs:tools`; do not edit by hand.",
    "Every tool is an MCP tool at `/mcp` and a REST operation under `/api/v1` (see `/openapi.json`).",
    "",
    "| tool | scope | REST | read-only |",
    "| --- | --- | --- | --- |",
    ...tools.map((tool) => `| [\`${tool.name}\`](#${tool.name}) | \`${tool.scope}\` | \`${tool.rest.method} /api/v1${tool.rest.path}\` | ${tool.annotations.readOnlyHint ? "yes" : "no"} |`),
    "",
  ];
  for (const tool of tools) {
    lines.push(`## ${tool.name}`, "", `**${tool.title}.** ${tool.description}`, "");
    lines.push(`Scope \`${tool.scope}\` · REST \`${tool.rest.method} /api/v1${tool.rest.path}\` · annotations: ${Object.entries(tool.annotations).filter(([, value]) => value).map(([key]) => key).join(", ") || "none"}`, "");
    const rows = fieldRows(tool);
    if (rows.length) lines.push("| input | type | required | notes |", "| --- | --- | --- | --- |", ...rows, "");
    const output = z.toJSONSchema(tool.output, { io: "output", unrepresentable: "any" }) as { properties?: Record<string, unknown> };
    lines.push(`Returns: ${Object.keys(output.properties ?? {}).map((key) => `\`${key}\``).join(", ")}.`, "");
  }
  return `${lines.join("\n").trimEnd()}\n`;
}
