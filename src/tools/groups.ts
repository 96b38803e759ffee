import { catalog } from "./catalog";
import type { Tool } from "./define";

/**
 * The catalog in the groups a person chooses from on the consent page ("this assistant may use
 * Support tickets, but no Email to customers"). Every tool is in exactly one group;
 * tests/tool-consent.test.ts fails when a new tool is in none.
 */

/**
 * The tool whose data each MCP resource or prompt shows (src/mcp/resources.ts): with a tool list,
 * they are offered only when it is allowed. The consent page names them from here.
 */
export const SOURCE_TOOLS = {
  accountBrief: "get_client_overview",
  churn: "get_churn_risk",
  healthModel: "get_health_model",
} as const;

export interface ToolGroup {
  key: string;
  title: string;
  tools: readonly Tool[];
}

const GROUPS: readonly { key: string; title: string; names: readonly string[] }[] = [
  {
    key: "accounts",
    title: "Accounts and timeline",
    names: ["register_client", "get_client_overview", "update_client_info", "list_clients", "get_client_timeline", "log_touchpoint", "list_touchpoints", "get_customer_journey"],
  },
  {
    key: "health",
    title: "Health scores",
    names: ["calculate_health_score", "get_health_history", "get_portfolio_health", "get_health_model", "update_health_model", "rebuild_health_history"],
  },
  { key: "risk", title: "Churn risk and satisfaction", names: ["get_churn_risk", "score_risk_factors", "monitor_satisfaction", "analyze_churn_postmortem"] },
  {
    key: "segments",
    title: "Segments and lifecycle",
    names: ["get_value_tiers", "get_lifecycle_stages", "apply_lifecycle_stages", "list_segment_fields", "create_segment", "list_segments", "preview_segment", "list_segment_members", "delete_segment"],
  },
  {
    key: "usage",
    title: "Usage and engagement",
    names: ["get_usage_engagement", "get_feature_adoption", "get_adoption_milestones", "analyze_engagement_patterns", "get_feature_catalog", "update_feature_catalog"],
  },
  {
    key: "work",
    title: "Tasks, escalations, playbooks and workflows",
    names: [
      "create_task",
      "list_tasks",
      "update_task",
      "create_escalation",
      "list_escalations",
      "acknowledge_escalation",
      "resolve_escalation",
      "update_escalation_sla",
      "create_playbook",
      "list_playbooks",
      "update_playbook",
      "run_playbooks",
      "create_workflow",
      "list_workflows",
    ],
  },
  {
    key: "support",
    title: "Support tickets",
    names: [
      "create_ticket",
      "get_ticket",
      "list_tickets",
      "update_ticket",
      "assign_ticket",
      "add_ticket_comment",
      "escalate_ticket",
      "resolve_ticket",
      "close_ticket",
      "reopen_ticket",
      "rate_ticket",
      "route_tickets",
      "configure_support",
      "get_support_performance",
    ],
  },
  {
    key: "knowledge",
    title: "Knowledge base",
    names: ["create_article", "update_article", "get_article", "publish_article", "archive_article", "vote_article", "search_articles"],
  },
  {
    key: "revenue",
    title: "Renewals, expansion and revenue",
    names: ["list_renewals_due", "get_renewal_forecast", "find_expansion_opportunities", "get_revenue_expansion", "get_lifetime_value", "get_cs_metrics"],
  },
  {
    key: "feedback",
    title: "Feedback and surveys",
    names: [
      "submit_feedback",
      "list_feedback",
      "get_feedback_insights",
      "create_product_insight",
      "list_product_insights",
      "update_product_insight",
      "get_voice_of_customer_report",
      "list_survey_templates",
      "create_survey_template",
      "update_survey_template",
      "send_survey",
      "get_survey_results",
      "list_survey_sends",
    ],
  },
  {
    key: "email",
    title: "Email and messages to customers",
    names: [
      "create_email_campaign",
      "list_campaigns",
      "get_campaign",
      "cancel_email_campaign",
      "send_campaign",
      "send_email",
      "create_newsletter",
      "list_newsletters",
      "send_newsletter",
      "send_intercom_message",
      "update_communication_settings",
    ],
  },
  {
    key: "relationships",
    title: "Advocacy and business reviews",
    names: ["enroll_advocate", "record_advocacy_activity", "get_advocacy_leaderboard", "schedule_business_review", "record_business_review_outcome", "list_business_reviews"],
  },
  {
    key: "onboarding",
    title: "Onboarding and training",
    names: [
      "create_onboarding_plan",
      "get_onboarding_progress",
      "update_onboarding_milestone",
      "update_onboarding_plan",
      "analyze_onboarding_process",
      "get_onboarding_automation",
      "update_onboarding_automation",
      "create_training_module",
      "schedule_training_session",
      "record_attendance",
      "list_training",
      "issue_certification",
      "revoke_certification",
      "list_certifications",
    ],
  },
  {
    key: "integrations",
    title: "Integrations (Zendesk, Intercom, Mixpanel, SendGrid)",
    names: [
      "list_integrations",
      "connect_integration",
      "test_integration",
      "disconnect_integration",
      "list_integration_jobs",
      "get_integration_job",
      "retry_integration_job",
      "reseal_integration_credentials",
      "link_zendesk_organization",
      "sync_zendesk_tickets",
      "push_ticket_to_zendesk",
      "pull_mixpanel_usage",
      "export_usage_to_mixpanel",
      "list_mixpanel_cohorts",
      "reset_mixpanel_webhook_credentials",
    ],
  },
  {
    key: "data",
    title: "Data intake and API keys",
    names: ["import_csv", "create_api_key", "list_api_keys", "revoke_api_key", "get_event_settings", "update_event_settings"],
  },
];

const byName = new Map(catalog.map((tool) => [tool.name, tool]));

/** The groups with their tools, in catalog order within each group. */
export const TOOL_GROUPS: readonly ToolGroup[] = GROUPS.map((group) => ({
  key: group.key,
  title: group.title,
  tools: group.names.flatMap((name) => byName.get(name) ?? []),
}));

/** Names a group lists that the catalog lacks, and catalog tools no group lists (both should be empty). */
export function groupingProblems(): { unknown: string[]; ungrouped: string[] } {
  const listed = GROUPS.flatMap((group) => group.names);
  return { unknown: listed.filter((name) => !byName.has(name)), ungrouped: catalog.map((tool) => tool.name).filter((name) => !listed.includes(name)) };
}
