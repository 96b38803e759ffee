import { sqliteTable, text, integer, real, index, primaryKey } from "drizzle-orm/sqlite-core";

/**
 * The Tenant Durable Object's SQLite schema. One database per tenant, so no table
 * carries a tenant id: isolation comes from the object itself.
 */

/** A customer account: the company a customer-success team looks after. */
export const accounts = sqliteTable(
  "accounts",
  {
    id: text("id").primaryKey(),
    name: text("name").notNull(),
    companyName: text("company_name").notNull(),
    industry: text("industry").notNull(),
    tier: text("tier", { enum: ["starter", "standard", "professional", "enterprise"] }).notNull(),
    status: text("status", { enum: ["active", "paused", "churned", "pending"] }).notNull(),
    lifecycleStage: text("lifecycle_stage", {
      enum: ["onboarding", "adoption", "active", "at_risk", "renewal", "expansion", "churned"],
    }).notNull(),
    /** Annual contract value (ARR) in the tenant's currency units. */
    contractValue: real("contract_value").notNull(),
    contractStartDate: text("contract_start_date").notNull(),
    contractEndDate: text("contract_end_date").notNull(),
    renewalDate: text("renewal_date").notNull(),
    primaryContactName: text("primary_contact_name"),
    primaryContactEmail: text("primary_contact_email"),
    csmAssigned: text("csm_assigned"),
    externalId: text("external_id"),
    /** Null until the analytics engine has scored the account from real data. */
    healthScore: real("health_score"),
    healthTrend: text("health_trend", { enum: ["improving", "stable", "declining"] }),
    healthComputedAt: text("health_computed_at"),
    lastEngagementAt: text("last_engagement_at"),
    createdAt: text("created_at").notNull(),
    updatedAt: text("updated_at").notNull(),
  },
  (table) => [
    index("accounts_by_name").on(table.name, table.id),
    index("accounts_by_tier").on(table.tier),
    index("accounts_by_stage").on(table.lifecycleStage),
    index("accounts_by_status").on(table.status),
    index("accounts_by_csm").on(table.csmAssigned),
    index("accounts_by_renewal").on(table.renewalDate, table.id),
    index("accounts_by_value").on(table.contractValue, table.id),
    index("accounts_by_health").on(table.healthScore, table.id),
    index("accounts_by_created").on(table.createdAt, table.id),
    index("accounts_by_external_id").on(table.externalId),
  ],
);

/** Everything that happened to an account, for its timeline. Append-only. */
export const accountEvents = sqliteTable(
  "account_events",
  {
    id: text("id").primaryKey(),
    accountId: text("account_id")
      .notNull()
      .references(() => accounts.id, { onDelete: "cascade" }),
    occurredAt: text("occurred_at").notNull(),
    eventType: text("event_type").notNull(),
    title: text("title").notNull(),
    description: text("description").notNull(),
    impact: text("impact", { enum: ["positive", "negative", "neutral"] }).notNull(),
    /** Who caused it: a user id, an integration name, or "system". */
    actor: text("actor").notNull(),
    /** JSON object with the event's details (changed fields with their previous values, ids). */
    metadata: text("metadata").notNull(),
  },
  (table) => [index("events_by_account_time").on(table.accountId, table.occurredAt, table.id)],
);

/** Every write through a tool, the API or the setup page: who, what, when, through which client. */
export const auditLog = sqliteTable(
  "audit_log",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    occurredAt: text("occurred_at").notNull(),
    userId: text("user_id").notNull(),
    /** "mcp:<oauth client id>", "api:<oauth client id>", "setup" or "system". */
    via: text("via").notNull(),
    action: text("action").notNull(),
    targetId: text("target_id"),
    /** JSON object of the input, with secrets redacted. */
    details: text("details").notNull(),
  },
  (table) => [index("audit_by_time").on(table.occurredAt), index("audit_by_user").on(table.userId, table.occurredAt)],
);

/**
 * Daily usage aggregates per account: what the events endpoint writes. Kept so features can be
 * refreshed over any window; the health recompute never reads it (it reads account_features).
 */
export const usageDaily = sqliteTable(
  "usage_daily",
  {
    accountId: text("account_id")
      .notNull()
      .references(() => accounts.id, { onDelete: "cascade" }),
    /** UTC day, YYYY-MM-DD. */
    day: text("day").notNull(),
    activeUsers: integer("active_users").notNull(),
    sessions: integer("sessions").notNull(),
    events: integer("events").notNull(),
    featuresUsed: integer("features_used").notNull(),
  },
  (table) => [primaryKey({ columns: [table.accountId, table.day] })],
);

/**
 * The health engine's inputs per account (one column per `HealthFeatures` field), kept up to
 * date as data arrives so a full recompute reads one row per account instead of rescanning usage.
 * Null means "no data", which the engine leaves out rather than guessing.
 */
export const accountFeatures = sqliteTable("account_features", {
  accountId: text("account_id")
    .primaryKey()
    .references(() => accounts.id, { onDelete: "cascade" }),
  activeUsers: real("active_users"),
  licensedSeats: real("licensed_seats"),
  logins30d: real("logins_30d"),
  featuresUsed: real("features_used"),
  featuresAvailable: real("features_available"),
  daysSinceLastTouch: real("days_since_last_touch"),
  emailOpenRate: real("email_open_rate"),
  emailClickRate: real("email_click_rate"),
  messageReplyRate: real("message_reply_rate"),
  openTickets: real("open_tickets"),
  tickets90d: real("tickets_90d"),
  highSeverityTickets90d: real("high_severity_tickets_90d"),
  slaBreaches90d: real("sla_breaches_90d"),
  oldestOpenTicketAgeDays: real("oldest_open_ticket_age_days"),
  nps: real("nps"),
  csat: real("csat"),
  ces: real("ces"),
  invoicesPaidLate: real("invoices_paid_late"),
  maxDaysLate: real("max_days_late"),
  failedPayments: real("failed_payments"),
  overdueAmount: real("overdue_amount"),
  annualContractValue: real("annual_contract_value"),
  updatedAt: text("updated_at").notNull(),
});

/** One health score per account per recompute: the history behind trends and score history. */
export const healthSnapshots = sqliteTable(
  "health_snapshots",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    accountId: text("account_id")
      .notNull()
      .references(() => accounts.id, { onDelete: "cascade" }),
    computedAt: text("computed_at").notNull(),
    /** Null when no component had data. */
    score: real("score"),
    band: text("band", { enum: ["churn_risk", "at_risk", "neutral", "healthy", "champion"] }),
    coverage: real("coverage").notNull(),
    /** JSON array of the components: name, value, weight, contribution. */
    components: text("components").notNull(),
  },
  (table) => [index("snapshots_by_account_time").on(table.accountId, table.computedAt)],
);
