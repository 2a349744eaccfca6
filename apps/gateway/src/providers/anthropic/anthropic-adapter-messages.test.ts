import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { parseSseText } from '../../emulators/fixture-store.js';
import type { HttpClient } from '../shared/http-client.js';
import { serveRecording, type RecordingServer, type Reply, type SeenRequest } from '../shared/test-support/serve-recording.js';
import { UpstreamError } from '../shared/upstream-error.js';
import { AnthropicAdapter, type MessagesCall, type MessageStream, type MessageStreamPart } from './anthropic-adapter.js';

/** The pass-through methods (`createMessage`, `streamMessage`, `countTokens`) of the Anthropic-compatible ingress. */

const fixtures = new URL('../../../fixtures/providers/anthropic/', import.meta.url);
const readFixture = (name: string): string => readFileSync(new URL(name, fixtures), 'utf8');

let upstream: RecordingServer;
let http: HttpClient;
let baseUrl: string;
let reply: Reply = { body: '' };
const seen: SeenRequest[] = [];

beforeAll(async () => {
  upstream = await serveRecording({ reply: () => reply, seen });
  baseUrl = upstream.url;
  http = upstream.http;
});

afterAll(() => upstream.close());

beforeEach(() => {
  seen.length = 0;
});

const adapter = () =>
  new AnthropicAdapter({ id: 'anthropic', baseUrl, apiKey: 'test-key', apiKeyVariable: 'ANTHROPIC_API_KEY', headers: { 'anthropic-beta': 'configured-beta' }, timeoutMs: 5_000, http });

const clientBody = {
  model: 'claude-sonnet-4-5',
  max_tokens: 100,
  system: [{ type: 'text', text: 'Be brief.', cache_control: { type: 'ephemeral' } }],
  messages: [{ role: 'user', content: 'Hello' }],
  some_future_field: { enabled: true },
};

function call(overrides: Partial<MessagesCall> = {}): MessagesCall {
  return { body: clientBody, upstreamModel: 'claude-sonnet-4-5-20250929', requestId: 'req-1', signal: new AbortController().signal, beta: null, ...overrides };
}

async function drain(stream: MessageStream): Promise<{ parts: MessageStreamPart[]; error: unknown }> {
  const parts: MessageStreamPart[] = [];
  try {
    for await (const part of stream) parts.push(part);
  } catch (error) {
    return { parts, error };
  }
  return { parts, error: null };
}

describe('AnthropicAdapter pass-through', () => {
  it('createMessage sends the client body unchanged except the model and returns the response bytes as they came', async () => {
    const cassette = parse(readFixture('test_anthropic_cache_real_api.yaml')) as { interactions: { response: { parsed_body: unknown } }[] };
    const bytes = JSON.stringify(cassette.interactions[1]!.response.parsed_body, null, 1);
    reply = { headers: { 'content-type': 'application/json', 'request-id': 'req_up' }, body: bytes };
    const result = await adapter().createMessage(call({ beta: 'prompt-caching-2024-07-31' }));
    expect(result.rawBody).toBe(bytes);
    expect(result.usage).toEqual({ input: { total: 1532, noCache: 3, cacheRead: 1111, cacheWrite: 418 }, output: { total: 33, text: 33, reasoning: 0 } });
    expect(result.upstream).toMatchObject({ status: 200, requestId: 'req_up' });
    expect(seen[0]).toMatchObject({ url: '/v1/messages', body: { ...clientBody, model: 'claude-sonnet-4-5-20250929' } });
    expect(seen[0]!.headers).toMatchObject({
      'x-api-key': 'test-key',
      'anthropic-version': '2023-06-01',
      'anthropic-beta': 'configured-beta,prompt-caching-2024-07-31',
    });
  });

  it('streamMessage yields every event with its name and data text, then the usage after message_stop', async () => {
    const body = readFixture('basic_response.txt');
    reply = { headers: { 'content-type': 'text/event-stream' }, body };
    const { parts, error } = await drain(await adapter().streamMessage(call()));
    expect(error).toBeNull();
    const events = parts.filter((part) => part.type === 'event');
    expect(events.map((part) => ({ event: part.name, data: part.data }))).toEqual(parseSseText(body));
    // Input from message_start, output from message_delta.
    expect(parts.at(-1)).toEqual({
      type: 'usage',
      usage: { input: { total: 11, noCache: 11, cacheRead: 0, cacheWrite: 0 }, output: { total: 6, text: 6, reasoning: 0 } },
    });
    expect(seen[0]!.body).toMatchObject({ stream: true, model: 'claude-sonnet-4-5-20250929' });
    expect(seen[0]!.headers.accept).toBe('text/event-stream');
  });

  it('streamMessage yields an error event (to forward) and then throws it as a retryable UpstreamError', async () => {
    const full = readFixture('basic_response.txt');
    const errorEvent = 'event: error\ndata: {"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}\n\n';
    reply = { body: full.slice(0, full.indexOf('event: content_block_stop')) + errorEvent };
    const { parts, error } = await drain(await adapter().streamMessage(call()));
    expect(parts.at(-1)).toMatchObject({ type: 'event', name: 'error', event: { type: 'error' } });
    expect(error).toBeInstanceOf(UpstreamError);
    expect(error).toMatchObject({ upstreamStatus: 529, isRetryable: true, message: 'anthropic: Overloaded' });
  });

  it('streamMessage throws upstream_invalid_response when the stream ends before message_stop', async () => {
    const full = readFixture('basic_response.txt');
    reply = { body: full.slice(0, full.indexOf('event: message_stop')) };
    const { parts, error } = await drain(await adapter().streamMessage(call()));
    expect(parts.some((part) => part.type === 'usage')).toBe(false);
    expect(error).toMatchObject({ code: 'upstream_invalid_response' });
  });

  it('countTokens posts to /v1/messages/count_tokens and returns the count and its bytes', async () => {
    reply = { body: '{"input_tokens":42}' };
    const result = await adapter().countTokens(call({ body: { model: 'claude-sonnet-4-5', messages: [{ role: 'user', content: 'Hi' }] } }));
    expect(result).toMatchObject({ rawBody: '{"input_tokens":42}', inputTokens: 42 });
    expect(seen[0]).toMatchObject({ url: '/v1/messages/count_tokens', body: { model: 'claude-sonnet-4-5-20250929' } });
  });

  it('passes upstream errors through as UpstreamErrors with their status and type', async () => {
    const cassette = parse(readFixture('test_anthropic_count_tokens_error.yaml')) as { interactions: { response: { parsed_body: unknown } }[] };
    reply = { status: 404, body: JSON.stringify(cassette.interactions[0]!.response.parsed_body) };
    await expect(adapter().countTokens(call())).rejects.toMatchObject({ status: 404, type: 'not_found_error', message: 'anthropic: model: claude-does-not-exist' });
  });
});
