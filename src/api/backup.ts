import { insufficientScope, type OAuthResourceContext } from "@cloudflare/workers-oauth-provider";
import type { Context, Hono } from "hono";
import type { Outcome } from "../../durable-objects/tenant";
import { isAuthProps, type AuthProps } from "../auth/props";
import { PAGE_ROWS_MAX } from "../db/backup";
import type { Env } from "../env";
import { toolContext } from "../tools/context";
import type { ToolContext } from "../tools/define";
import { errorBody, STATUS_OF_ERROR } from "./errors";

/**
 * Export and restore of the caller's whole workspace (docs/backup.md), under /api/v1 and
 * behind cs:admin. The tenant comes from the token; the table in the path is checked against
 * the drizzle schema before it reaches SQL.
 *
 *   GET  /export/tables                      tenant id, schema version, tables in restore order
 *   GET  /export/{table}?after=&limit=       { rows, next }
 *   POST /restore/begin                      only into a workspace with no data
 *   POST /restore/{table}   { rows }         one page, inserted as it is
 *   POST /restore/finish                     refreshes derived state, ends the restore
 */

type ApiEnv = { Bindings: Env };
type ApiContext = Context<ApiEnv>;


/** A restore page is at most PAGE_ROWS_MAX rows of about 1 MB; leave room for JSON overhead. */
const RESTORE_BODY_MAX = 8_000_000;

/** The verified caller with cs:admin, or the response refusing them. */
function admin(c: ApiContext): { context: ToolContext; tenantId: string } | Response {
  const { auth, props } = c.executionCtx as unknown as OAuthResourceContext<AuthProps>;
  if (!isAuthProps(props)) return c.json(errorBody("invalid_token", "The token carries no workspace; sign in again."), 401);
  if (!auth.scope.includes("cs:admin")) {
    return insufficientScope(auth, ["cs:admin"], "Export and restore need the cs:admin scope; authorize again asking for it");
  }
  return { context: toolContext(c.env, props, `api:${auth.clientId ?? "unknown"}`, (work) => c.executionCtx.waitUntil(work)), tenantId: props.tenantId };
}

function answer<T>(c: ApiContext, outcome: Outcome<T>): Response {
  if (outcome.ok) return c.json(outcome.value as object, 200);
  return c.json(errorBody(outcome.code, outcome.message), STATUS_OF_ERROR[outcome.code]);
}

/** Adds the export and restore routes to the REST API (whose base path is /api/v1). */
export function mountBackupRoutes(api: Hono<ApiEnv>): void {
  api.get("/export/tables", async (c) => {
    const caller = admin(c);
    if (caller instanceof Response) return caller;
    const outcome = await caller.context.tenant.exportTables();
    if (!outcome.ok) return answer(c, outcome);
    return c.json({ tenant_id: caller.tenantId, ...outcome.value });
  });

  api.get("/export/:table", async (c) => {
    const caller = admin(c);
    if (caller instanceof Response) return caller;
    const limitText = c.req.query("limit");
    const limit = limitText === undefined ? PAGE_ROWS_MAX : Number(limitText);
    if (!Number.isInteger(limit) || limit < 1 || limit > PAGE_ROWS_MAX) {
      return c.json(errorBody("invalid", `limit must be a whole number from 1 to ${PAGE_ROWS_MAX}.`), 400);
    }
    const after = c.req.query("after");
    return answer(c, await caller.context.tenant.exportPage(c.req.param("table"), after === undefined || after === "" ? null : after, limit));
  });

  api.post("/restore/begin", async (c) => {
    const caller = admin(c);
    if (caller instanceof Response) return caller;
    return answer(c, await caller.context.tenant.beginRestore(caller.context.actor));
  });

  api.post("/restore/finish", async (c) => {
    const caller = admin(c);
    if (caller instanceof Response) return caller;
    return answer(c, await caller.context.tenant.finishRestore(caller.context.actor));
  });

  api.post("/restore/:table", async (c) => {
    const caller = admin(c);
    if (caller instanceof Response) return caller;
    const length = Number(c.req.header("Content-Length") ?? "0");
    if (length > RESTORE_BODY_MAX) {
      return c.json(errorBody("invalid", `The body is larger than ${RESTORE_BODY_MAX} bytes; post at most ${PAGE_ROWS_MAX} rows (about 1 MB) per page.`), 413);
    }
    const body: unknown = await c.req.json().catch(() => undefined);
    if (!body || typeof body !== "object" || Array.isArray(body) || !("rows" in body)) {
      return c.json(errorBody("invalid", 'The body must be a JSON object { "rows": [...] } with rows as GET /api/v1/export/{table} gave them.'), 400);
    }
    return answer(c, await caller.context.tenant.restorePage(c.req.param("table"), body.rows));
  });
}
