import { beforeAll, describe, expect, it } from "vitest";
import { catalog } from "../src/tools/catalog";
import { apiCall, newWorkspace, ORIGIN, tokenFor, workerFetch } from "./support/worker";

let token = "";

beforeAll(async () => {
  token = (await tokenFor(await newWorkspace("REST Co"), { resource: ORIGIN })).access_token;
});

describe("REST twin of the catalog", () => {
  it("registers, reads, updates and lists accounts, and shows the timeline", async () => {
    const created = await apiCall(token, "/api/v1/clients", {
      method: "POST",
      body: JSON.stringify({ client_name: "Rest One", company_name: "Rest One GmbH", tier: "professional", contract_value: 42000 }),
    });
    expect(created.status).toBe(201);
    const { client } = await created.json<{ client: { client_id: string } }>();

    const overview = await apiCall(token, `/api/v1/clients/${client.client_id}`);
    expect(overview.status).toBe(200);
    expect((await overview.json<{ client: { company_name: string } }>()).client.company_name).toBe("Rest One GmbH");

    const patched = await apiCall(token, `/api/v1/clients/${client.client_id}`, { method: "PATCH", body: JSON.stringify({ updates: { tier: "enterprise" } }) });
    expect(patched.status).toBe(200);
    expect((await patched.json<{ changed_fields: unknown[] }>()).changed_fields).toEqual([{ field: "tier", from: "professional", to: "enterprise" }]);

    const listed = await apiCall(token, "/api/v1/clients?tier=enterprise,starter&sort_by=contract_value&sort_order=desc&limit=5");
    expect(listed.status).toBe(200);
    const list = await listed.json<{ clients: { client_id: string }[]; summary: { total_count: number } }>();
    expect(list.clients.map((entry) => entry.client_id)).toContain(client.client_id);
    // A health filter leaves out accounts that have not been scored yet.
    const scored = await apiCall(token, "/api/v1/clients?health_score_max=100");
    expect((await scored.json<{ summary: { total_count: number } }>()).summary.total_count).toBe(0);

    const timeline = await apiCall(token, `/api/v1/clients/${client.client_id}/timeline?event_types=contract`);
    expect((await timeline.json<{ events: { title: string }[] }>()).events.map((event) => event.title)).toEqual(["Updated tier"]);
  });

  it("answers bad input with 400 naming the field, unknown ids with 404, bad JSON with 400", async () => {
    const bad = await apiCall(token, "/api/v1/clients?limit=lots&tier=gold");
    expect(bad.status).toBe(400);
    const refusal = (await bad.json<{ error: { message: string; fields: Record<string, string> } }>()).error;
    expect(refusal.message).toContain("limit");
    expect(refusal.message).toContain("tier");
    // The same problems by field, for a client to show beside each.
    expect(Object.keys(refusal.fields).sort()).toEqual(["limit", "tier.0"]);
    expect(refusal.message).toContain(`limit: ${refusal.fields.limit}`);
    expect((await apiCall(token, "/api/v1/clients/cs_nothere")).status).toBe(404);
    const notJson = await apiCall(token, "/api/v1/clients", { method: "POST", body: "{oops" });
    expect(notJson.status).toBe(400);
    expect((await apiCall(token, "/api/v1/nothing-here")).status).toBe(404);
    // A misspelled segment: the route it most likely meant.
    const typo = await apiCall(token, "/api/v1/clients/cs_nothere/timline");
    expect(typo.status).toBe(404);
    expect((await typo.json<{ error: { message: string } }>()).error.message).toContain("did you mean GET /api/v1/clients/{client_id}/timeline (get_client_timeline)?");
    // A path that is a route, asked with a method it does not take: 405 with Allow.
    const wrongMethod = await apiCall(token, "/api/v1/clients/cs_nothere", { method: "DELETE" });
    expect(wrongMethod.status).toBe(405);
    expect(wrongMethod.headers.get("Allow")).toBe("GET, PATCH");
    expect((await wrongMethod.json<{ error: { code: string; message: string } }>()).error).toEqual({
      code: "method_not_allowed",
      message: "DELETE is not a method of this path; it takes GET /api/v1/clients/{client_id} (get_client_overview), PATCH /api/v1/clients/{client_id} (update_client_info).",
    });
    const misspelled = await apiCall(token, "/api/v1/clients?sort=name");
    expect(misspelled.status).toBe(400);
    const unknown = (await misspelled.json<{ error: { message: string; fields: Record<string, string> } }>()).error;
    expect(unknown.message).toContain('"sort" (did you mean "sort_by"?) is not a field here');
    expect(unknown.fields).toEqual({ "": unknown.message });
    const notFound = await (await apiCall(token, "/api/v1/clients/cs_nothere")).json<{ error: { code: string; fields?: unknown } }>();
    expect(notFound.error).toMatchObject({ code: "not_found" });
    expect(notFound.error.fields).toBeUndefined();
  });

  it("describes every tool in /openapi.json with its scope and schemas", async () => {
    const document = await (await workerFetch(`${ORIGIN}/openapi.json`)).json<{ paths: Record<string, Record<string, { operationId: string; security: unknown; responses: Record<string, unknown> }>> }>();
    const operations = Object.values(document.paths).flatMap((methods) => Object.values(methods));
    const routesBesideTools = ["send_usage_events", "describe_csv_import", "export_tables", "export_table_page", "restore_begin", "restore_table_page", "restore_finish"];
    expect(operations.map((operation) => operation.operationId).sort()).toEqual([...catalog.map((tool) => tool.name), ...routesBesideTools].sort());
    const list = document.paths["/api/v1/clients"]?.get;
    expect(list?.security).toEqual([{ oauth2: ["cs:read"] }]);
    expect(JSON.stringify(list?.responses["200"])).toContain("next_cursor");
  });

  it("describes the routes that are not a tool's: events with an API key, CSV import as a file, export and restore", async () => {
    type Operation = { operationId: string; security: unknown; requestBody?: { content: Record<string, unknown> }; responses: Record<string, unknown> };
    const document = await (await workerFetch(`${ORIGIN}/openapi.json`)).json<{
      paths: Record<string, Record<string, Operation>>;
      components: { securitySchemes: Record<string, { type: string; scheme?: string }> };
    }>();
    const events = document.paths["/api/v1/events"]?.post;
    expect(events?.security).toEqual([{ apiKey: [] }]);
    expect(document.components.securitySchemes.apiKey).toMatchObject({ type: "http", scheme: "bearer" });
    expect(JSON.stringify(events?.requestBody)).toContain("messageId");
    const upload = document.paths["/api/v1/import/{kind}"]?.post;
    expect(upload?.security).toEqual([{ oauth2: ["cs:admin"] }]);
    expect(Object.keys(upload?.requestBody?.content ?? {}).sort()).toEqual(["application/json", "text/csv"]);
    expect(JSON.stringify(upload?.responses["200"])).toContain("errors_omitted");
    for (const path of ["/api/v1/export/tables", "/api/v1/export/{table}", "/api/v1/restore/begin", "/api/v1/restore/{table}", "/api/v1/restore/finish"]) {
      const operations = Object.values(document.paths[path] ?? {});
      expect(operations.length, path).toBe(1);
      expect(operations[0]?.security, path).toEqual([{ oauth2: ["cs:admin"] }]);
    }
  });
});
