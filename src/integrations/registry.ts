import { intercom } from "./intercom";
import type { ProviderIntegration, ProviderName } from "./provider";
import { zendesk } from "./zendesk";

/**
 * Every provider the product integrates with, by name. A provider missing here cannot be
 * connected, and its webhooks answer 404.
 */
export const INTEGRATIONS: Partial<Record<ProviderName, ProviderIntegration>> = {
  intercom,
  zendesk,
};

export function integrationFor(provider: ProviderName): ProviderIntegration | null {
  return INTEGRATIONS[provider] ?? null;
}
