import { inArray } from "drizzle-orm";
import type { TenantDb } from "./accounts";
import { emailSuppressions } from "./tenant-schema";

/**
 * Addresses marked bad by the email provider (bounce, spam report, unsubscribe; written by
 * src/db/inbound/sendgrid.ts). Recipient selection asks here and skips them.
 */

/** Which of these addresses (compared lowercased) are marked bad; answers them lowercased. */
export function suppressedEmails(db: TenantDb, emails: readonly string[]): Set<string> {
  const out = new Set<string>();
  const lowered = [...new Set(emails.map((email) => email.trim().toLowerCase()).filter(Boolean))];
  for (let i = 0; i < lowered.length; i += 90) {
    for (const row of db.select({ email: emailSuppressions.email }).from(emailSuppressions).where(inArray(emailSuppressions.email, lowered.slice(i, i + 90))).all()) {
      out.add(row.email);
    }
  }
  return out;
}
