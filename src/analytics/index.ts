/**
 * The customer-success analytics engine: pure TypeScript, no I/O, no imports from the rest
 * of `src`, so the Tenant object, the Worker and Node scripts run the same code. Each area
 * is a namespace, because several define types of the same name (HealthBand, DateInput).
 *
 *   health      explainable health score, config and bands, trend from snapshots
 *   churn       churn probability with factor shares; backtest (AUC, precision@k, calibration)
 *   segments    value tiers, lifecycle stage from facts, custom rule segments
 *   engagement  DAU/WAU/MAU, stickiness, feature adoption, time to first value, milestones, anomalies
 *   cohorts     logo and revenue retention by start month; GRR and NRR over a period
 *   feedback    NPS, CSAT, CES with period comparison; recurring themes
 *   sentiment   lexicon sentiment with negation, intensifiers and contrast
 *   sla         first-response and resolution clocks with pauses, business hours and time zones
 *   renewals    renewal probability, expected ARR, forecast by month and quarter, checkpoints
 *   expansion   upsell, cross-sell, seat and usage expansion candidates; lifetime value
 */
export * as health from "./health";
export * as churn from "./churn";
export * as segments from "./segments";
export * as engagement from "./engagement";
export * as cohorts from "./cohorts";
export * as feedback from "./feedback";
export * as sentiment from "./sentiment";
export * as sla from "./sla";
export * as renewals from "./renewals";
export * as expansion from "./expansion";
export { AnalyticsConfigError } from "./errors";
export type { ScoreComponent } from "./explain";
