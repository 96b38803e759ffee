#!/usr/bin/env node
// `npm run doctor [-- --url https://cs.example.com]`: says, in words, what this checkout or a
// running server lacks: Node version, secrets for local development, bindings in
// wrangler.toml, migrations (local D1, Tenant object), and the server's own /healthz.
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";

const results = [];
const check = (name, ok, detail) => results.push({ name, ok, detail });

const urlFlag = process.argv.indexOf("--url");
const serverUrl = urlFlag >= 0 ? process.argv[urlFlag + 1] : "http://localhost:8787";

// Node: wrangler and miniflare need 22.12 or newer (npm scripts run the `node` devDependency).
const [major, minor] = process.versions.node.split(".").map(Number);
check("node", major > 22 || (major === 22 && minor >= 12), `Node ${process.version}${major < 22 ? ": run through npm (npm run doctor), which uses the project's Node 22" : ""}`);
check("dependencies", existsSync("node_modules/wrangler"), existsSync("node_modules/wrangler") ? "installed" : "run npm install");

// Local secrets.
const devVars = existsSync(".dev.vars") ? readFileSync(".dev.vars", "utf8") : "";
for (const name of ["SESSION_SECRET", "ENCRYPTION_KEY"]) {
  const value = new RegExp(`^${name}=(.*)$`, "m").exec(devVars)?.[1] ?? "";
  check(`local secret ${name}`, value.length >= 32, value ? (value.length >= 32 ? "set in .dev.vars" : "too short in .dev.vars (32+ characters)") : "missing from .dev.vars: npm run dev writes it");
}

// Bindings declared in wrangler.toml.
const toml = readFileSync("wrangler.toml", "utf8");
for (const [binding, fix] of [
  ["TENANT", "[[durable_objects.bindings]] name = \"TENANT\", class_name = \"TenantDO\""],
  ["CONTROL_DB", "[[d1_databases]] binding = \"CONTROL_DB\" (wrangler d1 create cs-control)"],
  ["OAUTH_KV", "[[kv_namespaces]] binding = \"OAUTH_KV\" (wrangler kv namespace create OAUTH_KV)"],
  ["CACHE", "[[kv_namespaces]] binding = \"CACHE\" (wrangler kv namespace create CACHE)"],
  ["INTEGRATIONS", "[[queues.producers]] binding = \"INTEGRATIONS\" (wrangler queues create cs-integrations)"],
]) {
  const declared = new RegExp(`(binding|name)\\s*=\\s*"${binding}"`).test(toml);
  check(`binding ${binding}`, declared, declared ? "declared in wrangler.toml" : `not declared: add ${fix}`);
}
const placeholderIds = /database_id = "0{8}-|id = "0{31}/.test(toml);
check("resource ids", true, placeholderIds ? "wrangler.toml holds local placeholder ids: before deploying, create the D1 database and KV namespaces and put their real ids there (docs/deploy.md)" : "real ids set");

// The Tenant object's migrations: every .sql file drizzle-kit wrote is in its journal.
const sqlFiles = readdirSync("migrations/tenant").filter((file) => file.endsWith(".sql"));
const journal = JSON.parse(readFileSync("migrations/tenant/meta/_journal.json", "utf8"));
const journalled = new Set(journal.entries.map((entry) => `${entry.tag}.sql`));
const stray = sqlFiles.filter((file) => !journalled.has(file));
check("migrations tenant", stray.length === 0, stray.length === 0 ? `${sqlFiles.length} migration(s), applied by the Tenant object when it starts` : `not in the journal: ${stray.join(", ")}; regenerate with npm run db:generate`);

// Local D1: are all control-plane migrations applied?
const listed = spawnSync("wrangler", ["d1", "migrations", "list", "CONTROL_DB", "--local"], { encoding: "utf8", env: { ...process.env, CI: "true", WRANGLER_SEND_METRICS: "false" } });
const listing = `${listed.stdout}${listed.stderr}`;
const applied = /No migrations to apply/i.test(listing);
check("migrations control (local D1)", applied, applied ? "all applied" : "not applied: npm run dev applies them (or wrangler d1 migrations apply CONTROL_DB --local)");

// A running server's own view.
try {
  const response = await fetch(`${serverUrl}/healthz`, { signal: AbortSignal.timeout(5000) });
  const health = await response.json();
  check(`server ${serverUrl}`, health.status === "ok", health.status === "ok" ? "healthz ok" : `healthz: ${health.problems.join("; ")}`);
} catch {
  check(`server ${serverUrl}`, true, "not running (start it with npm run dev); skipped its checks");
}

for (const result of results) console.log(`${result.ok ? "ok  " : "FAIL"} ${result.name}: ${result.detail}`);
const failures = results.filter((result) => !result.ok).length;
console.log(failures === 0 ? "Everything needed is in place." : `${failures} problem(s) above.`);
process.exit(failures === 0 ? 0 : 1);
