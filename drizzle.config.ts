import { defineConfig } from "drizzle-kit";

// The Tenant Durable Object's schema; `npx drizzle-kit generate` writes migrations/tenant.
export default defineConfig({
  dialect: "sqlite",
  driver: "durable-sqlite",
  schema: "./src/db/tenant-schema.ts",
  out: "./migrations/tenant",
});
