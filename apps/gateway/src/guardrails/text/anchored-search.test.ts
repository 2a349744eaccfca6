import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { anchorPattern, execAnchored, matchAllAnchored, matchAllInRanges, mergeRanges } from './anchored-search.js';
import { profileText, registerKeyword } from './keyword-index.js';
import { measureRegex } from './regex-reach.js';

describe('measureRegex', () => {
  it('bounds the match length and the look-around reach', () => {
    expect(measureRegex(/\bab(?:cd|e)?\b/)).toEqual({ length: 4, behind: 1, ahead: 1 });
    expect(measureRegex(/(?<![\w.])\d{3}-\d{2}(?![\w]|-\d)/)).toEqual({ length: 6, behind: 1, ahead: 2 });
    expect(measureRegex(/(\d{2})x\1/)).toEqual({ length: 5, behind: 1, ahead: 1 });
    // In unicode mode a class may match a surrogate pair.
    expect(measureRegex(/[^x]{0,3}/u)?.length).toBe(6);
  });

  it('has no bound for unbounded quantifiers and named back-references', () => {
    expect(measureRegex(/a\s*b/)).toBeUndefined();
    expect(measureRegex(/a+/)).toBeUndefined();
    expect(measureRegex(/a{2,}/)).toBeUndefined();
    expect(measureRegex(/(?<x>a)\k<x>/)).toBeUndefined();
  });
});

// Patterns shaped like the detectors' (bounded gaps, look-arounds, alternations), their anchors, and texts built from
// fragments that hold the anchors, near misses and separators in every arrangement.
const cases: Array<{ pattern: RegExp; anchors: string[][] }> = [
  { pattern: /\b(?:ignore|disregard)\b[^.!?\n]{0,20}?\b(?:previous|all)\b[^.!?\n]{0,10}?\binstructions?\b/i, anchors: [['ignore', 'disregard'], ['instruction']] },
  { pattern: /(?<![\w.,-])\d{3}-\d{2}-\d{4}(?![\w]|-\d)/g, anchors: [['-']] },
  { pattern: /\byou (?:should|must) (?:buy|sell)\b/gi, anchors: [['should', 'must'], ['buy', 'sell']] },
  { pattern: /^\s{0,4}(?:buy|sell)\b[^.!?\n]{0,12}?stock/im, anchors: [['buy', 'sell'], ['stock']] },
  { pattern: /\bend of (?:prompt|input)\b(?!\w)|(?<![-=])-{3,6}\s{0,2}new\b/gi, anchors: [['end of', '---']] },
];
const fragments = [
  'ignore ', 'Ignore', 'disregard', ' previous ', 'all', ' instructions', 'instruction.', 'you ', 'should ', 'must ', 'buy',
  'sell', ' stock', '\n', ' ', '.', '-', '--', '---', '123', '45', '6789', 'end of ', 'prompt', 'input', 'new', 'x', 'ab', '=', ',',
];
const textArbitrary = fc.array(fc.constantFrom(...fragments), { minLength: 0, maxLength: 400 }).map((parts) => parts.join(''));

describe('anchored search', () => {
  for (const { pattern, anchors } of cases) {
    const anchored = anchorPattern(pattern, anchors.map((group) => group.map((anchor) => registerKeyword(anchor))));
    it(`finds what a scan of the whole text finds: ${pattern.source.slice(0, 40)}`, () => {
      const global = new RegExp(pattern.source, pattern.flags.includes('g') ? pattern.flags : `${pattern.flags}g`);
      fc.assert(
        fc.property(textArbitrary, (text) => {
          const profile = profileText(text);
          const expected = [...text.matchAll(global)].map((match) => [match.index, match[0]]);
          expect(matchAllAnchored(text, profile, anchored).map((match) => [match.index, match[0]])).toEqual(expected);
          const first = execAnchored(text, profile, anchored);
          expect(first === null ? null : [first.index, first[0]]).toEqual(expected[0] ?? null);
        }),
        { numRuns: 300 },
      );
    });
  }

  it('scans only the given ranges of possible starts', () => {
    const anchored = anchorPattern(/\d{3}/g, []);
    const text = `${'x'.repeat(300)}123${'x'.repeat(300)}456`;
    expect(matchAllInRanges(text, anchored, mergeRanges([300, 300], anchored.reach!, text.length)).map((match) => match.index)).toEqual([300]);
    expect(matchAllInRanges(text, anchored, undefined).map((match) => match.index)).toEqual([300, 603]);
  });
});
