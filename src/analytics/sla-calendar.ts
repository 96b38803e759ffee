/**
 * Business-hours arithmetic in an IANA time zone: how much business time lies between two
 * instants, and which instant is N business milliseconds after another.
 *
 * Wall-clock schedules ("Mon–Fri 09:00–17:00 Europe/Berlin") are turned into UTC intervals one
 * local day at a time with Intl.DateTimeFormat (available in Workers and Node), so daylight-saving
 * changes are exact: a 00:00–24:00 day is 23 hours long in spring and 25 in autumn. A wall time
 * that does not exist (skipped by a spring-forward) moves forward by the gap; one that occurs
 * twice (autumn) means its first occurrence — Temporal's "compatible" disambiguation.
 */
import { AnalyticsConfigError } from "./errors";
import { MS_PER_DAY } from "./math";

/** Days of the week as schedule keys. */
export type Weekday = "mon" | "tue" | "wed" | "thu" | "fri" | "sat" | "sun";

/** Index = JavaScript's getUTCDay() (0 = Sunday). */
const WEEKDAY_BY_INDEX: readonly Weekday[] = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"];

/** The keys a weekly schedule accepts, Monday first. */
export const WEEKDAYS: readonly Weekday[] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

/** Open hours within one local day: "HH:MM" to "HH:MM" ("24:00" ends at midnight). */
export interface BusinessInterval {
  start: string;
  end: string;
}

/** A tenant's business hours. Days left out of `weekly` are closed. */
export interface BusinessHoursInput {
  /** IANA zone, e.g. "Europe/Berlin", "America/New_York". */
  timeZone: string;
  weekly: Partial<Record<Weekday, readonly BusinessInterval[]>>;
  /** Local dates ("YYYY-MM-DD") closed all day. */
  holidays?: readonly string[];
}

/** Monday to Friday, 09:00–17:00: the usual support desk, as a starting point. */
export const WEEKDAYS_9_TO_5: Readonly<Partial<Record<Weekday, readonly BusinessInterval[]>>> = {
  mon: [{ start: "09:00", end: "17:00" }],
  tue: [{ start: "09:00", end: "17:00" }],
  wed: [{ start: "09:00", end: "17:00" }],
  thu: [{ start: "09:00", end: "17:00" }],
  fri: [{ start: "09:00", end: "17:00" }],
};

const HH_MM = /^(\d{2}):(\d{2})$/;
const YYYY_MM_DD = /^(\d{4})-(\d{2})-(\d{2})$/;
/** A search for business time gives up after this many local days (100 years). */
const MAX_SEARCH_DAYS = 36_525;
/** Bound on cached days per calendar, so a long-lived Durable Object does not grow without end. */
const MAX_CACHED_DAYS = 4096;

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (formatter === undefined) {
    formatter = new Intl.DateTimeFormat("en-US", {
      timeZone,
      hourCycle: "h23",
      year: "numeric",
      month: "numeric",
      day: "numeric",
      hour: "numeric",
      minute: "numeric",
      second: "numeric",
    });
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

interface WallFields {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

function wallFields(instant: number, timeZone: string): WallFields {
  const fields: WallFields = { year: 0, month: 0, day: 0, hour: 0, minute: 0, second: 0 };
  for (const part of formatterFor(timeZone).formatToParts(instant)) {
    if (part.type in fields) fields[part.type as keyof WallFields] = Number(part.value);
  }
  return fields;
}

/** The zone's offset from UTC at `instant`, in ms (Berlin in summer: +7,200,000). */
export function zoneOffsetMs(instant: number, timeZone: string): number {
  const f = wallFields(instant, timeZone);
  const wallAsUtc = Date.UTC(f.year, f.month - 1, f.day, f.hour, f.minute, f.second);
  return wallAsUtc - Math.floor(instant / 1000) * 1000;
}

/**
 * The instant a local wall time happens in `timeZone` (see the module note for skipped and
 * repeated times). `minuteOfDay` may be 1440 (midnight at the end of the day).
 */
export function zonedTimeToUtc(year: number, month: number, day: number, minuteOfDay: number, timeZone: string): number {
  const wall = Date.UTC(year, month - 1, day, 0, minuteOfDay);
  // Real zones change offset at most once within two days, so the offsets a day either side
  // are the only candidates.
  const before = zoneOffsetMs(wall - MS_PER_DAY, timeZone);
  const after = zoneOffsetMs(wall + MS_PER_DAY, timeZone);
  const valid = [before, after].map((offset) => wall - offset).filter((instant) => zoneOffsetMs(instant, timeZone) === wall - instant);
  if (valid.length > 0) return Math.min(...valid);
  return wall - before;
}

/** Days since 1970-01-01 of the local calendar date containing `instant`. */
export function localDayNumber(instant: number, timeZone: string): number {
  const f = wallFields(instant, timeZone);
  return Date.UTC(f.year, f.month - 1, f.day) / MS_PER_DAY;
}

function isoDate(dayNumber: number): string {
  return new Date(dayNumber * MS_PER_DAY).toISOString().slice(0, 10);
}

/** Minutes since local midnight of "HH:MM", or null when it is not a time of day. */
function parseClock(text: unknown): number | null {
  if (typeof text !== "string") return null;
  const m = HH_MM.exec(text);
  if (!m) return null;
  const hours = Number(m[1]);
  const minutes = Number(m[2]);
  if (minutes > 59 || hours > 24 || (hours === 24 && minutes !== 0)) return null;
  return hours * 60 + minutes;
}

function isRealDate(text: unknown): text is string {
  if (typeof text !== "string") return false;
  const m = YYYY_MM_DD.exec(text);
  if (!m) return false;
  const ms = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  return new Date(ms).toISOString().slice(0, 10) === text;
}

/** Canonical IANA name of `timeZone`, or null when the runtime does not know it. */
export function canonicalTimeZone(timeZone: unknown): string | null {
  if (typeof timeZone !== "string" || timeZone.trim() === "") return null;
  try {
    return new Intl.DateTimeFormat("en-US", { timeZone }).resolvedOptions().timeZone;
  } catch {
    return null;
  }
}

type DaySchedule = readonly (readonly [startMinute: number, endMinute: number])[];

/**
 * A validated business-hours calendar. Build it once per tenant configuration; it caches the
 * UTC intervals of the days it has looked at.
 */
export class BusinessCalendar {
  readonly timeZone: string;
  readonly weekly: Readonly<Record<Weekday, DaySchedule>>;
  readonly holidays: ReadonlySet<string>;
  /** Open minutes in a week without holidays. */
  readonly weeklyMinutes: number;
  private readonly cache = new Map<number, readonly (readonly [number, number])[]>();

  /**
   * @throws AnalyticsConfigError naming the field (`businessHours.weekly.mon[1].end`) and the fix.
   */
  constructor(input: BusinessHoursInput, field = "businessHours") {
    if (typeof input !== "object" || input === null) {
      throw new AnalyticsConfigError(field, "must be an object { timeZone, weekly, holidays? } or null for round-the-clock.");
    }
    const timeZone = canonicalTimeZone(input.timeZone);
    if (timeZone === null) {
      throw new AnalyticsConfigError(`${field}.timeZone`, `"${String(input.timeZone)}" is not an IANA time zone; use one like "Europe/Berlin".`);
    }
    this.timeZone = timeZone;
    if (typeof input.weekly !== "object" || input.weekly === null) {
      throw new AnalyticsConfigError(`${field}.weekly`, 'must map weekdays to open hours, e.g. { mon: [{ start: "09:00", end: "17:00" }] }.');
    }
    const weekly = { mon: [], tue: [], wed: [], thu: [], fri: [], sat: [], sun: [] } as Record<Weekday, DaySchedule>;
    let weeklyMinutes = 0;
    for (const [key, intervals] of Object.entries(input.weekly)) {
      const dayField = `${field}.weekly.${key}`;
      if (!(WEEKDAYS as readonly string[]).includes(key)) {
        throw new AnalyticsConfigError(dayField, `unknown weekday; use ${WEEKDAYS.join(", ")}.`);
      }
      if (intervals === undefined) continue;
      if (!Array.isArray(intervals)) throw new AnalyticsConfigError(dayField, 'must be a list of { start: "HH:MM", end: "HH:MM" }.');
      const parsed: (readonly [number, number])[] = [];
      intervals.forEach((interval: BusinessInterval, i: number) => {
        const start = parseClock(interval?.start);
        const end = parseClock(interval?.end);
        if (start === null || start === 1440) {
          throw new AnalyticsConfigError(`${dayField}[${i}].start`, 'must be a time "HH:MM" from 00:00 to 23:59.');
        }
        if (end === null) throw new AnalyticsConfigError(`${dayField}[${i}].end`, 'must be a time "HH:MM" from 00:01 to 24:00.');
        if (end <= start) throw new AnalyticsConfigError(`${dayField}[${i}].end`, "must be after start (hours past midnight go on the next day).");
        const previous = parsed[parsed.length - 1];
        if (previous !== undefined && start < previous[1]) {
          throw new AnalyticsConfigError(`${dayField}[${i}]`, "overlaps or precedes the interval before it; list a day's intervals in order without overlap.");
        }
        parsed.push([start, end]);
        weeklyMinutes += end - start;
      });
      weekly[key as Weekday] = parsed;
    }
    if (weeklyMinutes === 0) {
      throw new AnalyticsConfigError(`${field}.weekly`, "has no open hours; open at least one day, or use null for round-the-clock clocks.");
    }
    this.weekly = weekly;
    this.weeklyMinutes = weeklyMinutes;
    const holidays = input.holidays ?? [];
    if (!Array.isArray(holidays)) throw new AnalyticsConfigError(`${field}.holidays`, 'must be a list of "YYYY-MM-DD" dates.');
    holidays.forEach((holiday: unknown, i: number) => {
      if (!isRealDate(holiday)) throw new AnalyticsConfigError(`${field}.holidays[${i}]`, 'must be a real date "YYYY-MM-DD".');
    });
    this.holidays = new Set(holidays);
  }

  /** UTC [start, end) intervals of one local day (days since epoch), in order. */
  intervalsOn(dayNumber: number): readonly (readonly [number, number])[] {
    const cached = this.cache.get(dayNumber);
    if (cached !== undefined) return cached;
    const date = new Date(dayNumber * MS_PER_DAY);
    const weekday = WEEKDAY_BY_INDEX[date.getUTCDay()] as Weekday;
    const schedule = this.holidays.has(isoDate(dayNumber)) ? [] : this.weekly[weekday];
    const year = date.getUTCFullYear();
    const month = date.getUTCMonth() + 1;
    const day = date.getUTCDate();
    const intervals = schedule
      .map(([start, end]) => [zonedTimeToUtc(year, month, day, start, this.timeZone), zonedTimeToUtc(year, month, day, end, this.timeZone)] as const)
      .filter(([start, end]) => end > start);
    if (this.cache.size >= MAX_CACHED_DAYS) this.cache.clear();
    this.cache.set(dayNumber, intervals);
    return intervals;
  }

  /** Business milliseconds in [from, to); 0 when to ≤ from. */
  between(from: number, to: number): number {
    if (!(to > from)) return 0;
    let total = 0;
    // The day before too: its intervals end by local midnight, but cost nothing to check.
    const last = localDayNumber(to, this.timeZone);
    for (let day = localDayNumber(from, this.timeZone) - 1; day <= last; day += 1) {
      for (const [start, end] of this.intervalsOn(day)) {
        const overlap = Math.min(end, to) - Math.max(start, from);
        if (overlap > 0) total += overlap;
      }
    }
    return total;
  }

  /**
   * The earliest instant t ≥ from with `between(from, t) === ms`: when `ms` of business time
   * will have passed. Lands inside open hours (or on an interval's end).
   * @throws AnalyticsConfigError when no business time exists within 100 years (holidays cover every open day).
   */
  add(from: number, ms: number): number {
    if (!(ms > 0)) return from;
    let remaining = ms;
    const firstDay = localDayNumber(from, this.timeZone) - 1;
    for (let day = firstDay; day <= firstDay + MAX_SEARCH_DAYS; day += 1) {
      for (const [start, end] of this.intervalsOn(day)) {
        if (end <= from) continue;
        const begin = Math.max(start, from);
        const available = end - begin;
        if (available >= remaining) return begin + remaining;
        remaining -= available;
      }
    }
    throw new AnalyticsConfigError("businessHours", "leaves no business time within 100 years; check the holidays and weekly hours.");
  }
}
