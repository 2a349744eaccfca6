import { describe, expect, it } from 'vitest';
import { sumDecimals } from './decimal-sum.js';

describe('sumDecimals', () => {
  it('adds exact decimals without binary drift', () => {
    expect(sumDecimals(['0.1', '0.2'])).toBe(0.3);
    expect(sumDecimals(['0.000002400000000', '0.000000000000001', '3'])).toBe(3.000002400000001);
    expect(sumDecimals([])).toBe(0);
  });

  it('rejects what is not a decimal', () => {
    expect(() => sumDecimals(['1e-5'])).toThrow();
  });
});
