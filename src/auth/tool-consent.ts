import { TOOL_GROUPS } from "../tools/groups";

/**
 * Per-tool consent: on the consent page a person chooses, per group of tools, whether the app
 * may use all of them, only those that read, none, or the ones they tick. The grant then
 * carries the allowed tool names (AuthProps.tools); no list means every tool the scopes allow,
 * including tools added later.
 */

export const GROUP_CHOICES = ["all", "read", "none", "pick"] as const;
export type GroupChoice = (typeof GROUP_CHOICES)[number];

export function groupField(key: string): string {
  return `tools_${key}`;
}

export const PICKED_TOOL_FIELD = "tool";

function isGroupChoice(value: string): value is GroupChoice {
  return (GROUP_CHOICES as readonly string[]).includes(value);
}

/**
 * The tools a consent form allows: null for all of them (every group left at "all"), else the
 * names. An unknown or missing choice counts as "all", as the form shows it.
 */
export function allowedToolsFromForm(form: FormData): { tools: string[] | null } | { error: string } {
  const picked = new Set(form.getAll(PICKED_TOOL_FIELD).map(String));
  let everything = true;
  const tools: string[] = [];
  for (const group of TOOL_GROUPS) {
    const raw = String(form.get(groupField(group.key)) ?? "all");
    const choice: GroupChoice = isGroupChoice(raw) ? raw : "all";
    const chosen = group.tools.filter((tool) => {
      if (choice === "all") return true;
      if (choice === "read") return tool.annotations.readOnlyHint;
      if (choice === "pick") return picked.has(tool.name);
      return false;
    });
    if (chosen.length < group.tools.length) everything = false;
    tools.push(...chosen.map((tool) => tool.name));
  }
  if (everything) return { tools: null };
  if (tools.length === 0) return { error: "No tool is allowed: choose at least one group's tools, or Deny." };
  return { tools };
}
