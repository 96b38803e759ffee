import { sql } from "drizzle-orm";
import { renewals } from "../analytics";
import type { TenantDb } from "./accounts";
import { insertTask } from "./tasks";

/**
 * The daily work each Tenant object does on its own alarm (the cron only wakes it): renewal
 * checkpoint tasks here; the health snapshots, playbooks and raw-event purge are the other
 * modules' and are sequenced in TenantDO.runMaintenance.
 */

const DAY_MS = 86_400_000;
const PAGE = 1_000;

export interface CheckpointRun {
  /** Checkpoints current or coming due (within the engine's "due soon" window) across the tenant's renewals. */
  due: number;
  /** Tasks opened by this run; a checkpoint already given a task is not opened again. */
  opened: number;
}

function priorityFor(daysBefore: number): "medium" | "high" | "urgent" {
  if (daysBefore <= 30) return "urgent";
  return daysBefore <= 60 ? "high" : "medium";
}

/**
 * Opens one task per due renewal checkpoint (default 90/60/30 days before the renewal date),
 * owned by the account's CSM, due on the checkpoint's date. Idempotent through the task's
 * dedupe key (account, renewal date, checkpoint), so running twice a day, or again after the
 * task was done, opens nothing new.
 */
export function openRenewalCheckpointTasks(db: TenantDb, now: Date, config: renewals.RenewalConfig = renewals.DEFAULT_RENEWAL_CONFIG): CheckpointRun {
  const today = now.toISOString().slice(0, 10);
  const horizon = new Date(now.getTime() + (Math.max(...config.checkpointDays) + config.dueSoonDays) * DAY_MS).toISOString().slice(0, 10);
  let due = 0;
  let opened = 0;
  let after = "";
  for (;;) {
    const page = db.all<{ id: string; name: string; renewal: string; csm: string | null }>(sql`
      SELECT id, name, renewal_date AS renewal, csm_assigned AS csm FROM accounts
      WHERE status != 'churned' AND renewal_date >= ${today} AND renewal_date <= ${horizon} AND id > ${after}
      ORDER BY id LIMIT ${PAGE}`);
    const names = new Map(page.map((a) => [a.id, a]));
    // The checkpoint whose window the renewal is in (even if its day passed before the account
    // was here, e.g. imported 55 days out), and any coming due within the "due soon" days.
    const checkpoints = page.flatMap((a) => {
      const state = renewals.renewalCheckpoints(a.renewal, now, { config });
      if (state.renewalPassed) return [];
      const chosen = state.checkpoints.filter((c) => c.status === "due" || c.daysBefore === state.current?.daysBefore);
      return chosen.map((c) => ({ accountId: a.id, renewalDate: state.renewalDate, daysBefore: c.daysBefore, dueDate: c.dueDate }));
    });
    for (const checkpoint of checkpoints) {
      due++;
      const account = names.get(checkpoint.accountId);
      if (!account) continue;
      const dedupeKey = `renewal:${account.id}:${checkpoint.renewalDate}:${checkpoint.daysBefore}`;
      const exists = db.get<{ one: number }>(sql`SELECT 1 AS one FROM tasks WHERE dedupe_key = ${dedupeKey}`);
      if (exists) continue;
      insertTask(
        db,
        {
          client_id: account.id,
          title: `Renewal checkpoint, ${checkpoint.daysBefore} days out: ${account.name}`,
          description: `${account.name} renews on ${checkpoint.renewalDate}. The ${checkpoint.daysBefore}-day checkpoint is due ${checkpoint.dueDate}: review health, risks and the renewal plan with the customer.`,
          owner: account.csm,
          due_date: checkpoint.dueDate,
          priority: priorityFor(checkpoint.daysBefore),
        },
        "system",
        { source: "renewal", dedupeKey },
        now,
      );
      opened++;
    }
    if (page.length < PAGE) break;
    after = page.at(-1)?.id ?? after;
  }
  return { due, opened };
}
