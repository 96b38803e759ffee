import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  BusinessCalendar,
  computeSlaClocks,
  DEFAULT_SLA_TARGETS,
  resolveSlaConfig,
  summarizeSla,
  TICKET_STATUSES,
  WEEKDAYS,
  WEEKDAYS_9_TO_5,
  zonedTimeToUtc,
  type SlaClock,
  type SlaConfig,
  type SlaTicketEvent,
  type SlaTicketInput,
  type TicketSlaReport,
  type Weekday,
} from "../../src/analytics/sla";
import { expectConfigError } from "./config-error";

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const ms = (iso: string): number => Date.parse(iso);

function ticket(priority: string, events: SlaTicketEvent[]): SlaTicketInput {
  return { priority, events };
}

// Targets where P1 has two business hours to a first response (and the tighter/looser
// priorities around it stay consistent).
const TWO_HOUR_P1 = {
  P0: { firstResponseMinutes: 60 },
  P1: { firstResponseMinutes: 120 },
  P2: { firstResponseMinutes: 240 },
} as const;

const berlin = resolveSlaConfig({ targets: TWO_HOUR_P1, businessHours: { timeZone: "Europe/Berlin", weekly: WEEKDAYS_9_TO_5 } });
const berlinWithHoliday = resolveSlaConfig({
  targets: TWO_HOUR_P1,
  businessHours: { timeZone: "Europe/Berlin", weekly: WEEKDAYS_9_TO_5, holidays: ["2025-03-31"] },
});
const newYork = resolveSlaConfig({ targets: TWO_HOUR_P1, businessHours: { timeZone: "America/New_York", weekly: WEEKDAYS_9_TO_5 } });
const allDay = Object.fromEntries(WEEKDAYS.map((day) => [day, [{ start: "00:00", end: "24:00" }]])) as Record<Weekday, { start: string; end: string }[]>;

describe("configuration", () => {
  it("defaults to the seed's table, 80 % at risk, pausing on waiting_on_customer, round the clock", () => {
    const config = resolveSlaConfig();
    expect(config.targets).toEqual({
      P0: { firstResponseMinutes: 5, resolutionMinutes: 60 },
      P1: { firstResponseMinutes: 15, resolutionMinutes: 240 },
      P2: { firstResponseMinutes: 60, resolutionMinutes: 1440 },
      P3: { firstResponseMinutes: 240, resolutionMinutes: 2880 },
      P4: { firstResponseMinutes: 480, resolutionMinutes: 4320 },
    });
    expect(config.targets).toEqual(DEFAULT_SLA_TARGETS);
    expect(config.atRiskThreshold).toBe(0.8);
    expect([...config.pauseStatuses]).toEqual(["waiting_on_customer"]);
    expect(config.calendar).toBeNull();
  });

  it("merges overrides per priority and clock", () => {
    const config = resolveSlaConfig({ targets: { P4: { firstResponseMinutes: null, resolutionMinutes: 10_080 } } });
    expect(config.targets.P4).toEqual({ firstResponseMinutes: null, resolutionMinutes: 10_080 });
    expect(config.targets.P3).toEqual(DEFAULT_SLA_TARGETS.P3);
  });

  it("refuses bad targets, naming the field", () => {
    expectConfigError(() => resolveSlaConfig({ targets: { P2: { firstResponseMinutes: -5 } } }), "targets.P2.firstResponseMinutes");
    expectConfigError(() => resolveSlaConfig({ targets: { P2: { resolutionMinutes: Number.NaN } } }), "targets.P2.resolutionMinutes");
    expectConfigError(() => resolveSlaConfig({ targets: { P2: { resolutionMinutes: 600_000 } } }), "targets.P2.resolutionMinutes");
    // A first response due after the fix.
    expectConfigError(() => resolveSlaConfig({ targets: { P0: { firstResponseMinutes: 90 } } }), "targets.P0.firstResponseMinutes");
    // P1 looser than P2 (the seed's P2 first response is 60).
    expectConfigError(() => resolveSlaConfig({ targets: { P1: { firstResponseMinutes: 120 } } }), "targets.P1.firstResponseMinutes");
    expectConfigError(() => resolveSlaConfig({ targets: { P9: {} } as never }), "targets.P9");
  });

  it("refuses a bad threshold, pause status or business hours, naming the field", () => {
    expectConfigError(() => resolveSlaConfig({ atRiskThreshold: 1.5 }), "atRiskThreshold");
    expectConfigError(() => resolveSlaConfig({ atRiskThreshold: 0 }), "atRiskThreshold");
    expectConfigError(() => resolveSlaConfig({ pauseStatuses: ["resolved"] }), "pauseStatuses[0]");
    expectConfigError(() => resolveSlaConfig({ pauseStatuses: ["waiting_on_customer", "lunch" as never] }), "pauseStatuses[1]");
    const hours = (patch: object) => resolveSlaConfig({ businessHours: { timeZone: "Europe/Berlin", weekly: WEEKDAYS_9_TO_5, ...patch } });
    expectConfigError(() => hours({ timeZone: "Mars/Olympus_Mons" }), "businessHours.timeZone");
    expectConfigError(() => hours({ weekly: { mon: [{ start: "17:00", end: "09:00" }] } }), "businessHours.weekly.mon[0].end");
    expectConfigError(() => hours({ weekly: { tue: [{ start: "09:00", end: "13:00" }, { start: "12:00", end: "17:00" }] } }), "businessHours.weekly.tue[1]");
    expectConfigError(() => hours({ weekly: { wed: [{ start: "9am", end: "17:00" }] } }), "businessHours.weekly.wed[0].start");
    expectConfigError(() => hours({ weekly: { funday: [] } }), "businessHours.weekly.funday");
    expectConfigError(() => hours({ weekly: {} }), "businessHours.weekly");
    expectConfigError(() => hours({ holidays: ["2025-02-30"] }), "businessHours.holidays[0]");
  });
});

describe("clocks round the clock (the default)", () => {
  const p1 = ticket("P1", [{ type: "created", at: "2025-01-06T10:00:00Z" }]);

  it("runs on track, then at risk from 80 %, and breaches only after the target", () => {
    const at5 = computeSlaClocks(p1, "2025-01-06T10:05:00Z").firstResponse;
    expect(at5).toEqual({
      metric: "first_response",
      state: "on_track",
      targetMinutes: 15,
      elapsedMinutes: 5,
      remainingMinutes: 10,
      fractionElapsed: 5 / 15,
      dueAt: "2025-01-06T10:15:00.000Z",
      atRiskAt: "2025-01-06T10:12:00.000Z",
      running: true,
      stoppedAt: null,
    });
    expect(computeSlaClocks(p1, "2025-01-06T10:11:59Z").firstResponse.state).toBe("on_track");
    expect(computeSlaClocks(p1, "2025-01-06T10:12:00Z").firstResponse.state).toBe("at_risk"); // 12/15 = 80 %
    expect(computeSlaClocks(p1, "2025-01-06T10:15:00Z").firstResponse.state).toBe("at_risk"); // exactly on target
    const late = computeSlaClocks(p1, "2025-01-06T10:15:01Z").firstResponse;
    expect(late).toMatchObject({ state: "breached", dueAt: "2025-01-06T10:15:00.000Z", running: true });
    expect(late.remainingMinutes).toBeCloseTo(-1 / 60, 12);
    expect(computeSlaClocks(p1, "2025-01-06T10:05:00Z").nextTransitionAt).toBe("2025-01-06T10:12:00.000Z");
    // At risk: the next change is the breach, one millisecond past the due time.
    expect(computeSlaClocks(p1, "2025-01-06T10:13:00Z").nextTransitionAt).toBe("2025-01-06T10:15:00.001Z");
  });

  it("stops the first-response clock at the response: met, or breached if late", () => {
    const onTime = computeSlaClocks(
      ticket("P1", [
        { type: "created", at: "2025-01-06T10:00:00Z" },
        { type: "first_response", at: "2025-01-06T10:14:00Z" },
        { type: "first_response", at: "2025-01-06T10:40:00Z" }, // later replies do not move it
      ]),
      "2025-01-06T12:00:00Z",
    ).firstResponse;
    expect(onTime).toMatchObject({ state: "met", elapsedMinutes: 14, remainingMinutes: 1, running: false, dueAt: null, stoppedAt: "2025-01-06T10:14:00.000Z" });
    const tooLate = computeSlaClocks(
      ticket("P1", [
        { type: "created", at: "2025-01-06T10:00:00Z" },
        { type: "first_response", at: "2025-01-06T10:20:00Z" },
      ]),
      "2025-01-06T12:00:00Z",
    ).firstResponse;
    expect(tooLate).toMatchObject({ state: "breached", elapsedMinutes: 20, dueAt: "2025-01-06T10:15:00.000Z", stoppedAt: "2025-01-06T10:20:00.000Z" });
  });

  it("pauses both clocks while waiting on the customer", () => {
    const events: SlaTicketEvent[] = [
      { type: "created", at: "2025-01-06T09:00:00Z" },
      { type: "first_response", at: "2025-01-06T09:10:00Z" },
      { type: "status_changed", at: "2025-01-06T10:00:00Z", status: "waiting_on_customer" },
      { type: "status_changed", at: "2025-01-06T14:00:00Z", status: "in_progress" },
    ];
    const during = computeSlaClocks(ticket("P2", events), "2025-01-06T12:00:00Z");
    expect(during).toMatchObject({ status: "waiting_on_customer", paused: true, nextTransitionAt: null });
    expect(during.firstResponse).toMatchObject({ state: "met", elapsedMinutes: 10 });
    expect(during.resolution).toMatchObject({ state: "paused", elapsedMinutes: 60, running: false, dueAt: null });
    // After: 60 min before the pause + 120 min after it; due 1440 − 180 = 21 h later.
    const after = computeSlaClocks(ticket("P2", events), "2025-01-06T16:00:00Z").resolution;
    expect(after).toMatchObject({ state: "on_track", elapsedMinutes: 180, dueAt: "2025-01-07T13:00:00.000Z" });
    const withoutPause = computeSlaClocks(ticket("P2", events.slice(0, 2)), "2025-01-06T16:00:00Z").resolution;
    expect(withoutPause.elapsedMinutes).toBe(420);
  });

  it("keeps running while waiting on engineering unless configured to pause", () => {
    const events: SlaTicketEvent[] = [
      { type: "created", at: "2025-01-06T09:00:00Z" },
      { type: "status_changed", at: "2025-01-06T09:30:00Z", status: "waiting_on_engineering" },
    ];
    expect(computeSlaClocks(ticket("P2", events), "2025-01-06T10:00:00Z").resolution.elapsedMinutes).toBe(60);
    const config = resolveSlaConfig({ pauseStatuses: ["waiting_on_customer", "waiting_on_engineering"] });
    expect(computeSlaClocks(ticket("P2", events), "2025-01-06T10:00:00Z", config).resolution).toMatchObject({ state: "paused", elapsedMinutes: 30 });
  });

  it("stays breached when a clock that went over is paused", () => {
    const report = computeSlaClocks(
      ticket("P0", [
        { type: "created", at: "2025-01-06T00:00:00Z" },
        { type: "first_response", at: "2025-01-06T00:01:00Z" },
        { type: "status_changed", at: "2025-01-06T01:10:00Z", status: "waiting_on_customer" },
      ]),
      "2025-01-06T02:00:00Z",
    );
    expect(report.resolution).toMatchObject({ state: "breached", elapsedMinutes: 70, dueAt: "2025-01-06T01:00:00.000Z", running: false });
  });

  it("resumes the resolution clock on reopen", () => {
    const events: SlaTicketEvent[] = [
      { type: "created", at: "2025-01-06T00:00:00Z" },
      { type: "first_response", at: "2025-01-06T00:02:00Z" },
      { type: "resolved", at: "2025-01-06T00:30:00Z" },
      { type: "reopened", at: "2025-01-06T01:00:00Z" },
      { type: "status_changed", at: "2025-01-06T01:40:00Z", status: "closed" },
    ];
    expect(computeSlaClocks(ticket("P0", events), "2025-01-06T00:50:00Z").resolution).toMatchObject({
      state: "met",
      elapsedMinutes: 30,
      stoppedAt: "2025-01-06T00:30:00.000Z",
    });
    // 30 min before the resolve + 35 after the reopen: over the 60-minute target at 01:30.
    expect(computeSlaClocks(ticket("P0", events), "2025-01-06T01:35:00Z").resolution).toMatchObject({
      state: "breached",
      elapsedMinutes: 65,
      dueAt: "2025-01-06T01:30:00.000Z",
      stoppedAt: null,
      running: true,
    });
    expect(computeSlaClocks(ticket("P0", events), "2025-01-06T03:00:00Z").resolution).toMatchObject({
      state: "breached",
      elapsedMinutes: 70,
      stoppedAt: "2025-01-06T01:40:00.000Z",
    });
  });

  it("treats a first response as not needed when the ticket was resolved in time without one", () => {
    const quick = computeSlaClocks(
      ticket("P3", [
        { type: "created", at: "2025-01-06T00:00:00Z" },
        { type: "resolved", at: "2025-01-06T00:30:00Z" },
      ]),
      "2025-01-06T05:00:00Z",
    );
    expect(quick.firstResponse).toMatchObject({ state: "not_applicable", elapsedMinutes: 30, stoppedAt: "2025-01-06T00:30:00.000Z" });
    expect(quick.resolution).toMatchObject({ state: "met", elapsedMinutes: 30 });
    const slow = computeSlaClocks(
      ticket("P0", [
        { type: "created", at: "2025-01-06T00:00:00Z" },
        { type: "resolved", at: "2025-01-06T00:30:00Z" },
      ]),
      "2025-01-06T05:00:00Z",
    );
    expect(slow.firstResponse.state).toBe("breached");
  });

  it("starts paused when created waiting on the customer", () => {
    const report = computeSlaClocks(ticket("P1", [{ type: "created", at: "2025-01-06T00:00:00Z", status: "waiting_on_customer" }]), "2025-01-06T05:00:00Z");
    expect(report.firstResponse).toMatchObject({ state: "paused", elapsedMinutes: 0 });
  });

  it("falls back to P3 for an unknown priority and says so", () => {
    const created: SlaTicketEvent[] = [{ type: "created", at: "2025-01-06T00:00:00Z" }];
    expect(computeSlaClocks(ticket("urgent", created), "2025-01-06T00:01:00Z")).toMatchObject({ priority: "P3", priorityAssumed: true });
    expect(computeSlaClocks(ticket(" p1 ", created), "2025-01-06T00:01:00Z")).toMatchObject({ priority: "P1", priorityAssumed: false });
  });

  it("is not applicable before the ticket exists or without a target", () => {
    const report = computeSlaClocks(ticket("P1", [{ type: "created", at: "2025-01-06T10:00:00Z" }]), "2025-01-06T09:00:00Z");
    expect(report.firstResponse).toMatchObject({ state: "not_applicable", elapsedMinutes: 0, dueAt: null, running: false });
    expect(report.resolution.state).toBe("not_applicable");
    const noTarget = resolveSlaConfig({ targets: { P4: { firstResponseMinutes: null } } });
    const p4 = computeSlaClocks(ticket("P4", [{ type: "created", at: "2025-01-06T10:00:00Z" }]), "2025-01-09T10:00:00Z", noTarget);
    expect(p4.firstResponse).toMatchObject({ state: "not_applicable", targetMinutes: null, remainingMinutes: null, dueAt: null });
    expect(p4.resolution.state).toBe("at_risk"); // 4320 of 4320 minutes
  });

  it("honours a custom at-risk threshold", () => {
    const config = resolveSlaConfig({ atRiskThreshold: 0.5 });
    expect(computeSlaClocks(ticket("P1", [{ type: "created", at: "2025-01-06T10:00:00Z" }]), "2025-01-06T10:08:00Z", config).firstResponse.state).toBe("at_risk");
  });

  it("ignores events after now, showing the clocks as they were then", () => {
    const events: SlaTicketEvent[] = [
      { type: "created", at: "2025-01-06T10:00:00Z" },
      { type: "first_response", at: "2025-01-06T10:10:00Z" },
    ];
    expect(computeSlaClocks(ticket("P1", events), "2025-01-06T10:05:00Z").firstResponse.state).toBe("on_track");
  });

  it("refuses malformed events, naming the event", () => {
    const created: SlaTicketEvent = { type: "created", at: "2025-01-06T10:00:00Z" };
    expectConfigError(() => computeSlaClocks(ticket("P1", [{ type: "resolved", at: "2025-01-06T10:00:00Z" }]), "2025-01-06T11:00:00Z"), "events");
    expectConfigError(() => computeSlaClocks(ticket("P1", [created, { type: "resolved", at: "2025-01-06T09:00:00Z" }]), "2025-01-06T11:00:00Z"), "events[1].at");
    expectConfigError(() => computeSlaClocks(ticket("P1", [created, { type: "status_changed", at: "2025-01-06T10:30:00Z", status: "snoozed" as never }]), "2025-01-06T11:00:00Z"), "events[1].status");
    expectConfigError(() => computeSlaClocks(ticket("P1", [{ type: "created", at: "yesterday" }]), "2025-01-06T11:00:00Z"), "events[0].at");
    expectConfigError(() => computeSlaClocks(ticket("P1", [created, { type: "created", at: "2025-01-06T10:01:00Z" }]), "2025-01-06T11:00:00Z"), "events[1].type");
    expectConfigError(() => computeSlaClocks(ticket("P1", [created, { type: "escalated", at: "2025-01-06T10:01:00Z" } as never]), "2025-01-06T11:00:00Z"), "events[1].type");
    expectConfigError(() => computeSlaClocks(ticket("P1", [created]), "2025-01-06 11:00"), "now");
  });
});

describe("clocks in business hours", () => {
  const fridayAfternoon = ticket("P1", [{ type: "created", at: "2025-03-28T15:30:00Z" }]); // Fri 16:30 CET

  it("carries a P1 opened Friday 16:30 in Berlin over the weekend (and the DST change) to Monday 10:30 CEST", () => {
    // 30 business minutes on Friday (16:30–17:00 CET), 90 on Monday from 09:00 CEST.
    // Monday 10:30 CEST is 08:30 UTC; a fixed +01:00 offset would wrongly say 09:30 UTC.
    const friday = computeSlaClocks(fridayAfternoon, "2025-03-28T15:45:00Z", berlin);
    expect(friday.firstResponse).toMatchObject({ state: "on_track", elapsedMinutes: 15, dueAt: "2025-03-31T08:30:00.000Z", atRiskAt: "2025-03-31T08:06:00.000Z" });
    // Resolution: 240 minutes = 30 on Friday + 210 on Monday → 12:30 CEST.
    expect(friday.resolution.dueAt).toBe("2025-03-31T10:30:00.000Z");
    expect(friday.timeZone).toBe("Europe/Berlin");

    expect(computeSlaClocks(fridayAfternoon, "2025-03-29T12:00:00Z", berlin).nextTransitionAt).toBe("2025-03-31T08:06:00.000Z");
    const saturday = computeSlaClocks(fridayAfternoon, "2025-03-29T12:00:00Z", berlin).firstResponse;
    expect(saturday).toMatchObject({ state: "on_track", elapsedMinutes: 30, running: true, dueAt: "2025-03-31T08:30:00.000Z" });
    expect(computeSlaClocks(fridayAfternoon, "2025-03-31T07:00:00Z", berlin).firstResponse.elapsedMinutes).toBe(30);
    expect(computeSlaClocks(fridayAfternoon, "2025-03-31T08:05:00Z", berlin).firstResponse.state).toBe("on_track");
    expect(computeSlaClocks(fridayAfternoon, "2025-03-31T08:06:00Z", berlin).firstResponse.state).toBe("at_risk"); // 96 of 120
    expect(computeSlaClocks(fridayAfternoon, "2025-03-31T08:30:00Z", berlin).firstResponse.state).toBe("at_risk");
    expect(computeSlaClocks(fridayAfternoon, "2025-03-31T08:31:00Z", berlin).firstResponse).toMatchObject({ state: "breached", elapsedMinutes: 121 });
  });

  it("skips a holiday", () => {
    const report = computeSlaClocks(fridayAfternoon, "2025-03-31T12:00:00Z", berlinWithHoliday);
    expect(report.firstResponse).toMatchObject({ state: "on_track", elapsedMinutes: 30, dueAt: "2025-04-01T08:30:00.000Z" });
  });

  it("does not count the customer's wait even inside business hours", () => {
    const report = computeSlaClocks(
      ticket("P1", [
        { type: "created", at: "2025-03-31T07:00:00Z" }, // Mon 09:00 CEST
        { type: "status_changed", at: "2025-03-31T07:30:00Z", status: "waiting_on_customer" },
        { type: "status_changed", at: "2025-04-01T07:00:00Z", status: "open" }, // Tue 09:00
      ]),
      "2025-04-01T07:15:00Z",
      berlin,
    );
    // 30 minutes Monday before the wait, 15 on Tuesday; 75 left from Tue 09:15 CEST → 10:30 CEST.
    expect(report.firstResponse).toMatchObject({ elapsedMinutes: 45, dueAt: "2025-04-01T08:30:00.000Z" });
  });

  it("handles the autumn change in New York: Friday 16:00 EDT + 2 h is Monday 10:00 EST", () => {
    const report = computeSlaClocks(ticket("P1", [{ type: "created", at: "2025-10-31T20:00:00Z" }]), "2025-11-01T12:00:00Z", newYork);
    expect(report.firstResponse).toMatchObject({ elapsedMinutes: 60, dueAt: "2025-11-03T15:00:00.000Z" });
  });

  it("follows split shifts (lunch closed)", () => {
    const config = resolveSlaConfig({
      targets: TWO_HOUR_P1,
      businessHours: { timeZone: "UTC", weekly: { mon: [{ start: "09:00", end: "12:00" }, { start: "13:00", end: "17:00" }] } },
    });
    // P0 has 60 minutes: 30 before lunch, 30 after.
    const report = computeSlaClocks(ticket("P0", [{ type: "created", at: "2025-01-06T11:30:00Z" }]), "2025-01-06T11:45:00Z", config);
    expect(report.firstResponse.dueAt).toBe("2025-01-06T13:30:00.000Z");
  });
});

describe("BusinessCalendar and time-zone conversion", () => {
  it("resolves skipped wall times forward and repeated ones to the first occurrence", () => {
    // Berlin 2025-03-30: 02:00 CET jumps to 03:00 CEST; 02:30 does not exist → 03:30 CEST.
    expect(new Date(zonedTimeToUtc(2025, 3, 30, 150, "Europe/Berlin")).toISOString()).toBe("2025-03-30T01:30:00.000Z");
    // Berlin 2025-10-26: 02:30 happens twice; the first is 02:30 CEST.
    expect(new Date(zonedTimeToUtc(2025, 10, 26, 150, "Europe/Berlin")).toISOString()).toBe("2025-10-26T00:30:00.000Z");
    expect(new Date(zonedTimeToUtc(2025, 7, 1, 9 * 60, "America/New_York")).toISOString()).toBe("2025-07-01T13:00:00.000Z");
  });

  it("makes a whole-day schedule 23 hours long in spring and 25 in autumn", () => {
    const calendar = new BusinessCalendar({ timeZone: "Europe/Berlin", weekly: allDay });
    const day = (y: number, m: number, d: number) => calendar.between(zonedTimeToUtc(y, m, d, 0, "Europe/Berlin"), zonedTimeToUtc(y, m, d + 1, 0, "Europe/Berlin"));
    expect(day(2025, 3, 30)).toBe(23 * HOUR);
    expect(day(2025, 10, 26)).toBe(25 * HOUR);
    expect(day(2025, 6, 15)).toBe(24 * HOUR);
  });

  it("counts Sunday 01:00–04:00 in New York as 2 h on the spring day, 4 h on the autumn day", () => {
    const calendar = new BusinessCalendar({ timeZone: "America/New_York", weekly: { sun: [{ start: "01:00", end: "04:00" }] } });
    expect(calendar.between(ms("2025-03-09T00:00:00Z"), ms("2025-03-10T00:00:00Z"))).toBe(2 * HOUR);
    expect(calendar.between(ms("2025-11-02T00:00:00Z"), ms("2025-11-03T00:00:00Z"))).toBe(4 * HOUR);
    expect(calendar.between(ms("2025-03-16T00:00:00Z"), ms("2025-03-17T00:00:00Z"))).toBe(3 * HOUR);
  });

  it("counts Berlin 9–5 over a DST week as five 8-hour days", () => {
    const calendar = berlin.calendar as BusinessCalendar;
    // Monday 2025-03-24 00:00 CET to Monday 2025-03-31 00:00 CEST.
    expect(calendar.between(ms("2025-03-23T23:00:00Z"), ms("2025-03-30T22:00:00Z"))).toBe(40 * HOUR);
    // The week after the change starts at 07:00 UTC, not 08:00.
    expect(new Date(calendar.add(ms("2025-03-30T22:00:00Z"), 1)).toISOString()).toBe("2025-03-31T07:00:00.001Z");
  });

  const instant = fc.integer({ min: Date.UTC(2020, 0, 1), max: Date.UTC(2030, 11, 31) });

  it("a round-the-clock schedule counts real elapsed time across DST changes (fast-check)", () => {
    const calendar = new BusinessCalendar({ timeZone: "Europe/Berlin", weekly: allDay });
    fc.assert(
      fc.property(instant, fc.integer({ min: 0, max: 60 * 24 * HOUR }), (from, span) => {
        expect(calendar.between(from, from + span)).toBe(span);
      }),
    );
  });

  it("add and between are inverse, add is the earliest such instant, between is additive (fast-check)", () => {
    const calendars = [berlinWithHoliday.calendar as BusinessCalendar, newYork.calendar as BusinessCalendar];
    fc.assert(
      fc.property(fc.constantFrom(...calendars), instant, fc.integer({ min: 1, max: 14 * 24 * HOUR }), fc.integer({ min: 0, max: 20 * 24 * HOUR }), (calendar, from, amount, extra) => {
        const due = calendar.add(from, amount);
        expect(calendar.between(from, due)).toBe(amount);
        expect(calendar.between(from, due - 1)).toBeLessThan(amount);
        const mid = from + Math.floor(extra / 2);
        expect(calendar.between(from, mid) + calendar.between(mid, from + extra)).toBe(calendar.between(from, from + extra));
      }),
      { numRuns: 150 },
    );
  });
});

describe("summarizeSla", () => {
  it("counts states per clock and computes compliance from met and breached clocks", () => {
    const created = (at: string): SlaTicketEvent => ({ type: "created", at });
    const reports: TicketSlaReport[] = [
      computeSlaClocks(ticket("P1", [created("2025-01-06T10:00:00Z"), { type: "first_response", at: "2025-01-06T10:05:00Z" }]), "2025-01-06T10:30:00Z"),
      computeSlaClocks(ticket("P1", [created("2025-01-06T10:00:00Z"), { type: "first_response", at: "2025-01-06T10:25:00Z" }]), "2025-01-06T10:30:00Z"),
      computeSlaClocks(ticket("P1", [created("2025-01-06T10:20:00Z")]), "2025-01-06T10:30:00Z"),
    ];
    const summary = summarizeSla(reports);
    expect(summary.tickets).toBe(3);
    // Met at 5 minutes, breached at 25, and the third on track at 10 of 15 minutes.
    expect(summary.firstResponse.counts).toEqual({ on_track: 1, at_risk: 0, breached: 1, met: 1, paused: 0, not_applicable: 0 });
    expect(summary.firstResponse.compliance).toBe(0.5);
    expect(summary.resolution.compliance).toBeNull();
    expect(summary.resolution.counts.on_track).toBe(3);
  });
});

describe("SLA invariants (fast-check)", () => {
  const configs: SlaConfig[] = [
    resolveSlaConfig(),
    berlinWithHoliday,
    resolveSlaConfig({
      atRiskThreshold: 0.6,
      businessHours: {
        timeZone: "America/New_York",
        weekly: { ...WEEKDAYS_9_TO_5, mon: [{ start: "08:00", end: "12:00" }, { start: "13:00", end: "18:00" }], sat: [{ start: "10:00", end: "14:00" }] },
        holidays: ["2025-11-27", "2025-12-25", "2026-01-01"],
      },
    }),
  ];
  const kinds = ["first_response", "status_changed", "resolved", "reopened"] as const;
  const ticketArb = fc
    .record({
      priority: fc.constantFrom("P0", "P1", "P2", "P3", "P4", "urgent"),
      start: fc.integer({ min: Date.UTC(2025, 0, 1), max: Date.UTC(2026, 0, 31) }),
      status: fc.option(fc.constantFrom(...TICKET_STATUSES), { nil: undefined }),
      steps: fc.array(
        fc.record({ gap: fc.integer({ min: 0, max: 3 * 24 * 60 }), kind: fc.constantFrom(...kinds), status: fc.constantFrom(...TICKET_STATUSES) }),
        { maxLength: 8 },
      ),
    })
    .map(({ priority, start, status, steps }): SlaTicketInput => {
      let at = start;
      const events: SlaTicketEvent[] = [{ type: "created", at: start, ...(status === undefined ? {} : { status }) }];
      for (const step of steps) {
        at += step.gap * MINUTE;
        events.push(step.kind === "status_changed" ? { type: "status_changed", at, status: step.status } : { type: step.kind, at });
      }
      return { priority, events };
    });
  const createdAt = (t: SlaTicketInput): number => t.events[0]?.at as number;
  const clocks = (report: TicketSlaReport): SlaClock[] => [report.firstResponse, report.resolution];

  it("elapsed business time never decreases as now moves forward", () => {
    fc.assert(
      fc.property(fc.constantFrom(...configs), ticketArb, fc.integer({ min: -60, max: 30 * 24 * 60 }), fc.integer({ min: 0, max: 10 * 24 * 60 }), (config, t, offset, later) => {
        const now1 = createdAt(t) + offset * MINUTE;
        const a = computeSlaClocks(t, now1, config);
        const b = computeSlaClocks(t, now1 + later * MINUTE, config);
        expect(b.firstResponse.elapsedMinutes).toBeGreaterThanOrEqual(a.firstResponse.elapsedMinutes);
        expect(b.resolution.elapsedMinutes).toBeGreaterThanOrEqual(a.resolution.elapsedMinutes);
      }),
    );
  });

  it("waiting on the customer never increases elapsed time", () => {
    fc.assert(
      fc.property(fc.constantFrom(...configs), ticketArb, fc.nat(), fc.integer({ min: 0, max: 30 * 24 * 60 }), (config, t, pick, offset) => {
        // Turn one status change to an open status into waiting_on_customer: the ticket is just
        // as unresolved afterwards, only paused.
        const candidates = t.events.flatMap((e, i) => (e.type === "status_changed" && e.status !== "resolved" && e.status !== "closed" ? [i] : []));
        const now = createdAt(t) + offset * MINUTE;
        const base = computeSlaClocks(t, now, config);
        if (candidates.length === 0) return;
        const index = candidates[pick % candidates.length] as number;
        const paused: SlaTicketInput = {
          ...t,
          events: t.events.map((e, i) => (i === index ? { type: "status_changed", at: e.at, status: "waiting_on_customer" } : e)),
        };
        const withPause = computeSlaClocks(paused, now, config);
        expect(withPause.firstResponse.elapsedMinutes).toBeLessThanOrEqual(base.firstResponse.elapsedMinutes);
        expect(withPause.resolution.elapsedMinutes).toBeLessThanOrEqual(base.resolution.elapsedMinutes);
      }),
    );
  });

  it("inserting a pause into an open ticket never increases elapsed time", () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...configs),
        fc.integer({ min: Date.UTC(2025, 0, 1), max: Date.UTC(2026, 0, 31) }),
        fc.integer({ min: 0, max: 5 * 24 * 60 }),
        fc.integer({ min: 1, max: 5 * 24 * 60 }),
        fc.integer({ min: 0, max: 12 * 24 * 60 }),
        (config, start, pauseAfter, pauseLength, nowAfter) => {
          const events: SlaTicketEvent[] = [{ type: "created", at: start }];
          const paused: SlaTicketEvent[] = [
            ...events,
            { type: "status_changed", at: start + pauseAfter * MINUTE, status: "waiting_on_customer" },
            { type: "status_changed", at: start + (pauseAfter + pauseLength) * MINUTE, status: "in_progress" },
          ];
          const now = start + nowAfter * MINUTE;
          const a = computeSlaClocks(ticket("P2", events), now, config);
          const b = computeSlaClocks(ticket("P2", paused), now, config);
          expect(b.resolution.elapsedMinutes).toBeLessThanOrEqual(a.resolution.elapsedMinutes);
          expect(b.firstResponse.elapsedMinutes).toBeLessThanOrEqual(a.firstResponse.elapsedMinutes);
        },
      ),
    );
  });

  it("never reports breached before the due time, and breaches right after it if nothing changes", () => {
    fc.assert(
      fc.property(fc.constantFrom(...configs), ticketArb, fc.integer({ min: 0, max: 30 * 24 * 60 }), (config, t, offset) => {
        const now = createdAt(t) + offset * MINUTE;
        // Only what has happened by now: "if nothing changes" must hold from here on.
        const settled: SlaTicketInput = { ...t, events: t.events.filter((e) => (e.at as number) <= now) };
        const report = computeSlaClocks(settled, now, config);
        for (const clock of clocks(report)) {
          const target = clock.targetMinutes;
          if (clock.state === "breached") {
            expect(clock.dueAt).not.toBeNull();
            expect(ms(clock.dueAt as string)).toBeLessThan(now);
            expect(clock.fractionElapsed as number).toBeGreaterThan(1);
          }
          if (clock.state === "on_track") expect(clock.fractionElapsed as number).toBeLessThan(config.atRiskThreshold);
          if (clock.state === "at_risk") {
            expect(clock.fractionElapsed as number).toBeGreaterThanOrEqual(config.atRiskThreshold - 1e-9);
            expect(clock.fractionElapsed as number).toBeLessThanOrEqual(1);
          }
          if (clock.state === "met") expect(clock.fractionElapsed as number).toBeLessThanOrEqual(1);
          if ((clock.state === "on_track" || clock.state === "at_risk") && target !== null) {
            expect(clock.running).toBe(true);
            const due = ms(clock.dueAt as string);
            // Exactly on target after hours: the deadline has passed, but the breach waits for
            // the next business minute.
            const onTarget = (clock.fractionElapsed as number) >= 1;
            if (onTarget) expect(due).toBeLessThanOrEqual(now);
            else expect(due).toBeGreaterThan(now);
            const pick = (r: TicketSlaReport) => (clock.metric === "first_response" ? r.firstResponse : r.resolution);
            const from = onTarget ? now : due;
            if (!onTarget) expect(pick(computeSlaClocks(settled, due, config)).state).toBe("at_risk");
            const justAfter = config.calendar === null ? from + 1 : config.calendar.add(from, 1);
            expect(pick(computeSlaClocks(settled, justAfter, config)).state).toBe("breached");
          }
        }
      }),
      { numRuns: 150 },
    );
  });

  it("nextTransitionAt is the first instant a clock's state changes if nothing else happens", () => {
    const states = (r: TicketSlaReport): string => `${r.firstResponse.state}/${r.resolution.state}`;
    fc.assert(
      fc.property(fc.constantFrom(...configs), ticketArb, fc.integer({ min: 0, max: 30 * 24 * 60 }), (config, t, offset) => {
        const now = createdAt(t) + offset * MINUTE;
        const settled: SlaTicketInput = { ...t, events: t.events.filter((e) => (e.at as number) <= now) };
        const report = computeSlaClocks(settled, now, config);
        const running = clocks(report).some((c) => c.running && (c.state === "on_track" || c.state === "at_risk"));
        expect(report.nextTransitionAt === null).toBe(!running);
        if (report.nextTransitionAt === null) return;
        const next = ms(report.nextTransitionAt);
        expect(next).toBeGreaterThan(now);
        expect(states(computeSlaClocks(settled, next - 1, config))).toBe(states(report));
        expect(states(computeSlaClocks(settled, next, config))).not.toBe(states(report));
      }),
      { numRuns: 150 },
    );
  });
});
