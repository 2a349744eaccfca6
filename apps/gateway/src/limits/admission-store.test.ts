import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisAdmissionStore, SequentialAdmissionStore, type AdmissionStore } from './admission-store.js';
import type { BudgetLedger, BudgetScope } from './budget-ledger.js';
import { MemoryBudgetLedger } from './memory-budget-ledger.js';
import { MemoryRateLimiter } from './memory-rate-limiter.js';
import type { RateLimiter } from './rate-limiter.js';
import { RedisBudgetLedger } from './redis-budget-ledger.js';
import { RedisRateLimiter } from './redis-rate-limiter.js';
import { connectTestRedis, createFakeClock, createTestPrefix, deleteKeysUnder, redisUrl, warnWhenRedisIsMissing } from './test-support/redis-test-client.js';

warnWhenRedisIsMissing('admission-store');

interface Stores {
  store: AdmissionStore;
  rateLimiter: RateLimiter;
  budgetLedger: BudgetLedger;
}

/** What every admission store does: the rate limiter's and the ledger's rules, in one step each. */
function describeAdmissionStore(create: (now: () => number) => Promise<Stores>): void {
  const clock = createFakeClock();
  const scope = (key: string, limitNano: number): BudgetScope => ({ key, limitNano, periodEndMs: clock.start + 30 * 86_400_000 });
  const windows = { requests: [{ key: 'rpm:key:a', limit: 2 }], tokens: [{ key: 'tpm:key:a', limit: 100 }] };

  it('admits, reserves, counts tokens and settles', async () => {
    const { store, budgetLedger } = await create(clock.now);
    const budget = scope('budget:key:a:month:x', 1000);
    const first = await store.admitAndReserve(windows, { id: 'r1', scopes: [budget], amountNano: 400, ttlMs: 60_000 });
    expect(first.decision).toMatchObject({ allowed: true, windows: [{ key: 'rpm:key:a', remaining: 1 }, { key: 'tpm:key:a', remaining: 100 }] });
    expect(first.reserved).toEqual({ ok: true });
    expect(await budgetLedger.read(budget)).toEqual({ spentNano: 0, reservedNano: 400 });
    const crossings = await store.countAndSettle(['tpm:key:a'], 60, { id: 'r1', scopes: [budget], actualNano: 550 });
    expect(crossings).toEqual([{ key: budget.key, limitNano: 1000, beforeNano: 0, afterNano: 550 }]);
    expect(await budgetLedger.read(budget)).toEqual({ spentNano: 550, reservedNano: 0 });
    const second = await store.admitAndReserve(windows, null);
    expect(second).toMatchObject({ decision: { allowed: true, windows: [{ remaining: 0 }, { key: 'tpm:key:a', remaining: 40 }] }, reserved: null });
  });

  it('reserves nothing when the rate limit refuses, and counts the request when the budget refuses', async () => {
    const { store, budgetLedger, rateLimiter } = await create(clock.now);
    const budget = scope('budget:key:b:month:x', 1000);
    const keyWindows = { requests: [{ key: 'rpm:key:b', limit: 1 }], tokens: [] };
    // Over budget: refused by the ledger, but the request window counted it (as two calls one after the other do).
    const overBudget = await store.admitAndReserve(keyWindows, { id: 'r2', scopes: [budget], amountNano: 5000, ttlMs: 60_000 });
    expect(overBudget.decision?.allowed).toBe(true);
    expect(overBudget.reserved).toMatchObject({ ok: false, key: budget.key, limitNano: 1000 });
    const limited = await store.admitAndReserve(keyWindows, { id: 'r3', scopes: [budget], amountNano: 10, ttlMs: 60_000 });
    expect(limited).toMatchObject({ decision: { allowed: false }, reserved: null });
    expect(await budgetLedger.read(budget)).toEqual({ spentNano: 0, reservedNano: 0 });
    expect((await rateLimiter.admit({ requests: [{ key: 'rpm:key:b', limit: 1 }], tokens: [], cost: 0 })).remaining).toBe(0);
  });

  it('reserves without windows and settles without tokens', async () => {
    const { store, budgetLedger } = await create(clock.now);
    const budget = scope('budget:key:c:month:x', 1000);
    expect(await store.admitAndReserve({ requests: [], tokens: [] }, { id: 'r4', scopes: [budget], amountNano: 100, ttlMs: 60_000 })).toEqual({ decision: null, reserved: { ok: true } });
    expect(await store.countAndSettle([], 0, { id: 'r4', scopes: [budget], actualNano: 70 })).toHaveLength(1);
    expect(await budgetLedger.read(budget)).toEqual({ spentNano: 70, reservedNano: 0 });
    expect(await store.countAndSettle(['tpm:key:c'], 0, null)).toEqual([]);
  });
}

describe('SequentialAdmissionStore (memory)', () => {
  describeAdmissionStore(async (now) => {
    const rateLimiter = new MemoryRateLimiter({ now });
    const budgetLedger = new MemoryBudgetLedger({ now });
    return { store: new SequentialAdmissionStore(rateLimiter, budgetLedger), rateLimiter, budgetLedger };
  });
});

describe.skipIf(redisUrl === undefined)('RedisAdmissionStore', () => {
  let redis: Redis;
  const prefixes: string[] = [];

  beforeAll(async () => {
    redis = await connectTestRedis();
  });

  afterAll(async () => {
    for (const prefix of prefixes) await deleteKeysUnder(redis, prefix);
    await redis.quit();
  });

  describeAdmissionStore(async (now) => {
    const prefix = createTestPrefix();
    prefixes.push(prefix);
    const rateLimiter = new RedisRateLimiter(redis, { prefix, now });
    const budgetLedger = new RedisBudgetLedger(redis, { prefix, now });
    return { store: new RedisAdmissionStore(redis, rateLimiter, budgetLedger), rateLimiter, budgetLedger };
  });
});
