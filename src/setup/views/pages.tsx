import { Layout } from "../../http/layout";
import { CSRF_FIELD } from "../../auth/csrf";
import type { Invitation } from "../../db/control";
import type { FieldErrors } from "../context";
import { FieldError, invalid, SETUP_STYLE } from "../layout";

/** The 403 page, and the invitation pages at /invite/:token. */

export function ForbiddenPage(props: { message: string; email?: string; csrf?: string }) {
  return (
    <Layout title="Not allowed" signedInAs={props.email} csrf={props.csrf} extraStyle={SETUP_STYLE}>
      <div class="card">
        <h1>You cannot open this page</h1>
        <p>{props.message}</p>
        <p>
          <a href="/setup/accounts">Go to the accounts view</a> · <a href="/">Start page</a>
        </p>
      </div>
    </Layout>
  );
}

export function InvitationGone(props: { title: string; message: string }) {
  return (
    <Layout title={props.title} extraStyle={SETUP_STYLE}>
      <div class="card">
        <h1>{props.title}</h1>
        <p>{props.message}</p>
        <p>
          <a href="/">Start page</a>
        </p>
      </div>
    </Layout>
  );
}

export function InvitationPage(props: {
  invitation: Invitation;
  token: string;
  csrf: string;
  signedInAs: string | null;
  existingUser: boolean;
  errors?: FieldErrors;
  message?: string | null;
}) {
  const { invitation } = props;
  const action = `/invite/${props.token}`;
  const sameUser = props.signedInAs === invitation.email;
  return (
    <Layout title={`Join ${invitation.tenantName}`} signedInAs={props.signedInAs} csrf={props.csrf} extraStyle={SETUP_STYLE}>
      <div class="card">
        <h1>Join {invitation.tenantName}</h1>
        <p>
          You were invited as <strong>{invitation.email}</strong> with the role <strong>{invitation.role}</strong>.
        </p>
        {props.message ? (
          <p class="error" role="alert">
            {props.message}
          </p>
        ) : null}
        {sameUser ? (
          <form method="post" action={action}>
            <input type="hidden" name={CSRF_FIELD} value={props.csrf} />
            <input type="hidden" name="mode" value="join" />
            <div class="actions">
              <button type="submit">Join {invitation.tenantName}</button>
            </div>
          </form>
        ) : props.signedInAs ? (
          <p>
            You are signed in as {props.signedInAs}; this invitation is for {invitation.email}. Log out, then open this link again.
          </p>
        ) : props.existingUser ? (
          <p>
            {invitation.email} already has an account: <a href={`/login?next=${encodeURIComponent(action)}`}>log in</a> and come back to
            this link to join.
          </p>
        ) : (
          <form method="post" action={action} novalidate>
            <input type="hidden" name={CSRF_FIELD} value={props.csrf} />
            <input type="hidden" name="mode" value="signup" />
            <label for="invite-email">Email</label>
            <input id="invite-email" type="email" value={invitation.email} readonly autocomplete="username" />
            <label for="invite-password">Choose a password (at least 10 characters)</label>
            <input id="invite-password" name="password" type="password" autocomplete="new-password" {...invalid(props.errors, "password")} />
            <FieldError errors={props.errors} name="password" />
            <div class="actions">
              <button type="submit">Create my account and join</button>
            </div>
            <p class="muted">
              Already have an account? <a href={`/login?next=${encodeURIComponent(action)}`}>Log in</a>
            </p>
          </form>
        )}
      </div>
    </Layout>
  );
}
