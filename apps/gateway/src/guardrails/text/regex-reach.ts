/**
 * How far a regular expression can read from where a match attempt starts, found from its source: the longest match
 * it can make and how far its look-arounds (and `\b`, `^`, `$`) look before the start and past the end. A pattern with
 * an unbounded quantifier (`*`, `+`, `{n,}`) or a named back-reference has no bound and gets `undefined`.
 *
 * With a bound, an attempt at offset `p` depends only on the characters in `[p - behind, p + length + ahead)`, so the
 * pattern can be run on a slice of the text that holds that range and give the same answer as on the whole text (see
 * anchored-search.ts).
 */
export interface RegexReach {
  /** The longest match, in UTF-16 code units. */
  length: number;
  /** Code units a look-behind, `\b` or `^` may read before the attempt's start. */
  behind: number;
  /** Code units a look-ahead, `\b` or `$` may read past the match's end. */
  ahead: number;
}

interface Measure {
  length: number;
  behind: number;
  ahead: number;
}

class Unbounded extends Error {}

/** The reach of a pattern, or undefined when it can match or look arbitrarily far. */
export function measureRegex(pattern: RegExp): RegexReach | undefined {
  const unicode = pattern.flags.includes('u') || pattern.flags.includes('v');
  const source = pattern.source;
  let position = 0;
  const groupLengths: number[] = [];

  // One "character" in unicode mode may be a surrogate pair.
  const unit = unicode ? 2 : 1;

  function parseAlternation(): Measure {
    let best: Measure = { length: 0, behind: 0, ahead: 0 };
    for (;;) {
      const sequence = parseSequence();
      best = { length: Math.max(best.length, sequence.length), behind: Math.max(best.behind, sequence.behind), ahead: Math.max(best.ahead, sequence.ahead) };
      if (source[position] !== '|') return best;
      position++;
    }
  }

  function parseSequence(): Measure {
    const total: Measure = { length: 0, behind: 0, ahead: 0 };
    while (position < source.length && source[position] !== '|' && source[position] !== ')') {
      const atom = parseAtom();
      const times = parseQuantifier();
      // A look-around inside the sequence reads relative to where it stands, which is at most `total.length` in.
      total.behind = Math.max(total.behind, atom.behind);
      total.ahead = Math.max(total.ahead, atom.ahead);
      total.length += atom.length * times;
    }
    return total;
  }

  /** The maximum repeat count of the quantifier at `position` (1 when there is none). */
  function parseQuantifier(): number {
    const character = source[position];
    let times = 1;
    if (character === '*' || character === '+') throw new Unbounded();
    if (character === '?') position++;
    else if (character === '{') {
      const quantifier = /^\{(\d+)(,(\d*))?\}/.exec(source.slice(position));
      if (quantifier === null) return 1;
      if (quantifier[2] !== undefined && quantifier[3] === '') throw new Unbounded();
      times = Number(quantifier[3] ?? quantifier[1]);
      position += quantifier[0].length;
    } else return 1;
    // A lazy quantifier (`?` after it) reads no further than a greedy one.
    if (source[position] === '?') position++;
    return times;
  }

  function parseAtom(): Measure {
    const character = source[position]!;
    if (character === '(') return parseGroup();
    if (character === '[') {
      skipClass();
      return { length: unit, behind: 0, ahead: 0 };
    }
    if (character === '\\') return parseEscape();
    position++;
    if (character === '.') return { length: unit, behind: 0, ahead: 0 };
    // `^` and `$` look at the character before or after (multiline) or at the ends of the input.
    if (character === '^') return { length: 0, behind: 1, ahead: 0 };
    if (character === '$') return { length: 0, behind: 0, ahead: 1 };
    return { length: 1, behind: 0, ahead: 0 };
  }

  function parseGroup(): Measure {
    position++;
    let kind: 'capture' | 'plain' | 'ahead' | 'behind' = 'capture';
    if (source.startsWith('?:', position)) {
      kind = 'plain';
      position += 2;
    } else if (source.startsWith('?=', position) || source.startsWith('?!', position)) {
      kind = 'ahead';
      position += 2;
    } else if (source.startsWith('?<=', position) || source.startsWith('?<!', position)) {
      kind = 'behind';
      position += 3;
    } else if (source.startsWith('?<', position)) {
      position = source.indexOf('>', position) + 1;
    } else if (source[position] === '?') {
      // Modifiers or anything newer than this parser knows.
      throw new Unbounded();
    }
    const index = groupLengths.length;
    if (kind === 'capture') groupLengths.push(Number.POSITIVE_INFINITY);
    const inner = parseAlternation();
    if (source[position] !== ')') throw new Unbounded();
    position++;
    if (kind === 'capture') groupLengths[index] = inner.length;
    // A look-around consumes nothing; everything it reads counts as reach on its side.
    if (kind === 'ahead') return { length: 0, behind: inner.behind, ahead: inner.length + inner.ahead };
    if (kind === 'behind') return { length: 0, behind: inner.length + inner.behind, ahead: inner.ahead };
    return inner;
  }

  function parseEscape(): Measure {
    const next = source[position + 1];
    if (next === undefined) throw new Unbounded();
    position += 2;
    if (next === 'b' || next === 'B') return { length: 0, behind: 1, ahead: 1 };
    if (next >= '1' && next <= '9') {
      let digits = next;
      while (/\d/.test(source[position] ?? '')) digits += source[position++];
      const length = groupLengths[Number(digits) - 1];
      if (length === undefined || !Number.isFinite(length)) throw new Unbounded();
      return { length, behind: 0, ahead: 0 };
    }
    if (next === 'k') throw new Unbounded();
    if (next === 'p' || next === 'P') {
      if (source[position] === '{') position = source.indexOf('}', position) + 1;
      return { length: unit, behind: 0, ahead: 0 };
    }
    if (next === 'x') position += 2;
    else if (next === 'u') {
      if (source[position] === '{') position = source.indexOf('}', position) + 1;
      else position += 4;
    } else if (next === 'c') position += 1;
    return { length: unit, behind: 0, ahead: 0 };
  }

  function skipClass(): void {
    position++;
    while (position < source.length && source[position] !== ']') {
      position += source[position] === '\\' ? 2 : 1;
    }
    if (source[position] !== ']') throw new Unbounded();
    position++;
  }

  try {
    const measure = parseAlternation();
    if (position !== source.length) return undefined;
    return { length: measure.length, behind: Math.max(1, measure.behind), ahead: Math.max(1, measure.ahead) };
  } catch (error) {
    if (error instanceof Unbounded) return undefined;
    throw error;
  }
}
