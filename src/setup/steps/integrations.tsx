import { raw } from "hono/html";
import type { FieldErrors } from "../context";
import { fieldId, INTEGRATION_SETUP, type IntegrationField, type ProviderSetup } from "../integration-fields";
import { ErrorSummary, FieldError, Hidden, invalid, Notice, SetupPage } from "../layout";

/**
 * Step 2 (integrations): one card per provider with its connection fields (secrets in password
 * inputs, never pre-filled: "stored: …abcd" instead), Save / Save and test, Test connection,
 * Disconnect and Skip, and the webhook URL with what to paste where.
 */

/** One provider as list_integrations answers it (the fields the page uses). */
export interface IntegrationState {
  provider: string;
  title: string;
  available: boolean;
  connected: boolean;
  settings: Record<string, unknown>;
  secret_hints: Record<string, string>;
  last_test: { at: string; ok: boolean; message: string } | null;
  webhook_url: string | null;
  console_url: string | null;
}

/** What one card shows after a form was posted to it. */
export interface CardState {
  values?: Record<string, string>;
  errors?: FieldErrors;
  message?: string | null;
  notice?: string | null;
  test?: { ok: boolean; message: string; identity: string | null } | null;
  /** Webhook credentials generated for the provider: shown in this answer only. */
  generated?: { username: string; password: string } | null;
}

const COPY_SCRIPT = `
for (const button of document.querySelectorAll("button[data-copy]")) {
  button.hidden = false;
  button.addEventListener("click", async () => {
    const input = document.getElementById(button.dataset.copy);
    const status = document.getElementById(button.dataset.copy + "-copied");
    try { await navigator.clipboard.writeText(input.value); status.textContent = "Copied."; }
    catch { input.select(); status.textContent = "Press Ctrl+C (or ⌘C) to copy."; }
  });
}
`;

function settingText(value: unknown): string {
  if (value === null || value === undefined) return "";
  return typeof value === "string" ? value : typeof value === "number" || typeof value === "boolean" ? String(value) : "";
}

function Field(props: { setup: ProviderSetup; field: IntegrationField; state: IntegrationState; card: CardState }) {
  const { setup, field, state, card } = props;
  const id = fieldId(setup.provider, field.name);
  // list_integrations answers hints as "…abcd"; the page adds its own ellipsis.
  const hint = state.secret_hints[field.name]?.replace(/^…/, "");
  const submitted = card.values?.[field.name];
  const stored = settingText(state.settings[field.name]);
  const value = field.secret ? "" : (submitted ?? stored);
  const helpId = `${id}-help`;
  const when = field.when ? setup.fields.find((entry) => entry.name === field.when?.field)?.options?.find((option) => option.value === field.when?.value) : undefined;
  const help = (
    <p class="help" id={helpId}>
      {field.help}
      {when ? ` Only with “${when.label}”.` : ""}
      {field.secret ? (hint ? ` Stored: …${hint}. Leave blank to keep it.` : " Not stored yet.") : ""}
    </p>
  );
  const describedBy = props.card.errors?.[id] ? { ...invalid(card.errors, id), "aria-describedby": `${id}-error ${helpId}` } : { "aria-describedby": helpId };
  if (field.generated) {
    return (
      <div>
        <span class="label">{field.label}</span>
        <p class="help" id={helpId}>
          {hint ? `Stored: …${hint}. ` : "Not generated yet: one is generated when you save. "}
          {field.help}
        </p>
        {hint ? (
          <label class="check" for={id}>
            <input type="checkbox" id={id} name={`regenerate_${field.name}`} value="on" aria-describedby={helpId} /> Generate a new {field.label.toLowerCase()} when saving
          </label>
        ) : null}
        <FieldError errors={card.errors} name={id} />
      </div>
    );
  }
  if (field.input === "checkbox") {
    const checked = submitted !== undefined ? submitted === "on" : stored === "true";
    return (
      <div>
        <input type="hidden" name={`present_${field.name}`} value="on" />
        <label class="check" for={id}>
          <input type="checkbox" id={id} name={field.name} value="on" checked={checked} {...describedBy} /> {field.label}
        </label>
        {help}
        <FieldError errors={card.errors} name={id} />
      </div>
    );
  }
  return (
    <div>
      <label for={id}>
        {field.label}
        {field.secret && hint ? <span class="muted"> (stored: …{hint})</span> : null}
      </label>
      {field.input === "select" ? (
        <select id={id} name={field.name} {...describedBy}>
          {(field.options ?? []).map((option) => (
            <option value={option.value} selected={value === option.value}>
              {option.label}
            </option>
          ))}
        </select>
      ) : field.input === "textarea" ? (
        <textarea id={id} name={field.name} rows={3} spellcheck={false} {...describedBy}>
          {value}
        </textarea>
      ) : (
        <input
          id={id}
          name={field.name}
          type={field.input}
          value={value}
          autocomplete={field.secret ? "new-password" : "off"}
          spellcheck={false}
          placeholder={field.placeholder}
          {...describedBy}
        />
      )}
      {help}
      <FieldError errors={card.errors} name={id} />
    </div>
  );
}

function TestAnswer(props: { title: string; test: { ok: boolean; message: string; identity: string | null } }) {
  return (
    <div class={props.test.ok ? "notice" : "warning"} role="status" data-test-result={props.test.ok ? "ok" : "failed"}>
      <strong>{props.test.ok ? "Connection works." : "Connection test failed."}</strong> {props.title} answered: {props.test.message}
    </div>
  );
}

function ProviderCard(props: { setup: ProviderSetup; state: IntegrationState; card: CardState; skipped: boolean; csrf: string }) {
  const { setup, state, card } = props;
  const p = setup.provider;
  const consoleUrl = state.console_url ?? setup.console.url;
  const status = state.connected ? "Connected" : props.skipped ? "Skipped" : "Not connected";
  return (
    <section class="card" id={`integration-${p}`} aria-labelledby={`${p}-title`}>
      <h2 id={`${p}-title`}>
        {setup.title} <span class={`status ${state.connected ? "ok" : "todo"}`}>{status}</span>
      </h2>
      <p>
        {setup.purpose} Credentials are made in the provider's console:{" "}
        <a href={consoleUrl} target="_blank" rel="noopener noreferrer">
          {setup.console.label}
        </a>
        .
      </p>
      {!state.available ? (
        <p class="warning" role="note">
          {setup.title} is not available in this deployment yet: its connection is refused until it is. You can skip it for now.
        </p>
      ) : null}
      <Notice text={card.notice} />
      {card.generated ? (
        <div class="notice" role="status" id={`${p}-generated`}>
          <p>
            <strong>Copy the webhook password now: it is shown only this once.</strong> Enter these as the HTTP Basic credentials of {setup.title}'s webhook.
          </p>
          <label for={`${p}-generated-username`}>Webhook username</label>
          <input id={`${p}-generated-username`} class="copy" type="text" readonly value={card.generated.username} />
          <label for={`${p}-generated-password`}>Webhook password</label>
          <input id={`${p}-generated-password`} class="copy" type="text" readonly value={card.generated.password} />
        </div>
      ) : null}
      {card.test ? <TestAnswer title={setup.title} test={card.test} /> : null}
      <ErrorSummary message={card.message} errors={card.errors} />
      <form method="post" action={`/setup/integrations/${p}`} novalidate aria-label={`${setup.title} connection`}>
        <Hidden csrf={props.csrf} />
        <div class="grid wide-fields">
          {setup.fields.map((field) => (
            <Field setup={setup} field={field} state={state} card={card} />
          ))}
        </div>
        <div class="actions">
          <button type="submit" name="test" value="yes">
            Save and test {setup.title}
          </button>
          <button type="submit" name="test" value="no" class="secondary">
            Save {setup.title} without testing
          </button>
        </div>
      </form>
      {state.last_test && !card.test ? (
        <p class="muted">
          Last test {state.last_test.at.slice(0, 16).replace("T", " ")} UTC: {state.last_test.ok ? "worked" : "failed"}: {state.last_test.message}
        </p>
      ) : null}
      <div class="actions">
        <form method="post" action={`/setup/integrations/${p}/test`}>
          <Hidden csrf={props.csrf} />
          <button type="submit" class="secondary" disabled={!state.connected}>
            Test connection to {setup.title}
          </button>
        </form>
        {state.connected ? (
          <form method="post" action={`/setup/integrations/${p}/disconnect`}>
            <Hidden csrf={props.csrf} />
            <button type="submit" class="secondary">
              Disconnect {setup.title}
            </button>
          </form>
        ) : (
          <form method="post" action={`/setup/integrations/${p}/skip`}>
            <Hidden csrf={props.csrf} />
            <button type="submit" class="secondary" disabled={props.skipped}>
              Skip {setup.title}
            </button>
          </form>
        )}
      </div>
      <h3>Webhook</h3>
      {state.webhook_url ? (
        <>
          <label for={`${p}-webhook-url`}>{setup.title} webhook URL</label>
          <div class="copy-row">
            <input id={`${p}-webhook-url`} class="copy" type="text" readonly value={state.webhook_url} />
            <button type="button" class="secondary" data-copy={`${p}-webhook-url`} hidden>
              Copy<span class="sr"> the {setup.title} webhook URL</span>
            </button>
          </div>
          <p class="help" id={`${p}-webhook-url-copied`} aria-live="polite"></p>
        </>
      ) : (
        <p class="muted">The webhook URL appears here once {setup.title} is available in this deployment.</p>
      )}
      <p class="help">{setup.webhook}</p>
    </section>
  );
}

export function IntegrationsStep(props: {
  email: string;
  csrf: string;
  completed: readonly string[];
  integrations: readonly IntegrationState[];
  cards?: Partial<Record<string, CardState>>;
  message?: string | null;
}) {
  const skipped = (provider: string) => props.completed.includes(`skip_${provider}`);
  return (
    <SetupPage title="Setup: integrations" email={props.email} csrf={props.csrf} admin step="integrations" completed={props.completed}>
      <div class="card">
        <h1>Connect your tools</h1>
        <p>
          Connect the providers you use; skip the others (you can come back any time). Secrets are encrypted as soon as they are saved
          and never shown again: the page shows only their last four characters. Leave a secret blank to keep the stored one.
        </p>
        <ErrorSummary message={props.message} />
        <ul>
          {INTEGRATION_SETUP.map((setup) => {
            const state = props.integrations.find((entry) => entry.provider === setup.provider);
            return (
              <li>
                <a href={`#integration-${setup.provider}`}>{setup.title}</a>: {state?.connected ? "connected" : skipped(setup.provider) ? "skipped" : "not connected"}
              </li>
            );
          })}
        </ul>
      </div>
      {INTEGRATION_SETUP.map((setup) => {
        const state = props.integrations.find((entry) => entry.provider === setup.provider);
        return state ? <ProviderCard setup={setup} state={state} card={props.cards?.[setup.provider] ?? {}} skipped={skipped(setup.provider)} csrf={props.csrf} /> : null;
      })}
      <form method="post" action="/setup/integrations/done" class="card">
        <Hidden csrf={props.csrf} />
        <div class="actions">
          <button type="submit">Continue to health model</button>
        </div>
      </form>
      <script>{raw(COPY_SCRIPT)}</script>
    </SetupPage>
  );
}
