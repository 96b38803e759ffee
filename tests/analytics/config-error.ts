import { expect } from "vitest";
import { AnalyticsConfigError } from "../../src/analytics/errors";

/** Runs `fn` and returns the AnalyticsConfigError it throws; fails the test if it throws anything else or nothing. */
export function configError(fn: () => unknown): AnalyticsConfigError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(AnalyticsConfigError);
    return error as AnalyticsConfigError;
  }
  throw new Error("expected an AnalyticsConfigError, but nothing was thrown");
}

/** Asserts that `run` is refused with an AnalyticsConfigError naming `field`. */
export function expectConfigError(run: () => unknown, field: string): void {
  expect(configError(run).field).toBe(field);
}

/** The field and message of the refusal `run` causes. */
export function refusal(run: () => unknown): { field: string; message: string } {
  const error = configError(run);
  return { field: error.field, message: error.message };
}
