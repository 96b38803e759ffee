import type { TenantDb } from "./accounts";
import { refreshUsageFeatures } from "./health";

/**
 * Keeps account_features (the health engine's inputs) true to the facts. Every write path
 * that changes an account's facts (events, imports, tickets, feedback, invoices, touchpoints)
 * calls this for the accounts it touched, inside its own transaction.
 */
export function refreshAccountFeatures(db: TenantDb, accountIds: Iterable<string>, now = new Date()): void {
  const today = now.toISOString().slice(0, 10);
  for (const accountId of new Set(accountIds)) {
    refreshUsageFeatures(db, accountId, today, now);
  }
}
