/**
 * `npm run bench:tools`: how fast list_clients and get_portfolio_health answer on a workspace
 * with 100,000 accounts, one request at a time, on the real local server (wrangler dev).
 *
 * Seeding goes through the product's own front doors: the accounts through the CSV import API,
 * then one usage event per account through POST /api/v1/events (so every account has a real
 * health score and snapshot). Then each tool is called BENCH_CALLS times in a row over MCP:
 *   list_clients     pages of 25 in four shapes (default order, by health, a tier filter,
 *                    and the next page through the cursor)
 *   portfolio live   get_portfolio_health with max_age_seconds 0 (computed by the Tenant object)
 *   portfolio cached get_portfolio_health as dashboards call it (KV, at most 60 s old)
 * The Tenant object keeps whole-tenant answers while no data changes, so the repeated calls
 * above are mostly served from it; the "uncached" runs write (update_client_info, not timed)
 * before every call, so each call computes its summary and portfolio afresh.
 * The last line printed is one line of JSON with list_p95_ms and portfolio_p95_ms (live).
 *
 * Environment: BENCH_ACCOUNTS (default 100000), BENCH_CALLS (default 200).
 */
import { startLocalServer } from "./lib/local-server.ts";
import { wholeFromEnv as whole } from "./lib/env-number.ts";
import { freshWorkspaceToken, authorize, registerOAuthClient } from "./lib/oauth-flow.ts";

const ACCOUNTS = whole("BENCH_ACCOUNTS", 100_000);
const CALLS = whole("BENCH_CALLS", 200);
const ROWS_PER_IMPORT = 20_000;
const EVENTS_PER_BATCH = 500;
const TIERS = ["starter", "standard", "professional", "enterprise"] as const;

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const index = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1);
  return Math.round((sorted[Math.max(0, index)] ?? Number.NaN) * 10) / 10;
}

function summary(samples: number[]): { p50: number; p95: number; max: number } {
  const sorted = [...samples].sort((a, b) => a - b);
  return { p50: percentile(sorted, 50), p95: percentile(sorted, 95), max: percentile(sorted, 100) };
}

async function main(): Promise<void> {
  const server = await startLocalServer({ timeoutMs: 120_000 });
  try {
    const origin = server.origin;
    const fetcher = (url: string, init?: RequestInit) => fetch(url, init);
    const scope = "cs:read cs:write cs:admin";
    const { tokens: mcpTokens, browser } = await freshWorkspaceToken(origin, fetcher, { scope, organization: "Bench Tools Co" });
    const restClient = await registerOAuthClient(origin, fetcher, "bench:tools");
    const rest = await authorize(browser, restClient, { scope, resource: origin });
    const restToken = rest.tokens?.access_token ?? "";
    const mcpToken = mcpTokens.access_token;

    let rpcId = 0;
    const callTool = async (name: string, args: Record<string, unknown>): Promise<Record<string, unknown>> => {
      const response = await fetch(`${origin}/mcp`, {
        method: "POST",
        headers: { Authorization: `Bearer ${mcpToken}`, "Content-Type": "application/json", Accept: "application/json, text/event-stream", "MCP-Protocol-Version": "2025-06-18" },
        body: JSON.stringify({ jsonrpc: "2.0", id: ++rpcId, method: "tools/call", params: { name, arguments: args } }),
      });
      // The server may answer as an SSE stream of one message.
      const text = await response.text();
      const json = text.startsWith("event:") || text.startsWith("data:") ? (text.split("\n").find((line) => line.startsWith("data: ")) ?? "").slice(6) : text;
      const message = JSON.parse(json) as { result?: { isError?: boolean; structuredContent?: Record<string, unknown>; content?: { text: string }[] } };
      if (!message.result || message.result.isError) throw new Error(`${name} failed: ${JSON.stringify(message).slice(0, 300)}`);
      return message.result.structuredContent ?? {};
    };

    // ---- seed: accounts through the import API ----
    const seedStarted = performance.now();
    for (let start = 0; start < ACCOUNTS; start += ROWS_PER_IMPORT) {
      const lines = ["external_id,name,tier,contract_value,contract_start_date,contract_end_date,csm_assigned"];
      for (let i = start; i < Math.min(ACCOUNTS, start + ROWS_PER_IMPORT); i++) {
        const startDay = new Date(Date.UTC(2026, i % 12, 1 + (i % 28))).toISOString().slice(0, 10);
        const endDay = new Date(Date.UTC(2027, i % 12, 1 + (i % 28))).toISOString().slice(0, 10);
        lines.push(`crm-${i},Account ${String(i).padStart(6, "0")},${TIERS[i % 4]},${5_000 + ((i * 7_919) % 200_000)},${startDay},${endDay},csm${i % 40}@example.com`);
      }
      const response = await fetch(`${origin}/api/v1/import/accounts`, {
        method: "POST",
        headers: { Authorization: `Bearer ${restToken}`, "Content-Type": "text/csv" },
        body: lines.join("\n"),
      });
      const result = (await response.json()) as { created?: number; rejected?: number };
      if (response.status !== 200 || result.rejected) throw new Error(`import answered ${response.status}: ${JSON.stringify(result).slice(0, 300)}`);
      process.stdout.write(`imported ${Math.min(ACCOUNTS, start + ROWS_PER_IMPORT)} accounts (${Math.round((performance.now() - seedStarted) / 1000)} s)\n`);
    }

    // ---- seed: one day of usage per account, so every account has a health score ----
    const key = (await callTool("create_api_key", { name: "bench" })) as { secret?: string; key?: string };
    const secret = key.secret ?? key.key ?? "";
    const today = new Date().toISOString();
    for (let start = 0; start < ACCOUNTS; start += EVENTS_PER_BATCH) {
      const batch = [];
      for (let i = start; i < Math.min(ACCOUNTS, start + EVENTS_PER_BATCH); i++) {
        batch.push({ type: "track", messageId: `bench-${i}`, event: `feature_${i % 7}`, userId: `user-${i % 13}`, context: { groupId: `crm-${i}` }, timestamp: today });
      }
      const response = await fetch(`${origin}/api/v1/events`, {
        method: "POST",
        headers: { Authorization: `Bearer ${secret}`, "Content-Type": "application/json" },
        body: JSON.stringify({ batch }),
      });
      if (response.status !== 200) throw new Error(`events answered ${response.status}: ${(await response.text()).slice(0, 300)}`);
      if ((start / EVENTS_PER_BATCH) % 40 === 0) process.stdout.write(`sent usage for ${Math.min(ACCOUNTS, start + EVENTS_PER_BATCH)} accounts\n`);
    }
    const seedSeconds = Math.round((performance.now() - seedStarted) / 1000);

    // ---- measure, one request at a time ----
    const timed = async (work: () => Promise<unknown>): Promise<number> => {
      const started = performance.now();
      await work();
      return performance.now() - started;
    };
    for (let i = 0; i < 10; i++) await callTool("list_clients", {});
    const first = (await callTool("list_clients", { limit: 25 })) as { clients?: { client_id: string }[]; pagination?: { next_cursor?: string | null } };
    const nextCursor = first.pagination?.next_cursor;
    if (!nextCursor) throw new Error("list_clients gave no next_cursor for the second page");
    const shapes: Record<string, unknown>[] = [
      { limit: 25 },
      { limit: 25, sort_by: "health_score", sort_order: "asc" },
      { limit: 25, tier: ["enterprise"] },
      { limit: 25, cursor: nextCursor },
    ];
    const list: number[] = [];
    for (let i = 0; i < CALLS; i++) list.push(await timed(() => callTool("list_clients", shapes[i % shapes.length] ?? {})));
    const live: number[] = [];
    for (let i = 0; i < CALLS; i++) live.push(await timed(() => callTool("get_portfolio_health", { max_age_seconds: 0 })));
    const cached: number[] = [];
    for (let i = 0; i < CALLS; i++) cached.push(await timed(() => callTool("get_portfolio_health", {})));
    // Uncached: a write before each call (not timed) empties the Tenant object's read cache.
    const touched = first.clients?.[0]?.client_id ?? "";
    const write = (i: number) => callTool("update_client_info", { client_id: touched, updates: { contract_value: 10_000 + i } });
    const uncachedCalls = Math.max(4, Math.ceil(CALLS / 4));
    const listUncached: number[] = [];
    const liveUncached: number[] = [];
    for (let i = 0; i < uncachedCalls; i++) {
      await write(2 * i);
      listUncached.push(await timed(() => callTool("list_clients", shapes[i % shapes.length] ?? {})));
      await write(2 * i + 1);
      liveUncached.push(await timed(() => callTool("get_portfolio_health", { max_age_seconds: 0 })));
    }
    const portfolio = (await callTool("get_portfolio_health", { max_age_seconds: 0 })) as { accounts: number; scored: number };

    const listStats = summary(list);
    const liveStats = summary(live);
    const cachedStats = summary(cached);
    console.log(`accounts ${portfolio.accounts} (scored ${portfolio.scored}); seeding took ${seedSeconds} s`);
    console.log(`list_clients            p50 ${listStats.p50} ms  p95 ${listStats.p95} ms  max ${listStats.max} ms  (${CALLS} calls)`);
    console.log(`get_portfolio_health    p50 ${liveStats.p50} ms  p95 ${liveStats.p95} ms  max ${liveStats.max} ms  (live, max_age_seconds 0)`);
    console.log(`get_portfolio_health    p50 ${cachedStats.p50} ms  p95 ${cachedStats.p95} ms  max ${cachedStats.max} ms  (cached, max_age_seconds 60)`);
    const listUncachedStats = summary(listUncached);
    const liveUncachedStats = summary(liveUncached);
    console.log(`list_clients            p50 ${listUncachedStats.p50} ms  p95 ${listUncachedStats.p95} ms  max ${listUncachedStats.max} ms  (uncached: a write before each of ${uncachedCalls} calls)`);
    console.log(`get_portfolio_health    p50 ${liveUncachedStats.p50} ms  p95 ${liveUncachedStats.p95} ms  max ${liveUncachedStats.max} ms  (live, uncached: a write before each of ${uncachedCalls} calls)`);
    console.log(
      JSON.stringify({
        accounts: portfolio.accounts,
        calls: CALLS,
        list_p50_ms: listStats.p50,
        list_p95_ms: listStats.p95,
        portfolio_p50_ms: liveStats.p50,
        portfolio_p95_ms: liveStats.p95,
        portfolio_cached_p95_ms: cachedStats.p95,
        list_uncached_p50_ms: listUncachedStats.p50,
        list_uncached_p95_ms: listUncachedStats.p95,
        portfolio_uncached_p50_ms: liveUncachedStats.p50,
        portfolio_uncached_p95_ms: liveUncachedStats.p95,
        target_ms: 50,
      }),
    );
  } finally {
    await server.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : String(error));
  process.exit(1);
});
