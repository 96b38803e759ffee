/**
 * Starts the real local server (`npm run dev`, i.e. scripts/dev.mjs → wrangler dev) on a
 * free port with its own state directory, for end-to-end tests, benchmarks and the
 * conformance run. Plain TypeScript with erasable types, so Node 22 runs it directly.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

export interface LocalServer {
  origin: string;
  port: number;
  /** The process group of the server (wrangler and its workerd), for a benchmark that reads workerd's own ports. */
  processGroup: number | null;
  /** Everything the server printed, for failure messages. */
  output(): string;
  stop(): Promise<void>;
}

const PROJECT_ROOT = resolve(import.meta.dirname, "../..");

export function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolvePort(port));
    });
  });
}

async function waitUntilReady(origin: string, child: ChildProcess, log: () => string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`the server exited (${child.exitCode}):\n${log()}`);
    try {
      const response = await fetch(`${origin}/livez`);
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((wait) => setTimeout(wait, 250));
  }
  throw new Error(`the server did not become ready within ${timeoutMs} ms:\n${log()}`);
}

export async function startLocalServer(options: { port?: number; timeoutMs?: number; vars?: Record<string, string>; wranglerArgs?: string[] } = {}): Promise<LocalServer> {
  const port = options.port ?? (await freePort());
  const stateDir = mkdtempSync(join(tmpdir(), "cs-mcp-state-"));
  const args = ["scripts/dev.mjs", "--port", String(port), "--ip", "127.0.0.1", "--persist-to", stateDir, "--show-interactive-dev-session=false"];
  for (const [name, value] of Object.entries(options.vars ?? {})) args.push("--var", `${name}:${value}`);
  args.push(...(options.wranglerArgs ?? []));
  const child = spawn(process.execPath, args, {
    cwd: PROJECT_ROOT,
    env: { ...process.env, CI: "true", WRANGLER_SEND_METRICS: "false", NO_COLOR: "1" },
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  let printed = "";
  child.stdout?.on("data", (chunk: Buffer) => (printed += chunk.toString()));
  child.stderr?.on("data", (chunk: Buffer) => (printed += chunk.toString()));
  const origin = `http://localhost:${port}`;

  const stop = async () => {
    if (child.exitCode === null && child.pid) {
      const exited = new Promise((done) => child.once("exit", done));
      try {
        process.kill(-child.pid, "SIGTERM");
      } catch {
        // already gone
      }
      await Promise.race([exited, new Promise((done) => setTimeout(done, 5_000))]);
      if (child.exitCode === null) {
        try {
          process.kill(-child.pid, "SIGKILL");
        } catch {
          // already gone
        }
      }
    }
    rmSync(stateDir, { recursive: true, force: true });
  };

  try {
    await waitUntilReady(origin, child, () => printed, options.timeoutMs ?? 90_000);
  } catch (error) {
    await stop();
    throw error;
  }
  return { origin, port, processGroup: child.pid ?? null, output: () => printed, stop };
}
