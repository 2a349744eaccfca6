import type { Finding } from '../detector.js';
import { digitsOf, findContext, isTrivialDigitRun } from '../text/context.js';
import { coverRest, type Recognizer } from './recognizer.js';

/** Luhn (ISO/IEC 7812-1) check over a string of digits. */
export function luhnValid(digits: string): boolean {
  if (digits.length < 2) return false;
  let sum = 0;
  let double = false;
  for (let index = digits.length - 1; index >= 0; index--) {
    let digit = digits.charCodeAt(index) - 48;
    if (digit < 0 || digit > 9) return false;
    if (double) {
      digit *= 2;
      if (digit > 9) digit -= 9;
    }
    sum += digit;
    double = !double;
  }
  return sum % 10 === 0;
}

interface Issuer {
  name: string;
  /** Inclusive prefix ranges, compared on the first `length` digits. */
  prefixes: Array<[number, number]>;
  lengths: number[];
}

const issuers: Issuer[] = [
  { name: 'visa', prefixes: [[4, 4]], lengths: [13, 16, 19] },
  { name: 'mastercard', prefixes: [[51, 55], [2221, 2720]], lengths: [16] },
  { name: 'amex', prefixes: [[34, 34], [37, 37]], lengths: [15] },
  { name: 'discover', prefixes: [[6011, 6011], [644, 649], [65, 65], [622126, 622925]], lengths: [16, 17, 18, 19] },
  { name: 'jcb', prefixes: [[35, 35]], lengths: [16, 17, 18, 19] },
  { name: 'jcb-legacy', prefixes: [[1800, 1800], [2131, 2131]], lengths: [15] },
  { name: 'diners', prefixes: [[300, 305], [36, 36], [38, 39]], lengths: [14, 15, 16, 17, 18, 19] },
  { name: 'unionpay', prefixes: [[62, 62], [81, 81]], lengths: [16, 17, 18, 19] },
  { name: 'maestro', prefixes: [[50, 50], [56, 69]], lengths: [12, 13, 14, 15, 16, 17, 18, 19] },
  { name: 'mir', prefixes: [[2200, 2204]], lengths: [16, 17, 18, 19] },
  { name: 'rupay', prefixes: [[60, 60], [65, 65], [81, 82], [508, 508], [353, 353], [356, 356]], lengths: [16] },
];

interface IssuerRange {
  name: string;
  low: number;
  high: number;
  /** How many leading digits the range compares. */
  size: number;
  lengths: readonly number[];
}

const ranges: IssuerRange[] = issuers.flatMap((issuer) =>
  issuer.prefixes.map(([low, high]) => ({ name: issuer.name, low, high, size: String(low).length, lengths: issuer.lengths })),
);
/** The number formed by the first 1..6 digits (index = count), reused across calls: no allocation per candidate. */
const leading = new Int32Array(7);

function readLeading(digits: string): void {
  let value = 0;
  for (let count = 1; count <= 6; count++) {
    value = count <= digits.length ? value * 10 + (digits.charCodeAt(count - 1) - 48) : -1;
    leading[count] = value;
  }
}

/** The issuer whose IIN range and length fit the number, if any. */
export function findIssuer(digits: string): string | undefined {
  readLeading(digits);
  for (const range of ranges) {
    const prefix = leading[range.size]!;
    if (prefix >= range.low && prefix <= range.high && range.lengths.includes(digits.length)) return range.name;
  }
  return undefined;
}


export function isValidCardNumber(digits: string): boolean {
  return findIssuer(digits) !== undefined && luhnValid(digits) && !isTrivialDigitRun(digits);
}

// 12–19 digits with optional single space or dash separators; `[ -]?\d` cannot match the same text two ways, so a long
// run of digits costs one pass per start position, and the look-behind allows only one start position per run.
// Issuer numbers start with 2–6 or 8, or 1800 / 2131 (JCB). The first digit comes before the look-behind so that V8
// can skip to candidate digits instead of testing the look-behind at every offset (four times faster on prose).
const cardPattern = /(?:[2-68]|1(?=800))(?<![\w.,-].)(?:[ -]?\d){11,18}(?![\w]|[.,]\d|-\d)/g;
const cardContext = {
  positive:
    /\b(?:card|cards|credit|debit|visa|mastercard|master card|amex|american express|discover|jcb|diners|maestro|rupay|unionpay|cc|ccn|pan|payment|pay|charge|charged|billing|billed|expir\w*|exp|cvv|cvc)\b/,
  negative: /\b(?:order|invoice|tracking|imei|isbn|serial|reference|ref|phone|tel|account|acct|iban)\b/,
};

/** Groups of 4 (4-4-4-4, 4-4-4-4-3), Amex 4-6-5 and Diners 4-6-4 are how cards are printed. */
function hasCardGrouping(value: string): boolean {
  const groups = value.split(/[ -]/).map((group) => group.length);
  if (groups.length === 1) return false;
  const shape = groups.join('-');
  return /^4-4-4-4(?:-[1-3])?$|^4-6-[45]$|^4-4-4-[1-3]$/.test(shape);
}

/**
 * The run itself if it is a valid card number, else its longest prefix that ends at a group boundary and is one
 * ("4111 1111 1111 1111 22" holds a card followed by other digits).
 */
function longestValidPrefix(run: string): string | undefined {
  // Mixed separators ("4111 1111-1111 1111") are not how a card is written.
  if (run.includes(' ') && run.includes('-')) return undefined;
  const digits = run.length > 19 || run.includes(' ') || run.includes('-') ? run.replace(/[ -]/g, '') : run;
  // The leading digits are the same for every prefix: find the lengths their issuers allow once.
  readLeading(digits);
  let allowed = 0;
  for (const range of ranges) {
    const prefix = leading[range.size]!;
    if (prefix >= range.low && prefix <= range.high) for (const length of range.lengths) allowed |= 1 << length;
  }
  if (allowed === 0) return undefined;
  const valid = (count: number): boolean => (allowed & (1 << count)) !== 0 && luhnValid(count === digits.length ? digits : digits.slice(0, count)) && !isTrivialDigitRun(digits.slice(0, count));
  if (valid(digits.length)) return run;
  let count = digits.length;
  for (let end = run.length - 1; end > 0 && count >= 12; end--) {
    const character = run[end];
    if (character !== ' ' && character !== '-') {
      count--;
      continue;
    }
    if (valid(count)) return run.slice(0, end);
  }
  return undefined;
}


export const creditCardRecognizer: Recognizer = {
  types: ['CREDIT_CARD'],
  mayMatch: (text) => /\d{4}/.test(text),
  recognize(text, options) {
    const findings: Finding[] = [];
    const pattern = new RegExp(cardPattern.source, 'g');
    for (let match = pattern.exec(text); match !== null; match = pattern.exec(text)) {
      if (coverRest(findings, options, text, 'CREDIT_CARD')) break;
      // A run may hold a card after its first group ("12 4111 1111 1111 1111", or the tail of an IBAN before a
      // card): every group start is tried (the look-behind skips the rest), and overlaps are resolved by score.
      pattern.lastIndex = match.index + 1;
      const value = longestValidPrefix(match[0]);
      if (value === undefined) continue;
      const digits = digitsOf(value);
      const start = match.index;
      const end = start + value.length;
      const context = findContext(text, start, end, cardContext);
      const grouped = hasCardGrouping(value);
      let score = grouped ? 0.75 : value.length === digits.length ? 0.55 : 0.4;
      // A card cut out of a longer run of digits ("… 1111 12/25", "5500 0000 0000 0004 5", or the last groups of a
      // longer number) is less certain.
      if (value.length < match[0].length || /\d[ -]$/.test(text.slice(Math.max(0, start - 2), start))) score -= 0.3;
      // Printed in card groups, a Luhn-valid number with an issuer prefix is hard to explain away by a nearby word.
      if (context.positive) score += 0.3;
      else if (context.negative) score -= grouped ? 0.15 : 0.3;
      findings.push({ type: 'CREDIT_CARD', start, end, score: Math.min(1, Math.max(0, score)) });
    }
    return findings;
  },
};
