import type { TenantApi, ToolCallRecord } from "../../durable-objects/tenant";

/**
 * Tool-call audit entries go to the Tenant object in batches. Under load many calls of one
 * tenant finish within the same few milliseconds, and one Tenant object call carrying all of
 * their entries costs far less than one call each (each is serialized, dispatched and
 * committed on its own).
 *
 * A batch belongs to the request that opened it: that request's timer sends it through that
 * request's own stub, and its waitUntil keeps it alive until the batch is stored. Later calls
 * only add their entries (plain data) to the open batch. Nothing else crosses requests: the
 * runtime refuses to let one request wait on another's promises or I/O.
 */

/** How long a batch waits for more entries before it is sent. */
export const AUDIT_BATCH_WINDOW_MS = 5;
/** A batch this full takes no more entries; the next call opens a new one. */
export const AUDIT_BATCH_LIMIT = 100;

const openBatchByTenant = new Map<string, ToolCallRecord[]>();

/**
 * Records one tool call's audit entry: in the tenant's open batch, or in a new batch that this
 * request sends after AUDIT_BATCH_WINDOW_MS (`defer` is the request's waitUntil).
 */
export function auditToolCall(tenantId: string, tenant: TenantApi, call: ToolCallRecord, defer: (work: Promise<unknown>) => void): void {
  const open = openBatchByTenant.get(tenantId);
  if (open) {
    open.push(call);
    if (open.length >= AUDIT_BATCH_LIMIT) openBatchByTenant.delete(tenantId);
    return;
  }
  const batch = [call];
  openBatchByTenant.set(tenantId, batch);
  defer(sendLater(tenantId, tenant, batch));
}

async function sendLater(tenantId: string, tenant: TenantApi, batch: ToolCallRecord[]): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, AUDIT_BATCH_WINDOW_MS));
  if (openBatchByTenant.get(tenantId) === batch) openBatchByTenant.delete(tenantId);
  try {
    await tenant.recordToolCalls(batch);
  } catch {
    // An audit entry that cannot be stored must not fail the tool calls it describes.
  }
}
