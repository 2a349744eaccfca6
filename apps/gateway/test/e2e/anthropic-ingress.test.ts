import Anthropic from '@anthropic-ai/sdk';
import type { MessageCreateParamsNonStreaming } from '@anthropic-ai/sdk/resources/messages';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { convertMessagesToOpenAIRequest } from '../../src/ingress/anthropic/convert-messages-to-openai-request.js';
import { estimateUsage } from '../../src/pipeline/estimate-usage.js';
import { describeDatabase } from '../support/test-database.js';
import { EMULATOR_KEY, readFixture, readJsonFixture, startE2EEnvironment, type E2EEnvironment } from '../support/e2e-environment.js';
import { MASTER_KEY } from '../support/test-gateway.js';

interface RecordedMessage {
  id: string;
  content: Array<{ type: string; text?: string }>;
}
interface RecordedCompletion {
  choices: Array<{ message: { content: string | null } }>;
}

const anthropicText = readJsonFixture<RecordedMessage>('anthropic/anthropic-text.json');
const anthropicStreamText = readFixture('anthropic/anthropic-text.chunks.txt')
  .split('\n')
  .filter((line) => line.trim() !== '')
  .map((line) => JSON.parse(line) as { delta?: { type: string; text?: string } })
  .map((event) => (event.delta?.type === 'text_delta' ? (event.delta.text ?? '') : ''))
  .join('');
const openaiText = readJsonFixture<RecordedCompletion>('openai/openai-text.json').choices[0]!.message.content;
const openaiStreamText = readFixture('openai/openai-text.chunks.txt')
  .split('\n')
  .filter((line) => line.trim() !== '')
  .map((line) => (JSON.parse(line) as { choices: Array<{ delta: { content?: string | null } }> }).choices[0]?.delta.content ?? '')
  .join('');

const weatherTool = {
  name: 'get_weather',
  description: 'The weather in a city',
  input_schema: { type: 'object' as const, properties: { location: { type: 'string' } }, required: ['location'] },
};

let env: E2EEnvironment;
/** `Authorization: Bearer <key>`: how this SDK version sends `apiKey`. */
let bearerClient: Anthropic;
/** `x-api-key: <key>`: how Anthropic's API (and older SDKs and many tools) send it. */
let apiKeyClient: Anthropic;

beforeAll(async () => {
  env = await startE2EEnvironment();
  bearerClient = new Anthropic({ baseURL: env.gateway.url, apiKey: MASTER_KEY, maxRetries: 0, logLevel: 'off' });
  apiKeyClient = new Anthropic({
    baseURL: env.gateway.url,
    apiKey: null,
    authToken: null,
    defaultHeaders: { 'x-api-key': MASTER_KEY },
    maxRetries: 0,
    logLevel: 'off',
  });
});
afterAll(async () => {
  await env.close();
});

/** The event names of a raw SSE body, in order. */
function eventNames(body: string): string[] {
  return body.split('\n').filter((line) => line.startsWith('event: ')).map((line) => line.slice('event: '.length));
}

async function rawStream(body: object): Promise<{ response: Response; text: string }> {
  const response = await fetch(`${env.gateway.url}/v1/messages`, {
    method: 'POST',
    headers: { 'x-api-key': MASTER_KEY, 'content-type': 'application/json', 'anthropic-version': '2023-06-01' },
    body: JSON.stringify({ ...body, stream: true }),
  });
  return { response, text: await response.text() };
}

describe(`the official Anthropic SDK through /v1/messages (${describeDatabase()})`, () => {
  describe('to an Anthropic model: native pass-through', () => {
    it('sends the body unchanged except the model, returns the recorded message, records usage and exact cost', async () => {
      const params: MessageCreateParamsNonStreaming = {
        model: 'anthropic/claude-sonnet-4-5',
        max_tokens: 256,
        system: [{ type: 'text', text: 'Be brief.' }],
        messages: [{ role: 'user', content: 'Hello' }],
        metadata: { user_id: 'user-42' },
      };
      // A field newer than our schema must reach Anthropic too.
      const body = { ...params, some_future_field: { enabled: true } } as MessageCreateParamsNonStreaming;
      const { data, response } = await apiKeyClient.messages.create(body).withResponse();
      expect(data.id).toBe(anthropicText.id);
      expect(data.content).toEqual(anthropicText.content);
      expect(data.usage).toMatchObject({ input_tokens: 12, output_tokens: 29 });
      const upstream = env.anthropicEmulator.requests.at(-1)!;
      expect(upstream.path).toBe('/v1/messages');
      expect(upstream.headers['x-api-key']).toBe(EMULATOR_KEY);
      expect(upstream.body).toEqual({ ...body, model: 'claude-sonnet-4-5' });
      expect(response.headers.get('x-arbiter-provider')).toBe('anthropic');
      expect(response.headers.get('x-arbiter-model')).toBe('claude-sonnet-4-5');
      // claude-sonnet-4-5: 12 × $3/1M + 29 × $15/1M
      expect(response.headers.get('x-arbiter-cost-usd')).toBe('0.000471');
      const record = await env.usageFor(response.headers.get('x-request-id')!);
      expect(record).toMatchObject({
        endpoint: 'messages',
        provider: 'anthropic',
        model: 'claude-sonnet-4-5',
        requested_model: 'anthropic/claude-sonnet-4-5',
        status: 'success',
        http_status: 200,
        stream: false,
        usage_estimated: false,
        usage: { input: { total: 12, noCache: 12, cacheRead: 0, cacheWrite: 0 }, output: { total: 29 } },
        cost: { input: 0.000036, output: 0.000435, total: 0.000471 },
        response: anthropicText.content[0]!.text,
      });
    });

    it('prompt caching: cache_control reaches Anthropic; cache reads and writes are priced at their own rates', async () => {
      const { data, response } = await bearerClient.messages
        .create({
          model: 'claude-sonnet-4-5',
          max_tokens: 100,
          system: [{ type: 'text', text: 'A long policy document…', cache_control: { type: 'ephemeral' } }],
          messages: [{ role: 'user', content: 'Hello' }],
        })
        .withResponse();
      expect(data.usage).toMatchObject({ input_tokens: 3, cache_read_input_tokens: 1111, cache_creation_input_tokens: 418, output_tokens: 33 });
      expect(env.anthropicEmulator.requests.at(-1)!.body).toMatchObject({ system: [{ cache_control: { type: 'ephemeral' } }] });
      // 3 × $3 + 1111 × $0.30 + 418 × $3.75 (input) and 33 × $15 (output), per 1M
      expect(response.headers.get('x-arbiter-cost-usd')).toBe('0.0024048');
      const record = await env.usageFor(response.headers.get('x-request-id')!);
      expect(record.usage).toEqual({ input: { total: 1532, noCache: 3, cacheRead: 1111, cacheWrite: 418 }, output: { total: 33, text: 33, reasoning: 0 } });
    });

    it('streams the upstream events unchanged; finalMessage() has the recorded text and usage', async () => {
      const stream = bearerClient.messages.stream({ model: 'claude-sonnet-4-5', max_tokens: 100, messages: [{ role: 'user', content: 'Hello' }] });
      const { response } = await stream.withResponse();
      const message = await stream.finalMessage();
      expect(message.content).toEqual([{ type: 'text', text: anthropicStreamText }]);
      expect(message.usage).toMatchObject({ input_tokens: 12, output_tokens: 30 });
      expect(env.anthropicEmulator.requests.at(-1)!.body).toMatchObject({ stream: true, model: 'claude-sonnet-4-5' });
      const record = await env.usageFor(response.headers.get('x-request-id')!);
      // 12 × 3 + 30 × 15 per 1M
      expect(record).toMatchObject({ endpoint: 'messages', stream: true, status: 'success', cost: { total: 0.000486 }, response: anthropicStreamText });
      expect(record.ttft_ms).not.toBeNull();
    });

    it('passes the raw event bytes through, event names included', async () => {
      const { response, text } = await rawStream({ model: 'claude-sonnet-4-5', max_tokens: 100, messages: [{ role: 'user', content: 'Hello' }] });
      expect(response.headers.get('content-type')).toContain('text/event-stream');
      expect(response.headers.get('x-arbiter-provider')).toBe('anthropic');
      const recorded = readFixture('anthropic/anthropic-text.chunks.txt').split('\n').filter((line) => line.trim() !== '');
      const dataLines = text.split('\n').filter((line) => line.startsWith('data: ')).map((line) => line.slice(6));
      expect(dataLines).toEqual(recorded);
      expect(eventNames(text)).toEqual(recorded.map((line) => (JSON.parse(line) as { type: string }).type));
    });

    it('tool use: the tool_use block with its input, streamed and not', async () => {
      const data = await bearerClient.messages.create({ model: 'claude-sonnet-4-5', max_tokens: 100, tools: [weatherTool], messages: [{ role: 'user', content: 'Weather in Paris?' }] });
      expect(data.stop_reason).toBe('tool_use');
      expect(data.content.at(-1)).toMatchObject({ type: 'tool_use', name: 'updateIssueList', input: {} });
      expect(env.anthropicEmulator.requests.at(-1)!.body).toMatchObject({ tools: [weatherTool] });

      const streamed = await bearerClient.messages
        .stream({ model: 'claude-sonnet-4-5', max_tokens: 100, tools: [weatherTool], messages: [{ role: 'user', content: 'Weather in Paris?' }] })
        .finalMessage();
      expect(streamed.content.find((block) => block.type === 'tool_use')).toMatchObject({ name: 'get_weather', input: { location: 'Paris' } });
    });

    it('count_tokens is answered by Anthropic, unchanged', async () => {
      const params = { model: 'claude-sonnet-4-5', messages: [{ role: 'user' as const, content: 'Count these tokens, please.' }], tools: [weatherTool] };
      const direct = new Anthropic({ baseURL: env.anthropicEmulator.url, apiKey: EMULATOR_KEY, maxRetries: 0, logLevel: 'off' });
      const expected = await direct.messages.countTokens(params);
      const { data, response } = await apiKeyClient.messages.countTokens(params).withResponse();
      expect(data).toEqual(expected);
      expect(env.anthropicEmulator.requests.at(-1)!.path).toBe('/v1/messages/count_tokens');
      expect(response.headers.get('x-arbiter-provider')).toBe('anthropic');
      expect(response.headers.get('x-arbiter-cost-usd')).toBeNull();
    });
  });

  describe('to an OpenAI model: converted to chat completions and back', () => {
    it('the recorded OpenAI answer as an Anthropic message, with usage and a record', async () => {
      const { data, response } = await bearerClient.messages
        .create({ model: 'gpt-4o-mini', max_tokens: 500, system: 'Be creative.', messages: [{ role: 'user', content: 'Invent a new holiday.' }], stop_sequences: ['THE END'] })
        .withResponse();
      expect(data).toMatchObject({ type: 'message', role: 'assistant', stop_reason: 'end_turn', content: [{ type: 'text', text: openaiText }] });
      expect(data.id).toMatch(/^msg_/);
      expect(data.usage).toMatchObject({ input_tokens: 16, output_tokens: 363, cache_read_input_tokens: 0 });
      expect(env.openaiEmulator.requests.at(-1)!.body).toEqual({
        model: 'gpt-4o-mini',
        messages: [
          { role: 'system', content: 'Be creative.' },
          { role: 'user', content: 'Invent a new holiday.' },
        ],
        max_completion_tokens: 500,
        stop: ['THE END'],
      });
      expect(response.headers.get('x-arbiter-provider')).toBe('openai');
      // 16 × $0.15/1M + 363 × $0.60/1M
      expect(response.headers.get('x-arbiter-cost-usd')).toBe('0.0002202');
      const record = await env.usageFor(response.headers.get('x-request-id')!);
      expect(record).toMatchObject({ endpoint: 'messages', provider: 'openai', status: 'success', usage: { input: { total: 16 }, output: { total: 363 } }, cost: { total: 0.0002202 } });
    });

    it('streams exactly message_start, content_block_start, deltas, content_block_stop, message_delta, message_stop', async () => {
      const body = { model: 'gpt-4o-mini', max_tokens: 500, messages: [{ role: 'user', content: 'Invent a new holiday.' }] };
      const { response, text } = await rawStream(body);
      expect(response.status).toBe(200);
      const names = eventNames(text);
      const deltas = names.filter((name) => name === 'content_block_delta').length;
      expect(deltas).toBeGreaterThan(10);
      expect(names).toEqual(['message_start', 'content_block_start', ...Array<string>(deltas).fill('content_block_delta'), 'content_block_stop', 'message_delta', 'message_stop']);

      const stream = apiKeyClient.messages.stream(body as Parameters<Anthropic['messages']['stream']>[0]);
      const { response: sdkResponse } = await stream.withResponse();
      const message = await stream.finalMessage();
      expect(message.content).toEqual([{ type: 'text', text: openaiStreamText }]);
      expect(message).toMatchObject({ stop_reason: 'end_turn', usage: { input_tokens: 16, output_tokens: 300 } });
      const record = await env.usageFor(sdkResponse.headers.get('x-request-id')!);
      expect(record).toMatchObject({ endpoint: 'messages', provider: 'openai', stream: true, status: 'success', usage: { input: { total: 16 }, output: { total: 300 } } });
    });

    it('tool use: tools and tool_choice converted; the answer is a tool_use block with parsed input, streamed and not', async () => {
      const params = {
        model: 'gpt-4o-mini',
        max_tokens: 100,
        tools: [weatherTool],
        tool_choice: { type: 'any' as const, disable_parallel_tool_use: true },
        messages: [{ role: 'user' as const, content: 'Where am I?' }],
      };
      const data = await bearerClient.messages.create(params);
      expect(data.stop_reason).toBe('tool_use');
      expect(data.content).toEqual([{ type: 'tool_use', id: 'call_iXFttys57ap0o16JSlC8yhYo', name: 'get_user_country', input: {} }]);
      expect(env.openaiEmulator.requests.at(-1)!.body).toMatchObject({
        tools: [{ type: 'function', function: { name: 'get_weather', description: weatherTool.description, parameters: weatherTool.input_schema } }],
        tool_choice: 'required',
        parallel_tool_calls: false,
      });

      const streamed = await bearerClient.messages.stream(params).finalMessage();
      expect(streamed.stop_reason).toBe('tool_use');
      expect(streamed.content).toEqual([{ type: 'tool_use', id: 'call_ZR5UUuTt3pf61kjwAJIYdVMj', name: 'get_capital', input: { country: 'UK' } }]);
    });

    it('a tool round trip becomes assistant tool_calls and a tool message', async () => {
      await bearerClient.messages.create({
        model: 'gpt-4o-mini',
        max_tokens: 100,
        tools: [weatherTool],
        messages: [
          { role: 'user', content: 'Weather in Paris?' },
          { role: 'assistant', content: [{ type: 'text', text: 'Let me check.' }, { type: 'tool_use', id: 'toolu_1', name: 'get_weather', input: { location: 'Paris' } }] },
          { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: 'Sunny, 21 °C' }, { type: 'text', text: 'And tomorrow?' }] },
        ],
      });
      expect(env.openaiEmulator.requests.at(-1)!.body).toMatchObject({
        messages: [
          { role: 'user', content: 'Weather in Paris?' },
          { role: 'assistant', content: 'Let me check.', tool_calls: [{ id: 'toolu_1', type: 'function', function: { name: 'get_weather', arguments: '{"location":"Paris"}' } }] },
          { role: 'tool', tool_call_id: 'toolu_1', content: 'Sunny, 21 °C' },
          { role: 'user', content: 'And tomorrow?' },
        ],
      });
    });

    it('count_tokens is counted locally, without calling the provider', async () => {
      const params = { model: 'gpt-4o-mini', messages: [{ role: 'user' as const, content: 'Count these tokens, please.' }], tools: [weatherTool] };
      const before = env.openaiEmulator.requests.length;
      const { data, response } = await apiKeyClient.messages.countTokens(params).withResponse();
      const expected = await estimateUsage(convertMessagesToOpenAIRequest(params).request, '');
      expect(data).toEqual({ input_tokens: expected.input.total });
      expect(env.openaiEmulator.requests.length).toBe(before);
      expect(response.headers.get('x-arbiter-warnings')).toContain('counted by the gateway');
    });
  });

  it('serves the seeds\' /api/v1 spelling too', async () => {
    const client = new Anthropic({ baseURL: `${env.gateway.url}/api`, apiKey: MASTER_KEY, maxRetries: 0, logLevel: 'off' });
    const data = await client.messages.create({ model: 'claude-sonnet-4-5', max_tokens: 50, messages: [{ role: 'user', content: 'Hello' }] });
    expect(data.id).toBe(anthropicText.id);
  });
});
