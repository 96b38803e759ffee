import { z } from "zod";
import type { Actor, Outcome, TenantApi } from "../../durable-objects/tenant";
import type { AuthProps } from "../auth/props";
import type { Scope } from "../auth/scopes";
import type { Env } from "../env";
import { auditToolCall } from "./audit-batch";

/**
 * One capability, defined once: the MCP server registers it and the REST API routes to
 * it, so the two faces cannot drift. Schemas are module-level constants, built once per
 * isolate, because the MCP server is rebuilt for every request.
 */

export interface ToolContext {
  /** The caller's own tenant, taken from the token, never from input. */
  tenant: TenantApi;
  user: AuthProps;
  env: Env;
  /** Who is acting, for the audit log and timelines. */
  actor: Actor;
  /** Keeps work (the audit entry) alive after the answer is sent: the request's waitUntil. */
  defer: (work: Promise<unknown>) => void;
  /** The public origin the caller reached (for URLs the tool hands out), when known. */
  origin: string | null;
}

export interface ToolAnnotations {
  readOnlyHint: boolean;
  destructiveHint: boolean;
  idempotentHint: boolean;
  openWorldHint: boolean;
}

export interface RestRoute {
  method: "GET" | "POST" | "PATCH" | "DELETE";
  /** Under /api/v1, with {name} segments filled from input fields of the same name. */
  path: string;
}

type ObjectSchema = z.ZodObject;

export interface ToolDefinition<I extends ObjectSchema, O extends ObjectSchema> {
  name: string;
  title: string;
  description: string;
  input: I;
  output: O;
  annotations: ToolAnnotations;
  scope: Scope;
  rest: RestRoute;
  handler: (context: ToolContext, input: z.output<I>) => Promise<z.input<O>>;
}

/** A tool with its types erased, so the catalog can hold tools of every shape. */
export interface Tool {
  name: string;
  title: string;
  description: string;
  input: ObjectSchema;
  output: ObjectSchema;
  annotations: ToolAnnotations;
  scope: Scope;
  rest: RestRoute;
  /** Validates the input, runs the handler, and validates what it returns. */
  run(context: ToolContext, rawInput: unknown): Promise<Record<string, unknown>>;
  /**
   * Runs the handler on input already parsed by `input` (the MCP SDK parses arguments and
   * checks structured output against the same schemas, so it need not happen twice).
   */
  execute(context: ToolContext, parsedInput: unknown): Promise<Record<string, unknown>>;
}

/** Problems by field path ("updates.tier"; "" for the input as a whole), each worded to stand under its field. */
export type FieldProblems = Readonly<Record<string, string>>;

/**
 * An error the caller can act on; the message names the field or the fix. An input that failed
 * validation also carries its problems by field, so a form (or a REST client) can show each
 * one beside its field instead of parsing the message.
 */
export class ToolError extends Error {
  constructor(
    readonly code: "not_found" | "invalid" | "conflict" | "forbidden",
    message: string,
    readonly fields?: FieldProblems,
  ) {
    super(message);
    this.name = "ToolError";
  }
}

/** How a message begins with its own field's name: "name: …", "name …", or not at all (null). */
export function ownFieldPrefix(field: PropertyKey | undefined, message: string): ": " | " " | null {
  if (typeof field !== "string") return null;
  if (message.startsWith(`${field}: `)) return ": ";
  return message.startsWith(`${field} `) ? " " : null;
}

/** One issue's field path and its problem, the field named once: "name: is …" loses its "name: ". */
function issueParts(issue: z.core.$ZodIssue): { path: string; problem: string } {
  const last = issue.path.at(-1);
  const problem = ownFieldPrefix(last, issue.message) === ": " ? issue.message.slice(String(last).length + 2) : issue.message;
  return { path: issue.path.join("."), problem };
}

/**
 * Turns a zod failure into one sentence per problem, each naming its field once: "limit: at most
 * 100", "updates.tier is not a tier" (the message began with its field), or for the input as a
 * whole the message alone. `prefix` goes before every path (a nested schema's place in the input).
 */
export function describeIssues(error: z.ZodError, prefix = ""): string {
  return error.issues
    .map((issue) => {
      const { path, problem } = issueParts(issue);
      const field = prefix && path ? `${prefix}.${path}` : prefix || path;
      if (!field) return problem;
      const last = issue.path.at(-1);
      return ownFieldPrefix(last, problem) === " " ? `${field}${problem.slice(String(last).length)}` : `${field}: ${problem}`;
    })
    .join("; ");
}

/** The first problem of each field of a zod failure, keyed by its path (behind `prefix`, if given). */
export function issueFields(error: z.ZodError, prefix = ""): FieldProblems {
  const fields: Record<string, string> = {};
  for (const issue of error.issues) {
    const { path, problem } = issueParts(issue);
    fields[prefix && path ? `${prefix}.${path}` : prefix || path] ??= problem;
  }
  return fields;
}

/** A ToolError for input that failed validation: the message and the problems by field. */
export function invalidInput(error: z.ZodError, prefix = ""): ToolError {
  return new ToolError("invalid", describeIssues(error, prefix), issueFields(error, prefix));
}

/** The field names an object schema declares (the schema a zod issue came from), or none. */
function declaredFields(schema: unknown): string[] {
  const shape = (schema as { _zod?: { def?: { shape?: unknown } } } | undefined)?._zod?.def?.shape;
  return shape && typeof shape === "object" ? Object.keys(shape) : [];
}

/** Edits (insert, delete, replace) between two names. */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) current[j] = Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1));
    previous = current;
  }
  return previous[b.length] ?? 0;
}

/** The declared field a misspelled one most likely meant: a few edits away, or one name inside the other ("sort" → "sort_by"). */
export function likelyField(given: string, fields: readonly string[]): string | undefined {
  const word = given.toLowerCase();
  let best: { field: string; distance: number } | undefined;
  for (const field of fields) {
    const distance = field.startsWith(word) || word.startsWith(field) ? 1 : editDistance(word, field);
    if (distance <= Math.max(2, Math.floor(field.length / 4)) && (!best || distance < best.distance)) best = { field, distance };
  }
  return best?.field;
}

/** What an unknown field's error says: the likely meant field, and the fields there are. */
function unknownFieldsMessage(keys: readonly PropertyKey[], declared: readonly string[]): string {
  const hints = keys.map((key) => {
    const meant = likelyField(String(key), declared.filter((field) => !keys.includes(field)));
    return meant ? `${JSON.stringify(key)} (did you mean ${JSON.stringify(meant)}?)` : JSON.stringify(key);
  });
  const subject = keys.length === 1 ? `${hints[0]} is not a field here` : `${hints.join(", ")} are not fields here`;
  const known = declared.length === 0 ? "this takes no fields" : `the fields are ${declared.join(", ")}`;
  return `${subject}; ${known}.`;
}

/** A type zod expected, as a person would say it. */
const EXPECTED_WORDS: Partial<Record<string, string>> = {
  string: "text",
  number: "a number",
  int: "a whole number",
  boolean: "true or false",
  array: "a list",
  object: "an object",
  date: "a date",
  null: "null",
};

/** A value given where another type belongs, briefly: `the text "lots"`, `the number 5`, `a list`. */
function givenValue(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "a list";
  switch (typeof value) {
    case "string":
      return `the text ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`;
    case "number":
    case "boolean":
      return `${typeof value === "number" ? "the number " : ""}${String(value)}`;
    case "object":
      return "an object";
    default:
      return typeof value;
  }
}

// Says what to do about a missing, mistyped or unknown field, here and where the MCP SDK validates with the same schemas.
z.config({
  customError: (issue) => {
    if (issue.code === "invalid_type") {
      const expected = EXPECTED_WORDS[issue.expected] ?? issue.expected;
      // "expected string, received undefined" says less than this about a field left out.
      if (issue.input === undefined) return `required (${expected})`;
      return `must be ${expected}, not ${givenValue(issue.input)}`;
    }
    if (issue.code !== "unrecognized_keys") return undefined;
    return unknownFieldsMessage(issue.keys, declaredFields(issue.inst));
  },
});

/**
 * Runs a tool's work and records the call in the tenant's audit log (caller, client, tool,
 * arguments with secrets redacted, outcome) without delaying the answer.
 */
async function audited<T>(name: string, context: ToolContext, args: unknown, work: () => Promise<T>): Promise<T> {
  const record = (outcome: string, message?: string) =>
    auditToolCall(context.user.tenantId, context.tenant, { ...context.actor, tool: name, args, outcome, ...(message ? { message } : {}) }, context.defer);
  try {
    const result = await work();
    record("ok");
    return result;
  } catch (error) {
    if (error instanceof ToolError) record(error.code, error.message);
    else record("error");
    throw error;
  }
}

export function defineTool<I extends ObjectSchema, O extends ObjectSchema>(definition: ToolDefinition<I, O>): Tool {
  const { handler, ...meta } = definition;
  // Unknown fields are refused, not dropped: a misspelled filter (`sort` for `sort_by`) would
  // otherwise answer as if it had been applied. The JSON Schema then says additionalProperties: false.
  const input = definition.input.strict();
  return {
    ...meta,
    input,
    run(context, rawInput) {
      return audited(definition.name, context, rawInput ?? {}, async () => {
        const parsed = input.safeParse(rawInput ?? {});
        if (!parsed.success) throw invalidInput(parsed.error);
        const result = await handler(context, parsed.data as z.output<I>);
        return definition.output.parse(result) as Record<string, unknown>;
      });
    },
    execute(context, parsedInput) {
      return audited(definition.name, context, parsedInput, async () => (await handler(context, parsedInput as z.output<I>)) as Record<string, unknown>);
    },
  };
}

/** Unwraps a Tenant object answer, turning its refusals into ToolErrors. */
export function unwrap<T>(outcome: Outcome<T>): T {
  if (outcome.ok) return outcome.value;
  throw new ToolError(outcome.code, outcome.message);
}

/** A tool that creates something: not read-only, not destructive, not idempotent. */
export const WRITE: ToolAnnotations = { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false };

export const READ_ONLY: ToolAnnotations = { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false };
