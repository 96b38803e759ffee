import { catalog } from "../tools/catalog";
import { API_KEY_SCHEME, ERROR_RESPONSE, routeOperations, toJsonSchema as jsonSchema } from "./openapi-routes";
import { API_PREFIX } from "./rest";

/**
 * The OpenAPI 3.1 document of the REST API: every tool's twin, generated from the catalog's zod
 * schemas (zod's own JSON Schema output, which OpenAPI 3.1 accepts as is), and the routes that
 * are not a tool's (events, CSV import, export and restore; src/api/openapi-routes.ts).
 */

type JsonSchema = Record<string, unknown>;

export function openApiDocument(origin: string): JsonSchema {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const tool of catalog) {
    const input = jsonSchema(tool.input, "input");
    const properties = (input.properties ?? {}) as Record<string, JsonSchema>;
    const required = new Set((input.required ?? []) as string[]);
    const pathParams = [...tool.rest.path.matchAll(/\{(\w+)\}/g)].map((match) => match[1] as string);
    const parameters: unknown[] = pathParams.map((name) => ({ name, in: "path", required: true, schema: properties[name] ?? { type: "string" } }));
    const bodyProperties = Object.fromEntries(Object.entries(properties).filter(([name]) => !pathParams.includes(name)));
    const usesQuery = tool.rest.method === "GET" || tool.rest.method === "DELETE";
    if (usesQuery) {
      for (const [name, schema] of Object.entries(bodyProperties)) {
        const isList = schema.type === "array";
        parameters.push({ name, in: "query", required: required.has(name), schema, ...(isList ? { style: "form", explode: false } : {}) });
      }
    }
    const operation: Record<string, unknown> = {
      operationId: tool.name,
      summary: tool.title,
      description: `${tool.description}\n\nMCP tool: \`${tool.name}\`. Scope: \`${tool.scope}\`.`,
      security: [{ oauth2: [tool.scope] }],
      parameters,
      responses: {
        [tool.rest.method === "POST" ? "201" : "200"]: {
          description: "Success",
          content: { "application/json": { schema: jsonSchema(tool.output, "output") } },
        },
        "400": ERROR_RESPONSE,
        "401": { description: "Missing, expired or revoked token; the WWW-Authenticate header says where to get one." },
        "403": { description: "The token lacks the scope this operation needs (insufficient_scope)." },
        "404": ERROR_RESPONSE,
      },
    };
    if (!usesQuery) {
      operation.requestBody = {
        required: true,
        content: {
          "application/json": {
            schema: { type: "object", properties: bodyProperties, required: [...required].filter((name) => !pathParams.includes(name)) },
          },
        },
      };
    }
    const path = `${API_PREFIX}${tool.rest.path}`;
    paths[path] = { ...paths[path], [tool.rest.method.toLowerCase()]: operation };
  }
  Object.assign(paths, routeOperations(API_PREFIX));
  return {
    openapi: "3.1.0",
    info: {
      title: "Customer Success MCP REST API",
      version: "1.0.0",
      description:
        "The REST twin of the MCP tool catalog (each such operation is the MCP tool of the same operationId), plus usage events, CSV import, and export and restore of a workspace.",
    },
    servers: [{ url: origin }],
    paths,
    components: {
      securitySchemes: {
        apiKey: API_KEY_SCHEME,
        oauth2: {
          type: "oauth2",
          flows: {
            authorizationCode: {
              authorizationUrl: `${origin}/authorize`,
              tokenUrl: `${origin}/oauth/token`,
              scopes: { "cs:read": "Read", "cs:write": "Write", "cs:admin": "Administer" },
            },
          },
        },
      },
    },
  };
}
