import { Hono } from "hono";
import { openApiDocument } from "./api/openapi";
import type { AppEnv } from "./app-env";
import { csrfToken } from "./auth/csrf";
import { authRoutes } from "./auth/routes";
import { readSession } from "./auth/session";
import { membership } from "./db/control";
import { DEMO_LOGIN, demoLoginShown } from "./demo/tenant";
import { healthChecks } from "./http/health";
import { resolveOrigin } from "./http/origin";
import { oauthEdge } from "./auth/oauth";
import { Layout } from "./http/layout";
import { catalog } from "./tools/catalog";
import { setupRoutes } from "./setup/routes";
import { surveyRoutes } from "./surveys/routes";

/** The unprotected side of the Worker: start page, sign-in and consent, health, API description. */
export const app = new Hono<AppEnv>();

app.use(async (c, next) => {
  const resolved = resolveOrigin(c.req.raw, c.env);
  if (!resolved.ok) return c.json({ error: { code: "misdirected", message: resolved.message } }, resolved.status);
  c.set("origin", resolved.origin);
  c.set("edge", oauthEdge(resolved.origin));
  await next();
});

app.route("/", authRoutes);
app.route("/", setupRoutes);
app.route("/", surveyRoutes);

app.get("/", async (c) => {
  const origin = c.var.origin;
  const session = await readSession(c, c.env.SESSION_SECRET);
  const member = session ? await membership(c.env.CONTROL_DB, session.userId, session.tenantId) : null;
  const demo = !session && (await demoLoginShown(c.env));
  return c.html(
    <Layout title="Start" signedInAs={session?.email} csrf={session ? await csrfToken(c, c.env.SESSION_SECRET) : undefined}>
      <div class="card">
        <h1>Your customer-success practice, in your AI assistant</h1>
        <p>
          Customer Success MCP keeps your accounts, their contracts and their history in one workspace, and serves it as a remote
          MCP server: Claude, ChatGPT, Cursor or any MCP client can look accounts up, register and update them, and follow
          their timelines, after you log in and approve exactly what the assistant may do.
        </p>
        {member ? (
          <p>
            Signed in to <strong>{member.tenantName}</strong> as {session?.email} ({member.role}).
          </p>
        ) : (
          <p>
            <a href="/signup">Create a workspace</a> or <a href="/login">log in</a>.
          </p>
        )}
        {demo ? (
          <p class="muted">
            Local demo workspace with sample accounts: <code>{DEMO_LOGIN.email}</code> / <code>{DEMO_LOGIN.password}</code>.
          </p>
        ) : null}
      </div>
      <div class="card">
        <h2>Connect an MCP client</h2>
        <p>Give your client this URL; it discovers the sign-in by itself (OAuth 2.1 with PKCE):</p>
        <pre>{`${origin}/mcp`}</pre>
        <ul>
          <li>
            <strong>Claude</strong>: Settings → Connectors → Add custom connector, paste the URL, then log in and approve.
          </li>
          <li>
            <strong>MCP Inspector</strong>: <code>npx @modelcontextprotocol/inspector</code>, transport “Streamable HTTP”, the URL
            above, then “Open Auth Settings” → “Quick OAuth Flow”.
          </li>
          <li>
            <strong>Cursor</strong>: add <code>{`{"mcpServers":{"customer-success":{"url":"${origin}/mcp"}}}`}</code> to
            <code>.cursor/mcp.json</code>.
          </li>
        </ul>
        <p class="muted">
          {catalog.length} tools today. The same operations are a REST API: <a href="/openapi.json">/openapi.json</a>.
        </p>
      </div>
    </Layout>,
  );
});

/** Liveness: answers without touching any store (load balancers, and the benchmark's bare route). */
app.get("/livez", (c) => c.text("ok"));

app.get("/healthz", async (c) => {
  const checks = await healthChecks(c.env);
  const problems = checks.filter((check) => !check.ok);
  return c.json(
    {
      status: problems.length === 0 ? "ok" : "degraded",
      problems: problems.map((check) => check.detail),
      checks,
    },
    problems.length === 0 ? 200 : 503,
  );
});

app.get("/openapi.json", (c) => c.json(openApiDocument(c.var.origin)));

app.notFound((c) => c.json({ error: { code: "not_found", message: `Nothing at ${new URL(c.req.url).pathname}; the start page is /.` } }, 404));
app.onError((error, c) => {
  console.error("request failed", error instanceof Error ? error.name : "unknown error");
  return c.json({ error: { code: "internal", message: "The server failed to handle this request; try again." } }, 500);
});
