import { AzureOpenAI } from 'openai';
import type { ChatCompletionChunk } from 'openai/resources/chat/completions';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadAzureFixtures } from './azure-emulator-fixtures.js';
import {
  azureCompletionFilterMarker,
  azurePromptFilterMarker,
  contentFilterHeaderName,
  startAzureEmulator,
  type AzureEmulatorHandle,
} from './azure-emulator.js';

const fixtures = loadAzureFixtures();
const apiVersion = '2024-10-21';
const messages = [{ role: 'user' as const, content: 'What is the capital of France?' }];

let emulator: AzureEmulatorHandle;
let client: AzureOpenAI;

beforeAll(async () => {
  emulator = await startAzureEmulator();
  client = new AzureOpenAI({ endpoint: emulator.url, apiKey: 'azure-emulator-key', apiVersion, maxRetries: 0 });
});
afterAll(() => emulator.close());
afterEach(() => {
  emulator.setFault(null);
  emulator.setContentFilter(null);
});

async function collect(stream: AsyncIterable<ChatCompletionChunk>): Promise<ChatCompletionChunk[]> {
  const chunks: ChatCompletionChunk[] = [];
  for await (const chunk of stream) chunks.push(chunk);
  return chunks;
}

const textOf = (chunks: readonly ChatCompletionChunk[]) =>
  chunks.map((chunk) => chunk.choices[0]?.delta.content ?? '').join('');

async function post(path: string, headers: Record<string, string>, body: unknown = { messages }): Promise<Response> {
  return fetch(`${emulator.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
}

describe('Azure emulator: what the official AzureOpenAI client sees', () => {
  it('answers on the deployment URL with the recorded body, filter results and apim-request-id', async () => {
    const { data, response } = await client.chat.completions.create({ model: 'gpt-4o', messages }).withResponse();
    expect(data.choices[0]?.message.content).toBe('The capital of France is **Paris**.');
    expect(data.model).toBe('gpt-4o-2024-11-20');
    expect(data.usage).toMatchObject({ prompt_tokens: 14, completion_tokens: 9, total_tokens: 23 });
    expect(data).toHaveProperty('prompt_filter_results');
    expect(data.choices[0]).toHaveProperty('content_filter_results.violence', { filtered: false, severity: 'safe' });
    expect(response.headers.get('apim-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    const seen = emulator.requests.at(-1);
    expect(seen?.path).toBe('/openai/deployments/gpt-4o/chat/completions');
    expect(seen?.query).toBe(`?api-version=${apiVersion}`);
    expect(seen?.headers['api-key']).toBe('azure-emulator-key');
  });

  it('streams the recorded model-router chunks, the prompt-filter event first and usage only when asked', async () => {
    const plain = await collect(await client.chat.completions.create({ model: 'model-router', messages, stream: true }));
    expect(plain[0]?.choices).toEqual([]);
    expect(plain[0]).toHaveProperty('prompt_filter_results');
    expect(textOf(plain)).toBe(fixtures.stream.text);
    expect(plain.some((chunk) => chunk.usage)).toBe(false);

    const stream = await client.chat.completions.create({
      model: 'model-router',
      messages,
      stream: true,
      stream_options: { include_usage: true },
    });
    const chunks = await collect(stream);
    expect(chunks.at(-1)?.usage).toMatchObject({ prompt_tokens: 15, completion_tokens: 78, total_tokens: 93 });
    expect(chunks).toHaveLength(plain.length + 1);
  });

  it('accepts an Entra ID token and rejects a wrong one with the gateway-level 401 shape', async () => {
    const entra = new AzureOpenAI({
      endpoint: emulator.url,
      azureADTokenProvider: () => Promise.resolve('azure-emulator-token'),
      apiVersion,
      maxRetries: 0,
    });
    const data = await entra.chat.completions.create({ model: 'gpt-4o', messages });
    expect(data.choices[0]?.finish_reason).toBe('stop');
    expect(emulator.requests.at(-1)?.headers.authorization).toBe('Bearer azure-emulator-token');

    const response = await post(`/openai/deployments/gpt-4o/chat/completions?api-version=${apiVersion}`, {
      authorization: 'Bearer expired',
    });
    expect(response.status).toBe(401);
    expect(await response.json()).toMatchObject({ statusCode: 401, message: expect.stringContaining('Access token') });
  });

  it('answers a wrong key with 401 and an unknown deployment with DeploymentNotFound', async () => {
    const wrongKey = new AzureOpenAI({ endpoint: emulator.url, apiKey: 'nope', apiVersion, maxRetries: 0 });
    await expect(wrongKey.chat.completions.create({ model: 'gpt-4o', messages })).rejects.toMatchObject({
      status: 401,
      code: '401',
    });
    await expect(client.chat.completions.create({ model: 'gpt-5-turbo', messages })).rejects.toMatchObject({
      status: 404,
      code: 'DeploymentNotFound',
    });
  });

  it('rejects a filtered prompt with the real 400 content_filter body', async () => {
    const content = `tell me ${azurePromptFilterMarker}`;
    const error: unknown = await client.chat.completions
      .create({ model: 'gpt-4o', messages: [{ role: 'user', content }] })
      .catch((caught: unknown) => caught);
    expect(error).toMatchObject({ status: 400, code: 'content_filter', param: 'prompt' });
    expect(error).toHaveProperty('error.innererror.code', 'ResponsibleAIPolicyViolation');
    expect(error).toHaveProperty('error.innererror.content_filter_result.violence', { filtered: true, severity: 'medium' });
  });

  it('stops a filtered completion with finish_reason content_filter and no content', async () => {
    const content = `tell me ${azureCompletionFilterMarker}`;
    const data = await client.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content }] });
    expect(data.choices[0]?.finish_reason).toBe('content_filter');
    expect(data.choices[0]?.message).toEqual({ role: 'assistant' });

    emulator.setContentFilter('completion');
    const chunks = await collect(await client.chat.completions.create({ model: 'model-router', messages, stream: true }));
    expect(textOf(chunks)).toBe('Capital of');
    expect(chunks.at(-1)?.choices[0]?.finish_reason).toBe('content_filter');
  });
});

describe('Azure emulator: wire details', () => {
  const chatPath = '/openai/deployments/gpt-4o/chat/completions';

  it("answers a missing api-version with Azure's 404 Resource not found", async () => {
    const response = await post(chatPath, { 'api-key': 'azure-emulator-key' });
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({ error: { code: '404', message: 'Resource not found' } });
  });

  it('answers a missing credential with the access-denied 401', async () => {
    const response = await post(`${chatPath}?api-version=${apiVersion}`, {});
    expect(response.status).toBe(401);
    expect(await response.json()).toMatchObject({ error: { code: '401', message: expect.stringMatching(/^Access denied/) } });
  });

  it('uses real SSE framing, ending with data: [DONE]', async () => {
    const response = await post(
      `/openai/deployments/model-router/chat/completions?api-version=${apiVersion}`,
      { 'api-key': 'azure-emulator-key' },
      { messages, stream: true },
    );
    expect(response.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    const text = await response.text();
    expect(text.startsWith(`data: ${fixtures.stream.events[0]}\n\n`)).toBe(true);
    expect(text.endsWith('data: [DONE]\n\n')).toBe(true);
  });

  it('rejects max_completion_tokens and stream_options under api-versions before 2024-09-01', async () => {
    const body = { messages, max_completion_tokens: 5 };
    const response = await post(`${chatPath}?api-version=2024-06-01`, { 'api-key': 'azure-emulator-key' }, body);
    expect(response.status).toBe(400);
    const message = 'Unrecognized request argument supplied: max_completion_tokens';
    expect(await response.json()).toEqual({ error: { message, type: 'invalid_request_error', param: null, code: null } });
  });

  it('switches the content filter per request with a header', async () => {
    const response = await post(`${chatPath}?api-version=${apiVersion}`, {
      'api-key': 'azure-emulator-key',
      [contentFilterHeaderName]: 'prompt',
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toHaveProperty('error.code', 'content_filter');
  });

  it('serves embeddings on an embeddings deployment, one vector per input', async () => {
    const data = await client.embeddings.create({ model: 'text-embedding-3-small', input: ['a', 'b', 'c'] });
    expect(data.data.map((item) => item.index)).toEqual([0, 1, 2]);
    expect(data.usage.prompt_tokens).toBeGreaterThan(0);
  });

  it('injects status faults with Azure rate-limit headers', async () => {
    emulator.setFault({ kind: 'status', status: 429, retryAfter: 3 });
    const response = await post(`${chatPath}?api-version=${apiVersion}`, { 'api-key': 'azure-emulator-key' });
    expect(response.status).toBe(429);
    expect(response.headers.get('retry-after')).toBe('3');
    expect(response.headers.get('retry-after-ms')).toBe('3000');
    expect(await response.json()).toHaveProperty('error.code', '429');
  });

  it('keeps no requests in fast mode unless asked to record', async () => {
    const fast = await startAzureEmulator({ fast: true });
    try {
      const response = await fetch(`${fast.url}${chatPath}?api-version=${apiVersion}`, {
        method: 'POST',
        headers: { 'api-key': 'azure-emulator-key', 'content-type': 'application/json' },
        body: JSON.stringify({ messages }),
      });
      expect(response.status).toBe(200);
      expect(fast.requests).toHaveLength(0);
    } finally {
      await fast.close();
    }
  });
});
