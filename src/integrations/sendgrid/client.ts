import { providerFetch, providerJson, ProviderError } from "../http";

/**
 * A plain fetch client for the SendGrid v3 API: the base URL (from the connection's region)
 * and the API key are all it needs. Every call goes through providerFetch, so redirects are
 * refused, 429 and 5xx become retryable ProviderErrors carrying X-RateLimit-Reset, and the
 * provider's own error text ({"errors":[{"message"…}]}) is kept.
 */

const PROVIDER = "SendGrid";

export interface MailAddress {
  email: string;
  name?: string;
}

export interface MailPersonalization {
  to: MailAddress[];
  subject?: string;
  dynamic_template_data?: { [key: string]: unknown };
  custom_args?: { [key: string]: string };
}

/** The body of POST /v3/mail/send, as SendGrid documents it (the parts we use). */
export interface MailSendBody {
  personalizations: MailPersonalization[];
  from: MailAddress;
  reply_to?: MailAddress;
  subject?: string;
  content?: { type: string; value: string }[];
  template_id?: string;
  categories?: string[];
  custom_args?: { [key: string]: string };
  mail_settings?: { sandbox_mode?: { enable: boolean } };
}

export interface MailSendResult {
  /** X-Message-Id: the prefix of every sg_message_id in this send's events (absent in sandbox mode). */
  messageId: string | null;
  status: number;
}

export class SendgridClient {
  private readonly now: () => number;
  private readonly timeoutMs: number | undefined;

  constructor(
    private readonly baseUrl: string,
    private readonly apiKey: string,
    options: { now?: () => number; timeoutMs?: number } = {},
  ) {
    this.now = options.now ?? Date.now;
    this.timeoutMs = options.timeoutMs;
  }

  private headers(): Record<string, string> {
    return { Authorization: `Bearer ${this.apiKey}`, "Content-Type": "application/json", Accept: "application/json" };
  }

  /** POST /v3/mail/send: 202 (or 200 in sandbox mode) with X-Message-Id, and no body. */
  async sendMail(body: MailSendBody): Promise<MailSendResult> {
    const response = await providerFetch(
      { method: "POST", url: `${this.baseUrl}/v3/mail/send`, headers: this.headers(), body: JSON.stringify(body), provider: PROVIDER, timeoutMs: this.timeoutMs },
      this.now,
    );
    await response.body?.cancel();
    return { messageId: response.headers.get("x-message-id"), status: response.status };
  }

  /** GET /v3/scopes: the permissions of this key; the cheapest authenticated call. */
  async scopes(): Promise<string[]> {
    const response = await providerFetch({ method: "GET", url: `${this.baseUrl}/v3/scopes`, headers: this.headers(), provider: PROVIDER, timeoutMs: this.timeoutMs }, this.now);
    const body = await providerJson(response, PROVIDER);
    const scopes = body && typeof body === "object" && "scopes" in body ? (body as { scopes: unknown }).scopes : null;
    if (!Array.isArray(scopes) || !scopes.every((scope): scope is string => typeof scope === "string")) {
      throw new ProviderError(`${PROVIDER} answered ${response.status} without a list of scopes.`, response.status, true);
    }
    return scopes;
  }
}
