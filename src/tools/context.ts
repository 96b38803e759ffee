import { tenantStub } from "../../durable-objects/tenant";
import type { AuthProps } from "../auth/props";
import type { Env } from "../env";
import { configuredOrigin } from "../http/origin";
import type { ToolContext } from "./define";

/**
 * Builds a tool's context from the verified token: the tenant comes from the grant, never from
 * input. `defer` is the request's waitUntil, for work that must finish but need not delay the answer.
 */
export function toolContext(env: Env, user: AuthProps, via: string, defer: (work: Promise<unknown>) => void, origin?: string): ToolContext {
  return { tenant: tenantStub(env.TENANT, user.tenantId), user, env, actor: { userId: user.userId, via }, defer, origin: configuredOrigin(env) ?? origin ?? null };
}
