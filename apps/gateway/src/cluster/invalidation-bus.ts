import { z } from 'zod';

/**
 * Cross-replica cache invalidation: a replica that changes an API key, user, tenant, SSO config or policy publishes
 * its id, and every replica (itself included) drops what it cached. `all` means "drop everything": sent to local
 * handlers when messages may have been missed (the Redis subscriber reconnected), or published by an operator.
 */
export const invalidationMessageSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.enum(['api_key', 'user', 'tenant', 'sso', 'policy']), id: z.string().min(1) }),
  z.object({ kind: z.literal('all'), id: z.literal('*') }),
]);

export type InvalidationMessage = z.infer<typeof invalidationMessageSchema>;

export type InvalidationHandler = (message: InvalidationMessage) => void;

export interface InvalidationBus {
  /** Runs the local handlers, then tells the other replicas; rejects when the message could not be sent. */
  publish(message: InvalidationMessage): Promise<void>;
  /** Returns the unsubscribe function. */
  subscribe(handler: InvalidationHandler): () => void;
  /** Resolves once messages from other replicas are delivered (memory: at once); never rejects. */
  ready(): Promise<void>;
  close(): Promise<void>;
}

/** Reports a handler that threw, so one broken cache cannot keep the others from being invalidated. */
export type HandlerErrorReporter = (error: unknown, message: InvalidationMessage) => void;

export const reportToConsole: HandlerErrorReporter = (error, message) => {
  console.error(`[invalidation-bus] a handler failed on ${message.kind}:${message.id}`, error);
};

/** The handlers of one replica, each called even when an earlier one throws. */
export class HandlerSet {
  private readonly handlers = new Set<InvalidationHandler>();

  constructor(private readonly reportError: HandlerErrorReporter) {}

  add(handler: InvalidationHandler): () => void {
    // A wrapper per subscription, so the same function subscribed twice is also unsubscribed one at a time.
    const entry: InvalidationHandler = (message) => handler(message);
    this.handlers.add(entry);
    return () => void this.handlers.delete(entry);
  }

  dispatch(message: InvalidationMessage): void {
    for (const handler of [...this.handlers]) {
      try {
        handler(message);
      } catch (error) {
        this.reportError(error, message);
      }
    }
  }

  clear(): void {
    this.handlers.clear();
  }
}

export interface MemoryInvalidationBusOptions {
  reportError?: HandlerErrorReporter;
}

/** The embedded default: one replica, so publishing is calling the handlers. */
export class MemoryInvalidationBus implements InvalidationBus {
  private readonly handlers: HandlerSet;

  constructor(options: MemoryInvalidationBusOptions = {}) {
    this.handlers = new HandlerSet(options.reportError ?? reportToConsole);
  }

  async publish(message: InvalidationMessage): Promise<void> {
    this.handlers.dispatch(invalidationMessageSchema.parse(message));
  }

  subscribe(handler: InvalidationHandler): () => void {
    return this.handlers.add(handler);
  }

  async ready(): Promise<void> {}

  async close(): Promise<void> {
    this.handlers.clear();
  }
}
