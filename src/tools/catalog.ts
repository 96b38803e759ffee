import { communicationTools } from "./communication";
import { coreTools } from "./core";
import type { Tool } from "./define";
import { engagementTools } from "./engagement";
import { eventTools } from "./events";
import { healthTools } from "./health";
import { importTools } from "./imports";
import { playbookTools } from "./playbooks";
import { retentionTools } from "./retention";
import { segmentationTools } from "./segmentation";

/** Every tool the product offers, in the order clients list them. */
export const catalog: readonly Tool[] = [
  ...coreTools,
  ...healthTools,
  ...segmentationTools,
  ...engagementTools,
  ...retentionTools,
  ...playbookTools,
  ...eventTools,
  ...importTools,
  ...communicationTools,
];

export const toolsByName: ReadonlyMap<string, Tool> = new Map(catalog.map((tool) => [tool.name, tool]));
