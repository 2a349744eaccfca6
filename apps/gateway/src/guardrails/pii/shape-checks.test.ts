import fc from 'fast-check';
import { findPhoneNumbersInText, type CountryCode } from 'libphonenumber-js/max';
import { describe, expect, it } from 'vitest';
import { digitsOf } from '../text/context.js';
import { hasAccountShape } from './bank-account.js';
import { mayHoldNumber } from './phone.js';
import { hasLettersBeforeDigits } from './recognizer.js';

// The cheap checks that let recognizers skip a text or a parser call must never say no where the full check says yes.
const pieces = ['1', '23', '4567', '0', '00', '011', ' ', '-', '.', 'AB', 'ABCDE', 'abc', 'x', 'Z', '\n', '12345678'];
const textArbitrary = fc.array(fc.constantFrom(...pieces), { maxLength: 30 }).map((parts) => parts.join(''));

describe('shape checks', () => {
  it('read digits after letters as the regular expressions do', () => {
    fc.assert(
      fc.property(textArbitrary, (text) => {
        expect(hasLettersBeforeDigits(text, 1, 5, 'upper')).toBe(/[A-Z]{5}\d/.test(text));
        expect(hasLettersBeforeDigits(text, 2, 2, 'any')).toBe(/[A-Za-z]{2}\d{2}/.test(text));
        expect(hasAccountShape(text)).toBe(/\d{8}|\d{4}[ -]\d{4}/.test(text));
      }),
      { numRuns: 2000 },
    );
  });

  it('never skips a candidate where libphonenumber-js finds a number', () => {
    const regions: CountryCode[] = ['US', 'GB', 'IN', 'AU', 'DE', 'FR', 'JP', 'BR'];
    const candidate = fc
      .tuple(fc.constantFrom('', '0', '1', '00', '011', '0011', '141'), fc.array(fc.integer({ min: 0, max: 9 }), { minLength: 5, maxLength: 15 }), fc.array(fc.constantFrom('', '', ' ', '-', '.'), { minLength: 15, maxLength: 15 }))
      .map(([prefix, digits, separators]) => prefix + digits.map((digit, index) => `${digit}${separators[index]}`).join('').replace(/[ .-]+$/, ''));
    fc.assert(
      fc.property(candidate, fc.constantFrom(...regions), (text, region) => {
        if (!mayHoldNumber(digitsOf(text), region)) expect(findPhoneNumbersInText(text, { defaultCountry: region })).toEqual([]);
      }),
      { numRuns: 1500 },
    );
  });
});
