import { keywordLength, type TextProfile } from './keyword-index.js';
import { measureRegex, type RegexReach } from './regex-reach.js';

/**
 * Runs a regular expression only where it can match: around the occurrences of its anchor keywords, which the keyword
 * index has already found in the same pass that profiles the text.
 *
 * Every match of an anchored pattern contains an occurrence of a keyword from each of its anchor groups (the same
 * promise the detectors already make to skip texts without them). A match is at most `reach.length` long, so it starts
 * within `reach.length` before the end of such an occurrence; an attempt there reads at most `reach.behind` before and
 * `reach.length + reach.ahead` after its start (regex-reach.ts). The pattern is therefore run on slices of the text that
 * hold those ranges, from the first possible start, and a match is kept only if it starts where one could: the result
 * is the one a scan of the whole text would give, at a fraction of the cost when the anchors are few. Occurrences of
 * one group with none of another group close enough are skipped. When the slices would cover most of the text, or the
 * pattern has no bound, the whole text is scanned.
 */
export interface AnchoredPattern {
  /** The pattern, with the `g` flag so that a scan can start at an offset. */
  global: RegExp;
  /** Keyword ids: a match contains one of each group. */
  groups: readonly (readonly number[])[];
  reach: RegexReach | undefined;
}

export function anchorPattern(pattern: RegExp, groups: readonly (readonly number[])[]): AnchoredPattern {
  const flags = pattern.flags.includes('g') ? pattern.flags : `${pattern.flags}g`;
  return { global: new RegExp(pattern.source, flags), groups, reach: measureRegex(pattern) };
}

/** Above this share of the text, one scan of the whole text is cheaper than many slices. */
const wholeTextShare = 0.8;
/** Texts this short are scanned whole: slicing saves nothing. */
const shortText = 256;
/** Two offsets are packed in one float, `first * pairBase + second`: exact for texts shorter than `pairBase`. */
const pairBase = 2 ** 26;
/** Below this many occurrences of the leading group, checking the other groups costs more than it saves. */
const confirmAbove = 2;

const noRanges: readonly number[] = [];

/** Occurrences of a group's keywords, counting no further than `limit`. */
function countOccurrences(profile: TextProfile, group: readonly number[], limit: number): number {
  let count = 0;
  for (const id of group) {
    for (let occurrence = profile.lastOccurrence[id]!; occurrence !== -1 && count < limit; occurrence = profile.previousOccurrence[occurrence]!) {
      count++;
    }
  }
  return count;
}

/** Scratch space for packed ranges, reused by every call (a typed array this size would be allocated off the heap). */
let scratch = new Float64Array(256);

function scratchOf(size: number): Float64Array {
  if (scratch.length < size) scratch = new Float64Array(Math.max(size, scratch.length * 2));
  return scratch;
}

/**
 * Ranges of possible match starts, `[first, last]` pairs in text order; `undefined`: scan the whole text. Empty when a
 * group does not occur.
 */
function candidateStarts(text: string, profile: TextProfile, anchored: AnchoredPattern): readonly number[] | undefined {
  const { groups, reach } = anchored;
  if (groups.length === 0) return undefined;
  if (!profile.occurrencesListed) {
    for (const group of groups) if (!profile.hasAny(group)) return noRanges;
    return undefined;
  }
  // The group with the fewest occurrences leads; the others only confirm.
  let lead = 0;
  let leadCount = Number.POSITIVE_INFINITY;
  for (let group = 0; group < groups.length; group++) {
    const count = countOccurrences(profile, groups[group]!, leadCount);
    if (count === 0) return noRanges;
    if (count < leadCount) {
      lead = group;
      leadCount = count;
    }
  }
  if (reach === undefined || text.length <= shortText || text.length >= pairBase) return undefined;
  const length = reach.length;
  const others: number[][] = [];
  if (leadCount > confirmAbove) {
    for (let group = 0; group < groups.length; group++) if (group !== lead) others.push(sortedOccurrences(profile, groups[group]!));
  }
  const packed = scratchOf(leadCount);
  let count = 0;
  for (const id of groups[lead]!) {
    const size = keywordLength(id);
    next: for (let occurrence = profile.lastOccurrence[id]!; occurrence !== -1; occurrence = profile.previousOccurrence[occurrence]!) {
      const end = profile.occurrenceEnds[occurrence]!;
      // A match holding this occurrence spans at most `length` characters and holds a keyword of every other group
      // too, so it starts before all of them and ends after all of them.
      let first = end - length;
      let last = end - size;
      for (const other of others) {
        const span = spanWithin(other, end - length, end - size + length);
        if (span === undefined) continue next;
        first = Math.max(first, span.earliestEnd - length);
        last = Math.min(last, span.latestStart);
      }
      if (first <= last) packed[count++] = Math.max(0, first) * pairBase + last;
    }
  }
  return mergePacked(packed.subarray(0, count).sort(), reach, text.length);
}

/** Every occurrence of the keywords of a group, packed as `end * pairBase + start`, sorted by end. */
function sortedOccurrences(profile: TextProfile, group: readonly number[]): number[] {
  const packed: number[] = [];
  for (const id of group) {
    const size = keywordLength(id);
    for (let occurrence = profile.lastOccurrence[id]!; occurrence !== -1; occurrence = profile.previousOccurrence[occurrence]!) {
      const end = profile.occurrenceEnds[occurrence]!;
      packed.push(end * pairBase + (end - size));
    }
  }
  return packed.sort(byValue);
}

const byValue = (a: number, b: number): number => a - b;

/** Of the occurrences lying wholly within [low, high], the earliest end and the latest start. */
function spanWithin(packed: readonly number[], low: number, high: number): { earliestEnd: number; latestStart: number } | undefined {
  let from = 0;
  let to = packed.length;
  const lowest = low * pairBase;
  while (from < to) {
    const middle = (from + to) >> 1;
    if (packed[middle]! < lowest) from = middle + 1;
    else to = middle;
  }
  let earliestEnd = -1;
  let latestStart = -1;
  for (let index = from; index < packed.length; index++) {
    const end = Math.floor(packed[index]! / pairBase);
    if (end > high) break;
    const start = packed[index]! - end * pairBase;
    if (start < low) continue;
    if (earliestEnd === -1) earliestEnd = end;
    latestStart = Math.max(latestStart, start);
  }
  return earliestEnd === -1 ? undefined : { earliestEnd, latestStart };
}

/** Merges sorted packed `[first, last]` ranges whose slices would overlap; `undefined` when one scan is cheaper. */
function mergePacked(sorted: Float64Array, reach: RegexReach, textLength: number): readonly number[] | undefined {
  const merged: number[] = [];
  const slack = reach.length + reach.ahead + reach.behind;
  let covered = 0;
  for (let index = 0; index < sorted.length; index++) {
    const first = Math.floor(sorted[index]! / pairBase);
    const last = sorted[index]! - first * pairBase;
    const previous = merged.length - 1;
    if (previous > 0 && first <= merged[previous]! + slack) {
      if (last > merged[previous]!) {
        covered += last - merged[previous]!;
        merged[previous] = last;
      }
    } else {
      merged.push(first, last);
      covered += last - first + slack;
    }
  }
  return covered > textLength * wholeTextShare ? undefined : merged;
}

/**
 * Sorts `[first, last]` pairs of possible match starts and merges those whose slices would overlap; `undefined` when the
 * slices would cover so much of the text that one scan of all of it is cheaper.
 */
export function mergeRanges(ranges: readonly number[], reach: RegexReach, textLength: number): readonly number[] | undefined {
  if (textLength >= pairBase) return undefined;
  const count = ranges.length / 2;
  const packed = scratchOf(count);
  for (let index = 0; index < count; index++) packed[index] = Math.max(0, ranges[index * 2]!) * pairBase + ranges[index * 2 + 1]!;
  return mergePacked(packed.subarray(0, count).sort(), reach, textLength);
}

/**
 * The first match, as `pattern.exec(text)` would find it (its `index` is an offset into `text`), or null when there is
 * none or a group does not occur.
 */
export function execAnchored(text: string, profile: TextProfile, anchored: AnchoredPattern): RegExpExecArray | null {
  return execInRanges(text, anchored, candidateStarts(text, profile, anchored));
}

/** Every match, as `text.matchAll(pattern)` would find them; none when a group does not occur. */
export function matchAllAnchored(text: string, profile: TextProfile, anchored: AnchoredPattern): RegExpExecArray[] {
  return matchAllInRanges(text, anchored, candidateStarts(text, profile, anchored));
}

/**
 * The first match that starts in one of the ranges (`[first, last]` pairs of offsets, ascending, not overlapping), which
 * is the first match in the text when no match can start elsewhere; `undefined` ranges scan the whole text.
 */
export function execInRanges(text: string, anchored: AnchoredPattern, ranges: readonly number[] | undefined): RegExpExecArray | null {
  const { global, reach } = anchored;
  if (ranges === undefined || reach === undefined) {
    global.lastIndex = 0;
    return global.exec(text);
  }
  for (let index = 0; index < ranges.length; index += 2) {
    const match = execInRange(text, global, reach, ranges[index]!, ranges[index + 1]!, ranges[index]!);
    if (match !== null) return match;
  }
  return null;
}

/** The matches a scan of the whole text would find, when none can start outside the ranges (see `execInRanges`). */
export function matchAllInRanges(text: string, anchored: AnchoredPattern, ranges: readonly number[] | undefined): RegExpExecArray[] {
  const { global, reach } = anchored;
  const matches: RegExpExecArray[] = [];
  if (ranges === undefined || reach === undefined) {
    global.lastIndex = 0;
    for (let match = global.exec(text); match !== null; match = global.exec(text)) {
      matches.push(match);
      if (match[0].length === 0) global.lastIndex++;
    }
    return matches;
  }
  // Matches do not overlap: each scan resumes where the previous match ended.
  let resume = 0;
  for (let index = 0; index < ranges.length; index += 2) {
    const last = ranges[index + 1]!;
    let from = Math.max(ranges[index]!, resume);
    while (from <= last) {
      const match = execInRange(text, global, reach, ranges[index]!, last, from);
      if (match === null) break;
      matches.push(match);
      resume = match.index + Math.max(1, match[0].length);
      from = resume;
    }
  }
  return matches;
}

/** The first match starting in [from, last], scanning a slice that holds everything such an attempt reads. */
function execInRange(text: string, global: RegExp, reach: RegexReach, first: number, last: number, from: number): RegExpExecArray | null {
  const sliceStart = Math.max(0, first - reach.behind - 1);
  const sliceEnd = Math.min(text.length, last + reach.length + reach.ahead + 1);
  global.lastIndex = from - sliceStart;
  const match = global.exec(text.slice(sliceStart, sliceEnd));
  if (match === null || match.index > last - sliceStart) return null;
  match.index += sliceStart;
  return match;
}
