/**
 * Bench-only Worker for `npm run bench:engine`: the production Tenant object plus a seeder, so
 * the full recompute runs on the real schema, migrations and code path. Never deployed: the
 * seeder lives here, not in durable-objects/tenant.ts.
 */
import { TenantDO } from "../../durable-objects/tenant";

interface BenchEnv {
  TENANT: DurableObjectNamespace<BenchTenant>;
}

const NOW = "2026-04-10T00:00:00.000Z";
const TODAY = "2026-04-10";

export class BenchTenant extends TenantDO {
  /**
   * Accounts [from, from + count) with a features row each and `days` days of usage_daily
   * ending today. Set-based INSERT … SELECT over a recursive counter: millions of rows without
   * a JS round trip per row. Values come from a multiplicative hash of (account, day, seed), so
   * a seed reproduces the same tenant.
   */
  seed(from: number, count: number, days: number, seed: number): { accounts: number; usageRows: number } {
    const sql = this.ctx.storage.sql;
    const to = from + count - 1;
    const h = (expr: string, salt: number, mod: number) => `((((${expr}) * 2654435761 + ${seed * 7919 + salt}) % 4294967296) % ${mod})`;
    this.ctx.storage.transactionSync(() => {
      sql.exec(
        `WITH RECURSIVE n(i) AS (SELECT ? UNION ALL SELECT i + 1 FROM n WHERE i < ?)
         INSERT INTO accounts (id, name, company_name, industry, tier, status, lifecycle_stage, contract_value,
           contract_start_date, contract_end_date, renewal_date, created_at, updated_at)
         SELECT printf('acct-%07d', i), printf('Account %d', i), printf('Company %d', i), 'software', 'standard', 'active',
           'active', 1000 + ${h("i", 1, 100000)}, '2026-01-01', '2027-01-01', '2027-01-01', '${NOW}', '${NOW}' FROM n`,
        from,
        to,
      );
      sql.exec(
        `WITH RECURSIVE n(i) AS (SELECT ? UNION ALL SELECT i + 1 FROM n WHERE i < ?)
         INSERT INTO account_features (account_id, licensed_seats, features_available, days_since_last_touch, email_open_rate,
           email_click_rate, message_reply_rate, open_tickets, tickets_90d, high_severity_tickets_90d, sla_breaches_90d,
           oldest_open_ticket_age_days, nps, csat, ces, invoices_paid_late, max_days_late, failed_payments, updated_at)
         SELECT printf('acct-%07d', i), 5 + ${h("i", 2, 200)}, 20, ${h("i", 3, 60)}, ${h("i", 4, 1000)} / 1000.0,
           ${h("i", 5, 300)} / 1000.0, CASE WHEN ${h("i", 6, 5)} = 0 THEN NULL ELSE ${h("i", 7, 1000)} / 1000.0 END,
           ${h("i", 8, 6)}, ${h("i", 9, 15)}, ${h("i", 10, 3)}, ${h("i", 11, 4)}, ${h("i", 12, 30)},
           CASE WHEN ${h("i", 13, 10)} < 3 THEN NULL ELSE ${h("i", 14, 11)} END,
           CASE WHEN ${h("i", 15, 2)} = 0 THEN NULL ELSE 1 + ${h("i", 16, 5)} END,
           CASE WHEN ${h("i", 17, 10)} < 7 THEN NULL ELSE 1 + ${h("i", 18, 7)} END,
           ${h("i", 19, 3)}, ${h("i", 20, 45)}, ${h("i", 21, 2)}, '${NOW}' FROM n`,
        from,
        to,
      );
      if (days > 0) {
        sql.exec(
          `WITH RECURSIVE n(i) AS (SELECT ? UNION ALL SELECT i + 1 FROM n WHERE i < ?),
                d(k) AS (SELECT 0 UNION ALL SELECT k + 1 FROM d WHERE k < ?)
           INSERT INTO usage_daily (account_id, day, active_users, sessions, events, features_used)
           SELECT printf('acct-%07d', i), date('${TODAY}', printf('-%d days', k)), ${h("i * 131 + k", 22, 50)},
             ${h("i * 137 + k", 23, 200)}, ${h("i * 139 + k", 24, 2000)}, ${h("i * 149 + k", 25, 21)} FROM n, d`,
          from,
          to,
          days - 1,
        );
      }
    });
    return { accounts: count, usageRows: count * days };
  }

  /** Usage features from usage_daily for the seeded accounts, as the events path would keep them. */
  refreshUsage(): number {
    // Set-based equivalent of refreshUsageFeatures for every account at once (seeding only).
    this.ctx.storage.sql.exec(
      `UPDATE account_features SET
         active_users = (SELECT max(active_users) FROM usage_daily u WHERE u.account_id = account_features.account_id AND u.day > date('${TODAY}', '-30 days')),
         logins_30d = (SELECT sum(sessions) FROM usage_daily u WHERE u.account_id = account_features.account_id AND u.day > date('${TODAY}', '-30 days')),
         features_used = (SELECT max(features_used) FROM usage_daily u WHERE u.account_id = account_features.account_id AND u.day > date('${TODAY}', '-30 days'))`,
    );
    return this.ctx.storage.sql.exec<{ n: number }>("SELECT count(*) AS n FROM account_features WHERE active_users IS NOT NULL").one().n;
  }

  /**
   * Moves every account's email open rate to a new value under the engine's 40 % target (seeding
   * only), so the engagement component and with it (nearly) every score changes: the next
   * recompute has to rewrite the accounts rows, not only write snapshots. Returns the rows moved.
   */
  moveOpenRates(): number {
    return this.ctx.storage.sql.exec("UPDATE account_features SET email_open_rate = ((CAST(email_open_rate * 1000 AS INTEGER) + 7) % 400) / 1000.0")
      .rowsWritten;
  }

  /** Nothing: the baseline the recompute's wall time is measured against. */
  ping(): number {
    return 0;
  }
}

export default {
  async fetch(request: Request, env: BenchEnv): Promise<Response> {
    const url = new URL(request.url);
    const tenant = env.TENANT.get(env.TENANT.idFromName(url.searchParams.get("tenant") ?? "bench"));
    const int = (name: string, fallback: number) => Number(url.searchParams.get(name) ?? fallback);
    switch (url.pathname) {
      case "/seed":
        return Response.json(await tenant.seed(int("from", 0), int("count", 1000), int("days", 90), int("seed", 1)));
      case "/refresh":
        return Response.json({ refreshed: await tenant.refreshUsage() });
      case "/count":
        return Response.json({ accounts: await tenant.accountCount() });
      case "/move":
        return Response.json({ moved: await tenant.moveOpenRates() });
      case "/ping":
        return Response.json({ value: await tenant.ping() });
      case "/recompute":
        return Response.json(await tenant.recomputeHealth());
      default:
        return new Response("not found", { status: 404 });
    }
  },
};
