import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import { tenantStub, type TenantDO } from "../../durable-objects/tenant";
import type { IncomingUsageEvent } from "../../src/db/usage-events";
import { basicAuth } from "../../src/integrations/http";
import { providerRequests, scriptFaults } from "../support/fakes";
import { callTool, newWorkspace, tenantIdOf, tokenFor, workerFetch } from "../support/worker";

const ACTOR = { userId: "u-test", via: "system" };
const WEBHOOK_PASSWORD = "e2e-webhook-password-0123456789";

async function connected(label: string, serviceAccount?: { username: string; secret: string }) {
  const ws = await newWorkspace(`${label} Co`);
  const tenantId = await tenantIdOf(ws.email);
  const token = (await tokenFor(ws, { scope: "cs:read cs:write cs:admin" })).access_token;
  const tenant = tenantStub(env.TENANT as DurableObjectNamespace<TenantDO>, tenantId);
  const sa = serviceAccount ?? { username: `sa-e2e-${label.toLowerCase()}-${crypto.randomUUID().slice(0, 8)}`, secret: `secret-${crypto.randomUUID()}` };
  const { result } = await callTool(token, "connect_integration", {
    provider: "mixpanel",
    fields: { project_id: "424242", service_account_username: sa.username, service_account_secret: sa.secret, project_token: "goodtoken123", webhook_username: "mixpanel-e2e", webhook_password: WEBHOOK_PASSWORD },
  });
  expect(result?.isError).toBeFalsy();
  const connection = result?.structuredContent as { test: { ok: boolean; message: string }; integration: { secret_hints: Record<string, string>; settings: Record<string, unknown> } };
  expect(connection.test).toMatchObject({ ok: true });
  expect(JSON.stringify(connection)).not.toContain(sa.secret);
  expect(JSON.stringify(connection)).not.toContain(WEBHOOK_PASSWORD);
  const account = await tenant.registerAccount(
    { client_name: "Acme", company_name: "Acme", industry: "software", tier: "standard", contract_value: 1000, contract_start_date: "2026-01-01", contract_end_date: "2027-12-31", external_id: `acme-${label.toLowerCase()}` },
    ACTOR,
  );
  if (!account.ok) throw new Error(account.message);
  return { tenantId, token, tenant, sa, clientId: account.value.client_id, externalId: `acme-${label.toLowerCase()}` };
}

function post(tenantId: string, body: unknown, auth = basicAuth("mixpanel-e2e", WEBHOOK_PASSWORD)): Promise<Response> {
  return workerFetch(`http://localhost/webhooks/mixpanel/${tenantId}`, { method: "POST", headers: { Authorization: auth, "Content-Type": "application/json" }, body: JSON.stringify(body) });
}

function cohortBody(members: { mixpanel_distinct_id: string; email?: string }[], session = "e2e-session") {
  return { action: "members", parameters: { mixpanel_project_id: "424242", mixpanel_cohort_id: "314", mixpanel_cohort_name: "Trial power users", mixpanel_session_id: session, page_info: { total_pages: 1, page_count: 0 }, members } };
}

function today(offset = 0): string {
  return new Date(Date.now() - offset * 86_400_000).toISOString().slice(0, 10);
}

describe("mixpanel end to end", () => {
  it("a cohort-sync POST is accepted with 202 and becomes a segment; a duplicate delivery has one effect; bad credentials get 401", async () => {
    const { tenantId, token, tenant, clientId, externalId } = await connected("Cohort");
    const body = cohortBody([{ mixpanel_distinct_id: externalId }, { mixpanel_distinct_id: "stranger" }]);
    const first = await post(tenantId, body);
    expect(first.status).toBe(202);
    await vi.waitFor(
      async () => {
        const { result } = await callTool(token, "list_mixpanel_cohorts", {});
        const cohorts = (result?.structuredContent as { cohorts: { accounts: number }[] }).cohorts;
        if (cohorts[0]?.accounts !== 1) throw new Error("not yet");
      },
      { timeout: 10_000, interval: 100 },
    );
    expect((await post(tenantId, body)).status).toBe(202);
    const refused = await post(tenantId, body, basicAuth("mixpanel-e2e", "not-the-password-0123456789"));
    expect(refused.status).toBe(401);
    expect(await refused.text()).not.toContain(WEBHOOK_PASSWORD);
    await vi.waitFor(
      async () => {
        const receipts = await tenant.recentWebhookEvents("mixpanel", 10);
        if (!receipts.ok || receipts.value.length !== 1) throw new Error("waiting for the receipt");
      },
      { timeout: 10_000, interval: 100 },
    );
    // Give the duplicate time to be delivered and deduped, then count its effects.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const timeline = await tenant.timeline(clientId, { limit: 50 } as never);
    if (!timeline.ok) throw new Error(timeline.message);
    expect(timeline.value.events.filter((event) => event.title === 'Entered Mixpanel cohort "Trial power users"')).toHaveLength(1);
    const segments = await tenant.listSegments();
    expect(segments.ok && segments.value.filter((segment) => segment.name === "Mixpanel: Trial power users").map((segment) => segment.member_count)).toEqual([1]);
  }, 30_000);

  it("export_usage_to_mixpanel answers with a job at once; the queue imports the events (after a 429) and the job shows them sent", async () => {
    const { token, tenant, sa, clientId, externalId } = await connected("Export");
    const events: IncomingUsageEvent[] = Array.from({ length: 5 }, (_, i) => ({
      index: i,
      messageId: `e2e-export-${externalId}-${i}`,
      type: "track",
      event: "report_built",
      userId: `user-${i % 2}`,
      anonymousId: null,
      accountRef: externalId,
      accountRefField: "context.groupId",
      properties: "{}",
      occurredAt: `${today(1)}T0${i}:00:00.000Z`,
    }));
    expect((await tenant.ingestUsageEvents(events)).ok).toBe(true);
    const authorization = basicAuth(sa.username, sa.secret);
    await scriptFaults({ host: "api.mixpanel.com", authorization, path_prefix: "/import", responses: [{ status: 429, headers: { "Retry-After": "1" }, body: '{"error":"too many requests"}' }] });
    const { result } = await callTool(token, "export_usage_to_mixpanel", { client_id: clientId, days: 3 });
    expect(result?.isError).toBeFalsy();
    const started = result?.structuredContent as { job_id: string; events: number; deliveries: number };
    expect(started).toMatchObject({ events: 5, deliveries: 1 });
    await vi.waitFor(
      async () => {
        const job = await tenant.integrationJob(started.job_id);
        if (!job.ok || job.value.status !== "sent") throw new Error(`job is ${job.ok ? job.value.status : job.message}`);
      },
      { timeout: 20_000, interval: 200 },
    );
    const imports = (await providerRequests("api.mixpanel.com", authorization)).filter((request) => request.path.startsWith("/import"));
    expect(imports).toHaveLength(2);
    const sent = JSON.parse(imports[1]!.body) as { properties: { $insert_id: string; account_id: string } }[];
    expect(sent).toHaveLength(5);
    expect(new Set(sent.map((event) => event.properties.$insert_id)).size).toBe(5);
    expect(sent.every((event) => event.properties.account_id === externalId)).toBe(true);
    const job = await callTool(token, "get_integration_job", { job_id: started.job_id });
    expect((job.result?.structuredContent as { items: { sent: number } }).items.sent).toBe(5);

  });

  it("pull_mixpanel_usage stores what Mixpanel counts for the account and refuses when Mixpanel is not connected", async () => {
    const { token, tenant, sa, clientId, externalId } = await connected("Usage");
    // Put events for this account into the fake project, as an import from elsewhere would.
    const importResponse = await fetch("https://api.mixpanel.com/import?strict=1&project_id=424242", {
      method: "POST",
      headers: { Authorization: basicAuth(sa.username, sa.secret), "Content-Type": "application/json" },
      body: JSON.stringify(
        Array.from({ length: 4 }, (_, i) => ({ event: "dashboard_viewed", properties: { time: Date.parse(`${today(2)}T10:00:00Z`) + i, distinct_id: `person-${i % 2}`, $insert_id: `pull-${externalId}-${i}`, account_id: externalId } })),
      ),
    });
    expect(importResponse.status).toBe(200);
    const { result } = await callTool(token, "pull_mixpanel_usage", { client_id: clientId, events: ["dashboard_viewed"], days: 7 });
    expect(result?.isError).toBeFalsy();
    expect(result?.structuredContent).toMatchObject({ account_ref: externalId, queries: 1, pulled: 4, accepted: 4, duplicates: 0, truncated: false });
    const usage = await tenant.accountUsage(clientId, today(2), today(2));
    expect(usage.ok && usage.value[0]).toMatchObject({ active_users: 2, events: 4 });
    const again = await callTool(token, "pull_mixpanel_usage", { client_id: clientId, events: ["dashboard_viewed"], days: 7 });
    expect(again.result?.structuredContent).toMatchObject({ pulled: 4, accepted: 0, duplicates: 4 });

    const bare = await newWorkspace("Unconnected Co");
    const bareToken = (await tokenFor(bare, { scope: "cs:read cs:write" })).access_token;
    const bareTenant = tenantStub(env.TENANT as DurableObjectNamespace<TenantDO>, await tenantIdOf(bare.email));
    const account = await bareTenant.registerAccount({ client_name: "B", company_name: "B", industry: "x", tier: "starter", contract_value: 1, contract_start_date: "2026-01-01", contract_end_date: "2027-01-01" }, ACTOR);
    if (!account.ok) throw new Error(account.message);
    const refused = await callTool(bareToken, "pull_mixpanel_usage", { client_id: account.value.client_id, events: ["x"] });
    expect(refused.result?.isError).toBe(true);
    expect(refused.result?.content[0]?.text).toContain("connect_integration");
  });

  it("reset_mixpanel_webhook_credentials shows a new password once; the old one stops working", async () => {
    const { tenantId, token } = await connected("Reset");
    const { result } = await callTool(token, "reset_mixpanel_webhook_credentials", {});
    const fresh = result?.structuredContent as { webhook_url: string; username: string; password: string };
    expect(fresh.webhook_url).toContain(`/webhooks/mixpanel/${tenantId}`);
    expect(fresh.username).toBe("mixpanel-e2e");
    expect(fresh.password).toMatch(/^[0-9a-f]{48}$/);
    const body = cohortBody([], "reset-session");
    expect((await post(tenantId, body)).status).toBe(401);
    expect((await post(tenantId, body, basicAuth(fresh.username, fresh.password))).status).toBe(202);
    const list = await callTool(token, "list_integrations", {});
    expect(JSON.stringify(list.result?.structuredContent)).not.toContain(fresh.password);
  });
});
