/**
 * Shared pieces of the end-to-end suite: acting as the user's browser on the consent page
 * an MCP SDK redirects to, narrowing unknown JSON, and a unique workspace per test.
 */
import { Browser, hiddenField, signUp, type Fetch } from "../../scripts/lib/oauth-flow";

export const PASSWORD = "correct horse battery staple";

/** The loopback redirect a native MCP client registers; nothing listens, the browser never follows it. */
export const LOOPBACK_REDIRECT = "http://127.0.0.1:33419/callback";

/** The five core tools every token with cs:read sees in tools/list. */
export const CORE_TOOLS = ["register_client", "get_client_overview", "update_client_info", "list_clients", "get_client_timeline"] as const;

export const nodeFetch: Fetch = (input, init) => fetch(input, init);

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Reads a nested property of unknown JSON, failing loudly when the shape is wrong. */
export function field(value: unknown, ...path: string[]): unknown {
  let current = value;
  for (const key of path) {
    if (!isRecord(current)) throw new Error(`expected an object at ${path.join(".")}, got ${JSON.stringify(current)}`);
    current = current[key];
  }
  return current;
}

export function text(value: unknown, ...path: string[]): string {
  const found = field(value, ...path);
  if (typeof found !== "string") throw new Error(`expected a string at ${path.join(".")}, got ${JSON.stringify(found)}`);
  return found;
}

export function list(value: unknown, ...path: string[]): unknown[] {
  const found = field(value, ...path);
  if (!Array.isArray(found)) throw new Error(`expected an array at ${path.join(".")}, got ${JSON.stringify(found)}`);
  return found;
}

export function uniqueEmail(label: string): string {
  return `${label}-${crypto.randomUUID().slice(0, 8)}@example.com`;
}

/** A browser signed in to a brand-new workspace (its owner may grant every scope). */
export async function signedUpBrowser(origin: string, organization: string): Promise<{ browser: Browser; email: string }> {
  const browser = new Browser(origin, nodeFetch);
  const email = uniqueEmail("owner");
  const response = await signUp(browser, { organization, email, password: PASSWORD });
  if (response.status !== 303) throw new Error(`sign-up answered ${response.status}: ${(await response.text()).slice(0, 300)}`);
  return { browser, email };
}

export interface ScopeCheckbox {
  value: string;
  checked: boolean;
}

/** The scope checkboxes of the consent form, as a browser would render them. */
export function scopeCheckboxes(html: string): ScopeCheckbox[] {
  const boxes: ScopeCheckbox[] = [];
  for (const [tag] of html.matchAll(/<input\b[^>]*>/g)) {
    if (!/\btype="checkbox"/.test(tag) || !/\bname="scope"/.test(tag)) continue;
    const value = /\bvalue="([^"]*)"/.exec(tag)?.[1];
    if (value) boxes.push({ value, checked: /\bchecked\b/.test(tag) });
  }
  return boxes;
}

export interface ConsentOutcome {
  /** Where the server sent the browser back: the client's redirect_uri with code, state and iss. */
  callback: URL;
  consentHtml: string;
  offered: ScopeCheckbox[];
}

/**
 * What the user does in the browser an SDK opened at `authorizationUrl`: load the consent
 * page (already signed in), tick the given scopes, press Approve, and hand back the
 * redirect the browser would follow to the client's loopback callback.
 */
export async function approveInBrowser(browser: Browser, authorizationUrl: URL, grant: readonly string[]): Promise<ConsentOutcome> {
  if (authorizationUrl.origin !== browser.origin) throw new Error(`the SDK sent the browser to ${authorizationUrl.origin}, not ${browser.origin}`);
  const { response, html } = await browser.page(authorizationUrl.href);
  if (response.status !== 200) throw new Error(`the consent page answered ${response.status}: ${html.slice(0, 300)}`);
  const offered = scopeCheckboxes(html);
  const decided = await browser.submit("/authorize", {
    csrf_token: hiddenField(html, "csrf_token"),
    handle: hiddenField(html, "handle"),
    decision: "approve",
    scope: [...grant],
  });
  const location = decided.headers.get("Location");
  if (decided.status !== 302 || !location) throw new Error(`consent answered ${decided.status}: ${(await decided.text()).slice(0, 300)}`);
  return { callback: new URL(location), consentHtml: html, offered };
}

/** The text of the first text block of a tool result (where errors are explained). */
export function firstText(result: unknown): string {
  const content = list(result, "content");
  const first = content[0];
  return isRecord(first) && typeof first.text === "string" ? first.text : "";
}

/**
 * The message of a failed tools/call, whichever way the server reports it: a JSON-RPC
 * error (the SDK throws) or a result with isError.
 */
export async function toolFailure(call: () => Promise<unknown>): Promise<string> {
  let result: unknown;
  try {
    result = await call();
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
  if (!isRecord(result) || result.isError !== true) throw new Error(`expected the call to fail, got ${JSON.stringify(result)}`);
  return firstText(result);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((done) => setTimeout(done, ms));
}
