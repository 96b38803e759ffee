import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { drizzle } from "drizzle-orm/durable-sqlite";
import { describe, expect, it } from "vitest";
import type { TenantDO } from "../../durable-objects/tenant";
import { tenantStub } from "../../durable-objects/tenant";
import { INBOUND_HANDLERS, InboundBatch } from "../../src/db/inbound";
import * as schema from "../../src/db/tenant-schema";
import { apiCall, callTool, newWorkspace, ORIGIN, tenantIdOf, tokenFor } from "../support/worker";

const namespace = env.TENANT as DurableObjectNamespace<TenantDO>;
const ACTOR = { userId: "u-test", via: "system" };

describe("mixpanel tools", () => {
  it("lists synced cohorts with their segment and matched members, over MCP and REST", async () => {
    const workspace = await newWorkspace();
    const token = (await tokenFor(workspace)).access_token;
    const tenantId = await tenantIdOf(workspace.email);
    const tenant = tenantStub(namespace, tenantId);
    const created = await tenant.registerAccount(
      { client_name: "Acme", company_name: "Acme", industry: "software", tier: "standard", contract_value: 1000, contract_start_date: "2026-01-01", contract_end_date: "2027-01-01", external_id: "acme-tools" },
      ACTOR,
    );
    if (!created.ok) throw new Error(created.message);
    await runInDurableObject(namespace.get(namespace.idFromName(tenantId)), (_instance: TenantDO, state) => {
      const db = drizzle(state.storage, { schema });
      db.transaction((tx) =>
        INBOUND_HANDLERS.mixpanel?.(
          tx,
          { id: "5:members:s:0", type: "cohort.members", occurredAt: "2026-11-22T10:00:00Z", data: { action: "members", cohort_id: "5", cohort_name: "Churn risk", session_id: "s", page: 0, total_pages: 1, members: [{ distinct_id: "acme-tools", email: null }, { distinct_id: "x", email: "x@y.test" }] } },
          new Date(),
          new InboundBatch(),
        ),
      );
    });
    const { result } = await callTool(token, "list_mixpanel_cohorts", {});
    expect(result?.isError).toBeFalsy();
    const cohorts = (result?.structuredContent as { cohorts: { cohort_id: string; name: string; segment_id: string; members: number; matched_members: number; accounts: number }[] }).cohorts;
    expect(cohorts).toEqual([expect.objectContaining({ cohort_id: "5", name: "Churn risk", members: 2, matched_members: 1, accounts: 1 })]);
    const members = await callTool(token, "list_segment_members", { segment_id: cohorts[0]!.segment_id });
    expect((members.result?.structuredContent as { members: { client_id: string }[] }).members.map((member) => member.client_id)).toEqual([created.value.client_id]);
    const restToken = (await tokenFor(workspace, { resource: ORIGIN })).access_token;
    const rest = await apiCall(restToken, "/api/v1/integrations/mixpanel/cohorts");
    expect(rest.status).toBe(200);
    expect(((await rest.json()) as { cohorts: unknown[] }).cohorts).toHaveLength(1);
  });
});
