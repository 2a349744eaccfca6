import type { Finding } from '../detector.js';
import { findContext } from '../text/context.js';
import { coverRest, numericNegativeContext, type Recognizer } from './recognizer.js';

/** Numbers published as examples or never issued (Woolworth wallet card, advertising, the famous sequence). */
const knownInvalid = new Set(['078051120', '219099999', '123456789', '987654320', '987654321']);

/**
 * SSA rules: area 000, 666 and 900–999 are never issued (9xx are ITINs), group 00 and serial 0000 neither. Since the
 * 2011 randomisation every other area can occur, so no upper bound below 900 is applied.
 */
export function isValidSsn(digits: string): boolean {
  if (!/^\d{9}$/.test(digits) || knownInvalid.has(digits)) return false;
  const area = digits.slice(0, 3);
  if (area === '000' || area === '666' || area[0] === '9') return false;
  if (digits.slice(3, 5) === '00' || digits.slice(5) === '0000') return false;
  return !/^(\d)\1{8}$/.test(digits);
}

// The separator is captured and reused so "123-45 6789" (two different separators) is not taken for one value.
const ssnPattern = /(?<![\w.-])(\d{3})([- ]?)(\d{2})\2(\d{4})(?![\w]|-\d)/g;
const quantityBefore = { positive: numericNegativeContext, before: 24, after: 0 };
const ssnContext = {
  positive: /\b(?:ssn|ssns|social security|social sec|ss#|ss #|ssa|taxpayer|tin|itin)\b/,
  negative: /\b(?:phone|tel|call|fax|mobile|routing|account|acct|zip|postal)\b/,
};

export const ssnRecognizer: Recognizer = {
  types: ['US_SSN'],
  mayMatch: (text) => /\d{4}/.test(text),
  recognize(text, options) {
    const findings: Finding[] = [];
    for (const match of text.matchAll(ssnPattern)) {
      if (coverRest(findings, options, text, 'US_SSN')) break;
      const [value, area = '', separator = '', group = '', serial = ''] = match;
      if (!isValidSsn(area + group + serial)) continue;
      const start = match.index;
      const end = start + value.length;
      const context = findContext(text, start, end, ssnContext);
      // Dashes in the 3-2-4 shape are the SSN's own format; bare nine digits are anything until context says otherwise.
      let score = separator === '-' ? 0.65 : separator === ' ' ? 0.45 : 0.3;
      if (context.positive) score += 0.3;
      else if (context.negative || findContext(text, start, end, quantityBefore).positive)
        score -= separator === '-' ? 0.1 : 0.3;
      findings.push({ type: 'US_SSN', start, end, score: Math.min(1, Math.max(0, score)) });
    }
    return findings;
  },
};
