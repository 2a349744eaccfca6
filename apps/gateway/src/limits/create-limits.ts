import type { Redis } from 'ioredis';
import type { InvalidationBus } from '../cluster/invalidation-bus.js';
import { MemoryInvalidationBus } from '../cluster/invalidation-bus.js';
import { RedisInvalidationBus } from '../cluster/redis-invalidation-bus.js';
import { RedisAdmissionStore, SequentialAdmissionStore, type AdmissionStore } from './admission-store.js';
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
  /** Admission's two steps (limits and reservation; token count and settlement), each one round trip. */
  admissionStore: AdmissionStore;
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
    const rateLimiter = new MemoryRateLimiter();
    const budgetLedger = new MemoryBudgetLedger();
    return { rateLimiter, budgetLedger, invalidationBus: new MemoryInvalidationBus(), admissionStore: new SequentialAdmissionStore(rateLimiter, budgetLedger) };
  }
  // A Redis outage must reject calls (the caller fails closed), never crash the process on an unhandled 'error' event.
  if (redis.listenerCount('error') === 0) redis.on('error', () => undefined);
  const prefix = options.prefix ?? 'arbiter:';
  const rateLimiter = new RedisRateLimiter(redis, { prefix });
  const budgetLedger = new RedisBudgetLedger(redis, { prefix });
  return {
    rateLimiter,
    budgetLedger,
    invalidationBus: new RedisInvalidationBus(redis, { prefix }),
    admissionStore: new RedisAdmissionStore(redis, rateLimiter, budgetLedger),
  };
}
