import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startE2EEnvironment, type E2EEnvironment } from '../support/e2e-environment.js';

const messages = [{ role: 'user' as const, content: 'Hello' }];
let env: E2EEnvironment;

beforeAll(async () => {
  env = await startE2EEnvironment({
    routes: [{ alias: 'resilient', strategy: 'fallback', targets: [{ model: 'claude-sonnet-4-5' }, { model: 'openai/gpt-4o-mini' }] }],
    routing: { max_attempts: 3, base_delay_ms: 10, max_delay_ms: 1500, circuit_breaker: { failure_threshold: 2, cooldown_ms: 400 } },
  });
});
afterAll(async () => {
  await env.close();
});
afterEach(() => {
  env.anthropicEmulator.setFault(null);
  env.openaiEmulator.setFault(null);
});

describe('routing through a fallback alias, end to end', () => {
  it('serves from the first target when it is healthy', async () => {
    const { response } = await env.client.chat.completions.create({ model: 'resilient', messages, max_tokens: 50 }).withResponse();
    expect(response.headers.get('x-arbiter-provider')).toBe('anthropic');
    expect(response.headers.get('x-arbiter-attempts')).toBeNull();
  });

  it('falls back on a 5xx, says what was tried, and records the target that answered', async () => {
    env.anthropicEmulator.setFault({ kind: 'status', status: 529 });
    const { data, response } = await env.client.chat.completions.create({ model: 'resilient', messages, max_tokens: 50 }).withResponse();
    expect(data.usage?.completion_tokens).toBe(363);
    expect(response.headers.get('x-arbiter-provider')).toBe('openai');
    expect(response.headers.get('x-arbiter-attempts')).toBe('anthropic/claude-sonnet-4-5=502; openai/gpt-4o-mini=200');
    const record = await env.usageFor(response.headers.get('x-request-id')!);
    expect(record).toMatchObject({ provider: 'openai', model: 'gpt-4o-mini', requested_model: 'resilient', status: 'success' });
  });

  it('honours Retry-After before the next attempt', async () => {
    env.anthropicEmulator.setFault({ kind: 'status', status: 429, retryAfter: 1 });
    const started = performance.now();
    const { response } = await env.client.chat.completions.create({ model: 'resilient', messages, max_tokens: 50 }).withResponse();
    expect(performance.now() - started).toBeGreaterThanOrEqual(950);
    expect(response.headers.get('x-arbiter-attempts')).toBe('anthropic/claude-sonnet-4-5=429; openai/gpt-4o-mini=200');
  });

  it('a stream that fails before its first byte falls back; the client sees one clean stream', async () => {
    env.anthropicEmulator.setFault({ kind: 'reset' });
    const { data: stream, response } = await env.client.chat.completions
      .create({ model: 'resilient', messages, max_tokens: 50, stream: true })
      .withResponse();
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
    expect(text.length).toBeGreaterThan(100);
    expect(response.headers.get('x-arbiter-provider')).toBe('openai');
    expect(response.headers.get('x-arbiter-attempts')).toBe('anthropic/claude-sonnet-4-5=502; openai/gpt-4o-mini=200');
  });

  it('opens the circuit after repeated failures, skips the target, then probes it after the cooldown', async () => {
    env.anthropicEmulator.setFault({ kind: 'status', status: 503 });
    // The earlier tests left failures on the breaker; drive it open for sure.
    await env.client.chat.completions.create({ model: 'resilient', messages, max_tokens: 5 });
    await env.client.chat.completions.create({ model: 'resilient', messages, max_tokens: 5 });
    const before = env.anthropicEmulator.requests.length;
    const { response } = await env.client.chat.completions.create({ model: 'resilient', messages, max_tokens: 5 }).withResponse();
    expect(env.anthropicEmulator.requests.length).toBe(before);
    expect(response.headers.get('x-arbiter-provider')).toBe('openai');

    env.anthropicEmulator.setFault(null);
    await new Promise((resolve) => setTimeout(resolve, 450));
    const { response: probe } = await env.client.chat.completions.create({ model: 'resilient', messages, max_tokens: 5 }).withResponse();
    expect(probe.headers.get('x-arbiter-provider')).toBe('anthropic');
  });

  it('a 4xx is not retried on another target: the request itself is wrong', async () => {
    env.anthropicEmulator.setFault({ kind: 'status', status: 400 });
    const error = await env.client.chat.completions.create({ model: 'resilient', messages, max_tokens: 5 }).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ status: 400 });
  });
});
