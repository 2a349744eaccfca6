import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { keywordLength, occurrencesOf, profileText, registerKeyword } from './keyword-index.js';
import { isObfuscationCharacter } from './normalize.js';

const keywords = ['you are', 'ignore', 'gnore', 'sk-', 'a b', 'x', '0x'];
const ids = keywords.map((keyword) => registerKeyword(keyword));

/** Every statistic of the profile, computed the plain way. */
function reference(text: string) {
  const longest = (pattern: RegExp): number => Math.max(0, ...[...text.matchAll(pattern)].map((match) => match[0].length));
  const starts = (pattern: RegExp): number[] => [...text.matchAll(pattern)].map((match) => match.index);
  const isLower = (code: number): boolean => code >= 97 && code <= 122;
  const isLetter = (code: number): boolean => isLower(code | 32);
  const isLeet = (code: number): boolean => '0134578$'.includes(String.fromCharCode(code));
  let obfuscated = [...text].some((character) => character.charCodeAt(0) >= 128 && isObfuscationCharacter(character.charCodeAt(0)));
  // "h3llo": lower-case letter, leet character, lower-case letter.
  for (let index = 2; index < text.length; index++) {
    if (isLower(text.charCodeAt(index)) && isLeet(text.charCodeAt(index - 1)) && isLower(text.charCodeAt(index - 2))) obfuscated = true;
  }
  // "i g n o r e": four letters standing alone, each one or two separators after the previous one.
  let singles = 0;
  let last = -10;
  for (let index = 0; index < text.length; index++) {
    const letter = isLetter(text.charCodeAt(index));
    if (!letter || (index > 0 && isLetter(text.charCodeAt(index - 1)))) continue;
    const alone = !isLetter(text.charCodeAt(index + 1));
    if (alone && index - last >= 2 && index - last <= 3 && ' ._-*/\\'.includes(text[index - 1] ?? '')) singles++;
    else singles = alone ? 1 : 0;
    if (alone) last = index;
    if (singles >= 4) obfuscated = true;
  }
  return {
    nonAscii: [...text].some((character) => character.charCodeAt(0) >= 128),
    digits: (text.match(/\d/g) ?? []).length,
    longestTokenRun: longest(/[A-Za-z0-9+/_-]+/g),
    longestBase64Run: longest(/[A-Za-z0-9+/]+/g),
    base64RunStarts: starts(/(?<![A-Za-z0-9+/])[A-Za-z0-9+/]{16}/g),
    tokenRunStarts: starts(/(?<![A-Za-z0-9+/_-])[A-Za-z0-9+/_-]{32}/g),
    digitRunStarts: starts(/(?<!\d)\d/g),
    rareSymbols: (text.match(/[{}[\]\\^`~]/g) ?? []).length,
    gluedCapitals: (text.match(/[a-z](?=[A-Z])/g) ?? []).length,
    obfuscated,
  };
}

const fragments = [
  'You are', 'you  are', 'IGNORE', 'ignore', 'sk-', 'a b', 'x', '0x', 'h3llo', 'p4ss', 'i g n o r e', 'a.b.c.d', 'structTERJs',
  'QUJDREVGR0hJSktMTU5PUA', 'deadbeefcafe1234', 'fe80::1', '{[`~^\\]}', ' ', '\n', '\t', '-', '_', '123', 'і', 'а', '\u200b', 'é', 'Ω', '.',
];

describe('profileText', () => {
  it('finds every occurrence of every keyword, case-insensitively, in one pass', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...fragments), { maxLength: 60 }), (parts) => {
        const text = parts.join('');
        const profile = profileText(text);
        const folded = text.toLowerCase().replace(/[\t\n\r]/g, ' ');
        keywords.forEach((keyword, index) => {
          const ends: number[] = [];
          for (let at = folded.indexOf(keyword); at !== -1; at = folded.indexOf(keyword, at + 1)) {
            // toLowerCase folds some non-ASCII letters to ASCII; the index reads ASCII only.
            if ([...text.slice(at, at + keyword.length)].every((character) => character.charCodeAt(0) < 128)) ends.push(at + keyword.length);
          }
          expect([...occurrencesOf(profile, ids[index]!)].reverse()).toEqual(ends);
          expect(profile.has(ids[index]!)).toBe(ends.length > 0);
          expect(keywordLength(ids[index]!)).toBe(keyword.length);
        });
      }),
      { numRuns: 400 },
    );
  });

  it('computes the statistics the detectors gate on', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...fragments), { maxLength: 60 }), (parts) => {
        const text = parts.join('');
        const profile = profileText(text);
        const expected = reference(text);
        expect({
          nonAscii: profile.nonAscii,
          digits: profile.digits,
          longestTokenRun: profile.longestTokenRun,
          longestBase64Run: profile.longestBase64Run,
          base64RunStarts: profile.base64RunStarts,
          tokenRunStarts: profile.tokenRunStarts,
          digitRunStarts: profile.digitRunStarts,
          rareSymbols: profile.rareSymbols,
          gluedCapitals: profile.gluedCapitals,
          obfuscated: profile.obfuscated,
        }).toEqual(expected);
      }),
      { numRuns: 400 },
    );
  });
});
