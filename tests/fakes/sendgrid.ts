import { registerFake, type RecordedRequest } from "./router.ts";

/**
 * A fake SendGrid v3 API (api.sendgrid.com and api.eu.sendgrid.com) for the calls the client
 * makes: GET /v3/scopes and POST /v3/mail/send, with SendGrid's status codes, X-Message-Id,
 * X-RateLimit-* headers and {"errors":[{message, field, help}]} bodies. State (the messages a
 * key sent) is per host and API key, so tests using their own keys do not see each other.
 * Keys are accepted when they look like SG.x.y, except:
 *   containing "revoked" → 401; containing "nosend" → scopes without mail.send and 403 on send.
 * Faults (429, 5xx, slow, malformed) come from the router's scripted faults.
 */

const HOSTS = new Set(["api.sendgrid.com", "api.eu.sendgrid.com"]);
const RATE_LIMIT = 600;

export interface FakeSentMessage {
  messageId: string;
  body: Record<string, unknown>;
  sandbox: boolean;
}

const sent = new Map<string, FakeSentMessage[]>();
const calls = new Map<string, number>();

function stateKey(host: string, authorization: string): string {
  return `${host} ${authorization}`;
}

function errors(status: number, items: { message: string; field?: string | null; help?: string | null }[], extra: Record<string, string> = {}): Response {
  return Response.json({ errors: items.map((item) => ({ message: item.message, field: item.field ?? null, help: item.help ?? null })) }, { status, headers: extra });
}

function rateHeaders(key: string): Record<string, string> {
  const used = (calls.get(key) ?? 0) + 1;
  calls.set(key, used);
  return {
    "X-RateLimit-Limit": String(RATE_LIMIT),
    "X-RateLimit-Remaining": String(Math.max(0, RATE_LIMIT - used)),
    "X-RateLimit-Reset": String(Math.ceil(Date.now() / 1000) + 60),
  };
}

function randomId(length: number): string {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  let out = "";
  for (const byte of crypto.getRandomValues(new Uint8Array(length))) out += alphabet[byte % alphabet.length];
  return out;
}

type Obj = Record<string, unknown>;
const isObj = (value: unknown): value is Obj => Boolean(value) && typeof value === "object" && !Array.isArray(value);

/** SendGrid's validation of a mail/send body, for the rules the client must respect. */
function validateMail(body: unknown): { message: string; field: string } | null {
  if (!isObj(body)) return { message: "Bad Request", field: "" };
  const personalizations = body.personalizations;
  if (!Array.isArray(personalizations) || personalizations.length === 0) {
    return { message: "The personalizations field is required and must have at least one personalization.", field: "personalizations" };
  }
  if (personalizations.length > 1000) return { message: "The personalizations field may not have more than 1000 items.", field: "personalizations" };
  const seen = new Set<string>();
  let recipients = 0;
  for (const [i, p] of personalizations.entries()) {
    if (!isObj(p) || !Array.isArray(p.to) || p.to.length === 0) return { message: "The to array is required for all personalization objects, and must have at least one email object with a valid email address.", field: `personalizations.${i}.to` };
    for (const to of p.to) {
      const email = isObj(to) && typeof to.email === "string" ? to.email.toLowerCase() : "";
      if (!/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(email)) return { message: "Does not contain a valid address.", field: `personalizations.${i}.to.0.email` };
      if (seen.has(email)) {
        return {
          message: `Each email address in the personalization block should be unique between to, cc, and bcc. We found the first duplicate instance of [${email}] in the personalizations.${i}.to field.`,
          field: `personalizations.${i}.to`,
        };
      }
      seen.add(email);
      recipients += 1;
    }
    if (isObj(p.custom_args) && Object.values(p.custom_args).some((value) => typeof value !== "string")) {
      return { message: "Custom args must be strings.", field: `personalizations.${i}.custom_args` };
    }
  }
  if (recipients > 1000) return { message: "The total number of recipients must be no more than 1000.", field: "personalizations" };
  if (!isObj(body.from) || typeof body.from.email !== "string") return { message: "The from object must be provided for every email send.", field: "from" };
  if (isObj(body.custom_args) && Object.values(body.custom_args).some((value) => typeof value !== "string")) return { message: "Custom args must be strings.", field: "custom_args" };
  if (typeof body.template_id === "string") {
    if (!body.template_id.startsWith("d-")) return { message: "The template_id must be a valid dynamic template id.", field: "template_id" };
    return null;
  }
  const hasSubject = typeof body.subject === "string" || personalizations.every((p) => isObj(p) && typeof p.subject === "string");
  if (!hasSubject) return { message: "The subject is required. You can get around this requirement if you use a template with a subject defined.", field: "subject" };
  if (!Array.isArray(body.content) || body.content.length === 0) return { message: "Unless a valid template_id is provided, the content parameter is required.", field: "content" };
  return null;
}

function handle(request: Request, recorded: RecordedRequest): Response {
  const authorization = recorded.headers.authorization ?? "";
  const key = stateKey(recorded.host, authorization);
  const headers = rateHeaders(key);
  if (!/^Bearer SG\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/.test(authorization) || authorization.includes("revoked")) {
    return errors(401, [{ message: "The provided authorization grant is invalid, expired, or revoked" }], headers);
  }
  const path = new URL(request.url).pathname;
  if (recorded.method === "GET" && path === "/v3/scopes") {
    const scopes = authorization.includes("nosend") ? ["user.profile.read", "stats.read"] : ["mail.send", "user.profile.read", "stats.read", "templates.read"];
    return Response.json({ scopes }, { headers });
  }
  if (recorded.method === "POST" && path === "/v3/mail/send") {
    if (authorization.includes("nosend")) return errors(403, [{ message: "access forbidden" }], headers);
    if (!(recorded.headers["content-type"] ?? "").startsWith("application/json")) return errors(415, [{ message: "Content-Type should be application/json." }], headers);
    let body: unknown;
    try {
      body = JSON.parse(recorded.body);
    } catch {
      return errors(400, [{ message: "Bad Request", field: null, help: null }], headers);
    }
    const problem = validateMail(body);
    if (problem) return errors(400, [problem], headers);
    const mail = body as Obj;
    const sandbox = isObj(mail.mail_settings) && isObj(mail.mail_settings.sandbox_mode) && mail.mail_settings.sandbox_mode.enable === true;
    const messageId = randomId(22);
    const list = sent.get(key) ?? [];
    list.push({ messageId, body: mail, sandbox });
    sent.set(key, list);
    // Sandbox mode validates and answers 200 without sending; a real send is 202 Accepted.
    return new Response(null, { status: sandbox ? 200 : 202, headers: { ...headers, "X-Message-Id": messageId } });
  }
  return errors(404, [{ message: "resource not found" }], headers);
}

registerFake({
  name: "sendgrid",
  handles: (host) => HOSTS.has(host),
  handle,
  reset(host) {
    for (const key of [...sent.keys()]) if (key.startsWith(`${host} `)) sent.delete(key);
    for (const key of [...calls.keys()]) if (key.startsWith(`${host} `)) calls.delete(key);
  },
});
