/**
 * Context words: the words around a candidate value raise or lower its confidence, as Presidio's context enhancer
 * does.
 */
export interface ContextRule {
  /** Words that make the value more likely what we think it is ("ssn", "routing"). */
  positive: RegExp;
  /** Words that make it less likely ("order", "invoice", "version"). */
  negative?: RegExp;
  /** Characters looked at before the value. */
  before?: number;
  /** Characters looked at after the value. */
  after?: number;
}

export interface ContextMatch {
  positive: boolean;
  negative: boolean;
}

interface ContextState {
  text: string;
  /** Lookups made on this text so far. */
  lookups: number;
  /** Start/end pairs of the rule's words in the text, built once lookups become many. */
  positive: Int32Array | undefined;
  negative: Int32Array | undefined;
}

/**
 * Per rule, the text it was last used on. The first few candidates of a text look at their own window (cheap when a
 * text has a handful of numbers); past that, the rule's words are found once in the whole text and each candidate
 * looks them up by position (cheap when a text has thousands).
 */
const states = new WeakMap<ContextRule, ContextState>();
const globalPatterns = new WeakMap<RegExp, RegExp>();
const windowLookups = 16;

function occurrences(pattern: RegExp | undefined, text: string): Int32Array {
  if (pattern === undefined) return new Int32Array(0);
  let global = globalPatterns.get(pattern);
  if (global === undefined) {
    global = new RegExp(pattern.source, 'gi');
    globalPatterns.set(pattern, global);
  }
  const spans: number[] = [];
  for (const match of text.matchAll(global)) {
    if (match[0].length === 0) continue;
    spans.push(match.index, match.index + match[0].length);
  }
  return Int32Array.from(spans);
}

/** Whether a context word lies wholly inside [from, to). `spans` holds start/end pairs sorted by start. */
function anyWithin(spans: Int32Array, from: number, to: number): boolean {
  let low = 0;
  let high = spans.length / 2 - 1;
  while (low <= high) {
    const middle = (low + high) >> 1;
    if (spans[middle * 2]! < from) low = middle + 1;
    else high = middle - 1;
  }
  for (let index = low; index < spans.length / 2 && spans[index * 2]! < to; index++) {
    if (spans[index * 2 + 1]! <= to) return true;
  }
  return false;
}

export function findContext(text: string, start: number, end: number, rule: ContextRule): ContextMatch {
  let state = states.get(rule);
  if (state === undefined || state.text !== text) {
    state = { text, lookups: 0, positive: undefined, negative: undefined };
    states.set(rule, state);
  }
  const before = Math.max(0, start - (rule.before ?? 48));
  const after = end + (rule.after ?? 24);
  if (++state.lookups <= windowLookups) {
    const window = `${text.slice(before, start).toLowerCase()} \u0000 ${text.slice(end, after).toLowerCase()}`;
    return { positive: rule.positive.test(window), negative: rule.negative?.test(window) ?? false };
  }
  state.positive ??= occurrences(rule.positive, text);
  state.negative ??= occurrences(rule.negative, text);
  const near = (spans: Int32Array): boolean => spans.length > 0 && (anyWithin(spans, before, start) || anyWithin(spans, end, after));
  return { positive: near(state.positive), negative: near(state.negative) };
}


/** Digits of a value, separators dropped. */
export function digitsOf(value: string): string {
  let digits = '';
  for (let index = 0; index < value.length; index++) {
    const code = value.charCodeAt(index);
    if (code >= 48 && code <= 57) digits += value[index];
  }
  return digits;
}

/** True when every digit is the same or the digits run up or down by one (test values, not real identifiers). */
export function isTrivialDigitRun(digits: string): boolean {
  let same = true;
  let up = true;
  let down = true;
  for (let index = 1; index < digits.length; index++) {
    const previous = digits.charCodeAt(index - 1);
    const current = digits.charCodeAt(index);
    if (current !== previous) same = false;
    if (current !== previous + 1 && !(previous === 57 && current === 48)) up = false;
    if (current !== previous - 1 && !(previous === 48 && current === 57)) down = false;
  }
  return same || up || down;
}
