import { and, asc, desc, eq, inArray, sql, type SQL } from "drizzle-orm";
import { feedback as feedbackEngine } from "../analytics";
import { splitSendMail, type SendMailPayload } from "../integrations/sendgrid/operations";
import { AccountError, newId, type Json, type TenantDb } from "./accounts";
import { resolveRecipients, targetAccountIds, type ContactRole } from "./communications";
import { insertFeedback } from "./feedback-intel";
import { afterCursor, keysetPage } from "./keyset-cursor";
import { patchChanges } from "./patch";
import { CES_SCALE } from "./satisfaction";
import { surveyRecipients, surveySends, surveyTemplates } from "./tenant-schema";

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
  const fields = patchChanges(row, changes, { frequency: "frequency", archived: "archived" });
  Object.assign(next, fields.patch satisfies Partial<TemplateRow>);
  changed.push(...fields.changed);
  if (changed.length > 0) {
    next.updatedAt = now.toISOString();
    db.update(surveyTemplates).set({ name: next.name, questions: next.questions, frequency: next.frequency, archived: next.archived, updatedAt: next.updatedAt }).where(eq(surveyTemplates.id, id)).run();
  }
  return { template: toTemplate(next), changed };
}

// --- sending ---

/** Stands for the recipient's token in a stored payload; replaced when the delivery is handed to SendGrid. */
export const SURVEY_TOKEN_MARK = "-cs_survey_token-";
export const DEFAULT_EXPIRY_DAYS = 30;
const DAY_MS = 86_400_000;
const MAX_SURVEY_RECIPIENTS = 5_000;

export interface SurveySendInput {
  template_id: string;
  target: { kind: "client_ids"; client_ids: string[] } | { kind: "segment"; segment_id: string };
  contact_roles?: ContactRole[];
  subject?: string;
  message?: string;
  expires_in_days: number;
  /** The public origin the links point at. */
  origin: string;
}

/** What send_survey answers and list_survey_sends lists alike. */
interface SurveySendFacts {
  survey_send_id: string;
  template_id: string;
  template_name: string;
  status: "sent" | "not_sent";
  status_reason: string;
  job_id: string | null;
  recipients: number;
  expires_at: string;
}

export interface SurveySendResult extends SurveySendFacts {
  accounts: number;
  /** Contacts left out: this template reached them too recently for its frequency. */
  skipped_recently_surveyed: number;
}

/**
 * Records a survey send: the template to the active contacts (with an address not marked bad) of
 * the target's accounts, minus those its frequency still rests. With `deliveries` (SendGrid
 * connected) the recipients are `sent` and the caller queues them; otherwise `not_sent`.
 */
export function recordSurveySend(
  db: TenantDb,
  input: SurveySendInput,
  connected: boolean,
  actor: string,
  now: Date,
): { result: SurveySendResult; deliveries: { payload: Json; items: number }[] } {
  const template = requireTemplate(db, input.template_id);
  if (template.archived) throw new AccountError("conflict", `template_id: "${template.name}" is archived; unarchive it with update_survey_template (archived false) or pick another template.`);
  const accountIds = targetAccountIds(db, input.target, now);
  const candidates = resolveRecipients(db, accountIds, input.contact_roles);
  const restDays = FREQUENCY_DAYS[template.frequency];
  const since = restDays === null ? null : new Date(now.getTime() - restDays * DAY_MS).toISOString();
  const rested = new Set<string>();
  for (let i = 0; i < candidates.length; i += 90) {
    const ids = candidates.slice(i, i + 90).map((c) => c.contactId);
    const rows = db
      .select({ contactId: surveyRecipients.contactId })
      .from(surveyRecipients)
      .where(and(eq(surveyRecipients.templateId, template.id), inArray(surveyRecipients.contactId, ids), sql`${surveyRecipients.status} <> 'not_sent'`, since ? sql`${surveyRecipients.sentAt} >= ${since}` : undefined))
      .all();
    for (const row of rows) if (row.contactId) rested.add(row.contactId);
  }
  const recipients = candidates.filter((c) => !rested.has(c.contactId));
  if (recipients.length === 0) {
    throw new AccountError(
      "invalid",
      candidates.length === 0
        ? "target: none of these accounts has an active contact with an email address (not marked bad); add contacts or pick other accounts."
        : `target: all ${candidates.length} contacts already got "${template.name}" ${restDays === null ? "(frequency one_time)" : `within ${restDays} days (frequency ${template.frequency})`}; nothing to send.`,
    );
  }
  if (recipients.length > MAX_SURVEY_RECIPIENTS) throw new AccountError("invalid", `target: ${recipients.length} recipients is more than one survey send holds (${MAX_SURVEY_RECIPIENTS}); narrow it with a segment or contact_roles.`);

  const sendId = newId("svs");
  const at = now.toISOString();
  const expiresAt = new Date(now.getTime() + input.expires_in_days * DAY_MS).toISOString();
  const status: "sent" | "not_sent" = connected ? "sent" : "not_sent";
  const reason = connected
    ? `handed to SendGrid (${recipients.length} recipients); get_integration_job shows the delivery`
    : "not sent: SendGrid is not connected in this workspace; an admin connects it with connect_integration (provider sendgrid), then send again";
  const rows = recipients.map((r) => ({
    id: newId("svr"),
    sendId,
    templateId: template.id,
    accountId: r.accountId,
    contactId: r.contactId,
    email: r.email,
    status,
    tokenHash: null,
    sentAt: connected ? at : null,
    expiresAt,
    answeredAt: null,
    answers: null,
    feedbackId: null,
  }));
  db.insert(surveySends)
    .values({ id: sendId, templateId: template.id, status, statusReason: reason, jobId: null, target: JSON.stringify(input.target), recipients: rows.length, expiresAt, createdBy: actor, createdAt: at })
    .run();
  for (let i = 0; i < rows.length; i += 7) db.insert(surveyRecipients).values(rows.slice(i, i + 7)).run();

  const subject = input.subject ?? (template.kind === "custom" ? `${template.name}: a few questions` : "A quick question about your experience");
  const intro = input.message ?? "We would value your answer: it takes under a minute.";
  const deliveries: { payload: Json; items: number }[] = [];
  if (connected) {
    const { payloads } = splitSendMail({
      subject,
      custom_args: { survey_send_id: sendId },
      recipients: recipients.map((r, i) => ({
        email: r.email,
        name: r.name,
        body: `Hello ${r.name.split(/\s+/)[0] ?? r.name},\n\n${intro}\n\n${input.origin}/survey/${SURVEY_TOKEN_MARK}\n\nThe link is yours alone and works until ${expiresAt.slice(0, 10)}.`,
        custom_args: { account_id: r.accountId, contact_id: r.contactId, survey_recipient_id: rows[i]?.id ?? "", subject: subject.slice(0, 150) },
      })),
    });
    for (const payload of payloads) deliveries.push({ payload: JSON.parse(JSON.stringify(payload)) as Json, items: payload.recipients.length });
  }
  return {
    result: {
      survey_send_id: sendId,
      template_id: template.id,
      template_name: template.name,
      status,
      status_reason: reason,
      job_id: null,
      recipients: rows.length,
      accounts: new Set(rows.map((r) => r.accountId)).size,
      skipped_recently_surveyed: candidates.length - recipients.length,
      expires_at: expiresAt,
    },
    deliveries,
  };
}

export function attachSurveyJob(db: TenantDb, sendId: string, jobId: string): void {
  db.update(surveySends).set({ jobId, statusReason: sql`${surveySends.statusReason} || ${` as job ${jobId}`}` }).where(eq(surveySends.id, sendId)).run();
}

/** The survey recipients of a send_mail payload (null when it is not a survey). */
export function surveyRecipientIds(payload: Json): string[] | null {
  if (!payload || typeof payload !== "object" || Array.isArray(payload)) return null;
  const recipients = payload.recipients;
  if (!Array.isArray(recipients)) return null;
  const ids: string[] = [];
  for (const recipient of recipients) {
    if (!recipient || typeof recipient !== "object" || Array.isArray(recipient)) return null;
    const args = recipient.custom_args;
    const id = args && typeof args === "object" && !Array.isArray(args) ? args.survey_recipient_id : undefined;
    if (typeof id !== "string") return null;
    ids.push(id);
  }
  return ids.length > 0 ? ids : null;
}

/** Puts each recipient's link token into its body and keeps only the token's hash. */
export function materializeSurveyLinks(db: TenantDb, payload: SendMailPayload, tokens: Map<string, { token: string; hash: string }>): SendMailPayload {
  for (const [id, { hash }] of tokens) {
    db.update(surveyRecipients).set({ tokenHash: hash }).where(and(eq(surveyRecipients.id, id), sql`${surveyRecipients.status} <> 'answered'`)).run();
  }
  return {
    ...payload,
    recipients: payload.recipients.map((recipient) => {
      const id = recipient.custom_args?.survey_recipient_id;
      const token = id ? tokens.get(id)?.token : undefined;
      return token && recipient.body ? { ...recipient, body: recipient.body.replaceAll(SURVEY_TOKEN_MARK, token) } : recipient;
    }),
  };
}

// --- answering ---

export interface SurveyForm {
  state: "open" | "answered";
  template_name: string;
  kind: SurveyKind;
  questions: SurveyQuestion[];
  scale: SurveyTemplate["scale"];
  expires_at: string;
}

type RecipientRow = typeof surveyRecipients.$inferSelect;

function recipientByHash(db: TenantDb, hash: string, now: Date): { recipient: RecipientRow; template: TemplateRow } | null {
  const recipient = db.select().from(surveyRecipients).where(eq(surveyRecipients.tokenHash, hash)).get();
  if (!recipient || recipient.status === "not_sent") return null;
  if (recipient.status !== "answered" && recipient.expiresAt <= now.toISOString()) return null;
  const template = db.select().from(surveyTemplates).where(eq(surveyTemplates.id, recipient.templateId)).get();
  return template ? { recipient, template } : null;
}

/** The form behind a token, or null for an unknown or expired one. */
export function surveyForm(db: TenantDb, hash: string, now: Date): SurveyForm | null {
  const found = recipientByHash(db, hash, now);
  if (!found) return null;
  const template = toTemplate(found.template);
  return { state: found.recipient.status === "answered" ? "answered" : "open", template_name: template.name, kind: template.kind, questions: template.questions, scale: template.scale, expires_at: found.recipient.expiresAt };
}

export type SurveyAnswers = Record<string, string | number>;

/** Checks answers against the questions; refusals name the question. */
export function checkAnswers(questions: readonly SurveyQuestion[], kind: SurveyKind, answers: SurveyAnswers): SurveyAnswers {
  const clean: SurveyAnswers = {};
  for (const key of Object.keys(answers)) {
    if (!questions.some((q) => q.id === key)) throw new AccountError("invalid", `answers.${key}: this survey has no such question.`);
  }
  for (const question of questions) {
    const value = answers[question.id];
    if (value === undefined || value === "") {
      if (question.required) throw new AccountError("invalid", `answers.${question.id}: “${question.text}” needs an answer.`);
      continue;
    }
    if (question.type === "score") {
      const scale = kind === "custom" ? null : SURVEY_SCALES[kind];
      const score = typeof value === "number" ? value : Number(value);
      if (!scale || !Number.isInteger(score) || score < scale.min || score > scale.max) {
        throw new AccountError("invalid", `answers.${question.id}: choose a whole number from ${scale?.min ?? 0} to ${scale?.max ?? 0}.`);
      }
      clean[question.id] = score;
    } else if (question.type === "choice") {
      if (typeof value !== "string" || !question.choices?.includes(value)) throw new AccountError("invalid", `answers.${question.id}: choose one of ${question.choices?.join(", ") ?? "the options"}.`);
      clean[question.id] = value;
    } else {
      const text = String(value).trim();
      if (text.length > 2_000) throw new AccountError("invalid", `answers.${question.id}: at most 2,000 characters.`);
      if (text) clean[question.id] = text;
    }
  }
  return clean;
}

/**
 * Records the answers once: a feedback row for the account and contact (the score of an NPS,
 * CSAT or CES template, the text answers as its comment), the recipient answered. Null for an
 * unknown or expired token; "already_answered" the second time.
 */
export function answerSurvey(db: TenantDb, hash: string, answers: SurveyAnswers, now: Date): { accountId: string; feedbackId: string | null } | "already_answered" | null {
  const found = recipientByHash(db, hash, now);
  if (!found) return null;
  const { recipient, template } = found;
  if (recipient.status === "answered") return "already_answered";
  const parsed = toTemplate(template);
  const clean = checkAnswers(parsed.questions, parsed.kind, answers);
  const score = parsed.questions.find((q) => q.type === "score");
  const texts = parsed.questions.filter((q) => q.type !== "score" && clean[q.id] !== undefined).map((q) => (q.type === "choice" ? `${q.text}: ${String(clean[q.id])}` : String(clean[q.id])));
  let feedbackId: string | null = null;
  if (parsed.kind !== "custom" || texts.length > 0) {
    const contactStillThere = recipient.contactId ? db.get<{ id: string }>(sql`SELECT id FROM contacts WHERE id = ${recipient.contactId} AND account_id = ${recipient.accountId}`) : undefined;
    const item = insertFeedback(
      db,
      {
        client_id: recipient.accountId,
        kind: parsed.kind === "custom" ? "comment" : parsed.kind,
        ...(score ? { score: Number(clean[score.id]) } : {}),
        ...(texts.length > 0 ? { text: texts.join("\n") } : {}),
        ...(contactStillThere ? { contact_id: contactStillThere.id } : {}),
        source: `survey:${template.name}`.slice(0, 100),
        external_id: `survey:${recipient.id}`,
      },
      "survey",
      now,
    );
    feedbackId = item.feedback_id;
  }
  db.update(surveyRecipients)
    .set({ status: "answered", answeredAt: now.toISOString(), answers: JSON.stringify(clean), feedbackId })
    .where(and(eq(surveyRecipients.id, recipient.id), sql`${surveyRecipients.status} <> 'answered'`))
    .run();
  return { accountId: recipient.accountId, feedbackId };
}

// --- results ---

export interface SurveyTemplateResults {
  template_id: string;
  name: string;
  kind: SurveyKind;
  archived: boolean;
  sent: number;
  answered: number;
  /** answered / sent, 0..1; null when nothing was sent. */
  response_rate: number | null;
  nps: feedbackEngine.NpsResult | null;
  csat: feedbackEngine.CsatResult | null;
  ces: feedbackEngine.CesResult | null;
  choices: { question_id: string; question: string; counts: Record<string, number> }[];
  themes: feedbackEngine.ThemeReport | null;
  text_answers: number;
}

/** Per template, for surveys sent in [from, to): sent, answered, response rate, the kind's score from the engine, choice counts, themes of the text answers. */
export function surveyResults(db: TenantDb, options: { templateId?: string; from: string; to: string }): SurveyTemplateResults[] {
  const templates = options.templateId ? [requireTemplate(db, options.templateId)] : db.select().from(surveyTemplates).orderBy(asc(surveyTemplates.name)).all();
  return templates.map((row) => {
    const template = toTemplate(row);
    const rows = db
      .select({ id: surveyRecipients.id, status: surveyRecipients.status, answers: surveyRecipients.answers })
      .from(surveyRecipients)
      .where(and(eq(surveyRecipients.templateId, row.id), sql`${surveyRecipients.status} <> 'not_sent'`, sql`${surveyRecipients.sentAt} >= ${options.from}`, sql`${surveyRecipients.sentAt} < ${options.to}`))
      .all();
    const answered = rows.filter((r) => r.status === "answered" && r.answers).map((r) => ({ id: r.id, answers: JSON.parse(r.answers ?? "{}") as SurveyAnswers }));
    const scoreQuestion = template.questions.find((q) => q.type === "score");
    const scores = scoreQuestion ? answered.map((a) => a.answers[scoreQuestion.id]).filter((v): v is number => typeof v === "number") : [];
    const comments = answered.flatMap((a) => template.questions.filter((q) => q.type === "text" && typeof a.answers[q.id] === "string").map((q) => ({ id: `${a.id}:${q.id}`, text: String(a.answers[q.id]) })));
    return {
      template_id: template.template_id,
      name: template.name,
      kind: template.kind,
      archived: template.archived,
      sent: rows.length,
      answered: answered.length,
      response_rate: rows.length === 0 ? null : answered.length / rows.length,
      nps: template.kind === "nps" ? feedbackEngine.computeNps(scores) : null,
      csat: template.kind === "csat" ? feedbackEngine.computeCsat(scores) : null,
      ces: template.kind === "ces" ? feedbackEngine.computeCes(scores, CES_SCALE) : null,
      choices: template.questions
        .filter((q) => q.type === "choice")
        .map((q) => ({
          question_id: q.id,
          question: q.text,
          counts: Object.fromEntries((q.choices ?? []).map((choice) => [choice, answered.filter((a) => a.answers[q.id] === choice).length])),
        })),
      themes: comments.length > 0 ? feedbackEngine.extractThemes(comments) : null,
      text_answers: comments.length,
    };
  });
}

/** One survey send as list_survey_sends shows it, with its answers so far. */
export interface SurveySendSummary extends SurveySendFacts {
  target: Json;
  answered: number;
  /** Answered over recipients; null when nobody was sent it. */
  response_rate: number | null;
  created_by: string;
  created_at: string;
}

/** Survey sends, newest first, paged by (created_at, id); optionally of one template. */
export function listSurveySends(
  db: TenantDb,
  query: { templateId?: string; limit: number; cursor?: string },
): { sends: SurveySendSummary[]; next_cursor: string | null } {
  const conditions: SQL[] = [];
  if (query.templateId) conditions.push(eq(surveySends.templateId, query.templateId));
  if (query.cursor) {
    conditions.push(afterCursor(surveySends.createdAt, surveySends.id, query.cursor) as SQL);
  }
  const answered = db
    .select({ sendId: surveyRecipients.sendId, answered: sql<number>`count(*)`.as("answered") })
    .from(surveyRecipients)
    .where(eq(surveyRecipients.status, "answered"))
    .groupBy(surveyRecipients.sendId)
    .as("answered_counts");
  const rows = db
    .select({ send: surveySends, templateName: surveyTemplates.name, answered: answered.answered })
    .from(surveySends)
    .innerJoin(surveyTemplates, eq(surveyTemplates.id, surveySends.templateId))
    .leftJoin(answered, eq(answered.sendId, surveySends.id))
    .where(conditions.length ? and(...conditions) : undefined)
    .orderBy(desc(surveySends.createdAt), desc(surveySends.id))
    .limit(query.limit + 1)
    .all();
  const { page, next_cursor } = keysetPage(rows, query.limit, ({ send }) => [send.createdAt, send.id]);
  return {
    sends: page.map(({ send, templateName, answered: count }) => {
      const answeredCount = count ?? 0;
      return {
        survey_send_id: send.id,
        template_id: send.templateId,
        template_name: templateName,
        status: send.status,
        status_reason: send.statusReason,
        job_id: send.jobId,
        target: JSON.parse(send.target) as Json,
        recipients: send.recipients,
        answered: answeredCount,
        response_rate: send.recipients > 0 ? answeredCount / send.recipients : null,
        expires_at: send.expiresAt,
        created_by: send.createdBy,
        created_at: send.createdAt,
      };
    }),
    next_cursor,
  };
}
