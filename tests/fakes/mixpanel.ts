import { registerFake, type RecordedRequest } from "./router.ts";

/**
 * A fake Mixpanel speaking the wire format our client uses: /import (service account Basic
 * auth, strict mode with failed_records, $insert_id dedupe), /engage (project token in the
 * body, 200 with {"status":0,"error":…} when it rejects), /api/query/segmentation (counts
 * computed from what was imported with the same credentials), /api/app/me. State is per
 * region and credential, so test files sharing the fake stay apart by using their own
 * service account. A secret "wrong-secret" is refused; a username containing "noaccess"
 * reaches only project 1; a project token starting "bad" is rejected by /engage.
 */

const HOSTS: Record<string, "us" | "eu"> = {
  "api.mixpanel.com": "us",
  "mixpanel.com": "us",
  "api-eu.mixpanel.com": "eu",
  "eu.mixpanel.com": "eu",
};

interface StoredEvent {
  event: string;
  properties: Record<string, unknown>;
}

interface Project {
  events: Map<string, StoredEvent>;
}

const projects = new Map<string, Project>();
const profiles = new Map<string, Map<string, Record<string, unknown>>>();

function projectOf(region: string, authorization: string, projectId: string): Project {
  const key = `${region}|${authorization}|${projectId}`;
  let project = projects.get(key);
  if (!project) {
    project = { events: new Map() };
    projects.set(key, project);
  }
  return project;
}

function json(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json", ...headers } });
}

function credentials(authorization: string | undefined): { user: string; secret: string } | null {
  const match = /^Basic (.+)$/.exec(authorization ?? "");
  if (!match?.[1]) return null;
  const decoded = atob(match[1]);
  const colon = decoded.indexOf(":");
  return colon < 0 ? null : { user: decoded.slice(0, colon), secret: decoded.slice(colon + 1) };
}

function unauthorized(): Response {
  return json(401, { error: "Invalid username or secret for service account", status: "error" }, { "WWW-Authenticate": 'Basic realm="Mixpanel"' });
}

const INSERT_ID = /^[A-Za-z0-9-]{1,36}$/;

function validate(raw: unknown, index: number): { index: number; $insert_id?: string; field: string; message: string } | null {
  if (typeof raw !== "object" || raw === null) return { index, field: "event", message: "event must be an object" };
  const event = raw as { event?: unknown; properties?: Record<string, unknown> };
  const insertId = typeof event.properties?.$insert_id === "string" ? event.properties.$insert_id : undefined;
  const fail = (field: string, message: string) => ({ index, ...(insertId ? { $insert_id: insertId } : {}), field, message });
  if (typeof event.event !== "string" || !event.event) return fail("event", "'event' must be a non-empty string");
  const properties = event.properties;
  if (!properties || typeof properties !== "object") return fail("properties", "'properties' must be an object");
  if (typeof properties.time !== "number") return fail("properties.time", "'properties.time' is invalid: must be a number");
  if (properties.time > Date.now() + 3_600_000) return fail("properties.time", "'properties.time' is invalid: event is in the future");
  if (typeof properties.distinct_id !== "string" || !properties.distinct_id) return fail("properties.distinct_id", "'properties.distinct_id' must be a non-empty string");
  if (insertId === undefined || !INSERT_ID.test(insertId)) return fail("properties.$insert_id", "'properties.$insert_id' must be 1-36 alphanumeric or '-' characters");
  return null;
}

function handleImport(region: string, url: URL, recorded: RecordedRequest): Response {
  const who = credentials(recorded.headers.authorization);
  if (!who || who.secret === "wrong-secret") return unauthorized();
  const projectId = url.searchParams.get("project_id");
  if (!projectId) return json(400, { code: 400, error: "project_id is required when authenticating with a service account", status: "Bad Request" });
  let events: unknown;
  try {
    events = JSON.parse(recorded.body);
  } catch {
    return json(400, { code: 400, error: "unable to parse body as JSON or NDJSON", status: "Bad Request" });
  }
  if (!Array.isArray(events)) events = [events];
  const list = events as unknown[];
  if (list.length > 2000) return json(400, { code: 400, error: "too many events in the request: at most 2000", status: "Bad Request" });
  if (new TextEncoder().encode(recorded.body).byteLength > 2 * 1024 * 1024) return json(413, { code: 413, error: "request body too large", status: "Payload Too Large" });
  const project = projectOf(region, recorded.headers.authorization ?? "", projectId);
  const failed = [];
  let imported = 0;
  for (const [index, raw] of list.entries()) {
    const problem = validate(raw, index);
    if (problem) {
      failed.push(problem);
      continue;
    }
    const event = raw as StoredEvent;
    // Deduplicated on $insert_id: a retried batch imports nothing twice.
    project.events.set(String(event.properties.$insert_id), event);
    imported++;
  }
  if (failed.length > 0 && url.searchParams.get("strict") === "1") {
    return json(400, { code: 400, error: "some data points in the request failed validation", failed_records: failed, num_records_imported: imported, status: "Bad Request" });
  }
  return json(200, { code: 200, num_records_imported: imported, status: "OK" });
}

function handleEngage(recorded: RecordedRequest): Response {
  let updates: unknown;
  try {
    updates = JSON.parse(recorded.body);
  } catch {
    return json(200, { status: 0, error: "data, missing or empty" });
  }
  if (!Array.isArray(updates)) updates = [updates];
  for (const raw of updates as Record<string, unknown>[]) {
    const token = raw.$token;
    if (typeof token !== "string" || token.startsWith("bad")) return json(200, { status: 0, error: "Invalid project token" });
    if (typeof raw.$distinct_id !== "string") return json(200, { status: 0, error: "$distinct_id, missing or empty" });
    let byToken = profiles.get(token);
    if (!byToken) profiles.set(token, (byToken = new Map()));
    const profile = byToken.get(raw.$distinct_id) ?? {};
    if (raw.$set && typeof raw.$set === "object") Object.assign(profile, raw.$set);
    if (raw.$add && typeof raw.$add === "object") {
      for (const [key, value] of Object.entries(raw.$add as Record<string, number>)) profile[key] = (typeof profile[key] === "number" ? (profile[key] as number) : 0) + value;
    }
    byToken.set(raw.$distinct_id, profile);
  }
  return json(200, { status: 1, error: null });
}

/** where: properties["x"] == "y" (the one form our client sends); on: properties["y"]. */
function propertyOf(expression: string | null): string | null {
  const match = /^properties\["([^"]+)"\]$/.exec(expression?.trim() ?? "");
  return match?.[1] ?? null;
}

function handleSegmentation(region: string, url: URL, recorded: RecordedRequest): Response {
  const who = credentials(recorded.headers.authorization);
  if (!who || who.secret === "wrong-secret") return unauthorized();
  const projectId = url.searchParams.get("project_id");
  const event = url.searchParams.get("event");
  const from = url.searchParams.get("from_date");
  const to = url.searchParams.get("to_date");
  if (!projectId || !event || !from || !to) return json(400, { error: "project_id, event, from_date and to_date are required", status: "error" });
  const where = /^properties\["([^"]+)"\]\s*==\s*"([^"]*)"$/.exec(url.searchParams.get("where")?.trim() ?? "");
  const on = propertyOf(url.searchParams.get("on"));
  const project = projectOf(region, recorded.headers.authorization ?? "", projectId);
  const series: string[] = [];
  for (let day = Date.parse(`${from}T00:00:00Z`); day <= Date.parse(`${to}T00:00:00Z`); day += 86_400_000) series.push(new Date(day).toISOString().slice(0, 10));
  const values: Record<string, Record<string, number>> = {};
  for (const stored of project.events.values()) {
    if (stored.event !== event) continue;
    if (where?.[1] && String(stored.properties[where[1]]) !== where[2]) continue;
    const day = new Date(Number(stored.properties.time)).toISOString().slice(0, 10);
    if (!series.includes(day)) continue;
    const segment = on ? String(stored.properties[on] ?? "undefined") : event;
    const byDay = (values[segment] ??= Object.fromEntries(series.map((d) => [d, 0])));
    byDay[day] = (byDay[day] ?? 0) + 1;
  }
  return json(200, { data: { series, values }, legend_size: Object.keys(values).length });
}

function handleMe(recorded: RecordedRequest): Response {
  const who = credentials(recorded.headers.authorization);
  if (!who || who.secret === "wrong-secret") return unauthorized();
  const reachable = who.user.includes("noaccess") ? ["1"] : ["1", "424242", "777"];
  return json(200, {
    status: "ok",
    results: { user_id: 1, user_name: who.user, user_email: `${who.user}@serviceaccount.mixpanel.com`, projects: Object.fromEntries(reachable.map((id) => [id, { name: `Project ${id}` }])) },
  });
}

registerFake({
  name: "mixpanel",
  handles: (host) => host in HOSTS,
  handle(request, recorded) {
    const url = new URL(request.url);
    const region = HOSTS[url.host] ?? "us";
    const ingestion = url.host.startsWith("api");
    if (ingestion && request.method === "POST" && url.pathname === "/import") return handleImport(region, url, recorded);
    if (ingestion && request.method === "POST" && url.pathname === "/engage") return handleEngage(recorded);
    if (!ingestion && request.method === "GET" && url.pathname === "/api/query/segmentation") return handleSegmentation(region, url, recorded);
    if (!ingestion && request.method === "GET" && url.pathname === "/api/app/me") return handleMe(recorded);
    return json(404, { error: `no such endpoint ${request.method} ${url.pathname}`, status: "error" });
  },
  reset(host) {
    const region = HOSTS[host];
    for (const key of [...projects.keys()]) if (key.startsWith(`${region}|`)) projects.delete(key);
  },
});
