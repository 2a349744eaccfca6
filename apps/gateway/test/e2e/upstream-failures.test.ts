import OpenAI from 'openai';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { MASTER_KEY } from '../support/test-gateway.js';
import { startE2EEnvironment, type E2EEnvironment } from '../support/e2e-environment.js';

const messages = [{ role: 'user' as const, content: 'Hello' }];
let env: E2EEnvironment;

beforeAll(async () => {
  // One attempt, no breaker: these tests look at how a single failure reaches the client (routing.test.ts covers retries).
  env = await startE2EEnvironment({ routing: { max_attempts: 1, circuit_breaker: { failure_threshold: 1000, cooldown_ms: 1 } } });
});
afterAll(async () => {
  await env.close();
});
afterEach(() => {
  env.openaiEmulator.setFault(null);
  env.anthropicEmulator.setFault(null);
});

async function rawChat(body: object): Promise<Response> {
  return fetch(`${env.gateway.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${MASTER_KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
}

describe('upstream failures become clear errors, and every one leaves a usage record', () => {
  it('429 passes through with Retry-After and the upstream code', async () => {
    env.openaiEmulator.setFault({ kind: 'status', status: 429, retryAfter: 7 });
    const response = await rawChat({ model: 'gpt-4o-mini', messages });
    expect(response.status).toBe(429);
    expect(response.headers.get('retry-after')).toBe('7');
    const body = (await response.json()) as { error: { code: string; type: string; message: string } };
    expect(body.error).toMatchObject({ code: 'rate_limit_exceeded', type: 'tokens' });
    expect(body.error.message).toMatch(/^openai: /);
    const record = await env.usageFor(response.headers.get('x-request-id')!);
    expect(record).toMatchObject({ status: 'error', http_status: 429, provider: 'openai', usage: null, cost: null });
  });

  it('5xx from OpenAI and 529 from Anthropic become 502', async () => {
    env.openaiEmulator.setFault({ kind: 'status', status: 500 });
    const openai = await env.client.chat.completions.create({ model: 'gpt-4o-mini', messages }).catch((error: unknown) => error);
    expect(openai).toMatchObject({ status: 502, code: 'upstream_error' });
    env.anthropicEmulator.setFault({ kind: 'status', status: 529 });
    const anthropic = await env.client.chat.completions.create({ model: 'claude-sonnet-4-5', messages, max_tokens: 10 }).catch((error: unknown) => error);
    expect(anthropic).toMatchObject({ status: 502, code: 'upstream_error' });
    expect((anthropic as Error).message).toContain('Overloaded');
  });

  it('a reset connection is 502 upstream_unavailable; a slow upstream is 504 after the provider timeout', async () => {
    env.openaiEmulator.setFault({ kind: 'reset' });
    const reset = await rawChat({ model: 'gpt-4o-mini', messages });
    expect(reset.status).toBe(502);
    expect(((await reset.json()) as { error: { code: string } }).error.code).toBe('upstream_unavailable');

    env.openaiEmulator.setFault({ kind: 'latency', ms: 1500 });
    const started = performance.now();
    const slow = await rawChat({ model: `${env.localProvider}-llama`, messages });
    expect(slow.status).toBe(504);
    expect(((await slow.json()) as { error: { code: string } }).error.code).toBe('upstream_timeout');
    expect(performance.now() - started).toBeLessThan(1400);
    const record = await env.usageFor(slow.headers.get('x-request-id')!);
    expect(record).toMatchObject({ status: 'error', http_status: 504, error_code: 'upstream_timeout' });
  });

  it('a stream cut after the first bytes ends with an error event the client sees, never a clean close', async () => {
    env.openaiEmulator.setFault({ kind: 'cut-stream', afterEvents: 20 });
    const { data: stream, response } = await env.client.chat.completions.create({ model: 'gpt-4o-mini', messages, stream: true }).withResponse();
    let text = '';
    const error = await (async () => {
      for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
    })().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(Error);
    expect(text.length).toBeGreaterThan(0);
    const record = await env.usageFor(response.headers.get('x-request-id')!);
    expect(record.status).toBe('error');
    expect(record.response).toBe(text);
    // The upstream never sent its usage: the gateway counted what was streamed, and says so.
    expect(record.usage_estimated).toBe(true);
    expect(record.usage?.output.total).toBeGreaterThan(0);
    expect(record.cost?.total).toBeGreaterThan(0);
  });

  it('a malformed stream event ends the stream with an error event', async () => {
    env.openaiEmulator.setFault({ kind: 'malformed' });
    const stream = await env.client.chat.completions.create({ model: 'gpt-4o-mini', messages, stream: true });
    const error = await (async () => {
      for await (const _chunk of stream) {
        // drain
      }
    })().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(Error);
  });

  it('a client abort cancels the upstream stream and is recorded as aborted with the usage so far', async () => {
    env.openaiEmulator.setFault({ kind: 'chunk-delay', ms: 20 });
    const controller = new AbortController();
    const { data: stream, response } = await env.client.chat.completions
      .create({ model: 'gpt-4o-mini', messages, stream: true }, { signal: controller.signal })
      .withResponse();
    let received = 0;
    await (async () => {
      for await (const _chunk of stream) {
        if (++received === 5) controller.abort();
      }
    })().catch(() => undefined);
    const requestId = response.headers.get('x-request-id')!;
    let record = await env.usageFor(requestId).catch(() => null);
    for (let attempt = 0; record === null && attempt < 50; attempt++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      record = await env.usageFor(requestId).catch(() => null);
    }
    expect(record).toMatchObject({ status: 'aborted', http_status: 499, usage_estimated: true });
    expect(record!.usage!.input.total).toBeGreaterThan(0);
    expect(record!.usage!.output.total).toBeGreaterThan(0);
    // 300 chunks at 20 ms would take 6 s: the record shows the request ended right after the abort.
    expect(record!.latency_ms).toBeLessThan(3000);
  });

  it('a client abort of a non-streaming request is recorded as aborted', async () => {
    env.openaiEmulator.setFault({ kind: 'hang' });
    const client = new OpenAI({ baseURL: `${env.gateway.url}/v1`, apiKey: MASTER_KEY, maxRetries: 0, timeout: 300 });
    const { response } = await client.chat.completions
      .create({ model: 'gpt-4o-mini', messages }, { headers: { 'x-request-id': 'abort-non-stream-1' } })
      .withResponse()
      .catch(() => ({ response: null }));
    expect(response).toBeNull();
    let record = await env.usageFor('abort-non-stream-1').catch(() => null);
    for (let attempt = 0; record === null && attempt < 50; attempt++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      record = await env.usageFor('abort-non-stream-1').catch(() => null);
    }
    expect(record).toMatchObject({ status: 'aborted', http_status: 499, trace_id: 'abort-non-stream-1' });
  });
});
