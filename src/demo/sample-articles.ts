import type { NewArticle } from "../db/knowledge-base";

/**
 * The demo workspace's help centre: one article per question its sample tickets ask, so
 * search_articles and the ticket-deflection flow have something real to find. One stays a
 * draft, to show that search only returns published articles.
 */
export const SAMPLE_ARTICLES: readonly (NewArticle & { publish: boolean })[] = [
  {
    title: "Set up single sign-on (SSO) with SAML",
    category: "how_to",
    tags: ["sso", "saml", "login", "security"],
    body: "Single sign-on lets your team log in with your identity provider (Okta, Azure AD, Google Workspace). In Settings → Security, choose SAML, paste your provider's metadata URL, and map the email attribute. Test with one admin before enforcing SSO for everyone; keep one owner with a password as a fallback.",
    publish: true,
  },
  {
    title: "Exports time out on large date ranges",
    category: "technical_issue",
    tags: ["export", "csv", "timeout"],
    body: "A CSV export builds the whole file before the download starts. Ranges over 12 months can pass the 60-second limit. Export a quarter at a time, or use a scheduled export, which runs in the background and emails a link when the file is ready.",
    publish: true,
  },
  {
    title: "Why does my invoice show a different seat count?",
    category: "billing",
    tags: ["billing", "invoice", "seats"],
    body: "Invoices count the highest number of active seats in the billing period, not the seats at the invoice date. Seats removed mid-period are billed until the period ends. The Billing page lists each seat change with its date.",
    publish: true,
  },
  {
    title: "Dashboards load slowly",
    category: "technical_issue",
    tags: ["dashboards", "performance"],
    body: "Dashboards with many widgets over long ranges query a lot of data. Narrow the default date range, split large dashboards by team, and turn on cached widgets for numbers that need not be live.",
    publish: true,
  },
  {
    title: "An integration stopped syncing",
    category: "integration",
    tags: ["integration", "sync", "api"],
    body: "Most stopped syncs are an expired or revoked credential. Open Integrations, check the last error, and reconnect with a fresh token. If the provider rate-limited the sync, it resumes on its own at the next window.",
    publish: true,
  },
  {
    title: "Audit log retention (draft)",
    category: "how_to",
    tags: ["audit", "security"],
    body: "How long audit entries are kept and how to export them. Draft: waiting for the retention policy to be confirmed.",
    publish: false,
  },
];
