import type { ConnectedAssistant } from "../../auth/grants";
import { ErrorSummary, Notice, RevokeButton, SetupPage } from "../layout";

/**
 * Connected assistants: the AI assistants and apps that hold OAuth access to this workspace,
 * who approved each, with which scopes and since when, and a button that ends the access.
 * Everyone sees their own; owners and admins see the whole team's.
 */

function day(iso: string): string {
  return iso.slice(0, 10);
}

export function AssistantsView(props: {
  email: string;
  csrf: string;
  admin: boolean;
  assistants: ConnectedAssistant[];
  mcpUrl: string;
  notice?: string | null;
  message?: string | null;
}) {
  const whose = props.admin ? "your team" : "you";
  return (
    <SetupPage title="Connected assistants" email={props.email} csrf={props.csrf} admin={props.admin}>
      <div class="card">
        <h1>Connected assistants</h1>
        <p>
          AI assistants and apps {whose} connected to this workspace with OAuth. Each acts as the person who approved it, within the scopes
          ticked then. Revoking one ends its access at once: its tokens stop working, and it must ask for consent again to come back.
        </p>
        <Notice text={props.notice} />
        <ErrorSummary message={props.message} />
        {props.assistants.length === 0 ? (
          <p class="muted">
            No assistant is connected{props.admin ? " by anyone in this workspace" : " by you"}. Give your MCP client{" "}
            <code>{props.mcpUrl}</code>; it will bring you to a consent page here.
          </p>
        ) : (
          <table>
            <caption class="sr">Assistants with access to this workspace</caption>
            <thead>
              <tr>
                <th scope="col">App</th>
                {props.admin ? <th scope="col">Approved by</th> : null}
                <th scope="col">Scopes and tools</th>
                <th scope="col">Connected</th>
                <th scope="col">
                  <span class="sr">Action</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {props.assistants.map((assistant) => (
                <tr>
                  <td>
                    <strong>{assistant.appName}</strong>
                    <br />
                    <span class="muted">
                      client <code>{assistant.clientId}</code>
                    </span>
                  </td>
                  {props.admin ? <td>{assistant.email}</td> : null}
                  <td>
                    <code>{assistant.scopes.join(", ")}</code>
                    <br />
                    {assistant.tools === null ? (
                      <span class="muted">every tool these scopes allow</span>
                    ) : (
                      <details>
                        <summary>
                          {assistant.tools.length} {assistant.tools.length === 1 ? "tool" : "tools"} allowed
                        </summary>
                        <code>{assistant.tools.join(", ")}</code>
                      </details>
                    )}
                  </td>
                  <td>
                    {day(assistant.connectedAt)}
                    {assistant.expiresAt ? <span class="muted"> (access until {day(assistant.expiresAt)})</span> : null}
                  </td>
                  <td>
                    <RevokeButton
                      action="/setup/assistants/revoke"
                      csrf={props.csrf}
                      field="grant_id"
                      value={assistant.grantId}
                      label={`Revoke ${assistant.appName}, approved by ${assistant.email}`}
                    />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </div>
    </SetupPage>
  );
}
