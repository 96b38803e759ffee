import { Hidden, SetupPage } from "../layout";

/** Step 1: what the workspace has and lacks, each with the step that fixes it. */

export interface WorkspaceChecks {
  workspace: string;
  accounts: number;
  contacts: number;
  users: number;
  pendingInvitations: number;
  healthModelCustomized: boolean;
  playbooks: number;
  segments: number;
  integrations: { name: string; connected: boolean; skipped: boolean }[] | null;
}

function Check(props: { ok: boolean; label: string; detail: string; fix?: { href: string; text: string } }) {
  return (
    <tr>
      <td>
        <span class={`status ${props.ok ? "ok" : "todo"}`}>{props.ok ? "Ready" : "To do"}</span>
      </td>
      <th scope="row">{props.label}</th>
      <td>{props.detail}</td>
      <td>{props.fix && !props.ok ? <a href={props.fix.href}>{props.fix.text}</a> : null}</td>
    </tr>
  );
}

export function WelcomeStep(props: { email: string; csrf: string; completed: readonly string[]; checks: WorkspaceChecks }) {
  const { checks } = props;
  return (
    <SetupPage title="Setup: welcome" email={props.email} csrf={props.csrf} admin step="welcome" completed={props.completed}>
      <div class="card">
        <h1>Set up {checks.workspace}</h1>
        <p>
          A few steps take this workspace from empty to connected: connect your support, messaging, analytics and email tools, choose how health is scored, bring in your accounts and
          contacts, invite your team, then connect your AI assistant. Each step is saved as you finish it, so you can stop and
          resume from any device.
        </p>
        <h2>What the workspace has</h2>
        <table>
          <caption class="muted" style="text-align:left">
            Checked just now
          </caption>
          <thead>
            <tr>
              <th scope="col">State</th>
              <th scope="col">Check</th>
              <th scope="col">Now</th>
              <th scope="col">Fix</th>
            </tr>
          </thead>
          <tbody>
            {checks.integrations === null ? (
              <Check ok={false} label="Integrations" detail="Zendesk, Intercom, Mixpanel and SendGrid connections are not available in this version yet." />
            ) : (
              <Check
                ok={checks.integrations.some((entry) => entry.connected)}
                label="Integrations"
                detail={checks.integrations.map((entry) => `${entry.name}: ${entry.connected ? "connected" : entry.skipped ? "skipped" : "not connected"}`).join(", ")}
                fix={{ href: "/setup/integrations", text: "Connect integrations" }}
              />
            )}
            <Check
              ok={checks.healthModelCustomized}
              label="Health model"
              detail={checks.healthModelCustomized ? "Customised for this workspace." : "The default weights and bands."}
              fix={{ href: "/setup/health", text: "Review the health model" }}
            />
            <Check
              ok={checks.playbooks > 0}
              label="Churn and retention triggers"
              detail={`${checks.playbooks} playbook${checks.playbooks === 1 ? "" : "s"}`}
              fix={{ href: "/setup/health#triggers", text: "Add triggers" }}
            />
            <Check
              ok={checks.accounts > 0}
              label="Accounts"
              detail={`${checks.accounts} account${checks.accounts === 1 ? "" : "s"}, ${checks.contacts} contact${checks.contacts === 1 ? "" : "s"}`}
              fix={{ href: "/setup/data", text: "Import or load sample data" }}
            />
            <Check
              ok={checks.segments > 0}
              label="Segments"
              detail={`${checks.segments} segment${checks.segments === 1 ? "" : "s"}`}
              fix={{ href: "/setup/data#defaults", text: "Create the default segments" }}
            />
            <Check
              ok={checks.users > 1 || checks.pendingInvitations > 0}
              label="Team"
              detail={`${checks.users} user${checks.users === 1 ? "" : "s"}${checks.pendingInvitations ? `, ${checks.pendingInvitations} invited` : ""}`}
              fix={{ href: "/setup/team", text: "Invite your team" }}
            />
          </tbody>
        </table>
        <form method="post" action="/setup/welcome">
          <Hidden csrf={props.csrf} />
          <div class="actions">
            <button type="submit">Start setup</button>
          </div>
        </form>
      </div>
    </SetupPage>
  );
}
