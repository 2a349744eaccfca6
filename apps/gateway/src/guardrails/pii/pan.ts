import type { Finding } from '../detector.js';
import { findContext } from '../text/context.js';
import { coverRest, hasLettersBeforeDigits, type Recognizer } from './recognizer.js';

/**
 * Income-tax PAN: five letters, four digits, a letter. The fourth letter is the holder's type: P person, C company,
 * H Hindu undivided family, F firm, A association of persons, T trust, B body of individuals, L local authority,
 * J artificial juridical person, G government.
 */
const panPattern = /(?<![A-Za-z0-9])[A-Z]{3}[PCHFATBLJG][A-Z]\d{4}[A-Z](?![A-Za-z0-9])/g;
const panContext = { positive: /\b(?:pan|pan card|permanent account|income tax|itr|tds|form 16|kyc)\b/ };

export function isValidPan(value: string): boolean {
  return /^[A-Z]{3}[PCHFATBLJG][A-Z]\d{4}[A-Z]$/.test(value) && value.slice(5, 9) !== '0000';
}

export const panRecognizer: Recognizer = {
  types: ['IN_PAN'],
  mayMatch: (text) => hasLettersBeforeDigits(text, 1, 5, 'upper'),
  recognize(text, options) {
    const findings: Finding[] = [];
    for (const match of text.matchAll(panPattern)) {
      if (coverRest(findings, options, text, 'IN_PAN')) break;
      if (!isValidPan(match[0])) continue;
      const start = match.index;
      const end = start + match[0].length;
      const score = findContext(text, start, end, panContext).positive ? 0.95 : 0.6;
      findings.push({ type: 'IN_PAN', start, end, score });
    }
    return findings;
  },
};
