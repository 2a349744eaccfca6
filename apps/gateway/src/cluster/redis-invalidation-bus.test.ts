import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { connectTestRedis, createTestPrefix, redisUrl, warnWhenRedisIsMissing } from '../limits/test-support/redis-test-client.js';
import type { InvalidationMessage } from './invalidation-bus.js';
import { RedisInvalidationBus } from './redis-invalidation-bus.js';

warnWhenRedisIsMissing('redis-invalidation-bus');

/** Resolves with the messages once `count` arrived; rejects after `timeoutMs`. */
function collect(bus: RedisInvalidationBus, count: number, timeoutMs = 1000): Promise<InvalidationMessage[]> {
  const received: InvalidationMessage[] = [];
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`received ${JSON.stringify(received)} of ${count} in ${timeoutMs} ms`)), timeoutMs);
    bus.subscribe((message) => {
      received.push(message);
      if (received.length === count) {
        clearTimeout(timer);
        resolve(received);
      }
    });
  });
}

describe.skipIf(redisUrl === undefined)('RedisInvalidationBus', () => {
  const clients: Redis[] = [];
  const buses: RedisInvalidationBus[] = [];

  beforeAll(async () => {
    for (let index = 0; index < 3; index++) clients.push(await connectTestRedis());
  });

  afterEach(async () => {
    await Promise.all(buses.splice(0).map((bus) => bus.close()));
  });

  afterAll(async () => {
    await Promise.all(clients.map((client) => client.quit()));
  });

  async function createBuses(prefix = createTestPrefix()): Promise<RedisInvalidationBus[]> {
    const created = clients.map((client) => new RedisInvalidationBus(client, { prefix }));
    buses.push(...created);
    await Promise.all(created.map((bus) => bus.ready()));
    return created;
  }

  it('delivers a message published from one client to the subscribers on two others within a second', async () => {
    const [publisher, first, second] = await createBuses();
    const own = vi.fn();
    publisher!.subscribe(own);
    const arrivals = [collect(first!, 1), collect(second!, 1)];
    const started = performance.now();
    await publisher!.publish({ kind: 'api_key', id: 'key-1' });
    expect(await Promise.all(arrivals)).toEqual([[{ kind: 'api_key', id: 'key-1' }], [{ kind: 'api_key', id: 'key-1' }]]);
    expect(performance.now() - started).toBeLessThan(1000);
    // The publisher ran its handlers before publish resolved, and skips its own message when it comes back.
    expect(own).toHaveBeenCalledTimes(1);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(own).toHaveBeenCalledTimes(1);
  });

  it('ignores malformed messages and messages of other prefixes', async () => {
    const prefix = createTestPrefix();
    const [, listener] = await createBuses(prefix);
    const arrivals = collect(listener!, 1);
    await clients[0]!.publish(`${prefix}invalidate`, 'not json');
    await clients[0]!.publish(`${prefix}invalidate`, JSON.stringify({ kind: 'cache', id: 'x' }));
    await clients[0]!.publish(`${prefix}invalidate`, JSON.stringify({ kind: 'user' }));
    await clients[0]!.publish(`${createTestPrefix()}invalidate`, JSON.stringify({ kind: 'user', id: 'other' }));
    // Without an origin (an operator's PUBLISH), every replica acts on it.
    await clients[0]!.publish(`${prefix}invalidate`, JSON.stringify({ kind: 'sso', id: 'okta' }));
    expect(await arrivals).toEqual([{ kind: 'sso', id: 'okta' }]);
  });

  it('tells its handlers to drop everything after the subscriber reconnects, and receives again', async () => {
    const prefix = createTestPrefix();
    const [publisher, listener] = await createBuses(prefix);
    const received = collect(listener!, 2, 5000);
    // The 'all' arrives once the subscription is back, so a message published after it is not missed.
    const dropped = new Promise<void>((resolve) => listener!.subscribe((message) => message.kind === 'all' && resolve()));
    // Kill this test's subscriber connections (found by name), as a network failure would.
    const list = String(await clients[0]!.client('LIST', 'TYPE', 'PUBSUB'));
    const ids = list
      .split('\n')
      .filter((line) => line.includes(` name=${prefix}invalidate:subscriber `))
      .map((line) => /^id=(\d+) /.exec(line)?.[1]);
    expect(ids).toHaveLength(3);
    for (const id of ids) await clients[0]!.client('KILL', 'ID', id!);
    await dropped;
    await publisher!.publish({ kind: 'policy', id: 'p1' });
    expect(await received).toEqual([
      { kind: 'all', id: '*' },
      { kind: 'policy', id: 'p1' },
    ]);
  });
});

describe('RedisInvalidationBus when Redis is unreachable', () => {
  it('runs local handlers, rejects the publish, and never crashes on connection errors', async () => {
    const redis = new Redis('redis://127.0.0.1:1', { lazyConnect: true, maxRetriesPerRequest: 1, enableOfflineQueue: false });
    redis.on('error', () => undefined);
    await redis.connect().catch(() => undefined);
    const bus = new RedisInvalidationBus(redis);
    const handler = vi.fn();
    bus.subscribe(handler);
    await expect(bus.publish({ kind: 'user', id: 'u1' })).rejects.toThrow();
    expect(handler).toHaveBeenCalledWith({ kind: 'user', id: 'u1' });
    // Let the subscriber fail to connect a few times: its errors must not surface as unhandled 'error' events.
    await new Promise((resolve) => setTimeout(resolve, 200));
    await bus.close();
    redis.disconnect();
  });
});
