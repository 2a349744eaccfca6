import { isObfuscationCharacter } from './normalize.js';

/**
 * One pass over a text finds every occurrence of every registered keyword (Aho–Corasick over ASCII folded to lower
 * case), so the detectors can skip their patterns when the words those patterns need are absent, and run them only
 * around the words when present (anchored-search.ts). Regular expressions with large alternations cost tens of
 * microseconds per 4 KB each in V8; this automaton reads a character in a few nanoseconds whatever the number of
 * keywords. The same pass gathers the statistics the detectors gate on (digits, token runs, rare symbols, signs of
 * obfuscation). Detectors register keywords when their module loads; the automaton is built on the first scan. The last
 * scanned texts are cached, so the detectors of one request share one pass.
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
/** Keywords whose occurrences are also listed in text order (`matchIds`, `matchEnds`). */
const positional: boolean[] = [];
let automaton: Automaton | undefined;

interface Automaton {
  /**
   * `transitions[state + class]`, where a state is its number times the class count (one add per character, no
   * multiply): the target state, shifted left once, with the lowest bit set when the target ends a keyword. States are
   * numbered breadth first, so the shallow states most text stays in share cache lines.
   */
  transitions: Int32Array;
  classes: number;
  /** Keyword ids ending at state number `s` are `outputIds[outputStarts[s] .. outputStarts[s + 1])`. */
  outputStarts: Int32Array;
  outputIds: Int32Array;
  positional: Uint8Array;
}

/**
 * Registers a keyword (matched anywhere, case-insensitively, ASCII only) and returns its id. Every occurrence's end
 * offset is recorded in the profile (see `occurrencesOf`); with `positions`, the keyword is also listed in text order.
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

/** Length of a registered keyword, in characters. */
export function keywordLength(id: number): number {
  return keywords[id]?.length ?? 0;
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
  const targets = new Int32Array(goto.length * classCount);
  const collected: number[][] = own.map((ids) => [...ids]);
  // Breadth-first order: the queue lists the states as they will be numbered.
  const queue: number[] = [0];
  for (let symbol = 0; symbol < classCount; symbol++) {
    const next = goto[0]![symbol]!;
    targets[symbol] = next === -1 ? 0 : next;
    if (next !== -1) queue.push(next);
  }
  for (let head = 1; head < queue.length; head++) {
    const state = queue[head]!;
    collected[state]!.push(...collected[fail[state]!]!);
    for (let symbol = 0; symbol < classCount; symbol++) {
      const next = goto[state]![symbol]!;
      const fallback = targets[fail[state]! * classCount + symbol]!;
      if (next === -1) targets[state * classCount + symbol] = fallback;
      else {
        targets[state * classCount + symbol] = next;
        fail[next] = fallback;
        queue.push(next);
      }
    }
  }
  const number = new Int32Array(goto.length);
  queue.forEach((state, position) => (number[state] = position));
  const transitions = new Int32Array(goto.length * classCount);
  for (let state = 0; state < goto.length; state++) {
    for (let symbol = 0; symbol < classCount; symbol++) {
      const target = targets[state * classCount + symbol]!;
      transitions[number[state]! * classCount + symbol] = ((number[target]! * classCount) << 1) | (collected[target]!.length > 0 ? 1 : 0);
    }
  }
  const outputStarts = new Int32Array(goto.length + 1);
  for (let position = 0; position < queue.length; position++) {
    outputStarts[position + 1] = outputStarts[position]! + collected[queue[position]!]!.length;
  }
  const outputIds = new Int32Array(outputStarts[goto.length]!);
  for (let position = 0; position < queue.length; position++) outputIds.set(collected[queue[position]!]!, outputStarts[position]!);
  return { transitions, classes: classCount, outputStarts, outputIds, positional: Uint8Array.from(positional, (flag) => (flag ? 1 : 0)) };
}

/** What one pass learned about a text. Self-contained: profiling another text does not change it. */
export interface TextProfile {
  /** Whether a registered keyword occurs. */
  has(id: number): boolean;
  /** Whether any of the keywords occurs. */
  hasAny(ids: readonly number[]): boolean;
  /**
   * Every keyword occurrence, chained per keyword from the last one back: `lastOccurrence[id]` is an index into
   * `occurrenceEnds` (the end offset, exclusive) and `previousOccurrence`, -1 when there is none. Only read the chains
   * when `occurrencesListed` is true.
   */
  lastOccurrence: readonly number[];
  previousOccurrence: readonly number[];
  occurrenceEnds: readonly number[];
  /**
   * False when the text has more occurrences than are listed (`maxListedOccurrences`): a text made of one keyword
   * repeated thousands of times. Presence (`has`) stays exact; who needs positions then scans the whole text.
   */
  occurrencesListed: boolean;
  /** Occurrences of positional keywords, in text order: keyword id and end offset (exclusive). */
  matchIds: readonly number[];
  matchEnds: readonly number[];
  /** A character outside ASCII occurs. */
  nonAscii: boolean;
  /** A letter of a non-Latin script (Greek, Cyrillic, Arabic, Devanagari, CJK, Hangul…) occurs. */
  nonLatin: boolean;
  digits: number;
  /** Longest run of letters, digits and `+/_-` (keys, tokens). */
  longestTokenRun: number;
  /** Longest run of the base64 alphabet (letters, digits, `+/`). */
  longestBase64Run: number;
  /** Start offsets of the runs of the base64 alphabet at least 16 long, and of token runs at least 32 long. */
  base64RunStarts: readonly number[];
  tokenRunStarts: readonly number[];
  /** Start offsets of the runs of ASCII digits. */
  digitRunStarts: readonly number[];
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

/** End offsets of every occurrence of the keyword in the profiled text, last first (see `occurrencesListed`). */
export function* occurrencesOf(profile: TextProfile, id: number): Generator<number> {
  for (let occurrence = profile.lastOccurrence[id]!; occurrence !== -1; occurrence = profile.previousOccurrence[occurrence]!) {
    yield profile.occurrenceEnds[occurrence]!;
  }
}

// Per ASCII code, the automaton class in the low 7 bits and traits above: 1 digit, 2 token character (letters, digits,
// + / _ -), 4 rare symbol, 8 lower case, 16 upper case, 32 letter or leet character, 64 leet character, 128 _ or -.
const digitTrait = 1;
const tokenTrait = 2;
const rareTrait = 4;
const lowerTrait = 8;
const upperTrait = 16;
const letterOrLeetTrait = 32;
const leetTrait = 64;
const dashTrait = 128;
const traits = new Uint16Array(128);
for (let code = 48; code <= 57; code++) traits[code] = digitTrait | tokenTrait;
for (let code = 97; code <= 122; code++) traits[code] = tokenTrait | lowerTrait | letterOrLeetTrait;
for (let code = 65; code <= 90; code++) traits[code] = tokenTrait | upperTrait | letterOrLeetTrait;
for (const character of '+/') traits[character.charCodeAt(0)] = tokenTrait;
for (const character of '_-') traits[character.charCodeAt(0)] = tokenTrait | dashTrait;
for (const character of '{}[]\\^`~') traits[character.charCodeAt(0)] = rareTrait;
// Leet inside lower-case words only: "h4ck", "p4ssw0rd"; "|" and "!" are too common as separators to count.
for (const character of '0134578$') traits[character.charCodeAt(0)] = traits[character.charCodeAt(0)]! | letterOrLeetTrait | leetTrait;
const packed = new Uint16Array(128);

const isSpacer = (code: number): boolean => code === 32 || code === 46 || code === 95 || code === 45 || code === 42 || code === 47 || code === 92;

// The detectors of one request, and the views of one text (de-obfuscated, decoded), share their passes.
const cache: Array<{ text: string; profile: TextProfile }> = [];
const cacheSize = 8;

/** Keyword-ending states met during a pass (end offset and state), grown when a text has more. */
let scratchEnds = new Int32Array(1024);
let scratchStates = new Int32Array(1024);

function growScratch(): void {
  const ends = new Int32Array(scratchEnds.length * 2);
  ends.set(scratchEnds);
  scratchEnds = ends;
  const states = new Int32Array(scratchStates.length * 2);
  states.set(scratchStates);
  scratchStates = states;
}

// The loop below is written for V8: one table load per character for the automaton, and the statistics updated with
// masks rather than branches (a mispredicted branch at every word boundary costs more than the arithmetic).
export function profileText(text: string): TextProfile {
  for (const entry of cache) if (entry.text === text) return entry.profile;
  automaton ??= build();
  const { transitions } = automaton;
  const table = packed;
  const length = text.length;
  let ending = 0;
  let state = 0;
  let nonAscii = false;
  let nonLatin = false;
  let digits = 0;
  let run = 0;
  let longestTokenRun = 0;
  let base64Run = 0;
  let longestBase64Run = 0;
  const base64RunStarts: number[] = [];
  const tokenRunStarts: number[] = [];
  const digitRunStarts: number[] = [];
  let rareSymbols = 0;
  let gluedCapitals = 0;
  let previous = 0;
  let beforePrevious = 0;
  let obfuscated = 0;
  let lastSingleLetter = -10;
  let singleLetters = 0;
  for (let index = 0; index < length; index++) {
    const code = text.charCodeAt(index);
    let info = 0;
    if (code < 128) info = table[code]!;
    else {
      nonAscii = true;
      if (code >= 0x370 && !(code >= 0x1e00 && code <= 0x1eff) && !(code >= 0x2000 && code <= 0x2bff)) nonLatin = true;
      if (obfuscated === 0 && isObfuscationCharacter(code)) obfuscated = 1;
    }
    const next = transitions[state + (info & 127)]!;
    state = next >> 1;
    if ((next & 1) !== 0) {
      if (ending === scratchEnds.length) growScratch();
      scratchEnds[ending] = index + 1;
      scratchStates[ending++] = state;
    }
    const trait = info >> 7;
    run = (run + 1) & -((trait >> 1) & 1);
    longestTokenRun = Math.max(longestTokenRun, run);
    if (run === 32) tokenRunStarts.push(index - 31);
    // "_" and "-" are token characters but not base64 ones.
    base64Run = (base64Run + 1) & -((trait >> 1) & ~(trait >> 7) & 1);
    longestBase64Run = Math.max(longestBase64Run, base64Run);
    if (base64Run === 16) base64RunStarts.push(index - 15);
    digits += trait & digitTrait;
    if ((trait & ~previous & digitTrait) !== 0) digitRunStarts.push(index);
    rareSymbols += (trait >> 2) & 1;
    gluedCapitals += (trait >> 4) & (previous >> 3) & 1;
    // "h3llo": lower-case letter, leet character, lower-case letter.
    obfuscated |= (trait >> 3) & (previous >> 6) & (beforePrevious >> 3) & 1;
    // "i g n o r e": four letters standing alone, one or two separators apart. `x | (x >> 1)` has bit 3 set for a
    // letter of either case, so this asks whether the previous character is a letter between two non-letters.
    if ((((previous | (previous >> 1)) & ~(beforePrevious | (beforePrevious >> 1)) & ~(trait | (trait >> 1))) >> 3 & 1) !== 0) {
      const letter = index - 1;
      if (letter - lastSingleLetter >= 2 && letter - lastSingleLetter <= 3 && isSpacer(text.charCodeAt(letter - 1))) {
        if (++singleLetters >= 4) obfuscated = 1;
      } else singleLetters = 1;
      lastSingleLetter = letter;
    }
    beforePrevious = previous;
    previous = trait;
  }
  // The last character has no follower: a letter alone at the end counts too.
  if ((((previous | (previous >> 1)) & ~(beforePrevious | (beforePrevious >> 1))) >> 3 & 1) !== 0) {
    const letter = length - 1;
    if (letter - lastSingleLetter >= 2 && letter - lastSingleLetter <= 3 && isSpacer(text.charCodeAt(letter - 1)) && singleLetters + 1 >= 4) {
      obfuscated = 1;
    }
  }
  return remember(text, new Profile(ending, {
    nonAscii,
    nonLatin,
    digits,
    longestTokenRun,
    longestBase64Run,
    base64RunStarts,
    tokenRunStarts,
    digitRunStarts,
    rareSymbols,
    gluedCapitals,
    obfuscated: obfuscated !== 0,
  }));
}

interface Statistics {
  nonAscii: boolean;
  nonLatin: boolean;
  digits: number;
  longestTokenRun: number;
  longestBase64Run: number;
  base64RunStarts: number[];
  tokenRunStarts: number[];
  digitRunStarts: number[];
  rareSymbols: number;
  gluedCapitals: number;
  obfuscated: boolean;
}

/**
 * Occurrences listed per text. A 4 KB prompt has a few hundred; past this many, windows around them would cover the
 * text anyway, and listing every one of a keyword repeated through a 50 KB text costs milliseconds.
 */
const maxListedOccurrences = 4096;
/** `lastOccurrence` of a keyword present in a text whose occurrences are not listed. */
const unlisted = -2;

// Plain arrays rather than typed arrays: V8 allocates a typed array of more than 64 bytes outside the heap, which costs
// more than the whole pass over a short text.
class Profile implements TextProfile {
  readonly lastOccurrence: number[] = new Array<number>(keywords.length).fill(-1);
  occurrencesListed = true;
  readonly previousOccurrence: number[] = [];
  readonly occurrenceEnds: number[] = [];
  readonly matchIds: number[] = [];
  readonly matchEnds: number[] = [];
  readonly nonAscii: boolean;
  readonly nonLatin: boolean;
  readonly digits: number;
  readonly longestTokenRun: number;
  readonly longestBase64Run: number;
  readonly base64RunStarts: number[];
  readonly tokenRunStarts: number[];
  readonly digitRunStarts: number[];
  readonly rareSymbols: number;
  readonly gluedCapitals: number;
  readonly obfuscated: boolean;

  /** Expands the keyword-ending states met in the pass (`scratchEnds`, `scratchStates`) into every keyword's occurrences. */
  constructor(ending: number, statistics: Statistics) {
    this.nonAscii = statistics.nonAscii;
    this.nonLatin = statistics.nonLatin;
    this.digits = statistics.digits;
    this.longestTokenRun = statistics.longestTokenRun;
    this.longestBase64Run = statistics.longestBase64Run;
    this.base64RunStarts = statistics.base64RunStarts;
    this.tokenRunStarts = statistics.tokenRunStarts;
    this.digitRunStarts = statistics.digitRunStarts;
    this.rareSymbols = statistics.rareSymbols;
    this.gluedCapitals = statistics.gluedCapitals;
    this.obfuscated = statistics.obfuscated;
    const { outputStarts, outputIds, classes, positional: isPositional } = automaton!;
    let occurrence = 0;
    for (let position = 0; position < ending; position++) {
      const number = scratchStates[position]! / classes;
      const end = scratchEnds[position]!;
      for (let output = outputStarts[number]!; output < outputStarts[number + 1]!; output++) {
        const id = outputIds[output]!;
        if (occurrence === maxListedOccurrences && this.occurrencesListed) this.unlist();
        if (this.occurrencesListed) {
          this.occurrenceEnds.push(end);
          this.previousOccurrence.push(this.lastOccurrence[id]!);
          this.lastOccurrence[id] = occurrence++;
        } else if (this.lastOccurrence[id] === -1) this.lastOccurrence[id] = unlisted;
        if (isPositional[id] === 1) {
          this.matchIds.push(id);
          this.matchEnds.push(end);
        }
      }
    }
  }

  /** Keeps presence only: every keyword seen so far is marked present with no chain. */
  private unlist(): void {
    this.occurrencesListed = false;
    for (let id = 0; id < this.lastOccurrence.length; id++) if (this.lastOccurrence[id] !== -1) this.lastOccurrence[id] = unlisted;
    this.occurrenceEnds.length = 0;
    this.previousOccurrence.length = 0;
  }

  has(id: number): boolean {
    return this.lastOccurrence[id] !== -1;
  }

  hasAny(ids: readonly number[]): boolean {
    for (const id of ids) if (this.lastOccurrence[id] !== -1) return true;
    return false;
  }
}

function remember(text: string, profile: TextProfile): TextProfile {
  cache.unshift({ text, profile });
  if (cache.length > cacheSize) cache.pop();
  return profile;
}
