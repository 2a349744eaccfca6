import { readFile } from 'node:fs/promises';
import Anthropic from '@anthropic-ai/sdk';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startAnthropicEmulator } from './anthropic-emulator.js';
import type { EmulatorFault, EmulatorHandle } from './emulator-server.js';
import { defaultFixtureDirectory, loadFixtureStore } from './fixture-store.js';

const fixtures = loadFixtureStore().anthropic;
// The SDK warns on the console for deprecated model ids, so requests name a current one; the recordings keep theirs.
const base = { model: 'claude-opus-4-8', max_tokens: 1024, messages: [{ role: 'user' as const, content: 'Hello!' }] };
const tools = [
  { name: 'get_weather', description: 'Weather', input_schema: { type: 'object' as const, properties: {} } },
];
const validHeaders = { 'x-api-key': 'sk-ant-emulator', 'anthropic-version': '2023-06-01' };

let emulator: EmulatorHandle;
let client: Anthropic;

beforeAll(async () => {
  emulator = await startAnthropicEmulator();
  // logLevel off: the SDK logs the unparsable event of the malformed-stream test to the console.
  client = new Anthropic({ baseURL: emulator.url, apiKey: 'sk-ant-emulator', maxRetries: 0, logLevel: 'off' });
});
afterAll(() => emulator.close());
afterEach(() => emulator.setFault(null));

const withFault = (fault: EmulatorFault) => ({ headers: { 'x-emulator-fault': JSON.stringify(fault) } });
const caught = (promise: Promise<unknown>): Promise<unknown> =>
  promise.then(() => undefined, (error: unknown) => error);

function post(path: string, headers: Record<string, string>, body: unknown): Promise<Response> {
  const allHeaders = { 'content-type': 'application/json', ...headers };
  return fetch(`${emulator.url}${path}`, { method: 'POST', headers: allHeaders, body: JSON.stringify(body) });
}

describe('Anthropic emulator: messages', () => {
  it('answers a plain request with the recorded message, usage and headers', async () => {
    const { data, response } = await client.messages.create(base).withResponse();
    expect(data.content[0]).toEqual(fixtures.text.body.content[0]);
    expect(data.usage).toMatchObject({
      input_tokens: 12,
      output_tokens: 29,
      cache_read_input_tokens: 0,
      cache_creation_input_tokens: 0,
    });
    expect(response.headers.get('request-id')).toMatch(/^req_011C[0-9A-Za-z]{20}$/);
    expect(response.headers.get('anthropic-organization-id')).toBeTruthy();
  });

  it('returns the recorded tool_use message when the request has tools', async () => {
    const message = await client.messages.create({ ...base, tools });
    expect(message.stop_reason).toBe('tool_use');
    const toolUse = message.content.find((block) => block.type === 'tool_use');
    expect(toolUse).toMatchObject({ name: 'updateIssueList', input: {} });
    expect(message.usage).toMatchObject({ input_tokens: 602, output_tokens: 93 });
  });

  it('returns the prompt-cache recording when the request carries cache_control', async () => {
    const message = await client.messages.create({
      ...base,
      system: [{ type: 'text', text: 'Long system prompt', cache_control: { type: 'ephemeral' } }],
    });
    expect(message.usage).toMatchObject({
      input_tokens: 3,
      output_tokens: 33,
      cache_read_input_tokens: 1111,
      cache_creation_input_tokens: 418,
    });
  });

  it('streams text through messages.stream() with the recorded usage', async () => {
    const stream = client.messages.stream(base);
    expect(await stream.finalText()).toBe(fixtures.textStream.text);
    const message = await stream.finalMessage();
    expect(message.usage).toMatchObject({
      input_tokens: 12,
      output_tokens: 30,
      cache_read_input_tokens: 0,
      cache_creation_input_tokens: 0,
    });
    expect(message.stop_reason).toBe('end_turn');
  });

  it('streams the recorded tool call when the request has tools', async () => {
    const message = await client.messages.stream({ ...base, tools }).finalMessage();
    const toolUse = message.content.find((block) => block.type === 'tool_use');
    expect(toolUse).toMatchObject({ name: 'get_weather', input: { location: 'Paris' } });
    expect(message.usage).toMatchObject({ input_tokens: 377, output_tokens: 65 });
  });

  it('streams the recorded thinking blocks when the request enables thinking', async () => {
    const thinking = { type: 'enabled' as const, budget_tokens: 1024 };
    const message = await client.messages.stream({ ...base, thinking }).finalMessage();
    expect(message.content[0]?.type).toBe('thinking');
    expect(message.content[1]).toMatchObject({ type: 'text', text: fixtures.thinkingStream.text });
    expect(message.usage).toMatchObject({ input_tokens: 43, output_tokens: 282 });
  });

  it('frames events as event:/data: lines with the recorded payloads', async () => {
    const response = await post('/v1/messages', validHeaders, { ...base, stream: true });
    expect(response.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    const text = await response.text();
    expect(text.startsWith('event: message_start\ndata: {"type":"message_start"')).toBe(true);
    expect(text.endsWith('event: message_stop\ndata: {"type":"message_stop"}\n\n')).toBe(true);
  });

  it('sends a recorded raw SSE stream byte for byte', async () => {
    const recorded = await readFile(new URL('anthropic/tool_use_response.txt', defaultFixtureDirectory), 'utf8');
    const response = await post('/v1/messages', validHeaders, { ...base, tools, stream: true });
    expect(await response.text()).toBe(recorded);
  });

  it('counts tokens', async () => {
    const result = await client.messages.countTokens({ model: base.model, messages: base.messages });
    expect(result.input_tokens).toBeGreaterThan(0);
  });
});

describe('Anthropic emulator: errors', () => {
  it('rejects a wrong key with authentication_error', async () => {
    const wrong = new Anthropic({ baseURL: emulator.url, apiKey: 'sk-ant-wrong', maxRetries: 0 });
    const error = await caught(wrong.messages.create(base));
    expect(error).toBeInstanceOf(Anthropic.AuthenticationError);
    expect(error).toMatchObject({ status: 401, type: 'authentication_error' });
  });

  it('accepts Authorization: Bearer and requires anthropic-version', async () => {
    const missing = await post('/v1/messages', { authorization: 'Bearer sk-ant-emulator' }, base);
    expect(missing.status).toBe(400);
    expect(await missing.json()).toMatchObject({
      type: 'error',
      error: { type: 'invalid_request_error', message: 'anthropic-version: header is required' },
    });
    const headers = { authorization: 'Bearer sk-ant-emulator', 'anthropic-version': '2023-06-01' };
    expect((await post('/v1/messages', headers, base)).status).toBe(200);
  });

  it('answers an unknown model with the recorded not_found_error, request_id matching the header', async () => {
    const error = await caught(client.messages.create({ ...base, model: 'claude-does-not-exist' }));
    expect(error).toBeInstanceOf(Anthropic.NotFoundError);
    const apiError = error as InstanceType<typeof Anthropic.NotFoundError>;
    expect(apiError.type).toBe('not_found_error');
    expect(apiError.error).toMatchObject({
      request_id: apiError.requestID,
      error: { message: 'model: claude-does-not-exist' },
    });
  });

  it('answers a 429 with rate_limit_error and retry-after', async () => {
    const error = await caught(client.messages.create(base, withFault({ kind: 'status', status: 429, retryAfter: 3 })));
    expect(error).toBeInstanceOf(Anthropic.RateLimitError);
    const apiError = error as InstanceType<typeof Anthropic.RateLimitError>;
    expect(apiError.type).toBe('rate_limit_error');
    expect(apiError.headers?.get('retry-after')).toBe('3');
  });

  it('answers 529 with overloaded_error and 500 with api_error (setFault)', async () => {
    emulator.setFault({ kind: 'status', status: 529 });
    const overloaded = await caught(client.messages.create(base));
    expect(overloaded).toBeInstanceOf(Anthropic.OverloadedError);
    expect(overloaded).toMatchObject({ status: 529, type: 'overloaded_error' });
    emulator.setFault({ kind: 'status', status: 500 });
    await expect(client.messages.create(base)).rejects.toMatchObject({ status: 500, type: 'api_error' });
  });
});

describe('Anthropic emulator: faults', () => {
  it('delays headers (latency) and events (chunk-delay)', async () => {
    let started = performance.now();
    await client.messages.create(base, withFault({ kind: 'latency', ms: 120 }));
    expect(performance.now() - started).toBeGreaterThanOrEqual(110);
    started = performance.now();
    await client.messages.stream(base, withFault({ kind: 'chunk-delay', ms: 15 })).finalMessage();
    expect(performance.now() - started).toBeGreaterThanOrEqual(15 * (fixtures.textStream.events.length - 1) - 10);
  });

  it('cuts the stream mid-way and the SDK stream throws', async () => {
    const stream = client.messages.stream(base, withFault({ kind: 'cut-stream', afterEvents: 4 }));
    const texts: string[] = [];
    stream.on('text', (text) => texts.push(text));
    await expect(stream.finalMessage()).rejects.toThrow();
    expect(texts).toEqual(['Hello']);
  });

  it('resets the connection, sends malformed data and hangs', async () => {
    const reset = await caught(client.messages.create(base, withFault({ kind: 'reset' })));
    expect(reset).toBeInstanceOf(Anthropic.APIConnectionError);
    await expect(client.messages.create(base, withFault({ kind: 'malformed' }))).rejects.toThrow();
    await expect(client.messages.stream(base, withFault({ kind: 'malformed' })).finalMessage()).rejects.toThrow();
    const hang = await caught(client.messages.create(base, { ...withFault({ kind: 'hang' }), timeout: 200 }));
    expect(hang).toBeInstanceOf(Anthropic.APIConnectionTimeoutError);
  });

  it('records requests, query string apart', async () => {
    const before = emulator.requests.length;
    await post('/v1/messages?beta=true', validHeaders, base);
    const recorded = emulator.requests[before];
    expect(recorded).toMatchObject({ method: 'POST', path: '/v1/messages', query: '?beta=true', body: base });
    expect(recorded?.headers['x-api-key']).toBe('sk-ant-emulator');
  });
});
