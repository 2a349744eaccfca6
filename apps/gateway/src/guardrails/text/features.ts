import type { Finding } from '../detector.js';
import { anchorPattern, execAnchored, type AnchoredPattern } from './anchored-search.js';
import { findEncodedPayloads } from './decode.js';
import { profileText, registerKeyword, type TextProfile } from './keyword-index.js';
import { normalizeObfuscation } from './normalize.js';

/**
 * A scored feature of an attack technique. Features are evidence, not verdicts: each has a weight (the probability
 * that a text showing it is an attack, judged by what the technique looks like in benign text), and a text's score is
 * the noisy-OR of the distinct features it shows, so one weak cue never triggers alone and independent cues add up.
 */
export interface Feature {
  type: string;
  weight: number;
  /** Case-insensitive, no global flag: only the first match is needed. */
  pattern: RegExp;
  /**
   * Groups of keyword ids (registered with the keyword index): every match of `pattern` contains a keyword of each
   * group, so the pattern runs only on texts that contain one of every group. Empty: always runs.
   */
  anchorGroups: number[][];
  /** The pattern, run around the anchors' occurrences only. */
  anchored: AnchoredPattern;
  /** Also run when the text has letters of a non-Latin script (patterns anchors cannot express). */
  nonLatin: boolean;
  /** Supporting evidence only: evaluated once another feature has matched. */
  supporting: boolean;
}

/** What a feature is made of, before its anchors are registered. */
export interface FeatureSpec {
  pattern: RegExp;
  /** Lower-case ASCII substrings, one of which every match contains. */
  anchors?: readonly string[];
  /** Further groups of substrings: every match also contains one of each group ("ignore" … "instructions"). */
  alsoAnchors?: ReadonlyArray<readonly string[]>;
  nonLatin?: boolean;
  supporting?: boolean;
}

export function defineFeature(type: string, weight: number, spec: FeatureSpec): Feature {
  const anchorGroups = [...(spec.anchors === undefined ? [] : [spec.anchors]), ...(spec.alsoAnchors ?? [])]
    .map((group) => group.map((anchor) => registerKeyword(anchor)));
  return {
    type,
    weight,
    pattern: spec.pattern,
    anchorGroups,
    anchored: anchorPattern(spec.pattern, anchorGroups),
    nonLatin: spec.nonLatin ?? false,
    supporting: spec.supporting ?? false,
  };
}

export const defineFeatures = (type: string, weight: number, specs: readonly FeatureSpec[]): Feature[] =>
  specs.map((spec) => defineFeature(type, weight, spec));

/** The feature's first match in a view: around its anchors, or in the whole text when non-Latin letters may hold one. */
function execFeature(feature: Feature, view: View): RegExpExecArray | null {
  if (feature.nonLatin && view.profile.nonLatin) return feature.pattern.exec(view.text);
  for (const group of feature.anchorGroups) if (!view.profile.hasAny(group)) return null;
  return execAnchored(view.text, view.profile, feature.anchored);
}

interface View {
  text: string;
  profile: TextProfile;
  /** Maps a span of `text` back to the scanned text. */
  locate(start: number, end: number): [number, number];
}

export interface FeatureScan {
  score: number;
  findings: Finding[];
}

export interface FeatureScanOptions {
  /** Weight of the evidence that the text carries a payload in base64, hex, percent-encoding or ROT13 at all. */
  encodedPayloadWeight: number;
  /** Decode and rescan encoded payloads (attack detectors); plain-language detectors skip it. */
  decode?: boolean;
}

/** A few recent results per text: the detectors of one request share one normalisation and one decoding. */
function memoize<Result>(compute: (text: string) => Result): (text: string) => Result {
  const recent: Array<{ text: string; result: Result }> = [];
  return (text) => {
    for (const entry of recent) if (entry.text === text) return entry.result;
    const result = compute(text);
    recent.unshift({ text, result });
    if (recent.length > 4) recent.pop();
    return result;
  };
}

/** The de-obfuscated view of a text, shared by every detector that looks at it. */
export const normalizedView = memoize(normalizeObfuscation);
const decode = memoize(findEncodedPayloads);

/** The text itself, its de-obfuscated form and every decoded payload (two levels deep), each scanned for features. */
function buildViews(text: string, findings: Finding[], options: FeatureScanOptions): View[] {
  const views: View[] = [{ text, profile: profileText(text), locate: (start, end) => [start, end] }];
  const addNormalized = (source: View): void => {
    if (!source.profile.obfuscated) return;
    const normalized = normalizedView(source.text);
    if (normalized.text === source.text) return;
    views.push({
      text: normalized.text,
      profile: profileText(normalized.text),
      locate: (start, end) =>
        source.locate(normalized.offsets[start] ?? 0, (normalized.offsets[Math.max(start, end - 1)] ?? 0) + 1),
    });
  };
  addNormalized(views[0]!);
  let frontier: View[] = options.decode === false ? [] : [views[0]!];
  for (let depth = 0; depth < 2 && frontier.length > 0; depth++) {
    const next: View[] = [];
    for (const source of frontier) {
      for (const payload of decode(source.text)) {
        const [start, end] = source.locate(payload.start, payload.end);
        findings.push({ type: 'ENCODED_PAYLOAD', start, end, score: options.encodedPayloadWeight });
        const decoded: View = { text: payload.text, profile: profileText(payload.text), locate: () => [start, end] };
        views.push(decoded);
        next.push(decoded);
        addNormalized(decoded);
      }
    }
    frontier = next;
  }
  return views;
}

/** Combines independent evidence: 1 − Π(1 − wᵢ). */
export function noisyOr(weights: Iterable<number>): number {
  let miss = 1;
  for (const weight of weights) miss *= 1 - weight;
  return 1 - miss;
}

export function scanFeatures(text: string, features: readonly Feature[], options: FeatureScanOptions): FeatureScan {
  const findings: Finding[] = [];
  const views = buildViews(text, findings, options);
  const seen = new Set<string>(findings.map((finding) => finding.type));
  for (const feature of features) {
    if (seen.has(feature.type) || (feature.supporting && findings.length === 0)) continue;
    for (const view of views) {
      const match = execFeature(feature, view);
      if (match === null) continue;
      const [start, end] = view.locate(match.index, match.index + Math.max(1, match[0].length));
      findings.push({ type: feature.type, start, end, score: feature.weight });
      seen.add(feature.type);
      break;
    }
  }
  // One finding per feature type: the first payload stands for the others.
  const distinct = new Map<string, Finding>();
  for (const finding of findings) if (!distinct.has(finding.type)) distinct.set(finding.type, finding);
  const kept = [...distinct.values()];
  return { score: noisyOr(kept.map((finding) => finding.score)), findings: kept };
}

/**
 * The literal start of each alternative ("ignor(?:e|ing)" → "ignor", "what (?:is|are)" → "what "), lower-cased: a
 * match of the alternative always contains it, so it can serve as the alternative's anchor.
 */
export function literalPrefixes(words: readonly string[]): string[] {
  return words.map((word) => {
    let cut = word.search(/[(?[\\.*+{|]/);
    // A quantifier applies to the character before it: "instructions?" may end without the "s".
    if (cut > 0 && '?*{'.includes(word[cut] ?? '')) cut--;
    return (cut === -1 ? word : word.slice(0, cut)).toLowerCase();
  });
}

/** Joins alternatives into a non-capturing group. */
export function anyOf(words: readonly string[]): string {
  return `(?:${words.join('|')})`;
}
