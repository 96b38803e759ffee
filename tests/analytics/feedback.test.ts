import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  compareCes,
  compareCsat,
  compareNps,
  comparePeriods,
  computeCes,
  computeCsat,
  computeNps,
  extractThemes,
  normalizeTerm,
  type FeedbackComment,
} from "../../src/analytics/feedback";
import { expectConfigError } from "./config-error";

describe("computeNps", () => {
  it("is % promoters − % detractors with counts and shares", () => {
    // 2 promoters (10, 9), 1 passive (8), 1 detractor (3): 50 % − 25 % = 25
    expect(computeNps([10, 9, 8, 3])).toEqual({
      score: 25,
      responses: 4,
      promoters: 2,
      passives: 1,
      detractors: 1,
      promoterShare: 0.5,
      passiveShare: 0.25,
      detractorShare: 0.25,
    });
  });

  it("puts 9 and 10 in promoters, 7 and 8 in passives, 0–6 in detractors", () => {
    expect(computeNps([9, 10]).score).toBe(100);
    expect(computeNps([7, 8]).score).toBe(0);
    expect(computeNps([0, 1, 2, 3, 4, 5, 6]).score).toBe(-100);
    expect(computeNps([6, 7, 9])).toMatchObject({ detractors: 1, passives: 1, promoters: 1, score: 0 });
  });

  it("says there is no score without responses", () => {
    expect(computeNps([])).toMatchObject({ score: null, responses: 0, promoterShare: 0 });
  });

  it("refuses answers that are out of range or not whole, naming the element", () => {
    expectConfigError(() => computeNps([10, 11]), "scores[1]");
    expectConfigError(() => computeNps([-1]), "scores[0]");
    expectConfigError(() => computeNps([9, 7.5]), "scores[1]");
    expectConfigError(() => computeNps([Number.NaN]), "scores[0]");
    expectConfigError(() => computeNps([3, 4, 12], "survey.nps"), "survey.nps[2]");
  });

  it("stays in −100..100 with shares summing to 1 and counts to the responses (fast-check)", () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 10 }), { minLength: 1, maxLength: 500 }), (scores) => {
        const nps = computeNps(scores);
        expect(nps.score).not.toBeNull();
        expect(nps.score as number).toBeGreaterThanOrEqual(-100);
        expect(nps.score as number).toBeLessThanOrEqual(100);
        expect(nps.promoterShare + nps.passiveShare + nps.detractorShare).toBeCloseTo(1, 12);
        expect(nps.promoters + nps.passives + nps.detractors).toBe(scores.length);
        expect(nps.score as number).toBeCloseTo(100 * (nps.promoterShare - nps.detractorShare), 9);
      }),
    );
  });

  it("never falls when a promoter is added, never rises when a detractor is added (fast-check)", () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 10 }), { minLength: 1, maxLength: 200 }), fc.integer({ min: 9, max: 10 }), fc.integer({ min: 0, max: 6 }), (scores, promoter, detractor) => {
        const base = computeNps(scores).score as number;
        expect(computeNps([...scores, promoter]).score as number).toBeGreaterThanOrEqual(base);
        expect(computeNps([...scores, detractor]).score as number).toBeLessThanOrEqual(base);
      }),
    );
  });
});

describe("computeCsat", () => {
  it("is the share of 4s and 5s, with the mean", () => {
    expect(computeCsat([5, 4, 3, 2, 1])).toEqual({ percentSatisfied: 40, mean: 3, responses: 5, satisfied: 2 });
    expect(computeCsat([5, 5, 4, 3])).toMatchObject({ percentSatisfied: 75, mean: 4.25 });
  });

  it("has no score without responses and refuses answers off 1–5", () => {
    expect(computeCsat([])).toMatchObject({ percentSatisfied: null, mean: null });
    expectConfigError(() => computeCsat([0]), "scores[0]");
    expectConfigError(() => computeCsat([5, 6]), "scores[1]");
  });

  it("stays within 0..100 and 1..5 (fast-check)", () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 5 }), { minLength: 1, maxLength: 300 }), (scores) => {
        const csat = computeCsat(scores);
        expect(csat.percentSatisfied as number).toBeGreaterThanOrEqual(0);
        expect(csat.percentSatisfied as number).toBeLessThanOrEqual(100);
        expect(csat.mean as number).toBeGreaterThanOrEqual(1);
        expect(csat.mean as number).toBeLessThanOrEqual(5);
      }),
    );
  });
});

describe("computeCes", () => {
  it("defaults to CES 2.0: 1–7, higher is easier, low effort = 5, 6, 7", () => {
    expect(computeCes([7, 6, 5, 4, 3])).toEqual({
      mean: 5,
      percentLowEffort: 60,
      responses: 5,
      lowEffort: 3,
      scaleMax: 7,
      direction: "higher_is_easier",
    });
  });

  it("reads the seed's 1–5 lower-is-easier scale: low effort = 1, 2", () => {
    expect(computeCes([1, 2, 3, 4, 5], { scaleMax: 5, direction: "lower_is_easier" })).toMatchObject({ mean: 3, percentLowEffort: 40, lowEffort: 2 });
  });

  it("refuses answers off the scale and a bad scale", () => {
    expectConfigError(() => computeCes([8]), "scores[0]");
    expectConfigError(() => computeCes([6], { scaleMax: 5 }), "scores[0]");
    expectConfigError(() => computeCes([3], { scaleMax: 6 as 5 }), "options.scaleMax");
    expectConfigError(() => computeCes([3], { direction: "up" as "higher_is_easier" }), "options.direction");
  });
});

describe("period comparisons", () => {
  it("compares NPS: 50 now against −25 before is up 75, improved", () => {
    const comparison = compareNps([10, 10, 9, 6], [10, 7, 6, 6]);
    expect(comparison.current.score).toBe(50);
    expect(comparison.previous.score).toBe(-25);
    expect(comparison.score).toEqual({ current: 50, previous: -25, delta: 75, direction: "up", assessment: "improved" });
  });

  it("calls a change within the tolerance flat, and says nothing without data", () => {
    expect(compareNps([9, 6], [10, 0]).score).toMatchObject({ delta: 0, direction: "flat", assessment: "unchanged" });
    // 50 vs 49: within the default ±1 point; outside a zero tolerance.
    expect(comparePeriods(50, 49, true, 1).direction).toBe("flat");
    expect(comparePeriods(50, 49, true, 0)).toMatchObject({ direction: "up", assessment: "improved" });
    expect(compareNps([10], []).score).toEqual({ current: 100, previous: null, delta: null, direction: null, assessment: null });
  });

  it("compares CSAT on % satisfied and on the mean", () => {
    const comparison = compareCsat([5, 4, 2, 1], [5, 5, 5, 1]);
    expect(comparison.percentSatisfied).toMatchObject({ current: 50, previous: 75, delta: -25, direction: "down", assessment: "worsened" });
    expect(comparison.mean).toMatchObject({ current: 3, previous: 4, delta: -1, assessment: "worsened" });
  });

  it("knows a higher CES mean is worse when lower is easier", () => {
    const higherEasier = compareCes([6, 6], [4, 4]);
    expect(higherEasier.mean).toMatchObject({ delta: 2, direction: "up", assessment: "improved" });
    const lowerEasier = compareCes([4, 4], [2, 2], { scaleMax: 5, direction: "lower_is_easier" });
    expect(lowerEasier.mean).toMatchObject({ delta: 2, direction: "up", assessment: "worsened" });
    expect(lowerEasier.percentLowEffort).toMatchObject({ current: 0, previous: 100, assessment: "worsened" });
  });

  it("refuses a negative tolerance and bad answers in either period, naming which", () => {
    expectConfigError(() => compareNps([9], [9], { flatWithin: -1 }), "options.flatWithin");
    expectConfigError(() => compareNps([9], [9, 11]), "previous[1]");
    expectConfigError(() => compareCsat([9], [4]), "current[0]");
  });

  it("direction agrees with the sign of delta (fast-check)", () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 10 }), { minLength: 1, maxLength: 60 }), fc.array(fc.integer({ min: 0, max: 10 }), { minLength: 1, maxLength: 60 }), (a, b) => {
        const { score } = compareNps(a, b, { flatWithin: 0 });
        const delta = score.delta as number;
        expect(score.direction).toBe(delta > 0 ? "up" : delta < 0 ? "down" : "flat");
        expect(score.assessment).toBe(delta > 0 ? "improved" : delta < 0 ? "worsened" : "unchanged");
      }),
    );
  });
});

describe("extractThemes: worked example", () => {
  const comments: FeedbackComment[] = [
    { id: "c1", text: "The invoices are wrong and billing support was slow", sentiment: -0.6 },
    { id: "c2", text: "Gantt chart is great, love the Gantt charts", sentiment: 0.8 },
    { id: "c3", text: "Please add a Gantt chart export; onboarding was smooth", sentiment: 0.4 },
    { id: "c4", text: "We were charged twice. Invoice issues again!", sentiment: -0.8 },
    { id: "c5", text: "The gantt chart view crashes", sentiment: -0.5 },
    { id: "c6", text: "Nothing to add", sentiment: 0 },
  ];
  const report = extractThemes(comments);
  const theme = (name: string) => report.themes.find((t) => t.theme === name);

  it("counts a lexicon theme's comments, share, mentions, terms, sentiment and examples", () => {
    expect(theme("billing")).toEqual({
      theme: "billing",
      source: "lexicon",
      comments: 2,
      share: 2 / 6,
      mentions: 4, // c1: invoices, billing; c4: charged, invoice
      averageSentiment: -0.7,
      sentimentLabel: "very_negative",
      terms: [
        { term: "invoice", count: 2 },
        { term: "billing", count: 1 },
        { term: "charged", count: 1 },
      ],
      exampleCommentIds: ["c1", "c4"],
      critical: true, // mean ≤ −0.6
      severity: "high", // mean ≤ −0.7
    });
  });

  it("finds an emergent two-word term and drops its words when they never occur apart", () => {
    expect(theme("gantt chart")).toMatchObject({
      source: "emergent",
      comments: 3,
      share: 0.5,
      mentions: 4,
      terms: [
        { term: "gantt chart", count: 3 },
        { term: "gantt charts", count: 1 },
      ],
      exampleCommentIds: ["c2", "c3", "c5"],
      critical: false,
    });
    expect(theme("gantt chart")?.averageSentiment).toBeCloseTo((0.8 + 0.4 - 0.5) / 3, 12);
    expect(theme("gantt")).toBeUndefined();
    expect(theme("chart")).toBeUndefined();
  });

  it("folds plurals ('crashes' → crash) and orders themes by comments, then lexicon, then name", () => {
    expect(theme("reliability")?.terms).toEqual([{ term: "crash", count: 1 }]);
    expect(report.themes.map((t) => t.theme)).toEqual([
      "gantt chart",
      "billing",
      "feature_request",
      "integration",
      "onboarding",
      "performance",
      "reliability",
      "support",
    ]);
    expect(report.totalComments).toBe(6);
    expect(report.uncategorizedComments).toBe(1); // c6
  });

  it("flags a negative theme as critical at mean ≤ −0.6 (performance, one comment at −0.6)", () => {
    expect(theme("performance")).toMatchObject({ comments: 1, averageSentiment: -0.6, critical: true, severity: "medium" });
    expect(theme("onboarding")).toMatchObject({ critical: false, severity: null });
  });
});

describe("extractThemes: behaviour", () => {
  it("counts a multi-word keyword once, not also its parts", () => {
    const report = extractThemes([{ id: "a", text: "Single sign-on via SSO keeps failing" }], { emergent: false });
    expect(report.themes.find((t) => t.theme === "integration")).toMatchObject({ mentions: 2, terms: [{ term: "single sign on", count: 1 }, { term: "sso", count: 1 }] });
  });

  it("does not repeat words a theme keyword explains as emergent terms", () => {
    const comments = ["We had data loss", "More data loss today", "data loss again"].map((text, i) => ({ id: `d${i}`, text }));
    expect(extractThemes(comments).themes.map((t) => `${t.source}:${t.theme}`)).toEqual(["lexicon:reliability"]);
  });

  it("computes sentiment when a comment has none", () => {
    const report = extractThemes([{ id: "a", text: "The invoice is terrible" }]);
    expect(report.themes[0]?.averageSentiment).toBeLessThan(-0.5);
  });

  it("takes tenant themes, removes a theme with [], and honours extra stop words", () => {
    const comments = ["Acme mobile app crashes", "Acme mobile app is slow", "Acme mobile app on android"].map((text, i) => ({ id: `m${i}`, text }));
    const report = extractThemes(comments, { themes: { mobile: ["mobile app", "android", "ios"], performance: [] }, stopWords: ["acme"] });
    const names = report.themes.map((t) => t.theme);
    expect(names).toContain("mobile");
    expect(names).not.toContain("performance");
    expect(names).not.toContain("acme");
    expect(report.themes.find((t) => t.theme === "mobile")).toMatchObject({ comments: 3, mentions: 4 });
    // Without the stop word and the theme, the product name surfaces as an emergent theme.
    expect(extractThemes(comments).themes.map((t) => t.theme)).toContain("acme mobile");
  });

  it("keeps at most maxExamples examples, in input order", () => {
    const comments = Array.from({ length: 6 }, (_, i) => ({ id: `t${i}`, text: `invoice ${i}` }));
    expect(extractThemes(comments, { maxExamples: 2 }).themes[0]?.exampleCommentIds).toEqual(["t0", "t1"]);
  });

  it("requires an emergent term to recur in enough comments", () => {
    const comments = [
      { id: "1", text: "kanban board" },
      { id: "2", text: "kanban board" },
      { id: "3", text: "something else entirely" },
    ];
    expect(extractThemes(comments).themes).toEqual([]);
    expect(extractThemes(comments, { minEmergentComments: 2 }).themes.map((t) => t.theme)).toEqual(["kanban board"]);
  });

  it("returns nothing for no comments", () => {
    expect(extractThemes([])).toEqual({ totalComments: 0, themes: [], uncategorizedComments: 0 });
  });

  it("refuses bad comments and options, naming the field", () => {
    expectConfigError(() => extractThemes([{ id: "a", text: "x" }, { id: "a", text: "y" }]), "comments[1].id");
    expectConfigError(() => extractThemes([{ id: "", text: "x" }]), "comments[0].id");
    expectConfigError(() => extractThemes([{ id: "a", text: "x", sentiment: 2 }]), "comments[0].sentiment");
    expectConfigError(() => extractThemes([], { minEmergentShare: 2 }), "options.minEmergentShare");
    expectConfigError(() => extractThemes([], { minEmergentComments: 0 }), "options.minEmergentComments");
    expectConfigError(() => extractThemes([], { themes: { mobile: ["ios", "!!"] } }), "options.themes.mobile[1]");
  });

  it("folds plurals consistently", () => {
    expect(["invoices", "Invoice", "integrations", "glitches", "companies", "status", "analysis"].map(normalizeTerm)).toEqual([
      "invoice",
      "invoice",
      "integration",
      "glitch",
      "company",
      "status",
      "analysis",
    ]);
  });
});

describe("extractThemes invariants (fast-check)", () => {
  const vocabulary = [
    "invoice", "billing", "slow", "crash", "onboarding", "api", "support", "great", "terrible", "not",
    "kanban", "board", "widget", "export", "the", "is", "very", ",", ".", "sso", "pricing", "docs",
  ];
  const commentsArb = fc
    .array(
      fc.record({
        words: fc.array(fc.constantFrom(...vocabulary), { maxLength: 12 }),
        sentiment: fc.option(fc.double({ min: -1, max: 1, noNaN: true }), { nil: undefined }),
      }),
      { maxLength: 40 },
    )
    .map((rows) => rows.map((row, i): FeedbackComment => ({ id: `c${i}`, text: row.words.join(" "), ...(row.sentiment === undefined ? {} : { sentiment: row.sentiment }) })));

  it("keeps counts, shares, sentiment and examples within bounds, deterministically", () => {
    fc.assert(
      fc.property(commentsArb, (comments) => {
        const report = extractThemes(comments, { minEmergentComments: 2 });
        expect(report).toEqual(extractThemes(comments, { minEmergentComments: 2 }));
        const ids = new Set(comments.map((c) => c.id));
        expect(report.uncategorizedComments).toBeGreaterThanOrEqual(0);
        expect(report.uncategorizedComments).toBeLessThanOrEqual(comments.length);
        for (const theme of report.themes) {
          expect(theme.comments).toBeGreaterThan(0);
          expect(theme.comments).toBeLessThanOrEqual(comments.length);
          expect(theme.mentions).toBeGreaterThanOrEqual(theme.comments);
          expect(theme.share).toBeCloseTo(theme.comments / comments.length, 12);
          expect(theme.averageSentiment).toBeGreaterThanOrEqual(-1);
          expect(theme.averageSentiment).toBeLessThanOrEqual(1);
          expect(theme.exampleCommentIds.length).toBeLessThanOrEqual(Math.min(3, theme.comments));
          for (const id of theme.exampleCommentIds) expect(ids.has(id)).toBe(true);
          expect(theme.terms.reduce((sum, t) => sum + t.count, 0)).toBe(theme.mentions);
        }
        const sorted = [...report.themes].sort((a, b) => b.comments - a.comments);
        expect(report.themes.map((t) => t.comments)).toEqual(sorted.map((t) => t.comments));
      }),
    );
  });
});
