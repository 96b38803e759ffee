/**
 * The custom-segment rule language: a segment is `{ match: "all" | "any", rules: [...] }`, a rule is
 * `{ field, operator, value }`, and a group may stand in for a rule (nesting up to `maxDepth`).
 *
 * Fields come from a declared catalog (name → type), so a definition is checked once, when it is
 * compiled, and refused with an {@link AnalyticsConfigError} whose `field` is the path of the bad
 * part ("rules[2].operator") and whose message lists what is allowed. A compiled segment is a plain
 * predicate over a record of field values; it never throws.
 *
 * Operators by field type (anything else is refused):
 *
 * | type          | eq neq | gt gte lt lte | in not_in | contains | between | exists |
 * |---------------|--------|---------------|-----------|----------|---------|--------|
 * | number        |   ✓    |       ✓       |     ✓     |          |    ✓    |   ✓    |
 * | date          |   ✓    |       ✓       |           |          |    ✓    |   ✓    |
 * | string        |   ✓    |               |     ✓     |    ✓     |         |   ✓    |
 * | enum          |   ✓    |               |     ✓     |          |         |   ✓    |
 * | boolean       |   ✓    |               |           |          |         |   ✓    |
 * | string_list   |        |               |     ✓     |    ✓     |         |   ✓    |
 *
 * Semantics:
 * - `eq`/`neq`: exact equality (strings are case-sensitive). `in`/`not_in`: the value is (not) one
 *   of a non-empty list; on a `string_list` field, the list shares at least one / no element with it.
 * - `contains`: on a string, case-insensitive substring; on a `string_list`, has that exact element.
 * - `between`: `[low, high]` with low ≤ high, both ends inclusive.
 * - `exists`: value `true` (or omitted) matches a present value, `false` matches a missing one.
 * - Dates compare by UTC calendar day. A date value is "YYYY-MM-DD", an ISO date-time with a zone, a
 *   Date, epoch ms, or `{ daysFromNow: n }` resolved against `options.now` at compile time.
 * - A missing value (absent, null, NaN, or of the wrong type) makes every rule false except
 *   `exists: false`; in particular `neq` and `not_in` are false on a missing value.
 */
import { AnalyticsConfigError } from "./errors";
import { MS_PER_DAY } from "./math";
import { describe, parseUtcMs, toUtcMs, type DateInput } from "./segments-dates";

/** Field types a catalog may declare. */
export const SEGMENT_FIELD_TYPES = ["number", "string", "date", "boolean", "enum", "string_list"] as const;
export type SegmentFieldType = (typeof SEGMENT_FIELD_TYPES)[number];

/** A field's declared type; enums carry their allowed values. */
export type SegmentFieldSpec =
  | { readonly type: Exclude<SegmentFieldType, "enum"> }
  | { readonly type: "enum"; readonly values: readonly string[] };

/** Field name → type. The short form ("number") is accepted for every type but enum. */
export type SegmentFieldCatalog = Readonly<Record<string, SegmentFieldSpec | Exclude<SegmentFieldType, "enum">>>;

/** Every operator the language knows. */
export const SEGMENT_OPERATORS = [
  "eq",
  "neq",
  "gt",
  "gte",
  "lt",
  "lte",
  "in",
  "not_in",
  "contains",
  "exists",
  "between",
] as const;
export type SegmentOperator = (typeof SEGMENT_OPERATORS)[number];

/** Which operators each field type accepts (the table in this module's header). */
export const OPERATORS_BY_TYPE: Readonly<Record<SegmentFieldType, readonly SegmentOperator[]>> = {
  number: ["eq", "neq", "gt", "gte", "lt", "lte", "in", "not_in", "between", "exists"],
  date: ["eq", "neq", "gt", "gte", "lt", "lte", "between", "exists"],
  string: ["eq", "neq", "in", "not_in", "contains", "exists"],
  enum: ["eq", "neq", "in", "not_in", "exists"],
  boolean: ["eq", "neq", "exists"],
  string_list: ["in", "not_in", "contains", "exists"],
};

/** A date relative to `options.now`: `{ daysFromNow: -30 }` is thirty days ago. */
export interface RelativeDate {
  readonly daysFromNow: number;
}
export type SegmentScalar = number | string | boolean | Date | RelativeDate;

/** One condition on one field. */
export interface SegmentRule {
  readonly field: string;
  readonly operator: SegmentOperator;
  readonly value?: SegmentScalar | readonly SegmentScalar[];
}

/** All (or any) of its rules; a rule may itself be a group. */
export interface SegmentGroup {
  readonly match: "all" | "any";
  readonly rules: readonly (SegmentRule | SegmentGroup)[];
}

/** A custom segment is its top-level group. */
export type SegmentDefinition = SegmentGroup;

/** What a record may hold for a field. Anything of the wrong type counts as missing. */
export type SegmentFieldValue = number | string | boolean | Date | readonly string[] | null | undefined;
export type SegmentRecord = Readonly<Record<string, SegmentFieldValue>>;

export interface CompileSegmentOptions {
  /** Needed only when a rule uses `{ daysFromNow }`. */
  readonly now?: DateInput;
  /** Deepest nesting of groups, the top-level group counting as 1. Default 4. */
  readonly maxDepth?: number;
}

/** How one rule fared on one record. */
export interface SegmentRuleTrace {
  readonly path: string;
  readonly field: string;
  readonly operator: SegmentOperator;
  readonly actual: SegmentFieldValue;
  readonly matched: boolean;
}

/** How one group fared; lists every child (no short-circuit) so a person sees all reasons. */
export interface SegmentGroupTrace {
  readonly path: string;
  readonly match: "all" | "any";
  readonly matched: boolean;
  readonly rules: readonly (SegmentRuleTrace | SegmentGroupTrace)[];
}

/** A compiled segment: call it on a record. It never throws and never allocates on the fast path. */
export interface SegmentPredicate {
  (record: SegmentRecord): boolean;
  /** The distinct fields the segment reads, in first-use order. */
  readonly fields: readonly string[];
  /** The same decision with every rule's outcome, for "why is this account in the segment?". */
  explain(record: SegmentRecord): SegmentGroupTrace;
}

type ValueTest = (value: SegmentFieldValue) => boolean;
type RecordTest = (record: SegmentRecord) => boolean;
type Tracer = (record: SegmentRecord) => SegmentRuleTrace | SegmentGroupTrace;

interface Compiled {
  readonly test: RecordTest;
  readonly trace: Tracer;
}

interface Context {
  readonly catalog: ReadonlyMap<string, SegmentFieldSpec>;
  readonly nowDay: number | null;
  readonly maxDepth: number;
  readonly fields: string[];
}

const LEAF_KEYS = ["field", "operator", "value"];
const GROUP_KEYS = ["match", "rules"];

const hasOwn = (object: object, key: string): boolean => Object.prototype.hasOwnProperty.call(object, key);

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value) && !(value instanceof Date);
}

function list(values: readonly string[], max = 30): string {
  const shown = values.slice(0, max).join(", ");
  return values.length > max ? `${shown}, … (${values.length} in all)` : shown;
}

/**
 * Checks a field catalog and returns it in long form. Refuses unknown types and enums without
 * values, naming "fieldCatalog.<name>".
 */
export function validateFieldCatalog(catalog: unknown): ReadonlyMap<string, SegmentFieldSpec> {
  if (!isPlainObject(catalog)) {
    throw new AnalyticsConfigError("fieldCatalog", "expected an object of field name → type");
  }
  const out = new Map<string, SegmentFieldSpec>();
  for (const [name, raw] of Object.entries(catalog)) {
    const path = `fieldCatalog.${name}`;
    if (name.trim() === "") throw new AnalyticsConfigError(path, "a field name may not be empty");
    const type: unknown = typeof raw === "string" ? raw : isPlainObject(raw) ? raw.type : undefined;
    if (typeof type !== "string" || !(SEGMENT_FIELD_TYPES as readonly string[]).includes(type)) {
      throw new AnalyticsConfigError(
        `${path}.type`,
        `unknown field type ${describe(type)}; use one of: ${SEGMENT_FIELD_TYPES.join(", ")}`,
      );
    }
    if (type === "enum") {
      const values: unknown = isPlainObject(raw) ? raw.values : undefined;
      if (!Array.isArray(values) || values.length === 0 || !values.every((v) => typeof v === "string")) {
        throw new AnalyticsConfigError(`${path}.values`, "an enum field needs a non-empty list of string values");
      }
      if (new Set(values).size !== values.length) {
        throw new AnalyticsConfigError(`${path}.values`, "enum values must be distinct");
      }
      out.set(name, { type: "enum", values: [...(values as string[])] });
    } else {
      out.set(name, { type: type as Exclude<SegmentFieldType, "enum"> });
    }
  }
  return out;
}

/**
 * Validates a segment definition against a field catalog and compiles it into a predicate.
 *
 * @param definition usually JSON from a tenant (hence `unknown`); every part is checked.
 * @param fieldCatalog the fields records carry and their types.
 * @throws AnalyticsConfigError naming the path of the first bad part and what is allowed there.
 */
export function compileSegment(
  definition: unknown,
  fieldCatalog: SegmentFieldCatalog,
  options: CompileSegmentOptions = {},
): SegmentPredicate {
  const catalog = validateFieldCatalog(fieldCatalog);
  const maxDepth = options.maxDepth ?? 4;
  if (!Number.isInteger(maxDepth) || maxDepth < 1) {
    throw new AnalyticsConfigError("options.maxDepth", "expected a whole number ≥ 1");
  }
  const nowDay = options.now === undefined ? null : Math.floor(toUtcMs(options.now, "options.now") / MS_PER_DAY);
  const context: Context = { catalog, nowDay, maxDepth, fields: [] };
  if (!isPlainObject(definition)) {
    throw new AnalyticsConfigError("definition", 'expected { match: "all" | "any", rules: [ … ] }');
  }
  const root = compileGroup(definition, "", 1, context);
  const predicate = ((record: SegmentRecord) => root.test(record)) as SegmentPredicate;
  return Object.assign(predicate, {
    fields: Object.freeze([...context.fields]),
    explain: (record: SegmentRecord) => root.trace(record) as SegmentGroupTrace,
  });
}

/**
 * One-shot: compile and evaluate. Compile once with {@link compileSegment} when testing many records.
 */
export function evaluateSegment(
  definition: unknown,
  fieldCatalog: SegmentFieldCatalog,
  record: SegmentRecord,
  options: CompileSegmentOptions = {},
): boolean {
  return compileSegment(definition, fieldCatalog, options)(record);
}

function join(prefix: string, key: string): string {
  return prefix === "" ? key : `${prefix}.${key}`;
}

function compileGroup(node: Record<string, unknown>, path: string, depth: number, context: Context): Compiled {
  const here = path === "" ? "definition" : path;
  for (const key of Object.keys(node)) {
    if (!GROUP_KEYS.includes(key)) {
      throw new AnalyticsConfigError(join(path, key), `unknown key in a group; a group has only: ${GROUP_KEYS.join(", ")}`);
    }
  }
  if (depth > context.maxDepth) {
    throw new AnalyticsConfigError(here, `groups nest at most ${context.maxDepth} deep; flatten this group into its parent`);
  }
  const match = node.match;
  if (match !== "all" && match !== "any") {
    throw new AnalyticsConfigError(join(path, "match"), `expected "all" or "any", got ${describe(match)}`);
  }
  const rules = node.rules;
  if (!Array.isArray(rules)) {
    throw new AnalyticsConfigError(join(path, "rules"), `expected a list of rules, got ${describe(rules)}`);
  }
  if (rules.length === 0) {
    throw new AnalyticsConfigError(join(path, "rules"), "a group needs at least one rule");
  }
  const children = rules.map((child: unknown, i) => {
    const childPath = `${join(path, "rules")}[${i}]`;
    if (!isPlainObject(child)) {
      throw new AnalyticsConfigError(childPath, `expected a rule { field, operator, value } or a group, got ${describe(child)}`);
    }
    return hasOwn(child, "match") || hasOwn(child, "rules")
      ? compileGroup(child, childPath, depth + 1, context)
      : compileRule(child, childPath, context);
  });
  const tests = children.map((c) => c.test);
  const test: RecordTest =
    match === "all"
      ? (record) => {
          for (const t of tests) if (!t(record)) return false;
          return true;
        }
      : (record) => {
          for (const t of tests) if (t(record)) return true;
          return false;
        };
  const trace: Tracer = (record) => {
    const traces = children.map((c) => c.trace(record));
    const matched = match === "all" ? traces.every((t) => t.matched) : traces.some((t) => t.matched);
    return { path: here, match, matched, rules: traces };
  };
  return { test, trace };
}

function compileRule(node: Record<string, unknown>, path: string, context: Context): Compiled {
  for (const key of Object.keys(node)) {
    if (!LEAF_KEYS.includes(key)) {
      throw new AnalyticsConfigError(`${path}.${key}`, `unknown key in a rule; a rule has only: ${LEAF_KEYS.join(", ")}`);
    }
  }
  const field = node.field;
  if (typeof field !== "string" || field === "") {
    throw new AnalyticsConfigError(`${path}.field`, `expected a field name; known fields: ${list([...context.catalog.keys()])}`);
  }
  const spec = context.catalog.get(field);
  if (spec === undefined) {
    throw new AnalyticsConfigError(
      `${path}.field`,
      `unknown field ${describe(field)}; known fields: ${list([...context.catalog.keys()])}`,
    );
  }
  const operator = node.operator;
  if (typeof operator !== "string" || !(SEGMENT_OPERATORS as readonly string[]).includes(operator)) {
    throw new AnalyticsConfigError(
      `${path}.operator`,
      `unknown operator ${describe(operator)}; use one of: ${SEGMENT_OPERATORS.join(", ")}`,
    );
  }
  const op = operator as SegmentOperator;
  const allowed = OPERATORS_BY_TYPE[spec.type];
  if (!allowed.includes(op)) {
    throw new AnalyticsConfigError(
      `${path}.operator`,
      `operator "${op}" does not apply to ${spec.type} field "${field}"; use one of: ${allowed.join(", ")}`,
    );
  }
  const valueTest = buildTest(spec, op, node.value, hasOwn(node, "value"), `${path}.value`, field, context);
  if (!context.fields.includes(field)) context.fields.push(field);
  const test: RecordTest = (record) => valueTest(hasOwn(record, field) ? record[field] : undefined);
  const trace: Tracer = (record) => {
    const actual = hasOwn(record, field) ? record[field] : undefined;
    return { path, field, operator: op, actual, matched: valueTest(actual) };
  };
  return { test, trace };
}

// ---- values -------------------------------------------------------------------------------

type Kind = "number" | "day" | "string" | "boolean";

function kindOf(spec: SegmentFieldSpec): Kind {
  switch (spec.type) {
    case "number":
      return "number";
    case "date":
      return "day";
    case "boolean":
      return "boolean";
    default:
      return "string";
  }
}

/** Reads a record value as the field's type, or null when it is missing or of the wrong type. */
const readers: Record<Kind, (value: SegmentFieldValue) => number | string | boolean | null> = {
  number: (v) => (typeof v === "number" && Number.isFinite(v) ? v : null),
  day: (v) => {
    if (v === null || v === undefined || typeof v === "boolean" || Array.isArray(v)) return null;
    const ms = parseUtcMs(v);
    return ms === null ? null : Math.floor(ms / MS_PER_DAY);
  },
  string: (v) => (typeof v === "string" ? v : null),
  boolean: (v) => (typeof v === "boolean" ? v : null),
};

/** Checks one scalar in a rule and converts it to the comparable form (dates become UTC day numbers). */
function ruleScalar(
  spec: SegmentFieldSpec,
  raw: unknown,
  path: string,
  field: string,
  context: Context,
): number | string | boolean {
  const wrongType = (expected: string): AnalyticsConfigError =>
    new AnalyticsConfigError(path, `expected ${expected} for ${spec.type} field "${field}", got ${describe(raw)}`);
  switch (spec.type) {
    case "number":
      if (typeof raw !== "number" || !Number.isFinite(raw)) throw wrongType("a finite number");
      return raw;
    case "boolean":
      if (typeof raw !== "boolean") throw wrongType("true or false");
      return raw;
    case "string":
    case "string_list":
      if (typeof raw !== "string") throw wrongType("a string");
      return raw;
    case "enum":
      if (typeof raw !== "string" || !spec.values.includes(raw)) {
        throw new AnalyticsConfigError(
          path,
          `${describe(raw)} is not a value of enum field "${field}"; allowed: ${list(spec.values)}`,
        );
      }
      return raw;
    case "date": {
      if (isPlainObject(raw)) {
        const keys = Object.keys(raw);
        const n = raw.daysFromNow;
        if (keys.length !== 1 || typeof n !== "number" || !Number.isInteger(n)) {
          throw wrongType('a date or { daysFromNow: <whole number> }');
        }
        if (context.nowDay === null) {
          throw new AnalyticsConfigError(path, "a relative date ({ daysFromNow }) needs `now`; pass options.now when compiling");
        }
        return context.nowDay + n;
      }
      if (typeof raw === "boolean" || (typeof raw !== "string" && typeof raw !== "number" && !(raw instanceof Date))) {
        throw wrongType('a date ("YYYY-MM-DD") or { daysFromNow: n }');
      }
      return Math.floor(toUtcMs(raw, path) / MS_PER_DAY);
    }
  }
}

function buildTest(
  spec: SegmentFieldSpec,
  op: SegmentOperator,
  raw: unknown,
  present: boolean,
  path: string,
  field: string,
  context: Context,
): ValueTest {
  const read = readers[kindOf(spec)];

  if (op === "exists") {
    if (present && raw !== undefined && typeof raw !== "boolean") {
      throw new AnalyticsConfigError(path, `exists takes no value, or true (present) / false (missing); got ${describe(raw)}`);
    }
    const want = raw !== false;
    if (spec.type === "string_list") return (v) => Array.isArray(v) === want;
    return (v) => (read(v) !== null) === want;
  }

  if (!present || raw === undefined) {
    throw new AnalyticsConfigError(path, `operator "${op}" needs a value`);
  }

  if (op === "in" || op === "not_in") {
    if (!Array.isArray(raw) || raw.length === 0) {
      throw new AnalyticsConfigError(path, `operator "${op}" needs a non-empty list of values, got ${describe(raw)}`);
    }
    const set = new Set(raw.map((item: unknown, i) => ruleScalar(spec, item, `${path}[${i}]`, field, context)));
    if (spec.type === "string_list") {
      const sharesAny = (v: SegmentFieldValue): boolean | null => {
        if (!Array.isArray(v)) return null;
        for (const item of v as readonly unknown[]) if (typeof item === "string" && set.has(item)) return true;
        return false;
      };
      return op === "in" ? (v) => sharesAny(v) === true : (v) => sharesAny(v) === false;
    }
    return op === "in"
      ? (v) => {
          const x = read(v);
          return x !== null && set.has(x);
        }
      : (v) => {
          const x = read(v);
          return x !== null && !set.has(x);
        };
  }

  if (op === "between") {
    if (!Array.isArray(raw) || raw.length !== 2) {
      throw new AnalyticsConfigError(path, `operator "between" needs [low, high], got ${describe(raw)}`);
    }
    const low = ruleScalar(spec, raw[0], `${path}[0]`, field, context) as number;
    const high = ruleScalar(spec, raw[1], `${path}[1]`, field, context) as number;
    if (low > high) throw new AnalyticsConfigError(path, "between needs low ≤ high; swap the two values");
    return (v) => {
      const x = read(v) as number | null;
      return x !== null && x >= low && x <= high;
    };
  }

  if (Array.isArray(raw)) {
    throw new AnalyticsConfigError(path, `operator "${op}" takes a single value; use "in" for a list`);
  }
  const a = ruleScalar(spec, raw, path, field, context);

  if (op === "contains") {
    if (spec.type === "string_list") {
      return (v) => Array.isArray(v) && (v as readonly unknown[]).includes(a);
    }
    if (a === "") throw new AnalyticsConfigError(path, "contains needs a non-empty string");
    const needle = (a as string).toLowerCase();
    return (v) => typeof v === "string" && v.toLowerCase().includes(needle);
  }

  switch (op) {
    case "eq":
      return (v) => {
        const x = read(v);
        return x !== null && x === a;
      };
    case "neq":
      return (v) => {
        const x = read(v);
        return x !== null && x !== a;
      };
    case "gt":
      return (v) => {
        const x = read(v);
        return x !== null && x > a;
      };
    case "gte":
      return (v) => {
        const x = read(v);
        return x !== null && x >= a;
      };
    case "lt":
      return (v) => {
        const x = read(v);
        return x !== null && x < a;
      };
    case "lte":
      return (v) => {
        const x = read(v);
        return x !== null && x <= a;
      };
  }
  // Unreachable: every operator is handled above and OPERATORS_BY_TYPE was checked first.
  throw new AnalyticsConfigError(path, `operator "${op}" is not supported`);
}
