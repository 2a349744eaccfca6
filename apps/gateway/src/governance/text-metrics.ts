import type { TextMetrics } from '@arbiter/shared';

/**
 * Reference-based metrics, with the conventions of the tools people compare numbers with:
 * - BLEU as sacreBLEU computes a sentence score by default: 13a tokenisation, case-sensitive, BLEU-4 with uniform
 *   weights, exponential ("exp", mteval's NIST geometric) smoothing of zero n-gram matches, effective order, the
 *   closest reference length for the brevity penalty (Papineni et al. 2002). Without smoothing it is NLTK's
 *   `sentence_bleu`.
 * - ROUGE-1/2/L F-measures as Google's `rouge-score` computes them by default: lower-cased alphanumeric tokens, no
 *   stemming, precision against the prediction and recall against the target.
 * Tested against values those tools publish in their docs and tests (text-metrics.test.ts).
 */

export interface BleuOptions {
  /** Weights per n-gram order (NLTK's `weights`); default BLEU-4 with uniform weights. */
  weights?: readonly number[];
  smoothing?: 'none' | 'exp';
  /** sacreBLEU's `effective_order`: orders longer than the hypothesis are left out (and the weights made uniform). */
  effectiveOrder?: boolean;
}

export interface RougeScore {
  precision: number;
  recall: number;
  fmeasure: number;
}

/** Past this, answers are truncated for the metrics: ROUGE-L is quadratic and must not hold the event loop. */
export const METRIC_TOKEN_LIMIT = 2000;

export function computeTextMetrics(prediction: string, reference: string): TextMetrics {
  const bleuPrediction = tokenize13a(prediction).slice(0, METRIC_TOKEN_LIMIT);
  const bleuReference = tokenize13a(reference).slice(0, METRIC_TOKEN_LIMIT);
  const target = tokenizeForRouge(reference).slice(0, METRIC_TOKEN_LIMIT);
  const predicted = tokenizeForRouge(prediction).slice(0, METRIC_TOKEN_LIMIT);
  return {
    bleu: computeBleu(bleuPrediction, [bleuReference], { smoothing: 'exp', effectiveOrder: true }),
    rouge1: computeRougeN(target, predicted, 1).fmeasure,
    rouge2: computeRougeN(target, predicted, 2).fmeasure,
    rougeL: computeRougeL(target, predicted).fmeasure,
  };
}

/** BLEU of one hypothesis against one or more references (token lists), 0–1. */
export function computeBleu(hypothesis: readonly string[], references: ReadonlyArray<readonly string[]>, options: BleuOptions = {}): number {
  const weights = options.weights ?? [0.25, 0.25, 0.25, 0.25];
  if (hypothesis.length === 0 || references.length === 0) return 0;
  const stats = weights.map((_, index) => matchNgrams(hypothesis, references, index + 1));
  // No unigram in common: BLEU is 0 whatever the smoothing (sacreBLEU #141, NLTK).
  if ((stats[0]?.matches ?? 0) === 0) return 0;
  let orders = weights;
  if (options.effectiveOrder === true) {
    const firstEmpty = stats.findIndex((stat) => stat.total === 0);
    const count = firstEmpty === -1 ? weights.length : firstEmpty;
    orders = Array.from({ length: count }, () => 1 / count);
  }
  let logSum = 0;
  let smoothingDivisor = 1;
  for (const [index, weight] of orders.entries()) {
    const { matches, total } = stats[index] ?? { matches: 0, total: 0 };
    let precision: number;
    if (matches > 0) precision = matches / total;
    else if (options.smoothing === 'exp') {
      smoothingDivisor *= 2;
      precision = 1 / (smoothingDivisor * Math.max(1, total));
    } else return 0;
    logSum += weight * Math.log(precision);
  }
  const referenceLength = closestReferenceLength(references, hypothesis.length);
  return Math.min(1, brevityPenalty(referenceLength, hypothesis.length) * Math.exp(logSum));
}

/** ROUGE-N of a prediction against a target (token lists). */
export function computeRougeN(target: readonly string[], prediction: readonly string[], n: number): RougeScore {
  const targetCounts = countNgrams(target, n);
  const predictionCounts = countNgrams(prediction, n);
  let overlap = 0;
  for (const [ngram, count] of predictionCounts) overlap += Math.min(count, targetCounts.get(ngram) ?? 0);
  const precision = overlap / Math.max(1, Math.max(0, prediction.length - n + 1));
  const recall = overlap / Math.max(1, Math.max(0, target.length - n + 1));
  return { precision, recall, fmeasure: fmeasure(precision, recall) };
}

/** ROUGE-L (longest common subsequence) of a prediction against a target (token lists). */
export function computeRougeL(target: readonly string[], prediction: readonly string[]): RougeScore {
  if (target.length === 0 || prediction.length === 0) return { precision: 0, recall: 0, fmeasure: 0 };
  const lcs = longestCommonSubsequence(target, prediction);
  const precision = lcs / prediction.length;
  const recall = lcs / target.length;
  return { precision, recall, fmeasure: fmeasure(precision, recall) };
}

/** sacreBLEU's 13a tokeniser (mteval-v13a.pl): punctuation split off, periods and commas kept inside numbers. */
export function tokenize13a(text: string): string[] {
  let line = text.replaceAll('<skipped>', '').replaceAll('-\n', '').replaceAll('\n', ' ');
  if (line.includes('&')) {
    line = line.replaceAll('&quot;', '"').replaceAll('&amp;', '&').replaceAll('&lt;', '<').replaceAll('&gt;', '>');
  }
  line = ` ${line} `
    .replace(/([{-~[-` -&(-+:-@/])/g, ' $1 ')
    .replace(/([^0-9])([.,])/g, '$1 $2 ')
    .replace(/([.,])([^0-9])/g, ' $1 $2')
    .replace(/([0-9])(-)/g, '$1 $2 ');
  return line.split(/\s+/).filter((token) => token !== '');
}

/** rouge-score's default tokeniser: lower case, every run of non-alphanumerics is a separator. */
export function tokenizeForRouge(text: string): string[] {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, ' ')
    .split(/\s+/)
    .filter((token) => /^[a-z0-9]+$/.test(token));
}

function matchNgrams(hypothesis: readonly string[], references: ReadonlyArray<readonly string[]>, n: number): { matches: number; total: number } {
  const counts = countNgrams(hypothesis, n);
  const maxReferenceCounts = new Map<string, number>();
  for (const reference of references) {
    for (const [ngram, count] of countNgrams(reference, n)) {
      if (counts.has(ngram)) maxReferenceCounts.set(ngram, Math.max(maxReferenceCounts.get(ngram) ?? 0, count));
    }
  }
  let matches = 0;
  for (const [ngram, count] of counts) matches += Math.min(count, maxReferenceCounts.get(ngram) ?? 0);
  return { matches, total: Math.max(0, hypothesis.length - n + 1) };
}

function countNgrams(tokens: readonly string[], n: number): Map<string, number> {
  const counts = new Map<string, number>();
  for (let start = 0; start + n <= tokens.length; start++) {
    // U+0001 cannot occur inside a token, so joined n-grams never collide.
    const ngram = tokens.slice(start, start + n).join('\u0001');
    counts.set(ngram, (counts.get(ngram) ?? 0) + 1);
  }
  return counts;
}

/** The reference length closest to the hypothesis length; on a tie, the shorter one. */
function closestReferenceLength(references: ReadonlyArray<readonly string[]>, hypothesisLength: number): number {
  let best = references[0]?.length ?? 0;
  for (const reference of references) {
    const distance = Math.abs(reference.length - hypothesisLength);
    const bestDistance = Math.abs(best - hypothesisLength);
    if (distance < bestDistance || (distance === bestDistance && reference.length < best)) best = reference.length;
  }
  return best;
}

function brevityPenalty(referenceLength: number, hypothesisLength: number): number {
  if (hypothesisLength > referenceLength) return 1;
  if (hypothesisLength === 0) return 0;
  return Math.exp(1 - referenceLength / hypothesisLength);
}

function longestCommonSubsequence(a: readonly string[], b: readonly string[]): number {
  let previous = new Uint32Array(b.length + 1);
  let current = new Uint32Array(b.length + 1);
  for (const token of a) {
    for (let column = 1; column <= b.length; column++) {
      current[column] = token === b[column - 1] ? (previous[column - 1] ?? 0) + 1 : Math.max(previous[column] ?? 0, current[column - 1] ?? 0);
    }
    [previous, current] = [current, previous];
  }
  return previous[b.length] ?? 0;
}

function fmeasure(precision: number, recall: number): number {
  return precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0;
}
