import { z } from "zod";
import { QUESTION_TYPES, SURVEY_FREQUENCIES, SURVEY_KINDS } from "../db/surveys";
import { defineTool, READ_ONLY, unwrap, WRITE } from "./define";

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

export const surveyTools = [listSurveyTemplatesTool, createSurveyTemplateTool, updateSurveyTemplateTool];
