import type { z } from "zod";
import type { Json } from "../db/accounts";

/**
 * What every provider integration supplies: the shape of its connection (settings shown back
 * as they are, secrets sealed and shown only as their last four characters), a cheap test of
 * the credentials, the outbound operations the queue consumer runs, and how its webhooks are
 * verified. Each provider lives in src/integrations/<provider>/ and is listed in registry.ts.
 */

export const PROVIDERS = ["zendesk", "intercom", "mixpanel", "sendgrid"] as const;
export type ProviderName = (typeof PROVIDERS)[number];

export function isProviderName(value: string): value is ProviderName {
  return (PROVIDERS as readonly string[]).includes(value);
}

/** A connection as stored: plain settings plus the opened secrets, merged into one object. */
export type ConnectionFields = { [field: string]: Json };

/** What an outbound operation gets besides the connection and its payload. */
export interface OperationContext {
  tenantId: string;
  jobId: string;
  /** Stable across redeliveries of the same message: pass it to providers that dedupe on it. */
  idempotencyKey: string;
  /** 1 on the first delivery. */
  attempt: number;
}

/** What an operation answers when the provider accepted the call. */
export interface OperationResult {
  /** The provider's id for what was created or sent (ticket id, X-Message-Id…). */
  providerRef: string | null;
  /** Small, secret-free facts worth keeping on the delivery (counts, ids). */
  detail: { [key: string]: Json };
}

export interface ConnectionTestResult {
  ok: boolean;
  /** In words a person can act on: the provider's own answer when it refused. */
  message: string;
  /** Who or what the credentials belong to, when the provider says (account name, user email). */
  identity: string | null;
}

/** One event out of a verified webhook delivery, normalized for the Tenant object. */
export interface InboundEvent {
  /** The provider's event id: deliveries are deduped on (provider, id). */
  id: string;
  /** The provider's event type, e.g. "zendesk:ticket.created", "delivered". */
  type: string;
  /** When it happened at the provider (ISO 8601). */
  occurredAt: string;
  data: { [key: string]: Json };
}

export type WebhookVerification =
  | { ok: true; events: InboundEvent[] }
  | { ok: false; status: 400 | 401 | 403 | 409; reason: string };

export interface WebhookRequest {
  headers: Headers;
  /** The raw body, read once and capped before this is called. */
  body: Uint8Array;
  now: Date;
}

export interface ProviderIntegration {
  name: ProviderName;
  title: string;
  /** Where in the provider's console the credentials are made. */
  consoleUrl: string;
  /** The whole connection (settings and secrets); parse errors name the field. */
  connectionSchema: z.ZodType<ConnectionFields>;
  /** Fields of the connection that are sealed and never returned. */
  secretFields: readonly string[];
  testConnection(connection: ConnectionFields): Promise<ConnectionTestResult>;
  /** Outbound operations by name; throw ProviderError (src/integrations/http.ts) on refusal. */
  operations: { [operation: string]: (connection: ConnectionFields, payload: Json, context: OperationContext) => Promise<OperationResult> };
  /** Verifies a webhook delivery and splits it into events; absent when the provider sends none. */
  verifyWebhook?: (connection: ConnectionFields, request: WebhookRequest) => Promise<WebhookVerification>;
}
