import { applyD1Migrations, type D1Migration } from "cloudflare:test";
import { env } from "cloudflare:workers";

// The control-plane schema, applied to the test D1 database before each test file.
const testEnv = env as typeof env & { CONTROL_MIGRATIONS: D1Migration[] };
await applyD1Migrations(testEnv.CONTROL_DB, testEnv.CONTROL_MIGRATIONS);
