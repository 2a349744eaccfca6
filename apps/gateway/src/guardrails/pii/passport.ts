import type { Finding } from '../detector.js';
import { findContext, isTrivialDigitRun, digitsOf } from '../text/context.js';
import { containsAny, type Recognizer } from './recognizer.js';

// US passport books carry nine digits; cards and next-generation books a letter and eight digits. Both shapes are
// common for other numbers, so a passport word must be near.
const passportPattern = /(?<![A-Za-z0-9])[A-Za-z]?\d{8,9}(?![A-Za-z0-9])/g;
const passportContext = {
  positive: /\bpassports?\b|\bpassport (?:no|number|#)|\btravel document\b|\bpasaporte\b|\breisepass\b/,
  before: 64,
  after: 24,
};

const mentionsPassport = containsAny(['passport', 'travel document', 'pasaporte', 'reisepass']);

export function isUsPassportShape(value: string): boolean {
  return /^\d{9}$|^[A-Za-z]\d{8}$/.test(value) && !isTrivialDigitRun(digitsOf(value));
}

export const passportRecognizer: Recognizer = {
  types: ['US_PASSPORT'],
  mayMatch: (text) => mentionsPassport(text) && /\d{8}/.test(text),
  recognize(text) {
    const findings: Finding[] = [];
    for (const match of text.matchAll(passportPattern)) {
      if (!isUsPassportShape(match[0])) continue;
      const start = match.index;
      const end = start + match[0].length;
      if (!findContext(text, start, end, passportContext).positive) continue;
      findings.push({ type: 'US_PASSPORT', start, end, score: 0.8 });
    }
    return findings;
  },
};
