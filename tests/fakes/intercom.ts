import { registerFake, type RecordedRequest } from "./router.ts";

/**
 * A fake Intercom REST API (api.intercom.io, api.eu.intercom.io, api.au.intercom.io) speaking
 * version 2.14's wire format for the calls the integration makes: GET /me, contacts (search with
 * cursor pages, create with 409 on a duplicate, get, update), messages, notes, events (202, no
 * body) and tags. Errors are Intercom's `{"type":"error.list","errors":[{code,message}]}`; every
 * answer carries X-RateLimit-Limit/Remaining/Reset (epoch). State is per host and token, so
 * test files sharing the fake never see each other's contacts.
 *
 * Tokens: one starting "revoked" answers 401; one starting "noscope" answers 403 on everything.
 */

const HOSTS = new Set(["api.intercom.io", "api.eu.intercom.io", "api.au.intercom.io"]);

interface Contact {
  type: "contact";
  id: string;
  workspace_id: string;
  role: "user" | "lead";
  external_id: string | null;
  email: string | null;
  name: string | null;
  custom_attributes: Record<string, unknown>;
  tags: string[];
  created_at: number;
  updated_at: number;
}

interface Workspace {
  contacts: Contact[];
  tags: Map<string, { type: "tag"; id: string; name: string }>;
  notes: { id: string; contact_id: string; admin_id: string; body: string }[];
  messages: { id: string; to: string; from: string; message_type: string; subject: string | null; body: string }[];
  events: { event_name: string; created_at: number; contact_id: string; metadata: Record<string, unknown> }[];
  sequence: number;
}

const workspaces = new Map<string, Workspace>();

function workspaceOf(host: string, token: string): Workspace {
  const key = `${host}|${token}`;
  let workspace = workspaces.get(key);
  if (!workspace) {
    workspace = { contacts: [], tags: new Map(), notes: [], messages: [], events: [], sequence: 1000 };
    workspaces.set(key, workspace);
  }
  return workspace;
}

function nextId(workspace: Workspace, prefix = ""): string {
  workspace.sequence += 1;
  return `${prefix}${workspace.sequence.toString(16).padStart(24, "6")}`;
}

function rateHeaders(): Record<string, string> {
  const reset = Math.ceil(Date.now() / 10_000) * 10;
  return { "X-RateLimit-Limit": "10000", "X-RateLimit-Remaining": "9990", "X-RateLimit-Reset": String(reset) };
}

function json(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json; charset=utf-8", ...rateHeaders() } });
}

function error(status: number, code: string, message: string): Response {
  return json(status, { type: "error.list", request_id: crypto.randomUUID(), errors: [{ code, message }] });
}

function view(contact: Contact): Record<string, unknown> {
  return {
    type: "contact",
    id: contact.id,
    workspace_id: contact.workspace_id,
    external_id: contact.external_id,
    role: contact.role,
    email: contact.email,
    name: contact.name,
    custom_attributes: contact.custom_attributes,
    tags: { type: "list", data: contact.tags.map((id) => ({ type: "tag", id })) },
    created_at: contact.created_at,
    updated_at: contact.updated_at,
  };
}

type Filter = { field?: unknown; operator?: unknown; value?: unknown };

function matches(contact: Contact, filter: Filter): boolean {
  if (Array.isArray(filter.value) && (filter.operator === "AND" || filter.operator === "OR")) {
    const parts = filter.value as Filter[];
    return filter.operator === "AND" ? parts.every((part) => matches(contact, part)) : parts.some((part) => matches(contact, part));
  }
  const field = String(filter.field);
  const actual = field === "email" ? contact.email : field === "external_id" ? contact.external_id : field === "id" ? contact.id : field === "role" ? contact.role : undefined;
  if (actual === undefined) return false;
  if (filter.operator === "=") return actual === filter.value;
  if (filter.operator === "!=") return actual !== filter.value;
  if (filter.operator === "~") return typeof actual === "string" && actual.includes(String(filter.value));
  if (filter.operator === "IN") return Array.isArray(filter.value) && filter.value.includes(actual);
  return false;
}

function parseBody(recorded: RecordedRequest): Record<string, unknown> | null {
  if (!recorded.body) return {};
  try {
    const parsed: unknown = JSON.parse(recorded.body);
    return parsed && typeof parsed === "object" && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

function handle(request: Request, recorded: RecordedRequest): Response {
  const url = new URL(request.url);
  const auth = recorded.headers.authorization ?? "";
  if (!auth.startsWith("Bearer ") || auth.length <= 7) return error(401, "unauthorized", "Access Token Invalid");
  const token = auth.slice(7);
  if (token.startsWith("revoked")) return error(401, "unauthorized", "Access Token Invalid");
  if (token.startsWith("noscope")) return error(403, "forbidden", "Your app does not have the required permission for this action");
  const version = recorded.headers["intercom-version"];
  if (version && !/^\d+\.\d+$|^Unstable$/.test(version)) return error(400, "intercom_version_invalid", "Requested Intercom-Version is not valid");
  const body = parseBody(recorded);
  if (body === null) return error(400, "parameter_invalid", "Request body is not valid JSON");
  const workspace = workspaceOf(url.host, token);
  const now = Math.floor(Date.now() / 1000);
  const path = url.pathname;
  const method = request.method;
  const find = (id: string) => workspace.contacts.find((contact) => contact.id === id);

  if (method === "GET" && path === "/me") {
    const region = url.host === "api.eu.intercom.io" ? "Europe" : url.host === "api.au.intercom.io" ? "Australia" : "United States";
    return json(200, {
      type: "admin",
      id: "991267",
      email: "ada@fake-intercom.test",
      name: "Ada Admin",
      email_verified: true,
      app: { type: "app", id_code: "fk3xyz12", name: "Fake Workspace", region, timezone: "Europe/London", identity_verification: false },
    });
  }

  if (method === "POST" && path === "/contacts/search") {
    const query = body.query as Filter | undefined;
    if (!query || typeof query !== "object") return error(400, "parameter_invalid", "query is required");
    const pagination = (body.pagination ?? {}) as { per_page?: unknown; starting_after?: unknown };
    const perPage = typeof pagination.per_page === "number" ? pagination.per_page : 50;
    if (perPage < 1 || perPage > 150) return error(400, "parameter_invalid", "per_page must be between 1 and 150");
    const all = workspace.contacts.filter((contact) => matches(contact, query));
    let start = 0;
    if (typeof pagination.starting_after === "string") {
      start = Number(atob(pagination.starting_after).split(":")[1]);
      if (!Number.isInteger(start)) return error(400, "parameter_invalid", "starting_after is invalid");
    }
    const page = all.slice(start, start + perPage);
    const more = start + perPage < all.length;
    return json(200, {
      type: "list",
      data: page.map(view),
      total_count: all.length,
      pages: {
        type: "pages",
        page: Math.floor(start / perPage) + 1,
        per_page: perPage,
        total_pages: Math.max(1, Math.ceil(all.length / perPage)),
        ...(more ? { next: { page: Math.floor(start / perPage) + 2, starting_after: btoa(`cursor:${start + perPage}`) } } : {}),
      },
    });
  }

  if (method === "POST" && path === "/contacts") {
    const role = body.role === "lead" ? "lead" : "user";
    const email = typeof body.email === "string" ? body.email : null;
    const externalId = typeof body.external_id === "string" ? body.external_id : null;
    if (!email && !externalId && role === "user") return error(400, "parameter_not_found", "A user must have an email or external_id");
    const duplicate = workspace.contacts.find(
      (contact) => contact.role === role && ((externalId && contact.external_id === externalId) || (email && contact.email === email && (!externalId || !contact.external_id))),
    );
    if (duplicate) return error(409, "conflict", `A contact matching those details already exists with id=${duplicate.id}`);
    const contact: Contact = {
      type: "contact",
      id: nextId(workspace),
      workspace_id: "fk3xyz12",
      role,
      external_id: externalId,
      email,
      name: typeof body.name === "string" ? body.name : null,
      custom_attributes: (body.custom_attributes as Record<string, unknown> | undefined) ?? {},
      tags: [],
      created_at: now,
      updated_at: now,
    };
    workspace.contacts.push(contact);
    return json(200, view(contact));
  }

  const contactPath = /^\/contacts\/([^/]+)(\/notes|\/tags)?$/.exec(path);
  if (contactPath?.[1]) {
    const contact = find(decodeURIComponent(contactPath[1]));
    if (!contact) return error(404, "not_found", "User Not Found");
    const sub = contactPath[2];
    if (!sub && method === "GET") return json(200, view(contact));
    if (!sub && method === "PUT") {
      for (const field of ["email", "external_id", "name"] as const) if (typeof body[field] === "string") contact[field] = body[field] as string;
      if (body.custom_attributes && typeof body.custom_attributes === "object") Object.assign(contact.custom_attributes, body.custom_attributes);
      contact.updated_at = now;
      return json(200, view(contact));
    }
    if (sub === "/notes" && method === "POST") {
      if (typeof body.body !== "string" || !body.body) return error(400, "parameter_not_found", "body is required");
      const admin = body.admin_id === undefined ? null : String(body.admin_id);
      if (admin !== null && !/^\d+$/.test(admin)) return error(404, "admin_not_found", "Admin not found");
      const note = { id: nextId(workspace), contact_id: contact.id, admin_id: admin ?? "", body: body.body };
      workspace.notes.push(note);
      return json(200, { type: "note", id: note.id, created_at: now, contact: { type: "contact", id: contact.id }, author: admin ? { type: "admin", id: admin } : null, body: `<p>${note.body}</p>` });
    }
    if (sub === "/tags" && method === "POST") {
      const tag = [...workspace.tags.values()].find((candidate) => candidate.id === String(body.id));
      if (!tag) return error(404, "tag_not_found", "Tag not found");
      if (!contact.tags.includes(tag.id)) contact.tags.push(tag.id);
      return json(200, tag);
    }
  }

  if (method === "POST" && path === "/messages") {
    const from = body.from as { type?: unknown; id?: unknown } | undefined;
    const to = body.to as { type?: unknown; id?: unknown } | undefined;
    if (!from || from.type !== "admin" || !/^\d+$/.test(String(from.id))) return error(400, "parameter_invalid", "from must be an admin");
    if (body.message_type !== "inapp" && body.message_type !== "email") return error(400, "parameter_invalid", "message_type must be inapp or email");
    if (body.message_type === "email" && typeof body.subject !== "string") return error(400, "parameter_not_found", "subject is required for an email");
    if (typeof body.body !== "string" || !body.body) return error(400, "parameter_not_found", "body is required");
    const recipient = to ? find(String(to.id)) : undefined;
    if (!recipient) return error(404, "not_found", "User Not Found");
    const message = { id: nextId(workspace, ""), to: recipient.id, from: String(from.id), message_type: body.message_type, subject: typeof body.subject === "string" ? body.subject : null, body: body.body };
    workspace.messages.push(message);
    return json(200, { type: "user_message", id: message.id, created_at: now, subject: message.subject ?? "", body: message.body, message_type: message.message_type, conversation_id: String(workspace.sequence * 7) });
  }

  if (method === "POST" && path === "/events") {
    if (typeof body.event_name !== "string" || !body.event_name) return error(400, "parameter_not_found", "event_name is required");
    if (typeof body.created_at !== "number") return error(400, "parameter_invalid", "created_at must be a Unix timestamp");
    const contact =
      (typeof body.id === "string" && find(body.id)) ||
      (typeof body.user_id === "string" && workspace.contacts.find((candidate) => candidate.external_id === body.user_id)) ||
      (typeof body.email === "string" && workspace.contacts.find((candidate) => candidate.email === body.email)) ||
      undefined;
    if (!contact) return error(404, "not_found", "User Not Found");
    workspace.events.push({ event_name: body.event_name, created_at: body.created_at, contact_id: contact.id, metadata: (body.metadata as Record<string, unknown> | undefined) ?? {} });
    return new Response(null, { status: 202, headers: rateHeaders() });
  }

  if (method === "POST" && path === "/tags") {
    if (typeof body.name !== "string" || !body.name) return error(400, "parameter_not_found", "name is required");
    let tag = workspace.tags.get(body.name);
    if (!tag) {
      tag = { type: "tag", id: String(workspace.sequence++), name: body.name };
      workspace.tags.set(body.name, tag);
    }
    return json(200, tag);
  }

  return error(404, "not_found", `Resource Not Found: ${method} ${path}`);
}

registerFake({
  name: "intercom",
  handles: (host) => HOSTS.has(host),
  handle,
  reset(host) {
    for (const key of [...workspaces.keys()]) if (key.startsWith(`${host}|`)) workspaces.delete(key);
  },
});
