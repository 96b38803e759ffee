/**
 * Drives this server's sign-up, log-in and OAuth consent the way a browser would, over
 * plain HTTP, for tests, benchmarks and the conformance proxy. It speaks only the public
 * endpoints (forms, /authorize, /oauth/register, /oauth/token); nothing here is a back door.
 * Plain TypeScript with erasable types, so Node 22 runs it directly.
 */

export type Fetch = (input: string, init?: RequestInit) => Promise<Response>;

/** Cookies as a browser keeps them, for one origin. */
export class CookieJar {
  readonly cookies = new Map<string, string>();

  store(response: Response): void {
    for (const line of response.headers.getSetCookie()) {
      const [pair = ""] = line.split(";");
      const index = pair.indexOf("=");
      const name = pair.slice(0, index).trim();
      const value = pair.slice(index + 1).trim();
      if (/max-age=0|expires=thu, 01 jan 1970/i.test(line) || value === "") this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }

  header(): string {
    return [...this.cookies].map(([name, value]) => `${name}=${value}`).join("; ");
  }
}

/** A browser-like session against one origin: keeps cookies, never follows redirects. */
export class Browser {
  readonly jar = new CookieJar();
  readonly origin: string;
  private readonly fetcher: Fetch;

  constructor(origin: string, fetcher: Fetch) {
    this.origin = origin;
    this.fetcher = fetcher;
  }

  async request(path: string, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    const cookie = this.jar.header();
    if (cookie) headers.set("Cookie", cookie);
    const url = path.startsWith("http") ? path : `${this.origin}${path}`;
    const response = await this.fetcher(url, { ...init, headers, redirect: "manual" });
    this.jar.store(response);
    return response;
  }

  /** GETs a page and returns its HTML. */
  async page(path: string): Promise<{ response: Response; html: string }> {
    const response = await this.request(path);
    return { response, html: await response.text() };
  }

  /** POSTs a form the way a browser submits it. */
  submit(path: string, fields: Record<string, string | string[]>): Promise<Response> {
    const body = new URLSearchParams();
    for (const [name, value] of Object.entries(fields)) {
      for (const entry of Array.isArray(value) ? value : [value]) body.append(name, entry);
    }
    return this.request(path, { method: "POST", headers: { "Content-Type": "application/x-www-form-urlencoded" }, body });
  }
}

/** The value of a hidden input in a page. */
export function hiddenField(html: string, name: string): string {
  const match = new RegExp(`name="${name}"[^>]*value="([^"]*)"`).exec(html) ?? new RegExp(`value="([^"]*)"[^>]*name="${name}"`).exec(html);
  if (!match?.[1]) throw new Error(`no hidden field ${name} in the page`);
  return match[1].replaceAll("&amp;", "&").replaceAll("&#43;", "+").replaceAll("&#x2B;", "+");
}

export async function signUp(browser: Browser, input: { organization: string; email: string; password: string }): Promise<Response> {
  const { html } = await browser.page("/signup");
  return browser.submit("/signup", { csrf_token: hiddenField(html, "csrf_token"), ...input });
}

export async function logIn(browser: Browser, input: { email: string; password: string }): Promise<Response> {
  const { html } = await browser.page("/login");
  return browser.submit("/login", { csrf_token: hiddenField(html, "csrf_token"), next: "/", ...input });
}

export interface RegisteredClient {
  client_id: string;
  redirect_uri: string;
}

export async function registerOAuthClient(origin: string, fetcher: Fetch, name = "Test client"): Promise<RegisteredClient> {
  const redirectUri = "http://127.0.0.1:33418/callback";
  const response = await fetcher(`${origin}/oauth/register`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ client_name: name, redirect_uris: [redirectUri], token_endpoint_auth_method: "none" }),
  });
  if (response.status !== 201) throw new Error(`registration answered ${response.status}: ${await response.text()}`);
  const client = (await response.json()) as { client_id: string };
  return { client_id: client.client_id, redirect_uri: redirectUri };
}

function base64url(bytes: Uint8Array): string {
  return btoa(String.fromCharCode(...bytes)).replaceAll("+", "-").replaceAll("/", "_").replaceAll("=", "");
}

export async function pkcePair(): Promise<{ verifier: string; challenge: string }> {
  const verifier = base64url(crypto.getRandomValues(new Uint8Array(32)));
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier));
  return { verifier, challenge: base64url(new Uint8Array(digest)) };
}

export interface Tokens {
  access_token: string;
  refresh_token?: string;
  expires_in: number;
  scope: string;
  token_type: string;
}

/**
 * The whole authorization-code + PKCE flow for a signed-in browser: authorize, approve the
 * consent page with the given scopes (or deny it), exchange the code.
 */
export async function authorize(
  browser: Browser,
  client: RegisteredClient,
  options: { scope?: string; grant?: string[]; resource?: string; deny?: boolean; consentFields?: Record<string, string | string[]> } = {},
): Promise<{ tokens?: Tokens; redirect: URL; consentHtml: string }> {
  const { verifier, challenge } = await pkcePair();
  const state = base64url(crypto.getRandomValues(new Uint8Array(12)));
  const query = new URLSearchParams({
    response_type: "code",
    client_id: client.client_id,
    redirect_uri: client.redirect_uri,
    code_challenge: challenge,
    code_challenge_method: "S256",
    state,
    scope: options.scope ?? "cs:read cs:write",
    resource: options.resource ?? `${browser.origin}/mcp`,
  });
  const { response, html } = await browser.page(`/authorize?${query}`);
  if (response.status !== 200) throw new Error(`authorize answered ${response.status}: ${html.slice(0, 300)}`);
  const fields: Record<string, string | string[]> = {
    csrf_token: hiddenField(html, "csrf_token"),
    handle: hiddenField(html, "handle"),
    decision: options.deny ? "deny" : "approve",
  };
  if (!options.deny) fields.scope = options.grant ?? (options.scope ?? "cs:read cs:write").split(" ");
  // More of the consent form: per-tool choices (tools_<group>, tool).
  Object.assign(fields, options.consentFields ?? {});
  const decided = await browser.submit("/authorize", fields);
  const location = decided.headers.get("Location");
  if (decided.status !== 302 || !location) throw new Error(`consent answered ${decided.status}: ${pageText(await decided.text()).slice(0, 300)}`);
  const redirect = new URL(location);
  if (redirect.searchParams.get("state") !== state) throw new Error("state did not round-trip");
  const code = redirect.searchParams.get("code");
  if (!code) return { redirect, consentHtml: html };
  const tokens = await exchange(browser.origin, (url, init) => browser.request(url, init), {
    grant_type: "authorization_code",
    code,
    redirect_uri: client.redirect_uri,
    client_id: client.client_id,
    code_verifier: verifier,
  });
  return { tokens, redirect, consentHtml: html };
}

/** What a page says, without its markup and style: for error messages. */
function pageText(html: string): string {
  return html
    .replace(/<(style|script)[^>]*>[\s\S]*?<\/\1>/g, " ")
    .replace(/<[^>]+>/g, " ")
    .replace(/\s+/g, " ")
    .trim();
}

export async function exchange(origin: string, fetcher: Fetch, fields: Record<string, string>): Promise<Tokens> {
  const response = await fetcher(`${origin}/oauth/token`, {
    method: "POST",
    headers: { "Content-Type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams(fields),
  });
  if (response.status !== 200) throw new Error(`token endpoint answered ${response.status}: ${await response.text()}`);
  return (await response.json()) as Tokens;
}

/** Sign up a fresh workspace and return an access token for it: what benchmarks and proxies need. */
export async function freshWorkspaceToken(
  origin: string,
  fetcher: Fetch,
  options: { scope?: string; resource?: string; organization?: string } = {},
): Promise<{ tokens: Tokens; browser: Browser; email: string; password: string }> {
  const browser = new Browser(origin, fetcher);
  const email = `owner-${crypto.randomUUID().slice(0, 8)}@example.com`;
  const password = "correct horse battery staple";
  const signed = await signUp(browser, { organization: options.organization ?? "Bench Co", email, password });
  if (signed.status !== 303) throw new Error(`sign-up answered ${signed.status}`);
  const client = await registerOAuthClient(origin, fetcher);
  const { tokens } = await authorize(browser, client, { scope: options.scope ?? "cs:read cs:write", resource: options.resource });
  if (!tokens) throw new Error("no tokens");
  return { tokens, browser, email, password };
}
