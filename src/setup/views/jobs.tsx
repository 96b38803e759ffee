import { PROVIDERS } from "../../integrations/provider";
import { ErrorSummary, Hidden, Notice, SetupPage } from "../layout";

/**
 * Integration jobs (/setup/jobs): what tools sent to providers, counted from their deliveries
 * (queued, sent, failed), each failed or dead-lettered delivery with the provider's reason, and
 * a Retry button (retry_integration_job) for jobs with dead or failed deliveries.
 */

/** One job as list_integration_jobs answers it. */
export interface JobState {
  id: string;
  provider: string;
  operation: string;
  description: string;
  status: string;
  created_by: string;
  created_at: string;
  updated_at: string;
  deliveries: { queued: number; sending: number; retrying: number; sent: number; failed: number; dead: number; total: number };
  items: { total: number; queued: number; sent: number; failed: number };
  failures: { key: string; sequence: number; status: string; attempts: number; items: number; error: string; updated_at: string }[];
}

/** Deliveries waiting (queued, being sent or waiting for a retry), sent, and failed (refused or dead-lettered). */
export function jobCounts(job: JobState): { queued: number; sent: number; failed: number } {
  const d = job.deliveries;
  return { queued: d.queued + d.sending + d.retrying, sent: d.sent, failed: d.failed + d.dead };
}

export function JobsView(props: { email: string; csrf: string; jobs: readonly JobState[]; provider: string; message: string | null; notice: string | null }) {
  const totals = props.jobs.reduce(
    (sum, job) => {
      const counts = jobCounts(job);
      return { queued: sum.queued + counts.queued, sent: sum.sent + counts.sent, failed: sum.failed + counts.failed };
    },
    { queued: 0, sent: 0, failed: 0 },
  );
  return (
    <SetupPage title="Integration jobs" email={props.email} csrf={props.csrf} admin>
      <div class="card">
        <h1>Integration jobs</h1>
        <p>
          Work sent to Zendesk, Intercom, Mixpanel and SendGrid (campaign sends, exports, tickets), newest first. Each job is split into
          deliveries; a delivery the provider refused, or whose retries ran out (dead-lettered), can be retried once the cause is fixed.
          Deliveries already sent are never sent again.
        </p>
        <Notice text={props.notice} />
        <ErrorSummary message={props.message} />
        <form method="get" action="/setup/jobs" class="actions">
          <div>
            <label for="jobs-provider">Provider</label>
            <select id="jobs-provider" name="provider">
              <option value="" selected={props.provider === ""}>
                All providers
              </option>
              {PROVIDERS.map((name) => (
                <option value={name} selected={props.provider === name}>
                  {name}
                </option>
              ))}
            </select>
          </div>
          <div>
            <button type="submit" class="secondary">
              Show
            </button>
          </div>
        </form>
        <p role="status" id="job-totals">
          {props.jobs.length} job{props.jobs.length === 1 ? "" : "s"}; deliveries: <strong>{totals.queued} queued</strong>, <strong>{totals.sent} sent</strong>,{" "}
          <strong>{totals.failed} failed</strong>.
        </p>
      </div>
      {props.jobs.length === 0 ? (
        <div class="card">
          <p class="muted">No integration jobs yet. They appear when a tool sends work to a connected provider.</p>
        </div>
      ) : (
        props.jobs.map((job) => {
          const counts = jobCounts(job);
          const retryable = job.deliveries.failed + job.deliveries.dead;
          return (
            <section class="card" id={`job-${job.id}`} aria-labelledby={`job-${job.id}-title`}>
              <h2 id={`job-${job.id}-title`}>
                {job.provider} · {job.operation} <span class={`status ${job.status === "sent" ? "ok" : "todo"}`}>{job.status.replace("_", " ")}</span>
              </h2>
              <p>{job.description}</p>
              <p class="muted">
                Job {job.id}, started {job.created_at.slice(0, 16).replace("T", " ")} UTC by {job.created_by}; updated {job.updated_at.slice(0, 16).replace("T", " ")} UTC.
              </p>
              <table>
                <caption class="muted" style="text-align:left">
                  Deliveries ({job.deliveries.total}) and items ({job.items.total})
                </caption>
                <thead>
                  <tr>
                    <th scope="col">Counted</th>
                    <th scope="col" class="num">
                      Queued
                    </th>
                    <th scope="col" class="num">
                      Sent
                    </th>
                    <th scope="col" class="num">
                      Failed
                    </th>
                  </tr>
                </thead>
                <tbody>
                  <tr>
                    <th scope="row">Deliveries</th>
                    <td class="num" data-count="queued">
                      {counts.queued}
                    </td>
                    <td class="num" data-count="sent">
                      {counts.sent}
                    </td>
                    <td class="num" data-count="failed">
                      {counts.failed}
                      {job.deliveries.dead ? ` (${job.deliveries.dead} dead-lettered)` : ""}
                    </td>
                  </tr>
                  <tr>
                    <th scope="row">Items</th>
                    <td class="num">{job.items.queued}</td>
                    <td class="num">{job.items.sent}</td>
                    <td class="num">{job.items.failed}</td>
                  </tr>
                </tbody>
              </table>
              {job.failures.length ? (
                <>
                  <h3>Failures</h3>
                  <ul class="failures">
                    {job.failures.map((failure) => (
                      <li>
                        Delivery {failure.sequence} ({failure.items} item{failure.items === 1 ? "" : "s"}, {failure.attempts} attempt{failure.attempts === 1 ? "" : "s"}):{" "}
                        <strong>{failure.status === "dead" ? "dead-lettered" : failure.status}</strong>. {job.provider} said: {failure.error}
                      </li>
                    ))}
                  </ul>
                </>
              ) : null}
              {retryable ? (
                <form method="post" action={`/setup/jobs/${encodeURIComponent(job.id)}/retry`}>
                  <Hidden csrf={props.csrf} />
                  <button type="submit" aria-label={`Retry the ${retryable} failed deliveries of job ${job.id}`}>
                    Retry {retryable} failed deliver{retryable === 1 ? "y" : "ies"}
                  </button>
                </form>
              ) : null}
            </section>
          );
        })
      )}
    </SetupPage>
  );
}
