import { SignJWT, jwtVerify } from "jose";
import type { Context } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";

/**
 * Sessions for the hosted pages: a signed JWT (jose, HS256) in an HttpOnly, Secure,
 * SameSite=Lax cookie, naming the user and the tenant they are working in.
 */

export const SESSION_COOKIE = "cs_session";
const SESSION_HOURS = 12;

export interface Session {
  userId: string;
  tenantId: string;
  email: string;
}

function key(secret: string): Uint8Array {
  return new TextEncoder().encode(secret);
}

export async function startSession(c: Context, secret: string, session: Session): Promise<void> {
  const token = await new SignJWT({ tid: session.tenantId, email: session.email })
    .setProtectedHeader({ alg: "HS256" })
    .setSubject(session.userId)
    .setIssuedAt()
    .setExpirationTime(`${SESSION_HOURS}h`)
    .sign(key(secret));
  setCookie(c, SESSION_COOKIE, token, {
    httpOnly: true,
    secure: true,
    sameSite: "Lax",
    path: "/",
    maxAge: SESSION_HOURS * 3600,
  });
}

export async function readSession(c: Context, secret: string): Promise<Session | null> {
  const token = getCookie(c, SESSION_COOKIE);
  if (!token) return null;
  try {
    const { payload } = await jwtVerify(token, key(secret), { algorithms: ["HS256"] });
    const { sub, tid, email } = payload;
    if (typeof sub !== "string" || typeof tid !== "string" || typeof email !== "string") return null;
    return { userId: sub, tenantId: tid, email };
  } catch {
    return null;
  }
}

export function endSession(c: Context): void {
  deleteCookie(c, SESSION_COOKIE, { path: "/", secure: true });
}
