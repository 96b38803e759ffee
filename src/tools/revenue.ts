import { z } from "zod";
import { expansion } from "../analytics";
import { defineTool, READ_ONLY, unwrap } from "./define";
import { clientId } from "./fields";

/** Expansion and revenue: renewals due, the renewal forecast, expansion opportunities, NRR/GRR over periods, lifetime value. */

const tier = z.enum(["starter", "standard", "professional", "enterprise"]);
const csm = z.string().trim().min(1).max(200).optional().describe("Only this CSM's accounts");
const category = z.enum(["committed", "probable", "at_risk"]);

function round2(value: number): number {
  return Math.round(value * 100) / 100;
}

export const listRenewalsDue = defineTool({
  name: "list_renewals_due",
  title: "Renewals due",
  description:
    "Accounts renewing within the next `days` days, soonest first: the renewal probability (from health, trend, churn risk, escalations, payment, usage trend, contract and prior renewals) with its biggest drivers, " +
    "its category (committed ≥ 0.8, at risk < 0.5), expected ARR (probability × ARR), and where the 90/60/30-day checkpoints stand (a checkpoint counts as done when its renewal task is done).",
  input: z.object({
    days: z.number().int().min(1, "days must be at least 1").max(365, "days is at most 365").default(90),
    csm,
    tier: tier.optional(),
    limit: z.number().int().min(1).max(200, "limit is at most 200").default(50),
  }),
  output: z.object({
    window: z.object({ from: z.string(), to: z.string(), days: z.number().int() }),
    totals: z.object({ renewals: z.number().int(), arr: z.number(), expected_arr: z.number(), at_risk_arr: z.number() }),
    renewals: z.array(
      z.object({
        client_id: z.string(),
        client_name: z.string(),
        tier: z.string(),
        csm: z.string().nullable(),
        renewal_date: z.string(),
        days_to_renewal: z.number().int(),
        arr: z.number(),
        probability: z.number(),
        category,
        confidence: z.number(),
        expected_arr: z.number(),
        summary: z.string(),
        drivers: z.array(z.object({ factor: z.string(), points: z.number(), explanation: z.string() })),
        missing: z.array(z.string()).describe("Model inputs with no data"),
        checkpoints: z.object({
          current: z.number().int().nullable(),
          next: z.number().int().nullable(),
          overdue: z.array(z.number().int()),
          items: z.array(z.object({ days_before: z.number().int(), due_date: z.string(), status: z.string(), completed_on: z.string().nullable() })),
        }),
      }),
    ),
  }),
  annotations: READ_ONLY,
  scope: "cs:read",
  rest: { method: "GET", path: "/renewals" },
  async handler({ tenant }, input) {
    return unwrap(await tenant.renewalsDue(input));
  },
});

const totals = z.object({
  renewals: z.number().int(),
  arr: z.number(),
  expected_arr: z.number(),
  committed_arr: z.number(),
  probable_arr: z.number(),
  at_risk_arr: z.number(),
  committed: z.number().int(),
  probable: z.number().int(),
  at_risk: z.number().int(),
  expected_renewal_rate: z.number(),
});

function totalsOut(t: {
  renewals: number;
  arr: number;
  expectedArr: number;
  committedArr: number;
  probableArr: number;
  atRiskArr: number;
  committedCount: number;
  probableCount: number;
  atRiskCount: number;
  expectedRenewalRate: number;
}) {
  return {
    renewals: t.renewals,
    arr: round2(t.arr),
    expected_arr: round2(t.expectedArr),
    committed_arr: round2(t.committedArr),
    probable_arr: round2(t.probableArr),
    at_risk_arr: round2(t.atRiskArr),
    committed: t.committedCount,
    probable: t.probableCount,
    at_risk: t.atRiskCount,
    expected_renewal_rate: Math.round(t.expectedRenewalRate * 1000) / 1000,
  };
}

export const getRenewalForecast = defineTool({
  name: "get_renewal_forecast",
  title: "Renewal forecast",
  description:
    "Renewing ARR by month and by quarter over the next `months` whole months (starting with this one): committed (probability ≥ 0.8), probable and at-risk (< 0.5) ARR, " +
    "expected ARR (Σ probability × ARR) and the expected renewal rate, with the accounts in each bucket.",
  input: z.object({
    months: z.number().int().min(1, "months must be at least 1").max(24, "months is at most 24").default(6),
    csm,
    tier: tier.optional(),
  }),
  output: z.object({
    as_of: z.string(),
    window: z.object({ start: z.string(), end: z.string() }),
    totals,
    months: z.array(totals.extend({ period: z.string(), start: z.string(), end: z.string(), client_ids: z.array(z.string()) })),
    quarters: z.array(totals.extend({ period: z.string(), start: z.string(), end: z.string(), partial: z.boolean(), client_ids: z.array(z.string()) })),
    risk_cutoffs: z.object({ committed: z.number(), at_risk: z.number() }).describe("committed at or above, at risk below"),
  }),
  annotations: READ_ONLY,
  scope: "cs:read",
  rest: { method: "GET", path: "/renewals/forecast" },
  async handler({ tenant }, input) {
    const f = unwrap(await tenant.renewalForecast(input));
    return {
      as_of: f.asOf,
      window: { start: f.windowStart, end: f.windowEnd },
      totals: totalsOut(f.totals),
      months: f.months.map((m) => ({ ...totalsOut(m), period: m.period, start: m.start, end: m.end, client_ids: m.accountIds })),
      quarters: f.quarters.map((q) => ({ ...totalsOut(q), period: q.period, start: q.start, end: q.end, partial: q.partial, client_ids: q.accountIds })),
      risk_cutoffs: { committed: f.riskCutoffs.committedAtLeast, at_risk: f.riskCutoffs.atRiskBelow },
    };
  },
});

const product = z.object({
  id: z.string().trim().min(1, "catalog[].id is required").max(100),
  name: z.string().trim().min(1, "catalog[].name is required").max(200),
  annual_price: z.number().min(0, "catalog[].annual_price must be ≥ 0"),
  pricing: z.enum(["flat", "per_seat"]).default("flat"),
  prerequisites: z.array(z.string()).max(20).optional(),
  tiers: z.array(tier).optional(),
});

const planLimit = z.object({
  tier: tier.optional().describe("Applies to this tier only; all tiers when absent"),
  metric: z.enum(["monthly_events", "monthly_sessions", "active_users"]),
  limit: z.number().positive("plan_limits[].limit must be > 0"),
  annual_price_per_unit: z.number().min(0).optional(),
});

export const findExpansionOpportunities = defineTool({
  name: "find_expansion_opportunities",
  title: "Expansion opportunities",
  description:
    "Upsell (next tier), seat expansion (active users near or over licensed seats), usage expansion (use near plan_limits over the last 30 days) and cross-sell (products in `catalog` the account does not use yet) with estimated ARR, probability, expected value and the signals behind each. " +
    "Accounts at risk (health below 60 or high churn probability) have their candidates held back, with the reason. For one account (client_id) or the portfolio. A product counts as owned when its id appears as a used feature key.",
  input: z.object({
    client_id: clientId.optional(),
    csm,
    tier: tier.optional(),
    types: z.array(z.enum(expansion.EXPANSION_TYPES as [expansion.ExpansionType, ...expansion.ExpansionType[]])).optional(),
    catalog: z.array(product).max(100, "catalog holds at most 100 products").default([]),
    plan_limits: z.array(planLimit).max(20, "plan_limits holds at most 20 limits").default([]),
    include_held_back: z.boolean().default(false),
    limit: z.number().int().min(1).max(200, "limit is at most 200").default(50),
  }),
  output: z.object({
    accounts_scanned: z.number().int(),
    totals: z.object({
      recommended: z.number().int(),
      estimated_value: z.number(),
      expected_value: z.number(),
      by_type: z.array(z.object({ type: z.string(), count: z.number().int(), estimated_value: z.number(), expected_value: z.number() })),
    }),
    opportunities: z.array(
      z.object({
        client_id: z.string(),
        client_name: z.string(),
        tier: z.string(),
        arr: z.number(),
        type: z.string(),
        key: z.string(),
        status: z.enum(["recommended", "held_back"]),
        held_back_reasons: z.array(z.string()),
        estimated_value: z.number(),
        probability: z.number(),
        expected_value: z.number(),
        recommended_tier: z.string().nullable(),
        product_id: z.string().nullable(),
        metric: z.string().nullable(),
        additional_units: z.number().nullable(),
        reason: z.string(),
        signals: z.array(z.object({ name: z.string(), value: z.union([z.number(), z.string(), z.boolean()]).nullable(), threshold: z.number().nullable(), detail: z.string() })),
      }),
    ),
    notes: z.array(z.string()),
  }),
  annotations: READ_ONLY,
  scope: "cs:read",
  rest: { method: "POST", path: "/expansion/opportunities" },
  async handler({ tenant }, input) {
    return unwrap(
      await tenant.expansionOpportunities({
        accountId: input.client_id,
        csm: input.csm,
        tier: input.tier,
        types: input.types,
        catalog: input.catalog.map((p) => ({ id: p.id, name: p.name, annualPrice: p.annual_price, pricing: p.pricing, prerequisites: p.prerequisites, tiers: p.tiers })),
        limits: input.plan_limits,
        includeHeldBack: input.include_held_back,
        limit: input.limit,
      }),
    );
  },
});

const revenuePeriod = z.object({
  period: z.string(),
  from: z.string(),
  to: z.string(),
  starting_arr: z.number(),
  new_arr: z.number(),
  expansion_arr: z.number(),
  contraction_arr: z.number(),
  churned_arr: z.number(),
  ending_arr: z.number(),
  net_new_arr: z.number(),
  grr: z.number().nullable(),
  nrr: z.number().nullable(),
  starting_customers: z.number().int(),
  churned_customers: z.number().int(),
  new_customers: z.number().int(),
});

export const getRevenueExpansion = defineTool({
  name: "get_revenue_expansion",
  title: "Revenue expansion, contraction and churn",
  description:
    "ARR movements per month or quarter (the last `periods`, the current one up to now): new, expansion, contraction and churned ARR, GRR and NRR over the accounts present at the period's start, " +
    "and the same over the whole window. ARR history comes from contract terms (the sum of terms in effect; a cancelled term ends when cancelled), or from recorded contract_value changes for accounts without contracts; churn is the day the status became churned.",
  input: z.object({
    granularity: z.enum(["month", "quarter"]).default("quarter"),
    periods: z.number().int().min(1, "periods must be at least 1").max(24, "periods is at most 24").default(4),
    csm,
    tier: tier.optional(),
  }),
  output: z.object({ accounts: z.number().int(), periods: z.array(revenuePeriod), total: revenuePeriod }),
  annotations: READ_ONLY,
  scope: "cs:read",
  rest: { method: "GET", path: "/revenue/expansion" },
  async handler({ tenant }, input) {
    return unwrap(await tenant.revenueExpansion(input));
  },
});

const ltv = z.object({
  client_id: z.string(),
  client_name: z.string(),
  tier: z.string(),
  arr: z.number(),
  ltv: z.number(),
  lifetime_years: z.number(),
  annual_churn: z.number(),
  churn_source: z.string(),
  gross_margin: z.number(),
  paid_to_date: z.number().describe("Σ paid invoices so far"),
  explanation: z.string(),
});

export const getLifetimeValue = defineTool({
  name: "get_lifetime_value",
  title: "Customer lifetime value",
  description:
    "LTV = ARR × gross margin × lifetime, lifetime = 1 / annual churn probability (from the churn model) capped at 10 years. For one account (client_id), or for a segment (all active accounts, or a tier or CSM): total and average LTV, by tier, and the highest-value accounts.",
  input: z.object({
    client_id: clientId.optional(),
    tier: tier.optional(),
    csm,
    gross_margin: z.number().min(0, "gross_margin must be between 0 and 1").max(1, "gross_margin must be between 0 and 1, e.g. 0.8").optional(),
    limit: z.number().int().min(1).max(100, "limit is at most 100").default(10),
  }),
  output: z.object({
    scope: z.enum(["account", "segment"]),
    account: ltv.nullable(),
    segment: z
      .object({
        accounts: z.number().int(),
        total_ltv: z.number(),
        average_ltv: z.number(),
        total_arr: z.number(),
        paid_to_date: z.number(),
        by_tier: z.array(z.object({ tier: z.string(), accounts: z.number().int(), total_ltv: z.number(), average_ltv: z.number() })),
        top: z.array(ltv),
      })
      .nullable(),
  }),
  annotations: READ_ONLY,
  scope: "cs:read",
  rest: { method: "GET", path: "/revenue/lifetime-value" },
  async handler({ tenant }, input) {
    return unwrap(await tenant.lifetimeValue({ accountId: input.client_id, tier: input.tier, csm: input.csm, grossMargin: input.gross_margin, limit: input.limit }));
  },
});

export const revenueTools = [listRenewalsDue, getRenewalForecast, findExpansionOpportunities, getRevenueExpansion, getLifetimeValue];
