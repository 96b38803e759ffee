import { describe, expect, it } from "vitest";
import { redactSecrets } from "../src/db/accounts";

describe("audit redaction", () => {
  it("replaces secret-looking values at any depth and keeps the rest", () => {
    const redacted = redactSecrets({
      client_name: "Acme",
      zendesk: { api_token: "zd-123", subdomain: "acme", nested: [{ password: "hunter2", note: "ok" }] },
      Authorization: "Bearer abc",
      apiKey: "k",
    });
    expect(redacted).toEqual({
      client_name: "Acme",
      zendesk: { api_token: "[redacted]", subdomain: "acme", nested: [{ password: "[redacted]", note: "ok" }] },
      Authorization: "[redacted]",
      apiKey: "[redacted]",
    });
  });
});
