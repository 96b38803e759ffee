import type { Child } from "hono/jsx";
import { Layout } from "../http/layout";
import { STEPS } from "./steps";
import type { FieldErrors } from "./context";

/** The setup page's frame: the site layout, a progress bar across the steps and the setup menu. */

export const SETUP_STYLE = `
main.wide { max-width:64rem; }
:focus-visible { outline:3px solid #1b3fa6; outline-offset:2px; }
a { color:#1b3fa6; }
.setup-nav { display:flex; flex-wrap:wrap; gap:.25rem 1rem; margin:0 0 1rem; padding:0; list-style:none; }
.steps { display:flex; flex-wrap:wrap; gap:.5rem; list-style:none; padding:0; margin:.75rem 0 0; counter-reset:step; }
.steps li { flex:1 1 8rem; }
.steps a { display:block; padding:.45rem .6rem; border-radius:6px; border:1px solid var(--line); background:#fff; text-decoration:none; color:var(--ink); font-size:.92rem; }
.steps a[aria-current="step"] { border-color:var(--accent); box-shadow:inset 0 -3px 0 var(--accent); font-weight:600; }
.steps .done::before { content:"✓ "; color:#1d7a3a; font-weight:700; }
progress { width:100%; height:.8rem; accent-color:var(--accent); }
.progress-label { display:flex; justify-content:space-between; font-size:.9rem; color:var(--muted); }
.grid { display:grid; grid-template-columns:repeat(auto-fit, minmax(9rem, 1fr)); gap:.75rem; }
.grid label { margin-top:.25rem; }
input[type=number], input[type=date], input[type=file], select { width:100%; padding:.5rem .6rem; border:1px solid var(--line); border-radius:6px; font:inherit; background:#fff; }
input[aria-invalid=true], select[aria-invalid=true] { border-color:var(--bad); }
fieldset { border:1px solid var(--line); border-radius:8px; padding:.75rem 1rem 1rem; margin:1rem 0; }
legend { font-weight:700; padding:0 .35rem; }
.help { color:var(--muted); font-size:.92rem; margin:.2rem 0 .5rem; }
.check { display:flex; gap:.5rem; align-items:center; font-weight:400; }
.check input { width:auto; }
.status { display:inline-block; padding:.05rem .5rem; border-radius:999px; font-size:.85rem; border:1px solid var(--line); }
.ok { color:#1d6b36; border-color:#9fd3b0; background:#effaf2; }
.todo { color:#7a4b00; border-color:#f0c36d; background:#fff8e8; }
table { border-collapse:collapse; width:100%; font-size:.95rem; }
th, td { text-align:left; padding:.45rem .5rem; border-bottom:1px solid var(--line); vertical-align:middle; }
th a { color:var(--ink); }
td.num, th.num { text-align:right; font-variant-numeric:tabular-nums; }
.band { font-weight:600; }
.band-churn_risk { color:#a4161a; } .band-at_risk { color:#8a4b00; } .band-neutral { color:#3d4656; } .band-healthy { color:#1d6b36; } .band-champion { color:#174ea6; }
.bar { background:#eef1f7; border-radius:4px; height:.9rem; position:relative; min-width:8rem; }
.bar span { display:block; height:100%; border-radius:4px; background:var(--accent); }
.notice { background:#effaf2; border:1px solid #9fd3b0; padding:.75rem; border-radius:6px; }
.remainder { font-weight:600; }
.remainder[data-off="true"] { color:var(--bad); }
.copy { width:100%; font-family:ui-monospace, monospace; }
.copy-row { display:flex; gap:.5rem; align-items:center; }
.copy-row .copy { flex:1; }
.actions { flex-wrap:wrap; }
textarea { width:100%; padding:.5rem .6rem; border:1px solid var(--line); border-radius:6px; font:inherit; font-family:ui-monospace, monospace; }
textarea[aria-invalid=true] { border-color:var(--bad); }
.grid.wide-fields { grid-template-columns:repeat(auto-fit, minmax(16rem, 1fr)); }
.label { display:block; font-weight:600; margin-top:.25rem; }
`;

function StepBar(props: { current: string; completed: readonly string[] }) {
  const done = STEPS.filter((step) => props.completed.includes(step.key)).length;
  return (
    <nav aria-label="Setup steps">
      <div class="progress-label">
        <span id="setup-progress-label">Setup progress</span>
        <span>
          {done} of {STEPS.length} steps done
        </span>
      </div>
      <progress max={STEPS.length} value={done} aria-labelledby="setup-progress-label" />
      <ol class="steps">
        {STEPS.map((step, index) => (
          <li>
            <a
              href={step.path}
              class={props.completed.includes(step.key) ? "done" : undefined}
              aria-current={step.key === props.current ? "step" : undefined}
            >
              {index + 1}. {step.title}
            </a>
          </li>
        ))}
      </ol>
    </nav>
  );
}

export function SetupMenu(props: { admin: boolean }) {
  return (
    <ul class="setup-nav" aria-label="Workspace pages">
      {props.admin ? (
        <li>
          <a href="/setup">Setup</a>
        </li>
      ) : null}
      <li>
        <a href="/setup/accounts">Accounts</a>
      </li>
      <li>
        <a href="/setup/assistants">Connected assistants</a>
      </li>
      {props.admin ? (
        <li>
          <a href="/setup/audit">Audit log</a>
        </li>
      ) : null}
      {props.admin ? (
        <li>
          <a href="/setup/jobs">Integration jobs</a>
        </li>
      ) : null}
    </ul>
  );
}

export function SetupPage(props: {
  title: string;
  email: string;
  csrf: string;
  admin: boolean;
  step?: string;
  completed?: readonly string[];
  children: Child;
}) {
  return (
    <Layout title={props.title} signedInAs={props.email} csrf={props.csrf} extraStyle={SETUP_STYLE} wide>
      <SetupMenu admin={props.admin} />
      {props.step ? (
        <div class="card">
          <StepBar current={props.step} completed={props.completed ?? []} />
        </div>
      ) : null}
      {props.children}
    </Layout>
  );
}

/** The error shown under a field; its id is what the input's aria-describedby names. */
export function FieldError(props: { errors?: FieldErrors; name: string }) {
  const message = props.errors?.[props.name];
  return message ? (
    <p class="field-error" id={`${props.name}-error`}>
      {message}
    </p>
  ) : null;
}

/** aria attributes of an input with a possible error. */
export function invalid(errors: FieldErrors | undefined, name: string): Record<string, string> {
  return errors?.[name] ? { "aria-invalid": "true", "aria-describedby": `${name}-error` } : {};
}

/** A status line after a successful action (announced to screen readers); nothing when there is none. */
export function Notice(props: { text?: string | null }) {
  return props.text ? (
    <p class="notice" role="status">
      {props.text}
    </p>
  ) : null;
}

export function ErrorSummary(props: { message?: string | null; errors?: FieldErrors }) {
  const count = Object.keys(props.errors ?? {}).length;
  if (!props.message && count === 0) return null;
  return (
    <div class="error" role="alert">
      {props.message ?? `Fix the ${count === 1 ? "field" : `${count} fields`} marked below; nothing was saved.`}
    </div>
  );
}

export function Hidden(props: { csrf: string }) {
  return <input type="hidden" name="csrf_token" value={props.csrf} />;
}

/** A table row's Revoke button: a CSRF-checked form posting the row's id; the label names the row for screen readers. */
export function RevokeButton(props: { action: string; csrf: string; field: string; value: string; label: string }) {
  return (
    <form method="post" action={props.action}>
      <Hidden csrf={props.csrf} />
      <input type="hidden" name={props.field} value={props.value} />
      <button type="submit" class="secondary" aria-label={props.label}>
        Revoke
      </button>
    </form>
  );
}
