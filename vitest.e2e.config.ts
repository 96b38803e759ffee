import { defineConfig } from "vitest/config";

// End-to-end tests: Node drives the real local server (npm run dev on a free port) over HTTP.
export default defineConfig({
  test: {
    include: ["tests/e2e/**/*.test.ts"],
    environment: "node",
    fileParallelism: false,
    testTimeout: 120_000,
    hookTimeout: 180_000,
    reporters: ["default", ["json", { outputFile: ".tmp/test-results/e2e.json" }] as const],
  },
});
