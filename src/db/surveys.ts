import { asc, eq, sql } from "drizzle-orm";
import { AccountError, newId, type TenantDb } from "./accounts";
import { surveyTemplates } from "./tenant-schema";

/**
 * Survey templates and the surveys sent from them (send_survey, the hosted page /survey/<token>,
 * get_survey_results). A template's kind fixes the scale of its one score question; an answer
 * becomes a `feedback` row (kind nps/csat/ces with the score, or a comment for custom templates)
 * tied to the account and contact, so NPS/CSAT/CES feed the health score through factsChanged.
 * The link's token is derived at send time (src/surveys/links.ts) and only its SHA-256 is kept.
 */

export const SURVEY_KINDS = ["nps", "csat", "ces", "custom"] as const;
export type SurveyKind = (typeof SURVEY_KINDS)[number];
/** What send_survey enforces: the least time between two sends of one template to one contact. */
export const SURVEY_FREQUENCIES = ["one_time", "quarterly", "monthly"] as const;
export type SurveyFrequency = (typeof SURVEY_FREQUENCIES)[number];
const FREQUENCY_DAYS: Record<SurveyFrequency, number | null> = { one_time: null, quarterly: 90, monthly: 30 };
export const QUESTION_TYPES = ["score", "choice", "text"] as const;
export type QuestionType = (typeof QUESTION_TYPES)[number];

/** The score scale of each scored kind (CES: 1 = very easy, 7 = very hard, as health reads it). */
export const SURVEY_SCALES: Record<Exclude<SurveyKind, "custom">, { min: number; max: number; low: string; high: string }> = {
  nps: { min: 0, max: 10, low: "Not at all likely", high: "Extremely likely" },
  csat: { min: 1, max: 5, low: "Very dissatisfied", high: "Very satisfied" },
  ces: { min: 1, max: 7, low: "Very easy", high: "Very difficult" },
};

export interface SurveyQuestion {
  id: string;
  text: string;
  type: QuestionType;
  /** Only for choice questions: 2–10 options. */
  choices?: string[];
  required: boolean;
}

export interface SurveyTemplate {
  template_id: string;
  name: string;
  kind: SurveyKind;
  questions: SurveyQuestion[];
  /** For score questions, the scale the kind fixes; null for custom templates. */
  scale: { min: number; max: number; low: string; high: string } | null;
  frequency: SurveyFrequency;
  archived: boolean;
  created_at: string;
  updated_at: string;
}

export interface NewSurveyTemplate {
  name: string;
  kind: SurveyKind;
  questions: SurveyQuestion[];
  frequency: SurveyFrequency;
}

export interface SurveyTemplateChanges {
  name?: string;
  questions?: SurveyQuestion[];
  frequency?: SurveyFrequency;
  archived?: boolean;
}

/** The standard templates the setup page creates once. */
export const DEFAULT_SURVEY_TEMPLATES: readonly NewSurveyTemplate[] = [
  {
    name: "Net Promoter Score",
    kind: "nps",
    frequency: "quarterly",
    questions: [
      { id: "score", text: "How likely are you to recommend us to a friend or colleague?", type: "score", required: true },
      { id: "reason", text: "What is the main reason for your score?", type: "text", required: false },
    ],
  },
  {
    name: "Customer Satisfaction",
    kind: "csat",
    frequency: "monthly",
    questions: [
      { id: "score", text: "How satisfied are you with our service?", type: "score", required: true },
      { id: "comment", text: "What could we do better?", type: "text", required: false },
    ],
  },
  {
    name: "Customer Effort Score",
    kind: "ces",
    frequency: "monthly",
    questions: [
      { id: "score", text: "How much effort did you personally have to put forth to get what you needed?", type: "score", required: true },
      { id: "comment", text: "What made it easy or hard?", type: "text", required: false },
    ],
  },
];

type TemplateRow = typeof surveyTemplates.$inferSelect;

function toTemplate(row: TemplateRow): SurveyTemplate {
  return {
    template_id: row.id,
    name: row.name,
    kind: row.kind,
    questions: JSON.parse(row.questions) as SurveyQuestion[],
    scale: row.kind === "custom" ? null : SURVEY_SCALES[row.kind],
    frequency: row.frequency,
    archived: row.archived,
    created_at: row.createdAt,
    updated_at: row.updatedAt,
  };
}

/** Questions against the kind: ids unique, one score question for NPS/CSAT/CES and none for custom, choices only on choice questions. */
export function checkQuestions(kind: SurveyKind, questions: readonly SurveyQuestion[]): void {
  const seen = new Set<string>();
  questions.forEach((question, i) => {
    if (seen.has(question.id)) throw new AccountError("invalid", `questions[${i}].id: "${question.id}" is used twice; give every question its own id.`);
    seen.add(question.id);
    if (question.type === "choice" && (!question.choices || question.choices.length < 2)) {
      throw new AccountError("invalid", `questions[${i}].choices: a choice question needs 2 to 10 choices.`);
    }
    if (question.type !== "choice" && question.choices) throw new AccountError("invalid", `questions[${i}].choices: only choice questions take choices; leave it out for a ${question.type} question.`);
  });
  const scored = questions.filter((question) => question.type === "score");
  if (kind === "custom" && scored.length > 0) {
    throw new AccountError("invalid", "questions: a custom template has no score question (the scale comes from the kind); use kind nps, csat or ces, or a choice question.");
  }
  if (kind !== "custom" && scored.length !== 1) {
    throw new AccountError("invalid", `questions: a ${kind} template has exactly one score question (${SURVEY_SCALES[kind].min}–${SURVEY_SCALES[kind].max}); it has ${scored.length}.`);
  }
  if (kind !== "custom" && scored[0] && !scored[0].required) throw new AccountError("invalid", `questions: the ${kind} score question must be required.`);
}

function requireTemplate(db: TenantDb, id: string): TemplateRow {
  const row = db.select().from(surveyTemplates).where(eq(surveyTemplates.id, id)).get();
  if (!row) throw new AccountError("not_found", `template_id: no survey template "${id}" in this workspace; list_survey_templates shows the ids.`);
  return row;
}

function nameTaken(db: TenantDb, name: string, exceptId?: string): void {
  const clash = db.select({ id: surveyTemplates.id, archived: surveyTemplates.archived }).from(surveyTemplates).where(sql`lower(${surveyTemplates.name}) = lower(${name})`).get();
  if (clash && clash.id !== exceptId) {
    throw new AccountError("conflict", `name: a survey template named "${name}" already exists (${clash.id}${clash.archived ? ", archived" : ""}); choose another name or update that one.`);
  }
}

export function listSurveyTemplates(db: TenantDb, options: { includeArchived: boolean }): SurveyTemplate[] {
  return db
    .select()
    .from(surveyTemplates)
    .where(options.includeArchived ? undefined : eq(surveyTemplates.archived, false))
    .orderBy(asc(surveyTemplates.name))
    .all()
    .map(toTemplate);
}

export function createSurveyTemplate(db: TenantDb, input: NewSurveyTemplate, actor: string, now: Date): SurveyTemplate {
  checkQuestions(input.kind, input.questions);
  nameTaken(db, input.name);
  const at = now.toISOString();
  const row: TemplateRow = { id: newId("svt"), name: input.name, kind: input.kind, questions: JSON.stringify(input.questions), frequency: input.frequency, archived: false, createdBy: actor, createdAt: at, updatedAt: at };
  db.insert(surveyTemplates).values(row).run();
  return toTemplate(row);
}

export function updateSurveyTemplate(db: TenantDb, id: string, changes: SurveyTemplateChanges, now: Date): { template: SurveyTemplate; changed: string[] } {
  const row = requireTemplate(db, id);
  const next = { ...row };
  const changed: string[] = [];
  if (changes.name !== undefined && changes.name !== row.name) {
    nameTaken(db, changes.name, id);
    next.name = changes.name;
    changed.push("name");
  }
  if (changes.questions !== undefined) {
    checkQuestions(row.kind, changes.questions);
    const json = JSON.stringify(changes.questions);
    if (json !== row.questions) {
      next.questions = json;
      changed.push("questions");
    }
  }
  if (changes.frequency !== undefined && changes.frequency !== row.frequency) {
    next.frequency = changes.frequency;
    changed.push("frequency");
  }
  if (changes.archived !== undefined && changes.archived !== row.archived) {
    next.archived = changes.archived;
    changed.push("archived");
  }
  if (changed.length > 0) {
    next.updatedAt = now.toISOString();
    db.update(surveyTemplates).set({ name: next.name, questions: next.questions, frequency: next.frequency, archived: next.archived, updatedAt: next.updatedAt }).where(eq(surveyTemplates.id, id)).run();
  }
  return { template: toTemplate(next), changed };
}
