import { z } from "zod";
import { TOUCHPOINT_DIRECTIONS, TOUCHPOINT_KINDS } from "../db/touchpoints";
import { defineTool, READ_ONLY, unwrap, WRITE } from "./define";
import { clientId } from "./fields";

/** Touchpoints: what the team did with an account, the engagement component's facts. */

const kind = z.enum(TOUCHPOINT_KINDS, { message: `must be one of ${TOUCHPOINT_KINDS.join(", ")}` });
const direction = z.enum(TOUCHPOINT_DIRECTIONS, { message: `must be one of ${TOUCHPOINT_DIRECTIONS.join(", ")}` });
const when = z.iso.datetime({ offset: true, message: "must be a date-time with a zone, e.g. 2026-11-20T15:00:00Z" });

const touchpoint = z.object({
  touchpoint_id: z.string(),
  client_id: z.string(),
  contact_id: z.string().nullable(),
  kind,
  direction,
  subject: z.string(),
  occurred_at: z.string(),
  opened_at: z.string().nullable(),
  clicked_at: z.string().nullable(),
  replied_at: z.string().nullable(),
  source: z.string(),
  created_by: z.string(),
});

export const logTouchpointTool = defineTool({
  name: "log_touchpoint",
  title: "Log a touchpoint",
  description:
    "Record an email, meeting, call, message or note with an account: its direction (inbound from the customer, outbound from the team, internal) and, for emails, when it was opened, clicked or replied to. " +
    "Touchpoints drive the engagement part of the health score, which is recomputed at once.",
  input: z.object({
    client_id: clientId,
    kind,
    direction: direction.default("outbound"),
    subject: z.string().trim().min(1, "subject is required").max(300, "subject is at most 300 characters"),
    occurred_at: when.optional().describe("Defaults to now"),
    contact_id: z.string().min(1).max(100).optional(),
    opened_at: when.optional(),
    clicked_at: when.optional(),
    replied_at: when.optional(),
    external_id: z.string().trim().min(1).max(200).optional().describe("The message's id in your mail or chat tool; logging it twice is refused"),
  }),
  output: z.object({ touchpoint, health_score: z.number().nullable() }),
  annotations: WRITE,
  scope: "cs:write",
  rest: { method: "POST", path: "/clients/{client_id}/touchpoints" },
  async handler({ tenant, actor }, input) {
    const logged = unwrap(await tenant.logTouchpoint({ ...input, occurred_at: input.occurred_at ?? new Date().toISOString() }, actor));
    const account = unwrap(await tenant.getAccount(input.client_id));
    return { touchpoint: logged, health_score: account.health_score };
  },
});

export const listTouchpointsTool = defineTool({
  name: "list_touchpoints",
  title: "An account's touchpoints",
  description: "The emails, meetings, calls, messages and notes logged with an account, newest first, with cursor pagination.",
  input: z.object({
    client_id: clientId,
    kind: kind.optional(),
    limit: z.number().int().min(1).max(100, "limit is at most 100").default(25),
    cursor: z.string().min(1).optional().describe("next_cursor from the previous page"),
  }),
  output: z.object({ touchpoints: z.array(touchpoint), next_cursor: z.string().nullable() }),
  annotations: READ_ONLY,
  scope: "cs:read",
  rest: { method: "GET", path: "/clients/{client_id}/touchpoints" },
  async handler({ tenant }, { client_id, ...options }) {
    return unwrap(await tenant.listTouchpoints(client_id, options));
  },
});

export const touchpointTools = [logTouchpointTool, listTouchpointsTool];
