import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { tenantStub } from "../durable-objects/tenant";
import { Browser, logIn } from "../scripts/lib/oauth-flow";
import { membershipsOf } from "../src/db/control";
import { DEMO_ACCOUNT_COUNT, DEMO_LOGIN, ensureDemoTenant } from "../src/demo/tenant";
import type { Env } from "../src/env";
import { healthChecks } from "../src/http/health";
import { ORIGIN, workerFetch } from "./support/worker";

describe("/healthz", () => {
  it("is ok when every binding, secret and migration is there", async () => {
    const response = await workerFetch(`${ORIGIN}/healthz`);
    expect(response.status).toBe(200);
    expect((await response.json<{ status: string }>()).status).toBe("ok");
  });

  it("says in words which binding and secret is missing and how to fix it", async () => {
    const broken = { ...env, CACHE: undefined, SESSION_SECRET: "short" } as unknown as Env;
    const problems = (await healthChecks(broken)).filter((check) => !check.ok).map((check) => check.detail);
    expect(problems).toHaveLength(2);
    expect(problems[0]).toContain("CACHE is not bound");
    expect(problems[0]).toContain("wrangler kv namespace create CACHE");
    expect(problems[1]).toContain("SESSION_SECRET is shorter than 32 characters");
    expect(JSON.stringify(problems)).not.toContain("short\"");
  });
});

describe("the demo workspace", () => {
  it("is never created when ENVIRONMENT is production", async () => {
    await ensureDemoTenant({ ...env, ENVIRONMENT: "production" } as Env);
    const row = await env.CONTROL_DB.prepare("SELECT count(*) AS n FROM users WHERE email = ?").bind(DEMO_LOGIN.email).first<{ n: number }>();
    expect(row?.n).toBe(0);
    expect(await (await workerFetch(`${ORIGIN}/login`)).text()).not.toContain(DEMO_LOGIN.password);
  });

  it("is created once in development with ~100 accounts and a documented login", async () => {
    const development = { ...env, ENVIRONMENT: "development" } as Env;
    await Promise.all([ensureDemoTenant(development), ensureDemoTenant(development)]);
    const users = await env.CONTROL_DB.prepare("SELECT id FROM users WHERE email = ?").bind(DEMO_LOGIN.email).all<{ id: string }>();
    expect(users.results).toHaveLength(1);
    const [membership] = await membershipsOf(env.CONTROL_DB, users.results[0]?.id ?? "");
    expect(membership?.role).toBe("owner");
    const stub = env.TENANT.get(env.TENANT.idFromName(membership?.tenantId ?? ""));
    expect(await stub.accountCount()).toBe(DEMO_ACCOUNT_COUNT);
    expect((await logIn(new Browser(ORIGIN, workerFetch), DEMO_LOGIN)).status).toBe(303);
    // Scored from the sample facts through the real write paths: every live account has a score,
    // and the profiles spread them over several bands.
    const portfolio = await stub.portfolioHealth();
    const churned = portfolio.accounts - (await stub.portfolioChurnRisk({ minLevel: "low", limit: 1 }).then((r) => (r.ok ? r.value.accounts : 0)));
    expect(portfolio.scored).toBeGreaterThanOrEqual(portfolio.accounts - churned);
    expect(portfolio.bands.filter((band) => band.band !== "unscored" && band.accounts > 0).length).toBeGreaterThanOrEqual(3);
    // The sample facts reach back months, and so does the health history rebuilt from them:
    // every scored account has a trend, some falling and some rising, and the week has movers.
    expect(portfolio.trends.unknown).toBe(0);
    expect(portfolio.trends.declining).toBeGreaterThan(0);
    expect(portfolio.trends.improving).toBeGreaterThan(0);
    expect(portfolio.movers_down.length).toBeGreaterThan(0);
    // Its playbooks opened tasks from those facts: a CSM's list has work on it.
    const playbooks = await tenantStub(env.TENANT, membership?.tenantId ?? "").listPlaybooks({});
    if (!playbooks.ok) throw new Error(playbooks.message);
    const open = Object.fromEntries(playbooks.value.map((playbook) => [playbook.name, playbook.open_tasks]));
    expect(open["Health below 40"]).toBe(portfolio.bands.find((band) => band.band === "churn_risk")?.accounts);
    expect(open["Health falling"]).toBeGreaterThan(0);
    // The help centre answers the sample tickets' questions; the draft stays out of search.
    const found = await stub.searchArticles({ query: "sso login", status: ["published"], limit: 5 });
    expect(found.ok && found.value.results[0]?.title).toBe("Set up single sign-on (SSO) with SAML");
    const drafts = await stub.searchArticles({ query: "audit retention", status: ["published"], limit: 5 });
    expect(drafts.ok && drafts.value.total_matches).toBe(0);
  }, 60_000);
});
