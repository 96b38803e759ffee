import { tenantStub, type Actor, type Outcome, type TenantApi } from "../../durable-objects/tenant";
import { runImport } from "../import/run";
import { sampleFacts } from "./sample-facts";
import { SAMPLE_ARTICLES } from "./sample-articles";
import { hashPassword } from "../auth/passwords";
import { createTenantWithOwner, isDemoTenantPresent } from "../db/control";
import type { Env } from "../env";
import { sampleAccounts } from "./sample-accounts";
import { SAMPLE_PLAYBOOKS } from "./sample-playbooks";
import { rebuildHealthHistory } from "../tools/health";

/**
 * The local demo workspace: a documented login with ~100 sample accounts and their facts
 * (contacts, contracts, invoices, usage, touchpoints), so a newcomer can try the tools at once
 * and see health, risk and engagement computed from data. It exists only when ENVIRONMENT is "development"; in
 * production this code refuses to run and the login page never mentions it.
 */

export const DEMO_LOGIN = { email: "demo@example.com", password: "demo-password" } as const;
export const DEMO_ACCOUNT_COUNT = 100;
/** The demo's health history: a score every few days over the sample facts' last three months. */
const DEMO_HISTORY_DAYS = 90;
const DEMO_HISTORY_STEP_DAYS = 3;

export function demoAllowed(env: Pick<Env, "ENVIRONMENT">): boolean {
  return env.ENVIRONMENT === "development";
}

export async function demoLoginShown(env: Env): Promise<boolean> {
  return demoAllowed(env) && (await isDemoTenantPresent(env.CONTROL_DB));
}

let seeding: Promise<void> | undefined;
let seeded = false;

/** True once this isolate has made sure the demo tenant exists: no more work per request. */
export function demoSettled(env: Pick<Env, "ENVIRONMENT">): boolean {
  return seeded || !demoAllowed(env);
}

/** Creates the demo tenant once; later calls (and other isolates) find it and return. */
export function ensureDemoTenant(env: Env): Promise<void> {
  if (!demoAllowed(env)) return Promise.resolve();
  seeding ??= seedDemoTenant(env).then(
    () => {
      seeded = true;
    },
    (error: unknown) => {
      seeding = undefined;
      console.error("demo tenant not created", error instanceof Error ? error.message : "unknown error");
    },
  );
  return seeding;
}

async function seedDemoTenant(env: Env): Promise<void> {
  if (await isDemoTenantPresent(env.CONTROL_DB)) return;
  const created = await createTenantWithOwner(env.CONTROL_DB, {
    organization: "Demo Workspace",
    email: DEMO_LOGIN.email,
    name: "Demo Owner",
    password: await hashPassword(DEMO_LOGIN.password),
    isDemo: true,
  });
  if ("error" in created) return; // another isolate created it first
  const tenant = tenantStub(env.TENANT, created.tenantId);
  const actor = { userId: created.userId, via: "system" };
  demoValue(await tenant.registerAccounts(sampleAccounts(DEMO_ACCOUNT_COUNT), actor), "accounts");
  await seedDemoFacts(tenant, actor);
  for (const playbook of SAMPLE_PLAYBOOKS) demoValue(await tenant.createPlaybook(playbook, actor), `playbook ${playbook.name}`);
  demoValue(await tenant.runPlaybooks({ dryRun: false }, actor), "playbook run");
}

/** A Tenant object answer the seed needs; a refusal stops the seed, naming what was refused. */
function demoValue<T>(outcome: Outcome<T>, what: string): T {
  if (!outcome.ok) throw new Error(`demo ${what} refused: ${outcome.message}`);
  return outcome.value;
}

/** The accounts' facts, through the same paths an import, the events endpoint and a CSM use. */
export async function seedDemoFacts(tenant: TenantApi, actor: Actor, count: number = DEMO_ACCOUNT_COUNT): Promise<void> {
  const listed = demoValue(await tenant.listAccounts({ filters: {}, sort_by: "name", sort_order: "asc", limit: count }), "account list");
  const facts = sampleFacts(listed.clients);
  for (const [kind, csv] of [["contacts", facts.contactsCsv], ["contracts", facts.contractsCsv], ["invoices", facts.invoicesCsv]] as const) {
    const report = await runImport(tenant, actor, { kind, csv, dryRun: false });
    if (report.rejected > 0) throw new Error(`demo ${kind} refused: ${report.errors[0]?.message ?? "unknown"}`);
  }
  for (let start = 0; start < facts.usage.length; start += 500) {
    const batch = facts.usage.slice(start, start + 500).map((event, index) => ({ ...event, index }));
    demoValue(await tenant.ingestUsageEvents(batch), "usage");
  }
  demoValue(await tenant.logTouchpoints(facts.touchpoints, actor), "touchpoints");
  for (const sample of facts.tickets) {
    const id = demoValue(await tenant.createTicket(sample.ticket, actor), "ticket").ticket.ticket_id;
    if (sample.respondedAt) await tenant.addTicketComment(id, { body: "Thanks, we are looking into it.", visibility: "public", author_kind: "agent", at: sample.respondedAt }, actor);
    if (sample.resolvedAt) await tenant.resolveTicket(id, "Fixed and confirmed with the customer.", actor, sample.resolvedAt);
    if (sample.resolvedAt && sample.rating !== null) await tenant.rateTicket(id, sample.rating, undefined, actor);
  }
  for (const answer of facts.feedback) {
    demoValue(await tenant.submitFeedback(answer, actor), "feedback");
  }
  for (const { publish, ...article } of SAMPLE_ARTICLES) {
    const created = demoValue(await tenant.createArticle(article, actor), "article");
    if (publish) await tenant.publishArticle(created.article_id, actor);
  }
  // The facts reach back months; so does the accounts' health, which trends and movers read.
  await rebuildHealthHistory(tenant, { days: DEMO_HISTORY_DAYS, stepDays: DEMO_HISTORY_STEP_DAYS, after: "" }, Number.POSITIVE_INFINITY);
}
