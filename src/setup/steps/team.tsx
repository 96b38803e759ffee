import { ROLES, type Invitation } from "../../db/control";
import type { FieldErrors } from "../context";
import { ErrorSummary, FieldError, Hidden, invalid, Notice, RevokeButton, SetupPage } from "../layout";

/** Step 5 (team): invite by email with a role, the pending invitations with revoke, the members. */

const ROLE_HELP: Record<(typeof ROLES)[number], string> = {
  owner: "everything, including other owners",
  admin: "settings, health model, integrations, team",
  csm: "accounts and their records (read and write)",
  viewer: "read only",
};

export function TeamStep(props: {
  email: string;
  csrf: string;
  completed: readonly string[];
  members: { email: string; role: string }[];
  pending: Invitation[];
  values?: { email: string; role: string };
  errors?: FieldErrors;
  message?: string | null;
  link?: { email: string; url: string } | null;
  notice?: string | null;
}) {
  const values = props.values ?? { email: "", role: "csm" };
  return (
    <SetupPage title="Setup: team" email={props.email} csrf={props.csrf} admin step="team" completed={props.completed}>
      <div class="card">
        <h1>Invite your team</h1>
        <p>Each person gets a link to sign up (or log in) and join this workspace with the role you choose. Links work for 7 days.</p>
        {props.link ? (
          <div class="notice" role="status">
            <p>
              Invitation created for <strong>{props.link.email}</strong>. Send them this link (e-mail delivery comes with the SendGrid
              integration):
            </p>
            <label for="invite-link">Invitation link</label>
            <input id="invite-link" class="copy" type="text" readonly value={props.link.url} />
          </div>
        ) : null}
        <Notice text={props.notice} />
        <ErrorSummary message={props.message} errors={props.errors} />
        <form method="post" action="/setup/team/invite" novalidate>
          <Hidden csrf={props.csrf} />
          <div class="grid">
            <div>
              <label for="invite-email">Email</label>
              <input id="invite-email" name="email" type="email" autocomplete="off" value={values.email} {...invalid(props.errors, "email")} />
              <FieldError errors={props.errors} name="email" />
            </div>
            <div>
              <label for="invite-role">Role</label>
              <select id="invite-role" name="role" {...invalid(props.errors, "role")}>
                {ROLES.map((role) => (
                  <option value={role} selected={values.role === role}>
                    {role}: {ROLE_HELP[role]}
                  </option>
                ))}
              </select>
              <FieldError errors={props.errors} name="role" />
            </div>
          </div>
          <div class="actions">
            <button type="submit">Create invitation</button>
          </div>
        </form>
      </div>
      <div class="card">
        <h2>Pending invitations</h2>
        {props.pending.length ? (
          <table>
            <thead>
              <tr>
                <th scope="col">Email</th>
                <th scope="col">Role</th>
                <th scope="col">Expires</th>
                <th scope="col">
                  <span class="sr">Action</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {props.pending.map((invitation) => (
                <tr>
                  <td>{invitation.email}</td>
                  <td>{invitation.role}</td>
                  <td>{invitation.expiresAt.slice(0, 10)}</td>
                  <td>
                    <RevokeButton action="/setup/team/revoke" csrf={props.csrf} field="invitation_id" value={invitation.id} label={`Revoke the invitation of ${invitation.email}`} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        ) : (
          <p class="muted">No pending invitations.</p>
        )}
        <h2>Members</h2>
        <ul>
          {props.members.map((member) => (
            <li>
              {member.email} ({member.role})
            </li>
          ))}
        </ul>
      </div>
      <form method="post" action="/setup/team/done" class="card">
        <Hidden csrf={props.csrf} />
        <div class="actions">
          <button type="submit">Continue</button>
        </div>
      </form>
    </SetupPage>
  );
}
