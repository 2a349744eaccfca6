import { z } from 'zod';
import { buildDetection, resolveOverlaps, thresholdSchema, type Detector, type Finding } from './detector.js';
import { anchorPattern, matchAllAnchored, type AnchoredPattern } from './text/anchored-search.js';
import { profileText, registerKeyword } from './text/keyword-index.js';

/**
 * Tenant regular expressions run in the hot path on every request, so they must not backtrack catastrophically. The
 * check rejects the shapes that can (a quantified group containing a quantifier, back-references, over-long
 * patterns); what it accepts is linear or close to it in V8's engine.
 */
export function checkPatternSafety(source: string): string | undefined {
  if (source.length > 300) return 'pattern longer than 300 characters';
  if (/\\[1-9]|\\k</.test(source)) return 'back-references are not allowed';
  // Strip escapes and character classes, then look for a group that is quantified and contains a quantifier.
  const simplified = source.replace(/\\./g, 'x').replace(/\[(?:\\.|[^\]])*\]/g, 'x');
  const stack: boolean[] = [];
  let quantifiedInside = false;
  for (let index = 0; index < simplified.length; index++) {
    const character = simplified[index];
    if (character === '(') {
      stack.push(quantifiedInside);
      quantifiedInside = false;
    } else if (character === ')') {
      const next = simplified[index + 1];
      const groupQuantified = next === '*' || next === '+' || next === '?' || next === '{';
      if (groupQuantified && quantifiedInside && next !== '?') return 'nested quantifiers can backtrack exponentially';
      quantifiedInside = (stack.pop() ?? false) || quantifiedInside || groupQuantified;
    } else if (character === '*' || character === '+' || character === '{') {
      quantifiedInside = true;
    }
  }
  return undefined;
}

const patternSource = z
  .string()
  .min(1)
  .superRefine((source, context) => {
    const problem = checkPatternSafety(source);
    if (problem !== undefined) context.addIssue({ code: 'custom', message: problem });
    try {
      new RegExp(source, 'u');
    } catch (error) {
      context.addIssue({ code: 'custom', message: error instanceof Error ? error.message : 'invalid pattern' });
    }
  });

/** Markers printed on classified documents. Upper-case or labelled forms only: "keep this confidential" is prose. */
export const defaultClassificationMarkers = [
  'CONFIDENTIAL',
  'STRICTLY CONFIDENTIAL',
  'HIGHLY CONFIDENTIAL',
  'INTERNAL ONLY',
  'INTERNAL USE ONLY',
  'FOR INTERNAL USE ONLY',
  'RESTRICTED',
  'TOP SECRET',
  'NOT FOR DISTRIBUTION',
  'DO NOT DISTRIBUTE',
  'DO NOT FORWARD',
  'PROPRIETARY',
  'PRIVILEGED AND CONFIDENTIAL',
  'PRIVILEGED & CONFIDENTIAL',
  'ATTORNEY-CLIENT PRIVILEGED',
  'MNPI',
  'MATERIAL NON-PUBLIC INFORMATION',
  'TRADE SECRET',
];

export const confidentialParamsSchema = z.object({
  threshold: thresholdSchema,
  /** Tenant terms (project code names, client names, deal names): matched as whole words, case-insensitively. */
  terms: z.array(z.string().min(1).max(200)).max(1000).default([]),
  /** Tenant regular expressions (document ids such as `DOC-\d{4}-\d{5}`), checked for backtracking hazards. */
  patterns: z.array(patternSource).max(100).default([]),
  /** Classification markers, matched in upper case or after a "Classification:" label. */
  markers: z.array(z.string().min(1).max(100)).default(() => [...defaultClassificationMarkers]),
});
export type ConfidentialParams = z.infer<typeof confidentialParamsSchema>;

interface Compiled {
  markerAnchors: number[];
  labelAnchors: number[];
  terms: RegExp | undefined;
  patterns: RegExp[];
  markers: RegExp | undefined;
  anchoredMarkers: AnchoredPattern | undefined;
  labelledMarkers: RegExp | undefined;
}

const escape = (value: string): string => value.replace(/[\\^$.*+?()[\]{}|/]/g, '\\$&');
const compiledCache = new WeakMap<ConfidentialParams, Compiled>();

function compile(params: ConfidentialParams): Compiled {
  let compiled = compiledCache.get(params);
  if (compiled !== undefined) return compiled;
  const alternation = (values: string[], flags: string): RegExp | undefined =>
    values.length === 0
      ? undefined
      : new RegExp(`(?<![\\p{L}\\p{N}_])(?:${[...values].sort((a, b) => b.length - a.length).map(escape).join('|')})(?![\\p{L}\\p{N}_])`, flags);
  const markers = params.markers.map((marker) => marker.toUpperCase());
  // Markers are matched in upper case; the keyword index finds them in any case first, which is enough to skip.
  const anchorTexts = markers.map((marker) => marker.toLowerCase().replace(/[^a-z0-9 .\-_'"/:@$!|*#<>[\]{}()=+,;?&%~^`\\]/g, ' '));
  const markerAnchors = anchorTexts.map((anchor) => registerKeyword(anchor));
  const markerPattern = alternation(markers, 'gu');
  compiled = {
    markerAnchors,
    labelAnchors: ['classif', 'sensitivity', 'label', 'marking'].map((word) => registerKeyword(word)),
    terms: alternation(params.terms, 'giu'),
    patterns: params.patterns.map((source) => new RegExp(source, 'gu')),
    markers: markerPattern,
    // A marker with characters the keyword index does not read has no exact anchor: those are scanned for in the
    // whole text, as before.
    anchoredMarkers:
      markerPattern === undefined || anchorTexts.some((anchor, index) => anchor !== markers[index]!.toLowerCase())
        ? undefined
        : anchorPattern(markerPattern, [markerAnchors]),
    labelledMarkers:
      markers.length === 0
        ? undefined
        : new RegExp(`\\b(?:classification|classified|sensitivity|label|marking)\\s*[:=-]\\s*(?:${markers.map(escape).join('|')})\\b`, 'giu'),
  };
  compiledCache.set(params, compiled);
  return compiled;
}

export function findConfidential(text: string, params: ConfidentialParams): Finding[] {
  const compiled = compile(params);
  const findings: Finding[] = [];
  const collect = (pattern: RegExp | undefined, type: string, score: number): void => {
    if (pattern === undefined) return;
    for (const match of text.matchAll(pattern)) {
      if (match[0].length === 0) continue;
      findings.push({ type, start: match.index, end: match.index + match[0].length, score });
    }
  };
  collect(compiled.terms, 'CONFIDENTIAL_TERM', 0.9);
  for (const pattern of compiled.patterns) collect(pattern, 'CONFIDENTIAL_PATTERN', 0.9);
  const profile = profileText(text);
  if (profile.hasAny(compiled.markerAnchors)) {
    if (profile.hasAny(compiled.labelAnchors)) collect(compiled.labelledMarkers, 'CLASSIFICATION_MARKER', 0.9);
    if (compiled.anchoredMarkers === undefined) collect(compiled.markers, 'CLASSIFICATION_MARKER', 0.8);
    else {
      for (const match of matchAllAnchored(text, profile, compiled.anchoredMarkers)) {
        if (match[0].length > 0) findings.push({ type: 'CLASSIFICATION_MARKER', start: match.index, end: match.index + match[0].length, score: 0.8 });
      }
    }
  }
  return resolveOverlaps(findings);
}

export const confidentialDetector: Detector<ConfidentialParams> = {
  id: 'confidential',
  description: 'Tenant-defined confidential terms and patterns (document ids, code names) and classification markers',
  paramsSchema: confidentialParamsSchema,
  detect(text, params) {
    return buildDetection(findConfidential(text, params), params.threshold);
  },
};
