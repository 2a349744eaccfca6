import Anthropic, { InternalServerError } from '@anthropic-ai/sdk';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startE2EEnvironment, type E2EEnvironment } from '../support/e2e-environment.js';
import { MASTER_KEY } from '../support/test-gateway.js';

const messages = [{ role: 'user' as const, content: 'Hello' }];
let env: E2EEnvironment;
let client: Anthropic;

beforeAll(async () => {
  env = await startE2EEnvironment({
    routes: [
      // Anthropic only: served natively, with fallback between the Anthropic targets.
      { alias: 'claude-pool', strategy: 'fallback', targets: [{ model: 'claude-sonnet-4-5' }, { model: 'anthropic/claude-haiku-4-5' }] },
      // Mixed: every target through the conversion, so a fallback never changes the wire format half-way.
      { alias: 'resilient', strategy: 'fallback', targets: [{ model: 'claude-sonnet-4-5' }, { model: 'openai/gpt-4o-mini' }] },
    ],
    routing: { max_attempts: 2, base_delay_ms: 10, max_delay_ms: 100, circuit_breaker: { failure_threshold: 1000, cooldown_ms: 1 } },
  });
  client = new Anthropic({ baseURL: env.gateway.url, apiKey: MASTER_KEY, maxRetries: 0, logLevel: 'off' });
});
afterAll(async () => {
  await env.close();
});
afterEach(() => {
  env.anthropicEmulator.setFault(null);
  env.openaiEmulator.setFault(null);
});

describe('/v1/messages through routing aliases', () => {
  it('an all-Anthropic alias is served natively by its first target', async () => {
    const { data, response } = await client.messages.create({ model: 'claude-pool', max_tokens: 20, messages }).withResponse();
    expect(data.usage).toMatchObject({ input_tokens: 12, output_tokens: 29 });
    expect(env.anthropicEmulator.requests.at(-1)!.body).toEqual({ model: 'claude-sonnet-4-5', max_tokens: 20, messages });
    const record = await env.usageFor(response.headers.get('x-request-id')!);
    expect(record).toMatchObject({ endpoint: 'messages', requested_model: 'claude-pool', model: 'claude-sonnet-4-5', status: 'success' });
  });

  it('when every Anthropic target is overloaded, the error says what was tried', async () => {
    env.anthropicEmulator.setFault({ kind: 'status', status: 529 });
    const error = await client.messages.create({ model: 'claude-pool', max_tokens: 20, messages }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(InternalServerError);
    expect((error as InternalServerError).type).toBe('overloaded_error');
    expect((error as InternalServerError).headers?.get('x-arbiter-attempts')).toBe('anthropic/claude-sonnet-4-5=502; anthropic/claude-haiku-4-5=502');
    const streamed = await client.messages.stream({ model: 'claude-pool', max_tokens: 20, messages }).finalMessage().catch((caught: unknown) => caught);
    expect(streamed).toBeInstanceOf(InternalServerError);
  });

  it('a mixed alias falls over from Anthropic to OpenAI, answering in Anthropic format, streamed and not', async () => {
    env.anthropicEmulator.setFault({ kind: 'status', status: 529 });
    const { data, response } = await client.messages.create({ model: 'resilient', max_tokens: 20, messages }).withResponse();
    expect(data.usage).toMatchObject({ input_tokens: 16, output_tokens: 363 });
    expect(response.headers.get('x-arbiter-attempts')).toBe('anthropic/claude-sonnet-4-5=502; openai/gpt-4o-mini=200');
    const record = await env.usageFor(response.headers.get('x-request-id')!);
    expect(record).toMatchObject({ endpoint: 'messages', requested_model: 'resilient', provider: 'openai', status: 'success' });

    const streamed = await client.messages.stream({ model: 'resilient', max_tokens: 20, messages }).finalMessage();
    expect(streamed.usage).toMatchObject({ input_tokens: 16, output_tokens: 300 });
  });
});
