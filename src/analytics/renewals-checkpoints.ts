/**
 * Renewal checkpoints (default 90/60/30 days before renewal): which is current and next, their
 * due dates, and which passed without a recorded action.
 */
import { AnalyticsConfigError } from "./errors";
import { type DateInput, isoDay, known, toEpochMs, utcDayNumber } from "./renewals-common";
import { DEFAULT_RENEWAL_CONFIG, type RenewalConfig } from "./renewals-config";

/** Status of one checkpoint. */
export type CheckpointStatus =
  /** An action was recorded for it. */
  | "completed"
  /** Its due date passed and no action was recorded (only when actions were given). */
  | "overdue"
  /** Its due date passed; whether anything was done is unknown (no actions given). */
  | "passed"
  /** Due today or within `dueSoonDays` (the seed's "pending"). */
  | "due"
  /** Further out (the seed's "scheduled"). */
  | "scheduled";

/** Something a CSM did for a renewal. */
export interface RenewalAction {
  at: DateInput;
  /**
   * The checkpoint it was for (days before renewal). When absent, the action counts for the
   * latest checkpoint due on or before its day + `dueSoonDays` (so acting a few days early counts).
   * An action tagged with a checkpoint the configuration does not have counts for none.
   */
  checkpointDays?: number | null;
}

export interface RenewalCheckpoint {
  daysBefore: number;
  dueDate: string;
  /** Days from today to the due date (negative once passed). */
  daysUntilDue: number;
  status: CheckpointStatus;
  /** Day of the earliest action that completed it. */
  completedOn: string | null;
}

export interface RenewalCheckpoints {
  renewalDate: string;
  daysToRenewal: number;
  renewalPassed: boolean;
  /** In configuration order (furthest first). */
  checkpoints: RenewalCheckpoint[];
  /** The checkpoint whose window we are in (latest due on or before today), null before the first or after renewal. */
  current: RenewalCheckpoint | null;
  /** The next checkpoint still ahead, null when none is left. */
  next: RenewalCheckpoint | null;
  /** Days-before values of overdue checkpoints. */
  overdue: number[];
  /** The seed's time bucket: the smallest checkpoint ≥ days to renewal (30, 60, 90), null when further out or passed. */
  withinDays: number | null;
  /** False when no actions were given, so passed checkpoints cannot be judged. */
  actionsKnown: boolean;
}

/**
 * Where an account stands on its renewal checkpoints as of `now`.
 * @throws AnalyticsConfigError for an unusable date (`renewalDate`, `now`, `actions[i].at`).
 */
export function renewalCheckpoints(
  renewalDate: DateInput,
  now: DateInput,
  options: { actions?: readonly RenewalAction[] | null; config?: RenewalConfig } = {},
): RenewalCheckpoints {
  const config = options.config ?? DEFAULT_RENEWAL_CONFIG;
  const today = utcDayNumber(toEpochMs(now, "now"));
  const renewalDay = utcDayNumber(toEpochMs(renewalDate, "renewalDate"));
  const offsets = config.checkpointDays;
  const actions = options.actions ?? null;

  // Earliest action day per checkpoint.
  const completed = new Map<number, number>();
  actions?.forEach((action, i) => {
    const day = utcDayNumber(toEpochMs(action.at, `actions[${i}].at`));
    let target: number | undefined;
    const tag = known(action.checkpointDays);
    if (tag !== null) target = offsets.includes(tag) ? tag : undefined;
    else {
      for (const d of offsets) if (renewalDay - d <= day + config.dueSoonDays) target = d;
    }
    if (target === undefined) return;
    const prev = completed.get(target);
    if (prev === undefined || day < prev) completed.set(target, day);
  });

  const checkpoints: RenewalCheckpoint[] = offsets.map((d) => {
    const due = renewalDay - d;
    const until = due - today;
    const done = completed.get(d);
    let status: CheckpointStatus;
    if (done !== undefined) status = "completed";
    else if (until < 0) status = actions ? "overdue" : "passed";
    else if (until <= config.dueSoonDays) status = "due";
    else status = "scheduled";
    return { daysBefore: d, dueDate: isoDay(due), daysUntilDue: until, status, completedOn: done === undefined ? null : isoDay(done) };
  });

  const daysToRenewal = renewalDay - today;
  const renewalPassed = daysToRenewal < 0;
  let current: RenewalCheckpoint | null = null;
  let next: RenewalCheckpoint | null = null;
  for (const c of checkpoints) {
    if (c.daysUntilDue <= 0) current = c;
    else if (next === null) next = c;
  }
  if (renewalPassed) current = null;
  let withinDays: number | null = null;
  if (!renewalPassed) for (const d of offsets) if (daysToRenewal <= d) withinDays = d;

  return {
    renewalDate: isoDay(renewalDay),
    daysToRenewal,
    renewalPassed,
    checkpoints,
    current,
    next,
    overdue: checkpoints.filter((c) => c.status === "overdue").map((c) => c.daysBefore),
    withinDays,
    actionsKnown: actions !== null,
  };
}

/** A checkpoint needing attention, for the scheduled maintenance job. */
export interface CheckpointDue {
  accountId: string;
  renewalDate: string;
  daysBefore: number;
  dueDate: string;
  daysUntilDue: number;
  status: "due" | "overdue";
}

/**
 * Every checkpoint that is due (within `dueSoonDays`) or overdue across accounts whose renewal
 * has not passed, soonest due first. Accounts without actions have no overdue checkpoints
 * (nothing is known), only due ones.
 */
export function checkpointsDue(
  accounts: readonly { accountId: string; renewalDate: DateInput; actions?: readonly RenewalAction[] | null }[],
  now: DateInput,
  config: RenewalConfig = DEFAULT_RENEWAL_CONFIG,
): CheckpointDue[] {
  const out: CheckpointDue[] = [];
  accounts.forEach((a, i) => {
    let state: RenewalCheckpoints;
    try {
      state = renewalCheckpoints(a.renewalDate, now, { actions: a.actions ?? null, config });
    } catch (error) {
      // Re-home the field so the caller can find the bad row.
      if (error instanceof AnalyticsConfigError) throw new AnalyticsConfigError(`accounts[${i}].${error.field}`, error.message.slice(error.field.length + 2));
      throw error;
    }
    if (state.renewalPassed) return;
    for (const c of state.checkpoints) {
      if (c.status === "due" || c.status === "overdue") {
        out.push({ accountId: a.accountId, renewalDate: state.renewalDate, daysBefore: c.daysBefore, dueDate: c.dueDate, daysUntilDue: c.daysUntilDue, status: c.status });
      }
    }
  });
  return out.sort((x, y) => x.daysUntilDue - y.daysUntilDue || (x.accountId < y.accountId ? -1 : x.accountId > y.accountId ? 1 : 0));
}

