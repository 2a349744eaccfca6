import type { Finding } from '../detector.js';
import { profileText, registerKeyword } from '../text/keyword-index.js';

/** Whether the text contains any of the words (registered once with the shared keyword index). */
export function containsAny(words: readonly string[]): (text: string) => boolean {
  const ids = words.map((word) => registerKeyword(word));
  return (text) => profileText(text).hasAny(ids);
}

const isDigit = (code: number): boolean => code >= 48 && code <= 57;
const isUpper = (code: number): boolean => code >= 65 && code <= 90;
const isLetter = (code: number): boolean => (code | 32) >= 97 && (code | 32) <= 122;

/** Length of the run of digits starting at `start`. */
export function digitRunLength(text: string, start: number): number {
  let end = start;
  while (isDigit(text.charCodeAt(end))) end++;
  return end - start;
}

/**
 * Whether some run of digits at least `digits` long directly follows `letters` ASCII letters (upper case only, or any):
 * `/[A-Z]{5}\d/.test(text)` is `hasLettersBeforeDigits(text, 1, 5, 'upper')`. Reads only around the digit runs the profile lists.
 */
export function hasLettersBeforeDigits(text: string, digits: number, letters: number, kind: 'upper' | 'any'): boolean {
  const accepts = kind === 'upper' ? isUpper : isLetter;
  next: for (const start of profileText(text).digitRunStarts) {
    if (start < letters) continue;
    // Nearest letter first: most runs of digits follow a space or punctuation.
    for (let offset = start - 1; offset >= start - letters; offset--) if (!accepts(text.charCodeAt(offset))) continue next;
    if (digits === 1 || digitRunLength(text, start) >= digits) return true;
  }
  return false;
}

/** Entity types, named as Presidio names them. */
export const piiEntityTypes = [
  'US_SSN',
  'CREDIT_CARD',
  'IBAN_CODE',
  'ABA_ROUTING_NUMBER',
  'US_BANK_NUMBER',
  'IN_AADHAAR',
  'IN_PAN',
  'US_PASSPORT',
  'EMAIL_ADDRESS',
  'PHONE_NUMBER',
  'IP_ADDRESS',
  'DATE_TIME',
  'PERSON',
  'LOCATION',
  'ORGANIZATION',
] as const;
export type PiiEntityType = (typeof piiEntityTypes)[number];

export interface PiiOptions {
  /** Regions tried, in order, for phone numbers written without a country code. */
  phoneRegions: readonly string[];
  /** DATE_TIME: only dates with birth context ("born", "DOB"), or every full date. */
  dates: 'birth' | 'all';
  /** The threshold findings must reach: a recognizer may skip work that cannot produce a finding this strong. */
  minScore: number;
  /** Findings one recognizer reports in one text before it gives up and covers the rest (see `coverRest`). */
  maxFindings: number;
}

/**
 * Thousands of values of one kind in one text are a data dump, not a conversation. Past `maxFindings` a recognizer
 * stops looking and reports the rest of the text as one finding of its type, so redaction fails closed (the rest is
 * masked) and the cost of a text stays bounded.
 */
export function coverRest(findings: Finding[], options: PiiOptions, text: string, type: PiiEntityType): boolean {
  if (findings.length < options.maxFindings) return false;
  const from = findings.reduce((end, finding) => Math.max(end, finding.end), 0);
  if (from < text.length) findings.push({ type, start: from, end: text.length, score: 1 });
  return true;
}

/** A recognizer proposes scored findings for its entity family; the PII detector thresholds and de-overlaps them. */
export interface Recognizer {
  types: readonly PiiEntityType[];
  /** A cheap test that lets the recognizer skip texts it cannot match (no digit, no `@`, no context word). */
  mayMatch(text: string, options: PiiOptions): boolean;
  recognize(text: string, options: PiiOptions): Finding[];
}

/** Money, quantities and versions near a number make it less likely to be an identifier. */
export const numericNegativeContext =
  /[$€£¥₹%]|\b(?:usd|eur|gbp|inr|jpy|dollars?|euros?|pounds|rupees|cents?|million|billion|thousand|revenue|shares|units|total|amount|price|cost|profit|loss|order|invoice|tracking|ticket|case|isbn|version|serial|sku|model|part|page|quantity|qty|population|kg|km|miles)\b/;
