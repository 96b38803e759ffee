/**
 * Sentiment of free text (survey comments, tickets, notes), from −1 to 1 with a label and the
 * terms that drove it.
 *
 * A lexicon scorer written for customer-success text (see `sentiment-lexicon.ts` for why not
 * AFINN or VADER). Each sentiment term's valence is multiplied by:
 *  - intensifiers before it ("very" ×1.3, "extremely" ×1.5, "slightly" ×0.5; product capped at 2);
 *  - negation: a negator up to 3 terms before it ("not good", "never works", "isn't bad")
 *    multiplies by −0.75, since "not good" is weaker than "bad"; under negation an amplifier
 *    softens instead ("not very good" is milder than "not good");
 *  - contrast: in a sentence with "but"/"however", terms before it weigh 0.5 and terms after 1.5.
 * Negation and intensifiers do not reach across punctuation or a contrast word.
 * The sum `raw` is squashed to −1..1 by raw / √(raw² + 15): a single strong word (valence 3)
 * lands at ≈ 0.61, just past the very_positive cut-off, and long texts saturate slowly.
 */
import { AnalyticsConfigError } from "./errors";
import {
  CONTRAST_WORDS,
  DEFAULT_SENTIMENT_LEXICON,
  INTENSIFIERS,
  NEGATED_ONLY_LEXICON,
  NEGATORS,
} from "./sentiment-lexicon";

export { DEFAULT_SENTIMENT_LEXICON } from "./sentiment-lexicon";

/** The seed's SentimentType enum. */
export type SentimentLabel = "very_negative" | "negative" | "neutral" | "positive" | "very_positive";

/** Labels from the lowest to the highest. */
export const SENTIMENT_LABELS: readonly SentimentLabel[] = [
  "very_negative",
  "negative",
  "neutral",
  "positive",
  "very_positive",
];

/**
 * Label cut-offs on the −1..1 score (the seed's aggregate bands): ≥ 0.6 very_positive,
 * ≥ 0.2 positive, ≥ −0.2 neutral, ≥ −0.6 negative, below that very_negative.
 */
export const SENTIMENT_LABEL_CUTOFFS = {
  veryPositive: 0.6,
  positive: 0.2,
  neutral: -0.2,
  negative: -0.6,
} as const;

/** Multiplier applied to a negated term. */
export const NEGATION_SCALAR = -0.75;
/** How many terms after a negator or intensifier it still reaches. */
export const MODIFIER_WINDOW = 3;
/** Weights of terms before and after a contrast word in the same sentence. */
export const CONTRAST_WEIGHTS = { before: 0.5, after: 1.5 } as const;
/** α in raw / √(raw² + α). */
export const NORMALIZATION_ALPHA = 15;
/** Cap on the product of stacked intensifiers ("very very very"). */
const MAX_INTENSITY = 2;
/** Lexicon valences must lie in ±VALENCE_LIMIT. */
const VALENCE_LIMIT = 4;

/** One term that moved the score, with everything that scaled it. */
export interface SentimentDriver {
  /** The lexicon entry matched: a word, a phrase ("easy to use") or an emoji. */
  term: string;
  /** Index of the term's first token among the text's tokens. */
  position: number;
  /** The lexicon valence, −4..4. */
  valence: number;
  /** Product of the intensifiers that applied (1 when none; inverted under negation). */
  intensity: number;
  negated: boolean;
  /** 0.5 before a contrast word, 1.5 after it, 1 otherwise. */
  contrastWeight: number;
  /** valence × intensity × (−0.75 if negated) × contrastWeight; drivers sum to `raw`. */
  contribution: number;
  /** The negators and intensifiers that applied, in text order. */
  modifiers: string[];
}

/** The sentiment of one text. */
export interface SentimentResult {
  /** −1..1, never NaN; 0 for text with no sentiment terms. */
  score: number;
  label: SentimentLabel;
  /** Sum of the drivers' contributions before squashing. */
  raw: number;
  /** Every sentiment term found, in text order. */
  drivers: SentimentDriver[];
  /** Words and emoji in the text (punctuation excluded). */
  tokenCount: number;
}

/** Options for `analyzeSentiment` / `createSentimentAnalyzer`. */
export interface SentimentOptions {
  /**
   * Entries added to (or overriding) the default lexicon: a word, phrase or emoji → valence in
   * −4..4. A valence of 0 removes a default entry (e.g. a product name that reads as a word).
   */
  lexicon?: Readonly<Record<string, number>>;
}

/** Label for a −1..1 score, by `SENTIMENT_LABEL_CUTOFFS`. */
export function sentimentLabel(score: number): SentimentLabel {
  if (score >= SENTIMENT_LABEL_CUTOFFS.veryPositive) return "very_positive";
  if (score >= SENTIMENT_LABEL_CUTOFFS.positive) return "positive";
  if (score >= SENTIMENT_LABEL_CUTOFFS.neutral) return "neutral";
  if (score >= SENTIMENT_LABEL_CUTOFFS.negative) return "negative";
  return "very_negative";
}

export type TokenKind = "word" | "emoji" | "clause" | "sentence";

/** A word, emoji or boundary from `tokenize`. */
export interface TextToken {
  text: string;
  kind: TokenKind;
}

// Emoticons (not followed by a letter, so "re:do" is no smiley), pictographic emoji, words with
// inner apostrophes ("isn't"), and punctuation that ends a clause or a sentence.
const TOKEN_PATTERN =
  /(:'\(|:-?[()d](?![\p{L}\p{N}])|<3)|(\p{Extended_Pictographic})|([\p{L}\p{N}]+(?:'[\p{L}\p{N}]+)*)|([,;:])|([.!?\n])/gu;

/**
 * Splits text into lowercase words, emoji and clause/sentence boundaries. Shared with the theme
 * extractor so both read text the same way.
 */
export function tokenize(text: string): TextToken[] {
  const normalized = text.toLowerCase().replace(/[\u2018\u2019\u02bc`]/g, "'");
  const tokens: TextToken[] = [];
  for (const match of normalized.matchAll(TOKEN_PATTERN)) {
    if (match[1] !== undefined) tokens.push({ text: match[1], kind: "emoji" });
    else if (match[2] !== undefined) tokens.push({ text: match[2], kind: "emoji" });
    else if (match[3] !== undefined) tokens.push({ text: match[3], kind: "word" });
    else if (match[4] !== undefined) tokens.push({ text: match[4], kind: "clause" });
    else if (match[5] !== undefined) tokens.push({ text: match[5], kind: "sentence" });
  }
  return tokens;
}

type UnitKind = "sentiment" | "negated_only" | "intensifier" | "negator" | "contrast" | "other" | "clause" | "sentence";

interface Unit {
  kind: UnitKind;
  text: string;
  position: number;
  value: number;
}

interface CompiledLexicon {
  entries: ReadonlyMap<string, number>;
  intensifiers: ReadonlyMap<string, number>;
  maxPhraseTokens: number;
}

// Maps, not object lookups: text may contain "constructor" or "__proto__".
const NEGATED_ONLY: ReadonlyMap<string, number> = new Map(Object.entries(NEGATED_ONLY_LEXICON));

function isNegator(word: string, next: string | undefined): boolean {
  // "not only fast but also reliable" is not a negation.
  if (word === "not" && (next === "only" || next === "just")) return false;
  return NEGATORS.has(word) || word.endsWith("n't");
}

function termKey(term: string): string | null {
  const parts = tokenize(term).filter((token) => token.kind === "word" || token.kind === "emoji");
  return parts.length === 0 ? null : parts.map((token) => token.text).join(" ");
}

function compileLexicon(extra: Readonly<Record<string, number>> | undefined): CompiledLexicon {
  const entries = new Map<string, number>();
  const add = (term: string, valence: number, field: string): void => {
    if (typeof valence !== "number" || !Number.isFinite(valence) || Math.abs(valence) > VALENCE_LIMIT) {
      throw new AnalyticsConfigError(field, `valence must be a number from -${VALENCE_LIMIT} to ${VALENCE_LIMIT}.`);
    }
    const key = termKey(term);
    if (key === null) {
      throw new AnalyticsConfigError(field, "the term has no letters, digits or emoji; use a word or phrase.");
    }
    if (valence === 0) entries.delete(key);
    else entries.set(key, valence);
  };
  for (const [term, valence] of Object.entries(DEFAULT_SENTIMENT_LEXICON)) add(term, valence, `lexicon[${JSON.stringify(term)}]`);
  if (extra !== undefined) {
    for (const [term, valence] of Object.entries(extra)) add(term, valence, `lexicon[${JSON.stringify(term)}]`);
  }
  const intensifiers = new Map<string, number>();
  for (const [term, factor] of Object.entries(INTENSIFIERS)) intensifiers.set(term, factor);
  let maxPhraseTokens = 1;
  for (const key of [...entries.keys(), ...intensifiers.keys()]) {
    maxPhraseTokens = Math.max(maxPhraseTokens, key.split(" ").length);
  }
  return { entries, intensifiers, maxPhraseTokens };
}

/** Groups tokens into units: phrases first (longest match), then single words. */
function toUnits(tokens: readonly TextToken[], lexicon: CompiledLexicon): Unit[] {
  const units: Unit[] = [];
  let index = 0;
  while (index < tokens.length) {
    const token = tokens[index] as TextToken;
    if (token.kind === "clause" || token.kind === "sentence") {
      units.push({ kind: token.kind, text: token.text, position: index, value: 0 });
      index += 1;
      continue;
    }
    let matched = false;
    for (let length = Math.min(lexicon.maxPhraseTokens, tokens.length - index); length >= 2; length -= 1) {
      const span = tokens.slice(index, index + length);
      if (span.some((part) => part.kind !== "word" && part.kind !== "emoji")) continue;
      const key = span.map((part) => part.text).join(" ");
      const valence = lexicon.entries.get(key);
      const factor = lexicon.intensifiers.get(key);
      if (valence !== undefined) units.push({ kind: "sentiment", text: key, position: index, value: valence });
      else if (factor !== undefined) units.push({ kind: "intensifier", text: key, position: index, value: factor });
      else continue;
      index += length;
      matched = true;
      break;
    }
    if (matched) continue;
    const word = token.text;
    const next = tokens[index + 1]?.text;
    const valence = lexicon.entries.get(word);
    const factor = lexicon.intensifiers.get(word);
    const conditional = NEGATED_ONLY.get(word);
    if (token.kind === "word" && isNegator(word, next)) units.push({ kind: "negator", text: word, position: index, value: 0 });
    else if (factor !== undefined) units.push({ kind: "intensifier", text: word, position: index, value: factor });
    else if (CONTRAST_WORDS.has(word)) units.push({ kind: "contrast", text: word, position: index, value: 0 });
    else if (valence !== undefined) units.push({ kind: "sentiment", text: word, position: index, value: valence });
    else if (token.kind === "word" && conditional !== undefined) {
      units.push({ kind: "negated_only", text: word, position: index, value: conditional });
    }
    else units.push({ kind: "other", text: word, position: index, value: 0 });
    index += 1;
  }
  return units;
}

/** Contrast weight per unit: sentences with a contrast word weigh what follows its last one. */
function contrastWeights(units: readonly Unit[]): number[] {
  const weights = units.map(() => 1);
  let sentenceStart = 0;
  const close = (end: number): void => {
    let lastContrast = -1;
    for (let i = sentenceStart; i < end; i += 1) if (units[i]?.kind === "contrast") lastContrast = i;
    if (lastContrast >= 0) {
      for (let i = sentenceStart; i < end; i += 1) {
        weights[i] = i < lastContrast ? CONTRAST_WEIGHTS.before : CONTRAST_WEIGHTS.after;
      }
    }
  };
  units.forEach((unit, i) => {
    if (unit.kind === "sentence") {
      close(i);
      sentenceStart = i + 1;
    }
  });
  close(units.length);
  return weights;
}

function score(text: string, lexicon: CompiledLexicon): SentimentResult {
  const tokens = tokenize(typeof text === "string" ? text : "");
  const units = toUnits(tokens, lexicon);
  const weights = contrastWeights(units);
  const drivers: SentimentDriver[] = [];
  const scored = new Set<number>();
  let raw = 0;
  units.forEach((unit, i) => {
    if (unit.kind !== "sentiment" && unit.kind !== "negated_only") return;
    let intensity = 1;
    let negations = 0;
    const modifiers: string[] = [];
    // Look back over the modifier window; stop at a boundary or another sentiment term.
    for (let back = 1; back <= MODIFIER_WINDOW && i - back >= 0; back += 1) {
      const before = units[i - back] as Unit;
      if (before.kind === "clause" || before.kind === "sentence" || before.kind === "contrast" || scored.has(i - back)) break;
      if (before.kind === "intensifier") {
        intensity *= before.value;
        modifiers.unshift(before.text);
      } else if (before.kind === "negator") {
        negations += 1;
        modifiers.unshift(before.text);
      }
    }
    intensity = Math.min(MAX_INTENSITY, intensity);
    const negated = negations % 2 === 1;
    // "work", "load", "help" … only mean something when negated.
    if (unit.kind === "negated_only" && !negated) return;
    scored.add(i);
    if (negated && intensity > 1) intensity = 1 / intensity;
    const contrastWeight = weights[i] ?? 1;
    const contribution = unit.value * intensity * (negated ? NEGATION_SCALAR : 1) * contrastWeight;
    raw += contribution;
    drivers.push({
      term: unit.text,
      position: unit.position,
      valence: unit.value,
      intensity,
      negated,
      contrastWeight,
      contribution,
      modifiers,
    });
  });
  const squashed = Number.isFinite(raw) ? raw / Math.sqrt(raw * raw + NORMALIZATION_ALPHA) : Math.sign(raw);
  const bounded = Number.isNaN(squashed) ? 0 : Math.min(1, Math.max(-1, squashed));
  return {
    score: bounded,
    label: sentimentLabel(bounded),
    raw,
    drivers,
    tokenCount: tokens.filter((token) => token.kind === "word" || token.kind === "emoji").length,
  };
}

let defaultLexicon: CompiledLexicon | undefined;

/**
 * Builds an analyzer once (validating and compiling the lexicon) for scoring many texts.
 * @throws AnalyticsConfigError naming `lexicon["term"]` for a bad valence or an empty term.
 */
export function createSentimentAnalyzer(options: SentimentOptions = {}): (text: string) => SentimentResult {
  const lexicon = options.lexicon === undefined ? (defaultLexicon ??= compileLexicon(undefined)) : compileLexicon(options.lexicon);
  return (text) => score(text, lexicon);
}

/**
 * Scores one text: −1..1, a label and the drivers.
 *
 * @example analyzeSentiment("Support was very helpful").score // 2.6 / √(2.6² + 15) ≈ 0.557
 */
export function analyzeSentiment(text: string, options: SentimentOptions = {}): SentimentResult {
  return createSentimentAnalyzer(options)(text);
}

/** The sentiment of many texts together. */
export interface SentimentSummary {
  count: number;
  /** Mean score, or null when there are no scores. */
  mean: number | null;
  /** Label of the mean, or null when there are no scores. */
  label: SentimentLabel | null;
  counts: Record<SentimentLabel, number>;
  /** counts / count (all 0 when there are no scores). */
  shares: Record<SentimentLabel, number>;
}

function emptyLabelRecord(): Record<SentimentLabel, number> {
  return { very_negative: 0, negative: 0, neutral: 0, positive: 0, very_positive: 0 };
}

/**
 * Mean, label and label distribution of −1..1 scores.
 * @throws AnalyticsConfigError naming `${field}[i]` for a score outside −1..1.
 */
export function summarizeSentiment(scores: readonly number[], field = "scores"): SentimentSummary {
  const counts = emptyLabelRecord();
  let sum = 0;
  scores.forEach((value, i) => {
    if (typeof value !== "number" || !Number.isFinite(value) || value < -1 || value > 1) {
      throw new AnalyticsConfigError(`${field}[${i}]`, `sentiment must be a number from -1 to 1 (got ${String(value)}).`);
    }
    counts[sentimentLabel(value)] += 1;
    sum += value;
  });
  const count = scores.length;
  const shares = emptyLabelRecord();
  for (const label of SENTIMENT_LABELS) shares[label] = count === 0 ? 0 : counts[label] / count;
  const mean = count === 0 ? null : sum / count;
  return { count, mean, label: mean === null ? null : sentimentLabel(mean), counts, shares };
}
