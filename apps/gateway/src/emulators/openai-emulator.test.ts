import { readFile } from 'node:fs/promises';
import OpenAI from 'openai';
import type { ChatCompletionChunk, ChatCompletionCreateParamsStreaming } from 'openai/resources/chat/completions';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { EmulatorFault, EmulatorHandle } from './emulator-server.js';
import { defaultFixtureDirectory, loadFixtureStore } from './fixture-store.js';
import { startOpenAIEmulator } from './openai-emulator.js';

const fixtures = loadFixtureStore().openai;
const messages = [{ role: 'user' as const, content: 'Invent a holiday' }];
const tools = [
  { type: 'function' as const, function: { name: 'get_capital', parameters: { type: 'object', properties: {} } } },
];

let emulator: EmulatorHandle;
let client: OpenAI;

beforeAll(async () => {
  emulator = await startOpenAIEmulator();
  // logLevel off: the SDK logs the unparsable event of the malformed-stream test to the console.
  client = new OpenAI({ baseURL: emulator.url, apiKey: 'sk-emulator', maxRetries: 0, logLevel: 'off' });
});
afterAll(() => emulator.close());
afterEach(() => emulator.setFault(null));

const withFault = (fault: EmulatorFault) => ({ headers: { 'x-emulator-fault': JSON.stringify(fault) } });

const caught = (promise: Promise<unknown>): Promise<unknown> =>
  promise.then(() => undefined, (error: unknown) => error);

type StreamParams = Omit<ChatCompletionCreateParamsStreaming, 'stream'>;

async function collect(params: StreamParams, fault?: EmulatorFault, target = client): Promise<ChatCompletionChunk[]> {
  const options = fault ? withFault(fault) : undefined;
  const stream = await target.chat.completions.create({ ...params, stream: true }, options);
  const chunks: ChatCompletionChunk[] = [];
  for await (const chunk of stream) chunks.push(chunk);
  return chunks;
}

const textOf = (chunks: readonly ChatCompletionChunk[]) =>
  chunks.map((chunk) => chunk.choices[0]?.delta.content ?? '').join('');

describe('OpenAI emulator: chat completions', () => {
  it('answers a plain request with the recorded body, usage and real-looking headers', async () => {
    const { data, response } = await client.chat.completions.create({ model: 'gpt-4.1-nano', messages }).withResponse();
    expect(data.choices[0]?.message.content).toBe(fixtures.chatText.body.choices[0]?.message.content);
    expect(data.model).toBe('gpt-4.1-nano-2025-04-14');
    expect(data.usage).toMatchObject({ prompt_tokens: 16, completion_tokens: 363, total_tokens: 379 });
    expect(data.usage?.prompt_tokens_details?.cached_tokens).toBe(0);
    expect(data.usage?.completion_tokens_details?.reasoning_tokens).toBe(0);
    expect(response.headers.get('x-request-id')).toMatch(/^req_[0-9a-f]{32}$/);
    expect(response.headers.get('openai-processing-ms')).toMatch(/^\d+$/);
    expect(response.headers.get('content-type')).toBe('application/json');
  });

  it('streams the recorded chunks without a usage chunk unless include_usage is set', async () => {
    const chunks = await collect({ model: 'gpt-4.1-nano', messages });
    expect(textOf(chunks)).toBe(fixtures.chatTextStream.text);
    expect(chunks).toHaveLength(fixtures.chatTextStream.chunks.length);
    expect(chunks.every((chunk) => chunk.usage === null && chunk.choices.length === 1)).toBe(true);
  });

  it('sends the usage chunk last when stream_options.include_usage is true', async () => {
    const chunks = await collect({ model: 'gpt-4.1-nano', messages, stream_options: { include_usage: true } });
    expect(textOf(chunks)).toBe(fixtures.chatTextStream.text);
    const last = chunks.at(-1);
    expect(last?.choices).toEqual([]);
    expect(last?.usage).toMatchObject({ prompt_tokens: 16, completion_tokens: 300, total_tokens: 316 });
    expect(chunks.slice(0, -1).every((chunk) => chunk.usage === null)).toBe(true);
  });

  it('uses real SSE framing and content type', async () => {
    const response = await fetch(`${emulator.url}/chat/completions`, {
      method: 'POST',
      headers: { authorization: 'Bearer sk-emulator', 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gpt-4o-mini', messages, tools, stream: true }),
    });
    expect(response.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    const text = await response.text();
    expect(text.startsWith('data: {"id":"chatcmpl-')).toBe(true);
    expect(text.endsWith('\n\ndata: [DONE]\n\n')).toBe(true);
    expect(text.split('\n\n').filter(Boolean)).toHaveLength(fixtures.chatToolCallStream.chunks.length + 1);
  });

  it('sends the recorded chunks byte for byte in SSE framing', async () => {
    const recorded = await readFile(new URL('openai/openai-text.chunks.txt', defaultFixtureDirectory), 'utf8');
    const response = await fetch(`${emulator.url}/chat/completions`, {
      method: 'POST',
      headers: { authorization: 'Bearer sk-emulator', 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gpt-4.1-nano', messages, stream: true, stream_options: { include_usage: true } }),
    });
    const expected = recorded.split('\n').filter(Boolean).map((line) => `data: ${line}\n\n`).join('');
    expect(await response.text()).toBe(`${expected}data: [DONE]\n\n`);
  });

  it('returns the recorded tool call when the request has tools', async () => {
    const completion = await client.chat.completions.create({ model: 'gpt-4o', messages, tools });
    const call = completion.choices[0]?.message.tool_calls?.[0];
    expect(completion.choices[0]?.finish_reason).toBe('tool_calls');
    expect(call?.type === 'function' && call.function).toEqual({ name: 'get_user_country', arguments: '{}' });
    expect(completion.usage).toMatchObject({ prompt_tokens: 68, completion_tokens: 12, total_tokens: 80 });
  });

  it('streams the recorded tool call fragments and usage', async () => {
    const chunks = await collect({ model: 'gpt-4o-mini', messages, tools, stream_options: { include_usage: true } });
    const fragments = chunks.flatMap((chunk) => chunk.choices[0]?.delta.tool_calls ?? []);
    expect(fragments[0]?.function?.name).toBe('get_capital');
    expect(fragments.map((fragment) => fragment.function?.arguments ?? '').join('')).toBe('{"country":"UK"}');
    expect(chunks.at(-1)?.usage).toMatchObject({ prompt_tokens: 53, completion_tokens: 15, total_tokens: 68 });
  });

  it('answers json_schema requests with the text recording', async () => {
    const completion = await client.chat.completions.create({
      model: 'gpt-4.1-nano',
      messages,
      response_format: { type: 'json_schema', json_schema: { name: 'holiday', schema: { type: 'object' } } },
    });
    expect(completion.usage?.completion_tokens).toBe(363);
  });
});

describe('OpenAI emulator: embeddings, models, errors', () => {
  it('returns the recorded vectors, base64-encoded as the SDK requests by default', async () => {
    const result = await client.embeddings.create({ model: 'text-embedding-3-small', input: ['a', 'b'] });
    expect(result.data).toHaveLength(2);
    result.data.forEach((item, index) => {
      const recorded = fixtures.embedding.body.data[index]?.embedding ?? [];
      item.embedding.forEach((value, position) => expect(value).toBeCloseTo(recorded[position] ?? Number.NaN, 6));
    });
    expect(result.usage).toEqual({ prompt_tokens: 12, total_tokens: 12 });
    const floats = await client.embeddings.create({
      model: 'text-embedding-3-small',
      input: 'a',
      encoding_format: 'float',
    });
    expect(floats.data[0]?.embedding).toEqual(fixtures.embedding.body.data[0]?.embedding);
  });

  it('lists models', async () => {
    const page = await client.models.list();
    expect(page.data.map((model) => model.id)).toContain('gpt-4o-mini');
  });

  it('rejects a wrong key with the real 401 body', async () => {
    const wrong = new OpenAI({ baseURL: emulator.url, apiKey: 'sk-wrong-key-123456', maxRetries: 0 });
    const error = await caught(wrong.models.list());
    expect(error).toBeInstanceOf(OpenAI.AuthenticationError);
    expect(error).toMatchObject({ status: 401, code: 'invalid_api_key', type: 'invalid_request_error' });
    expect((error as Error).message).toMatch(/Incorrect API key provided: sk-\*+3456\. You can find your API key/);
  });

  it('answers an unknown model with the recorded 404 model_not_found', async () => {
    const error = await caught(client.chat.completions.create({ model: 'nonexistent', messages }));
    expect(error).toBeInstanceOf(OpenAI.NotFoundError);
    expect(error).toMatchObject({ status: 404, code: 'model_not_found' });
    expect((error as Error).message).toContain('The model `nonexistent` does not exist');
  });

  it('records requests for assertions', async () => {
    const before = emulator.requests.length;
    await client.chat.completions.create({ model: 'gpt-4o', messages });
    const recorded = emulator.requests[before];
    const body = { model: 'gpt-4o', messages };
    expect(recorded).toMatchObject({ method: 'POST', path: '/v1/chat/completions', query: '', body });
    expect(recorded?.headers.authorization).toBe('Bearer sk-emulator');
  });
});

describe('OpenAI emulator: faults', () => {
  it('answers a 429 with the rate_limit_exceeded body and retry-after', async () => {
    const fault = withFault({ kind: 'status', status: 429, retryAfter: 2 });
    const error = await caught(client.chat.completions.create({ model: 'gpt-4o', messages }, fault));
    expect(error).toBeInstanceOf(OpenAI.RateLimitError);
    expect(error).toMatchObject({ status: 429, type: 'tokens', code: 'rate_limit_exceeded' });
    expect((error as InstanceType<typeof OpenAI.RateLimitError>).headers.get('retry-after')).toBe('2');
  });

  it.each([500, 503])('answers %i with a server_error body (setFault)', async (status) => {
    emulator.setFault({ kind: 'status', status });
    const error = await caught(client.chat.completions.create({ model: 'gpt-4o', messages }));
    expect(error).toBeInstanceOf(OpenAI.InternalServerError);
    expect(error).toMatchObject({ status, type: 'server_error' });
  });

  it('keeps a per-request fault to its own request', async () => {
    const [faulty, healthy] = await Promise.allSettled([
      client.chat.completions.create({ model: 'gpt-4o', messages }, withFault({ kind: 'status', status: 500 })),
      client.chat.completions.create({ model: 'gpt-4o', messages }),
    ]);
    expect(faulty.status).toBe('rejected');
    expect(healthy.status).toBe('fulfilled');
  });

  it('delays the response headers (latency)', async () => {
    const started = performance.now();
    await client.chat.completions.create({ model: 'gpt-4o', messages }, withFault({ kind: 'latency', ms: 150 }));
    expect(performance.now() - started).toBeGreaterThanOrEqual(140);
  });

  it('delays between stream events (chunk-delay)', async () => {
    const started = performance.now();
    const chunks = await collect({ model: 'gpt-4o-mini', messages, tools }, { kind: 'chunk-delay', ms: 25 });
    expect(chunks).toHaveLength(fixtures.chatToolCallStream.chunks.length);
    expect(performance.now() - started).toBeGreaterThanOrEqual(25 * fixtures.chatToolCallStream.chunks.length - 10);
  });

  it('cuts the stream after n events and the SDK iterator throws', async () => {
    const stream = await client.chat.completions.create(
      { model: 'gpt-4.1-nano', messages, stream: true },
      withFault({ kind: 'cut-stream', afterEvents: 3 }),
    );
    const received: ChatCompletionChunk[] = [];
    await expect(
      (async () => {
        for await (const chunk of stream) received.push(chunk);
      })(),
    ).rejects.toThrow();
    expect(received).toHaveLength(3);
  });

  it('resets the connection before answering', async () => {
    const reset = withFault({ kind: 'reset' });
    const error = await caught(client.chat.completions.create({ model: 'gpt-4o', messages }, reset));
    expect(error).toBeInstanceOf(OpenAI.APIConnectionError);
  });

  it('sends an invalid JSON body or SSE data line (malformed)', async () => {
    const malformed = withFault({ kind: 'malformed' });
    await expect(client.chat.completions.create({ model: 'gpt-4o', messages }, malformed)).rejects.toThrow();
    await expect(collect({ model: 'gpt-4.1-nano', messages }, { kind: 'malformed' })).rejects.toThrow();
  });

  it('never answers (hang) until the client gives up', async () => {
    const options = { ...withFault({ kind: 'hang' }), timeout: 200 };
    const error = await caught(client.chat.completions.create({ model: 'gpt-4o', messages }, options));
    expect(error).toBeInstanceOf(OpenAI.APIConnectionTimeoutError);
  });

  it('rejects an invalid fault header with a 400', async () => {
    const error = await caught(client.models.list({ headers: { 'x-emulator-fault': '{"kind":"nope"}' } }));
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
  });
});

describe('OpenAI emulator: fast mode', () => {
  it('serves the same bytes and records nothing', async () => {
    const fast = await startOpenAIEmulator({ fast: true });
    try {
      const fastClient = new OpenAI({ baseURL: fast.url, apiKey: 'sk-emulator', maxRetries: 0 });
      const params = { model: 'gpt-4.1-nano', messages, stream_options: { include_usage: true } };
      const chunks = await collect(params, undefined, fastClient);
      expect(textOf(chunks)).toBe(fixtures.chatTextStream.text);
      expect(chunks.at(-1)?.usage?.completion_tokens).toBe(300);
      expect(fast.requests).toHaveLength(0);
    } finally {
      await fast.close();
    }
  });
});
