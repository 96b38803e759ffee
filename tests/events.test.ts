import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { TenantDO } from "../durable-objects/tenant";
import { adminWorkspace, at, createKey, dayAgo, ingest, mid, postEvents, registerAccount, tool, track, type AdminWorkspace, type IngestAnswer } from "./support/events";
import { callTool, ORIGIN, workerFetch } from "./support/worker";

interface Settings {
  unknown_accounts: "keep" | "reject";
  retention_days: number;
  pending_events: number;
}

async function sqlRows(tenantId: string, query: string, ...params: SqlStorageValue[]): Promise<Record<string, SqlStorageValue>[]> {
  const stub = env.TENANT.get(env.TENANT.idFromName(tenantId));
  return runInDurableObject(stub, (_instance: TenantDO, state) => state.storage.sql.exec<Record<string, SqlStorageValue>>(query, ...params).toArray());
}

/** An account's daily usage as stored, read through the Tenant object. */
async function usage(admin: AdminWorkspace, accountId: string) {
  const outcome = await admin.tenant.accountUsage(accountId, dayAgo(400), dayAgo(-2));
  if (!outcome.ok) throw new Error(outcome.message);
  return outcome.value;
}

describe("POST /api/v1/events: authentication and envelope", () => {
  it("refuses requests without a valid key with 401 saying how to get one, and accepts Bearer and Basic", async () => {
    const admin = await adminWorkspace("Auth Events");
    const key = await createKey(admin.token);
    const event = track({ event: "login", userId: "u1", context: { groupId: "acme" } });

    const missing = await postEvents(null, event);
    expect(missing.status).toBe(401);
    const body = await missing.json<{ error: { code: string; message: string } }>();
    expect(body.error.message).toContain("create_api_key");
    expect(missing.headers.get("WWW-Authenticate")).toContain("Basic");
    expect((await postEvents(`csk_${"x".repeat(43)}`, event)).status).toBe(401);
    expect((await postEvents("not-a-key", event)).status).toBe(401);
    // An OAuth access token is not an events key.
    expect((await postEvents(admin.token, event)).status).toBe(401);

    const basic = await postEvents(null, { ...event, messageId: mid() }, { Authorization: `Basic ${btoa(`${key.secret}:`)}` });
    expect(basic.status).toBe(200);
    expect((await basic.json<IngestAnswer>()).accepted).toBe(1);
    const bearer = await postEvents(key.secret, { ...event, messageId: mid() });
    expect((await bearer.json<IngestAnswer>()).accepted).toBe(1);

    expect((await workerFetch(`${ORIGIN}/api/v1/events`, { headers: { Authorization: `Bearer ${key.secret}` } })).status).toBe(405);
    const notJson = await postEvents(key.secret, "{not json");
    expect(notJson.status).toBe(400);
    expect((await notJson.json<{ error: { message: string } }>()).error.message).toContain("JSON");
    const badBatch = await postEvents(key.secret, { batch: "nope" });
    expect(badBatch.status).toBe(400);
    expect((await badBatch.json<{ error: { message: string } }>()).error.message).toContain("batch");
    expect((await postEvents(key.secret, [event])).status).toBe(400);
  });

  it("answers 413 above 500 events or 512 KiB, by Content-Length and by the bytes actually sent", async () => {
    const admin = await adminWorkspace("Limits Events");
    const key = await createKey(admin.token);
    const accountId = await registerAccount(admin.token);
    const batch = (n: number) => Array.from({ length: n }, (_, i) => track({ event: `f${i % 7}`, userId: `u${i % 40}`, context: { groupId: accountId } }));

    const tooMany = await postEvents(key.secret, { batch: batch(501) });
    expect(tooMany.status).toBe(413);
    expect((await tooMany.json<{ error: { message: string } }>()).error.message).toContain("500");

    // 500 events in one request: one RPC, one transaction, all stored and aggregated.
    const full = await ingest(key.secret, batch(500));
    expect(full).toEqual({ accepted: 500, duplicates: 0, pending: 0, rejected: [] });
    const [today] = await usage(admin, accountId);
    expect(today).toMatchObject({ events: 500, active_users: 40, features_used: 7 });

    const big = JSON.stringify({ batch: [track({ event: "x", userId: "u", context: { groupId: accountId }, properties: { blob: "y".repeat(600 * 1024) } })] });
    const declared = await postEvents(key.secret, big);
    expect(declared.status).toBe(413);
    expect((await declared.json<{ error: { message: string } }>()).error.message).toContain("512 KiB");

    // No Content-Length: the body arrives as a stream and is counted as it is read.
    const bytes = new TextEncoder().encode(big);
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let offset = 0; offset < bytes.length; offset += 64 * 1024) controller.enqueue(bytes.slice(offset, offset + 64 * 1024));
        controller.close();
      },
    });
    const streamed = await workerFetch(`${ORIGIN}/api/v1/events`, {
      method: "POST",
      headers: { Authorization: `Bearer ${key.secret}`, "Content-Type": "application/json" },
      body: stream,
    });
    expect(streamed.status).toBe(413);
    const [after] = await usage(admin, accountId);
    expect(after?.events).toBe(500);
  });
});

describe("POST /api/v1/events: items", () => {
  it("stores good items and reports each malformed one by index and field, never dropping the batch", async () => {
    const admin = await adminWorkspace("Items Events");
    const key = await createKey(admin.token);
    const accountId = await registerAccount(admin.token, { external_id: "crm-42" });
    const future = new Date(Date.now() + 2 * 86_400_000).toISOString();
    const batch = [
      track({ event: "report.created", userId: "u1", context: { groupId: "crm-42" } }),
      { type: "track", event: "x", userId: "u1", context: { groupId: "crm-42" } },
      track({ userId: "u1", context: { groupId: "crm-42" } }),
      track({ event: "x", context: { groupId: "crm-42" } }),
      track({ event: "x", userId: "u1", context: { groupId: "crm-42" }, timestamp: "yesterday" }),
      track({ event: "x", userId: "u1", context: { groupId: "crm-42" }, timestamp: future }),
      track({ event: "x", userId: "u1" }),
      "not an object",
      { type: "alias", messageId: mid(), userId: "u1", context: { groupId: "crm-42" } },
      track({ event: "x", userId: "u1", properties: "flat", context: { groupId: "crm-42" } }),
      { type: "page", messageId: mid(), name: "Dashboard", anonymousId: "anon-1", properties: { accountId } },
    ];
    const answer = await ingest(key.secret, batch);
    expect(answer.accepted).toBe(2);
    expect(answer.pending).toBe(0);
    expect(answer.duplicates).toBe(0);
    expect(answer.rejected.map(({ index, field }) => [index, field])).toEqual([
      [1, "messageId"],
      [2, "event"],
      [3, "userId"],
      [4, "timestamp"],
      [5, "timestamp"],
      [6, "groupId"],
      [7, "item"],
      [8, "type"],
      [9, "properties"],
    ]);
    expect(answer.rejected[0]?.messageId).toBeNull();
    expect(answer.rejected[2]?.messageId).toBe((batch[3] as { messageId: string }).messageId);
    expect(answer.rejected.find((item) => item.index === 5)?.reason).toContain("future");
    expect(answer.rejected.find((item) => item.index === 6)?.reason).toContain("context.groupId");

    const stored = await sqlRows(admin.tenantId, "SELECT account_id, account_ref, type, event, anonymous_id FROM usage_events ORDER BY type DESC");
    expect(stored).toEqual([
      { account_id: accountId, account_ref: "crm-42", type: "track", event: "report.created", anonymous_id: null },
      { account_id: accountId, account_ref: accountId, type: "page", event: "Dashboard", anonymous_id: "anon-1" },
    ]);
  });

  it("is idempotent on messageId: a replayed batch reports duplicates and changes nothing", async () => {
    const admin = await adminWorkspace("Replay Events");
    const key = await createKey(admin.token);
    const accountId = await registerAccount(admin.token);
    const first = track({ event: "search", userId: "u1", groupId: accountId, timestamp: at(1, "09:00:00") });
    const batch = [first, track({ event: "search", userId: "u2", groupId: accountId, timestamp: at(1, "10:00:00") }), { ...first }];
    expect(await ingest(key.secret, batch)).toEqual({ accepted: 2, duplicates: 1, pending: 0, rejected: [] });
    const before = await usage(admin, accountId);
    expect(before).toEqual([
      { day: dayAgo(1), active_users: 2, sessions: 2, events: 2, features_used: 1, features: [{ feature: "search", events: 2, users: 2 }] },
    ]);
    expect(await ingest(key.secret, batch)).toEqual({ accepted: 0, duplicates: 3, pending: 0, rejected: [] });
    expect(await usage(admin, accountId)).toEqual(before);
    expect((await sqlRows(admin.tenantId, "SELECT count(*) AS n FROM usage_events"))[0]?.n).toBe(2);
  });

  it("aggregates distinct users, user-day sessions and features per day, and feeds the health inputs", async () => {
    const admin = await adminWorkspace("Aggregate Events");
    const key = await createKey(admin.token);
    const accountId = await registerAccount(admin.token, { external_id: "agg-1" });
    const other = await registerAccount(admin.token, { external_id: "agg-2" });
    const latest = at(1, "18:30:00");
    await ingest(key.secret, [
      track({ event: "report.created", userId: "u1", context: { groupId: "agg-1" }, timestamp: at(2, "09:00:00") }),
      track({ event: "report.created", userId: "u2", context: { groupId: "agg-1" }, timestamp: at(2, "09:05:00") }),
      track({ event: "report.created", userId: "u1", context: { groupId: "agg-1" }, timestamp: at(2, "11:00:00") }),
      track({ event: "export", userId: "u1", context: { groupId: "agg-1" }, timestamp: at(2, "12:00:00") }),
      // anonymous ids are users of their own, apart from a userId with the same text
      track({ event: "export", anonymousId: "u1", context: { groupId: "agg-1" }, timestamp: at(2, "12:30:00") }),
      { type: "page", messageId: mid(), userId: "u3", name: "Home", properties: { accountId: "agg-1" }, timestamp: at(2, "13:00:00") },
      // identify and group calls are stored but are not activity
      { type: "identify", messageId: mid(), userId: "u4", traits: { accountId: "agg-1", plan: "pro" }, timestamp: at(2, "14:00:00") },
      { type: "group", messageId: mid(), userId: "u5", groupId: "agg-1", traits: { name: "Agg" }, timestamp: at(2, "14:00:00") },
      track({ event: "search", userId: "u2", context: { groupId: "agg-1" }, timestamp: latest }),
      // groupId wins over properties.accountId
      track({ event: "search", userId: "u9", groupId: "agg-2", properties: { accountId: "agg-1" }, timestamp: at(1, "08:00:00") }),
    ]);
    // A later batch on the same day: a known user adds no active user, a new feature counts once.
    await ingest(key.secret, [
      track({ event: "report.created", userId: "u2", context: { groupId: "agg-1" }, timestamp: at(2, "16:00:00") }),
      track({ event: "share", userId: "u2", context: { groupId: "agg-1" }, timestamp: at(2, "16:10:00") }),
    ]);

    expect(await usage(admin, accountId)).toEqual([
      {
        day: dayAgo(2),
        active_users: 4,
        sessions: 4,
        events: 8,
        features_used: 3,
        features: [
          { feature: "export", events: 2, users: 2 },
          { feature: "report.created", events: 4, users: 2 },
          { feature: "share", events: 1, users: 1 },
        ],
      },
      { day: dayAgo(1), active_users: 1, sessions: 1, events: 1, features_used: 1, features: [{ feature: "search", events: 1, users: 1 }] },
    ]);
    expect(await usage(admin, other)).toEqual([
      { day: dayAgo(1), active_users: 1, sessions: 1, events: 1, features_used: 1, features: [{ feature: "search", events: 1, users: 1 }] },
    ]);

    const overview = await tool<{ client: { last_engagement_at: string } }>(admin.token, "get_client_overview", { client_id: accountId });
    expect(overview.client.last_engagement_at).toBe(new Date(latest).toISOString());
    // Health inputs over the last 30 days: max daily active users, summed sessions, max daily features.
    const [features] = await sqlRows(admin.tenantId, "SELECT active_users, logins_30d, features_used FROM account_features WHERE account_id = ?", accountId);
    expect(features).toEqual({ active_users: 4, logins_30d: 5, features_used: 3 });
  });
});

describe("POST /api/v1/events: unknown accounts, tenants, retention", () => {
  it("keeps events for an unknown account as pending and attaches them when it is registered, imported or its external_id is set", async () => {
    const admin = await adminWorkspace("Pending Events");
    const key = await createKey(admin.token);
    const answer = await ingest(key.secret, [
      track({ event: "login", userId: "u1", context: { groupId: "future-co" }, timestamp: at(1, "09:00:00") }),
      track({ event: "login", userId: "u2", context: { groupId: "future-co" }, timestamp: at(1, "10:00:00") }),
      track({ event: "login", userId: "u3", properties: { accountId: "later-co" }, timestamp: at(1, "11:00:00") }),
    ]);
    expect(answer).toEqual({ accepted: 3, duplicates: 0, pending: 3, rejected: [] });
    expect((await tool<Settings>(admin.token, "get_event_settings", {})).pending_events).toBe(3);

    const registered = await registerAccount(admin.token, { external_id: "future-co" });
    expect(await usage(admin, registered)).toEqual([
      { day: dayAgo(1), active_users: 2, sessions: 2, events: 2, features_used: 1, features: [{ feature: "login", events: 2, users: 2 }] },
    ]);
    const overview = await tool<{ client: { last_engagement_at: string } }>(admin.token, "get_client_overview", { client_id: registered });
    expect(overview.client.last_engagement_at).toBe(new Date(at(1, "10:00:00")).toISOString());
    expect((await tool<Settings>(admin.token, "get_event_settings", {})).pending_events).toBe(1);

    const existing = await registerAccount(admin.token);
    expect(await usage(admin, existing)).toEqual([]);
    await tool(admin.token, "update_client_info", { client_id: existing, updates: { external_id: "later-co" } });
    expect((await usage(admin, existing)).map((day) => [day.day, day.active_users, day.events])).toEqual([[dayAgo(1), 1, 1]]);
    expect((await tool<Settings>(admin.token, "get_event_settings", {})).pending_events).toBe(0);

    // An account created by a CSV import picks up its pending events too, and is scored on them.
    await ingest(key.secret, [track({ event: "export", userId: "u9", context: { groupId: "imported-co" }, timestamp: at(1, "12:00:00") })]);
    const report = await tool<{ created: number }>(admin.token, "import_csv", {
      kind: "accounts",
      csv: "external_id,client_name,company_name,tier,contract_value,contract_start_date,contract_end_date\nimported-co,Imported Co,Imported Co Ltd,standard,12000,2026-01-01,2027-01-01\n",
    });
    expect(report.created).toBe(1);
    const [imported] = await sqlRows(admin.tenantId, "SELECT a.id, f.active_users FROM accounts a JOIN account_features f ON f.account_id = a.id WHERE a.external_id = 'imported-co'");
    expect(imported?.active_users).toBe(1);
    expect((await usage(admin, String(imported?.id))).map((day) => [day.day, day.events])).toEqual([[dayAgo(1), 1]]);
    expect((await tool<Settings>(admin.token, "get_event_settings", {})).pending_events).toBe(0);
  });

  it("rejects events for unknown accounts per item when the tenant chooses reject, and validates the settings", async () => {
    const admin = await adminWorkspace("Reject Events");
    const key = await createKey(admin.token);
    const accountId = await registerAccount(admin.token, { external_id: "known" });
    expect(await tool<Settings>(admin.token, "get_event_settings", {})).toEqual({ unknown_accounts: "keep", retention_days: 90, pending_events: 0 });
    expect(await tool<Settings>(admin.token, "update_event_settings", { unknown_accounts: "reject" })).toEqual({
      unknown_accounts: "reject",
      retention_days: 90,
      pending_events: 0,
    });

    const unknown = track({ event: "login", userId: "u1", context: { groupId: "stranger" } });
    const answer = await ingest(key.secret, [track({ event: "login", userId: "u1", context: { groupId: "known" } }), unknown]);
    expect(answer.accepted).toBe(1);
    expect(answer.pending).toBe(0);
    expect(answer.rejected).toHaveLength(1);
    expect(answer.rejected[0]).toMatchObject({ index: 1, messageId: unknown.messageId, field: "context.groupId" });
    expect(answer.rejected[0]?.reason).toContain('"stranger"');
    expect(answer.rejected[0]?.reason).toContain("register_client");
    expect((await usage(admin, accountId))[0]?.events).toBe(1);
    // Nothing of the rejected event was kept, so sending it again once the account exists works.
    await registerAccount(admin.token, { external_id: "stranger" });
    expect((await ingest(key.secret, [unknown])).accepted).toBe(1);

    for (const [args, field] of [
      [{ retention_days: 0 }, "retention_days"],
      [{ retention_days: 731 }, "retention_days"],
      [{ retention_days: 2.5 }, "retention_days"],
      [{ unknown_accounts: "drop" }, "unknown_accounts"],
      [{}, "unknown_accounts or retention_days"],
    ] as const) {
      const { result } = await callTool(admin.token, "update_event_settings", args);
      expect(result?.isError).toBe(true);
      expect(result?.content[0]?.text).toContain(field);
    }
    const audit = await admin.tenant.auditLog(10);
    expect(audit.filter((entry) => entry.action === "update_event_settings")).toHaveLength(1);
  });

  it("never lets a key of tenant A write into tenant B", async () => {
    const alpha = await adminWorkspace("Alpha Events");
    const beta = await adminWorkspace("Beta Events");
    const alphaKey = await createKey(alpha.token);
    const betaAccount = await registerAccount(beta.token, { external_id: "shared-ref" });
    const answer = await ingest(alphaKey.secret, [
      track({ event: "login", userId: "u1", groupId: betaAccount }),
      track({ event: "login", userId: "u1", groupId: "shared-ref" }),
    ]);
    // In tenant A neither reference exists: the events wait there, in A.
    expect(answer).toEqual({ accepted: 2, duplicates: 0, pending: 2, rejected: [] });
    expect(await usage(beta, betaAccount)).toEqual([]);
    expect((await sqlRows(beta.tenantId, "SELECT count(*) AS n FROM usage_events"))[0]?.n).toBe(0);
    expect((await tool<Settings>(alpha.token, "get_event_settings", {})).pending_events).toBe(2);
  });

  it("refuses events older than the retention window and purges raw events past it, keeping the aggregates", async () => {
    const admin = await adminWorkspace("Retention Events");
    const key = await createKey(admin.token);
    const accountId = await registerAccount(admin.token);
    await tool(admin.token, "update_event_settings", { retention_days: 30 });
    const answer = await ingest(key.secret, [
      track({ event: "old", userId: "u1", groupId: accountId, timestamp: at(45, "10:00:00") }),
      track({ event: "login", userId: "u1", groupId: accountId, timestamp: at(3, "10:00:00") }),
      track({ event: "login", userId: "u2", groupId: "not-yet", timestamp: at(3, "10:00:00") }),
    ]);
    expect(answer.accepted).toBe(2);
    expect(answer.rejected.map(({ index, field }) => [index, field])).toEqual([[0, "timestamp"]]);
    expect(answer.rejected[0]?.reason).toContain("30 days");

    // Nothing is older than the window yet.
    expect(await admin.tenant.purgeExpiredEvents(new Date())).toMatchObject({ deleted: 0, more: false });
    const later = new Date(Date.now() + 31 * 86_400_000);
    const purged = await admin.tenant.purgeExpiredEvents(later);
    expect(purged).toMatchObject({ deleted: 2, more: false });
    expect(purged.cutoff).toBe(new Date(later.getTime() - 29 * 86_400_000).toISOString().slice(0, 10));
    expect((await sqlRows(admin.tenantId, "SELECT count(*) AS n FROM usage_events"))[0]?.n).toBe(0);
    expect((await usage(admin, accountId)).map((day) => [day.day, day.events])).toEqual([[dayAgo(3), 1]]);
  });
});
