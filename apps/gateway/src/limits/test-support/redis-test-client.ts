import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { readEnv } from '../../config/env.js';

/** The Redis under test: CI's second pass sets REDIS_URL (a database of its own, e.g. redis://127.0.0.1:6379/15). */
export const redisUrl = readEnv().REDIS_URL;

/** Says out loud that the Redis suite is skipped, so a green run without Redis is not mistaken for a tested one. */
export function warnWhenRedisIsMissing(suite: string): void {
  if (redisUrl === undefined) console.warn(`[${suite}] REDIS_URL is not set: the Redis suite runs in CI's second pass`);
}

/** A client configured as the gateway's: no offline queue and one retry, so an outage rejects at once. */
export async function connectTestRedis(url = redisUrl): Promise<Redis> {
  if (url === undefined) throw new Error('REDIS_URL is not set');
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1, enableOfflineQueue: false });
  redis.on('error', () => undefined);
  await redis.connect();
  return redis;
}

/** A key prefix of the test's own, so files and tests can share one Redis database. */
export function createTestPrefix(): string {
  return `arbiter-test:${randomUUID()}:`;
}

export async function deleteKeysUnder(redis: Redis, prefix: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
    if (keys.length > 0) await redis.del(...keys);
    cursor = next;
  } while (cursor !== '0');
}

/** A clock the test moves by hand, starting at a whole second near the real time (Redis expiries are real). */
export function createFakeClock(): { now: () => number; advance: (ms: number) => void; set: (ms: number) => void; start: number } {
  const start = Math.floor(Date.now() / 60_000) * 60_000;
  let current = start;
  return {
    start,
    now: () => current,
    advance: (ms) => void (current += ms),
    set: (ms) => void (current = ms),
  };
}
