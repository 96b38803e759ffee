import { z } from "zod";
import { churn, health } from "../analytics";
import { CHURN_LEVELS, topDrivers } from "../db/retention";
import { defineTool, READ_ONLY, ToolError, unwrap } from "./define";
import { clientId } from "./fields";

/** Retention and risk: churn risk with its drivers, risk factors, satisfaction, post-mortems. */

const level = z.enum(CHURN_LEVELS);
const driver = z.object({ factor: z.enum(churn.CHURN_FACTORS), share: z.number(), explanation: z.string() });

function round3(value: number): number {
  return Math.round(value * 1000) / 1000;
}

export const getChurnRisk = defineTool({
  name: "get_churn_risk",
  title: "Churn risk",
  description:
    "The probability that an account churns, with the factors that drive it and how much each adds (health level and decline, usage drop, escalations, detractor NPS, payment trouble, renewal proximity, lost champion). " +
    "Give client_id for one account; leave it out for the portfolio: accounts and ARR per risk level, the ARR the model expects to lose, and the riskiest accounts.",
  input: z.object({
    client_id: clientId.optional(),
    min_level: level.default("high").describe("Portfolio: list accounts at this level or above"),
    limit: z.number().int().min(1).max(100, "limit is at most 100").default(20),
    csm: z.string().trim().min(1).max(200).optional().describe("Portfolio: only this CSM's accounts"),
    tier: z.enum(["starter", "standard", "professional", "enterprise"]).optional().describe("Portfolio: only this tier"),
  }),
  output: z.object({
    scope: z.enum(["account", "portfolio"]),
    account: z
      .object({
        client_id: z.string(),
        client_name: z.string(),
        arr: z.number(),
        probability: z.number(),
        level,
        baseline_probability: z.number().describe("The probability with every factor at zero"),
        drivers: z.array(driver),
        unknown_factors: z.array(z.enum(churn.CHURN_FACTORS)).describe("Factors with no data, left out"),
        health_score: z.number().nullable(),
      })
      .nullable(),
    portfolio: z
      .object({
        accounts: z.number().int(),
        levels: z.array(z.object({ level, accounts: z.number().int(), arr: z.number() })),
        expected_arr_loss: z.number(),
        at_risk: z.array(
          z.object({
            client_id: z.string(),
            client_name: z.string(),
            arr: z.number(),
            csm: z.string().nullable(),
            renewal_date: z.string(),
            probability: z.number(),
            level,
            drivers: z.array(driver),
          }),
        ),
      })
      .nullable(),
  }),
  annotations: READ_ONLY,
  scope: "cs:read",
  rest: { method: "GET", path: "/risk/churn" },
  async handler({ tenant }, input) {
    if (input.client_id) {
      const { facts, risk } = unwrap(await tenant.churnRisk(input.client_id));
      return {
        scope: "account" as const,
        account: {
          client_id: facts.accountId,
          client_name: facts.name,
          arr: facts.arr,
          probability: round3(risk.probability),
          level: risk.level,
          baseline_probability: round3(risk.baselineProbability),
          drivers: topDrivers(risk, 8),
          unknown_factors: risk.unknown,
          health_score: facts.health.score,
        },
        portfolio: null,
      };
    }
    const portfolio = unwrap(await tenant.portfolioChurnRisk({ minLevel: input.min_level, limit: input.limit, csm: input.csm, tier: input.tier }));
    return { scope: "portfolio" as const, account: null, portfolio };
  },
});

const factor = z.object({
  factor: z.enum(churn.CHURN_FACTORS),
  known: z.boolean(),
  input: z.union([z.number(), z.boolean()]).nullable(),
  logit_points: z.number(),
  probability_share: z.number(),
  explanation: z.string(),
});

export const scoreRiskFactors = defineTool({
  name: "score_risk_factors",
  title: "Risk factors of an account",
  description:
    "Every churn risk factor of one account: the fact it read, whether it had data, its points and share of the probability, in words. " +
    "With the health components as early warnings (below the at-risk band) and protective factors (healthy or better), and which data is missing.",
  input: z.object({ client_id: clientId }),
  output: z.object({
    client_id: z.string(),
    probability: z.number(),
    level,
    factors: z.array(factor),
    early_warnings: z.array(z.object({ component: z.string(), value: z.number(), explanation: z.string() })),
    protective_factors: z.array(z.object({ component: z.string(), value: z.number(), explanation: z.string() })),
    missing_data: z.array(z.string()),
  }),
  annotations: READ_ONLY,
  scope: "cs:read",
  rest: { method: "GET", path: "/clients/{client_id}/risk-factors" },
  async handler({ tenant }, { client_id }) {
    const { facts, risk } = unwrap(await tenant.churnRisk(client_id));
    const model = unwrap(await tenant.getHealthModel()).model;
    const scoredComponents = facts.health.components.filter((c): c is typeof c & { value: number } => c.value !== null);
    return {
      client_id,
      probability: round3(risk.probability),
      level: risk.level,
      factors: risk.factors.map((f) => ({
        factor: f.name,
        known: f.known,
        input: typeof f.input === "number" ? round3(f.input) : f.input,
        logit_points: round3(f.points),
        probability_share: round3(f.probabilityShare),
        explanation: f.explanation,
      })),
      early_warnings: scoredComponents
        .filter((c) => c.value < model.bands.atRisk)
        .map((c) => ({ component: c.name, value: Math.round(c.value * 10) / 10, explanation: c.explanation })),
      protective_factors: scoredComponents
        .filter((c) => c.value > model.bands.healthy)
        .map((c) => ({ component: c.name, value: Math.round(c.value * 10) / 10, explanation: c.explanation })),
      missing_data: [
        ...facts.health.missing.map((name) => `${name}: ${health.HEALTH_MISSING_TEXT[name]}`),
        ...risk.unknown.map((name) => `churn factor ${name} has no data`),
      ],
    };
  },
});

const change = z.object({
  current: z.number().nullable(),
  previous: z.number().nullable(),
  delta: z.number().nullable(),
  direction: z.enum(["up", "down", "flat"]).nullable(),
  assessment: z.enum(["improved", "worsened", "unchanged"]).nullable(),
});

function roundChange(value: { current: number | null; previous: number | null; delta: number | null; direction: "up" | "down" | "flat" | null; assessment: "improved" | "worsened" | "unchanged" | null }) {
  const r = (n: number | null) => (n === null ? null : Math.round(n * 10) / 10);
  return { ...value, current: r(value.current), previous: r(value.previous), delta: r(value.delta) };
}

export const monitorSatisfaction = defineTool({
  name: "monitor_satisfaction",
  title: "Satisfaction: NPS, CSAT, CES and what customers say",
  description:
    "NPS, CSAT and CES over a period from real survey answers, each compared with the period of equal length before; detractor accounts by ARR; " +
    "sentiment and recurring themes in the comments. For one account (client_id) or the whole workspace.",
  input: z.object({
    client_id: clientId.optional(),
    days: z.number().int().min(7, "days must be at least 7").max(365, "days is at most 365").default(90),
  }),
  output: z.object({
    period: z.object({ from: z.string(), to: z.string(), previous_from: z.string() }),
    nps: z.object({ responses: z.number().int(), promoters: z.number().int(), passives: z.number().int(), detractors: z.number().int(), score: change }),
    csat: z.object({ responses: z.number().int(), percent_satisfied: change, mean: change }),
    ces: z.object({ responses: z.number().int(), scale: z.string(), mean: change, percent_low_effort: change }),
    detractor_accounts: z.array(z.object({ client_id: z.string(), client_name: z.string(), arr: z.number(), score: z.number(), answered_at: z.string() })),
    sentiment: z.object({ comments: z.number().int(), mean: z.number().nullable(), label: z.string().nullable(), counts: z.record(z.string(), z.number()) }),
    themes: z.array(
      z.object({ theme: z.string(), comments: z.number().int(), share: z.number(), average_sentiment: z.number(), critical: z.boolean(), example_feedback_ids: z.array(z.string()) }),
    ),
  }),
  annotations: READ_ONLY,
  scope: "cs:read",
  rest: { method: "GET", path: "/satisfaction" },
  async handler({ tenant }, { client_id, days }) {
    const report = unwrap(await tenant.satisfaction(client_id ?? null, days));
    return {
      period: report.period,
      nps: {
        responses: report.nps.current.responses,
        promoters: report.nps.current.promoters,
        passives: report.nps.current.passives,
        detractors: report.nps.current.detractors,
        score: roundChange(report.nps.score),
      },
      csat: { responses: report.csat.current.responses, percent_satisfied: roundChange(report.csat.percentSatisfied), mean: roundChange(report.csat.mean) },
      ces: {
        responses: report.ces.current.responses,
        scale: "1–7, lower is easier",
        mean: roundChange(report.ces.mean),
        percent_low_effort: roundChange(report.ces.percentLowEffort),
      },
      detractor_accounts: report.detractors,
      sentiment: {
        comments: report.sentiment.count,
        mean: report.sentiment.mean === null ? null : round3(report.sentiment.mean),
        label: report.sentiment.label,
        counts: report.sentiment.counts,
      },
      themes: report.themes.themes.map((t) => ({
        theme: t.theme,
        comments: t.comments,
        share: round3(t.share),
        average_sentiment: round3(t.averageSentiment),
        critical: t.critical,
        example_feedback_ids: t.exampleCommentIds,
      })),
    };
  },
});

const sign = z.object({
  signal: z.string(),
  detected: z.boolean(),
  data: z.boolean(),
  first_seen: z.string().nullable(),
  lead_days: z.number().nullable(),
  acted_on: z.boolean().nullable(),
  evidence: z.string(),
});

export const analyzeChurnPostmortem = defineTool({
  name: "analyze_churn_postmortem",
  title: "Churn post-mortem",
  description:
    "For a churned account, its story from its own history: tenure and lifetime value, health before churn, which warning signs showed up how many days ahead, whether anyone acted on them, and the missed opportunities.",
  input: z.object({
    client_id: clientId,
    churn_date: z.iso.date({ message: "churn_date must be a date written YYYY-MM-DD" }).optional().describe("Defaults to when the account's status became churned"),
  }),
  output: z.object({
    client_id: z.string(),
    client_name: z.string(),
    churn_date: z.string(),
    churn_date_source: z.enum(["given", "status_change", "last_update"]),
    customer_since: z.string(),
    lifetime_months: z.number(),
    arr_at_churn: z.number(),
    lifetime_value: z.object({ paid: z.number().nullable(), invoices: z.number().int(), basis: z.enum(["paid_invoices", "no_invoices"]) }),
    health_before_churn: z.array(z.object({ days_before: z.number().int(), score: z.number().nullable() })),
    warning_signs: z.array(sign),
    missed_opportunities: z.array(z.string()),
  }),
  annotations: READ_ONLY,
  scope: "cs:read",
  rest: { method: "GET", path: "/clients/{client_id}/postmortem" },
  async handler({ tenant }, { client_id, churn_date }) {
    if (churn_date && Date.parse(churn_date) > Date.now()) throw new ToolError("invalid", "churn_date: is in the future; give the day the account churned.");
    return unwrap(await tenant.churnPostmortem(client_id, churn_date ? `${churn_date}T00:00:00.000Z` : null));
  },
});

export const retentionTools = [getChurnRisk, scoreRiskFactors, monitorSatisfaction, analyzeChurnPostmortem];
