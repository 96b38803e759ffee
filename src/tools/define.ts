import { z } from "zod";
import type { Actor, Outcome, TenantApi } from "../../durable-objects/tenant";
import { toolAllowed, type AuthProps } from "../auth/props";
import type { Scope } from "../auth/scopes";
import type { Env } from "../env";
import { auditToolCall } from "./audit-batch";
import { describeIssues, issueFields, type FieldProblems } from "./input-errors";

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

/** A ToolError for input that failed validation: the message and the problems by field. */
export function invalidInput(error: z.ZodError, prefix = ""): ToolError {
  return new ToolError("invalid", describeIssues(error, prefix), issueFields(error, prefix));
}

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

/** A tool the person left out on the consent page is refused, saying how to allow it. */
function refuseUnlessAllowed(name: string, context: ToolContext): void {
  if (toolAllowed(context.user.tools, name)) return;
  throw new ToolError(
    "forbidden",
    `${name} is not among the tools allowed for this connection. To use it, connect the app again and allow it on the consent page (or ask the person who connected it); revoke the old connection under Connected assistants.`,
  );
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
        refuseUnlessAllowed(definition.name, context);
        const parsed = input.safeParse(rawInput ?? {});
        if (!parsed.success) throw invalidInput(parsed.error);
        const result = await handler(context, parsed.data as z.output<I>);
        return definition.output.parse(result) as Record<string, unknown>;
      });
    },
    execute(context, parsedInput) {
      return audited(definition.name, context, parsedInput, async () => {
        refuseUnlessAllowed(definition.name, context);
        return (await handler(context, parsedInput as z.output<I>)) as Record<string, unknown>;
      });
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
