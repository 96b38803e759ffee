import { z } from "zod";
import { segments as engine } from "../analytics";
import { accountFieldInfo } from "../db/account-fields";
import type { Json } from "../db/accounts";
import { defineTool, READ_ONLY, unwrap, WRITE } from "./define";

/** Custom segments: rules over the account field catalog, previewed, saved, listed with members. */

export const RULE_LANGUAGE =
  'A rule is { "match": "all" or "any", "rules": [ … ] }; each item is { "field", "operator", "value" } or another group (nesting ≤ 4). ' +
  "Operators: eq, neq, gt, gte, lt, lte, in, not_in, contains, between ([low, high]), exists (true/false); which apply depends on the field's type (list_segment_fields). " +
  'Dates take "YYYY-MM-DD" or { "daysFromNow": n } (negative = past). A missing value fails every operator except exists:false. ' +
  'Example: { "match": "all", "rules": [ { "field": "health_score", "operator": "lt", "value": 40 }, { "field": "tier", "operator": "in", "value": ["professional", "enterprise"] } ] }';

/** A segment rule as input; the engine checks everything below the top level and names the path. */
export const ruleInput = z
  .looseObject({
    match: z.enum(["all", "any"], { message: 'must be "all" or "any"' }),
    rules: z.array(z.record(z.string(), z.unknown()), { message: "must be a list of rules" }).min(1, "needs at least one rule"),
  })
  .describe(RULE_LANGUAGE);

export function asJsonRule(rule: z.output<typeof ruleInput>): { [key: string]: Json } {
  return rule as unknown as { [key: string]: Json };
}

export const segmentId = z
  .string()
  .min(1, "segment_id is required")
  .max(100)
  .regex(/^[a-zA-Z0-9_-]+$/, "segment_id holds only letters, digits, _ and - (as returned by create_segment or list_segments)");

const limit = z.number().int("must be a whole number").min(1, "must be 1–200").max(200, "must be 1–200").default(50);
const cursor = z.string().min(1).max(500).optional().describe("next_cursor from the previous page");

const member = z.object({
  client_id: z.string(),
  client_name: z.string(),
  company_name: z.string(),
  csm_assigned: z.string().nullable(),
  contract_value: z.number().describe("ARR"),
  health_score: z.number().nullable(),
  renewal_date: z.string(),
  days_until_renewal: z.number().int(),
  why: z.array(z.string()).describe("The rules this account met, each with the value it had"),
});

const segment = z.object({
  segment_id: z.string(),
  name: z.string(),
  description: z.string(),
  rule: z.record(z.string(), z.unknown()),
  created_by: z.string(),
  created_at: z.string(),
  updated_at: z.string(),
});

const pagination = z.object({ returned_count: z.number().int(), has_more: z.boolean(), next_cursor: z.string().nullable() });

export const listSegmentFields = defineTool({
  name: "list_segment_fields",
  title: "Fields for segment rules",
  description:
    "The account fields segment rules and playbook triggers can test (tier, status, health_score, health_band, renewal_date, days_until_renewal, usage, support, satisfaction and payment figures), each with its type, allowed values and meaning, plus the operators each type accepts.",
  input: z.object({}),
  output: z.object({
    fields: z.array(z.object({ name: z.string(), type: z.string(), values: z.array(z.string()).nullable(), description: z.string() })),
    operators_by_type: z.record(z.string(), z.array(z.string())),
    rule_language: z.string(),
  }),
  annotations: READ_ONLY,
  scope: "cs:read",
  rest: { method: "GET", path: "/segment-fields" },
  handler() {
    return Promise.resolve({
      fields: accountFieldInfo(),
      operators_by_type: Object.fromEntries(Object.entries(engine.OPERATORS_BY_TYPE).map(([type, operators]) => [type, [...operators]])),
      rule_language: RULE_LANGUAGE,
    });
  },
});

export const createSegmentTool = defineTool({
  name: "create_segment",
  title: "Create a custom segment",
  description: `Save a named segment of accounts defined by a rule; membership is evaluated on read, so it always reflects current data. Try the rule first with preview_segment. ${RULE_LANGUAGE}`,
  input: z.object({
    name: z.string().trim().min(1, "name is required").max(100, "name is at most 100 characters"),
    description: z.string().trim().max(1000, "description is at most 1000 characters").default(""),
    rule: ruleInput,
  }),
  output: z.object({ segment }),
  annotations: WRITE,
  scope: "cs:write",
  rest: { method: "POST", path: "/segments" },
  async handler({ tenant, actor }, input) {
    return { segment: unwrap(await tenant.createSegment({ ...input, rule: asJsonRule(input.rule) }, actor)) };
  },
});

export const listSegmentsTool = defineTool({
  name: "list_segments",
  title: "List custom segments",
  description: "Every saved segment with its rule, how many accounts it holds now and their total ARR.",
  input: z.object({}),
  output: z.object({
    segments: z.array(
      segment.extend({
        member_count: z.number().int().nullable(),
        total_arr: z.number().nullable(),
        error: z.string().nullable().describe("Set when the saved rule no longer compiles"),
      }),
    ),
  }),
  annotations: READ_ONLY,
  scope: "cs:read",
  rest: { method: "GET", path: "/segments" },
  async handler({ tenant }) {
    return { segments: unwrap(await tenant.listSegments()) };
  },
});

export const previewSegmentTool = defineTool({
  name: "preview_segment",
  title: "Preview a segment rule",
  description: `Evaluate a rule without saving it: how many accounts match, their total ARR, and a page of members with the rules each one met. ${RULE_LANGUAGE}`,
  input: z.object({ rule: ruleInput, limit, cursor }),
  output: z.object({
    member_count: z.number().int(),
    total_arr: z.number(),
    accounts_evaluated: z.number().int(),
    members: z.array(member),
    pagination,
  }),
  annotations: READ_ONLY,
  scope: "cs:read",
  rest: { method: "POST", path: "/segments/preview" },
  async handler({ tenant }, { rule, limit: pageSize, cursor: after }) {
    const preview = unwrap(await tenant.previewSegment(asJsonRule(rule), { limit: pageSize, cursor: after }));
    return {
      member_count: preview.member_count,
      total_arr: preview.total_arr,
      accounts_evaluated: preview.accounts_evaluated,
      members: preview.members,
      pagination: { returned_count: preview.members.length, has_more: preview.next_cursor !== null, next_cursor: preview.next_cursor },
    };
  },
});

export const listSegmentMembers = defineTool({
  name: "list_segment_members",
  title: "Accounts in a segment",
  description: "The accounts a saved segment holds now, in id order, with the rules each one met; page with the cursor.",
  input: z.object({ segment_id: segmentId, limit, cursor }),
  output: z.object({ segment, members: z.array(member), pagination }),
  annotations: READ_ONLY,
  scope: "cs:read",
  rest: { method: "GET", path: "/segments/{segment_id}/members" },
  async handler({ tenant }, { segment_id, limit: pageSize, cursor: after }) {
    const page = unwrap(await tenant.segmentMembers(segment_id, { limit: pageSize, cursor: after }));
    return {
      segment: page.segment,
      members: page.members,
      pagination: { returned_count: page.members.length, has_more: page.next_cursor !== null, next_cursor: page.next_cursor },
    };
  },
});

export const deleteSegmentTool = defineTool({
  name: "delete_segment",
  title: "Delete a custom segment",
  description: "Delete a saved segment. The accounts are untouched; only the saved rule goes.",
  input: z.object({ segment_id: segmentId }),
  output: z.object({ deleted: segment }),
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: false },
  scope: "cs:write",
  rest: { method: "DELETE", path: "/segments/{segment_id}" },
  async handler({ tenant, actor }, { segment_id }) {
    return { deleted: unwrap(await tenant.deleteSegment(segment_id, actor)) };
  },
});

export const segmentTools = [listSegmentFields, createSegmentTool, listSegmentsTool, previewSegmentTool, listSegmentMembers, deleteSegmentTool];
