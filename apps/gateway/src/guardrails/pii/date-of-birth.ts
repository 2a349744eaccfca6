import type { Finding } from '../detector.js';
import { findContext } from '../text/context.js';
import { containsAny, coverRest, type Recognizer } from './recognizer.js';

const month =
  '(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\\.?';
const day = '(?:0?[1-9]|[12]\\d|3[01])';
const monthNumber = '(?:0?[1-9]|1[0-2])';
const year = '(?:1[89]\\d\\d|20\\d\\d)';
const shortYear = `(?:${year}|\\d\\d)`;

// Numeric (31/12/1980, 12-31-80, 1980-12-31, 31.12.1980) and written (31 December 1980, Dec 31, 1980, 31st of
// December 1980) dates. Every part is bounded, so a long run of digits or separators costs one pass.
const datePattern = new RegExp(
  [
    `(?<![\\w/.-])${day}([/.-])${day}\\1${shortYear}(?![\\w]|[/.-]\\d)`,
    `(?<![\\w/.-])${year}([/.-])${monthNumber}\\2${day}(?![\\w]|[/.-]\\d)`,
    `\\b${day}(?:st|nd|rd|th)?(?: of)? ${month},? ${year}\\b`,
    `\\b${month} ${day}(?:st|nd|rd|th)?,? ${year}\\b`,
  ].join('|'),
  'gi',
);
const birthContext = {
  positive: /\b(?:born|birth|birthday|birthdate|dob|d\.o\.b|date of birth|birth date|b\.|née|nee)\b/,
  before: 40,
  after: 16,
};

const mentionsBirth = containsAny(['born', 'birth', 'dob', 'd.o.b', 'b.', 'nee']);

/** Numeric dates are ambiguous (day or month first); both readings are accepted when plausible. */
export const dateOfBirthRecognizer: Recognizer = {
  types: ['DATE_TIME'],
  mayMatch: (text, options) => (options.dates === 'all' || mentionsBirth(text)) && /\d\d/.test(text),
  recognize(text, options) {
    const findings: Finding[] = [];
    for (const match of text.matchAll(datePattern)) {
      if (coverRest(findings, options, text, 'DATE_TIME')) break;
      const start = match.index;
      const end = start + match[0].length;
      const birth = findContext(text, start, end, birthContext).positive;
      if (!birth && options.dates === 'birth') continue;
      findings.push({ type: 'DATE_TIME', start, end, score: birth ? 0.85 : 0.6 });
    }
    return findings;
  },
};
