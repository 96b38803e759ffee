/**
 * Bench-only Worker for `npm run bench:statements`: the production Tenant object (its schema and
 * migrations) plus a loop that runs one kind of SQLite statement n times through
 * ctx.storage.sql. Never deployed.
 */
import { TenantDO } from "../../durable-objects/tenant";

interface BenchEnv {
  TENANT: DurableObjectNamespace<StatementsTenant>;
}

const ACCOUNT = "acct-bench";
const NOW = "2026-04-10T00:00:00.000Z";

const TICKET_COLUMNS =
  "id, account_id, external_id, subject, description, priority, status, category, assignee, requester_contact_id, opened_at, first_response_due_at, resolution_due_at, sla_breached, source, updated_at";

const RECOMPUTED_AT = "(SELECT value FROM settings WHERE key = 'health.recomputed_at')";
const COUNTS_BY_TYPE =
  "(SELECT json_group_object(event_type, n) FROM (SELECT event_type, count(*) AS n FROM account_events WHERE account_id = ?1 GROUP BY event_type))";

/** What each kind runs: its SQL (one statement, or several in turn) and the bindings of its i-th execution. */
const STATEMENTS: Record<string, { sql: string | string[]; bindings: (i: number) => (string | number | null)[] }> = {
  select_1: { sql: "SELECT 1", bindings: () => [] },
  account_id_only: { sql: "SELECT id FROM accounts WHERE id = ?", bindings: () => [ACCOUNT] },
  account_all_columns: { sql: "SELECT * FROM accounts WHERE id = ?", bindings: () => [ACCOUNT] },
  latest_6_events_rows: {
    sql: "SELECT * FROM account_events WHERE account_id = ? ORDER BY occurred_at DESC, id DESC LIMIT 6",
    bindings: () => [ACCOUNT],
  },
  latest_6_events_one_json_value: {
    sql: "SELECT json_group_array(json_array(id, account_id, occurred_at, event_type, title, description, impact, actor, metadata)) FROM (SELECT * FROM account_events WHERE account_id = ? ORDER BY occurred_at DESC, id DESC LIMIT 6)",
    bindings: () => [ACCOUNT],
  },
  // get_client_overview's read as two statements (the account; its latest events carrying the
  // counts) and as one (the events packed as a JSON array).
  overview_two_statements: {
    sql: [
      `SELECT *, ${RECOMPUTED_AT} FROM accounts WHERE id = ?1`,
      `SELECT *, ${COUNTS_BY_TYPE} FROM account_events WHERE account_id = ?1 ORDER BY occurred_at DESC, id DESC LIMIT 6`,
    ],
    bindings: () => [ACCOUNT],
  },
  overview_one_statement: {
    sql: `SELECT *, ${RECOMPUTED_AT}, (SELECT json_group_array(json_array(id, occurred_at, event_type, title, description, impact, actor, metadata) ORDER BY occurred_at DESC, id DESC) FROM (SELECT * FROM account_events WHERE account_id = ?1 ORDER BY occurred_at DESC, id DESC LIMIT 6)), ${COUNTS_BY_TYPE} FROM accounts WHERE id = ?1`,
    bindings: () => [ACCOUNT],
  },
  ticket_insert: { sql: `INSERT INTO tickets (${TICKET_COLUMNS}) VALUES (${Array(16).fill("?").join(", ")})`, bindings: (i) => ticket(i, "plain") },
  ticket_insert_returning: {
    sql: `INSERT INTO tickets (${TICKET_COLUMNS}) VALUES (${Array(16).fill("?").join(", ")}) RETURNING *`,
    bindings: (i) => ticket(i, "returning"),
  },
};

function ticket(i: number, kind: string): (string | number | null)[] {
  return [`tkt_${kind}_${Date.now()}_${i}`, ACCOUNT, `bench:${kind}:${Date.now()}:${i}`, "Printer on fire", "It is on fire.", "P3", "new", "hardware", null, null, NOW, NOW, NOW, 0, "bench", NOW];
}

export class StatementsTenant extends TenantDO {
  /** One account with 20 timeline events, once. */
  prepare(): void {
    const sql = this.ctx.storage.sql;
    if (sql.exec("SELECT count(*) AS n FROM accounts WHERE id = ?", ACCOUNT).one().n !== 0) return;
    this.ctx.storage.transactionSync(() => {
      sql.exec(
        `INSERT INTO accounts (id, name, company_name, industry, tier, status, lifecycle_stage, contract_value, contract_start_date, contract_end_date, renewal_date, created_at, updated_at)
         VALUES (?, 'Bench', 'Bench Inc', 'software', 'professional', 'active', 'active', 120000, '2026-01-01', '2027-01-01', '2027-01-01', ?, ?)`,
        ACCOUNT,
        NOW,
        NOW,
      );
      for (let i = 0; i < 20; i++) {
        sql.exec(
          "INSERT INTO account_events (id, account_id, occurred_at, event_type, title, description, impact, actor, metadata) VALUES (?, ?, ?, 'support', 'Ticket opened', 'A ticket was opened.', 'neutral', 'bench', '{}')",
          `evt_bench_${i}`,
          ACCOUNT,
          new Date(Date.parse(NOW) - i * 60_000).toISOString(),
        );
      }
    });
  }

  /** Runs the statement(s) `n` times (writes in transactions of 100, as the webhook consumer does); answers the rows read back. */
  runStatement(kind: string, n: number): number {
    const statement = STATEMENTS[kind];
    if (!statement) throw new Error(`unknown statement kind ${kind}`);
    const sql = this.ctx.storage.sql;
    let rows = 0;
    for (let done = 0; done < n; done += 100) {
      this.ctx.storage.transactionSync(() => {
        for (let i = done; i < Math.min(n, done + 100); i++) {
          for (const text of typeof statement.sql === "string" ? [statement.sql] : statement.sql) rows += sql.exec(text, ...statement.bindings(i)).toArray().length;
        }
      });
    }
    return rows;
  }
}

export const STATEMENT_KINDS = Object.keys(STATEMENTS);

export default {
  async fetch(request: Request, env: BenchEnv): Promise<Response> {
    const url = new URL(request.url);
    const tenant = env.TENANT.get(env.TENANT.idFromName("statements"));
    if (url.pathname === "/prepare") {
      await tenant.prepare();
      return Response.json({ kinds: STATEMENT_KINDS });
    }
    const rows = await tenant.runStatement(url.searchParams.get("kind") ?? "", Number(url.searchParams.get("n") ?? "0"));
    return Response.json({ rows });
  },
};
