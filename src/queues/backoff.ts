/**
 * How long a failed delivery waits before its next try: what the provider asked for when it
 * said (Retry-After, rate-limit reset), otherwise exponential from 2 s, doubling to at most
 * 5 minutes, with 1–5 s of jitter so retries from many messages do not arrive together.
 */

const BASE_SECONDS = 2;
const MAX_BACKOFF_SECONDS = 300;
/** Cloudflare Queues accept delays up to 12 hours. */
const MAX_DELAY_SECONDS = 43_200;

export function retryDelaySeconds(attempt: number, providerAsked: number | null, random: () => number = Math.random): number {
  if (providerAsked !== null) return Math.min(MAX_DELAY_SECONDS, Math.max(1, Math.ceil(providerAsked)));
  const exponential = Math.min(MAX_BACKOFF_SECONDS, BASE_SECONDS * 2 ** Math.max(0, attempt - 1));
  const jitter = 1 + Math.floor(random() * 5);
  return exponential + jitter;
}
