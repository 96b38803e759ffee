import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { Browser, hiddenField, logIn, signUp } from "../scripts/lib/oauth-flow";
import { ORIGIN, PASSWORD, uniqueEmail, workerFetch } from "./support/worker";

/** Every <input> that a person fills in has a <label for> pointing at it. */
function unlabelledInputs(html: string): string[] {
  const ids = [...html.matchAll(/<input(?![^>]*type="(?:hidden|submit)")[^>]*id="([^"]+)"/g)].map((match) => match[1] as string);
  const inputs = [...html.matchAll(/<input(?![^>]*type="(?:hidden|submit)")[^>]*>/g)];
  const labelled = new Set([...html.matchAll(/<label[^>]*for="([^"]+)"/g)].map((match) => match[1]));
  return inputs.length === ids.length ? ids.filter((id) => !labelled.has(id)) : ["an input without an id"];
}

describe("sign-up", () => {
  it("creates a tenant with the new user as its owner and signs them in", async () => {
    const browser = new Browser(ORIGIN, workerFetch);
    const email = uniqueEmail("founder");
    const response = await signUp(browser, { organization: "Globex CS", email, password: PASSWORD });
    expect(response.status).toBe(303);
    expect(response.headers.getSetCookie().some((cookie) => /cs_session=.*HttpOnly.*Secure.*SameSite=Lax/i.test(cookie))).toBe(true);

    const row = await env.CONTROL_DB.prepare(
      "SELECT t.name, m.role FROM users u JOIN memberships m ON m.user_id = u.id JOIN tenants t ON t.id = m.tenant_id WHERE u.email = ?",
    )
      .bind(email)
      .first<{ name: string; role: string }>();
    expect(row).toEqual({ name: "Globex CS", role: "owner" });

    const home = await (await browser.request("/")).text();
    expect(home).toContain("Globex CS");
    expect(home).toContain(email);
  });

  it("labels every input on the sign-up and log-in pages", async () => {
    for (const path of ["/signup", "/login"]) {
      const html = await (await workerFetch(`${ORIGIN}${path}`)).text();
      expect(unlabelledInputs(html), path).toEqual([]);
    }
  });

  it("shows each validation error next to its field and creates nothing", async () => {
    const browser = new Browser(ORIGIN, workerFetch);
    const { html } = await browser.page("/signup");
    const response = await browser.submit("/signup", {
      csrf_token: hiddenField(html, "csrf_token"),
      organization: "",
      email: "not-an-email",
      password: "short",
    });
    expect(response.status).toBe(400);
    const page = await response.text();
    expect(page).toContain('id="organization-error"');
    expect(page).toContain('id="email-error"');
    expect(page).toContain('id="password-error"');
    const users = await env.CONTROL_DB.prepare("SELECT count(*) AS n FROM users WHERE email = 'not-an-email'").first<{ n: number }>();
    expect(users?.n).toBe(0);
  });

  it("refuses a form without a valid CSRF token", async () => {
    const browser = new Browser(ORIGIN, workerFetch);
    await browser.page("/signup");
    const response = await browser.submit("/signup", { csrf_token: "forged", organization: "X", email: uniqueEmail(), password: PASSWORD });
    expect(response.status).toBe(403);
  });

  it("refuses a second account for the same email", async () => {
    const email = uniqueEmail("twice");
    expect((await signUp(new Browser(ORIGIN, workerFetch), { organization: "One", email, password: PASSWORD })).status).toBe(303);
    const again = await signUp(new Browser(ORIGIN, workerFetch), { organization: "Two", email, password: PASSWORD });
    expect(again.status).toBe(409);
    expect(await again.text()).toContain("already has an account");
  });

  it("stores only a PBKDF2 hash with a per-user salt", async () => {
    const first = uniqueEmail("hash");
    const second = uniqueEmail("hash");
    await signUp(new Browser(ORIGIN, workerFetch), { organization: "A", email: first, password: PASSWORD });
    await signUp(new Browser(ORIGIN, workerFetch), { organization: "B", email: second, password: PASSWORD });
    const { results } = await env.CONTROL_DB.prepare("SELECT password_hash, password_salt, password_iterations FROM users WHERE email IN (?, ?)")
      .bind(first, second)
      .all<{ password_hash: string; password_salt: string; password_iterations: number }>();
    expect(results).toHaveLength(2);
    expect(results[0]?.password_iterations).toBe(100_000);
    expect(results[0]?.password_salt).not.toBe(results[1]?.password_salt);
    expect(results[0]?.password_hash).not.toBe(results[1]?.password_hash);
    expect(JSON.stringify(results)).not.toContain(PASSWORD);
  });
});

describe("log-in and log-out", () => {
  it("logs in with the right password and out again", async () => {
    const email = uniqueEmail("login");
    await signUp(new Browser(ORIGIN, workerFetch), { organization: "Initech", email, password: PASSWORD });
    const browser = new Browser(ORIGIN, workerFetch);
    const response = await logIn(browser, { email: email.toUpperCase(), password: PASSWORD });
    expect(response.status).toBe(303);
    const home = await (await browser.request("/")).text();
    expect(home).toContain("Initech");

    const logout = await browser.submit("/logout", { csrf_token: hiddenField(home, "csrf_token") });
    expect(logout.status).toBe(303);
    expect(await (await browser.request("/")).text()).not.toContain("Initech");
  });

  it("answers a wrong password and an unknown email with the same message", async () => {
    const email = uniqueEmail("known");
    await signUp(new Browser(ORIGIN, workerFetch), { organization: "Known", email, password: PASSWORD });
    const wrongPassword = await logIn(new Browser(ORIGIN, workerFetch), { email, password: "wrong password here" });
    const unknownEmail = await logIn(new Browser(ORIGIN, workerFetch), { email: uniqueEmail("nobody"), password: PASSWORD });
    expect(wrongPassword.status).toBe(401);
    expect(unknownEmail.status).toBe(401);
    const message = (html: string) => /role="alert">([^<]*)</.exec(html)?.[1];
    expect(message(await wrongPassword.text())).toBe("Email or password is incorrect.");
    expect(message(await unknownEmail.text())).toBe("Email or password is incorrect.");
  });

  it("rate-limits repeated log-in attempts for one email", async () => {
    const email = uniqueEmail("target");
    await signUp(new Browser(ORIGIN, workerFetch), { organization: "Target", email, password: PASSWORD });
    const statuses: number[] = [];
    for (let attempt = 0; attempt < 11; attempt++) {
      const response = await logIn(new Browser(ORIGIN, workerFetch), { email, password: `wrong-${attempt}-password` });
      statuses.push(response.status);
    }
    expect(statuses.slice(0, 10).every((status) => status === 401)).toBe(true);
    expect(statuses[10]).toBe(429);
    // Even the right password waits out the window once the limit is reached.
    expect((await logIn(new Browser(ORIGIN, workerFetch), { email, password: PASSWORD })).status).toBe(429);
  });

  it("rate-limits sign-ups from one address", async () => {
    const statuses: number[] = [];
    for (let attempt = 0; attempt < 11; attempt++) {
      const browser = new Browser(ORIGIN, (url, init) =>
        workerFetch(url, { ...init, headers: { ...Object.fromEntries(new Headers(init?.headers)), "CF-Connecting-IP": "198.51.100.7" } }),
      );
      statuses.push((await signUp(browser, { organization: `Spam ${attempt}`, email: uniqueEmail("spam"), password: PASSWORD })).status);
    }
    expect(statuses.slice(0, 10).every((status) => status === 303)).toBe(true);
    expect(statuses[10]).toBe(429);
  });

  it("sends a log-in that came from /authorize back there, and refuses off-site destinations", async () => {
    const email = uniqueEmail("next");
    await signUp(new Browser(ORIGIN, workerFetch), { organization: "Next", email, password: PASSWORD });
    const browser = new Browser(ORIGIN, workerFetch);
    const { html } = await browser.page("/login?next=%2Fauthorize%3Fclient_id%3Dx");
    expect(hiddenField(html, "next")).toBe("/authorize?client_id=x");
    const offsite = await browser.page("/login?next=https%3A%2F%2Fevil.example%2F");
    expect(hiddenField(offsite.html, "next")).toBe("/");
    const response = await browser.submit("/login", { csrf_token: hiddenField(html, "csrf_token"), next: "//evil.example/", email, password: PASSWORD });
    expect(response.headers.get("Location")).toBe("/");
  });
});
