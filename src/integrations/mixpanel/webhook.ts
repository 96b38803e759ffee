import { timingSafeEqual } from "../../auth/passwords";
import type { Json } from "../../db/accounts";
import type { ConnectionFields, InboundEvent, WebhookRequest, WebhookVerification } from "../provider";
import { basicCredentials } from "../../http/basic-auth";
import { encodeHex } from "../../http/hex";
import { mixpanelConnection } from "./connection";

/**
 * Mixpanel cohort sync posts to our webhook with HTTP Basic auth using the credentials this
 * tenant's connection holds (we generated them, or the admin chose them). Mixpanel signs
 * nothing and sends no timestamp, so a replay is made harmless by the dedupe id: cohort,
 * action, session and page. One delivery is one event (a page of one cohort's members), or a
 * few when the page is too big for one queue message (ids then end in .<part>).
 */

export const MIXPANEL_ACTIONS = ["members", "add_members", "remove_members"] as const;
export type MixpanelAction = (typeof MIXPANEL_ACTIONS)[number];

/** One cohort member as we keep it: only what identifies the person. */
export interface CohortMember {
  distinct_id: string | null;
  email: string | null;
}

async function sha256(bytes: Uint8Array): Promise<Uint8Array> {
  // A copy: digest wants an ArrayBuffer-backed view, and the body's type allows shared ones.
  return new Uint8Array(await crypto.subtle.digest("SHA-256", new Uint8Array(bytes)));
}

/** Constant-time equality of two strings: both are hashed first, so lengths leak nothing. */
export async function sameSecret(given: string, expected: string): Promise<boolean> {
  const encoder = new TextEncoder();
  const [a, b] = await Promise.all([sha256(encoder.encode(given)), sha256(encoder.encode(expected))]);
  return timingSafeEqual(a, b);
}

/** user and password out of "Basic <base64>", or why not. */
function webhookCredentials(header: string | null): { user: string; password: string } | { problem: string } {
  if (!header) return { problem: "the Authorization header is missing: set Basic authentication on the Mixpanel webhook connection" };
  const credentials = basicCredentials(header);
  if ("problem" in credentials) return { problem: `the Authorization header ${credentials.problem}` };
  if (credentials.password === null) return { problem: "the Authorization header's Basic credentials hold no username:password pair" };
  return { user: credentials.user, password: credentials.password };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function text(value: unknown): string | null {
  if (typeof value === "string" && value.trim()) return value.trim();
  if (typeof value === "number" && Number.isFinite(value)) return String(value);
  return null;
}

export async function verifyMixpanelWebhook(connection: ConnectionFields, request: WebhookRequest): Promise<WebhookVerification> {
  const fields = mixpanelConnection(connection);
  const credentials = webhookCredentials(request.headers.get("authorization"));
  if ("problem" in credentials) return { ok: false, status: 401, reason: credentials.problem };
  // Both compared, always, so timing says nothing about which one was wrong.
  const [userOk, passwordOk] = await Promise.all([sameSecret(credentials.user, fields.webhook_username), sameSecret(credentials.password, fields.webhook_password)]);
  if (!userOk || !passwordOk) return { ok: false, status: 401, reason: "the Authorization header's Basic credentials do not match this workspace's Mixpanel webhook username and password" };

  let body: unknown;
  try {
    body = JSON.parse(new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(request.body));
  } catch {
    return { ok: false, status: 400, reason: "the body is not JSON; Mixpanel cohort sync posts a JSON object" };
  }
  if (!isObject(body)) return { ok: false, status: 400, reason: "the body must be a JSON object with action and parameters" };
  const action = body.action;
  if (typeof action !== "string" || !(MIXPANEL_ACTIONS as readonly string[]).includes(action)) {
    return { ok: false, status: 400, reason: `action must be one of ${MIXPANEL_ACTIONS.join(", ")}` };
  }
  const parameters = body.parameters;
  if (!isObject(parameters)) return { ok: false, status: 400, reason: "parameters is required: an object with mixpanel_cohort_id and members" };
  const cohortId = text(parameters.mixpanel_cohort_id);
  if (!cohortId) return { ok: false, status: 400, reason: "parameters.mixpanel_cohort_id is required" };
  if (!Array.isArray(parameters.members)) return { ok: false, status: 400, reason: "parameters.members must be a list of members" };

  const members: CohortMember[] = [];
  for (const raw of parameters.members) {
    if (!isObject(raw)) continue;
    const member = { distinct_id: text(raw.mixpanel_distinct_id), email: text(raw.email)?.toLowerCase() ?? null };
    if (member.distinct_id || member.email) members.push(member);
  }
  const pageInfo = isObject(parameters.page_info) ? parameters.page_info : {};
  const page = text(pageInfo.page_count) ?? "0";
  const totalPages = text(pageInfo.total_pages);
  // Without a session the exact body identifies the delivery, so a redelivery still dedupes.
  const session = text(parameters.mixpanel_session_id) ?? `body-${encodeHex(await sha256(request.body)).slice(0, 32)}`;

  const base = {
    action,
    cohort_id: cohortId,
    cohort_name: text(parameters.mixpanel_cohort_name) ?? `cohort ${cohortId}`,
    project_id: text(parameters.mixpanel_project_id),
    session_id: session,
    page: Number(page),
    total_pages: totalPages === null ? null : Number(totalPages),
  };
  // A queue message holds about 100 KB: a big page becomes several parts, each one event.
  const parts = splitMembers(members, PART_BYTES);
  const events = parts.map((part, index): InboundEvent => {
    const data: { [key: string]: Json } = { ...base, part: index, parts: parts.length, members: part.map((member) => ({ distinct_id: member.distinct_id, email: member.email })) };
    return {
      id: parts.length === 1 ? `${cohortId}:${action}:${session}:${page}` : `${cohortId}:${action}:${session}:${page}.${index}`,
      type: `cohort.${action}`,
      occurredAt: request.now.toISOString(),
      data,
    };
  });
  return { ok: true, events };
}

/** Most bytes of members in one event, well under a queue message with its envelope. */
export const PART_BYTES = 60_000;

/** Members in runs of at most `limit` bytes of JSON (always at least one run, maybe empty). */
export function splitMembers(members: readonly CohortMember[], limit: number): CohortMember[][] {
  const parts: CohortMember[][] = [[]];
  let size = 0;
  for (const member of members) {
    const memberSize = JSON.stringify(member).length + 1;
    const current = parts[parts.length - 1] ?? [];
    if (current.length > 0 && size + memberSize > limit) {
      parts.push([member]);
      size = memberSize;
    } else {
      current.push(member);
      size += memberSize;
    }
  }
  return parts;
}
