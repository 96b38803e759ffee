/**
 * `npm run bench:import-memory`: the Worker's memory for a 50,000-row setup-page import,
 * measured apart from the Tenant object (issue 7). In `wrangler dev` the Worker and the object
 * share one isolate, so `npm run bench:import`'s peak heap is the sum of both plus garbage; in
 * production they are separate isolates, each with its own 128 MB.
 *
 * The Worker's side (scripts/bench/import-worker-side.ts, bundled with esbuild from the same
 * modules the route uses) runs in this Node process on bench:import's generated files: the
 * multipart form is read, the file decoded, parsed, mapped, validated and split into chunks;
 * each chunk is serialized with v8.serialize (what an RPC to the object carries) and dropped.
 * At each probe (the form read, the file decoded, every chunk sent, every progress line) the
 * script forces a full GC and reads the V8 heap's used size, so the figure is the memory the
 * import keeps reachable, without garbage: the peak above the baseline (heap after a GC just
 * before the import). Array buffers (the upload's bytes) are outside the JS heap and reported
 * apart. A digest of every row sent and every row error shows two versions of the code send
 * the same rows and report the same errors.
 *
 * Run with --expose-gc (the npm script does). Environment: BENCH_ROWS (default 50000). The
 * last line printed is one line of JSON. The Tenant object's side is measured by
 * `BENCH_SPLIT=1 npm run bench:import` (the object in its own isolate).
 */
import { createHash } from "node:crypto";
import { mkdirSync } from "node:fs";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import v8 from "node:v8";
import { build } from "esbuild";
import { wholeFromEnv as whole } from "./lib/env-number.ts";
import { accountsFile, contactsFile, type GeneratedFile } from "./lib/import-files.ts";

const ROWS = whole("BENCH_ROWS", 50_000);
const ROOT = resolve(import.meta.dirname, "..");

interface ImportBatchLike {
  rows: unknown[];
}

interface ReportLike {
  rows: number;
  created: number;
  rejected: number;
  errors: { row: number; field: string | null; message: string }[];
  errors_omitted: number;
}

interface Workload {
  workerSide(request: Request, kind: "accounts" | "contacts", hooks: { probe(stage: string): void; send(batch: ImportBatchLike): number }): Promise<ReportLike>;
}

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) {
  console.error("Run with node --expose-gc (npm run bench:import-memory does).");
  process.exit(1);
}

async function bundle(): Promise<string> {
  mkdirSync(resolve(ROOT, ".tmp/bench"), { recursive: true });
  const outfile = resolve(ROOT, ".tmp/bench/import-worker-side.mjs");
  await build({
    entryPoints: [resolve(ROOT, "scripts/bench/import-worker-side.ts")],
    bundle: true,
    format: "esm",
    platform: "neutral",
    target: "es2023",
    // As wrangler resolves packages for workerd.
    conditions: ["workerd", "worker", "browser"],
    mainFields: ["browser", "module", "main"],
    outfile,
    logLevel: "warning",
  });
  return outfile;
}

interface Measured {
  seconds: number;
  peakHeapBytes: number;
  peakStage: string;
  peakArrayBufferBytes: number;
  chunks: number;
  sentRows: number;
  sentBytes: number;
  report: ReportLike;
  digest: string;
}

const mib = (bytes: number) => Number((bytes / 1024 / 1024).toFixed(1));

async function measure(workload: Workload, kind: "accounts" | "contacts", file: GeneratedFile): Promise<Measured> {
  const form = new FormData();
  form.set("csrf_token", "bench");
  form.set("file", new Blob([new Uint8Array(file.bytes)], { type: "text/csv" }), `${kind}.csv`);
  const request = new Request("http://bench.local/setup/data/import/" + kind, { method: "POST", body: form });
  gc?.();
  gc?.();
  const baseline = v8.getHeapStatistics().used_heap_size;
  const baselineBuffers = process.memoryUsage().arrayBuffers;
  let peak = 0;
  let peakStage = "";
  let peakBuffers = 0;
  let timeInProbes = 0;
  const digest = createHash("sha256");
  let chunks = 0;
  let sentRows = 0;
  let sentBytes = 0;
  const probe = (stage: string) => {
    const started = performance.now();
    gc?.();
    const used = v8.getHeapStatistics().used_heap_size - baseline;
    if (process.env.BENCH_STAGES === "1") console.log(`  ${stage}: +${mib(used)} MiB`);
    if (used > peak) {
      peak = used;
      peakStage = stage;
    }
    peakBuffers = Math.max(peakBuffers, process.memoryUsage().arrayBuffers - baselineBuffers);
    timeInProbes += performance.now() - started;
  };
  const started = performance.now();
  const report = await workload.workerSide(request, kind, {
    probe,
    send(batch) {
      const serialized = v8.serialize(batch);
      chunks += 1;
      sentRows += batch.rows.length;
      sentBytes += serialized.length;
      for (const row of batch.rows) digest.update(JSON.stringify(row));
      return batch.rows.length;
    },
  });
  const seconds = (performance.now() - started - timeInProbes) / 1000;
  digest.update(JSON.stringify(report.errors));
  return { seconds, peakHeapBytes: peak, peakStage, peakArrayBufferBytes: peakBuffers, chunks, sentRows, sentBytes, report, digest: digest.digest("hex").slice(0, 16) };
}

const problems: string[] = [];

function check(condition: boolean, message: string): void {
  if (!condition) problems.push(message);
}

/** Every row is read; each row the Worker rejects is one the generator wrote as bad; the rest are sent. */
function checkReport(kind: string, run: Measured, file: GeneratedFile): void {
  check(run.report.rows === file.rows, `${kind}: ${run.report.rows} rows read, expected ${file.rows}`);
  check(run.report.created === run.sentRows && run.sentRows + run.report.rejected === file.rows, `${kind}: ${run.sentRows} rows sent + ${run.report.rejected} rejected ≠ ${file.rows}`);
  const bad = new Set(file.rejectedRows);
  const strays = [...new Set(run.report.errors.map((error) => error.row))].filter((row) => !bad.has(row));
  check(strays.length === 0, `${kind}: rows ${strays.slice(0, 5).join(", ")} were rejected but are good rows`);
  check(run.report.rejected > 0, `${kind}: no row was rejected, though the file has bad rows`);
}

function describe(kind: string, run: Measured): string {
  return `${kind.padEnd(9)} ${run.seconds.toFixed(2).padStart(6)} s  peak heap +${mib(run.peakHeapBytes)} MiB (at "${run.peakStage}"), array buffers +${mib(run.peakArrayBufferBytes)} MiB; ${run.sentRows} rows sent in ${run.chunks} chunks (${mib(run.sentBytes)} MiB serialized), ${run.report.rejected} rejected; digest ${run.digest}`;
}

async function main(): Promise<void> {
  const accounts = accountsFile(ROWS);
  const contacts = contactsFile(ROWS, accounts);
  console.log(`accounts.csv ${mib(accounts.bytes.length)} MiB, contacts.csv ${mib(contacts.bytes.length)} MiB, ${ROWS.toLocaleString("en-US")} rows each`);
  const workload = (await import(pathToFileURL(await bundle()).href)) as Workload;
  // Warm up (JIT, lazily compiled schemas), then measure.
  await measure(workload, "accounts", accountsFile(50));
  const accountsRun = await measure(workload, "accounts", accounts);
  console.log(describe("accounts", accountsRun));
  const contactsRun = await measure(workload, "contacts", contacts);
  console.log(describe("contacts", contactsRun));
  checkReport("accounts", accountsRun, accounts);
  checkReport("contacts", contactsRun, contacts);
  for (const problem of problems) console.log(`PROBLEM: ${problem}`);
  console.log(
    JSON.stringify({
      bench: "import-memory",
      rows: ROWS,
      node: process.version,
      worker_peak_heap_mib: mib(Math.max(accountsRun.peakHeapBytes, contactsRun.peakHeapBytes)),
      worker_accounts_peak_heap_mib: mib(accountsRun.peakHeapBytes),
      worker_contacts_peak_heap_mib: mib(contactsRun.peakHeapBytes),
      worker_accounts_peak_array_buffers_mib: mib(accountsRun.peakArrayBufferBytes),
      worker_accounts_s: Number(accountsRun.seconds.toFixed(2)),
      worker_contacts_s: Number(contactsRun.seconds.toFixed(2)),
      accounts_digest: accountsRun.digest,
      contacts_digest: contactsRun.digest,
      problems: problems.length,
    }),
  );
  if (problems.length > 0) process.exitCode = 1;
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : String(error));
  process.exit(1);
});
