import { sqliteTable, text, integer, real, index } from "drizzle-orm/sqlite-core";

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
