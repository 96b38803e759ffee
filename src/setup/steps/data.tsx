import { raw } from "hono/html";
import type { ImportReport } from "../../import/run";
import { FIELDS, type ImportKind } from "../../import/rows";
import { TEMPLATES } from "../../db/onboarding";
import type { FieldErrors } from "../context";
import { ErrorSummary, FieldError, Hidden, invalid, Notice, SetupPage } from "../layout";

/** Step 4 (data): CSV import with column mapping and a per-row report, sample data, default segments. */

export const SETUP_IMPORT_KINDS = ["accounts", "contacts"] as const satisfies readonly ImportKind[];
export type SetupImportKind = (typeof SETUP_IMPORT_KINDS)[number];

/** "The workspace has 3 accounts and 1 contact." */
export function workspaceCounts(accounts: number, contacts: number): string {
  return `The workspace has ${accounts.toLocaleString("en-US")} account${accounts === 1 ? "" : "s"} and ${contacts.toLocaleString("en-US")} contact${contacts === 1 ? "" : "s"}.`;
}

export function ImportReportView(props: { report: ImportReport; encodingWarning: string | null; counts?: { accounts: number; contacts: number } | null }) {
  const { report } = props;
  return (
    <section class="card" aria-labelledby="report-title" id="import-report">
      <h2 id="report-title">
        {report.dry_run ? "Check of" : "Import of"} {report.kind}: {report.rows} row{report.rows === 1 ? "" : "s"} read
      </h2>
      <p role="status">
        {report.created} created, {report.updated} updated, {report.unchanged} unchanged, <strong>{report.rejected} rejected</strong>
        {report.dry_run ? " (nothing was written: this was a check)" : ""}.
      </p>
      {props.counts ? <p id="import-counts">{workspaceCounts(props.counts.accounts, props.counts.contacts)}</p> : null}
      {props.encodingWarning ? <p class="warning">{props.encodingWarning}</p> : null}
      {report.warnings.length ? (
        <ul>
          {report.warnings.map((warning) => (
            <li class="muted">{warning.message}</li>
          ))}
        </ul>
      ) : null}
      <p class="muted">
        Columns used: {Object.entries(report.columns).map(([field, header]) => `${field} ← “${header}”`).join(", ")}
      </p>
      {report.errors.length ? (
        <>
          <h3>Rows not imported</h3>
          <p class="help">Fix these rows in your file and import it again: rows already imported are matched by external id and not duplicated.</p>
          <table>
            <thead>
              <tr>
                <th scope="col" class="num">
                  Row
                </th>
                <th scope="col">Field</th>
                <th scope="col">Reason</th>
              </tr>
            </thead>
            <tbody>
              {report.errors.slice(0, 500).map((error) => (
                <tr>
                  <td class="num">{error.row}</td>
                  <td>{error.field ?? "(whole row)"}</td>
                  <td>{error.message}</td>
                </tr>
              ))}
            </tbody>
          </table>
          {report.errors.length + report.errors_omitted > 500 ? (
            <p class="muted">… and {report.errors.length + report.errors_omitted - 500} more rows with problems.</p>
          ) : null}
        </>
      ) : null}
    </section>
  );
}

function ImportForm(props: { kind: SetupImportKind; csrf: string; errors?: FieldErrors; mapping?: Record<string, string> }) {
  const { kind } = props;
  const fileField = `file_${kind}`;
  return (
    <form method="post" action={`/setup/data/import/${kind}`} enctype="multipart/form-data" novalidate>
      <Hidden csrf={props.csrf} />
      <h2>Import {kind}</h2>
      <label for={fileField}>CSV file of {kind}</label>
      <input id={fileField} name="file" type="file" accept=".csv,text/csv" aria-describedby={`${fileField}-help`} {...invalid(props.errors, fileField)} />
      <p class="help" id={`${fileField}-help`}>
        Header row first; UTF-8 or Excel's CSV. Up to 50,000 rows. {kind === "accounts" ? "external_id and name are required." : "external_id (your id for the contact), account_external_id (or client_id) and name are required."}
      </p>
      <FieldError errors={props.errors} name={fileField} />
      <details>
        <summary>Column mapping (optional)</summary>
        <p class="help">Columns named like the fields below are matched automatically. Type your header next to a field to map a differently named column.</p>
        <div class="grid">
          {FIELDS[kind].map((field) => {
            const id = `map_${kind}_${field.name}`;
            return (
              <div>
                <label for={id}>{field.name}</label>
                <input id={id} name={`map_${field.name}`} type="text" value={props.mapping?.[field.name] ?? ""} aria-describedby={`${id}-help`} />
                <p class="help" id={`${id}-help`}>
                  {field.description}
                </p>
              </div>
            );
          })}
        </div>
        <FieldError errors={props.errors} name={`mapping_${kind}`} />
      </details>
      <label class="check" for={`dry_${kind}`}>
        <input type="checkbox" id={`dry_${kind}`} name="dry_run" value="on" /> Only check the file (write nothing)
      </label>
      <div class="actions">
        <button type="submit">Import {kind}</button>
      </div>
    </form>
  );
}

export function DataStep(props: {
  email: string;
  csrf: string;
  completed: readonly string[];
  /** Null while an import streams: the counts are filled in when it has finished. */
  accounts: number | null;
  contacts: number | null;
  segments: number;
  /** The workspace's survey templates (archived included); absent while an import streams. */
  surveyTemplates?: { name: string; kind: string; archived: boolean }[];
  errors?: FieldErrors;
  message?: string | null;
  notice?: string | null;
  mapping?: Record<string, string>;
  /** Where a streamed import report goes (see routes). */
  reportSlot?: string;
  /** The account a health history rebuild goes on after, when the last press did not finish. */
  rebuildAfter?: string | null;
}) {
  return (
    <SetupPage title="Setup: data" email={props.email} csrf={props.csrf} admin step="data" completed={props.completed}>
      <div class="card">
        <h1>Bring in your accounts</h1>
        <p>
          <span id="workspace-counts">
            {props.accounts === null || props.contacts === null ? "Importing: the workspace's counts follow when the import has finished." : workspaceCounts(props.accounts, props.contacts)}
          </span>{" "}
          Import them from your CRM's CSV export (accounts first, then contacts), or load sample data to try things out.
        </p>
        <Notice text={props.notice} />
        <ErrorSummary message={props.message} errors={props.errors} />
      </div>
      {props.reportSlot ? raw(props.reportSlot) : null}
      <div class="card">
        {(SETUP_IMPORT_KINDS as readonly SetupImportKind[]).map((kind) => (
          <ImportForm kind={kind} csrf={props.csrf} errors={props.errors} mapping={props.mapping} />
        ))}
      </div>
      <div class="card">
        <h2>Or load sample data</h2>
        <p class="help">50 sample accounts with contacts, contracts, invoices, usage, tickets and survey answers, scored like real ones, and a few help-centre articles. Only for an empty workspace.</p>
        <form method="post" action="/setup/data/sample">
          <Hidden csrf={props.csrf} />
          <button type="submit" class="secondary" disabled={props.accounts !== 0}>
            Load sample data
          </button>
        </form>
      </div>
      <div class="card" id="history">
        <h2>Health history from your data</h2>
        <p class="help">
          Health history normally starts the day an account is first scored. If what you brought in has its past (invoices, product
          usage sent with its dates), this scores every account as it stood each week over the last 90 days, so trends, movers and
          falling-health warnings work today. It only adds weeks before an account's first score; pressing it again adds nothing new.
        </p>
        <form method="post" action="/setup/data/history">
          <Hidden csrf={props.csrf} />
          {props.rebuildAfter ? <input type="hidden" name="after_client_id" value={props.rebuildAfter} /> : null}
          <button type="submit" class="secondary" disabled={props.accounts === 0}>
            {props.rebuildAfter ? "Go on rebuilding health history" : "Rebuild health history"}
          </button>
        </form>
      </div>
      <div class="card" id="defaults">
        <h2>Default segments and templates</h2>
        <p class="help">
          Creates the segments “At risk”, “Renewing in 90 days”, “Champions” and “Enterprise” (skipping any that exist). The
          workspace has {props.segments} segment{props.segments === 1 ? "" : "s"}. Onboarding plans use these built-in templates:{" "}
          {TEMPLATES.map((template) => `${template.name} (${template.applies_to})`).join("; ")}.
        </p>
        <p class="help">
          It also creates the standard survey templates “Net Promoter Score” (0–10), “Customer Satisfaction” (1–5) and “Customer
          Effort Score” (1–7), once: running it again creates nothing new.
        </p>
        {props.surveyTemplates ? (
          <div id="survey-templates">
            <h3>Survey templates</h3>
            {props.surveyTemplates.length === 0 ? (
              <p class="muted">No survey templates yet.</p>
            ) : (
              <ul>
                {props.surveyTemplates.map((template) => (
                  <li>
                    {template.name} ({template.kind.toUpperCase()}){template.archived ? " (archived)" : ""}
                  </li>
                ))}
              </ul>
            )}
          </div>
        ) : null}
        <form method="post" action="/setup/data/defaults">
          <Hidden csrf={props.csrf} />
          <button type="submit" class="secondary">
            Create default segments and survey templates
          </button>
        </form>
      </div>
      <form method="post" action="/setup/data/done" class="card">
        <Hidden csrf={props.csrf} />
        <div class="actions">
          <button type="submit">Continue to team</button>
        </div>
      </form>
    </SetupPage>
  );
}
