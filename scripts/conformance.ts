/**
 * `npm run conformance`: runs the MCP conformance suite (@modelcontextprotocol/conformance)
 * against the real local server.
 *
 *   1. starts the server (npm run dev on a free port, fresh state),
 *   2. signs up a workspace and gets a real token (registration, consent, token endpoint),
 *   3. puts a loopback proxy in front of /mcp that adds `Authorization: Bearer …`, because the
 *      conformance CLI speaks no OAuth,
 *   4. runs every scenario that applies to what the server declares, one CLI run each, and
 *      a few supplementary checks for what the suite does not cover (the 2026-07-28 era,
 *      tool results on the product's own tools, scope step-up),
 *   5. prints a summary, lists the skipped scenarios with the reason, and exits non-zero if
 *      anything that applies failed.
 *
 * Options: --scenario NAME (repeatable) runs only those; --include-skipped also runs the
 * skipped scenarios, for the record (their failures do not change the exit code).
 * Results land in .tmp/conformance/. See docs/mcp.md.
 */
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { Client, StreamableHTTPClientTransport } from "@modelcontextprotocol/client";
import { startBearerProxy, type BearerProxy } from "./lib/bearer-proxy.ts";
import { startLocalServer, type LocalServer } from "./lib/local-server.ts";
import { freshWorkspaceToken } from "./lib/oauth-flow.ts";

const ROOT = resolve(import.meta.dirname, "..");
const CLI = join(ROOT, "node_modules/.bin/conformance");
const RESULTS = join(ROOT, ".tmp/conformance");
const SCENARIO_TIMEOUT_MS = 120_000;

/**
 * Every server scenario the installed suite knows, with the decision for this server. The
 * server declares tools, resources, prompts and completions and serves statelessly, so
 * scenarios for undeclared capabilities (logging, subscriptions), or that need the suite's own
 * fixtures (test_* tools and prompts, test:// resources), do not apply. A
 * scenario missing from this table (a newer suite) fails the run until it is classified.
 */
type Decision = { run: true; why: string } | { run: false; why: string };

const FIXTURE = (tool: string, extra = "") =>
  `needs the suite's fixture tool \`${tool}\`; the product ships no test tools${extra ? ` (${extra})` : ""}`;

const SCENARIOS: Record<string, Decision> = {
  "server-initialize": { run: true, why: "2025-era initialize handshake" },
  ping: { run: true, why: "ping is always served" },
  "tools-list": { run: true, why: "tools capability is declared" },
  "dns-rebinding-protection": { run: true, why: "local server: foreign Host/Origin must be refused, loopback accepted" },

  "logging-set-level": { run: false, why: "logging capability not declared (server answers -32601)" },
  "completion-complete": { run: false, why: "needs the suite's fixture prompt `test_prompt_with_arguments` (client_id completion is covered by tests/mcp-resources.test.ts)" },
  "tools-call-simple-text": { run: false, why: FIXTURE("test_simple_text", "covered on list_clients by the supplementary checks") },
  "tools-call-image": { run: false, why: FIXTURE("test_image_content", "no tool returns images") },
  "tools-call-audio": { run: false, why: FIXTURE("test_audio_content", "no tool returns audio") },
  "tools-call-embedded-resource": { run: false, why: FIXTURE("test_embedded_resource", "resources not declared") },
  "tools-call-mixed-content": { run: false, why: FIXTURE("test_multiple_content_types", "no tool returns image/resource content") },
  "tools-call-with-logging": { run: false, why: FIXTURE("test_tool_with_logging", "and logging/setLevel, which is not declared") },
  "tools-call-error": { run: false, why: FIXTURE("test_error_handling", "covered on get_client_overview by the supplementary checks") },
  "tools-call-with-progress": { run: false, why: FIXTURE("test_tool_with_progress", "no tool reports progress") },
  "tools-call-sampling": { run: false, why: FIXTURE("test_sampling", "sampling is a server-to-client request, impossible on a stateless endpoint") },
  "tools-call-elicitation": { run: false, why: FIXTURE("test_elicitation", "elicitation is a server-to-client request, impossible on a stateless endpoint") },
  "elicitation-sep1034-defaults": { run: false, why: FIXTURE("test_elicitation_sep1034_defaults", "elicitation, see above") },
  "elicitation-sep1330-enums": { run: false, why: FIXTURE("test_elicitation_sep1330_enums", "elicitation, see above") },
  "json-schema-2020-12": { run: false, why: FIXTURE("json_schema_2020_12_tool", "pending suite") },
  "server-sse-polling": {
    run: false,
    why: `${FIXTURE("test_reconnection")}; also needs a session and an event store to resume from, which a stateless endpoint has not (pending suite)`,
  },
  "server-sse-multiple-streams": {
    run: false,
    why: "needs an Mcp-Session-Id: against a stateless endpoint it stops with a WARNING before sending a single concurrent request",
  },
  "resources-list": { run: true, why: "resources capability is declared (accounts and the portfolio as resources)" },
  "prompts-list": { run: true, why: "prompts capability is declared (churn review and the other CS prompts)" },
  "resources-read-text": { run: false, why: "needs the suite's fixture resource `test://static-text`; the product ships no test resources (reading is covered by tests/mcp-resources.test.ts)" },
  "resources-read-binary": { run: false, why: "needs the suite's fixture resource `test://static-binary`; the product has no binary resources" },
  "resources-templates-read": { run: false, why: "needs the suite's fixture template `test://template/{id}/data`; the product's templates are cs://accounts/{client_id}/…" },
  "resources-subscribe": { run: false, why: "resources.subscribe is not declared: subscriptions need a session, which a stateless endpoint has not" },
  "resources-unsubscribe": { run: false, why: "resources.subscribe is not declared: subscriptions need a session, which a stateless endpoint has not" },
  "prompts-get-simple": { run: false, why: "needs the suite's fixture prompt `test_simple_prompt`; the product ships no test prompts (prompts/get is covered by tests/mcp-resources.test.ts)" },
  "prompts-get-with-args": { run: false, why: "needs the suite's fixture prompt `test_prompt_with_arguments`" },
  "prompts-get-embedded-resource": { run: false, why: "needs the suite's fixture prompt `test_prompt_with_embedded_resource`" },
  "prompts-get-with-image": { run: false, why: "needs the suite's fixture prompt `test_prompt_with_image`; no prompt returns images" },
};

type Status = "SUCCESS" | "FAILURE" | "WARNING" | "INFO" | "SKIPPED";

interface Check {
  id: string;
  status: Status;
  description: string;
  errorMessage?: string;
}

interface ScenarioResult {
  scenario: string;
  applies: boolean;
  exitCode: number | null;
  checks: Check[];
  passed: number;
  failed: number;
  warnings: number;
  ok: boolean;
}

interface SupplementaryResult {
  name: string;
  ok: boolean;
  detail: string;
}

function isCheck(value: unknown): value is Check {
  if (typeof value !== "object" || value === null) return false;
  const record = value as Record<string, unknown>;
  return typeof record.id === "string" && typeof record.status === "string" && typeof record.description === "string";
}

/** The scenario names the installed CLI lists, so the table above cannot silently go stale. */
function listedScenarios(): string[] {
  const listed = spawnSync(process.execPath, [CLI, "list", "--server"], { cwd: ROOT, encoding: "utf8" });
  if (listed.status !== 0) throw new Error(`conformance list failed:\n${listed.stderr}`);
  return [...listed.stdout.matchAll(/^\s+- (\S+)/gm)].map((match) => match[1] ?? "").filter(Boolean);
}

function readChecks(directory: string): Check[] {
  if (!existsSync(directory)) return [];
  const checks: Check[] = [];
  for (const entry of readdirSync(directory)) {
    const file = join(directory, entry, "checks.json");
    if (!existsSync(file)) continue;
    const parsed: unknown = JSON.parse(readFileSync(file, "utf8"));
    if (Array.isArray(parsed)) checks.push(...parsed.filter(isCheck));
  }
  return checks;
}

/** One CLI run for one scenario; its own output goes straight to the terminal. */
function runScenario(url: string, scenario: string, applies: boolean): Promise<ScenarioResult> {
  const output = join(RESULTS, scenario);
  rmSync(output, { recursive: true, force: true });
  mkdirSync(output, { recursive: true });
  console.log(`\n=== ${scenario}${applies ? "" : " (does not apply; run for the record)"} ===`);
  return new Promise((done) => {
    // process.execPath pins the Node that runs this script (Node 22), not whatever is on PATH.
    const child = spawn(process.execPath, [CLI, "server", "--url", url, "--scenario", scenario, "-o", output], {
      cwd: ROOT,
      stdio: ["ignore", "inherit", "inherit"],
    });
    const timer = setTimeout(() => child.kill("SIGKILL"), SCENARIO_TIMEOUT_MS);
    child.on("exit", (code) => {
      clearTimeout(timer);
      const checks = readChecks(output);
      const passed = checks.filter((check) => check.status === "SUCCESS").length;
      const failed = checks.filter((check) => check.status === "FAILURE").length;
      const warnings = checks.filter((check) => check.status === "WARNING").length;
      // A run that wrote no checks (crash, timeout) is a failure even if nothing said FAILURE.
      const ok = code === 0 && failed === 0 && checks.length > 0;
      done({ scenario, applies, exitCode: code, checks, passed, failed, warnings, ok });
    });
  });
}

// ---- Supplementary checks: what the 0.1.x suite cannot reach on this server ----------------

interface ToolResultShape {
  isError?: boolean;
  content?: unknown;
  structuredContent?: unknown;
}

function firstText(result: ToolResultShape): string | undefined {
  if (!Array.isArray(result.content)) return undefined;
  for (const block of result.content as unknown[]) {
    if (typeof block === "object" && block !== null && (block as { type?: unknown }).type === "text") {
      const text = (block as { text?: unknown }).text;
      if (typeof text === "string") return text;
    }
  }
  return undefined;
}

/** Tools over one protocol era, through the proxy: list, a text+structured result, an isError result. */
async function eraChecks(url: string, era: "legacy" | "modern"): Promise<SupplementaryResult[]> {
  const label = era === "modern" ? "2026-07-28 (server/discover)" : "2025-era (initialize)";
  const client = new Client(
    { name: "customer-success-conformance", version: "0.1.0" },
    era === "modern" ? { versionNegotiation: { mode: { pin: "2026-07-28" } } } : {},
  );
  const results: SupplementaryResult[] = [];
  try {
    await client.connect(new StreamableHTTPClientTransport(new URL(url)));
    const version = client.getNegotiatedProtocolVersion() ?? "none";
    const wantedEra = era === "modern" ? "modern" : "legacy";
    results.push({
      name: `${label}: handshake`,
      ok: client.getProtocolEra() === wantedEra && (era === "legacy" || version === "2026-07-28"),
      detail: `era ${client.getProtocolEra() ?? "none"}, protocol ${version}`,
    });

    const { tools } = await client.listTools();
    results.push({ name: `${label}: tools/list`, ok: tools.length > 0, detail: tools.map((tool) => tool.name).join(", ") });

    const listed: ToolResultShape = await client.callTool({ name: "list_clients", arguments: {} });
    results.push({
      name: `${label}: tools/call result (list_clients)`,
      ok: listed.isError !== true && firstText(listed) !== undefined && typeof listed.structuredContent === "object",
      detail: listed.isError ? `isError: ${firstText(listed) ?? ""}` : "text content and structuredContent",
    });

    const missing: ToolResultShape = await client.callTool({ name: "get_client_overview", arguments: { client_id: "cli_conformance_missing" } });
    results.push({
      name: `${label}: tools/call error as result (get_client_overview, unknown id)`,
      ok: missing.isError === true && Boolean(firstText(missing)),
      detail: `isError ${String(missing.isError)}: ${firstText(missing) ?? "(no text)"}`,
    });
  } catch (error) {
    results.push({ name: `${label}: session`, ok: false, detail: error instanceof Error ? error.message : String(error) });
  } finally {
    await client.close().catch(() => undefined);
  }
  return results;
}

/** The OAuth challenges, straight at the server: 401 without a token, 403 step-up per tool. */
async function authChecks(origin: string): Promise<SupplementaryResult[]> {
  const call = (token: string | undefined, body: unknown) =>
    fetch(`${origin}/mcp`, {
      method: "POST",
      headers: {
        "Content-Type": "application/json",
        Accept: "application/json, text/event-stream",
        ...(token ? { Authorization: `Bearer ${token}` } : {}),
      },
      body: JSON.stringify(body),
    });
  const results: SupplementaryResult[] = [];

  const anonymous = await call(undefined, { jsonrpc: "2.0", id: 1, method: "ping" });
  const challenge = anonymous.headers.get("WWW-Authenticate") ?? "";
  await anonymous.body?.cancel();
  results.push({
    name: "auth: no token → 401 with resource_metadata",
    ok: anonymous.status === 401 && challenge.includes(`resource_metadata="${origin}/.well-known/oauth-protected-resource/mcp"`),
    detail: `${anonymous.status} ${challenge}`,
  });

  // A second workspace whose token carries cs:read only: a cs:write tool must ask for more.
  const readOnly = await freshWorkspaceToken(origin, fetch, { scope: "cs:read", organization: "Conformance Read-Only Co" });
  const stepUp = await call(readOnly.tokens.access_token, {
    jsonrpc: "2.0",
    id: 2,
    method: "tools/call",
    params: { name: "register_client", arguments: { client_name: "Step-up probe", company_name: "Step-up probe" } },
  });
  const stepUpChallenge = stepUp.headers.get("WWW-Authenticate") ?? "";
  await stepUp.body?.cancel();
  results.push({
    name: "auth: cs:read token on a cs:write tool → 403 insufficient_scope",
    ok: stepUp.status === 403 && stepUpChallenge.includes('error="insufficient_scope"') && stepUpChallenge.includes('scope="cs:write"'),
    detail: `${stepUp.status} ${stepUpChallenge}`,
  });

  const allowed = await call(readOnly.tokens.access_token, { jsonrpc: "2.0", id: 3, method: "tools/call", params: { name: "list_clients", arguments: {} } });
  await allowed.body?.cancel();
  results.push({ name: "auth: cs:read token on a cs:read tool → 200", ok: allowed.status === 200, detail: String(allowed.status) });
  return results;
}

// ---- Main -----------------------------------------------------------------------------------

function pad(text: string, width: number): string {
  return text.length >= width ? text : text + " ".repeat(width - text.length);
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: { scenario: { type: "string", multiple: true }, "include-skipped": { type: "boolean", default: false } },
  });
  const only = new Set(values.scenario ?? []);

  const listed = listedScenarios();
  const unclassified = listed.filter((name) => !(name in SCENARIOS));
  const unknown = [...only].filter((name) => !listed.includes(name));
  if (unknown.length > 0) {
    console.error(`Unknown scenario(s): ${unknown.join(", ")}. The suite lists: ${listed.join(", ")}`);
    return 2;
  }
  const selected = listed.filter((name) => (only.size === 0 || only.has(name)) && name in SCENARIOS);
  const toRun = selected.filter((name) => SCENARIOS[name]?.run === true || values["include-skipped"] || only.has(name));

  rmSync(RESULTS, { recursive: true, force: true });
  mkdirSync(RESULTS, { recursive: true });

  let server: LocalServer | undefined;
  let proxy: BearerProxy | undefined;
  const cleanup = async () => {
    await proxy?.stop();
    await server?.stop();
  };
  const interrupted = () => void cleanup().then(() => process.exit(130));
  process.once("SIGINT", interrupted);
  process.once("SIGTERM", interrupted);

  try {
    console.log("Starting the local server…");
    server = await startLocalServer();
    const { tokens } = await freshWorkspaceToken(server.origin, fetch, { scope: "cs:read cs:write", organization: "Conformance Co" });
    // wrangler binds 127.0.0.1 (see local-server.ts); connect there, speak as the server's origin.
    proxy = await startBearerProxy({ upstream: server.origin, token: tokens.access_token, connectHost: "127.0.0.1" });
    const url = `${proxy.origin}/mcp`;
    console.log(`Server ${server.origin}, token scope "${tokens.scope}", proxy ${url}`);

    const scenarioResults: ScenarioResult[] = [];
    for (const scenario of toRun) scenarioResults.push(await runScenario(url, scenario, SCENARIOS[scenario]?.run === true));

    const supplementary: SupplementaryResult[] =
      only.size === 0 ? [...(await eraChecks(url, "legacy")), ...(await eraChecks(url, "modern")), ...(await authChecks(server.origin))] : [];

    // ---- Report
    console.log("\n=== Conformance summary (@modelcontextprotocol/conformance, server mode) ===");
    for (const result of scenarioResults) {
      // WARN: nothing failed, but nothing was verified either (only warnings came back).
      const verdict = !result.ok ? "FAIL" : result.passed === 0 ? "WARN" : result.warnings > 0 ? "PASS*" : "PASS";
      const note = result.applies ? "" : "  [does not apply; not counted]";
      console.log(`${pad(verdict, 6)} ${pad(result.scenario, 30)} ${result.passed} passed, ${result.failed} failed, ${result.warnings} warnings${note}`);
      for (const check of result.checks) {
        if (check.status === "FAILURE" || check.status === "WARNING") console.log(`         ${check.status} ${check.id}: ${check.errorMessage ?? check.description}`);
      }
    }
    if (supplementary.length > 0) {
      console.log("\n=== Supplementary checks (this script, not the suite) ===");
      for (const result of supplementary) console.log(`${pad(result.ok ? "PASS" : "FAIL", 6)} ${result.name}\n         ${result.detail}`);
    }
    const skipped = selected.filter((name) => !toRun.includes(name));
    if (skipped.length > 0) {
      console.log("\n=== Skipped: do not apply to this server ===");
      for (const name of skipped) console.log(`- ${pad(name, 30)} ${SCENARIOS[name]?.why ?? ""}`);
    }
    if (unclassified.length > 0) {
      console.log(`\nUnclassified scenario(s) in the installed suite: ${unclassified.join(", ")}. Classify them in scripts/conformance.ts.`);
    }

    const failedScenarios = scenarioResults.filter((result) => result.applies && !result.ok);
    const failedSupplementary = supplementary.filter((result) => !result.ok);
    writeFileSync(
      join(RESULTS, "summary.json"),
      JSON.stringify({ server: server.origin, proxy: url, scenarios: scenarioResults, supplementary, skipped, unclassified }, null, 2),
    );
    if (failedScenarios.length > 0 || failedSupplementary.length > 0) {
      console.log("\nProxy log (method path  Host sent → Host forwarded  status):");
      for (const line of proxy.log) console.log(`  ${line.method} ${line.path}  ${line.host} → ${line.forwardedHost}  ${line.status}`);
    }
    const applicable = scenarioResults.filter((result) => result.applies);
    console.log(
      `\n${applicable.length - failedScenarios.length}/${applicable.length} applicable scenarios passed, ` +
        `${supplementary.length - failedSupplementary.length}/${supplementary.length} supplementary checks passed, ` +
        `${skipped.length} skipped. Details: .tmp/conformance/`,
    );
    return failedScenarios.length > 0 || failedSupplementary.length > 0 || unclassified.length > 0 ? 1 : 0;
  } catch (error) {
    console.error(error instanceof Error ? error.message : error);
    if (server) console.error(`\nServer output:\n${server.output().slice(-4000)}`);
    return 1;
  } finally {
    process.off("SIGINT", interrupted);
    process.off("SIGTERM", interrupted);
    await cleanup();
  }
}

process.exit(await main());
