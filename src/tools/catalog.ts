import { coreTools } from "./core";
import type { Tool } from "./define";
import { engagementTools } from "./engagement";
import { segmentationTools } from "./segmentation";

/** Every tool the product offers, in the order clients list them. */
export const catalog: readonly Tool[] = [...coreTools, ...engagementTools, ...segmentationTools];

export const toolsByName: ReadonlyMap<string, Tool> = new Map(catalog.map((tool) => [tool.name, tool]));
