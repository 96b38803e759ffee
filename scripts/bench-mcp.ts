/**
 * `npm run bench:mcp`: load-tests the real local server (wrangler dev on workerd) with
 * autocannon and prints what one MCP tool call costs next to the runtime's own ceiling.
 *
 *   ours: POST /mcp tools/call get_client_overview, authenticated with a real OAuth token
 *   bare: GET /livez of the same Worker, which answers "ok" without touching any store
 *
 * Runs: ours and bare alternating at 50 connections (ABBA order, so drift on a shared
 * machine hits both sides alike), ours at 10 connections for latency, ours at 100
 * connections to show it holds without errors, and bare at 10 connections (the runtime's
 * own latency, to read the p95 target against). Durations come from env vars (see
 * docs/benchmarks.md); the last line printed is one line of JSON.
 *
 * Exits non-zero only when the benchmark could not run; missing a target is reported, not
 * failed. Plain TypeScript with erasable types, so Node 22 runs it directly.
 */
import autocannon from "autocannon";
import { availableParallelism, cpus, loadavg } from "node:os";
import { profileDuring } from "./lib/cpu-profile.ts";
import { cpuSpent, descendantsCpu } from "./lib/process-cpu.ts";
import { freePort, startLocalServer, type LocalServer } from "./lib/local-server.ts";
import { freshWorkspaceToken } from "./lib/oauth-flow.ts";

// ---- configuration -------------------------------------------------------------------

/** A bad env var: reported in one line, exit 2, before the server starts. */
class ConfigError extends Error {}

function seconds(name: string, fallback: number): number {
  const text = process.env[name];
  if (text === undefined || text.trim() === "") return fallback;
  const value = Number(text);
  if (!Number.isFinite(value) || value <= 0) throw new ConfigError(`${name} must be a number of seconds above 0, not "${text}"`);
  return value;
}

function count(name: string, fallback: number): number {
  const text = process.env[name];
  if (text === undefined || text.trim() === "") return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1) throw new ConfigError(`${name} must be a whole number of at least 1, not "${text}"`);
  return value;
}

/** Connections per run; fixed, because the targets are stated at these levels. */
const CONNECTIONS = { compare: 50, latency: 10, stress: 100 } as const;

interface Plan {
  /** Seconds each side (ours, bare) gets at 50 connections, over all rounds. */
  compareSeconds: number;
  rounds: number;
  latencySeconds: number;
  stressSeconds: number;
  warmupSeconds: number;
}

function readPlan(): Plan {
  // BENCH_SECONDS scales every measured run at once (a smoke run: BENCH_SECONDS=2).
  const base = process.env.BENCH_SECONDS;
  const all = base === undefined || base.trim() === "" ? undefined : seconds("BENCH_SECONDS", 20);
  return {
    compareSeconds: seconds("BENCH_COMPARE_SECONDS", all ?? 20),
    rounds: count("BENCH_ROUNDS", 2),
    latencySeconds: seconds("BENCH_LATENCY_SECONDS", all ?? 20),
    stressSeconds: seconds("BENCH_STRESS_SECONDS", all ?? 15),
    warmupSeconds: seconds("BENCH_WARMUP_SECONDS", all === undefined ? 3 : Math.min(all, 3)),
  };
}

const TARGETS = { ratio: 0.5, p95Ms: 50, errors: 0 } as const;

/** Pause before each run, so the previous run's leftovers are not charged to it. */
const SETTLE_MS = 1_000;

// ---- the requests ----------------------------------------------------------------------

type Json = Record<string, unknown>;

function isRecord(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function mcpHeaders(token: string): Record<string, string> {
  return {
    "Content-Type": "application/json",
    Accept: "application/json, text/event-stream",
    "MCP-Protocol-Version": "2025-06-18",
    Authorization: `Bearer ${token}`,
  };
}

function toolCall(id: number, name: string, args: Json): string {
  return JSON.stringify({ jsonrpc: "2.0", id, method: "tools/call", params: { name, arguments: args } });
}

/** Streamable HTTP answers either plain JSON or one SSE "message" event; this reads both. */
function parseRpcBody(body: string): unknown {
  const trimmed = body.trimStart();
  if (trimmed.startsWith("{")) return JSON.parse(trimmed);
  const data = body
    .split(/\r?\n/)
    .filter((line) => line.startsWith("data:"))
    .map((line) => line.slice(5).trimStart());
  if (data.length === 0) throw new Error("neither JSON nor an SSE data event");
  return JSON.parse(data.join("\n"));
}

/** Why a tools/call answer is not a successful result, or null when it is one. */
function toolResultProblem(body: string, expectedClientId?: string): string | null {
  let message: unknown;
  try {
    message = parseRpcBody(body);
  } catch (error) {
    return `unreadable body (${error instanceof Error ? error.message : "parse error"})`;
  }
  if (!isRecord(message)) return "not a JSON-RPC message";
  if (message.error !== undefined) return `JSON-RPC error ${JSON.stringify(message.error).slice(0, 200)}`;
  const result = message.result;
  if (!isRecord(result)) return "no result";
  if (result.isError === true) return `tool error ${JSON.stringify(result.content).slice(0, 200)}`;
  if (expectedClientId === undefined) return null;
  const structured = result.structuredContent;
  const client = isRecord(structured) ? structured.client : undefined;
  const clientId = isRecord(client) ? client.client_id : undefined;
  return clientId === expectedClientId ? null : `structuredContent.client.client_id is ${String(clientId)}, not ${expectedClientId}`;
}

interface Target {
  label: "ours" | "bare";
  request: autocannon.Request;
  /** Why a 2xx body is wrong, or null when it is right. */
  problem(body: string): string | null;
}

function oursTarget(token: string, clientId: string): Target {
  return {
    label: "ours",
    request: { method: "POST", path: "/mcp", headers: mcpHeaders(token), body: toolCall(1, "get_client_overview", { client_id: clientId }) },
    problem: (body) => toolResultProblem(body, clientId),
  };
}

const bareTarget: Target = {
  label: "bare",
  request: { method: "GET", path: "/livez" },
  problem: (body) => (body === "ok" ? null : `expected "ok", got ${JSON.stringify(body.slice(0, 100))}`),
};

// ---- running autocannon ------------------------------------------------------------------

interface RunResult {
  name: string;
  target: Target["label"];
  connections: number;
  seconds: number;
  /** 2xx responses whose body was verified right. */
  ok: number;
  rps: number;
  latencies: number[];
  connectionErrors: number;
  timeouts: number;
  non2xx: number;
  badBodies: number;
  errors: number;
  statusCodes: Record<string, number>;
  problems: string[];
  serverCpu: Record<string, number> | null;
  benchCpuSeconds: number;
  /** Times wrangler rebuilt and reloaded the Worker during the run (someone edited src/). */
  reloads: number;
  /** Durations wrangler logged for this run's requests (inside the runtime), in ms. */
  serverLogged: number[];
  /** Other lines the server printed during the run (errors, warnings), first few. */
  serverSaid: string[];
}

function round(value: number, digits = 1): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}

/** Nearest-rank percentile of an ascending array, in its own unit. */
function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))] ?? Number.NaN;
}

/** wrangler's own request log line: "[wrangler:info] POST /mcp 200 OK (71ms)". */
const REQUEST_LOG = /^\[wrangler:info\] (GET|POST) (\S+) (\d{3}) .*\((\d+)ms\)$/;

/**
 * What the server printed during a run: the durations it logged for the target's path
 * (time spent inside the runtime, so the rest of the client's latency is queueing outside
 * it) and any other lines. Absent when wrangler logs no requests (e.g. WRANGLER_LOG=warn).
 */
function serverLog(text: string, path: string): { durations: number[]; other: string[] } {
  const durations: number[] = [];
  const other: string[] = [];
  for (const line of text.split("\n")) {
    const trimmed = line.trim();
    if (!trimmed) continue;
    const match = REQUEST_LOG.exec(trimmed);
    if (match && match[2] === path) durations.push(Number(match[4]));
    else if (other.length < 5) other.push(trimmed.slice(0, 300));
  }
  return { durations: durations.sort((a, b) => a - b), other };
}

/** wrangler dev watches the sources; a reload mid-run (an edit elsewhere) skews that run. */
function reloadsSoFar(server: LocalServer): number {
  return server.output().split("Reloading local server").length - 1;
}

async function run(server: LocalServer, name: string, target: Target, connections: number, duration: number): Promise<RunResult> {
  let ok = 0;
  let badBodies = 0;
  const problems: string[] = [];
  // autocannon has no p95, so latencies of verified 2xx answers are kept here instead.
  const latencies: number[] = [];
  const pendingOk: boolean[] = [];

  const request: autocannon.Request = {
    ...target.request,
    // Sees every complete response with its status and whole body, once per request.
    onResponse: (status: number, body: string) => {
      if (status < 200 || status >= 300) {
        pendingOk.push(false);
        return;
      }
      const problem = target.problem(body);
      if (problem === null) {
        ok += 1;
        pendingOk.push(true);
      } else {
        badBodies += 1;
        pendingOk.push(false);
        if (problems.length < 5) problems.push(problem);
      }
    },
  };

  // Requests abandoned when the previous run stopped may still be running in the Worker.
  await new Promise((settle) => setTimeout(settle, SETTLE_MS));
  const reloadsBefore = reloadsSoFar(server);
  const logMark = server.output().length;
  const cpuBefore = descendantsCpu();
  const benchBefore = process.cpuUsage();
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon(
      { url: server.origin, connections, duration, timeout: 10, requests: [request] },
      (error: unknown, finished) => (error ? reject(error instanceof Error ? error : new Error(String(error))) : resolve(finished)),
    );
    // "response" follows onResponse for the same request, so the verdict is waiting for it.
    instance.on("response", (_client, _status, _bytes, responseTime) => {
      if (pendingOk.shift() === true) latencies.push(responseTime);
    });
  });
  const benchCpu = process.cpuUsage(benchBefore);
  const serverCpu = cpuSpent(cpuBefore, descendantsCpu());
  const logged = serverLog(server.output().slice(logMark), target.request.path ?? "/");

  const timeouts = result.timeouts;
  const connectionErrors = result.errors - timeouts;
  const statusCodes: Record<string, number> = {};
  for (const [code, stat] of Object.entries(result.statusCodeStats ?? {})) statusCodes[code] = stat.count ?? 0;
  latencies.sort((a, b) => a - b);
  return {
    name,
    target: target.label,
    connections,
    seconds: result.duration,
    ok,
    rps: result.duration > 0 ? ok / result.duration : 0,
    latencies,
    connectionErrors,
    timeouts,
    non2xx: result.non2xx,
    badBodies,
    errors: result.errors + result.non2xx + badBodies,
    statusCodes,
    problems,
    serverCpu,
    benchCpuSeconds: round((benchCpu.user + benchCpu.system) / 1e6, 2),
    reloads: reloadsSoFar(server) - reloadsBefore,
    serverLogged: logged.durations,
    serverSaid: logged.other,
  };
}

/** Several runs of one side as one: requests and seconds added, latencies pooled. */
function combine(name: string, runs: RunResult[]): RunResult {
  const first = runs[0];
  if (!first) throw new Error(`no runs to combine for ${name}`);
  const sum = (pick: (run: RunResult) => number) => runs.reduce((total, run) => total + pick(run), 0);
  const seconds = sum((run) => run.seconds);
  const ok = sum((run) => run.ok);
  const serverCpu: Record<string, number> = {};
  for (const run of runs) for (const [label, spent] of Object.entries(run.serverCpu ?? {})) serverCpu[label] = round((serverCpu[label] ?? 0) + spent, 2);
  const statusCodes: Record<string, number> = {};
  for (const run of runs) for (const [code, total] of Object.entries(run.statusCodes)) statusCodes[code] = (statusCodes[code] ?? 0) + total;
  return {
    name,
    target: first.target,
    connections: first.connections,
    seconds,
    ok,
    rps: seconds > 0 ? ok / seconds : 0,
    latencies: runs.flatMap((run) => run.latencies).sort((a, b) => a - b),
    connectionErrors: sum((run) => run.connectionErrors),
    timeouts: sum((run) => run.timeouts),
    non2xx: sum((run) => run.non2xx),
    badBodies: sum((run) => run.badBodies),
    errors: sum((run) => run.errors),
    statusCodes,
    problems: runs.flatMap((run) => run.problems).slice(0, 5),
    serverCpu: runs.every((run) => run.serverCpu) ? serverCpu : null,
    benchCpuSeconds: round(sum((run) => run.benchCpuSeconds), 2),
    reloads: sum((run) => run.reloads),
    serverLogged: runs.flatMap((run) => run.serverLogged).sort((a, b) => a - b),
    serverSaid: runs.flatMap((run) => run.serverSaid).slice(0, 5),
  };
}

// ---- reporting ---------------------------------------------------------------------------------

function latencySummary(run: RunResult): { p50: number; p95: number; p99: number; max: number } {
  const sorted = run.latencies;
  return {
    p50: round(percentile(sorted, 50)),
    p95: round(percentile(sorted, 95)),
    p99: round(percentile(sorted, 99)),
    max: round(sorted[sorted.length - 1] ?? Number.NaN),
  };
}

function describe(run: RunResult): string {
  const { p50, p95, p99, max } = latencySummary(run);
  const cpu = run.serverCpu ? Object.entries(run.serverCpu).map(([label, spent]) => `${label} ${spent}s`).join(", ") : "n/a";
  const perRequest = run.serverCpu && run.ok > 0 ? ` (${round((sumValues(run.serverCpu) * 1000) / run.ok, 2)} ms server CPU per request)` : "";
  const lines = [
    `${run.name.padEnd(22)} ${String(run.connections).padStart(3)} conns ${run.seconds.toFixed(1).padStart(5)} s  ` +
      `${String(run.ok).padStart(7)} ok  ${run.rps.toFixed(1).padStart(8)} req/s  ` +
      `p50 ${p50} ms  p95 ${p95} ms  p99 ${p99} ms  max ${max} ms  errors ${run.errors}`,
    `${"".padEnd(22)} errors: ${run.connectionErrors} connection, ${run.timeouts} timeout, ${run.non2xx} non-2xx, ${run.badBodies} bad body; ` +
      `statuses ${JSON.stringify(run.statusCodes)}`,
    `${"".padEnd(22)} CPU: server ${cpu}${perRequest}; load generator ${run.benchCpuSeconds}s`,
  ];
  if (run.serverLogged.length > 0) {
    const logged = run.serverLogged;
    lines.push(
      `${"".padEnd(22)} inside the runtime (wrangler's log, ${logged.length} requests): p50 ${percentile(logged, 50)} ms  p95 ${percentile(logged, 95)} ms  ` +
        `p99 ${percentile(logged, 99)} ms  max ${logged[logged.length - 1]} ms`,
    );
  }
  for (const problem of run.problems) lines.push(`${"".padEnd(22)} e.g. ${problem}`);
  for (const said of run.serverSaid) lines.push(`${"".padEnd(22)} server said: ${said}`);
  if (run.reloads > 0) lines.push(`${"".padEnd(22)} WARNING: wrangler reloaded the Worker ${run.reloads} time(s) during this run (a source file changed); its figures are skewed`);
  return lines.join("\n");
}

/** Server CPU milliseconds per verified request, per process and in total. */
function cpuPerRequest(run: RunResult): Record<string, number> | null {
  if (!run.serverCpu || run.ok === 0) return null;
  const perRequest: Record<string, number> = { total: round((sumValues(run.serverCpu) * 1000) / run.ok, 2) };
  for (const [label, spent] of Object.entries(run.serverCpu)) perRequest[label] = round((spent * 1000) / run.ok, 2);
  return perRequest;
}

function sumValues(record: Record<string, number>): number {
  return Object.values(record).reduce((total, value) => total + value, 0);
}

function verdict(met: boolean): string {
  return met ? "met" : "NOT met";
}

// ---- the benchmark -----------------------------------------------------------------------------

async function setUp(origin: string): Promise<{ token: string; clientId: string }> {
  const { tokens } = await freshWorkspaceToken(origin, fetch, { scope: "cs:read cs:write" });
  const headers = mcpHeaders(tokens.access_token);

  const registered = await fetch(`${origin}/mcp`, {
    method: "POST",
    headers,
    body: toolCall(1, "register_client", { client_name: "Bench Account", company_name: "Bench Industries", tier: "professional", contract_value: 120000 }),
  });
  const registeredBody = await registered.text();
  if (!registered.ok) throw new Error(`register_client answered ${registered.status}: ${registeredBody.slice(0, 300)}`);
  const problem = toolResultProblem(registeredBody);
  if (problem) throw new Error(`register_client failed: ${problem}`);
  const message = parseRpcBody(registeredBody);
  const result = isRecord(message) ? message.result : undefined;
  const structured = isRecord(result) ? result.structuredContent : undefined;
  const client = isRecord(structured) ? structured.client : undefined;
  const clientId = isRecord(client) ? client.client_id : undefined;
  if (typeof clientId !== "string") throw new Error("register_client answered no client_id");

  // Once, before any load: the measured request must do the real work and succeed.
  const overview = await fetch(`${origin}/mcp`, { method: "POST", headers, body: toolCall(1, "get_client_overview", { client_id: clientId }) });
  const overviewBody = await overview.text();
  if (!overview.ok) throw new Error(`get_client_overview answered ${overview.status}: ${overviewBody.slice(0, 300)}`);
  const overviewProblem = toolResultProblem(overviewBody, clientId);
  if (overviewProblem) throw new Error(`get_client_overview failed: ${overviewProblem}`);

  const livez = await fetch(`${origin}/livez`);
  const livezBody = await livez.text();
  if (!livez.ok || livezBody !== "ok") throw new Error(`/livez answered ${livez.status} ${JSON.stringify(livezBody.slice(0, 100))}`);
  return { token: tokens.access_token, clientId };
}

async function benchmark(server: LocalServer, plan: Plan): Promise<void> {
  const { token, clientId } = await setUp(server.origin);
  const ours = oursTarget(token, clientId);
  console.log(`Server ${server.origin}; measured account ${clientId}; node ${process.version}; ${availableParallelism()} CPUs; load ${loadavg().map((load) => load.toFixed(2)).join(" ")}`);
  console.log(
    `Plan: warm-up ${plan.warmupSeconds} s per side, then ours/bare at ${CONNECTIONS.compare} connections ${plan.compareSeconds} s each over ${plan.rounds} alternating round(s), ` +
      `ours at ${CONNECTIONS.latency} connections ${plan.latencySeconds} s, ours at ${CONNECTIONS.stress} connections ${plan.stressSeconds} s, ` +
      `bare at ${CONNECTIONS.latency} connections ${Math.min(plan.latencySeconds, 10)} s.\n`,
  );

  const runs: RunResult[] = [];
  const report = (result: RunResult) => {
    runs.push(result);
    console.log(describe(result));
  };

  // Warm-up: JIT, the Tenant object and its SQLite pages; reported, errors counted, rates not used.
  report(await run(server, "warm-up ours", ours, CONNECTIONS.compare, plan.warmupSeconds));
  report(await run(server, "warm-up bare", bareTarget, CONNECTIONS.compare, plan.warmupSeconds));

  // ABBA: ours, bare | bare, ours | ours, bare ... so neither side always runs first.
  const slot = plan.compareSeconds / plan.rounds;
  const compared: { ours: RunResult[]; bare: RunResult[] } = { ours: [], bare: [] };
  for (let pass = 1; pass <= plan.rounds; pass += 1) {
    const order = pass % 2 === 1 ? [ours, bareTarget] : [bareTarget, ours];
    for (const target of order) {
      const result = await run(server, `round ${pass} ${target.label}`, target, CONNECTIONS.compare, slot);
      compared[target.label].push(result);
      report(result);
    }
  }
  const ours50 = combine(`ours @${CONNECTIONS.compare} (all rounds)`, compared.ours);
  const bare50 = combine(`bare @${CONNECTIONS.compare} (all rounds)`, compared.bare);

  const latency = await profileDuring(inspectorPort, "mcp-latency", () => run(server, "latency ours", ours, CONNECTIONS.latency, plan.latencySeconds));
  report(latency);
  const stress = await run(server, "stress ours", ours, CONNECTIONS.stress, plan.stressSeconds);
  report(stress);
  // The runtime's own latency at the same load: what the p95 target can be read against here.
  const bareLatency = await run(server, "latency bare", bareTarget, CONNECTIONS.latency, Math.min(plan.latencySeconds, 10));
  report(bareLatency);

  const ratio = bare50.rps > 0 ? ours50.rps / bare50.rps : 0;
  const roundRatios = compared.ours.map((run, index) => {
    const bare = compared.bare[index];
    return bare && bare.rps > 0 ? round(run.rps / bare.rps, 3) : 0;
  });
  const errors = runs.reduce((total, run) => total + run.errors, 0);
  const lat = latencySummary(latency);
  const bareLat = latencySummary(bareLatency);
  const stressLat = latencySummary(stress);
  const oursLat = latencySummary(ours50);

  console.log("\nSummary");
  console.log(describe(ours50));
  console.log(describe(bare50));
  console.log(`ours/bare at ${CONNECTIONS.compare} connections: ${ratio.toFixed(3)} (per round: ${roundRatios.join(", ")})`);
  console.log(`Targets:`);
  console.log(`  ours >= ${TARGETS.ratio} x bare req/s at ${CONNECTIONS.compare} connections: ${ours50.rps.toFixed(1)} vs ${bare50.rps.toFixed(1)} = ${ratio.toFixed(3)}  ${verdict(ratio >= TARGETS.ratio)}`);
  console.log(`  p95 < ${TARGETS.p95Ms} ms at ${CONNECTIONS.latency} connections: p50 ${lat.p50} / p95 ${lat.p95} / p99 ${lat.p99} ms  ${verdict(lat.p95 < TARGETS.p95Ms)} (bare route: p95 ${bareLat.p95} ms)`);
  console.log(`  0 errors at ${CONNECTIONS.stress} connections: ${stress.errors} errors, ${stress.rps.toFixed(1)} req/s  ${verdict(stress.errors === 0)}`);
  console.log(`  0 errors over all runs (warm-up included): ${errors}  ${verdict(errors === TARGETS.errors)}`);
  const reloads = runs.reduce((total, run) => total + run.reloads, 0);
  if (reloads > 0) console.log(`WARNING: wrangler reloaded the Worker ${reloads} time(s) during the runs (sources edited meanwhile); rerun for clean figures.`);

  const summary = {
    bench: "mcp",
    rps: round(ours50.rps),
    bare_rps: round(bare50.rps),
    ratio: round(ratio, 3),
    round_ratios: roundRatios,
    p50_ms: lat.p50,
    p95_ms: lat.p95,
    p99_ms: lat.p99,
    rps_10: round(latency.rps),
    bare_p95_ms: bareLat.p95,
    // The same percentiles as wrangler logged them inside the runtime (null without its request log).
    runtime_p50_ms: latency.serverLogged.length > 0 ? percentile(latency.serverLogged, 50) : null,
    runtime_p95_ms: latency.serverLogged.length > 0 ? percentile(latency.serverLogged, 95) : null,
    p50_ms_50: oursLat.p50,
    p95_ms_50: oursLat.p95,
    p99_ms_50: oursLat.p99,
    errors,
    errors_by_run: Object.fromEntries(runs.map((run) => [run.name, run.errors])),
    rps_100: round(stress.rps),
    p95_ms_100: stressLat.p95,
    errors_100: stress.errors,
    reloads,
    targets_met: { ratio: ratio >= TARGETS.ratio, p95: lat.p95 < TARGETS.p95Ms, errors: errors === TARGETS.errors },
    connections: { compare: CONNECTIONS.compare, latency: CONNECTIONS.latency, stress: CONNECTIONS.stress },
    seconds: { compare_per_side: plan.compareSeconds, rounds: plan.rounds, latency: plan.latencySeconds, stress: plan.stressSeconds, warmup: plan.warmupSeconds },
    server_cpu_ms_per_request_50: cpuPerRequest(ours50),
    bare_server_cpu_ms_per_request_50: cpuPerRequest(bare50),
    node: process.version,
    cpus: availableParallelism(),
    cpu_model: cpus()[0]?.model ?? "unknown",
    loadavg: loadavg().map((load) => round(load, 2)),
  };
  console.log(JSON.stringify(summary));
}

let inspectorPort: number | null = null;

async function main(): Promise<number> {
  let plan: Plan;
  try {
    plan = readPlan();
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      return 2;
    }
    throw error;
  }

  let server: LocalServer | undefined;
  // Ctrl-C must not leave wrangler running: its process group is detached from ours.
  const interrupt = (signal: NodeJS.Signals) => {
    console.error(`\n${signal}: stopping the server`);
    const stopping = server ? server.stop() : Promise.resolve();
    void stopping.finally(() => process.exit(130));
  };
  process.once("SIGINT", interrupt);
  process.once("SIGTERM", interrupt);

  try {
    console.log("Starting the local server (npm run dev) ...");
    // BENCH_PROFILE=1: a CPU profile of the Worker over the 10-connection run (slows it; not the benchmark's figures).
    inspectorPort = process.env.BENCH_PROFILE === "1" ? await freePort() : null;
    server = await startLocalServer({ wranglerArgs: inspectorPort === null ? [] : ["--inspector-port", String(inspectorPort)] });
    await benchmark(server, plan);
    return 0;
  } catch (error) {
    console.error(`The benchmark could not run: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    if (server) console.error(`\nLast server output:\n${server.output().slice(-4000)}`);
    return 1;
  } finally {
    await server?.stop();
  }
}

process.exitCode = await main();
