import type { Role } from "../db/control";

/** What an OAuth grant carries for our handlers (encrypted at rest by the provider). */
export interface AuthProps extends Record<string, unknown> {
  userId: string;
  tenantId: string;
  role: Role;
  /** The tools the person allowed this app on the consent page; absent: every tool its scopes allow. */
  tools?: string[];
}

export function isAuthProps(value: unknown): value is AuthProps {
  if (!value || typeof value !== "object") return false;
  const props = value as Record<string, unknown>;
  const toolsValid = props.tools === undefined || (Array.isArray(props.tools) && props.tools.every((name) => typeof name === "string"));
  return typeof props.userId === "string" && typeof props.tenantId === "string" && typeof props.role === "string" && toolsValid;
}

/** Whether a grant's tool list lets the app use `name` (no list: every tool). */
export function toolAllowed(tools: readonly string[] | undefined, name: string): boolean {
  return tools === undefined || tools.includes(name);
}
