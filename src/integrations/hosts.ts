/**
 * Tenant-supplied parts of provider URLs (a Zendesk subdomain, a region) are validated and
 * pinned to the provider's own domain, so a tenant can never point our calls at another host
 * (SSRF): a subdomain is one DNS label, so no dots, no IP literals, no ports, no paths.
 */

const SUBDOMAIN = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

/** Null when the value is a valid subdomain label; otherwise why not, naming the fix. */
export function subdomainProblem(value: string): string | null {
  if (!value) return "is required: the first part of your provider URL, e.g. acme for acme.zendesk.com";
  if (/^\d+(\.\d+){3}$/.test(value) || value.includes(":")) return "must be a subdomain, not an IP address";
  if (value.includes(".")) return "must be only the subdomain (acme, not acme.zendesk.com)";
  if (!SUBDOMAIN.test(value)) return "may contain only lowercase letters, digits and hyphens (^[a-z0-9-]+$)";
  return null;
}

/** https://<subdomain>.<domain>, after checking the subdomain; throws on a bad one. */
export function pinnedOrigin(subdomain: string, domain: string): string {
  const problem = subdomainProblem(subdomain);
  if (problem) throw new Error(`subdomain ${problem}`);
  return `https://${subdomain}.${domain}`;
}
