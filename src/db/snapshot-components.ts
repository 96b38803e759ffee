import { health } from "../analytics";

/**
 * How a health snapshot stores its components: positional triples [value, weight, contribution]
 * in the engine's component order (usage, engagement, support, satisfaction, payment), rounded to
 * 3 decimals; a component without data is [null, 0, 0]. A third the size of named objects, which
 * is what a 100,000-account daily snapshot pays for, and free of quotes, so it needs no escaping
 * inside the recompute's JSON parameter. Explanations are not stored: they are re-derived.
 */

export interface SnapshotComponent {
  name: health.HealthComponentName;
  value: number | null;
  weight: number;
  contribution: number;
}

function round3(value: number): number {
  return Math.round(value * 1000) / 1000;
}

export function encodeComponents(components: readonly { value: number | null; weight: number; contribution: number }[]): string {
  let out = "[";
  for (let i = 0; i < components.length; i++) {
    const c = components[i];
    if (!c) continue;
    if (i > 0) out += ",";
    out += `[${c.value === null ? "null" : round3(c.value)},${round3(c.weight)},${round3(c.contribution)}]`;
  }
  return out + "]";
}

/** Reads either the compact triples or the named objects earlier snapshots stored. */
export function decodeComponents(stored: string): SnapshotComponent[] {
  const parsed: unknown = JSON.parse(stored);
  if (!Array.isArray(parsed)) return [];
  return parsed.flatMap((entry: unknown, i): SnapshotComponent[] => {
    if (Array.isArray(entry)) {
      const name = health.HEALTH_COMPONENTS[i];
      const [value, weight, contribution] = entry as [number | null, number, number];
      return name ? [{ name, value, weight, contribution }] : [];
    }
    if (entry && typeof entry === "object" && "name" in entry) return [entry as SnapshotComponent];
    return [];
  });
}
