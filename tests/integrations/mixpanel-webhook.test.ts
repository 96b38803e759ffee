import { describe, expect, it } from "vitest";
import { basicAuth } from "../../src/integrations/http";
import { mixpanel } from "../../src/integrations/mixpanel";
import { mixpanelConnectionSchema } from "../../src/integrations/mixpanel/connection";
import { sameSecret } from "../../src/integrations/mixpanel/webhook";
import type { ConnectionFields, WebhookVerification } from "../../src/integrations/provider";

const tenantA = mixpanelConnectionSchema.parse({ project_id: "424242", service_account_username: "sa", service_account_secret: "s", webhook_username: "mixpanel-a", webhook_password: "password-of-tenant-a-0123456789" });
const tenantB = mixpanelConnectionSchema.parse({ project_id: "424242", service_account_username: "sa", service_account_secret: "s", webhook_username: "mixpanel-a", webhook_password: "password-of-tenant-b-0123456789" });

const delivery = {
  action: "members",
  parameters: {
    mixpanel_project_id: "424242",
    mixpanel_cohort_id: "9001",
    mixpanel_cohort_name: "Power users",
    mixpanel_cohort_description: "",
    mixpanel_session_id: "sess-1",
    page_info: { total_pages: 2, page_count: 0 },
    members: [
      { email: "Ada@Example.com", mixpanel_distinct_id: "u-1", first_name: "Ada", last_name: "L" },
      { mixpanel_distinct_id: "u-2" },
      { first_name: "nobody" },
    ],
  },
};

function verify(connection: ConnectionFields, headers: Record<string, string>, body: string | Uint8Array = JSON.stringify(delivery), now = new Date("2026-11-22T10:00:00Z")): Promise<WebhookVerification> {
  const bytes = typeof body === "string" ? new TextEncoder().encode(body) : body;
  if (!mixpanel.verifyWebhook) throw new Error("mixpanel has no verifyWebhook");
  return mixpanel.verifyWebhook(connection, { headers: new Headers(headers), body: bytes, now });
}

const goodAuth = basicAuth("mixpanel-a", "password-of-tenant-a-0123456789");

function refused(result: WebhookVerification): { status: number; reason: string } {
  if (result.ok) throw new Error("expected a refusal");
  return result;
}

describe("mixpanel cohort-sync webhook", () => {
  it("accepts the tenant's Basic credentials and turns the page into one event with cohort/action/session/page as id", async () => {
    const result = await verify(tenantA, { Authorization: goodAuth });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.events).toEqual([
      {
        id: "9001:members:sess-1:0",
        type: "cohort.members",
        occurredAt: "2026-11-22T10:00:00.000Z",
        data: {
          action: "members",
          cohort_id: "9001",
          cohort_name: "Power users",
          project_id: "424242",
          session_id: "sess-1",
          page: 0,
          total_pages: 2,
          part: 0,
          parts: 1,
          members: [
            { distinct_id: "u-1", email: "ada@example.com" },
            { distinct_id: "u-2", email: null },
          ],
        },
      },
    ]);
  });

  it.each([
    ["another tenant's password", { Authorization: basicAuth("mixpanel-a", "password-of-tenant-b-0123456789") }, "do not match"],
    ["one flipped byte", { Authorization: basicAuth("mixpanel-a", "password-of-tenant-a-0123456788") }, "do not match"],
    ["a wrong username", { Authorization: basicAuth("mixpanel-b", "password-of-tenant-a-0123456789") }, "do not match"],
    ["an empty password", { Authorization: basicAuth("mixpanel-a", "") }, "do not match"],
    ["a missing header", {}, "Authorization header is missing"],
    ["a bearer token", { Authorization: "Bearer password-of-tenant-a-0123456789" }, "not HTTP Basic"],
    ["bad base64", { Authorization: "Basic %%%not-base64%%%" }, "not HTTP Basic"],
    ["base64 of bytes that are not UTF-8", { Authorization: `Basic ${btoa("\xff\xfe:\xff")}` }, "not valid base64 of UTF-8"],
    ["no colon", { Authorization: `Basic ${btoa("mixpanel-a")}` }, "no username:password"],
  ])("refuses %s with 401 naming the Authorization header, never echoing the secret", async (_label, headers, reason) => {
    const result = refused(await verify(tenantA, headers));
    expect(result.status).toBe(401);
    expect(result.reason).toContain("Authorization");
    expect(result.reason).toContain(reason);
    expect(result.reason).not.toContain("password-of-tenant");
  });

  it("refuses tenant B's webhook with tenant A's credentials", async () => {
    expect(refused(await verify(tenantB, { Authorization: goodAuth })).status).toBe(401);
  });

  it.each([
    ["not JSON", "{action: members", "not JSON"],
    ["an array", "[]", "JSON object"],
    ["an unknown action", JSON.stringify({ ...delivery, action: "delete_cohort" }), "action must be one of"],
    ["no cohort id", JSON.stringify({ action: "members", parameters: { members: [] } }), "mixpanel_cohort_id"],
    ["members not a list", JSON.stringify({ action: "members", parameters: { mixpanel_cohort_id: 1, members: "all" } }), "parameters.members"],
  ])("refuses a body that is %s with 400 naming the field", async (_label, body, reason) => {
    const result = refused(await verify(tenantA, { Authorization: goodAuth }, body));
    expect(result.status).toBe(400);
    expect(result.reason).toContain(reason);
  });

  it("gives a re-serialized or later redelivery the same event id, so it dedupes (Mixpanel signs no body and no timestamp)", async () => {
    const reserialized = JSON.stringify(JSON.parse(JSON.stringify(delivery)), null, 2);
    const first = await verify(tenantA, { Authorization: goodAuth });
    const again = await verify(tenantA, { Authorization: goodAuth }, reserialized, new Date("2026-11-23T10:00:00Z"));
    if (!first.ok || !again.ok) throw new Error("expected both accepted");
    expect(again.events[0]?.id).toBe(first.events[0]?.id);
    const nextPage = await verify(tenantA, { Authorization: goodAuth }, JSON.stringify({ ...delivery, parameters: { ...delivery.parameters, page_info: { total_pages: 2, page_count: 1 } } }));
    if (!nextPage.ok) throw new Error("expected accepted");
    expect(nextPage.events[0]?.id).toBe("9001:members:sess-1:1");
  });

  it("without a session id, identifies the delivery by its exact body", async () => {
    const { mixpanel_session_id: _dropped, ...parameters } = delivery.parameters;
    const body = JSON.stringify({ action: "add_members", parameters });
    const first = await verify(tenantA, { Authorization: goodAuth }, body);
    const same = await verify(tenantA, { Authorization: goodAuth }, body);
    const other = await verify(tenantA, { Authorization: goodAuth }, JSON.stringify({ action: "add_members", parameters: { ...parameters, members: [] } }));
    if (!first.ok || !same.ok || !other.ok) throw new Error("expected accepted");
    expect(first.events[0]?.id).toMatch(/^9001:add_members:body-[0-9a-f]{32}:0$/);
    expect(same.events[0]?.id).toBe(first.events[0]?.id);
    expect(other.events[0]?.id).not.toBe(first.events[0]?.id);
  });

  it("splits a page too big for one queue message into parts, each under the limit, with their own ids", async () => {
    const members = Array.from({ length: 3000 }, (_, i) => ({ email: `user-${i}@example-company.test`, mixpanel_distinct_id: `distinct-${i}-${"x".repeat(20)}` }));
    const body = JSON.stringify({ ...delivery, parameters: { ...delivery.parameters, members } });
    const result = await verify(tenantA, { Authorization: goodAuth }, body);
    if (!result.ok) throw new Error(result.reason);
    expect(result.events.length).toBeGreaterThan(1);
    expect(result.events.map((event) => event.id)).toEqual(result.events.map((_, i) => `9001:members:sess-1:0.${i}`));
    for (const event of result.events) {
      expect(JSON.stringify(event).length).toBeLessThan(100_000);
      expect(event.data).toMatchObject({ parts: result.events.length, page: 0, total_pages: 2 });
    }
    const all = result.events.flatMap((event) => event.data.members as { distinct_id: string }[]);
    expect(all.map((member) => member.distinct_id)).toEqual(members.map((member) => member.mixpanel_distinct_id));
  });

  it("compares secrets by digest: equal only when equal, whatever the lengths", async () => {
    expect(await sameSecret("abc", "abc")).toBe(true);
    expect(await sameSecret("abc", "abd")).toBe(false);
    expect(await sameSecret("abc", "abcd")).toBe(false);
    expect(await sameSecret("", "")).toBe(true);
  });
});
