import { registerFake, type RecordedRequest } from "./router.ts";

/**
 * A fake Zendesk Support API for https://{subdomain}.zendesk.com/api/v2, in Zendesk's wire
 * format: JSON bodies ({ticket}, {user}, {results, meta, links}), its error shapes
 * ({"error": "Couldn't authenticate you"}, {"error": "RecordNotFound", "description": …}),
 * rate-limit headers on every answer, Idempotency-Key on ticket creation (same key + same body
 * → the first ticket with x-idempotency-lookup: hit; same key + another body → 400) and cursor
 * pagination on /search/export. State is per host (subdomain), so tests do not share tickets.
 *
 * Credentials: Basic base64("{email}/token:{token}") or Bearer; a token or bearer starting
 * with "bad" is refused with 401, one starting with "enduser" answers /users/me as an end user.
 */

interface StoredTicket {
  id: number;
  url: string;
  external_id: string | null;
  subject: string;
  description: string;
  status: string;
  priority: string | null;
  type: string | null;
  requester_id: number | null;
  submitter_id: number | null;
  assignee_id: number | null;
  organization_id: number | null;
  tags: string[];
  created_at: string;
  updated_at: string;
  comments: { id: number; body: string; public: boolean; author_id: number | null; created_at: string }[];
}

interface StoredUser {
  id: number;
  url: string;
  name: string;
  email: string;
  role: string;
  external_id: string | null;
  organization_id: number | null;
  phone: string | null;
  created_at: string;
  updated_at: string;
}

interface HostState {
  nextId: number;
  tickets: Map<number, StoredTicket>;
  users: Map<number, StoredUser>;
  idempotency: Map<string, { body: string; ticketId: number }>;
  calls: number;
}

const states = new Map<string, HostState>();

function stateOf(host: string): HostState {
  let state = states.get(host);
  if (!state) {
    state = { nextId: 1000, tickets: new Map(), users: new Map(), idempotency: new Map(), calls: 0 };
    states.set(host, state);
  }
  return state;
}

const RATE_LIMIT = 700;

function answer(state: HostState, status: number, body: unknown, headers: Record<string, string> = {}): Response {
  state.calls += 1;
  const remaining = Math.max(0, RATE_LIMIT - state.calls);
  return new Response(body === null ? null : JSON.stringify(body), {
    status,
    headers: {
      "Content-Type": "application/json; charset=utf-8",
      "X-Rate-Limit": String(RATE_LIMIT),
      "X-Rate-Limit-Remaining": String(remaining),
      "ratelimit-limit": String(RATE_LIMIT),
      "ratelimit-remaining": String(remaining),
      "ratelimit-reset": "60",
      "X-Zendesk-API-Version": "v2",
      ...headers,
    },
  });
}

type Caller = { kind: "agent" | "end-user"; email: string } | { kind: "refused" };

function callerOf(authorization: string | undefined): Caller {
  if (!authorization) return { kind: "refused" };
  const bearer = /^Bearer (.+)$/.exec(authorization);
  if (bearer) {
    const token = bearer[1] ?? "";
    if (token.startsWith("bad")) return { kind: "refused" };
    return { kind: token.startsWith("enduser") ? "end-user" : "agent", email: "oauth-agent@example.com" };
  }
  const basic = /^Basic ([A-Za-z0-9+/=]+)$/.exec(authorization);
  if (!basic) return { kind: "refused" };
  let decoded = "";
  try {
    decoded = atob(basic[1] ?? "");
  } catch {
    return { kind: "refused" };
  }
  const match = /^([^/:]+@[^/:]+)\/token:(.+)$/.exec(decoded);
  if (!match || (match[2] ?? "").startsWith("bad")) return { kind: "refused" };
  return { kind: (match[2] ?? "").startsWith("enduser") ? "end-user" : "agent", email: match[1] ?? "" };
}

function publicTicket(ticket: StoredTicket): Omit<StoredTicket, "comments"> {
  const { comments: _comments, ...rest } = ticket;
  return rest;
}

function invalid(state: HostState, description: string): Response {
  return answer(state, 422, { error: "RecordInvalid", description: "Record validation errors", details: { base: [{ description }] } });
}

type JsonObject = { [key: string]: unknown };

function objectAt(value: unknown, key: string): JsonObject | null {
  if (!value || typeof value !== "object") return null;
  const inner = (value as JsonObject)[key];
  return inner && typeof inner === "object" && !Array.isArray(inner) ? (inner as JsonObject) : null;
}

const str = (value: unknown): string | null => (typeof value === "string" ? value : null);
const num = (value: unknown): number | null => (typeof value === "number" && Number.isInteger(value) ? value : null);

function findOrCreateUser(state: HostState, email: string, name: string | null, now: string): StoredUser {
  for (const user of state.users.values()) if (user.email === email.toLowerCase()) return user;
  const id = state.nextId++;
  const user: StoredUser = { id, url: "", name: name ?? email, email: email.toLowerCase(), role: "end-user", external_id: null, organization_id: null, phone: null, created_at: now, updated_at: now };
  state.users.set(id, user);
  return user;
}

function matches(ticket: StoredTicket, state: HostState, query: string): boolean {
  for (const term of query.trim().split(/\s+/)) {
    const [key, ...rest] = term.split(":");
    const value = rest.join(":");
    if (!value) continue;
    if (key === "type" && value !== "ticket") return false;
    if (key === "organization" && String(ticket.organization_id) !== value) return false;
    if (key === "status" && ticket.status !== value) return false;
    if (key === "external_id" && ticket.external_id !== value) return false;
    if (key === "requester") {
      const requester = ticket.requester_id === null ? null : state.users.get(ticket.requester_id);
      if (!requester || (requester.email !== value.toLowerCase() && String(requester.id) !== value)) return false;
    }
  }
  return true;
}

async function handle(request: Request, recorded: RecordedRequest): Promise<Response> {
  const url = new URL(request.url);
  const state = stateOf(url.host);
  const caller = callerOf(recorded.headers.authorization);
  if (caller.kind === "refused") return answer(state, 401, { error: "Couldn't authenticate you" });
  const path = url.pathname.replace(/\/+$/, "");
  const now = new Date().toISOString();
  const origin = `https://${url.host}/api/v2`;
  let body: unknown = null;
  if (recorded.body) {
    try {
      body = JSON.parse(recorded.body);
    } catch {
      return answer(state, 400, { error: "Unprocessable Entity", description: "Server could not parse JSON" });
    }
  }

  if (request.method === "GET" && path === "/api/v2/users/me") {
    return answer(state, 200, { user: { id: 1, url: `${origin}/users/1.json`, name: caller.kind === "agent" ? "Fake Agent" : "Fake Customer", email: caller.email, role: caller.kind === "agent" ? "admin" : "end-user", active: true } });
  }

  if (request.method === "POST" && path === "/api/v2/tickets") {
    const input = objectAt(body, "ticket");
    if (!input) return answer(state, 400, { error: "InvalidEndpoint", description: "Ticket data missing" });
    const key = recorded.headers["idempotency-key"];
    if (key) {
      const seen = state.idempotency.get(key);
      if (seen && seen.body !== recorded.body) {
        return answer(state, 400, { error: "IdempotentRequestError", description: "The request payload does not match the original request for this idempotency key" });
      }
      const first = seen ? state.tickets.get(seen.ticketId) : undefined;
      if (first) return answer(state, 201, { ticket: publicTicket(first) }, { "x-idempotency-lookup": "hit", Location: first.url });
    }
    const comment = objectAt(input, "comment");
    const commentBody = str(comment?.body) ?? str(comment?.html_body);
    if (!commentBody) return invalid(state, "Description: cannot be blank");
    const requesterInput = objectAt(input, "requester");
    const requesterEmail = str(requesterInput?.email);
    const requester = requesterEmail ? findOrCreateUser(state, requesterEmail, str(requesterInput?.name), now) : null;
    const id = state.nextId++;
    const ticket: StoredTicket = {
      id,
      url: `${origin}/tickets/${id}.json`,
      external_id: str(input.external_id),
      subject: str(input.subject) ?? commentBody.slice(0, 50),
      description: commentBody,
      status: str(input.status) ?? "new",
      priority: str(input.priority),
      type: str(input.type),
      requester_id: requester?.id ?? num(input.requester_id) ?? 1,
      submitter_id: 1,
      assignee_id: null,
      organization_id: num(input.organization_id) ?? requester?.organization_id ?? null,
      tags: Array.isArray(input.tags) ? input.tags.filter((tag): tag is string => typeof tag === "string") : [],
      created_at: now,
      updated_at: now,
      comments: [{ id: state.nextId++, body: commentBody, public: comment?.public !== false, author_id: 1, created_at: now }],
    };
    state.tickets.set(id, ticket);
    if (key) state.idempotency.set(key, { body: recorded.body, ticketId: id });
    return answer(state, 201, { ticket: publicTicket(ticket), audit: { id: state.nextId++, ticket_id: id, created_at: now } }, { Location: ticket.url, ...(key ? { "x-idempotency-lookup": "miss" } : {}) });
  }

  const ticketPath = /^\/api\/v2\/tickets\/(\d+)(\/comments)?$/.exec(path);
  if (ticketPath) {
    const ticket = state.tickets.get(Number(ticketPath[1]));
    if (!ticket) return answer(state, 404, { error: "RecordNotFound", description: "Not found" });
    if (request.method === "GET" && ticketPath[2]) {
      return answer(state, 200, { comments: ticket.comments.map((c) => ({ ...c, type: "Comment", html_body: `<p>${c.body}</p>` })), next_page: null, previous_page: null, count: ticket.comments.length });
    }
    if (request.method === "GET") return answer(state, 200, { ticket: publicTicket(ticket) });
    if (request.method === "PUT" && !ticketPath[2]) {
      const input = objectAt(body, "ticket");
      if (!input) return answer(state, 400, { error: "InvalidEndpoint", description: "Ticket data missing" });
      if (ticket.status === "closed") return invalid(state, "Status: closed prevents ticket update");
      const status = str(input.status);
      if (status && !["new", "open", "pending", "hold", "solved", "closed"].includes(status)) return invalid(state, `Status: ${status} is not valid`);
      if (status) ticket.status = status;
      if ("priority" in input) ticket.priority = str(input.priority);
      if (str(input.subject)) ticket.subject = str(input.subject) as string;
      if (str(input.type)) ticket.type = str(input.type);
      if ("assignee_id" in input) ticket.assignee_id = num(input.assignee_id);
      if (Array.isArray(input.tags)) ticket.tags = input.tags.filter((tag): tag is string => typeof tag === "string");
      const comment = objectAt(input, "comment");
      const commentBody = str(comment?.body);
      if (comment && commentBody) ticket.comments.push({ id: state.nextId++, body: commentBody, public: comment.public !== false, author_id: num(comment.author_id) ?? 1, created_at: now });
      ticket.updated_at = now;
      return answer(state, 200, { ticket: publicTicket(ticket), audit: { id: state.nextId++, ticket_id: ticket.id, created_at: now } });
    }
  }

  if (request.method === "POST" && path === "/api/v2/users/create_or_update") {
    const input = objectAt(body, "user");
    const email = str(input?.email)?.toLowerCase();
    const externalId = str(input?.external_id);
    if (!input || (!email && !externalId)) return invalid(state, "Email: cannot be blank");
    const existing = [...state.users.values()].find((user) => (email && user.email === email) || (externalId && user.external_id === externalId));
    const user: StoredUser = existing ?? { id: state.nextId++, url: "", name: "", email: email ?? "", role: "end-user", external_id: null, organization_id: null, phone: null, created_at: now, updated_at: now };
    user.url = `${origin}/users/${user.id}.json`;
    if (str(input.name)) user.name = str(input.name) as string;
    if (email) user.email = email;
    if (externalId) user.external_id = externalId;
    if (num(input.organization_id) !== null) user.organization_id = num(input.organization_id);
    if (str(input.phone)) user.phone = str(input.phone);
    if (str(input.role)) user.role = str(input.role) as string;
    user.updated_at = now;
    state.users.set(user.id, user);
    return answer(state, existing ? 200 : 201, { user });
  }

  if (request.method === "GET" && path === "/api/v2/search/export") {
    const query = url.searchParams.get("query");
    if (!query) return answer(state, 400, { error: "InvalidSearchParameters", description: "query parameter is required" });
    if (url.searchParams.get("filter[type]") !== "ticket") return answer(state, 400, { error: "InvalidSearchParameters", description: "filter[type] is required for export" });
    const size = Number(url.searchParams.get("page[size]") ?? "100");
    if (!Number.isInteger(size) || size < 1 || size > 1000) return answer(state, 400, { error: "InvalidPaginationParameter", description: "page[size] must be between 1 and 1000" });
    const after = url.searchParams.get("page[after]");
    let start = 0;
    if (after) {
      const decoded = /^c(\d+)$/.exec(after);
      if (!decoded) return answer(state, 400, { error: "InvalidPaginationParameter", description: "page[after] is not a valid cursor" });
      start = Number(decoded[1]);
    }
    const found = [...state.tickets.values()].filter((ticket) => matches(ticket, state, query)).sort((a, b) => a.id - b.id);
    const page = found.slice(start, start + size);
    const hasMore = start + size < found.length;
    const afterCursor = hasMore ? `c${start + size}` : null;
    return answer(state, 200, {
      results: page.map((ticket) => ({ ...publicTicket(ticket), result_type: "ticket" })),
      facets: null,
      meta: { has_more: hasMore, after_cursor: afterCursor, before_cursor: start > 0 ? `c${Math.max(0, start - size)}` : null },
      links: { next: afterCursor ? `${origin}/search/export?${new URLSearchParams({ query, "filter[type]": "ticket", "page[size]": String(size), "page[after]": afterCursor })}` : null, prev: null },
    });
  }

  return answer(state, 404, { error: "InvalidEndpoint", description: "Not found" });
}

registerFake({
  name: "zendesk",
  handles: (host) => host.endsWith(".zendesk.com"),
  handle,
  reset: (host) => {
    states.delete(host);
  },
});
