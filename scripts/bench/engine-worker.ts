/**
 * The engine benchmark's workload, bundled once by scripts/bench-engine.ts and run both in
 * Node (named exports) and in workerd (the default fetch handler, under Miniflare).
 */
import { health } from "../../src/analytics";
import { seededRandom } from "../../src/demo/sample-accounts";

type HealthFeatures = health.HealthFeatures;

/** Prepared features for `count` accounts, varied and mostly complete, some fields missing. */
export function makeFeatures(count: number, seed = 7): HealthFeatures[] {
  const random = seededRandom(seed); // the same accounts in both runtimes
  const int = (max: number) => Math.floor(random() * max);
  const features: HealthFeatures[] = new Array(count);
  for (let i = 0; i < count; i++) {
    const seats = 5 + int(200);
    features[i] = {
      activeUsers: int(seats + 1),
      licensedSeats: seats,
      logins30d: int(seats * 20),
      featuresUsed: int(21),
      featuresAvailable: 20,
      daysSinceLastTouch: int(60),
      emailOpenRate: random(),
      emailClickRate: random() * 0.3,
      messageReplyRate: random() < 0.2 ? null : random(),
      openTickets: int(6),
      tickets90d: int(15),
      highSeverityTickets90d: int(3),
      slaBreaches90d: int(4),
      oldestOpenTicketAgeDays: int(30),
      nps: random() < 0.3 ? null : int(11),
      csat: random() < 0.5 ? null : 1 + int(5),
      ces: random() < 0.7 ? null : 1 + int(7),
      invoicesPaidLate: int(3),
      maxDaysLate: int(45),
      failedPayments: int(2),
    };
  }
  return features;
}

const config = health.DEFAULT_HEALTH_CONFIG;

/** Scores every account `rounds` times; returns a checksum so no work can be skipped. */
export function scoreAll(features: HealthFeatures[], rounds: number): number {
  let checksum = 0;
  for (let round = 0; round < rounds; round++) {
    for (const account of features) checksum += health.scoreHealth(account, config).exactScore ?? 0;
  }
  return checksum;
}

// workerd: the clock does not advance while code runs, so the caller times requests from
// outside: /prepare builds the accounts once per isolate, /score?rounds=N scores them.
let prepared: HealthFeatures[] = [];

export default {
  fetch(request: Request): Response {
    const url = new URL(request.url);
    if (url.pathname === "/prepare") {
      prepared = makeFeatures(Number(url.searchParams.get("count") ?? "0"));
      return Response.json({ accounts: prepared.length });
    }
    if (url.pathname === "/score") {
      const rounds = Number(url.searchParams.get("rounds") ?? "1");
      return Response.json({ accounts: prepared.length, rounds, checksum: scoreAll(prepared, rounds) });
    }
    return new Response("not found", { status: 404 });
  },
};
