import { chatCompletionRequestSchema, type ChatCompletionRequest } from '@arbiter/shared';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadAzureFixtures } from '../../emulators/azure-emulator-fixtures.js';
import {
  azureCompletionFilterMarker,
  azurePromptFilterMarker,
  startAzureEmulator,
  type AzureEmulatorHandle,
} from '../../emulators/azure-emulator.js';
import { HttpClient } from '../shared/http-client.js';
import type { ChatStream, ChatStreamPart } from '../shared/provider-adapter.js';
import { UpstreamError } from '../shared/upstream-error.js';
import { AzureAdapter, type AzureAdapterOptions } from './azure-adapter.js';

const fixtures = loadAzureFixtures();

let emulator: AzureEmulatorHandle;
let http: HttpClient;

beforeAll(async () => {
  emulator = await startAzureEmulator({ unrecognizedParameters: ['legacy_parameter'] });
  http = new HttpClient(4);
});
afterAll(async () => {
  await http.close();
  await emulator.close();
});
afterEach(() => {
  emulator.requests.length = 0;
  emulator.setFault(null);
});

function createAdapter(options: Partial<AzureAdapterOptions> = { apiKey: 'azure-emulator-key' }): AzureAdapter {
  return new AzureAdapter({ id: 'azure', endpoint: `${emulator.url}/`, timeoutMs: 5_000, http, ...options });
}

function createCall(request: Partial<ChatCompletionRequest> = {}, upstreamModel = 'gpt-4o') {
  const content = 'What is the capital of France?';
  return {
    request: chatCompletionRequestSchema.parse({ model: 'azure/gpt-4o', messages: [{ role: 'user', content }], ...request }),
    upstreamModel,
    requestId: 'req-test',
    signal: new AbortController().signal,
  };
}

async function collect(stream: ChatStream): Promise<ChatStreamPart[]> {
  const parts: ChatStreamPart[] = [];
  for await (const part of stream) parts.push(part);
  return parts;
}

const textOf = (parts: readonly ChatStreamPart[]) =>
  parts.map((part) => (part.type === 'chunk' ? (part.chunk.choices[0]?.delta.content ?? '') : '')).join('');

const lastRequest = () => {
  const request = emulator.requests.at(-1);
  if (request === undefined) throw new Error('the emulator saw no request');
  return request;
};

describe('AzureAdapter: URL and credentials', () => {
  it('posts to the deployment URL with api-version and the api-key header', async () => {
    const adapter = createAdapter({ apiKey: 'azure-emulator-key', apiVersion: '2024-12-01-preview' });
    expect(adapter.kind).toBe('azure');
    expect(adapter.buildUrl('my deployment', 'chat/completions').href).toBe(
      `${emulator.url}/openai/deployments/my%20deployment/chat/completions?api-version=2024-12-01-preview`,
    );
    await adapter.createChatCompletion(createCall());
    const request = lastRequest();
    expect(request.path).toBe('/openai/deployments/gpt-4o/chat/completions');
    expect(request.query).toBe('?api-version=2024-12-01-preview');
    expect(request.headers['api-key']).toBe('azure-emulator-key');
    expect(request.headers.authorization).toBeUndefined();
  });

  it('defaults to api-version 2024-10-21', async () => {
    await createAdapter().createChatCompletion(createCall());
    expect(lastRequest().query).toBe('?api-version=2024-10-21');
  });

  it('sends a static Entra ID token as a bearer token', async () => {
    await createAdapter({ adToken: 'azure-emulator-token' }).createChatCompletion(createCall());
    expect(lastRequest().headers.authorization).toBe('Bearer azure-emulator-token');
    expect(lastRequest().headers['api-key']).toBeUndefined();
  });

  it('asks a token provider before every request', async () => {
    let calls = 0;
    const adTokenProvider = () => {
      calls += 1;
      return Promise.resolve('azure-emulator-token');
    };
    const adapter = createAdapter({ adTokenProvider });
    await adapter.createChatCompletion(createCall());
    await adapter.createChatCompletion(createCall());
    expect(calls).toBe(2);
    expect(lastRequest().headers.authorization).toBe('Bearer azure-emulator-token');
  });

  it('names AZURE_OPENAI_API_KEY when neither a key nor a token is configured', () => {
    expect(createAdapter({}).missingCredential()).toBe('AZURE_OPENAI_API_KEY');
    expect(createAdapter({ adToken: 't' }).missingCredential()).toBeNull();
    expect(createAdapter({ apiKey: 'k' }).missingCredential()).toBeNull();
  });

  it('passes a rejected key through as a 401 that is not retried', async () => {
    const error = await createAdapter({ apiKey: 'wrong' }).createChatCompletion(createCall()).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(UpstreamError);
    expect(error).toMatchObject({ status: 401, isRetryable: false, publicCode: '401' });
  });
});

describe('AzureAdapter: recorded responses', () => {
  it('returns the recorded completion with its filter results and exact usage (test_azure_provider_call.yaml)', async () => {
    const result = await createAdapter().createChatCompletion(createCall());
    expect(result.body.choices[0]?.message.content).toBe('The capital of France is **Paris**.');
    expect(result.body).toHaveProperty('prompt_filter_results');
    expect(result.body.choices[0]).toHaveProperty('content_filter_results.hate', { filtered: false, severity: 'safe' });
    expect(result.rawBody).toContain('"content_filter_results"');
    expect(result.usage).toEqual({
      input: { total: 14, noCache: 14, cacheRead: 0, cacheWrite: 0 },
      output: { total: 9, text: 9, reasoning: 0 },
    });
    expect(result.finishReason).toBe('stop');
    expect(result.warnings).toEqual([]);
    expect(result.upstream).toMatchObject({ status: 200, model: 'gpt-4o-2024-11-20' });
    expect(result.upstream.requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(lastRequest().body).toMatchObject({ model: 'gpt-4o' });
  });

  it('streams the model-router recording: empty first event skipped, text and usage exact', async () => {
    const stream = await createAdapter().streamChatCompletion(createCall({}, 'model-router'));
    const parts = await collect(stream);
    expect(lastRequest().body).toMatchObject({ stream: true, stream_options: { include_usage: true } });
    expect(textOf(parts)).toBe(fixtures.stream.text);
    expect(textOf(parts)).toBe('Capital of Denmark.');
    const chunks = parts.flatMap((part) => (part.type === 'chunk' ? [part.chunk] : []));
    expect(chunks.every((chunk) => chunk.id === 'chatcmpl-CYPS1lijGoK8gd9lYzY3r9Sx50nbt')).toBe(true);
    expect(chunks.at(-1)?.choices[0]?.finish_reason).toBe('stop');
    expect(chunks[1]).toHaveProperty('choices.0.content_filter_results.violence');
    const usage = parts.filter((part) => part.type === 'usage');
    expect(usage).toHaveLength(1);
    expect(parts.at(-1)).toEqual({
      type: 'usage',
      usage: { input: { total: 15, noCache: 15, cacheRead: 0, cacheWrite: 0 }, output: { total: 78, text: 14, reasoning: 64 } },
      wire: fixtures.stream.usage,
    });
  });

  it('uses max_completion_tokens like OpenAI on current API versions', async () => {
    await createAdapter().createChatCompletion(createCall({ max_tokens: 50 }));
    expect(lastRequest().body).toMatchObject({ max_completion_tokens: 50 });
    expect(lastRequest().body).not.toHaveProperty('max_tokens');
  });

  it('sends max_tokens and no stream_options under an API version that predates them', async () => {
    const adapter = createAdapter({ apiKey: 'azure-emulator-key', apiVersion: '2024-06-01' });
    const parts = await collect(await adapter.streamChatCompletion(createCall({ max_completion_tokens: 50 }, 'model-router')));
    expect(lastRequest().body).toMatchObject({ max_tokens: 50 });
    expect(lastRequest().body).not.toHaveProperty('stream_options');
    expect(textOf(parts)).toBe(fixtures.stream.text);
    expect(parts.some((part) => part.type === 'usage')).toBe(false);
  });

  it('drops a parameter the deployment rejects as unrecognized, and remembers it', async () => {
    const adapter = createAdapter();
    const call = createCall({ legacy_parameter: true } as Partial<ChatCompletionRequest>);
    // Not a downgradable parameter: the 400 passes through unchanged.
    await expect(adapter.createChatCompletion(call)).rejects.toMatchObject({ status: 400 });

    const old = await startAzureEmulator({ unrecognizedParameters: ['stream_options'] });
    try {
      const oldAdapter = new AzureAdapter({ id: 'azure', endpoint: old.url, apiKey: 'azure-emulator-key', timeoutMs: 5_000, http });
      const parts = await collect(await oldAdapter.streamChatCompletion(createCall({}, 'model-router')));
      expect(textOf(parts)).toBe(fixtures.stream.text);
      expect(old.requests.map((request) => request.body)).toMatchObject([{ stream_options: {} }, { stream: true }]);
      expect(old.requests[1]?.body).not.toHaveProperty('stream_options');
      await collect(await oldAdapter.streamChatCompletion(createCall({}, 'model-router')));
      expect(old.requests).toHaveLength(3);
      expect(old.requests[2]?.body).not.toHaveProperty('stream_options');
    } finally {
      await old.close();
    }
  });

  it('creates embeddings on an embeddings deployment', async () => {
    const result = await createAdapter().createEmbeddings({
      request: { model: 'azure/text-embedding-3-small', input: ['a', 'b'] },
      upstreamModel: 'text-embedding-3-small',
      requestId: 'req-test',
      signal: new AbortController().signal,
    });
    expect(lastRequest().path).toBe('/openai/deployments/text-embedding-3-small/embeddings');
    expect(result.body.data).toHaveLength(2);
    expect(result.usage?.input.total).toBe(result.body.usage.prompt_tokens);
  });
});

describe('AzureAdapter: content filter', () => {
  const filteredPrompt = { messages: [{ role: 'user' as const, content: `say it ${azurePromptFilterMarker}` }] };
  const filteredCompletion = { messages: [{ role: 'user' as const, content: `say it ${azureCompletionFilterMarker}` }] };

  it('passes the 400 content_filter rejection through, naming the categories', async () => {
    const error = await createAdapter().createChatCompletion(createCall(filteredPrompt)).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(UpstreamError);
    expect(error).toMatchObject({
      status: 400,
      publicCode: 'content_filter',
      type: 'invalid_request_error',
      param: 'prompt',
      isRetryable: false,
    });
    expect((error as UpstreamError).message).toMatch(/^azure: The response was filtered .*\(content filter: violence \(medium\)\)$/);
  });

  it('rejects a filtered streaming prompt before the stream starts', async () => {
    const error = await createAdapter().streamChatCompletion(createCall(filteredPrompt)).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ status: 400, publicCode: 'content_filter' });
  });

  it('reports a completion stopped by the filter as finish reason content_filter with a warning', async () => {
    const result = await createAdapter().createChatCompletion(createCall(filteredCompletion));
    expect(result.finishReason).toBe('content_filter');
    expect(result.body.choices[0]?.message.content).toBeNull();
    expect(result.body.choices[0]).toHaveProperty('content_filter_results.violence', { filtered: true, severity: 'medium' });
    // The upstream body lacked `content`: the completed body is sent instead of the raw bytes.
    expect(result.rawBody).toBeUndefined();
    expect(result.warnings).toEqual(['content filter triggered on choice 0: violence (medium)']);
    expect(result.usage?.output.total).toBe(9);
  });

  it('ends a filtered stream with a content_filter finish chunk', async () => {
    const parts = await collect(await createAdapter().streamChatCompletion(createCall(filteredCompletion, 'model-router')));
    expect(textOf(parts)).toBe('Capital of');
    const chunks = parts.flatMap((part) => (part.type === 'chunk' ? [part.chunk] : []));
    expect(chunks.at(-1)?.choices[0]?.finish_reason).toBe('content_filter');
  });
});

describe('AzureAdapter: failures', () => {
  it('marks upstream 429s retryable and keeps retry-after', async () => {
    emulator.setFault({ kind: 'status', status: 429, retryAfter: 2 });
    const error = await createAdapter().createChatCompletion(createCall()).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ status: 429, isRetryable: true, retryAfterSeconds: 2 });
  });

  it('ends a stream cut before [DONE] with a retryable error', async () => {
    emulator.setFault({ kind: 'cut-stream', afterEvents: 3 });
    const stream = await createAdapter().streamChatCompletion(createCall({}, 'model-router'));
    const error = await collect(stream).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(UpstreamError);
    expect(error).toMatchObject({ isRetryable: true });
  });

  it('rejects a malformed stream event as an invalid upstream response', async () => {
    emulator.setFault({ kind: 'malformed' });
    const stream = await createAdapter().streamChatCompletion(createCall({}, 'model-router'));
    await expect(collect(stream)).rejects.toMatchObject({ code: 'upstream_invalid_response', isRetryable: true });
  });

  it('turns a failing token provider into a retryable upstream error', async () => {
    const adapter = createAdapter({ adTokenProvider: () => Promise.reject(new Error('managed identity unavailable')) });
    const error = await adapter.createChatCompletion(createCall()).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: 'upstream_unavailable', isRetryable: true });
    expect((error as Error).message).toContain('managed identity unavailable');
  });
});
