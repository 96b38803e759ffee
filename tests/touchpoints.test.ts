import { describe, expect, it } from "vitest";
import { callTool, newWorkspace, tokenFor } from "./support/worker";

const DAY = 86_400_000;
const daysAgo = (days: number) => new Date(Date.now() - days * DAY).toISOString();

async function setup(scope?: string) {
  const ws = await newWorkspace("Touch Co");
  const token = (await tokenFor(ws, scope ? { scope, grant: scope.split(" ") } : {})).access_token;
  const ok = async (tool: string, args: Record<string, unknown>) => {
    const { result, message } = await callTool(token, tool, args);
    if (!result || result.isError) throw new Error(`${tool} failed: ${JSON.stringify(message)}`);
    return result.structuredContent as Record<string, unknown>;
  };
  const refusal = async (tool: string, args: Record<string, unknown>) => {
    const { result, message } = await callTool(token, tool, args);
    const error = message?.error as { message: string } | undefined;
    if (error) return error.message;
    expect(result?.isError).toBe(true);
    return result?.content[0]?.text ?? "";
  };
  return { token, ok, refusal };
}

describe("touchpoints", () => {
  it("logs touchpoints that move the engagement component, lists them newest first, and pages", async () => {
    const { ok } = await setup();
    const id = ((await ok("register_client", { client_name: "Acme", company_name: "Acme" })).client as { client_id: string }).client_id;
    const before = await ok("calculate_health_score", { client_id: id });
    expect(before.missing).toContain("engagement");

    await ok("log_touchpoint", { client_id: id, kind: "email", subject: "Kick-off recap", occurred_at: daysAgo(20), opened_at: daysAgo(19), replied_at: daysAgo(18) });
    await ok("log_touchpoint", { client_id: id, kind: "email", subject: "Webinar invite", occurred_at: daysAgo(10) });
    const logged = await ok("log_touchpoint", { client_id: id, kind: "meeting", subject: "QBR", occurred_at: daysAgo(2) });
    expect(logged.health_score).not.toBeNull();

    const scored = await ok("calculate_health_score", { client_id: id });
    expect(scored.missing).not.toContain("engagement");
    const inputs = scored.inputs as Record<string, number | null>;
    expect(inputs.email_open_rate_90d).toBe(0.5);
    expect(inputs.message_reply_rate_90d).toBe(0.5);
    expect(inputs.days_since_last_touch).toBeCloseTo(2, 0);

    const first = await ok("list_touchpoints", { client_id: id, limit: 2 });
    expect((first.touchpoints as { subject: string }[]).map((t) => t.subject)).toEqual(["QBR", "Webinar invite"]);
    const second = await ok("list_touchpoints", { client_id: id, limit: 2, cursor: first.next_cursor });
    expect((second.touchpoints as { subject: string }[]).map((t) => t.subject)).toEqual(["Kick-off recap"]);
    expect(second.next_cursor).toBeNull();
    const timeline = await ok("get_client_timeline", { client_id: id });
    expect(JSON.stringify(timeline)).toContain("QBR");
  });

  it("refuses what cannot have happened, naming the field", async () => {
    const { ok, refusal } = await setup();
    const id = ((await ok("register_client", { client_name: "Bravo", company_name: "Bravo" })).client as { client_id: string }).client_id;
    expect(await refusal("log_touchpoint", { client_id: id, kind: "fax", subject: "x" })).toMatch(/kind/);
    expect(await refusal("log_touchpoint", { client_id: id, kind: "call", subject: "x", opened_at: daysAgo(1), occurred_at: daysAgo(2) })).toMatch(/opened_at/);
    expect(await refusal("log_touchpoint", { client_id: id, kind: "email", subject: "x", occurred_at: daysAgo(1), replied_at: daysAgo(3) })).toMatch(/replied_at/);
    expect(await refusal("log_touchpoint", { client_id: id, kind: "email", subject: "x", occurred_at: new Date(Date.now() + 3 * DAY).toISOString() })).toMatch(/occurred_at/);
    await ok("log_touchpoint", { client_id: id, kind: "email", subject: "x", external_id: "msg-1" });
    expect(await refusal("log_touchpoint", { client_id: id, kind: "email", subject: "x", external_id: "msg-1" })).toMatch(/already logged/);
  });

  it("needs cs:write to log", async () => {
    const { token } = await setup("cs:read");
    const { response } = await callTool(token, "log_touchpoint", { client_id: "cs_x", kind: "note", subject: "x" });
    expect(response.status).toBe(403);
    expect(response.headers.get("WWW-Authenticate") ?? "").toContain("cs:write");
  });
});
