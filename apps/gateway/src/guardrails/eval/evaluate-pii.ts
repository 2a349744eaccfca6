import { piiParamsSchema, recognizePii } from '../pii/pii-detector.js';
import { piiEntityTypes } from '../pii/recognizer.js';
import { loadHandMade, loadPresidio } from './datasets.js';
import {
  createRandom,
  generateAadhaar,
  generateAbaRoutingNumber,
  generateCardNumber,
  generateIban,
  generateIbanShaped,
  generateSsn,
  groupDigits,
  pick,
  randomDigits,
  randomInt,
  type Random,
} from './identifiers.js';
import { addCounts, computeScores, emptyCounts, formatRate, markdownTable, type Counts } from './metrics.js';
import { locateValues, matchSpans } from './span-matching.js';

const presidioTypeNames: Record<string, string> = { GPE: 'LOCATION' };
export const patternTypes = ['CREDIT_CARD', 'EMAIL_ADDRESS', 'PHONE_NUMBER', 'US_SSN', 'IP_ADDRESS', 'IBAN_CODE'];

function scoreRows(counts: Map<string, Counts>, order: readonly string[]): Array<Array<string | number>> {
  return order
    .filter((type) => counts.has(type))
    .map((type) => {
      const entry = counts.get(type)!;
      const scores = computeScores(entry);
      return [type, entry.tp + entry.fn, entry.tp, entry.fp, entry.fn, formatRate(scores.precision), formatRate(scores.recall), formatRate(scores.f1)];
    });
}

function microRow(label: string, counts: Map<string, Counts>, types: readonly string[]): Array<string | number> {
  const total = emptyCounts();
  for (const type of types) {
    const entry = counts.get(type);
    if (entry !== undefined) addCounts(total, entry);
  }
  const scores = computeScores(total);
  return [label, total.tp + total.fn, total.tp, total.fp, total.fn, formatRate(scores.precision), formatRate(scores.recall), formatRate(scores.f1)];
}

const header = ['entity', 'gold', 'TP', 'FP', 'FN', 'precision', 'recall', 'F1'];

/** Presidio's synthetic set: every type we detect, names included, dates in `all` mode (the set labels every date). */
export function evaluatePresidio(root: string): string {
  const params = piiParamsSchema.parse({ entities: [...piiEntityTypes], dates: 'all' });
  const types = new Set<string>(piiEntityTypes);
  const counts = new Map<string, Counts>();
  for (const sample of loadPresidio(root)) {
    const gold = sample.spans.map((span) => ({
      type: presidioTypeNames[span.entity_type] ?? span.entity_type,
      start: span.start_position,
      end: span.end_position,
    }));
    const predicted = recognizePii(sample.full_text, params).filter((finding) => finding.score >= params.threshold);
    matchSpans(gold, predicted, types, counts);
  }
  return markdownTable(header, [
    ...scoreRows(counts, piiEntityTypes),
    microRow('**pattern types (micro)**', counts, patternTypes),
  ]);
}

/** Hand-made BFSI identifiers (default parameters), and benign finance text full of numbers that must stay clean. */
export function evaluateHandMadePii(root: string): { table: string; benign: string } {
  const params = piiParamsSchema.parse({});
  const types = new Set<string>(piiEntityTypes);
  const counts = new Map<string, Counts>();
  for (const sample of loadHandMade(root, 'pii.jsonl')) {
    const predicted = recognizePii(sample.text, params).filter((finding) => finding.score >= params.threshold);
    matchSpans(locateValues(sample.text, sample.spans), predicted, types, counts);
  }
  const benign = loadHandMade(root, 'benign-finance.jsonl');
  const flaggedTypes = new Map<string, number>();
  let flaggedTexts = 0;
  for (const sample of benign) {
    const predicted = recognizePii(sample.text, params).filter((finding) => finding.score >= params.threshold);
    if (predicted.length > 0) flaggedTexts++;
    for (const finding of predicted) flaggedTypes.set(finding.type, (flaggedTypes.get(finding.type) ?? 0) + 1);
  }
  const byType = [...flaggedTypes].map(([type, count]) => `${type} ×${count}`).join(', ') || 'none';
  return {
    table: markdownTable(header, [...scoreRows(counts, piiEntityTypes), microRow('**all (micro)**', counts, piiEntityTypes)]),
    benign: `${flaggedTexts} of ${benign.length} benign finance texts (${formatRate(flaggedTexts / benign.length)}) produced a PII finding: ${byType}.`,
  };
}

interface ChecksumCase {
  type: string;
  valid: (random: Random) => string;
  /** A string of the same shape with random digits. */
  shaped: (random: Random) => string;
  template: string;
}

const checksumCases: ChecksumCase[] = [
  { type: 'CREDIT_CARD', valid: (r) => groupDigits(generateCardNumber(r)), shaped: (r) => groupDigits(randomDigits(r, 16)), template: 'Please charge card number {v} for the annual fee.' },
  { type: 'ABA_ROUTING_NUMBER', valid: generateAbaRoutingNumber, shaped: (r) => pick(r, ['0', '1', '2', '3', '6']) + randomDigits(r, 8), template: 'Use routing number {v} for the wire.' },
  { type: 'IN_AADHAAR', valid: (r) => groupDigits(generateAadhaar(r)), shaped: (r) => groupDigits(String(randomInt(r, 2, 9)) + randomDigits(r, 11)), template: 'My Aadhaar number is {v}.' },
  { type: 'IBAN_CODE', valid: generateIban, shaped: generateIbanShaped, template: 'Send it to IBAN {v} today.' },
  { type: 'US_SSN', valid: generateSsn, shaped: (r) => `${randomDigits(r, 3)}-${randomDigits(r, 2)}-${randomDigits(r, 4)}`, template: 'His SSN is {v}.' },
];

const flags = (text: string, type: string): boolean => {
  const params = piiParamsSchema.parse({});
  return recognizePii(text, params).some((finding) => finding.type === type && finding.score >= params.threshold);
};

/**
 * What validation buys: valid values and same-shape random strings in the same sentence (so context cannot separate
 * them), and random digit strings of 6–20 digits, bare or grouped, in a neutral sentence with no context words.
 */
export function evaluateChecksums(samples = 1000, randomStrings = 10_000): string {
  const random = createRandom(20250601);
  const neutral: string[] = [];
  for (let index = 0; index < randomStrings; index++) {
    const digits = randomDigits(random, randomInt(random, 6, 20));
    const formatted = random() < 0.5 ? digits : groupDigits(digits, pick(random, [' ', '-']), pick(random, [3, 4]));
    neutral.push(`It says ${formatted} on the second line.`);
  }
  const rows = checksumCases.map((entry) => {
    let truePositives = 0;
    let falsePositives = 0;
    for (let index = 0; index < samples; index++) {
      if (flags(entry.template.replace('{v}', entry.valid(random)), entry.type)) truePositives++;
      if (flags(entry.template.replace('{v}', entry.shaped(random)), entry.type)) falsePositives++;
    }
    const neutralFlagged = neutral.filter((text) => flags(text, entry.type)).length;
    return [
      entry.type,
      `${formatRate(truePositives / samples)}`,
      `${formatRate(falsePositives / samples)}`,
      formatRate(truePositives / (truePositives + falsePositives)),
      `${neutralFlagged} / ${randomStrings} (${formatRate(neutralFlagged / randomStrings)})`,
    ];
  });
  return markdownTable(
    ['type', 'valid values flagged (with context)', 'same-shape random strings flagged (same context)', 'precision, 1:1 mix', 'random 6–20 digit strings flagged, no context'],
    rows,
  );
}
