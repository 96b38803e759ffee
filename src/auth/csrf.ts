import type { Context } from "hono";
import { getCookie, setCookie } from "hono/cookie";
import { hmacKeyCache } from "./key-cache";
import { timingSafeEqual } from "./passwords";
import { encodeBase64 } from "../http/base64";

/**
 * CSRF protection for every form: a random value in a SameSite=Strict cookie, and the
 * form carries an HMAC of it. A cross-site page can neither read the cookie nor forge
 * the HMAC, and it works before sign-in as well as after.
 */

const CSRF_COOKIE = "cs_csrf";
export const CSRF_FIELD = "csrf_token";

const macKey = hmacKeyCache("SHA-256");

async function sign(secret: string, value: string): Promise<string> {
  const mac = await crypto.subtle.sign("HMAC", await macKey(secret), new TextEncoder().encode(`csrf:${value}`));
  return encodeBase64(new Uint8Array(mac));
}

/** The token to put in a form's hidden field; sets the cookie on first use. */
export async function csrfToken(c: Context, secret: string): Promise<string> {
  let value = getCookie(c, CSRF_COOKIE);
  if (!value) {
    value = crypto.randomUUID();
    setCookie(c, CSRF_COOKIE, value, { httpOnly: true, secure: true, sameSite: "Strict", path: "/" });
  }
  return sign(secret, value);
}

export async function verifyCsrf(c: Context, secret: string, submitted: unknown): Promise<boolean> {
  const value = getCookie(c, CSRF_COOKIE);
  if (!value || typeof submitted !== "string") return false;
  const expected = new TextEncoder().encode(await sign(secret, value));
  return timingSafeEqual(expected, new TextEncoder().encode(submitted));
}
