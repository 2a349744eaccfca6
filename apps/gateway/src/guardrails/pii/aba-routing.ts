import type { Finding } from '../detector.js';
import { digitsOf, findContext, isTrivialDigitRun } from '../text/context.js';
import { containsAny, type Recognizer } from './recognizer.js';

/** ABA checksum: 3·(d1+d4+d7) + 7·(d2+d5+d8) + (d3+d6+d9) ≡ 0 (mod 10). */
export function abaChecksumValid(digits: string): boolean {
  if (!/^\d{9}$/.test(digits)) return false;
  const d = (index: number): number => digits.charCodeAt(index) - 48;
  const sum = 3 * (d(0) + d(3) + d(6)) + 7 * (d(1) + d(4) + d(7)) + (d(2) + d(5) + d(8));
  return sum % 10 === 0;
}

/**
 * The first two digits are the Federal Reserve routing symbol: 00–12 (banks), 21–32 (thrifts), 61–72 (electronic),
 * 80 (traveller's cheques). Anything else is not a routing number.
 */
export function isValidAbaRoutingNumber(digits: string): boolean {
  if (!abaChecksumValid(digits) || isTrivialDigitRun(digits)) return false;
  const prefix = Number(digits.slice(0, 2));
  return prefix <= 12 || (prefix >= 21 && prefix <= 32) || (prefix >= 61 && prefix <= 72) || prefix === 80;
}

// The first digit is read before the look-behind so that V8 can skip to digits instead of testing every offset.
const abaPattern = /\d(?<![\w.,-]\d)\d{3}-?\d{4}-?\d(?![\w]|[.,-]\d)/g;
const abaWords = ['aba', 'routing', 'rtn', 'transit', 'bank', 'wire', 'ach', 'fedwire', 'direct deposit', 'sort code', 'checking', 'savings'];
const mentionsBanking = containsAny(abaWords);
const noContextScore = 0.3;
const abaContext = {
  positive: /\b(?:aba|routing|rtn|transit|bank|wire|ach|fedwire|direct deposit|sort code|checking|savings)\b/,
  before: 64,
  after: 32,
};

export const abaRoutingRecognizer: Recognizer = {
  types: ['ABA_ROUTING_NUMBER'],
  // Without banking words nearby a routing number scores 0.3: below the threshold there is nothing to find.
  mayMatch: (text, options) => (options.minScore > noContextScore ? mentionsBanking(text) : /\d{4}/.test(text)),
  recognize(text) {
    const findings: Finding[] = [];
    for (const match of text.matchAll(abaPattern)) {
      const value = match[0];
      const digits = digitsOf(value);
      if (!isValidAbaRoutingNumber(digits)) continue;
      const start = match.index;
      const end = start + value.length;
      // One nine-digit number in ten passes the checksum: without banking words it is not evidence enough.
      const score = findContext(text, start, end, abaContext).positive ? 0.9 : noContextScore;
      findings.push({ type: 'ABA_ROUTING_NUMBER', start, end, score });
    }
    return findings;
  },
};
