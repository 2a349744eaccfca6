import type { ChatCompletionChunk } from 'openai/resources/chat/completions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { readFixture, readJsonFixture, startE2EEnvironment, type E2EEnvironment } from '../support/e2e-environment.js';

interface AnthropicMessage {
  content: Array<{ type: string; text?: string }>;
  usage: { input_tokens: number; output_tokens: number; cache_read_input_tokens?: number; cache_creation_input_tokens?: number };
}

const anthropicText = readJsonFixture<AnthropicMessage>('anthropic/anthropic-text.json');
const anthropicTextStream = readFixture('anthropic/anthropic-text.chunks.txt')
  .split('\n')
  .filter((line) => line.trim() !== '')
  .map((line) => JSON.parse(line) as { type: string; delta?: { type: string; text?: string } });
const streamedText = anthropicTextStream.map((event) => (event.delta?.type === 'text_delta' ? event.delta.text : '')).join('');
const cacheCassette = parseYaml(readFixture('anthropic/test_anthropic_cache_real_api.yaml')) as {
  interactions: Array<{ response: { parsed_body: AnthropicMessage } }>;
};

const messages = [{ role: 'user' as const, content: 'Hello' }];
let env: E2EEnvironment;

beforeAll(async () => {
  env = await startE2EEnvironment();
});
afterAll(async () => {
  await env.close();
});

async function collect(stream: AsyncIterable<ChatCompletionChunk>): Promise<ChatCompletionChunk[]> {
  const chunks: ChatCompletionChunk[] = [];
  for await (const chunk of stream) chunks.push(chunk);
  return chunks;
}

describe('the official openai client to Anthropic models, converted to the Messages API and back', () => {
  it('plain completion: the recorded text, usage and exact cost', async () => {
    const { data, response } = await env.client.chat.completions
      .create({ model: 'claude-sonnet-4-5', messages: [{ role: 'system', content: 'Be brief.' }, ...messages], max_tokens: 256 })
      .withResponse();
    expect(data.choices[0]?.message.content).toBe(anthropicText.content.map((block) => block.text ?? '').join(''));
    expect(data.usage).toMatchObject({ prompt_tokens: 12, completion_tokens: 29 });
    expect(response.headers.get('x-arbiter-provider')).toBe('anthropic');
    // claude-sonnet-4-5: 12 × $3/1M + 29 × $15/1M
    expect(response.headers.get('x-arbiter-cost-usd')).toBe('0.000471');
    const upstream = env.anthropicEmulator.requests.at(-1)!;
    expect(upstream.path).toBe('/v1/messages');
    expect(upstream.headers['x-api-key']).toBe('sk-emulator');
    expect(upstream.body).toMatchObject({ model: 'claude-sonnet-4-5', system: [{ type: 'text', text: 'Be brief.' }], max_tokens: 256, messages: [{ role: 'user' }] });
  });

  it('without max_tokens the model maximum from the catalog is sent, with a warning', async () => {
    const { response } = await env.client.chat.completions.create({ model: 'claude-sonnet-4-5', messages }).withResponse();
    expect(env.anthropicEmulator.requests.at(-1)!.body).toMatchObject({ max_tokens: 64000 });
    expect(response.headers.get('x-arbiter-warnings')).toContain('max_tokens');
  });

  it('streamed: text deltas in OpenAI chunks, usage in the record and (when asked) in the last chunk', async () => {
    const { data: stream, response } = await env.client.chat.completions
      .create({ model: 'claude-sonnet-4-5', messages, stream: true, stream_options: { include_usage: true }, max_tokens: 100 })
      .withResponse();
    const chunks = await collect(stream);
    expect(chunks.map((chunk) => chunk.choices[0]?.delta.content ?? '').join('')).toBe(streamedText);
    expect(chunks.at(-1)!.usage).toMatchObject({ prompt_tokens: 12, completion_tokens: 30 });
    const record = await env.usageFor(response.headers.get('x-request-id')!);
    // 12 × 3 + 30 × 15 per 1M
    expect(record.cost).toEqual({ input: 0.000036, output: 0.00045, total: 0.000486 });
  });

  it('prompt caching: cache reads and writes priced at their own rates, to the token', async () => {
    const recorded = cacheCassette.interactions[1]!.response.parsed_body.usage;
    expect(recorded).toMatchObject({ input_tokens: 3, cache_read_input_tokens: 1111, cache_creation_input_tokens: 418, output_tokens: 33 });
    const { data, response } = await env.client.chat.completions
      .create({
        model: 'claude-sonnet-4-5',
        max_tokens: 100,
        messages: [
          // The cache breakpoint extension on a content part, as Anthropic's own OpenAI-compatible API accepts it.
          { role: 'system', content: [{ type: 'text', text: 'A long policy document…', cache_control: { type: 'ephemeral' } } as never] },
          ...messages,
        ],
      })
      .withResponse();
    expect(env.anthropicEmulator.requests.at(-1)!.body).toMatchObject({ system: [{ cache_control: { type: 'ephemeral' } }] });
    expect(data.usage).toMatchObject({ prompt_tokens: 3 + 1111 + 418, prompt_tokens_details: { cached_tokens: 1111 } });
    // input: 3 × $3 + 1111 × $0.30 (cache read) + 418 × $3.75 (cache write) per 1M = 9 + 333.3 + 1567.5 = 1909.8
    // output: 33 × $15 = 495 per 1M
    expect(response.headers.get('x-arbiter-cost-usd')).toBe('0.0024048');
    const record = await env.usageFor(response.headers.get('x-request-id')!);
    expect(record.usage).toEqual({ input: { total: 1532, noCache: 3, cacheRead: 1111, cacheWrite: 418 }, output: { total: 33, text: 33, reasoning: 0 } });
    expect(record.cost).toEqual({ input: 0.0019098, output: 0.000495, total: 0.0024048 });
  });

  it('tool use comes back as OpenAI tool_calls', async () => {
    const data = await env.client.chat.completions.create({
      model: 'claude-sonnet-4-5',
      max_tokens: 100,
      messages,
      tools: [{ type: 'function', function: { name: 'get_weather', parameters: { type: 'object', properties: {} } } }],
    });
    expect(data.choices[0]?.finish_reason).toBe('tool_calls');
    expect(data.choices[0]?.message.tool_calls?.[0]?.type).toBe('function');
    expect(env.anthropicEmulator.requests.at(-1)!.body).toMatchObject({ tools: [{ name: 'get_weather', input_schema: { type: 'object' } }] });
  });

  it('thinking (reasoning_effort) streams as reasoning_content, with usage from the recording', async () => {
    const { data: stream, response } = await env.client.chat.completions
      .create({ model: 'claude-sonnet-4-5', messages, stream: true, reasoning_effort: 'low', max_tokens: 4000 })
      .withResponse();
    const chunks = await collect(stream);
    const reasoning = chunks.map((chunk) => (chunk.choices[0]?.delta as { reasoning_content?: string } | undefined)?.reasoning_content ?? '').join('');
    expect(reasoning.length).toBeGreaterThan(0);
    expect(env.anthropicEmulator.requests.at(-1)!.body).toMatchObject({ thinking: { type: 'enabled', budget_tokens: 1024 } });
    const record = await env.usageFor(response.headers.get('x-request-id')!);
    expect(record.usage).toMatchObject({ input: { total: 43 }, output: { total: 282 } });
  });
});
