import { describe, expect, it } from "vitest";
import { PROVIDERS } from "../src/integrations/provider";
import { integrationFor } from "../src/integrations/registry";
import { INTEGRATION_SETUP } from "../src/setup/integration-fields";

/**
 * The setup page describes each provider's fields in its own file; the providers define what
 * they accept. These must agree, or a form would send fields a provider refuses, or show a
 * secret in a plain text input.
 */
describe("setup page field metadata", () => {
  it("covers every provider, and marks secret exactly the fields the provider seals", () => {
    expect(INTEGRATION_SETUP.map((setup) => setup.provider).sort()).toEqual([...PROVIDERS].sort());
    for (const setup of INTEGRATION_SETUP) {
      const integration = integrationFor(setup.provider);
      if (!integration) throw new Error(`${setup.provider} is not in the registry`);
      const secretOnPage = setup.fields.filter((field) => field.secret).map((field) => field.name).sort();
      expect(secretOnPage, setup.provider).toEqual([...integration.secretFields].sort());
      for (const field of setup.fields.filter((candidate) => candidate.secret)) expect(field.input, `${setup.provider}.${field.name}`).toBe("password");
    }
  });

  it("sends no field a strict provider schema refuses as unknown", () => {
    for (const setup of INTEGRATION_SETUP) {
      const integration = integrationFor(setup.provider);
      if (!integration) throw new Error(`${setup.provider} is not in the registry`);
      for (const field of setup.fields) {
        // A known field may still fail (too short, missing partners); only "unknown key" matters here.
        const parsed = integration.connectionSchema.safeParse({ [field.name]: field.input === "checkbox" ? true : "x" });
        const named = parsed.success ? [] : parsed.error.issues.filter((issue) => issue.code === "unrecognized_keys" && issue.keys.includes(field.name));
        expect(named, `${setup.provider}.${field.name}`).toEqual([]);
      }
    }
  });
});
