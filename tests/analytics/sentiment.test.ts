import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  analyzeSentiment,
  createSentimentAnalyzer,
  DEFAULT_SENTIMENT_LEXICON,
  NORMALIZATION_ALPHA,
  sentimentLabel,
  summarizeSentiment,
  tokenize,
} from "../../src/analytics/sentiment";
import { expectConfigError } from "./config-error";

/** raw / √(raw² + α), the squashing the module documents. */
const squash = (raw: number): number => raw / Math.sqrt(raw * raw + NORMALIZATION_ALPHA);

const POSITIVE_WORDS = Object.entries(DEFAULT_SENTIMENT_LEXICON)
  .filter(([term, valence]) => valence > 0 && /^[a-z]+$/.test(term))
  .map(([term]) => term);
const NEGATIVE_WORDS = Object.entries(DEFAULT_SENTIMENT_LEXICON)
  .filter(([term, valence]) => valence < 0 && /^[a-z]+$/.test(term))
  .map(([term]) => term);
const NEUTRAL_SUBJECTS = ["the dashboard", "the export", "our csm", "the new release", "onboarding", "the api"];
const NEGATORS = ["not", "never", "isn't", "doesn't", "wasn't", "hardly", "isnt"];

describe("analyzeSentiment: worked examples", () => {
  it("scores a plain positive word by the documented squashing", () => {
    const result = analyzeSentiment("The product is good");
    expect(result.raw).toBe(2);
    expect(result.score).toBeCloseTo(2 / Math.sqrt(19), 10); // 0.4588
    expect(result.label).toBe("positive");
    expect(result.drivers.map((d) => d.term)).toEqual(["good"]);
  });

  it("multiplies by an intensifier and names it in the driver", () => {
    const result = analyzeSentiment("Support was very helpful");
    expect(result.raw).toBeCloseTo(2.6, 10); // helpful 2 × very 1.3
    expect(result.score).toBeCloseTo(0.5574, 4);
    expect(result.drivers).toEqual([
      expect.objectContaining({ term: "helpful", valence: 2, intensity: 1.3, negated: false, modifiers: ["very"] }),
    ]);
  });

  it("orders extremely > very > plain > slightly", () => {
    const scores = ["extremely helpful", "very helpful", "helpful", "slightly helpful"].map((t) => analyzeSentiment(t).score);
    expect(scores[0]).toBeGreaterThan(scores[1] as number);
    expect(scores[1]).toBeGreaterThan(scores[2] as number);
    expect(scores[2]).toBeGreaterThan(scores[3] as number);
    expect(scores[3]).toBeGreaterThan(0);
  });

  it("negates: 'not good' is −0.75 × good, 'isn't bad' turns positive, 'never works' negative", () => {
    expect(analyzeSentiment("The product is not good").raw).toBeCloseTo(-1.5, 10);
    expect(analyzeSentiment("The product is not good").label).toBe("negative");
    const notBad = analyzeSentiment("The onboarding isn't bad");
    expect(notBad.raw).toBeCloseTo(1.5, 10);
    expect(notBad.label).toBe("positive");
    expect(notBad.drivers[0]).toMatchObject({ term: "bad", negated: true, modifiers: ["isn't"] });
    expect(analyzeSentiment("It never works").score).toBeLessThan(-0.2);
    expect(analyzeSentiment("Not bad at all").score).toBeGreaterThan(0);
  });

  it("reads 'doesn't work' and 'didn't help' as complaints, but 'help' alone as nothing", () => {
    expect(analyzeSentiment("The export doesn't work").score).toBeCloseTo(squash(-1.5), 10);
    expect(analyzeSentiment("The agent did not help").score).toBeLessThan(0);
    expect(analyzeSentiment("Please help me with the export").drivers).toEqual([]);
  });

  it("softens an amplifier under negation: 'not very good' is milder than 'not good'", () => {
    const notGood = analyzeSentiment("not good").score;
    const notVeryGood = analyzeSentiment("not very good").score;
    expect(notVeryGood).toBeLessThan(0);
    expect(notVeryGood).toBeGreaterThan(notGood);
  });

  it("weighs what follows 'but' (×1.5) over what precedes it (×0.5)", () => {
    const a = analyzeSentiment("Great features but the billing is confusing");
    expect(a.raw).toBeCloseTo(3 * 0.5 - 2 * 1.5, 10);
    expect(a.label).toBe("negative");
    const b = analyzeSentiment("The billing is confusing but the features are great");
    expect(b.raw).toBeCloseTo(-2 * 0.5 + 3 * 1.5, 10);
    expect(b.label).toBe("very_positive");
  });

  it("stops negation at punctuation", () => {
    expect(analyzeSentiment("Not now. The app is good").score).toBe(analyzeSentiment("The app is good").score);
    expect(analyzeSentiment("No, it is great").score).toBe(analyzeSentiment("it is great").score);
  });

  it("does not treat 'support' as praise, unlike general-purpose lexicons", () => {
    const result = analyzeSentiment("Support is terrible");
    expect(result.drivers.map((d) => d.term)).toEqual(["terrible"]);
    expect(result.label).toBe("very_negative");
  });

  it("reads multi-word phrases and CS vocabulary", () => {
    expect(analyzeSentiment("Really easy to use").drivers.map((d) => d.term)).toEqual(["easy to use"]);
    expect(analyzeSentiment("The dashboard is slow and laggy").score).toBeCloseTo(squash(-4), 10);
    expect(analyzeSentiment("Setup was seamless").label).toBe("positive");
  });

  it("reads emoji and emoticons", () => {
    expect(analyzeSentiment("Love it 😍").drivers.map((d) => d.term)).toEqual(["love", "😍"]);
    expect(analyzeSentiment("export failed again :(").score).toBeLessThan(analyzeSentiment("export failed again").score);
    expect(analyzeSentiment("👍").score).toBeGreaterThan(0);
    expect(analyzeSentiment("re:do the import").drivers).toEqual([]);
  });

  it("scores empty, punctuation-only and prototype-named text as neutral 0", () => {
    for (const text of ["", "   ", "!!! ... ???", "constructor", "__proto__ toString hasOwnProperty"]) {
      const result = analyzeSentiment(text);
      expect(result.score).toBe(0);
      expect(result.label).toBe("neutral");
    }
  });

  it("tokenizes curly apostrophes like straight ones", () => {
    expect(analyzeSentiment("It isn\u2019t bad").score).toBe(analyzeSentiment("It isn't bad").score);
    expect(tokenize("Isn't it GREAT?").map((t) => t.text)).toEqual(["isn't", "it", "great", "?"]);
  });
});

describe("sentimentLabel cut-offs", () => {
  it("uses ≥ 0.6, ≥ 0.2, ≥ −0.2, ≥ −0.6", () => {
    expect(sentimentLabel(0.6)).toBe("very_positive");
    expect(sentimentLabel(0.5999)).toBe("positive");
    expect(sentimentLabel(0.2)).toBe("positive");
    expect(sentimentLabel(0.1999)).toBe("neutral");
    expect(sentimentLabel(-0.2)).toBe("neutral");
    expect(sentimentLabel(-0.2001)).toBe("negative");
    expect(sentimentLabel(-0.6)).toBe("negative");
    expect(sentimentLabel(-0.6001)).toBe("very_negative");
  });
});

describe("custom lexicon", () => {
  it("adds, overrides and removes entries", () => {
    const analyze = createSentimentAnalyzer({ lexicon: { "gantt view": 2, slow: 0, "Acme Cloud": -1 } });
    expect(analyze("love the gantt view").drivers.map((d) => d.term)).toEqual(["love", "gantt view"]);
    expect(analyze("the export is slow").drivers).toEqual([]);
    expect(analyze("acme cloud").raw).toBe(-1);
    expect(analyzeSentiment("the export is slow").score).toBeLessThan(0); // the default is untouched
  });

  it("refuses a valence outside ±4 or a term without letters, naming the entry", () => {
    expectConfigError(() => createSentimentAnalyzer({ lexicon: { slow: 7 } }), 'lexicon["slow"]');
    expectConfigError(() => createSentimentAnalyzer({ lexicon: { slow: Number.NaN } }), 'lexicon["slow"]');
    expectConfigError(() => createSentimentAnalyzer({ lexicon: { "!!!": 1 } }), 'lexicon["!!!"]');
  });
});

describe("summarizeSentiment", () => {
  it("counts labels and averages scores", () => {
    const summary = summarizeSentiment([0.8, 0.3, 0, -0.5, -0.9]);
    expect(summary.count).toBe(5);
    expect(summary.mean).toBeCloseTo(-0.06, 10);
    expect(summary.label).toBe("neutral");
    expect(summary.counts).toEqual({ very_negative: 1, negative: 1, neutral: 1, positive: 1, very_positive: 1 });
    expect(summary.shares.positive).toBeCloseTo(0.2, 10);
  });

  it("says there is no data instead of inventing a mean", () => {
    expect(summarizeSentiment([])).toMatchObject({ count: 0, mean: null, label: null });
  });

  it("refuses a score outside −1..1, naming it", () => {
    expectConfigError(() => summarizeSentiment([0.1, 1.5], "feedback.sentiment"), "feedback.sentiment[1]");
  });
});

describe("sentiment invariants (fast-check)", () => {
  const anyText = fc.oneof(
    fc.string({ unit: "binary", maxLength: 200 }),
    fc.string({ unit: "grapheme", maxLength: 200 }),
    fc.array(fc.constantFrom(...POSITIVE_WORDS, ...NEGATIVE_WORDS, ...NEGATORS, "very", "but", ",", ".", "the", "😍", ":("), {
      maxLength: 40,
    }).map((words) => words.join(" ")),
  );

  it("scores any string in −1..1, never NaN, with a label matching the score and drivers summing to raw", () => {
    fc.assert(
      fc.property(anyText, (text) => {
        const result = analyzeSentiment(text);
        expect(Number.isFinite(result.score)).toBe(true);
        expect(result.score).toBeGreaterThanOrEqual(-1);
        expect(result.score).toBeLessThanOrEqual(1);
        expect(result.label).toBe(sentimentLabel(result.score));
        const sum = result.drivers.reduce((total, d) => total + d.contribution, 0);
        expect(sum).toBeCloseTo(result.raw, 9);
        expect(Math.sign(result.score)).toBe(Math.sign(result.raw));
      }),
      { numRuns: 300 },
    );
  });

  it("is deterministic", () => {
    fc.assert(
      fc.property(anyText, (text) => {
        expect(analyzeSentiment(text)).toEqual(analyzeSentiment(text));
      }),
    );
  });

  it("negation flips the sign of a positive phrase", () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...NEUTRAL_SUBJECTS),
        fc.constantFrom(...NEGATORS),
        fc.option(fc.constantFrom("very", "really", "extremely", "slightly"), { nil: undefined }),
        fc.constantFrom(...POSITIVE_WORDS),
        (subject, negator, intensifier, word) => {
          const phrase = [intensifier, word].filter((part) => part !== undefined).join(" ");
          expect(analyzeSentiment(`${subject} is ${phrase}`).score).toBeGreaterThan(0);
          expect(analyzeSentiment(`${subject} is ${negator} ${phrase}`).score).toBeLessThan(0);
        },
      ),
    );
  });

  it("negation flips the sign of a negative phrase too", () => {
    fc.assert(
      fc.property(fc.constantFrom(...NEUTRAL_SUBJECTS), fc.constantFrom(...NEGATORS), fc.constantFrom(...NEGATIVE_WORDS), (subject, negator, word) => {
        expect(analyzeSentiment(`${subject} is ${word}`).score).toBeLessThan(0);
        expect(analyzeSentiment(`${subject} is ${negator} ${word}`).score).toBeGreaterThan(0);
      }),
    );
  });

  it("an amplifier never weakens an un-negated word, a dampener never strengthens it", () => {
    fc.assert(
      fc.property(fc.constantFrom(...POSITIVE_WORDS, ...NEGATIVE_WORDS), (word) => {
        const plain = Math.abs(analyzeSentiment(word).score);
        expect(Math.abs(analyzeSentiment(`very ${word}`).score)).toBeGreaterThan(plain);
        expect(Math.abs(analyzeSentiment(`slightly ${word}`).score)).toBeLessThan(plain);
      }),
    );
  });
});
