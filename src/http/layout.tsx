import type { Child } from "hono/jsx";
import { raw } from "hono/html";

/** The frame of every hosted page: plain, readable, no scripts. */

const STYLE = `
:root { color-scheme: light; --ink:#1d2433; --muted:#5b6478; --line:#d9dee8; --accent:#2454d6; --bad:#b42318; --bg:#f6f7fb; }
* { box-sizing: border-box; }
body { margin:0; font:16px/1.5 system-ui, -apple-system, "Segoe UI", sans-serif; color:var(--ink); background:var(--bg); }
header { background:#fff; border-bottom:1px solid var(--line); padding:.75rem 1.5rem; display:flex; justify-content:space-between; align-items:center; }
header a { color:var(--ink); text-decoration:none; font-weight:600; }
nav a, nav button { margin-left:1rem; font-weight:400; }
main { max-width:46rem; margin:2rem auto; padding:0 1.5rem; }
.card { background:#fff; border:1px solid var(--line); border-radius:10px; padding:1.5rem; margin-bottom:1.5rem; }
label { display:block; font-weight:600; margin:.9rem 0 .25rem; }
input[type=text], input[type=email], input[type=password] { width:100%; padding:.55rem .7rem; border:1px solid var(--line); border-radius:6px; font:inherit; }
button { font:inherit; padding:.55rem 1.1rem; border-radius:6px; border:1px solid var(--accent); background:var(--accent); color:#fff; cursor:pointer; }
button.secondary { background:#fff; color:var(--ink); border-color:var(--line); }
.link-button { background:none; border:none; color:var(--accent); padding:0; cursor:pointer; }
.error { color:var(--bad); font-weight:600; }
.field-error { color:var(--bad); font-size:.9rem; margin:.25rem 0 0; }
.muted { color:var(--muted); }
code, pre { font-family: ui-monospace, SFMono-Regular, Menlo, monospace; background:#eef1f7; border-radius:4px; padding:.1rem .35rem; }
pre { padding:.75rem; overflow-x:auto; }
.scope { display:flex; gap:.6rem; align-items:flex-start; margin:.5rem 0; font-weight:400; }
.sr { position:absolute; width:1px; height:1px; padding:0; margin:-1px; overflow:hidden; clip:rect(0,0,0,0); white-space:nowrap; border:0; }
.tool-group { margin:.9rem 0; } .tool-group select { width:100%; padding:.4rem .5rem; font:inherit; } .tool-group summary { cursor:pointer; margin:.35rem 0; color:var(--muted); }
.actions { display:flex; gap:.75rem; margin-top:1.25rem; }
.warning { background:#fff6e5; border:1px solid #f3c56b; padding:.75rem; border-radius:6px; }
`;

export function Layout(props: { title: string; signedInAs?: string | null; csrf?: string; extraStyle?: string; wide?: boolean; children: Child }) {
  return (
    <>
    {raw("<!doctype html>")}
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>{props.title} · Customer Success MCP</title>
        <style>{raw(STYLE)}</style>
        {props.extraStyle ? <style>{raw(props.extraStyle)}</style> : null}
      </head>
      <body>
        <header>
          <a href="/">Customer Success MCP</a>
          <nav>
            {props.signedInAs ? (
              <form method="post" action="/logout" style="display:inline">
                <span class="muted">{props.signedInAs}</span>
                <input type="hidden" name="csrf_token" value={props.csrf ?? ""} />
                <button type="submit" class="link-button" style="margin-left:1rem">
                  Log out
                </button>
              </form>
            ) : (
              <>
                <a href="/login">Log in</a>
                <a href="/signup">Sign up</a>
              </>
            )}
          </nav>
        </header>
        <main class={props.wide ? "wide" : undefined}>{props.children}</main>
      </body>
    </html>
    </>
  );
}
