import type { AuditRow } from "../../db/setup";
import type { FieldErrors } from "../context";
import { ErrorSummary, FieldError, invalid, SetupPage } from "../layout";

/** The audit log, filterable by user, tool (or action) and date. */

export function AuditView(props: {
  email: string;
  csrf: string;
  entries: AuditRow[];
  users: { id: string; label: string }[];
  actions: string[];
  filters: { user: string; tool: string; from: string; to: string };
  errors?: FieldErrors;
  nextBefore: number | null;
  userLabel: Record<string, string>;
}) {
  const { filters } = props;
  const query = new URLSearchParams(Object.entries(filters).filter(([, value]) => value !== ""));
  return (
    <SetupPage title="Audit log" email={props.email} csrf={props.csrf} admin>
      <div class="card">
        <h1>Audit log</h1>
        <p class="muted">Every tool call and every change, from MCP clients, the REST API, this page and the system.</p>
        <ErrorSummary errors={props.errors} />
        <form method="get" action="/setup/audit" novalidate>
          <div class="grid">
            <div>
              <label for="audit-user">User</label>
              <select id="audit-user" name="user">
                <option value="">Anyone</option>
                {props.users.map((user) => (
                  <option value={user.id} selected={filters.user === user.id}>
                    {user.label}
                  </option>
                ))}
              </select>
            </div>
            <div>
              <label for="audit-tool">Tool or action</label>
              <select id="audit-tool" name="tool">
                <option value="">Any</option>
                {props.actions.map((action) => {
                  const value = action.startsWith("tool:") ? action.slice(5) : action;
                  return (
                    <option value={value} selected={filters.tool === value}>
                      {action}
                    </option>
                  );
                })}
              </select>
            </div>
            <div>
              <label for="audit-from">From</label>
              <input id="audit-from" name="from" type="date" value={filters.from} {...invalid(props.errors, "from")} />
              <FieldError errors={props.errors} name="from" />
            </div>
            <div>
              <label for="audit-to">To</label>
              <input id="audit-to" name="to" type="date" value={filters.to} {...invalid(props.errors, "to")} />
              <FieldError errors={props.errors} name="to" />
            </div>
          </div>
          <div class="actions">
            <button type="submit">Filter</button>
            <a href="/setup/audit">Clear filters</a>
          </div>
        </form>
      </div>
      <div class="card">
        <table>
          <thead>
            <tr>
              <th scope="col">When (UTC)</th>
              <th scope="col">Who</th>
              <th scope="col">Via</th>
              <th scope="col">Action</th>
              <th scope="col">Target</th>
            </tr>
          </thead>
          <tbody>
            {props.entries.map((entry) => (
              <tr>
                <td>
                  <time datetime={entry.occurred_at}>{entry.occurred_at.slice(0, 19).replace("T", " ")}</time>
                </td>
                <td>{props.userLabel[entry.user_id] ?? entry.user_id}</td>
                <td>{entry.via}</td>
                <td>
                  <code>{entry.action}</code>
                </td>
                <td>{entry.target_id ?? ""}</td>
              </tr>
            ))}
          </tbody>
        </table>
        {props.entries.length === 0 ? <p class="muted">No entries match these filters.</p> : null}
        {props.nextBefore !== null ? (
          <p>
            <a href={`/setup/audit?${query.toString()}${query.size ? "&" : ""}before=${props.nextBefore}`}>Older entries</a>
          </p>
        ) : null}
      </div>
    </SetupPage>
  );
}
