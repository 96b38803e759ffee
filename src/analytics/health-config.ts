/**
 * Health score configuration: component weights (per tenant, optionally per segment), bands,
 * the targets the component formulas compare against, and the trend threshold.
 *
 * Validate once with {@link validateHealthConfig}; the scorer trusts the branded result and never
 * re-checks it per account.
 */
import { AnalyticsConfigError } from "./errors";

/** The five health components, in the order results list them. */
export const HEALTH_COMPONENTS = ["usage", "engagement", "support", "satisfaction", "payment"] as const;
export type HealthComponentName = (typeof HEALTH_COMPONENTS)[number];

/** One weight per component; each 0–1, together summing to 1 (±0.001). */
export type HealthWeights = Readonly<Record<HealthComponentName, number>>;

/**
 * Band thresholds on the displayed score (0–100), strictly increasing:
 * - `churn_risk`: score < churnRisk
 * - `at_risk`:    churnRisk ≤ score < atRisk
 * - `neutral`:    atRisk ≤ score ≤ healthy (neither at risk nor demonstrably healthy; watch, no playbook)
 * - `healthy`:    healthy < score ≤ champion
 * - `champion`:   score > champion
 */
export interface HealthBands {
  readonly churnRisk: number;
  readonly atRisk: number;
  readonly healthy: number;
  readonly champion: number;
}

export type HealthBand = "churn_risk" | "at_risk" | "neutral" | "healthy" | "champion";

/**
 * What "full marks" means for the rate-like inputs; a value at or above its target scores 100.
 * Tenants whose product is used weekly rather than daily lower `loginsPerSeat30d`.
 */
export interface HealthTargets {
  /** Logins per licensed seat (or per active user when seats are unknown) in 30 days. Default 12 (three a week). */
  readonly loginsPerSeat30d: number;
  /** Email open rate (0–1) that counts as fully engaged. Default 0.40. */
  readonly emailOpenRate: number;
  /** Email click rate (0–1) that counts as fully engaged. Default 0.10. */
  readonly emailClickRate: number;
  /** Reply rate to CSM messages (0–1) that counts as fully engaged. Default 0.30. */
  readonly messageReplyRate: number;
}

declare const validatedHealthConfig: unique symbol;

/** A validated health configuration. Only {@link validateHealthConfig} produces one. */
export interface HealthConfig {
  readonly weights: HealthWeights;
  readonly bands: HealthBands;
  /** Segment key → weights used instead of `weights` for accounts in that segment. */
  readonly segmentProfiles: Readonly<Record<string, HealthWeights>>;
  readonly targets: HealthTargets;
  /** |slope| per 30 days beyond which the trend is improving/declining. Default 3. */
  readonly trendThresholdPer30Days: number;
  readonly [validatedHealthConfig]: true;
}

/** What a tenant may send: every section optional; missing sections take the defaults. */
export interface HealthConfigInput {
  weights?: Partial<Record<HealthComponentName, number>>;
  bands?: Partial<HealthBands>;
  segmentProfiles?: Record<string, Partial<Record<HealthComponentName, number>>>;
  targets?: Partial<HealthTargets>;
  trendThresholdPer30Days?: number;
}

/** The seed product's weights (usage 0.35, engagement 0.25, support 0.15, satisfaction 0.15, payment 0.10). */
export const DEFAULT_HEALTH_WEIGHTS: HealthWeights = Object.freeze({
  usage: 0.35,
  engagement: 0.25,
  support: 0.15,
  satisfaction: 0.15,
  payment: 0.1,
});

export const DEFAULT_HEALTH_BANDS: HealthBands = Object.freeze({ churnRisk: 40, atRisk: 60, healthy: 75, champion: 90 });

export const DEFAULT_HEALTH_TARGETS: HealthTargets = Object.freeze({
  loginsPerSeat30d: 12,
  emailOpenRate: 0.4,
  emailClickRate: 0.1,
  messageReplyRate: 0.3,
});

/** Tolerance on the sum of weights. */
export const HEALTH_WEIGHT_SUM_TOLERANCE = 0.001;

const BAND_KEYS = ["churnRisk", "atRisk", "healthy", "champion"] as const;
const TARGET_KEYS = ["loginsPerSeat30d", "emailOpenRate", "emailClickRate", "messageReplyRate"] as const;
const TOP_KEYS = ["weights", "bands", "segmentProfiles", "targets", "trendThresholdPer30Days"] as const;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function refuseUnknownKeys(value: Record<string, unknown>, allowed: readonly string[], path: string): void {
  for (const key of Object.keys(value)) {
    if (!allowed.includes(key)) {
      const at = path ? `${path}.${key}` : key;
      throw new AnalyticsConfigError(at, `unknown setting; use one of ${allowed.join(", ")}.`);
    }
  }
}

function finiteNumber(value: unknown, field: string, hint: string): number {
  if (typeof value !== "number" || !Number.isFinite(value)) {
    throw new AnalyticsConfigError(field, `must be a finite number (${hint}); got ${JSON.stringify(value) ?? String(value)}.`);
  }
  return value;
}

/** Validates a full set of five weights at `path` (e.g. "weights" or "segmentProfiles.enterprise"). */
function validateWeights(value: unknown, path: string): HealthWeights {
  if (!isRecord(value)) {
    throw new AnalyticsConfigError(path, `must be an object with the weights ${HEALTH_COMPONENTS.join(", ")}.`);
  }
  refuseUnknownKeys(value, HEALTH_COMPONENTS, path);
  const out: Record<HealthComponentName, number> = { usage: 0, engagement: 0, support: 0, satisfaction: 0, payment: 0 };
  let sum = 0;
  for (const name of HEALTH_COMPONENTS) {
    const field = `${path}.${name}`;
    if (value[name] === undefined) {
      throw new AnalyticsConfigError(field, "is missing; give all five weights (use 0 to leave a component out); they must sum to 1.");
    }
    const w = finiteNumber(value[name], field, "a weight between 0 and 1");
    if (w < 0 || w > 1) throw new AnalyticsConfigError(field, `is ${w}; each weight must be between 0 and 1.`);
    out[name] = w;
    sum += w;
  }
  if (Math.abs(sum - 1) > HEALTH_WEIGHT_SUM_TOLERANCE) {
    throw new AnalyticsConfigError(
      path,
      `sum to ${Number(sum.toFixed(6))}; the weights must sum to 1 (±${HEALTH_WEIGHT_SUM_TOLERANCE}). Scale them so they add up to 1.`,
    );
  }
  if (sum === 0) throw new AnalyticsConfigError(path, "all weights are 0; give at least one component a weight.");
  return Object.freeze(out);
}

function validateBands(value: unknown): HealthBands {
  if (value === undefined) return DEFAULT_HEALTH_BANDS;
  if (!isRecord(value)) throw new AnalyticsConfigError("bands", `must be an object with ${BAND_KEYS.join(", ")}.`);
  refuseUnknownKeys(value, BAND_KEYS, "bands");
  const out = { ...DEFAULT_HEALTH_BANDS };
  for (const key of BAND_KEYS) {
    if (value[key] === undefined) continue;
    const t = finiteNumber(value[key], `bands.${key}`, "a score between 0 and 100");
    if (t < 0 || t > 100) throw new AnalyticsConfigError(`bands.${key}`, `is ${t}; thresholds must lie within 0–100.`);
    out[key] = t;
  }
  for (let i = 1; i < BAND_KEYS.length; i++) {
    const lower = BAND_KEYS[i - 1] as (typeof BAND_KEYS)[number];
    const key = BAND_KEYS[i] as (typeof BAND_KEYS)[number];
    if (!(out[key] > out[lower])) {
      throw new AnalyticsConfigError(
        `bands.${key}`,
        `is ${out[key]} but must be greater than bands.${lower} (${out[lower]}); thresholds must be strictly increasing: churnRisk < atRisk < healthy < champion.`,
      );
    }
  }
  return Object.freeze(out);
}

function validateTargets(value: unknown): HealthTargets {
  if (value === undefined) return DEFAULT_HEALTH_TARGETS;
  if (!isRecord(value)) throw new AnalyticsConfigError("targets", `must be an object with ${TARGET_KEYS.join(", ")}.`);
  refuseUnknownKeys(value, TARGET_KEYS, "targets");
  const out = { ...DEFAULT_HEALTH_TARGETS };
  for (const key of TARGET_KEYS) {
    if (value[key] === undefined) continue;
    const t = finiteNumber(value[key], `targets.${key}`, "a positive target");
    if (!(t > 0)) throw new AnalyticsConfigError(`targets.${key}`, `is ${t}; a target must be greater than 0.`);
    if (key !== "loginsPerSeat30d" && t > 1) {
      throw new AnalyticsConfigError(`targets.${key}`, `is ${t}; a rate target is a share between 0 and 1 (e.g. 0.4 for 40 %).`);
    }
    out[key] = t;
  }
  return Object.freeze(out);
}

/**
 * Checks a tenant's health configuration and fills in defaults for missing sections.
 * `undefined`/`null` gives the defaults. Throws {@link AnalyticsConfigError} naming the field
 * (e.g. "weights.usage", "bands.healthy", "segmentProfiles.smb.payment") and the fix.
 */
export function validateHealthConfig(input: unknown): HealthConfig {
  if (input === undefined || input === null) return DEFAULT_HEALTH_CONFIG;
  if (!isRecord(input)) throw new AnalyticsConfigError("config", "must be an object (or omitted for the defaults).");
  refuseUnknownKeys(input, TOP_KEYS, "");
  const weights = input.weights === undefined ? DEFAULT_HEALTH_WEIGHTS : validateWeights(input.weights, "weights");
  const bands = validateBands(input.bands);
  const targets = validateTargets(input.targets);

  // Null prototype: a segment called "constructor" or "__proto__" must not find Object.prototype.
  const profiles = Object.create(null) as Record<string, HealthWeights>;
  if (input.segmentProfiles !== undefined) {
    if (!isRecord(input.segmentProfiles)) {
      throw new AnalyticsConfigError("segmentProfiles", "must be an object mapping a segment key to its five weights.");
    }
    for (const [segment, w] of Object.entries(input.segmentProfiles)) {
      if (segment.length === 0) throw new AnalyticsConfigError("segmentProfiles", "has an empty segment key; name each segment.");
      profiles[segment] = validateWeights(w, `segmentProfiles.${segment}`);
    }
  }

  let trendThresholdPer30Days = 3;
  if (input.trendThresholdPer30Days !== undefined) {
    trendThresholdPer30Days = finiteNumber(input.trendThresholdPer30Days, "trendThresholdPer30Days", "score points per 30 days");
    if (trendThresholdPer30Days < 0) {
      throw new AnalyticsConfigError("trendThresholdPer30Days", `is ${trendThresholdPer30Days}; it must be 0 or more (default 3).`);
    }
  }

  return Object.freeze({
    weights,
    bands,
    segmentProfiles: Object.freeze(profiles),
    targets,
    trendThresholdPer30Days,
  }) as HealthConfig;
}

/** Defaults: seed weights, bands 40/60/75/90, targets above, trend threshold ±3 per 30 days. */
export const DEFAULT_HEALTH_CONFIG: HealthConfig = Object.freeze({
  weights: DEFAULT_HEALTH_WEIGHTS,
  bands: DEFAULT_HEALTH_BANDS,
  segmentProfiles: Object.freeze(Object.create(null) as Record<string, HealthWeights>),
  targets: DEFAULT_HEALTH_TARGETS,
  trendThresholdPer30Days: 3,
}) as HealthConfig;

/** The band for a (displayed) score under `bands`; boundaries as documented on {@link HealthBands}. */
export function healthBand(score: number, bands: HealthBands): HealthBand {
  if (score < bands.churnRisk) return "churn_risk";
  if (score < bands.atRisk) return "at_risk";
  if (score <= bands.healthy) return "neutral";
  if (score <= bands.champion) return "healthy";
  return "champion";
}
