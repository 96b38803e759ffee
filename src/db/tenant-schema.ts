import { sql } from "drizzle-orm";
import { sqliteTable, text, integer, real, index, primaryKey, uniqueIndex } from "drizzle-orm/sqlite-core";

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
    // Last, where ALTER TABLE added it.
    /**
     * The account's last score at the portfolio movers' cutoff (00:00 UTC a week ago), or null
     * when it had none; refreshed when the cutoff moves (src/db/portfolio.ts), so the movers are
     * one scan of this table instead of a snapshot lookup per account.
     */
    healthBaselineScore: real("health_baseline_score"),
  },
  (table) => [
    index("accounts_by_name").on(table.name, table.id),
    // (tier, name, id): a tier filter listed by name, the default order, reads one index range.
    index("accounts_by_tier").on(table.tier, table.name, table.id),
    index("accounts_by_stage").on(table.lifecycleStage),
    index("accounts_by_status").on(table.status),
    index("accounts_by_csm").on(table.csmAssigned),
    index("accounts_by_renewal").on(table.renewalDate, table.id),
    index("accounts_by_value").on(table.contractValue, table.id),
    index("accounts_by_health").on(table.healthScore, table.id),
    index("accounts_by_created").on(table.createdAt, table.id),
    index("accounts_by_external_id").on(table.externalId),
    // Covers list_clients' summary (count, ARR, health by tier and stage) without the wide rows.
    index("accounts_summary").on(table.tier, table.lifecycleStage, table.contractValue, table.healthScore),
    // Covers the full health recompute's page read (id order, tier, current score): without it
    // each account cost a lookup into its wide row (src/db/health.ts, docs/performance.md).
    index("accounts_health_state").on(table.id, table.tier, table.healthScore, table.healthComputedAt),
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
    /** The components as positional [value, weight, contribution] triples (src/db/snapshot-components.ts). */
    components: text("components").notNull(),
  },
  (table) => [index("snapshots_by_account_time").on(table.accountId, table.computedAt)],
);

/*
 * The facts the engine reads. Every table that can be filled from another system carries
 * `external_id` (unique where set), so imports and webhooks are idempotent on it.
 */

/** A person at a customer account. */
export const contacts = sqliteTable(
  "contacts",
  {
    id: text("id").primaryKey(),
    accountId: text("account_id")
      .notNull()
      .references(() => accounts.id, { onDelete: "cascade" }),
    externalId: text("external_id"),
    name: text("name").notNull(),
    email: text("email"),
    title: text("title"),
    role: text("role", { enum: ["executive", "decision_maker", "champion", "user", "billing", "technical"] }).notNull(),
    isPrimary: integer("is_primary", { mode: "boolean" }).notNull(),
    status: text("status", { enum: ["active", "left"] }).notNull(),
    createdAt: text("created_at").notNull(),
    updatedAt: text("updated_at").notNull(),
  },
  (table) => [
    index("contacts_by_account").on(table.accountId, table.name),
    index("contacts_by_email").on(table.email),
    // Webhooks (SendGrid, Intercom) name a contact by address in any case: one indexed lookup.
    index("contacts_by_normalized_email").on(sql`lower(trim(${table.email}))`),
    uniqueIndex("contacts_by_external_id").on(table.externalId),
  ],
);

/** A contract term; the account row keeps the current one's summary. */
export const contracts = sqliteTable(
  "contracts",
  {
    id: text("id").primaryKey(),
    accountId: text("account_id")
      .notNull()
      .references(() => accounts.id, { onDelete: "cascade" }),
    externalId: text("external_id"),
    startDate: text("start_date").notNull(),
    endDate: text("end_date").notNull(),
    renewalDate: text("renewal_date").notNull(),
    /** Annual recurring value of this term. */
    annualValue: real("annual_value").notNull(),
    seats: integer("seats"),
    autoRenew: integer("auto_renew", { mode: "boolean" }).notNull(),
    status: text("status", { enum: ["active", "expired", "renewed", "cancelled"] }).notNull(),
    renewalStatus: text("renewal_status", { enum: ["not_started", "in_progress", "renewed", "churned"] }).notNull(),
    createdAt: text("created_at").notNull(),
    updatedAt: text("updated_at").notNull(),
  },
  (table) => [
    index("contracts_by_account").on(table.accountId, table.startDate),
    index("contracts_by_renewal").on(table.renewalDate),
    uniqueIndex("contracts_by_external_id").on(table.externalId),
  ],
);

export const invoices = sqliteTable(
  "invoices",
  {
    id: text("id").primaryKey(),
    accountId: text("account_id")
      .notNull()
      .references(() => accounts.id, { onDelete: "cascade" }),
    contractId: text("contract_id").references(() => contracts.id, { onDelete: "set null" }),
    externalId: text("external_id"),
    number: text("number"),
    amount: real("amount").notNull(),
    currency: text("currency").notNull(),
    issuedOn: text("issued_on").notNull(),
    dueOn: text("due_on").notNull(),
    /** Null while unpaid. */
    paidOn: text("paid_on"),
    status: text("status", { enum: ["open", "paid", "failed", "void"] }).notNull(),
    createdAt: text("created_at").notNull(),
    updatedAt: text("updated_at").notNull(),
  },
  (table) => [
    index("invoices_by_account").on(table.accountId, table.dueOn),
    index("invoices_by_status").on(table.status, table.dueOn),
    uniqueIndex("invoices_by_external_id").on(table.externalId),
  ],
);

/** A payment attempt against an invoice, successful or not. */
export const payments = sqliteTable(
  "payments",
  {
    id: text("id").primaryKey(),
    invoiceId: text("invoice_id")
      .notNull()
      .references(() => invoices.id, { onDelete: "cascade" }),
    accountId: text("account_id")
      .notNull()
      .references(() => accounts.id, { onDelete: "cascade" }),
    externalId: text("external_id"),
    amount: real("amount").notNull(),
    attemptedAt: text("attempted_at").notNull(),
    status: text("status", { enum: ["succeeded", "failed", "refunded"] }).notNull(),
    failureReason: text("failure_reason"),
  },
  (table) => [
    index("payments_by_account").on(table.accountId, table.attemptedAt),
    index("payments_by_invoice").on(table.invoiceId),
    uniqueIndex("payments_by_external_id").on(table.externalId),
  ],
);

/**
 * Raw usage events as received (Segment-style track/identify/group), kept for the tenant's
 * retention window. `account_id` is null while the event names an account that does not exist
 * yet; `account_ref` is what the sender used (our id or the account's external id).
 */
export const usageEvents = sqliteTable(
  "usage_events",
  {
    /** The sender's messageId: the idempotency key. */
    messageId: text("message_id").primaryKey(),
    accountId: text("account_id").references(() => accounts.id, { onDelete: "cascade" }),
    accountRef: text("account_ref").notNull(),
    type: text("type", { enum: ["track", "identify", "group", "page"] }).notNull(),
    event: text("event"),
    userId: text("user_id"),
    anonymousId: text("anonymous_id"),
    /** JSON object. */
    properties: text("properties").notNull(),
    occurredAt: text("occurred_at").notNull(),
    receivedAt: text("received_at").notNull(),
  },
  (table) => [
    index("usage_events_by_account_time").on(table.accountId, table.occurredAt),
    index("usage_events_pending").on(table.accountRef).where(sql`account_id IS NULL`),
    index("usage_events_by_received").on(table.receivedAt),
  ],
);

/** Which users were active on a day: what makes usage_daily.active_users a distinct count. */
export const usageDailyUsers = sqliteTable(
  "usage_daily_users",
  {
    accountId: text("account_id")
      .notNull()
      .references(() => accounts.id, { onDelete: "cascade" }),
    day: text("day").notNull(),
    userKey: text("user_key").notNull(),
  },
  (table) => [primaryKey({ columns: [table.accountId, table.day, table.userKey] })],
);

/** Daily usage per account and feature (a track event's name is the feature). */
export const usageFeatureDaily = sqliteTable(
  "usage_feature_daily",
  {
    accountId: text("account_id")
      .notNull()
      .references(() => accounts.id, { onDelete: "cascade" }),
    day: text("day").notNull(),
    feature: text("feature").notNull(),
    events: integer("events").notNull(),
    users: integer("users").notNull(),
  },
  (table) => [
    primaryKey({ columns: [table.accountId, table.day, table.feature] }),
    index("feature_daily_by_feature").on(table.feature, table.day),
  ],
);

/** Emails, meetings, calls, messages and notes between the team and an account. */
export const touchpoints = sqliteTable(
  "touchpoints",
  {
    id: text("id").primaryKey(),
    accountId: text("account_id")
      .notNull()
      .references(() => accounts.id, { onDelete: "cascade" }),
    contactId: text("contact_id").references(() => contacts.id, { onDelete: "set null" }),
    externalId: text("external_id"),
    kind: text("kind", { enum: ["email", "meeting", "call", "message", "note"] }).notNull(),
    direction: text("direction", { enum: ["inbound", "outbound", "internal"] }).notNull(),
    subject: text("subject").notNull(),
    occurredAt: text("occurred_at").notNull(),
    openedAt: text("opened_at"),
    clickedAt: text("clicked_at"),
    repliedAt: text("replied_at"),
    /** "manual", "intercom", "sendgrid", "import"… */
    source: text("source").notNull(),
    createdBy: text("created_by").notNull(),
  },
  (table) => [
    index("touchpoints_by_account_time").on(table.accountId, table.occurredAt),
    uniqueIndex("touchpoints_by_external_id").on(table.externalId),
  ],
);

export const tickets = sqliteTable(
  "tickets",
  {
    id: text("id").primaryKey(),
    accountId: text("account_id")
      .notNull()
      .references(() => accounts.id, { onDelete: "cascade" }),
    externalId: text("external_id"),
    subject: text("subject").notNull(),
    description: text("description").notNull(),
    priority: text("priority", { enum: ["P1", "P2", "P3", "P4"] }).notNull(),
    status: text("status", { enum: ["new", "open", "pending", "on_hold", "solved", "closed"] }).notNull(),
    category: text("category").notNull(),
    assignee: text("assignee"),
    requesterContactId: text("requester_contact_id").references(() => contacts.id, { onDelete: "set null" }),
    openedAt: text("opened_at").notNull(),
    firstResponseAt: text("first_response_at"),
    solvedAt: text("solved_at"),
    closedAt: text("closed_at"),
    /** Due times from the SLA engine when the ticket was opened or re-prioritized. */
    firstResponseDueAt: text("first_response_due_at"),
    resolutionDueAt: text("resolution_due_at"),
    slaBreached: integer("sla_breached", { mode: "boolean" }).notNull(),
    satisfaction: integer("satisfaction"),
    source: text("source").notNull(),
    updatedAt: text("updated_at").notNull(),
  },
  (table) => [
    index("tickets_by_account_time").on(table.accountId, table.openedAt),
    index("tickets_by_status").on(table.status, table.priority),
    index("tickets_by_assignee").on(table.assignee, table.status),
    uniqueIndex("tickets_by_external_id").on(table.externalId),
  ],
);

/** Survey answers (NPS, CSAT, CES) and free-form feedback (requests, bugs, comments). */
export const feedback = sqliteTable(
  "feedback",
  {
    id: text("id").primaryKey(),
    accountId: text("account_id")
      .notNull()
      .references(() => accounts.id, { onDelete: "cascade" }),
    contactId: text("contact_id").references(() => contacts.id, { onDelete: "set null" }),
    externalId: text("external_id"),
    kind: text("kind", { enum: ["nps", "csat", "ces", "feature_request", "bug", "comment"] }).notNull(),
    /** NPS 0–10, CSAT 1–5, CES 1–7 (lower is easier); null for free-form feedback. */
    score: real("score"),
    text: text("text"),
    /** -1..1 from the sentiment engine, when there is text. */
    sentiment: real("sentiment"),
    source: text("source").notNull(),
    submittedAt: text("submitted_at").notNull(),
  },
  (table) => [
    index("feedback_by_account_time").on(table.accountId, table.submittedAt),
    index("feedback_by_kind_time").on(table.kind, table.submittedAt),
    uniqueIndex("feedback_by_external_id").on(table.externalId),
  ],
);

/** Work for a person: created by hand, by an escalation, or by a playbook (the incumbents' CTA). */
export const tasks = sqliteTable(
  "tasks",
  {
    id: text("id").primaryKey(),
    accountId: text("account_id").references(() => accounts.id, { onDelete: "cascade" }),
    title: text("title").notNull(),
    description: text("description").notNull(),
    owner: text("owner"),
    dueDate: text("due_date"),
    priority: text("priority", { enum: ["low", "medium", "high", "urgent"] }).notNull(),
    status: text("status", { enum: ["open", "in_progress", "done", "cancelled"] }).notNull(),
    /** "manual", "playbook:<id>" or "escalation:<id>". */
    source: text("source").notNull(),
    /** Set by playbooks so a rule that still matches does not open the same task twice. */
    dedupeKey: text("dedupe_key"),
    createdAt: text("created_at").notNull(),
    updatedAt: text("updated_at").notNull(),
    completedAt: text("completed_at"),
  },
  (table) => [
    index("tasks_by_status_due").on(table.status, table.dueDate),
    index("tasks_by_account").on(table.accountId, table.status),
    index("tasks_by_owner").on(table.owner, table.status),
    uniqueIndex("tasks_by_dedupe_key").on(table.dedupeKey),
  ],
);

/** A named rule over account fields (the engine's rule language), evaluated on read. */
export const segments = sqliteTable("segments", {
  id: text("id").primaryKey(),
  name: text("name").notNull().unique(),
  description: text("description").notNull(),
  /** JSON of the engine's SegmentRule. */
  rule: text("rule").notNull(),
  createdBy: text("created_by").notNull(),
  createdAt: text("created_at").notNull(),
  updatedAt: text("updated_at").notNull(),
});

export const escalations = sqliteTable(
  "escalations",
  {
    id: text("id").primaryKey(),
    accountId: text("account_id")
      .notNull()
      .references(() => accounts.id, { onDelete: "cascade" }),
    ticketId: text("ticket_id").references(() => tickets.id, { onDelete: "set null" }),
    severity: text("severity", { enum: ["critical", "high", "medium", "low"] }).notNull(),
    title: text("title").notNull(),
    description: text("description").notNull(),
    owner: text("owner"),
    status: text("status", { enum: ["open", "acknowledged", "resolved"] }).notNull(),
    openedAt: text("opened_at").notNull(),
    acknowledgedAt: text("acknowledged_at"),
    resolveBy: text("resolve_by").notNull(),
    resolvedAt: text("resolved_at"),
    resolution: text("resolution"),
    createdBy: text("created_by").notNull(),
  },
  (table) => [
    index("escalations_by_status").on(table.status, table.resolveBy),
    index("escalations_by_account").on(table.accountId, table.openedAt),
  ],
);

/** A rule that turns risk into tasks: when `trigger` matches an account, open a task from `action`. */
export const playbooks = sqliteTable("playbooks", {
  id: text("id").primaryKey(),
  name: text("name").notNull().unique(),
  description: text("description").notNull(),
  /** JSON of the trigger (a segment rule over account and health fields). */
  trigger: text("trigger").notNull(),
  /** JSON of the task template: title, owner, due_in_days, priority. */
  action: text("action").notNull(),
  enabled: integer("enabled", { mode: "boolean" }).notNull(),
  lastRunAt: text("last_run_at"),
  createdBy: text("created_by").notNull(),
  createdAt: text("created_at").notNull(),
  updatedAt: text("updated_at").notNull(),
});

/** Tenant configuration by key (health model, event policy, retention window), JSON values. */
export const settings = sqliteTable("settings", {
  key: text("key").primaryKey(),
  value: text("value").notNull(),
  updatedBy: text("updated_by").notNull(),
  updatedAt: text("updated_at").notNull(),
});

// --- onboarding & training ---

/** An account's onboarding plan, built from a template (or explicit milestones). */
export const onboardingPlans = sqliteTable(
  "onboarding_plans",
  {
    id: text("id").primaryKey(),
    accountId: text("account_id")
      .notNull()
      .references(() => accounts.id, { onDelete: "cascade" }),
    /** The template key the milestones came from, or "custom". */
    template: text("template").notNull(),
    tier: text("tier", { enum: ["starter", "standard", "professional", "enterprise"] }).notNull(),
    teamSize: integer("team_size").notNull(),
    complexity: text("complexity", { enum: ["low", "medium", "high"] }).notNull(),
    /** JSON array of strings. */
    goals: text("goals").notNull(),
    /** JSON array of strings. */
    successCriteria: text("success_criteria").notNull(),
    status: text("status", { enum: ["in_progress", "on_hold", "completed", "cancelled"] }).notNull(),
    startDate: text("start_date").notNull(),
    targetDate: text("target_date").notNull(),
    timeToValueTargetDays: integer("time_to_value_target_days").notNull(),
    completedOn: text("completed_on"),
    createdBy: text("created_by").notNull(),
    createdAt: text("created_at").notNull(),
    updatedAt: text("updated_at").notNull(),
  },
  (table) => [index("onboarding_plans_by_account").on(table.accountId, table.createdAt)],
);

export const onboardingMilestones = sqliteTable(
  "onboarding_milestones",
  {
    id: text("id").primaryKey(),
    planId: text("plan_id")
      .notNull()
      .references(() => onboardingPlans.id, { onDelete: "cascade" }),
    accountId: text("account_id")
      .notNull()
      .references(() => accounts.id, { onDelete: "cascade" }),
    sequence: integer("sequence").notNull(),
    name: text("name").notNull(),
    description: text("description").notNull(),
    owner: text("owner").notNull(),
    dueDate: text("due_date").notNull(),
    estimatedHours: real("estimated_hours").notNull(),
    /** Completing this milestone is the plan's first value. */
    firstValue: integer("first_value", { mode: "boolean" }).notNull(),
    status: text("status", { enum: ["not_started", "in_progress", "completed", "blocked", "skipped"] }).notNull(),
    blocker: text("blocker"),
    completedOn: text("completed_on"),
    createdAt: text("created_at").notNull(),
    updatedAt: text("updated_at").notNull(),
  },
  (table) => [index("onboarding_milestones_by_plan").on(table.planId, table.sequence), index("onboarding_milestones_by_due").on(table.status, table.dueDate)],
);

export const trainingModules = sqliteTable(
  "training_modules",
  {
    id: text("id").primaryKey(),
    name: text("name").notNull(),
    description: text("description").notNull(),
    /** The certification level the module prepares for. */
    level: text("level", { enum: ["basic", "intermediate", "advanced", "expert"] }).notNull(),
    durationMinutes: integer("duration_minutes").notNull(),
    /** Fraction 0–1 an assessment must reach to pass. */
    passMark: real("pass_mark").notNull(),
    maxAttempts: integer("max_attempts").notNull(),
    createdBy: text("created_by").notNull(),
    createdAt: text("created_at").notNull(),
    updatedAt: text("updated_at").notNull(),
  },
  (table) => [uniqueIndex("training_modules_by_name").on(table.name)],
);

export const trainingSessions = sqliteTable(
  "training_sessions",
  {
    id: text("id").primaryKey(),
    moduleId: text("module_id")
      .notNull()
      .references(() => trainingModules.id, { onDelete: "cascade" }),
    accountId: text("account_id")
      .notNull()
      .references(() => accounts.id, { onDelete: "cascade" }),
    format: text("format", { enum: ["live_webinar", "self_paced", "one_on_one", "workshop", "video", "documentation"] }).notNull(),
    scheduledAt: text("scheduled_at").notNull(),
    durationMinutes: integer("duration_minutes").notNull(),
    trainer: text("trainer"),
    recordingEnabled: integer("recording_enabled", { mode: "boolean" }).notNull(),
    status: text("status", { enum: ["scheduled", "completed"] }).notNull(),
    createdBy: text("created_by").notNull(),
    createdAt: text("created_at").notNull(),
    updatedAt: text("updated_at").notNull(),
  },
  (table) => [index("training_sessions_by_account").on(table.accountId, table.scheduledAt), index("training_sessions_by_module").on(table.moduleId)],
);

export const trainingAttendees = sqliteTable(
  "training_attendees",
  {
    sessionId: text("session_id")
      .notNull()
      .references(() => trainingSessions.id, { onDelete: "cascade" }),
    email: text("email").notNull(),
    /** Null until attendance is recorded. */
    attended: integer("attended", { mode: "boolean" }),
    score: real("score"),
    passed: integer("passed", { mode: "boolean" }),
    feedbackRating: integer("feedback_rating"),
    recordedAt: text("recorded_at"),
  },
  (table) => [primaryKey({ columns: [table.sessionId, table.email] }), index("training_attendees_by_email").on(table.email)],
);

export const certifications = sqliteTable(
  "certifications",
  {
    id: text("id").primaryKey(),
    accountId: text("account_id")
      .notNull()
      .references(() => accounts.id, { onDelete: "cascade" }),
    email: text("email").notNull(),
    level: text("level", { enum: ["basic", "intermediate", "advanced", "expert"] }).notNull(),
    score: real("score").notNull(),
    passMark: real("pass_mark").notNull(),
    issuedOn: text("issued_on").notNull(),
    expiresOn: text("expires_on").notNull(),
    revokedOn: text("revoked_on"),
    revokeReason: text("revoke_reason"),
    issuedBy: text("issued_by").notNull(),
    createdAt: text("created_at").notNull(),
  },
  (table) => [index("certifications_by_account").on(table.accountId, table.email), index("certifications_by_email").on(table.email, table.level)],
);

// --- support ---

/** Replies and notes on a ticket: public ones reach the requester, internal ones stay with the team. */
export const ticketComments = sqliteTable(
  "ticket_comments",
  {
    id: text("id").primaryKey(),
    ticketId: text("ticket_id")
      .notNull()
      .references(() => tickets.id, { onDelete: "cascade" }),
    author: text("author").notNull(),
    /** "agent" (the team) or "customer" (the requester, relayed by the team or an integration). */
    authorKind: text("author_kind", { enum: ["agent", "customer"] }).notNull(),
    visibility: text("visibility", { enum: ["public", "internal"] }).notNull(),
    /** "comment", or "resolution" for the note resolve_ticket records. */
    kind: text("kind", { enum: ["comment", "resolution"] }).notNull(),
    body: text("body").notNull(),
    createdAt: text("created_at").notNull(),
  },
  (table) => [index("ticket_comments_by_ticket").on(table.ticketId, table.createdAt)],
);

/** What happened to a ticket, in order: the SLA engine replays these to run its clocks. */
export const ticketEvents = sqliteTable(
  "ticket_events",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    ticketId: text("ticket_id")
      .notNull()
      .references(() => tickets.id, { onDelete: "cascade" }),
    type: text("type", { enum: ["created", "first_response", "status_changed", "resolved", "reopened", "assigned", "priority_changed", "escalated"] }).notNull(),
    /** The ticket's status after the event. */
    status: text("status", { enum: ["new", "open", "pending", "on_hold", "solved", "closed"] }).notNull(),
    /** JSON object: from/to values, escalation id… */
    details: text("details").notNull(),
    actor: text("actor").notNull(),
    at: text("at").notNull(),
  },
  (table) => [index("ticket_events_by_ticket").on(table.ticketId, table.at, table.id)],
);

/** A knowledge-base article; its title, body, category and tags are those of the current version. */
export const kbArticles = sqliteTable(
  "kb_articles",
  {
    id: text("id").primaryKey(),
    title: text("title").notNull(),
    body: text("body").notNull(),
    category: text("category").notNull(),
    /** JSON array of lowercase tags. */
    tags: text("tags").notNull(),
    status: text("status", { enum: ["draft", "published", "archived"] }).notNull(),
    version: integer("version").notNull(),
    helpfulVotes: integer("helpful_votes").notNull(),
    notHelpfulVotes: integer("not_helpful_votes").notNull(),
    publishedAt: text("published_at"),
    archivedAt: text("archived_at"),
    createdBy: text("created_by").notNull(),
    createdAt: text("created_at").notNull(),
    updatedAt: text("updated_at").notNull(),
  },
  (table) => [index("kb_articles_by_status").on(table.status, table.category)],
);

/** Every version of an article as written; version 1 is the first draft. */
export const kbArticleVersions = sqliteTable(
  "kb_article_versions",
  {
    articleId: text("article_id")
      .notNull()
      .references(() => kbArticles.id, { onDelete: "cascade" }),
    version: integer("version").notNull(),
    title: text("title").notNull(),
    body: text("body").notNull(),
    category: text("category").notNull(),
    tags: text("tags").notNull(),
    note: text("note").notNull(),
    editedBy: text("edited_by").notNull(),
    createdAt: text("created_at").notNull(),
  },
  (table) => [primaryKey({ columns: [table.articleId, table.version] })],
);

/** One helpful / not-helpful vote per voter and article; voting again changes it. */
export const kbVotes = sqliteTable(
  "kb_votes",
  {
    articleId: text("article_id")
      .notNull()
      .references(() => kbArticles.id, { onDelete: "cascade" }),
    voter: text("voter").notNull(),
    helpful: integer("helpful", { mode: "boolean" }).notNull(),
    votedAt: text("voted_at").notNull(),
  },
  (table) => [primaryKey({ columns: [table.articleId, table.voter] })],
);

// --- revenue & feedback ---

/** A product insight a team records from customer feedback (a request, a bug pattern, a UX problem). */
export const productInsights = sqliteTable(
  "product_insights",
  {
    id: text("id").primaryKey(),
    title: text("title").notNull(),
    description: text("description").notNull(),
    category: text("category", { enum: ["feature_request", "bug", "usability", "performance", "integration", "other"] }).notNull(),
    status: text("status", { enum: ["new", "planned", "in_progress", "shipped", "declined"] }).notNull(),
    /** The theme it came from (get_feedback_insights), if any. */
    theme: text("theme"),
    createdBy: text("created_by").notNull(),
    createdAt: text("created_at").notNull(),
    updatedAt: text("updated_at").notNull(),
    /** low, medium, high or critical; null until someone sets it (update_product_insight). Last, as ALTER TABLE adds it. */
    priority: text("priority", { enum: ["low", "medium", "high", "critical"] }),
  },
  (table) => [index("product_insights_by_status").on(table.status, table.createdAt)],
);

/** The feedback that supports a product insight (one row per link; createInsight links each feedback once). */
export const productInsightFeedback = sqliteTable(
  "product_insight_feedback",
  {
    id: text("id").primaryKey(),
    insightId: text("insight_id")
      .notNull()
      .references(() => productInsights.id, { onDelete: "cascade" }),
    feedbackId: text("feedback_id")
      .notNull()
      .references(() => feedback.id, { onDelete: "cascade" }),
  },
  (table) => [index("product_insight_feedback_by_insight").on(table.insightId), index("product_insight_feedback_by_feedback").on(table.feedbackId)],
);

// --- communication ---

/**
 * An email campaign: recipients resolved from real contacts when it was created, each with the
 * subject and body rendered for them. Email delivery is not connected yet, so a campaign is
 * `not_sent` (or `scheduled` for later) and never claims to have been sent.
 */
export const campaigns = sqliteTable(
  "campaigns",
  {
    id: text("id").primaryKey(),
    name: text("name").notNull(),
    templateType: text("template_type").notNull(),
    subject: text("subject").notNull(),
    body: text("body").notNull(),
    senderEmail: text("sender_email"),
    /** JSON: {kind: "client_ids"|"segment"|"tier"|"workflow", ...}. */
    target: text("target").notNull(),
    status: text("status", { enum: ["not_sent", "scheduled", "sent", "cancelled"] }).notNull(),
    statusReason: text("status_reason"),
    scheduledFor: text("scheduled_for"),
    recipientCount: integer("recipient_count").notNull(),
    accountCount: integer("account_count").notNull(),
    /** "manual" or "workflow:<id>". */
    source: text("source").notNull(),
    createdBy: text("created_by").notNull(),
    createdAt: text("created_at").notNull(),
  },
  (table) => [index("campaigns_by_created").on(table.createdAt, table.id)],
);

export const campaignRecipients = sqliteTable(
  "campaign_recipients",
  {
    campaignId: text("campaign_id")
      .notNull()
      .references(() => campaigns.id, { onDelete: "cascade" }),
    contactId: text("contact_id").notNull(),
    accountId: text("account_id").notNull(),
    email: text("email").notNull(),
    name: text("name").notNull(),
    subject: text("subject").notNull(),
    body: text("body").notNull(),
    /** JSON array of the tokens this recipient had no value for (rendered empty). */
    missingTokens: text("missing_tokens").notNull(),
    status: text("status", { enum: ["not_sent", "scheduled", "sent", "cancelled"] }).notNull(),
  },
  (table) => [primaryKey({ columns: [table.campaignId, table.contactId] }), index("campaign_recipients_by_account").on(table.accountId)],
);

/** A communication workflow: when `trigger` happens to an account that meets `conditions`, run `actions`. */
export const workflows = sqliteTable("workflows", {
  id: text("id").primaryKey(),
  name: text("name").notNull().unique(),
  description: text("description").notNull(),
  /** JSON of the trigger: health_band_changed, ticket_opened or renewal_window. */
  trigger: text("trigger").notNull(),
  /** JSON segment rule over account fields, or null for every account. */
  conditions: text("conditions"),
  /** JSON array of actions: create_task, record_campaign. */
  actions: text("actions").notNull(),
  enabled: integer("enabled", { mode: "boolean" }).notNull(),
  runCount: integer("run_count").notNull(),
  lastRunAt: text("last_run_at"),
  createdBy: text("created_by").notNull(),
  createdAt: text("created_at").notNull(),
});

/** Each time a workflow fired for an account and an event (the key makes it fire once per event). */
export const workflowRuns = sqliteTable(
  "workflow_runs",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    workflowId: text("workflow_id")
      .notNull()
      .references(() => workflows.id, { onDelete: "cascade" }),
    accountId: text("account_id")
      .notNull()
      .references(() => accounts.id, { onDelete: "cascade" }),
    eventKey: text("event_key").notNull(),
    firedAt: text("fired_at").notNull(),
    /** JSON: what each action did (task ids, campaign ids). */
    result: text("result").notNull(),
  },
  (table) => [uniqueIndex("workflow_runs_once").on(table.workflowId, table.accountId, table.eventKey)],
);

/** A contact enrolled in the advocacy program, with their points. */
export const advocates = sqliteTable(
  "advocates",
  {
    id: text("id").primaryKey(),
    accountId: text("account_id")
      .notNull()
      .references(() => accounts.id, { onDelete: "cascade" }),
    /** One advocate per contact: enrollAdvocate refuses a second (not a unique index, so restores of any rows load). */
    contactId: text("contact_id")
      .notNull()
      .references(() => contacts.id, { onDelete: "cascade" }),
    tier: text("tier", { enum: ["bronze", "silver", "gold", "platinum", "champion"] }).notNull(),
    points: integer("points").notNull(),
    enrolledAt: text("enrolled_at").notNull(),
    enrolledBy: text("enrolled_by").notNull(),
  },
  (table) => [index("advocates_by_points").on(table.points), index("advocates_by_contact").on(table.contactId)],
);

export const advocacyActivities = sqliteTable(
  "advocacy_activities",
  {
    id: text("id").primaryKey(),
    advocateId: text("advocate_id")
      .notNull()
      .references(() => advocates.id, { onDelete: "cascade" }),
    accountId: text("account_id")
      .notNull()
      .references(() => accounts.id, { onDelete: "cascade" }),
    activityType: text("activity_type").notNull(),
    details: text("details").notNull(),
    basePoints: integer("base_points").notNull(),
    multiplier: real("multiplier").notNull(),
    points: integer("points").notNull(),
    occurredAt: text("occurred_at").notNull(),
    recordedBy: text("recorded_by").notNull(),
  },
  (table) => [index("advocacy_activities_by_advocate").on(table.advocateId, table.occurredAt)],
);

/** An executive business review; its action items become tasks (source "review:<id>"). */
export const businessReviews = sqliteTable(
  "business_reviews",
  {
    id: text("id").primaryKey(),
    accountId: text("account_id")
      .notNull()
      .references(() => accounts.id, { onDelete: "cascade" }),
    reviewType: text("review_type").notNull(),
    scheduledFor: text("scheduled_for").notNull(),
    durationMinutes: integer("duration_minutes").notNull(),
    /** JSON arrays. */
    attendees: text("attendees").notNull(),
    agenda: text("agenda").notNull(),
    objectives: text("objectives").notNull(),
    status: text("status", { enum: ["scheduled", "completed"] }).notNull(),
    summary: text("summary"),
    satisfactionRating: integer("satisfaction_rating"),
    nextReviewDate: text("next_review_date"),
    completedAt: text("completed_at"),
    createdBy: text("created_by").notNull(),
    createdAt: text("created_at").notNull(),
  },
  (table) => [index("business_reviews_by_account").on(table.accountId, table.scheduledFor)],
);

/** A newsletter edition: recorded with its audience counted from real contacts, not sent. */
export const newsletters = sqliteTable("newsletters", {
  id: text("id").primaryKey(),
  name: text("name").notNull(),
  subject: text("subject").notNull(),
  /** JSON array of {type, title, content}. */
  sections: text("sections").notNull(),
  /** JSON: {tiers: [...] | null, exclude_client_ids: [...]}. */
  audience: text("audience").notNull(),
  recipientCount: integer("recipient_count").notNull(),
  accountCount: integer("account_count").notNull(),
  status: text("status", { enum: ["not_sent", "scheduled", "sent", "cancelled"] }).notNull(),
  statusReason: text("status_reason"),
  scheduledFor: text("scheduled_for"),
  recurrence: text("recurrence"),
  createdBy: text("created_by").notNull(),
  createdAt: text("created_at").notNull(),
});

// --- integrations ---

/**
 * One row per connected provider. Settings are shown back as they are; secrets are sealed
 * (src/integrations/credentials.ts) and only their last four characters are ever shown.
 */
export const integrations = sqliteTable("integrations", {
  provider: text("provider", { enum: ["zendesk", "intercom", "mixpanel", "sendgrid"] }).primaryKey(),
  /** JSON of the non-secret fields (subdomain, region, sender…). */
  settings: text("settings").notNull(),
  /** AES-GCM sealed JSON of the secret fields. */
  sealedSecrets: text("sealed_secrets").notNull(),
  /** JSON {field: "…abcd"}: which secret is stored, never the secret. */
  secretHints: text("secret_hints").notNull(),
  lastTestAt: text("last_test_at"),
  lastTestOk: integer("last_test_ok", { mode: "boolean" }),
  lastTestMessage: text("last_test_message"),
  connectedAt: text("connected_at").notNull(),
  updatedAt: text("updated_at").notNull(),
  updatedBy: text("updated_by").notNull(),
});

/** A unit of outbound work a tool started (a campaign send, a usage export): its deliveries carry the progress. */
export const integrationJobs = sqliteTable(
  "integration_jobs",
  {
    id: text("id").primaryKey(),
    provider: text("provider").notNull(),
    operation: text("operation").notNull(),
    description: text("description").notNull(),
    /** Items (emails, events, tickets) across all deliveries. */
    itemsTotal: integer("items_total").notNull(),
    createdBy: text("created_by").notNull(),
    createdAt: text("created_at").notNull(),
    updatedAt: text("updated_at").notNull(),
  },
  (table) => [index("integration_jobs_by_time").on(table.createdAt, table.id)],
);

/**
 * One queue message's worth of a job: one provider call. Keyed by its idempotency key, so a
 * redelivered message that already succeeded is never sent again.
 */
export const integrationDeliveries = sqliteTable(
  "integration_deliveries",
  {
    idempotencyKey: text("idempotency_key").primaryKey(),
    jobId: text("job_id")
      .notNull()
      .references(() => integrationJobs.id, { onDelete: "cascade" }),
    sequence: integer("sequence").notNull(),
    /** JSON the operation gets; no secrets (they come from the sealed connection at send time). */
    payload: text("payload").notNull(),
    items: integer("items").notNull(),
    /** queued → sent | retrying → … → sent | failed (refused for good) | dead (retries exhausted, in the DLQ). */
    status: text("status", { enum: ["queued", "sending", "retrying", "sent", "failed", "dead"] }).notNull(),
    attempts: integer("attempts").notNull(),
    providerRef: text("provider_ref"),
    lastError: text("last_error"),
    /** JSON of small facts the provider answered (counts, ids). */
    detail: text("detail"),
    enqueuedAt: text("enqueued_at"),
    updatedAt: text("updated_at").notNull(),
  },
  (table) => [index("integration_deliveries_by_job").on(table.jobId, table.status), index("integration_deliveries_by_status").on(table.status, table.updatedAt)],
);

/** Webhook events already applied, by the provider's event id: a redelivery has no second effect. */
export const webhookReceipts = sqliteTable(
  "webhook_receipts",
  {
    provider: text("provider").notNull(),
    eventId: text("event_id").notNull(),
    eventType: text("event_type").notNull(),
    /** What applying it did, in words ("opened ticket tkt_…", "ignored: unknown account"). */
    effect: text("effect").notNull(),
    receivedAt: text("received_at").notNull(),
  },
  (table) => [primaryKey({ columns: [table.provider, table.eventId] }), index("webhook_receipts_by_time").on(table.receivedAt)],
);

/** Which provider record is which of our accounts or contacts (Zendesk organization, Intercom company…). */
export const integrationLinks = sqliteTable(
  "integration_links",
  {
    provider: text("provider").notNull(),
    /** "organization", "user", "company", "contact", "cohort"… */
    kind: text("kind").notNull(),
    externalId: text("external_id").notNull(),
    accountId: text("account_id").references(() => accounts.id, { onDelete: "cascade" }),
    contactId: text("contact_id").references(() => contacts.id, { onDelete: "cascade" }),
    updatedAt: text("updated_at").notNull(),
  },
  (table) => [primaryKey({ columns: [table.provider, table.kind, table.externalId] }), index("integration_links_by_account").on(table.accountId)],
);

// --- mixpanel ---

/**
 * Mixpanel cohorts synced to us by cohort-sync webhooks, each kept as one of our segments
 * (a rule on client_id, rewritten as membership changes); members in mixpanel_cohort_members.
 */
export const mixpanelCohorts = sqliteTable("mixpanel_cohorts", {
  cohortId: text("cohort_id").primaryKey(),
  name: text("name").notNull(),
  segmentId: text("segment_id").references(() => segments.id, { onDelete: "set null" }),
  /** The session of the last full `members` sync: its pages add to one replace. */
  membersSession: text("members_session"),
  updatedAt: text("updated_at").notNull(),
});

/**
 * Who is in each synced cohort, as Mixpanel named them, with the contact and account we
 * matched (null when none matched: the member still counts, and matches nothing).
 */
export const mixpanelCohortMembers = sqliteTable(
  "mixpanel_cohort_members",
  {
    cohortId: text("cohort_id")
      .notNull()
      .references(() => mixpanelCohorts.cohortId, { onDelete: "cascade" }),
    /** The member's distinct id, or its email when it has none. */
    memberKey: text("member_key").notNull(),
    distinctId: text("distinct_id"),
    email: text("email"),
    accountId: text("account_id").references(() => accounts.id, { onDelete: "set null" }),
    contactId: text("contact_id").references(() => contacts.id, { onDelete: "set null" }),
    /** The sync session that last listed the member: a full `members` sync drops the others on its last page. */
    session: text("session").notNull(),
    updatedAt: text("updated_at").notNull(),
  },
  (table) => [primaryKey({ columns: [table.cohortId, table.memberKey] }), index("mixpanel_cohort_members_by_account").on(table.accountId)],
);

// --- sendgrid ---

/**
 * Email addresses that must not be mailed again: SendGrid reported a bounce, a spam report or
 * an unsubscribe (or dropped mail for one of those). Keyed by the lowercased address, so every
 * contact with it is skipped by campaign, newsletter and one-off recipient selection.
 */
export const emailSuppressions = sqliteTable("email_suppressions", {
  email: text("email").primaryKey(),
  /** "bounce", "spamreport", "unsubscribe", "dropped". */
  reason: text("reason", { enum: ["bounce", "spamreport", "unsubscribe", "dropped"] }).notNull(),
  /** The provider's words (bounce reason, drop reason), trimmed. */
  detail: text("detail"),
  source: text("source").notNull(),
  /** The event that marked it (sg_event_id). */
  eventId: text("event_id"),
  createdAt: text("created_at").notNull(),
  updatedAt: text("updated_at").notNull(),
});

/**
 * Which integration job sent which campaign, newsletter or one-off email through SendGrid: the
 * campaign shows that job's progress, and a campaign is handed to SendGrid only once.
 */
export const emailSends = sqliteTable(
  "email_sends",
  {
    jobId: text("job_id")
      .primaryKey()
      .references(() => integrationJobs.id, { onDelete: "cascade" }),
    sourceKind: text("source_kind", { enum: ["campaign", "newsletter", "one_off"] }).notNull(),
    /** The campaign or newsletter id; null for a one-off send. */
    sourceId: text("source_id"),
    /** The account of a one-off send. */
    accountId: text("account_id"),
    recipients: integer("recipients").notNull(),
    /** Recipients left out because their address is marked bad. */
    suppressed: integer("suppressed").notNull(),
    createdBy: text("created_by").notNull(),
    createdAt: text("created_at").notNull(),
  },
  (table) => [index("email_sends_by_source").on(table.sourceKind, table.sourceId)],
);

// --- catalog gaps ---

/** Each time an onboarding plan was put on hold, resumed or cancelled, with the reason given. */
export const onboardingPlanStatusChanges = sqliteTable(
  "onboarding_plan_status_changes",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    planId: text("plan_id")
      .notNull()
      .references(() => onboardingPlans.id, { onDelete: "cascade" }),
    accountId: text("account_id")
      .notNull()
      .references(() => accounts.id, { onDelete: "cascade" }),
    fromStatus: text("from_status", { enum: ["in_progress", "on_hold", "completed", "cancelled"] }).notNull(),
    toStatus: text("to_status", { enum: ["in_progress", "on_hold", "completed", "cancelled"] }).notNull(),
    reason: text("reason").notNull(),
    /** Days the open milestones' due dates moved later on a resume (0 otherwise). */
    shiftedDays: integer("shifted_days").notNull(),
    changedBy: text("changed_by").notNull(),
    changedAt: text("changed_at").notNull(),
  },
  (table) => [index("onboarding_plan_status_changes_by_plan").on(table.planId, table.changedAt), index("onboarding_plan_status_changes_by_time").on(table.toStatus, table.changedAt)],
);

// --- surveys ---

/**
 * A survey template: NPS, CSAT, CES or custom, with its ordered questions (JSON). The score
 * scale is fixed by the kind (NPS 0–10, CSAT 1–5, CES 1–7 where 1 is easiest). `frequency` is
 * enforced by send_survey as the least time between two sends of the template to one contact;
 * nothing is sent on a schedule by itself. Templates are archived, never deleted.
 */
export const surveyTemplates = sqliteTable(
  "survey_templates",
  {
    id: text("id").primaryKey(),
    name: text("name").notNull().unique(),
    kind: text("kind", { enum: ["nps", "csat", "ces", "custom"] }).notNull(),
    /** JSON array of {id, text, type: score|choice|text, choices?, required}. */
    questions: text("questions").notNull(),
    frequency: text("frequency", { enum: ["one_time", "quarterly", "monthly"] }).notNull(),
    archived: integer("archived", { mode: "boolean" }).notNull(),
    createdBy: text("created_by").notNull(),
    createdAt: text("created_at").notNull(),
    updatedAt: text("updated_at").notNull(),
  },
  (table) => [index("survey_templates_by_archived").on(table.archived, table.name)],
);

/** One send_survey call: a template to the contacts of some accounts, sent through SendGrid or recorded as not sent. */
export const surveySends = sqliteTable(
  "survey_sends",
  {
    id: text("id").primaryKey(),
    templateId: text("template_id")
      .notNull()
      .references(() => surveyTemplates.id, { onDelete: "cascade" }),
    status: text("status", { enum: ["sent", "not_sent"] }).notNull(),
    statusReason: text("status_reason").notNull(),
    /** The integration job that sends it (null when not sent). */
    jobId: text("job_id"),
    /** JSON: {kind: "client_ids"|"segment", ...}. */
    target: text("target").notNull(),
    recipients: integer("recipients").notNull(),
    expiresAt: text("expires_at").notNull(),
    createdBy: text("created_by").notNull(),
    createdAt: text("created_at").notNull(),
  },
  (table) => [index("survey_sends_by_template").on(table.templateId, table.createdAt)],
);

/**
 * One contact's copy of a survey. The link's token is never stored: `token_hash` is the
 * SHA-256 of it, written when the email is handed to SendGrid (null while not sent).
 */
export const surveyRecipients = sqliteTable(
  "survey_recipients",
  {
    id: text("id").primaryKey(),
    sendId: text("send_id")
      .notNull()
      .references(() => surveySends.id, { onDelete: "cascade" }),
    templateId: text("template_id").notNull(),
    accountId: text("account_id")
      .notNull()
      .references(() => accounts.id, { onDelete: "cascade" }),
    contactId: text("contact_id").references(() => contacts.id, { onDelete: "set null" }),
    email: text("email").notNull(),
    status: text("status", { enum: ["not_sent", "sent", "answered"] }).notNull(),
    tokenHash: text("token_hash"),
    sentAt: text("sent_at"),
    expiresAt: text("expires_at").notNull(),
    answeredAt: text("answered_at"),
    /** JSON {question id: answer} once answered. */
    answers: text("answers"),
    /** The feedback row the answer became (feeds health through factsChanged). */
    feedbackId: text("feedback_id"),
  },
  (table) => [
    uniqueIndex("survey_recipients_by_token").on(table.tokenHash),
    index("survey_recipients_by_send").on(table.sendId),
    index("survey_recipients_by_template").on(table.templateId, table.sentAt),
    index("survey_recipients_by_contact").on(table.contactId, table.templateId),
  ],
);
