/**
 * A loopback reverse proxy that signs every request with one bearer token, so a tool that
 * cannot do OAuth itself (the MCP conformance CLI) can still reach the protected /mcp
 * endpoint. Everything else is passed through as sent, Host and Origin included, and
 * responses are streamed back chunk by chunk (SSE included).
 * Plain TypeScript with erasable types, so Node 22 runs it directly.
 */
import { createServer, request as upstreamRequest, STATUS_CODES, type IncomingHttpHeaders, type OutgoingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";

export interface ForwardedRequest {
  method: string;
  path: string;
  /** The Host header the client sent, and the one the server received. */
  host: string;
  forwardedHost: string;
  status: number | "error";
}

export interface BearerProxy {
  origin: string;
  port: number;
  /** One line per request, for failure reports. */
  log: ForwardedRequest[];
  stop(): Promise<void>;
}

export interface BearerProxyOptions {
  /** The server's public origin, e.g. http://localhost:8787: the audience the token was issued for. */
  upstream: string;
  token: string;
  /** Where to connect, when it differs from the upstream hostname (e.g. the IP the server binds). */
  connectHost?: string;
}

// Hop-by-hop headers (RFC 9110 §7.6.1) belong to one connection; Node sets its own.
const HOP_BY_HOP = new Set(["connection", "keep-alive", "proxy-connection", "proxy-authorization", "te", "trailer", "transfer-encoding", "upgrade"]);
const LOOPBACK = new Set(["localhost", "127.0.0.1", "[::1]"]);

function isLoopback(hostname: string): boolean {
  return LOOPBACK.has(hostname.toLowerCase()) || /^127\.\d+\.\d+\.\d+$/.test(hostname);
}

/**
 * The Host to forward. A request addressed to the proxy itself is, to the server, a request
 * to the server: its origin decides the token audience and the OAuth metadata it links, so
 * the proxy's own authority becomes the upstream's. Any other Host (e.g. evil.example.com
 * in the DNS-rebinding scenario) goes through untouched so the server's own check answers.
 */
function forwardedHost(sent: string | undefined, proxyPort: number, upstream: URL): string {
  if (!sent) return upstream.host;
  let parsed: URL;
  try {
    parsed = new URL(`http://${sent}`);
  } catch {
    return sent;
  }
  return isLoopback(parsed.hostname) && parsed.port === String(proxyPort) ? upstream.host : sent;
}

function requestHeaders(incoming: IncomingHttpHeaders, host: string, token: string): OutgoingHttpHeaders {
  const headers: OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(incoming)) {
    if (value === undefined || HOP_BY_HOP.has(name) || name === "host" || name === "authorization") continue;
    headers[name] = value;
  }
  headers.host = host;
  headers.authorization = `Bearer ${token}`;
  return headers;
}

/** Response headers as a raw [name, value, …] list, so repeated headers survive. */
function responseHeaders(raw: string[]): string[] {
  const kept: string[] = [];
  for (let index = 0; index + 1 < raw.length; index += 2) {
    const name = raw[index] ?? "";
    if (!HOP_BY_HOP.has(name.toLowerCase())) kept.push(name, raw[index + 1] ?? "");
  }
  return kept;
}

export function startBearerProxy(options: BearerProxyOptions): Promise<BearerProxy> {
  const upstream = new URL(options.upstream);
  const log: ForwardedRequest[] = [];
  let port = 0;

  const server = createServer((req, res) => {
    const sentHost = req.headers.host ?? "";
    const host = forwardedHost(req.headers.host, port, upstream);
    const entry: ForwardedRequest = { method: req.method ?? "GET", path: req.url ?? "/", host: sentHost, forwardedHost: host, status: "error" };
    log.push(entry);

    const outgoing = upstreamRequest({
      host: options.connectHost ?? upstream.hostname,
      port: upstream.port || 80,
      method: req.method,
      path: req.url,
      headers: requestHeaders(req.headers, host, options.token),
    });
    outgoing.on("response", (answer) => {
      const status = answer.statusCode ?? 502;
      entry.status = status;
      // writeHead only takes a raw header list after a string reason phrase.
      res.writeHead(status, answer.statusMessage || STATUS_CODES[status] || "", responseHeaders(answer.rawHeaders));
      // Send the head now: an SSE stream may not produce its first event for a while.
      res.flushHeaders();
      answer.pipe(res);
      answer.on("error", () => res.destroy());
    });
    outgoing.on("error", (error) => {
      if (res.headersSent) {
        res.destroy();
        return;
      }
      res.writeHead(502, { "Content-Type": "application/json" });
      res.end(JSON.stringify({ jsonrpc: "2.0", error: { code: -32000, message: `proxy: upstream failed (${error.message})` }, id: null }));
    });
    // A client that goes away (e.g. cancels an SSE read) must not leave the upstream stream open.
    res.on("close", () => {
      if (!res.writableFinished) outgoing.destroy();
    });
    req.pipe(outgoing);
  });

  return new Promise((resolveProxy, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      port = (server.address() as AddressInfo).port;
      resolveProxy({
        origin: `http://127.0.0.1:${port}`,
        port,
        log,
        stop: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            server.closeAllConnections();
          }),
      });
    });
  });
}
