import { and, asc, eq, gt, inArray, type SQL } from "drizzle-orm";
import { AnalyticsConfigError, health, segments } from "../analytics";
import { ACCOUNT_STATUSES, AccountError, daysUntil, LIFECYCLE_STAGES, TIERS, type TenantDb } from "./accounts";
import { accountFeatures, accounts } from "./tenant-schema";

/**
 * The field catalog that segment rules and playbook triggers run over: one record per account,
 * built from the `accounts` row and its `account_features` row. The rule language itself is the
 * analytics engine's (src/analytics/segments-rules.ts); this module only says which fields exist,
 * reads the records in pages, and turns the engine's refusals into AccountError("invalid").
 */

const HEALTH_BANDS = ["churn_risk", "at_risk", "neutral", "healthy", "champion"] as const;
const HEALTH_TRENDS = ["improving", "stable", "declining"] as const;

/** account_features columns offered to rules: field name → drizzle property. */
const FEATURE_FIELDS = {
  active_users: "activeUsers",
  licensed_seats: "licensedSeats",
  logins_30d: "logins30d",
  features_used: "featuresUsed",
  features_available: "featuresAvailable",
  days_since_last_touch: "daysSinceLastTouch",
  email_open_rate: "emailOpenRate",
  email_click_rate: "emailClickRate",
  message_reply_rate: "messageReplyRate",
  open_tickets: "openTickets",
  tickets_90d: "tickets90d",
  high_severity_tickets_90d: "highSeverityTickets90d",
  sla_breaches_90d: "slaBreaches90d",
  oldest_open_ticket_age_days: "oldestOpenTicketAgeDays",
  nps: "nps",
  csat: "csat",
  ces: "ces",
  invoices_paid_late: "invoicesPaidLate",
  max_days_late: "maxDaysLate",
  failed_payments: "failedPayments",
  overdue_amount: "overdueAmount",
} as const satisfies Record<string, keyof typeof accountFeatures.$inferSelect>;

export type FeatureField = keyof typeof FEATURE_FIELDS;

export interface AccountFieldInfo {
  name: string;
  type: segments.SegmentFieldType;
  values: string[] | null;
  description: string;
}

const enumOf = (values: readonly string[]): segments.SegmentFieldSpec => ({ type: "enum", values: [...values] });

/** Every field a rule may name, with its type and what it means. */
const FIELDS: readonly (readonly [string, segments.SegmentFieldSpec, string])[] = [
  ["client_id", { type: "string" }, "The account's id"],
  ["client_name", { type: "string" }, "The account's name"],
  ["company_name", { type: "string" }, "The company's legal name"],
  ["industry", { type: "string" }, "Industry as recorded on the account"],
  ["tier", enumOf(TIERS), "Plan tier"],
  ["status", enumOf(ACCOUNT_STATUSES), "Account status"],
  ["lifecycle_stage", enumOf(LIFECYCLE_STAGES), "Lifecycle stage"],
  ["csm_assigned", { type: "string" }, "The CSM who owns the account; missing when unassigned"],
  ["contract_value", { type: "number" }, "Annual contract value (ARR)"],
  ["renewal_date", { type: "date" }, "Next renewal date"],
  ["days_until_renewal", { type: "number" }, "Whole days from today to the renewal date (negative once passed)"],
  ["health_score", { type: "number" }, "Health score 0–100 as last computed; missing until scored"],
  ["health_band", enumOf(HEALTH_BANDS), "Band of the health score under the default bands (<40 churn_risk, <60 at_risk, ≤75 neutral, ≤90 healthy, else champion)"],
  ["health_trend", enumOf(HEALTH_TRENDS), "Direction of the health score; missing until there is history"],
  ["created_at", { type: "date" }, "When the account was registered"],
  ["last_engagement_at", { type: "date" }, "Last engagement recorded on the account; missing if none"],
  ["active_users", { type: "number" }, "Peak daily active users over the last 30 days"],
  ["licensed_seats", { type: "number" }, "Seats under contract"],
  ["seat_utilization", { type: "number" }, "active_users ÷ licensed_seats (0–1 and above); missing without both"],
  ["logins_30d", { type: "number" }, "Sessions over the last 30 days"],
  ["features_used", { type: "number" }, "Peak daily distinct features used over the last 30 days"],
  ["features_available", { type: "number" }, "Features the plan offers"],
  ["days_since_last_touch", { type: "number" }, "Days since the last touchpoint with the account"],
  ["email_open_rate", { type: "number" }, "Share of emails opened (0–1)"],
  ["email_click_rate", { type: "number" }, "Share of emails clicked (0–1)"],
  ["message_reply_rate", { type: "number" }, "Share of messages replied to (0–1)"],
  ["open_tickets", { type: "number" }, "Support tickets open now"],
  ["tickets_90d", { type: "number" }, "Tickets opened in the last 90 days"],
  ["high_severity_tickets_90d", { type: "number" }, "P1/P2 tickets in the last 90 days"],
  ["sla_breaches_90d", { type: "number" }, "Tickets that breached their SLA in the last 90 days"],
  ["oldest_open_ticket_age_days", { type: "number" }, "Age in days of the oldest open ticket"],
  ["nps", { type: "number" }, "Latest NPS answer (0–10)"],
  ["csat", { type: "number" }, "Latest CSAT (1–5)"],
  ["ces", { type: "number" }, "Latest customer effort score"],
  ["invoices_paid_late", { type: "number" }, "Invoices paid after their due date"],
  ["max_days_late", { type: "number" }, "Most days any invoice was paid late"],
  ["failed_payments", { type: "number" }, "Failed payment attempts"],
  ["overdue_amount", { type: "number" }, "Amount past due now"],
];

/** The catalog in the engine's form, checked once at load. */
export const ACCOUNT_FIELD_CATALOG: segments.SegmentFieldCatalog = Object.freeze(
  Object.fromEntries(FIELDS.map(([name, spec]) => [name, spec])),
);
segments.validateFieldCatalog(ACCOUNT_FIELD_CATALOG);

/** The catalog as the list_segment_fields tool shows it. */
export function accountFieldInfo(): AccountFieldInfo[] {
  return FIELDS.map(([name, spec, description]) => ({
    name,
    type: spec.type,
    values: spec.type === "enum" ? [...spec.values] : null,
    description,
  }));
}

/** One account as rules see it, with what the tools show next to a match. */
export interface AccountRecord {
  id: string;
  name: string;
  companyName: string;
  csm: string | null;
  contractValue: number;
  healthScore: number | null;
  renewalDate: string;
  record: segments.SegmentRecord;
}

const SELECTION = {
  id: accounts.id,
  name: accounts.name,
  companyName: accounts.companyName,
  industry: accounts.industry,
  tier: accounts.tier,
  status: accounts.status,
  lifecycleStage: accounts.lifecycleStage,
  csmAssigned: accounts.csmAssigned,
  contractValue: accounts.contractValue,
  renewalDate: accounts.renewalDate,
  healthScore: accounts.healthScore,
  healthTrend: accounts.healthTrend,
  createdAt: accounts.createdAt,
  lastEngagementAt: accounts.lastEngagementAt,
  ...Object.fromEntries(Object.entries(FEATURE_FIELDS).map(([, property]) => [property, accountFeatures[property]])),
} as const;

type Row = {
  id: string;
  name: string;
  companyName: string;
  industry: string;
  tier: string;
  status: string;
  lifecycleStage: string;
  csmAssigned: string | null;
  contractValue: number;
  renewalDate: string;
  healthScore: number | null;
  healthTrend: string | null;
  createdAt: string;
  lastEngagementAt: string | null;
} & Record<(typeof FEATURE_FIELDS)[FeatureField], number | null>;

function toRecord(row: Row, now: Date): AccountRecord {
  const record: Record<string, segments.SegmentFieldValue> = {
    client_id: row.id,
    client_name: row.name,
    company_name: row.companyName,
    industry: row.industry,
    tier: row.tier,
    status: row.status,
    lifecycle_stage: row.lifecycleStage,
    csm_assigned: row.csmAssigned,
    contract_value: row.contractValue,
    renewal_date: row.renewalDate,
    days_until_renewal: daysUntil(row.renewalDate, now),
    health_score: row.healthScore,
    health_band: row.healthScore === null ? null : health.healthBand(row.healthScore, health.DEFAULT_HEALTH_BANDS),
    health_trend: row.healthTrend,
    created_at: row.createdAt,
    last_engagement_at: row.lastEngagementAt,
  };
  for (const [field, property] of Object.entries(FEATURE_FIELDS) as [FeatureField, (typeof FEATURE_FIELDS)[FeatureField]][]) {
    record[field] = row[property];
  }
  const active = row.activeUsers;
  const seats = row.licensedSeats;
  record.seat_utilization = active !== null && seats !== null && seats > 0 ? active / seats : null;
  return {
    id: row.id,
    name: row.name,
    companyName: row.companyName,
    csm: row.csmAssigned,
    contractValue: row.contractValue,
    healthScore: row.healthScore,
    renewalDate: row.renewalDate,
    record,
  };
}

/** Accounts per page when scanning: bounds memory for tenants of 100,000 accounts. */
export const RECORD_PAGE_SIZE = 1_000;

/** One page of records in id order, strictly after `after` (keyset), optionally only `ids`. */
export function readAccountRecords(
  db: TenantDb,
  options: { after?: string; limit?: number; ids?: readonly string[] },
  now = new Date(),
): AccountRecord[] {
  const conditions: SQL[] = [];
  if (options.after !== undefined) conditions.push(gt(accounts.id, options.after));
  if (options.ids !== undefined) conditions.push(inArray(accounts.id, [...options.ids]));
  const rows = db
    .select(SELECTION)
    .from(accounts)
    .leftJoin(accountFeatures, eq(accountFeatures.accountId, accounts.id))
    .where(conditions.length ? and(...conditions) : undefined)
    .orderBy(asc(accounts.id))
    .limit(options.limit ?? RECORD_PAGE_SIZE)
    .all() as Row[];
  return rows.map((row) => toRecord(row, now));
}

/**
 * Calls `visit` with every account's record, a page at a time (keyset on id), or only the
 * accounts in `ids`. `visit` returns false to stop early.
 */
export function forEachAccountRecord(
  db: TenantDb,
  visit: (record: AccountRecord) => boolean | void,
  options: { ids?: Iterable<string>; after?: string } = {},
  now = new Date(),
): void {
  if (options.ids !== undefined) {
    const ids = [...new Set(options.ids)].sort();
    // SQLite's bound-parameter limit: look the ids up in slices.
    for (let i = 0; i < ids.length; i += 90) {
      for (const record of readAccountRecords(db, { ids: ids.slice(i, i + 90), limit: 90 }, now)) {
        if (visit(record) === false) return;
      }
    }
    return;
  }
  let after = options.after;
  for (;;) {
    const page = readAccountRecords(db, { after, limit: RECORD_PAGE_SIZE }, now);
    for (const record of page) {
      if (visit(record) === false) return;
    }
    if (page.length < RECORD_PAGE_SIZE) return;
    after = page.at(-1)?.id;
  }
}

/**
 * Compiles a rule over the account catalog (relative dates resolved against `now`). The
 * engine's refusal becomes AccountError("invalid") naming the rule's path under `field`,
 * e.g. "rule.rules[1].operator: operator \"gt\" does not apply to enum field \"tier\"; …".
 */
export function compileAccountRule(rule: unknown, field: string, now = new Date()): segments.SegmentPredicate {
  try {
    return segments.compileSegment(rule, ACCOUNT_FIELD_CATALOG, { now });
  } catch (error) {
    if (error instanceof AnalyticsConfigError) {
      const path = error.field === "definition" ? field : `${field}.${error.field}`;
      const detail = error.message.startsWith(`${error.field}: `) ? error.message.slice(error.field.length + 2) : error.message;
      throw new AccountError("invalid", `${path}: ${detail}`);
    }
    throw error;
  }
}

/** The rule value at a trace path ("rules[1].rules[0]") of a definition, for showing beside the actual value. */
function ruleValueAt(definition: unknown, path: string): unknown {
  let node: unknown = definition;
  for (const match of path.matchAll(/rules\[(\d+)\]/g)) {
    const rules = typeof node === "object" && node !== null ? (node as { rules?: unknown }).rules : undefined;
    if (!Array.isArray(rules)) return undefined;
    node = rules[Number(match[1])];
  }
  return typeof node === "object" && node !== null ? (node as { value?: unknown }).value : undefined;
}

function ruleLine(definition: unknown, trace: segments.SegmentRuleTrace): string {
  const actual = trace.actual === undefined || trace.actual === null ? "missing" : JSON.stringify(trace.actual);
  const value = ruleValueAt(definition, trace.path);
  return `${trace.field} ${trace.operator}${value === undefined ? "" : ` ${JSON.stringify(value)}`} (was ${actual})`;
}

/** A trace as readable lines: each rule with the value the account had and whether it held. */
export function describeTrace(definition: unknown, trace: segments.SegmentGroupTrace | segments.SegmentRuleTrace, depth = 0): string[] {
  const indent = "  ".repeat(depth);
  if ("field" in trace) return [`${indent}${trace.matched ? "✓" : "✗"} ${ruleLine(definition, trace)}`];
  const head = `${indent}${trace.matched ? "✓" : "✗"} ${trace.match === "all" ? "all of" : "any of"}:`;
  return [head, ...trace.rules.flatMap((rule) => describeTrace(definition, rule, depth + 1))];
}

/** The rules that made a record match: under "all" every rule, under "any" the ones that held. */
export function matchedReasons(definition: unknown, trace: segments.SegmentGroupTrace | segments.SegmentRuleTrace): string[] {
  if (!trace.matched) return [];
  if ("field" in trace) return [ruleLine(definition, trace)];
  return trace.rules.flatMap((rule) => matchedReasons(definition, rule));
}
