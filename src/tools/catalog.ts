import { catalogGapTools } from "./catalog-gaps";
import { communicationTools } from "./communication";
import { coreTools } from "./core";
import type { Tool } from "./define";
import { engagementTools } from "./engagement";
import { eventTools } from "./events";
import { feedbackTools } from "./feedback";
import { healthTools } from "./health";
import { importTools } from "./imports";
import { intercomTools } from "./intercom";
import { integrationTools } from "./integrations";
import { mixpanelTools } from "./mixpanel";
import { onboardingTools } from "./onboarding";
import { playbookTools } from "./playbooks";
import { retentionTools } from "./retention";
import { revenueTools } from "./revenue";
import { segmentationTools } from "./segmentation";
import { sendgridTools } from "./sendgrid";
import { supportTools } from "./support";
import { surveyTools } from "./surveys";
import { touchpointTools } from "./touchpoints";
import { zendeskTools } from "./zendesk";

/** Every tool the product offers, in the order clients list them. */
export const catalog: readonly Tool[] = [
  ...coreTools,
  ...healthTools,
  ...segmentationTools,
  ...engagementTools,
  ...touchpointTools,
  ...retentionTools,
  ...supportTools,
  ...revenueTools,
  ...feedbackTools,
  ...communicationTools,
  ...playbookTools,
  ...eventTools,
  ...importTools,
  ...onboardingTools,
  ...integrationTools,
  ...intercomTools,
  ...zendeskTools,
  ...mixpanelTools,
  ...sendgridTools,
  ...catalogGapTools,
  ...surveyTools,
];

export const toolsByName: ReadonlyMap<string, Tool> = new Map(catalog.map((tool) => [tool.name, tool]));
