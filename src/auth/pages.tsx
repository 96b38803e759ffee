import type { ConsentDescription } from "@cloudflare/workers-oauth-provider";
import { raw } from "hono/html";
import { Layout } from "../http/layout";
import { SOURCE_TOOLS, TOOL_GROUPS } from "../tools/groups";
import { CSRF_FIELD } from "./csrf";
import { SCOPE_DESCRIPTIONS, type Scope } from "./scopes";
import { groupField, PICKED_TOOL_FIELD } from "./tool-consent";

/** The sign-up, log-in and consent pages. hono/jsx escapes every interpolated value. */

export type FieldErrors = Partial<Record<string, string>>;

function FieldError(props: { errors?: FieldErrors; name: string }) {
  const message = props.errors?.[props.name];
  return message ? (
    <p class="field-error" id={`${props.name}-error`}>
      {message}
    </p>
  ) : null;
}

export function SignupPage(props: { csrf: string; values?: Record<string, string>; errors?: FieldErrors; message?: string }) {
  const values = props.values ?? {};
  return (
    <Layout title="Sign up">
      <div class="card">
        <h1>Create your workspace</h1>
        <p class="muted">You become the owner of a new workspace; invite your team from the setup page later.</p>
        {props.message ? <p class="error">{props.message}</p> : null}
        <form method="post" action="/signup" novalidate>
          <input type="hidden" name={CSRF_FIELD} value={props.csrf} />
          <label for="organization">Organization name</label>
          <input id="organization" name="organization" type="text" autocomplete="organization" value={values.organization ?? ""} required />
          <FieldError errors={props.errors} name="organization" />
          <label for="email">Work email</label>
          <input id="email" name="email" type="email" autocomplete="email" value={values.email ?? ""} required />
          <FieldError errors={props.errors} name="email" />
          <label for="password">Password (at least 10 characters)</label>
          <input id="password" name="password" type="password" autocomplete="new-password" minlength={10} required />
          <FieldError errors={props.errors} name="password" />
          <div class="actions">
            <button type="submit">Create workspace</button>
          </div>
        </form>
        <p class="muted">
          Already have an account? <a href="/login">Log in</a>
        </p>
      </div>
    </Layout>
  );
}

export function LoginPage(props: { csrf: string; next: string; email?: string; message?: string; demo?: { email: string; password: string } | null }) {
  return (
    <Layout title="Log in">
      <div class="card">
        <h1>Log in</h1>
        {props.message ? (
          <p class="error" role="alert">
            {props.message}
          </p>
        ) : null}
        <form method="post" action="/login">
          <input type="hidden" name={CSRF_FIELD} value={props.csrf} />
          <input type="hidden" name="next" value={props.next} />
          <label for="email">Email</label>
          <input id="email" name="email" type="email" autocomplete="username" value={props.email ?? ""} required />
          <label for="password">Password</label>
          <input id="password" name="password" type="password" autocomplete="current-password" required />
          <div class="actions">
            <button type="submit">Log in</button>
          </div>
        </form>
        <p class="muted">
          New here? <a href="/signup">Create a workspace</a>
        </p>
        {props.demo ? (
          <p class="muted">
            Local demo workspace: <code>{props.demo.email}</code> / <code>{props.demo.password}</code> (development only).
          </p>
        ) : null}
      </div>
    </Layout>
  );
}

export function ConsentPage(props: {
  csrf: string;
  handle: string;
  details: ConsentDescription;
  allowedScopes: readonly Scope[];
  checkedScopes: readonly Scope[];
  workspace: string;
  email: string;
  role: string;
}) {
  const { details } = props;
  return (
    <Layout title={`Authorize ${details.clientName}`} signedInAs={props.email} csrf={props.csrf}>
      <div class="card">
        <h1>Allow {details.clientName} to use your workspace?</h1>
        <p>
          {details.clientDomain ? (
            <>
              Published by <strong>{details.clientDomain}</strong>.
            </>
          ) : (
            <>This app registered itself; its name is not verified.</>
          )}{" "}
          Access will be sent to <strong>{details.redirectHost}</strong>.
        </p>
        {details.redirectIsLoopback ? (
          <p class="warning">
            <strong>This sends access to an app on your computer.</strong> Continue only if you just started signing in from it.
          </p>
        ) : null}
        <p>
          Workspace <strong>{props.workspace}</strong>, signed in as {props.email} ({props.role}).
        </p>
        <form method="post" action="/authorize">
          <input type="hidden" name={CSRF_FIELD} value={props.csrf} />
          <input type="hidden" name="handle" value={props.handle} />
          <fieldset>
            <legend>Scopes requested</legend>
            {props.allowedScopes.map((scope) => (
              <label class="scope" for={`scope-${scope}`}>
                <input id={`scope-${scope}`} type="checkbox" name="scope" value={scope} checked={props.checkedScopes.includes(scope)} />
                <span>
                  <code>{scope}</code> {SCOPE_DESCRIPTIONS[scope]}
                </span>
              </label>
            ))}
          </fieldset>
          <ToolChoices />
          <p class="muted">
            You can end this access at any time under <a href="/setup/assistants">Connected assistants</a>.
          </p>
          <div class="actions">
            <button type="submit" name="decision" value="approve">
              Approve
            </button>
            <button type="submit" name="decision" value="deny" class="secondary">
              Deny
            </button>
          </div>
        </form>
      </div>
    </Layout>
  );
}

/**
 * Keeps each group's choice and its checkboxes in step: choosing "all", "read" or "none" ticks
 * the matching tools; ticking a tool by hand switches the group to "the ones ticked". The form
 * works without it: the server reads the choice, and the ticks only for "pick".
 */
const TOOL_CHOICE_SCRIPT = `
document.querySelectorAll("[data-tool-group]").forEach(function (group) {
  var select = group.querySelector("select");
  var boxes = group.querySelectorAll("input[type=checkbox]");
  select.addEventListener("change", function () {
    if (select.value === "pick") return;
    boxes.forEach(function (box) { box.checked = select.value === "all" || (select.value === "read" && box.dataset.reads === "true"); });
  });
  boxes.forEach(function (box) { box.addEventListener("change", function () { select.value = "pick"; }); });
});`;

const TOOL_COUNT = TOOL_GROUPS.reduce((count, group) => count + group.tools.length, 0);

/** Per-tool consent: for each group of tools, all, only those that read, none, or the ones ticked. */
function ToolChoices() {
  return (
    <fieldset>
      <legend>Tools this app may use</legend>
      <details>
        <summary>All {TOOL_COUNT} tools the scopes allow; choose to limit them</summary>
        <p class="muted">
          For each group: every tool, only those that read, none, or the ones you tick. The scopes above still apply: a tool that needs a scope
          you did not tick stays unavailable. The account briefs (<code>account://</code>) and the prompts come with {SOURCE_TOOLS.accountBrief},
          the prompts that quote churn risk with {SOURCE_TOOLS.churn}, and the health model resource with {SOURCE_TOOLS.healthModel}.
        </p>
        {TOOL_GROUPS.map((group) => {
        const reads = group.tools.filter((tool) => tool.annotations.readOnlyHint).length;
        const id = `tools-${group.key}`;
        return (
          <div class="tool-group" data-tool-group={group.key}>
            <label for={id}>{group.title}</label>
            <select id={id} name={groupField(group.key)}>
              <option value="all" selected>
                All {group.tools.length} tools
              </option>
              {reads > 0 && reads < group.tools.length ? <option value="read">Only the {reads} that read</option> : null}
              <option value="none">None</option>
              <option value="pick">Only the ones ticked below</option>
            </select>
            <details>
              <summary>
                Pick tools one by one<span class="sr"> from {group.title}</span>
              </summary>
              {group.tools.map((tool) => (
                <label class="scope" for={`tool-${tool.name}`}>
                  <input id={`tool-${tool.name}`} type="checkbox" name={PICKED_TOOL_FIELD} value={tool.name} checked data-reads={String(tool.annotations.readOnlyHint)} />
                  <span>
                    {tool.title} <code>{tool.name}</code> <span class="muted">({tool.annotations.readOnlyHint ? "reads" : "changes data"})</span>
                  </span>
                </label>
              ))}
            </details>
          </div>
        );
        })}
      </details>
      <script>{raw(TOOL_CHOICE_SCRIPT)}</script>
    </fieldset>
  );
}

export function MessagePage(props: { title: string; message: string; status?: number }) {
  return (
    <Layout title={props.title}>
      <div class="card">
        <h1>{props.title}</h1>
        <p>{props.message}</p>
        <p>
          <a href="/">Back to the start page</a>
        </p>
      </div>
    </Layout>
  );
}
