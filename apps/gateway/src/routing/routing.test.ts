import { gatewayConfigSchema } from '@arbiter/shared';
import { describe, expect, it } from 'vitest';
import { ModelCatalog } from '../catalog/model-catalog.js';
import { envSchema } from '../config/env.js';
import { loadShippedCatalog } from '../pricing/price-catalog.js';
import { createProviderRegistry } from '../providers/provider-registry.js';
import { HttpClient } from '../providers/shared/http-client.js';
import { UpstreamError } from '../providers/shared/upstream-error.js';
import { computeBackoff } from './backoff.js';
import { CircuitBreaker } from './circuit-breaker.js';
import { executeWithFallback, RoutingFailure } from './execute-with-fallback.js';
import { Router } from './router.js';

function createRouter(routes: object[], random: () => number = Math.random, auto: object = {}) {
  const config = gatewayConfigSchema.parse({ routes, auto, routing: { base_delay_ms: 1, max_delay_ms: 5 } });
  const providers = createProviderRegistry(envSchema.parse({}), config, (name) => (name.endsWith('_API_KEY') ? 'key' : undefined), new HttpClient());
  return new Router(new ModelCatalog(providers, loadShippedCatalog(), config), config, config.routing, random);
}

const targets = [{ model: 'openai/gpt-4o' }, { model: 'gpt-4o-mini' }, { model: 'claude-sonnet-4-5' }];
const names = (plan: ReturnType<Router['plan']>) => plan.targets.map((target) => target.model.qualifiedName);

describe('Router strategies', () => {
  it('a plain model is a one-target plan; an alias keeps its order under fallback', () => {
    const router = createRouter([{ alias: 'smart', targets }]);
    expect(names(router.plan({ model: 'gpt-4o-mini' }, 'chat'))).toEqual(['openai/gpt-4o-mini']);
    expect(names(router.plan({ model: 'smart' }, 'chat'))).toEqual(['openai/gpt-4o', 'openai/gpt-4o-mini', 'anthropic/claude-sonnet-4-5']);
  });

  it('weighted: the first target is drawn in proportion to the weights', () => {
    let seed = 42;
    const random = () => ((seed = (seed * 16807) % 2147483647) - 1) / 2147483646;
    const router = createRouter([{ alias: 'mix', strategy: 'weighted', targets: [{ model: 'gpt-4o', weight: 3 }, { model: 'gpt-4o-mini', weight: 1 }] }], random);
    let first = 0;
    for (let index = 0; index < 4000; index++) if (names(router.plan({ model: 'mix' }, 'chat'))[0] === 'openai/gpt-4o') first++;
    expect(first / 4000).toBeGreaterThan(0.72);
    expect(first / 4000).toBeLessThan(0.78);
  });

  it('lowest-cost ranks by the estimated cost of this request', () => {
    const router = createRouter([{ alias: 'cheap', strategy: 'lowest-cost', targets }]);
    expect(names(router.plan({ model: 'cheap', messages: [{ role: 'user', content: 'hi' }] }, 'chat'))[0]).toBe('openai/gpt-4o-mini');
  });

  it('lowest-latency prefers unmeasured targets, then the fastest EWMA; least-busy the fewest in flight', () => {
    const router = createRouter([
      { alias: 'fast', strategy: 'lowest-latency', targets },
      { alias: 'idle', strategy: 'least-busy', targets },
    ]);
    const [a, b, c] = router.plan({ model: 'fast' }, 'chat').targets;
    a!.stats.recordLatency(300);
    b!.stats.recordLatency(100);
    expect(names(router.plan({ model: 'fast' }, 'chat'))).toEqual(['anthropic/claude-sonnet-4-5', 'openai/gpt-4o-mini', 'openai/gpt-4o']);
    c!.stats.recordLatency(1000);
    expect(names(router.plan({ model: 'fast' }, 'chat'))[0]).toBe('openai/gpt-4o-mini');
    a!.stats.inFlight = 0;
    b!.stats.inFlight = 5;
    c!.stats.inFlight = 2;
    expect(names(router.plan({ model: 'idle' }, 'chat'))).toEqual(['openai/gpt-4o', 'anthropic/claude-sonnet-4-5', 'openai/gpt-4o-mini']);
  });
});

describe('model "auto"', () => {
  const candidates = ['gpt-4o', 'gpt-4o-mini', 'claude-sonnet-4-5', 'o3', 'gpt-3.5-turbo-0301'];

  it('prefers the cheapest candidate that has what the request needs, as a fallback chain', () => {
    const router = createRouter([], Math.random, { candidates, max_targets: 2 });
    const plan = router.plan({ model: 'auto', messages: [{ role: 'user', content: 'hi' }] }, 'chat');
    expect(plan.alias).toBe('auto');
    expect(plan.targets).toHaveLength(2);
    expect(plan.targets[0]!.model.qualifiedName).toBe('openai/gpt-4o-mini');
  });

  it('filters by needed capabilities and by the price limit', () => {
    const router = createRouter([], Math.random, { candidates, max_price_per_1m: 10 });
    const tools = [{ type: 'function' as const, function: { name: 'f' } }];
    const names = router
      .plan({ model: 'auto', messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'https://x/y.png' } }] }], tools }, 'chat')
      .targets.map((target) => target.model.qualifiedName);
    // gpt-3.5-turbo-0301 has no vision; claude-sonnet-4-5 costs $15/1M output, over the limit.
    expect(names).toEqual(['openai/gpt-4o-mini', 'openai/o3', 'openai/gpt-4o']);
  });

  it('says so when nothing qualifies', () => {
    const router = createRouter([], Math.random, { candidates, max_price_per_1m: 0.01 });
    expect(() => router.plan({ model: 'auto', messages: [{ role: 'user', content: 'hi' }] }, 'chat')).toThrow(/No model satisfies model "auto"/);
  });
});

describe('executeWithFallback', () => {
  const signal = new AbortController().signal;
  const options = { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 5, signal };
  const upstream = (status: number, retryAfterSeconds: number | null = null) =>
    new UpstreamError('upstream_error', { provider: 'p', upstreamStatus: status, message: 'x', retryAfterSeconds });

  it('falls over on retryable errors and reports every attempt', async () => {
    const plan = createRouter([{ alias: 'smart', targets }]).plan({ model: 'smart' }, 'chat');
    const outcome = await executeWithFallback(
      plan,
      async (target) => {
        if (target.model.qualifiedName !== 'anthropic/claude-sonnet-4-5') throw upstream(503);
        return 'ok';
      },
      options,
    );
    expect(outcome.result).toBe('ok');
    expect(outcome.attempts.map((attempt) => `${attempt.target}=${attempt.status}`)).toEqual([
      'openai/gpt-4o=502',
      'openai/gpt-4o-mini=502',
      'anthropic/claude-sonnet-4-5=200',
    ]);
  });

  it('stops at once on a non-retryable error (a 400 is the request, not the target)', async () => {
    const plan = createRouter([{ alias: 'smart', targets }]).plan({ model: 'smart' }, 'chat');
    let calls = 0;
    const failure = await executeWithFallback(plan, async () => {
      calls++;
      throw upstream(400);
    }, options).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(RoutingFailure);
    expect(calls).toBe(1);
  });

  it('skips targets whose circuit is open', async () => {
    const plan = createRouter([{ alias: 'smart', targets }]).plan({ model: 'smart' }, 'chat');
    for (let index = 0; index < 5; index++) plan.targets[0]!.breaker.recordFailure();
    const outcome = await executeWithFallback(plan, async (target) => target.model.qualifiedName, options);
    expect(outcome.result).toBe('openai/gpt-4o-mini');
    expect(outcome.attempts).toHaveLength(1);
  });
});

describe('CircuitBreaker', () => {
  it('opens after the threshold, lets one probe through after the cooldown, and closes on its success', () => {
    const breaker = new CircuitBreaker({ failureThreshold: 2, cooldownMs: 1000 });
    breaker.recordFailure(0);
    expect(breaker.tryAcquire(0)).toBe(true);
    breaker.recordFailure(0);
    expect(breaker.status).toBe('open');
    expect(breaker.tryAcquire(999)).toBe(false);
    expect(breaker.tryAcquire(1000)).toBe(true);
    expect(breaker.tryAcquire(1000)).toBe(false);
    breaker.recordFailure(1000);
    expect(breaker.tryAcquire(1500)).toBe(false);
    expect(breaker.tryAcquire(2000)).toBe(true);
    breaker.recordSuccess();
    expect(breaker.status).toBe('closed');
  });
});

describe('computeBackoff', () => {
  it('grows exponentially with full jitter and honours Retry-After up to the maximum', () => {
    expect(computeBackoff(1, null, 100, 2000, () => 0.999)).toBe(99);
    expect(computeBackoff(3, null, 100, 2000, () => 0.999)).toBe(399);
    expect(computeBackoff(10, null, 100, 2000, () => 0.5)).toBe(1000);
    expect(computeBackoff(1, 1, 100, 2000)).toBe(1000);
    expect(computeBackoff(1, 30, 100, 2000)).toBe(2000);
  });
});
