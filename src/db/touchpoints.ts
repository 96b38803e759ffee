import { and, desc, eq, lt, or } from "drizzle-orm";
import { AccountError, appendEvent, newId, requireAccount, type TenantDb } from "./accounts";
import { contacts, touchpoints } from "./tenant-schema";

/**
 * Touchpoints: the emails, meetings, calls, messages and notes between the team and an account.
 * They drive the engagement component of health (recency of a two-way touch, open, click and
 * reply rates), so each one is logged with its direction and, for emails, what happened to it.
 */

export const TOUCHPOINT_KINDS = ["email", "meeting", "call", "message", "note"] as const;
export const TOUCHPOINT_DIRECTIONS = ["inbound", "outbound", "internal"] as const;

export interface NewTouchpoint {
  client_id: string;
  kind: (typeof TOUCHPOINT_KINDS)[number];
  direction: (typeof TOUCHPOINT_DIRECTIONS)[number];
  subject: string;
  occurred_at: string;
  contact_id?: string | null;
  opened_at?: string | null;
  clicked_at?: string | null;
  replied_at?: string | null;
  external_id?: string | null;
  source?: string;
}

export interface Touchpoint {
  touchpoint_id: string;
  client_id: string;
  contact_id: string | null;
  kind: NewTouchpoint["kind"];
  direction: NewTouchpoint["direction"];
  subject: string;
  occurred_at: string;
  opened_at: string | null;
  clicked_at: string | null;
  replied_at: string | null;
  source: string;
  created_by: string;
}

type Row = typeof touchpoints.$inferSelect;

function toTouchpoint(row: Row): Touchpoint {
  return {
    touchpoint_id: row.id,
    client_id: row.accountId,
    contact_id: row.contactId,
    kind: row.kind,
    direction: row.direction,
    subject: row.subject,
    occurred_at: row.occurredAt,
    opened_at: row.openedAt,
    clicked_at: row.clickedAt,
    replied_at: row.repliedAt,
    source: row.source,
    created_by: row.createdBy,
  };
}

/** Logs a touchpoint and its timeline event; the caller refreshes the account's health inputs. */
export function logTouchpoint(db: TenantDb, input: NewTouchpoint, actor: string, now = new Date()): Touchpoint {
  requireAccount(db, input.client_id, now);
  if (Date.parse(input.occurred_at) > now.getTime() + 86_400_000) {
    throw new AccountError("invalid", "occurred_at: is more than a day in the future; log touchpoints that happened (or schedule a task instead).");
  }
  for (const field of ["opened_at", "clicked_at", "replied_at"] as const) {
    const at = input[field];
    if (at && Date.parse(at) < Date.parse(input.occurred_at)) throw new AccountError("invalid", `${field}: is before occurred_at; it must come after the touchpoint itself.`);
    if (at && input.kind !== "email" && field !== "replied_at") throw new AccountError("invalid", `${field}: only emails are opened or clicked; leave it out for a ${input.kind}.`);
  }
  if (input.contact_id) {
    const contact = db.select({ accountId: contacts.accountId }).from(contacts).where(eq(contacts.id, input.contact_id)).get();
    if (!contact || contact.accountId !== input.client_id) {
      throw new AccountError("not_found", `contact_id: no contact ${input.contact_id} on account ${input.client_id}.`);
    }
  }
  if (input.external_id) {
    const existing = db.select().from(touchpoints).where(eq(touchpoints.externalId, input.external_id)).get();
    if (existing) throw new AccountError("conflict", `external_id: a touchpoint with external_id ${input.external_id} is already logged (touchpoint_id ${existing.id}).`);
  }
  const row: Row = {
    id: newId("tp"),
    accountId: input.client_id,
    contactId: input.contact_id ?? null,
    externalId: input.external_id ?? null,
    kind: input.kind,
    direction: input.direction,
    subject: input.subject,
    occurredAt: new Date(input.occurred_at).toISOString(),
    openedAt: input.opened_at ? new Date(input.opened_at).toISOString() : null,
    clickedAt: input.clicked_at ? new Date(input.clicked_at).toISOString() : null,
    repliedAt: input.replied_at ? new Date(input.replied_at).toISOString() : null,
    source: input.source ?? "manual",
    createdBy: actor,
  };
  db.insert(touchpoints).values(row).run();
  appendEvent(
    db,
    input.client_id,
    actor,
    {
      event_type: "communication",
      title: `${input.kind[0]?.toUpperCase()}${input.kind.slice(1)} (${input.direction}): ${input.subject}`,
      description: input.replied_at ? "The customer replied." : "",
      impact: input.direction === "inbound" || input.replied_at ? "positive" : "neutral",
      metadata: { touchpoint_id: row.id, kind: input.kind, direction: input.direction },
      occurred_at: row.occurredAt,
    },
    now,
  );
  return toTouchpoint(row);
}

export interface TouchpointPage {
  touchpoints: Touchpoint[];
  next_cursor: string | null;
}

/** An account's touchpoints, newest first, keyset-paged on (occurred_at, id). */
export function listTouchpoints(db: TenantDb, accountId: string, options: { limit: number; cursor?: string; kind?: NewTouchpoint["kind"] }): TouchpointPage {
  requireAccount(db, accountId);
  let after: [string, string] | null = null;
  if (options.cursor) {
    const [at, id] = options.cursor.split("|");
    if (!at || !id || !Number.isFinite(Date.parse(at))) throw new AccountError("invalid", "cursor: not a cursor from list_touchpoints; pass next_cursor as it was returned.");
    after = [at, id];
  }
  const rows = db
    .select()
    .from(touchpoints)
    .where(
      and(
        eq(touchpoints.accountId, accountId),
        options.kind ? eq(touchpoints.kind, options.kind) : undefined,
        after ? or(lt(touchpoints.occurredAt, after[0]), and(eq(touchpoints.occurredAt, after[0]), lt(touchpoints.id, after[1]))) : undefined,
      ),
    )
    .orderBy(desc(touchpoints.occurredAt), desc(touchpoints.id))
    .limit(options.limit + 1)
    .all();
  const page = rows.slice(0, options.limit);
  const last = page.at(-1);
  return { touchpoints: page.map(toTouchpoint), next_cursor: rows.length > options.limit && last ? `${last.occurredAt}|${last.id}` : null };
}
