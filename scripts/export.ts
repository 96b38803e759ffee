/**
 * npm run export -- --url http://localhost:8787 --to file:acme.db [--auth-token <turso token>]
 *                   [--tenant <id>] [--force] [--token <access token> | --email … --password …]
 *
 * Copies the whole workspace of the token into a libSQL database (a local file or Turso) with
 * the same schema as the Tenant object (the project's migrations/tenant/*.sql), page by page
 * through GET /api/v1/export/{table}: never the whole tenant in memory. The `_export` row,
 * written last, records the tenant, the time and the schema version for `npm run restore`.
 * See docs/backup.md.
 */
import { parseArgs } from "node:util";
import { cliAccessToken } from "./lib/cli-auth.ts";
import {
  Api,
  applyTenantSchema,
  checkTenant,
  columnsOf,
  createExportTable,
  EXPORT_TABLE,
  existingObjects,
  insertStatement,
  localSchemaVersion,
  openDatabase,
  quote,
  run,
  SCOPES,
  sqlValue,
  type Row,
} from "./lib/backup-file.ts";

const USAGE =
  "usage: npm run export -- --to file:acme.db [--url http://localhost:8787] [--auth-token <turso token>] [--tenant <id>] [--force] [--limit 1000] [--token … | --email … --password …]";

run(async () => {
  const { values } = parseArgs({
    options: {
      url: { type: "string", default: "http://localhost:8787" },
      to: { type: "string" },
      "auth-token": { type: "string" },
      tenant: { type: "string" },
      force: { type: "boolean", default: false },
      limit: { type: "string", default: "1000" },
      token: { type: "string" },
      email: { type: "string" },
      password: { type: "string" },
    },
  });
  if (!values.to) throw new Error(`--to is required.\n${USAGE}`);
  const limit = Number(values.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw new Error("--limit must be a whole number from 1 to 1000.");

  const token = await cliAccessToken({ url: values.url, token: values.token, email: values.email, password: values.password, scope: SCOPES, clientName: "cs export" });
  const api = new Api(values.url, token);
  const server = await api.tables();
  checkTenant(values.tenant, server);
  if (server.restore_in_progress) throw new Error("A restore into this workspace is in progress; export it once the restore has finished.");
  const version = localSchemaVersion();
  if (server.schema_version !== version) {
    throw new Error(`The server's tenant schema is ${server.schema_version} but this checkout's migrations end at ${version}; export from a checkout of the same version.`);
  }

  const db = openDatabase(values.to, values["auth-token"]);
  try {
    const existing = await existingObjects(db);
    if (existing.length > 0) {
      if (!values.force) throw new Error(`${values.to} already holds ${existing.length} tables, views or triggers; pick a new file or pass --force to replace its contents.`);
      await db.execute("PRAGMA foreign_keys = OFF");
      for (const object of existing.filter((o) => o.type !== "table")) await db.execute(`DROP ${object.type.toUpperCase()} IF EXISTS ${quote(object.name)}`);
      // Children were created after their parents: drop in reverse.
      for (const object of existing.filter((o) => o.type === "table").reverse()) await db.execute(`DROP TABLE IF EXISTS ${quote(object.name)}`);
    }
    await applyTenantSchema(db);
    await createExportTable(db);
    for (const table of server.tables) {
      const columns = await columnsOf(db, table.name);
      if (columns.join(",") !== table.columns.join(",")) {
        throw new Error(`Table ${table.name} has columns ${table.columns.join(", ")} on the server but ${columns.join(", ") || "none"} from the migrations; the schemas differ.`);
      }
    }

    const exportedAt = new Date().toISOString();
    const counts: string[] = [];
    for (const table of server.tables) {
      let after: string | null = null;
      let count = 0;
      do {
        const query: URLSearchParams = new URLSearchParams({ limit: String(limit), ...(after ? { after } : {}) });
        const page: { rows: Row[]; next: string | null } = await api.call("GET", `/export/${encodeURIComponent(table.name)}?${query}`);
        if (page.rows.length > 0) {
          await db.batch(
            page.rows.map((row) => insertStatement(table.name, Object.fromEntries(table.columns.map((c) => [c, sqlValue(row[c] ?? null, `${table.name}.${c}`)])))),
            "write",
          );
        }
        count += page.rows.length;
        after = page.next;
      } while (after);
      counts.push(`${table.name} ${count}`);
    }
    await db.execute({
      sql: `INSERT INTO ${EXPORT_TABLE} (tenant_id, exported_at, schema_version, source) VALUES (?, ?, ?, ?)`,
      args: [server.tenant_id, exportedAt, server.schema_version, api.origin],
    });
    console.log(`Exported workspace ${server.tenant_id} (schema ${server.schema_version}) to ${values.to}: ${counts.join(", ")}.`);
  } finally {
    db.close();
  }
});
