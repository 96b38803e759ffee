import { authorize, Browser, logIn, registerOAuthClient } from "./oauth-flow.ts";

/**
 * How a command-line script (import, export, restore) gets an access token for the REST API:
 * `--token` (or CS_TOKEN) as given, or `--email`/`--password` to log in and approve the
 * script as an OAuth client, the way any other client would. The script never sees the
 * tenant's stores directly; it goes through the same API and checks as everyone else.
 */
export interface CliAuthOptions {
  /** The product's origin, e.g. http://localhost:8787. */
  url: string;
  token?: string;
  email?: string;
  password?: string;
  /** Space-separated scopes to ask for when logging in. */
  scope: string;
  clientName: string;
}

export async function cliAccessToken(options: CliAuthOptions): Promise<string> {
  const token = options.token ?? process.env.CS_TOKEN;
  if (token) return token;
  if (!options.email || !options.password) {
    throw new Error("Give --token <access token> (or set CS_TOKEN), or --email and --password to log in.");
  }
  const origin = new URL(options.url).origin;
  const fetcher = (input: string, init?: RequestInit) => fetch(input, init);
  const browser = new Browser(origin, fetcher);
  const loggedIn = await logIn(browser, { email: options.email, password: options.password });
  if (loggedIn.status !== 303) throw new Error(`Logging in as ${options.email} failed (HTTP ${loggedIn.status}); check the email and password.`);
  const client = await registerOAuthClient(origin, fetcher, options.clientName);
  const { tokens } = await authorize(browser, client, { scope: options.scope, resource: origin });
  if (!tokens) throw new Error("The consent step did not return a token.");
  return tokens.access_token;
}
