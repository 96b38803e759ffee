import { coreTools } from "./core";
import type { Tool } from "./define";
import { importTools } from "./imports";

/** Every tool the product offers, in the order clients list them. */
export const catalog: readonly Tool[] = [...coreTools, ...importTools];

export const toolsByName: ReadonlyMap<string, Tool> = new Map(catalog.map((tool) => [tool.name, tool]));
