import { z } from "zod";
import type { Json } from "../../db/accounts";
import { ProviderError } from "../http";
import type { ConnectionFields, OperationResult } from "../provider";
import { IntercomClient, type IntercomContact } from "./client";
import { intercomBaseUrl, readConnection, type IntercomConnection } from "./connection";

/**
 * The queued Intercom operations. Each validates its payload (a refusal no retry fixes is a
 * non-retryable ProviderError whose message names the field), opens a client on the
 * connection's pinned host and makes the calls. Intercom has no idempotency key, so a
 * delivery is one message or one note; the consumer's delivery record keeps a redelivered
 * message that already succeeded from running again.
 */

/** Who an operation is about: an Intercom contact id, or our keys to find (or create) one by. */
export const contactRef = z
  .object({
    intercom_id: z.string().trim().min(1).max(100).optional(),
    external_id: z.string().trim().min(1).max(255).optional(),
    email: z.email({ error: "email must be an email address" }).max(320).optional(),
    name: z.string().trim().min(1).max(255).optional(),
  })
  .refine((ref) => ref.intercom_id || ref.external_id || ref.email, {
    error: "contact needs intercom_id, external_id or email to find the Intercom contact",
  });
export type ContactRef = z.infer<typeof contactRef>;

const attributes = z.record(z.string().min(1).max(190), z.union([z.string().max(1_000), z.number(), z.boolean(), z.null()]));

export const upsertContactPayload = z.object({
  contact: contactRef,
  role: z.enum(["user", "lead"], { error: "role must be user or lead" }).default("user"),
  custom_attributes: attributes.optional(),
});

export const sendMessagePayload = z
  .object({
    to: contactRef,
    message_type: z.enum(["inapp", "email"], { error: "message_type must be inapp or email" }),
    subject: z.string().trim().min(1).max(255).optional(),
    body: z.string().trim().min(1, "body is required: the text (or HTML) of the message").max(50_000),
    template: z.enum(["plain", "personal"], { error: "template must be plain or personal" }).default("plain"),
    from_admin_id: z.string().regex(/^\d{1,20}$/, "from_admin_id must be the numeric id of an Intercom admin").optional(),
  })
  .refine((message) => message.message_type !== "email" || message.subject, { error: "subject is required for an email message", path: ["subject"] });

export const addNotePayload = z.object({
  contact: contactRef,
  body: z.string().trim().min(1, "body is required: the text of the note").max(50_000),
  admin_id: z.string().regex(/^\d{1,20}$/, "admin_id must be the numeric id of an Intercom admin").optional(),
});

export const trackEventPayload = z.object({
  contact: contactRef,
  event_name: z
    .string()
    .trim()
    .min(1, "event_name is required")
    .max(255)
    .regex(/^[^\s].*$/, "event_name may not start with a space"),
  occurred_at: z.iso.datetime({ offset: true, error: "occurred_at must be a date-time with a zone, e.g. 2026-11-20T15:00:00Z" }).optional(),
  metadata: z
    .record(z.string().min(1).max(190), z.union([z.string().max(1_000), z.number(), z.boolean()]))
    .refine((metadata) => Object.keys(metadata).length <= 10, { error: "metadata has at most 10 keys (Intercom's limit per event)" })
    .optional(),
});

export const tagContactPayload = z.object({
  contact: contactRef,
  tag: z.string().trim().min(1, "tag is required: the tag's name").max(190),
});

function parse<T>(schema: z.ZodType<T>, payload: Json, operation: string): T {
  const parsed = schema.safeParse(payload);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const field = issue?.path.length ? `${issue.path.join(".")}: ` : "";
  throw new ProviderError(`${operation} payload: ${field}${issue?.message ?? "invalid"}`, 0, false);
}

function clientFor(connection: IntercomConnection): IntercomClient {
  return new IntercomClient(intercomBaseUrl(connection.region), connection.access_token);
}

/** Intercom's 409 names the contact that already exists: "... already exists with id=6578…". */
function conflictId(error: ProviderError): string | null {
  return /id=([A-Za-z0-9]+)/.exec(error.message)?.[1] ?? null;
}

interface Upserted {
  contact: IntercomContact;
  action: "found" | "updated" | "created" | "refetched";
}

/**
 * Finds the contact (by Intercom id, then external_id, then email), fills in what we know that
 * Intercom lacks, or creates it. A 409 on create means someone created it meanwhile (or a
 * redelivery already did): fetch that one instead.
 */
export async function upsertContact(
  client: IntercomClient,
  ref: ContactRef,
  options: { role?: "user" | "lead"; custom_attributes?: Record<string, string | number | boolean | null> } = {},
): Promise<Upserted> {
  let existing: IntercomContact | null = null;
  if (ref.intercom_id) {
    try {
      existing = await client.getContact(ref.intercom_id);
    } catch (error) {
      if (!(error instanceof ProviderError) || error.status !== 404) throw error;
      if (!ref.external_id && !ref.email) throw new ProviderError(`Intercom has no contact ${ref.intercom_id}; check contact.intercom_id.`, 404, false);
    }
  }
  existing ??= await client.findContact({ external_id: ref.external_id, email: ref.email });
  if (existing) {
    const changes: { external_id?: string; email?: string; name?: string; custom_attributes?: Record<string, string | number | boolean | null> } = {};
    if (ref.external_id && !existing.external_id) changes.external_id = ref.external_id;
    if (ref.email && !existing.email) changes.email = ref.email;
    if (ref.name && existing.name !== ref.name) changes.name = ref.name;
    if (options.custom_attributes && Object.keys(options.custom_attributes).length) changes.custom_attributes = options.custom_attributes;
    if (!Object.keys(changes).length) return { contact: existing, action: "found" };
    return { contact: await client.updateContact(existing.id, changes), action: "updated" };
  }
  try {
    const created = await client.createContact({
      role: options.role ?? "user",
      ...(ref.external_id ? { external_id: ref.external_id } : {}),
      ...(ref.email ? { email: ref.email } : {}),
      ...(ref.name ? { name: ref.name } : {}),
      ...(options.custom_attributes ? { custom_attributes: options.custom_attributes } : {}),
    });
    return { contact: created, action: "created" };
  } catch (error) {
    if (!(error instanceof ProviderError) || error.status !== 409) throw error;
    const id = conflictId(error);
    const refetched = id ? await client.getContact(id) : await client.findContact({ external_id: ref.external_id, email: ref.email });
    if (!refetched) throw new ProviderError("Intercom said the contact already exists but it could not be found; try again later.", 409, true);
    return { contact: refetched, action: "refetched" };
  }
}

function adminFor(connection: IntercomConnection, given: string | undefined, field: string): string {
  const admin = given ?? connection.admin_id;
  if (!admin) throw new ProviderError(`${field}: no Intercom admin to send as; pass ${field} or set admin_id on the Intercom connection.`, 0, false);
  return admin;
}

export const operations = {
  async upsert_contact(fields: ConnectionFields, payload: Json): Promise<OperationResult> {
    const input = parse(upsertContactPayload, payload, "upsert_contact");
    const client = clientFor(readConnection(fields));
    const { contact, action } = await upsertContact(client, input.contact, { role: input.role, custom_attributes: input.custom_attributes });
    return { providerRef: contact.id, detail: { action, role: contact.role } };
  },

  async send_message(fields: ConnectionFields, payload: Json): Promise<OperationResult> {
    const input = parse(sendMessagePayload, payload, "send_message");
    const connection = readConnection(fields);
    const from = adminFor(connection, input.from_admin_id, "from_admin_id");
    const client = clientFor(connection);
    const { contact, action } = await upsertContact(client, input.to);
    const sent = await client.sendMessage({
      message_type: input.message_type,
      subject: input.subject,
      body: input.body,
      template: input.template,
      from_admin_id: from,
      to: { type: contact.role, id: contact.id },
    });
    return { providerRef: sent.id, detail: { contact_id: contact.id, contact: action, message_type: sent.message_type, conversation_id: sent.conversation_id } };
  },

  async add_note(fields: ConnectionFields, payload: Json): Promise<OperationResult> {
    const input = parse(addNotePayload, payload, "add_note");
    const connection = readConnection(fields);
    const admin = adminFor(connection, input.admin_id, "admin_id");
    const client = clientFor(connection);
    const { contact } = await upsertContact(client, input.contact);
    const note = await client.addNote(contact.id, input.body, admin);
    return { providerRef: note.id, detail: { contact_id: contact.id } };
  },

  async track_event(fields: ConnectionFields, payload: Json): Promise<OperationResult> {
    const input = parse(trackEventPayload, payload, "track_event");
    const client = clientFor(readConnection(fields));
    const { contact } = await upsertContact(client, input.contact);
    // Whoever creates the job should set occurred_at, so a redelivery records the same event time.
    const createdAt = Math.floor(Date.parse(input.occurred_at ?? new Date().toISOString()) / 1000);
    await client.trackEvent({
      event_name: input.event_name,
      created_at: createdAt,
      id: contact.id,
      ...(input.metadata ? { metadata: input.metadata } : {}),
    });
    return { providerRef: null, detail: { contact_id: contact.id, event_name: input.event_name, created_at: createdAt } };
  },

  async tag_contact(fields: ConnectionFields, payload: Json): Promise<OperationResult> {
    const input = parse(tagContactPayload, payload, "tag_contact");
    const client = clientFor(readConnection(fields));
    const { contact } = await upsertContact(client, input.contact);
    const tag = await client.upsertTag(input.tag);
    await client.tagContact(contact.id, tag.id);
    return { providerRef: tag.id, detail: { contact_id: contact.id, tag: tag.name } };
  },
};
