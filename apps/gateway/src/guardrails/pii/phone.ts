import { randomBytes } from 'node:crypto';
import { findPhoneNumbersInText, isSupportedCountry, Metadata, type CountryCode } from 'libphonenumber-js/max';
import type { Finding } from '../detector.js';
import { digitsOf, findContext } from '../text/context.js';
import { profileText } from '../text/keyword-index.js';
import { coverRest, numericNegativeContext, type Recognizer } from './recognizer.js';

// Phone-shaped runs: an optional "+"/"00" and area code in parentheses, then digits with space, dot, dash or
// parenthesis separators. The character class cannot match the same text two ways, so this is one pass per start; the
// look-behind keeps start positions to the beginning of each run. libphonenumber-js then reads each run on its own,
// which is much cheaper than handing it the whole text.
const candidatePattern = /(?<![\w+.,/-])(?:\+|00)?(?:\(\d{1,4}\)|\d)[\d(). -]{5,22}\d(?![\w]|[.,/-]\d)/g;
const phoneContext = {
  positive:
    /\b(?:phone|phones|tel|telephone|mobile|cell|cellphone|call|calls|called|calling|ring|dial|text|texts|sms|whatsapp|fax|contact|reach|landline|hotline|helpline|extension|ext|answering|messages?)\b/,
  negative: /\b(?:ssn|social security|routing|aba|iban|account|acct|card|credit|debit|passport|aadhaar|pan|zip|postal)\b/,
};

/** libphonenumber-js calls allowed per text; past it, the shape decides (see below). Bounds the cost of a text full of numbers. */
const parseBudget = 8;

/**
 * Groups of one digit ("1 1 1 1"), more than six groups, or groups of more than five digits among several are not how
 * phone numbers are written.
 */
function hasPhoneGrouping(candidate: string): boolean {
  let groups = 0;
  let single = 0;
  let long = false;
  let size = 0;
  for (let index = 0; index <= candidate.length; index++) {
    const code = index < candidate.length ? candidate.charCodeAt(index) : 32;
    if (code >= 48 && code <= 57) {
      size++;
      continue;
    }
    if (size > 0) {
      groups++;
      if (size === 1) single++;
      if (size > 5) long = true;
    }
    size = 0;
  }
  // Written numbers have at most six groups ("+33 1 23 45 67 89").
  return groups === 1 || (groups <= 6 && single <= 1 && !(long && groups > 2));
}

/** A North-American or international shape: what the parser would most likely accept, used once the budget is spent. */
const likelyPhone = /^(?:\+\d{1,3}[ .-]?)?(?:\(\d{2,4}\)|\d{2,4})[ .-]\d{3,4}[ .-]\d{3,4}$/;

const isoDate = /\b(?:1[89]|20)\d\d[-/.](?:0?[1-9]|1[0-2])[-/.](?:0?[1-9]|[12]\d|3[01])\b/;

/** Money and units right before or after a number ("$ 1 234 567", "12 345 678 INR"). */
const quantityContext = { positive: numericNegativeContext, before: 16, after: 12 };
const quantityAround = (text: string, start: number, end: number): boolean => findContext(text, start, end, quantityContext).positive;

function regionsOf(regions: readonly string[]): CountryCode[] {
  return regions.filter((region): region is CountryCode => isSupportedCountry(region));
}

const regionCache = new WeakMap<readonly string[], CountryCode[]>();

interface RegionLimits {
  /** The shortest national significant number the region has. */
  shortest: number;
  /** Its international (IDD) prefix, found anywhere among the digits. */
  internationalPrefix: RegExp;
}

const metadata = new Metadata();
const limitsCache = new Map<CountryCode, RegionLimits>();

function limitsOf(region: CountryCode): RegionLimits {
  let limits = limitsCache.get(region);
  if (limits === undefined) {
    metadata.selectNumberingPlan(region);
    const plan = metadata.numberingPlan;
    limits = {
      shortest: Math.min(...(plan?.possibleLengths() ?? [0])),
      internationalPrefix: new RegExp(plan?.IDDPrefix() ?? ''),
    };
    limitsCache.set(region, limits);
  }
  return limits;
}

/** Where libphonenumber-js found numbers in a candidate (offsets into the candidate). */
interface FoundNumber {
  startsAt: number;
  endsAt: number;
}

/**
 * Recent answers of libphonenumber-js. It builds regular expressions from its metadata on every call, and V8 drops
 * compiled regular expressions at each garbage collection, so in a running gateway a call costs 30–300 µs (10 µs in a
 * tight loop). The same candidates come back often: a chat sends its history again with every turn, and the stream
 * guard rescans the window it holds back. Keys are a seeded 53-bit hash of region and candidate, so the cache keeps
 * neither the numbers nor, through a sliced string, the texts they came from; with 1,024 keys a collision has a
 * probability of about 10^-10.
 */
const parseCache = new Map<number, readonly FoundNumber[]>();
const parseCacheSize = 1024;
const seeds = randomBytes(8);
const seedHigh = seeds.readUInt32LE(0);
const seedLow = seeds.readUInt32LE(4);

function cacheKey(candidate: string, region: CountryCode | undefined): number {
  let high = seedHigh ^ 0x811c9dc5;
  let low = seedLow ^ 0x01000193;
  const keyed = `${region ?? '+'}:${candidate}`;
  for (let index = 0; index < keyed.length; index++) {
    const code = keyed.charCodeAt(index);
    high = Math.imul(high ^ code, 0x01000193);
    low = Math.imul(low ^ code, 0x5bd1e995) ^ (low >>> 15);
  }
  return (high >>> 0) * 0x200000 + ((low >>> 0) & 0x1fffff);
}

/** Forgets every cached answer: for benchmarks that measure a first sight of each number. */
export function clearPhoneParseCache(): void {
  parseCache.clear();
}

function findNumbers(candidate: string, region: CountryCode | undefined): readonly FoundNumber[] {
  const key = cacheKey(candidate, region);
  let found = parseCache.get(key);
  if (found !== undefined) {
    // Most recently used last: the first key is the one to evict.
    parseCache.delete(key);
  } else {
    found = findPhoneNumbersInText(candidate, region === undefined ? undefined : { defaultCountry: region }).map(({ startsAt, endsAt }) => ({ startsAt, endsAt }));
    if (parseCache.size >= parseCacheSize) parseCache.delete(parseCache.keys().next().value!);
  }
  parseCache.set(key, found);
  return found;
}

/**
 * Whether libphonenumber-js can find a number of the region in a candidate with these digits. A number it reports is
 * valid: read nationally it has one of the region's possible lengths, and dialled abroad it starts with the region's
 * international prefix. The check costs nothing and answers no for short dates, amounts and references ("11-10-1978",
 * "1 234 567"). Checked against the library on 3.5 million random candidates of every shape, in the default regions and
 * others (and by shape-checks.test.ts): it never says no where the library finds a number.
 */
export function mayHoldNumber(digits: string, region: CountryCode): boolean {
  const limits = limitsOf(region);
  return digits.length >= limits.shortest || limits.internationalPrefix.test(digits);
}

export const phoneRecognizer: Recognizer = {
  types: ['PHONE_NUMBER'],
  mayMatch: (text) => profileText(text).digits >= 7,
  recognize(text, options) {
    let regions = regionCache.get(options.phoneRegions);
    if (regions === undefined) {
      regions = regionsOf(options.phoneRegions);
      regionCache.set(options.phoneRegions, regions);
    }
    const findings: Finding[] = [];
    let budget = parseBudget;
    for (const match of text.matchAll(candidatePattern)) {
      if (coverRest(findings, options, text, 'PHONE_NUMBER')) break;
      const candidate = match[0];
      const digits = digitsOf(candidate);
      const digitCount = digits.length;
      if (digitCount < 7 || digitCount > 17 || !hasPhoneGrouping(candidate.trim())) continue;
      if (budget <= 0 && !likelyPhone.test(candidate.trim()) && !candidate.startsWith('+')) continue;
      const international = candidate.startsWith('+') || candidate.startsWith('00');
      const candidateEnd = match.index + candidate.length;
      const context = findContext(text, match.index, candidateEnd, phoneContext);
      const penalised = !context.positive && (context.negative || quantityAround(text, match.index, candidateEnd));
      // Which readings could still reach the threshold: without a phone word only the primary region (or a "+"
      // number) can, and a bare run of digits cannot at all. libphonenumber-js is the costly part, so it is only asked
      // what could matter.
      const boost = context.positive ? 0.3 : penalised ? -0.3 : 0;
      const formattedCandidate = /[ ().-]/.test(candidate.trim());
      let tried: Array<CountryCode | undefined>;
      if (international) tried = 0.7 + boost >= options.minScore ? [undefined] : [];
      else if ((formattedCandidate ? 0.45 : 0.3) + boost >= options.minScore) tried = regions;
      else if ((formattedCandidate ? 0.55 : 0.4) + boost >= options.minScore) tried = regions.slice(0, 1);
      else tried = [];
      if (tried.length > 0 && budget <= 0) {
        // Out of parser calls: keep the numbers that look like phone numbers, scored as the primary region would be.
        const value = candidate.trim();
        if (likelyPhone.test(value)) {
          const start = match.index + candidate.indexOf(value);
          findings.push({ type: 'PHONE_NUMBER', start, end: start + value.length, score: Math.min(1, Math.max(0, 0.55 + boost)) });
        }
        continue;
      }
      for (let rank = 0; rank < tried.length; rank++) {
        const region = tried[rank];
        // A call that cannot find anything still counts against the budget, as if it had been made.
        budget--;
        if (region !== undefined && !mayHoldNumber(digits, region)) continue;
        const found = findNumbers(candidate, region);
        if (found.length === 0) continue;
        for (const number of found) {
          const start = match.index + number.startsAt;
          const end = match.index + number.endsAt;
          const value = text.slice(start, end);
          // Dates and times ("2024-03-15 10:30") share the shape of national numbers.
          if (isoDate.test(value) || /^:\d/.test(text.slice(end, end + 2))) continue;
          const formatted = /[ ().-]/.test(value);
          const score = (international ? 0.7 : rank === 0 ? (formatted ? 0.55 : 0.4) : formatted ? 0.45 : 0.3) + boost;
          findings.push({ type: 'PHONE_NUMBER', start, end, score: Math.min(1, Math.max(0, score)) });
        }
        break;
      }
    }
    return findings;
  },
};
