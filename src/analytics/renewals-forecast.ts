/**
 * The renewal forecast: expected, committed, probable and at-risk ARR by UTC month and calendar
 * quarter. It runs the text-free model core so a large portfolio stays cheap.
 */
import { AnalyticsConfigError } from "./errors";
import { safeRatio } from "./math";
import { type DateInput, isoDay, parseEpochMs, toEpochMs, utcDayNumber } from "./renewals-common";
import { DEFAULT_RENEWAL_CONFIG, type RenewalConfig } from "./renewals-config";
import {
  categorize,
  checkArr,
  coreConfidence,
  coreProbability,
  expectedRenewalArr,
  type RenewalAccount,
  type RenewalCategory,
  renewalCore,
} from "./renewals-model";

/** One account in the forecast: the figures without explanations (`assessRenewal` gives those). */
export interface ForecastAccount {
  accountId: string;
  renewalDate: string;
  daysToRenewal: number;
  arr: number;
  renewalArr: number;
  expectedArr: number;
  probability: number;
  category: RenewalCategory;
  confidence: number;
}

/** Sums over the renewals of one period. committed + probable + at-risk ARR = renewalArr. */
export interface ForecastTotals {
  renewals: number;
  /** Current ARR of the accounts renewing. */
  arr: number;
  /** ARR up for renewal (adjusted by expected expansion/contraction). */
  renewalArr: number;
  /** Σ probability × renewal ARR. */
  expectedArr: number;
  committedArr: number;
  probableArr: number;
  atRiskArr: number;
  committedCount: number;
  probableCount: number;
  atRiskCount: number;
  /** expectedArr / renewalArr (0 when nothing renews). */
  expectedRenewalRate: number;
}

/** A month ("2026-03") or a quarter ("2026-Q1") of the forecast. */
export interface ForecastPeriod extends ForecastTotals {
  period: string;
  /** First and last day of the period covered by the window, "YYYY-MM-DD", inclusive. */
  start: string;
  end: string;
  accountIds: string[];
}

export interface ForecastQuarter extends ForecastPeriod {
  /** True when the window covers only part of the quarter. */
  partial: boolean;
}

/** The renewal forecast over a window of whole UTC months starting with the month of `now`. */
export interface RenewalForecast {
  asOf: string;
  windowStart: string;
  windowEnd: string;
  months: ForecastPeriod[];
  quarters: ForecastQuarter[];
  totals: ForecastTotals;
  /** Accounts whose renewal date falls before or after the window (not in any bucket). */
  outsideWindow: { before: { count: number; arr: number }; after: { count: number; arr: number } };
  /** The in-window accounts, by renewal date then account id. */
  accounts: ForecastAccount[];
  /** The cut-offs used, so a reader knows what "committed" and "at risk" mean. */
  riskCutoffs: RenewalConfig["riskCutoffs"];
}

export interface RenewalForecastOptions {
  now: DateInput;
  /** Whole months in the window, 1–60 (default 6, the seed's 180-day forecast). */
  months?: number;
  config?: RenewalConfig;
}

function emptyTotals(): ForecastTotals {
  return {
    renewals: 0,
    arr: 0,
    renewalArr: 0,
    expectedArr: 0,
    committedArr: 0,
    probableArr: 0,
    atRiskArr: 0,
    committedCount: 0,
    probableCount: 0,
    atRiskCount: 0,
    expectedRenewalRate: 0,
  };
}

function add(t: ForecastTotals, a: ForecastAccount): void {
  t.renewals += 1;
  t.arr += a.arr;
  t.renewalArr += a.renewalArr;
  t.expectedArr += a.expectedArr;
  if (a.category === "committed") {
    t.committedArr += a.renewalArr;
    t.committedCount += 1;
  } else if (a.category === "probable") {
    t.probableArr += a.renewalArr;
    t.probableCount += 1;
  } else {
    t.atRiskArr += a.renewalArr;
    t.atRiskCount += 1;
  }
}

/** First UTC day number of month index (year × 12 + month). */
function monthStartDay(monthIndex: number): number {
  return utcDayNumber(Date.UTC(Math.floor(monthIndex / 12), monthIndex % 12, 1));
}

/**
 * Forecasts renewals by UTC month and calendar quarter over a window of whole months that
 * starts with the month of `now` (so renewals earlier this month that are not yet recorded count,
 * with the late-renewal penalty). Bucket totals sum to `totals`.
 * @throws AnalyticsConfigError for a bad window or a bad account (field `accounts[i].…`).
 */
export function forecastRenewals(accounts: readonly RenewalAccount[], options: RenewalForecastOptions): RenewalForecast {
  const config = options.config ?? DEFAULT_RENEWAL_CONFIG;
  const months = options.months ?? 6;
  if (!Number.isInteger(months) || months < 1 || months > 60) {
    throw new AnalyticsConfigError("months", `${String(months)} must be a whole number of months from 1 to 60, e.g. 6.`);
  }
  const nowMs = toEpochMs(options.now, "now");
  const today = utcDayNumber(nowMs);
  const nowDate = new Date(nowMs);
  const firstMonth = nowDate.getUTCFullYear() * 12 + nowDate.getUTCMonth();
  const lastMonth = firstMonth + months - 1;

  const monthBuckets: ForecastPeriod[] = [];
  for (let m = firstMonth; m <= lastMonth; m++) {
    monthBuckets.push({
      ...emptyTotals(),
      period: `${Math.floor(m / 12)}-${String((m % 12) + 1).padStart(2, "0")}`,
      start: isoDay(monthStartDay(m)),
      end: isoDay(monthStartDay(m + 1) - 1),
      accountIds: [],
    });
  }
  const firstQuarter = Math.floor(firstMonth / 3);
  const lastQuarter = Math.floor(lastMonth / 3);
  const quarterBuckets: ForecastQuarter[] = [];
  for (let q = firstQuarter; q <= lastQuarter; q++) {
    const qFirst = Math.max(q * 3, firstMonth);
    const qLast = Math.min(q * 3 + 2, lastMonth);
    quarterBuckets.push({
      ...emptyTotals(),
      period: `${Math.floor(q / 4)}-Q${(q % 4) + 1}`,
      start: isoDay(monthStartDay(qFirst)),
      end: isoDay(monthStartDay(qLast + 1) - 1),
      accountIds: [],
      partial: qFirst !== q * 3 || qLast !== q * 3 + 2,
    });
  }

  const totals = emptyTotals();
  const outside = { before: { count: 0, arr: 0 }, after: { count: 0, arr: 0 } };
  const inWindow: { row: ForecastAccount; month: number; day: number }[] = [];
  // Renewal dates cluster on a few hundred days; formatting each once keeps large forecasts fast.
  const dayText = new Map<number, string>();
  accounts.forEach((account, i) => {
    // Field names are built only on failure: this loop may run over 100,000 accounts.
    if (typeof account.arr !== "number" || !Number.isFinite(account.arr) || account.arr < 0) checkArr(account, `accounts[${i}]`);
    let renewalMs = parseEpochMs(account.renewalDate);
    if (!Number.isFinite(renewalMs)) renewalMs = toEpochMs(account.renewalDate, `accounts[${i}].renewalDate`);
    const renewalDate = new Date(renewalMs);
    const m = renewalDate.getUTCFullYear() * 12 + renewalDate.getUTCMonth();
    if (m < firstMonth || m > lastMonth) {
      const side = m < firstMonth ? outside.before : outside.after;
      side.count += 1;
      side.arr += account.arr;
      return;
    }
    // The text-free core: a forecast over 100,000 accounts must not build 900,000 sentences.
    const renewalDay = utcDayNumber(renewalMs);
    const core = renewalCore(account, renewalDay - today, config);
    const probability = coreProbability(core, config);
    const value = expectedRenewalArr(account.arr, probability, account.expectedArrChange, config);
    let renewalText = dayText.get(renewalDay);
    if (renewalText === undefined) {
      renewalText = isoDay(renewalDay);
      dayText.set(renewalDay, renewalText);
    }
    inWindow.push({
      month: m,
      day: renewalDay,
      row: {
        accountId: account.accountId,
        renewalDate: renewalText,
        daysToRenewal: core.days,
        arr: account.arr,
        renewalArr: value.renewalArr,
        expectedArr: value.expectedArr,
        probability,
        category: categorize(probability, config),
        confidence: coreConfidence(core, config).confidence,
      },
    });
  });
  inWindow.sort((x, y) => x.day - y.day || (x.row.accountId < y.row.accountId ? -1 : x.row.accountId > y.row.accountId ? 1 : 0));
  for (const { row: a, month: m } of inWindow) {
    const month = monthBuckets[m - firstMonth];
    const quarter = quarterBuckets[Math.floor(m / 3) - firstQuarter];
    add(totals, a);
    if (month) {
      add(month, a);
      month.accountIds.push(a.accountId);
    }
    if (quarter) {
      add(quarter, a);
      quarter.accountIds.push(a.accountId);
    }
  }
  for (const bucket of [...monthBuckets, ...quarterBuckets, totals]) {
    bucket.expectedRenewalRate = safeRatio(bucket.expectedArr, bucket.renewalArr);
  }

  return {
    asOf: new Date(nowMs).toISOString(),
    windowStart: isoDay(monthStartDay(firstMonth)),
    windowEnd: isoDay(monthStartDay(lastMonth + 1) - 1),
    months: monthBuckets,
    quarters: quarterBuckets,
    totals,
    outsideWindow: outside,
    accounts: inWindow.map((x) => x.row),
    riskCutoffs: config.riskCutoffs,
  };
}
