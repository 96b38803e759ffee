import { beforeAll, describe, expect, it } from "vitest";
import { apiCall, callTool, tokenFor } from "./support/worker";
import { newTeam, ok, refused, register, type Team } from "./support/work";

interface Module {
  module_id: string;
  name: string;
  level: string;
  pass_mark: number;
  max_attempts: number;
  duration_minutes: number;
}
interface Session {
  session_id: string;
  status: string;
  duration_minutes: number;
  attendees: { email: string; attended: boolean | null; score: number | null; passed: boolean | null; feedback_rating: number | null; attempt: number | null }[];
  summary: { invited: number; attended: number; attendance_rate: number | null; passed: number; pass_rate: number | null; average_score: number | null; average_rating: number | null };
}
interface Certification {
  certification_id: string;
  email: string;
  level: string;
  issued_on: string;
  expires_on: string;
  state: string;
  days_until_expiry: number | null;
  revoked_on: string | null;
}
interface CertList {
  certifications: Certification[];
  counts: { valid: number; expired: number; revoked: number };
}

let team: Team;
let accountId = "";

const DAY = 86_400_000;
function daysFromNow(days: number): string {
  return new Date(Date.now() + days * DAY).toISOString().slice(0, 10);
}

function createModule(t: Team, args: Record<string, unknown>) {
  return ok<{ module: Module }>(t.token, "create_training_module", args).then((r) => r.module);
}

beforeAll(async () => {
  team = await newTeam("Training Co");
  accountId = await register(team.token, { client_name: "Learner" });
});

describe("training modules and sessions", () => {
  it("creates modules with the level's pass mark by default, refuses duplicates and out-of-range values by field", async () => {
    const basic = await createModule(team, { name: "Platform Fundamentals", level: "basic", duration_minutes: 90 });
    expect(basic).toMatchObject({ pass_mark: 0.75, max_attempts: 3, level: "basic" });
    const expert = await createModule(team, { name: "Expert Workflows", level: "expert", duration_minutes: 120, max_attempts: 2 });
    expect(expert.pass_mark).toBe(0.9);
    expect((await createModule(team, { name: "Custom Mark", level: "basic", duration_minutes: 30, pass_mark: 0.6 })).pass_mark).toBe(0.6);

    expect(await refused(team.token, "create_training_module", { name: "Platform Fundamentals", level: "basic", duration_minutes: 60 })).toContain(
      `already exists (${basic.module_id})`,
    );
    expect(await refused(team.token, "create_training_module", { name: "Long", level: "basic", duration_minutes: 481 })).toContain("duration_minutes is 1–480");
    expect(await refused(team.token, "create_training_module", { name: "Odd", level: "master", duration_minutes: 60 })).toContain(
      "level: must be one of basic, intermediate, advanced, expert",
    );
    expect(await refused(team.token, "create_training_module", { name: "Odd", level: "basic", duration_minutes: 60, pass_mark: 75 })).toContain("pass_mark is a fraction from 0 to 1");
    expect(await refused(team.token, "create_training_module", { name: "Odd", level: "basic", duration_minutes: 60, max_attempts: 11 })).toContain("max_attempts is 1–10");
    const listed = await ok<{ modules: Module[]; sessions: null }>(team.token, "list_training", {});
    expect(listed.modules.map((m) => m.name)).toEqual(expect.arrayContaining(["Platform Fundamentals", "Expert Workflows", "Custom Mark"]));
    expect(listed.sessions).toBeNull();
  });

  it("schedules a session and records attendance, scores against the pass mark, rates, and the attempt limit", async () => {
    const module = await createModule(team, { name: "Reporting 101", level: "basic", duration_minutes: 60, max_attempts: 2 });
    const past = new Date(Date.now() - 3 * DAY).toISOString().replace(/\.\d{3}Z$/, "Z");
    const { session } = await ok<{ session: Session }>(team.token, "schedule_training_session", {
      client_id: accountId,
      module_id: module.module_id,
      format: "workshop",
      scheduled_at: past,
      attendee_emails: ["a@learner.example", "b@learner.example", "c@learner.example"],
    });
    expect(session.status).toBe("scheduled");
    expect(session.duration_minutes).toBe(60);
    expect(session.summary).toMatchObject({ invited: 3, attended: 0, attendance_rate: null });

    const recorded = await ok<{ session: Session }>(team.token, "record_attendance", {
      session_id: session.session_id,
      attendees: [
        { email: "a@learner.example", attended: true, score: 0.9, feedback_rating: 5 },
        { email: "b@learner.example", attended: true, score: 0.6, feedback_rating: 3 },
        { email: "c@learner.example", attended: false },
      ],
    });
    expect(recorded.session.status).toBe("completed");
    expect(recorded.session.attendees.map((a) => [a.email, a.attended, a.passed, a.attempt])).toEqual([
      ["a@learner.example", true, true, 1],
      ["b@learner.example", true, false, 1],
      ["c@learner.example", false, null, null],
    ]);
    expect(recorded.session.summary).toEqual({
      invited: 3,
      attended: 2,
      attendance_rate: 0.667,
      passed: 1,
      pass_rate: 0.5,
      average_score: 0.75,
      average_rating: 4,
    });
    expect(
      await refused(team.token, "record_attendance", { session_id: session.session_id, attendees: [{ email: "c@learner.example", attended: false, score: 0.5 }] }),
    ).toContain("did not attend, so there is no score");
    expect(await refused(team.token, "record_attendance", { session_id: session.session_id, attendees: [{ email: "a@learner.example", attended: true, score: 1.5 }] })).toContain(
      "score is a fraction from 0 to 1",
    );

    // b retakes it; the third attempt is over the limit of 2.
    const retake = await ok<{ session: Session }>(team.token, "schedule_training_session", {
      client_id: accountId,
      module_id: module.module_id,
      scheduled_at: new Date(Date.now() - 2 * DAY).toISOString(),
      attendee_emails: ["b@learner.example"],
    });
    const second = await ok<{ session: Session }>(team.token, "record_attendance", { session_id: retake.session.session_id, attendees: [{ email: "b@learner.example", attended: true, score: 0.8 }] });
    expect(second.session.attendees[0]).toMatchObject({ passed: true, attempt: 2 });
    const third = await ok<{ session: Session }>(team.token, "schedule_training_session", {
      client_id: accountId,
      module_id: module.module_id,
      scheduled_at: new Date(Date.now() - DAY).toISOString(),
      attendee_emails: ["b@learner.example"],
    });
    expect(await refused(team.token, "record_attendance", { session_id: third.session.session_id, attendees: [{ email: "b@learner.example", attended: true, score: 0.9 }] })).toContain(
      'b@learner.example has already attended "Reporting 101" 2 times, its limit of max_attempts 2',
    );

    const upcoming = await ok<{ session: Session }>(team.token, "schedule_training_session", {
      client_id: accountId,
      module_id: module.module_id,
      scheduled_at: new Date(Date.now() + 2 * DAY).toISOString(),
      attendee_emails: ["d@learner.example"],
    });
    expect(await refused(team.token, "record_attendance", { session_id: upcoming.session.session_id, attendees: [{ email: "d@learner.example", attended: true }] })).toContain(
      "the session is scheduled, for",
    );
    expect(await refused(team.token, "schedule_training_session", { client_id: accountId, module_id: module.module_id, scheduled_at: "tomorrow", attendee_emails: ["x@y.example"] })).toContain(
      "scheduled_at",
    );
    expect(
      await refused(team.token, "schedule_training_session", { client_id: accountId, module_id: module.module_id, format: "podcast", scheduled_at: past, attendee_emails: ["x@y.example"] }),
    ).toContain("format: must be one of live_webinar, self_paced, one_on_one, workshop, video, documentation");

    const listed = await ok<{ sessions: Session[] }>(team.token, "list_training", { client_id: accountId });
    expect(listed.sessions.map((s) => s.session_id)).toEqual(
      expect.arrayContaining([session.session_id, retake.session.session_id, third.session.session_id, upcoming.session.session_id]),
    );
    const timeline = await ok<{ events: { title: string }[] }>(team.token, "get_client_timeline", { client_id: accountId, event_types: ["onboarding"], limit: 50 });
    expect(timeline.events.map((e) => e.title)).toContain("Training delivered: Reporting 101");
  });
});

describe("certifications", () => {
  it("issues by pass mark and prerequisite, expires after 12 months, revokes once, and refuses with the current state", async () => {
    const email = "pat@learner.example";
    expect(await refused(team.token, "issue_certification", { client_id: accountId, email, level: "basic", score: 0.7 })).toContain(
      "score: 0.7 is below the basic pass mark of 0.75 (short by 0.05); no certificate was issued",
    );
    expect(await refused(team.token, "issue_certification", { client_id: accountId, email, level: "intermediate", score: 0.95 })).toContain(
      `level: intermediate requires a valid basic certificate on ${daysFromNow(0)}; ${email} holds no certificates`,
    );
    const old = (await ok<{ certification: Certification }>(team.token, "issue_certification", { client_id: accountId, email, level: "basic", score: 0.8, issued_on: "2025-01-31" })).certification;
    expect(old).toMatchObject({ issued_on: "2025-01-31", expires_on: "2026-01-31", state: "expired" });

    // An expired basic certificate does not satisfy the prerequisite.
    expect(await refused(team.token, "issue_certification", { client_id: accountId, email, level: "intermediate", score: 0.95 })).toContain(
      `holds basic (${old.certification_id}, expired since 2026-01-31)`,
    );
    const basic = (await ok<{ certification: Certification }>(team.token, "issue_certification", { client_id: accountId, email, level: "basic", score: 0.76 })).certification;
    expect(basic.state).toBe("valid");
    expect(basic.days_until_expiry).toBeGreaterThan(360);
    expect(await refused(team.token, "issue_certification", { client_id: accountId, email, level: "basic", score: 0.9 })).toContain(
      `already holds a valid basic certificate (${basic.certification_id}`,
    );
    expect(await refused(team.token, "issue_certification", { client_id: accountId, email, level: "intermediate", score: 0.79 })).toContain("below the intermediate pass mark of 0.8");
    const intermediate = (await ok<{ certification: Certification }>(team.token, "issue_certification", { client_id: accountId, email, level: "intermediate", score: 0.8, validity_months: 6 }))
      .certification;
    expect(intermediate.expires_on).toBe(
      (() => {
        const d = new Date(`${intermediate.issued_on}T00:00:00Z`);
        const target = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 6, 1));
        const last = new Date(Date.UTC(target.getUTCFullYear(), target.getUTCMonth() + 1, 0)).getUTCDate();
        return new Date(Date.UTC(target.getUTCFullYear(), target.getUTCMonth(), Math.min(d.getUTCDate(), last))).toISOString().slice(0, 10);
      })(),
    );

    const listed = await ok<CertList>(team.token, "list_certifications", { client_id: accountId, email });
    expect(listed.counts).toEqual({ valid: 2, expired: 1, revoked: 0 });
    expect(listed.certifications.map((c) => [c.level, c.state])).toEqual([
      ["basic", "expired"],
      ["basic", "valid"],
      ["intermediate", "valid"],
    ]);
    // As of a day in 2025 the old certificate was valid and the later ones did not exist yet.
    const then = await ok<CertList>(team.token, "list_certifications", { client_id: accountId, email, as_of: "2025-06-01" });
    expect(then.certifications.map((c) => [c.certification_id, c.state])).toEqual([[old.certification_id, "valid"]]);

    const revoked = (await ok<{ certification: Certification }>(team.token, "revoke_certification", { certification_id: intermediate.certification_id, reason: "Exam irregularity" }))
      .certification;
    expect(revoked).toMatchObject({ state: "revoked", revoked_on: daysFromNow(0), days_until_expiry: null });
    expect(await refused(team.token, "revoke_certification", { certification_id: intermediate.certification_id, reason: "again" })).toContain(
      `was already revoked on ${daysFromNow(0)} (Exam irregularity); it stays revoked`,
    );
    const never = await refused(team.token, "revoke_certification", { client_id: accountId, email, level: "expert", reason: "x" });
    expect(never).toContain(`level: no expert certificate was ever issued to ${email}; nothing to revoke. ${email} holds intermediate (${intermediate.certification_id}, revoked on`);
    expect(never).toContain(`basic (${basic.certification_id}, valid until ${basic.expires_on})`);
    expect(never).toContain(`basic (${old.certification_id}, expired since 2026-01-31)`);
    expect(await refused(team.token, "revoke_certification", { certification_id: "cert_never", reason: "x" })).toContain('no certificate "cert_never" was ever issued');
    expect(await refused(team.token, "revoke_certification", { reason: "x" })).toContain("name the certificate");
    // Revoking by person and level takes the one not yet revoked.
    const byLevel = (await ok<{ certification: Certification }>(team.token, "revoke_certification", { client_id: accountId, email, level: "basic", reason: "Left the company" })).certification;
    expect(byLevel.certification_id).toBe(basic.certification_id);

    expect((await ok<CertList>(team.token, "list_certifications", { client_id: accountId, state: "revoked" })).certifications.map((c) => c.certification_id).sort()).toEqual(
      [basic.certification_id, intermediate.certification_id].sort(),
    );
    expect(await refused(team.token, "list_certifications", { state: "lapsed" })).toContain("state: must be one of valid, expired, revoked");
    expect(await refused(team.token, "issue_certification", { client_id: accountId, email: "not-an-email", level: "basic", score: 0.9 })).toContain("email");
    const rest = await apiCall(team.api, "/api/v1/certifications", { method: "POST", body: JSON.stringify({ client_id: accountId, email, level: "basic", score: 0.5 }) });
    expect(rest.status).toBe(400);
    expect(((await rest.json()) as { error: { message: string } }).error.message).toContain("below the basic pass mark");
  });
});

describe("scopes and tenants", () => {
  it("refuses training writes to a read-only token and keeps certificates inside their tenant", async () => {
    const readOnly = (await tokenFor(team.workspace, { scope: "cs:read", grant: ["cs:read"] })).access_token;
    await ok(readOnly, "list_certifications", {});
    await ok(readOnly, "list_training", {});
    for (const [name, args] of [
      ["create_training_module", { name: "x", level: "basic", duration_minutes: 30 }],
      ["issue_certification", { client_id: accountId, email: "q@x.example", level: "basic", score: 0.9 }],
      ["revoke_certification", { certification_id: "cert_x", reason: "x" }],
      ["record_attendance", { session_id: "ses_x", attendees: [{ email: "q@x.example", attended: true }] }],
    ] as const) {
      const call = await callTool(readOnly, name, args);
      expect(call.response.status, name).toBe(403);
      expect(call.response.headers.get("WWW-Authenticate"), name).toContain('error="insufficient_scope"');
    }
    const cert = (await ok<{ certification: Certification }>(team.token, "issue_certification", { client_id: accountId, email: "iso@learner.example", level: "basic", score: 0.9 }))
      .certification;
    const other = await newTeam("Other Training Co");
    expect((await ok<CertList>(other.token, "list_certifications", {})).certifications).toEqual([]);
    expect(await refused(other.token, "revoke_certification", { certification_id: cert.certification_id, reason: "x" })).toContain("was ever issued");
    expect(await refused(other.token, "issue_certification", { client_id: accountId, email: "iso@learner.example", level: "basic", score: 0.9 })).toContain("No account");
    expect((await ok<{ modules: Module[] }>(other.token, "list_training", {})).modules).toEqual([]);
  });
});
