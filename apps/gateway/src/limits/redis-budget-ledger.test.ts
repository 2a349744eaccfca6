import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { RedisBudgetLedger } from './redis-budget-ledger.js';
import { describeBudgetLedgerBehaviour } from './test-support/budget-ledger-behaviour.js';
import { connectTestRedis, createTestPrefix, deleteKeysUnder, redisUrl, warnWhenRedisIsMissing } from './test-support/redis-test-client.js';

warnWhenRedisIsMissing('redis-budget-ledger');

const day = 24 * 60 * 60 * 1000;

describe.skipIf(redisUrl === undefined)('RedisBudgetLedger', () => {
  let redis: Redis;

  beforeAll(async () => {
    redis = await connectTestRedis();
  });

  afterAll(async () => {
    await redis.quit();
  });

  describeBudgetLedgerBehaviour(
    async (options) => {
      const prefix = createTestPrefix();
      return { ledger: new RedisBudgetLedger(redis, { ...options, prefix }), cleanup: () => deleteKeysUnder(redis, prefix) };
    },
    { propertyRuns: 40 },
  );

  it('keeps a counter hash, a reservation set and an amount hash per scope, expiring a day after the period', async () => {
    const prefix = createTestPrefix();
    onTestFinished(() => deleteKeysUnder(redis, prefix));
    const ledger = new RedisBudgetLedger(redis, { prefix });
    const periodEndMs = Date.now() + 10 * day;
    const scope = { key: 'budget:tenant:t', limitNano: 5000, periodEndMs };
    await ledger.ensureSeeded(scope, async () => 100);
    await ledger.reserve('r1', [scope], 300, 60_000);
    expect(await redis.hgetall(`${prefix}budget:tenant:t`)).toEqual({ spent: '100', reserved: '300' });
    expect(await redis.zrange(`${prefix}budget:tenant:t:res`, '0', '-1')).toEqual(['r1']);
    expect(await redis.hgetall(`${prefix}budget:tenant:t:amt`)).toEqual({ r1: '300' });
    for (const suffix of ['', ':res', ':amt']) expect(await redis.pexpiretime(`${prefix}budget:tenant:t${suffix}`)).toBe(periodEndMs + day);
    await ledger.settle('r1', [scope], 250);
    expect(await redis.hgetall(`${prefix}budget:tenant:t`)).toEqual({ spent: '350', reserved: '0' });
    expect(await redis.exists(`${prefix}budget:tenant:t:res`, `${prefix}budget:tenant:t:amt`)).toBe(0);
  });

  it('expires reservations by Redis TIME when no clock is injected', async () => {
    const prefix = createTestPrefix();
    onTestFinished(() => deleteKeysUnder(redis, prefix));
    const ledger = new RedisBudgetLedger(redis, { prefix });
    const scope = { key: 'budget:key:k', limitNano: 1000, periodEndMs: Date.now() + day };
    await ledger.reserve('short', [scope], 1000, 100);
    expect((await ledger.reserve('next', [scope], 1, 60_000)).ok).toBe(false);
    await new Promise((resolve) => setTimeout(resolve, 120));
    expect(await ledger.reserve('next', [scope], 1000, 60_000)).toEqual({ ok: true });
  });

  it('admits exactly 100 of 300 concurrent reservations of 1,000 nano against 100,000 from three clients', async () => {
    const prefix = createTestPrefix();
    onTestFinished(() => deleteKeysUnder(redis, prefix));
    const clients = [redis, await connectTestRedis(), await connectTestRedis()];
    onTestFinished(() => Promise.all(clients.slice(1).map((client) => client.quit())).then(() => undefined));
    const ledgers = clients.map((client) => new RedisBudgetLedger(client, { prefix }));
    const scope = { key: 'budget:tenant:hot', limitNano: 100_000, periodEndMs: Date.now() + day };
    const results = await Promise.all(Array.from({ length: 300 }, (_, index) => ledgers[index % 3]!.reserve(`r${index}`, [scope], 1000, 60_000)));
    expect(results.filter((result) => result.ok)).toHaveLength(100);
    expect(await ledgers[0]!.read(scope)).toEqual({ spentNano: 0, reservedNano: 100_000 });
    // Settled concurrently from all three, each threshold is crossed by exactly one settle.
    const admitted = results.flatMap((result, index) => (result.ok ? [index] : []));
    const crossings = await Promise.all(admitted.map((index) => ledgers[index % 3]!.settle(`r${index}`, [scope], 1000)));
    const crossed = (share: number): number =>
      crossings.filter(([crossing]) => crossing!.beforeNano < share * 100_000 && crossing!.afterNano >= share * 100_000).length;
    expect([crossed(0.5), crossed(0.8), crossed(1)]).toEqual([1, 1, 1]);
    expect(await ledgers[0]!.read(scope)).toEqual({ spentNano: 100_000, reservedNano: 0 });
  });
});

describe('RedisBudgetLedger when Redis is unreachable', () => {
  it('rejects, so that the caller can fail closed', async () => {
    const redis = new Redis('redis://127.0.0.1:1', { lazyConnect: true, maxRetriesPerRequest: 1, enableOfflineQueue: false });
    redis.on('error', () => undefined);
    await redis.connect().catch(() => undefined);
    const ledger = new RedisBudgetLedger(redis);
    const scope = { key: 'budget:tenant:t', limitNano: 1000, periodEndMs: Date.now() + day };
    await expect(ledger.reserve('r1', [scope], 100, 60_000)).rejects.toThrow();
    await expect(ledger.settle('r1', [scope], 100)).rejects.toThrow();
    await expect(ledger.ensureSeeded(scope, async () => 0)).rejects.toThrow();
    redis.disconnect();
  });
});
