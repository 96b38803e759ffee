/**
 * `npm run bench:engine`: health scoring from prepared features, in Node and in workerd
 * (wrangler unstable_dev), in the same run and on the same accounts. The workload is bundled once with
 * esbuild from scripts/bench/engine-worker.ts, so both runtimes execute identical code.
 *
 * Not measured yet: the full recompute of a 100,000-account tenant from its Tenant object's
 * SQLite (recompute_100k_ms, peak_mb); it needs the tenant usage model, which comes with the
 * data tools. Those fields are printed as null until then.
 */
import { build } from "esbuild";
import { unstable_dev } from "wrangler";
import { mkdirSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";

const ROOT = resolve(import.meta.dirname, "..");
const ACCOUNTS = Number(process.env.BENCH_ACCOUNTS ?? 1_000_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 7);

interface Workload {
  makeFeatures(count: number): unknown[];
  scoreAll(features: unknown[], rounds: number): number;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[middle] ?? 0) : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
}

async function bundle(): Promise<string> {
  mkdirSync(resolve(ROOT, ".tmp/bench"), { recursive: true });
  const outfile = resolve(ROOT, ".tmp/bench/engine-worker.mjs");
  await build({
    entryPoints: [resolve(ROOT, "scripts/bench/engine-worker.ts")],
    bundle: true,
    format: "esm",
    platform: "neutral",
    target: "es2023",
    outfile,
    logLevel: "warning",
  });
  return outfile;
}

/** Accounts per second in Node: the median of ROUNDS timed passes over all accounts. */
async function nodeRate(file: string): Promise<{ perSecond: number; rounds: number[] }> {
  const workload = (await import(pathToFileURL(file).href)) as Workload;
  const features = workload.makeFeatures(ACCOUNTS);
  workload.scoreAll(features, 1); // warm up: let the JIT settle before timing
  const rates: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const started = performance.now();
    workload.scoreAll(features, 1);
    rates.push(ACCOUNTS / ((performance.now() - started) / 1000));
  }
  return { perSecond: median(rates), rounds: rates };
}

/**
 * Accounts per second in workerd. Inside the isolate the clock stands still while code runs,
 * so each pass is timed from Node as (request scoring one pass) − (request scoring nothing).
 */
async function workerdRate(file: string): Promise<{ perSecond: number; rounds: number[] }> {
  const worker = await unstable_dev(file, {
    config: resolve(ROOT, "scripts/bench/wrangler.engine.toml"),
    ip: "127.0.0.1",
    logLevel: "warn",
    experimental: { disableExperimentalWarning: true },
  });
  try {
    const call = async (path: string) => {
      const started = performance.now();
      const response = await worker.fetch(path);
      await response.json();
      return performance.now() - started;
    };
    await call(`/prepare?count=${ACCOUNTS}`);
    await call("/score?rounds=1"); // warm up
    const rates: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const empty = await call("/score?rounds=0");
      const full = await call("/score?rounds=1");
      rates.push(ACCOUNTS / (Math.max(0.001, full - empty) / 1000));
    }
    return { perSecond: median(rates), rounds: rates };
  } finally {
    await worker.stop();
  }
}

const file = await bundle();
const node = await nodeRate(file);
const workerd = await workerdRate(file);
const thousand = (value: number) => `${(value / 1000).toFixed(0)}k`;
console.log(`health scoring from prepared features, ${ACCOUNTS.toLocaleString("en")} accounts, median of ${ROUNDS} passes`);
console.log(`  Node ${process.version}: ${thousand(node.perSecond)} accounts/s (passes: ${node.rounds.map(thousand).join(", ")})`);
console.log(`  workerd (wrangler):    ${thousand(workerd.perSecond)} accounts/s (passes: ${workerd.rounds.map(thousand).join(", ")})`);
console.log(`  target: 1,000,000 accounts/s per core in each: ${node.perSecond >= 1e6 && workerd.perSecond >= 1e6 ? "met" : "NOT met"}`);
console.log("  full 100k-account recompute from SQLite: not measured yet (needs the tenant usage model)");
console.log(
  JSON.stringify({
    bench: "engine",
    accounts: ACCOUNTS,
    accounts_per_s_node: Math.round(node.perSecond),
    accounts_per_s_workerd: Math.round(workerd.perSecond),
    recompute_100k_ms: null,
    peak_mb: null,
    node: process.version,
    cpus: cpus().length,
    loadavg: loadavg().map((value) => Number(value.toFixed(2))),
  }),
);
