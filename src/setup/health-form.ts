import { health } from "../analytics";
import { TIERS } from "../db/accounts";
import { TICKET_PRIORITIES } from "../db/tickets";
import type { FieldErrors } from "./context";
import { text } from "./context";

/**
 * The health step's forms: percentages and thresholds as typed, turned into the exact input of
 * the update_health_model and configure_support tools (which validate them with their own
 * schemas). The one rule checked here first is the page's own unit: weights in percent must
 * total 100, with the field named, before anything reaches the Tenant object.
 */

export const COMPONENTS = health.HEALTH_COMPONENTS;
export const BANDS = ["churn_risk", "at_risk", "healthy", "champion"] as const;
export const SEGMENTS = TIERS;
export const PRIORITIES = TICKET_PRIORITIES;

export type Values = Record<string, string>;

export const COMPONENT_HELP: Record<(typeof COMPONENTS)[number], string> = {
  usage: "Active users against seats, logins per seat, features used",
  engagement: "Days since the last touch, email and message response",
  support: "Open and recent tickets, high-severity tickets, SLA breaches",
  satisfaction: "Latest NPS, CSAT and effort scores",
  payment: "Late and failed payments, overdue amounts",
};

export const BAND_HELP: Record<(typeof BANDS)[number], string> = {
  churn_risk: "Below this score: churn risk",
  at_risk: "Below this score: at risk",
  healthy: "Above this score: healthy",
  champion: "Above this score: champion",
};

function round(value: number): string {
  return String(Math.round(value * 10_000) / 100);
}

/** The form's values from the stored model (weights shown in percent). */
export function modelValues(model: {
  weights: Record<string, number>;
  bands: { churnRisk: number; atRisk: number; healthy: number; champion: number };
  segmentProfiles: Record<string, Record<string, number>>;
}): Values {
  const values: Values = {};
  for (const name of COMPONENTS) values[`weight_${name}`] = round(model.weights[name] ?? 0);
  values.band_churn_risk = String(model.bands.churnRisk);
  values.band_at_risk = String(model.bands.atRisk);
  values.band_healthy = String(model.bands.healthy);
  values.band_champion = String(model.bands.champion);
  for (const segment of SEGMENTS) {
    const profile = model.segmentProfiles[segment];
    if (profile) values[`override_${segment}`] = "on";
    for (const name of COMPONENTS) values[`w_${segment}_${name}`] = round((profile ?? model.weights)[name] ?? 0);
  }
  return values;
}

export function formValues(form: FormData, names: readonly string[]): Values {
  const values: Values = {};
  for (const name of names) values[name] = text(form, name);
  return values;
}

export const HEALTH_FIELDS = [
  ...COMPONENTS.map((name) => `weight_${name}`),
  ...BANDS.map((band) => `band_${band}`),
  ...SEGMENTS.flatMap((segment) => [`override_${segment}`, ...COMPONENTS.map((name) => `w_${segment}_${name}`)]),
];

function number(values: Values, name: string, errors: FieldErrors, what: string): number {
  const raw = values[name] ?? "";
  if (raw === "") {
    errors[name] = `Enter ${what}.`;
    return Number.NaN;
  }
  const value = Number(raw);
  if (!Number.isFinite(value)) errors[name] = `${raw} is not a number; enter ${what}.`;
  return value;
}

/** Reads one weight group (percent) and checks the 100% total; the error is on `group`. */
function weightGroup(values: Values, prefix: string, group: string, errors: FieldErrors): Record<string, number> {
  const weights: Record<string, number> = {};
  let sum = 0;
  for (const name of COMPONENTS) {
    const field = `${prefix}${name}`;
    const value = number(values, field, errors, "a percentage from 0 to 100");
    if (Number.isFinite(value) && (value < 0 || value > 100)) errors[field] = "Enter a percentage from 0 to 100.";
    weights[name] = value / 100;
    sum += Number.isFinite(value) ? value : 0;
  }
  const off = Math.round((100 - sum) * 100) / 100;
  if (Math.abs(off) > 0.01 && !COMPONENTS.some((name) => errors[`${prefix}${name}`])) {
    errors[group] = `The weights add up to ${Math.round(sum * 100) / 100}%; they must total 100% (${off > 0 ? `add ${off}` : `remove ${-off}`} points).`;
  }
  return weights;
}

/** The update_health_model input from the form, or the errors (field → message). */
export function healthModelInput(values: Values, preview: boolean): { input: Record<string, unknown> | null; errors: FieldErrors } {
  const errors: FieldErrors = {};
  const weights = weightGroup(values, "weight_", "weights", errors);
  const bands: Record<string, number> = {};
  for (const band of BANDS) bands[band] = number(values, `band_${band}`, errors, "a score from 0 to 100");
  const profiles: Record<string, Record<string, number>> = {};
  for (const segment of SEGMENTS) {
    if (values[`override_${segment}`] !== "on") continue;
    profiles[segment] = weightGroup(values, `w_${segment}_`, `profile_${segment}`, errors);
  }
  if (Object.keys(errors).length > 0) return { input: null, errors };
  return { input: { weights, bands, segment_profiles: profiles, preview }, errors };
}

/** Tool and engine paths (weights.usage, bands.healthy, segment_profiles.smb.payment) → form fields. */
export function healthField(path: string): string {
  const parts = path.replace("segmentProfiles", "segment_profiles").replace("churnRisk", "churn_risk").replace("atRisk", "at_risk").split(".");
  if (parts[0] === "weights") return parts[1] ? `weight_${parts[1]}` : "weights";
  if (parts[0] === "bands") return parts[1] ? `band_${parts[1]}` : "band_churn_risk";
  if (parts[0] === "segment_profiles" && parts[1]) return parts[2] ? `w_${parts[1]}_${parts[2]}` : `profile_${parts[1]}`;
  return "form";
}

/** The field an engine refusal names, e.g. "bands.healthy must be above bands.at_risk" → band_healthy. */
export function fieldOfMessage(message: string): string {
  const match = /\b(weights|bands|segment_profiles|segmentProfiles)(\.[A-Za-z_]+){0,2}/.exec(message);
  return match ? healthField(match[0]) : "form";
}

export const SLA_FIELDS = PRIORITIES.flatMap((priority) => [`sla_${priority}_first`, `sla_${priority}_resolution`]);

export function slaValues(targets: Record<string, { first_response_minutes: number; resolution_minutes: number }>): Values {
  const values: Values = {};
  for (const priority of PRIORITIES) {
    values[`sla_${priority}_first`] = String(targets[priority]?.first_response_minutes ?? "");
    values[`sla_${priority}_resolution`] = String(targets[priority]?.resolution_minutes ?? "");
  }
  return values;
}

/** The configure_support input; a cell that is not a number is refused here with its own message. */
export function slaInput(values: Values): { input: Record<string, unknown> | null; errors: FieldErrors } {
  const errors: FieldErrors = {};
  const targets: Record<string, { first_response_minutes: number; resolution_minutes: number }> = {};
  for (const priority of PRIORITIES) {
    targets[priority] = {
      first_response_minutes: number(values, `sla_${priority}_first`, errors, "minutes to the first response"),
      resolution_minutes: number(values, `sla_${priority}_resolution`, errors, "minutes to resolution"),
    };
  }
  return Object.keys(errors).length ? { input: null, errors } : { input: { sla_targets: targets }, errors };
}

/** configure_support's paths (sla_targets.P1.first_response_minutes) → form fields. */
export function slaField(path: string): string {
  const [, priority, which] = path.split(".");
  if (!priority) return "form";
  return `sla_${priority}_${which === "resolution_minutes" ? "resolution" : "first"}`;
}

/** Churn and retention triggers offered as ready-made playbooks. */
export const TRIGGER_PRESETS = {
  churn_risk: {
    label: "Health drops below a score",
    help: "Opens a save-plan task for the account's CSM when its health score falls below the threshold.",
    name: (threshold: number) => `Churn risk: health below ${threshold}`,
    rule: (threshold: number, _days: number) => ({ match: "all", rules: [{ field: "health_score", operator: "lt", value: threshold }] }),
    title: "Save plan for {{account_name}} (health {{health_score}})",
  },
  renewal_risk: {
    label: "Renewal coming up with weak health",
    help: "Opens a renewal review when the renewal is within the given days and health is below the threshold.",
    name: (threshold: number, days: number) => `Renewal risk: renewal within ${days} days, health below ${threshold}`,
    rule: (threshold: number, days: number) => ({
      match: "all",
      rules: [
        { field: "days_until_renewal", operator: "between", value: [0, days] },
        { field: "health_score", operator: "lt", value: threshold },
      ],
    }),
    title: "Renewal review for {{account_name}} ({{days_until_renewal}} days left)",
  },
  no_touch: {
    label: "No contact for a while",
    help: "Opens a check-in task when nobody has touched the account for the given days.",
    name: (_threshold: number, days: number) => `Retention: no touch for ${days} days`,
    rule: (_threshold: number, days: number) => ({ match: "all", rules: [{ field: "days_since_last_touch", operator: "gt", value: days }] }),
    title: "Check in with {{account_name}}",
  },
} as const;

export type TriggerPreset = keyof typeof TRIGGER_PRESETS;
