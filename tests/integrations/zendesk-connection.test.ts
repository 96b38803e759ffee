import { describe, expect, it } from "vitest";
import { zendesk } from "../../src/integrations/zendesk";
import { baseUrlOf, readConnection } from "../../src/integrations/zendesk/connection";
import { ProviderError } from "../../src/integrations/http";
import { integrationFor } from "../../src/integrations/registry";

const valid = { subdomain: "acme", auth: "api_token", email: "admin@acme.com", api_token: "0123456789abcdef", webhook_signing_secret: "signing-secret-123" };

function problems(input: Record<string, unknown>): string {
  const result = zendesk.connectionSchema.safeParse(input);
  expect(result.success, `should refuse ${JSON.stringify(input)}`).toBe(false);
  return result.success ? "" : result.error.issues.map((issue) => issue.message).join(" | ");
}

describe("Zendesk connection", () => {
  it("is registered, with its secrets named", () => {
    expect(integrationFor("zendesk")).toBe(zendesk);
    expect([...zendesk.secretFields].sort()).toEqual(["api_token", "oauth_access_token", "webhook_signing_secret"]);
  });

  it("accepts email + API token, or an OAuth token, and pins the base URL to zendesk.com", () => {
    expect(zendesk.connectionSchema.parse(valid)).toEqual(valid);
    expect(zendesk.connectionSchema.parse({ subdomain: "acme-eu", auth: "oauth", oauth_access_token: "oauth-0123456789" })).toEqual({ subdomain: "acme-eu", auth: "oauth", oauth_access_token: "oauth-0123456789" });
    expect(baseUrlOf(readConnection(valid))).toBe("https://acme.zendesk.com/api/v2");
  });

  it.each([
    ["acme.zendesk.com", "only the subdomain"],
    ["evil.com", "only the subdomain"],
    ["127.0.0.1", "not an IP address"],
    ["[::1]", "IP address"],
    ["::ffff:10.0.0.1", "IP address"],
    ["ACME", "lowercase"],
    ["acme/../x", "only the subdomain"],
    ["acme/x", "lowercase letters"],
    ["acme#@evil", "lowercase letters"],
    ["acme:8080", "IP address"],
    ["-acme", "lowercase letters"],
    ["", "required"],
  ])("refuses the subdomain %j, naming the field", (subdomain, words) => {
    const message = problems({ ...valid, subdomain });
    expect(message).toContain("subdomain");
    expect(message).toContain(words);
  });

  it("a stored connection with a bad subdomain never becomes a URL", () => {
    expect(() => readConnection({ ...valid, subdomain: "169.254.169.254" })).toThrow(ProviderError);
    expect(() => baseUrlOf({ subdomain: "evil.com" })).toThrow(/subdomain/);
  });

  it("names the missing credential for each auth method", () => {
    expect(problems({ subdomain: "acme", auth: "api_token", email: "admin@acme.com" })).toContain("api_token: required");
    expect(problems({ subdomain: "acme", auth: "api_token", api_token: "0123456789abcdef" })).toContain("email: required");
    expect(problems({ subdomain: "acme", auth: "oauth" })).toContain("oauth_access_token: required");
    expect(problems({ ...valid, auth: "password" })).toContain("auth:");
    expect(problems({ ...valid, email: "not-an-email" })).toContain("email:");
  });

  it("refuses unknown fields and short secrets without echoing the secret", () => {
    expect(problems({ ...valid, password: "hunter2hunter2" })).toContain("password: not a Zendesk connection field");
    const message = problems({ ...valid, api_token: "short" });
    expect(message).toContain("api_token");
    expect(message).not.toContain("short:");
  });
});
