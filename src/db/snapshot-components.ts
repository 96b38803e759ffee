import { health } from "../analytics";

/**
 * How a health snapshot stores its components: one flat JSON array of 15 integers, the
 * [value, weight, contribution] of each component in the engine's order (usage, engagement,
 * support, satisfaction, payment) in thousandths, i.e. rounded to 3 decimals; a component
 * without data is `null,0,0`. Integers because a full recompute writes 100,000 of these and
 * turning a fraction into its shortest decimal text costs V8 several times what an integer does
 * (measured: building a page's rows took half the time); and free of quotes, so it needs no
 * escaping inside the recompute's JSON parameter. Explanations are not stored: they are re-derived.
 *
 * Earlier snapshots stored positional triples of decimals ([[value, weight, contribution], …])
 * or named objects; decodeComponents reads all three.
 */

export interface SnapshotComponent {
  name: health.HealthComponentName;
  value: number | null;
  weight: number;
  contribution: number;
}

export function encodeComponents(components: readonly { value: number | null; weight: number; contribution: number }[]): string {
  let out = "[";
  for (let i = 0; i < components.length; i++) {
    const c = components[i];
    if (!c) continue;
    if (i > 0) out += ",";
    out += c.value === null ? "null,0,0" : `${Math.round(c.value * 1000)},${Math.round(c.weight * 1000)},${Math.round(c.contribution * 1000)}`;
  }
  return out + "]";
}

const thousandths = (n: unknown): number => (typeof n === "number" ? n / 1000 : 0);

/** Reads the flat thousandths, the earlier decimal triples or the named objects. */
export function decodeComponents(stored: string): SnapshotComponent[] {
  const parsed: unknown = JSON.parse(stored);
  if (!Array.isArray(parsed)) return [];
  if (parsed.length > 0 && (parsed[0] === null || typeof parsed[0] === "number")) {
    const components: SnapshotComponent[] = [];
    for (let i = 0; i + 2 < parsed.length; i += 3) {
      const name = health.HEALTH_COMPONENTS[i / 3];
      if (!name) break;
      const value: unknown = parsed[i];
      components.push({ name, value: typeof value === "number" ? value / 1000 : null, weight: thousandths(parsed[i + 1]), contribution: thousandths(parsed[i + 2]) });
    }
    return components;
  }
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
