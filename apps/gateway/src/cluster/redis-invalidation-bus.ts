import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { z } from 'zod';
import {
  HandlerSet,
  invalidationMessageSchema,
  reportToConsole,
  type HandlerErrorReporter,
  type InvalidationBus,
  type InvalidationHandler,
  type InvalidationMessage,
} from './invalidation-bus.js';

/**
 * On the wire a message also carries the publishing bus's id, so that bus skips its own (it already ran its handlers).
 * Without one (an operator's `PUBLISH arbiter:invalidate '{"kind":"all","id":"*"}'`) every replica acts on it.
 */
const originSchema = z.object({ origin: z.string() });

export interface RedisInvalidationBusOptions {
  /** The channel is `<prefix>invalidate`; 'arbiter:' by default, unique per test. */
  prefix?: string;
  reportError?: HandlerErrorReporter;
}

/**
 * Invalidation over Redis pub/sub on a dedicated subscriber connection (a subscribed connection can run nothing
 * else). Pub/sub does not queue: whatever is published while the subscriber is away is lost, so after every
 * re-subscription the local handlers get `{ kind: 'all' }` and drop everything.
 */
export class RedisInvalidationBus implements InvalidationBus {
  private readonly channel: string;
  private readonly origin = randomUUID();
  private readonly handlers: HandlerSet;
  private readonly subscriber: Redis;
  private readonly subscribed: Promise<void>;
  private markSubscribed: () => void = () => undefined;
  private subscribedBefore = false;
  private closed = false;

  constructor(
    private readonly redis: Redis,
    options: RedisInvalidationBusOptions = {},
  ) {
    this.channel = `${options.prefix ?? 'arbiter:'}invalidate`;
    this.handlers = new HandlerSet(options.reportError ?? reportToConsole);
    this.subscribed = new Promise((resolve) => (this.markSubscribed = resolve));
    // We subscribe on every 'ready' ourselves, to know when a re-subscription is complete (ioredis' own does not say).
    // The name shows operators what the connection is in CLIENT LIST (which refuses names with spaces).
    const connectionName = `${this.channel}:subscriber`.replaceAll(/\s/g, '-');
    this.subscriber = redis.duplicate({ lazyConnect: true, autoResubscribe: false, connectionName, enableAutoPipelining: false });
    // Connection errors are retried by ioredis and end in a 'ready'; an unhandled 'error' event would crash the process.
    this.subscriber.on('error', () => undefined);
    this.subscriber.on('ready', () => void this.subscribeChannel());
    this.subscriber.on('message', (channel: string, text: string) => this.receive(channel, text));
    this.subscriber.connect().catch(() => undefined);
  }

  async publish(message: InvalidationMessage): Promise<void> {
    const parsed = invalidationMessageSchema.parse(message);
    this.handlers.dispatch(parsed);
    await this.redis.publish(this.channel, JSON.stringify({ ...parsed, origin: this.origin }));
  }

  subscribe(handler: InvalidationHandler): () => void {
    return this.handlers.add(handler);
  }

  ready(): Promise<void> {
    return this.subscribed;
  }

  async close(): Promise<void> {
    this.closed = true;
    this.handlers.clear();
    this.markSubscribed(); // nobody waits forever on a closed bus
    if (this.subscriber.status === 'ready') {
      await this.subscriber.quit().catch(() => this.subscriber.disconnect());
    } else {
      this.subscriber.disconnect();
    }
  }

  private async subscribeChannel(): Promise<void> {
    try {
      await this.subscriber.subscribe(this.channel);
    } catch {
      // The connection dropped again before the subscription; its next 'ready' tries again.
      return;
    }
    if (this.closed) return;
    if (this.subscribedBefore) this.handlers.dispatch({ kind: 'all', id: '*' });
    this.subscribedBefore = true;
    this.markSubscribed();
  }

  private receive(channel: string, text: string): void {
    if (channel !== this.channel || this.closed) return;
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      return; // not JSON: not ours to act on
    }
    const message = invalidationMessageSchema.safeParse(json);
    if (!message.success || originSchema.safeParse(json).data?.origin === this.origin) return;
    this.handlers.dispatch(message.data);
  }
}
