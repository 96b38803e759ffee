import { asc, eq } from "drizzle-orm";
import type { segments as engine } from "../analytics";
import { compileAccountRule, forEachAccountRecord, matchedReasons, type AccountRecord } from "./account-fields";
import { AccountError, daysUntil, newId, type Json, type TenantDb } from "./accounts";
import { decodeCursor, encodeCursor } from "./keyset-cursor";
import { segments } from "./tenant-schema";

/**
 * Saved custom segments: a name and a rule over the account field catalog (./account-fields),
 * evaluated on read, so membership is always what the data says now.
 */

export interface Segment {
  segment_id: string;
  name: string;
  description: string;
  rule: { [key: string]: Json };
  created_by: string;
  created_at: string;
  updated_at: string;
}

export interface SegmentWithCounts extends Segment {
  /** Null when the stored rule no longer compiles (see `error`). */
  member_count: number | null;
  total_arr: number | null;
  error: string | null;
}

/** An account in a segment, with the rules that put it there. */
export interface SegmentMember {
  client_id: string;
  client_name: string;
  company_name: string;
  csm_assigned: string | null;
  contract_value: number;
  health_score: number | null;
  renewal_date: string;
  days_until_renewal: number;
  why: string[];
}

export interface MemberPage {
  members: SegmentMember[];
  next_cursor: string | null;
}

export interface SegmentPreview extends MemberPage {
  member_count: number;
  total_arr: number;
  accounts_evaluated: number;
}

type SegmentRow = typeof segments.$inferSelect;

function toSegment(row: SegmentRow): Segment {
  return {
    segment_id: row.id,
    name: row.name,
    description: row.description,
    rule: JSON.parse(row.rule) as { [key: string]: Json },
    created_by: row.createdBy,
    created_at: row.createdAt,
    updated_at: row.updatedAt,
  };
}

function toMember(account: AccountRecord, rule: unknown, predicate: engine.SegmentPredicate, now: Date): SegmentMember {
  return {
    client_id: account.id,
    client_name: account.name,
    company_name: account.companyName,
    csm_assigned: account.csm,
    contract_value: account.contractValue,
    health_score: account.healthScore,
    renewal_date: account.renewalDate,
    days_until_renewal: daysUntil(account.renewalDate, now),
    why: matchedReasons(rule, predicate.explain(account.record)),
  };
}

/** A member page's cursor: the last member's id. */
interface MemberCursor {
  after: string;
}

function isMemberCursor(value: unknown): value is MemberCursor {
  return typeof value === "object" && value !== null && typeof (value as Record<string, unknown>).after === "string";
}

function round2(value: number): number {
  return Math.round(value * 100) / 100;
}

/** One page of the accounts a compiled rule matches, in id order, after the cursor. */
function memberPage(db: TenantDb, rule: unknown, predicate: engine.SegmentPredicate, limit: number, cursor: string | undefined, now: Date): MemberPage {
  const members: SegmentMember[] = [];
  let more = false;
  forEachAccountRecord(
    db,
    (account) => {
      if (!predicate(account.record)) return true;
      if (members.length === limit) {
        more = true;
        return false;
      }
      members.push(toMember(account, rule, predicate, now));
      return true;
    },
    { after: cursor === undefined ? undefined : decodeCursor(cursor, isMemberCursor).after },
    now,
  );
  const last = members.at(-1);
  return { members, next_cursor: more && last ? encodeCursor({ after: last.client_id } satisfies MemberCursor) : null };
}

/** Evaluates a rule without saving it: how many accounts, their ARR, and a page of members with why. */
export function previewSegment(db: TenantDb, rule: unknown, options: { limit: number; cursor?: string }, now = new Date()): SegmentPreview {
  const predicate = compileAccountRule(rule, "rule", now);
  let count = 0;
  let arr = 0;
  let evaluated = 0;
  forEachAccountRecord(
    db,
    (account) => {
      evaluated++;
      if (predicate(account.record)) {
        count++;
        arr += account.contractValue;
      }
    },
    {},
    now,
  );
  const page = memberPage(db, rule, predicate, options.limit, options.cursor, now);
  return { ...page, member_count: count, total_arr: round2(arr), accounts_evaluated: evaluated };
}

export function createSegment(
  db: TenantDb,
  input: { name: string; description: string; rule: { [key: string]: Json } },
  actor: string,
  now = new Date(),
): Segment {
  compileAccountRule(input.rule, "rule", now);
  const clash = db.select({ id: segments.id }).from(segments).where(eq(segments.name, input.name)).get();
  if (clash) {
    throw new AccountError("conflict", `name: a segment named "${input.name}" already exists (${clash.id}); pick another name or delete that one.`);
  }
  const at = now.toISOString();
  const row: SegmentRow = {
    id: newId("seg"),
    name: input.name,
    description: input.description,
    rule: JSON.stringify(input.rule),
    createdBy: actor,
    createdAt: at,
    updatedAt: at,
  };
  db.insert(segments).values(row).run();
  return toSegment(row);
}

export function requireSegment(db: TenantDb, id: string): Segment {
  const row = db.select().from(segments).where(eq(segments.id, id)).get();
  if (!row) throw new AccountError("not_found", `No segment with segment_id "${id}" in this workspace; list_segments shows the ids.`);
  return toSegment(row);
}

/** Every saved segment with its member count and ARR, from one pass over the accounts. */
export function listSegments(db: TenantDb, now = new Date()): SegmentWithCounts[] {
  const rows = db.select().from(segments).orderBy(asc(segments.name)).all();
  const entries = rows.map((row) => {
    const segment = toSegment(row);
    try {
      return { segment, predicate: compileAccountRule(segment.rule, "rule", now), count: 0, arr: 0, error: null as string | null };
    } catch (error) {
      if (!(error instanceof AccountError)) throw error;
      return { segment, predicate: null, count: 0, arr: 0, error: error.message };
    }
  });
  const live = entries.filter((entry) => entry.predicate !== null);
  if (live.length > 0) {
    forEachAccountRecord(
      db,
      (account) => {
        for (const entry of live) {
          if (entry.predicate?.(account.record)) {
            entry.count++;
            entry.arr += account.contractValue;
          }
        }
      },
      {},
      now,
    );
  }
  return entries.map(({ segment, predicate, count, arr, error }) => ({
    ...segment,
    member_count: predicate ? count : null,
    total_arr: predicate ? round2(arr) : null,
    error,
  }));
}

export function segmentMembers(
  db: TenantDb,
  id: string,
  options: { limit: number; cursor?: string },
  now = new Date(),
): { segment: Segment } & MemberPage {
  const segment = requireSegment(db, id);
  const predicate = compileAccountRule(segment.rule, "rule", now);
  return { segment, ...memberPage(db, segment.rule, predicate, options.limit, options.cursor, now) };
}

export function deleteSegment(db: TenantDb, id: string): Segment {
  const segment = requireSegment(db, id);
  db.delete(segments).where(eq(segments.id, id)).run();
  return segment;
}
