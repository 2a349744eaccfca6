import type { Finding } from '../detector.js';
import { emptyCounts, type Counts } from './metrics.js';

export interface GoldSpan {
  type: string;
  start: number;
  end: number;
}

/**
 * Entity-level matching: a prediction is a true positive when it overlaps an unmatched gold span of the same type;
 * every other prediction is a false positive and every unmatched gold span a false negative. Types outside `types`
 * are ignored on both sides.
 */
export function matchSpans(gold: readonly GoldSpan[], predicted: readonly Finding[], types: ReadonlySet<string>, into: Map<string, Counts>): void {
  const counts = (type: string): Counts => {
    let entry = into.get(type);
    if (entry === undefined) {
      entry = emptyCounts();
      into.set(type, entry);
    }
    return entry;
  };
  const used = new Set<number>();
  for (const finding of predicted) {
    if (!types.has(finding.type)) continue;
    const index = gold.findIndex(
      (span, position) => !used.has(position) && span.type === finding.type && span.start < finding.end && finding.start < span.end,
    );
    if (index === -1) counts(finding.type).fp++;
    else {
      used.add(index);
      counts(finding.type).tp++;
    }
  }
  gold.forEach((span, position) => {
    if (types.has(span.type) && !used.has(position)) counts(span.type).fn++;
  });
}

/** Offsets of labelled values found by search, in order, so repeated values get successive occurrences. */
export function locateValues(text: string, spans: ReadonlyArray<{ type: string; value: string }>): GoldSpan[] {
  const located: GoldSpan[] = [];
  const from = new Map<string, number>();
  for (const { type, value } of spans) {
    const start = text.indexOf(value, from.get(value) ?? 0);
    if (start === -1) throw new Error(`labelled value not in text: ${value}`);
    from.set(value, start + value.length);
    located.push({ type, start, end: start + value.length });
  }
  return located;
}
