import type { Finding } from '../detector.js';
import { digitsOf, findContext, isTrivialDigitRun } from '../text/context.js';
import { coverRest, type Recognizer } from './recognizer.js';

// Verhoeff tables: multiplication in the dihedral group D5, the position permutation, and the inverse.
const multiplication = [
  [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
  [1, 2, 3, 4, 0, 6, 7, 8, 9, 5],
  [2, 3, 4, 0, 1, 7, 8, 9, 5, 6],
  [3, 4, 0, 1, 2, 8, 9, 5, 6, 7],
  [4, 0, 1, 2, 3, 9, 5, 6, 7, 8],
  [5, 9, 8, 7, 6, 0, 4, 3, 2, 1],
  [6, 5, 9, 8, 7, 1, 0, 4, 3, 2],
  [7, 6, 5, 9, 8, 2, 1, 0, 4, 3],
  [8, 7, 6, 5, 9, 3, 2, 1, 0, 4],
  [9, 8, 7, 6, 5, 4, 3, 2, 1, 0],
];
const permutation = [
  [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
  [1, 5, 7, 6, 2, 8, 3, 0, 9, 4],
  [5, 8, 0, 3, 7, 9, 6, 1, 4, 2],
  [8, 9, 1, 6, 0, 4, 3, 5, 2, 7],
  [9, 4, 5, 3, 1, 2, 6, 8, 7, 0],
  [4, 2, 8, 6, 5, 7, 3, 9, 0, 1],
  [2, 7, 9, 3, 8, 0, 6, 4, 1, 5],
  [7, 0, 4, 6, 9, 1, 3, 2, 5, 8],
];

/** Verhoeff check (the number includes its check digit). */
export function verhoeffValid(digits: string): boolean {
  if (!/^\d+$/.test(digits)) return false;
  let check = 0;
  for (let position = 0; position < digits.length; position++) {
    const digit = digits.charCodeAt(digits.length - 1 - position) - 48;
    check = multiplication[check]![permutation[position % 8]![digit]!]!;
  }
  return check === 0;
}

/** UIDAI rules: 12 digits, first digit 2–9, Verhoeff check digit, and not a palindrome. */
export function isValidAadhaar(digits: string): boolean {
  if (!/^[2-9]\d{11}$/.test(digits) || isTrivialDigitRun(digits)) return false;
  if (digits === [...digits].reverse().join('')) return false;
  return verhoeffValid(digits);
}

// The first digit is read before the look-behind so that V8 can skip to digits instead of testing every offset.
const aadhaarPattern = /[2-9](?<![\w.,-][2-9])\d{3}([ -]?)\d{4}\1\d{4}(?![\w]|[.,-]\d)/g;
const aadhaarContext = {
  positive: /\b(?:aadhaar|aadhar|adhaar|uid|uidai|uidai's|enrolment|enrollment|e-kyc|ekyc|kyc)\b|आधार/,
  negative: /\b(?:phone|mobile|card number|credit|debit|order|invoice|account|acct)\b/,
};

export const aadhaarRecognizer: Recognizer = {
  types: ['IN_AADHAAR'],
  mayMatch: (text) => /\d{4}/.test(text),
  recognize(text, options) {
    const findings: Finding[] = [];
    for (const match of text.matchAll(aadhaarPattern)) {
      if (coverRest(findings, options, text, 'IN_AADHAAR')) break;
      const value = match[0];
      if (!isValidAadhaar(digitsOf(value))) continue;
      const start = match.index;
      const end = start + value.length;
      const context = findContext(text, start, end, aadhaarContext);
      // Printed Aadhaar numbers are grouped 4-4-4; one random 12-digit number in ~12 passes the rules.
      let score = match[1] === ' ' ? 0.55 : 0.4;
      if (context.positive) score += 0.4;
      else if (context.negative) score -= 0.2;
      findings.push({ type: 'IN_AADHAAR', start, end, score: Math.min(1, Math.max(0, score)) });
    }
    return findings;
  },
};
