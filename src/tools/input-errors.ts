import { z } from "zod";

/**
 * What a refused input says, worded for the person (or assistant) who sent it: each problem
 * names its field once, a mistyped field says what it takes, and an unknown field names the
 * field it most likely meant. The same words reach REST, the setup page and, through the global
 * zod config below, the MCP SDK's own validation of tool arguments.
 */

/** Problems by field path ("updates.tier"; "" for the input as a whole), each worded to stand under its field. */
export type FieldProblems = Readonly<Record<string, string>>;

/** How a message begins with its own field's name: "name: …", "name …", or not at all (null). */
export function ownFieldPrefix(field: PropertyKey | undefined, message: string): ": " | " " | null {
  if (typeof field !== "string") return null;
  if (message.startsWith(`${field}: `)) return ": ";
  return message.startsWith(`${field} `) ? " " : null;
}

/**
 * One issue's field path (behind `prefix`, a nested schema's place in the input) and its
 * problem, the field named once: "name: is …" loses its "name: ".
 */
function issueParts(issue: z.core.$ZodIssue, prefix: string): { path: string; problem: string } {
  const last = issue.path.at(-1);
  const problem = ownFieldPrefix(last, issue.message) === ": " ? issue.message.slice(String(last).length + 2) : issue.message;
  const own = issue.path.join(".");
  return { path: prefix && own ? `${prefix}.${own}` : prefix || own, problem };
}

/**
 * Turns a zod failure into one sentence per problem, each naming its field once: "limit: at most
 * 100", "updates.tier is not a tier" (the message began with its field), or for the input as a
 * whole the message alone. `prefix` goes before every path (a nested schema's place in the input).
 */
export function describeIssues(error: z.ZodError, prefix = ""): string {
  return error.issues
    .map((issue) => {
      const { path, problem } = issueParts(issue, prefix);
      if (!path) return problem;
      const last = issue.path.at(-1);
      return ownFieldPrefix(last, problem) === " " ? `${path}${problem.slice(String(last).length)}` : `${path}: ${problem}`;
    })
    .join("; ");
}

/** The first problem of each field of a zod failure, keyed by its path (behind `prefix`, if given). */
export function issueFields(error: z.ZodError, prefix = ""): FieldProblems {
  const fields: Record<string, string> = {};
  for (const issue of error.issues) {
    const { path, problem } = issueParts(issue, prefix);
    fields[path] ??= problem;
  }
  return fields;
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
    // A name inside the other counts as one edit, once it is long enough to mean something.
    const contains = Math.min(word.length, field.length) >= 3 && (field.startsWith(word) || word.startsWith(field));
    const distance = contains ? 1 : editDistance(word, field);
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
  string: "a string",
  number: "a number",
  int: "a whole number",
  boolean: "true or false",
  array: "a list",
  object: "an object",
  date: "a date",
  null: "null",
};

/** A value given where another type belongs, briefly: `the string "lots"`, `the number 5`, `a list`. */
function givenValue(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "a list";
  switch (typeof value) {
    case "string":
      return `the string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`;
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
