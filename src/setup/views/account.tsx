import type { AccountBrief } from "../../db/account-brief";
import type { Ticket } from "../../db/tickets";
import { SetupPage } from "../layout";
import { Sparkline } from "./sparkline";

/** One account: health breakdown (each component's contribution as a bar), timeline, open tickets with SLA state. */

function num(value: unknown): number | null {
  return typeof value === "number" && Number.isFinite(value) ? value : null;
}

export function AccountView(props: {
  email: string;
  csrf: string;
  admin: boolean;
  brief: AccountBrief;
  history: { at: string; score: number }[];
  tickets: Ticket[];
}) {
  const { brief } = props;
  const { account } = brief;
  const components = brief.health.components;
  return (
    <SetupPage title={account.client_name} email={props.email} csrf={props.csrf} admin={props.admin}>
      <p>
        <a href="/setup/accounts">← All accounts</a>
      </p>
      <div class="card">
        <h1>{account.client_name}</h1>
        <p class="muted">
          {account.company_name} · {account.tier} · {account.industry} · renews {account.renewal_date} ({account.days_until_renewal} days) · ARR{" "}
          {account.contract_value.toLocaleString("en-US")}
        </p>
        <h2>Health</h2>
        <p>
          Score <strong>{brief.health.score ?? "not scored yet"}</strong>
          {brief.health.band ? (
            <>
              {" "}
              (<span class={`band band-${brief.health.band}`}>{brief.health.band.replace("_", " ")}</span>)
            </>
          ) : null}
          {brief.health.trend ? `, ${brief.health.trend}` : ""}. <Sparkline points={props.history} width={160} height={32} />
        </p>
        {components.length ? (
          <table>
            <caption class="muted" style="text-align:left">
              Each component's contribution to the score (points)
            </caption>
            <thead>
              <tr>
                <th scope="col">Component</th>
                <th scope="col" class="num">
                  Value
                </th>
                <th scope="col" class="num">
                  Weight
                </th>
                <th scope="col">Contribution</th>
              </tr>
            </thead>
            <tbody>
              {components.map((component) => {
                const contribution = num(component.contribution) ?? 0;
                const value = num(component.value);
                const weight = num(component.weight) ?? 0;
                const name = component.name;
                return (
                  <tr>
                    <th scope="row">{name}</th>
                    <td class="num">{value === null ? "no data" : Math.round(value * 10) / 10}</td>
                    <td class="num">{Math.round(weight * 1000) / 10}%</td>
                    <td>
                      <div class="bar" role="img" aria-label={`${name} contributes ${Math.round(contribution * 10) / 10} points`}>
                        <span style={`width:${Math.max(0, Math.min(100, contribution))}%`}></span>
                      </div>
                      <span class="muted">{Math.round(contribution * 10) / 10} pts</span>
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        ) : (
          <p class="muted">No health breakdown yet: the account has no facts the model can score.</p>
        )}
      </div>
      <div class="card">
        <h2>Open tickets</h2>
        {props.tickets.length ? (
          <table>
            <thead>
              <tr>
                <th scope="col">Ticket</th>
                <th scope="col">Priority</th>
                <th scope="col">Status</th>
                <th scope="col">SLA</th>
              </tr>
            </thead>
            <tbody>
              {props.tickets.map((ticket) => (
                <tr>
                  <td>{ticket.subject}</td>
                  <td>{ticket.priority}</td>
                  <td>{ticket.status}</td>
                  <td>
                    <span class={`status ${ticket.sla.breached ? "todo" : "ok"}`}>{ticket.sla.breached ? "Breached" : "Within SLA"}</span> {ticket.sla.summary}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        ) : (
          <p class="muted">No open tickets.</p>
        )}
      </div>
      <div class="card">
        <h2>Timeline</h2>
        {brief.recent_timeline.length ? (
          <ol>
            {brief.recent_timeline.map((event) => (
              <li>
                <time datetime={event.occurred_at}>{event.occurred_at.slice(0, 10)}</time> · {event.title}{event.description ? `: ${event.description}` : ""}
              </li>
            ))}
          </ol>
        ) : (
          <p class="muted">Nothing recorded yet.</p>
        )}
      </div>
    </SetupPage>
  );
}
