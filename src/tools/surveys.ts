import { z } from "zod";
import { CONTACT_ROLES } from "../db/communications";
import { DEFAULT_EXPIRY_DAYS, QUESTION_TYPES, SURVEY_FREQUENCIES, SURVEY_KINDS, type SurveyTemplateResults } from "../db/surveys";
import { defineTool, READ_ONLY, ToolError, unwrap, WRITE } from "./define";
import { clientId, isoDate } from "./fields";

/**
 * Surveys: templates (NPS, CSAT, CES or custom, archived rather than deleted), sending one to
 * the contacts of some accounts or a segment through SendGrid with a personal link to a hosted
 * form (/survey/<token>), and the results per template. Answers become feedback rows and move
 * the health score's satisfaction input. Persistence: src/db/surveys.ts.
 */

const idOf = (field: string, from: string) =>
  z
    .string()
    .min(1, `${field} is required`)
    .max(100, `${field} is at most 100 characters`)
    .regex(/^[a-zA-Z0-9_-]+$/, `${field} holds only letters, digits, _ and - (as returned by ${from})`);

const templateId = idOf("template_id", "list_survey_templates or create_survey_template");

const question = z.object({
  id: z
    .string()
    .min(1, "id is required")
    .max(40, "id is at most 40 characters")
    .regex(/^[a-z][a-z0-9_]*$/, "id is lowercase letters, digits and _, starting with a letter (e.g. score, reason)"),
  text: z.string().trim().min(3, "text is required (the question as the respondent reads it)").max(300, "text is at most 300 characters"),
  type: z.enum(QUESTION_TYPES, { message: `type must be one of ${QUESTION_TYPES.join(", ")}` }),
  choices: z
    .array(z.string().trim().min(1, "a choice may not be empty").max(100, "a choice is at most 100 characters"))
    .min(2, "choices: give 2 to 10")
    .max(10, "choices: give 2 to 10")
    .refine((list) => new Set(list).size === list.length, "choices: each choice once")
    .optional()
    .describe("Only for type choice: the options, 2–10"),
  required: z.boolean().default(true).describe("Whether the respondent must answer it (a score question always is)"),
});

const questions = z
  .array(question)
  .min(1, "questions: give at least one question")
  .max(20, "questions: at most 20")
  .describe("Ordered questions. nps/csat/ces templates have exactly one score question (scale fixed by the kind: NPS 0–10, CSAT 1–5, CES 1–7 with 1 = very easy); custom templates have choice and text questions only");

const name = z.string().trim().min(1, "name is required").max(100, "name is at most 100 characters");
const frequency = z
  .enum(SURVEY_FREQUENCIES, { message: `frequency must be one of ${SURVEY_FREQUENCIES.join(", ")}` })
  .describe("Enforced by send_survey: one_time = a contact gets this template once; quarterly / monthly = at most once per 90 / 30 days. Nothing is sent on a schedule by itself");

/** A survey send as send_survey answers it and list_survey_sends lists it. */
const sendFacts = z.object({
  survey_send_id: z.string(),
  template_id: z.string(),
  template_name: z.string(),
  status: z.enum(["sent", "not_sent"]).describe("sent: handed to SendGrid; not_sent: recorded only (SendGrid not connected)"),
  status_reason: z.string(),
  job_id: z.string().nullable().describe("The integration job delivering it: get_integration_job shows its progress"),
  recipients: z.number().int(),
  expires_at: z.string(),
});

const templateOut = z.object({
  template_id: z.string(),
  name: z.string(),
  kind: z.enum(SURVEY_KINDS),
  questions: z.array(z.object({ id: z.string(), text: z.string(), type: z.enum(QUESTION_TYPES), choices: z.array(z.string()).optional(), required: z.boolean() })),
  scale: z.object({ min: z.number(), max: z.number(), low: z.string(), high: z.string() }).nullable().describe("The score question's scale and its end labels; null for custom templates"),
  frequency: z.enum(SURVEY_FREQUENCIES),
  archived: z.boolean(),
  created_at: z.string(),
  updated_at: z.string(),
});

export const listSurveyTemplatesTool = defineTool({
  name: "list_survey_templates",
  title: "List survey templates",
  description: "The workspace's survey templates (NPS, CSAT, CES, custom) with their ordered questions, the score scale their kind fixes, and frequency; archived ones only when include_archived is true.",
  input: z.object({ include_archived: z.boolean().default(false).describe("Also list archived templates") }),
  output: z.object({ templates: z.array(templateOut) }),
  annotations: READ_ONLY,
  scope: "cs:read",
  rest: { method: "GET", path: "/survey-templates" },
  async handler({ tenant }, input) {
    return { templates: unwrap(await tenant.listSurveyTemplates({ includeArchived: input.include_archived })) };
  },
});

export const createSurveyTemplateTool = defineTool({
  name: "create_survey_template",
  title: "Create a survey template",
  description:
    "Create a survey template: a unique name, a kind (nps, csat, ces or custom), ordered questions (score, choice or text) and a frequency (one_time by default). The kind fixes the score scale: NPS 0–10, CSAT 1–5, CES 1–7 (1 = very easy). " +
    "Answers to nps/csat/ces templates feed the health score's satisfaction component.",
  input: z.object({
    name,
    kind: z.enum(SURVEY_KINDS, { message: `kind must be one of ${SURVEY_KINDS.join(", ")}` }),
    questions,
    frequency: frequency.default("one_time"),
  }),
  output: z.object({ template: templateOut }),
  annotations: WRITE,
  scope: "cs:admin",
  rest: { method: "POST", path: "/survey-templates" },
  async handler({ tenant, actor }, input) {
    return { template: unwrap(await tenant.createSurveyTemplate(input, actor)) };
  },
});

export const updateSurveyTemplateTool = defineTool({
  name: "update_survey_template",
  title: "Update or archive a survey template",
  description:
    "Change a survey template's name, questions or frequency, or archive it (archived true: it is no longer listed or sendable, its results stay) or bring it back (archived false). The kind cannot change. Templates are never deleted.",
  input: z
    .object({
      template_id: templateId,
      name: name.optional(),
      questions: questions.optional(),
      frequency: frequency.optional(),
      archived: z.boolean().optional(),
    })
    .refine((value) => value.name !== undefined || value.questions !== undefined || value.frequency !== undefined || value.archived !== undefined, {
      message: "give at least one of name, questions, frequency or archived",
    }),
  output: z.object({ template: templateOut, changed: z.array(z.string()).describe("The fields that changed (empty when nothing did)") }),
  annotations: { ...WRITE, idempotentHint: true },
  scope: "cs:admin",
  rest: { method: "PATCH", path: "/survey-templates/{template_id}" },
  async handler({ tenant, actor }, input) {
    const { template_id, ...changes } = input;
    return unwrap(await tenant.updateSurveyTemplate(template_id, changes, actor));
  },
});

export const sendSurveyTool = defineTool({
  name: "send_survey",
  title: "Send a survey to accounts' contacts",
  description:
    "Send a survey template to the active contacts with an email address of some accounts (client_ids) or of a segment (segment_id), optionally only some contact_roles. Each contact gets a personal, unguessable link to a hosted form " +
    `that works without login until it expires (expires_in_days, default ${DEFAULT_EXPIRY_DAYS}); an answer is recorded once and feeds the account's satisfaction. Contacts the template's frequency still rests are skipped, as are bounced or unsubscribed addresses. ` +
    "Sends through SendGrid; when SendGrid is not connected the survey is recorded as not_sent and nothing is emailed.",
  input: z
    .object({
      template_id: templateId,
      client_ids: z.array(clientId).min(1, "client_ids: give at least one").max(500, "client_ids: at most 500; use a segment for more").optional(),
      segment_id: idOf("segment_id", "list_segments").optional(),
      contact_roles: z.array(z.enum(CONTACT_ROLES, { message: `must be one of ${CONTACT_ROLES.join(", ")}` })).max(6).optional().describe("Only contacts with these roles"),
      subject: z.string().trim().min(1).max(200, "subject is at most 200 characters").optional().describe("The email's subject (a sensible default otherwise)"),
      message: z.string().trim().min(1).max(2_000, "message is at most 2,000 characters").optional().describe("A line above the link (a sensible default otherwise)"),
      expires_in_days: z.number().int("expires_in_days must be a whole number").min(1, "expires_in_days must be 1–365").max(365, "expires_in_days must be 1–365").default(DEFAULT_EXPIRY_DAYS),
    })
    .refine((value) => (value.client_ids === undefined) !== (value.segment_id === undefined), { message: "give either client_ids or segment_id (exactly one)", path: ["client_ids"] }),
  output: sendFacts.extend({
    accounts: z.number().int(),
    skipped_recently_surveyed: z.number().int().describe("Contacts left out because of the template's frequency"),
  }),
  annotations: { ...WRITE, openWorldHint: true },
  scope: "cs:write",
  rest: { method: "POST", path: "/survey-templates/{template_id}/sends" },
  async handler({ tenant, actor, origin }, input) {
    if (!origin) throw new ToolError("invalid", "The workspace's public address is not known, so no survey link can be made; set PUBLIC_URL (docs/deploy.md).");
    const target = input.client_ids ? { kind: "client_ids" as const, client_ids: input.client_ids } : { kind: "segment" as const, segment_id: input.segment_id ?? "" };
    return unwrap(
      await tenant.sendSurvey(
        {
          template_id: input.template_id,
          target,
          expires_in_days: input.expires_in_days,
          origin,
          ...(input.contact_roles ? { contact_roles: input.contact_roles } : {}),
          ...(input.subject ? { subject: input.subject } : {}),
          ...(input.message ? { message: input.message } : {}),
        },
        actor,
      ),
    );
  },
});

const DAY_MS = 86_400_000;

const resultOut = z.object({
  template_id: z.string(),
  name: z.string(),
  kind: z.enum(SURVEY_KINDS),
  archived: z.boolean(),
  sent: z.number().int().describe("Surveys handed to SendGrid in the period"),
  answered: z.number().int().describe("Of those, answered"),
  response_rate: z.number().nullable().describe("answered / sent, 0..1; null when none was sent"),
  score: z
    .object({
      metric: z.enum(["nps", "csat", "ces"]),
      value: z.number().nullable().describe("NPS −100..100; CSAT % satisfied (4–5); CES mean 1–7 (lower is easier); null without answers"),
      responses: z.number().int(),
      detail: z.record(z.string(), z.number().nullable()),
    })
    .nullable()
    .describe("From the analytics engine's feedback functions; null for custom templates"),
  choices: z.array(z.object({ question_id: z.string(), question: z.string(), counts: z.record(z.string(), z.number().int()) })),
  text_answers: z.number().int(),
  themes: z
    .array(z.object({ theme: z.string(), source: z.string(), comments: z.number().int(), share: z.number(), average_sentiment: z.number(), sentiment_label: z.string(), critical: z.boolean() }))
    .describe("Recurring themes of the text answers (the engine's extractThemes)"),
});

function round(value: number | null, digits = 1): number | null {
  return value === null ? null : Math.round(value * 10 ** digits) / 10 ** digits;
}

function scoreOf(result: SurveyTemplateResults): z.input<typeof resultOut>["score"] {
  if (result.nps) {
    const { score, responses, promoters, passives, detractors } = result.nps;
    return { metric: "nps", value: round(score), responses, detail: { promoters, passives, detractors } };
  }
  if (result.csat) return { metric: "csat", value: round(result.csat.percentSatisfied), responses: result.csat.responses, detail: { mean: round(result.csat.mean, 2), satisfied: result.csat.satisfied } };
  if (result.ces) return { metric: "ces", value: round(result.ces.mean, 2), responses: result.ces.responses, detail: { percent_low_effort: round(result.ces.percentLowEffort), low_effort: result.ces.lowEffort } };
  return null;
}

export const getSurveyResultsTool = defineTool({
  name: "get_survey_results",
  title: "Survey results per template",
  description:
    "For surveys sent in a period (from/to, default the last 90 days), per template (or one template_id): how many were sent and answered, the response rate, the score computed by the analytics engine (NPS, CSAT % satisfied, CES mean on 1–7 where lower is easier), " +
    "how often each choice was picked, and the themes of the text answers.",
  input: z.object({
    template_id: templateId.optional(),
    from: isoDate.optional().describe("First day (UTC) of the period, YYYY-MM-DD; default 90 days before to"),
    to: isoDate.optional().describe("Last day (UTC) of the period, inclusive; default today"),
  }),
  output: z.object({ period: z.object({ from: z.string(), to: z.string() }), templates: z.array(resultOut) }),
  annotations: READ_ONLY,
  scope: "cs:read",
  rest: { method: "GET", path: "/survey-results" },
  async handler({ tenant }, input) {
    const end = input.to ? new Date(Date.parse(`${input.to}T00:00:00Z`) + DAY_MS) : new Date(Date.now());
    const start = input.from ? new Date(`${input.from}T00:00:00Z`) : new Date(end.getTime() - 90 * DAY_MS);
    if (start.getTime() >= end.getTime()) throw new ToolError("invalid", "from: must be on or before to.");
    const results = unwrap(await tenant.surveyResults({ ...(input.template_id ? { templateId: input.template_id } : {}), from: start.toISOString(), to: end.toISOString() }));
    return {
      period: { from: start.toISOString(), to: end.toISOString() },
      templates: results.map((result) => ({
        template_id: result.template_id,
        name: result.name,
        kind: result.kind,
        archived: result.archived,
        sent: result.sent,
        answered: result.answered,
        response_rate: result.response_rate === null ? null : Math.round(result.response_rate * 1000) / 1000,
        score: scoreOf(result),
        choices: result.choices,
        text_answers: result.text_answers,
        themes: (result.themes?.themes ?? []).map((theme) => ({
          theme: theme.theme,
          source: theme.source,
          comments: theme.comments,
          share: Math.round(theme.share * 1000) / 1000,
          average_sentiment: Math.round(theme.averageSentiment * 1000) / 1000,
          sentiment_label: theme.sentimentLabel,
          critical: theme.critical,
        })),
      })),
    };
  },
});

export const listSurveySendsTool = defineTool({
  name: "list_survey_sends",
  title: "List survey sends",
  description:
    "The surveys sent so far, newest first (or those of one template_id): whether each went out through SendGrid (or was recorded as not_sent, and why), its integration job, whom it targeted, " +
    "how many recipients it had and how many answered, and when its links expire. Page with next_cursor.",
  input: z.object({
    template_id: templateId.optional(),
    limit: z.number().int("limit must be a whole number").min(1, "limit must be 1–100").max(100, "limit must be 1–100").default(20),
    cursor: z.string().max(500).optional().describe("next_cursor from the previous page"),
  }),
  output: z.object({
    sends: z.array(
      sendFacts.extend({
        target: z.unknown(),
        answered: z.number(),
        response_rate: z.number().nullable(),
        created_by: z.string(),
        created_at: z.string(),
      }),
    ),
    next_cursor: z.string().nullable(),
  }),
  annotations: READ_ONLY,
  scope: "cs:read",
  rest: { method: "GET", path: "/survey-sends" },
  async handler({ tenant }, input) {
    const page = unwrap(await tenant.listSurveySends({ ...(input.template_id ? { templateId: input.template_id } : {}), limit: input.limit, ...(input.cursor ? { cursor: input.cursor } : {}) }));
    return { ...page, sends: page.sends.map((send) => ({ ...send, response_rate: send.response_rate === null ? null : Math.round(send.response_rate * 1000) / 1000 })) };
  },
});

export const surveyTools = [listSurveyTemplatesTool, createSurveyTemplateTool, updateSurveyTemplateTool, sendSurveyTool, getSurveyResultsTool, listSurveySendsTool];
