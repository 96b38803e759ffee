import { z } from "zod";
import { defineTool, READ_ONLY, unwrap } from "./define";

/** Mixpanel: cohorts synced in as segments (docs/integrations/mixpanel.md). */

const cohort = z.object({
  cohort_id: z.string(),
  name: z.string(),
  segment_id: z.string().nullable().describe("The segment that mirrors the cohort; list_segment_members shows its accounts"),
  members: z.number().int(),
  matched_members: z.number().int().describe("Members matched to a contact or account of this workspace"),
  accounts: z.number().int(),
  updated_at: z.string(),
});

export const listMixpanelCohortsTool = defineTool({
  name: "list_mixpanel_cohorts",
  title: "Mixpanel cohorts",
  description:
    "The Mixpanel cohorts synced to this workspace by Mixpanel's cohort-sync webhook, each with the segment that mirrors it, how many members it has, how many matched our contacts or accounts, and how many accounts it covers.",
  input: z.object({}),
  output: z.object({ cohorts: z.array(cohort) }),
  annotations: READ_ONLY,
  scope: "cs:read",
  rest: { method: "GET", path: "/integrations/mixpanel/cohorts" },
  async handler({ tenant }) {
    return { cohorts: unwrap(await tenant.mixpanelCohorts()) };
  },
});

export const mixpanelTools = [listMixpanelCohortsTool];
