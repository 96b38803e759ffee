/**
 * The five health components, each a pure function of an account's real facts returning 0–100,
 * or NaN when the account has no data for that component (the scorer then leaves it out).
 *
 * Input hygiene, shared by every component: a field counts as present only when it is a finite
 * number; counts, ages and amounts below 0 are read as 0; rates are clamped to 0–1 and survey
 * answers to their scale. An absent field is never replaced by a guess.
 */
import { DEFAULT_HEALTH_TARGETS, type HealthTargets } from "./health-config";

/**
 * What the engine needs to know about one account. Every field is optional: leave out (or set
 * null) what you do not know; pass 0 when you know the count is zero.
 */
export interface HealthFeatures {
  // ── usage ──
  /** Distinct users active in the last 30 days. */
  activeUsers?: number | null;
  /** Seats the contract licenses. */
  licensedSeats?: number | null;
  /** Logins (sessions) by all users in the last 30 days. */
  logins30d?: number | null;
  /** Distinct product features used in the last 30 days. */
  featuresUsed?: number | null;
  /** Features available on the account's plan. */
  featuresAvailable?: number | null;
  // ── engagement ──
  /** Days since the last two-way touch (meeting, call, reply, in-app conversation). */
  daysSinceLastTouch?: number | null;
  /** Share (0–1) of CS emails opened, last 90 days. */
  emailOpenRate?: number | null;
  /** Share (0–1) of CS emails with a click, last 90 days. */
  emailClickRate?: number | null;
  /** Share (0–1) of CSM messages answered, last 90 days. */
  messageReplyRate?: number | null;
  // ── support ──
  /** Tickets open now. */
  openTickets?: number | null;
  /** Tickets created in the last 90 days (all severities). */
  tickets90d?: number | null;
  /** Of those, high-severity ones (P0/P1, urgent/high). */
  highSeverityTickets90d?: number | null;
  /** SLA breaches (first response or resolution) in the last 90 days. */
  slaBreaches90d?: number | null;
  /** Age in days of the oldest ticket still open (0 when none is open). */
  oldestOpenTicketAgeDays?: number | null;
  // ── satisfaction ──
  /** Latest NPS answer, 0–10. */
  nps?: number | null;
  /** Latest CSAT answer, 1–5. */
  csat?: number | null;
  /** Latest CES answer, 1–7 (1 = very easy; lower is better). */
  ces?: number | null;
  // ── payment (last 12 months) ──
  /** Invoices paid after their due date. */
  invoicesPaidLate?: number | null;
  /** Most days any invoice was (or still is) past due. */
  maxDaysLate?: number | null;
  /** Failed payment attempts (declined card, bounced debit). */
  failedPayments?: number | null;
  /** Amount past due now, in the contract's currency. */
  overdueAmount?: number | null;
  /** Annual contract value, same currency; only used to size `overdueAmount`. */
  annualContractValue?: number | null;
}

/** Sub-signal weights inside usage (the seed's usage-health mix: active users 0.4, utilisation 0.3, adoption 0.3). */
export const USAGE_SUB_WEIGHTS = Object.freeze({ seats: 0.4, logins: 0.3, breadth: 0.3 });
/** Sub-signal weights inside engagement: recency dominates; campaign response refines it. */
export const ENGAGEMENT_SUB_WEIGHTS = Object.freeze({ recency: 0.6, responsiveness: 0.4 });
/** Weights inside responsiveness: a reply is a stronger signal than an open or a click. */
export const RESPONSIVENESS_SUB_WEIGHTS = Object.freeze({ open: 0.3, click: 0.3, reply: 0.4 });
/** Weights inside satisfaction: NPS (relationship) over CSAT (transaction) over CES (one interaction). */
export const SATISFACTION_SUB_WEIGHTS = Object.freeze({ nps: 0.5, csat: 0.3, ces: 0.2 });

/**
 * Support penalties: points per unit and the cap of each. The first two are the seed's
 * (3 per ticket up to 30, 10 per P0/P1 up to 20); breaches, age and backlog complete the
 * 100 points so a worst case reaches 0.
 */
export const SUPPORT_PENALTIES = Object.freeze({
  perTicket: 3, ticketCap: 30,
  perHighSeverity: 10, highSeverityCap: 20,
  perSlaBreach: 8, slaBreachCap: 25,
  perOldestOpenDay: 0.5, oldestOpenCap: 15,
  perOpenTicket: 2, openTicketCap: 10,
});

/**
 * Payment penalties. The seed took 40 off for "overdue" and 20 for "late"; here lateness is
 * measured (count and depth), failures count, and the overdue penalty grows with the overdue
 * share of the annual contract (full 40 at 25 %, i.e. a quarter of a year unpaid).
 */
export const PAYMENT_PENALTIES = Object.freeze({
  perLateInvoice: 5, lateInvoiceCap: 20,
  perDayLate: 0.5, daysLateCap: 20,
  perFailedPayment: 10, failedPaymentCap: 20,
  overdueCap: 40, overdueShareAtCap: 0.25,
});

/** A finite number, or NaN for absent/invalid input (NaN is the engine's "no data" marker). */
export function present(value: number | null | undefined): number {
  // `v - v === 0` is false exactly for NaN and ±Infinity, and cheaper than Number.isFinite.
  return typeof value === "number" && value - value === 0 ? value : Number.NaN;
}

/** True when `value` is a finite number. */
export function has(value: number | null | undefined): boolean {
  return typeof value === "number" && value - value === 0;
}

/** A present value with negatives read as 0 (counts, ages, amounts); NaN stays NaN. */
export function nonNegative(value: number | null | undefined): number {
  if (typeof value !== "number" || value - value !== 0) return Number.NaN;
  return value < 0 ? 0 : value;
}

function unitShare(value: number): number {
  return value < 0 ? 0 : value > 1 ? 1 : value;
}

/** A sub-signal (0–100) at or above this is "at or near target" and not called a drag. */
export const STRONG_SUBSCORE = 75;

/** Recency points by bucket (the seed's steps): < 1 day, ≤ 3, ≤ 7, ≤ 14, ≤ 30, older. */
export const RECENCY_POINTS = Object.freeze([95, 85, 75, 60, 45, 30] as const);

/** Bucket 0–5 of {@link RECENCY_POINTS} for days since the last touch (negative reads as 0). */
export function recencyBucket(days: number): number {
  return days < 1 ? 0 : days <= 3 ? 1 : days <= 7 ? 2 : days <= 14 ? 3 : days <= 30 ? 4 : 5;
}

/**
 * Recency 0–100, the seed's step function on days since the last touch:
 * < 1 day → 95; ≤ 3 → 85; ≤ 7 → 75; ≤ 14 → 60; ≤ 30 → 45; older → 30. Never rises with age.
 */
export function recencyScore(daysSinceLastTouch: number): number {
  return RECENCY_POINTS[recencyBucket(daysSinceLastTouch)] ?? 30;
}

/** min(cap, count × per); absent (NaN) or zero takes nothing off. */
export function penalty(count: number, per: number, cap: number): number {
  if (!(count > 0)) return 0;
  const p = count * per;
  return p > cap ? cap : p;
}

/** NPS answer 0–10 → 0–100 (× 10). Fixes the seed, which read 0–10 answers as −100..100. */
export function npsPoints(nps: number): number {
  return nps < 0 ? 0 : nps > 10 ? 100 : nps * 10;
}
/** CSAT 1–5 → 0–100: (csat − 1) × 25. */
export function csatPoints(csat: number): number {
  return csat < 1 ? 0 : csat > 5 ? 100 : (csat - 1) * 25;
}
/** CES 1–7, lower is better → 0–100: (7 − ces) / 6 × 100. */
export function cesPoints(ces: number): number {
  return ces < 1 ? 100 : ces > 7 ? 0 : ((7 - ces) / 6) * 100;
}

/** Overdue penalty: 40 × min(1, overdue / (0.25 × ACV)); the full 40 (the seed's flat "overdue") when ACV is unknown. */
export function overduePenalty(overdue: number, annualContractValue: number): number {
  if (!(overdue > 0)) return 0;
  if (!(annualContractValue > 0)) return PAYMENT_PENALTIES.overdueCap;
  const share = overdue / annualContractValue / PAYMENT_PENALTIES.overdueShareAtCap;
  return PAYMENT_PENALTIES.overdueCap * (share > 1 ? 1 : share);
}

/**
 * The five component values (NaN = no data for that component) and, for each, the index of the
 * fact that drove it, into that component's sentences in ./health-explain.ts.
 */
export interface HealthEvaluation {
  usage: number;
  engagement: number;
  support: number;
  satisfaction: number;
  payment: number;
  /** 0 every usage signal strong (≥ 75), 1 seats, 2 logins, 3 breadth: the weakest below 75. */
  usageDriver: number;
  /** 4 × recency bucket (6 when unknown) + response class (0 unknown, 1 ≥ 75, 2 ≥ 40, 3 lower). */
  engagementDriver: number;
  /** The largest penalty: 1 tickets, 2 high severity, 3 breaches, 4 oldest open, 5 backlog; 0 none. */
  supportDriver: number;
  /** The least favourable answer: NPS 0 promoter, 1 passive, 2 detractor; CSAT 3 satisfied, 4 neutral, 5 dissatisfied; CES 6 easy, 7 neutral, 8 hard. */
  satisfactionDriver: number;
  /** The largest penalty: 1 late invoices, 2 days late, 3 failed, 4 overdue; 0 none. */
  paymentDriver: number;
  /** Logins per seat (per active user without seats) in 30 days; NaN when unknown. */
  loginsPerSeat: number;
  /** Responsiveness 0–100 (email/message response); NaN when unknown. */
  responsiveness: number;
}

/** A fresh evaluation to pass to {@link evaluateHealthComponents} (reuse it across accounts). */
export function newHealthEvaluation(): HealthEvaluation {
  return {
    usage: Number.NaN, engagement: Number.NaN, support: Number.NaN, satisfaction: Number.NaN, payment: Number.NaN,
    usageDriver: 0, engagementDriver: 0, supportDriver: 0, satisfactionDriver: 0, paymentDriver: 0,
    loginsPerSeat: Number.NaN, responsiveness: Number.NaN,
  };
}

/**
 * Every component formula, in one pass over the account's fields (the single implementation;
 * the per-component functions below read from it). Writes into `out` and returns it; allocates
 * nothing, so the recompute hot path can reuse one evaluation for every account.
 *
 * Each field is read once and checked inline (finite number, negatives → 0 for counts): this
 * function runs a million times a second, and helper calls per field cost more than the math.
 */
export function evaluateHealthComponents(f: HealthFeatures, targets: HealthTargets, out: HealthEvaluation): HealthEvaluation {
  const NaN_ = Number.NaN;
  let v: number | null | undefined;

  // ── usage: weighted mean of seats 0.4, logins 0.3, breadth 0.3 over those present ──
  v = f.activeUsers;
  const active = typeof v === "number" && v - v === 0 ? (v < 0 ? 0 : v) : NaN_;
  v = f.licensedSeats;
  const seats = typeof v === "number" && v - v === 0 ? (v < 0 ? 0 : v) : NaN_;
  v = f.logins30d;
  const logins = typeof v === "number" && v - v === 0 ? (v < 0 ? 0 : v) : NaN_;
  v = f.featuresUsed;
  const used = typeof v === "number" && v - v === 0 ? (v < 0 ? 0 : v) : NaN_;
  v = f.featuresAvailable;
  const available = typeof v === "number" && v - v === 0 ? (v < 0 ? 0 : v) : NaN_;
  {
    const W = USAGE_SUB_WEIGHTS;
    let sum = 0;
    let weight = 0;
    let lowest = STRONG_SUBSCORE;
    let driver = 0;
    if (seats > 0 && active === active) {
      const sub = 100 * unitShare(active / seats);
      sum += W.seats * sub;
      weight += W.seats;
      if (sub < lowest) { lowest = sub; driver = 1; }
    }
    // Per seat; per active user when seats are unknown (at least one, so 0 users with 0 logins reads as 0).
    const perSeat = logins !== logins ? NaN_ : seats > 0 ? logins / seats : active === active ? logins / (active > 1 ? active : 1) : NaN_;
    if (perSeat === perSeat) {
      const sub = 100 * unitShare(perSeat / targets.loginsPerSeat30d);
      sum += W.logins * sub;
      weight += W.logins;
      if (sub < lowest) { lowest = sub; driver = 2; }
    }
    if (available > 0 && used === used) {
      const sub = 100 * unitShare(used / available);
      sum += W.breadth * sub;
      weight += W.breadth;
      if (sub < lowest) driver = 3;
    }
    out.usage = weight > 0 ? sum / weight : NaN_;
    out.usageDriver = driver;
    out.loginsPerSeat = perSeat;
  }

  // ── engagement: 0.6 recency + 0.4 responsiveness (open 0.3, click 0.3, reply 0.4 of rate/target) ──
  v = f.daysSinceLastTouch;
  const days = typeof v === "number" && v - v === 0 ? v : NaN_;
  v = f.emailOpenRate;
  const open = typeof v === "number" && v - v === 0 ? v : NaN_;
  v = f.emailClickRate;
  const click = typeof v === "number" && v - v === 0 ? v : NaN_;
  v = f.messageReplyRate;
  const reply = typeof v === "number" && v - v === 0 ? v : NaN_;
  {
    const R = RESPONSIVENESS_SUB_WEIGHTS;
    let rSum = 0;
    let rWeight = 0;
    if (open === open) { rSum += R.open * 100 * unitShare(unitShare(open) / targets.emailOpenRate); rWeight += R.open; }
    if (click === click) { rSum += R.click * 100 * unitShare(unitShare(click) / targets.emailClickRate); rWeight += R.click; }
    if (reply === reply) { rSum += R.reply * 100 * unitShare(unitShare(reply) / targets.messageReplyRate); rWeight += R.reply; }
    const resp = rWeight > 0 ? rSum / rWeight : NaN_;
    const W = ENGAGEMENT_SUB_WEIGHTS;
    let sum = 0;
    let weight = 0;
    let bucket = 6;
    if (days === days) {
      bucket = recencyBucket(days);
      sum += W.recency * (RECENCY_POINTS[bucket] ?? 30);
      weight += W.recency;
    }
    if (resp === resp) { sum += W.responsiveness * resp; weight += W.responsiveness; }
    out.engagement = weight > 0 ? sum / weight : NaN_;
    out.engagementDriver = bucket * 4 + (resp !== resp ? 0 : resp >= STRONG_SUBSCORE ? 1 : resp >= 40 ? 2 : 3);
    out.responsiveness = resp;
  }

  // ── support: 100 − capped penalties for volume, severity, breaches, oldest open, backlog ──
  v = f.tickets90d;
  const tickets = typeof v === "number" && v - v === 0 ? (v < 0 ? 0 : v) : NaN_;
  v = f.highSeverityTickets90d;
  const high = typeof v === "number" && v - v === 0 ? (v < 0 ? 0 : v) : NaN_;
  v = f.slaBreaches90d;
  const breaches = typeof v === "number" && v - v === 0 ? (v < 0 ? 0 : v) : NaN_;
  v = f.oldestOpenTicketAgeDays;
  const oldest = typeof v === "number" && v - v === 0 ? (v < 0 ? 0 : v) : NaN_;
  v = f.openTickets;
  const openTickets = typeof v === "number" && v - v === 0 ? (v < 0 ? 0 : v) : NaN_;
  if (tickets !== tickets && high !== high && breaches !== breaches && oldest !== oldest && openTickets !== openTickets) {
    out.support = NaN_;
    out.supportDriver = 0;
  } else {
    const P = SUPPORT_PENALTIES;
    let total = 0;
    let best = 0;
    let driver = 0;
    let p = penalty(tickets, P.perTicket, P.ticketCap);
    total += p;
    if (p > best) { best = p; driver = 1; }
    p = penalty(high, P.perHighSeverity, P.highSeverityCap);
    total += p;
    if (p > best) { best = p; driver = 2; }
    p = penalty(breaches, P.perSlaBreach, P.slaBreachCap);
    total += p;
    if (p > best) { best = p; driver = 3; }
    p = penalty(oldest, P.perOldestOpenDay, P.oldestOpenCap);
    total += p;
    if (p > best) { best = p; driver = 4; }
    p = penalty(openTickets, P.perOpenTicket, P.openTicketCap);
    total += p;
    if (p > best) driver = 5;
    out.support = total >= 100 ? 0 : 100 - total;
    out.supportDriver = driver;
  }

  // ── satisfaction: NPS 0.5, CSAT 0.3, CES 0.2 of the latest answers present ──
  v = f.nps;
  const nps = typeof v === "number" && v - v === 0 ? v : NaN_;
  v = f.csat;
  const csat = typeof v === "number" && v - v === 0 ? v : NaN_;
  v = f.ces;
  const ces = typeof v === "number" && v - v === 0 ? v : NaN_;
  {
    const W = SATISFACTION_SUB_WEIGHTS;
    let sum = 0;
    let weight = 0;
    let lowest = Number.POSITIVE_INFINITY;
    let driver = 0;
    if (nps === nps) {
      const pts = npsPoints(nps);
      sum += W.nps * pts;
      weight += W.nps;
      lowest = pts;
      driver = nps < 7 ? 2 : nps < 9 ? 1 : 0;
    }
    if (csat === csat) {
      const pts = csatPoints(csat);
      sum += W.csat * pts;
      weight += W.csat;
      if (pts < lowest) { lowest = pts; driver = csat < 3 ? 5 : csat < 4 ? 4 : 3; }
    }
    if (ces === ces) {
      const pts = cesPoints(ces);
      sum += W.ces * pts;
      weight += W.ces;
      if (pts < lowest) driver = ces <= 3 ? 6 : ces < 5 ? 7 : 8;
    }
    out.satisfaction = weight > 0 ? sum / weight : NaN_;
    out.satisfactionDriver = driver;
  }

  // ── payment: 100 − capped penalties for late invoices, days late, failures, overdue share ──
  v = f.invoicesPaidLate;
  const late = typeof v === "number" && v - v === 0 ? (v < 0 ? 0 : v) : NaN_;
  v = f.maxDaysLate;
  const daysLate = typeof v === "number" && v - v === 0 ? (v < 0 ? 0 : v) : NaN_;
  v = f.failedPayments;
  const failed = typeof v === "number" && v - v === 0 ? (v < 0 ? 0 : v) : NaN_;
  v = f.overdueAmount;
  const overdue = typeof v === "number" && v - v === 0 ? (v < 0 ? 0 : v) : NaN_;
  // The contract value alone is not payment behaviour.
  if (late !== late && daysLate !== daysLate && failed !== failed && overdue !== overdue) {
    out.payment = NaN_;
    out.paymentDriver = 0;
  } else {
    v = f.annualContractValue;
    const acv = typeof v === "number" && v - v === 0 ? (v < 0 ? 0 : v) : NaN_;
    const P = PAYMENT_PENALTIES;
    let total = 0;
    let best = 0;
    let driver = 0;
    let p = penalty(late, P.perLateInvoice, P.lateInvoiceCap);
    total += p;
    if (p > best) { best = p; driver = 1; }
    p = penalty(daysLate, P.perDayLate, P.daysLateCap);
    total += p;
    if (p > best) { best = p; driver = 2; }
    p = penalty(failed, P.perFailedPayment, P.failedPaymentCap);
    total += p;
    if (p > best) { best = p; driver = 3; }
    p = overduePenalty(overdue, acv);
    total += p;
    if (p > best) driver = 4;
    out.payment = total >= 100 ? 0 : 100 - total;
    out.paymentDriver = driver;
  }
  return out;
}

// The per-component functions: documented formulas, read from the single evaluation above.
// Not for the hot path (each evaluates all five); scoreHealth calls evaluateHealthComponents once.
// Support, satisfaction and payment use no targets, so they take the defaults.
const one = newHealthEvaluation();

/**
 * Usage 0–100 = weighted mean over the sub-signals present (weights {@link USAGE_SUB_WEIGHTS}):
 * - seats   = 100 × min(1, activeUsers / licensedSeats)              (needs both, seats > 0)
 * - logins  = 100 × min(1, loginsPerSeat / targets.loginsPerSeat30d)  (see {@link loginsPerSeat})
 * - breadth = 100 × min(1, featuresUsed / featuresAvailable)          (needs both, available > 0)
 *
 * With seats known, more active users never lower it (seats rises or stays at 100; the others do
 * not depend on active users). Replaces the seed's lifecycle-stage proxy. NaN when none is present.
 */
export function usageScore(f: HealthFeatures, targets: HealthTargets): number {
  return evaluateHealthComponents(f, targets, one).usage;
}

/**
 * Logins per seat in 30 days; per active user when seats are unknown (then at least one user is
 * assumed, so 0 active users with 0 logins reads as 0, not as missing). NaN without logins.
 */
export function loginsPerSeat(f: HealthFeatures, targets: HealthTargets): number {
  return evaluateHealthComponents(f, targets, one).loginsPerSeat;
}

/**
 * Responsiveness 0–100 = weighted mean ({@link RESPONSIVENESS_SUB_WEIGHTS}: open 0.3, click 0.3,
 * reply 0.4) over the rates present of 100 × min(1, rate / target) (targets: open 0.40,
 * click 0.10, reply 0.30 by default). NaN when no rate is present.
 */
export function responsivenessScore(f: HealthFeatures, targets: HealthTargets): number {
  return evaluateHealthComponents(f, targets, one).responsiveness;
}

/**
 * Engagement 0–100 = 0.6 × recency ({@link recencyScore}) + 0.4 × responsiveness
 * ({@link responsivenessScore}), over whichever of the two is present (renormalized). The seed
 * used recency alone and 50 when it was unknown; here unknown is left out. A later last touch
 * never raises it.
 */
export function engagementScore(f: HealthFeatures, targets: HealthTargets): number {
  return evaluateHealthComponents(f, targets, one).engagement;
}

/**
 * Support 0–100 = 100 − min(30, 3 × tickets90d) − min(20, 10 × highSeverity90d)
 *   − min(25, 8 × slaBreaches90d) − min(15, 0.5 × oldestOpenDays) − min(10, 2 × openTickets),
 * clamped to 0–100 (see {@link SUPPORT_PENALTIES}). NaN when no support field is present; a
 * field that is absent takes nothing off. Every penalty is non-decreasing in its count, so more
 * breaches (or tickets, or older tickets) never raise it.
 */
export function supportScore(f: HealthFeatures): number {
  return evaluateHealthComponents(f, DEFAULT_HEALTH_TARGETS, one).support;
}

/**
 * Satisfaction 0–100 = weighted mean ({@link SATISFACTION_SUB_WEIGHTS}: NPS 0.5, CSAT 0.3,
 * CES 0.2) of NPS × 10, (CSAT − 1) × 25 and (7 − CES) / 6 × 100 over the latest answers
 * present. The seed returned a constant 70; no answer here means no satisfaction component.
 */
export function satisfactionScore(f: HealthFeatures): number {
  return evaluateHealthComponents(f, DEFAULT_HEALTH_TARGETS, one).satisfaction;
}

/**
 * Payment 0–100 = 100 − min(20, 5 × invoicesPaidLate) − min(20, 0.5 × maxDaysLate)
 *   − min(20, 10 × failedPayments) − min(40, 40 × overdue / (0.25 × ACV)), clamped
 * (see {@link PAYMENT_PENALTIES}; with no ACV any overdue amount takes the full 40).
 * NaN when no payment-behaviour field is present (the contract value alone is not behaviour).
 * Paying later (more late invoices, more days late, more overdue) never raises it. The seed's
 * "renewal within 30 days" deduction is not payment behaviour; renewal proximity is a churn factor.
 */
export function paymentScore(f: HealthFeatures): number {
  return evaluateHealthComponents(f, DEFAULT_HEALTH_TARGETS, one).payment;
}
