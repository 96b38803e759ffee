/**
 * `npm run bench:statements`: what one SQLite statement costs in the Tenant object under
 * workerd, by kind: the fixed cost of any statement (SELECT 1), a row by primary key with one
 * column and with all of them, six timeline rows as rows and as one JSON value, and a ticket
 * insert with and without RETURNING. It is what decides how a hot path should read and write:
 * the runtime's fixed cost per statement and per returned value outweigh SQLite's own work on
 * rows this small.
 *
 * Runs scripts/bench/statements-worker.ts (the production Tenant object, its schema and
 * migrations) under unstable_dev. Inside the isolate the clock stands still while code runs, so
 * each figure is timed from Node as (a request running the statement n times) − (a request
 * running it zero times), divided by n: the median of BENCH_ROUNDS rounds, each over every kind
 * in turn. A kind may run several statements per run (the overview as two statements and as one).
 */
import { unstable_dev } from "wrangler";
import { rmSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { resolve } from "node:path";

const ROOT = resolve(import.meta.dirname, "..");
const PER_ROUND = Number(process.env.BENCH_STATEMENTS ?? 5_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[middle] ?? 0) : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
}

async function main(): Promise<void> {
  const persistTo = resolve(ROOT, ".tmp/bench/statements-state");
  rmSync(persistTo, { recursive: true, force: true });
  const worker = await unstable_dev(resolve(ROOT, "scripts/bench/statements-worker.ts"), {
    config: resolve(ROOT, "scripts/bench/wrangler.statements.toml"),
    ip: "127.0.0.1",
    logLevel: "warn",
    persistTo,
    experimental: { disableExperimentalWarning: true },
  });
  try {
    const call = async (path: string): Promise<{ ms: number; body: unknown }> => {
      const started = performance.now();
      const response = await worker.fetch(path);
      if (!response.ok) throw new Error(`${path}: ${response.status} ${await response.text()}`);
      const body: unknown = await response.json();
      return { ms: performance.now() - started, body };
    };
    const { body } = await call("/prepare");
    const kinds = (body as { kinds: string[] }).kinds;
    for (const kind of kinds) await call(`/run?kind=${kind}&n=${PER_ROUND}`); // warm up: compile the statements and the loop
    // Rounds go over every kind in turn, so a slow moment of the machine touches all kinds alike.
    const rounds = new Map<string, number[]>(kinds.map((kind) => [kind, []]));
    for (let round = 0; round < ROUNDS; round++) {
      for (const kind of kinds) {
        const empty = await call(`/run?kind=${kind}&n=0`);
        const full = await call(`/run?kind=${kind}&n=${PER_ROUND}`);
        rounds.get(kind)?.push(((full.ms - empty.ms) * 1000) / PER_ROUND);
      }
    }
    const microseconds: Record<string, number> = {};
    for (const [kind, values] of rounds) {
      microseconds[kind] = Math.round(median(values) * 10) / 10;
      console.log(`${kind.padEnd(32)} ${microseconds[kind].toFixed(1).padStart(7)} µs per run (rounds: ${values.map((r) => r.toFixed(1)).join(", ")})`);
    }
    console.log(JSON.stringify({ bench: "statements", us_per_run: microseconds, statements_per_round: PER_ROUND, rounds: ROUNDS, cpus: cpus().length, loadavg: loadavg().map((l) => Math.round(l * 100) / 100) }));
  } finally {
    await worker.stop();
  }
}

await main();
