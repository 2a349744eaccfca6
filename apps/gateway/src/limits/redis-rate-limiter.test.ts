import fc from 'fast-check';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { MemoryRateLimiter } from './memory-rate-limiter.js';
import { RedisRateLimiter } from './redis-rate-limiter.js';
import { describeRateLimiterBehaviour } from './test-support/rate-limiter-behaviour.js';
import { connectTestRedis, createTestPrefix, deleteKeysUnder, redisUrl, warnWhenRedisIsMissing } from './test-support/redis-test-client.js';

warnWhenRedisIsMissing('redis-rate-limiter');

describe.skipIf(redisUrl === undefined)('RedisRateLimiter', () => {
  let redis: Redis;

  beforeAll(async () => {
    redis = await connectTestRedis();
  });

  afterAll(async () => {
    await redis.quit();
  });

  describeRateLimiterBehaviour(async (options) => {
    const prefix = createTestPrefix();
    return { limiter: new RedisRateLimiter(redis, { ...options, prefix }), cleanup: () => deleteKeysUnder(redis, prefix) };
  });

  it('keeps one hash per window of bucket start → count plus its bookkeeping, expiring after the window and a bucket', async () => {
    const prefix = createTestPrefix();
    onTestFinished(() => deleteKeysUnder(redis, prefix));
    const start = Math.floor(Date.now() / 1000) * 1000;
    let now = start;
    const limiter = new RedisRateLimiter(redis, { prefix, now: () => now });
    await limiter.admit({ requests: [{ key: 'rpm:a', limit: 10 }], tokens: [], cost: 2 });
    now += 1500;
    await limiter.admit({ requests: [{ key: 'rpm:a', limit: 10 }], tokens: [] });
    expect(await redis.hgetall(`${prefix}rpm:a`)).toEqual({
      [String(start)]: '2',
      [String(start + 1000)]: '1',
      sum: '3',
      floor: String(start + 1000 - 59_000),
      last: String(start + 1000),
      bucketMs: '1000',
    });
    expect(await redis.pttl(`${prefix}rpm:a`)).toBeGreaterThan(60_000);
    expect(await redis.pttl(`${prefix}rpm:a`)).toBeLessThanOrEqual(61_000);
    now = start + 60_500;
    await limiter.admit({ requests: [{ key: 'rpm:a', limit: 10 }], tokens: [] });
    // The first bucket left the window: its field went, and the sum with it.
    expect(await redis.hgetall(`${prefix}rpm:a`)).toMatchObject({ [String(start + 1000)]: '1', [String(start + 60_000)]: '1', sum: '2' });
    expect(await redis.hexists(`${prefix}rpm:a`, String(start))).toBe(0);
    // A window idle for longer than its length is deleted outright.
    now = start + 200_000;
    await limiter.admit({ requests: [], tokens: [{ key: 'rpm:a', limit: 10 }] });
    expect(await redis.exists(`${prefix}rpm:a`)).toBe(0);
  });

  it('recounts a window whose bookkeeping is missing or was written at another resolution', async () => {
    const prefix = createTestPrefix();
    onTestFinished(() => deleteKeysUnder(redis, prefix));
    let now = Math.floor(Date.now() / 1000) * 1000;
    const fine = new RedisRateLimiter(redis, { prefix, now: () => now, bucketMs: 500 });
    const coarse = new RedisRateLimiter(redis, { prefix, now: () => now });
    const input = { requests: [{ key: 'rpm:a', limit: 10 }], tokens: [] };
    await fine.admit(input);
    now += 500;
    await fine.admit({ ...input, cost: 3 });
    await redis.hdel(`${prefix}rpm:a`, 'sum');
    expect((await fine.admit({ ...input, cost: 0 })).remaining).toBe(6);
    now += 59_000;
    expect((await coarse.admit({ ...input, cost: 0 })).remaining).toBe(6);
    now += 500;
    // Recounted at 1 s resolution: the bucket written at +500 ms leaves with the rest of the first second (a 500 ms
    // resolution would keep it 500 ms longer), although stepping from `floor` by 1 s would never have found it.
    expect((await coarse.admit({ ...input, cost: 0 })).remaining).toBe(10);
  });

  it('decides exactly as the memory limiter over random admissions, token charges and clock moves', async () => {
    const requestKeys = ['rpm:a', 'rpm:b', 'rpm:c'];
    const tokenKeys = ['tpm:a', 'tpm:b'];
    const step = fc.oneof(
      fc.record({ type: fc.constant('admit' as const), requests: fc.subarray(requestKeys), tokens: fc.subarray(tokenKeys), cost: fc.nat(3) }),
      fc.record({ type: fc.constant('tokens' as const), keys: fc.subarray(tokenKeys), tokens: fc.nat(40) }),
      // Forward only: the memory limiter's periodic sweep forgets buckets a later step back would still count.
      fc.record({ type: fc.constant('move' as const), ms: fc.oneof(fc.integer({ min: 0, max: 6000 }), fc.constant(25_000)) }),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 30, maxLength: 80 }), async (steps) => {
        const prefix = createTestPrefix();
        let now = Math.floor(Date.now() / 1000) * 1000;
        const shape = { windowMs: 10_000, bucketMs: 1000, now: () => now };
        const memory = new MemoryRateLimiter(shape);
        const shared = new RedisRateLimiter(redis, { ...shape, prefix });
        const limitOf = (key: string): number => (key.startsWith('rpm') ? 6 + key.length : 60);
        try {
          for (const item of steps) {
            if (item.type === 'move') now += item.ms;
            if (item.type === 'tokens') {
              await memory.addTokens(item.keys, item.tokens);
              await shared.addTokens(item.keys, item.tokens);
            }
            if (item.type === 'admit') {
              const input = {
                requests: item.requests.map((key) => ({ key, limit: limitOf(key) })),
                tokens: item.tokens.map((key) => ({ key, limit: limitOf(key) })),
                cost: item.cost,
              };
              expect(await shared.admit(input)).toEqual(await memory.admit(input));
            }
          }
        } finally {
          await deleteKeysUnder(redis, prefix);
        }
      }),
      { numRuns: 60 },
    );
  });

  it('keeps time by Redis TIME when no clock is injected', async () => {
    const prefix = createTestPrefix();
    onTestFinished(() => deleteKeysUnder(redis, prefix));
    const limiter = new RedisRateLimiter(redis, { prefix, windowMs: 500, bucketMs: 50 });
    const input = { requests: [{ key: 'rps', limit: 3 }], tokens: [] };
    for (let index = 0; index < 3; index++) expect((await limiter.admit(input)).allowed).toBe(true);
    const refused = await limiter.admit(input);
    expect(refused.allowed).toBe(false);
    expect(refused.retryAfterMs).toBeGreaterThan(400);
    expect(refused.retryAfterMs).toBeLessThanOrEqual(500);
    await new Promise((resolve) => setTimeout(resolve, refused.retryAfterMs + 20));
    expect((await limiter.admit(input)).allowed).toBe(true);
  });

  it('admits exactly 100 of 500 concurrent admissions from three clients', async () => {
    const prefix = createTestPrefix();
    onTestFinished(() => deleteKeysUnder(redis, prefix));
    const clients = [redis, await connectTestRedis(), await connectTestRedis()];
    onTestFinished(() => Promise.all(clients.slice(1).map((client) => client.quit())).then(() => undefined));
    const limiters = clients.map((client) => new RedisRateLimiter(client, { prefix }));
    const decisions = await Promise.all(
      Array.from({ length: 500 }, (_, index) => limiters[index % 3]!.admit({ requests: [{ key: 'rpm:hot', limit: 100 }], tokens: [] })),
    );
    expect(decisions.filter((decision) => decision.allowed)).toHaveLength(100);
    expect(decisions.filter((decision) => !decision.allowed).every((decision) => decision.retryAfterMs >= 1)).toBe(true);
  });

  it('loads its script again after the server forgot it', async () => {
    const prefix = createTestPrefix();
    onTestFinished(() => deleteKeysUnder(redis, prefix));
    const limiter = new RedisRateLimiter(redis, { prefix });
    await limiter.admit({ requests: [{ key: 'rpm', limit: 5 }], tokens: [] });
    await redis.script('FLUSH');
    expect((await limiter.admit({ requests: [{ key: 'rpm', limit: 5 }], tokens: [] })).remaining).toBe(3);
  });
});

describe('RedisRateLimiter when Redis is unreachable', () => {
  it('rejects, so that the caller can fail closed', async () => {
    const redis = new Redis('redis://127.0.0.1:1', { lazyConnect: true, maxRetriesPerRequest: 1, enableOfflineQueue: false });
    redis.on('error', () => undefined);
    await redis.connect().catch(() => undefined);
    const limiter = new RedisRateLimiter(redis);
    await expect(limiter.admit({ requests: [{ key: 'rpm', limit: 5 }], tokens: [] })).rejects.toThrow();
    await expect(limiter.addTokens(['tpm'], 5)).rejects.toThrow();
    redis.disconnect();
  });
});
