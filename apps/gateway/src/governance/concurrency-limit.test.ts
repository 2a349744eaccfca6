import { describe, expect, it } from 'vitest';
import { ConcurrencyLimit } from './concurrency-limit.js';

const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('ConcurrencyLimit', () => {
  it('never runs more than the limit at once, and runs every task', async () => {
    const limit = new ConcurrencyLimit(3);
    let peak = 0;
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, index) =>
        limit.run(async () => {
          peak = Math.max(peak, limit.inFlight);
          await delay(5);
          return index;
        }),
      ),
    );
    expect(results).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(peak).toBe(3);
    expect(limit.inFlight).toBe(0);
  });

  it('a failing task releases its slot', async () => {
    const limit = new ConcurrencyLimit(1);
    await expect(limit.run(() => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    await expect(limit.run(async () => 'next')).resolves.toBe('next');
    expect(limit.inFlight).toBe(0);
  });

  it('rejects a limit below one', () => {
    expect(() => new ConcurrencyLimit(0)).toThrow();
  });
});
