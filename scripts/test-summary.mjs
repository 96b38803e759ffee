#!/usr/bin/env node
// Prints one plain line, "N passed, N failed", from the JSON reports both vitest runs wrote.
import { existsSync, readFileSync } from "node:fs";

let passed = 0;
let failed = 0;
let skipped = 0;
for (const file of [".tmp/test-results/workers.json", ".tmp/test-results/e2e.json"]) {
  if (!existsSync(file)) {
    failed += 1; // a suite that wrote no report did not run: count it as a failure
    continue;
  }
  const report = JSON.parse(readFileSync(file, "utf8"));
  passed += report.numPassedTests ?? 0;
  failed += (report.numFailedTests ?? 0) + (report.success === false && report.numFailedTests === 0 ? 1 : 0);
  skipped += (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
}
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ""}`);
process.exit(failed > 0 ? 1 : 0);
