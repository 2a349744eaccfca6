import type { Finding } from '../detector.js';
import { findContext } from '../text/context.js';
import { anchorPattern, matchAllInRanges, mergeRanges } from '../text/anchored-search.js';
import { keywordLength, occurrencesOf, profileText, registerKeyword } from '../text/keyword-index.js';
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

const birthWords = ['born', 'birth', 'dob', 'd.o.b', 'b.', 'nee'];
const birthIds = birthWords.map((word) => registerKeyword(word));
const mentionsBirth = containsAny(birthWords);
const anchoredDate = anchorPattern(datePattern, []);
const dateLength = anchoredDate.reach!.length;

/**
 * Where a date with birth context can start: the context words lie within 40 characters before it or 16 after it. The
 * ranges reach back a further date length so that a date overlapping into them is met as a scan of the whole text
 * would meet it. "née" is not a keyword (not ASCII): a text that has it is scanned whole.
 */
function birthContextStarts(text: string): readonly number[] | undefined {
  if ((text.includes('é') || text.includes('É')) && /née/i.test(text)) return undefined;
  const profile = profileText(text);
  if (!profile.occurrencesListed) return undefined;
  const ranges: number[] = [];
  for (const id of birthIds) {
    const size = keywordLength(id);
    for (const end of occurrencesOf(profile, id)) {
      ranges.push(Math.max(0, end - birthContext.after - 2 * dateLength - 1), end - size + birthContext.before);
    }
  }
  return mergeRanges(ranges, anchoredDate.reach!, text.length);
}

/** Numeric dates are ambiguous (day or month first); both readings are accepted when plausible. */
export const dateOfBirthRecognizer: Recognizer = {
  types: ['DATE_TIME'],
  mayMatch: (text, options) => (options.dates === 'all' || mentionsBirth(text)) && /\d\d/.test(text),
  recognize(text, options) {
    const findings: Finding[] = [];
    // Only dates with birth context are reported by default: they are looked for near birth words only.
    const starts = options.dates === 'birth' ? birthContextStarts(text) : undefined;
    for (const match of matchAllInRanges(text, anchoredDate, starts)) {
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
