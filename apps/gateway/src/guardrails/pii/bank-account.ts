import type { Finding } from '../detector.js';
import { findContext, isTrivialDigitRun, digitsOf } from '../text/context.js';
import { profileText } from '../text/keyword-index.js';
import { containsAny, coverRest, digitRunLength, type Recognizer } from './recognizer.js';

// US account numbers are 4–17 digits with no checksum; short ones are indistinguishable from any number, so only
// 8–17 digits (optionally grouped with dashes or spaces) are considered, and only next to account words.
// The first digit is read before the look-behind so that V8 can skip to digits instead of testing every offset.
const accountPattern = /\d(?<![\w.,-]\d)\d{3}(?:[ -]?\d){4,13}(?![\w]|[.,-]\d)/g;
const accountContext = {
  positive:
    /\b(?:account|acct|acc|a\/c|accounts|checking|chequing|savings|deposit|bank(?:ing)?|beneficiary|direct debit)\b(?:\s*(?:no|number|num|#))?/,
  negative: /\b(?:card|phone|tel|order|invoice|customer id|member id)\b/,
  before: 48,
  after: 16,
};

const mentionsAccount = containsAny(['account', 'acct', 'acc', 'a/c', 'checking', 'chequing', 'savings', 'deposit', 'bank', 'beneficiary', 'direct debit']);

/** `/\d{8}|\d{4}[ -]\d{4}/.test(text)`, read around the digit runs the profile lists. */
export function hasAccountShape(text: string): boolean {
  for (const start of profileText(text).digitRunStarts) {
    const length = digitRunLength(text, start);
    if (length >= 8) return true;
    const separator = text.charCodeAt(start + length);
    if (length >= 4 && (separator === 32 || separator === 45) && digitRunLength(text, start + length + 1) >= 4) return true;
  }
  return false;
}

export const bankAccountRecognizer: Recognizer = {
  types: ['US_BANK_NUMBER'],
  mayMatch: (text) => mentionsAccount(text) && hasAccountShape(text),
  recognize(text, options) {
    const findings: Finding[] = [];
    for (const match of text.matchAll(accountPattern)) {
      if (coverRest(findings, options, text, 'US_BANK_NUMBER')) break;
      const value = match[0];
      const digits = digitsOf(value);
      if (digits.length < 8 || digits.length > 17 || isTrivialDigitRun(digits)) continue;
      const start = match.index;
      const end = start + value.length;
      const context = findContext(text, start, end, accountContext);
      if (!context.positive) continue;
      findings.push({ type: 'US_BANK_NUMBER', start, end, score: context.negative ? 0.45 : 0.7 });
    }
    return findings;
  },
};
