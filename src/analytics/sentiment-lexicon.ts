/**
 * The word lists behind `sentiment.ts`: a small lexicon written for customer-success text
 * (tickets, survey comments, call notes), not a general-purpose one.
 *
 * Valences run from −4 to +4: ±1 mild ("ok", "issue"), ±2 clear ("good", "slow"), ±3 strong
 * ("excellent", "terrible"). Deliberately absent: words that are topics rather than opinions in
 * this domain ("support", "help", "ticket", "price"), which general lexicons such as AFINN score
 * as positive and which would make every support comment look happy; and ambiguous words
 * ("like", "hard", "down", "sorry", "cheap") that flip meaning with context.
 *
 * Why not a package: `sentiment` and `wink-sentiment` (AFINN-165) score "support" +2, have no
 * intensifiers and flip only the next word; `vader-sentiment` handles both but returns no
 * per-word drivers, reads "not bad at all" as negative and misses "slow", "laggy", "crashing".
 * None has been republished in years, and all three are CommonJS.
 */

/** Single words and multi-word phrases (space-separated, lowercase) with their valence. */
export const DEFAULT_SENTIMENT_LEXICON: Readonly<Record<string, number>> = {
  // Strong positive
  amazing: 3, awesome: 3, brilliant: 3, delighted: 3, excellent: 3, exceptional: 3, fantastic: 3,
  love: 3, loved: 3, loves: 3, outstanding: 3, perfect: 3, superb: 3, thrilled: 3, wonderful: 3,
  best: 3, great: 3,
  // Clear positive
  good: 2, nice: 2, happy: 2, pleased: 2, glad: 2, satisfied: 2, helpful: 2, useful: 2,
  valuable: 2, easy: 2, intuitive: 2, seamless: 2, seamlessly: 2, smooth: 2, smoothly: 2,
  reliable: 2, recommend: 2, recommended: 2, impressed: 2.5, impressive: 2.5, grateful: 2,
  appreciate: 2, appreciated: 2, enjoy: 2, enjoyed: 2, knowledgeable: 2, beautiful: 2,
  excited: 2, success: 2, successful: 2, exceeded: 2, pleasure: 2,
  // Mild positive
  easier: 1.5, easily: 1.5, simple: 1.5, fast: 1.5, faster: 1.5, quick: 1.5, quickly: 1.5,
  responsive: 1.5, stable: 1.5, robust: 1.5, powerful: 1.5, efficient: 1.5, friendly: 1.5,
  thanks: 1.5, thank: 1.5, fixed: 1.5, resolved: 1.5, solved: 1.5, improved: 1.5,
  improvement: 1.5, better: 1.5, worth: 1.5, flexible: 1.5, solid: 1.5, professional: 1.5,
  patient: 1.5, prompt: 1.5, promptly: 1.5, accurate: 1.5, convenient: 1.5, polished: 1.5,
  affordable: 1.5, fun: 1.5, works: 1.5, worked: 1.5, working: 1.5, clear: 1, clean: 1, fine: 1,
  ok: 0.5, okay: 0.5,
  // Strong negative
  terrible: -3, awful: -3, horrible: -3, worst: -3, hate: -3, hated: -3, useless: -3,
  unusable: -3, disaster: -3, nightmare: -3, unacceptable: -3, furious: -3, rude: -3, sucks: -3,
  // Clear negative
  angry: -2.5, broken: -2.5, crash: -2.5, crashes: -2.5, crashed: -2.5, crashing: -2.5,
  outage: -2.5, outages: -2.5, unreliable: -2.5, unhelpful: -2.5, unresponsive: -2.5,
  overpriced: -2.5, waste: -2.5,
  bad: -2, poor: -2, poorly: -2, worse: -2, broke: -2, buggy: -2, glitchy: -2, fail: -2,
  fails: -2, failed: -2, failing: -2, failure: -2, frustrated: -2, frustrating: -2,
  frustration: -2, annoying: -2, annoyed: -2, disappointed: -2, disappointing: -2,
  disappointment: -2, confusing: -2, clunky: -2, slow: -2, sluggish: -2, laggy: -2,
  downtime: -2, unstable: -2, ignored: -2, mess: -2, messy: -2, painful: -2, regression: -2,
  blocker: -2, lame: -2, ugly: -2,
  // Mild negative
  bug: -1.5, bugs: -1.5, glitch: -1.5, error: -1.5, errors: -1.5, problem: -1.5,
  problems: -1.5, difficult: -1.5, confused: -1.5, unclear: -1.5, complicated: -1.5,
  slower: -1.5, lag: -1.5, expensive: -1.5, pricey: -1.5, lacking: -1.5, lacks: -1.5,
  lack: -1.5, cancel: -1.5, cancelling: -1.5, canceling: -1.5, cancellation: -1.5,
  complaint: -1.5, complain: -1.5, delay: -1.5, delays: -1.5, delayed: -1.5, tedious: -1.5,
  pain: -1.5, worried: -1.5, lost: -1.5, losing: -1.5, wrong: -1.5, incorrect: -1.5,
  inaccurate: -1.5, timeout: -1.5, timeouts: -1.5, blocked: -1.5,
  issue: -1, issues: -1, missing: -1, refund: -1, waited: -1, waiting: -1, late: -1,
  concern: -1, concerns: -1, concerned: -1, meh: -1,
  // Phrases (matched before single words, longest first)
  "easy to use": 2.5,
  "user friendly": 2,
  "above and beyond": 3,
  "game changer": 3,
  "time saver": 2,
  "up and running": 1.5,
  "waste of time": -3,
  "hard to use": -2,
  "falls short": -2,
  "fell short": -2,
  "let us down": -2,
  "let me down": -2,
  // Emoji and emoticons
  "😀": 2, "😃": 2, "😄": 2, "😁": 2, "😊": 2, "🙂": 1, "😍": 3, "🥰": 3, "👍": 2, "🎉": 2,
  "❤": 3, "🙏": 1.5, "💯": 2,
  "🙁": -1.5, "☹": -2, "😞": -2, "😢": -2, "😭": -2.5, "😠": -2.5, "😡": -3, "🤬": -3,
  "👎": -2, "😤": -2, "💩": -3,
  ":)": 1.5, ":-)": 1.5, ":d": 2, ":-d": 2, "<3": 2.5, ":(": -1.5, ":-(": -1.5, ":'(": -2,
};

/**
 * Words that are neutral on their own but a complaint when negated: "doesn't work", "won't load",
 * "can't connect", "didn't help". They only score under negation (valence × the negation scalar).
 */
export const NEGATED_ONLY_LEXICON: Readonly<Record<string, number>> = {
  work: 2, load: 1.5, loads: 1.5, open: 1.5, opens: 1.5, sync: 1.5, syncs: 1.5, connect: 1.5,
  connects: 1.5, respond: 1.5, responded: 1.5, help: 2, helped: 2, save: 1.5, saves: 1.5,
  login: 1.5, start: 1.5, starts: 1.5,
};

/**
 * Words that negate the sentiment word following them (within the negation window). Tokens
 * ending in "n't" (isn't, doesn't, won't) are negators too, and so are their apostrophe-less
 * spellings listed here. "hardly", "barely" and "without" read as negation: "barely works" and
 * "without issues" flip the word after them.
 */
export const NEGATORS: ReadonlySet<string> = new Set([
  "not", "no", "never", "none", "nobody", "nothing", "neither", "nor", "cannot", "without",
  "hardly", "barely", "scarcely",
  "isnt", "arent", "wasnt", "werent", "dont", "doesnt", "didnt", "wont", "wouldnt", "cant",
  "couldnt", "shouldnt", "havent", "hasnt", "hadnt", "aint",
]);

/**
 * Multipliers on the sentiment word they precede: amplifiers above 1, dampeners below 1.
 * Multi-word entries ("a bit") are matched as phrases.
 */
export const INTENSIFIERS: Readonly<Record<string, number>> = {
  extremely: 1.5, incredibly: 1.5, exceptionally: 1.5, absolutely: 1.4, super: 1.4,
  very: 1.3, really: 1.3, so: 1.3, too: 1.3, totally: 1.3, completely: 1.3, highly: 1.3,
  truly: 1.3, especially: 1.2, particularly: 1.2, quite: 1.1, pretty: 1.1,
  slightly: 0.5, somewhat: 0.7, fairly: 0.8, mildly: 0.6, marginally: 0.6, kinda: 0.7,
  partly: 0.7, occasionally: 0.7, sometimes: 0.8,
  "a bit": 0.6, "a little": 0.6, "kind of": 0.7, "sort of": 0.7,
  // A time phrase, not an amplifier: "no problems so far".
  "so far": 1,
};

/** Words that turn the sentence's weight toward what follows them ("good, but slow"). */
export const CONTRAST_WORDS: ReadonlySet<string> = new Set(["but", "however"]);
