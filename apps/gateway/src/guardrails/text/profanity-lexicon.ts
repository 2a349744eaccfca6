import { englishDataset } from 'obscenity';
import { anchorPattern, matchAllAnchored } from './anchored-search.js';
import { profileText, registerKeyword, type TextProfile } from './keyword-index.js';

/**
 * obscenity's curated English dataset (its patterns, optional letters, word-boundary rules and its whitelist against
 * the Scunthorpe problem), expanded into literal spellings and found by the shared keyword index in the same pass as
 * every other detector's keywords. obscenity's own matcher runs each pattern separately and costs about a millisecond
 * per 4 KB. Leetspeak, look-alike letters and spaced letters are undone beforehand by the shared normaliser rather than
 * by obscenity's transformers.
 */
export type LexiconCategory = 'slur' | 'profanity' | 'sexual' | 'sexual_term' | 'violence';

export interface LexiconMatch {
  word: string;
  category: LexiconCategory;
  start: number;
  end: number;
  /** Capitalised inside a sentence ("Dicky", "Rio Negro"): more likely a name than an insult. */
  properNoun: boolean;
}

interface Spelling {
  word: string;
  category: LexiconCategory;
  length: number;
  boundaryStart: boolean;
  boundaryEnd: boolean;
}

const slurs = new Set(['abeed', 'abo', 'africoon', 'arabush', 'boonga', 'chingchong', 'chink', 'dyke', 'fag', 'kike', 'negro', 'nigger', 'retard', 'spastic', 'tranny']);
const profanity = new Set(['arse', 'ass', 'bastard', 'bitch', 'bollocks', 'cunt', 'fuck', 'piss', 'prick', 'shit', 'slut', 'turd', 'twat', 'whore', 'hooker', 'cuck', 'wank', 'dick', 'cock', 'pussy']);
/** Anatomical and clinical words: offensive only in company (health, education and law use them). */
const sexualTerms = new Set(['anal', 'anus', 'sex', 'penis', 'vagina', 'semen', 'orgasm', 'incest', 'ejaculate', 'masturbate', 'boob', 'tit', 'scat']);

/** Common slurs and insults the dataset (built from the `cuss` list) lacks. Whole words unless they end in "-". */
const supplement: Array<[LexiconCategory, string[]]> = [
  ['profanity', ['hoe', 'hoes', 'thot', 'thots', 'skank', 'skanks', 'motherf-', 'muthaf-', 'bullshit', 'douche-', 'asshole', 'assholes', 'dickhead', 'dickheads', 'jackass', 'dumbass', 'wanker', 'wankers', 'pussies', 'cunts']],
  ['slur', ['nigga', 'niggas', 'niggah', 'niggahs', 'niggaz', 'nigguh', 'white trash', 'wetback', 'wetbacks', 'beaner', 'beaners', 'spic', 'spics', 'raghead', 'ragheads', 'towelhead', 'towelheads', 'gook', 'gooks', 'coon', 'coons', 'faggot', 'faggots', 'fags', 'dykes', 'trannies', 'retards', 'retarded']],
];

/** Spellings per keyword id (several terms can share a spelling). */
const spellings: Spelling[][] = [];

function add(text: string, spelling: Spelling): void {
  const id = registerKeyword(text, { positions: true });
  (spellings[id] ??= []).push(spelling);
}

function categoryOf(word: string): LexiconCategory {
  if (slurs.has(word)) return 'slur';
  if (word === 'rape') return 'violence';
  if (sexualTerms.has(word)) return 'sexual_term';
  return profanity.has(word) ? 'profanity' : 'sexual';
}

const letters = 'abcdefghijklmnopqrstuvwxyz';

/** Every literal spelling of an obscenity pattern: optional parts in or out, a wildcard as each letter. */
function expand(nodes: ReturnType<typeof englishDataset.build>['blacklistedTerms'][number]['pattern']['nodes']): string[] {
  let variants = [''];
  for (const node of nodes) {
    let options: string[];
    if (node.kind === 2) options = [String.fromCodePoint(...node.chars)];
    else if (node.kind === 1) options = [...letters];
    else if (node.kind === 0) options = ['', ...(node.childNode.kind === 2 ? [String.fromCodePoint(...node.childNode.chars)] : [...letters])];
    else options = [''];
    variants = variants.flatMap((variant) => options.map((option) => variant + option));
  }
  return variants;
}

for (const [category, list] of supplement) {
  for (const entry of list) {
    const prefix = entry.endsWith('-');
    const word = prefix ? entry.slice(0, -1) : entry;
    add(word, { word, category, length: word.length, boundaryStart: true, boundaryEnd: !prefix });
  }
}
for (const term of englishDataset.build().blacklistedTerms) {
  const word =
    englishDataset.getPayloadWithPhraseMetadata({ termId: term.id, startIndex: 0, endIndex: 0, matchLength: 1 }).phraseMetadata?.originalWord ??
    'unknown';
  const { requireWordBoundaryAtStart: boundaryStart, requireWordBoundaryAtEnd: boundaryEnd } = term.pattern;
  for (const spelling of expand(term.pattern.nodes)) {
    // One- and two-letter spellings ("fu", "fk") are meant for obscenity's transformed text, not raw text, and a
    // three-letter one needs a word start ("ass", not "class").
    if (spelling.length < 3 || (spelling.length === 3 && !boundaryStart) || !/^[a-z ]+$/.test(spelling)) continue;
    add(spelling, { word, category: categoryOf(word), length: spelling.length, boundaryStart, boundaryEnd });
  }
}

const whitelistedTerms = englishDataset.build().whitelistedTerms ?? [];
// Each match is one of the terms, so the terms are their own anchors: the pattern runs only around their occurrences.
const whitelistPattern = anchorPattern(
  new RegExp(whitelistedTerms.map((term) => term.replace(/[\\^$.*+?()[\]{}|/-]/g, '\\$&')).join('|'), 'gi'),
  [whitelistedTerms.map((term) => registerKeyword(term))],
);

/** Spans of whitelisted words ("assess", "Scunthorpe") in the text, found once per text and only if needed. */
function whitelistSpans(text: string, profile: TextProfile): Array<[number, number]> {
  const spans: Array<[number, number]> = [];
  for (const match of matchAllAnchored(text, profile, whitelistPattern)) spans.push([match.index, match.index + match[0].length]);
  return spans;
}

function isWhitelisted(spans: ReadonlyArray<[number, number]>, start: number, end: number): boolean {
  // Binary search for the last span starting at or before `start`; spans from one regex pass do not overlap.
  let low = 0;
  let high = spans.length - 1;
  while (low <= high) {
    const middle = (low + high) >> 1;
    if (spans[middle]![0] <= start) low = middle + 1;
    else high = middle - 1;
  }
  const span = spans[high];
  return span !== undefined && span[1] >= end;
}

const isLetter = (code: number): boolean => (code | 32) >= 97 && (code | 32) <= 122;

/** Widens a match to the whole word it sits in ("fuck" in "fucking"), so redaction removes all of it. */
function widenToWord(text: string, start: number, end: number): [number, number] {
  let from = start;
  let to = end;
  while (from > 0 && start - from < 24 && (isLetter(text.charCodeAt(from - 1)) || text[from - 1] === '*')) from--;
  while (to < text.length && to - end < 24 && (isLetter(text.charCodeAt(to)) || text[to] === '*')) to++;
  return [from, to];
}

/** Letters a term may be extended by inside one word ("fucking", "shitty", "dickhead"); anything else is another word. */
const suffixes = /^(?:s|es|ed|er|ers|ing|in|y|ie|ies|ty|tier|head|heads|hole|holes|face|bag|bags|wad|tard|off|a|z|ass|house|load|show|storm|fest)?$/;
const prefixes = /^(?:mother|muther|bull|dumb|jack|horse|dip|ass|smart|bad|big|chicken|holy|tit|cock|dick|cum|ape|half|un|super)?$/;

/** Matches reported per text; past it the last one covers the rest of the text (a dump of abuse, redacted whole). */
const maxMatches = 500;

export function matchLexicon(text: string): LexiconMatch[] {
  const profile = profileText(text);
  const matches: LexiconMatch[] = [];
  let coveredUntil = -1;
  let whitelisted: Array<[number, number]> | undefined;
  for (let index = 0; index < profile.matchIds.length; index++) {
    const candidates = spellings[profile.matchIds[index]!];
    if (candidates === undefined) continue;
    const matchEnd = profile.matchEnds[index]!;
    for (const spelling of candidates) {
      const matchStart = matchEnd - spelling.length;
      if (matchStart < coveredUntil) continue;
      if (spelling.boundaryStart && matchStart > 0 && isLetter(text.charCodeAt(matchStart - 1))) continue;
      if (spelling.boundaryEnd && matchEnd < text.length && isLetter(text.charCodeAt(matchEnd))) continue;
      whitelisted ??= whitelistSpans(text, profile);
      if (isWhitelisted(whitelisted, matchStart, matchEnd)) continue;
      const [start, end] = widenToWord(text, matchStart, matchEnd);
      // The longest allowed suffix has 5 letters and the longest prefix 7: anything longer is another word.
      if (end - matchEnd > 5 || matchStart - start > 7) continue;
      // "Dicksboro", "Cummings": a term buried in a longer word is a different word.
      if (end > matchEnd && !suffixes.test(text.slice(matchEnd, end).toLowerCase())) continue;
      if (start < matchStart && !prefixes.test(text.slice(start, matchStart).toLowerCase())) continue;
      const first = text.charCodeAt(start);
      const properNoun =
        first >= 65 && first <= 90 && start > 1 && /^[A-Z][a-z]/.test(text.slice(start, start + 2)) && !/[.!?:\n"“]\s*$/.test(text.slice(Math.max(0, start - 3), start));
      matches.push({ word: spelling.word, category: spelling.category, start, end, properNoun });
      coveredUntil = end;
      if (matches.length >= maxMatches) {
        matches.push({ word: spelling.word, category: spelling.category, start: end, end: text.length, properNoun: false });
        return matches;
      }
      break;
    }
  }
  return matches;
}
