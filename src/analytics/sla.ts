/**
 * Support SLA clocks: first-response and resolution targets per priority, replayed from a
 * ticket's events as of a given `now`.
 *
 * Each clock counts business time (round the clock unless business hours are configured) while
 * it runs:
 *  - first response runs from creation until the first response, and
 *  - resolution runs from creation until resolution, resuming if the ticket is reopened;
 *  - both stop while the ticket waits on the customer (configurable `pauseStatuses`), and the
 *    first-response clock also stops while the ticket is resolved.
 * A clock is breached once elapsed time exceeds the target (the seed's rule: a response at
 * exactly the target is met). Breaches are permanent: a paused or stopped clock that went over
 * stays breached. Events after `now` are ignored, so replaying with an earlier `now` shows the
 * clocks as they were then.
 */
import { AnalyticsConfigError } from "./errors";
import { BusinessCalendar, type BusinessHoursInput } from "./sla-calendar";

export {
  BusinessCalendar,
  WEEKDAYS,
  WEEKDAYS_9_TO_5,
  zonedTimeToUtc,
  type BusinessHoursInput,
  type BusinessInterval,
  type Weekday,
} from "./sla-calendar";

/** The seed's TicketPriority enum, P0 most urgent. */
export type TicketPriority = "P0" | "P1" | "P2" | "P3" | "P4";

/** Priorities from the most urgent. */
export const TICKET_PRIORITIES: readonly TicketPriority[] = ["P0", "P1", "P2", "P3", "P4"];

/** The seed's TicketStatus enum. */
export type TicketStatus =
  | "open"
  | "in_progress"
  | "waiting_on_customer"
  | "waiting_on_engineering"
  | "resolved"
  | "closed"
  | "reopened";

/** Every ticket status the engine accepts. */
export const TICKET_STATUSES: readonly TicketStatus[] = [
  "open",
  "in_progress",
  "waiting_on_customer",
  "waiting_on_engineering",
  "resolved",
  "closed",
  "reopened",
];

const TERMINAL_STATUSES: ReadonlySet<TicketStatus> = new Set(["resolved", "closed"]);

/** The two clocks of a ticket. */
export type SlaMetric = "first_response" | "resolution";

/**
 * A clock's state. `met` and `breached` are final for a stopped clock; a running clock is
 * `on_track`, `at_risk` (≥ the at-risk share of its target elapsed) or `breached`; `paused` while
 * waiting on the customer; `not_applicable` when there is no target, the ticket does not exist
 * yet at `now`, or (first response) it was resolved without a response in time.
 */
export type SlaState = "on_track" | "at_risk" | "breached" | "met" | "paused" | "not_applicable";

/** Every clock state, for tallies. */
export const SLA_STATES: readonly SlaState[] = ["on_track", "at_risk", "breached", "met", "paused", "not_applicable"];

/** Targets for one priority, in business minutes; null means no target for that clock. */
export interface SlaTarget {
  firstResponseMinutes: number | null;
  resolutionMinutes: number | null;
}

/** The seed's table (§2.10), in minutes. */
export const DEFAULT_SLA_TARGETS: Readonly<Record<TicketPriority, Readonly<SlaTarget>>> = {
  P0: { firstResponseMinutes: 5, resolutionMinutes: 60 },
  P1: { firstResponseMinutes: 15, resolutionMinutes: 240 },
  P2: { firstResponseMinutes: 60, resolutionMinutes: 1440 },
  P3: { firstResponseMinutes: 240, resolutionMinutes: 2880 },
  P4: { firstResponseMinutes: 480, resolutionMinutes: 4320 },
};

/** Share of the target after which a running clock is at risk (the issue's ≥ 80 %). */
export const DEFAULT_AT_RISK_THRESHOLD = 0.8;

/** Statuses that stop both clocks. */
export const DEFAULT_PAUSE_STATUSES: readonly TicketStatus[] = ["waiting_on_customer"];

/** Priority assumed for an unknown one (the seed's rule). */
export const FALLBACK_PRIORITY: TicketPriority = "P3";

/** Longest target accepted: one year of minutes; longer is almost surely a unit mistake. */
const MAX_TARGET_MINUTES = 525_600;
const MS_PER_MINUTE = 60_000;
/** Accepted instants: years 1900–9999, far from the Date range's edges. */
const MIN_INSTANT = Date.UTC(1900, 0, 1);
const MAX_INSTANT = Date.UTC(9999, 11, 31);

/** A tenant's SLA configuration as stored; every field is optional. */
export interface SlaConfigInput {
  /** Per-priority overrides merged over `DEFAULT_SLA_TARGETS`. */
  targets?: Partial<Record<TicketPriority, Partial<SlaTarget>>>;
  /** 0 < threshold ≤ 1; default 0.8. */
  atRiskThreshold?: number;
  /** null or absent: clocks run round the clock. */
  businessHours?: BusinessHoursInput | null;
  /** Default ["waiting_on_customer"]. */
  pauseStatuses?: readonly TicketStatus[];
}

/** A validated configuration; build it once with `resolveSlaConfig` and reuse it. */
export interface SlaConfig {
  targets: Readonly<Record<TicketPriority, Readonly<SlaTarget>>>;
  atRiskThreshold: number;
  calendar: BusinessCalendar | null;
  pauseStatuses: ReadonlySet<TicketStatus>;
}

function checkTarget(value: unknown, field: string): number | null {
  if (value === null) return null;
  if (typeof value !== "number" || !Number.isFinite(value) || value <= 0 || value > MAX_TARGET_MINUTES) {
    throw new AnalyticsConfigError(field, `must be a number of minutes above 0 and at most ${MAX_TARGET_MINUTES} (one year), or null for no target.`);
  }
  return value;
}

/**
 * Validates a tenant's SLA configuration and fills in the defaults.
 * @throws AnalyticsConfigError naming the field, e.g. `targets.P1.firstResponseMinutes`, when a
 *   target is not a positive number of minutes, a first response is allowed longer than the
 *   resolution, a higher priority gets a looser target than a lower one, the at-risk threshold
 *   is outside (0, 1], a pause status is unknown or final, or the business hours are invalid.
 */
export function resolveSlaConfig(input: SlaConfigInput = {}): SlaConfig {
  const targets = {} as Record<TicketPriority, SlaTarget>;
  const overrides = input.targets ?? {};
  for (const key of Object.keys(overrides)) {
    if (!(TICKET_PRIORITIES as readonly string[]).includes(key)) {
      throw new AnalyticsConfigError(`targets.${key}`, `unknown priority; use ${TICKET_PRIORITIES.join(", ")}.`);
    }
  }
  for (const priority of TICKET_PRIORITIES) {
    const override = overrides[priority] ?? {};
    const defaults = DEFAULT_SLA_TARGETS[priority];
    const firstResponse = checkTarget(
      override.firstResponseMinutes === undefined ? defaults.firstResponseMinutes : override.firstResponseMinutes,
      `targets.${priority}.firstResponseMinutes`,
    );
    const resolution = checkTarget(
      override.resolutionMinutes === undefined ? defaults.resolutionMinutes : override.resolutionMinutes,
      `targets.${priority}.resolutionMinutes`,
    );
    if (firstResponse !== null && resolution !== null && firstResponse > resolution) {
      throw new AnalyticsConfigError(
        `targets.${priority}.firstResponseMinutes`,
        `${firstResponse} is longer than the resolution target (${resolution}); a first response cannot be due after the fix.`,
      );
    }
    targets[priority] = { firstResponseMinutes: firstResponse, resolutionMinutes: resolution };
  }
  for (const metric of ["firstResponseMinutes", "resolutionMinutes"] as const) {
    let tightest: { priority: TicketPriority; minutes: number } | null = null;
    for (const priority of [...TICKET_PRIORITIES].reverse()) {
      const minutes = targets[priority][metric];
      if (minutes === null) continue;
      if (tightest !== null && minutes > tightest.minutes) {
        throw new AnalyticsConfigError(
          `targets.${priority}.${metric}`,
          `${minutes} is looser than ${tightest.priority}'s ${tightest.minutes}; a more urgent priority needs a target at least as tight.`,
        );
      }
      tightest = { priority, minutes };
    }
  }
  const atRiskThreshold = input.atRiskThreshold ?? DEFAULT_AT_RISK_THRESHOLD;
  if (typeof atRiskThreshold !== "number" || !(atRiskThreshold > 0 && atRiskThreshold <= 1)) {
    throw new AnalyticsConfigError("atRiskThreshold", "must be a share above 0 and at most 1 (0.8 = at risk from 80 % of the target).");
  }
  const pauseStatuses = input.pauseStatuses ?? DEFAULT_PAUSE_STATUSES;
  if (!Array.isArray(pauseStatuses)) throw new AnalyticsConfigError("pauseStatuses", "must be a list of ticket statuses.");
  pauseStatuses.forEach((status: unknown, i: number) => {
    if (!(TICKET_STATUSES as readonly unknown[]).includes(status) || TERMINAL_STATUSES.has(status as TicketStatus)) {
      throw new AnalyticsConfigError(`pauseStatuses[${i}]`, `must be an open ticket status (${TICKET_STATUSES.filter((s) => !TERMINAL_STATUSES.has(s)).join(", ")}).`);
    }
  });
  const businessHours = input.businessHours ?? null;
  return {
    targets,
    atRiskThreshold,
    calendar: businessHours === null ? null : new BusinessCalendar(businessHours, "businessHours"),
    pauseStatuses: new Set(pauseStatuses),
  };
}

/** An instant: a Date, epoch ms (rounded to whole ms), or an ISO date-time string with Z or an offset. */
export type Instant = Date | number | string;

/** One thing that happened to a ticket. */
export type SlaTicketEvent =
  | { type: "created"; at: Instant; status?: TicketStatus }
  | { type: "first_response"; at: Instant }
  | { type: "status_changed"; at: Instant; status: TicketStatus }
  | { type: "resolved"; at: Instant }
  | { type: "reopened"; at: Instant };

/** A ticket as the SLA engine needs it. */
export interface SlaTicketInput {
  /** "P0".."P4" (case-insensitive); anything else is treated as P3 and flagged. */
  priority: string;
  /** In any order; sorted by time (ties keep input order, `created` first). */
  events: readonly SlaTicketEvent[];
}

/** One clock of one ticket at `now`. */
export interface SlaClock {
  metric: SlaMetric;
  state: SlaState;
  /** Target in business minutes, or null when this priority has none. */
  targetMinutes: number | null;
  /** Business minutes counted toward the target so far (pauses excluded). */
  elapsedMinutes: number;
  /** target − elapsed (negative once breached); null without a target. */
  remainingMinutes: number | null;
  /** elapsed / target; null without a target. */
  fractionElapsed: number | null;
  /**
   * When the target is (or was) reached: in the past for a breached clock; in the future for a
   * running one, counting only business hours, if nothing changes; null while paused, once met,
   * or without a target. A clock exactly on target when business hours end keeps a past dueAt
   * but stays at_risk: it breaches at the next business minute, and a response before then is met.
   */
  dueAt: string | null;
  /** When the clock reaches (or reached) the at-risk share of its target, on the same terms as dueAt. */
  atRiskAt: string | null;
  /** Whether the clock is counting at `now`. */
  running: boolean;
  /** When the clock stopped for good: the first response, or the (latest) resolution. */
  stoppedAt: string | null;
}

/** Both clocks of one ticket at `now`. */
export interface TicketSlaReport {
  priority: TicketPriority;
  /** True when the input priority was unknown and P3 was used. */
  priorityAssumed: boolean;
  /** Status at `now` as replayed from the events. */
  status: TicketStatus;
  paused: boolean;
  createdAt: string;
  now: string;
  firstResponse: SlaClock;
  resolution: SlaClock;
  /**
   * The first instant at which a clock's state will differ if nothing else happens (on_track →
   * at_risk, or at_risk → breached), for scheduling an alarm; null when no clock is running
   * toward a change.
   */
  nextTransitionAt: string | null;
  /** Whether business hours applied, and in which zone. */
  timeZone: string | null;
}

const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})$/i;

function toInstant(value: unknown, field: string): number {
  let ms = Number.NaN;
  if (value instanceof Date) ms = value.getTime();
  else if (typeof value === "number") ms = Math.round(value);
  else if (typeof value === "string" && ISO_INSTANT.test(value)) ms = Date.parse(value);
  if (!Number.isFinite(ms) || ms < MIN_INSTANT || ms > MAX_INSTANT) {
    throw new AnalyticsConfigError(
      field,
      "expected an instant between the years 1900 and 9999: a Date, epoch ms, or an ISO date-time ending in Z or an offset.",
    );
  }
  return ms;
}

function normalizePriority(priority: unknown): { priority: TicketPriority; assumed: boolean } {
  const text = typeof priority === "string" ? priority.trim().toUpperCase() : "";
  const known = TICKET_PRIORITIES.find((candidate) => candidate === text);
  return known === undefined ? { priority: FALLBACK_PRIORITY, assumed: true } : { priority: known, assumed: false };
}

interface TimedEvent {
  event: SlaTicketEvent;
  at: number;
  index: number;
}

function sortedEvents(events: readonly SlaTicketEvent[]): { created: number; timeline: TimedEvent[] } {
  if (!Array.isArray(events)) throw new AnalyticsConfigError("events", "must be a list of ticket events.");
  const timeline: TimedEvent[] = [];
  let created: number | null = null;
  events.forEach((event, index) => {
    const type = event?.type;
    if (type !== "created" && type !== "first_response" && type !== "status_changed" && type !== "resolved" && type !== "reopened") {
      throw new AnalyticsConfigError(`events[${index}].type`, "must be created, first_response, status_changed, resolved or reopened.");
    }
    const at = toInstant(event.at, `events[${index}].at`);
    if ((type === "status_changed" || (type === "created" && event.status !== undefined)) && !TICKET_STATUSES.includes(event.status as TicketStatus)) {
      throw new AnalyticsConfigError(`events[${index}].status`, `must be one of ${TICKET_STATUSES.join(", ")}.`);
    }
    if (type === "created") {
      if (created !== null) throw new AnalyticsConfigError(`events[${index}].type`, "a ticket has exactly one created event.");
      created = at;
    }
    timeline.push({ event, at, index });
  });
  if (created === null) throw new AnalyticsConfigError("events", "needs a created event; the clocks start at creation.");
  const start: number = created;
  timeline.forEach(({ at, index }) => {
    if (at < start) throw new AnalyticsConfigError(`events[${index}].at`, "is before the ticket was created; check the event's time zone.");
  });
  timeline.sort((a, b) => a.at - b.at || Number(b.event.type === "created") - Number(a.event.type === "created") || a.index - b.index);
  return { created: start, timeline };
}

interface ClockTally {
  elapsed: number;
  reachedTarget: number | null;
  reachedAtRisk: number | null;
}

/** Elapsed business ms over [from, to), noting when cumulative time crosses the marks. */
function accumulate(tally: ClockTally, from: number, to: number, calendar: BusinessCalendar | null, target: number | null, atRisk: number | null): void {
  if (!(to > from)) return;
  const span = calendar === null ? to - from : calendar.between(from, to);
  if (span <= 0) return;
  const at = (offset: number): number => (calendar === null ? from + offset : calendar.add(from, offset));
  if (atRisk !== null && tally.reachedAtRisk === null && tally.elapsed + span >= atRisk) tally.reachedAtRisk = at(atRisk - tally.elapsed);
  if (target !== null && tally.reachedTarget === null && tally.elapsed + span >= target) tally.reachedTarget = at(target - tally.elapsed);
  tally.elapsed += span;
}

/**
 * Elapsed ms from which a clock is at risk: whole milliseconds, so reported instants (ISO
 * strings hold ms) are exact; the epsilon keeps 900,000 × 0.8 at 720,000 despite float noise.
 */
function atRiskMark(target: number, threshold: number): number {
  return Math.ceil(target * threshold - 1e-6);
}

function iso(ms: number | null): string | null {
  return ms === null ? null : new Date(ms).toISOString();
}

/**
 * Replays a ticket's events up to `now` and reports both SLA clocks.
 *
 * @param config a validated configuration (`resolveSlaConfig`), or the input to validate.
 * @throws AnalyticsConfigError naming the event at fault (`events[2].at`) or the config field.
 * @example
 * // P1 (15 min to first response), created 10:00 UTC, no response yet, now 10:12:
 * computeSlaClocks({ priority: "P1", events: [{ type: "created", at: "2025-01-06T10:00:00Z" }] },
 *   "2025-01-06T10:12:00Z").firstResponse // at_risk (12/15 = 80 %), due 10:15
 */
export function computeSlaClocks(ticket: SlaTicketInput, now: Instant, config: SlaConfig | SlaConfigInput = {}): TicketSlaReport {
  const resolved = isResolvedConfig(config) ? config : resolveSlaConfig(config);
  const nowMs = toInstant(now, "now");
  const { priority, assumed } = normalizePriority(ticket?.priority);
  const { created, timeline } = sortedEvents(ticket?.events);
  const targets = resolved.targets[priority];
  const calendar = resolved.calendar;
  const minutesToMs = (minutes: number | null): number | null => (minutes === null ? null : Math.round(minutes * MS_PER_MINUTE));
  const frTarget = minutesToMs(targets.firstResponseMinutes);
  const resTarget = minutesToMs(targets.resolutionMinutes);
  const frAtRisk = frTarget === null ? null : atRiskMark(frTarget, resolved.atRiskThreshold);
  const resAtRisk = resTarget === null ? null : atRiskMark(resTarget, resolved.atRiskThreshold);

  let status: TicketStatus = "open";
  let isResolved = false;
  let respondedAt: number | null = null;
  let resolvedAt: number | null = null;
  const fr: ClockTally = { elapsed: 0, reachedTarget: null, reachedAtRisk: null };
  const res: ClockTally = { elapsed: 0, reachedTarget: null, reachedAtRisk: null };
  const paused = (): boolean => resolved.pauseStatuses.has(status);
  const frRunning = (): boolean => respondedAt === null && !isResolved && !paused();
  const resRunning = (): boolean => !isResolved && !paused();

  let cursor = created;
  const advance = (to: number): void => {
    if (frRunning()) accumulate(fr, cursor, to, calendar, frTarget, frAtRisk);
    if (resRunning()) accumulate(res, cursor, to, calendar, resTarget, resAtRisk);
    cursor = to;
  };

  if (nowMs >= created) {
    for (const { event, at } of timeline) {
      if (at > nowMs) break;
      advance(at);
      switch (event.type) {
        case "created":
          status = event.status ?? "open";
          isResolved = TERMINAL_STATUSES.has(status);
          break;
        case "first_response":
          respondedAt ??= at;
          break;
        case "status_changed":
          status = event.status;
          isResolved = TERMINAL_STATUSES.has(status);
          break;
        case "resolved":
          status = "resolved";
          isResolved = true;
          break;
        case "reopened":
          status = "reopened";
          isResolved = false;
          break;
      }
      if (isResolved && resolvedAt === null) resolvedAt = at;
      if (!isResolved) resolvedAt = null;
    }
    advance(nowMs);
  }

  const exists = nowMs >= created;
  const clock = (
    metric: SlaMetric,
    targetMinutes: number | null,
    target: number | null,
    tally: ClockTally,
    running: boolean,
    stoppedAt: number | null,
    completed: boolean,
  ): SlaClock => {
    const breached = target !== null && tally.elapsed > target;
    let state: SlaState;
    if (!exists || target === null) state = "not_applicable";
    else if (breached) state = "breached";
    else if (completed) state = metric === "first_response" && respondedAt === null ? "not_applicable" : "met";
    else if (!running) state = "paused";
    else if (tally.elapsed >= atRiskMark(target, resolved.atRiskThreshold)) state = "at_risk";
    else state = "on_track";
    const project = (mark: number | null, reached: number | null): number | null => {
      if (mark === null || !exists) return null;
      if (reached !== null) return reached;
      if (!running) return null;
      return calendar === null ? nowMs + (mark - tally.elapsed) : calendar.add(nowMs, mark - tally.elapsed);
    };
    return {
      metric,
      state,
      targetMinutes,
      elapsedMinutes: tally.elapsed / MS_PER_MINUTE,
      remainingMinutes: target === null ? null : (target - tally.elapsed) / MS_PER_MINUTE,
      fractionElapsed: target === null ? null : tally.elapsed / target,
      dueAt: iso(project(target, tally.reachedTarget)),
      atRiskAt: iso(project(target === null ? null : atRiskMark(target, resolved.atRiskThreshold), tally.reachedAtRisk)),
      running: exists && running,
      stoppedAt: iso(stoppedAt),
    };
  };

  const frCompleted = respondedAt !== null || isResolved;
  const firstResponse = clock(
    "first_response",
    targets.firstResponseMinutes,
    frTarget,
    fr,
    frRunning(),
    respondedAt ?? (isResolved ? resolvedAt : null),
    frCompleted,
  );
  const resolution = clock("resolution", targets.resolutionMinutes, resTarget, res, resRunning(), isResolved ? resolvedAt : null, isResolved);

  // on_track turns at_risk at atRiskAt; at_risk turns breached one business ms after dueAt
  // (or after now, for a clock exactly on target outside business hours).
  const upcoming = [firstResponse, resolution]
    .filter((c) => c.running && (c.state === "on_track" || c.state === "at_risk"))
    .map((c) => {
      if (c.state === "on_track") return c.atRiskAt === null ? null : Date.parse(c.atRiskAt);
      if (c.dueAt === null) return null;
      const from = Math.max(Date.parse(c.dueAt), nowMs);
      return calendar === null ? from + 1 : calendar.add(from, 1);
    })
    .filter((at): at is number => at !== null && at > nowMs)
    .sort((a, b) => a - b);
  return {
    priority,
    priorityAssumed: assumed,
    status: exists ? status : "open",
    paused: exists && paused(),
    createdAt: new Date(created).toISOString(),
    now: new Date(nowMs).toISOString(),
    firstResponse,
    resolution,
    nextTransitionAt: iso(upcoming[0] ?? null),
    timeZone: calendar?.timeZone ?? null,
  };
}

function isResolvedConfig(config: SlaConfig | SlaConfigInput): config is SlaConfig {
  return "calendar" in config && config.pauseStatuses instanceof Set;
}

/** Counts of each state for one metric across tickets, and the compliance rate. */
export interface SlaMetricSummary {
  counts: Record<SlaState, number>;
  /** met / (met + breached), or null when no clock has finished or breached. */
  compliance: number | null;
}

/** SLA health across many tickets. */
export interface SlaSummary {
  tickets: number;
  firstResponse: SlaMetricSummary;
  resolution: SlaMetricSummary;
}

function summarizeMetric(clocks: readonly SlaClock[]): SlaMetricSummary {
  const counts = { on_track: 0, at_risk: 0, breached: 0, met: 0, paused: 0, not_applicable: 0 } satisfies Record<SlaState, number>;
  for (const c of clocks) counts[c.state] += 1;
  const decided = counts.met + counts.breached;
  return { counts, compliance: decided === 0 ? null : counts.met / decided };
}

/** Rolls many ticket reports into state counts and compliance per clock. */
export function summarizeSla(reports: readonly TicketSlaReport[]): SlaSummary {
  return {
    tickets: reports.length,
    firstResponse: summarizeMetric(reports.map((r) => r.firstResponse)),
    resolution: summarizeMetric(reports.map((r) => r.resolution)),
  };
}
