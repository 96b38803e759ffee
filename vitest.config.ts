import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";
import { routeOutbound } from "./tests/fakes/index.ts";

// Tests run inside workerd with the real bindings from wrangler.toml: the Tenant object
// with SQLite, D1, KV and Queues under miniflare. tests/e2e runs separately, from Node.
const controlMigrations = await readD1Migrations("./migrations/control");

export default defineConfig({
  plugins: [
    cloudflareTest({
      wrangler: { configPath: "./wrangler.toml" },
      miniflare: {
        // Provider APIs cannot be reached from here: every outbound fetch goes to the fakes.
        outboundService: routeOutbound,
        bindings: {
          ENVIRONMENT: "test",
          SESSION_SECRET: "test-session-secret-that-is-long-enough-0123456789",
          ENCRYPTION_KEY: "test-encryption-key-that-is-long-enough-0123456789",
          // A key rotation in progress, so re-sealing under the current key is tested.
          ENCRYPTION_KEY_PREVIOUS: "test-previous-encryption-key-long-enough-012345",
          CONTROL_MIGRATIONS: controlMigrations,
        },
      },
    }),
  ],
  test: {
    include: ["tests/**/*.test.ts", "tests/**/*.test.tsx"],
    exclude: ["tests/e2e/**"],
    setupFiles: ["./tests/setup/apply-migrations.ts"],
    // The machines are shared and noisy: a test that does real work (a backup round trip, a
    // property sweep) can take several seconds under load without anything being wrong.
    testTimeout: 20_000,
    reporters: ["default", ["json", { outputFile: ".tmp/test-results/workers.json" }]],
  },
});
