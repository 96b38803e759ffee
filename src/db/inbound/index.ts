import type { InboundEvent, ProviderName } from "../../integrations/provider";
import { AccountError, holdingTimeline, type TenantDb } from "../accounts";
import { intercomInbound } from "./intercom";
import { handleZendeskEvent, prepareZendeskBatch } from "./zendesk";
import { mixpanelInbound } from "./mixpanel";
import { handleSendgridEvent, prepareSendgridBatch } from "./sendgrid";
import { InboundBatch } from "./batch";

export { InboundBatch } from "./batch";

/**
 * What a verified webhook event does to tenant state, per provider. Handlers run inside the
 * Tenant object's transaction that also records the event's receipt, so an event has exactly
 * one effect; the accounts they return are rescored in the same transaction.
 */

export interface InboundEffect {
  /** Accounts whose facts changed (their health is recomputed). */
  accountIds: string[];
  /** What happened, in words, kept on the receipt: "opened ticket tkt_…", "ignored: no such account". */
  effect: string;
}

export type InboundHandler = (tx: TenantDb, event: InboundEvent, now: Date, batch: InboundBatch) => InboundEffect;

/** Reads, before a batch's events are applied, what they will look up, in a few set-based queries. */
export type InboundPreparer = (tx: TenantDb, events: readonly InboundEvent[], batch: InboundBatch) => void;

export const INBOUND_PREPARERS: Partial<Record<ProviderName, InboundPreparer>> = {
  sendgrid: prepareSendgridBatch,
  zendesk: prepareZendeskBatch,
};

export const INBOUND_HANDLERS: Partial<Record<ProviderName, InboundHandler>> = {
  intercom: intercomInbound,
  zendesk: handleZendeskEvent,
  mixpanel: mixpanelInbound,
  sendgrid: handleSendgridEvent,
};

/** One event of an applied batch and what it did. */
export interface AppliedEvent extends InboundEffect {
  event: InboundEvent;
}

/**
 * Applies a batch's events in order inside the caller's transaction: the provider's preparer
 * reads what they share, each handler applies one event (an AccountError refuses that event
 * alone; anything else rolls the batch back for a retry), and the timeline events they append
 * are written together at the end (holdingTimeline).
 */
export function applyInboundBatch(tx: TenantDb, provider: ProviderName, events: readonly InboundEvent[], now: Date): AppliedEvent[] {
  const handler = INBOUND_HANDLERS[provider];
  if (!handler) return events.map((event) => ({ event, accountIds: [], effect: `ignored: ${provider} events are not handled` }));
  const batch = new InboundBatch();
  INBOUND_PREPARERS[provider]?.(tx, events, batch);
  return holdingTimeline(tx, () =>
    events.map((event) => {
      try {
        return { event, ...handler(tx, event, now, batch) };
      } catch (error) {
        // Handlers refuse before they write.
        if (!(error instanceof AccountError)) throw error;
        return { event, accountIds: [], effect: `refused: ${error.message}` };
      }
    }),
  );
}
