import { and, asc, eq, gte, inArray, sql } from "drizzle-orm";
import type { segments as engine } from "../analytics";
import { compileAccountRule, forEachAccountRecord, type AccountRecord } from "./account-fields";
import { AccountError, newId, type Json, type TenantDb } from "./accounts";
import { accountTokens, checkCampaignTemplates, checkTokens, ACCOUNT_TOKENS, createCampaign, renderTemplate, resolveRecipients, type TemplateType } from "./communications";
import { scheduleCampaignNow } from "./scheduled-sends";
import { insertTask, type TaskPriority } from "./tasks";
import { accounts, healthSnapshots, tickets, workflowRuns, workflows } from "./tenant-schema";

/**
 * Communication workflows: a trigger (an account's health band changed, a ticket was opened, the
 * renewal came within N days), conditions (a segment rule over account fields) and actions (open
 * a task, record a campaign to the account's contacts). They are evaluated at the end of every
 * fact change for the accounts it touched, and fire once per (workflow, account, event).
 */

export const HEALTH_BANDS = ["churn_risk", "at_risk", "neutral", "healthy", "champion"] as const;
export const TICKET_PRIORITIES = ["P1", "P2", "P3", "P4"] as const;

export type WorkflowTrigger =
  | { type: "health_band_changed"; to_bands?: (typeof HEALTH_BANDS)[number][] }
  | { type: "ticket_opened"; priorities?: (typeof TICKET_PRIORITIES)[number][] }
  | { type: "renewal_window"; days: number };

export type WorkflowAction =
  | { type: "create_task"; title: string; description?: string; owner?: string; due_in_days: number; priority: TaskPriority }
  | { type: "record_campaign"; template_type: TemplateType; subject: string; body: string };

export interface NewWorkflow {
  name: string;
  description: string;
  trigger: WorkflowTrigger;
  conditions?: { [key: string]: Json } | null;
  actions: WorkflowAction[];
  enabled: boolean;
}

export interface Workflow {
  workflow_id: string;
  name: string;
  description: string;
  trigger: WorkflowTrigger;
  conditions: { [key: string]: Json } | null;
  actions: WorkflowAction[];
  enabled: boolean;
  run_count: number;
  last_run_at: string | null;
  created_by: string;
  created_at: string;
}

type WorkflowRow = typeof workflows.$inferSelect;

function toWorkflow(row: WorkflowRow): Workflow {
  return {
    workflow_id: row.id,
    name: row.name,
    description: row.description,
    trigger: JSON.parse(row.trigger) as WorkflowTrigger,
    conditions: row.conditions === null ? null : (JSON.parse(row.conditions) as { [key: string]: Json }),
    actions: JSON.parse(row.actions) as WorkflowAction[],
    enabled: row.enabled,
    run_count: row.runCount,
    last_run_at: row.lastRunAt,
    created_by: row.createdBy,
    created_at: row.createdAt,
  };
}

export function createWorkflow(db: TenantDb, input: NewWorkflow, actor: string, now = new Date()): Workflow {
  if (input.conditions) compileAccountRule(input.conditions, "conditions", now);
  input.actions.forEach((action, i) => {
    if (action.type === "create_task") {
      checkTokens(action.title, `actions[${i}].title`, ACCOUNT_TOKENS);
      if (action.description) checkTokens(action.description, `actions[${i}].description`, ACCOUNT_TOKENS);
    } else {
      try {
        checkCampaignTemplates(action.subject, action.body);
      } catch (error) {
        if (error instanceof AccountError) throw new AccountError("invalid", `actions[${i}].${error.message}`);
        throw error;
      }
    }
  });
  const clash = db.select({ id: workflows.id }).from(workflows).where(eq(workflows.name, input.name)).get();
  if (clash) throw new AccountError("conflict", `name: a workflow named "${input.name}" already exists (${clash.id}); pick another name.`);
  const row: WorkflowRow = {
    id: newId("wf"),
    name: input.name,
    description: input.description,
    trigger: JSON.stringify(input.trigger),
    conditions: input.conditions ? JSON.stringify(input.conditions) : null,
    actions: JSON.stringify(input.actions),
    enabled: input.enabled,
    runCount: 0,
    lastRunAt: null,
    createdBy: actor,
    createdAt: now.toISOString(),
  };
  db.insert(workflows).values(row).run();
  return toWorkflow(row);
}

export function listWorkflows(db: TenantDb): Workflow[] {
  return db.select().from(workflows).orderBy(asc(workflows.name)).all().map(toWorkflow);
}

export interface WorkflowFiring {
  workflow_id: string;
  client_id: string;
  event_key: string;
  task_ids: string[];
  campaign_ids: string[];
  /** Campaigns handed to the object's next wake for sending (SendGrid connected). */
  scheduled_sends: number;
}

interface TriggerEvent {
  key: string;
  description: string;
}

const OPEN_TICKET = ["new", "open", "pending", "on_hold"] as const;

/** The events of one trigger type for these accounts (cheap: indexed lookups on the touched accounts only). */
function eventsFor(db: TenantDb, workflow: Workflow, createdAt: string, account: AccountRecord, now: Date): TriggerEvent[] {
  const trigger = workflow.trigger;
  if (trigger.type === "renewal_window") {
    const days = account.record.days_until_renewal;
    if (typeof days === "number" && days >= 0 && days <= trigger.days) {
      return [{ key: `renewal:${account.renewalDate}`, description: `renewal on ${account.renewalDate} is ${days} days away (window ${trigger.days} days)` }];
    }
    return [];
  }
  if (trigger.type === "ticket_opened") {
    const rows = db
      .select({ id: tickets.id, subject: tickets.subject, priority: tickets.priority })
      .from(tickets)
      .where(and(eq(tickets.accountId, account.id), inArray(tickets.status, [...OPEN_TICKET]), gte(tickets.openedAt, createdAt)))
      .all();
    return rows
      .filter((row) => !trigger.priorities || trigger.priorities.length === 0 || trigger.priorities.includes(row.priority))
      .map((row) => ({ key: `ticket:${row.id}`, description: `ticket "${row.subject}" (${row.priority}) was opened` }));
  }
  // health_band_changed: the snapshot this change wrote (scoreAccount writes one only when the
  // score or band moved) against the one before it.
  const latest = db
    .select({ id: healthSnapshots.id, band: healthSnapshots.band, computedAt: healthSnapshots.computedAt })
    .from(healthSnapshots)
    .where(eq(healthSnapshots.accountId, account.id))
    .orderBy(sql`${healthSnapshots.computedAt} DESC`, sql`${healthSnapshots.id} DESC`)
    .limit(2)
    .all();
  const [current, previous] = latest;
  if (!current || !previous || current.computedAt !== now.toISOString() || current.band === previous.band || current.band === null) return [];
  if (trigger.to_bands && trigger.to_bands.length > 0 && !trigger.to_bands.includes(current.band)) return [];
  return [{ key: `band:${current.id}`, description: `health band changed from ${previous.band ?? "unscored"} to ${current.band}` }];
}

function addDays(now: Date, days: number): string {
  return new Date(now.getTime() + days * 86_400_000).toISOString().slice(0, 10);
}

/**
 * Evaluates the enabled workflows for the accounts a fact change touched (or a new account),
 * inside its transaction. With no enabled workflow this is one indexed query. `accountIds` null
 * means every account, in pages, and `triggers` limits the trigger types: the daily maintenance
 * evaluates the time-based ones (renewal_window) so a renewal entering its window fires
 * without any data change.
 */
export function runWorkflows(db: TenantDb, accountIds: readonly string[] | null, now: Date, options: { triggers?: readonly WorkflowTrigger["type"][] } = {}): WorkflowFiring[] {
  if (accountIds !== null && accountIds.length === 0) return [];
  const rows = db.select().from(workflows).where(eq(workflows.enabled, true)).orderBy(asc(workflows.name)).all();
  if (rows.length === 0) return [];
  const compiled: { workflow: Workflow; createdAt: string; predicate: engine.SegmentPredicate | null }[] = [];
  for (const row of rows) {
    let workflow: Workflow;
    try {
      workflow = toWorkflow(row);
    } catch (error) {
      // A stored row that is not JSON (a hand-edited or restored table) skips its workflow; it must not stop the write.
      if (error instanceof SyntaxError) continue;
      throw error;
    }
    if (options.triggers && !options.triggers.includes(workflow.trigger.type)) continue;
    let predicate: engine.SegmentPredicate | null = null;
    if (workflow.conditions) {
      try {
        predicate = compileAccountRule(workflow.conditions, "conditions", now);
      } catch (error) {
        // A stored rule that no longer compiles skips its workflow; it must not stop the write.
        if (error instanceof AccountError) continue;
        throw error;
      }
    }
    compiled.push({ workflow, createdAt: row.createdAt, predicate });
  }
  if (compiled.length === 0) return [];
  const firings: WorkflowFiring[] = [];
  forEachAccountRecord(
    db,
    (account) => {
      for (const { workflow, createdAt, predicate } of compiled) {
        if (predicate && !predicate(account.record)) continue;
        for (const event of eventsFor(db, workflow, createdAt, account, now)) {
          const done = db
            .select({ id: workflowRuns.id })
            .from(workflowRuns)
            .where(and(eq(workflowRuns.workflowId, workflow.workflow_id), eq(workflowRuns.accountId, account.id), eq(workflowRuns.eventKey, event.key)))
            .get();
          if (done) continue;
          firings.push(fire(db, workflow, account, event, now));
        }
      }
    },
    accountIds === null ? {} : { ids: accountIds },
    now,
  );
  return firings;
}

function fire(db: TenantDb, workflow: Workflow, account: AccountRecord, event: TriggerEvent, now: Date): WorkflowFiring {
  const firing: WorkflowFiring = { workflow_id: workflow.workflow_id, client_id: account.id, event_key: event.key, task_ids: [], campaign_ids: [], scheduled_sends: 0 };
  const source = db
    .select({
      id: accounts.id,
      name: accounts.name,
      companyName: accounts.companyName,
      industry: accounts.industry,
      tier: accounts.tier,
      csmAssigned: accounts.csmAssigned,
      renewalDate: accounts.renewalDate,
      contractValue: accounts.contractValue,
      healthScore: accounts.healthScore,
    })
    .from(accounts)
    .where(eq(accounts.id, account.id))
    .get();
  if (!source) return firing;
  const values = accountTokens(source, now);
  const because = `Workflow "${workflow.name}": ${event.description}.`;
  for (const action of workflow.actions) {
    if (action.type === "create_task") {
      const body = action.description ? renderTemplate(action.description, values).text : "";
      const owner = action.owner === "csm" ? account.csm : (action.owner ?? null);
      const task = insertTask(
        db,
        {
          client_id: account.id,
          title: renderTemplate(action.title, values).text,
          description: body ? `${body}\n\n${because}` : because,
          owner,
          due_date: addDays(now, action.due_in_days),
          priority: action.priority,
        },
        `workflow:${workflow.workflow_id}`,
        { source: `workflow:${workflow.workflow_id}`, eventDescription: because, eventMetadata: { workflow_id: workflow.workflow_id } },
        now,
      );
      firing.task_ids.push(task.task_id);
    } else {
      // An account without an emailable contact gets no campaign; the run still records that.
      if (resolveRecipients(db, [account.id]).length > 0) {
        const stored = createCampaign(
          db,
          {
            name: `${workflow.name} — ${account.name}`,
            template_type: action.template_type,
            subject: action.subject,
            body: action.body,
            target: { kind: "workflow", workflow_id: workflow.workflow_id, client_id: account.id },
            send_immediately: true,
          },
          { previewOnly: false, confirm: true, source: `workflow:${workflow.workflow_id}` },
          `workflow:${workflow.workflow_id}`,
          now,
        );
        if (stored.campaign) {
          firing.campaign_ids.push(stored.campaign.campaign_id);
          if (scheduleCampaignNow(db, stored.campaign.campaign_id, now)) firing.scheduled_sends++;
        }
      }
    }
  }
  db.insert(workflowRuns)
    .values({
      workflowId: workflow.workflow_id,
      accountId: account.id,
      eventKey: event.key,
      firedAt: now.toISOString(),
      result: JSON.stringify({ task_ids: firing.task_ids, campaign_ids: firing.campaign_ids, why: event.description }),
    })
    .run();
  db.update(workflows)
    .set({ runCount: sql`${workflows.runCount} + 1`, lastRunAt: now.toISOString() })
    .where(eq(workflows.id, workflow.workflow_id))
    .run();
  return firing;
}

/** The latest runs of a workflow, newest first. */
export function workflowRunsOf(db: TenantDb, workflowId: string, limit: number): { client_id: string; event_key: string; fired_at: string; result: { [key: string]: Json } }[] {
  return db
    .select()
    .from(workflowRuns)
    .where(eq(workflowRuns.workflowId, workflowId))
    .orderBy(sql`${workflowRuns.firedAt} DESC`, sql`${workflowRuns.id} DESC`)
    .limit(limit)
    .all()
    .map((row) => ({ client_id: row.accountId, event_key: row.eventKey, fired_at: row.firedAt, result: JSON.parse(row.result) as { [key: string]: Json } }));
}
