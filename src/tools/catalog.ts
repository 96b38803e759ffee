import { coreTools } from "./core";
import type { Tool } from "./define";
import { playbookTools } from "./playbooks";

/** Every tool the product offers, in the order clients list them. */
export const catalog: readonly Tool[] = [...coreTools, ...playbookTools];

export const toolsByName: ReadonlyMap<string, Tool> = new Map(catalog.map((tool) => [tool.name, tool]));
