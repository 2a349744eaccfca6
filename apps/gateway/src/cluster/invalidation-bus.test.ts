import { describe, expect, it, vi } from 'vitest';
import { MemoryInvalidationBus, type InvalidationMessage } from './invalidation-bus.js';

describe('MemoryInvalidationBus', () => {
  it('runs every handler before publish resolves, until unsubscribed', async () => {
    const bus = new MemoryInvalidationBus();
    const first: InvalidationMessage[] = [];
    const second: InvalidationMessage[] = [];
    const unsubscribe = bus.subscribe((message) => first.push(message));
    bus.subscribe((message) => second.push(message));
    await bus.ready();
    await bus.publish({ kind: 'api_key', id: 'k1' });
    unsubscribe();
    await bus.publish({ kind: 'all', id: '*' });
    expect(first).toEqual([{ kind: 'api_key', id: 'k1' }]);
    expect(second).toEqual([
      { kind: 'api_key', id: 'k1' },
      { kind: 'all', id: '*' },
    ]);
  });

  it('unsubscribes one subscription of a handler subscribed twice', async () => {
    const bus = new MemoryInvalidationBus();
    const handler = vi.fn();
    const unsubscribe = bus.subscribe(handler);
    bus.subscribe(handler);
    unsubscribe();
    await bus.publish({ kind: 'user', id: 'u1' });
    expect(handler).toHaveBeenCalledTimes(1);
  });

  it('keeps calling the other handlers when one throws, and reports it', async () => {
    const reportError = vi.fn();
    const bus = new MemoryInvalidationBus({ reportError });
    const handler = vi.fn();
    bus.subscribe(() => {
      throw new Error('cache broke');
    });
    bus.subscribe(handler);
    await bus.publish({ kind: 'tenant', id: 't1' });
    expect(handler).toHaveBeenCalledWith({ kind: 'tenant', id: 't1' });
    expect(reportError).toHaveBeenCalledWith(new Error('cache broke'), { kind: 'tenant', id: 't1' });
  });

  it('rejects a malformed message', async () => {
    const bus = new MemoryInvalidationBus();
    await expect(bus.publish({ kind: 'policy', id: '' })).rejects.toThrow();
    await expect(bus.publish(JSON.parse('{"kind":"all","id":"x"}') as InvalidationMessage)).rejects.toThrow();
  });
});
