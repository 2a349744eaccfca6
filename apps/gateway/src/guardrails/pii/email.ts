import type { Finding } from '../detector.js';
import { coverRest, type Recognizer } from './recognizer.js';

const localChar = /[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]/;
const domainChar = /[A-Za-z0-9.-]/;
const domainShape = /^(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,24}$/;

/**
 * Walks outwards from each `@` instead of running one large regex, so a text of 50,000 `@` or dots costs one pass:
 * a local part of at most 64 characters to the left, a domain of at most 253 to the right.
 */
export function findEmailAddresses(text: string): Array<{ start: number; end: number }> {
  const spans: Array<{ start: number; end: number }> = [];
  let lastEnd = 0;
  let at = text.indexOf('@');
  for (; at !== -1; at = text.indexOf('@', at + 1)) {
    let start = at;
    while (start > Math.max(lastEnd, at - 64) && localChar.test(text[start - 1] ?? '')) start--;
    // A local part neither starts nor ends with a dot.
    while (start < at && text[start] === '.') start++;
    if (start === at || text[at - 1] === '.') continue;
    let end = at + 1;
    while (end < text.length && end - at <= 253 && domainChar.test(text[end] ?? '')) end++;
    while (end > at + 1 && (text[end - 1] === '.' || text[end - 1] === '-')) end--;
    if (!domainShape.test(text.slice(at + 1, end))) continue;
    spans.push({ start, end });
    lastEnd = end;
    at = end - 1;
  }
  return spans;
}

export const emailRecognizer: Recognizer = {
  types: ['EMAIL_ADDRESS'],
  mayMatch: (text) => text.includes('@'),
  recognize(text, options) {
    const findings: Finding[] = [];
    for (const { start, end } of findEmailAddresses(text)) {
      if (coverRest(findings, options, text, 'EMAIL_ADDRESS')) break;
      findings.push({ type: 'EMAIL_ADDRESS', start, end, score: 0.9 });
    }
    return findings;
  },
};
