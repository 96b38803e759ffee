import { z } from "zod";
import type { Json } from "../db/accounts";
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

/**
 * An event's data is checked to be an object, not walked value by value: a message travels as
 * JSON (contentType "json"), so every value in it is JSON, and walking 100 events of 50 fields
 * on every batch cost more than applying them.
 */
const eventData = z.custom<{ [key: string]: Json }>((value) => typeof value === "object" && value !== null && !Array.isArray(value), { message: "must be an object" });

export const inboundMessage = z.object({
  kind: z.literal("inbound"),
  tenant: z.string().min(1),
  provider: z.enum(PROVIDERS),
  events: z.array(z.object({ id: z.string().min(1), type: z.string(), occurredAt: z.string(), data: eventData })),
});

export const integrationMessage = z.discriminatedUnion("kind", [deliverMessage, inboundMessage]);

export type DeliverMessage = z.infer<typeof deliverMessage>;
export type InboundMessage = z.infer<typeof inboundMessage>;
export type IntegrationMessage = z.infer<typeof integrationMessage>;

/** Queue messages may be 128 KB; stay well under it once the envelope is added. */
export const MESSAGE_BYTES_LIMIT = 100_000;

/** A message with its size as JSON, measured once. */
export interface SizedMessage {
  body: IntegrationMessage;
  bytes: number;
}

export function sized(body: IntegrationMessage): SizedMessage {
  return { body, bytes: JSON.stringify(body).length };
}

/** The envelope around a message's events, as JSON, with room for its punctuation. */
const ENVELOPE_BYTES = 100;

/** Splits inbound events into messages under the size limit, keeping each event whole. */
export function inboundMessages(tenant: string, provider: InboundMessage["provider"], events: InboundMessage["events"]): SizedMessage[] {
  const messages: SizedMessage[] = [];
  const envelope = ENVELOPE_BYTES + tenant.length + provider.length;
  let current: InboundMessage["events"] = [];
  let size = envelope;
  for (const event of events) {
    // The event's JSON and the comma after it.
    const eventSize = JSON.stringify(event).length + 1;
    if (current.length > 0 && size + eventSize > MESSAGE_BYTES_LIMIT) {
      messages.push({ body: { kind: "inbound", tenant, provider, events: current }, bytes: size });
      current = [];
      size = envelope;
    }
    current.push(event);
    size += eventSize;
  }
  if (current.length > 0) messages.push({ body: { kind: "inbound", tenant, provider, events: current }, bytes: size });
  return messages;
}

/** sendBatch takes at most 100 messages and 256 KB: send in slices that respect both. */
export async function sendAll(queue: Queue<unknown>, messages: readonly SizedMessage[]): Promise<void> {
  let batch: MessageSendRequest<unknown>[] = [];
  let size = 0;
  for (const { body, bytes } of messages) {
    if (batch.length === 100 || (batch.length > 0 && size + bytes > 200_000)) {
      await queue.sendBatch(batch);
      batch = [];
      size = 0;
    }
    batch.push({ body, contentType: "json" });
    size += bytes;
  }
  if (batch.length > 0) await queue.sendBatch(batch);
}
