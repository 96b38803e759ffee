import type { Role } from "../db/control";

/** What an OAuth grant carries for our handlers (encrypted at rest by the provider). */
export interface AuthProps extends Record<string, unknown> {
  userId: string;
  tenantId: string;
  role: Role;
}

export function isAuthProps(value: unknown): value is AuthProps {
  if (!value || typeof value !== "object") return false;
  const props = value as Record<string, unknown>;
  return typeof props.userId === "string" && typeof props.tenantId === "string" && typeof props.role === "string";
}
