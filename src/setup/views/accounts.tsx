import type { Account } from "../../db/accounts";
import { SetupPage } from "../layout";
import { Sparkline } from "./sparkline";

/** The accounts view: a table sortable by name, health, renewal and ARR, with trend sparklines. */

export const SORTS = { name: "name", score: "health_score", renewal: "renewal_date", arr: "contract_value" } as const;
export type SortKey = keyof typeof SORTS;

function money(value: number): string {
  return value.toLocaleString("en-US", { style: "currency", currency: "USD", maximumFractionDigits: 0 });
}

function SortHeader(props: { label: string; column: SortKey; sort: SortKey; order: "asc" | "desc"; num?: boolean }) {
  const active = props.sort === props.column;
  const next = active && props.order === "asc" ? "desc" : "asc";
  return (
    <th scope="col" class={props.num ? "num" : undefined} aria-sort={active ? (props.order === "asc" ? "ascending" : "descending") : undefined}>
      <a href={`/setup/accounts?sort=${props.column}&order=${next}`}>
        {props.label}
        {active ? (props.order === "asc" ? " ▲" : " ▼") : ""}
      </a>
    </th>
  );
}

export function AccountsView(props: {
  email: string;
  csrf: string;
  admin: boolean;
  accounts: (Account & { band: string | null })[];
  history: Record<string, { at: string; score: number }[]>;
  sort: SortKey;
  order: "asc" | "desc";
  total: number;
  nextCursor: string | null;
}) {
  return (
    <SetupPage title="Accounts" email={props.email} csrf={props.csrf} admin={props.admin}>
      <div class="card">
        <h1>Accounts</h1>
        <p class="muted">
          {props.total} account{props.total === 1 ? "" : "s"}. Choose a column heading to sort.
        </p>
        <table>
          <thead>
            <tr>
              <SortHeader label="Account" column="name" sort={props.sort} order={props.order} />
              <th scope="col">Band</th>
              <SortHeader label="Score" column="score" sort={props.sort} order={props.order} num />
              <th scope="col">Trend (90 days)</th>
              <SortHeader label="Renewal" column="renewal" sort={props.sort} order={props.order} />
              <SortHeader label="ARR" column="arr" sort={props.sort} order={props.order} num />
            </tr>
          </thead>
          <tbody>
            {props.accounts.map((account) => (
              <tr>
                <td>
                  <a href={`/setup/accounts/${encodeURIComponent(account.client_id)}`}>{account.client_name}</a>
                </td>
                <td class={`band band-${account.band ?? "none"}`}>{account.band ? account.band.replace("_", " ") : "unscored"}</td>
                <td class="num">{account.health_score ?? "–"}</td>
                <td>
                  <Sparkline points={props.history[account.client_id] ?? []} />
                </td>
                <td>{account.renewal_date}</td>
                <td class="num">{money(account.contract_value)}</td>
              </tr>
            ))}
          </tbody>
        </table>
        {props.accounts.length === 0 ? (
          <p>
            No accounts yet. {props.admin ? <a href="/setup/data">Import some or load sample data.</a> : null}
          </p>
        ) : null}
        {props.nextCursor ? (
          <p>
            <a href={`/setup/accounts?sort=${props.sort}&order=${props.order}&cursor=${encodeURIComponent(props.nextCursor)}`}>Next page</a>
          </p>
        ) : null}
      </div>
    </SetupPage>
  );
}
