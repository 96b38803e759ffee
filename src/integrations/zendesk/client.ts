import { z } from "zod";
import { ProviderError, providerFetch, providerJson } from "../http";

/**
 * A plain fetch client for the Zendesk Support API (https://{subdomain}.zendesk.com/api/v2):
 * one method per call the integration makes. Every call goes through providerFetch (no
 * redirects, a time limit, 429/5xx as retryable ProviderErrors carrying Retry-After), and every
 * answer is checked against the shape we rely on, so a malformed 2xx is a retryable refusal
 * rather than a crash further on.
 */

const PROVIDER = "Zendesk";

/** Zendesk ids are 64-bit integers; JSON carries them as numbers (event payloads as strings). */
const zendeskId = z.union([z.number().int(), z.string().regex(/^\d+$/).transform(Number)]);

export const zendeskTicket = z.looseObject({
  id: zendeskId,
  subject: z.string().nullable().optional(),
  description: z.string().nullable().optional(),
  status: z.string(),
  priority: z.string().nullable().optional(),
  type: z.string().nullable().optional(),
  requester_id: zendeskId.nullable().optional(),
  assignee_id: zendeskId.nullable().optional(),
  organization_id: zendeskId.nullable().optional(),
  external_id: z.string().nullable().optional(),
  tags: z.array(z.string()).optional(),
  created_at: z.string().optional(),
  updated_at: z.string().optional(),
});
export type ZendeskTicket = z.output<typeof zendeskTicket>;

export const zendeskUser = z.looseObject({
  id: zendeskId.nullable(),
  name: z.string().nullable().optional(),
  email: z.string().nullable().optional(),
  role: z.string().nullable().optional(),
  external_id: z.string().nullable().optional(),
  organization_id: zendeskId.nullable().optional(),
});
export type ZendeskUser = z.output<typeof zendeskUser>;

const ticketAnswer = z.object({ ticket: zendeskTicket });
const userAnswer = z.object({ user: zendeskUser });
const exportAnswer = z.object({
  results: z.array(zendeskTicket),
  meta: z.object({ has_more: z.boolean(), after_cursor: z.string().nullable().optional() }),
});

export const ZENDESK_PRIORITIES = ["urgent", "high", "normal", "low"] as const;
export type ZendeskPriority = (typeof ZENDESK_PRIORITIES)[number];
export const ZENDESK_STATUSES = ["new", "open", "pending", "hold", "solved", "closed"] as const;
export type ZendeskStatus = (typeof ZENDESK_STATUSES)[number];

export interface NewZendeskTicket {
  subject: string;
  comment: { body: string; public: boolean };
  priority?: ZendeskPriority;
  status?: ZendeskStatus;
  type?: "problem" | "incident" | "question" | "task";
  requester?: { email: string; name?: string };
  requester_id?: number;
  organization_id?: number;
  external_id?: string;
  tags?: string[];
}

export interface ZendeskTicketChanges {
  subject?: string;
  status?: ZendeskStatus;
  priority?: ZendeskPriority;
  type?: "problem" | "incident" | "question" | "task";
  assignee_id?: number | null;
  tags?: string[];
  comment?: { body: string; public: boolean; author_id?: number };
}

export interface ZendeskUserInput {
  email: string;
  name: string;
  external_id?: string;
  organization_id?: number;
  phone?: string;
  role?: "end-user" | "agent" | "admin";
}

export interface TicketPage {
  tickets: ZendeskTicket[];
  /** Pass back as `after` for the next page; null on the last one. */
  nextCursor: string | null;
}

function parsed<T>(schema: z.ZodType<T>, value: unknown, what: string, status: number): T {
  const result = schema.safeParse(value);
  if (!result.success) throw new ProviderError(`${PROVIDER} answered ${status} with a body that is not ${what}.`, status, true);
  return result.data;
}

export class ZendeskClient {
  constructor(
    /** https://{subdomain}.zendesk.com/api/v2 (connection.ts builds it, pinned). */
    readonly baseUrl: string,
    private readonly authorization: string,
    private readonly options: { timeoutMs?: number } = {},
  ) {}

  private async call(method: "GET" | "POST" | "PUT", path: string, body?: unknown, extraHeaders: Record<string, string> = {}): Promise<{ status: number; headers: Headers; json: unknown }> {
    const response = await providerFetch({
      method,
      url: `${this.baseUrl}${path}`,
      headers: {
        Authorization: this.authorization,
        Accept: "application/json",
        ...(body === undefined ? {} : { "Content-Type": "application/json" }),
        ...extraHeaders,
      },
      body: body === undefined ? undefined : JSON.stringify(body),
      provider: PROVIDER,
      timeoutMs: this.options.timeoutMs,
    });
    return { status: response.status, headers: response.headers, json: await providerJson(response, PROVIDER) };
  }

  /** GET /users/me: the cheapest authenticated call (who the credentials belong to). */
  async me(): Promise<ZendeskUser> {
    const answer = await this.call("GET", "/users/me");
    return parsed(userAnswer, answer.json, "a user", answer.status).user;
  }

  /**
   * POST /tickets with an Idempotency-Key: Zendesk answers a repeated key with the first
   * ticket (x-idempotency-lookup: hit) instead of creating a second one.
   */
  async createTicket(ticket: NewZendeskTicket, idempotencyKey?: string): Promise<{ ticket: ZendeskTicket; replayed: boolean }> {
    const answer = await this.call("POST", "/tickets", { ticket }, idempotencyKey ? { "Idempotency-Key": idempotencyKey } : {});
    return { ticket: parsed(ticketAnswer, answer.json, "a ticket", answer.status).ticket, replayed: answer.headers.get("x-idempotency-lookup") === "hit" };
  }

  /** GET /tickets/{id}. */
  async getTicket(id: number): Promise<ZendeskTicket> {
    const answer = await this.call("GET", `/tickets/${encodeURIComponent(String(id))}`);
    return parsed(ticketAnswer, answer.json, "a ticket", answer.status).ticket;
  }

  /** PUT /tickets/{id}: status, priority, subject, assignee, tags and/or a comment. */
  async updateTicket(id: number, changes: ZendeskTicketChanges): Promise<ZendeskTicket> {
    const answer = await this.call("PUT", `/tickets/${encodeURIComponent(String(id))}`, { ticket: changes });
    return parsed(ticketAnswer, answer.json, "a ticket", answer.status).ticket;
  }

  /** A public reply or an internal note: PUT /tickets/{id} with a comment. */
  addComment(id: number, comment: { body: string; public: boolean; author_id?: number }): Promise<ZendeskTicket> {
    return this.updateTicket(id, { comment });
  }

  /** POST /users/create_or_update: matched on email or external_id; 201 created, 200 updated. */
  async createOrUpdateUser(user: ZendeskUserInput): Promise<{ user: ZendeskUser; created: boolean }> {
    const answer = await this.call("POST", "/users/create_or_update", { user });
    return { user: parsed(userAnswer, answer.json, "a user", answer.status).user, created: answer.status === 201 };
  }

  /**
   * One page of GET /search/export (cursor pagination, no 1,000-result cap) for tickets
   * matching a Zendesk search query, e.g. `organization:123` or `requester:ann@acme.com`.
   */
  async exportTickets(query: string, options: { after?: string | null; pageSize?: number } = {}): Promise<TicketPage> {
    const params = new URLSearchParams({ query, "filter[type]": "ticket", "page[size]": String(Math.min(Math.max(options.pageSize ?? 100, 1), 1000)) });
    if (options.after) params.set("page[after]", options.after);
    const answer = await this.call("GET", `/search/export?${params}`);
    const page = parsed(exportAnswer, answer.json, "a search export page", answer.status);
    return { tickets: page.results, nextCursor: page.meta.has_more && page.meta.after_cursor ? page.meta.after_cursor : null };
  }

  /** Every ticket matching the query, following the cursor up to `maxTickets` (then `truncated`). */
  async searchAllTickets(query: string, options: { maxTickets?: number; pageSize?: number } = {}): Promise<{ tickets: ZendeskTicket[]; truncated: boolean; pages: number }> {
    const maxTickets = options.maxTickets ?? 1000;
    const tickets: ZendeskTicket[] = [];
    let after: string | null = null;
    let pages = 0;
    do {
      const page: TicketPage = await this.exportTickets(query, { after, pageSize: Math.min(options.pageSize ?? 100, maxTickets - tickets.length) });
      pages += 1;
      tickets.push(...page.tickets);
      after = page.nextCursor;
    } while (after && tickets.length < maxTickets);
    return { tickets: tickets.slice(0, maxTickets), truncated: after !== null || tickets.length > maxTickets, pages };
  }
}
