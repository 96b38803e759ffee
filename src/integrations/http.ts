import { encodeBase64 } from "../http/base64";
/**
 * The one way integration code calls a provider: no redirects followed (a redirect could point
 * anywhere), a time limit, and every refusal turned into a ProviderError that says whether to
 * retry and when. Messages carry the provider's own words, never our credentials.
 */

/** A provider call that did not succeed. */
export class ProviderError extends Error {
  constructor(
    message: string,
    /** HTTP status, or 0 when the provider could not be reached. */
    readonly status: number,
    /** True for 429, 5xx, timeouts and network failures: the same call may succeed later. */
    readonly retryable: boolean,
    /** What the provider asked for (Retry-After or a rate-limit reset), in seconds. */
    readonly retryAfterSeconds: number | null = null,
  ) {
    super(message);
    this.name = "ProviderError";
  }
}

/** How long a provider call may take before it counts as failed (and retryable). */
export const PROVIDER_TIMEOUT_MS = 15_000;

/** Longest provider message kept: enough to act on, short enough for a job row. */
const MESSAGE_LIMIT = 300;

export interface ProviderRequest {
  method: "GET" | "POST" | "PUT" | "DELETE";
  url: string;
  headers: Record<string, string>;
  body?: string;
  /** Name used in messages: "Zendesk", "SendGrid"… */
  provider: string;
  timeoutMs?: number;
}

/** Calls the provider; answers the response when it is 2xx, throws ProviderError otherwise. */
export async function providerFetch(request: ProviderRequest, now: () => number = Date.now): Promise<Response> {
  let response: Response;
  try {
    response = await fetch(request.url, {
      method: request.method,
      headers: request.headers,
      body: request.body,
      redirect: "manual",
      signal: AbortSignal.timeout(request.timeoutMs ?? PROVIDER_TIMEOUT_MS),
    });
  } catch (error) {
    const timedOut = error instanceof Error && (error.name === "TimeoutError" || error.name === "AbortError");
    throw new ProviderError(
      timedOut ? `${request.provider} did not answer within ${Math.round((request.timeoutMs ?? PROVIDER_TIMEOUT_MS) / 1000)} s.` : `${request.provider} could not be reached.`,
      0,
      true,
    );
  }
  if (response.ok) return response;
  const text = await response.text().catch(() => "");
  const said = providerMessage(text);
  const status = response.status;
  if (status >= 300 && status < 400) {
    throw new ProviderError(`${request.provider} answered with a redirect (${status}), which is not followed; check the subdomain or region.`, status, false);
  }
  const retryable = status === 429 || status >= 500;
  const detail = said ? `: ${said}` : ".";
  throw new ProviderError(`${request.provider} answered ${status}${detail}`, status, retryable, retryAfterSeconds(response.headers, now()));
}

/**
 * The provider's own error text out of a JSON body (the fields Zendesk, Intercom, Mixpanel and
 * SendGrid use), or the start of a plain-text body.
 */
export function providerMessage(text: string): string {
  const trimmed = text.trim();
  if (!trimmed) return "";
  try {
    const parsed: unknown = JSON.parse(trimmed);
    const found = findMessage(parsed);
    if (found) return found.slice(0, MESSAGE_LIMIT);
  } catch {
    // Not JSON: fall through to the text itself.
  }
  if (trimmed.startsWith("<")) return "";
  return trimmed.slice(0, MESSAGE_LIMIT);
}

function findMessage(value: unknown): string | null {
  if (typeof value === "string") return value;
  if (Array.isArray(value)) {
    const parts = value.map(findMessage).filter((part): part is string => Boolean(part));
    return parts.length ? parts.join("; ") : null;
  }
  if (!value || typeof value !== "object") return null;
  const record = value as Record<string, unknown>;
  // A short code ("RecordInvalid") says less than its description and details: keep them all.
  const parts: string[] = [];
  for (const key of ["error", "errors", "message", "description", "detail", "details"]) {
    if (!(key in record)) continue;
    const inner = record[key];
    const found = key === "details" && inner && typeof inner === "object" && !Array.isArray(inner) ? findMessage(Object.values(inner)) : findMessage(inner);
    if (found && !parts.includes(found)) parts.push(found);
  }
  return parts.length ? parts.join(": ") : null;
}

/**
 * Seconds to wait before retrying, from what the provider said: Retry-After (seconds or an HTTP
 * date), or a rate-limit reset header as an epoch (X-RateLimit-Reset at Intercom and SendGrid) or
 * a delta (ratelimit-reset at Zendesk).
 */
export function retryAfterSeconds(headers: Headers, nowMs: number): number | null {
  const retryAfter = headers.get("retry-after");
  if (retryAfter) {
    const seconds = Number(retryAfter);
    if (Number.isFinite(seconds) && seconds >= 0) return Math.ceil(seconds);
    const date = Date.parse(retryAfter);
    if (Number.isFinite(date)) return Math.max(0, Math.ceil((date - nowMs) / 1000));
  }
  const reset = headers.get("x-ratelimit-reset") ?? headers.get("ratelimit-reset");
  if (reset) {
    const value = Number(reset);
    if (Number.isFinite(value) && value >= 0) {
      // An epoch (seconds since 1970) is far larger than any sensible delta.
      if (value > 1_000_000_000) return Math.max(0, Math.ceil(value - nowMs / 1000));
      return Math.ceil(value);
    }
  }
  return null;
}

/** Basic auth header value for user:password. */
export function basicAuth(user: string, password: string): string {
  return `Basic ${encodeBase64(new TextEncoder().encode(`${user}:${password}`))}`;
}

/** Reads a JSON answer; a provider that answers 2xx with a body that is not JSON is refused. */
export async function providerJson(response: Response, provider: string): Promise<unknown> {
  const text = await response.text();
  if (!text) return null;
  try {
    return JSON.parse(text);
  } catch {
    throw new ProviderError(`${provider} answered ${response.status} with a body that is not JSON.`, response.status, true);
  }
}
