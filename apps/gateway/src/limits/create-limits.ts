import type { Redis } from 'ioredis';
import type { InvalidationBus } from '../cluster/invalidation-bus.js';
import { MemoryInvalidationBus } from '../cluster/invalidation-bus.js';
import { RedisInvalidationBus } from '../cluster/redis-invalidation-bus.js';
import type { BudgetLedger } from './budget-ledger.js';
import { MemoryBudgetLedger } from './memory-budget-ledger.js';
import { MemoryRateLimiter } from './memory-rate-limiter.js';
import type { RateLimiter } from './rate-limiter.js';
import { RedisBudgetLedger } from './redis-budget-ledger.js';
import { RedisRateLimiter } from './redis-rate-limiter.js';

export interface LimitStores {
  rateLimiter: RateLimiter;
  budgetLedger: BudgetLedger;
  invalidationBus: InvalidationBus;
}

export interface LimitStoreOptions {
  /** Prepended to every Redis key and channel; 'arbiter:' by default. */
  prefix?: string;
}

/**
 * The limit stores: shared through Redis when one is configured (several replicas), otherwise in process memory (the
 * embedded default, one replica). The Redis client belongs to the caller, which closes it after closing the stores.
 */
export function createLimitStores(redis: Redis | null, options: LimitStoreOptions = {}): LimitStores {
  if (redis === null) {
    return { rateLimiter: new MemoryRateLimiter(), budgetLedger: new MemoryBudgetLedger(), invalidationBus: new MemoryInvalidationBus() };
  }
  // A Redis outage must reject calls (the caller fails closed), never crash the process on an unhandled 'error' event.
  if (redis.listenerCount('error') === 0) redis.on('error', () => undefined);
  const prefix = options.prefix ?? 'arbiter:';
  return {
    rateLimiter: new RedisRateLimiter(redis, { prefix }),
    budgetLedger: new RedisBudgetLedger(redis, { prefix }),
    invalidationBus: new RedisInvalidationBus(redis, { prefix }),
  };
}
