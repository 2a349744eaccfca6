/**
 * Undoes the cheap obfuscations used to slip instructions past pattern checks: look-alike letters from other scripts
 * (Cyrillic "і", Greek "ο", full-width "ｉ"), invisible characters, leetspeak inside words ("1gn0r3") and letters
 * spaced out ("i g n o r e"). The result keeps a map back to the original offsets so findings still point at the
 * original text.
 */
export interface NormalizedView {
  text: string;
  /** `offsets[i]` is the offset in the original text of normalised character `i`; one extra entry for the end. */
  offsets: Int32Array;
}

// Confusable letters (Unicode confusables.txt, the ones seen in attacks) folded to ASCII.
const confusableText: Record<string, string> = {
  а: 'a', в: 'b', е: 'e', ё: 'e', к: 'k', м: 'm', н: 'h', о: 'o', р: 'p', с: 'c', т: 't', у: 'y', х: 'x', і: 'i',
  ї: 'i', ј: 'j', ѕ: 's', ԁ: 'd', ԛ: 'q', ԝ: 'w', ɡ: 'g', А: 'A', В: 'B', Е: 'E', К: 'K', М: 'M', Н: 'H', О: 'O',
  Р: 'P', С: 'C', Т: 'T', Х: 'X', І: 'I', Ј: 'J', Ѕ: 'S', α: 'a', ο: 'o', ε: 'e', ι: 'i', κ: 'k', ν: 'v', ρ: 'p',
  τ: 't', υ: 'u', χ: 'x', Α: 'A', Β: 'B', Ε: 'E', Ζ: 'Z', Η: 'H', Ι: 'I', Κ: 'K', Μ: 'M', Ν: 'N', Ο: 'O', Ρ: 'P',
  Τ: 'T', Υ: 'Y', Χ: 'X', ı: 'i', ℓ: 'l', 'ǀ': 'l',
};
const confusables = new Map<number, number>(Object.entries(confusableText).map(([from, to]) => [from.charCodeAt(0), to.charCodeAt(0)]));
/** ASCII leet characters and the letters they stand for (0 where none). */
const leet = new Uint8Array(128);
for (const [from, to] of Object.entries({ '0': 'o', '1': 'i', '3': 'e', '4': 'a', '5': 's', '7': 't', '8': 'b', '@': 'a', $: 's', '!': 'i', '|': 'l' })) {
  leet[from.charCodeAt(0)] = to.charCodeAt(0);
}
const leetOf = (code: number): number => (code < 128 ? leet[code]! : 0);
const utf16 = new TextDecoder('utf-16le');

/** ASCII letter an astral compatibility character folds to under NFKC (0 if none), computed once per code point. */
const astralFolds = new Map<number, number>();
function foldAstral(codePoint: number): number {
  let folded = astralFolds.get(codePoint);
  if (folded === undefined) {
    const compatible = String.fromCodePoint(codePoint).normalize('NFKC');
    folded = compatible.length === 1 && compatible.charCodeAt(0) < 0x80 ? compatible.charCodeAt(0) : 0;
    if (astralFolds.size < 4096) astralFolds.set(codePoint, folded);
  }
  return folded;
}

const isInvisible = (code: number): boolean =>
  code === 0xad || code === 0x34f || code === 0x61c || code === 0x115f || code === 0x1160 || code === 0x17b4 || code === 0x17b5 ||
  code === 0x180e || (code >= 0x200b && code <= 0x200f) || (code >= 0x202a && code <= 0x202e) || (code >= 0x2060 && code <= 0x206f) ||
  code === 0xfeff;
const isCombiningMark = (code: number): boolean => code >= 0x300 && code <= 0x36f;
const isLetter = (code: number): boolean => (code | 32) >= 97 && (code | 32) <= 122;

/** Whether a non-ASCII character is one the normaliser removes or folds. */
export function isObfuscationCharacter(code: number): boolean {
  return code === 0xd835 || (code < 0x10000 && bmpFolds[code] !== 0);
}

/** Folds confusables, drops invisible characters and combining marks, de-leets words and joins spaced-out letters. */
/**
 * What happens to each BMP character, decided once: 0 keep, 1 drop (invisible or combining mark), otherwise the
 * ASCII code it folds to (look-alike letters, full-width forms).
 */
const bmpFolds = new Uint16Array(0x10000);
for (let code = 0x80; code < 0x10000; code++) {
  if (isInvisible(code) || isCombiningMark(code)) bmpFolds[code] = 1;
  else if (code >= 0xff01 && code <= 0xff5e) bmpFolds[code] = code - 0xfee0;
}
for (const [from, to] of confusables) bmpFolds[from] = to;

export function normalizeObfuscation(text: string): NormalizedView {
  const codes = new Uint16Array(text.length);
  const offsets = new Int32Array(text.length + 1);
  let length = 0;
  for (let index = 0; index < text.length; index++) {
    let code = text.charCodeAt(index);
    if (code >= 0x80) {
      if (code >= 0xd800 && code <= 0xdbff && index + 1 < text.length) {
        // Mathematical alphanumerics (U+1D400–1D7FF) and other astral compatibility letters fold by NFKC.
        const folded = foldAstral(text.codePointAt(index) ?? 0);
        if (folded !== 0) {
          codes[length] = folded;
          offsets[length++] = index;
          index++;
          continue;
        }
      } else {
        const fold = bmpFolds[code]!;
        if (fold === 1) continue;
        if (fold !== 0) code = fold;
      }
    }
    codes[length] = code;
    offsets[length++] = index;
  }
  deLeet(codes, length);
  length = joinSpacedLetters(codes, offsets, length);
  offsets[length] = text.length;
  return { text: utf16.decode(codes.subarray(0, length)), offsets: offsets.slice(0, length + 1) };
}

/** Leet characters become letters only inside a short run touching a letter ("p4ssw0rd", "1gnore", "ignor3"). */
function deLeet(codes: Uint16Array, length: number): void {
  let index = 0;
  while (index < length) {
    if (leetOf(codes[index]!) === 0) {
      index++;
      continue;
    }
    // One pass per run of leet characters: [left + 1, right).
    const left = index - 1;
    let right = index + 1;
    while (right < length && leetOf(codes[right]!) !== 0) right++;
    const letterLeft = left >= 0 && isLetter(codes[left]!);
    const letterRight = right < length && isLetter(codes[right]!);
    if ((letterLeft || letterRight) && right - left - 1 <= 3 && (letterLeft || (right + 1 < length && isLetter(codes[right + 1]!)))) {
      for (let position = left + 1; position < right; position++) codes[position] = leetOf(codes[position]!);
    }
    index = right;
  }
}

const isSeparator = (code: number): boolean => code === 32 || code === 46 || code === 95 || code === 45 || code === 42 || code === 47 || code === 92;

/** "i g n o r e" / "i.g.n.o.r.e" → "ignore": four or more single letters separated by one or two separators. */
function joinSpacedLetters(codes: Uint16Array, offsets: Int32Array, length: number): number {
  let write = 0;
  let index = 0;
  while (index < length) {
    // Only a single letter followed by a separator and another single letter can start a spaced run.
    if (
      isLetter(codes[index]!) &&
      (index === 0 || !isLetter(codes[index - 1]!)) &&
      index + 2 < length &&
      isSeparator(codes[index + 1]!)
    ) {
      const letters: number[] = [index];
      let cursor = index + 1;
      while (cursor < length) {
        let gap = 0;
        while (gap < 2 && cursor + gap < length && isSeparator(codes[cursor + gap]!)) gap++;
        const next = cursor + gap;
        if (gap === 0 || next >= length || !isLetter(codes[next]!) || (next + 1 < length && isLetter(codes[next + 1]!))) break;
        letters.push(next);
        cursor = next + 1;
      }
      if (letters.length >= 4) {
        for (const position of letters) {
          codes[write] = codes[position]!;
          offsets[write++] = offsets[position]!;
        }
        index = cursor;
        continue;
      }
    }
    codes[write] = codes[index]!;
    offsets[write++] = offsets[index]!;
    index++;
  }
  return write;
}
