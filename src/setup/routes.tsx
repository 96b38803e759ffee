import { Hono } from "hono";
import { tenantStub } from "../../durable-objects/tenant";
import { z } from "zod";
import { health } from "../analytics";
import { hashPassword } from "../auth/passwords";
import { randomHex } from "../http/hex";
import { SIGNUP_LIMITS, takeAttempt } from "../auth/rate-limit";
import { csrfToken, CSRF_FIELD, verifyCsrf } from "../auth/csrf";
import { readSession, startSession } from "../auth/session";
import {
  acceptInvitation,
  createInvitation,
  createUser,
  findUserByEmail,
  invitationByToken,
  invitationState,
  membersOf,
  pendingInvitations,
  revokeInvitation,
  ROLES,
  userCount,
} from "../db/control";
import { sampleAccounts } from "../demo/sample-accounts";
import { seedDemoFacts } from "../demo/tenant";
import { ImportFileError } from "../import/columns";
import { importCsv, importOptions, type ImportReport } from "../import/run";
import { FIELDS } from "../import/rows";
import { rebuildHealthHistoryTool, updateHealthModel } from "../tools/health";
import { createPlaybookTool } from "../tools/playbooks";
import { createSegmentTool } from "../tools/segments";
import { createSurveyTemplateTool } from "../tools/surveys";
import { DEFAULT_SURVEY_TEMPLATES } from "../db/surveys";
import { configureSupportTool } from "../tools/support";
import { unwrap } from "../tools/define";
import { checkedForm, fieldErrorsOf, isAdmin, requireAdmin, requireMember, runTool, tenantOf, text, toolContextOf, type FieldErrors, type SetupContext, type SetupEnv } from "./context";
import { csvFileSource } from "./csv-file";
import {
  fieldOfMessage,
  formValues,
  healthField,
  healthModelInput,
  HEALTH_FIELDS,
  modelValues,
  SLA_FIELDS,
  slaField,
  slaInput,
  slaValues,
  TRIGGER_PRESETS,
  type TriggerPreset,
  type Values,
} from "./health-form";
import type { SetupReport } from "./report";
import { resumeStep, stepAfter } from "./steps";
import { DataStep, ImportReportView, SETUP_IMPORT_KINDS, workspaceCounts, type SetupImportKind } from "./steps/data";
import { DoneStep } from "./steps/done";
import { HealthStep, type ModelPreviewView } from "./steps/health";
import { TeamStep } from "./steps/team";
import { WelcomeStep } from "./steps/welcome";
import { IntegrationsStep, type CardState, type IntegrationState } from "./steps/integrations";
import { connectErrors, integrationSetupOf } from "./integration-fields";
import { JobsView, type JobState } from "./views/jobs";
import { connectIntegrationTool, disconnectIntegrationTool, listIntegrationJobsTool, listIntegrationsTool, retryIntegrationJobTool, testIntegrationTool } from "../tools/integrations";
import type { Json } from "../db/accounts";
import { AccountView } from "./views/account";
import { AccountsView, SORTS, type SortKey } from "./views/accounts";
import { AuditView } from "./views/audit";
import { AssistantsView } from "./views/assistants";
import { revokeWorkspaceAssistant, workspaceAssistants } from "../auth/grants";
import { ForbiddenPage, InvitationGone, InvitationPage } from "./views/pages";

/**
 * The hosted setup page (/setup) and the invitation links (/invite/:token), mounted by
 * src/app.tsx. Server-rendered; every form carries a CSRF token and is validated on the
 * server with the schemas the tools use; every write is audited with via "setup".
 */

export const setupRoutes = new Hono<SetupEnv>();

const forbidden = (c: SetupContext, message: string) =>
  c.html(<ForbiddenPage message={message} email={c.var.session?.email} csrf={c.var.csrf} />, 403);
const member = requireMember(forbidden);
const admin = requireAdmin(forbidden);

/** The biggest CSV the setup page takes (50,000 wide rows fit). */
export const SETUP_IMPORT_MAX_BYTES = 20 * 1024 * 1024;
const SAMPLE_ACCOUNTS = 50;

const expired = (c: SetupContext) => c.html(<ForbiddenPage message="This form expired (its security token did not match). Reload the page and submit it again; nothing was saved." email={c.var.session.email} csrf={c.var.csrf} />, 403);

setupRoutes.use("/setup", member);
setupRoutes.use("/setup/*", member);

async function status(c: SetupContext) {
  return unwrap(await tenantOf(c).setupStatus());
}

async function complete(c: SetupContext, step: string): Promise<Response> {
  unwrap(await tenantOf(c).completeSetupStep(step, toolContextOf(c).actor));
  return c.redirect(stepAfter(step).path, 303);
}

setupRoutes.get("/setup", admin, async (c) => c.redirect(resumeStep((await status(c)).completed).path, 302));

// --- step 1: welcome and checks ---

setupRoutes.get("/setup/welcome", admin, async (c) => {
  const [current, listed] = await Promise.all([status(c), runTool<{ integrations: IntegrationState[] }>(c, listIntegrationsTool, {})]);
  const db = c.env.CONTROL_DB;
  const tenantId = c.var.session.tenantId;
  return c.html(
    <WelcomeStep
      email={c.var.session.email}
      csrf={c.var.csrf}
      completed={current.completed}
      checks={{
        workspace: c.var.member.tenantName,
        accounts: current.accounts,
        contacts: current.contacts,
        users: await userCount(db, tenantId),
        pendingInvitations: (await pendingInvitations(db, tenantId)).length,
        healthModelCustomized: current.health_model_customized,
        playbooks: current.playbooks,
        segments: current.segments,
        integrations: listed.ok ? listed.value.integrations.map((entry) => ({ name: integrationSetupOf(entry.provider)?.title ?? entry.title, connected: entry.connected, skipped: current.completed.includes(`skip_${entry.provider}`) })) : null,
      }}
    />,
  );
});

setupRoutes.post("/setup/welcome", admin, async (c) => ((await checkedForm(c)) ? complete(c, "welcome") : expired(c)));

// --- step 2: integrations ---

async function integrationsPage(c: SetupContext, state: { cards?: Partial<Record<string, CardState>>; message?: string | null }, code: 200 | 400 | 404 = 200) {
  const [current, listed] = await Promise.all([status(c), runTool<{ integrations: IntegrationState[] }>(c, listIntegrationsTool, {})]);
  if (!listed.ok) throw new Error("list_integrations failed");
  return c.html(
    <IntegrationsStep email={c.var.session.email} csrf={c.var.csrf} completed={current.completed} integrations={listed.value.integrations} {...state} />,
    code,
  );
}

setupRoutes.get("/setup/integrations", admin, (c) => integrationsPage(c, {}));

setupRoutes.post("/setup/integrations/done", admin, async (c) => ((await checkedForm(c)) ? complete(c, "integrations") : expired(c)));

setupRoutes.post("/setup/integrations/:provider", admin, async (c) => {
  const form = await checkedForm(c);
  if (!form) return expired(c);
  const setup = integrationSetupOf(c.req.param("provider"));
  if (!setup) return integrationsPage(c, { message: "There is no such provider: choose Zendesk, Intercom, Mixpanel or SendGrid." }, 404);
  const provider = setup.provider;
  // Non-secret values come back into the form on refusal; secrets never do.
  const values: Record<string, string> = {};
  const fields: Record<string, Json> = {};
  for (const field of setup.fields) {
    if (field.generated) continue;
    if (field.input === "checkbox") {
      if (form.get(`present_${field.name}`) === null) continue;
      const on = form.get(field.name) === "on";
      values[field.name] = on ? "on" : "";
      fields[field.name] = on;
      continue;
    }
    const value = text(form, field.name);
    if (!field.secret) values[field.name] = value;
    // Blank: keep what is stored (connect_integration merges the fields it is given over the stored ones).
    if (value !== "") fields[field.name] = value;
  }
  let generated: { username: string; password: string } | null = null;
  if (setup.generated) {
    const listed = await runTool<{ integrations: IntegrationState[] }>(c, listIntegrationsTool, {});
    const stored = listed.ok ? listed.value.integrations.find((entry) => entry.provider === provider) : undefined;
    const { username, password } = setup.generated;
    if (!stored?.secret_hints[password] || form.get(`regenerate_${password}`) === "on") {
      const name = typeof fields[username] === "string" ? (fields[username] as string) : typeof stored?.settings[username] === "string" ? (stored.settings[username] as string) : `${provider}-${randomHex(4)}`;
      generated = { username: name, password: randomHex(24) };
      fields[username] = generated.username;
      fields[password] = generated.password;
    }
  }
  const result = await runTool<{ integration: IntegrationState; test: CardState["test"] }>(c, connectIntegrationTool, { provider, fields, test: text(form, "test") !== "no" });
  if (!result.ok) {
    const { errors, rest } = connectErrors(setup, result);
    return integrationsPage(c, { cards: { [provider]: { values, errors, message: rest } } }, 400);
  }
  return integrationsPage(c, {
    cards: { [provider]: { notice: `${setup.title} saved${result.value.test ? "" : " (not tested)"}.`, test: result.value.test ?? null, generated } },
  });
});

setupRoutes.post("/setup/integrations/:provider/test", admin, async (c) => {
  if (!(await checkedForm(c))) return expired(c);
  const setup = integrationSetupOf(c.req.param("provider"));
  if (!setup) return integrationsPage(c, { message: "There is no such provider: choose Zendesk, Intercom, Mixpanel or SendGrid." }, 404);
  const result = await runTool<{ test: NonNullable<CardState["test"]> }>(c, testIntegrationTool, { provider: setup.provider });
  if (!result.ok) return integrationsPage(c, { cards: { [setup.provider]: { message: result.message } } }, 400);
  return integrationsPage(c, { cards: { [setup.provider]: { test: result.value.test } } });
});

setupRoutes.post("/setup/integrations/:provider/disconnect", admin, async (c) => {
  if (!(await checkedForm(c))) return expired(c);
  const setup = integrationSetupOf(c.req.param("provider"));
  if (!setup) return integrationsPage(c, { message: "There is no such provider: choose Zendesk, Intercom, Mixpanel or SendGrid." }, 404);
  const result = await runTool(c, disconnectIntegrationTool, { provider: setup.provider });
  if (!result.ok) return integrationsPage(c, { cards: { [setup.provider]: { message: result.message } } }, 400);
  return integrationsPage(c, { cards: { [setup.provider]: { notice: `${setup.title} disconnected: its stored credentials are deleted and its webhooks are refused from now on.` } } });
});

setupRoutes.post("/setup/integrations/:provider/skip", admin, async (c) => {
  if (!(await checkedForm(c))) return expired(c);
  const setup = integrationSetupOf(c.req.param("provider"));
  if (!setup) return integrationsPage(c, { message: "There is no such provider: choose Zendesk, Intercom, Mixpanel or SendGrid." }, 404);
  unwrap(await tenantOf(c).completeSetupStep(`skip_${setup.provider}`, toolContextOf(c).actor));
  return integrationsPage(c, { cards: { [setup.provider]: { notice: `${setup.title} skipped; connect it here whenever you are ready.` } } });
});

// --- integration jobs ---

setupRoutes.get("/setup/jobs", admin, (c) => jobsPage(c, {}));

async function jobsPage(c: SetupContext, state: { notice?: string | null; message?: string | null }, code: 200 | 400 | 404 = 200) {
  const provider = c.req.query("provider") ?? "";
  const input = provider ? { provider, limit: 100 } : { limit: 100 };
  const listed = await runTool<{ jobs: JobState[] }>(c, listIntegrationJobsTool, input);
  return c.html(
    <JobsView
      email={c.var.session.email}
      csrf={c.var.csrf}
      jobs={listed.ok ? listed.value.jobs : []}
      provider={provider}
      message={listed.ok ? (state.message ?? null) : listed.message}
      notice={state.notice ?? null}
    />,
    listed.ok ? code : 400,
  );
}

setupRoutes.post("/setup/jobs/:id/retry", admin, async (c) => {
  if (!(await checkedForm(c))) return expired(c);
  const result = await runTool<{ requeued: number; job: JobState }>(c, retryIntegrationJobTool, { job_id: c.req.param("id") });
  if (!result.ok) return jobsPage(c, { message: result.message }, result.code === "not_found" ? 404 : 400);
  return jobsPage(c, { notice: `Job ${result.value.job.id}: ${result.value.requeued} deliver${result.value.requeued === 1 ? "y" : "ies"} put back on the queue.` });
});

// --- step 3: health model, SLA targets, triggers ---

interface HealthState {
  model?: Values;
  modelErrors?: FieldErrors;
  modelMessage?: string | null;
  preview?: ModelPreviewView | null;
  saved?: string | null;
  sla?: Values;
  slaErrors?: FieldErrors;
  slaMessage?: string | null;
  trigger?: Values;
  triggerErrors?: FieldErrors;
  triggerMessage?: string | null;
}

async function healthPage(c: SetupContext, state: HealthState, code: 200 | 400 | 409 = 200) {
  const tenant = tenantOf(c);
  const [current, stored, support, playbooks] = await Promise.all([status(c), tenant.getHealthModel(), tenant.supportSettings(), tenant.listPlaybooks({})]);
  const model = unwrap(stored);
  return c.html(
    <HealthStep
      email={c.var.session.email}
      csrf={c.var.csrf}
      completed={current.completed}
      customized={model.customized}
      model={state.model ?? modelValues(model.model)}
      modelErrors={state.modelErrors}
      modelMessage={state.modelMessage}
      preview={state.preview}
      saved={state.saved}
      sla={state.sla ?? slaValues(unwrap(support).sla.targets)}
      slaErrors={state.slaErrors}
      slaMessage={state.slaMessage}
      playbooks={unwrap(playbooks)}
      trigger={state.trigger}
      triggerErrors={state.triggerErrors}
      triggerMessage={state.triggerMessage}
    />,
    code,
  );
}

setupRoutes.get("/setup/health", admin, (c) => healthPage(c, {}));

interface ModelAnswer {
  saved: boolean;
  accounts: number;
  accounts_moving_band: number;
  moves: { from: string; to: string; accounts: number }[];
  bands: { band: string; current: number; draft: number }[];
  rescored: number | null;
}

setupRoutes.post("/setup/health", admin, async (c) => {
  const form = await checkedForm(c);
  if (!form) return expired(c);
  const values = formValues(form, HEALTH_FIELDS);
  const save = text(form, "action") === "save";
  const draft = healthModelInput(values, !save);
  if (!draft.input) return healthPage(c, { model: values, modelErrors: draft.errors }, 400);
  const result = await runTool<ModelAnswer>(c, updateHealthModel, draft.input, healthField);
  if (!result.ok) {
    const errors = Object.keys(result.errors).length ? result.errors : { [fieldOfMessage(result.message)]: result.message };
    return healthPage(c, { model: values, modelErrors: errors, modelMessage: errors.form ? result.message : null }, 400);
  }
  const answer = result.value;
  return healthPage(c, {
    model: save ? undefined : values,
    preview: answer,
    saved: answer.saved ? `Saved. ${answer.rescored ?? 0} account${answer.rescored === 1 ? "" : "s"} rescored with the new model.` : null,
  });
});

setupRoutes.post("/setup/health/sla", admin, async (c) => {
  const form = await checkedForm(c);
  if (!form) return expired(c);
  const values = formValues(form, SLA_FIELDS);
  const draft = slaInput(values);
  if (!draft.input) return healthPage(c, { sla: values, slaErrors: draft.errors }, 400);
  const result = await runTool(c, configureSupportTool, draft.input, slaField);
  if (!result.ok) return healthPage(c, { sla: values, slaErrors: result.errors, slaMessage: result.message }, 400);
  return healthPage(c, { saved: "SLA targets saved." });
});

const triggerForm = z.object({
  preset: z.enum(Object.keys(TRIGGER_PRESETS) as [TriggerPreset, ...TriggerPreset[]], { message: "Choose one of the triggers." }),
  threshold: z.coerce.number({ message: "Enter a health score from 0 to 100." }).min(0, "Enter a health score from 0 to 100.").max(100, "Enter a health score from 0 to 100."),
  days: z.coerce.number({ message: "Enter a number of days from 1 to 365." }).int("Enter whole days.").min(1, "Enter a number of days from 1 to 365.").max(365, "Enter a number of days from 1 to 365."),
  owner: z.string().trim().min(1, "Enter csm or a person's name."),
});

setupRoutes.post("/setup/health/trigger", admin, async (c) => {
  const form = await checkedForm(c);
  if (!form) return expired(c);
  const values = formValues(form, ["preset", "threshold", "days", "owner"]);
  const parsed = triggerForm.safeParse(values);
  if (!parsed.success) return healthPage(c, { trigger: values, triggerErrors: fieldErrorsOf(parsed.error) }, 400);
  const { preset, threshold, days, owner } = parsed.data;
  const chosen = TRIGGER_PRESETS[preset];
  const result = await runTool(
    c,
    createPlaybookTool,
    {
      name: chosen.name(threshold, days),
      description: chosen.help,
      trigger: chosen.rule(threshold, days),
      action: { title: chosen.title, owner, due_in_days: 7, priority: "high" },
    },
    (path) => (path.startsWith("action.owner") ? "owner" : "form"),
  );
  if (!result.ok) {
    const status = /already|exists/i.test(result.message) ? 409 : 400;
    return healthPage(c, { trigger: values, triggerErrors: result.errors, triggerMessage: result.message }, status);
  }
  return healthPage(c, { saved: `Trigger “${chosen.name(threshold, days)}” added.` });
});

setupRoutes.post("/setup/health/done", admin, async (c) => ((await checkedForm(c)) ? complete(c, "health") : expired(c)));

// --- step 4: data ---

async function dataPage(c: SetupContext, state: { errors?: FieldErrors; message?: string | null; notice?: string | null; mapping?: Record<string, string>; reportSlot?: string; rebuildAfter?: string | null }, code: 200 | 400 | 409 | 413 = 200) {
  const [current, templates] = await Promise.all([status(c), tenantOf(c).listSurveyTemplates({ includeArchived: true })]);
  return c.html(
    <DataStep
      email={c.var.session.email}
      csrf={c.var.csrf}
      completed={current.completed}
      accounts={current.accounts}
      contacts={current.contacts}
      segments={current.segments}
      surveyTemplates={unwrap(templates)}
      {...state}
    />,
    code,
  );
}

setupRoutes.get("/setup/data", admin, (c) => dataPage(c, {}));

const REPORT_SLOT = "<!--import-report-->";

/** The import's progress as it happens: the page streams, a script line per chunk moves the bar. */
function progressScript(done: number, total: number): string {
  return `<script>(()=>{const b=document.getElementById("import-progress");b.max=${total};b.value=${done};document.getElementById("import-count").textContent=${JSON.stringify(`${done.toLocaleString("en-US")} of ${total.toLocaleString("en-US")} rows processed`)};})()</script>`;
}

setupRoutes.post("/setup/data/import/:kind", admin, async (c) => {
  const kind = c.req.param("kind");
  if (!(SETUP_IMPORT_KINDS as readonly string[]).includes(kind)) return c.html(<ForbiddenPage message="There is no such import." />, 404);
  const importKind = kind as SetupImportKind;
  const declared = Number(c.req.header("Content-Length") ?? "0");
  const fileField = `file_${importKind}`;
  if (declared > SETUP_IMPORT_MAX_BYTES + 64 * 1024) {
    return dataPage(c, { errors: { [fileField]: `The file is larger than ${SETUP_IMPORT_MAX_BYTES / 1024 / 1024} MiB; split it into smaller files.` } }, 413);
  }
  const form = await checkedForm(c);
  if (!form) return expired(c);
  const file = form.get("file");
  if (!(file instanceof File) || file.size === 0) return dataPage(c, { errors: { [fileField]: "Choose a CSV file to import (it is empty or missing)." } }, 400);
  const mapping: Record<string, string> = {};
  for (const field of FIELDS[importKind]) {
    const header = text(form, `map_${field.name}`);
    if (header) mapping[field.name] = header;
  }
  const options = importOptions.safeParse({ mapping, dry_run: form.get("dry_run") === "on" });
  if (!options.success) return dataPage(c, { errors: { [`mapping_${importKind}`]: options.error.issues[0]?.message ?? "Check the mapping." }, mapping }, 400);
  // Read as a stream (decoded, parsed and validated a block at a time), never whole: see src/import/run.ts.
  const source = csvFileSource(file);

  const tenant = tenantOf(c);
  const actor = toolContextOf(c).actor;
  let signalStarted: () => void = () => undefined;
  const started = new Promise<void>((resolve) => (signalStarted = resolve));
  const encoder = new TextEncoder();
  const { readable, writable } = new TransformStream<Uint8Array, Uint8Array>();
  const writer = writable.getWriter();
  let headWritten: Promise<void> | null = null;
  // Progress lines go after the page's head (they move its <progress> element).
  let headQueued: () => void = () => undefined;
  const headReady = new Promise<void>((resolve) => (headQueued = resolve));
  const run = importCsv(
    tenant,
    actor,
    { kind: importKind, source, mapping: options.data.mapping, dryRun: options.data.dry_run, delimiter: options.data.delimiter },
    {
      onProgress: async (progress) => {
        signalStarted();
        await headReady;
        await writer.write(encoder.encode(progressScript(progress.rowsDone, progress.rowsTotal)));
      },
    },
  );
  const first = await Promise.race([started.then(() => null), run.then(() => null, (error: unknown) => error)]);
  if (first instanceof ImportFileError) return dataPage(c, { errors: { [fileField]: first.message }, mapping }, 400);
  if (first) throw first;

  // The counts are read once the import has finished (below), not while it runs.
  const current = await status(c);
  const page = (
    <DataStep
      email={c.var.session.email}
      csrf={c.var.csrf}
      completed={current.completed}
      accounts={null}
      contacts={null}
      segments={current.segments}
      mapping={mapping}
      reportSlot={REPORT_SLOT}
    />
  ).toString();
  const [head = "", tail = ""] = (await Promise.resolve(page)).split(REPORT_SLOT);
  const progress = `<section class="card" aria-labelledby="import-progress-label"><h2 id="import-progress-label">Importing ${importKind}</h2><progress id="import-progress" max="1" value="0" aria-labelledby="import-progress-label"></progress><p id="import-count" aria-live="polite"></p></section>`;
  headWritten = writer.write(encoder.encode(head + progress));
  headQueued();
  const finish = (async () => {
    let body: string;
    try {
      const report: ImportReport = await run;
      const after = await status(c);
      const counts = { accounts: after.accounts, contacts: after.contacts };
      body =
        (await Promise.resolve((<ImportReportView report={report} encodingWarning={source.warning()} counts={counts} />).toString())) +
        `<script>document.getElementById("workspace-counts").textContent=${JSON.stringify(workspaceCounts(counts.accounts, counts.contacts)).replaceAll("<", "\\u003c")};</script>`;
    } catch (error) {
      console.error("setup import failed", error instanceof Error ? error.name : "unknown error");
      body = `<p class="error" role="alert">The import stopped; rows up to the last progress shown were saved. Run the same file again: imported rows are matched by external id and not duplicated.</p>`;
    }
    await headWritten;
    await writer.write(encoder.encode(body + tail));
    await writer.close();
  })();
  c.executionCtx.waitUntil(finish);
  // Not compressed: a compressor (wrangler dev's, the edge's) holds the small progress lines back
  // in its buffer, so the bar would only move when the page ends.
  return new Response(readable, { status: 200, headers: { "Content-Type": "text/html; charset=UTF-8", "Cache-Control": "no-store, no-transform", "Content-Encoding": "identity" } });
});

setupRoutes.post("/setup/data/sample", admin, async (c) => {
  if (!(await checkedForm(c))) return expired(c);
  const tenant = tenantOf(c);
  const current = await status(c);
  if (current.accounts > 0) {
    return dataPage(c, { message: `Sample data is only for an empty workspace; this one has ${current.accounts} accounts. Import your own data instead.` }, 409);
  }
  const actor = toolContextOf(c).actor;
  unwrap(await tenant.registerAccounts(sampleAccounts(SAMPLE_ACCOUNTS), actor));
  await seedDemoFacts(tenant, actor, SAMPLE_ACCOUNTS);
  return dataPage(c, { notice: `Loaded ${SAMPLE_ACCOUNTS} sample accounts with their contacts, contracts, invoices, usage, tickets and survey answers.` });
});

const DEFAULT_SEGMENTS = [
  { name: "At risk", description: "Health below 60", rule: { match: "all", rules: [{ field: "health_score", operator: "lt", value: 60 }] } },
  { name: "Renewing in 90 days", description: "Renewal within the next 90 days", rule: { match: "all", rules: [{ field: "days_until_renewal", operator: "between", value: [0, 90] }] } },
  { name: "Champions", description: "Health band champion", rule: { match: "all", rules: [{ field: "health_band", operator: "eq", value: "champion" }] } },
  { name: "Enterprise", description: "Enterprise tier", rule: { match: "all", rules: [{ field: "tier", operator: "eq", value: "enterprise" }] } },
];

setupRoutes.post("/setup/data/defaults", admin, async (c) => {
  if (!(await checkedForm(c))) return expired(c);
  const existing = new Set(unwrap(await tenantOf(c).listSegments()).map((segment) => segment.name));
  const created: string[] = [];
  for (const segment of DEFAULT_SEGMENTS) {
    if (existing.has(segment.name)) continue;
    const result = await runTool(c, createSegmentTool, segment);
    if (!result.ok) return dataPage(c, { message: `The segment “${segment.name}” was refused: ${result.message}` }, 400);
    created.push(segment.name);
  }
  // Survey templates once: a name already taken (archived included) is left alone.
  const templates = new Set(unwrap(await tenantOf(c).listSurveyTemplates({ includeArchived: true })).map((template) => template.name.toLowerCase()));
  const createdTemplates: string[] = [];
  for (const template of DEFAULT_SURVEY_TEMPLATES) {
    if (templates.has(template.name.toLowerCase())) continue;
    const result = await runTool(c, createSurveyTemplateTool, { ...template, questions: template.questions.map((question) => ({ ...question })) });
    if (!result.ok) return dataPage(c, { message: `The survey template “${template.name}” was refused: ${result.message}` }, 400);
    createdTemplates.push(template.name);
  }
  const notices = [
    created.length ? `Created the segments ${created.join(", ")}.` : "The default segments already exist.",
    createdTemplates.length ? `Created the survey templates ${createdTemplates.join(", ")}.` : "The default survey templates already exist.",
  ];
  return dataPage(c, { notice: notices.join(" ") });
});

setupRoutes.post("/setup/data/history", admin, async (c) => {
  const form = await checkedForm(c);
  if (!form) return expired(c);
  const after = text(form, "after_client_id");
  const result = await runTool<{ accounts: number; snapshots: number; next_after_client_id: string | null }>(c, rebuildHealthHistoryTool, after ? { after_client_id: after } : {});
  if (!result.ok) return dataPage(c, { message: `Health history was not rebuilt: ${result.message}` }, 400);
  const { accounts, snapshots, next_after_client_id: next } = result.value;
  const done = `Went through ${accounts.toLocaleString("en-US")} account${accounts === 1 ? "" : "s"} and added ${snapshots.toLocaleString("en-US")} past score${snapshots === 1 ? "" : "s"}.`;
  return dataPage(c, { notice: next ? `${done} More accounts remain: press the button again to go on.` : `${done} Health history is rebuilt.`, rebuildAfter: next });
});

setupRoutes.post("/setup/data/done", admin, async (c) => ((await checkedForm(c)) ? complete(c, "data") : expired(c)));

// --- step 5: team ---

const inviteForm = z.object({
  email: z.email("Enter an email address such as jane@example.com.").max(254, "Use at most 254 characters."),
  role: z.enum(ROLES, { message: `Choose a role: ${ROLES.join(", ")}.` }),
});

async function teamPage(
  c: SetupContext,
  state: { values?: { email: string; role: string }; errors?: FieldErrors; message?: string | null; link?: { email: string; url: string } | null; notice?: string | null },
  code: 200 | 400 | 403 | 404 | 409 = 200,
) {
  const tenantId = c.var.session.tenantId;
  const [current, members, pending] = await Promise.all([status(c), membersOf(c.env.CONTROL_DB, tenantId), pendingInvitations(c.env.CONTROL_DB, tenantId)]);
  return c.html(<TeamStep email={c.var.session.email} csrf={c.var.csrf} completed={current.completed} members={members} pending={pending} {...state} />, code);
}

setupRoutes.get("/setup/team", admin, (c) => teamPage(c, {}));

setupRoutes.post("/setup/team/invite", admin, async (c) => {
  const form = await checkedForm(c);
  if (!form) return expired(c);
  const values = { email: text(form, "email"), role: text(form, "role") };
  const parsed = inviteForm.safeParse(values);
  if (!parsed.success) return teamPage(c, { values, errors: fieldErrorsOf(parsed.error) }, 400);
  if (parsed.data.role === "owner" && c.var.member.role !== "owner") {
    return teamPage(c, { values, errors: { role: "Only an owner can invite another owner; choose admin, csm or viewer." } }, 403);
  }
  const created = await createInvitation(c.env.CONTROL_DB, { tenantId: c.var.session.tenantId, email: parsed.data.email, role: parsed.data.role, invitedBy: c.var.session.userId });
  if ("error" in created) {
    const message = created.error === "already_member" ? "This person is already a member of the workspace." : "This email already has a pending invitation; revoke it first to send a new one.";
    return teamPage(c, { values, errors: { email: message } }, 409);
  }
  unwrap(await tenantOf(c).auditSetupAction("invite_user", created.invitation.id, { email: created.invitation.email, role: created.invitation.role }, toolContextOf(c).actor));
  return teamPage(c, { link: { email: created.invitation.email, url: `${c.var.origin}/invite/${created.token}` } });
});

setupRoutes.post("/setup/team/revoke", admin, async (c) => {
  const form = await checkedForm(c);
  if (!form) return expired(c);
  const id = text(form, "invitation_id");
  if (!id || !(await revokeInvitation(c.env.CONTROL_DB, c.var.session.tenantId, id))) {
    return teamPage(c, { message: "That invitation is not pending any more (accepted, revoked or unknown)." }, 404);
  }
  unwrap(await tenantOf(c).auditSetupAction("revoke_invitation", id, {}, toolContextOf(c).actor));
  return teamPage(c, { notice: "Invitation revoked; its link no longer works." });
});

setupRoutes.post("/setup/team/done", admin, async (c) => ((await checkedForm(c)) ? complete(c, "team") : expired(c)));

// --- step 6: done ---

async function setupReport(c: SetupContext): Promise<SetupReport> {
  const tenant = tenantOf(c);
  const tenantId = c.var.session.tenantId;
  const [current, stored, support, playbooks, members, pending, surveyTemplates] = await Promise.all([
    status(c),
    tenant.getHealthModel(),
    tenant.supportSettings(),
    tenant.listPlaybooks({}),
    membersOf(c.env.CONTROL_DB, tenantId),
    pendingInvitations(c.env.CONTROL_DB, tenantId),
    tenant.listSurveyTemplates({ includeArchived: false }),
  ]);
  const model = unwrap(stored);
  return {
    generated_at: new Date().toISOString(),
    workspace: { id: tenantId, name: c.var.member.tenantName, mcp_url: `${c.var.origin}/mcp` },
    setup: { completed: current.completed, updated_at: current.updatedAt },
    health_model: {
      customized: model.customized,
      weights: { ...model.model.weights },
      bands: { churn_risk: model.model.bands.churnRisk, at_risk: model.model.bands.atRisk, healthy: model.model.bands.healthy, champion: model.model.bands.champion },
      segment_profiles: Object.fromEntries(Object.entries(model.model.segmentProfiles).map(([key, weights]) => [key, { ...weights }])),
    },
    support_sla: unwrap(support).sla.targets,
    triggers: unwrap(playbooks).map((playbook) => ({ name: playbook.name, enabled: playbook.enabled })),
    data: { accounts: current.accounts, contacts: current.contacts, segments: current.segments, playbooks: current.playbooks, open_tickets: current.open_tickets, survey_templates: unwrap(surveyTemplates).length },
    team: { members: members.map((entry) => ({ email: entry.email, role: entry.role })), pending_invitations: pending.length },
  };
}

setupRoutes.get("/setup/done", admin, async (c) => {
  const report = await setupReport(c);
  return c.html(<DoneStep email={c.var.session.email} csrf={c.var.csrf} completed={report.setup.completed} report={report} origin={c.var.origin} />);
});

setupRoutes.post("/setup/done", admin, async (c) => {
  if (!(await checkedForm(c))) return expired(c);
  unwrap(await tenantOf(c).completeSetupStep("done", toolContextOf(c).actor));
  return c.redirect("/setup/done", 303);
});

setupRoutes.get("/setup/report.json", admin, async (c) => {
  const report = await setupReport(c);
  return c.json(report, 200, { "Content-Disposition": 'attachment; filename="setup-report.json"', "Cache-Control": "no-store" });
});

// --- accounts, account, audit log ---

const accountsQuery = z.object({
  sort: z.enum(Object.keys(SORTS) as [SortKey, ...SortKey[]]).default("score"),
  order: z.enum(["asc", "desc"]).default("asc"),
  cursor: z.string().max(500).optional(),
});

setupRoutes.get("/setup/accounts", async (c) => {
  const parsed = accountsQuery.safeParse(c.req.query());
  if (!parsed.success) return c.html(<ForbiddenPage message={`Bad link: ${parsed.error.issues.map((issue) => `${issue.path.join(".")} ${issue.message}`).join("; ")}.`} />, 400);
  const { sort, order, cursor } = parsed.data;
  const tenant = tenantOf(c);
  const listed = await tenant.accountsWithHistory({ filters: {}, sort_by: SORTS[sort], sort_order: order, limit: 50, ...(cursor ? { cursor } : {}) }, 90);
  if (!listed.ok) return c.html(<ForbiddenPage message={listed.message} />, 400);
  const bands = unwrap(await tenant.getHealthModel()).model.bands;
  const accounts = listed.value.clients.map((account) => ({ ...account, band: account.health_score === null ? null : health.healthBand(account.health_score, bands) }));
  return c.html(
    <AccountsView
      email={c.var.session.email}
      csrf={c.var.csrf}
      admin={isAdmin(c.var.member)}
      accounts={accounts}
      history={listed.value.history}
      sort={sort}
      order={order}
      total={listed.value.summary.total_count}
      nextCursor={listed.value.next_cursor}
    />,
  );
});

setupRoutes.get("/setup/accounts/:id", async (c) => {
  const id = c.req.param("id");
  const tenant = tenantOf(c);
  const brief = await tenant.accountBrief(id);
  if (!brief.ok) return c.html(<ForbiddenPage message={`No account ${id} in this workspace.`} email={c.var.session.email} csrf={c.var.csrf} />, 404);
  const [history, tickets] = await Promise.all([tenant.healthHistory(id, 90), tenant.listTickets({ client_id: id, open_only: true, limit: 50 })]);
  return c.html(
    <AccountView
      email={c.var.session.email}
      csrf={c.var.csrf}
      admin={isAdmin(c.var.member)}
      brief={brief.value}
      history={history.ok ? history.value.points.map((point) => ({ at: point.at, score: point.score })) : []}
      tickets={tickets.ok ? tickets.value.tickets : []}
    />,
  );
});

const isoDay = z.iso.date({ message: "Enter a date as YYYY-MM-DD." });
const auditQuery = z.object({
  user: z.string().max(100).default(""),
  tool: z.string().max(100).default(""),
  from: z.union([z.literal(""), isoDay]).default(""),
  to: z.union([z.literal(""), isoDay]).default(""),
  before: z.coerce.number().int().positive().optional(),
});

setupRoutes.get("/setup/audit", admin, async (c) => {
  const raw = c.req.query();
  const parsed = auditQuery.safeParse(raw);
  const members = await membersOf(c.env.CONTROL_DB, c.var.session.tenantId);
  const userLabel = Object.fromEntries(members.map((entry) => [entry.userId, entry.email]));
  const filters = { user: raw.user ?? "", tool: raw.tool ?? "", from: raw.from ?? "", to: raw.to ?? "" };
  const errors: FieldErrors = parsed.success ? {} : fieldErrorsOf(parsed.error);
  const query = parsed.success ? parsed.data : { user: "", tool: "", from: "", to: "", before: undefined };
  if (parsed.success && query.from && query.to && query.from > query.to) errors.to = "“To” must be on or after “From”.";
  const page = unwrap(
    await tenantOf(c).auditLogPage({
      limit: 100,
      ...(query.user && !errors.user ? { userId: query.user } : {}),
      ...(query.tool ? { tool: query.tool } : {}),
      ...(query.from && !errors.from ? { from: query.from } : {}),
      ...(query.to && !errors.to ? { to: query.to } : {}),
      ...(query.before ? { before: query.before } : {}),
    }),
  );
  return c.html(
    <AuditView
      email={c.var.session.email}
      csrf={c.var.csrf}
      entries={Object.keys(errors).length ? [] : page.entries}
      users={page.users.map((id) => ({ id, label: userLabel[id] ?? id }))}
      actions={page.actions}
      filters={filters}
      errors={errors}
      nextBefore={page.next_before}
      userLabel={userLabel}
    />,
    Object.keys(errors).length ? 400 : 200,
  );
});

// --- connected assistants (OAuth grants) ---

/** Whose grants the signed-in member may see and revoke: the whole team's for owners and admins, their own otherwise. */
async function assistantOwners(c: SetupContext): Promise<{ userId: string; email: string }[]> {
  if (isAdmin(c.var.member)) return membersOf(c.env.CONTROL_DB, c.var.session.tenantId);
  return [{ userId: c.var.session.userId, email: c.var.session.email }];
}

async function assistantsPage(c: SetupContext, state: { notice?: string; message?: string }, code: 200 | 404 = 200) {
  const oauth = c.var.edge.authorizationServer.getOAuthApi(c.env);
  const assistants = await workspaceAssistants(oauth, c.var.session.tenantId, await assistantOwners(c));
  return c.html(
    <AssistantsView email={c.var.session.email} csrf={c.var.csrf} admin={isAdmin(c.var.member)} assistants={assistants} mcpUrl={`${c.var.origin}/mcp`} {...state} />,
    code,
  );
}

setupRoutes.get("/setup/assistants", (c) => assistantsPage(c, {}));

setupRoutes.post("/setup/assistants/revoke", async (c) => {
  const form = await checkedForm(c);
  if (!form) return expired(c);
  const oauth = c.var.edge.authorizationServer.getOAuthApi(c.env);
  const revoked = await revokeWorkspaceAssistant(oauth, c.var.session.tenantId, await assistantOwners(c), text(form, "grant_id"));
  if (!revoked) return assistantsPage(c, { message: "That assistant is not connected any more (revoked already), or it is not yours to revoke." }, 404);
  // This isolate stops trusting the revoked tokens at once; others within token-memo's few seconds.
  c.var.edge.forgetValidatedTokens(c.env);
  unwrap(
    await tenantOf(c).auditSetupAction(
      "revoke_assistant_access",
      revoked.grantId,
      { app: revoked.appName, client_id: revoked.clientId, approved_by: revoked.email, scopes: revoked.scopes },
      toolContextOf(c).actor,
    ),
  );
  return assistantsPage(c, { notice: `${revoked.appName} (approved by ${revoked.email}) no longer has access to this workspace.` });
});

// --- invitation links ---

const invitePassword = z.object({ password: z.string().min(10, "Use at least 10 characters.").max(200, "Use at most 200 characters.") });

setupRoutes.get("/invite/:token", async (c) => {
  const invitation = await invitationByToken(c.env.CONTROL_DB, c.req.param("token"));
  if (!invitation) return c.html(<InvitationGone title="Invitation not found" message="This invitation link is not valid. Ask the person who invited you for a new one." />, 404);
  const state = invitationState(invitation);
  if (state !== "pending") return c.html(<InvitationGone title={`Invitation ${state}`} message={`This invitation was ${state}. Ask an owner or admin of ${invitation.tenantName} for a new one.`} />, 410);
  const session = await readSession(c, c.env.SESSION_SECRET);
  const existing = await findUserByEmail(c.env.CONTROL_DB, invitation.email);
  return c.html(
    <InvitationPage invitation={invitation} token={c.req.param("token")} csrf={await csrfToken(c, c.env.SESSION_SECRET)} signedInAs={session?.email ?? null} existingUser={existing !== null} />,
  );
});

setupRoutes.post("/invite/:token", async (c) => {
  const token = c.req.param("token");
  const db = c.env.CONTROL_DB;
  const invitation = await invitationByToken(db, token);
  if (!invitation || invitationState(invitation) !== "pending") {
    return c.html(<InvitationGone title="Invitation not valid" message="This invitation is no longer valid. Ask the person who invited you for a new one." />, 410);
  }
  const form = await c.req.formData();
  const csrf = await csrfToken(c, c.env.SESSION_SECRET);
  const session = await readSession(c, c.env.SESSION_SECRET);
  const existing = await findUserByEmail(db, invitation.email);
  const page = (code: 400 | 403 | 409 | 429, message: string | null, errors?: FieldErrors) =>
    c.html(<InvitationPage invitation={invitation} token={token} csrf={csrf} signedInAs={session?.email ?? null} existingUser={existing !== null} message={message} errors={errors} />, code);
  if (!(await verifyCsrf(c, c.env.SESSION_SECRET, form.get(CSRF_FIELD)))) return page(403, "This form expired; submit it again.");

  let userId: string;
  if (text(form, "mode") === "join") {
    if (!session || session.email !== invitation.email || !existing) return page(403, `Log in as ${invitation.email} to accept this invitation.`);
    userId = existing.id;
  } else {
    if (existing) return page(409, `${invitation.email} already has an account; log in to accept.`);
    const ip = c.req.header("CF-Connecting-IP") ?? "local";
    if (!(await takeAttempt(db, `signup:ip:${ip}`, SIGNUP_LIMITS.perIp))) return page(429, "Too many attempts; wait a few minutes and try again.");
    const parsed = invitePassword.safeParse({ password: form.get("password") ?? "" });
    if (!parsed.success) return page(400, null, fieldErrorsOf(parsed.error));
    try {
      userId = await createUser(db, { email: invitation.email, name: invitation.email.split("@")[0] ?? invitation.email, password: await hashPassword(parsed.data.password) });
    } catch (error) {
      if (String(error).includes("UNIQUE")) return page(409, `${invitation.email} already has an account; log in to accept.`);
      throw error;
    }
  }
  if (!(await acceptInvitation(db, invitation, userId))) return page(409, "This invitation was used or revoked a moment ago.");
  await startSession(c, c.env.SESSION_SECRET, { userId, tenantId: invitation.tenantId, email: invitation.email });
  unwrap(await tenantStub(c.env.TENANT, invitation.tenantId).auditSetupAction("accept_invitation", invitation.id, { email: invitation.email, role: invitation.role }, { userId, via: "setup" }));
  return c.redirect(invitation.role === "owner" || invitation.role === "admin" ? "/setup" : "/setup/accounts", 303);
});
