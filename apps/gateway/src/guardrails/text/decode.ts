/**
 * Encoded payloads: base64, hex, percent-encoding, ROT13 and reversed text are decoded so the decoded text can be
 * scanned again. A decoded span is kept only when it reads as text (printable, with spaces and letters), which is what
 * an instruction smuggled in an encoding looks like; random keys and hashes decode to bytes and are dropped.
 */
export interface DecodedPayload {
  encoding: 'base64' | 'hex' | 'percent' | 'rot13' | 'reversed';
  /** The decoded text. */
  text: string;
  /** Span of the encoded form in the scanned text. */
  start: number;
  end: number;
}

import { profileText, registerKeyword } from './keyword-index.js';

// Unbounded on purpose: with an upper bound, a run longer than the bound fails the look-ahead and every later start
// position backtracks through the bound again (quadratic); the sample check below keeps long tokens cheap.
const base64Token = /(?<![A-Za-z0-9+/_-])(?:[A-Za-z0-9+/]{4}){4,}(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?(?![A-Za-z0-9+/=_-])/g;
const hexToken = /(?<![0-9A-Fa-f])(?:(?:0x|\\x)?[0-9A-Fa-f]{2}[ :,]?){8,}(?![0-9A-Fa-f])/g;
const percentToken = /(?:%[0-9A-Fa-f]{2}[A-Za-z0-9._~-]{0,3}){6,}/g;
// ROT13 of the commonest English words ("the", "and", "you", "ignore", "instructions", "password", "with", "this").
const rot13Words = ['gur ', ' naq ', ' lbh', 'vtaber', 'vafgehpgvbaf', 'cnffjbeq', 'frperg', 'cebzcg', 'jvgu ', 'guvf ', 'gung ', ' sbe ', ' nyy '].map((word) =>
  registerKeyword(word),
);
const encodingWords = ['rot13', 'rot-13', 'caesar', 'cipher'].map((word) => registerKeyword(word));
const reversalWords = ['revers', 'backward'].map((word) => registerKeyword(word));
const hexWords = ['hex', '0x', '\\x'].map((word) => registerKeyword(word));

const base64AtStart = new RegExp(base64Token.source, 'y');
const isBase64Character = (code: number): boolean =>
  (code >= 65 && code <= 90) || (code >= 97 && code <= 122) || (code >= 48 && code <= 57) || code === 43 || code === 47;

/**
 * The matches of `base64Token`, as a scan of the whole text would find them. The look-behind puts a match at the start
 * of a run of the base64 alphabet at least 16 long, and the profile lists those: each is tried at its start only, on a
 * slice that holds the run, its padding and the character after.
 */
function base64Tokens(text: string, runStarts: readonly number[]): RegExpExecArray[] {
  const matches: RegExpExecArray[] = [];
  for (const start of runStarts) {
    let end = start;
    while (end < text.length && isBase64Character(text.charCodeAt(end))) end++;
    const sliceStart = Math.max(0, start - 1);
    base64AtStart.lastIndex = start - sliceStart;
    const match = base64AtStart.exec(text.slice(sliceStart, Math.min(text.length, end + 3)));
    if (match === null) continue;
    match.index += sliceStart;
    matches.push(match);
  }
  return matches;
}

/** Printable text with words: most characters printable, some spaces, mostly letters. */
export function readsAsText(value: string): boolean {
  if (value.length < 8) return false;
  let printable = 0;
  let letters = 0;
  let spaces = 0;
  for (let index = 0; index < value.length; index++) {
    const code = value.charCodeAt(index);
    if (code === 32) spaces++;
    if ((code >= 32 && code < 127) || code === 10 || code === 13 || code === 9 || code >= 160) printable++;
    if ((code >= 65 && code <= 90) || (code >= 97 && code <= 122) || code >= 160) letters++;
  }
  return printable / value.length >= 0.95 && letters / value.length >= 0.55 && spaces >= 1;
}

export function rot13(value: string): string {
  return value.replace(/[A-Za-z]/g, (character) => {
    const base = character <= 'Z' ? 65 : 97;
    return String.fromCharCode(((character.charCodeAt(0) - base + 13) % 26) + base);
  });
}

function decodeHex(value: string): string {
  const digits = value.replace(/0x|\\x|[ :,]/g, '');
  return digits.length % 2 === 0 ? Buffer.from(digits, 'hex').toString('utf8') : '';
}

function decodePercent(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    // Malformed escapes (a lone "%E2") are not an encoded message; nothing to rescan.
    return '';
  }
}

const isHexDigit = (code: number): boolean => (code >= 48 && code <= 57) || ((code | 32) >= 97 && (code | 32) <= 102);
const isUnreserved = (code: number): boolean =>
  (code >= 48 && code <= 57) || ((code | 32) >= 97 && (code | 32) <= 122) || code === 46 || code === 95 || code === 126 || code === 45;
const isEscape = (text: string, at: number): boolean =>
  text.charCodeAt(at) === 37 && isHexDigit(text.charCodeAt(at + 1)) && isHexDigit(text.charCodeAt(at + 2));

/** `/%[0-9A-Fa-f]{2}[A-Za-z0-9._~-]{0,3}%[0-9A-Fa-f]{2}/.test(text)`, from the "%" signs only: most texts have few. */
export function hasPercentPair(text: string): boolean {
  for (let at = text.indexOf('%'); at !== -1; at = text.indexOf('%', at + 1)) {
    if (!isEscape(text, at)) continue;
    for (let gap = 0; gap <= 3; gap++) {
      const next = at + 3 + gap;
      if (isEscape(text, next)) return true;
      if (!isUnreserved(text.charCodeAt(next))) break;
    }
  }
  return false;
}

/**
 * Whether 16 hex digits follow each other somewhere. Hex digits are base64 characters, so such a run lies in one of
 * the base64 runs of 16 or more the profile lists: only those are read.
 */
function hasLongHexRun(text: string, base64RunStarts: readonly number[]): boolean {
  for (const start of base64RunStarts) {
    let run = 0;
    for (let index = start; index < text.length && isBase64Character(text.charCodeAt(index)); index++) {
      run = isHexDigit(text.charCodeAt(index)) ? run + 1 : 0;
      if (run >= 16) return true;
    }
  }
  return false;
}

/** Every encoded span in the text that decodes to readable text. */
export function findEncodedPayloads(text: string): DecodedPayload[] {
  const payloads: DecodedPayload[] = [];
  const profile = profileText(text);
  if (profile.longestBase64Run >= 16) {
    for (const match of base64Tokens(text, profile.base64RunStarts)) {
      // An encoded instruction reads as text from its first bytes: decode a sample before decoding it all.
      if (match[0].length > 96 && !readsAsText(Buffer.from(match[0].slice(0, 96), 'base64').toString('utf8'))) continue;
      const decoded = Buffer.from(match[0], 'base64').toString('utf8');
      if (readsAsText(decoded)) payloads.push({ encoding: 'base64', text: decoded, start: match.index, end: match.index + match[0].length });
    }
  }
  // Hex written with separators ("49 67 6e") has no long token; it is decoded when hex is mentioned.
  if (profile.hasAny(hexWords) || hasLongHexRun(text, profile.base64RunStarts)) {
    for (const match of text.matchAll(hexToken)) {
      if (match[0].length > 96 && !readsAsText(decodeHex(match[0].slice(0, 96).replace(/[^0-9A-Fa-f]*$/, '').replace(/^(.*?)((?:0x|\\x)?[0-9A-Fa-f])$/, '$1')))) continue;
      const decoded = decodeHex(match[0]);
      if (readsAsText(decoded)) payloads.push({ encoding: 'hex', text: decoded, start: match.index, end: match.index + match[0].length });
    }
  }
  if (hasPercentPair(text)) {
    for (const match of text.matchAll(percentToken)) {
      const decoded = decodePercent(match[0]);
      if (readsAsText(decoded)) payloads.push({ encoding: 'percent', text: decoded, start: match.index, end: match.index + match[0].length });
    }
  }
  const rot13Hits = rot13Words.filter((id) => profile.has(id)).length;
  const named = profile.hasAny(encodingWords);
  if (rot13Hits >= 3 || (named && rot13Hits >= 1)) payloads.push({ encoding: 'rot13', text: rot13(text), start: 0, end: text.length });
  if (profile.hasAny(reversalWords)) {
    payloads.push({ encoding: 'reversed', text: [...text].reverse().join(''), start: 0, end: text.length });
  }
  return payloads;
}
