import type { TenantApi, ToolCallRecord } from "../../durable-objects/tenant";

/**
 * Tool-call audit entries go to the Tenant object in batches. Under load many calls of one
 * tenant finish within the same few milliseconds, and one Tenant object call carrying all of
 * their entries costs far less than one call each (a call is serialized, dispatched and
 * committed on its own). Every request that adds an entry keeps the batch's promise alive with
 * its waitUntil, so no entry is dropped once the answers have gone; the batch is sent by the
 * first request's own timer, through that request's own stub.
 */

/** How long a batch waits for more entries before it is sent. */
export const AUDIT_BATCH_WINDOW_MS = 5;
/** A batch this full is sent at once. */
export const AUDIT_BATCH_LIMIT = 100;

interface PendingBatch {
  calls: ToolCallRecord[];
  sent: Promise<void>;
  send: () => void;
}

const pendingByTenant = new Map<string, PendingBatch>();

/** Adds one tool call's audit entry to its tenant's batch; the promise settles once the batch is stored (or failed). */
export function auditToolCall(tenantId: string, tenant: TenantApi, call: ToolCallRecord): Promise<void> {
  let batch = pendingByTenant.get(tenantId);
  if (!batch) batch = openBatch(tenantId, tenant);
  batch.calls.push(call);
  if (batch.calls.length >= AUDIT_BATCH_LIMIT) batch.send();
  return batch.sent;
}

function openBatch(tenantId: string, tenant: TenantApi): PendingBatch {
  let release: () => void = () => undefined;
  const ready = new Promise<void>((resolve) => {
    release = resolve;
  });
  const timer = setTimeout(() => batch.send(), AUDIT_BATCH_WINDOW_MS);
  const batch: PendingBatch = {
    calls: [],
    sent: ready.then(async () => {
      // An audit entry that cannot be stored must not fail the tool call it describes.
      await tenant.recordToolCalls(batch.calls).catch(() => undefined);
    }),
    send: () => {
      clearTimeout(timer);
      if (pendingByTenant.get(tenantId) === batch) pendingByTenant.delete(tenantId);
      release();
    },
  };
  pendingByTenant.set(tenantId, batch);
  return batch;
}
