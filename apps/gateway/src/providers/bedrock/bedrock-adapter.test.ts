import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { EventStreamCodec } from '@smithy/eventstream-codec';
import { fromUtf8, toUtf8 } from '@smithy/util-utf8';
import { GatewayError, chatCompletionChunkSchema, chatCompletionRequestSchema, embeddingRequestSchema, type NormalizedUsage } from '@arbiter/shared';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import type { HttpClient } from '../shared/http-client.js';
import type { ChatStream } from '../shared/provider-adapter.js';
import { collectStream, collectUntilError, type CollectedStream } from '../shared/test-support/collect-stream.js';
import { serveRecording, type RecordingServer, type Reply, type SeenRequest } from '../shared/test-support/serve-recording.js';
import { UpstreamError } from '../shared/upstream-error.js';
import { BedrockAdapter } from './bedrock-adapter.js';

const fixtures = new URL('../../../fixtures/providers/bedrock/', import.meta.url);

interface Interaction {
  request: { body: string };
  response: { status: { code: number }; body?: { string: Uint8Array | string }; parsed_body?: unknown };
}
const readInteraction = (name: string, turn = 0): Interaction =>
  (parse(readFileSync(new URL(name, fixtures), 'utf8')) as { interactions: Interaction[] }).interactions[turn]!;
/** The recorded binary event stream of a converse-stream interaction (`!!binary` in the cassette). */
const recordedStream = (name: string, turn = 0): Buffer => Buffer.from(readInteraction(name, turn).response.body!.string as Uint8Array);
const recordedJson = (name: string, turn = 0): string => JSON.stringify(readInteraction(name, turn).response.parsed_body);

let upstream: RecordingServer;
let http: HttpClient;
let endpoint: string;
let reply: Reply | ((request: SeenRequest) => Reply) = { body: '' };
const seen: SeenRequest[] = [];

beforeAll(async () => {
  upstream = await serveRecording({
    reply: (request) => (typeof reply === 'function' ? reply(request) : reply),
    headers: (requests) => ({ 'x-amzn-requestid': `req-${requests.length}` }),
    seen,
  });
  endpoint = upstream.url;
  http = upstream.http;
});

afterAll(() => upstream.close());

beforeEach(() => {
  seen.length = 0;
});

const credentials = { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY' };

function createAdapter(options: { credentials?: typeof credentials & { sessionToken?: string }; missing?: boolean } = {}): BedrockAdapter {
  return new BedrockAdapter({
    id: 'bedrock',
    region: 'us-east-1',
    credentials: options.missing === true ? undefined : (options.credentials ?? credentials),
    endpoint,
    timeoutMs: 5_000,
    http,
  });
}

function createCall(request: Record<string, unknown>, upstreamModel = 'us.amazon.nova-micro-v1:0', signal = new AbortController().signal) {
  return {
    request: chatCompletionRequestSchema.parse({ model: 'nova', messages: [{ role: 'user', content: 'Hi' }], ...request }),
    upstreamModel,
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

/** Frame offsets of an event stream: the first 4 bytes of each frame are its length. */
function frameEnds(stream: Buffer): number[] {
  const ends: number[] = [];
  for (let offset = 0; offset < stream.length; offset += stream.readUInt32BE(offset)) ends.push(offset + stream.readUInt32BE(offset));
  return ends;
}

const eventStream = { 'content-type': 'application/vnd.amazon.eventstream' };

describe('BedrockAdapter streaming (recorded binary ConverseStream captures)', () => {
  it('streams test_bedrock_model_stream.yaml in odd-sized pieces, signing the request', async () => {
    reply = { headers: { ...eventStream, 'x-amzn-requestid': 'b1c2' }, body: recordedStream('test_bedrock_model_stream.yaml'), pieceSizes: [7, 13, 1, 250] };
    const call = createCall({ messages: [{ role: 'system', content: 'You are a helpful chatbot.' }, { role: 'user', content: 'What is the capital of France?' }], temperature: 0 });
    const stream = await createAdapter().streamChatCompletion(call);
    expect(stream.upstream).toEqual({ status: 200, requestId: 'b1c2', model: 'us.amazon.nova-micro-v1:0' });
    expect(stream.warnings).toEqual([]);
    const result = await collect(stream);
    expect(result.text).toBe(
      'The capital of France is Paris. Paris is not only the capital city but also the most populous city in France, and it is a major center for culture, commerce, fashion, and international diplomacy. Known for its historical landmarks, such as the Eiffel Tower, the Louvre Museum, and Notre-Dame Cathedral, Paris is often referred to as "The City of Light" or "The City of Love."',
    );
    expect(result.finishReasons).toEqual(['stop']);
    expect(result.usage).toEqual([usage(13, 82)]);
    expect(result.parts.at(-1)?.type).toBe('usage');
    expect(result.parts[0]).toMatchObject({ chunk: { id: 'chatcmpl-b1c2', object: 'chat.completion.chunk', model: 'us.amazon.nova-micro-v1:0', choices: [{ delta: { role: 'assistant' } }] } });

    const [request] = seen;
    expect(request?.url).toBe('/model/us.amazon.nova-micro-v1%3A0/converse-stream');
    expect(request?.body).toEqual(JSON.parse(readInteraction('test_bedrock_model_stream.yaml').request.body));
    expect(request?.headers).toMatchObject({
      host: endpoint.slice('http://'.length),
      'content-type': 'application/json',
      'x-amz-content-sha256': createHash('sha256').update(request?.raw ?? '').digest('hex'),
      'x-amz-date': expect.stringMatching(/^\d{8}T\d{6}Z$/),
      authorization: expect.stringMatching(
        /^AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE\/\d{8}\/us-east-1\/bedrock\/aws4_request, SignedHeaders=content-type;host;x-amz-content-sha256;x-amz-date, Signature=[0-9a-f]{64}$/,
      ),
    });
  });

  it('reassembles a streamed tool call (test_bedrock_model_iter_stream.yaml, turn 1)', async () => {
    reply = { headers: eventStream, body: recordedStream('test_bedrock_model_iter_stream.yaml'), pieceSizes: [101, 3] };
    const result = await collect(await createAdapter().streamChatCompletion(createCall({})));
    expect(result.text).toMatch(/^<thinking> To find the temperature of the capital of France,.* in Paris\.<\/thinking>\n$/s);
    expect(result.toolCalls).toEqual([{ id: 'tooluse_lAG_zP8QRHmSYOwZzzaCqA', name: 'get_temperature', arguments: '{"city":"Paris"}' }]);
    expect(result.finishReasons).toEqual(['tool_calls']);
    expect(result.usage).toEqual([usage(471, 91)]);
  });

  it('keeps a multi-byte character split across pieces intact (iter_stream turn 2)', async () => {
    reply = { headers: eventStream, body: recordedStream('test_bedrock_model_iter_stream.yaml', 1), pieceSizes: [1, 2, 3] };
    const result = await collect(await createAdapter().streamChatCompletion(createCall({})));
    expect(result.text).toBe('The current temperature in Paris, the capital of France, is 30°C.');
    expect(result.usage).toEqual([usage(577, 18)]);
  });

  it('streams Claude reasoning as reasoning_content (test_bedrock_model_thinking_part_stream.yaml)', async () => {
    reply = { headers: eventStream, body: recordedStream('test_bedrock_model_thinking_part_stream.yaml'), pieceSizes: [29, 5, 64] };
    const call = createCall({ messages: [{ role: 'user', content: 'Hello' }], reasoning_effort: 'low' }, 'us.anthropic.claude-sonnet-4-20250514-v1:0');
    const stream = await createAdapter().streamChatCompletion(call);
    const result = await collect(stream);
    expect(seen[0]?.body).toMatchObject({ additionalModelRequestFields: { thinking: { type: 'enabled', budget_tokens: 1024 } } });
    expect(result.reasoning).toMatch(/^The user has greeted me with a simple "Hello"\. I should respond in a friendly and welcoming manner\./);
    expect(result.reasoning).toMatch(/how I can help them today\.$/);
    expect(result.text).toBe("Hello! It's nice to meet you. How can I help you today?");
    expect(result.finishReasons).toEqual(['stop']);
    expect(result.usage).toEqual([usage(36, 73)]);
  });

  it('throws upstream_invalid_response on a frame with a bad CRC, after the frames before it', async () => {
    const body = recordedStream('test_bedrock_model_stream.yaml');
    const ends = frameEnds(body);
    const position = ends[2]! - 10; // a payload byte of the third frame
    body[position] = body[position]! ^ 0xff;
    reply = { headers: eventStream, body, pieceSizes: [64] };
    const { parts, error } = await collectUntilError(await createAdapter().streamChatCompletion(createCall({})));
    expect(error).toBeInstanceOf(UpstreamError);
    expect(error).toMatchObject({ code: 'upstream_invalid_response', isRetryable: true });
    expect((error as Error).message).toMatch(/checksum/);
    expect(parts).toHaveLength(2);
  });

  it('throws upstream_invalid_response when the stream ends before metadata, or inside a frame', async () => {
    const full = recordedStream('test_bedrock_model_stream.yaml');
    const ends = frameEnds(full);
    for (const body of [full.subarray(0, ends.at(-2)), full.subarray(0, (ends.at(-2) ?? 0) + 20)]) {
      reply = { headers: eventStream, body, pieceSizes: [97] };
      const { parts, error } = await collectUntilError(await createAdapter().streamChatCompletion(createCall({})));
      expect(error).toMatchObject({ code: 'upstream_invalid_response' });
      expect(parts.some((part) => part.type === 'usage')).toBe(false);
    }
  });

  it('throws a retryable 429 UpstreamError for a throttlingException frame mid-stream', async () => {
    const full = recordedStream('test_bedrock_model_stream.yaml');
    const codec = new EventStreamCodec(toUtf8, fromUtf8);
    const exception = codec.encode({
      headers: {
        ':message-type': { type: 'string', value: 'exception' },
        ':exception-type': { type: 'string', value: 'throttlingException' },
        ':content-type': { type: 'string', value: 'application/json' },
      },
      body: fromUtf8('{"message":"Too many tokens, please wait before trying again."}'),
    });
    reply = { headers: eventStream, body: Buffer.concat([full.subarray(0, frameEnds(full)[3]), exception]) };
    const { parts, error } = await collectUntilError(await createAdapter().streamChatCompletion(createCall({})));
    expect(parts).toHaveLength(4);
    expect(error).toMatchObject({ code: 'upstream_error', upstreamStatus: 429, isRetryable: true, publicCode: 'ThrottlingException' });
  });

  it('passes the 400 of test_bedrock_streaming_error.yaml through before any frame', async () => {
    const interaction = readInteraction('test_bedrock_streaming_error.yaml');
    reply = { status: 400, headers: { 'content-type': 'application/json', 'x-amzn-errortype': 'ValidationException:http://internal.amazon.com/coral/com.amazon.bedrock/' }, body: JSON.stringify(interaction.response.parsed_body) };
    await expect(createAdapter().streamChatCompletion(createCall({}, 'us.does-not-exist-model-v1:0'))).rejects.toMatchObject({
      status: 400,
      type: 'invalid_request_error',
      publicCode: 'ValidationException',
      isRetryable: false,
      message: 'bedrock: The provided model identifier is invalid.',
    });
    expect(seen[0]?.url).toBe('/model/us.does-not-exist-model-v1%3A0/converse-stream');
  });

  it('ends with the client’s abort reason when the client goes away mid-stream', async () => {
    const full = recordedStream('test_bedrock_model_stream.yaml');
    reply = { headers: eventStream, body: full, hangAfter: frameEnds(full)[5] };
    const controller = new AbortController();
    const stream = await createAdapter().streamChatCompletion(createCall({}, undefined, controller.signal));
    const reason = new Error('client went away');
    let received = 0;
    await expect(
      (async () => {
        for await (const _part of stream) if (++received === 2) controller.abort(reason);
      })(),
    ).rejects.toBe(reason);
  });
});

describe('BedrockAdapter non-streaming', () => {
  it('converts test_bedrock_model.yaml end to end, sending the recorded body', async () => {
    reply = { headers: { 'content-type': 'application/json', 'x-amzn-requestid': 'c3d4' }, body: recordedJson('test_bedrock_model.yaml') };
    const result = await createAdapter().createChatCompletion(createCall({ messages: [{ role: 'system', content: 'You are a chatbot.' }, { role: 'user', content: 'Hello!' }] }));
    expect(result.body.id).toBe('chatcmpl-c3d4');
    expect(result.body.choices[0]?.message.content).toMatch(/^Hello! How can I assist you today\?/);
    expect(result.finishReason).toBe('stop');
    expect(result.usage).toEqual(usage(7, 30));
    expect(result.upstream).toEqual({ status: 200, requestId: 'c3d4', model: 'us.amazon.nova-micro-v1:0' });
    expect(seen[0]?.url).toBe('/model/us.amazon.nova-micro-v1%3A0/converse');
    expect(seen[0]?.headers.accept).toBe('application/json');
    expect(seen[0]?.body).toEqual(JSON.parse(readInteraction('test_bedrock_model.yaml').request.body));
  });

  it('reports the cache usage of test_bedrock_cache_write_and_read.yaml, and signs a session token', async () => {
    reply = { body: recordedJson('test_bedrock_cache_write_and_read.yaml', 1) };
    const adapter = createAdapter({ credentials: { ...credentials, sessionToken: 'FwoGZXIvYXdzEXAMPLE' } });
    const result = await adapter.createChatCompletion(createCall({}, 'us.anthropic.claude-sonnet-4-5-20250929-v1:0'));
    expect(result.usage).toEqual({ input: { total: 1324, noCache: 2, cacheRead: 1322, cacheWrite: 0 }, output: { total: 5, text: 5, reasoning: 0 } });
    expect(seen[0]?.url).toBe('/model/us.anthropic.claude-sonnet-4-5-20250929-v1%3A0/converse');
    expect(seen[0]?.headers['x-amz-security-token']).toBe('FwoGZXIvYXdzEXAMPLE');
    expect(seen[0]?.headers.authorization).toContain('x-amz-date;x-amz-security-token, Signature=');
  });

  it('sends the model id as one encoded path segment: foundation models, inference profiles, ARNs', async () => {
    reply = { body: recordedJson('test_bedrock_model.yaml') };
    const models = ['anthropic.claude-3-haiku-20240307-v1:0', 'us.anthropic.claude-3-5-sonnet-20240620-v1:0', 'arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/a1b2c3'];
    for (const model of models) await createAdapter().createChatCompletion(createCall({}, model));
    expect(seen.map((request) => request.url)).toEqual([
      '/model/anthropic.claude-3-haiku-20240307-v1%3A0/converse',
      '/model/us.anthropic.claude-3-5-sonnet-20240620-v1%3A0/converse',
      '/model/arn%3Aaws%3Abedrock%3Aus-east-1%3A123456789012%3Aapplication-inference-profile%2Fa1b2c3/converse',
    ]);
  });

  it('throws upstream_invalid_response for a body in an unexpected shape', async () => {
    reply = { body: JSON.stringify({ output: {} }) };
    await expect(createAdapter().createChatCompletion(createCall({}))).rejects.toMatchObject({ code: 'upstream_invalid_response' });
  });
});

describe('BedrockAdapter errors', () => {
  it('passes the 400 of test_bedrock_error.yaml through (no x-amzn-ErrorType recorded)', async () => {
    reply = { status: 400, headers: { 'content-type': 'application/json' }, body: recordedJson('test_bedrock_error.yaml') };
    const error: unknown = await createAdapter().createChatCompletion(createCall({}, 'us.does-not-exist-model-v1:0')).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(UpstreamError);
    expect(error).toMatchObject({ status: 400, upstreamStatus: 400, type: 'invalid_request_error', isRetryable: false, message: 'bedrock: The provided model identifier is invalid.' });
  });

  it('makes throttling retryable (429 passed through) and a 503 a retryable 502', async () => {
    reply = { status: 429, headers: { 'x-amzn-errortype': 'ThrottlingException' }, body: '{"message":"Too many requests, please wait before trying again."}' };
    await expect(createAdapter().createChatCompletion(createCall({}))).rejects.toMatchObject({ status: 429, type: 'rate_limit_error', publicCode: 'ThrottlingException', isRetryable: true });
    reply = { status: 503, headers: { 'x-amzn-errortype': 'ServiceUnavailableException' }, body: '{"message":"Bedrock is unable to process your request."}' };
    await expect(createAdapter().createChatCompletion(createCall({}))).rejects.toMatchObject({ code: 'upstream_error', status: 502, upstreamStatus: 503, isRetryable: true });
  });

  it('rejects an unconvertible request before calling Bedrock', async () => {
    const call = createCall({ messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'https://example.com/a.png' } }] }] });
    const error: unknown = await createAdapter().createChatCompletion(call).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(GatewayError);
    expect(error).toMatchObject({ code: 'invalid_request', param: 'messages[0].content[0].image_url.url' });
    expect(seen).toHaveLength(0);
  });

  it('names the missing credential', async () => {
    expect(createAdapter({ missing: true }).missingCredential()).toBe('AWS_ACCESS_KEY_ID');
    expect(createAdapter().missingCredential()).toBeNull();
    await expect(createAdapter({ missing: true }).createChatCompletion(createCall({}))).rejects.toMatchObject({ code: 'provider_not_configured' });
  });
});

describe('BedrockAdapter embeddings (Titan Text Embeddings v2)', () => {
  const titan = readInteraction('TestBedrock.test_titan_v2_with_dimensions.yaml');
  const embeddingCall = (request: Record<string, unknown>, upstreamModel = 'amazon.titan-embed-text-v2:0') => ({
    request: embeddingRequestSchema.parse({ model: 'titan', ...request }),
    upstreamModel,
    requestId: 'req-test',
    signal: new AbortController().signal,
  });

  it('sends the recorded request and maps TestBedrock.test_titan_v2_with_dimensions.yaml: 256 floats, 4 tokens', async () => {
    reply = { headers: { 'x-amzn-bedrock-input-token-count': '4' }, body: JSON.stringify(titan.response.parsed_body) };
    const result = await createAdapter().createEmbeddings(embeddingCall({ input: 'Test embedding dimensions', dimensions: 256 }));
    expect(seen[0]?.url).toBe('/model/amazon.titan-embed-text-v2%3A0/invoke');
    expect(seen[0]?.body).toEqual(JSON.parse(titan.request.body));
    const recorded = titan.response.parsed_body as { embedding: number[] };
    expect(result.body).toEqual({ object: 'list', data: [{ object: 'embedding', index: 0, embedding: recorded.embedding }], model: 'amazon.titan-embed-text-v2:0', usage: { prompt_tokens: 4, total_tokens: 4 } });
    expect(recorded.embedding).toHaveLength(256);
    expect(result.usage).toEqual({ input: { total: 4, noCache: 4, cacheRead: 0, cacheWrite: 0 }, output: { total: 0, text: 0, reasoning: 0 } });
    expect(result.warnings).toEqual([]);
  });

  it('makes one call per input, keeps the order, adds the tokens and encodes base64 as OpenAI does', async () => {
    reply = (request) => ({ body: JSON.stringify({ embedding: [String(request.body.inputText).length, 0.5], inputTextTokenCount: 3 }) });
    const inputs = ['a', 'bb', 'ccc', 'dddd', 'eeeee', 'ffffff'];
    const result = await createAdapter().createEmbeddings(embeddingCall({ input: inputs, encoding_format: 'base64' }));
    expect(seen).toHaveLength(6);
    expect(result.body.usage).toEqual({ prompt_tokens: 18, total_tokens: 18 });
    result.body.data.forEach((item, index) => {
      const bytes = Buffer.from(item.embedding as string, 'base64');
      expect(item.index).toBe(index);
      expect([bytes.readFloatLE(0), bytes.readFloatLE(4)]).toEqual([index + 1, 0.5]);
    });
  });

  it('refuses models other than Titan text embeddings, and token arrays', async () => {
    await expect(createAdapter().createEmbeddings(embeddingCall({ input: 'x' }, 'cohere.embed-english-v3'))).rejects.toMatchObject({ code: 'method_not_supported' });
    await expect(createAdapter().createEmbeddings(embeddingCall({ input: [1, 2, 3] }))).rejects.toMatchObject({ code: 'invalid_request' });
    expect(seen).toHaveLength(0);
  });

  it('fails the batch on the first error', async () => {
    reply = (request) =>
      request.body.inputText === 'bad'
        ? { status: 400, headers: { 'x-amzn-errortype': 'ValidationException' }, body: '{"message":"Malformed input request"}' }
        : { body: JSON.stringify({ embedding: [0], inputTextTokenCount: 1 }) };
    await expect(createAdapter().createEmbeddings(embeddingCall({ input: ['ok', 'bad', 'ok'] }))).rejects.toMatchObject({ status: 400, publicCode: 'ValidationException' });
  });
});
