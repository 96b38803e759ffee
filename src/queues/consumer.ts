import { tenantStub } from "../../durable-objects/tenant";
import type { Env } from "../env";
import { openStoredConnection } from "../integrations/connections";
import { ProviderError } from "../integrations/http";
import { integrationFor } from "../integrations/registry";
import { retryDelaySeconds } from "./backoff";
import { integrationMessage, type DeliverMessage, type InboundMessage } from "./messages";

/**
 * The INTEGRATIONS queue's consumer. Each message is handled on its own and acked or retried
 * on its own, so one bad message never redelivers its neighbours:
 *   deliver  → claim the delivery from the Tenant object (a delivery already sent is acked
 *              without a call; the claim brings the sealed connection), open it, run the provider operation, record the outcome; 429 and 5xx
 *              retry after the provider's hint or a jittered backoff; other refusals are final.
 *   inbound  → the Tenant object applies verified webhook events, deduped on their ids, one call
 *              per tenant and provider in the batch.
 * After the last retry Cloudflare moves the message to the dead-letter queue, whose consumer
 * (handleDeadLetters) marks the delivery dead with the provider's last reason.
 */

export const INTEGRATIONS_QUEUE = "cs-integrations";
export const DEAD_LETTER_QUEUE = "cs-integrations-dlq";

function log(message: string, fields: Record<string, string | number>): void {
  console.log(JSON.stringify({ message, ...fields }));
}

async function deliver(body: DeliverMessage, attempts: number, env: Env): Promise<{ retryAfter: number } | null> {
  const tenant = tenantStub(env.TENANT, body.tenant);
  const claim = await tenant.claimDelivery(body.key);
  if (!claim || claim.state === "done") return null;
  const integration = integrationFor(claim.provider);
  const operation = integration?.operations[claim.operation];
  const stored = claim.connection;
  if (!integration || !operation || !stored) {
    const reason = !stored ? `${claim.provider} is no longer connected; reconnect it and retry the job.` : `Unknown operation ${claim.provider}.${claim.operation}.`;
    await tenant.finishDelivery(body.key, { status: "failed", error: reason });
    return null;
  }
  try {
    const connection = await openStoredConnection(env, body.tenant, stored);
    const result = await operation(connection, claim.payload, { tenantId: body.tenant, jobId: claim.jobId, idempotencyKey: body.key, attempt: claim.attempt });
    await tenant.finishDelivery(body.key, { status: "sent", providerRef: result.providerRef, detail: result.detail });
    return null;
  } catch (error) {
    if (error instanceof ProviderError && !error.retryable) {
      await tenant.finishDelivery(body.key, { status: "failed", error: error.message });
      return null;
    }
    // Retryable provider trouble, or our own unexpected failure: try again later.
    const message = error instanceof ProviderError ? error.message : "The delivery failed unexpectedly; it will be retried.";
    await tenant.finishDelivery(body.key, { status: "retrying", error: message });
    const hint = error instanceof ProviderError ? error.retryAfterSeconds : null;
    log("delivery will be retried", { tenant: body.tenant, key: body.key, attempt: attempts, status: error instanceof ProviderError ? error.status : -1 });
    return { retryAfter: retryDelaySeconds(attempts, hint) };
  }
}

/** A queued webhook delivery: the queue's message and its parsed body. */
interface InboundDelivery {
  message: Message<unknown>;
  body: InboundMessage;
}

async function applyInbound(group: InboundMessage[], env: Env): Promise<void> {
  const [first] = group;
  if (!first) return;
  const events = group.flatMap((body) => body.events);
  const outcome = await tenantStub(env.TENANT, first.tenant).applyInboundEvents(first.provider, events);
  if (!outcome.ok) throw new Error(`inbound events refused: ${outcome.code}`);
}

export async function handleIntegrationBatch(batch: MessageBatch<unknown>, env: Env): Promise<void> {
  // Webhook events of one tenant and provider are applied together: one Tenant object call and
  // one rescoring of the touched accounts per batch (or per MAX_EVENTS_PER_APPLY events),
  // instead of one per delivery.
  const inbound = new Map<string, InboundDelivery[]>();
  for (const message of batch.messages) {
    const parsed = integrationMessage.safeParse(message.body);
    if (!parsed.success) {
      // Retrying cannot fix a malformed message: drop it, loudly.
      log("malformed queue message dropped", { id: message.id });
      message.ack();
      continue;
    }
    const body = parsed.data;
    if (body.kind === "inbound") {
      const key = `${body.tenant}\n${body.provider}`;
      const group = inbound.get(key) ?? [];
      group.push({ message, body });
      inbound.set(key, group);
      continue;
    }
    try {
      const retry = await deliver(body, message.attempts, env);
      if (retry) message.retry({ delaySeconds: retry.retryAfter });
      else message.ack();
    } catch (error) {
      log("queue message failed; retrying", { id: message.id, kind: body.kind, error: error instanceof Error ? error.name : "unknown" });
      message.retry({ delaySeconds: retryDelaySeconds(message.attempts, null) });
    }
  }
  for (const group of inbound.values()) {
    for (const chunk of chunksOfEvents(group)) {
      try {
        await applyInbound(chunk.map((delivery) => delivery.body), env);
        for (const { message } of chunk) message.ack();
      } catch (error) {
        // The whole chunk rolled back together, so retrying all of it applies each event once.
        log("webhook events failed; retrying", { messages: chunk.length, error: error instanceof Error ? error.name : "unknown" });
        for (const { message } of chunk) message.retry({ delaySeconds: retryDelaySeconds(message.attempts, null) });
      }
    }
  }
}

/**
 * At most this many webhook events per Tenant object call. A full batch of SendGrid deliveries
 * holds 10,000 events; applied in one transaction it would hold the object (and, locally, the
 * whole runtime) that long while webhooks arriving meanwhile wait. Smaller runs cost more in
 * all: each rescores the accounts it touched (bench:webhooks measured 250 and 1,000 slower).
 */
export const MAX_EVENTS_PER_APPLY = 2_500;

/** Consecutive runs of deliveries whose events add up to at most MAX_EVENTS_PER_APPLY (a bigger one goes alone). */
export function* chunksOfEvents<Delivery extends { body: { events: readonly unknown[] } }>(deliveries: readonly Delivery[]): Generator<Delivery[]> {
  let chunk: Delivery[] = [];
  let events = 0;
  for (const delivery of deliveries) {
    const count = delivery.body.events.length;
    if (chunk.length > 0 && events + count > MAX_EVENTS_PER_APPLY) {
      yield chunk;
      chunk = [];
      events = 0;
    }
    chunk.push(delivery);
    events += count;
  }
  if (chunk.length > 0) yield chunk;
}

/** Messages whose retries ran out: the delivery shows as dead, with its last reason, until retried. */
export async function handleDeadLetters(batch: MessageBatch<unknown>, env: Env): Promise<void> {
  for (const message of batch.messages) {
    const parsed = integrationMessage.safeParse(message.body);
    if (parsed.success && parsed.data.kind === "deliver") {
      const body = parsed.data;
      await tenantStub(env.TENANT, body.tenant).markDeadDelivery(body.key);
    } else if (parsed.success) {
      log("webhook events dead-lettered", { tenant: parsed.data.tenant, provider: parsed.data.kind === "inbound" ? parsed.data.provider : "", events: parsed.data.kind === "inbound" ? parsed.data.events.length : 0 });
    }
    message.ack();
  }
}
