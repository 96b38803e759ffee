import { raw } from "hono/html";
import type { FieldErrors } from "../context";
import { ErrorSummary, FieldError, Hidden, invalid, Notice, SetupPage } from "../layout";
import { BAND_HELP, BANDS, COMPONENT_HELP, COMPONENTS, PRIORITIES, SEGMENTS, TRIGGER_PRESETS, type Values } from "../health-form";

/** Step 3 (health model): weights, bands, per-segment overrides, a preview before saving, SLA targets and triggers. */

export interface ModelPreviewView {
  accounts: number;
  accounts_moving_band: number;
  moves: { from: string; to: string; accounts: number }[];
  bands: { band: string; current: number; draft: number }[];
}

export interface PlaybookView {
  playbook_id: string;
  name: string;
  enabled: boolean;
  open_tasks: number;
}

/** Shows each weight group's remainder as the user types; the server checks the same rule. */
const REMAINDER_SCRIPT = `
for (const group of document.querySelectorAll("[data-weights]")) {
  const out = group.querySelector("output");
  const inputs = group.querySelectorAll("input[type=number]");
  const update = () => {
    let sum = 0;
    for (const input of inputs) sum += Number(input.value) || 0;
    const left = Math.round((100 - sum) * 100) / 100;
    out.textContent = left === 0 ? "Total 100%: ready" : (left > 0 ? left + " points left to assign" : -left + " points too many");
    out.dataset.off = String(left !== 0);
  };
  for (const input of inputs) input.addEventListener("input", update);
  update();
}
`;

function WeightInputs(props: { prefix: string; group: string; values: Values; errors?: FieldErrors; legend: string; help?: string }) {
  return (
    <fieldset data-weights={props.group}>
      <legend>{props.legend}</legend>
      {props.help ? <p class="help">{props.help}</p> : null}
      <div class="grid">
        {COMPONENTS.map((name) => {
          const field = `${props.prefix}${name}`;
          return (
            <div>
              <label for={field}>{name[0]?.toUpperCase() + name.slice(1)} (%)</label>
              <input id={field} name={field} type="number" min="0" max="100" step="0.01" value={props.values[field] ?? ""} {...invalid(props.errors, field)} />
              <FieldError errors={props.errors} name={field} />
            </div>
          );
        })}
      </div>
      <p>
        <output class="remainder" id={`${props.group}-remainder`} aria-live="polite"></output>
      </p>
      <FieldError errors={props.errors} name={props.group} />
    </fieldset>
  );
}

function PreviewTable(props: { preview: ModelPreviewView }) {
  const { preview } = props;
  return (
    <div class="notice" role="status">
      <h2 style="margin-top:0">Preview: nothing is saved yet</h2>
      <p>
        Scored with this draft, <strong>{preview.accounts_moving_band}</strong> of {preview.accounts} account
        {preview.accounts === 1 ? "" : "s"} would move band.
      </p>
      <table>
        <thead>
          <tr>
            <th scope="col">Band</th>
            <th scope="col" class="num">
              Now
            </th>
            <th scope="col" class="num">
              With the draft
            </th>
          </tr>
        </thead>
        <tbody>
          {preview.bands.map((row) => (
            <tr>
              <th scope="row" class={`band band-${row.band}`}>
                {row.band.replace("_", " ")}
              </th>
              <td class="num">{row.current}</td>
              <td class="num">{row.draft}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {preview.moves.length ? (
        <ul>
          {preview.moves.map((move) => (
            <li>
              {move.accounts} from {move.from.replace("_", " ")} to {move.to.replace("_", " ")}
            </li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}

export function HealthStep(props: {
  email: string;
  csrf: string;
  completed: readonly string[];
  customized: boolean;
  model: Values;
  modelErrors?: FieldErrors;
  modelMessage?: string | null;
  preview?: ModelPreviewView | null;
  saved?: string | null;
  sla: Values;
  slaErrors?: FieldErrors;
  slaMessage?: string | null;
  playbooks: PlaybookView[];
  triggerErrors?: FieldErrors;
  triggerMessage?: string | null;
  trigger?: Values;
}) {
  const errors = props.modelErrors;
  const trigger = props.trigger ?? { preset: "churn_risk", threshold: "40", days: "60" };
  return (
    <SetupPage title="Setup: health model" email={props.email} csrf={props.csrf} admin step="health" completed={props.completed}>
      <div class="card">
        <h1>Health model</h1>
        <p>
          Every account's health score (0–100) is a weighted sum of five components. Choose how much each counts, where the bands
          begin, and optionally different weights per plan tier. Preview shows how your own accounts would move before you save.
          {props.customized ? " This workspace already has its own model." : " This workspace uses the default model."}
        </p>
        <Notice text={props.saved} />
        <ErrorSummary message={props.modelMessage} errors={errors} />
        <form method="post" action="/setup/health" id="health-form" novalidate>
          <Hidden csrf={props.csrf} />
          <WeightInputs
            prefix="weight_"
            group="weights"
            values={props.model}
            errors={errors}
            legend="Component weights (must total 100%)"
            help={COMPONENTS.map((name) => `${name}: ${COMPONENT_HELP[name]}`).join(". ") + "."}
          />
          <fieldset>
            <legend>Band thresholds (score 0–100)</legend>
            <p class="help">Between “at risk” and “healthy” an account is neutral. Each threshold must be above the previous one.</p>
            <div class="grid">
              {BANDS.map((band) => {
                const field = `band_${band}`;
                return (
                  <div>
                    <label for={field}>{band.replace("_", " ")}</label>
                    <input id={field} name={field} type="number" min="0" max="100" step="0.1" value={props.model[field] ?? ""} aria-describedby={`${field}-help`} {...invalid(errors, field)} />
                    <p class="help" id={`${field}-help`}>
                      {BAND_HELP[band]}
                    </p>
                    <FieldError errors={errors} name={field} />
                  </div>
                );
              })}
            </div>
          </fieldset>
          <fieldset>
            <legend>Per-segment overrides</legend>
            <p class="help">Tick a tier to score its accounts with their own weights; the others use the weights above.</p>
            {SEGMENTS.map((segment) => (
              <div>
                <label class="check" for={`override_${segment}`}>
                  <input type="checkbox" id={`override_${segment}`} name={`override_${segment}`} checked={props.model[`override_${segment}`] === "on"} />
                  Own weights for {segment} accounts
                </label>
                <WeightInputs prefix={`w_${segment}_`} group={`profile_${segment}`} values={props.model} errors={errors} legend={`${segment} weights`} />
              </div>
            ))}
          </fieldset>
          {props.preview ? <PreviewTable preview={props.preview} /> : null}
          <div class="actions">
            <button type="submit" name="action" value="preview" class="secondary">
              Preview on my accounts
            </button>
            <button type="submit" name="action" value="save">
              Save the model
            </button>
          </div>
        </form>
        <script>{raw(REMAINDER_SCRIPT)}</script>
      </div>

      <div class="card" id="sla">
        <h2>Support SLA targets</h2>
        <p class="help">Minutes to the first response and to resolution, per ticket priority (P1 is the most urgent).</p>
        <ErrorSummary message={props.slaMessage} errors={props.slaErrors} />
        <form method="post" action="/setup/health/sla" novalidate>
          <Hidden csrf={props.csrf} />
          <table>
            <thead>
              <tr>
                <th scope="col">Priority</th>
                <th scope="col">First response (minutes)</th>
                <th scope="col">Resolution (minutes)</th>
              </tr>
            </thead>
            <tbody>
              {PRIORITIES.map((priority) => (
                <tr>
                  <th scope="row">{priority}</th>
                  {(["first", "resolution"] as const).map((which) => {
                    const field = `sla_${priority}_${which}`;
                    return (
                      <td>
                        <label for={field} class="sr">
                          {priority} {which === "first" ? "first response" : "resolution"} minutes
                        </label>
                        <input id={field} name={field} type="number" min="1" step="1" value={props.sla[field] ?? ""} {...invalid(props.slaErrors, field)} />
                        <FieldError errors={props.slaErrors} name={field} />
                      </td>
                    );
                  })}
                </tr>
              ))}
            </tbody>
          </table>
          <div class="actions">
            <button type="submit">Save SLA targets</button>
          </div>
        </form>
      </div>

      <div class="card" id="triggers">
        <h2>Churn and retention triggers</h2>
        <p class="help">
          Triggers are playbooks: when an account matches, a task opens for its CSM (one open task per account). They run whenever
          an account's data changes and daily.
        </p>
        {props.playbooks.length ? (
          <table>
            <thead>
              <tr>
                <th scope="col">Trigger</th>
                <th scope="col">State</th>
                <th scope="col" class="num">
                  Open tasks
                </th>
              </tr>
            </thead>
            <tbody>
              {props.playbooks.map((playbook) => (
                <tr>
                  <td>{playbook.name}</td>
                  <td>{playbook.enabled ? "enabled" : "paused"}</td>
                  <td class="num">{playbook.open_tasks}</td>
                </tr>
              ))}
            </tbody>
          </table>
        ) : (
          <p class="muted">No triggers yet.</p>
        )}
        <ErrorSummary message={props.triggerMessage} errors={props.triggerErrors} />
        <form method="post" action="/setup/health/trigger" novalidate>
          <Hidden csrf={props.csrf} />
          <fieldset>
            <legend>Add a trigger</legend>
            {Object.entries(TRIGGER_PRESETS).map(([key, preset]) => (
              <label class="check" for={`preset-${key}`}>
                <input type="radio" id={`preset-${key}`} name="preset" value={key} checked={trigger.preset === key} />
                <span>
                  <strong>{preset.label}</strong> <span class="muted">{preset.help}</span>
                </span>
              </label>
            ))}
            <FieldError errors={props.triggerErrors} name="preset" />
            <div class="grid">
              <div>
                <label for="threshold">Health threshold</label>
                <input id="threshold" name="threshold" type="number" min="0" max="100" value={trigger.threshold ?? ""} {...invalid(props.triggerErrors, "threshold")} />
                <FieldError errors={props.triggerErrors} name="threshold" />
              </div>
              <div>
                <label for="days">Days</label>
                <input id="days" name="days" type="number" min="1" max="365" value={trigger.days ?? ""} {...invalid(props.triggerErrors, "days")} />
                <FieldError errors={props.triggerErrors} name="days" />
              </div>
              <div>
                <label for="owner">Task owner</label>
                <input id="owner" name="owner" type="text" value={trigger.owner ?? "csm"} aria-describedby="owner-help" {...invalid(props.triggerErrors, "owner")} />
                <p class="help" id="owner-help">
                  “csm” means the account's CSM.
                </p>
                <FieldError errors={props.triggerErrors} name="owner" />
              </div>
            </div>
          </fieldset>
          <div class="actions">
            <button type="submit" class="secondary">
              Add trigger
            </button>
          </div>
        </form>
      </div>
      <form method="post" action="/setup/health/done" class="card">
        <Hidden csrf={props.csrf} />
        <p>Happy with the model, SLAs and triggers (or keeping the defaults)?</p>
        <div class="actions">
          <button type="submit">Continue to data</button>
        </div>
      </form>
    </SetupPage>
  );
}
