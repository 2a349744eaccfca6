import type { Finding } from '../detector.js';
import { findContext } from '../text/context.js';
import { coverRest, hasLettersBeforeDigits, type Recognizer } from './recognizer.js';

/** IBAN length per country (SWIFT IBAN registry, including the experimental ones banks already accept). */
const ibanLengths: Record<string, number> = {
  AD: 24, AE: 23, AL: 28, AT: 20, AZ: 28, BA: 20, BE: 16, BG: 22, BH: 22, BI: 27, BR: 29, BY: 28, CH: 21, CR: 22,
  CY: 28, CZ: 24, DE: 22, DJ: 27, DK: 18, DO: 28, EE: 20, EG: 29, ES: 24, FI: 18, FK: 18, FO: 18, FR: 27, GB: 22,
  GE: 22, GI: 23, GL: 18, GR: 27, GT: 28, HR: 21, HU: 28, IE: 22, IL: 23, IQ: 23, IS: 26, IT: 27, JO: 30, KW: 30,
  KZ: 20, LB: 28, LC: 32, LI: 21, LT: 20, LU: 20, LV: 21, LY: 25, MC: 27, MD: 24, ME: 22, MK: 19, MN: 20, MR: 27,
  MT: 31, MU: 30, NI: 28, NL: 18, NO: 15, OM: 23, PK: 24, PL: 28, PS: 29, PT: 25, QA: 29, RO: 24, RS: 22, RU: 33,
  SA: 24, SC: 31, SD: 18, SE: 24, SI: 19, SK: 24, SM: 27, SO: 23, ST: 25, SV: 28, TL: 23, TN: 24, TR: 26, UA: 29,
  VA: 22, VG: 24, XK: 20, YE: 30,
};

/** ISO 13616 / ISO 7064 mod 97-10: move the first four characters to the end, letters to 10..35, remainder 1. */
export function ibanChecksumValid(iban: string): boolean {
  const compact = iban.toUpperCase();
  if (!/^[A-Z]{2}\d{2}[A-Z0-9]+$/.test(compact)) return false;
  const rearranged = compact.slice(4) + compact.slice(0, 4);
  let remainder = 0;
  for (let index = 0; index < rearranged.length; index++) {
    const code = rearranged.charCodeAt(index);
    const value = code >= 65 ? code - 55 : code - 48;
    remainder = value >= 10 ? (remainder * 100 + value) % 97 : (remainder * 10 + value) % 97;
  }
  return remainder === 1;
}

export function isValidIban(value: string): boolean {
  const compact = value.replace(/ /g, '').toUpperCase();
  const length = ibanLengths[compact.slice(0, 2)];
  return length === compact.length && ibanChecksumValid(compact);
}

// A country code and check digits, then up to 32 more characters in optional single-space groups. The candidate may
// run into the next word; it is cut to the country's length below.
const ibanCandidate = /(?<![A-Za-z0-9])[A-Za-z]{2}\d{2}(?: ?[A-Za-z0-9]){8,32}/g;
const ibanContext = { positive: /\b(?:iban|account|acct|bank|transfer|wire|sepa|swift|bic|beneficiary|payee)\b/ };

/** Cuts the candidate after `length` alphanumerics; undefined when the value ends inside a word. */
function cutToLength(candidate: string, length: number): string | undefined {
  let count = 0;
  for (let index = 0; index < candidate.length; index++) {
    if (candidate[index] !== ' ') count++;
    if (count === length) {
      const next = candidate[index + 1];
      return next === undefined || next === ' ' ? candidate.slice(0, index + 1) : undefined;
    }
  }
  return undefined;
}

export const ibanRecognizer: Recognizer = {
  types: ['IBAN_CODE'],
  mayMatch: (text) => hasLettersBeforeDigits(text, 2, 2, 'any'),
  recognize(text, options) {
    const findings: Finding[] = [];
    const pattern = new RegExp(ibanCandidate.source, 'g');
    for (let match = pattern.exec(text); match !== null; match = pattern.exec(text)) {
      if (coverRest(findings, options, text, 'IBAN_CODE')) break;
      // The candidate may have swallowed the start of a following IBAN: resume right after what was used.
      pattern.lastIndex = match.index + 4;
      const country = match[0].slice(0, 2).toUpperCase();
      const length = ibanLengths[country];
      if (length === undefined) continue;
      const value = cutToLength(match[0], length);
      if (value === undefined || !isValidIban(value)) continue;
      const start = match.index;
      const end = start + value.length;
      pattern.lastIndex = end;
      // Mixed-case values are rare in the wild; all-lower-case ones occur when people type them.
      const mixedCase = /[a-z]/.test(value) && /[A-Z]/.test(value.slice(2));
      const context = findContext(text, start, end, ibanContext);
      const score = (mixedCase ? 0.6 : 0.85) + (context.positive ? 0.15 : 0);
      findings.push({ type: 'IBAN_CODE', start, end, score: Math.min(1, score) });
    }
    return findings;
  },
};
