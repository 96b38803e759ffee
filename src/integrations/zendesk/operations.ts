import { z } from "zod";
import type { Json } from "../../db/accounts";
import { ProviderError } from "../http";
import type { ConnectionFields, OperationContext, OperationResult } from "../provider";
import { ZENDESK_PRIORITIES, ZENDESK_STATUSES, ZendeskClient, type ZendeskTicket } from "./client";
import { authorizationOf, baseUrlOf, readConnection } from "./connection";

/**
 * The queue operations for Zendesk: create_ticket (deduped by Zendesk on the delivery's
 * idempotency key), update_ticket, add_comment (public reply or internal note) and
 * upsert_user. Payloads are validated here, at send time, so a bad payload fails for good
 * (non-retryable) with a message that names the field.
 */

const ticketId = z.number({ error: "ticket_id: expected the Zendesk ticket number, e.g. 123." }).int().positive();
const ticketType = z.enum(["problem", "incident", "question", "task"], { error: "type: use problem, incident, question or task." });
const priority = z.enum(ZENDESK_PRIORITIES, { error: `priority: use ${ZENDESK_PRIORITIES.join(", ")}.` });
const status = z.enum(ZENDESK_STATUSES, { error: `status: use ${ZENDESK_STATUSES.join(", ")}.` });
const tags = z.array(z.string().min(1).max(80)).max(50, { error: "tags: at most 50 tags." });

export const createTicketPayload = z.object({
  subject: z.string({ error: "subject: required, the ticket's title." }).trim().min(1, { error: "subject: required, the ticket's title." }).max(250),
  body: z.string({ error: "body: required, the first comment of the ticket." }).min(1, { error: "body: required, the first comment of the ticket." }).max(65_000),
  public: z.boolean().default(true),
  priority: priority.optional(),
  status: status.optional(),
  type: ticketType.optional(),
  requester_email: z.email({ error: "requester_email: expected the requester's email address." }).optional(),
  requester_name: z.string().min(1).max(255).optional(),
  organization_id: z.number().int().positive().optional(),
  external_id: z.string().min(1).max(255).optional(),
  tags: tags.optional(),
});

export const updateTicketPayload = z
  .object({
    ticket_id: ticketId,
    subject: z.string().trim().min(1).max(250).optional(),
    status: status.optional(),
    priority: priority.optional(),
    type: ticketType.optional(),
    assignee_id: z.number().int().positive().nullable().optional(),
    tags: tags.optional(),
  })
  .refine((value) => Object.keys(value).some((key) => key !== "ticket_id"), { error: "update_ticket: give at least one of subject, status, priority, type, assignee_id, tags." });

export const addCommentPayload = z.object({
  ticket_id: ticketId,
  body: z.string({ error: "body: required, the comment text." }).min(1, { error: "body: required, the comment text." }).max(65_000),
  public: z.boolean({ error: "public: true for a reply the requester sees, false for an internal note." }),
  author_id: z.number().int().positive().optional(),
});

export const upsertUserPayload = z.object({
  email: z.email({ error: "email: expected the user's email address (Zendesk matches users on it)." }),
  name: z.string({ error: "name: required, the user's full name." }).trim().min(1, { error: "name: required, the user's full name." }).max(255),
  external_id: z.string().min(1).max(255).optional(),
  organization_id: z.number().int().positive().optional(),
  phone: z.string().max(50).optional(),
  role: z.enum(["end-user", "agent", "admin"]).optional(),
});

function payloadOf<T>(schema: z.ZodType<T>, payload: Json, operation: string): T {
  const result = schema.safeParse(payload);
  if (!result.success) {
    const message = result.error.issues.map((issue) => (issue.message.includes(":") ? issue.message : `${issue.path.join(".") || "payload"}: ${issue.message}`)).join(" ");
    throw new ProviderError(`Zendesk ${operation}: the payload is not valid: ${message}`, 0, false);
  }
  return result.data;
}

export function clientOf(connection: ConnectionFields, options: { timeoutMs?: number } = {}): ZendeskClient {
  const parsed = readConnection(connection);
  return new ZendeskClient(baseUrlOf(parsed), authorizationOf(parsed), options);
}

function ticketDetail(ticket: ZendeskTicket): { [key: string]: Json } {
  return { ticket_id: ticket.id, status: ticket.status, priority: ticket.priority ?? null };
}

export const operations = {
  async create_ticket(connection: ConnectionFields, payload: Json, context: OperationContext): Promise<OperationResult> {
    const input = payloadOf(createTicketPayload, payload, "create_ticket");
    const { ticket, replayed } = await clientOf(connection).createTicket(
      {
        subject: input.subject,
        comment: { body: input.body, public: input.public },
        ...(input.priority ? { priority: input.priority } : {}),
        ...(input.status ? { status: input.status } : {}),
        ...(input.type ? { type: input.type } : {}),
        ...(input.requester_email ? { requester: { email: input.requester_email, ...(input.requester_name ? { name: input.requester_name } : {}) } } : {}),
        ...(input.organization_id ? { organization_id: input.organization_id } : {}),
        ...(input.external_id ? { external_id: input.external_id } : {}),
        ...(input.tags ? { tags: input.tags } : {}),
      },
      context.idempotencyKey,
    );
    return { providerRef: String(ticket.id), detail: { ...ticketDetail(ticket), idempotent_replay: replayed } };
  },

  async update_ticket(connection: ConnectionFields, payload: Json): Promise<OperationResult> {
    const { ticket_id, ...changes } = payloadOf(updateTicketPayload, payload, "update_ticket");
    const ticket = await clientOf(connection).updateTicket(ticket_id, changes);
    return { providerRef: String(ticket.id), detail: ticketDetail(ticket) };
  },

  async add_comment(connection: ConnectionFields, payload: Json): Promise<OperationResult> {
    const input = payloadOf(addCommentPayload, payload, "add_comment");
    const ticket = await clientOf(connection).addComment(input.ticket_id, { body: input.body, public: input.public, ...(input.author_id ? { author_id: input.author_id } : {}) });
    return { providerRef: String(ticket.id), detail: { ...ticketDetail(ticket), public: input.public } };
  },

  async upsert_user(connection: ConnectionFields, payload: Json): Promise<OperationResult> {
    const input = payloadOf(upsertUserPayload, payload, "upsert_user");
    const { user, created } = await clientOf(connection).createOrUpdateUser(input);
    return { providerRef: user.id === null ? null : String(user.id), detail: { user_id: user.id, created } };
  },
} satisfies Record<string, (connection: ConnectionFields, payload: Json, context: OperationContext) => Promise<OperationResult>>;
