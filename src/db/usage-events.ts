import { sql } from "drizzle-orm";
import { AccountError, type TenantDb } from "./accounts";

/**
 * Usage events inside the Tenant Durable Object: raw events as received (usage_events), and
 * the daily aggregates built from them (usage_daily_users, usage_feature_daily, usage_daily).
 *
 * Every write here is set-based: a batch travels as ONE bound JSON parameter expanded by
 * json_each, so a batch of 500 events costs a handful of statements, not 500 round trips.
 * Every function is synchronous, so the Tenant object runs a whole batch in one transaction.
 *
 * What counts (docs/events.md):
 * - `track` and `page` calls are product activity: they count as events, make their user
 *   active that day, and move the account's last_engagement_at. `identify` and `group` calls
 *   are kept raw (they describe users and accounts) but are not activity.
 * - A user is `userId`, or `anonymousId` when there is no userId (kept apart: "u:…" / "a:…").
 * - A feature is a track call's event name.
 * - usage_daily.sessions counts user-days: each user active on a day is one session that day.
 *   Over 30 days that is the health engine's logins30d ("days on which someone logged in",
 *   summed over users). The senders' own session markers vary too much to rely on.
 */

export const USAGE_EVENT_TYPES = ["track", "identify", "group", "page"] as const;
export type UsageEventType = (typeof USAGE_EVENT_TYPES)[number];
const ACTIVITY_TYPES: ReadonlySet<UsageEventType> = new Set(["track", "page"]);

/** One event, validated and normalized by the endpoint (src/api/events.ts). */
export interface IncomingUsageEvent {
  /** Position in the request's batch, for per-item answers. */
  index: number;
  messageId: string;
  type: UsageEventType;
  /** The track call's event name (the feature), the page name, or null. */
  event: string | null;
  userId: string | null;
  anonymousId: string | null;
  /** The account as the sender named it: our client_id or the account's external_id. */
  accountRef: string;
  /** Which input field the account reference came from, for rejections. */
  accountRefField: string;
  /** JSON text of the properties (track, page) or traits (identify, group). */
  properties: string;
  /** ISO 8601, UTC. */
  occurredAt: string;
}

export interface EventRejection {
  index: number;
  messageId: string | null;
  field: string;
  reason: string;
}

export interface IngestResult {
  /** Events newly stored (pending ones included). */
  accepted: number;
  /** Events whose messageId was already stored (or repeated within the batch): nothing changed. */
  duplicates: number;
  /** Of the accepted, those whose account does not exist yet; attached when it appears. */
  pending: number;
  rejected: EventRejection[];
}

export const UNKNOWN_ACCOUNT_POLICIES = ["keep", "reject"] as const;
export type UnknownAccountPolicy = (typeof UNKNOWN_ACCOUNT_POLICIES)[number];
export const RETENTION_DAYS_MIN = 1;
export const RETENTION_DAYS_MAX = 730;

export interface EventSettings {
  unknown_accounts: UnknownAccountPolicy;
  retention_days: number;
}

export const DEFAULT_EVENT_SETTINGS: EventSettings = { unknown_accounts: "keep", retention_days: 90 };

const SETTING_KEY = { unknown_accounts: "events.unknown_accounts", retention_days: "events.retention_days" } as const;

const DAY_MS = 86_400_000;

function isPolicy(value: unknown): value is UnknownAccountPolicy {
  return typeof value === "string" && (UNKNOWN_ACCOUNT_POLICIES as readonly string[]).includes(value);
}

function isRetention(value: unknown): value is number {
  return typeof value === "number" && Number.isInteger(value) && value >= RETENTION_DAYS_MIN && value <= RETENTION_DAYS_MAX;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** The tenant's event settings; a missing (or unreadable) value is the default. */
export function readEventSettings(db: TenantDb): EventSettings {
  const rows = db.all<{ key: string; value: string }>(
    sql`SELECT key, value FROM settings WHERE key IN (${SETTING_KEY.unknown_accounts}, ${SETTING_KEY.retention_days})`,
  );
  const settings = { ...DEFAULT_EVENT_SETTINGS };
  for (const row of rows) {
    const value = parseJson(row.value);
    if (row.key === SETTING_KEY.unknown_accounts && isPolicy(value)) settings.unknown_accounts = value;
    if (row.key === SETTING_KEY.retention_days && isRetention(value)) settings.retention_days = value;
  }
  return settings;
}

/** Validates and stores changed settings; answers the settings after the change. */
export function writeEventSettings(db: TenantDb, changes: Partial<EventSettings>, userId: string, now = new Date()): EventSettings {
  if (changes.unknown_accounts !== undefined && !isPolicy(changes.unknown_accounts)) {
    throw new AccountError("invalid", `unknown_accounts must be one of ${UNKNOWN_ACCOUNT_POLICIES.join(", ")}.`);
  }
  if (changes.retention_days !== undefined && !isRetention(changes.retention_days)) {
    throw new AccountError("invalid", `retention_days must be a whole number of days from ${RETENTION_DAYS_MIN} to ${RETENTION_DAYS_MAX}.`);
  }
  const updatedAt = now.toISOString();
  for (const field of ["unknown_accounts", "retention_days"] as const) {
    const value = changes[field];
    if (value === undefined) continue;
    db.run(
      sql`INSERT INTO settings (key, value, updated_by, updated_at) VALUES (${SETTING_KEY[field]}, ${JSON.stringify(value)}, ${userId}, ${updatedAt})
        ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_by = excluded.updated_by, updated_at = excluded.updated_at`,
    );
  }
  return readEventSettings(db);
}

/** The first UTC day inside the retention window: the last `days` days, today included. */
export function retentionCutoffDay(now: Date, days: number): string {
  const today = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
  return new Date(today - (days - 1) * DAY_MS).toISOString().slice(0, 10);
}

/** What the aggregation needs of a stored event. */
interface StoredEvent {
  accountId: string;
  type: UsageEventType;
  event: string | null;
  userId: string | null;
  anonymousId: string | null;
  occurredAt: string;
}

function userKey(event: { userId: string | null; anonymousId: string | null }): string {
  return event.userId !== null ? `u:${event.userId}` : `a:${event.anonymousId ?? ""}`;
}

/** The account ids that each reference names: an account's id first, then its external_id. */
function resolveAccountRefs(db: TenantDb, refs: string[]): Map<string, string> {
  const resolved = new Map<string, string>();
  if (refs.length === 0) return resolved;
  const list = JSON.stringify(refs);
  const rows = db.all<{ id: string; external_id: string | null }>(
    sql`SELECT id, external_id FROM accounts
        WHERE id IN (SELECT value FROM json_each(${list})) OR external_id IN (SELECT value FROM json_each(${list}))`,
  );
  for (const row of rows) if (row.external_id !== null) resolved.set(row.external_id, row.id);
  for (const row of rows) if (refs.includes(row.id)) resolved.set(row.id, row.id);
  return resolved;
}

/**
 * Stores a batch and folds it into the daily aggregates. Idempotent on messageId: an event
 * already stored is a duplicate and changes nothing. Answers the per-item outcome and the
 * accounts whose usage changed (the caller refreshes their health inputs).
 */
export function ingestUsageEvents(
  db: TenantDb,
  events: readonly IncomingUsageEvent[],
  settings: EventSettings,
  now = new Date(),
): IngestResult & { touchedAccounts: string[] } {
  const receivedAt = now.toISOString();
  const cutoff = retentionCutoffDay(now, settings.retention_days);
  const rejected: EventRejection[] = [];
  const seen = new Set<string>();
  let duplicates = 0;
  const candidates: IncomingUsageEvent[] = [];
  for (const event of events) {
    if (event.occurredAt.slice(0, 10) < cutoff) {
      rejected.push({
        index: event.index,
        messageId: event.messageId,
        field: "timestamp",
        reason: `${event.occurredAt} is before this workspace's retention window of ${settings.retention_days} days (events before ${cutoff} are not kept); send recent events, or raise retention_days with update_event_settings.`,
      });
    } else if (seen.has(event.messageId)) {
      duplicates += 1;
    } else {
      seen.add(event.messageId);
      candidates.push(event);
    }
  }

  const accountOf = resolveAccountRefs(db, [...new Set(candidates.map((event) => event.accountRef))]);
  const rows: [string, string | null, string, UsageEventType, string | null, string | null, string | null, string, string][] = [];
  for (const event of candidates) {
    const accountId = accountOf.get(event.accountRef) ?? null;
    if (accountId === null && settings.unknown_accounts === "reject") {
      rejected.push({
        index: event.index,
        messageId: event.messageId,
        field: event.accountRefField,
        reason: `no account in this workspace has the client_id or external_id "${event.accountRef}"; register it first (register_client, with external_id set to this value), or let such events wait for their account with update_event_settings (unknown_accounts: "keep").`,
      });
      continue;
    }
    rows.push([
      event.messageId,
      accountId,
      event.accountRef,
      event.type,
      event.event,
      event.userId,
      event.anonymousId,
      event.properties,
      event.occurredAt,
    ]);
  }
  rejected.sort((a, b) => a.index - b.index);

  const stored: StoredEvent[] = [];
  let accepted = 0;
  let pending = 0;
  if (rows.length > 0) {
    // `WHERE true` keeps SQLite from reading ON CONFLICT as a join constraint of the SELECT.
    const inserted = db.all<{ message_id: string }>(
      sql`INSERT INTO usage_events (message_id, account_id, account_ref, type, event, user_id, anonymous_id, properties, occurred_at, received_at)
          SELECT j.value ->> 0, j.value ->> 1, j.value ->> 2, j.value ->> 3, j.value ->> 4, j.value ->> 5, j.value ->> 6, j.value ->> 7, j.value ->> 8, ${receivedAt}
          FROM json_each(${JSON.stringify(rows)}) j WHERE true
          ON CONFLICT (message_id) DO NOTHING
          RETURNING message_id`,
    );
    const insertedIds = new Set(inserted.map((row) => row.message_id));
    accepted = insertedIds.size;
    duplicates += rows.length - insertedIds.size;
    for (const [messageId, accountId, , type, event, userId, anonymousId, , occurredAt] of rows) {
      if (!insertedIds.has(messageId)) continue;
      if (accountId === null) pending += 1;
      else stored.push({ accountId, type, event, userId, anonymousId, occurredAt });
    }
  }
  return { accepted, duplicates, pending, rejected, touchedAccounts: aggregateUsage(db, stored) };
}

/**
 * Attaches the pending events (stored while their account did not exist) that name one of
 * these accounts by id or external_id, and folds them into the aggregates. Answers the
 * accounts whose usage changed.
 */
export function attachPendingEvents(db: TenantDb, accountsToMatch: readonly { id: string; externalId: string | null }[]): string[] {
  const refs: [string, string][] = [];
  for (const account of accountsToMatch) {
    refs.push([account.id, account.id]);
    if (account.externalId) refs.push([account.externalId, account.id]);
  }
  if (refs.length === 0) return [];
  // Each reference probes the partial index usage_events_pending (account_ref WHERE account_id
  // IS NULL). Named, because left alone the planner walks every pending row once per reference.
  const attached = db.all<{
    account_id: string;
    type: UsageEventType;
    event: string | null;
    user_id: string | null;
    anonymous_id: string | null;
    occurred_at: string;
  }>(
    sql`UPDATE usage_events INDEXED BY usage_events_pending SET account_id = m.value ->> 1
        FROM json_each(${JSON.stringify(refs)}) m
        WHERE usage_events.account_id IS NULL AND usage_events.account_ref = m.value ->> 0
        RETURNING usage_events.account_id, usage_events.type, usage_events.event, usage_events.user_id, usage_events.anonymous_id, usage_events.occurred_at`,
  );
  return aggregateUsage(
    db,
    attached.map((row) => ({
      accountId: row.account_id,
      type: row.type,
      event: row.event,
      userId: row.user_id,
      anonymousId: row.anonymous_id,
      occurredAt: row.occurred_at,
    })),
  );
}

/**
 * Folds newly stored events into usage_daily_users, usage_feature_daily and usage_daily, and
 * moves accounts' last_engagement_at forward. Distinct counts come from the persistent user
 * and feature tables, so they stay right after raw events are purged; a feature's distinct
 * users per day are counted from the raw events of that day (which are always still there:
 * events older than the retention window are refused) and never go down.
 */
function aggregateUsage(db: TenantDb, events: readonly StoredEvent[]): string[] {
  const daily = new Map<string, [string, string, number]>();
  const users = new Map<string, [string, string, string]>();
  const features = new Map<string, [string, string, string, number]>();
  const latest = new Map<string, string>();
  for (const event of events) {
    if (!ACTIVITY_TYPES.has(event.type)) continue;
    const day = event.occurredAt.slice(0, 10);
    const dayKey = `${event.accountId}\u0000${day}`;
    const dayRow = daily.get(dayKey);
    if (dayRow) dayRow[2] += 1;
    else daily.set(dayKey, [event.accountId, day, 1]);
    const user = userKey(event);
    users.set(`${dayKey}\u0000${user}`, [event.accountId, day, user]);
    if (event.type === "track" && event.event !== null) {
      const featureKey = `${dayKey}\u0000${event.event}`;
      const featureRow = features.get(featureKey);
      if (featureRow) featureRow[3] += 1;
      else features.set(featureKey, [event.accountId, day, event.event, 1]);
    }
    const last = latest.get(event.accountId);
    if (last === undefined || event.occurredAt > last) latest.set(event.accountId, event.occurredAt);
  }
  if (daily.size === 0) return [];

  db.run(
    sql`INSERT OR IGNORE INTO usage_daily_users (account_id, day, user_key)
        SELECT j.value ->> 0, j.value ->> 1, j.value ->> 2 FROM json_each(${JSON.stringify([...users.values()])}) j`,
  );
  if (features.size > 0) {
    const featureRows = JSON.stringify([...features.values()]);
    db.run(
      sql`INSERT INTO usage_feature_daily (account_id, day, feature, events, users)
          SELECT j.value ->> 0, j.value ->> 1, j.value ->> 2, j.value ->> 3, 0 FROM json_each(${featureRows}) j WHERE true
          ON CONFLICT (account_id, day, feature) DO UPDATE SET events = usage_feature_daily.events + excluded.events`,
    );
    db.run(
      sql`UPDATE usage_feature_daily SET users = max(users, (
            SELECT count(DISTINCT coalesce('u:' || e.user_id, 'a:' || e.anonymous_id)) FROM usage_events e
            WHERE e.account_id = usage_feature_daily.account_id AND e.type = 'track' AND e.event = usage_feature_daily.feature
              AND e.occurred_at >= usage_feature_daily.day AND e.occurred_at < date(usage_feature_daily.day, '+1 day')))
          WHERE (account_id, day, feature) IN (SELECT j.value ->> 0, j.value ->> 1, j.value ->> 2 FROM json_each(${featureRows}) j)`,
    );
  }
  db.run(
    sql`WITH touched (account_id, day, events) AS (
          SELECT j.value ->> 0, j.value ->> 1, j.value ->> 2 FROM json_each(${JSON.stringify([...daily.values()])}) j)
        INSERT INTO usage_daily (account_id, day, active_users, sessions, events, features_used)
        SELECT t.account_id, t.day, u.n, u.n, t.events,
          (SELECT count(*) FROM usage_feature_daily f WHERE f.account_id = t.account_id AND f.day = t.day)
        FROM touched t
        JOIN (SELECT d.account_id, d.day, count(*) AS n FROM usage_daily_users d
              JOIN touched x ON x.account_id = d.account_id AND x.day = d.day GROUP BY d.account_id, d.day) u
          ON u.account_id = t.account_id AND u.day = t.day
        WHERE true
        ON CONFLICT (account_id, day) DO UPDATE SET
          active_users = excluded.active_users, sessions = excluded.sessions,
          events = usage_daily.events + excluded.events, features_used = excluded.features_used`,
  );
  db.run(
    sql`UPDATE accounts SET last_engagement_at = j.value ->> 1
        FROM json_each(${JSON.stringify([...latest.entries()])}) j
        WHERE accounts.id = j.value ->> 0 AND (accounts.last_engagement_at IS NULL OR accounts.last_engagement_at < j.value ->> 1)`,
  );
  return [...latest.keys()];
}

/** Raw events received before the first day of the retention window (pending ones too). */
export function purgeExpiredRawEvents(
  db: TenantDb,
  settings: EventSettings,
  now: Date,
  limit: number,
): { deleted: number; cutoff: string; more: boolean } {
  const cutoff = retentionCutoffDay(now, settings.retention_days);
  // Through the usage_events_by_received index, at most `limit` rows per statement.
  const deleted = db.all<{ message_id: string }>(
    sql`DELETE FROM usage_events WHERE rowid IN (
          SELECT rowid FROM usage_events WHERE received_at < ${cutoff} ORDER BY received_at LIMIT ${limit})
        RETURNING message_id`,
  ).length;
  return { deleted, cutoff, more: deleted === limit };
}

export interface UsageDay {
  day: string;
  active_users: number;
  sessions: number;
  events: number;
  features_used: number;
  features: { feature: string; events: number; users: number }[];
}

/** An account's daily usage between two days (inclusive), oldest first, with each day's features. */
export function accountUsageDays(db: TenantDb, accountId: string, from: string, to: string): UsageDay[] {
  const days = db.all<{ day: string; active_users: number; sessions: number; events: number; features_used: number }>(
    sql`SELECT day, active_users, sessions, events, features_used FROM usage_daily
        WHERE account_id = ${accountId} AND day >= ${from} AND day <= ${to} ORDER BY day`,
  );
  const features = db.all<{ day: string; feature: string; events: number; users: number }>(
    sql`SELECT day, feature, events, users FROM usage_feature_daily
        WHERE account_id = ${accountId} AND day >= ${from} AND day <= ${to} ORDER BY day, feature`,
  );
  return days.map((day) => ({
    ...day,
    features: features.filter((row) => row.day === day.day).map(({ feature, events, users }) => ({ feature, events, users })),
  }));
}

/** How many stored events wait for their account. */
/** Whether any event waits for its account: one probe of the partial index, so bulk paths can skip the matching. */
export function hasPendingEvents(db: TenantDb): boolean {
  return db.get<{ one: number }>(sql`SELECT 1 AS one FROM usage_events INDEXED BY usage_events_pending WHERE account_id IS NULL LIMIT 1`) !== undefined;
}

/** The id and external id of each of these accounts (any number: passed as one JSON parameter). */
export function accountRefsOf(db: TenantDb, ids: readonly string[]): { id: string; externalId: string | null }[] {
  return db.all<{ id: string; externalId: string | null }>(
    sql`SELECT id, external_id AS externalId FROM accounts WHERE id IN (SELECT value FROM json_each(${JSON.stringify(ids)}))`,
  );
}

export function pendingEventCount(db: TenantDb): number {
  return db.get<{ n: number }>(sql`SELECT count(*) AS n FROM usage_events WHERE account_id IS NULL`)?.n ?? 0;
}
