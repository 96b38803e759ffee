import type { RecordedRequest, ScriptedResponse } from "../fakes/router";

/**
 * Steering the fake providers from a Workers test (tests/fakes/router.ts): script faults,
 * read back what reached a provider, reset a host.
 */

const CONTROL = "https://fakes.test";

export async function scriptFaults(rule: { host: string; authorization?: string; path_prefix?: string; responses: ScriptedResponse[] }): Promise<void> {
  const response = await fetch(`${CONTROL}/faults`, { method: "POST", body: JSON.stringify(rule) });
  if (!response.ok) throw new Error(`scripting faults failed: ${response.status}`);
}

export async function providerRequests(host: string, authorization?: string): Promise<RecordedRequest[]> {
  const query = new URLSearchParams({ host });
  if (authorization) query.set("authorization", authorization);
  const response = await fetch(`${CONTROL}/requests?${query}`);
  return (await response.json()) as RecordedRequest[];
}

export async function resetProvider(host: string): Promise<void> {
  await fetch(`${CONTROL}/reset?host=${encodeURIComponent(host)}`, { method: "POST" });
}
