import type { NewPlaybook } from "../db/playbooks";

/**
 * The demo workspace's playbooks: the two examples of docs/playbooks.md and one on the health
 * trend, so its task list holds what the real rules open from the sample facts.
 */
export const SAMPLE_PLAYBOOKS: readonly NewPlaybook[] = [
  {
    name: "Health below 40",
    description: "Call accounts whose health fell into churn risk",
    trigger: { match: "all", rules: [{ field: "health_score", operator: "lt", value: 40 }] },
    action: { title: "Call {{account_name}} (health {{health_score}})", owner: "csm", due_in_days: 2, priority: "high" },
    enabled: true,
  },
  {
    name: "Renewal in 90 days, no touch in 30",
    description: "",
    trigger: {
      match: "all",
      rules: [
        { field: "days_until_renewal", operator: "between", value: [0, 90] },
        {
          match: "any",
          rules: [
            { field: "days_since_last_touch", operator: "gte", value: 30 },
            { field: "days_since_last_touch", operator: "exists", value: false },
          ],
        },
      ],
    },
    action: { title: "Renewal check-in with {{company_name}} ({{days_until_renewal}} days left)", owner: "csm", due_in_days: 5, priority: "medium" },
    enabled: true,
  },
  {
    name: "Health falling",
    description: "Find out why before it reaches churn risk",
    trigger: {
      match: "all",
      rules: [
        { field: "health_trend", operator: "eq", value: "declining" },
        { field: "health_score", operator: "between", value: [40, 75] },
      ],
    },
    action: { title: "Ask {{account_name}} what changed (health {{health_score}}, falling)", owner: "csm", due_in_days: 7, priority: "medium" },
    enabled: true,
  },
];
