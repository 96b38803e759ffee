import { z } from "zod";
import type { Json } from "../../db/accounts";
import { ProviderError } from "../http";
import type { ConnectionFields, OperationContext, OperationResult } from "../provider";
import { SendgridClient, type MailPersonalization, type MailSendBody } from "./client";
import { sendgridConnection, sendgridOrigin } from "./connection";

/**
 * The queue operations for SendGrid. `send_mail` is one POST /v3/mail/send for at most 1,000
 * recipients (one personalization each, so each can carry its own subject, text, template data
 * and custom_args naming its account and contact). Bigger sends are split by `splitSendMail`
 * when the job is created. SendGrid has no idempotency key: the consumer's delivery record is
 * what keeps a redelivered message from sending twice; the delivery key travels in custom_args
 * so the events that come back name the delivery.
 */

/** SendGrid's limit on personalizations (and recipients) in one request. */
export const MAX_RECIPIENTS_PER_REQUEST = 1_000;
/** The substitution tag a per-recipient body replaces in the content (legacy substitutions, not dynamic templates). */
export const BODY_TAG = "-cs_body-";
/** SendGrid's limit on the substitutions of one personalization. */
const SUBSTITUTION_LIMIT_BYTES = 10_000;
/** custom_args keys we set ourselves; a payload may not override them. */
export const RESERVED_CUSTOM_ARGS = ["tenant_id", "job_id", "delivery_key"] as const;

const address = z.object({
  email: z.email({ error: "email: is not an email address" }),
  name: z.string().max(100, { error: "name: at most 100 characters" }).optional(),
});

const customArgs = z.record(z.string().regex(/^[a-z][a-z0-9_]{0,49}$/, { error: "custom_args: keys are lowercase letters, digits and _" }), z.string().max(500));

export const recipientSchema = z.object({
  email: z.email({ error: "recipients[].email: is not an email address" }),
  name: z.string().max(100).optional(),
  /** Overrides the message subject for this recipient (rendered campaign subjects). */
  subject: z.string().min(1).max(998).optional(),
  /** This recipient's own plain-text body (rendered campaign bodies); replaces BODY_TAG. */
  body: z.string().optional(),
  dynamic_template_data: z.record(z.string(), z.json()).optional(),
  /** Echoed on every event about this recipient: account_id, contact_id, campaign_id… */
  custom_args: customArgs.optional(),
});

export const sendMailPayload = z
  .object({
    template_id: z.string().regex(/^d-[A-Za-z0-9]{8,64}$/, { error: "template_id: must be a dynamic template id (d- followed by its id, from Email API → Dynamic Templates)" }).optional(),
    subject: z.string().min(1).max(998).optional(),
    text: z.string().min(1).optional(),
    html: z.string().min(1).optional(),
    from: address.optional(),
    reply_to: address.optional(),
    categories: z.array(z.string().min(1).max(255)).max(10, { error: "categories: at most 10" }).optional(),
    custom_args: customArgs.optional(),
    recipients: z
      .array(recipientSchema)
      .min(1, { error: "recipients: give at least one" })
      .max(MAX_RECIPIENTS_PER_REQUEST, { error: `recipients: at most ${MAX_RECIPIENTS_PER_REQUEST} per request; split bigger sends with splitSendMail` }),
  })
  .superRefine((payload, ctx) => {
    const fail = (message: string) => ctx.addIssue({ code: "custom", message });
    const seen = new Set<string>();
    for (const [i, recipient] of payload.recipients.entries()) {
      const key = recipient.email.toLowerCase();
      if (seen.has(key)) fail(`recipients[${i}].email: ${recipient.email} appears twice; SendGrid takes each address once per request`);
      seen.add(key);
    }
    for (const key of RESERVED_CUSTOM_ARGS) {
      if (payload.custom_args && key in payload.custom_args) fail(`custom_args.${key}: is set by the integration; leave it out`);
    }
    const bodies = payload.recipients.filter((r) => r.body !== undefined).length;
    if (payload.template_id) {
      if (payload.text || payload.html || bodies > 0) fail("template_id: a dynamic template brings its own content; leave out text, html and recipients[].body");
      return;
    }
    if (payload.recipients.some((r) => r.dynamic_template_data)) fail("recipients[].dynamic_template_data: only with a template_id");
    if (!payload.subject && payload.recipients.some((r) => !r.subject)) fail("subject: required (for the message, or on every recipient) unless template_id is given");
    if (bodies > 0 && bodies < payload.recipients.length) fail("recipients[].body: give a body for every recipient or for none");
    if (bodies > 0 && (payload.text || payload.html)) fail("text: leave out text and html when every recipient has its own body");
    if (bodies === 0 && !payload.text && !payload.html) fail("text: give text or html (or a template_id, or a body per recipient)");
    for (const [i, recipient] of payload.recipients.entries()) {
      if (recipient.body !== undefined && new TextEncoder().encode(recipient.body).length > SUBSTITUTION_LIMIT_BYTES - 100) {
        fail(`recipients[${i}].body: longer than SendGrid takes per recipient (about 9,900 bytes); shorten it or use a dynamic template`);
      }
    }
  });

export type SendMailPayload = z.infer<typeof sendMailPayload>;

/**
 * Splits one logical send into request-sized payloads: each address once (case-insensitive,
 * the first occurrence wins), at most 1,000 recipients per payload. Answers the payloads and
 * how many duplicate addresses were dropped.
 */
export function splitSendMail(payload: Omit<SendMailPayload, "recipients"> & { recipients: SendMailPayload["recipients"] }): { payloads: SendMailPayload[]; duplicates: number } {
  const seen = new Set<string>();
  const unique: SendMailPayload["recipients"] = [];
  for (const recipient of payload.recipients) {
    const key = recipient.email.toLowerCase();
    if (seen.has(key)) continue;
    seen.add(key);
    unique.push(recipient);
  }
  const payloads: SendMailPayload[] = [];
  for (let i = 0; i < unique.length; i += MAX_RECIPIENTS_PER_REQUEST) {
    payloads.push({ ...payload, recipients: unique.slice(i, i + MAX_RECIPIENTS_PER_REQUEST) });
  }
  return { payloads, duplicates: payload.recipients.length - unique.length };
}

/** The POST /v3/mail/send body for one payload, with our custom_args and the connection's sender and sandbox mode. */
export function mailSendBody(connection: ConnectionFields, payload: SendMailPayload, context: OperationContext): MailSendBody {
  const opened = sendgridConnection(connection);
  const perRecipientBody = payload.recipients.some((r) => r.body !== undefined);
  const personalizations: MailPersonalization[] = payload.recipients.map((recipient) => {
    const personalization: MailPersonalization & { substitutions?: { [tag: string]: string } } = {
      to: [recipient.name ? { email: recipient.email, name: recipient.name } : { email: recipient.email }],
    };
    if (recipient.subject) personalization.subject = recipient.subject;
    if (recipient.dynamic_template_data) personalization.dynamic_template_data = recipient.dynamic_template_data;
    if (recipient.custom_args) personalization.custom_args = recipient.custom_args;
    if (recipient.body !== undefined) personalization.substitutions = { [BODY_TAG]: recipient.body };
    return personalization;
  });
  const from = payload.from ?? (opened.from_name ? { email: opened.from_email, name: opened.from_name } : { email: opened.from_email });
  const body: MailSendBody = {
    personalizations,
    from,
    custom_args: { ...payload.custom_args, tenant_id: context.tenantId, job_id: context.jobId, delivery_key: context.idempotencyKey },
    mail_settings: { sandbox_mode: { enable: opened.sandbox_mode } },
  };
  if (payload.reply_to) body.reply_to = payload.reply_to;
  if (payload.categories) body.categories = payload.categories;
  if (payload.template_id) {
    body.template_id = payload.template_id;
  } else {
    // The message subject is the fallback; a personalization's own subject wins.
    body.subject = payload.subject ?? payload.recipients[0]?.subject ?? "";
    body.content = perRecipientBody
      ? [{ type: "text/plain", value: BODY_TAG }]
      : [...(payload.text ? [{ type: "text/plain", value: payload.text }] : []), ...(payload.html ? [{ type: "text/html", value: payload.html }] : [])];
  }
  return body;
}

export async function sendMail(connection: ConnectionFields, payload: Json, context: OperationContext): Promise<OperationResult> {
  const parsed = sendMailPayload.safeParse(payload);
  if (!parsed.success) {
    throw new ProviderError(`send_mail payload refused before calling SendGrid: ${parsed.error.issues.map((issue) => issue.message).join("; ")}`, 400, false);
  }
  const opened = sendgridConnection(connection);
  const client = new SendgridClient(sendgridOrigin(opened), opened.api_key);
  const result = await client.sendMail(mailSendBody(connection, parsed.data, context));
  return {
    providerRef: result.messageId,
    detail: { recipients: parsed.data.recipients.length, sandbox: opened.sandbox_mode, status: result.status },
  };
}

export const operations = {
  send_mail: sendMail,
};
