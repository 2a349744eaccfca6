import { readFileSync } from 'node:fs';
import { GatewayError, chatCompletionChunkSchema, chatCompletionRequestSchema, type ChatCompletionRequest, type NormalizedUsage } from '@arbiter/shared';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import type { HttpClient } from '../shared/http-client.js';
import type { ChatStream, ChatStreamPart } from '../shared/provider-adapter.js';
import { collectStream, collectUntilError, type CollectedStream } from '../shared/test-support/collect-stream.js';
import { serveRecording, type RecordingServer, type Reply, type SeenRequest } from '../shared/test-support/serve-recording.js';
import { UpstreamError } from '../shared/upstream-error.js';
import { AnthropicAdapter } from './anthropic-adapter.js';

const fixtures = new URL('../../../fixtures/providers/anthropic/', import.meta.url);
const readFixture = (name: string): string => readFileSync(new URL(name, fixtures), 'utf8');

interface Cassette {
  interactions: { request: { parsed_body: Record<string, unknown> }; response: { parsed_body?: unknown; body?: { string: string } } }[];
}
const readCassette = (name: string): Cassette => parse(readFixture(name)) as Cassette;

/** `*.chunks.txt` hold one event payload per line; on the wire each is a `data:` event (here without `event:` lines). */
const toDataEvents = (chunks: string): string =>
  chunks.split('\n').filter((line) => line.trim() !== '').map((line) => `data: ${line}\n\n`).join('');

let upstream: RecordingServer;
let http: HttpClient;
let baseUrl: string;
let reply: Reply = { body: '' };
const seen: SeenRequest[] = [];

beforeAll(async () => {
  upstream = await serveRecording({ reply: () => reply, seen });
  baseUrl = `${upstream.url}/`;
  http = upstream.http;
});

afterAll(() => upstream.close());

beforeEach(() => {
  seen.length = 0;
});

/** `null` builds an adapter without a key. */
function createAdapter(apiKey: string | null = 'test-key'): AnthropicAdapter {
  return new AnthropicAdapter({
    id: 'anthropic',
    baseUrl,
    apiKey: apiKey ?? undefined,
    apiKeyVariable: 'ANTHROPIC_API_KEY',
    headers: { 'anthropic-beta': 'test-beta' },
    timeoutMs: 5_000,
    http,
  });
}

function createCall(request: Partial<ChatCompletionRequest>, signal = new AbortController().signal) {
  return {
    request: chatCompletionRequestSchema.parse({ model: 'claude', messages: [{ role: 'user', content: 'Hi' }], ...request }),
    upstreamModel: 'claude-upstream',
    requestId: 'req-test',
    signal,
  };
}

const collect = (stream: ChatStream): Promise<CollectedStream> =>
  collectStream(stream, (chunk) => expect(chatCompletionChunkSchema.parse(chunk)).toEqual(chunk));

const usage = (input: number, output: number): NormalizedUsage => ({
  input: { total: input, noCache: input, cacheRead: 0, cacheWrite: 0 },
  output: { total: output, text: output, reasoning: 0 },
});

describe('AnthropicAdapter streaming', () => {
  it('streams basic_response.txt in odd-sized pieces, with the headers Anthropic needs', async () => {
    reply = { headers: { 'content-type': 'text/event-stream', 'request-id': 'req_stream_1' }, body: readFixture('basic_response.txt'), pieceSizes: [7, 13, 1] };
    const stream = await createAdapter().streamChatCompletion(createCall({ stream: true }));
    expect(stream.upstream).toEqual({ status: 200, requestId: 'req_stream_1', model: null });
    expect(stream.warnings).toEqual(['max_tokens is required by Anthropic; none was given, so the default of 4096 was sent']);

    const result = await collect(stream);
    expect(result.text).toBe('Hello there!');
    expect(result.finishReasons).toEqual(['stop']);
    expect(result.usage).toEqual([usage(11, 6)]);
    expect(result.parts.at(-1)?.type).toBe('usage');
    const first = result.parts[0];
    expect(first?.type === 'chunk' && first.chunk).toMatchObject({
      id: 'msg_4QpJur2dWWDjF6C758FbBw5vm12BaVipnK',
      object: 'chat.completion.chunk',
      model: 'claude-opus-4-8',
      choices: [{ index: 0, delta: { role: 'assistant' } }],
    });

    const [request] = seen;
    expect(request).toMatchObject({
      method: 'POST',
      url: '/v1/messages',
      headers: {
        'x-api-key': 'test-key',
        'anthropic-version': '2023-06-01',
        'anthropic-beta': 'test-beta',
        'content-type': 'application/json',
        accept: 'text/event-stream',
      },
      body: { model: 'claude-upstream', stream: true, max_tokens: 4096, messages: [{ role: 'user', content: [{ type: 'text', text: 'Hi' }] }] },
    });
    expect(request?.headers).not.toHaveProperty('authorization');
  });

  it('reassembles streamed tool-call arguments (tool_use_response.txt)', async () => {
    reply = { body: readFixture('tool_use_response.txt'), pieceSizes: [13, 101, 3] };
    const result = await collect(await createAdapter().streamChatCompletion(createCall({ stream: true })));
    expect(result.text).toBe("I'll check the current weather in Paris for you.");
    expect(result.toolCalls).toEqual([{ id: 'toolu_01NRLabsLyVHZPKxbKvkfSMn', name: 'get_weather', arguments: '{"location": "Paris"}' }]);
    expect(JSON.parse(result.toolCalls[0]?.arguments ?? '')).toEqual({ location: 'Paris' });
    expect(result.finishReasons).toEqual(['tool_calls']);
    expect(result.usage).toEqual([usage(377, 65)]);
  });

  it('streams thinking as reasoning_content, sending the request pydantic-ai recorded (thinking cassette)', async () => {
    const cassette = readCassette('test_anthropic_model_thinking_part_stream.yaml');
    const [interaction] = cassette.interactions;
    reply = { body: interaction?.response.body?.string ?? '', pieceSizes: [29, 5, 64] };
    const call = { ...createCall({ stream: true, max_tokens: 4096, reasoning_effort: 'low', messages: [{ role: 'user', content: 'How do I cross the street?' }] }), upstreamModel: 'claude-sonnet-4-0' };
    const stream = await createAdapter().streamChatCompletion(call);
    expect(stream.warnings).toEqual([]);
    const result = await collect(stream);

    expect(interaction?.request.parsed_body).toMatchObject(seen[0]?.body ?? {});
    expect(result.reasoning).toBe(
      'This is a straightforward question about pedestrian safety. I should provide clear, helpful advice about how to safely cross a street. This is basic safety information that could help prevent accidents.',
    );
    expect(result.text).toMatch(/^Here are the basic steps for safely crossing the street:\n\n\*\*At intersections with traffic lights:\*\*/);
    expect(result.text).toMatch(/Always prioritize safety over speed when crossing streets\.$/);
    expect(result.text).toHaveLength(1021);
    expect(result.finishReasons).toEqual(['stop']);
    expect(result.usage).toEqual([usage(43, 282)]);
  });

  it('ends a tool call without arguments with {} (anthropic-tool-no-args.chunks.txt, data-only events)', async () => {
    reply = { body: toDataEvents(readFixture('anthropic-tool-no-args.chunks.txt')), pieceSizes: [17] };
    const result = await collect(await createAdapter().streamChatCompletion(createCall({ stream: true })));
    expect(result.text).toBe("I'll update the issue list for you.");
    expect(result.toolCalls).toEqual([{ id: 'toolu_01QE1WLsSVp5hy5Q3GmGTmjP', name: 'updateIssueList', arguments: '{}' }]);
    expect(result.finishReasons).toEqual(['tool_calls']);
    expect(result.usage).toEqual([usage(565, 48)]);
  });

  it('streams the json_schema answer tool as content (anthropic-json-tool.2.chunks.txt)', async () => {
    reply = { body: toDataEvents(readFixture('anthropic-json-tool.2.chunks.txt')), pieceSizes: [11, 250] };
    const schema = { type: 'object', properties: { elements: { type: 'array' } } };
    const call = createCall({ stream: true, max_tokens: 1000, response_format: { type: 'json_schema', json_schema: { name: 'json', schema } } });
    const result = await collect(await createAdapter().streamChatCompletion(call));
    expect(seen[0]?.body).toMatchObject({ tools: [{ name: 'json', input_schema: schema }], tool_choice: { type: 'tool', name: 'json' } });
    expect(JSON.parse(result.text)).toEqual({ elements: [{ location: 'San Francisco', temperature: 58, condition: 'sunny' }] });
    expect(result.toolCalls).toEqual([]);
    expect(result.finishReasons).toEqual(['stop']);
    expect(result.usage).toEqual([usage(849, 47)]);
  });

  it('passes on cut-off tool arguments with finish_reason length (incomplete_partial_json_response.txt)', async () => {
    reply = { body: readFixture('incomplete_partial_json_response.txt'), pieceSizes: [19] };
    const result = await collect(await createAdapter().streamChatCompletion(createCall({ stream: true })));
    expect(result.toolCalls[0]?.name).toBe('make_file');
    expect(result.toolCalls[0]?.arguments).toMatch(/^\{"filename": "taxes\.txt", "lines_of_text": \[\n"# COMPREHENSIVE TAX GUIDE/);
    expect(result.toolCalls[0]?.arguments).toMatch(/\n"Filing taxes$/);
    expect(result.finishReasons).toEqual(['length']);
    expect(result.usage).toEqual([usage(450, 124)]);
  });

  it('keeps multi-byte characters split across pieces intact', async () => {
    const text = 'Grüße ✓ 👋';
    const events = [
      { type: 'message_start', message: { id: 'msg_1', type: 'message', role: 'assistant', model: 'm', content: [], usage: { input_tokens: 3, output_tokens: 1 } } },
      { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } },
      { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text } },
      { type: 'content_block_stop', index: 0 },
      { type: 'message_delta', delta: { stop_reason: 'end_turn' }, usage: { output_tokens: 5 } },
      { type: 'message_stop' },
    ];
    reply = { body: events.map((event) => `event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`).join(''), pieceSizes: [1, 2, 3] };
    const result = await collect(await createAdapter().streamChatCompletion(createCall({ stream: true })));
    expect(result.text).toBe(text);
    expect(result.usage).toEqual([usage(3, 5)]);
  });

  it('takes the latest input and cache counts from message_delta when it carries them', async () => {
    const events = [
      { type: 'message_start', message: { id: 'msg_1', type: 'message', role: 'assistant', model: 'm', content: [], usage: { input_tokens: 3, cache_read_input_tokens: 0, output_tokens: 1 } } },
      { type: 'message_delta', delta: { stop_reason: 'end_turn' }, usage: { input_tokens: 3, cache_read_input_tokens: 1111, cache_creation_input_tokens: 418, output_tokens: 33 } },
      { type: 'message_stop' },
    ];
    reply = { body: events.map((event) => `data: ${JSON.stringify(event)}\n\n`).join('') };
    const result = await collect(await createAdapter().streamChatCompletion(createCall({ stream: true })));
    expect(result.usage).toEqual([{ input: { total: 1532, noCache: 3, cacheRead: 1111, cacheWrite: 418 }, output: { total: 33, text: 33, reasoning: 0 } }]);
  });

  it('throws upstream_invalid_response when the stream ends before message_stop', async () => {
    const full = readFixture('basic_response.txt');
    for (const body of [full.slice(0, full.indexOf('event: message_stop')), full.slice(0, full.indexOf('"text":" there"'))]) {
      reply = { body, pieceSizes: [23] };
      const { parts, error } = await collectUntilError(await createAdapter().streamChatCompletion(createCall({ stream: true })));
      expect(error).toBeInstanceOf(UpstreamError);
      expect(error).toMatchObject({ code: 'upstream_invalid_response', isRetryable: true });
      expect(parts.some((part) => part.type === 'usage')).toBe(false);
    }
  });

  it('throws a retryable 529 UpstreamError for an overloaded_error event mid-stream', async () => {
    const full = readFixture('basic_response.txt');
    const errorEvent = 'event: error\ndata: {"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}\n\n';
    reply = { body: full.slice(0, full.indexOf('event: content_block_stop')) + errorEvent };
    const { parts, error } = await collectUntilError(await createAdapter().streamChatCompletion(createCall({ stream: true })));
    expect(parts.filter((part) => part.type === 'chunk')).toHaveLength(4);
    expect(error).toBeInstanceOf(UpstreamError);
    expect(error).toMatchObject({ code: 'upstream_error', upstreamStatus: 529, status: 502, isRetryable: true, message: 'anthropic: Overloaded' });
  });

  it('ends with the client’s abort reason when the client goes away mid-stream', async () => {
    const full = readFixture('basic_response.txt');
    reply = { body: full, hangAfter: full.indexOf('event: content_block_stop') };
    const controller = new AbortController();
    const stream = await createAdapter().streamChatCompletion(createCall({ stream: true }, controller.signal));
    const reason = new Error('client went away');
    const received: ChatStreamPart[] = [];
    await expect(
      (async () => {
        for await (const part of stream) {
          received.push(part);
          if (received.length === 2) controller.abort(reason);
        }
      })(),
    ).rejects.toBe(reason);
  });
});

describe('AnthropicAdapter non-streaming', () => {
  it('converts anthropic-text.json end to end', async () => {
    reply = { headers: { 'content-type': 'application/json', 'request-id': 'req_018EeWyXxfu5pfWkrYcMdjWG' }, body: readFixture('anthropic-text.json') };
    const result = await createAdapter().createChatCompletion(createCall({ max_tokens: 100, temperature: 0.5 }));
    expect(result.body.choices[0]?.message.content).toBe(
      "Hello! I'm doing well, thanks for asking. How are you doing today? Is there anything I can help you with?",
    );
    expect(result.finishReason).toBe('stop');
    expect(result.usage).toEqual(usage(12, 29));
    expect(result.warnings).toEqual([]);
    expect(result.upstream).toEqual({ status: 200, requestId: 'req_018EeWyXxfu5pfWkrYcMdjWG', model: 'claude-sonnet-4-5-20250929' });
    expect(seen[0]?.headers).toMatchObject({ 'x-api-key': 'test-key', 'anthropic-version': '2023-06-01', accept: 'application/json' });
    expect(seen[0]?.body).toEqual({
      model: 'claude-upstream',
      max_tokens: 100,
      temperature: 0.5,
      messages: [{ role: 'user', content: [{ type: 'text', text: 'Hi' }] }],
    });
  });

  it('reports cache usage from the cache cassette', async () => {
    const cassette = readCassette('test_anthropic_cache_real_api.yaml');
    reply = { body: JSON.stringify(cassette.interactions[1]?.response.parsed_body) };
    const result = await createAdapter().createChatCompletion(createCall({ max_tokens: 4096 }));
    expect(result.usage).toEqual({ input: { total: 1532, noCache: 3, cacheRead: 1111, cacheWrite: 418 }, output: { total: 33, text: 33, reasoning: 0 } });
  });

  it('throws upstream_invalid_response for a body in an unexpected shape', async () => {
    reply = { body: JSON.stringify({ id: 'msg_1', type: 'message' }) };
    await expect(createAdapter().createChatCompletion(createCall({}))).rejects.toMatchObject({ code: 'upstream_invalid_response' });
  });
});

describe('AnthropicAdapter errors', () => {
  it('passes a 404 not_found_error through (test_anthropic_count_tokens_error.yaml)', async () => {
    const cassette = readCassette('test_anthropic_count_tokens_error.yaml');
    reply = { status: 404, headers: { 'content-type': 'application/json' }, body: JSON.stringify(cassette.interactions[0]?.response.parsed_body) };
    const error: unknown = await createAdapter().createChatCompletion(createCall({})).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(UpstreamError);
    expect(error).toMatchObject({ status: 404, type: 'not_found_error', upstreamStatus: 404, isRetryable: false, message: 'anthropic: model: claude-does-not-exist' });
  });

  it('passes a 400 invalid_request_error through when streaming (effort cassette)', async () => {
    const cassette = readCassette('test_anthropic_explicit_effort_xhigh_unsupported_model_errors.yaml');
    reply = { status: 400, body: JSON.stringify(cassette.interactions[0]?.response.parsed_body) };
    await expect(createAdapter().streamChatCompletion(createCall({ stream: true }))).rejects.toMatchObject({
      status: 400,
      type: 'invalid_request_error',
      isRetryable: false,
    });
  });

  it('makes a 529 overloaded_error a retryable 502 with retry-after', async () => {
    reply = {
      status: 529,
      headers: { 'retry-after': '3' },
      body: '{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"},"request_id":"req_011CZLc5ZxjJzbAvR5EBfNvd"}',
    };
    await expect(createAdapter().createChatCompletion(createCall({}))).rejects.toMatchObject({
      code: 'upstream_error',
      status: 502,
      upstreamStatus: 529,
      retryAfterSeconds: 3,
      isRetryable: true,
    });
  });

  it('rejects an unconvertible request before calling Anthropic', async () => {
    const call = createCall({
      messages: [
        { role: 'user', content: 'Hi' },
        { role: 'assistant', tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'f', arguments: '{oops' } }] },
      ],
    });
    const error: unknown = await createAdapter().createChatCompletion(call).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(GatewayError);
    expect(error).toMatchObject({ code: 'invalid_request', status: 400, param: 'messages[1].tool_calls[0].function.arguments' });
    expect(seen).toHaveLength(0);
  });

  it('names the missing key variable', () => {
    expect(createAdapter(null).missingCredential()).toBe('ANTHROPIC_API_KEY');
    expect(createAdapter().missingCredential()).toBeNull();
    expect('createEmbeddings' in createAdapter()).toBe(false);
  });
});
