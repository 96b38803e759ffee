import { McpServer, requireScopes } from "@modelcontextprotocol/server";
import { toolAllowed, type AuthProps } from "../auth/props";
import type { Env } from "../env";
import { catalog } from "../tools/catalog";
import { registerResourcesAndPrompts } from "./resources";
import { sdkSchema } from "./sdk-schema";
import { toolContext } from "../tools/context";
import { ToolError } from "../tools/define";

export const SERVER_INFO = { name: "customer-success-mcp", version: "0.1.0" } as const;

const INSTRUCTIONS =
  "Customer-success workspace: accounts with their contacts, contracts, invoices, usage, touchpoints, tickets and feedback. " +
  "Start with list_clients to find an account's client_id, then get_client_overview or get_client_timeline. " +
  "Health: calculate_health_score explains a score component by component; get_portfolio_health and get_churn_risk give the whole book. " +
  "Every number is computed from the workspace's own data; where data is missing the answer says so.";

/**
 * Everything registration needs, built once per isolate: JSON Schemas cached, and a scope
 * challenge per tool demanding exactly its scope.
 */
const registrations = catalog.map((tool) => ({
  tool,
  config: {
    title: tool.title,
    description: tool.description,
    inputSchema: sdkSchema(tool.input),
    outputSchema: sdkSchema(tool.output),
    annotations: { title: tool.title, ...tool.annotations },
    scopeChallenge: requireScopes(tool.scope),
  },
}));

const registrationByName = new Map(registrations.map((registration) => [registration.tool.name, registration]));

/** Whether `name` is a tool of the catalog (so a request naming it needs only that one registered). */
export function isCatalogTool(name: string): boolean {
  return registrationByName.has(name);
}

/**
 * A fresh MCP server for one request, bound to the caller's tenant. Only registration
 * happens here; every schema was built once at module load.
 *
 * `onlyTool` names the one tool a `tools/call` request calls: the server then registers
 * just that tool, since registering the whole catalog for every call was the largest
 * single cost of a call (see docs/benchmarks.md, bench:mcp). Every other request (initialize,
 * tools/list, resources, prompts, an unknown tool's error) gets the whole server.
 */
export function buildMcpServer(
  env: Env,
  user: AuthProps,
  clientId: string,
  defer: (work: Promise<unknown>) => void,
  scopes: readonly string[] = [],
  origin?: string,
  onlyTool?: string,
): McpServer {
  const server = new McpServer(SERVER_INFO, { instructions: INSTRUCTIONS, capabilities: { tools: {} } });
  const context = toolContext(env, user, `mcp:${clientId}`, defer, origin);
  const only = onlyTool === undefined ? undefined : registrationByName.get(onlyTool);
  // tools/list shows only the tools the person allowed on the consent page (src/auth/tool-consent.ts).
  const listed = only ? [only] : registrations.filter(({ tool }) => toolAllowed(user.tools, tool.name));
  for (const { tool, config } of listed) {
    const run = async (args: unknown) => {
      try {
        const result = await tool.execute(context, args);
        return { content: [{ type: "text" as const, text: JSON.stringify(result) }], structuredContent: result };
      } catch (error) {
        if (error instanceof ToolError) return { isError: true, content: [{ type: "text" as const, text: error.message }] };
        console.error(`tool ${tool.name} failed`, error instanceof Error ? error.name : "unknown error");
        return {
          isError: true,
          content: [{ type: "text" as const, text: `${tool.name} failed on the server; try again, and report it if it keeps failing.` }],
        };
      }
    };
    if (toolAllowed(user.tools, tool.name)) {
      server.registerTool(tool.name, config, run);
    } else {
      // A call of a tool left out: registered without its schemas, so the refusal (define.ts)
      // answers whatever the arguments, rather than "unknown tool" or advice on input it cannot use.
      const { title, description, annotations, scopeChallenge } = config;
      server.registerTool(tool.name, { title, description, annotations, scopeChallenge }, () => run({}));
    }
  }
  if (!only) registerResourcesAndPrompts(server, context, scopes);
  return server;
}
