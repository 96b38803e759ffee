import { describe, expect, it } from "vitest";
import { hiddenField } from "../scripts/lib/oauth-flow";
import { newTeam, ok, refused, type Team } from "./support/work";
import { apiCall, tokenFor } from "./support/worker";

/** Survey templates and the setup page's default templates. */

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

const NPS_QUESTIONS = [
  { id: "score", text: "How likely are you to recommend us?", type: "score" },
  { id: "reason", text: "Why?", type: "text", required: false },
  { id: "area", text: "Which area matters most?", type: "choice", choices: ["Reporting", "Support"], required: false },
];

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
    expect(await refused(admin, "create_survey_template", { name: "Bad", kind: "weekly", questions: [] })).toMatch(/kind: kind must be one of nps, csat, ces, custom.*questions: questions: give at least one question/);
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
