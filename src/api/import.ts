import { insufficientScope, type OAuthResourceContext } from "@cloudflare/workers-oauth-provider";
import { Hono, type Context } from "hono";
import { z } from "zod";
import { isAuthProps, type AuthProps } from "../auth/props";
import type { Env } from "../env";
import { readLimitedBody } from "../http/body";
import { ImportFileError } from "../import/columns";
import { importKind, importOptions, IMPORT_FILE_MAX_BYTES, runImport } from "../import/run";
import { FIELDS, REQUIRED_COLUMNS, type ImportKind } from "../import/rows";
import { toolContext } from "../tools/context";
import { invalidInput, ToolError } from "../tools/define";
import { errorBody, toolErrorAnswer } from "./errors";

/**
 * CSV import over REST, mounted by src/api/rest.ts at /api/v1/import:
 *
 *   GET  /api/v1/import/{kind}   the kind's fields and required columns (for a mapping screen)
 *   POST /api/v1/import/{kind}   body text/csv (query: dry_run, mapping as JSON, delimiter), or
 *                                JSON { csv, mapping, dry_run, delimiter } as the import_csv tool takes it
 *
 * Not a generated tool route, because the body may be a CSV file rather than JSON; the JSON
 * form is the import_csv tool's input, so both faces share one schema and one runImport.
 */

type ApiEnv = { Bindings: Env };

const LIMIT_WORDS = `${IMPORT_FILE_MAX_BYTES / (1024 * 1024)} MiB (${IMPORT_FILE_MAX_BYTES} bytes)`;

class TooLarge extends Error {}

/** The body as text, refused past `limit` bytes (a missing Content-Length is no way around the cap). */
async function readCapped(request: Request, limit: number): Promise<string> {
  const bytes = await readLimitedBody(request, limit);
  if (!bytes) throw new TooLarge();
  return new TextDecoder("utf-8").decode(bytes);
}

const jsonBody = importOptions.extend({ csv: z.string().min(1, "csv is required: the file's text, header row first") });

function queryBoolean(value: string | undefined): boolean | undefined | "invalid" {
  if (value === undefined) return undefined;
  if (["true", "1", "yes", ""].includes(value)) return true;
  if (["false", "0", "no"].includes(value)) return false;
  return "invalid";
}

/** The import request from a text/csv body and the query string, or from a JSON body. */
async function readImportRequest(c: Context<ApiEnv>, kind: ImportKind) {
  const contentType = (c.req.header("Content-Type") ?? "").split(";")[0]?.trim().toLowerCase() ?? "";
  const body = await readCapped(c.req.raw, IMPORT_FILE_MAX_BYTES);
  let fields: unknown;
  if (contentType === "application/json") {
    try {
      fields = JSON.parse(body);
    } catch {
      throw new ToolError("invalid", "The body is not valid JSON; send { \"csv\": \"...\", \"mapping\": {...}, \"dry_run\": true }, or send the file itself as text/csv.");
    }
    if (!fields || typeof fields !== "object" || Array.isArray(fields)) throw new ToolError("invalid", "The JSON body must be an object with a csv field.");
  } else if (["text/csv", "text/plain", "application/csv", "application/octet-stream"].includes(contentType)) {
    const dryRun = queryBoolean(c.req.query("dry_run"));
    if (dryRun === "invalid") throw new ToolError("invalid", "dry_run must be true or false.");
    let mapping: unknown;
    const mappingText = c.req.query("mapping");
    if (mappingText !== undefined) {
      try {
        mapping = JSON.parse(mappingText);
      } catch {
        throw new ToolError("invalid", 'mapping must be JSON such as {"name":"Company","external_id":"CRM ID"} (URL-encoded in the query).');
      }
    }
    fields = { csv: body, mapping, dry_run: dryRun, delimiter: c.req.query("delimiter") };
  } else {
    throw new ToolError("invalid", `Content-Type must be text/csv (the file as the body) or application/json ({ "csv": ... }), not "${contentType || "none"}".`);
  }
  const parsed = jsonBody.safeParse(fields);
  if (!parsed.success) throw invalidInput(parsed.error);
  return { kind, csv: parsed.data.csv, mapping: parsed.data.mapping, dryRun: parsed.data.dry_run, delimiter: parsed.data.delimiter };
}

export function importApi(): Hono<ApiEnv> {
  const api = new Hono<ApiEnv>();

  api.get("/:kind", (c) => {
    const { props } = c.executionCtx as OAuthResourceContext<AuthProps>;
    if (!isAuthProps(props)) return c.json(errorBody("invalid_token", "The token carries no workspace; sign in again."), 401);
    const kind = importKind.safeParse(c.req.param("kind"));
    if (!kind.success) return c.json(errorBody("not_found", `No import kind "${c.req.param("kind")}"; use one of accounts, contacts, contracts, invoices.`), 404);
    return c.json({
      kind: kind.data,
      fields: FIELDS[kind.data].map((field) => ({ name: field.name, description: field.description, aliases: field.aliases ?? [] })),
      required_columns: REQUIRED_COLUMNS[kind.data],
      max_bytes: IMPORT_FILE_MAX_BYTES,
    });
  });

  api.post("/:kind", async (c) => {
    const { auth, props } = c.executionCtx as OAuthResourceContext<AuthProps>;
    if (!isAuthProps(props)) return c.json(errorBody("invalid_token", "The token carries no workspace; sign in again."), 401);
    if (!auth.scope.includes("cs:admin")) {
      return insufficientScope(auth, ["cs:admin"], "Imports write in bulk and need the cs:admin scope; authorize again asking for it");
    }
    const kind = importKind.safeParse(c.req.param("kind"));
    if (!kind.success) return c.json(errorBody("not_found", `No import kind "${c.req.param("kind")}"; use one of accounts, contacts, contracts, invoices.`), 404);
    try {
      const request = await readImportRequest(c, kind.data);
      const { tenant, actor } = toolContext(c.env, props, `api:${auth.clientId ?? "unknown"}`, (work) => c.executionCtx.waitUntil(work));
      return c.json(await runImport(tenant, actor, request), 200);
    } catch (error) {
      if (error instanceof TooLarge) {
        return c.json(errorBody("too_large", `The body is larger than the import limit of ${LIMIT_WORDS}; split the file and import the parts.`), 413);
      }
      if (error instanceof ImportFileError) return c.json(errorBody("invalid", error.message), 400);
      if (error instanceof ToolError) {
        const { body, status } = toolErrorAnswer(error);
        return c.json(body, status);
      }
      throw error;
    }
  });

  return api;
}
