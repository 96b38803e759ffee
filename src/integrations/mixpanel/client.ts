import { basicAuth, PROVIDER_TIMEOUT_MS, ProviderError, providerFetch, providerJson, providerMessage, retryAfterSeconds } from "../http";
import type { Json } from "../../db/accounts";

/**
 * A plain fetch client for Mixpanel's HTTP APIs (no SDK): /import (service account, strict
 * mode), /engage (project token in the body), the query API (segmentation) and /api/app/me
 * for testing credentials. Every call goes through providerFetch (no redirects, time limit,
 * 429/5xx retryable) except /import, whose 400 answers carry per-record failures we report.
 */

const PROVIDER = "Mixpanel";

/** What /import accepts at once: 2,000 events and 2 MB of body. */
export const IMPORT_MAX_EVENTS = 2000;
export const IMPORT_MAX_BYTES = 2 * 1024 * 1024;
/** The query API allows 60 queries an hour per project. */
export const QUERY_LIMIT_PER_HOUR = 60;

export type MixpanelEvent = {
  event: string;
  properties: { time: number; distinct_id: string; $insert_id: string; [key: string]: Json };
};

export interface FailedRecord {
  index: number;
  insert_id: string | null;
  field: string | null;
  message: string;
}

export interface ImportResult {
  imported: number;
  failed: FailedRecord[];
}

/** One profile update for /engage: $set and/or $add on a distinct id. */
export interface ProfileUpdate {
  distinct_id: string;
  set?: { [key: string]: Json };
  add?: { [key: string]: number };
}

export interface SegmentationQuery {
  event: string;
  from_date: string;
  to_date: string;
  /** Mixpanel expression, e.g. properties["account_id"] == "acme". */
  where?: string;
  /** Property expression to segment by, e.g. properties["$distinct_id"]. */
  on?: string;
}

/** Counts per segment value per day, as the segmentation API answers them. */
export interface SegmentationResult {
  days: string[];
  values: { [segment: string]: { [day: string]: number } };
}

/**
 * Who is counting the tenant's query-API calls (the Tenant object in production): reserve()
 * answers false once the tenant used its 60 queries of the last hour.
 */
export interface QueryBudget {
  reserve(now: Date): Promise<{ ok: true } | { ok: false; retryAfterSeconds: number }>;
}

export interface MixpanelClientOptions {
  ingestionOrigin: string;
  queryOrigin: string;
  projectId: string;
  username: string;
  secret: string;
  projectToken?: string;
  /** Counts query-API calls; without one, queries are not limited here. */
  budget?: QueryBudget;
  now?: () => number;
  /** Per-call time limit; PROVIDER_TIMEOUT_MS unless a caller needs less. */
  timeoutMs?: number;
}

/** Backoff for a Mixpanel 429 (it sends no Retry-After): 2 s doubling to 60 s, plus 1–5 s jitter. */
export function mixpanelBackoffSeconds(attempt: number, random: () => number = Math.random): number {
  const base = Math.min(60, 2 * 2 ** Math.max(0, attempt - 1));
  return base + 1 + Math.floor(random() * 5);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function failedRecords(value: unknown): FailedRecord[] {
  if (!isObject(value) || !Array.isArray(value.failed_records)) return [];
  return value.failed_records.map((raw, position) => {
    const record = isObject(raw) ? raw : {};
    return {
      index: typeof record.index === "number" ? record.index : position,
      insert_id: typeof record.$insert_id === "string" ? record.$insert_id : null,
      field: typeof record.field === "string" ? record.field : null,
      message: typeof record.message === "string" ? record.message.slice(0, 200) : "rejected",
    };
  });
}

export class MixpanelClient {
  private readonly auth: string;
  private readonly now: () => number;
  private readonly timeoutMs: number;

  constructor(private readonly options: MixpanelClientOptions) {
    this.auth = basicAuth(options.username, options.secret);
    this.now = options.now ?? Date.now;
    this.timeoutMs = options.timeoutMs ?? PROVIDER_TIMEOUT_MS;
  }

  /**
   * Imports up to 2,000 events in strict mode. A 400 naming failed records is an answer, not an
   * exception: the valid records were imported and the failures are reported. A 400 where
   * nothing was imported, and every other refusal, throws ProviderError.
   */
  async importEvents(events: readonly MixpanelEvent[]): Promise<ImportResult> {
    if (events.length === 0) return { imported: 0, failed: [] };
    if (events.length > IMPORT_MAX_EVENTS) throw new ProviderError(`Mixpanel /import takes at most ${IMPORT_MAX_EVENTS} events per request; got ${events.length}.`, 0, false);
    const body = JSON.stringify(events);
    if (new TextEncoder().encode(body).byteLength > IMPORT_MAX_BYTES) throw new ProviderError("Mixpanel /import takes at most 2 MB per request; split the batch.", 0, false);
    const url = `${this.options.ingestionOrigin}/import?strict=1&project_id=${encodeURIComponent(this.options.projectId)}`;
    let response: Response;
    try {
      response = await fetch(url, {
        method: "POST",
        headers: { Authorization: this.auth, "Content-Type": "application/json", Accept: "application/json" },
        body,
        redirect: "manual",
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (error) {
      const timedOut = error instanceof Error && (error.name === "TimeoutError" || error.name === "AbortError");
      throw new ProviderError(timedOut ? `Mixpanel did not answer within ${Math.round(this.timeoutMs / 1000)} s.` : "Mixpanel could not be reached.", 0, true);
    }
    const text = await response.text().catch(() => "");
    let parsed: unknown = null;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      parsed = undefined;
    }
    if (response.ok) {
      if (parsed === undefined) throw new ProviderError(`Mixpanel answered ${response.status} with a body that is not JSON.`, response.status, true);
      const imported = isObject(parsed) && typeof parsed.num_records_imported === "number" ? parsed.num_records_imported : events.length;
      return { imported, failed: [] };
    }
    const failed = failedRecords(parsed);
    if (response.status === 400 && failed.length > 0) {
      const imported = isObject(parsed) && typeof parsed.num_records_imported === "number" ? parsed.num_records_imported : events.length - failed.length;
      if (imported > 0) return { imported, failed };
      const first = failed.slice(0, 3).map((record) => `#${record.index}${record.field ? ` ${record.field}` : ""}: ${record.message}`).join("; ");
      throw new ProviderError(`Mixpanel refused all ${failed.length} events in strict mode: ${first}`, 400, false);
    }
    throw errorFor(response.status, text, response.headers, this.now());
  }

  /**
   * Sets and increments profile properties. /engage answers 200 even when it rejects the batch
   * ({"status": 0, "error": "…"} with verbose=1, or a bare 0): that is a failure too.
   */
  async engage(updates: readonly ProfileUpdate[]): Promise<{ updated: number }> {
    const token = this.options.projectToken;
    if (!token) throw new ProviderError("Updating Mixpanel profiles needs the project_token: add it to the Mixpanel connection (Project Settings → Overview).", 0, false);
    if (updates.length === 0) return { updated: 0 };
    if (updates.length > IMPORT_MAX_EVENTS) throw new ProviderError(`Mixpanel /engage takes at most ${IMPORT_MAX_EVENTS} updates per request; got ${updates.length}.`, 0, false);
    const body: { [key: string]: Json }[] = [];
    for (const update of updates) {
      if (update.set && Object.keys(update.set).length > 0) body.push({ $token: token, $distinct_id: update.distinct_id, $set: update.set });
      if (update.add && Object.keys(update.add).length > 0) body.push({ $token: token, $distinct_id: update.distinct_id, $add: update.add });
    }
    const response = await providerFetch(
      {
        method: "POST",
        url: `${this.options.ingestionOrigin}/engage?verbose=1`,
        headers: { "Content-Type": "application/json", Accept: "application/json" },
        body: JSON.stringify(body),
        provider: PROVIDER,
        timeoutMs: this.timeoutMs,
      },
      this.now,
    );
    const text = (await response.text()).trim();
    let status: unknown = text;
    let error: unknown = null;
    try {
      const parsed: unknown = JSON.parse(text);
      if (isObject(parsed)) {
        status = parsed.status;
        error = parsed.error;
      } else status = parsed;
    } catch {
      throw new ProviderError(`Mixpanel /engage answered ${response.status} with a body that is neither JSON nor a status.`, response.status, true);
    }
    if (status !== 1 && status !== "1") {
      const said = typeof error === "string" && error ? error.slice(0, 300) : "no reason given";
      throw new ProviderError(`Mixpanel /engage answered ${response.status} but rejected the update: ${said}`, response.status, false);
    }
    return { updated: body.length };
  }

  /** Daily counts of one event, optionally filtered and segmented (GET /api/query/segmentation). */
  async segmentation(query: SegmentationQuery): Promise<SegmentationResult> {
    if (this.options.budget) {
      const reserved = await this.options.budget.reserve(new Date(this.now()));
      if (!reserved.ok) {
        throw new ProviderError(
          `This workspace used Mixpanel's ${QUERY_LIMIT_PER_HOUR} queries per hour; try again in ${Math.ceil(reserved.retryAfterSeconds / 60)} min.`,
          429,
          true,
          reserved.retryAfterSeconds,
        );
      }
    }
    const params = new URLSearchParams({ project_id: this.options.projectId, event: query.event, from_date: query.from_date, to_date: query.to_date, unit: "day", type: "general" });
    if (query.where) params.set("where", query.where);
    if (query.on) params.set("on", query.on);
    let response: Response;
    try {
      response = await providerFetch(
        { method: "GET", url: `${this.options.queryOrigin}/api/query/segmentation?${params}`, headers: { Authorization: this.auth, Accept: "application/json" }, provider: PROVIDER, timeoutMs: this.timeoutMs },
        this.now,
      );
    } catch (error) {
      throw withBackoff(error, 1);
    }
    const parsed = await providerJson(response, PROVIDER);
    const data = isObject(parsed) && isObject(parsed.data) ? parsed.data : null;
    if (!data || !Array.isArray(data.series) || !isObject(data.values)) {
      throw new ProviderError("Mixpanel answered the segmentation query without data.series and data.values.", response.status, true);
    }
    const values: SegmentationResult["values"] = {};
    for (const [segment, byDay] of Object.entries(data.values)) {
      if (!isObject(byDay)) continue;
      const days: { [day: string]: number } = {};
      for (const [day, count] of Object.entries(byDay)) if (typeof count === "number" && Number.isFinite(count)) days[day] = count;
      values[segment] = days;
    }
    return { days: data.series.filter((day): day is string => typeof day === "string"), values };
  }

  /** Who the service account is and which projects it reaches (GET /api/app/me): the cheapest authenticated call. */
  async me(): Promise<{ name: string | null; email: string | null; projectIds: string[] }> {
    const response = await providerFetch(
      { method: "GET", url: `${this.options.queryOrigin}/api/app/me`, headers: { Authorization: this.auth, Accept: "application/json" }, provider: PROVIDER, timeoutMs: this.timeoutMs },
      this.now,
    );
    const parsed = await providerJson(response, PROVIDER);
    const results = isObject(parsed) && isObject(parsed.results) ? parsed.results : {};
    const projects = isObject(results.projects) ? Object.keys(results.projects) : [];
    return {
      name: typeof results.user_name === "string" ? results.user_name : null,
      email: typeof results.user_email === "string" ? results.user_email : null,
      projectIds: projects,
    };
  }
}

/** The ProviderError for a refused answer, as providerFetch makes it. */
function errorFor(status: number, text: string, headers: Headers, nowMs: number): ProviderError {
  if (status >= 300 && status < 400) return new ProviderError(`Mixpanel answered with a redirect (${status}), which is not followed; check the region.`, status, false);
  const said = providerMessage(text);
  return new ProviderError(`Mixpanel answered ${status}${said ? `: ${said}` : "."}`, status, status === 429 || status >= 500, retryAfterSeconds(headers, nowMs));
}

/** A 429 without a retry hint gets Mixpanel's documented backoff for this attempt. */
export function withBackoff(error: unknown, attempt: number, random: () => number = Math.random): unknown {
  if (error instanceof ProviderError && error.status === 429 && error.retryAfterSeconds === null) {
    return new ProviderError(error.message, error.status, true, mixpanelBackoffSeconds(attempt, random));
  }
  return error;
}
