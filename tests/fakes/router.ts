/**
 * Fake provider servers for the Workers tests. Miniflare hands every outbound fetch of the
 * Worker (and of the tests) to `routeOutbound` in Node (vitest.config.ts `outboundService`),
 * so the production clients call the real provider URLs and these fakes answer them in the
 * provider's wire format. Nothing here is imported by src/.
 *
 * Tests steer the fakes through a control host, https://fakes.test (tests/support/fakes.ts):
 *   POST /faults    {host, authorization?, path_prefix?, responses:[{status, headers?, body?, delay_ms?}]}
 *                   the next matching requests get these answers, in order, instead of the fake's own
 *   GET  /requests?host=…&authorization=…   what reached a host (method, path, headers, body)
 *   POST /reset?host=…                       forget faults, requests and state for a host
 * Test files run in parallel against the same fakes, so each test uses its own subdomain or
 * its own credentials, and filters on them.
 */

export interface RecordedRequest {
  method: string;
  host: string;
  path: string;
  headers: Record<string, string>;
  body: string;
  at: number;
}

export interface ScriptedResponse {
  status: number;
  headers?: Record<string, string>;
  body?: string;
  delay_ms?: number;
}

interface FaultRule {
  host: string;
  authorization?: string;
  path_prefix?: string;
  responses: ScriptedResponse[];
}

/** A provider's fake: which hosts it answers, and how. State lives in the module. */
export interface FakeProvider {
  name: string;
  handles(host: string): boolean;
  handle(request: Request, recorded: RecordedRequest): Promise<Response> | Response;
  reset?(host: string): void;
}

const providers: FakeProvider[] = [];
const requests: RecordedRequest[] = [];
let faults: FaultRule[] = [];

export function registerFake(provider: FakeProvider): void {
  providers.push(provider);
}

/** Requests that reached the fakes (for fakes that want to look back, e.g. dedupe). */
export function recordedRequests(host: string): RecordedRequest[] {
  return requests.filter((request) => request.host === host);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function takeFault(recorded: RecordedRequest): ScriptedResponse | null {
  const rule = faults.find(
    (candidate) =>
      candidate.host === recorded.host &&
      (!candidate.authorization || candidate.authorization === recorded.headers.authorization) &&
      (!candidate.path_prefix || recorded.path.startsWith(candidate.path_prefix)) &&
      candidate.responses.length > 0,
  );
  return rule?.responses.shift() ?? null;
}

async function control(request: Request, url: URL): Promise<Response> {
  if (request.method === "POST" && url.pathname === "/faults") {
    const rule = (await request.json()) as FaultRule;
    faults.push(rule);
    return Response.json({ ok: true });
  }
  if (request.method === "GET" && url.pathname === "/requests") {
    const host = url.searchParams.get("host");
    const authorization = url.searchParams.get("authorization");
    return Response.json(
      requests.filter((recorded) => (!host || recorded.host === host) && (!authorization || recorded.headers.authorization === authorization)),
    );
  }
  if (request.method === "POST" && url.pathname === "/reset") {
    const host = url.searchParams.get("host") ?? "";
    faults = faults.filter((rule) => rule.host !== host);
    for (let i = requests.length - 1; i >= 0; i--) if (requests[i]?.host === host) requests.splice(i, 1);
    for (const provider of providers) if (provider.handles(host)) provider.reset?.(host);
    return Response.json({ ok: true });
  }
  return new Response("unknown control path", { status: 404 });
}

/** miniflare's outboundService: every fetch that leaves the Worker comes here. */
export async function routeOutbound(request: Request): Promise<Response> {
  const url = new URL(request.url);
  if (url.host === "fakes.test") return control(request, url);
  const body = request.method === "GET" || request.method === "HEAD" ? "" : await request.clone().text();
  const headers: Record<string, string> = {};
  request.headers.forEach((value, name) => {
    headers[name.toLowerCase()] = value;
  });
  const recorded: RecordedRequest = { method: request.method, host: url.host, path: url.pathname + url.search, headers, body, at: Date.now() };
  requests.push(recorded);
  const fault = takeFault(recorded);
  if (fault) {
    if (fault.delay_ms) await sleep(fault.delay_ms);
    return new Response(fault.body ?? "", { status: fault.status, headers: fault.headers });
  }
  const provider = providers.find((candidate) => candidate.handles(url.host));
  if (!provider) return new Response(`no fake provider answers ${url.host}`, { status: 502 });
  return provider.handle(request, recorded);
}
