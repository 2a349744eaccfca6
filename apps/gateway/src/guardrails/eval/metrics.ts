/** Confusion counts and the scores printed by the evaluation. */
export interface Counts {
  tp: number;
  fp: number;
  fn: number;
}

export const emptyCounts = (): Counts => ({ tp: 0, fp: 0, fn: 0 });

export function addCounts(target: Counts, source: Counts): void {
  target.tp += source.tp;
  target.fp += source.fp;
  target.fn += source.fn;
}

export interface Scores {
  precision: number;
  recall: number;
  f1: number;
}

/** Precision and recall are NaN when undefined (nothing predicted, nothing to find) and printed as "–". */
export function computeScores(counts: Counts): Scores {
  const precision = counts.tp + counts.fp === 0 ? Number.NaN : counts.tp / (counts.tp + counts.fp);
  const recall = counts.tp + counts.fn === 0 ? Number.NaN : counts.tp / (counts.tp + counts.fn);
  const f1 = Number.isNaN(precision) || Number.isNaN(recall) || precision + recall === 0 ? Number.NaN : (2 * precision * recall) / (precision + recall);
  return { precision, recall, f1 };
}

export const formatRate = (value: number): string => (Number.isNaN(value) ? '–' : value.toFixed(3));

/** A row of a markdown table. */
export const tableRow = (cells: Array<string | number>): string => `| ${cells.join(' | ')} |`;

export function markdownTable(header: string[], rows: Array<Array<string | number>>): string {
  return [tableRow(header), tableRow(header.map(() => '---')), ...rows.map(tableRow)].join('\n');
}

/** Share of texts a predicate flags, as "0.042 (3/71)". */
export function flaggedRate(texts: readonly string[], flag: (text: string) => boolean): { rate: number; flagged: number; total: number } {
  let flagged = 0;
  for (const text of texts) if (flag(text)) flagged++;
  return { rate: texts.length === 0 ? Number.NaN : flagged / texts.length, flagged, total: texts.length };
}

export const formatFlagged = (value: { rate: number; flagged: number; total: number }): string =>
  `${formatRate(value.rate)} (${value.flagged}/${value.total})`;
