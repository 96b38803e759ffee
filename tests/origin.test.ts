import { describe, expect, it } from "vitest";
import { isAcceptedBrowserOrigin, resolveOrigin } from "../src/http/origin";

const production = { PUBLIC_URL: "https://cs.example.com/" };
const local = { PUBLIC_URL: "" };

function request(url: string, headers: Record<string, string> = {}): Request {
  return new Request(url, { headers: { Host: new URL(url).host, ...headers } });
}

describe("public origin", () => {
  it("uses the configured PUBLIC_URL in production and refuses any other host", () => {
    expect(resolveOrigin(request("https://cs.example.com/mcp"), production)).toEqual({ ok: true, origin: "https://cs.example.com" });
    const other = resolveOrigin(request("https://cs-mcp.acme.workers.dev/mcp"), production);
    expect(other.ok).toBe(false);
    const rebound = resolveOrigin(request("https://cs.example.com/mcp", { Host: "localhost:8787" }), production);
    expect(rebound.ok).toBe(false);
  });

  it("follows the request's loopback origin locally and refuses other hosts with a hint", () => {
    expect(resolveOrigin(request("http://localhost:9000/"), local)).toEqual({ ok: true, origin: "http://localhost:9000" });
    expect(resolveOrigin(request("http://127.0.0.1:8787/"), local)).toEqual({ ok: true, origin: "http://127.0.0.1:8787" });
    const remote = resolveOrigin(request("http://192.0.2.10:8787/"), local);
    expect(remote).toMatchObject({ ok: false, status: 421 });
    expect(remote.ok ? "" : remote.message).toContain("PUBLIC_URL");
  });

  it("accepts browser Origins that are this server, or loopback pages locally", () => {
    expect(isAcceptedBrowserOrigin(request("https://cs.example.com/mcp", { Origin: "https://cs.example.com" }), "https://cs.example.com", production)).toBe(true);
    expect(isAcceptedBrowserOrigin(request("https://cs.example.com/mcp", { Origin: "http://localhost:6274" }), "https://cs.example.com", production)).toBe(false);
    expect(isAcceptedBrowserOrigin(request("http://localhost:8787/mcp", { Origin: "http://localhost:6274" }), "http://localhost:8787", local)).toBe(true);
    expect(isAcceptedBrowserOrigin(request("http://localhost:8787/mcp", { Origin: "https://evil.example" }), "http://localhost:8787", local)).toBe(false);
    expect(isAcceptedBrowserOrigin(request("http://localhost:8787/mcp"), "http://localhost:8787", local)).toBe(true);
  });
});
