import { z } from "zod";
import { LIFECYCLE_STAGES } from "../db/accounts";
import { defineTool, READ_ONLY, unwrap } from "./define";
import { isoDate } from "./fields";

/**
 * Segmentation tools: value tiers by ARR and lifecycle stages derived from each account's facts
 * by the analytics engine (docs/engagement.md). Custom rule segments live elsewhere.
 */

const clientId = z
  .string()
  .min(1, "client_id is required")
  .max(100, "client_id is at most 100 characters")
  .regex(/^[a-zA-Z0-9_-]+$/, "client_id holds only letters, digits, _ and - (as returned by register_client or list_clients)");
const stage = z.enum(LIFECYCLE_STAGES);

const TIER_TEXT = /^([^:,]{1,50}):(\d+(?:\.\d+)?)$/;
const tierDefinition = z.union([
  z.string().regex(TIER_TEXT, 'write a tier as "name:min_arr", e.g. "growth:25000"'),
  z.object({ name: z.string().trim().min(1, "name is required").max(50), min_arr: z.number().finite().min(0, "min_arr must be 0 or more") }),
]);

const tierAccount = z.object({
  client_id: z.string(),
  client_name: z.string(),
  plan_tier: z.string().describe("The account's tier field (its plan)"),
  value_tier: z.string().describe("The value tier its ARR falls in"),
  contract_value: z.number(),
  health_score: z.number().nullable(),
  csm_assigned: z.string().nullable(),
  reason: z.string(),
});

export const getValueTiers = defineTool({
  name: "get_value_tiers",
  title: "Value tiers by ARR",
  description:
    "Accounts per value tier by ARR (default starter < 10k ≤ standard < 50k ≤ professional < 100k ≤ enterprise < 200k ≤ strategic, or your own thresholds): count, ARR, share of ARR and average health per tier, the VIP list (top accounts by ARR), upgrade candidates (ARR just below the next tier, or a plan label below the ARR tier) and downgrade risks (ARR just above its tier's floor, or a plan label above the ARR tier).",
  input: z.object({
    tiers: z
      .array(tierDefinition)
      .min(1)
      .max(20, "at most 20 tiers")
      .optional()
      .describe('Your tier thresholds, lowest first, the first at 0: objects { name, min_arr } or "name:min_arr" text (REST: tiers=starter:0,growth:25000)'),
    vip_count: z.number().int("must be a whole number").min(1, "must be 1–100").max(100, "must be 1–100").default(20),
    near_threshold: z
      .number()
      .min(0, "must be 0–0.5")
      .max(0.5, "must be 0–0.5")
      .default(0.1)
      .describe("How close to a threshold counts as near, as a share of it (0.1 = within 10 %)"),
    limit: z.number().int("must be a whole number").min(1, "must be 1–100").max(100, "must be 1–100").default(10).describe("Candidates listed per threshold and per label check"),
  }),
  output: z.object({
    tiers: z.array(
      z.object({
        tier: z.string(),
        rank: z.number().describe("1 for the highest tier"),
        min_arr: z.number(),
        max_arr: z.number().nullable(),
        accounts: z.number(),
        arr: z.number(),
        share_of_arr: z.number(),
        avg_health_score: z.number().nullable().describe("Over the tier's scored accounts; null when none is scored"),
        scored_accounts: z.number(),
        explanation: z.string(),
      }),
    ),
    total_accounts: z.number(),
    total_arr: z.number(),
    vip: z.array(tierAccount),
    upgrade_candidates: z.array(tierAccount),
    downgrade_risks: z.array(tierAccount),
    mismatched_labels: z.object({ under_labelled: z.number(), over_labelled: z.number() }).describe("Accounts whose plan tier is below / above their ARR tier"),
    notes: z.array(z.string()),
  }),
  annotations: READ_ONLY,
  scope: "cs:read",
  rest: { method: "GET", path: "/segments/value-tiers" },
  async handler({ tenant }, input) {
    const tiers = input.tiers?.map((t) => {
      if (typeof t !== "string") return { name: t.name, minArr: t.min_arr };
      const m = TIER_TEXT.exec(t) as RegExpExecArray;
      return { name: (m[1] as string).trim(), minArr: Number(m[2]) };
    });
    return unwrap(await tenant.valueTiers({ tiers, vip: input.vip_count, margin: input.near_threshold, limit: input.limit }));
  },
});

const lifecycleRow = z.object({
  client_id: z.string(),
  client_name: z.string(),
  tier: z.string(),
  status: z.string(),
  stored_stage: stage,
  derived_stage: stage,
  differs: z.boolean(),
  rule: z.string().describe("The engine rule that decided the stage"),
  reason: z.string(),
  matched: z.array(z.string()).describe("Every rule that fired, in decision order"),
  missing_facts: z.array(z.string()),
  facts: z.object({
    health_score: z.number().nullable(),
    usage_change: z.number().nullable(),
    seat_utilization: z.number().nullable(),
    feature_breadth: z.number().nullable(),
    first_value_on: z.string().nullable(),
    payment_issue: z.boolean(),
    open_escalations: z.number(),
    days_since_start: z.number().nullable(),
    days_to_renewal: z.number().nullable(),
  }),
});

export const getLifecycleStages = defineTool({
  name: "get_lifecycle_stages",
  title: "Lifecycle stages from facts",
  description:
    "Each account's lifecycle stage derived from its facts (status, contract dates, health, usage change, seats, feature breadth, first value, payments, escalations) by the analytics engine, with the rule that decided it and why; the distribution over every account; and the accounts whose stored lifecycle_stage differs. apply_lifecycle_stages writes the derived stages.",
  input: z.object({
    client_id: clientId.optional().describe("One account; leave out for every account"),
    as_of: isoDate.optional().describe("Classify as of this day; default today"),
    only_differing: z.boolean().default(false).describe("List only accounts whose stored stage differs from the derived one"),
    limit: z.number().int("must be a whole number").min(1, "must be 1–500").max(500, "must be 1–500").default(100),
    cursor: z.string().min(1).optional().describe("next_cursor from the previous page"),
  }),
  output: z.object({
    as_of: z.string(),
    accounts: z.array(lifecycleRow),
    pagination: z.object({ returned_count: z.number(), has_more: z.boolean(), next_cursor: z.string().nullable() }),
    summary: z.object({
      total_accounts: z.number(),
      derived_distribution: z.record(z.string(), z.number()),
      stored_distribution: z.record(z.string(), z.number()),
      differing: z.number().describe("Accounts whose stored stage differs from the derived one"),
      rules_fired: z.record(z.string(), z.number()),
    }),
    notes: z.array(z.string()),
  }),
  annotations: READ_ONLY,
  scope: "cs:read",
  rest: { method: "GET", path: "/segments/lifecycle" },
  async handler({ tenant }, input) {
    const out = unwrap(await tenant.lifecycleStages(input));
    return {
      as_of: out.as_of,
      accounts: out.accounts,
      pagination: { returned_count: out.accounts.length, has_more: out.next_cursor !== null, next_cursor: out.next_cursor },
      summary: {
        total_accounts: out.total_accounts,
        derived_distribution: out.derived_distribution,
        stored_distribution: out.stored_distribution,
        differing: out.differing,
        rules_fired: out.rules_fired,
      },
      notes: out.notes,
    };
  },
});

export const applyLifecycleStages = defineTool({
  name: "apply_lifecycle_stages",
  title: "Apply derived lifecycle stages",
  description:
    "Set each account's stored lifecycle_stage to the stage derived from its facts (as get_lifecycle_stages shows), for the given accounts or every account whose stage differs, up to limit per call. Each change is on the account's timeline and in the audit log with the rule and reason.",
  input: z.object({
    client_ids: z.array(clientId).min(1).max(1000, "at most 1000 client_ids").optional().describe("Only these accounts; default every account whose stage differs"),
    as_of: isoDate.optional().describe("Classify as of this day; default today"),
    limit: z.number().int("must be a whole number").min(1, "must be 1–1000").max(1000, "must be 1–1000").default(200).describe("At most this many changes per call"),
  }),
  output: z.object({
    as_of: z.string(),
    applied: z.array(z.object({ client_id: z.string(), client_name: z.string(), from: z.string(), to: z.string(), rule: z.string(), reason: z.string() })),
    applied_count: z.number(),
    remaining: z.number().describe("Accounts that still differ beyond limit; call again"),
  }),
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  scope: "cs:write",
  rest: { method: "POST", path: "/segments/lifecycle/apply" },
  async handler({ tenant, actor }, input) {
    const out = unwrap(await tenant.applyLifecycleStages(input, actor));
    return { ...out, applied_count: out.applied.length };
  },
});

export const segmentationTools = [getValueTiers, getLifecycleStages, applyLifecycleStages];
