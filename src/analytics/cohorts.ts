/**
 * Cohorts: logo and revenue retention by start month, and gross/net revenue retention over a period.
 *
 * Definitions (all instants UTC):
 * - An account is a customer from `startDate` until `churnDate` (exclusive): churned at t when
 *   churnDate ≤ t.
 * - ARR history is a step function: each point's ARR holds from its date until the next point.
 *   Before the first point the first point's ARR applies (history often starts after the contract),
 *   and an account with no history has ARR 0 (it still counts for logo retention).
 * - An account's ARR at t is 0 before its start and once churned, else the history's value at t.
 * - Starting ARR: the history's value at `startDate`.
 *
 * Cohort matrix: the cohort is the UTC calendar month of `startDate`. Column k measures at the last
 * instant of calendar month (cohort month + k), so column 0 is the end of the start month and can be
 * below 100 % when accounts churn in their first month. Only months that have fully ended by `asOf`
 * get a column; accounts starting after `asOf` are left out.
 * - Logo retention_k = customers at column k ÷ accounts in the cohort.
 * - Net revenue retention_k = Σ ARR at k ÷ Σ starting ARR (not capped; expansion lifts it above 1).
 * - Gross revenue retention_k = Σ min(ARR at k, starting ARR) ÷ Σ starting ARR (capped at 1 per
 *   account, so expansion never hides losses).
 *
 * Period retention (`revenueRetention`), from `from` to `to`:
 * - Revenue base: accounts with ARR > 0 at `from`. New business after `from` is not retention.
 * - Per account, with s = ARR at `from` and e = ARR at `to`: churn = s when e = 0 (by churn date or
 *   ARR falling to 0); contraction = s − e when 0 < e < s; expansion = e − s when e > s.
 * - GRR = (S − contraction − churn) ÷ S ≤ 1; NRR = (S + expansion − contraction − churn) ÷ S,
 *   so NRR = GRR + expansion ÷ S exactly. Both are null when S = 0.
 * - Logo base: accounts that are customers at `from`; retained when still customers at `to`.
 */
import { AnalyticsConfigError } from "./errors";
import { safeRatio } from "./math";
import { describe, monthKey, monthStartMs, toUtcMs, utcMonth, type DateInput } from "./segments-dates";

export type { DateInput } from "./segments-dates";

/** ARR in effect from `date` until the next point. */
export interface ArrPoint {
  readonly date: DateInput;
  readonly arr: number;
}

export interface CohortAccount {
  readonly id: string;
  readonly startDate: DateInput;
  readonly churnDate?: DateInput | null;
  readonly arrHistory?: readonly ArrPoint[];
}

interface Prepared {
  readonly id: string;
  readonly startMs: number;
  readonly churnMs: number | null;
  readonly times: Float64Array;
  readonly arrs: Float64Array;
  readonly startingArr: number;
}

/** The history's value at t (ignoring start and churn). */
function historyAt(a: Pick<Prepared, "times" | "arrs">, t: number): number {
  const n = a.times.length;
  if (n === 0) return 0;
  // Binary search for the last point with time ≤ t.
  let lo = 0;
  let hi = n - 1;
  if (t < (a.times[0] as number)) return a.arrs[0] as number;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if ((a.times[mid] as number) <= t) lo = mid;
    else hi = mid - 1;
  }
  return a.arrs[lo] as number;
}

function isCustomer(a: Prepared, t: number): boolean {
  return a.startMs <= t && (a.churnMs === null || a.churnMs > t);
}

function arrAt(a: Prepared, t: number): number {
  return isCustomer(a, t) ? historyAt(a, t) : 0;
}

function prepareAccounts(accounts: readonly CohortAccount[]): Prepared[] {
  if (!Array.isArray(accounts)) throw new AnalyticsConfigError("accounts", "expected a list of accounts");
  const ids = new Map<string, number>();
  return accounts.map((account, i) => {
    const path = `accounts[${i}]`;
    if (typeof account !== "object" || account === null) throw new AnalyticsConfigError(path, "expected { id, startDate, churnDate?, arrHistory? }");
    if (typeof account.id !== "string" || account.id === "") throw new AnalyticsConfigError(`${path}.id`, "expected a non-empty id");
    const other = ids.get(account.id);
    if (other !== undefined) throw new AnalyticsConfigError(`${path}.id`, `"${account.id}" also appears at accounts[${other}]`);
    ids.set(account.id, i);
    const startMs = toUtcMs(account.startDate, `${path}.startDate`);
    const churnMs = account.churnDate == null ? null : toUtcMs(account.churnDate, `${path}.churnDate`);
    if (churnMs !== null && churnMs < startMs) {
      throw new AnalyticsConfigError(`${path}.churnDate`, "is before startDate; an account cannot churn before it starts");
    }
    const history = account.arrHistory ?? [];
    if (!Array.isArray(history)) throw new AnalyticsConfigError(`${path}.arrHistory`, "expected a list of { date, arr }");
    const points = history.map((p, j) => {
      const pointPath = `${path}.arrHistory[${j}]`;
      if (typeof p !== "object" || p === null) throw new AnalyticsConfigError(pointPath, "expected { date, arr }");
      const t = toUtcMs(p.date, `${pointPath}.date`);
      if (typeof p.arr !== "number" || !Number.isFinite(p.arr) || p.arr < 0) {
        throw new AnalyticsConfigError(`${pointPath}.arr`, `expected a finite ARR ≥ 0, got ${describe(p.arr)}`);
      }
      return { t, arr: p.arr, j };
    });
    points.sort((a, b) => a.t - b.t);
    for (let k = 1; k < points.length; k++) {
      const prev = points[k - 1];
      const cur = points[k];
      if (prev !== undefined && cur !== undefined && prev.t === cur.t) {
        throw new AnalyticsConfigError(`${path}.arrHistory[${cur.j}].date`, `same date as arrHistory[${prev.j}]; keep one ARR per date`);
      }
    }
    const times = Float64Array.from(points, (p) => p.t);
    const arrs = Float64Array.from(points, (p) => p.arr);
    return { id: account.id, startMs, churnMs, times, arrs, startingArr: historyAt({ times, arrs }, startMs) };
  });
}

// ---- cohort matrix ------------------------------------------------------------------------

export interface CohortCell {
  readonly monthsSinceStart: number;
  /** Customers at the end of this month. */
  readonly customers: number;
  readonly logoRetention: number;
  /** Σ ARR at the end of this month. */
  readonly arr: number;
  /** Null when the cohort started with no ARR. */
  readonly netRevenueRetention: number | null;
  readonly grossRevenueRetention: number | null;
}

export interface CohortRow {
  /** "YYYY-MM". */
  readonly cohort: string;
  readonly accounts: number;
  readonly startingArr: number;
  /** Columns 0, 1, … for each month that has ended by asOf (at most maxMonths + 1). */
  readonly cells: readonly CohortCell[];
}

export interface CohortMatrix {
  readonly asOf: string;
  readonly maxMonths: number;
  /** Oldest cohort first. */
  readonly rows: readonly CohortRow[];
  /** Column k pooled over every cohort that has column k (weighted by accounts and by ARR). */
  readonly average: readonly CohortCell[];
}

export interface CohortOptions {
  /** Instant the matrix is computed at; a date-only value is that day's 00:00 UTC. */
  readonly asOf: DateInput;
  /** Last column; default 12. */
  readonly maxMonths?: number;
}

interface Totals {
  customers: number;
  arr: number;
  gross: number;
  accounts: number;
  startingArr: number;
}

function cell(k: number, t: Totals): CohortCell {
  const hasArr = t.startingArr > 0;
  return {
    monthsSinceStart: k,
    customers: t.customers,
    logoRetention: safeRatio(t.customers, t.accounts),
    arr: t.arr,
    netRevenueRetention: hasArr ? t.arr / t.startingArr : null,
    grossRevenueRetention: hasArr ? Math.min(1, t.gross / t.startingArr) : null,
  };
}

/**
 * Logo and revenue retention by start month (see the module header for definitions).
 * @throws AnalyticsConfigError for malformed accounts or options, naming the field.
 */
export function cohortMatrix(accounts: readonly CohortAccount[], options: CohortOptions): CohortMatrix {
  const asOfMs = toUtcMs(options.asOf, "asOf");
  const maxMonths = options.maxMonths ?? 12;
  if (!Number.isInteger(maxMonths) || maxMonths < 0 || maxMonths > 240) {
    throw new AnalyticsConfigError("maxMonths", `expected a whole number of months from 0 to 240, got ${describe(maxMonths)}`);
  }
  const prepared = prepareAccounts(accounts).filter((a) => a.startMs <= asOfMs);
  const byCohort = new Map<number, Prepared[]>();
  for (const a of prepared) {
    const m = utcMonth(a.startMs);
    const list = byCohort.get(m);
    if (list === undefined) byCohort.set(m, [a]);
    else list.push(a);
  }
  const pooled: Totals[] = [];
  const rows = [...byCohort.keys()]
    .sort((x, y) => x - y)
    .map((month): CohortRow => {
      const members = byCohort.get(month) ?? [];
      const startingArr = members.reduce((s, a) => s + a.startingArr, 0);
      const cells: CohortCell[] = [];
      for (let k = 0; k <= maxMonths; k++) {
        const nextMonthStart = monthStartMs(month + k + 1);
        if (nextMonthStart - 1 > asOfMs) break; // month not over yet
        const t = nextMonthStart - 1;
        const totals: Totals = { customers: 0, arr: 0, gross: 0, accounts: members.length, startingArr };
        for (const a of members) {
          if (isCustomer(a, t)) totals.customers++;
          const arr = arrAt(a, t);
          totals.arr += arr;
          totals.gross += Math.min(arr, a.startingArr);
        }
        cells.push(cell(k, totals));
        const p = (pooled[k] ??= { customers: 0, arr: 0, gross: 0, accounts: 0, startingArr: 0 });
        p.customers += totals.customers;
        p.arr += totals.arr;
        p.gross += totals.gross;
        p.accounts += totals.accounts;
        p.startingArr += totals.startingArr;
      }
      return { cohort: monthKey(month), accounts: members.length, startingArr, cells };
    });
  return {
    asOf: new Date(asOfMs).toISOString(),
    maxMonths,
    rows,
    average: pooled.map((t, k) => cell(k, t)),
  };
}

// ---- period retention -----------------------------------------------------------------------

export type ArrMovement = "expanded" | "contracted" | "churned" | "flat";

export interface AccountRetention {
  readonly id: string;
  readonly startArr: number;
  readonly endArr: number;
  readonly movement: ArrMovement;
}

export interface RevenueRetention {
  readonly from: string;
  readonly to: string;
  /** Logo base: customers at `from`. */
  readonly startingCustomers: number;
  readonly retainedCustomers: number;
  /** retained ÷ starting; null with no customers at `from`. */
  readonly logoRetention: number | null;
  /** Revenue base: Σ ARR at `from` over accounts with ARR > 0. */
  readonly startingArr: number;
  /** Σ ARR at `to` over the same accounts (new business excluded). */
  readonly endingArr: number;
  readonly expansionArr: number;
  readonly contractionArr: number;
  readonly churnedArr: number;
  /** (start − contraction − churn) ÷ start, in [0, 1]; null when start is 0. */
  readonly grossRevenueRetention: number | null;
  /** (start + expansion − contraction − churn) ÷ start, ≥ 0, not capped; null when start is 0. */
  readonly netRevenueRetention: number | null;
  /** expansion ÷ start; NRR = GRR + expansionShare. */
  readonly expansionShare: number | null;
  /** The revenue base, account by account, in input order. */
  readonly accounts: readonly AccountRetention[];
  readonly explanation: string;
}

/**
 * Gross and net revenue retention (with expansion, contraction and churn) and logo retention
 * between two instants. See the module header for definitions.
 * @throws AnalyticsConfigError for malformed accounts, or `to` not after `from`.
 */
export function revenueRetention(accounts: readonly CohortAccount[], period: { readonly from: DateInput; readonly to: DateInput }): RevenueRetention {
  const fromMs = toUtcMs(period.from, "from");
  const toMs = toUtcMs(period.to, "to");
  if (toMs <= fromMs) throw new AnalyticsConfigError("to", "must be after from");
  const prepared = prepareAccounts(accounts);
  let startingCustomers = 0;
  let retainedCustomers = 0;
  let startingArr = 0;
  let endingArr = 0;
  let expansionArr = 0;
  let contractionArr = 0;
  let churnedArr = 0;
  const rows: AccountRetention[] = [];
  for (const a of prepared) {
    if (isCustomer(a, fromMs)) {
      startingCustomers++;
      if (isCustomer(a, toMs)) retainedCustomers++;
    }
    const s = arrAt(a, fromMs);
    if (s <= 0) continue;
    const e = arrAt(a, toMs);
    startingArr += s;
    endingArr += e;
    let movement: ArrMovement;
    if (e === 0) {
      churnedArr += s;
      movement = "churned";
    } else if (e < s) {
      contractionArr += s - e;
      movement = "contracted";
    } else if (e > s) {
      expansionArr += e - s;
      movement = "expanded";
    } else {
      movement = "flat";
    }
    rows.push({ id: a.id, startArr: s, endArr: e, movement });
  }
  const hasBase = startingArr > 0;
  const retainedBase = startingArr - contractionArr - churnedArr;
  const grr = hasBase ? Math.min(1, Math.max(0, retainedBase / startingArr)) : null;
  const expansionShare = hasBase ? expansionArr / startingArr : null;
  const nrr = grr === null || expansionShare === null ? null : grr + expansionShare;
  const pctText = (v: number | null): string => (v === null ? "n/a" : `${(v * 100).toFixed(1)} %`);
  return {
    from: new Date(fromMs).toISOString(),
    to: new Date(toMs).toISOString(),
    startingCustomers,
    retainedCustomers,
    logoRetention: startingCustomers === 0 ? null : retainedCustomers / startingCustomers,
    startingArr,
    endingArr,
    expansionArr,
    contractionArr,
    churnedArr,
    grossRevenueRetention: grr,
    netRevenueRetention: nrr,
    expansionShare,
    accounts: rows,
    explanation: hasBase
      ? `From ${startingArr} starting ARR: ${expansionArr} expansion, ${contractionArr} contraction, ${churnedArr} churned; ` +
        `GRR ${pctText(grr)}, NRR ${pctText(nrr)}.`
      : "No ARR at the start of the period, so revenue retention is undefined.",
  };
}
