import { Hono, type Context } from "hono";
import type { Child } from "hono/jsx";
import { raw } from "hono/html";
import { tenantStub } from "../../durable-objects/tenant";
import type { AppEnv } from "../app-env";
import { takeAttempt } from "../auth/rate-limit";
import { tenantExists } from "../db/control";
import type { SurveyAnswers, SurveyForm, SurveyQuestion } from "../db/surveys";
import { readLimitedBody } from "../http/body";
import { surveyTokenHash, tenantOfSurveyToken } from "./links";

/**
 * The respondent's side of a survey: GET /survey/<token> shows the form, POST records the
 * answers once. No login: the token is the credential, so the tenant comes from it alone
 * (checked against D1 before any Tenant object is touched), requests are rate-limited per IP,
 * and an unknown, malformed or expired token gets the same plain 404.
 */

export const surveyRoutes = new Hono<AppEnv>();

/** Requests per IP per window, for GET and POST together. */
export const SURVEY_RATE_LIMIT = { limit: 60, windowSeconds: 600 };
const BODY_LIMIT = 32 * 1024;

const STYLE = `
:root { color-scheme: light; }
* { box-sizing: border-box; }
body { margin:0; font:17px/1.5 system-ui, -apple-system, "Segoe UI", sans-serif; color:#1d2433; background:#f6f7fb; }
main { max-width:40rem; margin:2rem auto; padding:0 1.25rem; }
.card { background:#fff; border:1px solid #d9dee8; border-radius:10px; padding:1.5rem; }
fieldset { border:0; padding:0; margin:1.25rem 0; }
legend, label.q { font-weight:600; display:block; margin-bottom:.5rem; }
.scale { display:flex; flex-wrap:wrap; gap:.35rem; }
.scale label, .choices label { display:inline-flex; align-items:center; gap:.3rem; border:1px solid #d9dee8; border-radius:6px; padding:.35rem .6rem; cursor:pointer; }
.choices label { display:flex; margin:.3rem 0; }
.ends { display:flex; justify-content:space-between; color:#5b6478; font-size:.9rem; margin-top:.3rem; }
textarea { width:100%; min-height:6rem; font:inherit; padding:.5rem; border:1px solid #d9dee8; border-radius:6px; }
button { font:inherit; padding:.6rem 1.2rem; border-radius:6px; border:1px solid #2454d6; background:#2454d6; color:#fff; cursor:pointer; }
.error { color:#b42318; font-weight:600; }
:focus-visible { outline:3px solid #2454d6; outline-offset:2px; }
`;

function Page(props: { title: string; children: Child }) {
  return (
    <>
      {raw("<!doctype html>")}
      <html lang="en">
        <head>
          <meta charset="utf-8" />
          <meta name="viewport" content="width=device-width, initial-scale=1" />
          <meta name="robots" content="noindex" />
          <title>{props.title}</title>
          <style>{raw(STYLE)}</style>
        </head>
        <body>
          <main>
            <div class="card">{props.children}</div>
          </main>
        </body>
      </html>
    </>
  );
}

const HEADERS = { "Cache-Control": "no-store", "Referrer-Policy": "no-referrer", "X-Robots-Tag": "noindex" };

type SurveyContext = Context<AppEnv>;

function page(c: SurveyContext, title: string, body: Child, status: 200 | 400 | 404 | 409 | 413 | 429) {
  return c.html(<Page title={title}>{body}</Page>, status, HEADERS);
}

const notFound = (c: SurveyContext) =>
  page(c, "Survey not found", <><h1>Survey not found</h1><p>This survey link is unknown or has expired.</p></>, 404);

function Question(props: { question: SurveyQuestion; form: SurveyForm; value: string | undefined }) {
  const { question, form } = props;
  const name = `q_${question.id}`;
  const required = question.required ? " (required)" : " (optional)";
  if (question.type === "text") {
    return (
      <div>
        <label class="q" for={name}>
          {question.text}
          {required}
        </label>
        <textarea id={name} name={name} maxlength={2000} required={question.required}>
          {props.value ?? ""}
        </textarea>
      </div>
    );
  }
  const options = question.type === "score" && form.scale ? Array.from({ length: form.scale.max - form.scale.min + 1 }, (_, i) => String((form.scale?.min ?? 0) + i)) : (question.choices ?? []);
  const hint = question.type === "score" && form.scale ? `${name}-ends` : undefined;
  return (
    <fieldset aria-describedby={hint}>
      <legend>
        {question.text}
        {required}
      </legend>
      <div class={question.type === "score" ? "scale" : "choices"}>
        {options.map((option, i) => (
          <label for={`${name}-${i}`}>
            <input type="radio" id={`${name}-${i}`} name={name} value={option} required={question.required} checked={props.value === option} />
            {option}
          </label>
        ))}
      </div>
      {hint && form.scale ? (
        <p class="ends" id={hint}>
          <span>
            {form.scale.min} = {form.scale.low}
          </span>
          <span>
            {form.scale.max} = {form.scale.high}
          </span>
        </p>
      ) : null}
    </fieldset>
  );
}

function FormPage(props: { token: string; form: SurveyForm; values: Record<string, string>; error: string | null }) {
  return (
    <>
      <h1>{props.form.template_name}</h1>
      {props.error ? (
        <p class="error" role="alert">
          {props.error}
        </p>
      ) : null}
      <form method="post" action={`/survey/${props.token}`}>
        {props.form.questions.map((question) => (
          <Question question={question} form={props.form} value={props.values[question.id]} />
        ))}
        <button type="submit">Send my answers</button>
      </form>
    </>
  );
}

/** Rate limit, token shape, tenant in D1: the tenant's stub and the token's hash, or a response. */
async function resolve(c: SurveyContext): Promise<{ stub: ReturnType<typeof tenantStub>; hash: string; token: string } | Response> {
  const ip = c.req.header("CF-Connecting-IP") ?? "local";
  if (!(await takeAttempt(c.env.CONTROL_DB, `survey:ip:${ip}`, SURVEY_RATE_LIMIT))) {
    return page(c, "Too many requests", <><h1>Too many requests</h1><p>Please wait a few minutes and open the link again.</p></>, 429);
  }
  const token = c.req.param("token") ?? "";
  const tenantId = tenantOfSurveyToken(token);
  if (!tenantId || !(await tenantExists(c.env.CONTROL_DB, tenantId))) return notFound(c);
  return { stub: tenantStub(c.env.TENANT, tenantId), hash: await surveyTokenHash(token), token };
}

const answeredPage = (c: SurveyContext, status: 200 | 409) =>
  page(c, "Already answered", <><h1>Already answered</h1><p>This survey has already been answered. Thank you!</p></>, status);

surveyRoutes.get("/survey/:token", async (c) => {
  const resolved = await resolve(c);
  if (resolved instanceof Response) return resolved;
  const found = await resolved.stub.surveyForm(resolved.hash);
  if (!found.ok) throw new Error("survey form lookup failed");
  if (!found.value) return notFound(c);
  if (found.value.state === "answered") return answeredPage(c, 200);
  return page(c, found.value.template_name, <FormPage token={resolved.token} form={found.value} values={{}} error={null} />, 200);
});

surveyRoutes.post("/survey/:token", async (c) => {
  const resolved = await resolve(c);
  if (resolved instanceof Response) return resolved;
  const bytes = await readLimitedBody(c.req.raw, BODY_LIMIT);
  if (!bytes) return page(c, "Too long", <><h1>Answers too long</h1><p>Shorten your answers and send them again.</p></>, 413);
  const type = c.req.header("Content-Type") ?? "";
  if (!type.startsWith("application/x-www-form-urlencoded")) return page(c, "Not a form", <><h1>Send the form</h1><p>Answer with the form on this page.</p></>, 400);
  const values: Record<string, string> = {};
  for (const [key, value] of new URLSearchParams(new TextDecoder().decode(bytes))) {
    if (key.startsWith("q_") && key.length <= 42) values[key.slice(2)] = value;
  }
  const answers: SurveyAnswers = values;
  const result = await resolved.stub.answerSurvey(resolved.hash, answers);
  if (result.ok) {
    if (result.value === null) return notFound(c);
    if (result.value === "already_answered") return answeredPage(c, 409);
    return page(c, "Thank you", <><h1>Thank you!</h1><p>Your answers were recorded.</p></>, 200);
  }
  if (result.code !== "invalid") return notFound(c);
  const form = await resolved.stub.surveyForm(resolved.hash);
  if (!form.ok || !form.value) return notFound(c);
  return page(c, form.value.template_name, <FormPage token={resolved.token} form={form.value} values={values} error={result.message} />, 400);
});
