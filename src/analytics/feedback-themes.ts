/**
 * Recurring themes in free-text feedback: which topics come up, in what share of comments, how
 * customers feel about each, and example comments to read.
 *
 * Two sources, both deterministic:
 *  - a lexicon of customer-success themes (`DEFAULT_THEME_LEXICON`: keywords and phrases per
 *    theme), tenant-extensible;
 *  - emergent terms: words and two-word phrases that recur across comments but belong to no
 *    lexicon theme (a feature name, a competitor, "gantt chart"). Words inside a theme keyword
 *    match, stop words, opinion words (the sentiment lexicon), theme names, numbers and words
 *    under 3 letters are never emergent terms.
 * Words are lowercased and plurals folded ("invoices" → "invoice") before matching.
 */
import { AnalyticsConfigError } from "./errors";
import { DEFAULT_SENTIMENT_LEXICON, INTENSIFIERS, NEGATORS } from "./sentiment-lexicon";
import {
  createSentimentAnalyzer,
  sentimentLabel,
  tokenize,
  type SentimentLabel,
  type SentimentOptions,
} from "./sentiment";

/** One free-text comment (survey answer, ticket, note). */
export interface FeedbackComment {
  id: string;
  text: string;
  /** Sentiment already computed (−1..1); when absent it is computed with `analyzeSentiment`. */
  sentiment?: number;
}

/**
 * Default themes → keywords and phrases. Matching folds case and plurals, so "Invoices" matches
 * "invoice". Kept small on purpose: emergent terms catch what it misses.
 */
export const DEFAULT_THEME_LEXICON: Readonly<Record<string, readonly string[]>> = {
  onboarding: [
    "onboarding", "onboard", "onboarded", "setup", "set up", "getting started", "get started",
    "implementation", "kickoff", "kick off", "training", "walkthrough", "tutorial", "go live",
    "activation",
  ],
  billing: [
    "billing", "bill", "billed", "invoice", "invoicing", "charge", "charged", "overcharged",
    "payment", "credit card", "receipt", "refund", "subscription",
  ],
  pricing: [
    "price", "pricing", "priced", "expensive", "cheap", "cost", "costly", "overpriced",
    "affordable", "discount", "per seat", "license", "licensing", "value for money", "budget",
  ],
  performance: [
    "performance", "slow", "slower", "slowness", "speed", "fast", "faster", "lag", "laggy",
    "latency", "sluggish", "load time", "loading", "timeout", "takes forever",
  ],
  reliability: [
    "reliability", "reliable", "unreliable", "crash", "crashed", "crashing", "outage", "downtime",
    "uptime", "unstable", "stability", "broken", "bug", "buggy", "glitch", "error", "data loss",
    "incident",
  ],
  integration: [
    "integration", "integrate", "integrated", "api", "webhook", "sync", "syncing", "connector",
    "salesforce", "hubspot", "slack", "zapier", "sso", "single sign on", "import", "export",
  ],
  support: [
    "support", "customer service", "agent", "ticket", "response time", "helpdesk", "help desk",
    "escalation", "escalate", "account manager", "csm", "live chat",
  ],
  usability: [
    "usability", "ui", "ux", "interface", "design", "intuitive", "confusing", "easy to use",
    "hard to use", "user friendly", "navigation", "navigate", "layout", "clunky", "workflow",
  ],
  documentation: [
    "documentation", "docs", "guide", "help center", "knowledge base", "help article", "manual",
  ],
  feature_request: [
    "feature request", "wish", "would be nice", "would love", "roadmap", "please add",
    "ability to", "missing feature",
  ],
};

/** English function words and survey filler that never make a theme on their own. */
export const THEME_STOP_WORDS: ReadonlySet<string> = new Set([
  "a", "about", "above", "after", "again", "against", "all", "also", "am", "an", "and", "any",
  "are", "as", "at", "be", "because", "been", "before", "being", "below", "between", "both",
  "but", "by", "can", "could", "did", "do", "does", "doing", "done", "down", "during", "each",
  "even", "every", "few", "for", "from", "further", "get", "gets", "getting", "got", "had", "has",
  "have", "having", "he", "her", "here", "hers", "him", "his", "how", "i", "if", "in", "into",
  "is", "it", "its", "itself", "just", "let", "lot", "lots", "made", "make", "makes", "many",
  "may", "me", "might", "more", "most", "much", "must", "my", "myself", "need", "needs", "new",
  "now", "of", "off", "on", "once", "one", "only", "or", "other", "our", "ours", "out", "over",
  "own", "please", "same", "she", "should", "since", "some", "still", "such", "take", "takes",
  "than", "that", "the", "their", "them", "then", "there", "these", "they", "thing", "things",
  "this", "those", "through", "time", "to", "under", "until", "up", "us", "use", "used", "using",
  "want", "was", "way", "we", "were", "what", "when", "where", "which", "while", "who", "whom",
  "why", "will", "with", "would", "you", "your", "yours", "yourself", "able", "already",
  "always", "another", "anything", "around", "back", "day", "days", "etc", "every", "everything",
  "feel", "go", "going", "know", "last", "like", "look", "looking", "month", "months", "next",
  "really", "see", "seems", "something", "sure", "team", "tell", "think", "today", "try",
  "trying", "week", "weeks", "well", "work", "year", "years", "yes", "customer", "product",
  "company", "app", "tool", "platform", "ve", "ll", "re", "im", "ive", "it's", "i'm", "i've",
  "we're", "we've", "you're", "that's", "there's",
]);

/** Options for `extractThemes`; every field has a documented default. */
export interface ThemeOptions {
  /**
   * Themes merged over `DEFAULT_THEME_LEXICON` by name: a listed theme replaces that theme's
   * keywords (or adds a new theme); an empty list removes the theme.
   */
  themes?: Readonly<Record<string, readonly string[]>>;
  /** Look for emergent terms (default true). */
  emergent?: boolean;
  /** An emergent term must appear in at least this many comments (default 3). */
  minEmergentComments?: number;
  /** … and in at least this share of all comments, 0..1 (default 0.05). */
  minEmergentShare?: number;
  /** At most this many emergent themes, the most frequent first (default 10). */
  maxEmergent?: number;
  /** Example comment ids per theme, first in input order (default 3). */
  maxExamples?: number;
  /** Extra words never to treat as emergent terms (e.g. the tenant's product name). */
  stopWords?: readonly string[];
  /** Sentiment lexicon additions, for comments without a precomputed sentiment. */
  sentiment?: SentimentOptions;
}

/** A keyword or term and how often it occurred across all comments. */
export interface ThemeTermCount {
  term: string;
  count: number;
}

/** One theme across the comments. */
export interface FeedbackTheme {
  /** Lexicon theme name, or the emergent term itself ("gantt chart"). */
  theme: string;
  source: "lexicon" | "emergent";
  /** Comments that mention the theme at least once. */
  comments: number;
  /** comments / total comments, 0..1. */
  share: number;
  /** Total matches across comments (a comment can mention a theme twice). */
  mentions: number;
  /** Mean sentiment (−1..1) of the comments that mention it. */
  averageSentiment: number;
  sentimentLabel: SentimentLabel;
  /** The keywords that matched, most frequent first. */
  terms: ThemeTermCount[];
  /** Up to `maxExamples` comment ids, in input order. */
  exampleCommentIds: string[];
  /**
   * The seed's "critical issue": a negative theme (mean sentiment < −0.2) mentioned in at least
   * 5 comments or with mean sentiment ≤ −0.6.
   */
  critical: boolean;
  /** "high" when critical with mean sentiment ≤ −0.7, "medium" when otherwise critical. */
  severity: "high" | "medium" | null;
}

/** Themes across a set of comments. */
export interface ThemeReport {
  totalComments: number;
  /** Sorted by comments (desc), lexicon before emergent, then name. */
  themes: FeedbackTheme[];
  /** Comments that matched no theme. */
  uncategorizedComments: number;
}

/** Thresholds of the seed's critical-issue rule. */
export const CRITICAL_THEME_RULE = {
  negativeBelow: -0.2,
  minComments: 5,
  severeAverage: -0.6,
  highSeverityAverage: -0.7,
} as const;

const DEFAULTS = {
  emergent: true,
  minEmergentComments: 3,
  minEmergentShare: 0.05,
  maxEmergent: 10,
  maxExamples: 3,
} as const;

/** Folds case and regular plurals so "Invoices" and "invoice" are one term. */
export function normalizeTerm(word: string): string {
  let term = word.toLowerCase();
  if (term.endsWith("'s")) term = term.slice(0, -2);
  if (term.length > 4 && term.endsWith("ies")) return `${term.slice(0, -3)}y`;
  // "crashes", "glitches", "boxes", "classes": the plural added "es".
  if (term.length > 4 && /(ch|sh|x|z|ss)es$/.test(term)) return term.slice(0, -2);
  if (term.length > 3 && term.endsWith("s") && !/(ss|us|is|os)$/.test(term)) return term.slice(0, -1);
  return term;
}

/** A comment as runs of normalized words between punctuation; phrases never span a boundary. */
interface Segment {
  terms: string[];
  surfaces: string[];
}

function segments(text: string): Segment[] {
  const result: Segment[] = [];
  let current: Segment = { terms: [], surfaces: [] };
  for (const token of tokenize(text)) {
    if (token.kind === "word") {
      current.terms.push(normalizeTerm(token.text));
      current.surfaces.push(token.text);
    } else if (token.kind !== "emoji") {
      if (current.terms.length > 0) result.push(current);
      current = { terms: [], surfaces: [] };
    }
  }
  if (current.terms.length > 0) result.push(current);
  return result;
}

function keywordKey(keyword: string): string {
  return segments(keyword).flatMap((segment) => segment.terms).join(" ");
}

function positiveInteger(value: number | undefined, fallback: number, field: string, min: number): number {
  const resolved = value ?? fallback;
  if (typeof resolved !== "number" || !Number.isInteger(resolved) || resolved < min) {
    throw new AnalyticsConfigError(field, `must be a whole number ≥ ${min}.`);
  }
  return resolved;
}

interface CompiledTheme {
  name: string;
  /** keyword key (normalized, space-joined) → the keyword as configured. */
  keywords: Map<string, string>;
}

function compileThemes(overrides: ThemeOptions["themes"]): { themes: CompiledTheme[]; maxWords: number } {
  const merged = new Map<string, readonly string[]>(Object.entries(DEFAULT_THEME_LEXICON));
  if (overrides !== undefined) {
    for (const [name, keywords] of Object.entries(overrides)) {
      if (name.trim() === "") throw new AnalyticsConfigError("options.themes", "a theme name is empty; name every theme.");
      if (!Array.isArray(keywords)) {
        throw new AnalyticsConfigError(`options.themes.${name}`, "must be a list of keywords or phrases ([] removes the theme).");
      }
      merged.set(name, keywords);
    }
  }
  const themes: CompiledTheme[] = [];
  let maxWords = 1;
  for (const [name, keywords] of merged) {
    if (keywords.length === 0) continue;
    const compiled = new Map<string, string>();
    keywords.forEach((keyword, i) => {
      const key = typeof keyword === "string" ? keywordKey(keyword) : "";
      if (key === "") {
        throw new AnalyticsConfigError(`options.themes.${name}[${i}]`, "a keyword must contain a letter or digit.");
      }
      compiled.set(key, keyword);
      maxWords = Math.max(maxWords, key.split(" ").length);
    });
    themes.push({ name, keywords: compiled });
  }
  return { themes, maxWords };
}

function validateComments(comments: readonly FeedbackComment[]): void {
  if (!Array.isArray(comments)) throw new AnalyticsConfigError("comments", "must be an array of { id, text } comments.");
  const seen = new Set<string>();
  comments.forEach((comment, i) => {
    if (typeof comment?.id !== "string" || comment.id === "") {
      throw new AnalyticsConfigError(`comments[${i}].id`, "every comment needs a non-empty id.");
    }
    if (seen.has(comment.id)) throw new AnalyticsConfigError(`comments[${i}].id`, `"${comment.id}" appears twice; ids must be unique.`);
    seen.add(comment.id);
    if (typeof comment.text !== "string") throw new AnalyticsConfigError(`comments[${i}].text`, "must be a string.");
    const sentiment = comment.sentiment;
    if (sentiment !== undefined && (typeof sentiment !== "number" || !Number.isFinite(sentiment) || sentiment < -1 || sentiment > 1)) {
      throw new AnalyticsConfigError(`comments[${i}].sentiment`, "must be a number from -1 to 1, or left out to compute it.");
    }
  });
}

interface Tally {
  commentIndexes: number[];
  mentions: number;
  terms: Map<string, number>;
}

function addMention(tallies: Map<string, Tally>, key: string, commentIndex: number, term: string): void {
  let tally = tallies.get(key);
  if (tally === undefined) {
    tally = { commentIndexes: [], mentions: 0, terms: new Map() };
    tallies.set(key, tally);
  }
  if (tally.commentIndexes[tally.commentIndexes.length - 1] !== commentIndex) tally.commentIndexes.push(commentIndex);
  tally.mentions += 1;
  tally.terms.set(term, (tally.terms.get(term) ?? 0) + 1);
}

function byCountThenTerm(a: ThemeTermCount, b: ThemeTermCount): number {
  return b.count - a.count || (a.term < b.term ? -1 : a.term > b.term ? 1 : 0);
}

/**
 * Recurring themes across comments: lexicon themes and emergent terms, with counts, share of
 * comments, mean sentiment and example comment ids.
 * @throws AnalyticsConfigError naming the comment (`comments[2].id`) or option at fault.
 */
export function extractThemes(comments: readonly FeedbackComment[], options: ThemeOptions = {}): ThemeReport {
  validateComments(comments);
  const minEmergentComments = positiveInteger(options.minEmergentComments, DEFAULTS.minEmergentComments, "options.minEmergentComments", 1);
  const maxEmergent = positiveInteger(options.maxEmergent, DEFAULTS.maxEmergent, "options.maxEmergent", 0);
  const maxExamples = positiveInteger(options.maxExamples, DEFAULTS.maxExamples, "options.maxExamples", 0);
  const minEmergentShare = options.minEmergentShare ?? DEFAULTS.minEmergentShare;
  if (typeof minEmergentShare !== "number" || !(minEmergentShare >= 0 && minEmergentShare <= 1)) {
    throw new AnalyticsConfigError("options.minEmergentShare", "must be a share from 0 to 1.");
  }
  const { themes, maxWords } = compileThemes(options.themes);
  const analyze = createSentimentAnalyzer(options.sentiment);

  // Words that are opinions, modifiers or theme keywords are never emergent terms.
  const excluded = new Set<string>([...THEME_STOP_WORDS].map(normalizeTerm));
  for (const word of options.stopWords ?? []) excluded.add(normalizeTerm(word));
  for (const term of Object.keys(DEFAULT_SENTIMENT_LEXICON)) excluded.add(normalizeTerm(term));
  for (const term of Object.keys(INTENSIFIERS)) excluded.add(normalizeTerm(term));
  for (const term of NEGATORS) excluded.add(term);
  for (const theme of themes) excluded.add(normalizeTerm(theme.name));
  const candidate = (term: string): boolean => term.length >= 3 && !/^\d+$/.test(term) && !excluded.has(term) && !term.endsWith("n't");

  const sentiments: number[] = [];
  const lexiconTallies = new Map<string, Tally>();
  const emergentTallies = new Map<string, Tally>();
  const surfaceCounts = new Map<string, Map<string, number>>();

  comments.forEach((comment, index) => {
    sentiments.push(comment.sentiment ?? analyze(comment.text).score);
    for (const segment of segments(comment.text)) {
      const { terms, surfaces } = segment;
      // Words a theme keyword already explains are not emergent material.
      const covered = new Array<boolean>(terms.length).fill(false);
      // Lexicon: each theme takes the longest keyword starting at a position, and its matches
      // never overlap ("single sign on" is one mention, not also "sign on").
      for (const theme of themes) {
        let start = 0;
        while (start < terms.length) {
          let matched = 0;
          for (let length = Math.min(maxWords, terms.length - start); length >= 1; length -= 1) {
            const keyword = theme.keywords.get(terms.slice(start, start + length).join(" "));
            if (keyword !== undefined) {
              addMention(lexiconTallies, theme.name, index, keyword);
              covered.fill(true, start, start + length);
              matched = length;
              break;
            }
          }
          start += Math.max(1, matched);
        }
      }
      if (options.emergent ?? DEFAULTS.emergent) {
        for (let i = 0; i < terms.length; i += 1) {
          const term = terms[i] as string;
          if (covered[i] === true || !candidate(term)) continue;
          addMention(emergentTallies, term, index, term);
          const surfaces1 = surfaceCounts.get(term) ?? new Map<string, number>();
          const surface = surfaces[i] as string;
          surfaces1.set(surface, (surfaces1.get(surface) ?? 0) + 1);
          surfaceCounts.set(term, surfaces1);
          const next = terms[i + 1];
          if (next !== undefined && covered[i + 1] !== true && candidate(next)) {
            const bigram = `${term} ${next}`;
            addMention(emergentTallies, bigram, index, bigram);
            const bigramSurfaces = surfaceCounts.get(bigram) ?? new Map<string, number>();
            const bigramSurface = `${surface} ${surfaces[i + 1] as string}`;
            bigramSurfaces.set(bigramSurface, (bigramSurfaces.get(bigramSurface) ?? 0) + 1);
            surfaceCounts.set(bigram, bigramSurfaces);
          }
        }
      }
    }
  });

  const total = comments.length;
  const build = (name: string, source: FeedbackTheme["source"], tally: Tally): FeedbackTheme => {
    const scores = tally.commentIndexes.map((i) => sentiments[i] as number);
    const averageSentiment = scores.reduce((sum, value) => sum + value, 0) / scores.length;
    const negative = averageSentiment < CRITICAL_THEME_RULE.negativeBelow;
    const critical =
      negative && (tally.commentIndexes.length >= CRITICAL_THEME_RULE.minComments || averageSentiment <= CRITICAL_THEME_RULE.severeAverage);
    const terms = [...tally.terms].map(([term, count]) => ({ term, count })).sort(byCountThenTerm);
    return {
      theme: name,
      source,
      comments: tally.commentIndexes.length,
      share: tally.commentIndexes.length / total,
      mentions: tally.mentions,
      averageSentiment,
      sentimentLabel: sentimentLabel(averageSentiment),
      terms,
      exampleCommentIds: tally.commentIndexes.slice(0, maxExamples).map((i) => (comments[i] as FeedbackComment).id),
      critical,
      severity: critical ? (averageSentiment <= CRITICAL_THEME_RULE.highSeverityAverage ? "high" : "medium") : null,
    };
  };

  const result: FeedbackTheme[] = [];
  const themed = new Set<number>();
  for (const theme of themes) {
    const tally = lexiconTallies.get(theme.name);
    if (tally === undefined) continue;
    result.push(build(theme.name, "lexicon", tally));
    for (const i of tally.commentIndexes) themed.add(i);
  }

  // Emergent: two-word phrases first; a single word stays only if it recurs on its own, i.e.
  // in at least minEmergentComments comments beyond the most frequent selected phrase holding it.
  const qualifies = (tally: Tally): boolean =>
    tally.commentIndexes.length >= minEmergentComments && tally.commentIndexes.length / Math.max(total, 1) >= minEmergentShare;
  const ranked = [...emergentTallies]
    .filter(([, tally]) => qualifies(tally))
    .map(([term, tally]) => ({ term, count: tally.commentIndexes.length }))
    .sort(byCountThenTerm);
  const bigrams = ranked.filter((entry) => entry.term.includes(" "));
  const selected = [...bigrams];
  for (const entry of ranked) {
    if (entry.term.includes(" ")) continue;
    const covered = Math.max(0, ...bigrams.filter((b) => b.term.split(" ").includes(entry.term)).map((b) => b.count));
    if (entry.count - covered >= minEmergentComments) selected.push(entry);
  }
  selected.sort(byCountThenTerm);
  for (const entry of selected.slice(0, maxEmergent)) {
    const tally = emergentTallies.get(entry.term) as Tally;
    const surfaces = [...(surfaceCounts.get(entry.term) ?? new Map<string, number>())]
      .map(([term, count]) => ({ term, count }))
      .sort(byCountThenTerm);
    const display = surfaces[0]?.term ?? entry.term;
    const theme = build(display, "emergent", tally);
    theme.terms = surfaces;
    result.push(theme);
    for (const i of tally.commentIndexes) themed.add(i);
  }

  result.sort(
    (a, b) =>
      b.comments - a.comments ||
      (a.source === b.source ? 0 : a.source === "lexicon" ? -1 : 1) ||
      (a.theme < b.theme ? -1 : a.theme > b.theme ? 1 : 0),
  );
  return { totalComments: total, themes: result, uncategorizedComments: total - themed.size };
}
