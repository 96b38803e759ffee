import { and, asc, desc, eq, inArray, type SQL } from "drizzle-orm";
import { AccountError, appendEvent, newId, requireAccount, type TenantDb } from "./accounts";
import { certifications, trainingAttendees, trainingModules, trainingSessions } from "./tenant-schema";

/**
 * Training modules, sessions with their attendees and results, and certifications by level
 * (pass marks, prerequisites, expiry, revocation).
 */

export const CERTIFICATION_LEVELS = ["basic", "intermediate", "advanced", "expert"] as const;
export const TRAINING_FORMATS = ["live_webinar", "self_paced", "one_on_one", "workshop", "video", "documentation"] as const;
export type CertificationLevel = (typeof CERTIFICATION_LEVELS)[number];
export type TrainingFormat = (typeof TRAINING_FORMATS)[number];

/** Each level's pass mark (fraction of the assessment) and what it requires first; a certificate is valid 12 months. */
export const LEVELS: Readonly<Record<CertificationLevel, { pass_mark: number; requires: CertificationLevel | null }>> = {
  basic: { pass_mark: 0.75, requires: null },
  intermediate: { pass_mark: 0.8, requires: "basic" },
  advanced: { pass_mark: 0.85, requires: "intermediate" },
  expert: { pass_mark: 0.9, requires: "advanced" },
};
export const VALIDITY_MONTHS = 12;
export const DEFAULT_PASS_MARK = 0.75;
export const DEFAULT_MAX_ATTEMPTS = 3;

type ModuleRow = typeof trainingModules.$inferSelect;
type SessionRow = typeof trainingSessions.$inferSelect;
type AttendeeRow = typeof trainingAttendees.$inferSelect;
type CertRow = typeof certifications.$inferSelect;

export interface TrainingModule {
  module_id: string;
  name: string;
  description: string;
  level: CertificationLevel;
  duration_minutes: number;
  pass_mark: number;
  max_attempts: number;
  created_at: string;
}

function toModule(row: ModuleRow): TrainingModule {
  return {
    module_id: row.id,
    name: row.name,
    description: row.description,
    level: row.level,
    duration_minutes: row.durationMinutes,
    pass_mark: row.passMark,
    max_attempts: row.maxAttempts,
    created_at: row.createdAt,
  };
}

export interface NewModule {
  name: string;
  description?: string;
  level: CertificationLevel;
  duration_minutes: number;
  pass_mark?: number;
  max_attempts?: number;
}

export function createModule(db: TenantDb, input: NewModule, actor: string, now = new Date()): TrainingModule {
  const existing = db.select({ id: trainingModules.id }).from(trainingModules).where(eq(trainingModules.name, input.name)).get();
  if (existing) throw new AccountError("conflict", `name: a training module called "${input.name}" already exists (${existing.id}); choose another name.`);
  const at = now.toISOString();
  const row: ModuleRow = {
    id: newId("train"),
    name: input.name,
    description: input.description ?? "",
    level: input.level,
    durationMinutes: input.duration_minutes,
    passMark: input.pass_mark ?? LEVELS[input.level].pass_mark,
    maxAttempts: input.max_attempts ?? DEFAULT_MAX_ATTEMPTS,
    createdBy: actor,
    createdAt: at,
    updatedAt: at,
  };
  db.insert(trainingModules).values(row).run();
  return toModule(row);
}

export function listModules(db: TenantDb): TrainingModule[] {
  return db.select().from(trainingModules).orderBy(asc(trainingModules.name)).all().map(toModule);
}

function requireModule(db: TenantDb, id: string): ModuleRow {
  const row = db.select().from(trainingModules).where(eq(trainingModules.id, id)).get();
  if (!row) throw new AccountError("not_found", `No training module with module_id "${id}" in this workspace; create_training_module answers the id.`);
  return row;
}

export interface Attendee {
  email: string;
  /** Null until attendance is recorded. */
  attended: boolean | null;
  score: number | null;
  passed: boolean | null;
  feedback_rating: number | null;
  /** Which attempt at this module this session was for the person (attended sessions only). */
  attempt: number | null;
}

export interface SessionSummary {
  invited: number;
  attended: number;
  attendance_rate: number | null;
  passed: number;
  pass_rate: number | null;
  average_score: number | null;
  average_rating: number | null;
}

export interface TrainingSession {
  session_id: string;
  module: TrainingModule;
  client_id: string;
  format: TrainingFormat;
  scheduled_at: string;
  duration_minutes: number;
  trainer: string | null;
  recording_enabled: boolean;
  status: "scheduled" | "completed";
  attendees: Attendee[];
  summary: SessionSummary;
}

function round3(value: number): number {
  return Math.round(value * 1000) / 1000;
}

function mean(values: number[]): number | null {
  return values.length === 0 ? null : round3(values.reduce((a, b) => a + b, 0) / values.length);
}

/** How many attended sessions of the module each email had up to and including this one. */
function attemptNumbers(db: TenantDb, session: SessionRow, emails: string[]): Map<string, number> {
  const result = new Map<string, number>();
  if (emails.length === 0) return result;
  const rows = db
    .select({ email: trainingAttendees.email, at: trainingSessions.scheduledAt, id: trainingSessions.id })
    .from(trainingAttendees)
    .innerJoin(trainingSessions, eq(trainingSessions.id, trainingAttendees.sessionId))
    .where(and(eq(trainingSessions.moduleId, session.moduleId), eq(trainingAttendees.attended, true), inArray(trainingAttendees.email, emails)))
    .all();
  for (const email of emails) {
    const mine = rows.filter((r) => r.email === email && (r.at < session.scheduledAt || (r.at === session.scheduledAt && r.id <= session.id)));
    result.set(email, mine.length);
  }
  return result;
}

function toSession(db: TenantDb, row: SessionRow): TrainingSession {
  const module = requireModule(db, row.moduleId);
  const attendeeRows = db.select().from(trainingAttendees).where(eq(trainingAttendees.sessionId, row.id)).orderBy(asc(trainingAttendees.email)).all();
  const attempts = attemptNumbers(db, row, attendeeRows.filter((a) => a.attended).map((a) => a.email));
  const attendees: Attendee[] = attendeeRows.map((a) => ({
    email: a.email,
    attended: a.attended,
    score: a.score,
    passed: a.passed,
    feedback_rating: a.feedbackRating,
    attempt: a.attended ? (attempts.get(a.email) ?? null) : null,
  }));
  const recorded = attendees.filter((a) => a.attended !== null);
  const present = attendees.filter((a) => a.attended === true);
  const scored = present.filter((a) => a.score !== null);
  return {
    session_id: row.id,
    module: toModule(module),
    client_id: row.accountId,
    format: row.format,
    scheduled_at: row.scheduledAt,
    duration_minutes: row.durationMinutes,
    trainer: row.trainer,
    recording_enabled: row.recordingEnabled,
    status: row.status,
    attendees,
    summary: {
      invited: attendees.length,
      attended: present.length,
      attendance_rate: recorded.length === 0 ? null : round3(present.length / recorded.length),
      passed: present.filter((a) => a.passed).length,
      pass_rate: scored.length === 0 ? null : round3(scored.filter((a) => a.passed).length / scored.length),
      average_score: mean(scored.map((a) => a.score as number)),
      average_rating: mean(present.flatMap((a) => (a.feedback_rating === null ? [] : [a.feedback_rating]))),
    },
  };
}

export interface NewSession {
  client_id: string;
  module_id: string;
  format: TrainingFormat;
  scheduled_at: string;
  duration_minutes?: number;
  trainer?: string;
  recording_enabled?: boolean;
  attendee_emails: string[];
}

export function scheduleSession(db: TenantDb, input: NewSession, actor: string, now = new Date()): TrainingSession {
  const account = requireAccount(db, input.client_id, now);
  const module = requireModule(db, input.module_id);
  const at = now.toISOString();
  const row: SessionRow = {
    id: newId("ses"),
    moduleId: module.id,
    accountId: account.client_id,
    format: input.format,
    scheduledAt: input.scheduled_at,
    durationMinutes: input.duration_minutes ?? module.durationMinutes,
    trainer: input.trainer ?? null,
    recordingEnabled: input.recording_enabled ?? true,
    status: "scheduled",
    createdBy: actor,
    createdAt: at,
    updatedAt: at,
  };
  db.insert(trainingSessions).values(row).run();
  for (const email of new Set(input.attendee_emails.map((e) => e.toLowerCase()))) {
    db.insert(trainingAttendees).values({ sessionId: row.id, email, attended: null, score: null, passed: null, feedbackRating: null, recordedAt: null }).run();
  }
  appendEvent(
    db,
    account.client_id,
    actor,
    {
      event_type: "onboarding",
      title: `Training scheduled: ${module.name}`,
      description: `${input.format.replace(/_/g, " ")} on ${input.scheduled_at} for ${input.attendee_emails.length} attendee(s).`,
      impact: "neutral",
      metadata: { session_id: row.id, module_id: module.id },
    },
    now,
  );
  return toSession(db, row);
}

export interface AttendanceRecord {
  email: string;
  attended: boolean;
  score?: number;
  feedback_rating?: number;
}

function requireSession(db: TenantDb, id: string): SessionRow {
  const row = db.select().from(trainingSessions).where(eq(trainingSessions.id, id)).get();
  if (!row) throw new AccountError("not_found", `No training session with session_id "${id}" in this workspace; schedule_training_session answers the id.`);
  return row;
}

/**
 * Records who attended, their assessment scores (passed = score ≥ the module's pass mark) and
 * ratings; the session becomes completed. A person past the module's attempt limit is refused.
 */
export function recordAttendance(db: TenantDb, sessionId: string, records: AttendanceRecord[], actor: string, now = new Date()): TrainingSession {
  const session = requireSession(db, sessionId);
  const module = requireModule(db, session.moduleId);
  if (session.scheduledAt > now.toISOString()) {
    throw new AccountError("conflict", `session_id: the session is ${session.status}, for ${session.scheduledAt}, which has not come yet; record attendance after it.`);
  }
  records.forEach((r, i) => {
    if (!r.attended && (r.score !== undefined || r.feedback_rating !== undefined)) {
      throw new AccountError("invalid", `attendees.${i}: ${r.email} did not attend, so there is no score or feedback_rating to record; drop them or set attended true.`);
    }
  });
  const emails = records.map((r) => r.email.toLowerCase());
  const prior = db
    .select({ email: trainingAttendees.email, id: trainingSessions.id })
    .from(trainingAttendees)
    .innerJoin(trainingSessions, eq(trainingSessions.id, trainingAttendees.sessionId))
    .where(and(eq(trainingSessions.moduleId, module.id), eq(trainingAttendees.attended, true), inArray(trainingAttendees.email, emails.length ? emails : [""])))
    .all();
  const recordedAt = now.toISOString();
  for (const r of records) {
    const email = r.email.toLowerCase();
    if (r.attended) {
      const attempts = prior.filter((p) => p.email === email && p.id !== session.id).length;
      if (attempts >= module.maxAttempts) {
        throw new AccountError(
          "conflict",
          `attendees: ${email} has already attended "${module.name}" ${attempts} times, its limit of max_attempts ${module.maxAttempts}; nothing was recorded.`,
        );
      }
    }
    const values: AttendeeRow = {
      sessionId: session.id,
      email,
      attended: r.attended,
      score: r.score ?? null,
      passed: r.score === undefined ? null : r.score >= module.passMark,
      feedbackRating: r.feedback_rating ?? null,
      recordedAt,
    };
    db.insert(trainingAttendees)
      .values(values)
      .onConflictDoUpdate({
        target: [trainingAttendees.sessionId, trainingAttendees.email],
        set: { attended: values.attended, score: values.score, passed: values.passed, feedbackRating: values.feedbackRating, recordedAt },
      })
      .run();
  }
  db.update(trainingSessions).set({ status: "completed", updatedAt: recordedAt }).where(eq(trainingSessions.id, session.id)).run();
  const result = toSession(db, { ...session, status: "completed" });
  appendEvent(
    db,
    session.accountId,
    actor,
    {
      event_type: "onboarding",
      title: `Training delivered: ${module.name}`,
      description: `${result.summary.attended} of ${result.summary.invited} attended; ${result.summary.passed} passed (pass mark ${module.passMark}).`,
      impact: result.summary.attended > 0 ? "positive" : "negative",
      metadata: { session_id: session.id, module_id: module.id, attended: result.summary.attended, passed: result.summary.passed },
    },
    now,
  );
  return result;
}

export function listSessions(db: TenantDb, accountId: string): TrainingSession[] {
  return db
    .select()
    .from(trainingSessions)
    .where(eq(trainingSessions.accountId, accountId))
    .orderBy(asc(trainingSessions.scheduledAt))
    .all()
    .map((row) => toSession(db, row));
}

// ---- certifications --------------------------------------------------------------------------

export type CertificationState = "valid" | "expired" | "revoked";

export interface Certification {
  certification_id: string;
  client_id: string;
  email: string;
  level: CertificationLevel;
  score: number;
  pass_mark: number;
  issued_on: string;
  expires_on: string;
  state: CertificationState;
  /** Days until it expires (negative once expired); null when revoked. */
  days_until_expiry: number | null;
  revoked_on: string | null;
  revoke_reason: string | null;
}

const DAY_MS = 86_400_000;

function toCertification(row: CertRow, asOf: string): Certification {
  const state: CertificationState = row.revokedOn !== null && row.revokedOn <= asOf ? "revoked" : row.expiresOn <= asOf ? "expired" : "valid";
  return {
    certification_id: row.id,
    client_id: row.accountId,
    email: row.email,
    level: row.level,
    score: row.score,
    pass_mark: row.passMark,
    issued_on: row.issuedOn,
    expires_on: row.expiresOn,
    state,
    days_until_expiry: state === "revoked" ? null : Math.round((Date.parse(`${row.expiresOn}T00:00:00Z`) - Date.parse(`${asOf}T00:00:00Z`)) / DAY_MS),
    revoked_on: row.revokedOn,
    revoke_reason: row.revokeReason,
  };
}

function addMonths(date: string, months: number): string {
  const d = new Date(`${date}T00:00:00Z`);
  const day = d.getUTCDate();
  d.setUTCDate(1);
  d.setUTCMonth(d.getUTCMonth() + months);
  const last = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 0)).getUTCDate();
  d.setUTCDate(Math.min(day, last));
  return d.toISOString().slice(0, 10);
}

/** A person's certificates at an account, newest first. */
function certsOf(db: TenantDb, accountId: string, email: string): CertRow[] {
  return db
    .select()
    .from(certifications)
    .where(and(eq(certifications.accountId, accountId), eq(certifications.email, email)))
    .orderBy(desc(certifications.issuedOn), desc(certifications.createdAt))
    .all();
}

function describeHoldings(rows: CertRow[], asOf: string): string {
  if (rows.length === 0) return "holds no certificates";
  return `holds ${rows
    .map((r) => toCertification(r, asOf))
    .map((c) => `${c.level} (${c.certification_id}, ${c.state}${c.state === "valid" ? ` until ${c.expires_on}` : c.state === "expired" ? ` since ${c.expires_on}` : ` on ${c.revoked_on}`})`)
    .join(", ")}`;
}

export interface NewCertification {
  client_id: string;
  email: string;
  level: CertificationLevel;
  score: number;
  issued_on?: string;
  validity_months?: number;
}

/**
 * Issues a certificate: the score must reach the level's pass mark, the person must hold a
 * valid certificate of the level below (intermediate needs basic, and so on), and must not hold
 * a valid one of this level already. Valid for 12 months unless told otherwise.
 */
export function issueCertification(db: TenantDb, input: NewCertification, actor: string, now = new Date()): Certification {
  const account = requireAccount(db, input.client_id, now);
  const email = input.email.toLowerCase();
  const today = now.toISOString().slice(0, 10);
  const issuedOn = input.issued_on ?? today;
  if (issuedOn > today) throw new AccountError("invalid", `issued_on (${issuedOn}) is in the future; send today (${today}) or an earlier day.`);
  const level = LEVELS[input.level];
  if (input.score < level.pass_mark) {
    throw new AccountError(
      "invalid",
      `score: ${input.score} is below the ${input.level} pass mark of ${level.pass_mark} (short by ${round3(level.pass_mark - input.score)}); no certificate was issued.`,
    );
  }
  const held = certsOf(db, account.client_id, email);
  if (level.requires) {
    const prerequisite = held.find((r) => r.level === level.requires && toCertification(r, issuedOn).state === "valid");
    if (!prerequisite) {
      throw new AccountError(
        "conflict",
        `level: ${input.level} requires a valid ${level.requires} certificate on ${issuedOn}; ${email} ${describeHoldings(held, issuedOn)}.`,
      );
    }
  }
  const same = held.find((r) => r.level === input.level && toCertification(r, issuedOn).state === "valid");
  if (same) {
    throw new AccountError("conflict", `level: ${email} already holds a valid ${input.level} certificate (${same.id}, until ${same.expiresOn}); revoke it or wait for it to expire.`);
  }
  const row: CertRow = {
    id: newId("cert"),
    accountId: account.client_id,
    email,
    level: input.level,
    score: input.score,
    passMark: level.pass_mark,
    issuedOn,
    expiresOn: addMonths(issuedOn, input.validity_months ?? VALIDITY_MONTHS),
    revokedOn: null,
    revokeReason: null,
    issuedBy: actor,
    createdAt: now.toISOString(),
  };
  db.insert(certifications).values(row).run();
  appendEvent(
    db,
    account.client_id,
    actor,
    {
      event_type: "onboarding",
      title: `Certification issued: ${input.level}`,
      description: `${email} certified ${input.level} with ${input.score} (pass mark ${level.pass_mark}); valid until ${row.expiresOn}.`,
      impact: "positive",
      metadata: { certification_id: row.id, email, level: input.level },
    },
    now,
  );
  return toCertification(row, today);
}

export interface RevokeTarget {
  certification_id?: string;
  client_id?: string;
  email?: string;
  level?: CertificationLevel;
}

/** Revokes a certificate by id, or a person's valid certificate of a level; refusals state what the person holds. */
export function revokeCertification(db: TenantDb, target: RevokeTarget, reason: string, actor: string, now = new Date()): Certification {
  const today = now.toISOString().slice(0, 10);
  let row: CertRow | undefined;
  if (target.certification_id) {
    row = db.select().from(certifications).where(eq(certifications.id, target.certification_id)).get();
    if (!row) throw new AccountError("not_found", `certification_id: no certificate "${target.certification_id}" was ever issued in this workspace; list_certifications shows them.`);
  } else {
    if (!target.client_id || !target.email || !target.level) {
      throw new AccountError("invalid", "Name the certificate: certification_id, or client_id with email and level.");
    }
    requireAccount(db, target.client_id, now);
    const email = target.email.toLowerCase();
    const held = certsOf(db, target.client_id, email);
    row = held.find((r) => r.level === target.level && r.revokedOn === null) ?? held.find((r) => r.level === target.level);
    if (!row) {
      throw new AccountError("not_found", `level: no ${target.level} certificate was ever issued to ${email}; nothing to revoke. ${email} ${describeHoldings(held, today)}.`);
    }
  }
  if (row.revokedOn !== null) {
    throw new AccountError(
      "conflict",
      `certification_id: ${row.id} (${row.level}, ${row.email}) was already revoked on ${row.revokedOn}${row.revokeReason ? ` (${row.revokeReason})` : ""}; it stays revoked.`,
    );
  }
  db.update(certifications).set({ revokedOn: today, revokeReason: reason }).where(eq(certifications.id, row.id)).run();
  appendEvent(
    db,
    row.accountId,
    actor,
    {
      event_type: "onboarding",
      title: `Certification revoked: ${row.level}`,
      description: `${row.email}'s ${row.level} certificate (${row.id}) was revoked: ${reason}`,
      impact: "negative",
      metadata: { certification_id: row.id, email: row.email, level: row.level },
    },
    now,
  );
  return toCertification({ ...row, revokedOn: today, revokeReason: reason }, today);
}

export interface CertificationQuery {
  client_id?: string;
  email?: string;
  level?: CertificationLevel;
  state?: CertificationState;
  as_of: string;
}

export function listCertifications(db: TenantDb, query: CertificationQuery, now = new Date()): { certifications: Certification[]; counts: Record<CertificationState, number> } {
  const conditions: SQL[] = [];
  if (query.client_id) {
    requireAccount(db, query.client_id, now);
    conditions.push(eq(certifications.accountId, query.client_id));
  }
  if (query.email) conditions.push(eq(certifications.email, query.email.toLowerCase()));
  if (query.level) conditions.push(eq(certifications.level, query.level));
  const all = db
    .select()
    .from(certifications)
    .where(conditions.length ? and(...conditions) : undefined)
    .orderBy(asc(certifications.email), asc(certifications.issuedOn), asc(certifications.createdAt), asc(certifications.id))
    .all()
    .filter((r) => r.issuedOn <= query.as_of)
    .map((r) => toCertification(r, query.as_of));
  const counts: Record<CertificationState, number> = { valid: 0, expired: 0, revoked: 0 };
  for (const c of all) counts[c.state] += 1;
  return { certifications: query.state ? all.filter((c) => c.state === query.state) : all, counts };
}
