/**
 * A window of consecutive tokens slid over a line, with one running sum per column of per-token counts: the shared
 * step of the adversarial-suffix scanners (adversarial-suffix.ts, word-salad.ts). One pass per line.
 */

/** The columns every scanner keeps for bracket balance, in this order, after its own columns. */
export interface BracketColumns {
  /** Opening minus closing, per kind, and the counts of backticks and double quotes. */
  round: ArrayLike<number>;
  square: ArrayLike<number>;
  curly: ArrayLike<number>;
  backticks: ArrayLike<number>;
  quotes: ArrayLike<number>;
}

export function bracketColumns(tokens: BracketColumns): ArrayLike<number>[] {
  return [tokens.round, tokens.square, tokens.curly, tokens.backticks, tokens.quotes];
}

/** Brackets left open or closed without a partner in the window, from the sums of `bracketColumns` at `offset`. */
export function unpairedIn(sums: Float64Array, offset: number): number {
  return Math.abs(sums[offset]!) + Math.abs(sums[offset + 1]!) + Math.abs(sums[offset + 2]!) + (sums[offset + 3]! % 2) + (sums[offset + 4]! % 2);
}

/**
 * Calls `accept` with the window's sums for every window end from the `minTokens`-th token on (windows hold at most
 * `size` tokens; the first ones fewer); returns the index of the last token of the first accepted window, or -1.
 */
export function findWindow(count: number, size: number, minTokens: number, columns: readonly ArrayLike<number>[], accept: (sums: Float64Array, first: number, last: number) => boolean): number {
  const sums = new Float64Array(columns.length);
  for (let last = 0; last < count; last++) {
    const leaving = last - size;
    for (let column = 0; column < columns.length; column++) {
      const values = columns[column]!;
      sums[column] = sums[column]! + values[last]! - (leaving >= 0 ? values[leaving]! : 0);
    }
    if (last >= minTokens - 1 && accept(sums, Math.max(0, last - size + 1), last)) return last;
  }
  return -1;
}
