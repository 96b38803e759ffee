/**
 * npm run restore -- --url http://localhost:8787 --from file:acme.db [--auth-token <turso token>]
 *                    [--tenant <id>] [--token <access token> | --email … --password …]
 *
 * Restores a database written by `npm run export` into the token's workspace, which must be
 * new and empty: POST /api/v1/restore/begin, every table page by page in foreign-key order
 * (rows as they are, same ids), then /restore/finish, which refreshes derived state.
 * Refuses a file of another schema version or an export that did not finish. See docs/backup.md.
 */
import { parseArgs } from "node:util";
import { cliAccessToken } from "./lib/cli-auth.ts";
import { Api, checkTenant, columnsOf, EXPORT_TABLE, openDatabase, quote, run, SCOPES, sqlValue, type ExportMarker, type Row, type SqlValue } from "./lib/backup-file.ts";

const USAGE = "usage: npm run restore -- --from file:acme.db [--url http://localhost:8787] [--auth-token <turso token>] [--tenant <id>] [--token … | --email … --password …]";

/** A restore request stays well under the server's page bound (1,000 rows, about 1 MB). */
const POST_ROWS = 500;
const POST_BYTES = 900_000;

run(async () => {
  const { values } = parseArgs({
    options: {
      url: { type: "string", default: "http://localhost:8787" },
      from: { type: "string" },
      "auth-token": { type: "string" },
      tenant: { type: "string" },
      token: { type: "string" },
      email: { type: "string" },
      password: { type: "string" },
    },
  });
  if (!values.from) throw new Error(`--from is required.\n${USAGE}`);

  const db = openDatabase(values.from, values["auth-token"]);
  try {
    const marker = await db
      .execute(`SELECT tenant_id, exported_at, schema_version, source FROM ${EXPORT_TABLE} LIMIT 1`)
      .catch(() => {
        throw new Error(`${values.from} is not a database written by npm run export (it has no ${EXPORT_TABLE} table).`);
      });
    const meta = marker.rows[0] as unknown as ExportMarker | undefined;
    if (!meta) throw new Error(`${values.from} holds an export that did not finish (its ${EXPORT_TABLE} row is missing); export again.`);

    const token = await cliAccessToken({ url: values.url, token: values.token, email: values.email, password: values.password, scope: SCOPES, clientName: "cs restore" });
    const api = new Api(values.url, token);
    const server = await api.tables();
    checkTenant(values.tenant, server);
    if (meta.schema_version !== server.schema_version) {
      throw new Error(
        `${values.from} was exported with tenant schema ${meta.schema_version} but the server is at ${server.schema_version}; restore it into a server of the same version.`,
      );
    }
    for (const table of server.tables) {
      const columns = await columnsOf(db, table.name);
      if (columns.join(",") !== table.columns.join(",")) {
        throw new Error(`Table ${table.name} of ${values.from} has columns ${columns.join(", ") || "none"}, not the server's ${table.columns.join(", ")}.`);
      }
    }

    await api.call("POST", "/restore/begin");
    const counts: string[] = [];
    for (const table of server.tables) {
      const key = table.primary_key.map(quote).join(", ");
      const select = `SELECT ${table.columns.map(quote).join(", ")} FROM ${quote(table.name)}`;
      let after: SqlValue[] | null = null;
      let count = 0;
      for (;;) {
        const result = await db.execute(
          after === null
            ? { sql: `${select} ORDER BY ${key} LIMIT ?`, args: [POST_ROWS] }
            : { sql: `${select} WHERE (${key}) > (${after.map(() => "?").join(", ")}) ORDER BY ${key} LIMIT ?`, args: [...after, POST_ROWS] },
        );
        if (result.rows.length === 0) break;
        const rows: Row[] = result.rows.map((raw) => Object.fromEntries(table.columns.map((c) => [c, sqlValue(raw[c], `${table.name}.${c}`)])));
        let chunk: Row[] = [];
        let bytes = 0;
        for (const row of rows) {
          const size = JSON.stringify(row).length;
          if (chunk.length > 0 && bytes + size > POST_BYTES) {
            await api.call("POST", `/restore/${encodeURIComponent(table.name)}`, { rows: chunk });
            chunk = [];
            bytes = 0;
          }
          chunk.push(row);
          bytes += size;
        }
        await api.call("POST", `/restore/${encodeURIComponent(table.name)}`, { rows: chunk });
        count += rows.length;
        const last = rows.at(-1) ?? {};
        after = table.primary_key.map((column) => last[column] ?? null);
        if (result.rows.length < POST_ROWS) break;
      }
      counts.push(`${table.name} ${count}`);
    }
    await api.call("POST", "/restore/finish");
    console.log(`Restored ${values.from} (workspace ${meta.tenant_id}, exported ${meta.exported_at}) into workspace ${server.tenant_id}: ${counts.join(", ")}.`);
  } finally {
    db.close();
  }
});
