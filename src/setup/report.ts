import type { Invitation } from "../db/control";

/**
 * The downloadable setup report: the workspace's configuration and counts, never a secret,
 * a token or a customer record.
 */

export interface SetupReport {
  generated_at: string;
  workspace: { id: string; name: string; mcp_url: string };
  setup: { completed: string[]; updated_at: string | null };
  health_model: {
    customized: boolean;
    weights: Record<string, number>;
    bands: Record<string, number>;
    segment_profiles: Record<string, Record<string, number>>;
  };
  support_sla: Record<string, { first_response_minutes: number; resolution_minutes: number }>;
  triggers: { name: string; enabled: boolean }[];
  data: { accounts: number; contacts: number; segments: number; playbooks: number; open_tickets: number; survey_templates: number };
  team: { members: { email: string; role: string }[]; pending_invitations: number };
}

export function pendingSummary(pending: Invitation[]): number {
  return pending.length;
}
