import { beforeAll, describe, expect, it } from "vitest";
import { catalog } from "../src/tools/catalog";
import { mcpCall, newWorkspace, tokenFor } from "./support/worker";

let token = "";

beforeAll(async () => {
  token = (await tokenFor(await newWorkspace("Protocol Co"))).access_token;
});

describe("MCP over streamable HTTP", () => {
  it("initializes and lists the core tools with schemas and annotations", async () => {
    const init = await mcpCall(token, {
      jsonrpc: "2.0",
      id: 1,
      method: "initialize",
      params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "test", version: "1" } },
    });
    expect(init.response.status).toBe(200);
    const result = init.message?.result as { serverInfo: { name: string }; capabilities: Record<string, unknown> };
    expect(result.serverInfo.name).toBe("customer-success-mcp");
    expect(result.capabilities.tools).toBeDefined();

    const list = await mcpCall(token, { jsonrpc: "2.0", id: 2, method: "tools/list", params: {} });
    const tools = (list.message?.result as { tools: { name: string; inputSchema: unknown; outputSchema: unknown; annotations: Record<string, unknown> }[] }).tools;
    const core = ["get_client_overview", "get_client_timeline", "list_clients", "register_client", "update_client_info"];
    expect(tools.map((tool) => tool.name)).toEqual(expect.arrayContaining(core));
    expect(tools.map((tool) => tool.name).sort()).toEqual(catalog.map((tool) => tool.name).sort());
    for (const tool of tools) {
      expect(tool.inputSchema, tool.name).toMatchObject({ type: "object" });
      expect(tool.outputSchema, tool.name).toMatchObject({ type: "object" });
      expect(typeof tool.annotations.readOnlyHint, tool.name).toBe("boolean");
    }
    const readOnly = tools.filter((tool) => tool.annotations.readOnlyHint).map((tool) => tool.name).sort();
    expect(readOnly.filter((name) => core.includes(name))).toEqual(["get_client_overview", "get_client_timeline", "list_clients"]);
  });

  it("answers a 2025-era call with one JSON body carrying the CORS headers, and a notification with 202", async () => {
    const list = await mcpCall(token, { jsonrpc: "2.0", id: 3, method: "tools/list", params: {} });
    expect(list.response.status).toBe(200);
    expect(list.response.headers.get("Content-Type")).toMatch(/^application\/json/);
    expect(list.response.headers.get("Access-Control-Allow-Origin")).toBe("*");
    expect(list.response.headers.get("Access-Control-Expose-Headers")).toBe("mcp-session-id");
    expect(list.message).toMatchObject({ jsonrpc: "2.0", id: 3 });
    const notified = await mcpCall(token, { jsonrpc: "2.0", method: "notifications/initialized" });
    expect(notified.response.status).toBe(202);
  });

  it("refuses a 2025-era POST that does not accept both answer types (406) or is not JSON (415)", async () => {
    const body = { jsonrpc: "2.0", id: 4, method: "tools/list", params: {} };
    const jsonOnly = await mcpCall(token, body, { Accept: "application/json" });
    expect(jsonOnly.response.status).toBe(406);
    expect(jsonOnly.message).toMatchObject({ error: { code: -32000, message: expect.stringContaining("text/event-stream") } });
    const plain = await mcpCall(token, JSON.stringify(body), { "Content-Type": "text/plain" });
    expect(plain.response.status).toBe(415);
    expect(plain.message).toMatchObject({ error: { code: -32000, message: expect.stringContaining("application/json") } });
  });

  it("answers malformed JSON with -32700", async () => {
    const { response, message } = await mcpCall(token, "{not json");
    expect(response.status).toBe(400);
    expect((message?.error as { code: number }).code).toBe(-32700);
  });

  it("answers a message that is not JSON-RPC with -32600", async () => {
    const { message } = await mcpCall(token, { hello: "world" });
    expect((message?.error as { code: number }).code).toBe(-32600);
  });

  it("answers an unknown method with -32601", async () => {
    const { message } = await mcpCall(token, { jsonrpc: "2.0", id: 5, method: "accounts/explode", params: {} });
    expect((message?.error as { code: number }).code).toBe(-32601);
  });

  it("answers an unknown tool with an error naming it", async () => {
    const { message } = await mcpCall(token, { jsonrpc: "2.0", id: 6, method: "tools/call", params: { name: "delete_everything", arguments: {} } });
    const error = message?.error as { code: number; message: string } | undefined;
    const result = message?.result as { isError?: boolean; content?: { text: string }[] } | undefined;
    const text = error?.message ?? result?.content?.[0]?.text ?? "";
    expect(error?.code === -32602 || result?.isError === true).toBe(true);
    expect(text).toContain("delete_everything");
  });

  it("answers wrong argument types with an error that names the field", async () => {
    const { message } = await mcpCall(token, {
      jsonrpc: "2.0",
      id: 7,
      method: "tools/call",
      params: { name: "list_clients", arguments: { limit: "lots", tier: ["platinum"] } },
    });
    const error = message?.error as { code: number; message: string } | undefined;
    const result = message?.result as { isError?: boolean; content?: { text: string }[] } | undefined;
    const text = error?.message ?? result?.content?.[0]?.text ?? "";
    expect(error?.code === -32602 || result?.isError === true).toBe(true);
    expect(text).toContain("limit");
    expect(text).toContain("tier");
    expect(text).not.toMatch(/at .*\.(ts|js):\d+/); // no stack trace
  });

  it("refuses an argument the tool does not have instead of ignoring it", async () => {
    // `sort` is not list_clients' field (`sort_by` is): dropping it silently would answer as if sorted.
    const { message } = await mcpCall(token, {
      jsonrpc: "2.0",
      id: 8,
      method: "tools/call",
      params: { name: "list_clients", arguments: { sort: "health_score", limit: 2 } },
    });
    const error = message?.error as { code: number; message: string } | undefined;
    const result = message?.result as { isError?: boolean; content?: { text: string }[] } | undefined;
    const text = error?.message ?? result?.content?.[0]?.text ?? "";
    expect(error?.code === -32602 || result?.isError === true).toBe(true);
    expect(text).toContain('"sort" (did you mean "sort_by"?) is not a field here; the fields are ');
    expect(text).toContain("sort_order");

    const list = await mcpCall(token, { jsonrpc: "2.0", id: 9, method: "tools/list", params: {} });
    const tools = (list.message?.result as { tools: { name: string; inputSchema: { additionalProperties?: unknown } }[] }).tools;
    expect(tools.find((tool) => tool.name === "list_clients")?.inputSchema.additionalProperties).toBe(false);
  });
});
