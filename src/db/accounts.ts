import { and, asc, desc, eq, getTableColumns, gt, gte, inArray, lt, lte, or, sql, type SQL } from "drizzle-orm";
import type { BaseSQLiteDatabase } from "drizzle-orm/sqlite-core";
import { compiledOnce, placeholders } from "./compiled";
import { insertRows } from "./insert-rows";
import { afterCursor, decodeCursor, encodeCursor, keysetPage } from "./keyset-cursor";
import { accountEvents, accounts, auditLog, settings } from "./tenant-schema";
import type * as schema from "./tenant-schema";
import type { ReadCache } from "./read-cache";

/**
 * Account persistence inside the Tenant Durable Object. Every function is synchronous
 * (Durable Object SQLite is), so a caller can wrap several in one transaction.
 */

/** The tenant database or a transaction on it. */
export type TenantDb = BaseSQLiteDatabase<"sync", unknown, typeof schema>;
type AccountRow = typeof accounts.$inferSelect;
type EventRow = typeof accountEvents.$inferSelect;

export const TIERS = ["starter", "standard", "professional", "enterprise"] as const;
export const ACCOUNT_STATUSES = ["active", "paused", "churned", "pending"] as const;
export const LIFECYCLE_STAGES = ["onboarding", "adoption", "active", "at_risk", "renewal", "expansion", "churned"] as const;
export const EVENT_TYPES = [
  "account",
  "contract",
  "onboarding",
  "support",
  "usage",
  "health",
  "communication",
  "renewal",
  "product",
] as const;
export const ACCOUNT_SORT_FIELDS = ["name", "contract_value", "renewal_date", "health_score", "created_at", "updated_at"] as const;

export type Tier = (typeof TIERS)[number];
export type AccountStatus = (typeof ACCOUNT_STATUSES)[number];
export type LifecycleStage = (typeof LIFECYCLE_STAGES)[number];
export type EventType = (typeof EVENT_TYPES)[number];
export type AccountSortField = (typeof ACCOUNT_SORT_FIELDS)[number];

/** A JSON value, as stored in metadata columns (typed so it can cross Durable Object RPC). */
export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

/** An account as every face of the product shows it. */
export interface Account {
  client_id: string;
  client_name: string;
  company_name: string;
  industry: string;
  tier: Tier;
  status: AccountStatus;
  lifecycle_stage: LifecycleStage;
  contract_value: number;
  contract_start_date: string;
  contract_end_date: string;
  renewal_date: string;
  days_until_renewal: number;
  primary_contact_name: string | null;
  primary_contact_email: string | null;
  csm_assigned: string | null;
  external_id: string | null;
  health_score: number | null;
  health_trend: "improving" | "stable" | "declining" | null;
  health_computed_at: string | null;
  last_engagement_at: string | null;
  created_at: string;
  updated_at: string;
}

export interface NewAccount {
  client_name: string;
  company_name: string;
  industry: string;
  tier: Tier;
  status?: AccountStatus;
  lifecycle_stage?: LifecycleStage;
  contract_value: number;
  contract_start_date: string;
  contract_end_date: string;
  renewal_date?: string;
  primary_contact_name?: string | null;
  primary_contact_email?: string | null;
  csm_assigned?: string | null;
  external_id?: string | null;
  /** Set by imports and the demo seed to backdate an account; tools use "now". */
  created_at?: string;
}

/** The fields `update_client_info` may change. */
export interface AccountChanges {
  client_name?: string;
  company_name?: string;
  industry?: string;
  tier?: Tier;
  status?: AccountStatus;
  lifecycle_stage?: LifecycleStage;
  contract_value?: number;
  contract_start_date?: string;
  contract_end_date?: string;
  renewal_date?: string;
  primary_contact_name?: string | null;
  primary_contact_email?: string | null;
  csm_assigned?: string | null;
  external_id?: string | null;
}

export interface TimelineEvent {
  event_id: string;
  occurred_at: string;
  event_type: EventType;
  title: string;
  description: string;
  impact: "positive" | "negative" | "neutral";
  actor: string;
  metadata: { [key: string]: Json };
}

export interface NewEvent {
  event_type: EventType;
  title: string;
  description: string;
  impact?: "positive" | "negative" | "neutral";
  metadata?: { [key: string]: Json };
  occurred_at?: string;
}

/** Thrown for a request the data cannot satisfy; the message is safe to show. */
export class AccountError extends Error {
  constructor(
    readonly code: "not_found" | "conflict" | "invalid",
    message: string,
  ) {
    super(message);
    this.name = "AccountError";
  }
}

const COLUMN_OF_FIELD = {
  client_name: accounts.name,
  company_name: accounts.companyName,
  industry: accounts.industry,
  tier: accounts.tier,
  status: accounts.status,
  lifecycle_stage: accounts.lifecycleStage,
  contract_value: accounts.contractValue,
  contract_start_date: accounts.contractStartDate,
  contract_end_date: accounts.contractEndDate,
  renewal_date: accounts.renewalDate,
  primary_contact_name: accounts.primaryContactName,
  primary_contact_email: accounts.primaryContactEmail,
  csm_assigned: accounts.csmAssigned,
  external_id: accounts.externalId,
} as const;

/** An account field as tools and imports name it → the account row's property. */
export const PROPERTY_OF_FIELD = {
  client_name: "name",
  company_name: "companyName",
  industry: "industry",
  tier: "tier",
  status: "status",
  lifecycle_stage: "lifecycleStage",
  contract_value: "contractValue",
  contract_start_date: "contractStartDate",
  contract_end_date: "contractEndDate",
  renewal_date: "renewalDate",
  primary_contact_name: "primaryContactName",
  primary_contact_email: "primaryContactEmail",
  csm_assigned: "csmAssigned",
  external_id: "externalId",
} as const satisfies Record<keyof AccountChanges, keyof AccountRow>;

const SORT_COLUMN = {
  name: accounts.name,
  contract_value: accounts.contractValue,
  renewal_date: accounts.renewalDate,
  health_score: accounts.healthScore,
  created_at: accounts.createdAt,
  updated_at: accounts.updatedAt,
} as const;

const MS_PER_DAY = 86_400_000;

/** Whole days from `now` to a YYYY-MM-DD date (negative once it has passed). */
export function daysUntil(date: string, now: Date): number {
  const today = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
  return Math.round((Date.parse(`${date}T00:00:00Z`) - today) / MS_PER_DAY);
}

/**
 * The settings key holding the time of the tenant's last full health recompute. That pass
 * rewrites health_score / health_computed_at only on accounts whose score changed, so an
 * account's score is "as of" the later of its own health_computed_at and this time: every
 * account that had a score time before the pass was scored by it.
 */
export const HEALTH_RECOMPUTED_AT_KEY = "health_recomputed_at";

/** When the tenant's last full health recompute ran (null before the first). */
export function healthRecomputedAt(db: TenantDb): string | null {
  return hotQueries(db).healthRecomputedAt.get()?.value ?? null;
}

/** An account's score time: its own, or the last full recompute's if that is later (see HEALTH_RECOMPUTED_AT_KEY). */
export function healthAsOf(computedAt: string | null, recomputedAt: string | null): string | null {
  if (computedAt === null || recomputedAt === null) return computedAt;
  return recomputedAt > computedAt ? recomputedAt : computedAt;
}

function toAccount(row: AccountRow, now: Date, recomputedAt: string | null): Account {
  return {
    client_id: row.id,
    client_name: row.name,
    company_name: row.companyName,
    industry: row.industry,
    tier: row.tier,
    status: row.status,
    lifecycle_stage: row.lifecycleStage,
    contract_value: row.contractValue,
    contract_start_date: row.contractStartDate,
    contract_end_date: row.contractEndDate,
    renewal_date: row.renewalDate,
    days_until_renewal: daysUntil(row.renewalDate, now),
    primary_contact_name: row.primaryContactName,
    primary_contact_email: row.primaryContactEmail,
    csm_assigned: row.csmAssigned,
    external_id: row.externalId,
    health_score: row.healthScore,
    health_trend: row.healthTrend,
    health_computed_at: healthAsOf(row.healthComputedAt, recomputedAt),
    last_engagement_at: row.lastEngagementAt,
    created_at: row.createdAt,
    updated_at: row.updatedAt,
  };
}

function toEvent(row: EventRow): TimelineEvent {
  return {
    event_id: row.id,
    occurred_at: row.occurredAt,
    event_type: row.eventType as EventType,
    title: row.title,
    description: row.description,
    impact: row.impact,
    actor: row.actor,
    metadata: JSON.parse(row.metadata) as { [key: string]: Json },
  };
}

/** A random, URL-safe id with a readable prefix: `cs_8f3k2m…` for accounts. */
export function newId(prefix: string): string {
  const bytes = crypto.getRandomValues(new Uint8Array(10));
  const alphabet = "0123456789abcdefghijklmnopqrstuvwxyz";
  return `${prefix}_${Array.from(bytes, (b) => alphabet[b % 36]).join("")}`;
}

function checkContractDates(start: string, end: string): void {
  if (end <= start) {
    throw new AccountError(
      "invalid",
      `contract_end_date (${end}) must be after contract_start_date (${start}); send an end date later than the start.`,
    );
  }
}

/**
 * The hottest reads (an account by id, its latest events, its event counts) and the timeline append, compiled to SQL
 * once per database (src/db/compiled.ts) instead of on every call.
 */
function compileHotQueries(db: TenantDb) {
  return {
    // The row with the last full recompute's time, which every account read reports (healthAsOf).
    accountById: db
      .select({ ...getTableColumns(accounts), recomputedAt: sql<string | null>`(SELECT ${settings.value} FROM ${settings} WHERE ${settings.key} = ${HEALTH_RECOMPUTED_AT_KEY})` })
      .from(accounts)
      .where(eq(accounts.id, sql.placeholder("id")))
      .prepare(),
    // The latest events, each carrying the account's event counts by type as a JSON object: one
    // statement instead of two (SQLite evaluates the uncorrelated subquery once).
    latestEvents: db
      .select({
        ...getTableColumns(accountEvents),
        countsByType: sql<string>`(SELECT json_group_object(event_type, n) FROM (SELECT ${accountEvents.eventType} AS event_type, count(*) AS n FROM ${accountEvents} WHERE ${accountEvents.accountId} = ${sql.placeholder("accountId")} GROUP BY ${accountEvents.eventType}))`,
      })
      .from(accountEvents)
      .where(eq(accountEvents.accountId, sql.placeholder("accountId")))
      .orderBy(desc(accountEvents.occurredAt), desc(accountEvents.id))
      .limit(sql.placeholder("limit"))
      .prepare(),
    healthRecomputedAt: db.select({ value: settings.value }).from(settings).where(eq(settings.key, HEALTH_RECOMPUTED_AT_KEY)).prepare(),
    // Every write appends to a timeline.
    appendEvent: db
      .insert(accountEvents)
      .values(placeholders("id", "accountId", "occurredAt", "eventType", "title", "description", "impact", "actor", "metadata"))
      .prepare(),
  };
}

function hotQueries(db: TenantDb): ReturnType<typeof compileHotQueries> {
  return compiledOnce(db, compileHotQueries);
}

export function getAccount(db: TenantDb, id: string, now = new Date()): Account | null {
  const row = hotQueries(db).accountById.get({ id });
  return row ? toAccount(row, now, row.recomputedAt) : null;
}

export function requireAccount(db: TenantDb, id: string, now = new Date()): Account {
  const account = getAccount(db, id, now);
  if (!account) throw new AccountError("not_found", `No account with client_id "${id}" in this workspace; list_clients shows the ids.`);
  return account;
}

/** Timeline rows written later, together, while holdingTimeline runs on this database handle. */
const heldTimelineRows = new WeakMap<TenantDb, EventRow[]>();

/** Rows per statement when held rows are written: a bound value stays far below the 2 MB a Durable Object's SQLite takes. */
const HELD_ROWS_PER_STATEMENT = 200;

/**
 * Runs `work` with its timeline events held back, then writes them in a few statements: a
 * batch of webhook events appends one event each, and one statement per event costs more than
 * the row (≈ 50–90 µs each, `npm run bench:statements`). The rows keep their ids and times, so
 * the timeline reads as if each had been written at once; only a read of the timeline inside
 * `work` would miss them, and the callers' work reads none. Inside a hold, a nested one is the
 * same hold.
 */
export function holdingTimeline<T>(db: TenantDb, work: () => T): T {
  if (heldTimelineRows.has(db)) return work();
  const held: EventRow[] = [];
  heldTimelineRows.set(db, held);
  try {
    const result = work();
    for (let start = 0; start < held.length; start += HELD_ROWS_PER_STATEMENT) {
      insertRows(db, accountEvents, held.slice(start, start + HELD_ROWS_PER_STATEMENT));
    }
    return result;
  } finally {
    heldTimelineRows.delete(db);
  }
}

export function appendEvent(db: TenantDb, accountId: string, actor: string, event: NewEvent, now = new Date()): TimelineEvent {
  const row: EventRow = {
    id: newId("evt"),
    accountId,
    occurredAt: event.occurred_at ?? now.toISOString(),
    eventType: event.event_type,
    title: event.title,
    description: event.description,
    impact: event.impact ?? "neutral",
    actor,
    metadata: JSON.stringify(event.metadata ?? {}),
  };
  const held = heldTimelineRows.get(db);
  if (held) held.push(row);
  else hotQueries(db).appendEvent.run(row);
  return toEvent(row);
}

/** The timeline's words for a new account, whether a tool registered it or an import brought it. */
export function registrationDescription(row: Pick<AccountRow, "name" | "companyName" | "tier" | "contractValue" | "contractStartDate" | "contractEndDate">): string {
  return `${row.name} (${row.companyName}) registered on the ${row.tier} tier with a contract of ${row.contractValue} from ${row.contractStartDate} to ${row.contractEndDate}.`;
}

export function createAccount(db: TenantDb, input: NewAccount, actor: string, now = new Date()): Account {
  checkContractDates(input.contract_start_date, input.contract_end_date);
  if (input.external_id) {
    const existing = db.select({ id: accounts.id }).from(accounts).where(eq(accounts.externalId, input.external_id)).get();
    if (existing) {
      throw new AccountError("conflict", `An account with external_id "${input.external_id}" already exists (${existing.id}); update it instead.`);
    }
  }
  const createdAt = input.created_at ?? now.toISOString();
  const row: AccountRow = {
    id: newId("cs"),
    name: input.client_name,
    companyName: input.company_name,
    industry: input.industry,
    tier: input.tier,
    status: input.status ?? "active",
    lifecycleStage: input.lifecycle_stage ?? "onboarding",
    contractValue: input.contract_value,
    contractStartDate: input.contract_start_date,
    contractEndDate: input.contract_end_date,
    renewalDate: input.renewal_date ?? input.contract_end_date,
    primaryContactName: input.primary_contact_name ?? null,
    primaryContactEmail: input.primary_contact_email ?? null,
    csmAssigned: input.csm_assigned ?? null,
    externalId: input.external_id ?? null,
    healthScore: null,
    healthTrend: null,
    healthComputedAt: null,
    // A new account has no score before the movers' cutoff (it did not exist then).
    healthBaselineScore: null,
    lastEngagementAt: null,
    createdAt,
    updatedAt: createdAt,
  };
  db.insert(accounts).values(row).run();
  appendEvent(
    db,
    row.id,
    actor,
    {
      event_type: "account",
      title: "Account registered",
      description: registrationDescription(row),
      impact: "positive",
      metadata: { tier: row.tier, contract_value: row.contractValue },
      occurred_at: createdAt,
    },
    now,
  );
  return toAccount(row, now, healthRecomputedAt(db));
}

export interface FieldChange {
  from: Json;
  to: Json;
}

/** Applies changes, records one timeline event listing each changed field with its previous value. */
export function updateAccount(
  db: TenantDb,
  id: string,
  changes: AccountChanges,
  actor: string,
  now = new Date(),
): { account: Account; changed: Record<string, FieldChange> } {
  const before = db.select().from(accounts).where(eq(accounts.id, id)).get();
  if (!before) throw new AccountError("not_found", `No account with client_id "${id}" in this workspace; list_clients shows the ids.`);

  const changed: Record<string, FieldChange> = {};
  const patch: Partial<AccountRow> = {};
  for (const [field, value] of Object.entries(changes) as [keyof AccountChanges, Json | undefined][]) {
    if (value === undefined) continue;
    const property = PROPERTY_OF_FIELD[field];
    if (before[property] === value) continue;
    changed[field] = { from: before[property] as Json, to: value };
    (patch as Record<string, unknown>)[property] = value;
  }
  const start = (patch.contractStartDate ?? before.contractStartDate) as string;
  const end = (patch.contractEndDate ?? before.contractEndDate) as string;
  checkContractDates(start, end);
  if (typeof patch.externalId === "string") {
    const clash = db
      .select({ id: accounts.id })
      .from(accounts)
      .where(and(eq(accounts.externalId, patch.externalId), sql`${accounts.id} <> ${id}`))
      .get();
    if (clash) throw new AccountError("conflict", `external_id "${patch.externalId}" already belongs to ${clash.id}.`);
  }
  if (Object.keys(changed).length === 0) return { account: toAccount(before, now, healthRecomputedAt(db)), changed };

  patch.updatedAt = now.toISOString();
  db.update(accounts).set(patch).where(eq(accounts.id, id)).run();
  const contractFields = ["contract_value", "contract_start_date", "contract_end_date", "renewal_date", "tier"];
  const touchesContract = Object.keys(changed).some((field) => contractFields.includes(field));
  appendEvent(
    db,
    id,
    actor,
    {
      event_type: touchesContract ? "contract" : "account",
      title: `Updated ${Object.keys(changed).join(", ")}`,
      description: Object.entries(changed)
        .map(([field, change]) => `${field}: ${JSON.stringify(change.from)} → ${JSON.stringify(change.to)}`)
        .join("; "),
      impact: changed.status?.to === "churned" ? "negative" : "neutral",
      metadata: { changes: changed as unknown as { [key: string]: Json } },
    },
    now,
  );
  const after = db.select().from(accounts).where(eq(accounts.id, id)).get();
  if (!after) throw new AccountError("not_found", `Account "${id}" disappeared during the update.`);
  return { account: toAccount(after, now, healthRecomputedAt(db)), changed };
}

export interface AccountFilters {
  tier?: Tier[];
  lifecycle_stage?: LifecycleStage[];
  status?: AccountStatus[];
  csm_assigned?: string;
  health_score_min?: number;
  health_score_max?: number;
  renewal_before?: string;
  renewal_after?: string;
  search?: string;
}

export interface ListOptions {
  filters: AccountFilters;
  sort_by: AccountSortField;
  sort_order: "asc" | "desc";
  limit: number;
  cursor?: string;
}

export interface AccountListSummary {
  total_count: number;
  total_arr: number;
  average_health_score: number | null;
  scored_count: number;
  by_lifecycle_stage: Record<LifecycleStage, number>;
  by_tier: Record<Tier, number>;
}

export interface AccountList {
  clients: Account[];
  next_cursor: string | null;
  summary: AccountListSummary;
}

interface CursorPosition {
  /** The sort column's value of the last row returned (null for an unscored account). */
  v: string | number | null;
  id: string;
  s: AccountSortField;
  o: "asc" | "desc";
}

function isCursorPosition(value: unknown): value is CursorPosition {
  if (typeof value !== "object" || value === null) return false;
  const { v, id, s, o } = value as Record<string, unknown>;
  return (
    (v === null || typeof v === "string" || typeof v === "number") &&
    typeof id === "string" &&
    (ACCOUNT_SORT_FIELDS as readonly unknown[]).includes(s) &&
    (o === "asc" || o === "desc")
  );
}

function decodeListCursor(cursor: string, sortBy: AccountSortField, order: "asc" | "desc"): CursorPosition {
  const position = decodeCursor(cursor, isCursorPosition);
  if (position.s !== sortBy || position.o !== order) {
    throw new AccountError(
      "invalid",
      "cursor belongs to a different sort; keep sort_by and sort_order the same while paging, or drop the cursor to start over.",
    );
  }
  return position;
}

function filterConditions(filters: AccountFilters): SQL[] {
  const conditions: SQL[] = [];
  if (filters.tier?.length) conditions.push(inArray(accounts.tier, filters.tier));
  if (filters.lifecycle_stage?.length) conditions.push(inArray(accounts.lifecycleStage, filters.lifecycle_stage));
  if (filters.status?.length) conditions.push(inArray(accounts.status, filters.status));
  if (filters.csm_assigned) conditions.push(eq(accounts.csmAssigned, filters.csm_assigned));
  if (filters.health_score_min !== undefined) conditions.push(gte(accounts.healthScore, filters.health_score_min));
  if (filters.health_score_max !== undefined) conditions.push(lte(accounts.healthScore, filters.health_score_max));
  if (filters.renewal_before) conditions.push(lt(accounts.renewalDate, filters.renewal_before));
  if (filters.renewal_after) conditions.push(gt(accounts.renewalDate, filters.renewal_after));
  if (filters.search) {
    const escaped = filters.search.replace(/[%_\\]/g, (c) => `\\${c}`);
    const pattern = `%${escaped}%`;
    const byName = sql`${accounts.name} LIKE ${pattern} ESCAPE '\\'`;
    const byCompany = sql`${accounts.companyName} LIKE ${pattern} ESCAPE '\\'`;
    // An id matches from its start, so a client completing "cs_pj" finds "cs_pj2sm5eon3".
    const byIdPrefix = sql`${accounts.id} LIKE ${`${escaped}%`} ESCAPE '\\'`;
    conditions.push(or(byName, byCompany, byIdPrefix) as SQL);
  }
  return conditions;
}

/**
 * Keyset pagination: rows strictly after the cursor in (sort value, id) order. Only
 * health_score can be null; its unscored accounts come after every scored one in either
 * direction (pageRows reads them as a second range).
 */
function afterPosition(position: CursorPosition, sortBy: AccountSortField, order: "asc" | "desc"): SQL {
  const column = SORT_COLUMN[sortBy];
  const idAfter = order === "asc" ? gt(accounts.id, position.id) : lt(accounts.id, position.id);
  if (position.v === null) {
    // Only an unscored account's cursor holds null, and those rows come last.
    if (sortBy !== "health_score") throw new AccountError("invalid", "cursor: is not valid; start again without a cursor.");
    return and(sql`${column} IS NULL`, idAfter) as SQL;
  }
  const valueAfter = order === "asc" ? gt(column, position.v) : lt(column, position.v);
  return or(valueAfter, and(eq(column, position.v), idAfter)) as SQL;
}

/**
 * One page in (sort value, id) order, read as index range scans: each sort column has an
 * index on (column, id), which serves the ORDER BY and stops after `limit` rows instead of
 * sorting every match. Health sorts read the scored accounts first, then the unscored ones
 * (by id), as two ranges of the same index.
 */
function pageRows(db: TenantDb, conditions: SQL[], sortBy: AccountSortField, order: "asc" | "desc", cursor: CursorPosition | null, limit: number): AccountRow[] {
  const column = SORT_COLUMN[sortBy];
  const direction = order === "asc" ? asc : desc;
  const read = (extra: (SQL | undefined)[], orderBy: SQL[], count: number) =>
    db
      .select()
      .from(accounts)
      .where(and(...conditions, ...extra))
      .orderBy(...orderBy)
      .limit(count)
      .all();
  if (sortBy !== "health_score") {
    return read([cursor ? afterPosition(cursor, sortBy, order) : undefined], [direction(column), direction(accounts.id)], limit);
  }
  if (cursor && cursor.v === null) return read([afterPosition(cursor, sortBy, order)], [direction(accounts.id)], limit);
  const scored = read([sql`${column} IS NOT NULL`, cursor ? afterPosition(cursor, sortBy, order) : undefined], [direction(column), direction(accounts.id)], limit);
  if (scored.length >= limit) return scored;
  return [...scored, ...read([sql`${column} IS NULL`], [direction(accounts.id)], limit - scored.length)];
}

export function listAccounts(db: TenantDb, options: ListOptions, now = new Date(), cache?: ReadCache): AccountList {
  const { filters, sort_by: sortBy, sort_order: order, limit } = options;
  const conditions = filterConditions(filters);
  const where = conditions.length ? and(...conditions) : undefined;
  const cursor = options.cursor ? decodeListCursor(options.cursor, sortBy, order) : null;
  const rows = pageRows(db, conditions, sortBy, order, cursor, limit + 1);

  const page = rows.slice(0, limit);
  const last = page.at(-1);
  const nextCursor =
    rows.length > limit && last
      ? encodeCursor({ v: last[PROPERTY_OF_SORT[sortBy]] as string | number | null, id: last.id, s: sortBy, o: order })
      : null;

  // Every page of a listing has the same summary: computed once per filters and data version.
  const summaryKey = `list-summary:${JSON.stringify(db.select({ id: accounts.id }).from(accounts).where(where).toSQL())}`;
  const summary = cache ? cache.answer(summaryKey, () => summarize(db, where)) : summarize(db, where);
  const recomputedAt = healthRecomputedAt(db);
  return { clients: page.map((row) => toAccount(row, now, recomputedAt)), next_cursor: nextCursor, summary };
}

const PROPERTY_OF_SORT = {
  name: "name",
  contract_value: "contractValue",
  renewal_date: "renewalDate",
  health_score: "healthScore",
  created_at: "createdAt",
  updated_at: "updatedAt",
} as const satisfies Record<AccountSortField, keyof AccountRow>;

/**
 * Totals over every account the filters match, not just the page: ONE grouped pass (by tier and
 * stage, at most 28 groups) folded here, instead of three scans. Unfiltered or filtered by tier
 * or stage, it reads only the covering index accounts_summary, not the wide rows.
 */
function summarize(db: TenantDb, where: SQL | undefined): AccountListSummary {
  const groups = db
    .select({
      tier: accounts.tier,
      stage: accounts.lifecycleStage,
      count: sql<number>`count(*)`,
      arr: sql<number>`coalesce(sum(${accounts.contractValue}), 0)`,
      healthSum: sql<number>`coalesce(sum(${accounts.healthScore}), 0)`,
      scored: sql<number>`count(${accounts.healthScore})`,
    })
    .from(accounts)
    .where(where)
    .groupBy(accounts.tier, accounts.lifecycleStage)
    .all();
  const stageCounts = Object.fromEntries(LIFECYCLE_STAGES.map((stage) => [stage, 0])) as Record<LifecycleStage, number>;
  const tierCounts = Object.fromEntries(TIERS.map((tier) => [tier, 0])) as Record<Tier, number>;
  let count = 0;
  let arr = 0;
  let healthSum = 0;
  let scored = 0;
  for (const group of groups) {
    stageCounts[group.stage] += group.count;
    tierCounts[group.tier] += group.count;
    count += group.count;
    arr += group.arr;
    healthSum += group.healthSum;
    scored += group.scored;
  }
  return {
    total_count: count,
    total_arr: Math.round(arr * 100) / 100,
    average_health_score: scored === 0 ? null : Math.round((healthSum / scored) * 10) / 10,
    scored_count: scored,
    by_lifecycle_stage: stageCounts,
    by_tier: tierCounts,
  };
}

export interface TimelineQuery {
  start_date?: string;
  end_date?: string;
  event_types?: EventType[];
  limit: number;
  cursor?: string;
}

export interface Timeline {
  events: TimelineEvent[];
  next_cursor: string | null;
  counts_by_type: Partial<Record<EventType, number>>;
  total_events: number;
}

/** Events newest first; `end_date` is inclusive (the whole day). */
export function accountTimeline(db: TenantDb, accountId: string, query: TimelineQuery): Timeline {
  const conditions: SQL[] = [eq(accountEvents.accountId, accountId)];
  if (query.start_date) conditions.push(gte(accountEvents.occurredAt, query.start_date));
  if (query.end_date) conditions.push(lt(accountEvents.occurredAt, nextDay(query.end_date)));
  if (query.event_types?.length) conditions.push(inArray(accountEvents.eventType, query.event_types));
  const matching = and(...conditions);

  const rows = db
    .select()
    .from(accountEvents)
    .where(and(...conditions, afterCursor(accountEvents.occurredAt, accountEvents.id, query.cursor)))
    .orderBy(desc(accountEvents.occurredAt), desc(accountEvents.id))
    .limit(query.limit + 1)
    .all();
  const { page, next_cursor } = keysetPage(rows, query.limit, (row) => [row.occurredAt, row.id]);
  const counts = db
    .select({ type: accountEvents.eventType, count: sql<number>`count(*)` })
    .from(accountEvents)
    .where(matching)
    .groupBy(accountEvents.eventType)
    .all();
  const countsByType: Partial<Record<EventType, number>> = {};
  let total = 0;
  for (const { type, count } of counts) {
    countsByType[type as EventType] = count;
    total += count;
  }
  return {
    events: page.map(toEvent),
    next_cursor,
    counts_by_type: countsByType,
    total_events: total,
  };
}

function nextDay(date: string): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + MS_PER_DAY).toISOString().slice(0, 10);
}

/** An account's latest events and its event counts by type, from the precompiled reads. */
export function recentTimeline(db: TenantDb, accountId: string, limit: number): Timeline {
  const reads = hotQueries(db);
  const rows = reads.latestEvents.all({ accountId, limit: limit + 1 });
  const { page, next_cursor } = keysetPage(rows, limit, (row) => [row.occurredAt, row.id]);
  // No rows means no events, so no counts either.
  const countsByType = JSON.parse(rows[0]?.countsByType ?? "{}") as Partial<Record<EventType, number>>;
  const total = Object.values(countsByType).reduce((sum, count) => sum + count, 0);
  return {
    events: page.map(toEvent),
    next_cursor,
    counts_by_type: countsByType,
    total_events: total,
  };
}

export function countAccounts(db: TenantDb): number {
  return db.select({ count: sql<number>`count(*)` }).from(accounts).get()?.count ?? 0;
}

export interface AuditEntry {
  userId: string;
  via: string;
  action: string;
  targetId?: string | null;
  details: Record<string, unknown>;
}

const SECRET_KEY_PATTERN = /secret|token|password|api_?key|authorization/i;

/** Replaces the value of any key that looks like a secret, at any depth. */
export function redactSecrets(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(redactSecrets);
  if (value && typeof value === "object") {
    return Object.fromEntries(
      Object.entries(value).map(([key, inner]) => [key, SECRET_KEY_PATTERN.test(key) ? "[redacted]" : redactSecrets(inner)]),
    );
  }
  return value;
}

/** The audit insert compiled once per database (every tool call writes one; see compileHotQueries). */
export function recordAudit(db: TenantDb, entry: AuditEntry, now = new Date()): void {
  recordAudits(db, [entry], now);
}

/**
 * Several audit entries in ONE statement (insertRows: json_each keeps array order, so ids
 * follow it). The runtime's fixed cost per statement outweighs an audit row's own insert, and a
 * batch of tool calls (src/tools/audit-batch.ts) would otherwise pay it once per entry.
 */
export function recordAudits(db: TenantDb, entries: readonly AuditEntry[], now = new Date()): void {
  const occurredAt = now.toISOString();
  insertRows(
    db,
    auditLog,
    entries.map((entry) => ({ occurredAt, userId: entry.userId, via: entry.via, action: entry.action, targetId: entry.targetId ?? null, details: JSON.stringify(redactSecrets(entry.details)) })),
  );
}

export function auditEntries(db: TenantDb, limit: number) {
  return db.select().from(auditLog).orderBy(desc(auditLog.id)).limit(limit).all();
}
