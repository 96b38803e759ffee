/**
 * CPU seconds used by the local server's processes, read from /proc (Linux only; elsewhere
 * every function answers null): what a benchmark's requests cost the machine, per process.
 */
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";

const CLOCK_TICKS = (() => {
  try {
    return Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;
  } catch {
    return 100;
  }
})();

export interface ProcessCpu {
  name: string;
  seconds: number;
}

/**
 * wrangler dev runs two workerd processes: the one wrangler's inspector attaches to runs
 * the Worker (and its Durable Objects); the other is wrangler's dev proxy in front of it.
 */
function processLabel(pid: number, name: string): string {
  if (name !== "workerd") return name;
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").includes("--inspector-addr") ? "workerd(Worker)" : "workerd(dev proxy)";
  } catch {
    return name;
  }
}

/** CPU seconds used so far by every descendant of this process: the server's tree. */
export function descendantsCpu(): Map<number, ProcessCpu> | null {
  let entries: string[];
  try {
    entries = readdirSync("/proc").filter((entry) => /^\d+$/.test(entry));
  } catch {
    return null;
  }
  const stats = new Map<number, { parent: number; name: string; seconds: number }>();
  for (const entry of entries) {
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      // "pid (comm) state ppid ..." where comm may hold spaces or parentheses.
      const close = stat.lastIndexOf(")");
      const name = stat.slice(stat.indexOf("(") + 1, close);
      const fields = stat.slice(close + 2).split(" ");
      const parent = Number(fields[1]);
      const ticks = Number(fields[11]) + Number(fields[12]);
      stats.set(Number(entry), { parent, name, seconds: ticks / CLOCK_TICKS });
    } catch {
      // the process ended while we looked
    }
  }
  const tree = new Map<number, ProcessCpu>();
  const pending = [process.pid];
  while (pending.length > 0) {
    const parent = pending.pop();
    for (const [pid, stat] of stats) {
      if (stat.parent === parent && !tree.has(pid)) {
        tree.set(pid, { name: processLabel(pid, stat.name), seconds: stat.seconds });
        pending.push(pid);
      }
    }
  }
  return tree;
}

/** CPU seconds per process name spent between two snapshots. */
export function cpuSpent(before: Map<number, ProcessCpu> | null, after: Map<number, ProcessCpu> | null): Record<string, number> | null {
  if (!before || !after) return null;
  const spent: Record<string, number> = {};
  for (const [pid, now] of after) {
    const delta = now.seconds - (before.get(pid)?.seconds ?? 0);
    if (delta > 0) spent[now.name] = Math.round(((spent[now.name] ?? 0) + delta) * 100) / 100;
  }
  return spent;
}
