import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RateLimiter, WindowShape } from '../rate-limiter.js';
import { createFakeClock } from './redis-test-client.js';

export interface RateLimiterFixture {
  limiter: RateLimiter;
  cleanup(): Promise<void>;
}

/** Builds a limiter on the given clock and window shape (memory, or Redis with the clock replacing Redis TIME). */
export type RateLimiterFactory = (options: WindowShape & { now: () => number }) => Promise<RateLimiterFixture>;

/** The behaviour both rate limiters must share, with the clock under the test's control. */
export function describeRateLimiterBehaviour(factory: RateLimiterFactory): void {
  let clock: ReturnType<typeof createFakeClock>;
  const fixtures: RateLimiterFixture[] = [];

  async function create(shape: WindowShape = { windowMs: 60_000, bucketMs: 1000 }): Promise<RateLimiter> {
    const fixture = await factory({ ...shape, now: clock.now });
    fixtures.push(fixture);
    return fixture.limiter;
  }

  async function admitMany(limiter: RateLimiter, count: number, key = 'rpm:key:a', limit = 5): Promise<boolean[]> {
    const results: boolean[] = [];
    for (let index = 0; index < count; index++) {
      results.push((await limiter.admit({ requests: [{ key, limit }], tokens: [] })).allowed);
    }
    return results;
  }

  beforeEach(() => {
    clock = createFakeClock();
  });

  afterEach(async () => {
    for (const fixture of fixtures.splice(0)) await fixture.cleanup();
  });

  it('admits up to the limit, then refuses without counting the refusals', async () => {
    const limiter = await create();
    expect(await admitMany(limiter, 8)).toEqual([true, true, true, true, true, false, false, false]);
    clock.advance(60_000);
    // Had the three refusals been counted, they would still be in the window of the next admissions.
    expect(await admitMany(limiter, 6)).toEqual([true, true, true, true, true, false]);
  });

  it('reports the window on admission: remaining, reset and no retry', async () => {
    const limiter = await create();
    clock.advance(250);
    const decision = await limiter.admit({ requests: [{ key: 'rpm:key:a', limit: 5 }], tokens: [] });
    expect(decision).toEqual({
      allowed: true,
      key: 'rpm:key:a',
      limit: 5,
      remaining: 4,
      retryAfterMs: 0,
      resetMs: 59_750,
      windows: [{ key: 'rpm:key:a', limit: 5, remaining: 4, resetMs: 59_750 }],
    });
  });

  it('slides: a bucket leaves the window exactly one window after its start', async () => {
    const limiter = await create();
    clock.advance(500); // mid-bucket: the bucket still starts at the whole second
    await admitMany(limiter, 3);
    clock.advance(10_000);
    await admitMany(limiter, 2);
    clock.set(clock.start + 59_999);
    expect((await limiter.admit({ requests: [{ key: 'rpm:key:a', limit: 5 }], tokens: [] })).allowed).toBe(false);
    clock.set(clock.start + 60_000);
    expect(await admitMany(limiter, 4)).toEqual([true, true, true, false]);
    clock.set(clock.start + 70_000);
    expect(await admitMany(limiter, 3)).toEqual([true, true, false]);
  });

  it('says how long until enough of the window expires for the refused request to fit', async () => {
    const limiter = await create();
    await admitMany(limiter, 3);
    clock.advance(10_000);
    await admitMany(limiter, 2);
    clock.set(clock.start + 20_500);
    const refused = await limiter.admit({ requests: [{ key: 'rpm:key:a', limit: 5 }], tokens: [] });
    expect(refused).toMatchObject({ allowed: false, key: 'rpm:key:a', limit: 5, remaining: 0, retryAfterMs: 39_500, resetMs: 49_500 });
    // Three more fit once the first bucket (3) leaves, as 2 + 3 <= 5; four need both buckets gone.
    const three = await limiter.admit({ requests: [{ key: 'rpm:key:a', limit: 5 }], tokens: [], cost: 3 });
    expect(three.retryAfterMs).toBe(39_500);
    const four = await limiter.admit({ requests: [{ key: 'rpm:key:a', limit: 5 }], tokens: [], cost: 4 });
    expect(four.retryAfterMs).toBe(49_500);
  });

  it('answers a whole window for a request that can never fit', async () => {
    const limiter = await create();
    const decision = await limiter.admit({ requests: [{ key: 'rpm:key:a', limit: 5 }], tokens: [], cost: 6 });
    expect(decision).toMatchObject({ allowed: false, retryAfterMs: 60_000, remaining: 5 });
    expect(await admitMany(limiter, 5)).toEqual([true, true, true, true, true]);
  });

  it('retries at least 1 ms later even at the very end of a bucket', async () => {
    const limiter = await create();
    await admitMany(limiter, 5);
    clock.set(clock.start + 59_999);
    expect((await limiter.admit({ requests: [{ key: 'rpm:key:a', limit: 5 }], tokens: [] })).retryAfterMs).toBe(1);
  });

  it('admits across several windows atomically: one full window refuses and nothing is counted anywhere', async () => {
    const limiter = await create();
    const windows = [
      { key: 'rpm:key:a', limit: 10 },
      { key: 'rpm:tenant:t', limit: 3 },
    ];
    expect((await limiter.admit({ requests: windows, tokens: [] })).allowed).toBe(true);
    await admitMany(limiter, 2, 'rpm:tenant:t', 3);
    const refused = await limiter.admit({ requests: windows, tokens: [] });
    expect(refused).toMatchObject({ allowed: false, key: 'rpm:tenant:t', remaining: 0 });
    expect(refused.windows).toEqual([
      { key: 'rpm:key:a', limit: 10, remaining: 9, resetMs: 60_000 },
      { key: 'rpm:tenant:t', limit: 3, remaining: 0, resetMs: 60_000 },
    ]);
    // The key window still holds only the first admission: nine more fit.
    expect(await admitMany(limiter, 10, 'rpm:key:a', 10)).toEqual([...Array<boolean>(9).fill(true), false]);
  });

  it('names the window that keeps the request out longest when several refuse', async () => {
    const limiter = await create();
    await admitMany(limiter, 2, 'rpm:a', 2);
    clock.advance(5000);
    await admitMany(limiter, 2, 'rpm:b', 2);
    const refused = await limiter.admit({ requests: [{ key: 'rpm:a', limit: 2 }, { key: 'rpm:b', limit: 2 }], tokens: [] });
    expect(refused).toMatchObject({ allowed: false, key: 'rpm:b', retryAfterMs: 60_000 });
  });

  it('names the window with the smallest remaining share when admitted', async () => {
    const limiter = await create();
    const decision = await limiter.admit({
      requests: [{ key: 'rpm:key:a', limit: 100 }, { key: 'rpm:tenant:t', limit: 4 }],
      tokens: [{ key: 'tpm:key:a', limit: 1000 }],
    });
    expect(decision).toMatchObject({ allowed: true, key: 'rpm:tenant:t', remaining: 3 });
    expect(decision.windows.map((window) => window.remaining)).toEqual([99, 3, 1000]);
  });

  it('admits while a token window is under its limit and charges tokens only through addTokens', async () => {
    const limiter = await create();
    const input = { requests: [{ key: 'rpm:key:a', limit: 100 }], tokens: [{ key: 'tpm:key:a', limit: 1000 }] };
    expect((await limiter.admit(input)).allowed).toBe(true);
    await limiter.addTokens(['tpm:key:a'], 999);
    expect((await limiter.admit(input)).allowed).toBe(true);
    clock.advance(3000);
    await limiter.addTokens(['tpm:key:a'], 1);
    const refused = await limiter.admit(input);
    // Below the limit again once the 999 tokens of the first second leave.
    expect(refused).toMatchObject({ allowed: false, key: 'tpm:key:a', remaining: 0, retryAfterMs: 57_000, resetMs: 60_000 });
    expect(refused.windows[0]).toEqual({ key: 'rpm:key:a', limit: 100, remaining: 98, resetMs: 57_000 });
    clock.advance(57_000);
    expect((await limiter.admit(input)).allowed).toBe(true);
  });

  it('charges tokens to several windows and ignores zero', async () => {
    const limiter = await create();
    await limiter.addTokens(['tpm:key:a', 'tpm:tenant:t'], 0);
    await limiter.addTokens(['tpm:key:a', 'tpm:tenant:t'], 500);
    const decision = await limiter.admit({ requests: [], tokens: [{ key: 'tpm:key:a', limit: 600 }, { key: 'tpm:tenant:t', limit: 500 }] });
    expect(decision).toMatchObject({ allowed: false, key: 'tpm:tenant:t', retryAfterMs: 60_000 });
    expect(decision.windows.map((window) => window.remaining)).toEqual([100, 0]);
  });

  it('keeps keys apart', async () => {
    const limiter = await create();
    await admitMany(limiter, 5, 'rpm:key:a');
    expect(await admitMany(limiter, 1, 'rpm:key:b')).toEqual([true]);
  });

  it('counts a cost of 0 nowhere and applies no window to an empty admission', async () => {
    const limiter = await create();
    expect(await limiter.admit({ requests: [{ key: 'rpm:key:a', limit: 1 }], tokens: [], cost: 0 })).toMatchObject({ allowed: true, remaining: 1 });
    expect(await limiter.admit({ requests: [], tokens: [] })).toEqual({
      allowed: true,
      key: null,
      limit: 0,
      remaining: 0,
      retryAfterMs: 0,
      resetMs: 0,
      windows: [],
    });
    expect(await admitMany(limiter, 2, 'rpm:key:a', 1)).toEqual([true, false]);
  });

  it('refuses everything under a limit of 0', async () => {
    const limiter = await create();
    expect((await limiter.admit({ requests: [{ key: 'rpm:key:a', limit: 0 }], tokens: [] })).allowed).toBe(false);
    expect((await limiter.admit({ requests: [], tokens: [{ key: 'tpm:key:a', limit: 0 }] })).allowed).toBe(false);
  });

  it('works at a finer resolution: 1 s windows of 100 ms buckets', async () => {
    const limiter = await create({ windowMs: 1000, bucketMs: 100 });
    for (let step = 0; step < 10; step++) {
      expect(await admitMany(limiter, 1, 'rps', 10)).toEqual([true]);
      clock.advance(100);
    }
    // At +1000 the first bucket has left: exactly one more fits, and the next fits 100 ms later.
    const decisions = [];
    for (let index = 0; index < 2; index++) decisions.push(await limiter.admit({ requests: [{ key: 'rps', limit: 10 }], tokens: [] }));
    expect(decisions.map((decision) => decision.allowed)).toEqual([true, false]);
    expect(decisions[1]).toMatchObject({ retryAfterMs: 100, resetMs: 1000 });
  });

  it('keeps counting sensibly when the clock steps back', async () => {
    const limiter = await create({ windowMs: 10_000, bucketMs: 1000 });
    const window = { key: 'rpm:key:a', limit: 11 };
    await limiter.admit({ requests: [window], tokens: [], cost: 2 });
    clock.set(clock.start + 5000);
    await limiter.admit({ requests: [window], tokens: [], cost: 3 });
    clock.set(clock.start - 2000);
    // Buckets "from the future" still count; the new one lands in the past.
    expect(await limiter.admit({ requests: [window], tokens: [] })).toMatchObject({ allowed: true, remaining: 5, resetMs: 17_000 });
    clock.set(clock.start + 10_000);
    expect(await limiter.admit({ requests: [window], tokens: [], cost: 0 })).toMatchObject({ remaining: 8, resetMs: 5000 });
  });

  it('rejects malformed input before touching any window', async () => {
    const limiter = await create();
    await expect(limiter.admit({ requests: [{ key: 'rpm:a', limit: 1 }], tokens: [{ key: 'rpm:a', limit: 1 }] })).rejects.toThrow(/twice/);
    await expect(limiter.admit({ requests: [{ key: 'rpm:a', limit: -1 }], tokens: [] })).rejects.toThrow(RangeError);
    await expect(limiter.admit({ requests: [{ key: 'rpm:a', limit: 1 }], tokens: [], cost: 1.5 })).rejects.toThrow(RangeError);
    await expect(limiter.addTokens(['tpm:a'], -1)).rejects.toThrow(RangeError);
    expect(await admitMany(limiter, 1, 'rpm:a', 1)).toEqual([true]);
  });

  describe('concurrency', () => {
    it('admits exactly the limit out of 500 concurrent requests', async () => {
      const limiter = await create();
      const decisions = await Promise.all(
        Array.from({ length: 500 }, () => limiter.admit({ requests: [{ key: 'rpm:hot', limit: 100 }], tokens: [] })),
      );
      expect(decisions.filter((decision) => decision.allowed)).toHaveLength(100);
    });
  });
}
