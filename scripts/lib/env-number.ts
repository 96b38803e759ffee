/**
 * A benchmark's whole-number setting from the environment (BENCH_ROWS=…), or its default. A bad
 * value ends the script with exit code 2 and one line naming the variable, before anything starts.
 */
export function wholeFromEnv(name: string, fallback: number): number {
  const text = process.env[name];
  if (text === undefined || text.trim() === "") return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1) {
    console.error(`${name} must be a whole number of at least 1, not "${text}"`);
    process.exit(2);
  }
  return value;
}
