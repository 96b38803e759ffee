import { SetupPage } from "../layout";
import type { SetupReport } from "../report";

/** Step 6 (done): the configuration in words, the report to download, and how to connect each client. */

export function DoneStep(props: { email: string; csrf: string; completed: readonly string[]; report: SetupReport; origin: string }) {
  const { report } = props;
  const mcp = `${props.origin}/mcp`;
  return (
    <SetupPage title="Setup: done" email={props.email} csrf={props.csrf} admin step="done" completed={props.completed}>
      <div class="card">
        <h1>{report.workspace.name} is ready</h1>
        <ul>
          <li>
            Health model: {report.health_model.customized ? "customised" : "default"}; weights{" "}
            {Object.entries(report.health_model.weights)
              .map(([name, weight]) => `${name} ${Math.round(weight * 1000) / 10}%`)
              .join(", ")}
            .
          </li>
          <li>
            {report.data.accounts} accounts, {report.data.contacts} contacts, {report.data.segments} segments, {report.data.playbooks} triggers, {report.data.survey_templates} survey template{report.data.survey_templates === 1 ? "" : "s"}.
          </li>
          <li>
            {report.team.members.length} member{report.team.members.length === 1 ? "" : "s"}, {report.team.pending_invitations} pending invitation
            {report.team.pending_invitations === 1 ? "" : "s"}.
          </li>
          <li>Steps completed: {report.setup.completed.join(", ") || "none yet"}.</li>
        </ul>
        <p>
          <a href="/setup/report.json" download="setup-report.json">
            Download the setup report (JSON)
          </a>{" "}
          <span class="muted">Configuration and counts only; no secrets or customer records.</span>
        </p>
      </div>
      <div class="card">
        <h2>Connect your AI assistant</h2>
        <p>This workspace's MCP URL:</p>
        <pre>{mcp}</pre>
        <p class="help">Every client discovers the sign-in by itself (OAuth 2.1 with PKCE): you log in here and approve what it may do.</p>
        <h3>Claude</h3>
        <ol>
          <li>Open Settings → Connectors → Add custom connector.</li>
          <li>
            Name it “Customer Success”, paste <code>{mcp}</code>, and choose Add.
          </li>
          <li>Choose Connect, log in here and approve the scopes.</li>
        </ol>
        <h3>ChatGPT</h3>
        <ol>
          <li>Open Settings → Apps &amp; Connectors → Advanced settings and turn on developer mode.</li>
          <li>
            Choose Create under Connectors, paste <code>{mcp}</code> as the MCP server URL, authentication OAuth.
          </li>
          <li>Save, then log in here and approve when ChatGPT asks.</li>
        </ol>
        <h3>Cursor</h3>
        <ol>
          <li>
            Add to <code>.cursor/mcp.json</code> (project) or <code>~/.cursor/mcp.json</code>:
            <pre>{JSON.stringify({ mcpServers: { "customer-success": { url: mcp } } }, null, 2)}</pre>
          </li>
          <li>Open Settings → MCP, enable “customer-success” and choose Login; approve here.</li>
        </ol>
        <h3>MCP Inspector</h3>
        <ol>
          <li>
            Run <code>npx @modelcontextprotocol/inspector</code>.
          </li>
          <li>
            Transport “Streamable HTTP”, URL <code>{mcp}</code>.
          </li>
          <li>Open Auth Settings → Quick OAuth Flow, log in here and approve; then Connect and List Tools.</li>
        </ol>
      </div>
    </SetupPage>
  );
}
