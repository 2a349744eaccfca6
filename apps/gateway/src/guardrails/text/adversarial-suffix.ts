/**
 * Optimised adversarial suffixes (GCG, DSN and other token-search attacks) read as word salad: plain words glued to
 * identifiers, stray quotes and brackets that never close (`…families Hencewood.", plotBuilder"], = `[ structTERJs`).
 * Prose has few such tokens; code, markup and citations have them but with brackets and quotes paired. The detector
 * slides a window of 16 tokens over each line and scores odd tokens, rare characters, glued capitals and unpaired
 * brackets; a window that mixes a high score with plain words is reported.
 *
 * Code has the same oddities (`export interface ZodPipe<A extends core.SomeType = core.$ZodType> {`), but its brackets
 * nest: every closer matches the last opener still open on the line, or closes one opened on an earlier line. The
 * suffixes these attacks produce close brackets of another kind (`({[HTMLsvg readers | Sure] Sure,].[`). A window on
 * a line whose brackets nest is reported as `codeLike`, and only when no other line holds one: the caller weighs it as
 * supporting evidence, not as an attack on its own.
 */
import { profileText } from './keyword-index.js';
import { bracketColumns, findWindow, unpairedIn } from './token-window.js';

const windowSize = 16;
const minimumScore = 16;

export interface SuffixSpan {
  start: number;
  end: number;
}

export interface AdversarialSuffix extends SuffixSpan {
  /** The window's line has brackets that nest, as code does (see above). */
  codeLike: boolean;
}

/** What `\s` matches in JavaScript. */
function isSpace(code: number): boolean {
  if (code <= 32) return code === 32 || (code >= 9 && code <= 13);
  if (code < 0xa0) return false;
  return code === 0xa0 || code === 0x1680 || (code >= 0x2000 && code <= 0x200a) || code === 0x2028 || code === 0x2029 || code === 0x202f || code === 0x205f || code === 0x3000 || code === 0xfeff;
}

const isLower = (code: number): boolean => code >= 97 && code <= 122;
const isUpper = (code: number): boolean => code >= 65 && code <= 90;
const isDigit = (code: number): boolean => code >= 48 && code <= 57;
/** `{ } [ ] \ ^ \` ~`: characters prose rarely has. */
const isRare = (code: number): boolean => code === 123 || code === 125 || code === 91 || code === 93 || code === 92 || code === 94 || code === 96 || code === 126;
/** `( ) [ ] { } \` "`: characters that count when unpaired. */
const isPaired = (code: number): boolean => code === 40 || code === 41 || code === 91 || code === 93 || code === 123 || code === 125 || code === 96 || code === 34;

/** A plain word: `/^(?:[A-Za-z][a-z]+|[A-Z]+|\d+)[,.;:!?%]?$/`, written out. */
function isPlainWord(text: string, start: number, end: number): boolean {
  const last = text.charCodeAt(end - 1);
  // , . ; : ! ? %
  if (last === 44 || last === 46 || last === 59 || last === 58 || last === 33 || last === 63 || last === 37) end--;
  if (end <= start) return false;
  const first = text.charCodeAt(start);
  if (isDigit(first) || isUpper(first)) {
    const same = isDigit(first) ? isDigit : isUpper;
    let index = start + 1;
    while (index < end && same(text.charCodeAt(index))) index++;
    if (index === end) return true;
    if (isDigit(first)) return false;
  } else if (!isLower(first)) return false;
  // A letter followed by one or more lower-case letters.
  if (end - start < 2) return false;
  for (let index = start + 1; index < end; index++) if (!isLower(text.charCodeAt(index))) return false;
  return true;
}

/** Per token of a line: offsets, whether it is a plain word, and its oddities. */
interface Tokens {
  count: number;
  starts: Int32Array;
  ends: Int32Array;
  plain: Uint8Array;
  rare: Int32Array;
  glued: Uint8Array;
  /** Opening minus closing, per kind, and the counts of backticks and double quotes. */
  round: Int32Array;
  square: Int32Array;
  curly: Int32Array;
  backticks: Int32Array;
  quotes: Int32Array;
}

/** The token arrays, reused line after line (each line's tokens are scanned before the next line is read). */
let scratch: Tokens | undefined;

function emptyTokens(capacity: number): Tokens {
  return {
    count: 0,
    starts: new Int32Array(capacity),
    ends: new Int32Array(capacity),
    plain: new Uint8Array(capacity),
    rare: new Int32Array(capacity),
    glued: new Uint8Array(capacity),
    round: new Int32Array(capacity),
    square: new Int32Array(capacity),
    curly: new Int32Array(capacity),
    backticks: new Int32Array(capacity),
    quotes: new Int32Array(capacity),
  };
}

function tokenize(text: string, from: number, to: number): Tokens {
  const capacity = Math.ceil((to - from) / 2) + 1;
  if (scratch === undefined || scratch.starts.length < capacity) scratch = emptyTokens(Math.max(capacity, 256));
  const tokens = scratch;
  tokens.count = 0;
  for (const counts of [tokens.rare, tokens.glued, tokens.round, tokens.square, tokens.curly, tokens.backticks, tokens.quotes]) counts.fill(0, 0, capacity);
  let index = from;
  while (index < to) {
    while (index < to && isSpace(text.charCodeAt(index))) index++;
    if (index === to) break;
    const token = tokens.count++;
    const start = index;
    let previous = 0;
    for (; index < to; index++) {
      const code = text.charCodeAt(index);
      if (isSpace(code)) break;
      if (isUpper(code) && isLower(previous)) tokens.glued[token] = 1;
      if (code === 40) tokens.round[token]!++;
      else if (code === 41) tokens.round[token]!--;
      else if (code === 91) tokens.square[token]!++;
      else if (code === 93) tokens.square[token]!--;
      else if (code === 123) tokens.curly[token]!++;
      else if (code === 125) tokens.curly[token]!--;
      else if (code === 96) tokens.backticks[token]!++;
      else if (code === 34) tokens.quotes[token]!++;
      if (isRare(code)) tokens.rare[token]!++;
      previous = code;
    }
    tokens.starts[token] = start;
    tokens.ends[token] = index;
    tokens.plain[token] = isPlainWord(text, start, index) ? 1 : 0;
  }
  return tokens;
}

/**
 * Whether a line (at least 40 characters, no newline) could hold a suffix window at all: not a table row (three or more
 * "|") nor indented code, and enough oddities in the whole line. Unpaired brackets within a window are at most the
 * brackets there are, and unpaired quotes and backticks at most one each, so the sum bounds any window's oddities.
 */
function mayHoldSuffix(text: string, from: number, to: number): boolean {
  if (isSpace(text.charCodeAt(from)) && isSpace(text.charCodeAt(from + 1))) {
    // /^\s{2,}\S/: indented, unless the line is only spaces.
    for (let index = from + 2; index < to; index++) if (!isSpace(text.charCodeAt(index))) return false;
  }
  let bars = 0;
  let potential = 0;
  let backticks = 0;
  let quotes = 0;
  let previous = 32;
  for (let index = from; index < to; index++) {
    const code = text.charCodeAt(index);
    if (code === 124 && ++bars >= 3) return false;
    if (isRare(code)) potential++;
    if (isPaired(code)) {
      if (code === 96) backticks = 2;
      else if (code === 34) quotes = 2;
      else potential += 2;
    }
    // A glued capital counts twice, once per token: counting each one bounds it.
    if (isUpper(code) && isLower(previous)) potential += 2;
    previous = code;
  }
  return potential + backticks + quotes >= 6;
}

/** Open brackets of the line being checked, innermost last (reused: lines are checked one at a time). */
let openers = new Uint8Array(256);

/** Whether every closer on the line matches the innermost opener still open on it, or closes one from an earlier line. */
export function bracketsNest(text: string, from: number, to: number): boolean {
  if (openers.length < to - from) openers = new Uint8Array(to - from);
  let depth = 0;
  for (let index = from; index < to; index++) {
    const code = text.charCodeAt(index);
    // ( [ { push; ) ] } must match the innermost: '(' + 1 = ')', '[' + 2 = ']', '{' + 2 = '}'.
    if (code === 40 || code === 91 || code === 123) openers[depth++] = code;
    else if (code === 41 || code === 93 || code === 125) {
      if (depth === 0) continue;
      const opener = openers[--depth]!;
      if (code !== (opener === 40 ? 41 : opener + 2)) return false;
    }
  }
  return true;
}

export function findAdversarialSuffix(text: string): AdversarialSuffix | undefined {
  // A window needs oddities of 6 or more: rare symbols, glued capitals or unpaired brackets and quotes.
  const profile = profileText(text);
  if (profile.rareSymbols + profile.gluedCapitals < 2) return undefined;
  let codeLike: AdversarialSuffix | undefined;
  for (let lineStart = 0; lineStart < text.length; ) {
    let lineEnd = text.indexOf('\n', lineStart);
    if (lineEnd === -1) lineEnd = text.length;
    const from = lineStart;
    lineStart = lineEnd + 1;
    // Table rows and indented code lines are not word salad, however odd their tokens.
    if (lineEnd - from < 40 || !mayHoldSuffix(text, from, lineEnd)) continue;
    // Once a code-like window is known, only a line whose brackets do not nest can change the answer; until then the
    // brackets are read only on a line that holds a window (few do, outside code).
    if (codeLike !== undefined && bracketsNest(text, from, lineEnd)) continue;
    const span = scanLine(tokenize(text, from, lineEnd));
    if (span === undefined) continue;
    if (codeLike !== undefined || !bracketsNest(text, from, lineEnd)) return { ...span, codeLike: false };
    codeLike = { ...span, codeLike: true };
  }
  return codeLike;
}

/** Slides the window over the line's tokens with running sums: one pass per line. */
function scanLine(tokens: Tokens): SuffixSpan | undefined {
  const columns = [tokens.plain, tokens.rare, tokens.glued, ...bracketColumns(tokens)];
  const last = findWindow(tokens.count, windowSize, 8, columns, (sums, first, end) => {
    const plain = sums[0]!;
    const oddities = sums[1]! + 2 * sums[2]! + 2 * unpairedIn(sums, 3);
    const odd = end - first + 1 - plain;
    return plain >= 4 && oddities >= 6 && odd + oddities >= minimumScore;
  });
  return last < 0 ? undefined : { start: tokens.starts[Math.max(0, last - windowSize + 1)]!, end: tokens.ends[last]! };
}
