import { REQUIRED_SECRETS, type Env } from "../env";

/**
 * What /healthz and `npm run doctor` report: each binding, secret and migration the Worker
 * needs, and in words what is missing and how to fix it.
 */

export interface HealthCheck {
  name: string;
  ok: boolean;
  detail: string;
}

const BINDINGS: { name: keyof Env; kind: string; fix: string }[] = [
  { name: "TENANT", kind: "Durable Object namespace", fix: "declare [[durable_objects.bindings]] TENANT → TenantDO in wrangler.toml" },
  { name: "CONTROL_DB", kind: "D1 database", fix: "run `wrangler d1 create cs-control` and put its id in wrangler.toml" },
  { name: "OAUTH_KV", kind: "KV namespace", fix: "run `wrangler kv namespace create OAUTH_KV` and put its id in wrangler.toml" },
  { name: "CACHE", kind: "KV namespace", fix: "run `wrangler kv namespace create CACHE` and put its id in wrangler.toml" },
  { name: "INTEGRATIONS", kind: "Queue producer", fix: "run `wrangler queues create cs-integrations`" },
];

const CONTROL_TABLES = ["tenants", "users", "memberships", "rate_limits", "api_keys"];

export async function healthChecks(env: Env): Promise<HealthCheck[]> {
  const checks: HealthCheck[] = [];
  const bindings = env as unknown as Record<string, unknown>;
  for (const binding of BINDINGS) {
    const present = bindings[binding.name] !== undefined && bindings[binding.name] !== null;
    checks.push({
      name: `binding ${binding.name}`,
      ok: present,
      detail: present ? `${binding.kind} bound` : `the ${binding.kind} ${binding.name} is not bound: ${binding.fix}`,
    });
  }
  for (const [secret, purpose] of Object.entries(REQUIRED_SECRETS)) {
    const value = bindings[secret];
    const ok = typeof value === "string" && value.length >= 32;
    checks.push({
      name: `secret ${secret}`,
      ok,
      detail: ok
        ? `set (${purpose})`
        : `${secret} is ${typeof value === "string" && value ? "shorter than 32 characters" : "not set"}; it ${purpose}. Set it with \`wrangler secret put ${secret}\` (locally: npm run dev writes .dev.vars)`,
    });
  }
  if (env.ENVIRONMENT === "production") {
    const ok = Boolean(env.PUBLIC_URL?.trim());
    checks.push({
      name: "var PUBLIC_URL",
      ok,
      detail: ok
        ? `public origin ${env.PUBLIC_URL}`
        : "PUBLIC_URL is empty: set it in wrangler.toml [vars] to the public origin (https://cs.example.com); until then only loopback hosts are answered",
    });
  }
  if (env.CONTROL_DB) {
    try {
      const { results } = await env.CONTROL_DB.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all<{ name: string }>();
      const present = new Set(results.map((row) => row.name));
      const missing = CONTROL_TABLES.filter((table) => !present.has(table));
      checks.push({
        name: "migrations control",
        ok: missing.length === 0,
        detail:
          missing.length === 0
            ? "D1 control-plane tables present"
            : `D1 tables missing (${missing.join(", ")}): run \`wrangler d1 migrations apply CONTROL_DB --remote\` (locally: --local, which npm run dev does)`,
      });
    } catch {
      checks.push({ name: "migrations control", ok: false, detail: "could not query the D1 database CONTROL_DB; check its binding and id" });
    }
  }
  return checks;
}
