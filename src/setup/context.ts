import type { Context, MiddlewareHandler } from "hono";
import type { z } from "zod";
import { tenantStub, type TenantApi } from "../../durable-objects/tenant";
import type { AppEnv } from "../app-env";
import { csrfToken, CSRF_FIELD, verifyCsrf } from "../auth/csrf";
import { readSession, type Session } from "../auth/session";
import { membership, type Membership } from "../db/control";
import { ToolError, type Tool, type ToolContext } from "../tools/define";
import { describeIssues, issueFields, type FieldProblems } from "../tools/input-errors";

/** The setup page's request context: who is signed in, their membership, and helpers to act as them. */

export interface SetupVariables {
  session: Session;
  member: Membership;
  csrf: string;
}

export type SetupEnv = { Bindings: AppEnv["Bindings"]; Variables: AppEnv["Variables"] & SetupVariables };
export type SetupContext = Context<SetupEnv>;

/** Field name → the message shown next to it. */
export type FieldErrors = Partial<Record<string, string>>;

export const ADMIN_ROLES = ["owner", "admin"] as const;

export function isAdmin(member: Membership): boolean {
  return (ADMIN_ROLES as readonly string[]).includes(member.role);
}

/** Signed in and a member of the session's tenant; otherwise to /login?next=… (or a 403 page when access was removed). */
export function requireMember(forbidden: (c: SetupContext, message: string) => Response | Promise<Response>): MiddlewareHandler<SetupEnv> {
  return async (c, next) => {
    const session = await readSession(c, c.env.SESSION_SECRET);
    if (!session) {
      const url = new URL(c.req.url);
      return c.redirect(`/login?next=${encodeURIComponent(url.pathname + url.search)}`, 302);
    }
    const member = await membership(c.env.CONTROL_DB, session.userId, session.tenantId);
    if (!member) return forbidden(c, "Your access to this workspace was removed; ask an owner or admin to invite you again.");
    c.set("session", session);
    c.set("member", member);
    c.set("csrf", await csrfToken(c, c.env.SESSION_SECRET));
    await next();
  };
}

/** Owners and admins only: everyone else gets the 403 page, saying who can help. */
export function requireAdmin(forbidden: (c: SetupContext, message: string) => Response | Promise<Response>): MiddlewareHandler<SetupEnv> {
  return async (c, next) => {
    if (!isAdmin(c.var.member)) {
      return forbidden(
        c,
        `Workspace setup is for owners and admins; you are signed in as ${c.var.member.role}. Ask an owner or admin of ${c.var.member.tenantName} to change your role, or use the accounts view.`,
      );
    }
    await next();
  };
}

/** The submitted form, after the CSRF check; null when the token is missing or wrong. */
export async function checkedForm(c: SetupContext): Promise<FormData | null> {
  const form = await c.req.formData();
  return (await verifyCsrf(c, c.env.SESSION_SECRET, form.get(CSRF_FIELD))) ? form : null;
}

export function text(form: FormData, name: string): string {
  const value = form.get(name);
  return typeof value === "string" ? value.trim() : "";
}

export function tenantOf(c: SetupContext): TenantApi {
  return tenantStub(c.env.TENANT, c.var.session.tenantId);
}

/** A tool context for the signed-in user; every write is audited with via "setup". */
export function toolContextOf(c: SetupContext): ToolContext {
  const { session, member } = c.var;
  return {
    tenant: tenantOf(c),
    user: { userId: session.userId, tenantId: session.tenantId, role: member.role },
    env: c.env,
    actor: { userId: session.userId, via: "setup" },
    origin: c.var.origin,
    defer: (work) => {
      try {
        c.executionCtx.waitUntil(work);
      } catch {
        void work;
      }
    },
  };
}

/** Problems by field path as a form's errors: each under its (renamed) field, the input's own under "form". */
function formErrors(problems: FieldProblems, rename: (path: string) => string = (path) => path): FieldErrors {
  const errors: FieldErrors = {};
  for (const [path, problem] of Object.entries(problems)) errors[rename(path || "form")] ??= problem;
  return errors;
}

/** zod issues keyed by their path joined with "." (the first problem per field). */
export function fieldErrorsOf(error: z.ZodError, rename?: (path: string) => string): FieldErrors {
  return formErrors(issueFields(error), rename);
}

export type ToolRun<T> = { ok: true; value: T } | { ok: false; errors: FieldErrors; message: string; code?: ToolError["code"] };

/**
 * Runs a catalog tool from a form: its own zod input schema validates (so the page refuses
 * exactly what the API refuses), then the handler runs; refusals come back per field.
 */
export async function runTool<T = Record<string, unknown>>(c: SetupContext, tool: Tool, input: unknown, rename?: (path: string) => string): Promise<ToolRun<T>> {
  const parsed = tool.input.safeParse(input);
  if (!parsed.success) return { ok: false, errors: fieldErrorsOf(parsed.error, rename), message: describeIssues(parsed.error) };
  try {
    return { ok: true, value: (await tool.execute(toolContextOf(c), parsed.data)) as T };
  } catch (error) {
    if (error instanceof ToolError) return { ok: false, errors: formErrors(error.fields ?? {}, rename), message: error.message, code: error.code };
    throw error;
  }
}
