#!/usr/bin/env node
// `npm test`: the workerd suite (vitest + @cloudflare/vitest-plugin), then the end-to-end
// suite that drives the real local server from Node. Both always run; the exit code is
// non-zero if either failed. Arguments go to both runs (e.g. a file filter).
import { spawnSync } from "node:child_process";
import { rmSync } from "node:fs";

rmSync(".tmp/test-results", { recursive: true, force: true });
const args = process.argv.slice(2);
const runs = [
  ["vitest", ["run", ...args]],
  ["vitest", ["run", "--config", "vitest.e2e.config.ts", ...args]],
];
let failed = false;
for (const [command, commandArgs] of runs) {
  const result = spawnSync(command, commandArgs, { stdio: "inherit", env: { ...process.env, WRANGLER_SEND_METRICS: "false" } });
  if (result.status !== 0) failed = true;
}
process.exit(failed ? 1 : 0);
