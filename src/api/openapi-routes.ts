import { z } from "zod";
import { PAGE_ROWS_MAX } from "../db/backup";
import { USAGE_EVENT_TYPES } from "../db/usage-events";
import { IMPORT_KINDS } from "../import/rows";
import { IMPORT_MAX_BYTES, importOptions, importReport } from "../import/run";
import { MAX_BODY_BYTES as EVENTS_MAX_BYTES, MAX_EVENTS_PER_REQUEST } from "./events";

/**
 * The REST routes that are not the twin of a tool, for /openapi.json: usage events (API key),
 * CSV import (text/csv bodies), and export/restore of a workspace. Their schemas are written
 * here from the same constants and zod schemas the handlers use; docs/events.md, docs/import.md
 * and docs/backup.md say the rest.
 */

type JsonSchema = Record<string, unknown>;
type Operation = Record<string, unknown>;

export function toJsonSchema(schema: z.ZodType, io: "input" | "output"): JsonSchema {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: "any" }) as JsonSchema;
  return rest;
}

export const ERROR_RESPONSE = {
  description: "The request was refused; `error.message` says which field is wrong and how to fix it, and for input that failed validation `error.fields` gives each field's problem by its path.",
  content: {
    "application/json": {
      schema: {
        type: "object",
        required: ["error"],
        properties: {
          error: {
            type: "object",
            required: ["code", "message"],
            properties: {
              code: { type: "string" },
              message: { type: "string" },
              fields: {
                type: "object",
                description: 'Problems by field path ("updates.contract_value"; "" for the input as a whole), each worded to stand beside its field.',
                additionalProperties: { type: "string" },
              },
            },
          },
        },
      },
    },
  },
};

const UNAUTHORIZED = { description: "Missing, expired or revoked token; the WWW-Authenticate header says where to get one." };
const NEEDS_ADMIN = { description: "The token lacks the cs:admin scope (insufficient_scope)." };

function json(schema: JsonSchema, description = "Success") {
  return { description, content: { "application/json": { schema } } };
}

const usageEvent: JsonSchema = {
  type: "object",
  required: ["type", "messageId"],
  properties: {
    type: { type: "string", enum: [...USAGE_EVENT_TYPES] },
    messageId: { type: "string", maxLength: 200, description: "Unique per event: the idempotency key; a repeated messageId changes nothing" },
    event: { type: "string", maxLength: 200, description: "The feature's name; required for track" },
    name: { type: "string", description: "The page's name, for page" },
    userId: { type: ["string", "number"] },
    anonymousId: { type: ["string", "number"], description: "Used when there is no userId; one of the two is required" },
    groupId: { type: "string", description: "The account: its client_id or external_id (or context.groupId, properties.accountId, traits.accountId)" },
    context: { type: "object", properties: { groupId: { type: "string" } } },
    properties: { type: "object" },
    traits: { type: "object" },
    timestamp: { type: "string", format: "date-time", description: "With a time zone; defaults to the time of receipt" },
  },
};

const rejection: JsonSchema = {
  type: "object",
  properties: {
    index: { type: "integer", description: "The event's position in the batch" },
    messageId: { type: ["string", "null"] },
    field: { type: "string" },
    reason: { type: "string" },
  },
};

const eventsOperation: Operation = {
  operationId: "send_usage_events",
  summary: "Send usage events",
  description: `Segment-style track, page, identify and group calls, at most ${MAX_EVENTS_PER_REQUEST} events and ${EVENTS_MAX_BYTES / 1024} KiB per request, authenticated with a workspace API key (create_api_key). Events fold into daily usage per account, which feeds health. See docs/events.md.`,
  security: [{ apiKey: [] }],
  requestBody: {
    required: true,
    content: {
      "application/json": {
        schema: {
          oneOf: [{ type: "object", required: ["batch"], properties: { batch: { type: "array", maxItems: MAX_EVENTS_PER_REQUEST, items: usageEvent } } }, usageEvent],
        },
      },
    },
  },
  responses: {
    "200": json({
      type: "object",
      properties: {
        accepted: { type: "integer" },
        duplicates: { type: "integer", description: "Events whose messageId was already stored" },
        pending: { type: "integer", description: "Accepted events whose account does not exist yet; attached when it appears" },
        rejected: { type: "array", items: rejection },
      },
    }),
    "400": ERROR_RESPONSE,
    "401": { description: "No API key, or an unknown or revoked one." },
    "413": ERROR_RESPONSE,
  },
};

const importKindParameter = { name: "kind", in: "path", required: true, schema: { type: "string", enum: [...IMPORT_KINDS] } };

const importOperations: Record<string, Operation> = {
  get: {
    operationId: "describe_csv_import",
    summary: "Columns a CSV import reads",
    description: "The fields of one import kind with their descriptions and accepted column names, the required columns and the size limit.",
    security: [{ oauth2: ["cs:read"] }],
    parameters: [importKindParameter],
    responses: {
      "200": json({
        type: "object",
        properties: {
          kind: { type: "string" },
          fields: { type: "array", items: { type: "object", properties: { name: { type: "string" }, description: { type: "string" }, aliases: { type: "array", items: { type: "string" } } } } },
          required_columns: { type: "array", items: { type: "array", items: { type: "string" } }, description: "Each entry: one of these columns must be present" },
          max_bytes: { type: "integer" },
        },
      }),
      "401": UNAUTHORIZED,
      "404": ERROR_RESPONSE,
    },
  },
  post: {
    // The import_csv tool's twin, which also takes the file itself as a text/csv body.
    operationId: "import_csv",
    summary: "Import a CSV file",
    description: `Accounts, contacts, contracts or invoices from a CSV of at most ${IMPORT_MAX_BYTES / 1024 / 1024} MiB, idempotent on external_id: send the file itself as text/csv (options in the query) or JSON with a csv field. Every rejected row is reported with its row number and reason. See docs/import.md.\n\nMCP tool: \`import_csv\`. Scope: \`cs:admin\`.`,
    security: [{ oauth2: ["cs:admin"] }],
    parameters: [
      importKindParameter,
      { name: "dry_run", in: "query", required: false, schema: { type: "boolean" }, description: "With a text/csv body: validate only" },
      { name: "mapping", in: "query", required: false, schema: { type: "string" }, description: 'With a text/csv body: JSON such as {"name":"Company"}' },
      { name: "delimiter", in: "query", required: false, schema: { type: "string", enum: [",", ";", "tab"] } },
    ],
    requestBody: {
      required: true,
      content: {
        "text/csv": { schema: { type: "string" } },
        "application/json": { schema: toJsonSchema(importOptions.extend({ csv: z.string().min(1) }), "input") },
      },
    },
    responses: {
      "200": json(toJsonSchema(importReport, "output")),
      "400": ERROR_RESPONSE,
      "401": UNAUTHORIZED,
      "403": NEEDS_ADMIN,
      "404": ERROR_RESPONSE,
      "413": ERROR_RESPONSE,
    },
  },
};

const tableParameter = { name: "table", in: "path", required: true, schema: { type: "string" }, description: "A table named by GET /api/v1/export/tables" };
const adminOnly = { security: [{ oauth2: ["cs:admin"] }] };
const adminResponses = { "400": ERROR_RESPONSE, "401": UNAUTHORIZED, "403": NEEDS_ADMIN, "404": ERROR_RESPONSE, "409": ERROR_RESPONSE };
const rows = { type: "array", maxItems: PAGE_ROWS_MAX, items: { type: "object" } };

const backupOperations: Record<string, Record<string, Operation>> = {
  "/export/tables": {
    get: {
      operationId: "export_tables",
      summary: "Tables of a workspace export",
      description: "The workspace id, schema version and every table in restore order. See docs/backup.md.",
      ...adminOnly,
      responses: { "200": json({ type: "object" }), ...adminResponses },
    },
  },
  "/export/{table}": {
    get: {
      operationId: "export_table_page",
      summary: "One page of a table",
      description: `Rows in primary-key order, at most ${PAGE_ROWS_MAX} per page; pass next as after for the following page.`,
      ...adminOnly,
      parameters: [
        tableParameter,
        { name: "after", in: "query", required: false, schema: { type: "string" } },
        { name: "limit", in: "query", required: false, schema: { type: "integer", minimum: 1, maximum: PAGE_ROWS_MAX } },
      ],
      responses: { "200": json({ type: "object", properties: { rows, next: { type: ["string", "null"] } } }), ...adminResponses },
    },
  },
  "/restore/begin": {
    post: {
      operationId: "restore_begin",
      summary: "Begin a restore",
      description: "Only into a workspace with no data; then post each table's pages in the listed order and finish.",
      ...adminOnly,
      responses: { "200": json({ type: "object" }), ...adminResponses },
    },
  },
  "/restore/{table}": {
    post: {
      operationId: "restore_table_page",
      summary: "Restore one page of a table",
      ...adminOnly,
      parameters: [tableParameter],
      requestBody: { required: true, content: { "application/json": { schema: { type: "object", required: ["rows"], properties: { rows } } } } },
      responses: { "200": json({ type: "object" }), ...adminResponses },
    },
  },
  "/restore/finish": {
    post: {
      operationId: "restore_finish",
      summary: "Finish a restore",
      description: "Refreshes derived state (health inputs and scores) and ends the restore.",
      ...adminOnly,
      responses: { "200": json({ type: "object" }), ...adminResponses },
    },
  },
};

/** The non-tool paths under `prefix` (/api/v1), keyed like OpenAPI's `paths`. */
export function routeOperations(prefix: string): Record<string, Record<string, Operation>> {
  const paths: Record<string, Record<string, Operation>> = {
    [`${prefix}/events`]: { post: eventsOperation },
    [`${prefix}/import/{kind}`]: importOperations,
  };
  for (const [path, operations] of Object.entries(backupOperations)) paths[`${prefix}${path}`] = operations;
  return paths;
}

/** The API key scheme of POST /api/v1/events (Bearer csk_…, or Basic with the key as user). */
export const API_KEY_SCHEME = {
  type: "http",
  scheme: "bearer",
  description: "A workspace API key (csk_…) made with create_api_key; HTTP Basic with the key as the username also works.",
};
