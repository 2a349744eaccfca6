import { describe, expect, it } from 'vitest';
import { MemoryRateLimiter } from './memory-rate-limiter.js';
import { buildDecision, measureWindow, resolveWindowShape } from './rate-limiter.js';
import { describeRateLimiterBehaviour } from './test-support/rate-limiter-behaviour.js';

describe('MemoryRateLimiter', () => {
  describeRateLimiterBehaviour(async (options) => ({ limiter: new MemoryRateLimiter(options), cleanup: async () => undefined }));

  it('defaults to a 60 s window of 1 s buckets on the real clock', async () => {
    const limiter = new MemoryRateLimiter();
    const decision = await limiter.admit({ requests: [{ key: 'rpm', limit: 1 }], tokens: [] });
    expect(decision.resetMs).toBeGreaterThan(59_000);
    expect(decision.resetMs).toBeLessThanOrEqual(60_000);
  });
});

describe('resolveWindowShape', () => {
  it('requires a whole number of buckets per window', () => {
    expect(resolveWindowShape()).toEqual({ windowMs: 60_000, bucketMs: 1000 });
    expect(() => resolveWindowShape({ windowMs: 1500, bucketMs: 1000 })).toThrow(RangeError);
    expect(() => resolveWindowShape({ windowMs: 500, bucketMs: 1000 })).toThrow(RangeError);
    expect(() => resolveWindowShape({ bucketMs: 0 })).toThrow(RangeError);
  });
});

describe('measureWindow', () => {
  const shape = { windowMs: 10_000, bucketMs: 1000 };

  it('finds the oldest bucket whose departure makes room', () => {
    const buckets = [
      { start: 0, count: 2 },
      { start: 3000, count: 1 },
      { start: 7000, count: 4 },
    ];
    expect(measureWindow(buckets, 6, 8000, shape)).toEqual({ used: 7, retryAfterMs: 2000, resetMs: 9000 });
    expect(measureWindow(buckets, 4, 8000, shape)).toEqual({ used: 7, retryAfterMs: 5000, resetMs: 9000 });
    expect(measureWindow(buckets, 7, 8000, shape)).toEqual({ used: 7, retryAfterMs: 0, resetMs: 9000 });
    expect(measureWindow([], -1, 8000, shape)).toEqual({ used: 0, retryAfterMs: 10_000, resetMs: 0 });
  });
});

describe('buildDecision', () => {
  it('keeps the first of equally tight windows', () => {
    const window = { limit: 10, used: 5, retryAfterMs: 0, resetMs: 1000, kind: 'requests' as const };
    expect(buildDecision(true, [{ ...window, key: 'a' }, { ...window, key: 'b' }]).key).toBe('a');
  });
});
