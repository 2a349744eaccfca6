import { chatCompletionRequestSchema, embeddingRequestSchema, type ChatCompletionRequest, type EmbeddingRequest, type NormalizedUsage } from '@arbiter/shared';
import { exportPKCS8, generateKeyPair } from 'jose';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { GoogleAdapter } from '../providers/google/google-adapter.js';
import type { GoogleServiceAccount } from '../providers/google/google-auth.js';
import { HttpClient } from '../providers/shared/http-client.js';
import type { ChatStream } from '../providers/shared/provider-adapter.js';
import { UpstreamError } from '../providers/shared/upstream-error.js';
import type { EmulatorFault } from './emulator-server.js';
import { startGoogleEmulator, type GoogleEmulatorHandle } from './google-emulator.js';

let emulator: GoogleEmulatorHandle;
let http: HttpClient;
let serviceAccount: GoogleServiceAccount;
let foreignKey: string;

beforeAll(async () => {
  const { publicKey, privateKey } = await generateKeyPair('RS256', { extractable: true });
  foreignKey = await exportPKCS8((await generateKeyPair('RS256', { extractable: true })).privateKey);
  emulator = await startGoogleEmulator({ apiKey: 'gemini-test-key', serviceAccountPublicKey: publicKey });
  serviceAccount = {
    client_email: 'gateway@my-project.iam.gserviceaccount.com',
    private_key: await exportPKCS8(privateKey),
    private_key_id: 'key-1',
    token_uri: emulator.tokenUrl,
    project_id: 'my-project',
  };
  http = new HttpClient(8);
});
afterAll(async () => {
  await http.close();
  await emulator.close();
});
beforeEach(() => {
  emulator.requests.length = 0;
});
afterEach(() => emulator.setFault(null));

const gemini = (apiKey = 'gemini-test-key') => new GoogleAdapter({ id: 'gemini', kind: 'gemini', apiKey, baseUrl: emulator.url, timeoutMs: 5_000, http });
const vertex = (account: Partial<GoogleServiceAccount> = {}) =>
  new GoogleAdapter({ id: 'vertex', kind: 'vertex', serviceAccount: { ...serviceAccount, ...account }, location: 'us-central1', baseUrl: emulator.url, timeoutMs: 5_000, http });

const chat = (request: Partial<ChatCompletionRequest> = {}, upstreamModel = 'gemini-2.5-flash') => ({
  request: chatCompletionRequestSchema.parse({ model: 'gemini', messages: [{ role: 'user', content: 'Hello!' }], ...request }),
  upstreamModel,
  requestId: 'req-test',
  signal: new AbortController().signal,
});
const embed = (request: Partial<EmbeddingRequest>, upstreamModel: string) => ({
  request: embeddingRequestSchema.parse({ model: 'embed', input: 'Hello, world!', ...request }),
  upstreamModel,
  requestId: 'req-test',
  signal: new AbortController().signal,
});
const tools = [{ type: 'function' as const, function: { name: 'weather', parameters: { type: 'object', properties: { location: { type: 'string' } } } } }];

async function collect(stream: ChatStream) {
  let text = '';
  const calls: { name?: string; arguments: string }[] = [];
  const usage: NormalizedUsage[] = [];
  for await (const part of stream) {
    if (part.type === 'usage') {
      usage.push(part.usage);
      continue;
    }
    const delta = part.chunk.choices[0]?.delta;
    text += delta?.content ?? '';
    for (const call of delta?.tool_calls ?? []) {
      const entry = (calls[call.index] ??= { arguments: '' });
      entry.name ??= call.function?.name;
      entry.arguments += call.function?.arguments ?? '';
    }
  }
  return { text, calls, usage };
}

const usage = (input: number, text: number, reasoning: number): NormalizedUsage => ({
  input: { total: input, noCache: input, cacheRead: 0, cacheWrite: 0 },
  output: { total: text + reasoning, text, reasoning },
});

describe('Google emulator: Gemini API through the adapter', () => {
  it('answers generateContent with the recorded text, tool call or thinking response', async () => {
    const text = await gemini().createChatCompletion(chat());
    expect(text.body.choices[0]?.message.content).toBe('Hello! How can I help you today?');
    expect(text.usage).toEqual(usage(9, 9, 34));
    expect(emulator.requests[0]).toMatchObject({ method: 'POST', path: '/v1beta/models/gemini-2.5-flash:generateContent', headers: { 'x-goog-api-key': 'gemini-test-key' } });

    const tool = await gemini().createChatCompletion(chat({ tools }));
    expect(tool.body.choices[0]?.message.tool_calls?.[0]?.function).toEqual({ name: 'weather', arguments: '{"location":"San Francisco"}' });
    expect(tool.usage).toEqual(usage(29, 15, 893));

    const thinking = await gemini().createChatCompletion(chat({ reasoning_effort: 'high' }, 'gemini-3-pro-preview'));
    expect(thinking.usage).toEqual(usage(9, 28, 244));
  });

  it('streams the recorded SSE with CRLF framing', async () => {
    const result = await collect(await gemini().streamChatCompletion(chat({ stream: true })));
    expect(result.text).toBe('The capital of France is Paris.\n');
    expect(result.usage).toEqual([usage(13, 8, 0)]);
    expect(emulator.requests[0]?.query).toBe('?alt=sse');

    const raw = await fetch(`${emulator.url}/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse`, {
      method: 'POST',
      headers: { 'x-goog-api-key': 'gemini-test-key', 'content-type': 'application/json' },
      body: JSON.stringify({ contents: [{ role: 'user', parts: [{ text: 'Hi' }] }] }),
    });
    expect(raw.headers.get('content-type')).toBe('text/event-stream');
    expect(await raw.text()).toMatch(/^data: \{"candidates": .*\r\n\r\ndata: /s);

    const tool = await collect(await gemini().streamChatCompletion(chat({ stream: true, tools })));
    expect(tool.calls).toEqual([{ name: 'weather', arguments: '{"location":"San Francisco"}' }]);
    expect(tool.usage).toEqual([usage(29, 15, 45)]);
  });

  it('embeds through batchEmbedContents at the requested size', async () => {
    const result = await gemini().createEmbeddings(embed({ input: ['a', 'b', 'c'], dimensions: 256 }, 'gemini-embedding-001'));
    expect(result.body.data.map((item) => (item.embedding as number[]).length)).toEqual([256, 256, 256]);
    expect(result.usage).toBeNull();
  });

  it('rejects a wrong key with API_KEY_INVALID and a missing one with PERMISSION_DENIED', async () => {
    await expect(gemini('wrong').createChatCompletion(chat())).rejects.toMatchObject({ status: 400, publicCode: 'API_KEY_INVALID', isRetryable: false });
    const response = await fetch(`${emulator.url}/v1beta/models/gemini-2.5-flash:generateContent`, { method: 'POST', body: '{}' });
    expect(response.status).toBe(403);
    expect(await response.json()).toMatchObject({ error: { code: 403, status: 'PERMISSION_DENIED' } });
  });

  it('answers an unknown model with the recorded 404', async () => {
    const error: unknown = await gemini().createChatCompletion(chat({}, 'nonexistent-model')).catch((caught: unknown) => caught);
    expect(error).toMatchObject({
      status: 404,
      publicCode: 'NOT_FOUND',
      message: 'gemini: models/nonexistent-model is not found for API version v1beta, or is not supported for generateContent. Call ListModels to see the list of available models and their supported methods.',
    });
  });
});

describe('Google emulator: Vertex AI through the adapter', () => {
  it('gets one access token for several requests, concurrent ones included', async () => {
    const adapter = vertex();
    const results = await Promise.all(Array.from({ length: 4 }, () => adapter.createChatCompletion(chat({}, 'gemini-2.0-flash'))));
    await adapter.createChatCompletion(chat({}, 'gemini-2.0-flash'));
    expect(results[0]?.body.choices[0]?.message.content).toBe('The capital of France is Paris.\n');
    expect(results[0]?.usage).toEqual(usage(13, 8, 0));
    expect(emulator.requests.filter((request) => request.path === '/token')).toHaveLength(1);
    const generate = emulator.requests.find((request) => request.path !== '/token');
    expect(generate?.path).toBe('/v1/projects/my-project/locations/us-central1/publishers/google/models/gemini-2.0-flash:generateContent');
    expect(generate?.headers.authorization).toMatch(/^Bearer ya29\.c\.emulator-/);
  });

  it('streams the flex recording and the nested streamed tool-call arguments', async () => {
    const text = await collect(await vertex().streamChatCompletion(chat({ stream: true }, 'gemini-3-flash-preview')));
    expect(text.text).toBe('OK');
    expect(text.usage).toEqual([usage(5, 1, 100)]);
    const tool = await collect(await vertex().streamChatCompletion(chat({ stream: true, tools }, 'gemini-3.1-pro-preview')));
    expect(tool.calls[0]?.name).toBe('cookRecipe');
    expect(JSON.parse(tool.calls[0]?.arguments ?? '')).toMatchObject({ recipe: { name: 'Lasagna' } });
    expect(tool.usage).toEqual([usage(31, 684, 1026)]);
  });

  it('embeds through :predict with the recorded token counts', async () => {
    const result = await vertex().createEmbeddings(embed({ input: ['first text', 'second text'] }, 'text-embedding-005'));
    expect(result.body.data).toHaveLength(2);
    expect(result.usage?.input.total).toBe(11);
  });

  it('refuses an assertion signed with another key, and requests without a valid token', async () => {
    const error: unknown = await vertex({ private_key: foreignKey }).createChatCompletion(chat()).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(UpstreamError);
    expect(error).toMatchObject({ status: 401, type: 'authentication_error', publicCode: 'invalid_grant', isRetryable: false });
    expect(emulator.requests.map((request) => request.path)).toEqual(['/token']);

    const path = '/v1/projects/p/locations/global/publishers/google/models/gemini-2.0-flash:generateContent';
    const attempts: Record<string, string>[] = [{}, { authorization: 'Bearer ya29.made-up' }];
    for (const headers of attempts) {
      const response = await fetch(`${emulator.url}${path}`, { method: 'POST', headers, body: '{}' });
      expect(response.status).toBe(401);
      expect(await response.json()).toMatchObject({ error: { code: 401, status: 'UNAUTHENTICATED' } });
    }
  });

  it('answers an unknown model with a 404', async () => {
    await expect(vertex().createChatCompletion(chat({}, 'does-not-exist'))).rejects.toMatchObject({
      status: 404,
      message: expect.stringContaining('Publisher Model `projects/my-project/locations/us-central1/publishers/google/models/does-not-exist` was not found'),
    });
  });
});

describe('Google emulator: faults', () => {
  it('puts a 429 fault’s retryAfter into RetryInfo, where the adapter finds it', async () => {
    emulator.setFault({ kind: 'status', status: 429, retryAfter: 7 });
    await expect(gemini().createChatCompletion(chat())).rejects.toMatchObject({ status: 429, retryAfterSeconds: 7, isRetryable: true, publicCode: 'RESOURCE_EXHAUSTED' });
  });

  it('makes cut and malformed streams retryable upstream failures', async () => {
    const faults: EmulatorFault[] = [{ kind: 'cut-stream', afterEvents: 1 }, { kind: 'malformed' }];
    for (const fault of faults) {
      emulator.setFault(fault);
      const stream = await gemini().streamChatCompletion(chat({ stream: true }));
      const error: unknown = await collect(stream).then(() => null, (caught: unknown) => caught);
      expect(error).toBeInstanceOf(UpstreamError);
      expect(error).toMatchObject({ isRetryable: true });
    }
  });
});
