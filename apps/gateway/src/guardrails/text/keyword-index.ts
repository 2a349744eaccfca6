import { isObfuscationCharacter } from './normalize.js';

/**
 * One pass over a text finds every registered keyword (Aho–Corasick over ASCII folded to lower case), so the
 * detectors can skip their patterns when the words those patterns need are absent. Regular expressions with large
 * alternations cost tens of microseconds per 4 KB each in V8; this automaton reads a character in a few nanoseconds
 * whatever the number of keywords. Detectors register keywords when their module loads; the automaton is built on the
 * first scan. The last scanned text is cached, so the detectors of one request share one pass.
 */

/** Characters a keyword may use; upper case folds to lower case and tabs and newlines to spaces. */
const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789 .-_\'"/:@$!|*#<>[]{}()=+,;?&%~^`\\';
const allowed = new Uint8Array(128);
for (const character of alphabet) allowed[character.charCodeAt(0)] = 1;
const fold = (code: number): number => (code >= 65 && code <= 90 ? code + 32 : code === 9 || code === 10 || code === 13 ? 32 : code);
/**
 * Characters fold to classes: one per character some keyword uses, and class 0 for everything else, so the table
 * stays small enough for the cache (a few hundred kilobytes).
 */
const classOf = new Uint8Array(128);
let classCount = 1;

const keywords: string[] = [];
const keywordIds = new Map<string, number>();
/** Keywords whose occurrences (not just presence) are reported. */
const positional: boolean[] = [];
let automaton: Automaton | undefined;

interface Automaton {
  transitions: Int32Array;
  /** Keyword ids ending at state `s` are `outputIds[outputStarts[s] .. outputStarts[s + 1])`. */
  outputStarts: Int32Array;
  outputIds: Int32Array;
  positional: Uint8Array;
}

/**
 * Registers a keyword (matched anywhere, case-insensitively, ASCII only) and returns its id. With `positions`, every
 * occurrence's end offset is recorded in the profile too.
 */
export function registerKeyword(keyword: string, options: { positions?: boolean } = {}): number {
  const normalized = keyword.toLowerCase();
  if ([...normalized].some((character) => character.charCodeAt(0) >= 128 || allowed[character.charCodeAt(0)] === 0)) {
    throw new Error(`keyword must use letters, digits, spaces and common punctuation: ${keyword}`);
  }
  let id = keywordIds.get(normalized);
  if (id === undefined) {
    id = keywords.length;
    keywords.push(normalized);
    keywordIds.set(normalized, id);
    positional.push(false);
  }
  if (options.positions === true && positional[id] !== true) positional[id] = true;
  automaton = undefined;
  cache.length = 0;
  return id;
}

function assignClasses(): void {
  classOf.fill(0);
  classCount = 1;
  for (const keyword of keywords) {
    for (const character of keyword) {
      const code = character.charCodeAt(0);
      if (classOf[code] === 0) classOf[code] = classCount++;
    }
  }
  for (let code = 0; code < 128; code++) classOf[code] = classOf[fold(code)]!;
  for (let code = 0; code < 128; code++) packed[code] = classOf[code]! | (traits[code]! << 7);
}

function build(): Automaton {
  assignClasses();
  const goto: number[][] = [new Array<number>(classCount).fill(-1)];
  const own: number[][] = [[]];
  keywords.forEach((keyword, id) => {
    let state = 0;
    for (const character of keyword) {
      const symbol = classOf[character.charCodeAt(0)]!;
      let next = goto[state]![symbol]!;
      if (next === -1) {
        next = goto.length;
        goto.push(new Array<number>(classCount).fill(-1));
        own.push([]);
        goto[state]![symbol] = next;
      }
      state = next;
    }
    own[state]!.push(id);
  });
  const fail = new Int32Array(goto.length);
  const transitions = new Int32Array(goto.length * classCount);
  const collected: number[][] = own.map((ids) => [...ids]);
  const queue: number[] = [];
  for (let symbol = 0; symbol < classCount; symbol++) {
    const next = goto[0]![symbol]!;
    transitions[symbol] = next === -1 ? 0 : next;
    if (next !== -1) queue.push(next);
  }
  for (let head = 0; head < queue.length; head++) {
    const state = queue[head]!;
    collected[state]!.push(...collected[fail[state]!]!);
    for (let symbol = 0; symbol < classCount; symbol++) {
      const next = goto[state]![symbol]!;
      const fallback = transitions[fail[state]! * classCount + symbol]!;
      if (next === -1) transitions[state * classCount + symbol] = fallback;
      else {
        transitions[state * classCount + symbol] = next;
        fail[next] = fallback;
        queue.push(next);
      }
    }
  }
  // Each transition carries, in its lowest bit, whether the target state ends a keyword: one load per character.
  for (let index = 0; index < transitions.length; index++) {
    const target = transitions[index]!;
    transitions[index] = (target << 1) | (collected[target]!.length > 0 ? 1 : 0);
  }
  const outputStarts = new Int32Array(goto.length + 1);
  for (let state = 0; state < goto.length; state++) outputStarts[state + 1] = outputStarts[state]! + collected[state]!.length;
  const outputIds = new Int32Array(outputStarts[goto.length]!);
  for (let state = 0; state < goto.length; state++) outputIds.set(collected[state]!, outputStarts[state]!);
  return { transitions, outputStarts, outputIds, positional: Uint8Array.from(positional, (flag) => (flag ? 1 : 0)) };
}

/** What one pass learned about a text. Self-contained: profiling another text does not change it. */
export interface TextProfile {
  /** Whether a registered keyword occurs. */
  has(id: number): boolean;
  /** Whether any of the keywords occurs. */
  hasAny(ids: readonly number[]): boolean;
  /** Occurrences of positional keywords, in text order: keyword id and end offset (exclusive). */
  matchIds: readonly number[];
  matchEnds: readonly number[];
  /** A character outside ASCII occurs. */
  nonAscii: boolean;
  /** A letter of a non-Latin script (Greek, Cyrillic, Arabic, Devanagari, CJK, Hangul…) occurs. */
  nonLatin: boolean;
  colons: number;
  /** Colons right after a hexadecimal digit ("fe80:", "db8:"): IPv6 groups, MAC addresses, times. */
  hexColons: number;
  /** Longest run of hexadecimal digits. */
  longestHexRun: number;
  digits: number;
  /** Longest run of letters, digits and `+/_-` (keys, tokens). */
  longestTokenRun: number;
  /** Longest run of the base64 alphabet (letters, digits, `+/`). */
  longestBase64Run: number;
  /** Characters prose rarely has: `{ } [ ] \ ^ \` ~`. */
  rareSymbols: number;
  /** A lower-case letter directly followed by a capital ("structTERJs"). */
  gluedCapitals: number;
  /**
   * Signs of obfuscation the normaliser can undo: invisible or look-alike characters, a digit or symbol between two
   * letters ("h3llo", "b!tch"), four single letters in a row separated by spaces or dots ("i g n o r e").
   */
  obfuscated: boolean;
}

// Per ASCII code, the automaton class in the low 7 bits and traits above: 1 digit, 2 token character (letters, digits,
// + / _ -), 4 rare symbol, 8 lower case, 16 upper case, 32 letter or leet character, 64 leet character, 128 _ or -.
const traits = new Uint8Array(128);
for (let code = 48; code <= 57; code++) traits[code] = 1 | 2;
for (let code = 97; code <= 122; code++) traits[code] = 2 | 8 | 32;
for (let code = 65; code <= 90; code++) traits[code] = 2 | 16 | 32;
for (const character of '+/') traits[character.charCodeAt(0)] = 2;
for (const character of '_-') traits[character.charCodeAt(0)] = 2 | 128;
for (const character of '{}[]\\^`~') traits[character.charCodeAt(0)] = 4;
// Leet inside lower-case words only: "h4ck", "p4ssw0rd"; "|" and "!" are too common as separators to count.
for (const character of '0134578$') traits[character.charCodeAt(0)] = traits[character.charCodeAt(0)]! | 32 | 64;
const packed = new Uint16Array(128);

const isSpacer = (code: number): boolean => code === 32 || code === 46 || code === 95 || code === 45 || code === 42 || code === 47 || code === 92;

// The detectors of one request, and the views of one text (de-obfuscated, decoded), share their passes.
const cache: Array<{ text: string; profile: TextProfile }> = [];
const cacheSize = 8;

export function profileText(text: string): TextProfile {
  for (const entry of cache) if (entry.text === text) return entry.profile;
  automaton ??= build();
  const { transitions, outputStarts, outputIds, positional: isPositional } = automaton;
  const classes = classCount;
  const table = packed;
  const hits = new Uint8Array(keywords.length);
  const matchIds: number[] = [];
  const matchEnds: number[] = [];
  let state = 0;
  let nonAscii = false;
  let nonLatin = false;
  let colons = 0;
  let hexColons = 0;
  let hexRun = 0;
  let longestHexRun = 0;
  let digits = 0;
  let run = 0;
  let longestTokenRun = 0;
  let base64Run = 0;
  let longestBase64Run = 0;
  let rareSymbols = 0;
  let gluedCapitals = 0;
  let previousTraits = 0;
  let obfuscated = false;
  let beforePreviousLetter = false;
  let previousLeet = false;
  let lastSingleLetter = -10;
  let singleLetters = 0;
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index);
    let info = 0;
    if (code < 128) info = table[code]!;
    else {
      nonAscii = true;
      if (code >= 0x370 && !(code >= 0x1e00 && code <= 0x1eff) && !(code >= 0x2000 && code <= 0x2bff)) nonLatin = true;
      if (!obfuscated && isObfuscationCharacter(code)) obfuscated = true;
    }
    if (code === 58) {
      colons++;
      if (hexRun > 0) hexColons++;
    }
    if ((code >= 48 && code <= 57) || ((code | 32) >= 97 && (code | 32) <= 102)) {
      if (++hexRun > longestHexRun) longestHexRun = hexRun;
    } else hexRun = 0;
    const next = transitions[state * classes + (info & 127)]!;
    state = next >> 1;
    if ((next & 1) !== 0) {
      const to = outputStarts[state + 1]!;
      for (let position = outputStarts[state]!; position < to; position++) {
        const id = outputIds[position]!;
        hits[id] = 1;
        if (isPositional[id] === 1) {
          matchIds.push(id);
          matchEnds.push(index + 1);
        }
      }
    }
    const trait = info >> 7;
    if ((trait & 2) !== 0) {
      if (++run > longestTokenRun) longestTokenRun = run;
      if ((trait & 128) !== 0) base64Run = 0;
      else if (++base64Run > longestBase64Run) longestBase64Run = base64Run;
      if ((trait & 1) !== 0) digits++;
      else if ((trait & 16) !== 0 && (previousTraits & 8) !== 0) gluedCapitals++;
    } else {
      run = 0;
      base64Run = 0;
      if ((trait & 4) !== 0) rareSymbols++;
    }
    if (!obfuscated && (trait & 32) !== 0) {
      // "h3llo": letter, leet character, letter.
      if ((trait & 8) !== 0 && previousLeet && beforePreviousLetter) obfuscated = true;
      // "i g n o r e": a letter standing alone, one or two separators after the previous lone letter, four times.
      else if ((trait & 24) !== 0 && (previousTraits & 24) === 0) {
        const after = index + 1 < text.length ? text.charCodeAt(index + 1) : 32;
        const alone = !((after | 32) >= 97 && (after | 32) <= 122);
        if (alone && index - lastSingleLetter >= 2 && index - lastSingleLetter <= 3 && isSpacer(text.charCodeAt(index - 1))) singleLetters++;
        else singleLetters = alone ? 1 : 0;
        if (alone) lastSingleLetter = index;
        if (singleLetters >= 4) obfuscated = true;
      }
    }
    beforePreviousLetter = (previousTraits & 8) !== 0;
    previousLeet = (trait & 64) !== 0;
    previousTraits = trait;
  }
  const profile: TextProfile = {
    has: (id) => hits[id] === 1,
    hasAny: (list) => {
      for (const id of list) if (hits[id] === 1) return true;
      return false;
    },
    matchIds,
    matchEnds,
    nonAscii,
    nonLatin,
    colons,
    hexColons,
    longestHexRun,
    digits,
    longestTokenRun,
    longestBase64Run,
    rareSymbols,
    gluedCapitals,
    obfuscated,
  };
  cache.unshift({ text, profile });
  if (cache.length > cacheSize) cache.pop();
  return profile;
}

