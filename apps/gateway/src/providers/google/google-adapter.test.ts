import { readFileSync } from 'node:fs';
import { GatewayError, chatCompletionRequestSchema, embeddingRequestSchema, type ChatCompletionRequest, type EmbeddingRequest } from '@arbiter/shared';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { exportPKCS8, generateKeyPair } from 'jose';
import { parse } from 'yaml';
import type { HttpClient } from '../shared/http-client.js';
import { serveRecording, type RecordingServer, type Reply, type SeenRequest } from '../shared/test-support/serve-recording.js';
import { UpstreamError } from '../shared/upstream-error.js';
import { GoogleAdapter, defaultOrigin, type GoogleAdapterOptions } from './google-adapter.js';

const fixtures = new URL('../../../fixtures/providers/', import.meta.url);
const readFixture = (path: string): string => readFileSync(new URL(path, fixtures), 'utf8');

interface Cassette {
  interactions: { request: { parsed_body: Record<string, unknown> }; response: { status: { code: number }; parsed_body?: unknown } }[];
}
const readInteraction = (path: string, turn = 0) => (parse(readFixture(path)) as Cassette).interactions[turn];

let upstream: RecordingServer;
let http: HttpClient;
let baseUrl: string;
let reply: Reply = { body: '' };
const seen: SeenRequest[] = [];
let tokenRequests = 0;
let privateKey = '';

beforeAll(async () => {
  privateKey = await exportPKCS8((await generateKeyPair('RS256', { extractable: true })).privateKey);
  upstream = await serveRecording({
    reply: () => reply,
    headers: () => ({ 'content-type': 'application/json; charset=UTF-8' }),
    // Vertex's token endpoint, answering without checking the assertion (google-auth.test.ts checks it).
    answerAside: (request) => {
      if (request.url !== '/token') return undefined;
      tokenRequests += 1;
      return { headers: { 'content-type': 'application/json' }, body: JSON.stringify({ access_token: 'ya29.adapter-test', expires_in: 3599 }) };
    },
    seen,
  });
  baseUrl = `${upstream.url}/`;
  http = upstream.http;
});

afterAll(() => upstream.close());

beforeEach(() => {
  seen.length = 0;
  tokenRequests = 0;
});

function createAdapter(options: Partial<GoogleAdapterOptions> = {}): GoogleAdapter {
  return new GoogleAdapter({ id: 'gemini', kind: 'gemini', apiKey: 'test-key', baseUrl, timeoutMs: 5_000, http, ...options });
}

function createVertexAdapter(location: string): GoogleAdapter {
  const serviceAccount = { client_email: 'sa@my-project.iam.gserviceaccount.com', private_key: privateKey, token_uri: `${baseUrl}token`, project_id: 'my-project' };
  return new GoogleAdapter({ id: 'vertex', kind: 'vertex', serviceAccount, location, baseUrl, timeoutMs: 5_000, http });
}

const context = { upstreamModel: 'gemini-2.5-flash', requestId: 'req-test', signal: new AbortController().signal };
const createCall = (request: Partial<ChatCompletionRequest> = {}) => ({
  ...context,
  request: chatCompletionRequestSchema.parse({ model: 'gemini', messages: [{ role: 'user', content: 'Hello!' }], ...request }),
});
const createEmbeddingCall = (request: Partial<EmbeddingRequest>, upstreamModel: string) => ({
  ...context,
  upstreamModel,
  request: embeddingRequestSchema.parse({ model: 'embed', input: 'Hello, world!', ...request }),
});

/** Answers from a recording: the status and body pydantic-ai recorded. */
function replyWith(path: string, turn = 0): void {
  const interaction = readInteraction(path, turn);
  reply = { status: interaction?.response.status.code ?? 200, body: JSON.stringify(interaction?.response.parsed_body) };
}

describe('GoogleAdapter chat completions', () => {
  it('converts test_google_model.yaml end to end, with the key in x-goog-api-key', async () => {
    replyWith('gemini/test_google_model.yaml');
    const call = createCall({ messages: [{ role: 'system', content: 'You are a chatbot.' }, { role: 'user', content: 'Hello!' }], user: 'u1' });
    const result = await createAdapter().createChatCompletion(call);
    expect(result.body.choices[0]?.message.content).toBe('Hello! How can I help you today?');
    expect(result.finishReason).toBe('stop');
    expect(result.usage).toEqual({ input: { total: 9, noCache: 9, cacheRead: 0, cacheWrite: 0 }, output: { total: 43, text: 9, reasoning: 34 } });
    expect(result.warnings).toEqual(['user is not supported by Google and was not sent']);
    expect(result.upstream).toEqual({ status: 200, requestId: 'bzlXaa_EE_aHqtsPi_zw8Ao', model: 'gemini-2.5-flash' });
    expect(seen[0]?.url).toBe('/v1beta/models/gemini-2.5-flash:generateContent');
    expect(seen[0]?.headers).toMatchObject({ 'x-goog-api-key': 'test-key', accept: 'application/json', 'content-type': 'application/json' });
    expect(seen[0]?.headers).not.toHaveProperty('authorization');
  });

  it('throws upstream_invalid_response for a body in an unexpected shape', async () => {
    reply = { body: JSON.stringify({ candidates: 'none' }) };
    await expect(createAdapter().createChatCompletion(createCall())).rejects.toMatchObject({ code: 'upstream_invalid_response' });
  });
});

describe('GoogleAdapter errors', () => {
  it('takes retry-after from RetryInfo of a 429 RESOURCE_EXHAUSTED (google-429-retry-info.json)', async () => {
    reply = { status: 429, body: readFixture('gemini/google-429-retry-info.json') };
    const error: unknown = await createAdapter().createChatCompletion(createCall()).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(UpstreamError);
    expect(error).toMatchObject({
      status: 429,
      upstreamStatus: 429,
      type: 'rate_limit_error',
      publicCode: 'RESOURCE_EXHAUSTED',
      retryAfterSeconds: 35,
      headers: { 'retry-after': '35' },
      isRetryable: true,
      message: 'gemini: You exceeded your current quota, please check your plan.',
    });
    reply = { status: 429, headers: { 'retry-after': '3' }, body: readFixture('gemini/google-429-retry-info.json') };
    await expect(createAdapter().createChatCompletion(createCall())).rejects.toMatchObject({ retryAfterSeconds: 3 });
  });

  it('passes a 404 NOT_FOUND through (TestGoogle.test_count_tokens_error.yaml)', async () => {
    replyWith('gemini/TestGoogle.test_count_tokens_error.yaml');
    await expect(createAdapter().createChatCompletion({ ...createCall(), upstreamModel: 'nonexistent-model' })).rejects.toMatchObject({
      status: 404,
      type: 'invalid_request_error',
      publicCode: 'NOT_FOUND',
      isRetryable: false,
      message: expect.stringMatching(/^gemini: models\/nonexistent-model is not found for API version v1beta/),
    });
  });

  it('passes an embeddings 404 through (TestGoogle.test_embed_error.yaml)', async () => {
    replyWith('gemini/TestGoogle.test_embed_error.yaml');
    await expect(createAdapter().createEmbeddings(createEmbeddingCall({}, 'nonexistent-model'))).rejects.toMatchObject({
      status: 404,
      publicCode: 'NOT_FOUND',
      message: expect.stringMatching(/is not supported for embedContent/),
    });
    expect(seen[0]?.url).toBe('/v1beta/models/nonexistent-model:batchEmbedContents');
  });

  it('passes a Vertex 400 INVALID_ARGUMENT through (test_model_sees_multiple_images[google_vertex].yaml, turn 2)', async () => {
    replyWith('vertex/test_model_sees_multiple_images[google_vertex].yaml', 1);
    await expect(createAdapter().createChatCompletion(createCall())).rejects.toMatchObject({
      status: 400,
      publicCode: 'INVALID_ARGUMENT',
      isRetryable: false,
      message: expect.stringContaining('Cannot fetch content from the provided URL'),
    });
  });

  it('passes the ErrorInfo reason as the code and makes 5xx retryable 502s', async () => {
    reply = {
      status: 400,
      body: JSON.stringify({
        error: {
          code: 400,
          message: 'API key not valid. Please pass a valid API key.',
          status: 'INVALID_ARGUMENT',
          details: [{ '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: 'API_KEY_INVALID', domain: 'googleapis.com' }],
        },
      }),
    };
    await expect(createAdapter().createChatCompletion(createCall())).rejects.toMatchObject({ status: 400, publicCode: 'API_KEY_INVALID' });
    reply = { status: 503, body: JSON.stringify({ error: { code: 503, message: 'The model is overloaded.', status: 'UNAVAILABLE' } }) };
    await expect(createAdapter().createChatCompletion(createCall())).rejects.toMatchObject({ status: 502, upstreamStatus: 503, isRetryable: true });
    reply = { status: 502, body: '<html>Bad Gateway</html>' };
    await expect(createAdapter().createChatCompletion(createCall())).rejects.toMatchObject({ message: 'gemini: <html>Bad Gateway</html>' });
  });

  it('names the missing credential and refuses to call without it', async () => {
    expect(createAdapter({ apiKey: undefined }).missingCredential()).toBe('GOOGLE_API_KEY');
    expect(createAdapter().missingCredential()).toBeNull();
    const account = { client_email: 'sa@p.iam.gserviceaccount.com', private_key: 'unused', token_uri: 'http://127.0.0.1:1/token' };
    expect(createAdapter({ kind: 'vertex', apiKey: undefined }).missingCredential()).toBe('GOOGLE_APPLICATION_CREDENTIALS');
    expect(createAdapter({ kind: 'vertex', serviceAccount: account }).missingCredential()).toBe('GOOGLE_CLOUD_PROJECT');
    expect(createAdapter({ kind: 'vertex', serviceAccount: { ...account, project_id: 'p' } }).missingCredential()).toBeNull();
    expect(createAdapter({ kind: 'vertex', serviceAccount: account, project: 'p' }).missingCredential()).toBeNull();
    const error: unknown = await createAdapter({ apiKey: undefined }).createChatCompletion(createCall()).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(GatewayError);
    expect(error).toMatchObject({ code: 'provider_not_configured' });
    expect(seen).toHaveLength(0);
  });
});

describe('GoogleAdapter embeddings', () => {
  it('embeds through batchEmbedContents (TestGoogle.test_query_with_dimensions.yaml)', async () => {
    const interaction = readInteraction('gemini/TestGoogle.test_query_with_dimensions.yaml');
    replyWith('gemini/TestGoogle.test_query_with_dimensions.yaml');
    const result = await createAdapter().createEmbeddings(createEmbeddingCall({ dimensions: 768 }, 'gemini-embedding-2-preview'));
    const recorded = interaction?.request.parsed_body as { requests: Record<string, unknown>[] };
    // pydantic-ai adds its own taskType; OpenAI's API has no such parameter.
    expect(seen[0]?.body).toEqual({ requests: recorded.requests.map(({ taskType: _taskType, ...rest }) => rest) });
    expect(seen[0]?.url).toBe('/v1beta/models/gemini-embedding-2-preview:batchEmbedContents');
    expect(result.body.data).toHaveLength(1);
    expect(result.body.data[0]?.embedding).toHaveLength(768);
    expect((result.body.data[0]?.embedding as number[]).slice(0, 2)).toEqual([-0.039718185, 0.0070917504]);
    expect(result.body).toMatchObject({ object: 'list', model: 'gemini-embedding-2-preview', usage: { prompt_tokens: 0, total_tokens: 0 } });
    // The Gemini API reports no token counts: the gateway estimates them.
    expect(result.usage).toBeNull();
  });

  it('embeds through Vertex :predict with token counts (google-vertex-embedding.json), base64 when asked', async () => {
    reply = { body: readFixture('vertex/google-vertex-embedding.json') };
    const call = createEmbeddingCall({ input: ['first text', 'second text'], dimensions: 5, encoding_format: 'base64' }, 'text-embedding-005');
    const result = await createVertexAdapter('us-central1').createEmbeddings(call);
    expect(seen[0]?.url).toBe('/v1/projects/my-project/locations/us-central1/publishers/google/models/text-embedding-005:predict');
    expect(seen[0]?.headers.authorization).toBe('Bearer ya29.adapter-test');
    expect(seen[0]?.body).toEqual({ instances: [{ content: 'first text' }, { content: 'second text' }], parameters: { outputDimensionality: 5 } });
    const first = Buffer.from(result.body.data[0]?.embedding as string, 'base64');
    expect(first.readFloatLE(0)).toBeCloseTo(-0.017999587580561638, 6);
    expect(first).toHaveLength(20);
    expect(result.body.usage).toEqual({ prompt_tokens: 11, total_tokens: 11 });
    expect(result.usage).toEqual({ input: { total: 11, noCache: 11, cacheRead: 0, cacheWrite: 0 }, output: { total: 0, text: 0, reasoning: 0 } });
  });

  it('throws upstream_invalid_response when Google returns fewer embeddings than inputs', async () => {
    reply = { body: JSON.stringify({ embeddings: [] }) };
    await expect(createAdapter().createEmbeddings(createEmbeddingCall({}, 'm'))).rejects.toMatchObject({ code: 'upstream_invalid_response' });
  });

  it('rejects token-id inputs before calling Google', async () => {
    const error: unknown = await createAdapter().createEmbeddings(createEmbeddingCall({ input: [[1, 2, 3]] }, 'm')).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: 'invalid_request', param: 'input' });
    expect(seen).toHaveLength(0);
  });
});

describe('GoogleAdapter URLs', () => {
  it('uses the Vertex AI project, location and bearer token; the regional host by default', async () => {
    replyWith('vertex/test_google_model_vertex_provider.yaml');
    const result = await createVertexAdapter('europe-west4').createChatCompletion({ ...createCall(), upstreamModel: 'gemini-2.0-flash' });
    expect(result.body.choices[0]?.message.content).toBe('The capital of France is Paris.\n');
    expect(seen[0]?.url).toBe('/v1/projects/my-project/locations/europe-west4/publishers/google/models/gemini-2.0-flash:generateContent');
    expect(seen[0]?.headers).not.toHaveProperty('x-goog-api-key');
    expect(defaultOrigin('vertex', 'europe-west4')).toBe('https://europe-west4-aiplatform.googleapis.com');
    expect(defaultOrigin('vertex', 'global')).toBe('https://aiplatform.googleapis.com');
    expect(defaultOrigin('gemini', 'global')).toBe('https://generativelanguage.googleapis.com');
  });

  it('drops a token Google rejects with 401, so that the next request gets a new one', async () => {
    const adapter = createVertexAdapter('global');
    reply = { status: 401, body: JSON.stringify({ error: { code: 401, message: 'Request had invalid authentication credentials.', status: 'UNAUTHENTICATED' } }) };
    await expect(adapter.createChatCompletion(createCall())).rejects.toMatchObject({ status: 401, type: 'authentication_error', isRetryable: false });
    replyWith('vertex/test_google_model_vertex_provider.yaml');
    await adapter.createChatCompletion(createCall());
    expect(tokenRequests).toBe(2);
  });
});
