import { readFileSync } from 'node:fs';
import { chatCompletionChunkSchema, chatCompletionRequestSchema, type ChatCompletionRequest, type NormalizedUsage } from '@arbiter/shared';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { exportPKCS8, generateKeyPair } from 'jose';
import { parse } from 'yaml';
import type { HttpClient } from '../shared/http-client.js';
import type { ChatStream, ChatStreamPart } from '../shared/provider-adapter.js';
import { collectStream, collectUntilError, type CollectedStream } from '../shared/test-support/collect-stream.js';
import { serveRecording, type RecordingServer, type Reply, type SeenRequest } from '../shared/test-support/serve-recording.js';
import { UpstreamError } from '../shared/upstream-error.js';
import { GoogleAdapter } from './google-adapter.js';

const fixtures = new URL('../../../fixtures/providers/', import.meta.url);
const readFixture = (path: string): string => readFileSync(new URL(path, fixtures), 'utf8');

interface Cassette {
  interactions: { request: { parsed_body: Record<string, unknown> }; response: { body?: { string: string } } }[];
}
const readCassette = (path: string): Cassette => parse(readFixture(path)) as Cassette;

/** `*.chunks.txt` hold one event payload per line; Google frames each as `data: …\r\n\r\n`. */
const toDataEvents = (chunks: string): string =>
  chunks.split('\n').filter((line) => line.trim() !== '').map((line) => `data: ${line}\r\n\r\n`).join('');

let upstream: RecordingServer;
let http: HttpClient;
let baseUrl: string;
let reply: Reply = { body: '' };
const seen: SeenRequest[] = [];

beforeAll(async () => {
  upstream = await serveRecording({
    reply: () => reply,
    headers: () => ({ 'content-type': 'text/event-stream' }),
    answerAside: (request) =>
      request.url === '/token'
        ? { headers: { 'content-type': 'application/json' }, body: JSON.stringify({ access_token: 'ya29.test-token', expires_in: 3599, token_type: 'Bearer' }) }
        : undefined,
    seen,
  });
  baseUrl = upstream.url;
  http = upstream.http;
});

afterAll(() => upstream.close());

beforeEach(() => {
  seen.length = 0;
});

function createAdapter(kind: 'gemini' | 'vertex' = 'gemini'): GoogleAdapter {
  return new GoogleAdapter({ id: kind, kind, apiKey: 'test-key', baseUrl, timeoutMs: 5_000, http, ...(kind === 'vertex' ? vertexOptions : {}) });
}

/** Vertex signs a real assertion; this server's /token answers without checking it (google-auth.test.ts does). */
let vertexOptions: Partial<ConstructorParameters<typeof GoogleAdapter>[0]> = {};
beforeAll(async () => {
  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  vertexOptions = {
    apiKey: undefined,
    serviceAccount: { client_email: 'sa@p.iam.gserviceaccount.com', private_key: await exportPKCS8(privateKey), token_uri: `${baseUrl}/token`, project_id: 'my-project' },
  };
});

function createCall(request: Partial<ChatCompletionRequest>, signal = new AbortController().signal, upstreamModel = 'gemini-2.5-flash') {
  return {
    request: chatCompletionRequestSchema.parse({ model: 'gemini', messages: [{ role: 'user', content: 'Hi' }], stream: true, ...request }),
    upstreamModel,
    requestId: 'req-test',
    signal,
  };
}

const collect = (stream: ChatStream): Promise<CollectedStream> =>
  collectStream(stream, (chunk) => expect(chatCompletionChunkSchema.parse(chunk)).toEqual(chunk), { countFragments: true });

const usage = (input: number, text: number, reasoning: number): NormalizedUsage => ({
  input: { total: input, noCache: input, cacheRead: 0, cacheWrite: 0 },
  output: { total: text + reasoning, text, reasoning },
});

describe('Google streaming (Gemini API)', () => {
  it('streams the raw SSE of test_google_model_stream.yaml in odd-sized pieces, taking the latest usage', async () => {
    const [interaction] = readCassette('gemini/test_google_model_stream.yaml').interactions;
    reply = { body: interaction?.response.body?.string ?? '', pieceSizes: [7, 13, 1] };
    const call = createCall({
      temperature: 0,
      messages: [
        { role: 'system', content: 'You are a helpful chatbot.' },
        { role: 'user', content: 'What is the capital of France?' },
      ],
    }, undefined, 'gemini-2.0-flash-exp');
    const stream = await createAdapter().streamChatCompletion(call);
    expect(stream.upstream).toEqual({ status: 200, requestId: null, model: null });
    expect(stream.warnings).toEqual([]);
    const result = await collect(stream);

    expect(result.text).toBe('The capital of France is Paris.\n');
    expect(result.finishReasons).toEqual(['stop']);
    // Early events said 15 prompt tokens, the last one 13: the last word counts.
    expect(result.usage).toEqual([usage(13, 8, 0)]);
    expect(result.parts.at(-1)?.type).toBe('usage');
    const first = result.parts[0];
    expect(first?.type === 'chunk' && first.chunk).toMatchObject({ id: 'w1peaMz6INOvnvgPgYfPiQY', model: 'gemini-2.0-flash-exp', choices: [{ index: 0, delta: { role: 'assistant' } }] });

    expect(seen[0]?.url).toBe('/v1beta/models/gemini-2.0-flash-exp:streamGenerateContent?alt=sse');
    expect(seen[0]?.headers).toMatchObject({ 'x-goog-api-key': 'test-key', accept: 'text/event-stream', 'content-type': 'application/json' });
    // google-genai also sends `role: user` in systemInstruction, which Google ignores; we send none.
    const recorded = interaction?.request.parsed_body as { systemInstruction: { parts: unknown } };
    expect(seen[0]?.body).toEqual({ ...recorded, systemInstruction: { parts: recorded.systemInstruction.parts } });
  });

  it('streams gemini/google-text.chunks.txt', async () => {
    reply = { body: toDataEvents(readFixture('gemini/google-text.chunks.txt')), pieceSizes: [11, 250] };
    const result = await collect(await createAdapter().streamChatCompletion(createCall({})));
    expect(result.text).toBe('There are **3** "r"s in strawberry.\n\nst**r**awbe**rr**y');
    expect(result.finishReasons).toEqual(['stop']);
    expect(result.usage).toEqual([usage(9, 23, 185)]);
  });

  it('streams a whole function call (gemini/google-tool-call.chunks.txt)', async () => {
    reply = { body: toDataEvents(readFixture('gemini/google-tool-call.chunks.txt')), pieceSizes: [3, 97] };
    const result = await collect(await createAdapter().streamChatCompletion(createCall({})));
    expect(result.text).toBe('');
    expect(result.toolCalls).toEqual([{ id: expect.stringMatching(/^call_/), name: 'weather', arguments: '{"location":"San Francisco"}', fragments: 1 }]);
    expect(result.finishReasons).toEqual(['tool_calls']);
    expect(result.usage).toEqual([usage(29, 15, 45)]);
  });

  it('streams a function call and its finishReason in one event (test_google_model_iter_stream.yaml)', async () => {
    const [interaction] = readCassette('gemini/test_google_model_iter_stream.yaml').interactions;
    reply = { body: interaction?.response.body?.string ?? '', pieceSizes: [5] };
    const result = await collect(await createAdapter().streamChatCompletion(createCall({})));
    expect(result.toolCalls.map(({ name, arguments: args }) => ({ name, args }))).toEqual([{ name: 'get_capital', args: '{"country":"France"}' }]);
    expect(result.finishReasons).toEqual(['tool_calls']);
    expect(result.usage).toEqual([usage(52, 5, 0)]);
  });

  it('reports one usage part with the final counts when usage grows mid-stream', async () => {
    const [interaction] = readCassette('gemini/test_google_stream_usage_is_live_mid_stream.yaml').interactions;
    reply = { body: interaction?.response.body?.string ?? '', pieceSizes: [64, 3] };
    const result = await collect(await createAdapter().streamChatCompletion(createCall({})));
    expect(result.text).toBe(Array.from({ length: 30 }, (_, index) => String(index + 1)).join('\n'));
    expect(result.usage).toEqual([usage(18, 80, 35)]);
  });

  it('streams thought parts as reasoning_content and ends a blocked prompt with content_filter', async () => {
    const thinking = [
      { candidates: [{ content: { role: 'model', parts: [{ text: 'Let me count.', thought: true }] }, index: 0 }], responseId: 'r1' },
      { candidates: [{ content: { role: 'model', parts: [{ text: 'Three.' }] }, finishReason: 'STOP', index: 0 }], usageMetadata: { promptTokenCount: 4, candidatesTokenCount: 2, thoughtsTokenCount: 6 } },
    ];
    reply = { body: thinking.map((event) => `data: ${JSON.stringify(event)}\r\n\r\n`).join('') };
    const result = await collect(await createAdapter().streamChatCompletion(createCall({ reasoning_effort: 'low' })));
    expect(result.reasoning).toBe('Let me count.');
    expect(result.text).toBe('Three.');
    expect(result.usage).toEqual([usage(4, 2, 6)]);
    expect(seen[0]?.body).toMatchObject({ generationConfig: { thinkingConfig: { thinkingBudget: 1024, includeThoughts: true } } });

    reply = { body: `data: ${JSON.stringify({ promptFeedback: { blockReason: 'SAFETY' }, usageMetadata: { promptTokenCount: 7, totalTokenCount: 7 } })}\r\n\r\n` };
    const blocked = await collect(await createAdapter().streamChatCompletion(createCall({})));
    expect(blocked.finishReasons).toEqual(['content_filter']);
    expect(blocked.usage).toEqual([usage(7, 0, 0)]);
  });
});

describe('Google streaming (Vertex AI)', () => {
  it('streams the flex-tier recording (vertex/test_google_vertex_service_tier_flex_stream.yaml)', async () => {
    const [interaction] = readCassette('vertex/test_google_vertex_service_tier_flex_stream.yaml').interactions;
    reply = { body: interaction?.response.body?.string ?? '', pieceSizes: [9, 31] };
    const stream = await createAdapter('vertex').streamChatCompletion(createCall({ messages: [{ role: 'user', content: 'Reply with exactly: OK' }] }, undefined, 'gemini-3-flash-preview'));
    const result = await collect(stream);
    expect(result.text).toBe('OK');
    expect(result.finishReasons).toEqual(['stop']);
    expect(result.usage).toEqual([usage(5, 1, 100)]);
    const first = result.parts[0];
    expect(first?.type === 'chunk' && first.chunk.created).toBe(Math.floor(Date.parse('2026-03-21T18:11:55.919086Z') / 1000));
    expect(seen[0]?.url).toBe('/v1/projects/my-project/locations/global/publishers/google/models/gemini-3-flash-preview:streamGenerateContent?alt=sse');
    expect(seen[0]?.headers.authorization).toBe('Bearer ya29.test-token');
    expect(seen[0]?.headers).not.toHaveProperty('x-goog-api-key');
    expect(seen[0]?.body).toEqual({ contents: interaction?.request.parsed_body.contents });
  });

  it('assembles nested streamed arguments (google-vertex-stream-tool-call-arguments-nested.1.chunks.txt)', async () => {
    reply = { body: toDataEvents(readFixture('vertex/google-vertex-stream-tool-call-arguments-nested.1.chunks.txt')), pieceSizes: [17, 301, 2] };
    const result = await collect(await createAdapter('vertex').streamChatCompletion(createCall({}, undefined, 'gemini-3.1-pro-preview')));
    expect(result.toolCalls).toHaveLength(1);
    const [call] = result.toolCalls;
    expect(call?.name).toBe('cookRecipe');
    expect(call?.id).toMatch(/^call_/);
    // Written as the pieces arrive, not at the end.
    expect(call?.fragments).toBeGreaterThan(60);
    const args = JSON.parse(call?.arguments ?? '') as { recipe: { ingredients: { amount: string; name: string }[]; name: string; steps: string[] } };
    expect(Object.keys(args.recipe)).toEqual(['ingredients', 'name', 'steps']);
    expect(args.recipe.name).toBe('Lasagna');
    expect(args.recipe.ingredients).toHaveLength(10);
    expect(args.recipe.ingredients[0]).toEqual({ amount: '16 oz', name: 'Lasagna noodles' });
    expect(args.recipe.ingredients[9]).toEqual({ amount: '1/2 tsp', name: 'Pepper' });
    expect(args.recipe.steps).toHaveLength(10);
    expect(args.recipe.steps[0]).toBe('Preheat oven to 375°F (190°C).');
    expect(args.recipe.steps[1]).toBe('Cook lasagna noodles according to package directions, drain and set aside.');
    expect(args.recipe.steps[4]).toBe('In a 9x13 baking dish, spread a thin layer of meat sauce.');
    expect(result.finishReasons).toEqual(['tool_calls']);
    expect(result.usage).toEqual([usage(31, 684, 1026)]);
  });
});

describe('Google streaming failures', () => {
  const events = [
    { candidates: [{ content: { role: 'model', parts: [{ text: 'Hel' }] }, index: 0 }], responseId: 'r1', modelVersion: 'gemini-2.5-flash' },
    { candidates: [{ content: { role: 'model', parts: [{ text: 'lo' }] }, finishReason: 'STOP', index: 0 }], usageMetadata: { promptTokenCount: 2, candidatesTokenCount: 2 } },
  ];
  const frame = (event: unknown): string => `data: ${JSON.stringify(event)}\r\n\r\n`;

  it('throws a retryable UpstreamError for an error event mid-stream', async () => {
    reply = { body: frame(events[0]) + frame({ error: { code: 503, message: 'The model is overloaded. Please try again later.', status: 'UNAVAILABLE' } }) };
    const { parts, error } = await collectUntilError(await createAdapter().streamChatCompletion(createCall({})));
    expect(parts.filter((part) => part.type === 'chunk')).toHaveLength(2);
    expect(error).toBeInstanceOf(UpstreamError);
    expect(error).toMatchObject({ code: 'upstream_error', upstreamStatus: 503, status: 502, isRetryable: true, message: 'gemini: The model is overloaded. Please try again later.' });
  });

  it('throws upstream_invalid_response when the stream ends before a finishReason, or an event is not JSON', async () => {
    for (const body of [frame(events[0]), `${frame(events[0])}data: {"candidates": [\r\n\r\n`]) {
      reply = { body, pieceSizes: [23] };
      const { parts, error } = await collectUntilError(await createAdapter().streamChatCompletion(createCall({})));
      expect(error).toMatchObject({ code: 'upstream_invalid_response', isRetryable: true });
      expect(parts.some((part) => part.type === 'usage')).toBe(false);
    }
  });

  it('ends with the client’s abort reason when the client goes away mid-stream', async () => {
    const body = frame(events[0]) + frame(events[1]);
    reply = { body, hangAfter: frame(events[0]).length };
    const controller = new AbortController();
    const stream = await createAdapter().streamChatCompletion(createCall({}, controller.signal));
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

  it('passes an error status through before the stream starts', async () => {
    reply = { status: 400, body: JSON.stringify({ error: { code: 400, message: 'Invalid JSON payload received.', status: 'INVALID_ARGUMENT' } }) };
    await expect(createAdapter().streamChatCompletion(createCall({}))).rejects.toMatchObject({
      status: 400,
      type: 'invalid_request_error',
      publicCode: 'INVALID_ARGUMENT',
      isRetryable: false,
    });
  });
});
