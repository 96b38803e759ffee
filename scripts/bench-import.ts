/**
 * `npm run bench:import`: a 50,000-row CSV import through the hosted setup page, on the real
 * local server (wrangler dev on workerd), the way an admin does it in a browser (issue 7).
 *
 *   1. signs up a workspace through /signup (session cookie), reads the CSRF token of /setup/data;
 *   2. generates an accounts CSV of BENCH_ROWS rows (realistic names, tiers, ARR, dates, contacts
 *      and CSMs, some names with accents) with a few hundred bad rows: rows in Windows-1252 inside
 *      a UTF-8 file, missing external ids, new accounts with no name, numbers and dates the
 *      importer refuses, and external ids that repeat an earlier row;
 *   3. POSTs it as multipart/form-data to /setup/data/import/accounts and reads the streamed page
 *      to its end: total seconds, rows/s, the report's created/updated/unchanged/rejected, and
 *      checks them (and the rejected rows' numbers) against what the generator knows it wrote;
 *   4. POSTs the SAME file again: it must create nothing and leave the account count unchanged;
 *   5. the same for BENCH_ROWS contacts of those accounts (with their own bad rows), twice.
 *
 * Peak memory is the largest JS heap of each isolate, sampled every 100 ms (Runtime.getHeapUsage),
 * garbage included: the Worker's through wrangler dev's inspector (peak_heap_mib), and the
 * Tenant object's (`npm run dev` runs it in an isolate of its own, durable-objects/local-host.ts)
 * through workerd's own inspector (object_peak_heap_mib). The Worker's live memory alone is
 * `npm run bench:import-memory`.
 * It also checks that the generated files fit the setup page's 20 MiB and the API's limit.
 *
 * BENCH_PROFILE=1 records a CPU profile of the isolate during the first accounts import
 * (.tmp/profiles/import-accounts.cpuprofile) and prints the functions with the most self time;
 * profiling slows the Worker, so a profiled run's figures are not the benchmark's figures.
 *
 * Environment: BENCH_ROWS (default 50000), BENCH_PROFILE=1. The last line printed is one line
 * of JSON. Plain TypeScript with erasable types.
 */
import { execFileSync } from "node:child_process";
import { profileDuring } from "./lib/cpu-profile.ts";
import { wholeFromEnv as whole } from "./lib/env-number.ts";
import { accountsFile, contactsFile, type GeneratedFile } from "./lib/import-files.ts";
import { freePort, startLocalServer } from "./lib/local-server.ts";
import { Browser, hiddenField, signUp } from "./lib/oauth-flow.ts";

const ROWS = whole("BENCH_ROWS", 50_000);
/** The Worker that hosts the Tenant object under `npm run dev`: it keeps the project's name (scripts/dev.mjs). */
const OBJECT_WORKER = "customer-success-mcp";
const PROFILE = process.env.BENCH_PROFILE === "1";
/** The limits the Worker enforces (src/setup/routes.tsx SETUP_IMPORT_MAX_BYTES, src/import/run.ts IMPORT_FILE_MAX_BYTES). */
const PAGE_LIMIT_BYTES = 20 * 1024 * 1024;
const API_LIMIT_BYTES = 20 * 1024 * 1024;

// ---------------------------------------------------------------------------------------------
// Memory: the isolate's JS heap through the inspector

interface HeapSampler {
  stop(): Promise<number>;
}

async function sampleHeap(inspector: number | string): Promise<HeapSampler> {
  let url = typeof inspector === "string" ? inspector : undefined;
  if (typeof inspector === "number") {
    const targets = (await (await fetch(`http://127.0.0.1:${inspector}/json`)).json()) as { webSocketDebuggerUrl?: string }[];
    url = targets.find((target) => target.webSocketDebuggerUrl)?.webSocketDebuggerUrl;
  }
  if (!url) throw new Error(`no inspector target at ${inspector}`);
  const init = { headers: { Origin: "http://localhost" } } as unknown as string[];
  const socket = new WebSocket(url, init);
  await new Promise<void>((resolve, reject) => {
    socket.addEventListener("open", () => resolve(), { once: true });
    socket.addEventListener("error", () => reject(new Error(`could not connect to ${url}`)), { once: true });
  });
  let peak = 0;
  let nextId = 0;
  socket.addEventListener("message", (message) => {
    const data = JSON.parse(String(message.data)) as { result?: { usedSize?: number } };
    if (typeof data.result?.usedSize === "number") peak = Math.max(peak, data.result.usedSize);
  });
  const timer = setInterval(() => {
    nextId += 1;
    socket.send(JSON.stringify({ id: nextId, method: "Runtime.getHeapUsage" }));
  }, 100);
  return {
    async stop() {
      clearInterval(timer);
      await new Promise((wait) => setTimeout(wait, 200));
      socket.close();
      return peak;
    },
  };
}

/**
 * The Tenant object's isolate in workerd's own inspector (wrangler's inspector proxy exposes only
 * the first Worker): workerd's listening ports are read with `ss`, and the one whose /json lists
 * `core:user:<object worker>` is the runtime inspector.
 */
async function objectInspectorUrl(processGroup: number): Promise<string> {
  const pids = execFileSync("ps", ["-o", "pid=,comm=", "-g", String(processGroup)], { encoding: "utf8" })
    .split("\n")
    .filter((line) => line.includes("workerd"))
    .map((line) => line.trim().split(/\s+/)[0]);
  const listening = execFileSync("ss", ["-ltnpH"], { encoding: "utf8" }).split("\n");
  const ports = listening
    .filter((line) => pids.some((pid) => line.includes(`pid=${pid},`)))
    .map((line) => /127\.0\.0\.1:(\d+)/.exec(line)?.[1])
    .filter((port): port is string => Boolean(port));
  for (const port of ports) {
    try {
      const targets = (await (await fetch(`http://127.0.0.1:${port}/json`, { signal: AbortSignal.timeout(2_000) })).json()) as { id?: string }[];
      const target = targets.find((candidate) => candidate.id === `core:user:${OBJECT_WORKER}`);
      if (target?.id) return `ws://127.0.0.1:${port}/${target.id}`;
    } catch {
      // not the inspector
    }
  }
  throw new Error(`no workerd inspector lists core:user:${OBJECT_WORKER} (workerd ${pids.join(", ") || "not found"}, ports ${ports.join(", ")})`);
}

// ---------------------------------------------------------------------------------------------
// The page

interface PageRun {
  seconds: number;
  /** Seconds until the first progress line arrived (upload, decode, parse, validate, first page). */
  firstProgressSeconds: number;
  progressLines: number;
  rows: number;
  created: number;
  updated: number;
  unchanged: number;
  rejected: number;
  listedErrorRows: number[];
  accounts: number;
  contacts: number;
  encodingWarning: boolean;
  peakHeapBytes: number | null;
  /** The Tenant object's isolate. */
  objectPeakHeapBytes: number | null;
}

function countOf(html: string, pattern: RegExp, what: string): number {
  const match = pattern.exec(html);
  if (!match?.[1]) throw new Error(`the page has no ${what}: …${html.slice(-600)}`);
  return Number(match[1].replaceAll(",", ""));
}

async function importThroughPage(
  browser: Browser,
  kind: "accounts" | "contacts",
  file: GeneratedFile,
  inspectorPort: number | null,
  profile: boolean,
  objectInspector: string | null = null,
): Promise<PageRun> {
  const csrf = hiddenField((await browser.page("/setup/data")).html, "csrf_token");
  const form = new FormData();
  form.set("csrf_token", csrf);
  form.set("file", new Blob([new Uint8Array(file.bytes)], { type: "text/csv" }), `${kind}.csv`);
  // wrangler's inspector takes one client at a time: a profiled run samples no memory.
  const heap = inspectorPort === null || profile ? null : await sampleHeap(inspectorPort);
  const objectHeap = objectInspector === null ? null : await sampleHeap(objectInspector);
  const work = async () => {
    const started = performance.now();
    const response = await browser.request(`/setup/data/import/${kind}`, { method: "POST", body: form });
    if (response.status !== 200 || !response.body) throw new Error(`the import answered ${response.status}: ${(await response.text()).slice(0, 400)}`);
    const decoder = new TextDecoder();
    let html = "";
    let firstProgress = 0;
    const reader = response.body.getReader();
    for (let read = await reader.read(); !read.done; read = await reader.read()) {
      html += decoder.decode(read.value, { stream: true });
      if (!firstProgress && html.includes("rows processed")) firstProgress = performance.now();
    }
    html += decoder.decode();
    return { html, seconds: (performance.now() - started) / 1000, firstProgressSeconds: ((firstProgress || performance.now()) - started) / 1000 };
  };
  const { html, seconds, firstProgressSeconds } = await profileDuring(profile ? inspectorPort : null, `import-${kind}`, work);
  const peakHeapBytes = heap ? await heap.stop() : null;
  const objectPeakHeapBytes = objectHeap ? await objectHeap.stop() : null;
  if (!html.trimEnd().endsWith("</html>")) throw new Error(`the page did not end: …${html.slice(-400)}`);
  if (html.includes('role="alert"') && html.includes("The import stopped")) throw new Error("the import stopped part way (the page says so)");
  const listedErrorRows = [...html.matchAll(/<td class="num">(\d+)<\/td>/g)].map((match) => Number(match[1]));
  return {
    seconds,
    firstProgressSeconds,
    progressLines: html.split("rows processed").length - 1,
    rows: countOf(html, /: ([\d,]+) rows? read/, "rows read"),
    created: countOf(html, /([\d,]+) created, /, "created count"),
    updated: countOf(html, /([\d,]+) updated, /, "updated count"),
    unchanged: countOf(html, /([\d,]+) unchanged, /, "unchanged count"),
    rejected: countOf(html, /<strong>([\d,]+) rejected<\/strong>/, "rejected count"),
    listedErrorRows,
    accounts: countOf(html, /<p id="import-counts">The workspace has ([\d,]+) accounts?/, "account count"),
    contacts: countOf(html, /<p id="import-counts">The workspace has [\d,]+ accounts? and ([\d,]+) contacts?/, "contact count"),
    encodingWarning: html.includes("Windows-1252"),
    peakHeapBytes,
    objectPeakHeapBytes,
  };
}

const problems: string[] = [];

function check(condition: boolean, message: string): void {
  if (!condition) problems.push(message);
}

function checkFirstRun(kind: string, run: PageRun, file: GeneratedFile): void {
  check(run.rows === file.rows, `${kind}: ${run.rows} rows read, expected ${file.rows}`);
  check(run.created === file.created, `${kind}: ${run.created} created, expected ${file.created}`);
  check(run.rejected === file.rejectedRows.length, `${kind}: ${run.rejected} rejected, expected ${file.rejectedRows.length}`);
  const uniqueListed = [...new Set(run.listedErrorRows)];
  const expected = file.rejectedRows.slice(0, uniqueListed.length);
  check(JSON.stringify(uniqueListed) === JSON.stringify(expected), `${kind}: the rows listed as not imported are not the bad rows (first listed ${uniqueListed.slice(0, 5).join(", ")}; expected ${expected.slice(0, 5).join(", ")})`);
}

function checkSecondRun(kind: string, run: PageRun, first: PageRun, file: GeneratedFile): void {
  check(run.created === 0, `${kind} again: ${run.created} created, expected 0`);
  check(run.updated === 0, `${kind} again: ${run.updated} updated, expected 0`);
  check(run.unchanged === file.created, `${kind} again: ${run.unchanged} unchanged, expected ${file.created}`);
  check(run.accounts === first.accounts && run.contacts === first.contacts, `${kind} again: the workspace went from ${first.accounts}/${first.contacts} to ${run.accounts}/${run.contacts} accounts/contacts`);
}

const mib = (bytes: number) => (bytes / 1024 / 1024).toFixed(1);

function line(label: string, run: PageRun): string {
  const object = run.objectPeakHeapBytes === null ? "" : ` (Worker) and ${mib(run.objectPeakHeapBytes)} MiB (Tenant object)`;
  const heap = run.peakHeapBytes === null ? "" : `, peak heap ${mib(run.peakHeapBytes)} MiB${object}`;
  return `${label.padEnd(18)} ${run.seconds.toFixed(1).padStart(6)} s  ${Math.round(run.rows / run.seconds).toLocaleString("en-US").padStart(7)} rows/s  (parse+validate ${run.firstProgressSeconds.toFixed(1)} s)  created ${run.created}, updated ${run.updated}, unchanged ${run.unchanged}, rejected ${run.rejected}; workspace ${run.accounts} accounts, ${run.contacts} contacts${heap}`;
}

async function main(): Promise<void> {
  const accounts = accountsFile(ROWS);
  const contacts = contactsFile(ROWS, accounts);
  console.log(`accounts.csv: ${ROWS.toLocaleString("en-US")} rows, ${mib(accounts.bytes.length)} MiB, ${accounts.rejectedRows.length} bad rows + ${accounts.latin1Rows} rows in Windows-1252`);
  console.log(`contacts.csv: ${ROWS.toLocaleString("en-US")} rows, ${mib(contacts.bytes.length)} MiB, ${contacts.rejectedRows.length} bad rows`);
  const largest = Math.max(accounts.bytes.length, contacts.bytes.length);
  console.log(`limits: setup page ${mib(PAGE_LIMIT_BYTES)} MiB (${largest <= PAGE_LIMIT_BYTES ? "fits" : "TOO SMALL"}), API ${mib(API_LIMIT_BYTES)} MiB (${largest <= API_LIMIT_BYTES ? "fits" : "TOO SMALL"})`);
  check(largest <= PAGE_LIMIT_BYTES, `the setup page's limit of ${mib(PAGE_LIMIT_BYTES)} MiB is smaller than a ${ROWS}-row file (${mib(largest)} MiB)`);

  const inspectorPort = await freePort();
  if (PROFILE) console.log("BENCH_PROFILE=1: the Worker is profiled during the first accounts import, so that run is slower than a plain run.");
  const server = await startLocalServer({ timeoutMs: 120_000, wranglerArgs: ["--inspector-port", String(inspectorPort), ] });
  try {
    const objectInspector = server.processGroup !== null ? await objectInspectorUrl(server.processGroup) : null;
    const browser = new Browser(server.origin, (url, init) => fetch(url, init));
    const email = `owner-${crypto.randomUUID().slice(0, 8)}@example.com`;
    const signed = await signUp(browser, { organization: "Bench Import Co", email, password: "correct horse battery staple" });
    if (signed.status !== 303) throw new Error(`sign-up answered ${signed.status}`);
    // Warm the isolate and the Tenant object with a tiny import of its own kind of row.
    await importThroughPage(browser, "accounts", accountsFile(2), null, false);
    const warmCreated = 2;

    const accountsFirst = await importThroughPage(browser, "accounts", accounts, inspectorPort, PROFILE, objectInspector);
    console.log(line("accounts", accountsFirst));
    const accountsAgain = await importThroughPage(browser, "accounts", accounts, inspectorPort, false, objectInspector);
    console.log(line("accounts again", accountsAgain));
    const contactsFirst = await importThroughPage(browser, "contacts", contacts, inspectorPort, false, objectInspector);
    console.log(line("contacts", contactsFirst));
    const contactsAgain = await importThroughPage(browser, "contacts", contacts, inspectorPort, false, objectInspector);
    console.log(line("contacts again", contactsAgain));

    // The warm-up's two accounts (acct-000001/2) are rows of the big file too: they count as
    // unchanged or updated there, not created.
    const accountsExpected = { ...accounts, created: accounts.created - warmCreated };
    checkFirstRun("accounts", { ...accountsFirst, created: accountsFirst.created }, accountsExpected);
    check(accountsFirst.accounts === accounts.created, `accounts: the workspace has ${accountsFirst.accounts} accounts, expected ${accounts.created}`);
    check(accountsFirst.encodingWarning, "accounts: the report does not mention the Windows-1252 rows");
    checkSecondRun("accounts", accountsAgain, accountsFirst, accounts);
    checkFirstRun("contacts", contactsFirst, contacts);
    check(contactsFirst.contacts === contacts.created, `contacts: the workspace has ${contactsFirst.contacts} contacts, expected ${contacts.created}`);
    checkSecondRun("contacts", contactsAgain, contactsFirst, contacts);

    for (const problem of problems) console.log(`PROBLEM: ${problem}`);
    const peak = Math.max(...[accountsFirst, accountsAgain, contactsFirst, contactsAgain].map((run) => run.peakHeapBytes ?? 0));
    const objectPeak = Math.max(...[accountsFirst, accountsAgain, contactsFirst, contactsAgain].map((run) => run.objectPeakHeapBytes ?? 0));
    console.log(
      JSON.stringify({
        bench: "import",
        rows: ROWS,
        accounts_s: Number(accountsFirst.seconds.toFixed(2)),
        accounts_rows_per_s: Math.round(ROWS / accountsFirst.seconds),
        accounts_again_s: Number(accountsAgain.seconds.toFixed(2)),
        contacts_s: Number(contactsFirst.seconds.toFixed(2)),
        contacts_rows_per_s: Math.round(ROWS / contactsFirst.seconds),
        contacts_again_s: Number(contactsAgain.seconds.toFixed(2)),
        accounts_created: accountsFirst.created,
        accounts_rejected: accountsFirst.rejected,
        accounts_again_created: accountsAgain.created,
        accounts_after: accountsAgain.accounts,
        contacts_created: contactsFirst.created,
        contacts_rejected: contactsFirst.rejected,
        contacts_again_created: contactsAgain.created,
        contacts_after: contactsAgain.contacts,
        accounts_file_mib: Number(mib(accounts.bytes.length)),
        contacts_file_mib: Number(mib(contacts.bytes.length)),
        peak_heap_mib: peak ? Number(mib(peak)) : null,
        object_peak_heap_mib: objectPeak ? Number(mib(objectPeak)) : null,
        profiled: PROFILE,
        problems: problems.length,
      }),
    );
    if (problems.length > 0) process.exitCode = 1;
  } finally {
    await server.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : String(error));
  process.exit(1);
});
