import type { ConsentDescription } from "@cloudflare/workers-oauth-provider";
import { Layout } from "../http/layout";
import { CSRF_FIELD } from "./csrf";
import { SCOPE_DESCRIPTIONS, type Scope } from "./scopes";

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
