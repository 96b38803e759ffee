/** Small numeric helpers every analytics module shares. Pure; never return NaN. */

/** Clamps to [min, max]; NaN becomes `min`. */
export function clamp(value: number, min: number, max: number): number {
  if (Number.isNaN(value)) return min;
  return Math.min(max, Math.max(min, value));
}

/** Rounds half away from zero to `digits` decimals (for display values, not for sums). */
export function round(value: number, digits = 2): number {
  const factor = 10 ** digits;
  return Math.sign(value) * Math.round(Math.abs(value) * factor) / factor;
}

/** A ratio that is 0 (not NaN or Infinity) when the denominator is 0. */
export function safeRatio(numerator: number, denominator: number): number {
  return denominator === 0 || !Number.isFinite(denominator) ? 0 : numerator / denominator;
}

export const MS_PER_DAY = 86_400_000;

/** Whole UTC days from `from` to `to` (negative when `to` is earlier). */
export function daysBetween(from: Date | number, to: Date | number): number {
  return Math.floor((Number(to) - Number(from)) / MS_PER_DAY);
}
