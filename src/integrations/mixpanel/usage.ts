import { pulledUsageEvents } from "../../db/mixpanel";
import type { IncomingUsageEvent } from "../../db/usage-events";
import type { MixpanelClient } from "./client";

/**
 * Pulling an account's usage from Mixpanel's query API: one segmentation query per event
 * name (each costs one of the tenant's 60 queries an hour), filtered on the account property
 * our export writes (account_id: the account's external_id, else its client_id) and segmented
 * by distinct_id, turned into our usage events (src/db/mixpanel.ts pulledUsageEvents).
 */

export const MAX_PULLED_EVENTS = 20_000;

export interface UsagePull {
  projectId: string;
  /** What Mixpanel events carry as the account: external_id, else client_id. */
  accountRef: string;
  /** The Mixpanel property holding the account reference. */
  accountProperty: string;
  events: readonly string[];
  from: string;
  to: string;
}

/** A value safe inside a Mixpanel expression string literal (no quotes or backslashes). */
function literal(value: string, field: string): string {
  if (/["\\]/.test(value)) throw new Error(`${field} may not contain quotes or backslashes in a Mixpanel filter.`);
  return value;
}

export async function pullAccountUsage(client: MixpanelClient, pull: UsagePull): Promise<{ events: IncomingUsageEvent[]; queries: number; truncated: boolean }> {
  const where = `properties["${literal(pull.accountProperty, "account_property")}"] == "${literal(pull.accountRef, "the account's external_id")}"`;
  const events: IncomingUsageEvent[] = [];
  let queries = 0;
  let truncated = false;
  for (const name of pull.events) {
    const result = await client.segmentation({ event: name, from_date: pull.from, to_date: pull.to, where, on: 'properties["distinct_id"]' });
    queries++;
    const converted = pulledUsageEvents({ projectId: pull.projectId, accountRef: pull.accountRef, event: name, values: result.values }, MAX_PULLED_EVENTS - events.length);
    for (const event of converted.events) events.push({ ...event, index: events.length });
    if (converted.truncated) {
      truncated = true;
      break;
    }
  }
  return { events, queries, truncated };
}
