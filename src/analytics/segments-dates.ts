/**
 * UTC date handling shared by segments, engagement and cohorts: one strict parser so the three
 * modules agree on what a date is. Date-only strings are UTC midnight; a date-time string must
 * carry `Z` or an offset, because a bare local time would depend on the host's time zone.
 */
import { AnalyticsConfigError } from "./errors";
import { MS_PER_DAY } from "./math";

/** A date as callers hold it: a Date, epoch milliseconds, "YYYY-MM-DD" or an ISO date-time with a zone. */
export type DateInput = Date | number | string;

const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})$/i;

/** Days since 1970-01-01 of a proleptic Gregorian date (Hinnant's days_from_civil); no Date allocation. */
function daysFromCivil(y: number, m: number, d: number): number {
  const yy = m <= 2 ? y - 1 : y;
  const era = Math.floor(yy / 400);
  const yoe = yy - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146_097 + doe - 719_468;
}

function daysInMonth(y: number, m: number): number {
  if (m === 2) return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0 ? 29 : 28;
  return m === 4 || m === 6 || m === 9 || m === 11 ? 30 : 31;
}

/** Value of `length` ASCII digits at `at`, or -1. Hand-rolled because usage series parse millions of dates. */
function digits(text: string, at: number, length: number): number {
  let n = 0;
  for (let i = at; i < at + length; i++) {
    const c = text.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return -1;
    n = n * 10 + c;
  }
  return n;
}

/** UTC day number of a "YYYY-MM-DD" string, or null when it is not a real calendar day (2024-02-30 is refused). */
function parseDayNumber(text: string): number | null {
  if (text.length !== 10 || text.charCodeAt(4) !== 45 || text.charCodeAt(7) !== 45) return null;
  const y = digits(text, 0, 4);
  const m = digits(text, 5, 2);
  const d = digits(text, 8, 2);
  if (y < 0 || m < 1 || m > 12 || d < 1 || d > daysInMonth(y, m)) return null;
  return daysFromCivil(y, m, d);
}

/** Epoch ms of a "YYYY-MM-DD" string, or null. */
function parseDateOnly(text: string): number | null {
  const day = parseDayNumber(text);
  return day === null ? null : day * MS_PER_DAY;
}

/** Epoch ms of any accepted date form, or null when the value is not a date this engine accepts. */
export function parseUtcMs(value: unknown): number | null {
  if (value instanceof Date) {
    const ms = value.getTime();
    return Number.isFinite(ms) ? ms : null;
  }
  if (typeof value === "number") return Number.isFinite(value) ? value : null;
  if (typeof value !== "string") return null;
  const dateOnly = parseDateOnly(value);
  if (dateOnly !== null) return dateOnly;
  const m = DATE_TIME.exec(value);
  if (!m || parseDateOnly(`${m[1]}-${m[2]}-${m[3]}`) === null) return null;
  const ms = Date.parse(value);
  return Number.isFinite(ms) ? ms : null;
}

/** Like {@link parseUtcMs} but refuses a bad value with an error naming `field`. */
export function toUtcMs(value: unknown, field: string): number {
  const ms = parseUtcMs(value);
  if (ms === null) {
    throw new AnalyticsConfigError(
      field,
      `expected a date ("YYYY-MM-DD", an ISO date-time ending in Z or an offset, a Date or epoch ms), got ${describe(value)}`,
    );
  }
  return ms;
}

/** Days since 1970-01-01 (UTC) of the day containing `ms`. */
export function utcDay(ms: number): number {
  return Math.floor(ms / MS_PER_DAY);
}

/** "YYYY-MM-DD" of a UTC day number (years 0–9999). */
export function isoDay(day: number): string {
  // Hinnant's civil_from_days: formatting without a Date keeps hot loops allocation-light.
  const z = day + 719_468;
  const era = Math.floor(z / 146_097);
  const doe = z - era * 146_097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp < 10 ? mp + 3 : mp - 9;
  const y = yoe + era * 400 + (m <= 2 ? 1 : 0);
  return `${String(y).padStart(4, "0")}-${m < 10 ? "0" : ""}${m}-${d < 10 ? "0" : ""}${d}`;
}

/** Strict "YYYY-MM-DD" to a UTC day number, or null. Usage series use this form only. */
export function parseIsoDay(text: unknown): number | null {
  return typeof text === "string" ? parseDayNumber(text) : null;
}

/** Months since 1970-01 (UTC) of the month containing `ms`. */
export function utcMonth(ms: number): number {
  const d = new Date(ms);
  return (d.getUTCFullYear() - 1970) * 12 + d.getUTCMonth();
}

/** Epoch ms of the first instant of a month index from {@link utcMonth}. */
export function monthStartMs(month: number): number {
  return Date.UTC(1970 + Math.floor(month / 12), ((month % 12) + 12) % 12, 1);
}

/** "YYYY-MM" of a month index. */
export function monthKey(month: number): string {
  return new Date(monthStartMs(month)).toISOString().slice(0, 7);
}

/** A short, safe rendering of a bad value for an error message. */
export function describe(value: unknown): string {
  if (value === undefined) return "nothing";
  if (value === null) return "null";
  if (typeof value === "string") return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  if (value instanceof Date) return Number.isFinite(value.getTime()) ? `the Date ${value.toISOString()}` : "an invalid Date";
  if (Array.isArray(value)) return `an array of ${value.length}`;
  return typeof value === "object" ? "an object" : typeof value;
}
