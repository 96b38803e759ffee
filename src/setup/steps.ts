/** The setup steps in order; progress is saved per step key in the Tenant object. */

export interface StepInfo {
  key: string;
  title: string;
  path: string;
}

export const STEPS: readonly StepInfo[] = [
  { key: "welcome", title: "Welcome & checks", path: "/setup/welcome" },
  { key: "integrations", title: "Integrations", path: "/setup/integrations" },
  { key: "health", title: "Health model", path: "/setup/health" },
  { key: "data", title: "Data", path: "/setup/data" },
  { key: "team", title: "Team", path: "/setup/team" },
  { key: "done", title: "Done", path: "/setup/done" },
];

export function stepAfter(key: string): StepInfo {
  const index = STEPS.findIndex((step) => step.key === key);
  return STEPS[Math.min(index + 1, STEPS.length - 1)] ?? (STEPS[0] as StepInfo);
}

/** Where to resume: the first step not completed. */
export function resumeStep(completed: readonly string[]): StepInfo {
  return STEPS.find((step) => !completed.includes(step.key)) ?? (STEPS.at(-1) as StepInfo);
}
