import { inArray } from "drizzle-orm";
import type { Json, TenantDb } from "./accounts";
import { AccountError } from "./accounts";
import {
  ACCOUNT_TOKENS,
  accountTokens,
  checkTokens,
  CONTACT_TOKENS,
  renderTemplate,
  resolveRecipients,
  targetAccountIds,
  type CampaignTarget,
  type ContactRole,
} from "./communications";
import { accounts, contacts } from "./tenant-schema";

/**
 * Plans an Intercom message to the contacts of an account or a segment: who gets it (active
 * contacts with an email, once per address, optionally only some roles or named contacts), and
 * one queue delivery per recipient with the subject and body rendered from the same
 * `{{tokens}}` as email campaigns. Intercom has no idempotency key, so a delivery is a single
 * message: a retried delivery can only ever repeat that one recipient's call, and the consumer's
 * delivery record stops even that once it succeeded.
 */

export const MAX_INTERCOM_RECIPIENTS = 1_000;

export interface IntercomMessageInput {
  client_id?: string;
  segment_id?: string;
  contact_ids?: string[];
  roles?: ContactRole[];
  message_type: "inapp" | "email";
  subject?: string;
  body: string;
  template?: "plain" | "personal";
  from_admin_id?: string;
}

export interface IntercomMessagePlan {
  description: string;
  deliveries: { payload: Json; items: number }[];
  recipients: { contact_id: string; client_id: string; email: string; name: string }[];
  /** Tokens that had no value for some recipient (rendered empty). */
  missing_tokens: string[];
}

export function planIntercomMessage(db: TenantDb, input: IntercomMessageInput, now = new Date()): IntercomMessagePlan {
  if (Boolean(input.client_id) === Boolean(input.segment_id)) {
    throw new AccountError("invalid", "client_id / segment_id: give exactly one, the account or the segment whose contacts get the message.");
  }
  if (input.message_type === "email" && !input.subject) throw new AccountError("invalid", "subject: is required for an email message.");
  const available = [...ACCOUNT_TOKENS, ...CONTACT_TOKENS];
  checkTokens(input.subject ?? "", "subject", available);
  checkTokens(input.body, "body", available);

  const target: CampaignTarget = input.client_id ? { kind: "client_ids", client_ids: [input.client_id] } : { kind: "segment", segment_id: input.segment_id ?? "" };
  const accountIds = targetAccountIds(db, target, now);
  let recipients = resolveRecipients(db, accountIds, input.roles);
  if (input.contact_ids?.length) {
    const wanted = new Set(input.contact_ids);
    const outside = input.contact_ids.filter((id) => !recipients.some((recipient) => recipient.contactId === id));
    if (outside.length) {
      throw new AccountError(
        "not_found",
        `contact_ids: ${outside.slice(0, 5).join(", ")} is not an active contact with an email at the targeted ${input.client_id ? "account" : "segment"}${input.roles?.length ? " in those roles" : ""}.`,
      );
    }
    recipients = recipients.filter((recipient) => wanted.has(recipient.contactId));
  }
  if (!recipients.length) {
    throw new AccountError("invalid", `${input.client_id ? "client_id" : "segment_id"}: no active contact with an email to message; add contacts with an email first.`);
  }
  if (recipients.length > MAX_INTERCOM_RECIPIENTS) {
    throw new AccountError("invalid", `segment_id: ${recipients.length} recipients is more than ${MAX_INTERCOM_RECIPIENTS} in one send; narrow it with roles or a smaller segment.`);
  }

  const accountRows = new Map<string, typeof accounts.$inferSelect>();
  const ids = [...new Set(recipients.map((recipient) => recipient.accountId))];
  for (let i = 0; i < ids.length; i += 90) for (const row of db.select().from(accounts).where(inArray(accounts.id, ids.slice(i, i + 90))).all()) accountRows.set(row.id, row);
  const externalIds = new Map<string, string | null>();
  const contactIds = recipients.map((recipient) => recipient.contactId);
  for (let i = 0; i < contactIds.length; i += 90) {
    for (const row of db.select({ id: contacts.id, externalId: contacts.externalId }).from(contacts).where(inArray(contacts.id, contactIds.slice(i, i + 90))).all()) {
      externalIds.set(row.id, row.externalId);
    }
  }

  const missing = new Set<string>();
  const deliveries = recipients.map((recipient) => {
    const account = accountRows.get(recipient.accountId);
    const values = {
      ...(account ? accountTokens(account, now) : {}),
      contact_name: recipient.name,
      first_name: recipient.name.trim().split(/\s+/)[0] ?? recipient.name,
      contact_email: recipient.email,
      contact_title: recipient.title,
      contact_role: recipient.role,
    };
    const subject = input.subject === undefined ? undefined : renderTemplate(input.subject, values);
    const body = renderTemplate(input.body, values);
    for (const token of [...(subject?.missing ?? []), ...body.missing]) missing.add(token);
    const externalId = externalIds.get(recipient.contactId) ?? null;
    const payload: { [key: string]: Json } = {
      to: { email: recipient.email, name: recipient.name, ...(externalId ? { external_id: externalId } : {}) },
      message_type: input.message_type,
      body: body.text,
      template: input.template ?? "plain",
      // Not sent to Intercom: lets the job's deliveries be read back per account and contact.
      client_id: recipient.accountId,
      contact_id: recipient.contactId,
    };
    if (subject) payload.subject = subject.text;
    if (input.from_admin_id) payload.from_admin_id = input.from_admin_id;
    return { payload, items: 1 };
  });
  const where = input.client_id ? `account ${accountRows.get(input.client_id)?.name ?? input.client_id}` : `segment ${target.kind === "segment" ? (target.segment_name ?? input.segment_id) : ""}`;
  return {
    description: `Intercom ${input.message_type === "email" ? "email" : "in-app message"} to ${recipients.length} contact${recipients.length === 1 ? "" : "s"} of ${where}`,
    deliveries,
    recipients: recipients.map((recipient) => ({ contact_id: recipient.contactId, client_id: recipient.accountId, email: recipient.email, name: recipient.name })),
    missing_tokens: [...missing].sort(),
  };
}
