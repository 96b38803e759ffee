import { eq, sql } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { appendEvent, holdingTimeline, type TenantDb } from "../src/db/accounts";
import { accountEvents } from "../src/db/tenant-schema";
import { inTenant, newTeam, register, type Team } from "./support/work";

/** holdingTimeline: the timeline events of a batch written together at its end (src/db/accounts.ts). */

let team: Team;
let account = "";

beforeAll(async () => {
  team = await newTeam("Timeline Hold Co");
  account = await register(team.token, { client_name: "Held Events" });
});

function eventCount(db: TenantDb, title: string): number {
  return db.select({ n: sql<number>`count(*)` }).from(accountEvents).where(sql`${accountEvents.accountId} = ${account} AND ${accountEvents.title} LIKE ${`${title}%`}`).get()?.n ?? 0;
}

function append(db: TenantDb, title: string, second: number) {
  return appendEvent(db, account, "test", { event_type: "support", title, description: "held", occurred_at: new Date(Date.UTC(2026, 0, 1, 0, 0, second)).toISOString() });
}

describe("holdingTimeline", () => {
  it("writes the held events when the work ends, each once with its id and time; the work itself sees none", async () => {
    await inTenant(team.tenantId, (db) => {
      const seenInside: number[] = [];
      // 450 rows: more than one statement's worth (200), so the chunks must meet exactly.
      const returned = holdingTimeline(db, () => {
        const events = Array.from({ length: 450 }, (_, index) => append(db, `Batch ${index}`, index));
        seenInside.push(eventCount(db, "Batch "));
        return events;
      });
      expect(seenInside).toEqual([0]);
      expect(eventCount(db, "Batch ")).toBe(450);
      const stored = db.select().from(accountEvents).where(eq(accountEvents.accountId, account)).all().filter((row) => row.title.startsWith("Batch "));
      const byId = new Map(stored.map((row) => [row.id, row]));
      for (const event of returned) {
        expect(byId.get(event.event_id)).toMatchObject({ title: event.title, occurredAt: event.occurred_at, eventType: "support", actor: "test", metadata: "{}" });
      }
    });
  });

  it("writes nothing of work that throws, and lets go: later events are written at once", async () => {
    await inTenant(team.tenantId, (db) => {
      expect(() =>
        holdingTimeline(db, () => {
          append(db, "Thrown", 1);
          throw new Error("the batch failed");
        }),
      ).toThrow("the batch failed");
      expect(eventCount(db, "Thrown")).toBe(0);
      append(db, "After", 2);
      expect(eventCount(db, "After")).toBe(1);
    });
  });

  it("a hold inside a hold is the outer one: its events wait for the outer work's end", async () => {
    await inTenant(team.tenantId, (db) => {
      holdingTimeline(db, () => {
        holdingTimeline(db, () => append(db, "Nested", 3));
        expect(eventCount(db, "Nested")).toBe(0);
      });
      expect(eventCount(db, "Nested")).toBe(1);
    });
  });
});
