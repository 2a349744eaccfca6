import { z } from 'zod';

/** Guardrail ids as the admin API and policies name them. */
export const detectorIds = [
  'pii',
  'secrets',
  'prompt_injection',
  'jailbreak',
  'toxicity',
  'financial_advice',
  'confidential',
] as const;
export type DetectorId = (typeof detectorIds)[number];
export const detectorIdSchema = z.enum(detectorIds);

/** One thing a detector saw: its type (Presidio names for PII), a span into the scanned text and a confidence. */
export interface Finding {
  type: string;
  /** Offset of the first character, in UTF-16 code units like `String.prototype.slice`. */
  start: number;
  /** Offset after the last character (exclusive). */
  end: number;
  /** 0..1. */
  score: number;
}

export interface Detection {
  /** `score >= threshold`. */
  triggered: boolean;
  /** 0..1: the strongest finding, or the combined evidence for classifier-like detectors. */
  score: number;
  /** Findings at or above the threshold, sorted by start. */
  findings: Finding[];
}

/**
 * A deterministic detector. `paramsSchema` parses whatever a policy stores (defaults filled in); `detect` is pure and
 * must stay linear in the text length: it runs on every request in the hot path.
 */
export interface Detector<Params extends DetectorParams = DetectorParams> {
  id: DetectorId;
  description: string;
  paramsSchema: z.ZodType<Params>;
  detect(text: string, params: Params): Detection;
}

/** Every detector's parameters carry the threshold a policy sets. */
export interface DetectorParams {
  threshold: number;
}

export const thresholdSchema = z.number().min(0).max(1).default(0.5);

/**
 * Turns findings into a detection. Span detectors (PII, secrets) keep the findings at or above the threshold and score
 * the strongest; classifier-like detectors pass their combined `score` and keep every contributing finding when it
 * triggers.
 */
export function buildDetection(findings: Finding[], threshold: number, combinedScore?: number): Detection {
  if (combinedScore === undefined) {
    const kept = findings.filter((finding) => finding.score >= threshold).sort(compareFindings);
    const best = roundScore(kept.reduce((max, finding) => Math.max(max, finding.score), 0));
    const below = roundScore(findings.reduce((max, finding) => Math.max(max, finding.score), 0));
    return { triggered: kept.length > 0, score: kept.length > 0 ? best : below, findings: kept };
  }
  const score = roundScore(combinedScore);
  const triggered = score >= threshold && findings.length > 0;
  return { triggered, score, findings: triggered ? [...findings].sort(compareFindings) : [] };
}

export function compareFindings(a: Finding, b: Finding): number {
  return a.start - b.start || b.end - a.end;
}

export function roundScore(score: number): number {
  return Math.round(Math.min(1, Math.max(0, score)) * 1000) / 1000;
}

/** Reused by every call: a fresh array per text would be allocated outside the heap, which costs more than the fill. */
let occupiedScratch = new Uint8Array(4096);

/**
 * Keeps the strongest of overlapping findings (then the longest), so one value is reported once: a Luhn-valid card
 * number is not also a phone number. Linear in the total length of the findings (an occupancy map of the text), so
 * thousands of findings cost no more than one pass.
 */
export function resolveOverlaps(findings: Finding[]): Finding[] {
  if (findings.length < 2) return findings;
  const ranked = [...findings].sort((a, b) => b.score - a.score || b.end - b.start - (a.end - a.start) || a.start - b.start);
  const end = ranked.reduce((max, finding) => Math.max(max, finding.end), 0);
  if (occupiedScratch.length < end) occupiedScratch = new Uint8Array(Math.max(end, occupiedScratch.length * 2));
  const occupied = occupiedScratch;
  occupied.fill(0, 0, end);
  const kept: Finding[] = [];
  for (const finding of ranked) {
    let free = true;
    for (let position = finding.start; position < finding.end; position++) {
      if (occupied[position] === 1) {
        free = false;
        break;
      }
    }
    if (!free) continue;
    occupied.fill(1, finding.start, finding.end);
    kept.push(finding);
  }
  return kept.sort(compareFindings);
}
