import { describe, expect, it } from 'vitest';
import { createUsage } from '../providers/shared/provider-adapter.js';
import { computeCost, toUnits } from './compute-cost.js';
import { loadShippedCatalog } from './price-catalog.js';

describe('computeCost', () => {
  const gpt4oMini = { price: { input_per_1m: 0.15, output_per_1m: 0.6, cached_input_per_1m: 0.075 } };

  it('prices plain input and output exactly, with no binary rounding', () => {
    // 16 × 0.15 / 1M + 363 × 0.6 / 1M = 0.0000024 + 0.0002178
    const cost = computeCost(createUsage({ total: 16, cacheRead: 0 }, { total: 363 }), gpt4oMini);
    expect(cost).toEqual({ input: '0.0000024', output: '0.0002178', total: '0.0002202' });
  });

  it('prices cached input at the cached rate and the rest at the input rate', () => {
    // 1000 input of which 800 cached: 200 × 0.15 + 800 × 0.075 = 30 + 60 = 90 per 1M → 0.00009
    const cost = computeCost(createUsage({ total: 1000, cacheRead: 800 }, { total: 0 }), gpt4oMini);
    expect(cost.input).toBe('0.00009');
  });

  it('prices cache writes at the cache-write rate (Anthropic)', () => {
    const sonnet = { price: { input_per_1m: 3, output_per_1m: 15, cached_input_per_1m: 0.3, cache_write_per_1m: 3.75 } };
    // noCache 10 × 3 + read 2000 × 0.3 + write 1500 × 3.75 = 30 + 600 + 5625 = 6255 per 1M
    const usage = createUsage({ noCache: 10, cacheRead: 2000, cacheWrite: 1500 }, { total: 100 });
    expect(usage.input.total).toBe(3510);
    expect(computeCost(usage, sonnet)).toEqual({ input: '0.006255', output: '0.0015', total: '0.007755' });
  });

  it('prices reasoning tokens at the output rate unless a reasoning price is set', () => {
    const o3 = { price: { input_per_1m: 2, output_per_1m: 8 } };
    const usage = createUsage({ total: 0 }, { total: 1000, reasoning: 700 });
    expect(usage.output.text).toBe(300);
    expect(computeCost(usage, o3).output).toBe('0.008');
    expect(computeCost(usage, { price: { ...o3.price, reasoning_per_1m: 4 } }).output).toBe('0.0052');
  });

  it('switches the whole request to the long-context tier above 200k input tokens', () => {
    const entry = {
      price: { input_per_1m: 3, output_per_1m: 15 },
      priceAbove200k: { input_per_1m: 6, output_per_1m: 22.5 },
    };
    expect(computeCost(createUsage({ total: 200_000 }, { total: 0 }), entry).input).toBe('0.6');
    expect(computeCost(createUsage({ total: 200_001 }, { total: 1 }), entry)).toEqual({
      input: '1.200006',
      output: '0.0000225',
      total: '1.2000285',
    });
  });

  it('converts prices to integer units through their decimal text', () => {
    expect(toUnits(0.15)).toBe(150_000_000n);
    expect(toUnits(0.075)).toBe(75_000_000n);
    expect(toUnits(600)).toBe(600_000_000_000n);
    expect(() => toUnits(0.0000000001)).toThrow(/decimal places/);
  });

  it('every shipped price converts without losing digits', () => {
    const catalog = loadShippedCatalog();
    expect(catalog.length).toBeGreaterThan(100);
    for (const model of catalog) {
      for (const value of Object.values(model.price)) if (value !== undefined) expect(() => toUnits(value)).not.toThrow();
    }
  });
});
