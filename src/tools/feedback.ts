import { z } from "zod";
import { FEEDBACK_KINDS, INSIGHT_CATEGORIES, INSIGHT_STATUSES } from "../db/feedback-intel";
import { defineTool, READ_ONLY, ToolError, unwrap, WRITE } from "./define";
import { clientId } from "./fields";

/**
 * Feedback intelligence: collecting feedback, listing it, themes and sentiment against the
 * previous period, product insights linked to their feedback, the voice-of-customer report and
 * the CS metrics. (monitor_satisfaction in retention.ts has NPS/CSAT/CES for a period.)
 */

const tier = z.enum(["starter", "standard", "professional", "enterprise"]);
const kind = z.enum(FEEDBACK_KINDS);
const days = z.number().int().min(7, "days must be at least 7").max(365, "days is at most 365").default(90);

const item = z.object({
  feedback_id: z.string(),
  client_id: z.string(),
  client_name: z.string(),
  contact_id: z.string().nullable(),
  kind,
  score: z.number().nullable(),
  text: z.string().nullable(),
  sentiment: z.number().nullable().describe("−1..1, computed from the text when it was stored"),
  sentiment_label: z.string().nullable(),
  source: z.string(),
  submitted_at: z.string(),
});

export const submitFeedback = defineTool({
  name: "submit_feedback",
  title: "Record feedback",
  description:
    "Records a survey answer or feedback for an account: nps (score 0–10), csat (1–5), ces (1–7, 1 = very easy), or a feature_request, bug or comment (text, no score). " +
    "Sentiment is computed from the text; the account's health inputs are refreshed. external_id makes a repeat submission a conflict instead of a duplicate.",
  input: z.object({
    client_id: clientId,
    kind,
    score: z.number().optional(),
    text: z.string().max(5_000, "text is at most 5000 characters").optional(),
    contact_id: z.string().min(1).max(100).optional(),
    source: z.string().trim().min(1).max(50, "source is at most 50 characters").default("api").describe("Where it came from: survey, email, call, in_app…"),
    submitted_at: z.iso.datetime({ offset: true, message: "submitted_at must be an ISO 8601 date-time, e.g. 2026-03-01T10:00:00Z" }).optional(),
    external_id: z.string().trim().min(1).max(200).optional(),
  }),
  output: z.object({ feedback: item }),
  annotations: WRITE,
  scope: "cs:write",
  rest: { method: "POST", path: "/clients/{client_id}/feedback" },
  async handler({ tenant, actor }, input) {
    const submittedAt = input.submitted_at ? new Date(input.submitted_at).toISOString() : undefined;
    return { feedback: unwrap(await tenant.submitFeedback({ ...input, submitted_at: submittedAt }, actor)) };
  },
});

export const listFeedbackTool = defineTool({
  name: "list_feedback",
  title: "List feedback",
  description: "Feedback newest first, filtered by account, kind, time range and sentiment; pages with next_cursor.",
  input: z.object({
    client_id: clientId.optional(),
    kind: kind.optional(),
    from: z.iso.datetime({ offset: true, message: "from must be an ISO 8601 date-time" }).optional(),
    to: z.iso.datetime({ offset: true, message: "to must be an ISO 8601 date-time" }).optional(),
    sentiment: z.enum(["negative", "neutral", "positive"]).optional().describe("negative: below −0.2; positive: 0.2 or above; neutral: between"),
    limit: z.number().int().min(1).max(200, "limit is at most 200").default(50),
    cursor: z.string().max(500).optional().describe("next_cursor from the previous page"),
  }),
  output: z.object({ feedback: z.array(item), next_cursor: z.string().nullable() }),
  annotations: READ_ONLY,
  scope: "cs:read",
  rest: { method: "GET", path: "/feedback" },
  async handler({ tenant }, input) {
    const from = input.from ? new Date(input.from).toISOString() : undefined;
    const to = input.to ? new Date(input.to).toISOString() : undefined;
    if (from && to && from >= to) throw new ToolError("invalid", "to: must be after from.");
    return unwrap(await tenant.listFeedback({ ...input, from, to }));
  },
});

const sentimentSummary = z.object({ comments: z.number().int(), mean: z.number().nullable(), label: z.string().nullable(), counts: z.record(z.string(), z.number()) });
const request = z.object({
  theme: z.string(),
  requests: z.number().int(),
  accounts: z.number().int(),
  arr: z.number().describe("Σ ARR of the distinct accounts asking"),
  client_ids: z.array(z.string()),
  feedback_ids: z.array(z.string()),
});
const insightsOutput = z.object({
  period: z.object({ from: z.string(), to: z.string(), previous_from: z.string(), days: z.number().int() }),
  volume: z.object({ current: z.record(z.string(), z.number()), previous: z.record(z.string(), z.number()) }),
  sentiment: z.object({ current: sentimentSummary, previous: sentimentSummary, delta: z.number().nullable() }),
  themes: z.array(
    z.object({
      theme: z.string(),
      source: z.enum(["lexicon", "emergent"]),
      comments: z.number().int(),
      previous_comments: z.number().int(),
      change: z.number().int(),
      share: z.number(),
      average_sentiment: z.number(),
      previous_average_sentiment: z.number().nullable(),
      critical: z.boolean(),
      severity: z.enum(["high", "medium"]).nullable(),
      accounts: z.number().int(),
      arr: z.number(),
      feedback_ids: z.array(z.string()),
    }),
  ),
  feature_requests: z.array(request),
  bugs: z.array(request),
});

export const getFeedbackInsights = defineTool({
  name: "get_feedback_insights",
  title: "Feedback insights",
  description:
    "What customers say over the last `days` against the `days` before: volume by kind, sentiment, recurring themes (with their change, sentiment, accounts and ARR), " +
    "feature requests and bugs grouped by theme and ranked by the ARR of the accounts asking. Every insight lists the feedback ids behind it.",
  input: z.object({ days, client_id: clientId.optional(), tier: tier.optional(), limit: z.number().int().min(1).max(50, "limit is at most 50").default(10) }),
  output: insightsOutput,
  annotations: READ_ONLY,
  scope: "cs:read",
  rest: { method: "GET", path: "/feedback/insights" },
  async handler({ tenant }, input) {
    return unwrap(await tenant.feedbackInsights({ accountId: input.client_id, tier: input.tier, days: input.days, limit: input.limit }));
  },
});

export const insight = z.object({
  insight_id: z.string(),
  title: z.string(),
  description: z.string(),
  category: z.string(),
  status: z.string(),
  priority: z.string().nullable().describe("low, medium, high or critical; null until set with update_product_insight"),
  theme: z.string().nullable(),
  created_by: z.string(),
  created_at: z.string(),
  feedback_ids: z.array(z.string()),
  accounts: z.number().int(),
  arr: z.number().describe("Σ ARR of the distinct accounts behind the supporting feedback, as of now"),
});

export const createProductInsight = defineTool({
  name: "create_product_insight",
  title: "Record a product insight",
  description: "Records a product insight (a request, a bug pattern, a usability problem…) linked to the feedback that supports it (feedback_ids from list_feedback or get_feedback_insights).",
  input: z.object({
    title: z.string().trim().min(1, "title is required").max(200, "title is at most 200 characters"),
    description: z.string().trim().max(5_000, "description is at most 5000 characters").default(""),
    category: z.enum(INSIGHT_CATEGORIES),
    status: z.enum(INSIGHT_STATUSES).default("new"),
    theme: z.string().trim().min(1).max(100).optional(),
    feedback_ids: z.array(z.string().min(1).max(100)).min(1, "feedback_ids needs at least one feedback id").max(500, "feedback_ids holds at most 500 ids"),
  }),
  output: z.object({ insight }),
  annotations: WRITE,
  scope: "cs:write",
  rest: { method: "POST", path: "/product-insights" },
  async handler({ tenant, actor }, input) {
    return { insight: unwrap(await tenant.createProductInsight(input, actor)) };
  },
});

export const listProductInsights = defineTool({
  name: "list_product_insights",
  title: "Product insights",
  description: "Recorded product insights with their supporting feedback ids, the accounts and ARR behind them, highest ARR first.",
  input: z.object({
    status: z.enum(INSIGHT_STATUSES).optional(),
    category: z.enum(INSIGHT_CATEGORIES).optional(),
    client_id: clientId.optional().describe("Only insights supported by this account's feedback"),
    limit: z.number().int().min(1).max(200, "limit is at most 200").default(50),
  }),
  output: z.object({ insights: z.array(insight) }),
  annotations: READ_ONLY,
  scope: "cs:read",
  rest: { method: "GET", path: "/product-insights" },
  async handler({ tenant }, input) {
    return { insights: unwrap(await tenant.listProductInsights(input)) };
  },
});

const change = z.object({ current: z.number().nullable(), previous: z.number().nullable(), delta: z.number().nullable() });

function r1(value: number | null): number | null {
  return value === null ? null : Math.round(value * 10) / 10;
}

export const getVoiceOfCustomerReport = defineTool({
  name: "get_voice_of_customer_report",
  title: "Voice-of-customer report",
  description:
    "One report for a period: NPS, CSAT and CES against the previous period, detractor accounts by ARR, sentiment, themes, the feature requests and bugs carrying the most ARR, " +
    "the most negative and most positive comments (quotes), and the open product insights with their support.",
  input: z.object({ days, limit: z.number().int().min(1).max(20, "limit is at most 20").default(5) }),
  output: z.object({
    period: z.object({ from: z.string(), to: z.string(), previous_from: z.string(), days: z.number().int() }),
    scores: z.object({ nps: change.extend({ responses: z.number().int() }), csat_percent: change.extend({ responses: z.number().int() }), ces_mean: change.extend({ responses: z.number().int() }) }),
    detractor_accounts: z.array(z.object({ client_id: z.string(), client_name: z.string(), arr: z.number(), score: z.number(), answered_at: z.string() })),
    sentiment: insightsOutput.shape.sentiment,
    themes: insightsOutput.shape.themes,
    feature_requests: z.array(request),
    bugs: z.array(request),
    quotes: z.object({ negative: z.array(item), positive: z.array(item) }),
    product_insights: z.array(insight),
    highlights: z.array(z.string()),
  }),
  annotations: READ_ONLY,
  scope: "cs:read",
  rest: { method: "GET", path: "/feedback/voice-of-customer" },
  async handler({ tenant }, input) {
    const [insights, satisfaction, negative, positive, open] = await Promise.all([
      tenant.feedbackInsights({ days: input.days, limit: input.limit }).then(unwrap),
      tenant.satisfaction(null, input.days).then(unwrap),
      tenant.listFeedback({ sentiment: "negative", from: new Date(Date.now() - input.days * 86_400_000).toISOString(), limit: 200 }).then(unwrap),
      tenant.listFeedback({ sentiment: "positive", from: new Date(Date.now() - input.days * 86_400_000).toISOString(), limit: 200 }).then(unwrap),
      tenant.listProductInsights({ limit: 200 }).then(unwrap),
    ]);
    const quotes = (list: z.infer<typeof item>[], sign: 1 | -1) =>
      list
        .filter((f) => f.text !== null && f.sentiment !== null)
        .sort((a, b) => sign * ((b.sentiment ?? 0) - (a.sentiment ?? 0)) || b.submitted_at.localeCompare(a.submitted_at))
        .slice(0, input.limit);
    const s = satisfaction;
    const highlights: string[] = [];
    if (s.nps.score.current !== null) highlights.push(`NPS ${r1(s.nps.score.current)} from ${s.nps.current.responses} answers${s.nps.score.delta !== null ? ` (${s.nps.score.delta >= 0 ? "+" : ""}${r1(s.nps.score.delta)} on the previous period)` : ""}.`);
    const topRequest = insights.feature_requests[0];
    if (topRequest) highlights.push(`Top feature request theme "${topRequest.theme}": ${topRequest.requests} requests from ${topRequest.accounts} accounts with ${Math.round(topRequest.arr)} ARR.`);
    for (const t of insights.themes.filter((t) => t.critical)) highlights.push(`Critical theme "${t.theme}": ${t.comments} comments, mean sentiment ${t.average_sentiment}.`);
    if (insights.sentiment.delta !== null) highlights.push(`Comment sentiment ${insights.sentiment.delta >= 0 ? "rose" : "fell"} by ${Math.abs(insights.sentiment.delta)} to ${insights.sentiment.current.mean}.`);
    return {
      period: insights.period,
      scores: {
        nps: { current: r1(s.nps.score.current), previous: r1(s.nps.score.previous), delta: r1(s.nps.score.delta), responses: s.nps.current.responses },
        csat_percent: { current: r1(s.csat.percentSatisfied.current), previous: r1(s.csat.percentSatisfied.previous), delta: r1(s.csat.percentSatisfied.delta), responses: s.csat.current.responses },
        ces_mean: { current: r1(s.ces.mean.current), previous: r1(s.ces.mean.previous), delta: r1(s.ces.mean.delta), responses: s.ces.current.responses },
      },
      detractor_accounts: s.detractors,
      sentiment: insights.sentiment,
      themes: insights.themes,
      feature_requests: insights.feature_requests,
      bugs: insights.bugs,
      quotes: { negative: quotes(negative.feedback, -1), positive: quotes(positive.feedback, 1) },
      product_insights: open.filter((i) => i.status !== "shipped" && i.status !== "declined").slice(0, input.limit),
      highlights,
    };
  },
});

export const getCsMetrics = defineTool({
  name: "get_cs_metrics",
  title: "CS metrics by period and segment",
  description:
    "Per month or quarter (the last `periods`): NRR, GRR, logo churn rate (customers at the period's start lost by its end), the ARR movements behind them, NPS, CSAT % satisfied, CES mean, " +
    "and time to value (median days from contract start to the first day with active users, for accounts starting in the period). For the whole workspace or by tier.",
  input: z.object({
    granularity: z.enum(["month", "quarter"]).default("quarter"),
    periods: z.number().int().min(1, "periods must be at least 1").max(12, "periods is at most 12").default(4),
    by: z.enum(["all", "tier"]).default("all"),
  }),
  output: z.object({
    rows: z.array(
      z.object({
        period: z.string(),
        from: z.string(),
        to: z.string(),
        segment: z.string(),
        nrr: z.number().nullable(),
        grr: z.number().nullable(),
        logo_churn_rate: z.number().nullable(),
        starting_customers: z.number().int(),
        churned_customers: z.number().int(),
        starting_arr: z.number(),
        expansion_arr: z.number(),
        contraction_arr: z.number(),
        churned_arr: z.number(),
        nps: z.number().nullable(),
        nps_responses: z.number().int(),
        csat_percent: z.number().nullable(),
        ces_mean: z.number().nullable(),
        time_to_value: z.object({
          accounts: z.number().int().describe("Accounts that started in the period, after the workspace's usage history began"),
          reached: z.number().int().describe("Of those, accounts with a first active day"),
          median_days: z.number().nullable().describe("Median days from contract start to the first active day"),
          untracked: z.number().int().describe("Accounts that started before usage was tracked: their time to value is unknown, not counted"),
        }),
      }),
    ),
  }),
  annotations: READ_ONLY,
  scope: "cs:read",
  rest: { method: "GET", path: "/metrics/cs" },
  async handler({ tenant }, input) {
    return { rows: unwrap(await tenant.csMetrics(input)) };
  },
});

export const feedbackTools = [submitFeedback, listFeedbackTool, getFeedbackInsights, createProductInsight, listProductInsights, getVoiceOfCustomerReport, getCsMetrics];
