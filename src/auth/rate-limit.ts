/**
 * Fixed-window attempt counters in D1, which is exact (KV is eventually consistent and
 * must not hold limits). One row per bucket, e.g. "login:ip:203.0.113.9".
 */

export interface RateLimit {
  /** Attempts allowed per window. */
  limit: number;
  windowSeconds: number;
}

export const SIGNUP_LIMITS = { perIp: { limit: 10, windowSeconds: 3600 }, perEmail: { limit: 5, windowSeconds: 3600 } };
export const LOGIN_LIMITS = { perIp: { limit: 30, windowSeconds: 900 }, perEmail: { limit: 10, windowSeconds: 900 } };

/** Counts one attempt; true while the bucket is within its limit. */
export async function takeAttempt(db: D1Database, bucket: string, rule: RateLimit, now = Date.now()): Promise<boolean> {
  const windowStart = Math.floor(now / 1000 / rule.windowSeconds) * rule.windowSeconds;
  const row = await db
    .prepare(
      `INSERT INTO rate_limits (bucket, window_start, hits) VALUES (?1, ?2, 1)
       ON CONFLICT(bucket) DO UPDATE SET
         hits = CASE WHEN rate_limits.window_start = ?2 THEN rate_limits.hits + 1 ELSE 1 END,
         window_start = ?2
       RETURNING hits`,
    )
    .bind(bucket, windowStart)
    .first<{ hits: number }>();
  return (row?.hits ?? 1) <= rule.limit;
}
