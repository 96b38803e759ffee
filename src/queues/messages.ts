import { z } from "zod";
import { jsonValue } from "../db/json-value";
import { PROVIDERS } from "../integrations/provider";

/**
 * What travels on the INTEGRATIONS queue. Messages stay small: an outbound delivery carries
 * only its key (the payload waits in the Tenant object, which also makes a redelivery of a
 * sent message a no-op); inbound webhook events carry the verified events themselves.
 */


export const deliverMessage = z.object({
  kind: z.literal("deliver"),
  tenant: z.string().min(1),
  key: z.string().min(1),
});

export const inboundMessage = z.object({
  kind: z.literal("inbound"),
  tenant: z.string().min(1),
  provider: z.enum(PROVIDERS),
  events: z.array(z.object({ id: z.string().min(1), type: z.string(), occurredAt: z.string(), data: z.record(z.string(), jsonValue) })),
});

export const integrationMessage = z.discriminatedUnion("kind", [deliverMessage, inboundMessage]);

export type DeliverMessage = z.infer<typeof deliverMessage>;
export type InboundMessage = z.infer<typeof inboundMessage>;
export type IntegrationMessage = z.infer<typeof integrationMessage>;

/** Queue messages may be 128 KB; stay well under it once the envelope is added. */
export const MESSAGE_BYTES_LIMIT = 100_000;

/** Splits inbound events into messages under the size limit, keeping each event whole. */
export function inboundMessages(tenant: string, provider: InboundMessage["provider"], events: InboundMessage["events"]): InboundMessage[] {
  const messages: InboundMessage[] = [];
  let current: InboundMessage["events"] = [];
  let size = 0;
  for (const event of events) {
    const eventSize = JSON.stringify(event).length;
    if (current.length > 0 && size + eventSize > MESSAGE_BYTES_LIMIT) {
      messages.push({ kind: "inbound", tenant, provider, events: current });
      current = [];
      size = 0;
    }
    current.push(event);
    size += eventSize;
  }
  if (current.length > 0) messages.push({ kind: "inbound", tenant, provider, events: current });
  return messages;
}

/** sendBatch takes at most 100 messages and 256 KB: send in slices that respect both. */
export async function sendAll(queue: Queue<unknown>, bodies: readonly IntegrationMessage[]): Promise<void> {
  let batch: MessageSendRequest<unknown>[] = [];
  let size = 0;
  for (const body of bodies) {
    const bodySize = JSON.stringify(body).length;
    if (batch.length === 100 || (batch.length > 0 && size + bodySize > 200_000)) {
      await queue.sendBatch(batch);
      batch = [];
      size = 0;
    }
    batch.push({ body, contentType: "json" });
    size += bodySize;
  }
  if (batch.length > 0) await queue.sendBatch(batch);
}
