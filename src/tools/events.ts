import { z } from "zod";
import { createApiKey, listApiKeys, revokeApiKey, type ApiKeySummary } from "../db/api-keys";
import { RETENTION_DAYS_MAX, RETENTION_DAYS_MIN, UNKNOWN_ACCOUNT_POLICIES } from "../db/usage-events";
import { defineTool, READ_ONLY, ToolError, unwrap, WRITE } from "./define";

/**
 * Usage-event administration: the workspace API keys that POST /api/v1/events accepts, and
 * the event policies (unknown accounts, retention). Keys live in D1 (hashed); the tenant is
 * always the token's, and every change lands in the tenant's audit log.
 */

/** Live keys a workspace may hold at once; revoke one to make room. */
const MAX_ACTIVE_KEYS = 50;

const apiKey = z.object({
  id: z.string(),
  name: z.string(),
  prefix: z.string().describe("The first characters of the key, to tell keys apart; never the whole key"),
  created_by: z.string(),
  created_at: z.string(),
  last_used_at: z.string().nullable().describe("Last request with this key (updated at most once a minute)"),
  revoked_at: z.string().nullable(),
});

const eventSettings = z.object({
  unknown_accounts: z
    .enum(UNKNOWN_ACCOUNT_POLICIES)
    .describe('"keep": store events naming an account that does not exist yet and attach them when it appears; "reject": refuse them per item'),
  retention_days: z.number().int().describe("Days raw events are kept; daily aggregates are kept regardless"),
  pending_events: z.number().int().describe("Stored events waiting for their account to appear"),
});

function summary(key: ApiKeySummary): z.input<typeof apiKey> {
  return key;
}

export const createApiKeyTool = defineTool({
  name: "create_api_key",
  title: "Create an API key",
  description:
    "Create a workspace API key for sending usage events to POST /api/v1/events (Authorization: Bearer <key>). The key is shown once, in this answer; only its hash is stored.",
  input: z.object({
    name: z
      .string()
      .trim()
      .min(1, "name is required: say what sends with this key, e.g. 'production backend'")
      .max(100, "name is at most 100 characters")
      .describe("What uses this key, e.g. 'production backend'"),
  }),
  output: z.object({
    key: apiKey,
    secret: z.string().describe("The key itself. Shown only now: store it in your secret manager"),
    usage: z.string(),
  }),
  annotations: WRITE,
  scope: "cs:admin",
  rest: { method: "POST", path: "/api-keys" },
  async handler({ tenant, user, env, actor }, { name }) {
    const active = (await listApiKeys(env.CONTROL_DB, user.tenantId)).filter((key) => key.revoked_at === null);
    if (active.length >= MAX_ACTIVE_KEYS) {
      throw new ToolError("conflict", `This workspace already has ${MAX_ACTIVE_KEYS} live API keys; revoke one with revoke_api_key first.`);
    }
    const { key, secret } = await createApiKey(env.CONTROL_DB, { tenantId: user.tenantId, name, createdBy: user.userId });
    unwrap(await tenant.auditApiKey("create_api_key", key.id, { name, prefix: key.prefix }, actor));
    return {
      key: summary(key),
      secret,
      usage: `Store the key now: it is not shown again. Send usage with POST /api/v1/events and the header "Authorization: Bearer ${key.prefix}…" (see docs/events.md).`,
    };
  },
});

export const listApiKeysTool = defineTool({
  name: "list_api_keys",
  title: "List API keys",
  description: "The workspace's API keys, newest first, revoked ones included: name, prefix, who created it, when it was last used. Never the key itself.",
  input: z.object({}),
  output: z.object({ keys: z.array(apiKey), active_count: z.number().int() }),
  annotations: READ_ONLY,
  scope: "cs:admin",
  rest: { method: "GET", path: "/api-keys" },
  async handler({ user, env }) {
    const keys = await listApiKeys(env.CONTROL_DB, user.tenantId);
    return { keys: keys.map(summary), active_count: keys.filter((key) => key.revoked_at === null).length };
  },
});

export const revokeApiKeyTool = defineTool({
  name: "revoke_api_key",
  title: "Revoke an API key",
  description: "Revoke a workspace API key at once: requests with it are refused from now on. Cannot be undone; create a new key instead.",
  input: z.object({
    key_id: z
      .string()
      .min(1, "key_id is required")
      .max(100, "key_id is at most 100 characters")
      .regex(/^[a-zA-Z0-9_-]+$/, "key_id holds only letters, digits, _ and - (the id from list_api_keys)")
      .describe("The key's id, as returned by create_api_key or list_api_keys"),
  }),
  output: z.object({ key: apiKey, already_revoked: z.boolean() }),
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: false },
  scope: "cs:admin",
  rest: { method: "DELETE", path: "/api-keys/{key_id}" },
  async handler({ tenant, user, env, actor }, { key_id }) {
    const result = await revokeApiKey(env.CONTROL_DB, user.tenantId, key_id);
    if (!result) throw new ToolError("not_found", `No API key with key_id "${key_id}" in this workspace; list_api_keys shows the ids.`);
    if (!result.alreadyRevoked) unwrap(await tenant.auditApiKey("revoke_api_key", key_id, { name: result.key.name, prefix: result.key.prefix }, actor));
    return { key: summary(result.key), already_revoked: result.alreadyRevoked };
  },
});

export const getEventSettings = defineTool({
  name: "get_event_settings",
  title: "Usage event settings",
  description:
    "How POST /api/v1/events treats events for accounts that do not exist yet (keep or reject), how long raw events are kept, and how many events wait for their account.",
  input: z.object({}),
  output: eventSettings,
  annotations: READ_ONLY,
  scope: "cs:admin",
  rest: { method: "GET", path: "/event-settings" },
  async handler({ tenant }) {
    return unwrap(await tenant.getEventSettings());
  },
});

export const updateEventSettings = defineTool({
  name: "update_event_settings",
  title: "Change usage event settings",
  description:
    'Set the unknown-account policy ("keep" stores events for accounts not registered yet and attaches them when the account appears; "reject" refuses them per item with the reason) and the retention of raw events in days.',
  input: z
    .object({
      unknown_accounts: z
        .enum(UNKNOWN_ACCOUNT_POLICIES, { message: `must be one of ${UNKNOWN_ACCOUNT_POLICIES.join(", ")}` })
        .optional(),
      retention_days: z
        .number()
        .int("must be a whole number of days")
        .min(RETENTION_DAYS_MIN, `must be ${RETENTION_DAYS_MIN}–${RETENTION_DAYS_MAX} days`)
        .max(RETENTION_DAYS_MAX, `must be ${RETENTION_DAYS_MIN}–${RETENTION_DAYS_MAX} days`)
        .optional()
        .describe("Days raw events are kept (default 90); older ones are purged, daily aggregates stay"),
    })
    .refine((input) => input.unknown_accounts !== undefined || input.retention_days !== undefined, {
      message: "name at least one setting to change: unknown_accounts or retention_days",
    }),
  output: eventSettings,
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  scope: "cs:admin",
  rest: { method: "PATCH", path: "/event-settings" },
  async handler({ tenant, actor }, changes) {
    return unwrap(await tenant.updateEventSettings(changes, actor));
  },
});

export const eventTools = [createApiKeyTool, listApiKeysTool, revokeApiKeyTool, getEventSettings, updateEventSettings];
