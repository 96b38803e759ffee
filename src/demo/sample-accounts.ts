import type { LifecycleStage, NewAccount, NewEvent, Tier } from "../db/accounts";

/**
 * Sample accounts for the local demo workspace only: plausible companies with contracts,
 * contacts and a few months of history, generated from a fixed seed so every developer
 * sees the same workspace. Never used outside the demo tenant.
 */

const PREFIXES = [
  "Acme", "Northwind", "Bluefin", "Cedar", "Summit", "Harbor", "Lumen", "Vertex", "Quarry", "Juniper",
  "Meridian", "Oakline", "Pioneer", "Redwood", "Sterling", "Tidal", "Upland", "Vantage", "Willow", "Zephyr",
  "Atlas", "Beacon", "Cobalt", "Driftwood", "Ember", "Fjord", "Granite", "Helix", "Ironbark", "Kestrel",
];
const SUFFIXES = ["Labs", "Health", "Logistics", "Analytics", "Foods", "Retail", "Energy", "Robotics", "Finance", "Media", "Systems", "Works"];
const INDUSTRY_OF_SUFFIX: Record<string, string> = {
  Labs: "Biotechnology",
  Health: "Healthcare",
  Logistics: "Logistics",
  Analytics: "Technology",
  Foods: "Food & Beverage",
  Retail: "Retail",
  Energy: "Energy",
  Robotics: "Manufacturing",
  Finance: "Financial Services",
  Media: "Media",
  Systems: "Technology",
  Works: "Construction",
};
const FIRST_NAMES = ["Ava", "Ben", "Chloe", "Diego", "Elena", "Farah", "Grace", "Hiro", "Isaac", "Jade", "Kofi", "Lena", "Marco", "Nadia", "Omar", "Priya", "Quinn", "Rosa", "Sam", "Tara"];
const LAST_NAMES = ["Okafor", "Lindqvist", "Moreau", "Tanaka", "Silva", "Novak", "Haddad", "Brennan", "Kowalski", "Iyer", "Fischer", "Alvarez", "Chen", "Dubois", "Mensah"];
const CSMS = ["Maya Patel", "Jonas Berg", "Lucía Romero", "Theo Walsh", "Aiko Mori"];

const TIER_WEIGHTS: [Tier, number][] = [
  ["starter", 0.3],
  ["standard", 0.35],
  ["professional", 0.23],
  ["enterprise", 0.12],
];
/** ARR ranges per tier, in currency units. */
const ARR_RANGE: Record<Tier, [number, number]> = {
  starter: [3_000, 15_000],
  standard: [15_000, 60_000],
  professional: [60_000, 180_000],
  enterprise: [180_000, 750_000],
};

/** mulberry32: a small seeded generator, so the demo data (and benchmark data) is the same on every machine. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const DAY = 86_400_000;

function isoDay(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

export interface SampleAccount {
  account: NewAccount;
  events: NewEvent[];
}

export function sampleAccounts(count: number, now = Date.now(), seed = 20261122): SampleAccount[] {
  const random = seededRandom(seed);
  const pick = <T,>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  const usedNames = new Set<string>();
  const samples: SampleAccount[] = [];

  for (let index = 0; index < count; index++) {
    let name = "";
    let suffix = "";
    do {
      suffix = pick(SUFFIXES);
      name = `${pick(PREFIXES)} ${suffix}`;
    } while (usedNames.has(name) && usedNames.size < PREFIXES.length * SUFFIXES.length);
    usedNames.add(name);

    let roll = random();
    let tier: Tier = "standard";
    for (const [candidate, weight] of TIER_WEIGHTS) {
      if (roll < weight) {
        tier = candidate;
        break;
      }
      roll -= weight;
    }
    const [low, high] = ARR_RANGE[tier];
    const arr = Math.round((low + random() * (high - low)) / 100) * 100;

    // Contracts started up to three years ago; terms of one, two or three years, renewing when they end.
    const startMs = now - Math.floor(random() * 1_000) * DAY;
    const termYears = tier === "enterprise" && random() < 0.4 ? 3 : random() < 0.25 ? 2 : 1;
    let endMs = startMs + termYears * 365 * DAY;
    while (endMs < now - 20 * DAY) endMs += 365 * DAY; // renewed since
    const ageDays = Math.round((now - startMs) / DAY);

    // A churned account left at a renewal: the last anniversary of its start before today. One
    // younger than a year has had no renewal to leave at, so it stays a customer.
    const churned = random() < 0.06 && ageDays > 365;
    let churnMs = startMs + 365 * DAY;
    while (churnMs + 365 * DAY < now) churnMs += 365 * DAY;
    if (churned) endMs = churnMs;
    const daysToRenewal = Math.round((endMs - now) / DAY);
    let stage: LifecycleStage = "active";
    if (churned) stage = "churned";
    else if (ageDays < 60) stage = "onboarding";
    else if (ageDays < 150) stage = "adoption";
    else if (daysToRenewal <= 90) stage = "renewal";
    else if (random() < 0.12) stage = "at_risk";
    else if (random() < 0.12) stage = "expansion";

    const first = pick(FIRST_NAMES);
    const last = pick(LAST_NAMES);
    const domain = `${name.toLowerCase().replace(/[^a-z]+/g, "")}.example`;
    const createdAt = new Date(startMs - Math.floor(random() * 14) * DAY).toISOString();

    const events: NewEvent[] = [];
    const lastDay = churned ? churnMs : now - DAY;
    const at = (offsetDays: number) => new Date(Math.min(lastDay, startMs + offsetDays * DAY)).toISOString();
    events.push({ event_type: "onboarding", title: "Kick-off call held", description: `Kick-off with ${first} ${last}; goals and success criteria agreed.`, impact: "positive", occurred_at: at(3) });
    if (ageDays > 30) events.push({ event_type: "onboarding", title: "Onboarding completed", description: "Core workflows configured and the first team trained.", impact: "positive", occurred_at: at(25 + Math.floor(random() * 20)) });
    if (ageDays > 90) events.push({ event_type: "communication", title: "Quarterly business review", description: "Reviewed adoption and outcomes with the executive sponsor.", impact: "neutral", occurred_at: at(85 + Math.floor(random() * 10)) });
    if (random() < 0.5 && ageDays > 45) {
      const severe = random() < 0.3;
      events.push({
        event_type: "support",
        title: severe ? "Urgent ticket escalated" : "Support ticket resolved",
        description: severe ? "A P1 integration outage was escalated to engineering." : "A how-to question about exports was answered.",
        impact: severe ? "negative" : "neutral",
        occurred_at: at(40 + Math.floor(random() * Math.max(1, ageDays - 45))),
      });
    }
    if (churned) {
      // Carries the status change, as update_client_info records it, so revenue metrics date the churn.
      events.push({
        event_type: "renewal",
        title: "Customer did not renew",
        description: "Budget cut; the customer chose not to renew.",
        impact: "negative",
        metadata: { changes: { status: { from: "active", to: "churned" } } },
        occurred_at: new Date(churnMs).toISOString(),
      });
    }
    else if (daysToRenewal <= 90) {
      // Opened about six weeks before the renewal date (or yesterday, for one nearer than that).
      const openedMs = Math.max(startMs, Math.min(now - DAY, endMs - 45 * DAY));
      const dueInDays = Math.round((endMs - openedMs) / DAY);
      events.push({ event_type: "renewal", title: "Renewal conversation opened", description: `Renewal due in ${dueInDays} days; proposal sent.`, impact: "neutral", occurred_at: new Date(openedMs).toISOString() });
    }

    samples.push({
      account: {
        client_name: name,
        company_name: `${name} ${random() < 0.5 ? "Inc." : "Ltd."}`,
        industry: INDUSTRY_OF_SUFFIX[suffix] ?? "Technology",
        tier,
        status: churned ? "churned" : "active",
        lifecycle_stage: stage,
        contract_value: arr,
        contract_start_date: isoDay(startMs),
        contract_end_date: isoDay(endMs),
        primary_contact_name: `${first} ${last}`,
        primary_contact_email: `${first.toLowerCase()}.${last.toLowerCase()}@${domain}`,
        csm_assigned: pick(CSMS),
        external_id: `crm-${1000 + index}`,
        created_at: createdAt,
      },
      events,
    });
  }
  return samples;
}
