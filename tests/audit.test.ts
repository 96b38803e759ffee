import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { TenantDO } from "../durable-objects/tenant";
import { apiCall, callTool, newWorkspace, ORIGIN, tenantIdOf, tokenFor } from "./support/worker";

type Entry = { action: string; userId: string; via: string; targetId: string | null; details: string };

/** The audit entry is written after the answer (waitUntil): wait for it a little. */
async function auditEntry(tenantId: string, action: string, count = 1): Promise<Entry[]> {
  const namespace = env.TENANT as DurableObjectNamespace<TenantDO>;
  const stub = namespace.get(namespace.idFromName(tenantId));
  for (let attempt = 0; attempt < 50; attempt++) {
    const entries = ((await stub.auditLog(200)) as Entry[]).filter((entry) => entry.action === action);
    if (entries.length >= count) return entries;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`no ${count} audit entries ${action}`);
}

describe("every tool call is audited", () => {
  it("records reads and refusals with the caller, the client, the arguments and the outcome", async () => {
    const ws = await newWorkspace("Audit Co");
    const tokens = await tokenFor(ws);
    const tenantId = await tenantIdOf(ws.email);
    const created = await callTool(tokens.access_token, "register_client", { client_name: "Acme", company_name: "Acme" });
    const id = (created.result?.structuredContent?.client as { client_id: string }).client_id;

    await callTool(tokens.access_token, "get_client_overview", { client_id: id });
    const [read] = await auditEntry(tenantId, "tool:get_client_overview");
    expect(read?.via).toBe(`mcp:${tokens.client_id}`);
    expect(read?.targetId).toBe(id);
    expect(JSON.parse(read?.details ?? "{}")).toEqual({ arguments: { client_id: id }, outcome: "ok" });

    await callTool(tokens.access_token, "get_client_overview", { client_id: "cs_missing" });
    const refused = (await auditEntry(tenantId, "tool:get_client_overview", 2)).map((e) => JSON.parse(e.details) as { outcome: string; message?: string });
    expect(refused.find((d) => d.outcome === "not_found")?.message).toMatch(/cs_missing/);
  });

  it("redacts secret-looking arguments and summarizes long text on the REST face, also for a refused call", async () => {
    const ws = await newWorkspace("Audit Rest Co");
    const token = (await tokenFor(ws, { resource: ORIGIN })).access_token;
    const tenantId = await tenantIdOf(ws.email);
    const response = await apiCall(token, "/api/v1/clients", {
      method: "POST",
      body: JSON.stringify({ client_name: "Initech", company_name: "Initech", api_token: "sk-live-123", industry: "x".repeat(100), notes: "y".repeat(2_000) }),
    });
    // api_token is not a field of register_client: the call is refused, and logged as given, redacted.
    expect(response.status).toBe(400);
    expect((await response.json<{ error: { message: string } }>()).error.message).toContain('"api_token"');
    const [entry] = await auditEntry(tenantId, "tool:register_client");
    expect(entry?.via).toMatch(/^api:/);
    expect(entry?.targetId).toBeNull();
    const details = JSON.parse(entry?.details ?? "{}") as { arguments: Record<string, unknown>; outcome: string };
    expect(details.outcome).toBe("invalid");
    expect(details.arguments.api_token).toBe("[redacted]");
    expect(details.arguments.notes).toBe("[2000 characters]");
    expect(entry?.details).not.toContain("sk-live-123");
  });

  it("records each of many concurrent calls exactly once, even when they share a batch", async () => {
    const ws = await newWorkspace("Audit Burst Co");
    const tokens = await tokenFor(ws);
    const tenantId = await tenantIdOf(ws.email);
    const calls = Array.from({ length: 40 }, (_, i) => callTool(tokens.access_token, "get_client_overview", { client_id: `cs_burst_${i}` }));
    await Promise.all(calls);
    const entries = await auditEntry(tenantId, "tool:get_client_overview", 40);
    // A moment more, so a doubled batch would show.
    await new Promise((resolve) => setTimeout(resolve, 100));
    const again = await auditEntry(tenantId, "tool:get_client_overview", 40);
    expect(again.length).toBe(entries.length);
    expect(new Set(again.map((entry) => entry.targetId))).toEqual(new Set(Array.from({ length: 40 }, (_, i) => `cs_burst_${i}`)));
    expect(again.length).toBe(40);
  });
});
