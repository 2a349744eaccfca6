/**
 * Optimised adversarial suffixes (GCG, DSN and other token-search attacks) read as word salad: plain words glued to
 * identifiers, stray quotes and brackets that never close (`…families Hencewood.", plotBuilder"], = `[ structTERJs`).
 * Prose has few such tokens; code, markup and citations have them but with brackets and quotes paired. The detector
 * slides a window of 16 tokens over each line and scores odd tokens, rare characters, glued capitals and unpaired
 * brackets; a window that mixes a high score with plain words is reported.
 */
import { profileText } from './keyword-index.js';

const windowSize = 16;
const minimumScore = 16;
const plainWord = /^(?:[A-Za-z][a-z]+|[A-Z]+|\d+)[,.;:!?%]?$/;

export interface SuffixSpan {
  start: number;
  end: number;
}

interface TokenStats {
  start: number;
  end: number;
  plain: boolean;
  rare: number;
  /** A lower-case letter followed by a capital inside the token ("structTERJs", "notableoptsYou"). */
  glued: number;
  /** Opening minus closing, per kind: ( [ { and the parity of backticks and double quotes. */
  round: number;
  square: number;
  curly: number;
  backticks: number;
  quotes: number;
}

function statsOf(token: string, start: number): TokenStats {
  const stats: TokenStats = {
    start,
    end: start + token.length,
    plain: plainWord.test(token),
    rare: 0,
    glued: /[a-z][A-Z]/.test(token) ? 1 : 0,
    round: 0,
    square: 0,
    curly: 0,
    backticks: 0,
    quotes: 0,
  };
  for (let index = 0; index < token.length; index++) {
    const character = token[index];
    if (character === '(') stats.round++;
    else if (character === ')') stats.round--;
    else if (character === '[') stats.square++;
    else if (character === ']') stats.square--;
    else if (character === '{') stats.curly++;
    else if (character === '}') stats.curly--;
    else if (character === '`') stats.backticks++;
    else if (character === '"') stats.quotes++;
    if (character === '{' || character === '}' || character === '[' || character === ']' || character === '\\' || character === '^' || character === '`' || character === '~') {
      stats.rare++;
    }
  }
  return stats;
}

export function findAdversarialSuffix(text: string): SuffixSpan | undefined {
  // A window needs oddities of 6 or more: rare symbols, glued capitals or unpaired brackets and quotes.
  const profile = profileText(text);
  if (profile.rareSymbols + profile.gluedCapitals < 2) return undefined;
  for (const line of text.matchAll(/[^\n]{40,}/g)) {
    // Table rows and code lines are not word salad, however odd their tokens.
    if ((line[0].match(/\|/g)?.length ?? 0) >= 3 || /^\s{2,}\S/.test(line[0])) continue;
    const tokens: TokenStats[] = [];
    for (const match of line[0].matchAll(/\S+/g)) tokens.push(statsOf(match[0], line.index + match.index));
    // Running sums over the last `windowSize` tokens: one pass per line.
    let plain = 0;
    let rare = 0;
    let glued = 0;
    let round = 0;
    let square = 0;
    let curly = 0;
    let backticks = 0;
    let quotes = 0;
    for (let last = 0; last < tokens.length; last++) {
      const entering = tokens[last]!;
      plain += entering.plain ? 1 : 0;
      rare += entering.rare;
      glued += entering.glued;
      round += entering.round;
      square += entering.square;
      curly += entering.curly;
      backticks += entering.backticks;
      quotes += entering.quotes;
      const leaving = tokens[last - windowSize];
      if (leaving !== undefined) {
        plain -= leaving.plain ? 1 : 0;
        rare -= leaving.rare;
        glued -= leaving.glued;
        round -= leaving.round;
        square -= leaving.square;
        curly -= leaving.curly;
        backticks -= leaving.backticks;
        quotes -= leaving.quotes;
      }
      if (last < 7) continue;
      const first = Math.max(0, last - windowSize + 1);
      const unpaired = Math.abs(round) + Math.abs(square) + Math.abs(curly) + (backticks % 2) + (quotes % 2);
      const oddities = rare + 2 * glued + 2 * unpaired;
      const odd = last - first + 1 - plain;
      if (plain >= 4 && oddities >= 6 && odd + oddities >= minimumScore) return { start: tokens[first]!.start, end: entering.end };
    }
  }
  return undefined;
}
