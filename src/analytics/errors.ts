/**
 * Refusal of a bad configuration or input: names the field and says how to fix it.
 * Callers (tools, the setup page) show `message` as is.
 */
export class AnalyticsConfigError extends Error {
  constructor(
    /** Dotted path of the offending field, e.g. "weights.usage" or "rules[2].field". */
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`);
    this.name = "AnalyticsConfigError";
  }
}
