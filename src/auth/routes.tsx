import { AuthorizationError, CimdFetchError } from "@cloudflare/workers-oauth-provider";
import { Hono, type Context } from "hono";
import { z } from "zod";
import type { AppEnv } from "../app-env";
import { createTenantWithOwner, findUserByEmail, membership, membershipsOf, normalizeEmail } from "../db/control";
import { DEMO_LOGIN, demoLoginShown } from "../demo/tenant";
import { csrfToken, CSRF_FIELD, verifyCsrf } from "./csrf";
import { ConsentPage, LoginPage, MessagePage, SignupPage, type FieldErrors } from "./pages";
import { decoyPasswordHash, hashPassword, verifyPassword } from "./passwords";
import { LOGIN_LIMITS, SIGNUP_LIMITS, takeAttempt } from "./rate-limit";
import { preselectedScopes, isScope, scopesForRole } from "./scopes";
import { endSession, readSession, startSession } from "./session";
import { allowedToolsFromForm } from "./tool-consent";
import { appNameOf } from "./grants";
import { tenantStub } from "../../durable-objects/tenant";

/** /signup, /login, /logout and the OAuth consent page at /authorize. */

const signupForm = z.object({
  organization: z.string().trim().min(1, "Enter your organization's name.").max(200, "Use at most 200 characters."),
  email: z.email("Enter an email address such as jane@example.com.").max(254),
  password: z.string().min(10, "Use at least 10 characters.").max(200, "Use at most 200 characters."),
});

const GENERIC_LOGIN_ERROR = "Email or password is incorrect.";
const TOO_MANY_ATTEMPTS = "Too many attempts; wait a few minutes and try again.";

function clientIp(c: Context): string {
  return c.req.header("CF-Connecting-IP") ?? c.req.header("X-Forwarded-For")?.split(",")[0]?.trim() ?? "local";
}

/** A post-login destination on this server only (no open redirects). */
function safeNext(next: unknown): string {
  return typeof next === "string" && next.startsWith("/") && !next.startsWith("//") && !next.startsWith("/\\") ? next : "/";
}

function formText(form: FormData, name: string): string {
  const value = form.get(name);
  return typeof value === "string" ? value : "";
}

export const authRoutes = new Hono<AppEnv>();

authRoutes.get("/signup", async (c) => c.html(<SignupPage csrf={await csrfToken(c, c.env.SESSION_SECRET)} />));

authRoutes.post("/signup", async (c) => {
  const form = await c.req.formData();
  const csrf = await csrfToken(c, c.env.SESSION_SECRET);
  const values = { organization: formText(form, "organization"), email: formText(form, "email") };
  if (!(await verifyCsrf(c, c.env.SESSION_SECRET, form.get(CSRF_FIELD)))) {
    return c.html(<SignupPage csrf={csrf} values={values} message="This form expired; submit it again." />, 403);
  }
  const parsed = signupForm.safeParse({ ...values, password: formText(form, "password") });
  if (!parsed.success) {
    const errors: FieldErrors = {};
    for (const issue of parsed.error.issues) errors[String(issue.path[0])] ??= issue.message;
    return c.html(<SignupPage csrf={csrf} values={values} errors={errors} />, 400);
  }
  const email = normalizeEmail(parsed.data.email);
  const db = c.env.CONTROL_DB;
  const allowed =
    (await takeAttempt(db, `signup:ip:${clientIp(c)}`, SIGNUP_LIMITS.perIp)) &&
    (await takeAttempt(db, `signup:email:${email}`, SIGNUP_LIMITS.perEmail));
  if (!allowed) return c.html(<SignupPage csrf={csrf} values={values} message={TOO_MANY_ATTEMPTS} />, 429);

  const created = await createTenantWithOwner(db, {
    organization: parsed.data.organization,
    email,
    name: email.split("@")[0] ?? email,
    password: await hashPassword(parsed.data.password),
  });
  if ("error" in created) {
    return c.html(
      <SignupPage csrf={csrf} values={values} errors={{ email: "This email already has an account; log in instead, or use another email." }} />,
      409,
    );
  }
  await startSession(c, c.env.SESSION_SECRET, { userId: created.userId, tenantId: created.tenantId, email });
  // A new owner starts with the workspace setup (/setup, src/setup).
  return c.redirect("/setup", 303);
});

authRoutes.get("/login", async (c) => {
  const demo = (await demoLoginShown(c.env)) ? DEMO_LOGIN : null;
  return c.html(<LoginPage csrf={await csrfToken(c, c.env.SESSION_SECRET)} next={safeNext(c.req.query("next"))} demo={demo} />);
});

authRoutes.post("/login", async (c) => {
  const form = await c.req.formData();
  const csrf = await csrfToken(c, c.env.SESSION_SECRET);
  const email = normalizeEmail(formText(form, "email"));
  const next = safeNext(formText(form, "next"));
  const page = (message: string, status: 400 | 401 | 403 | 429) =>
    c.html(<LoginPage csrf={csrf} next={next} email={email} message={message} />, status);
  if (!(await verifyCsrf(c, c.env.SESSION_SECRET, form.get(CSRF_FIELD)))) return page("This form expired; submit it again.", 403);
  if (!email || !formText(form, "password")) return page("Enter your email and password.", 400);

  const db = c.env.CONTROL_DB;
  const allowed =
    (await takeAttempt(db, `login:ip:${clientIp(c)}`, LOGIN_LIMITS.perIp)) &&
    (await takeAttempt(db, `login:email:${email}`, LOGIN_LIMITS.perEmail));
  if (!allowed) return page(TOO_MANY_ATTEMPTS, 429);

  const user = await findUserByEmail(db, email);
  // Verify against a decoy when the email is unknown, so timing does not tell which emails exist.
  const valid = await verifyPassword(formText(form, "password"), user?.password ?? (await decoyPasswordHash()));
  if (!user || !valid) return page(GENERIC_LOGIN_ERROR, 401);

  const [first] = await membershipsOf(db, user.id);
  if (!first) return page("This account belongs to no workspace; ask an admin to invite you.", 403);
  await startSession(c, c.env.SESSION_SECRET, { userId: user.id, tenantId: first.tenantId, email: user.email });
  return c.redirect(next, 303);
});

authRoutes.post("/logout", async (c) => {
  const form = await c.req.formData();
  if (!(await verifyCsrf(c, c.env.SESSION_SECRET, form.get(CSRF_FIELD)))) {
    return c.html(<MessagePage title="Not logged out" message="This form expired; reload the page and log out again." />, 403);
  }
  endSession(c);
  return c.redirect("/", 303);
});

async function authorizationFailure(c: Context<AppEnv>, error: unknown): Promise<Response> {
  if (error instanceof AuthorizationError && error.redirectTo) return c.redirect(error.redirectTo, 302);
  if (error instanceof AuthorizationError || error instanceof CimdFetchError) {
    const message = error instanceof AuthorizationError ? error.description : "This app could not be verified.";
    return c.html(<MessagePage title="Cannot authorize this app" message={`${message} Start the connection again from your app.`} />, 400);
  }
  throw error;
}

authRoutes.get("/authorize", async (c) => {
  const oauth = c.var.edge.authorizationServer.getOAuthApi(c.env);
  try {
    const request = await oauth.parseAuthRequest(c.req.raw);
    const session = await readSession(c, c.env.SESSION_SECRET);
    if (!session) {
      const url = new URL(c.req.url);
      return c.redirect(`/login?next=${encodeURIComponent(url.pathname + url.search)}`, 302);
    }
    const member = await membership(c.env.CONTROL_DB, session.userId, session.tenantId);
    if (!member) {
      endSession(c);
      return c.html(<MessagePage title="No workspace" message="Your access to this workspace was removed; log in again." />, 403);
    }
    const details = await oauth.describeConsent(request);
    const consent = await oauth.beginConsent(request);
    const page = (
      <ConsentPage
        csrf={await csrfToken(c, c.env.SESSION_SECRET)}
        handle={consent.handle}
        details={details}
        allowedScopes={scopesForRole(member.role)}
        checkedScopes={preselectedScopes(request.scope, member.role)}
        workspace={member.tenantName}
        email={session.email}
        role={member.role}
      />
    );
    const response = await c.html(page);
    consent.headers.forEach((value, name) => {
      if (name.toLowerCase() === "set-cookie") response.headers.append(name, value);
      else if (name.toLowerCase() !== "content-type") response.headers.set(name, value);
    });
    return response;
  } catch (error) {
    return authorizationFailure(c, error);
  }
});

authRoutes.post("/authorize", async (c) => {
  const oauth = c.var.edge.authorizationServer.getOAuthApi(c.env);
  const form = await c.req.formData();
  const session = await readSession(c, c.env.SESSION_SECRET);
  if (!session) return c.html(<MessagePage title="Signed out" message="Your session ended; start the connection again from your app." />, 401);
  if (!(await verifyCsrf(c, c.env.SESSION_SECRET, form.get(CSRF_FIELD)))) {
    return c.html(<MessagePage title="Form expired" message="This page expired; start the connection again from your app." />, 403);
  }
  const handle = formText(form, "handle");
  try {
    if (formText(form, "decision") !== "approve") {
      const denied = await oauth.denyConsent(c.req.raw, handle);
      return new Response(null, { status: 302, headers: denied.headers });
    }
    const member = await membership(c.env.CONTROL_DB, session.userId, session.tenantId);
    if (!member) return c.html(<MessagePage title="No workspace" message="Your access to this workspace was removed." />, 403);
    const allowed = scopesForRole(member.role);
    const scope = form
      .getAll("scope")
      .map(String)
      .filter(isScope)
      .filter((entry) => allowed.includes(entry));
    if (scope.length === 0) {
      return c.html(<MessagePage title="Nothing to allow" message="Tick at least one scope, or choose Deny. Start again from your app." />, 400);
    }
    const toolChoice = allowedToolsFromForm(form);
    if ("error" in toolChoice) return c.html(<MessagePage title="Nothing to allow" message={`${toolChoice.error} Start again from your app.`} />, 400);
    const tools = toolChoice.tools ? { tools: toolChoice.tools } : {};
    const approved = await oauth.approveConsent(c.req.raw, handle, { scope });
    const { redirectTo } = await oauth.completeAuthorization({
      request: approved.request,
      userId: session.userId,
      metadata: { tenantId: session.tenantId, role: member.role, ...tools },
      scope,
      props: { userId: session.userId, tenantId: session.tenantId, role: member.role, ...tools },
    });
    // The workspace's audit log says who connected which app, with what, before the app holds a
    // code; a failure to record it does not undo the consent.
    const clientId = approved.request.clientId;
    try {
      const app = await appNameOf(oauth, clientId);
      const details = { app, scopes: scope, tools: toolChoice.tools ?? "all" };
      await tenantStub(c.env.TENANT, session.tenantId).auditSetupAction("approve_assistant_access", clientId, details, { userId: session.userId, via: "consent" });
    } catch {
      console.warn("consent audit entry not recorded");
    }
    approved.headers.set("Location", redirectTo);
    return new Response(null, { status: 302, headers: approved.headers });
  } catch (error) {
    return authorizationFailure(c, error);
  }
});
