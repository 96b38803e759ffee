import { insufficientScope, type OAuthResourceContext } from "@cloudflare/workers-oauth-provider";
import { Hono } from "hono";
import { z } from "zod";
import { isAuthProps, type AuthProps } from "../auth/props";
import type { Env } from "../env";
import { catalog } from "../tools/catalog";
import { mountBackupRoutes } from "./backup";
import { toolContext } from "../tools/context";
import { ToolError, type Tool } from "../tools/define";
import { errorBody, toolErrorAnswer } from "./errors";
import { routeHint } from "./route-hint";
import { importApi } from "./import";

/**
 * The REST twin of the tool catalog under /api/v1: one route per tool, generated from the
 * same definition. Path segments and the query (GET) or JSON body fill the tool's input,
 * which the tool's own zod schema validates.
 */

export const API_PREFIX = "/api/v1";

/** The innermost schema of a field, past optional/default/nullable wrappers. */
function innerSchema(schema: z.ZodType): z.ZodType {
  let current = schema;
  while (current instanceof z.ZodOptional || current instanceof z.ZodDefault || current instanceof z.ZodNullable) {
    current = current.unwrap() as z.ZodType;
  }
  return current;
}

/** Turns query-string text into the types the tool's schema expects (numbers, booleans, lists). */
export function queryToInput(tool: Tool, query: URLSearchParams): Record<string, unknown> {
  const shape = tool.input.shape as Record<string, z.ZodType>;
  const input: Record<string, unknown> = {};
  for (const key of new Set(query.keys())) {
    const values = query.getAll(key);
    const field = shape[key];
    const inner = field ? innerSchema(field) : undefined;
    if (inner instanceof z.ZodArray) {
      input[key] = values.flatMap((value) => value.split(",")).filter((value) => value !== "");
    } else if (inner instanceof z.ZodNumber) {
      const text = values[0] ?? "";
      input[key] = text.trim() !== "" && Number.isFinite(Number(text)) ? Number(text) : text;
    } else if (inner instanceof z.ZodBoolean) {
      input[key] = values[0] === "true" ? true : values[0] === "false" ? false : values[0];
    } else {
      input[key] = values[0];
    }
  }
  return input;
}

function honoPath(path: string): string {
  return path.replace(/\{(\w+)\}/g, ":$1");
}

type ApiEnv = { Bindings: Env };

/** The verified token, which the OAuth resource server put on the execution context. */
function verified(c: { executionCtx: unknown }): OAuthResourceContext<AuthProps> {
  return c.executionCtx as OAuthResourceContext<AuthProps>;
}

export function buildRestApi(): Hono<ApiEnv> {
  const api = new Hono<ApiEnv>().basePath(API_PREFIX);
  // CSV import takes text/csv bodies too, so it answers before the import_csv tool's generated route.
  api.route("/import", importApi());

  for (const tool of catalog) {
    api.on(tool.rest.method, honoPath(tool.rest.path), async (c) => {
      const { auth, props } = verified(c);
      if (!isAuthProps(props)) return c.json(errorBody("invalid_token", "The token carries no workspace; sign in again."), 401);
      if (!auth.scope.includes(tool.scope)) {
        return insufficientScope(auth, [tool.scope], `${tool.name} needs the ${tool.scope} scope; authorize again asking for it`);
      }
      let input: Record<string, unknown>;
      if (tool.rest.method === "GET" || tool.rest.method === "DELETE") {
        input = queryToInput(tool, new URL(c.req.url).searchParams);
      } else {
        const body: unknown = await c.req.json().catch(() => undefined);
        if (!body || typeof body !== "object" || Array.isArray(body)) {
          return c.json(errorBody("invalid", "The body must be a JSON object with the tool's fields (see /openapi.json)."), 400);
        }
        input = { ...(body as Record<string, unknown>) };
      }
      Object.assign(input, c.req.param());
      try {
        const result = await tool.run(toolContext(c.env, props, `api:${auth.clientId ?? "unknown"}`, (work) => c.executionCtx.waitUntil(work), new URL(c.req.url).origin), input);
        return c.json(result, tool.rest.method === "POST" && !tool.annotations.readOnlyHint ? 201 : 200);
      } catch (error) {
        if (error instanceof ToolError) {
          const { body, status } = toolErrorAnswer(error);
          return c.json(body, status);
        }
        throw error;
      }
    });
  }

  mountBackupRoutes(api);

  const routes = catalog.map((tool) => ({ method: tool.rest.method, path: tool.rest.path, name: tool.name }));
  api.notFound((c) => {
    const path = new URL(c.req.url).pathname;
    const hint = routeHint(c.req.method, path, API_PREFIX, routes);
    if (hint?.allow) return c.json(errorBody("method_not_allowed", hint.text), 405, { Allow: hint.allow.join(", ") });
    return c.json(errorBody("not_found", `No route ${c.req.method} ${path}; ${hint ? `${hint.text} ` : ""}see /openapi.json.`), 404);
  });
  api.onError((error, c) => {
    console.error("api error", error instanceof Error ? error.name : "unknown");
    return c.json(errorBody("internal", "The server failed to handle this request; try again."), 500);
  });
  return api;
}

const restApi = buildRestApi();

/** The protected handler behind the OAuth resource server: `ctx.props` and `ctx.auth` are verified. */
export const restApiHandler = {
  fetch(request: Request, env: Env, ctx: OAuthResourceContext<AuthProps>): Promise<Response> {
    return Promise.resolve(restApi.fetch(request, env, ctx));
  },
};
