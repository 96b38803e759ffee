import { describe, expect, it } from "vitest";
import { sampleAccounts } from "../src/demo/sample-accounts";
import { sampleFacts } from "../src/demo/sample-facts";
import type { Account } from "../src/db/accounts";

/** The demo's sample data reads like a real book of business: nothing happens before it could. */

const DAY = 86_400_000;
const NOW = Date.parse("2026-11-23T06:00:00Z");

describe("demo samples", () => {
  const samples = sampleAccounts(100, NOW);

  it("opens a renewal conversation before the renewal date, saying how far off it was", () => {
    const renewals = samples.flatMap(({ account, events }) =>
      events.filter((event) => event.title === "Renewal conversation opened").map((event) => ({ account, event })),
    );
    expect(renewals.length).toBeGreaterThan(5);
    for (const { account, event } of renewals) {
      const at = Date.parse(event.occurred_at ?? "");
      // The renewal date is the contract's end (a date; the event has a time of day).
      const due = Date.parse(account.contract_end_date ?? "");
      expect(at).toBeLessThan(NOW);
      expect(at).toBeLessThan(due);
      const said = /^Renewal due in (\d+) days; proposal sent\.$/.exec(event.description ?? "");
      expect(Math.abs(Number(said?.[1]) - (due - at) / DAY)).toBeLessThan(1);
    }
  });

  it("has no usage before an account's contract starts, and a few days' ramp after it", () => {
    const accounts = samples.map(({ account }, index) => ({
      ...account,
      client_id: `cs_demo${index}`,
      renewal_date: account.contract_end_date,
      status: account.status ?? "active",
      lifecycle_stage: account.lifecycle_stage ?? "active",
    })) as unknown as Account[];
    const facts = sampleFacts(accounts, NOW);
    const firstUse = new Map<string, number>();
    for (const event of facts.usage) {
      const at = Date.parse(event.occurredAt);
      firstUse.set(event.accountRef, Math.min(firstUse.get(event.accountRef) ?? Infinity, at));
    }
    const young = accounts.filter((account) => Date.parse(account.contract_start_date ?? "") > NOW - 30 * DAY && firstUse.has(account.client_id));
    expect(young.length).toBeGreaterThan(0);
    for (const account of accounts) {
      const first = firstUse.get(account.client_id);
      if (first === undefined) continue;
      expect(first - Date.parse(account.contract_start_date ?? "")).toBeGreaterThanOrEqual(3 * DAY);
    }
  });
});
