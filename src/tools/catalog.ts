import { coreTools } from "./core";
import type { Tool } from "./define";
import { eventTools } from "./events";
import { healthTools } from "./health";
import { playbookTools } from "./playbooks";
import { retentionTools } from "./retention";

/** Every tool the product offers, in the order clients list them. */
export const catalog: readonly Tool[] = [...coreTools, ...healthTools, ...retentionTools, ...playbookTools, ...eventTools];

export const toolsByName: ReadonlyMap<string, Tool> = new Map(catalog.map((tool) => [tool.name, tool]));
