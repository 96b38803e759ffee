import { providerFetch, providerJson, ProviderError } from "../http";
import { INTERCOM_VERSION } from "./connection";

/**
 * A plain fetch client for the Intercom REST API (version pinned by the Intercom-Version
 * header). One method per call the integration makes; every call goes through providerFetch,
 * so 429 and 5xx become retryable ProviderErrors (Intercom's 429 carries no Retry-After: the
 * X-RateLimit-Reset epoch gives the wait) and redirects are never followed.
 */

const PROVIDER = "Intercom";

export interface IntercomContact {
  type: "contact";
  id: string;
  role: "user" | "lead";
  external_id: string | null;
  email: string | null;
  name: string | null;
}

export interface IntercomAdmin {
  type: "admin";
  id: string;
  name: string | null;
  email: string | null;
  app: { name: string | null; id_code: string | null; region: string | null } | null;
}

export interface ContactPage {
  contacts: IntercomContact[];
  total: number | null;
  /** Pass as `startingAfter` for the next page; null on the last one. */
  next: string | null;
}

export interface NewContact {
  role: "user" | "lead";
  external_id?: string;
  email?: string;
  name?: string;
  custom_attributes?: Record<string, string | number | boolean | null>;
}

export interface NewMessage {
  message_type: "inapp" | "email";
  subject?: string;
  body: string;
  template: "plain" | "personal";
  from_admin_id: string;
  to: { type: "user" | "lead"; id: string };
}

export interface SentMessage {
  id: string;
  message_type: string;
  conversation_id: string | null;
  created_at: number | null;
}

export interface NewEvent {
  event_name: string;
  /** Unix seconds. */
  created_at: number;
  /** One of these identifies the contact. */
  id?: string;
  user_id?: string;
  email?: string;
  metadata?: Record<string, string | number | boolean>;
}

/** A search filter of Intercom's query language: {field, operator, value}. */
export interface SearchQuery {
  field: string;
  operator: "=" | "!=" | "~" | "IN";
  value: string | string[];
}

function record(value: unknown): Record<string, unknown> {
  return value && typeof value === "object" && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

function str(value: unknown): string | null {
  if (typeof value === "string") return value;
  if (typeof value === "number" && Number.isFinite(value)) return String(value);
  return null;
}

/** An answer that is JSON but not the shape we asked for: Intercom misbehaving, worth a retry. */
function malformed(what: string): ProviderError {
  return new ProviderError(`${PROVIDER} answered with ${what} that is missing its id; try again later.`, 200, true);
}

function toContact(value: unknown): IntercomContact {
  const item = record(value);
  const id = str(item.id);
  if (!id) throw malformed("a contact");
  return {
    type: "contact",
    id,
    role: item.role === "lead" ? "lead" : "user",
    external_id: str(item.external_id),
    email: str(item.email),
    name: str(item.name),
  };
}

export class IntercomClient {
  constructor(
    private readonly baseUrl: string,
    private readonly accessToken: string,
    private readonly options: { now?: () => number; timeoutMs?: number } = {},
  ) {}

  private async call(method: "GET" | "POST" | "PUT" | "DELETE", path: string, body?: unknown): Promise<unknown> {
    const headers: Record<string, string> = {
      Authorization: `Bearer ${this.accessToken}`,
      "Intercom-Version": INTERCOM_VERSION,
      Accept: "application/json",
    };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    const response = await providerFetch(
      {
        method,
        url: `${this.baseUrl}${path}`,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        provider: PROVIDER,
        ...(this.options.timeoutMs ? { timeoutMs: this.options.timeoutMs } : {}),
      },
      this.options.now,
    );
    return providerJson(response, PROVIDER);
  }

  /** GET /me: the admin the token belongs to, and its workspace. The cheapest authenticated call. */
  async me(): Promise<IntercomAdmin> {
    const answer = record(await this.call("GET", "/me"));
    const id = str(answer.id);
    if (!id) throw malformed("the token's admin");
    const app = answer.app ? record(answer.app) : null;
    return {
      type: "admin",
      id,
      name: str(answer.name),
      email: str(answer.email),
      app: app ? { name: str(app.name), id_code: str(app.id_code), region: str(app.region) } : null,
    };
  }

  /** POST /contacts/search: one page of contacts matching every filter, cursor-paged. */
  async searchContacts(filters: SearchQuery[], options: { perPage?: number; startingAfter?: string | null } = {}): Promise<ContactPage> {
    const query = filters.length === 1 ? filters[0] : { operator: "AND", value: filters };
    const pagination: Record<string, unknown> = { per_page: Math.min(Math.max(options.perPage ?? 50, 1), 150) };
    if (options.startingAfter) pagination.starting_after = options.startingAfter;
    const answer = record(await this.call("POST", "/contacts/search", { query, pagination }));
    if (!Array.isArray(answer.data)) throw new ProviderError(`${PROVIDER} answered a contact search without a data list; try again later.`, 200, true);
    const next = record(record(answer.pages).next);
    return {
      contacts: answer.data.map(toContact),
      total: typeof answer.total_count === "number" ? answer.total_count : null,
      next: str(next.starting_after),
    };
  }

  /** Every contact matching the filters, following the cursor, up to `limit`. */
  async searchAllContacts(filters: SearchQuery[], options: { limit?: number; perPage?: number } = {}): Promise<IntercomContact[]> {
    const limit = options.limit ?? 1_000;
    const found: IntercomContact[] = [];
    let cursor: string | null = null;
    do {
      const page: ContactPage = await this.searchContacts(filters, { perPage: options.perPage ?? 150, startingAfter: cursor });
      found.push(...page.contacts);
      cursor = page.next;
    } while (cursor && found.length < limit);
    return found.slice(0, limit);
  }

  /** The contact with this external_id, else the one with this email (first match), else null. */
  async findContact(keys: { external_id?: string; email?: string }): Promise<IntercomContact | null> {
    if (keys.external_id) {
      const page = await this.searchContacts([{ field: "external_id", operator: "=", value: keys.external_id }], { perPage: 1 });
      if (page.contacts[0]) return page.contacts[0];
    }
    if (keys.email) {
      const page = await this.searchContacts([{ field: "email", operator: "=", value: keys.email }], { perPage: 5 });
      // A contact whose external_id is someone else's is not this person.
      const match = page.contacts.find((contact) => !keys.external_id || !contact.external_id || contact.external_id === keys.external_id);
      if (match) return match;
    }
    return null;
  }

  /** GET /contacts/{id}. */
  async getContact(id: string): Promise<IntercomContact> {
    return toContact(await this.call("GET", `/contacts/${encodeURIComponent(id)}`));
  }

  /** POST /contacts: 409 when a contact with the same external_id or email exists. */
  async createContact(contact: NewContact): Promise<IntercomContact> {
    return toContact(await this.call("POST", "/contacts", contact));
  }

  /** PUT /contacts/{id}: changes the given fields. */
  async updateContact(id: string, changes: Omit<NewContact, "role"> & { role?: "user" | "lead" }): Promise<IntercomContact> {
    return toContact(await this.call("PUT", `/contacts/${encodeURIComponent(id)}`, changes));
  }

  /** POST /messages: an in-app message or an email from an admin to one contact. */
  async sendMessage(message: NewMessage): Promise<SentMessage> {
    const body: Record<string, unknown> = {
      message_type: message.message_type,
      body: message.body,
      template: message.template,
      from: { type: "admin", id: message.from_admin_id },
      to: message.to,
    };
    if (message.subject !== undefined) body.subject = message.subject;
    const answer = record(await this.call("POST", "/messages", body));
    const id = str(answer.id);
    if (!id) throw malformed("a message");
    return {
      id,
      message_type: str(answer.message_type) ?? message.message_type,
      conversation_id: str(answer.conversation_id),
      created_at: typeof answer.created_at === "number" ? answer.created_at : null,
    };
  }

  /** POST /contacts/{id}/notes: an internal note on a contact, written as an admin. */
  async addNote(contactId: string, body: string, adminId: string): Promise<{ id: string }> {
    const answer = record(await this.call("POST", `/contacts/${encodeURIComponent(contactId)}/notes`, { body, admin_id: adminId }));
    const id = str(answer.id);
    if (!id) throw malformed("a note");
    return { id };
  }

  /** POST /events: records a data event on a contact; Intercom answers 202 with no body. */
  async trackEvent(event: NewEvent): Promise<void> {
    await this.call("POST", "/events", event);
  }

  /** POST /tags: creates the tag, or answers the existing one with that name. */
  async upsertTag(name: string): Promise<{ id: string; name: string }> {
    const answer = record(await this.call("POST", "/tags", { name }));
    const id = str(answer.id);
    if (!id) throw malformed("a tag");
    return { id, name: str(answer.name) ?? name };
  }

  /** POST /contacts/{id}/tags: attaches a tag (attaching it twice is harmless). */
  async tagContact(contactId: string, tagId: string): Promise<void> {
    await this.call("POST", `/contacts/${encodeURIComponent(contactId)}/tags`, { id: tagId });
  }
}
