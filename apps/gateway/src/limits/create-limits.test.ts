import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { MemoryInvalidationBus } from '../cluster/invalidation-bus.js';
import { RedisInvalidationBus } from '../cluster/redis-invalidation-bus.js';
import { createLimitStores } from './create-limits.js';
import { MemoryBudgetLedger } from './memory-budget-ledger.js';
import { MemoryRateLimiter } from './memory-rate-limiter.js';
import { RedisBudgetLedger } from './redis-budget-ledger.js';
import { RedisRateLimiter } from './redis-rate-limiter.js';

describe('createLimitStores', () => {
  it('keeps limits in memory without Redis', () => {
    const stores = createLimitStores(null);
    expect(stores.rateLimiter).toBeInstanceOf(MemoryRateLimiter);
    expect(stores.budgetLedger).toBeInstanceOf(MemoryBudgetLedger);
    expect(stores.invalidationBus).toBeInstanceOf(MemoryInvalidationBus);
  });

  it('shares limits through Redis when given a client, and guards it against unhandled error events', async () => {
    const redis = new Redis('redis://127.0.0.1:1', { lazyConnect: true, maxRetriesPerRequest: 1, enableOfflineQueue: false });
    const stores = createLimitStores(redis, { prefix: 'arbiter-test:' });
    expect(stores.rateLimiter).toBeInstanceOf(RedisRateLimiter);
    expect(stores.budgetLedger).toBeInstanceOf(RedisBudgetLedger);
    expect(stores.invalidationBus).toBeInstanceOf(RedisInvalidationBus);
    expect(redis.listenerCount('error')).toBe(1);
    await stores.invalidationBus.close();
    redis.disconnect();
  });
});
