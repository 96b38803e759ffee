import { eq } from "drizzle-orm";
import { describe, expect, it, vi } from "vitest";
import { feedback } from "../src/analytics";
import * as schema from "../src/db/tenant-schema";
import { surveyTokenHash } from "../src/surveys/links";
import { hiddenField } from "../scripts/lib/oauth-flow";
import { providerRequests } from "./support/fakes";
import { inTenant, newTeam, ok, refused, register, type Team } from "./support/work";
import { apiCall, ORIGIN, tokenFor, workerFetch } from "./support/worker";
import { uniqueKey } from "./integrations/sendgrid-support";

/** Survey templates, send_survey with and without SendGrid, the hosted answer page, results. */

const SENDGRID = "api.sendgrid.com";

interface Template {
  template_id: string;
  name: string;
  kind: string;
  questions: { id: string; type: string; required: boolean }[];
  scale: { min: number; max: number } | null;
  frequency: string;
  archived: boolean;
}

async function adminToken(team: Team): Promise<string> {
  return (await tokenFor(team.workspace, { scope: "cs:read cs:write cs:admin" })).access_token;
}

async function addContact(team: Team, accountId: string, email: string, name: string): Promise<string> {
  const id = `ct_sv_${crypto.randomUUID().slice(0, 8)}`;
  const at = new Date().toISOString();
  await inTenant(team.tenantId, (db) =>
    db.insert(schema.contacts).values({ id, accountId, externalId: null, name, email, title: null, role: "champion", isPrimary: false, status: "active", createdAt: at, updatedAt: at }).run(),
  );
  return id;
}

const NPS_QUESTIONS = [
  { id: "score", text: "How likely are you to recommend us?", type: "score" },
  { id: "reason", text: "Why?", type: "text", required: false },
  { id: "area", text: "Which area matters most?", type: "choice", choices: ["Reporting", "Support"], required: false },
];

function surveyPost(path: string, fields: Record<string, string>, ip?: string): Promise<Response> {
  return workerFetch(`${ORIGIN}${path}`, {
    method: "POST",
    headers: { "Content-Type": "application/x-www-form-urlencoded", ...(ip ? { "CF-Connecting-IP": ip } : {}) },
    body: new URLSearchParams(fields).toString(),
  });
}

/** The survey paths that reached the fake SendGrid for this API key, one per recipient email. */
async function sentLinks(apiKey: string): Promise<Map<string, string>> {
  const links = new Map<string, string>();
  for (const request of (await providerRequests(SENDGRID, `Bearer ${apiKey}`)).filter((r) => r.path === "/v3/mail/send")) {
    const body = JSON.parse(request.body ?? "{}") as { personalizations: { to: { email: string }[]; substitutions?: Record<string, string> }[] };
    for (const p of body.personalizations) {
      const text = Object.values(p.substitutions ?? {}).join("\n");
      const match = /\/survey\/(t_[0-9a-f]{32}\.[A-Za-z0-9_-]{43})/.exec(text);
      if (match?.[1] && p.to[0]) links.set(p.to[0].email, `/survey/${match[1]}`);
    }
  }
  return links;
}

describe("survey templates", () => {
  it("creates, lists, updates and archives templates with validation naming the field; the scale comes from the kind", async () => {
    const team = await newTeam("Survey Templates");
    const admin = await adminToken(team);
    const { template } = await ok<{ template: Template }>(admin, "create_survey_template", { name: "Quarterly NPS", kind: "nps", questions: NPS_QUESTIONS, frequency: "quarterly" });
    expect(template.scale).toMatchObject({ min: 0, max: 10 });
    expect(template.questions.map((q) => [q.id, q.type, q.required])).toEqual([["score", "score", true], ["reason", "text", false], ["area", "choice", false]]);
    const ces = await ok<{ template: Template }>(admin, "create_survey_template", { name: "Effort", kind: "ces", questions: [{ id: "effort", text: "How much effort was it?", type: "score" }] });
    expect([ces.template.scale?.min, ces.template.scale?.max, ces.template.frequency]).toEqual([1, 7, "one_time"]);

    // Writes need cs:admin; reads need cs:read.
    const denied = await apiCall(team.api, "/api/v1/survey-templates", { method: "POST", body: JSON.stringify({ name: "X", kind: "csat", questions: [{ id: "s", text: "Happy?", type: "score" }] }) });
    expect(denied.status).toBe(403);
    expect(denied.headers.get("WWW-Authenticate")).toContain("cs:admin");
    expect(await refused(admin, "create_survey_template", { name: "Quarterly NPS", kind: "nps", questions: NPS_QUESTIONS })).toContain('name: a survey template named "Quarterly NPS" already exists');
    expect(await refused(admin, "create_survey_template", { name: "Two", kind: "nps", questions: [NPS_QUESTIONS[0], { ...NPS_QUESTIONS[0], id: "again" }] })).toContain("exactly one score question");
    expect(await refused(admin, "create_survey_template", { name: "Custom", kind: "custom", questions: [NPS_QUESTIONS[0]] })).toContain("a custom template has no score question");
    expect(await refused(admin, "create_survey_template", { name: "Dup", kind: "custom", questions: [{ id: "a", text: "One?", type: "text" }, { id: "a", text: "Two?", type: "text" }] })).toContain('questions[1].id: "a" is used twice');
    expect(await refused(admin, "create_survey_template", { name: "Bad", kind: "weekly", questions: [] })).toMatch(/kind must be one of nps, csat, ces, custom.*questions: give at least one question/);
    expect(await refused(admin, "create_survey_template", { name: "Choice", kind: "custom", questions: [{ id: "c", text: "Pick one", type: "choice", choices: ["only"] }] })).toContain("choices: give 2 to 10");

    const renamed = await ok<{ template: Template; changed: string[] }>(admin, "update_survey_template", { template_id: template.template_id, name: "NPS (quarterly)", frequency: "monthly" });
    expect(renamed.changed.sort()).toEqual(["frequency", "name"]);
    expect(await refused(admin, "update_survey_template", { template_id: template.template_id })).toContain("give at least one of name, questions, frequency or archived");
    expect(await refused(admin, "update_survey_template", { template_id: "svt_nope", archived: true })).toContain('no survey template "svt_nope"');
    const archived = await ok<{ template: Template; changed: string[] }>(admin, "update_survey_template", { template_id: template.template_id, archived: true });
    expect(archived.template.archived).toBe(true);

    const listed = await ok<{ templates: Template[] }>(team.token, "list_survey_templates", {});
    expect(listed.templates.map((t) => t.name)).toEqual(["Effort"]);
    const all = await ok<{ templates: Template[] }>(team.token, "list_survey_templates", { include_archived: true });
    expect(all.templates.map((t) => [t.name, t.archived])).toEqual([["Effort", false], ["NPS (quarterly)", true]]);
    // The REST twin.
    const rest = await apiCall(team.api, "/api/v1/survey-templates?include_archived=true");
    expect(rest.status).toBe(200);
    expect(((await rest.json()) as { templates: Template[] }).templates).toHaveLength(2);
  });

  it("the setup page's data step creates the NPS, CSAT and CES templates once, lists them, and the report counts them", async () => {
    const team = await newTeam("Survey Defaults");
    const browser = team.workspace.browser;
    const press = async () => {
      const csrf = hiddenField((await browser.page("/setup/data")).html, "csrf_token");
      const response = await browser.request("/setup/data/defaults", { method: "POST", body: new URLSearchParams({ csrf_token: csrf }), headers: { "Content-Type": "application/x-www-form-urlencoded" } });
      return { status: response.status, html: await response.text() };
    };
    const first = await press();
    expect(first.status).toBe(200);
    expect(first.html).toContain("Created the survey templates Net Promoter Score, Customer Satisfaction, Customer Effort Score.");
    const listedOnPage = /<div id="survey-templates">([\s\S]*?)<\/div>/.exec(first.html)?.[1] ?? "";
    expect(listedOnPage).toContain("<li>Customer Effort Score (CES)</li><li>Customer Satisfaction (CSAT)</li><li>Net Promoter Score (NPS)</li>");
    const second = await press();
    expect(second.html).toContain("The default survey templates already exist.");
    const listed = await ok<{ templates: Template[] }>(team.token, "list_survey_templates", { include_archived: true });
    expect(listed.templates.map((t) => [t.kind, t.scale?.min, t.scale?.max]).sort()).toEqual([["ces", 1, 7], ["csat", 1, 5], ["nps", 0, 10]]);

    // An archived default is not created again either.
    const admin = await adminToken(team);
    const nps = listed.templates.find((t) => t.kind === "nps");
    await ok(admin, "update_survey_template", { template_id: nps?.template_id, archived: true });
    expect((await press()).html).toContain("The default survey templates already exist.");
    const report = JSON.parse((await browser.page("/setup/report.json")).html) as { data: { survey_templates: number } };
    expect(report.data.survey_templates).toBe(2);
    expect((await browser.page("/setup/done")).html).toContain("2 survey templates");
  });
});

describe("sending surveys and answering them", () => {
  it("without SendGrid the survey is recorded as not sent and no link exists", async () => {
    const team = await newTeam("Survey Unsent");
    const admin = await adminToken(team);
    const accountId = await register(team.token, { client_name: "Quiet" });
    await addContact(team, accountId, "q@quiet.test", "Quinn Q");
    const { template } = await ok<{ template: Template }>(admin, "create_survey_template", { name: "NPS", kind: "nps", questions: NPS_QUESTIONS });
    const sent = await ok<{ status: string; status_reason: string; job_id: string | null; recipients: number }>(team.token, "send_survey", { template_id: template.template_id, client_ids: [accountId] });
    expect(sent).toMatchObject({ status: "not_sent", job_id: null, recipients: 1 });
    expect(sent.status_reason).toContain("SendGrid is not connected");
    const rows = await inTenant(team.tenantId, (db) => db.select().from(schema.surveyRecipients).all());
    expect(rows.map((r) => [r.status, r.tokenHash, r.sentAt])).toEqual([["not_sent", null, null]]);
    const results = await ok<{ templates: { sent: number; response_rate: number | null }[] }>(team.token, "get_survey_results", { template_id: template.template_id });
    expect(results.templates[0]).toMatchObject({ sent: 0, response_rate: null });
    expect(await refused(team.token, "send_survey", { template_id: template.template_id })).toContain("client_ids: give either client_ids or segment_id");

    // list_survey_sends: newest first, paged, each with why it did not go out.
    const { template: second } = await ok<{ template: Template }>(admin, "create_survey_template", { name: "Second NPS", kind: "nps", questions: NPS_QUESTIONS });
    const later = await ok<{ survey_send_id: string }>(team.token, "send_survey", { template_id: second.template_id, client_ids: [accountId] });
    type SendsPage = { sends: { survey_send_id: string; template_name: string; status: string; status_reason: string; recipients: number; answered: number; response_rate: number | null }[]; next_cursor: string | null };
    const first = await ok<SendsPage>(team.token, "list_survey_sends", { limit: 1 });
    expect(first.sends.map((s) => [s.survey_send_id, s.template_name])).toEqual([[later.survey_send_id, "Second NPS"]]);
    expect(first.next_cursor).not.toBeNull();
    const rest = await ok<SendsPage>(team.token, "list_survey_sends", { limit: 1, cursor: first.next_cursor });
    expect(rest.sends[0]).toMatchObject({ template_name: "NPS", status: "not_sent", recipients: 1, answered: 0, response_rate: 0 });
    expect(rest.sends[0]?.status_reason).toContain("SendGrid is not connected");
    expect(rest.next_cursor).toBeNull();
    const onlyFirst = await ok<SendsPage>(team.token, "list_survey_sends", { template_id: template.template_id });
    expect(onlyFirst.sends.map((s) => s.template_name)).toEqual(["NPS"]);
  });

  it("with SendGrid each contact gets a unique link (only its hash stored); the page shows a labelled form, records answers once, feeds health and results", async () => {
    const team = await newTeam("Survey Sent");
    const admin = await adminToken(team);
    const apiKey = uniqueKey("survey");
    const connected = await ok<{ test: { ok: boolean } }>(admin, "connect_integration", { provider: "sendgrid", fields: { api_key: apiKey, from_email: "success@acme.test", from_name: "Acme" } });
    expect(connected.test.ok).toBe(true);
    const accountId = await register(team.token, { client_name: "Loud" });
    const ana = await addContact(team, accountId, "ana@loud.test", "Ana Lima");
    await addContact(team, accountId, "ben@loud.test", "Ben Ode");
    const { template } = await ok<{ template: Template }>(admin, "create_survey_template", { name: "NPS", kind: "nps", questions: NPS_QUESTIONS, frequency: "quarterly" });
    const sent = await ok<{ status: string; job_id: string; recipients: number; expires_at: string }>(team.token, "send_survey", { template_id: template.template_id, client_ids: [accountId], expires_in_days: 10 });
    expect(sent).toMatchObject({ status: "sent", recipients: 2 });
    expect(Date.parse(sent.expires_at) - Date.now()).toBeGreaterThan(9.9 * 86_400_000);
    await vi.waitFor(async () => expect((await ok<{ status: string }>(team.token, "get_integration_job", { job_id: sent.job_id })).status).toBe("sent"), { timeout: 10_000, interval: 200 });
    const links = await sentLinks(apiKey);
    const anaLink = links.get("ana@loud.test") ?? "";
    const benLink = links.get("ben@loud.test") ?? "";
    expect(anaLink).toMatch(new RegExp(`^/survey/${team.tenantId}\\.`));
    expect(benLink).not.toBe(anaLink);
    // Only hashes are stored: no stored row or delivery payload holds a token.
    const stored = await inTenant(team.tenantId, (db) => ({ recipients: db.select().from(schema.surveyRecipients).all(), deliveries: db.select().from(schema.integrationDeliveries).all() }));
    const token = anaLink.slice("/survey/".length);
    expect(JSON.stringify(stored)).not.toContain(token.split(".")[1]);
    expect(stored.recipients.map((r) => r.tokenHash).sort()).toEqual((await Promise.all([anaLink, benLink].map((l) => surveyTokenHash(l.slice(8))))).sort());

    // The frequency rests these contacts: sending again finds nobody.
    expect(await refused(team.token, "send_survey", { template_id: template.template_id, client_ids: [accountId] })).toContain("already got \"NPS\" within 90 days");

    const page = await workerFetch(`${ORIGIN}${anaLink}`);
    expect(page.status).toBe(200);
    expect(page.headers.get("Cache-Control")).toBe("no-store");
    const html = await page.text();
    // Every input is labelled: radios by their own label, the textarea by label for=.
    for (const id of html.matchAll(/<(?:input|textarea)[^>]* id="([^"]+)"/g)) expect(html).toContain(`for="${id[1]}"`);
    expect(html).toContain("<legend>How likely are you to recommend us? (required)</legend>");
    expect(html).toContain("10 = Extremely likely");

    const before = await inTenant(team.tenantId, (db) => db.select().from(schema.accountFeatures).where(eq(schema.accountFeatures.accountId, accountId)).get());
    expect(before?.nps ?? null).toBeNull();
    const missing = await surveyPost(anaLink, { q_reason: "no score" });
    expect(missing.status).toBe(400);
    expect(await missing.text()).toContain("answers.score: “How likely are you to recommend us?” needs an answer.");
    const offScale = await surveyPost(anaLink, { q_score: "11" });
    expect(offScale.status).toBe(400);
    expect(await offScale.text()).toContain("choose a whole number from 0 to 10");

    const answered = await surveyPost(anaLink, { q_score: "3", q_reason: "Reporting is slow and the export breaks", q_area: "Reporting" });
    expect(answered.status).toBe(200);
    expect(await answered.text()).toContain("Your answers were recorded.");
    const again = await surveyPost(anaLink, { q_score: "10" });
    expect(again.status).toBe(409);
    expect(await again.text()).toContain("already been answered");
    expect((await workerFetch(`${ORIGIN}${anaLink}`)).status).toBe(200);

    const after = await inTenant(team.tenantId, (db) => ({
      features: db.select().from(schema.accountFeatures).where(eq(schema.accountFeatures.accountId, accountId)).get(),
      feedback: db.select().from(schema.feedback).where(eq(schema.feedback.accountId, accountId)).all(),
    }));
    expect(after.features?.nps).toBe(3);
    expect(after.feedback.map((f) => [f.kind, f.score, f.contactId])).toEqual([["nps", 3, ana]]);
    expect(after.feedback[0]?.text).toContain("Reporting is slow");

    const results = await ok<{ templates: { sent: number; answered: number; response_rate: number; score: { metric: string; value: number; responses: number }; choices: { counts: Record<string, number> }[]; text_answers: number; themes: { theme: string; comments: number }[] }[] }>(
      team.token,
      "get_survey_results",
      { template_id: template.template_id },
    );
    expect(results.templates[0]).toMatchObject({ sent: 2, answered: 1, response_rate: 0.5, score: { metric: "nps", value: -100, responses: 1 }, text_answers: 1 });
    expect(results.templates[0]?.choices[0]?.counts).toEqual({ Reporting: 1, Support: 0 });
    const sends = await ok<{ sends: { status: string; job_id: string | null; recipients: number; answered: number; response_rate: number }[] }>(team.token, "list_survey_sends", { template_id: template.template_id });
    expect(sends.sends).toEqual([expect.objectContaining({ status: "sent", job_id: sent.job_id, recipients: 2, answered: 1, response_rate: 0.5 })]);
    const expectedThemes = feedback.extractThemes([{ id: "a", text: "Reporting is slow and the export breaks" }]).themes.map((t) => [t.theme, t.comments]);
    expect(results.templates[0]?.themes.map((t) => [t.theme, t.comments])).toEqual(expectedThemes);
    // A period before the send holds nothing.
    const earlier = await ok<{ templates: { sent: number }[] }>(team.token, "get_survey_results", { template_id: template.template_id, from: "2020-01-01", to: "2020-12-31" });
    expect(earlier.templates[0]?.sent).toBe(0);
    expect(await refused(team.token, "get_survey_results", { from: "2026-02-01", to: "2026-01-01" })).toContain("from: must be on or before to");

    // An unknown token for a real workspace, a malformed one, and an expired one: the same plain 404.
    expect((await workerFetch(`${ORIGIN}/survey/${team.tenantId}.${"A".repeat(43)}`)).status).toBe(404);
    expect((await workerFetch(`${ORIGIN}/survey/nonsense`)).status).toBe(404);
    expect((await surveyPost(`/survey/t_${"0".repeat(32)}.${"B".repeat(43)}`, { q_score: "5" })).status).toBe(404);
    await inTenant(team.tenantId, (db) => db.update(schema.surveyRecipients).set({ expiresAt: new Date(Date.now() - 1000).toISOString() }).where(eq(schema.surveyRecipients.email, "ben@loud.test")).run());
    const expired = await workerFetch(`${ORIGIN}${benLink}`);
    expect(expired.status).toBe(404);
    expect(await expired.text()).toContain("unknown or has expired");
  }, 40_000);

  it("rate-limits the public page per IP", async () => {
    const ip = `198.51.100.${Math.floor(Math.random() * 200) + 1}`;
    let last = 0;
    for (let i = 0; i < 61; i++) last = (await workerFetch(`${ORIGIN}/survey/nonsense`, { headers: { "CF-Connecting-IP": ip } })).status;
    expect(last).toBe(429);
    expect((await workerFetch(`${ORIGIN}/survey/nonsense`)).status).toBe(404);
  }, 30_000);
});
