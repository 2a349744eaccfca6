/**
 * A wider net for optimised suffixes than `adversarial-suffix.ts`: a request in plain words followed, on the same
 * line, by tokens no prose or code has — words glued to quotes and brackets (`Starting."Hereis`), capitals glued or
 * run into lower case (`howWith`, `MARdown`), punctuation runs inside words (`mate...unless_(`), bare symbol tokens
 * (`===////////`), unpaired brackets. The detector in `adversarial-suffix.ts` needs many rare symbols; this one counts
 * more kinds of oddity but only on lines that open with at least six plain words (a sentence, not code, a table or
 * markup), and it ignores links, e-mail addresses, HTML entities, `<Tag>` placeholders and Markdown escapes.
 */
import type { SuffixSpan } from './adversarial-suffix.js';
import { bracketColumns, findWindow, unpairedIn } from './token-window.js';

const windowSize = 16;
const minimumScore = 14;
const minimumPlainHead = 6;

const isLower = (code: number): boolean => code >= 97 && code <= 122;
const isUpper = (code: number): boolean => code >= 65 && code <= 90;
const isLetter = (code: number): boolean => isLower(code) || isUpper(code);
const isDigit = (code: number): boolean => code >= 48 && code <= 57;
const isWordCode = (code: number): boolean => isLetter(code) || isDigit(code) || code === 95;
/** Spaces and tabs; lines are split at `\n` before tokens are read. */
const isBlank = (code: number): boolean => code === 32 || code === 9 || code === 13 || code === 0xa0;
/** `{ } [ ] \ ^ \` ~ | $ _ = * # @`: symbols prose rarely puts inside a word. */
const isSymbol = (code: number): boolean =>
  code === 123 || code === 125 || code === 91 || code === 93 || code === 92 || code === 94 || code === 96 || code === 126 ||
  code === 124 || code === 36 || code === 95 || code === 61 || code === 42 || code === 35 || code === 64;
/** Characters Markdown escapes with a backslash (`\*`, `\[`): the escape is formatting, not salad. */
const isEscapable = (code: number): boolean =>
  code === 42 || code === 91 || code === 93 || code === 95 || code === 35 || code === 62 || code === 126 || code === 96 || code === 45;
/** Opening characters a plain word may carry: `" ' ( “ ‘`. */
const isOpening = (code: number): boolean => code === 34 || code === 39 || code === 40 || code === 0x201c || code === 0x2018;
/** Closing characters a plain word may carry: `, . ; : ! ? % ) " ' ” ’`. */
const isClosing = (code: number): boolean =>
  code === 44 || code === 46 || code === 59 || code === 58 || code === 33 || code === 63 || code === 37 || code === 41 ||
  code === 34 || code === 39 || code === 0x201d || code === 0x2019;

/**
 * A word of prose: optional opening quote or bracket, then letters (capitalised, lower or upper case, inner `'` `’`
 * `-` followed by lower case) or a number (inner `.` `,`), then optional closing punctuation.
 */
function isPlain(text: string, start: number, end: number): boolean {
  while (start < end && isOpening(text.charCodeAt(start))) start++;
  while (end > start && isClosing(text.charCodeAt(end - 1))) end--;
  if (end <= start) return false;
  const first = text.charCodeAt(start);
  if (isDigit(first)) {
    for (let index = start + 1; index < end; index++) {
      const code = text.charCodeAt(index);
      if (!isDigit(code) && !((code === 46 || code === 44) && isDigit(text.charCodeAt(index + 1)) && index + 1 < end)) return false;
    }
    return true;
  }
  if (!isLetter(first)) return false;
  let allUpper = isUpper(first);
  let allLower = true;
  for (let index = start + 1; index < end; index++) {
    const code = text.charCodeAt(index);
    if (isUpper(code)) allLower = false;
    else if (isLower(code)) allUpper = false;
    else if ((code === 39 || code === 0x2019 || code === 45) && index + 1 < end && isLower(text.charCodeAt(index + 1))) allUpper = false;
    else return false;
  }
  return allUpper || allLower;
}

function indexWithin(text: string, code: number, from: number, to: number): number {
  for (let index = from; index < to; index++) if (text.charCodeAt(index) === code) return index;
  return -1;
}

/** A Markdown code span in one token: optional opening, `` `…` `` with no backtick inside, optional closing. */
function isCodeSpan(text: string, start: number, end: number): boolean {
  while (start < end && isOpening(text.charCodeAt(start))) start++;
  while (end > start && isClosing(text.charCodeAt(end - 1))) end--;
  return end - start >= 3 && text.charCodeAt(start) === 96 && text.charCodeAt(end - 1) === 96 && indexWithin(text, 96, start + 1, end - 1) === -1;
}

/** A Markdown link whose target is a URL, a path or an anchor: `[text](https://…)`, `[text](/docs/…)`, `[text](#…)`. */
function isMarkdownLink(text: string, start: number, end: number): boolean {
  if (text.charCodeAt(start) !== 91) return false;
  const close = indexWithin(text, 93, start + 1, end);
  if (close === -1 || text.charCodeAt(close + 1) !== 40) return false;
  const target = close + 2;
  return text.startsWith('http://', target) || text.startsWith('https://', target) || text.charCodeAt(target) === 47 || text.charCodeAt(target) === 35 || text.startsWith('./', target);
}

/**
 * A lower-case identifier with an underscore or a dot between names (`t.customer_id`, `os.path.join`, `rank_in_segment`),
 * optionally called (`()`) and followed by a comma or semicolon: column and module names in SQL and scripts. Suffixes
 * glue capitals and brackets onto their fragments, which this leaves out.
 */
function isSnakeOrDotted(text: string, start: number, end: number): boolean {
  let last = end;
  const final = text.charCodeAt(last - 1);
  if (final === 44 || final === 59) last--;
  if (last - start >= 2 && text.charCodeAt(last - 1) === 41 && text.charCodeAt(last - 2) === 40) last -= 2;
  if (last - start < 3 || !isLower(text.charCodeAt(start)) || !isLower(text.charCodeAt(last - 1))) return false;
  let joined = false;
  let previous = 0;
  for (let index = start; index < last; index++) {
    const code = text.charCodeAt(index);
    if (code === 95 || code === 46) {
      if (previous === 95 || previous === 46) return false;
      joined = true;
    } else if (!isLower(code) && !isDigit(code)) return false;
    previous = code;
  }
  return joined;
}

/** Links, e-mail addresses, HTML entities, `<Tag>` placeholders, Markdown code spans, snake_case and dotted names: neither plain nor odd. */
function isNeutral(text: string, start: number, end: number): boolean {
  if (text.startsWith('http://', start) || text.startsWith('https://', start) || text.startsWith('www.', start)) return true;
  if (isCodeSpan(text, start, end) || isMarkdownLink(text, start, end) || isSnakeOrDotted(text, start, end)) return true;
  // Searches stay inside the token: a search to the end of the text per token would be quadratic on long lines.
  const at = indexWithin(text, 64, start + 1, end);
  if (at !== -1 && indexWithin(text, 46, at + 2, end - 1) !== -1) return true;
  if (text.charCodeAt(start) === 38 && indexWithin(text, 59, start + 2, end) !== -1) return true;
  if (text.charCodeAt(start) === 60) {
    let index = start + 1;
    if (text.charCodeAt(index) === 47) index++;
    const letters = index;
    while (index < end && isLetter(text.charCodeAt(index))) index++;
    if (index > letters && text.charCodeAt(index) === 62) {
      index++;
      while (index < end && isClosing(text.charCodeAt(index))) index++;
      return index === end;
    }
  }
  return false;
}

/** Bare punctuation that prose uses between words: `- -- --- ... — – & / : + * • · , ; ? !`. */
function isProsePunctuation(text: string, start: number, end: number): boolean {
  const length = end - start;
  const first = text.charCodeAt(start);
  if (length === 1) {
    return first === 45 || first === 0x2014 || first === 0x2013 || first === 38 || first === 47 || first === 58 || first === 43 ||
      first === 42 || first === 0x2022 || first === 0xb7 || first === 44 || first === 59 || first === 63 || first === 33;
  }
  if (length <= 3 && (first === 45 || first === 46)) {
    for (let index = start + 1; index < end; index++) if (text.charCodeAt(index) !== first) return false;
    return first === 45 || length === 3;
  }
  return false;
}

/** Oddity of a token that is not a plain word: symbols (at most 3), glued or run-on capitals, punctuation inside it. */
function tokenOddity(text: string, start: number, end: number, lineStart: boolean): number {
  let symbols = 0;
  let glued = 0;
  let runOn = 0;
  let inner = 0;
  let alphanumeric = false;
  let uppers = 0;
  let previous = 0;
  // Start of the current run of punctuation that follows a letter, -1 when none.
  let runStart = -1;
  for (let index = start; index < end; index++) {
    const code = text.charCodeAt(index);
    if (code === 92 && index + 1 < end && isEscapable(text.charCodeAt(index + 1))) {
      index++;
      previous = 0;
      runStart = -1;
      continue;
    }
    if (isSymbol(code)) symbols++;
    if (isLetter(code) || isDigit(code)) alphanumeric = true;
    if (isUpper(code)) {
      if (isLower(previous)) glued = 2;
      uppers++;
    } else if (isLower(code)) {
      // Two or more capitals run into lower case ("MARdown"), but not a plural ("URLs").
      if (uppers >= 2 && isLower(text.charCodeAt(index + 1)) && runOn === 0) runOn = 2;
      uppers = 0;
    } else uppers = 0;
    if (isLetter(code)) {
      if (runStart !== -1) {
        const length = index - runStart;
        const single = text.charCodeAt(runStart);
        if (length >= 2 || !(single === 39 || single === 0x2019 || single === 46 || single === 47 || single === 45)) inner = 1;
      }
      runStart = -1;
    } else if (!isWordCode(code) && runStart === -1 && isLetter(previous)) runStart = index;
    else if (isWordCode(code)) runStart = -1;
    previous = code;
  }
  let oddity = Math.min(symbols, 3) + glued + runOn + inner;
  if (!alphanumeric && !lineStart && !isProsePunctuation(text, start, end)) oddity++;
  return oddity;
}

/** Per token of a line: plain (1/0), odd (1/0), oddity, and bracket and quote balance. */
interface LineTokens {
  count: number;
  starts: number[];
  ends: number[];
  plain: number[];
  odd: number[];
  oddity: number[];
  round: number[];
  square: number[];
  curly: number[];
  backticks: number[];
  quotes: number[];
}

function readTokens(text: string, from: number, to: number): LineTokens {
  const tokens: LineTokens = { count: 0, starts: [], ends: [], plain: [], odd: [], oddity: [], round: [], square: [], curly: [], backticks: [], quotes: [] };
  let index = from;
  while (index < to) {
    while (index < to && isBlank(text.charCodeAt(index))) index++;
    if (index === to) break;
    const start = index;
    let round = 0;
    let square = 0;
    let curly = 0;
    let backticks = 0;
    let quotes = 0;
    for (; index < to; index++) {
      const code = text.charCodeAt(index);
      if (isBlank(code)) break;
      if (code === 40) round++;
      else if (code === 41) round--;
      else if (code === 91) square++;
      else if (code === 93) square--;
      else if (code === 123) curly++;
      else if (code === 125) curly--;
      else if (code === 96) backticks++;
      else if (code === 34) quotes++;
    }
    const plain = isPlain(text, start, index);
    const neutral = !plain && isNeutral(text, start, index);
    tokens.starts.push(start);
    tokens.ends.push(index);
    tokens.plain.push(plain ? 1 : 0);
    tokens.odd.push(plain || neutral ? 0 : 1);
    tokens.oddity.push(plain || neutral ? 0 : tokenOddity(text, start, index, tokens.count === 0));
    tokens.round.push(round);
    tokens.square.push(square);
    tokens.curly.push(curly);
    tokens.backticks.push(backticks);
    tokens.quotes.push(quotes);
    tokens.count++;
  }
  return tokens;
}

/** Whether the line opens with `minimumPlainHead` plain words: read word by word, stopping at the first that is not. */
function opensWithSentence(text: string, from: number, to: number): boolean {
  let index = from;
  for (let words = 0; words < minimumPlainHead; words++) {
    while (index < to && isBlank(text.charCodeAt(index))) index++;
    const start = index;
    while (index < to && !isBlank(text.charCodeAt(index))) index++;
    if (index === start || !isPlain(text, start, index)) return false;
  }
  return true;
}

/** Symbols, brackets, quotes, angle brackets and glued capitals on the line: fewer than three cannot reach the score. */
function hasOddCharacters(text: string, from: number, to: number): boolean {
  let count = 0;
  let previous = 0;
  for (let index = from; index < to; index++) {
    const code = text.charCodeAt(index);
    if (isSymbol(code) || code === 40 || code === 41 || code === 34 || code === 60 || code === 62 || (isUpper(code) && isLower(previous))) {
      if (++count >= 3) return true;
    }
    previous = code;
  }
  return false;
}

export function findWordSalad(text: string): SuffixSpan | undefined {
  for (let lineStart = 0; lineStart < text.length; ) {
    let lineEnd = text.indexOf('\n', lineStart);
    if (lineEnd === -1) lineEnd = text.length;
    const from = lineStart;
    lineStart = lineEnd + 1;
    if (lineEnd - from < 30 || !opensWithSentence(text, from, lineEnd) || !hasOddCharacters(text, from, lineEnd)) continue;
    const span = scanLine(readTokens(text, from, lineEnd));
    if (span !== undefined) return span;
  }
  return undefined;
}

/** Slides the window over the line's tokens with running sums. */
function scanLine(tokens: LineTokens): SuffixSpan | undefined {
  const columns = [tokens.plain, tokens.odd, tokens.oddity, ...bracketColumns(tokens)];
  const last = findWindow(tokens.count, windowSize, 8, columns, (sums) => sums[0]! >= 4 && sums[1]! + sums[2]! + 2 * unpairedIn(sums, 3) >= minimumScore);
  return last < 0 ? undefined : { start: tokens.starts[Math.max(0, last - windowSize + 1)]!, end: tokens.ends[last]! };
}
