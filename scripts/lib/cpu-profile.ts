/**
 * CPU profiles of the local server's Worker (and its Durable Objects, which run in the same
 * isolate), through wrangler dev's inspector: the Chrome DevTools protocol's Profiler domain.
 * Benchmarks use it to show where the Worker's time goes; the .cpuprofile file opens in
 * Chrome DevTools (Performance → Load profile) or speedscope.
 */
import { mkdirSync, writeFileSync } from "node:fs";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

export interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface Profiler {
  stop(): Promise<CpuProfile>;
}

/** Starts sampling the Worker's isolate behind the inspector on this port. */
export async function startProfiler(inspectorPort: number, samplingIntervalUs = 200): Promise<Profiler> {
  const targets = (await (await fetch(`http://127.0.0.1:${inspectorPort}/json`)).json()) as { webSocketDebuggerUrl?: string }[];
  const url = targets.find((target) => target.webSocketDebuggerUrl)?.webSocketDebuggerUrl;
  if (!url) throw new Error(`no inspector target on port ${inspectorPort}`);
  // wrangler's inspector proxy refuses a client that sends a User-Agent but no local Origin.
  // Node's WebSocket (undici) takes headers in its second argument, beyond the DOM signature.
  const init = { headers: { Origin: "http://localhost" } } as unknown as string[];
  const socket = new WebSocket(url, init);
  await new Promise<void>((resolve, reject) => {
    socket.addEventListener("open", () => resolve(), { once: true });
    socket.addEventListener("error", () => reject(new Error(`could not connect to ${url}`)), { once: true });
  });
  let nextId = 0;
  const pending = new Map<number, (result: unknown) => void>();
  socket.addEventListener("message", (message) => {
    const data = JSON.parse(String(message.data)) as { id?: number; result?: unknown };
    if (data.id !== undefined) pending.get(data.id)?.(data.result);
  });
  const send = (method: string, params: object = {}) =>
    new Promise<unknown>((resolve) => {
      nextId += 1;
      pending.set(nextId, resolve);
      socket.send(JSON.stringify({ id: nextId, method, params }));
    });
  await send("Profiler.enable");
  await send("Profiler.setSamplingInterval", { interval: samplingIntervalUs });
  await send("Profiler.start");
  return {
    async stop() {
      const result = (await send("Profiler.stop")) as { profile: CpuProfile };
      socket.close();
      return result.profile;
    },
  };
}

/** Self time per function (name, file and line), largest first, as a share of all samples. */
export function topFunctions(profile: CpuProfile, limit = 25): { share: number; ms: number; where: string }[] {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const selfUs = new Map<number, number>();
  profile.samples.forEach((id, index) => selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[index] ?? 0)));
  const total = [...selfUs.values()].reduce((sum, value) => sum + value, 0) || 1;
  const byWhere = new Map<string, number>();
  for (const [id, us] of selfUs) {
    const frame = byId.get(id)?.callFrame;
    if (!frame) continue;
    const file = frame.url.split("/").slice(-2).join("/");
    const where = `${frame.functionName || "(anonymous)"} ${file}${file ? `:${frame.lineNumber + 1}` : ""}`;
    byWhere.set(where, (byWhere.get(where) ?? 0) + us);
  }
  return [...byWhere.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, limit)
    .map(([where, us]) => ({ share: us / total, ms: us / 1000, where }));
}

/**
 * Runs `work` under the profiler when an inspector port is given (BENCH_PROFILE=1), then prints
 * the functions with the most self time and writes .tmp/profiles/<name>.cpuprofile.
 */
export async function profileDuring<T>(inspectorPort: number | null, name: string, work: () => Promise<T>): Promise<T> {
  if (inspectorPort === null) return work();
  const profiler = await startProfiler(inspectorPort);
  const result = await work();
  const profile = await profiler.stop();
  mkdirSync(".tmp/profiles", { recursive: true });
  writeFileSync(`.tmp/profiles/${name}.cpuprofile`, JSON.stringify(profile));
  console.log(`\nprofile (self time, share of samples), .tmp/profiles/${name}.cpuprofile:`);
  for (const row of topFunctions(profile, 25)) console.log(`  ${(row.share * 100).toFixed(1).padStart(5)}%  ${row.ms.toFixed(0).padStart(6)} ms  ${row.where}`);
  return result;
}
