import Anthropic, { APIError, AuthenticationError, BadRequestError, InternalServerError, NotFoundError, RateLimitError } from '@anthropic-ai/sdk';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startE2EEnvironment, type E2EEnvironment } from '../support/e2e-environment.js';
import { MASTER_KEY } from '../support/test-gateway.js';

const messages = [{ role: 'user' as const, content: 'Hello' }];
let env: E2EEnvironment;
let client: Anthropic;

beforeAll(async () => {
  // One attempt: these tests are about what the client sees, not about retries.
  env = await startE2EEnvironment({ routing: { max_attempts: 1, circuit_breaker: { failure_threshold: 1000, cooldown_ms: 1 } } });
  client = new Anthropic({ baseURL: env.gateway.url, apiKey: MASTER_KEY, maxRetries: 0, logLevel: 'off' });
});
afterAll(async () => {
  await env.close();
});
afterEach(() => {
  env.openaiEmulator.setFault(null);
  env.anthropicEmulator.setFault(null);
});

async function post(body: object, headers: Record<string, string> = { 'x-api-key': MASTER_KEY }): Promise<Response> {
  return fetch(`${env.gateway.url}/v1/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
}

interface ErrorBody {
  type: string;
  error: { type: string; message: string; param: string | null; code: string | null };
}

/** The superset envelope: Anthropic's shape with our param and code inside. */
async function errorBody(response: Response): Promise<ErrorBody['error']> {
  const body = (await response.json()) as ErrorBody;
  expect(body.type).toBe('error');
  expect(Object.keys(body.error).sort()).toEqual(['code', 'message', 'param', 'type']);
  return body.error;
}

async function caught(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error('expected the call to fail');
    },
    (error: unknown) => error,
  );
}

describe('errors on /v1/messages are Anthropic errors (with our param and code), with a usage record', () => {
  it('an unknown model is a 404 the SDK surfaces as NotFoundError with our message', async () => {
    const error = await caught(client.messages.create({ model: 'claude-does-not-exist-9', max_tokens: 10, messages }));
    expect(error).toBeInstanceOf(NotFoundError);
    const apiError = error as NotFoundError;
    expect(apiError.type).toBe('not_found_error');
    expect(apiError.apiMessage).toBe("The model 'claude-does-not-exist-9' does not exist or is not served by this gateway.");

    const response = await post({ model: 'claude-does-not-exist-9', max_tokens: 10, messages });
    expect(response.status).toBe(404);
    expect(await errorBody(response)).toMatchObject({ type: 'not_found_error', param: 'model', code: 'model_not_found' });
    const record = await env.usageFor(response.headers.get('x-request-id')!);
    expect(record).toMatchObject({ endpoint: 'messages', status: 'error', http_status: 404, error_code: 'model_not_found', requested_model: 'claude-does-not-exist-9' });
  });

  it('an upstream 404 from Anthropic passes through as not_found_error', async () => {
    const error = await caught(client.messages.create({ model: 'anthropic/claude-does-not-exist', max_tokens: 10, messages }));
    expect(error).toBeInstanceOf(NotFoundError);
    expect((error as NotFoundError).apiMessage).toMatch(/^anthropic: model: claude-does-not-exist/);
  });

  it('an upstream 429 is a RateLimitError with Retry-After, from Anthropic and from OpenAI', async () => {
    env.anthropicEmulator.setFault({ kind: 'status', status: 429, retryAfter: 7 });
    const anthropic = await caught(client.messages.create({ model: 'claude-sonnet-4-5', max_tokens: 10, messages }));
    expect(anthropic).toBeInstanceOf(RateLimitError);
    const headers = (anthropic as RateLimitError).headers!;
    expect(headers.get('retry-after')).toBe('7');
    expect((anthropic as RateLimitError).type).toBe('rate_limit_error');
    const record = await env.usageFor(headers.get('x-request-id')!);
    expect(record).toMatchObject({ endpoint: 'messages', provider: 'anthropic', status: 'error', http_status: 429, usage: null, cost: null });

    env.openaiEmulator.setFault({ kind: 'status', status: 429, retryAfter: 3 });
    const response = await post({ model: 'gpt-4o-mini', max_tokens: 10, messages });
    expect(response.status).toBe(429);
    expect(response.headers.get('retry-after')).toBe('3');
    // OpenAI's own type ("tokens") becomes Anthropic's; OpenAI's code stays in `code`.
    expect(await errorBody(response)).toMatchObject({ type: 'rate_limit_error', code: 'rate_limit_exceeded' });
    const converted = await caught(client.messages.create({ model: 'gpt-4o-mini', max_tokens: 10, messages }));
    expect(converted).toBeInstanceOf(RateLimitError);
  });

  it('Anthropic overloaded (529) is overloaded_error', async () => {
    env.anthropicEmulator.setFault({ kind: 'status', status: 529 });
    const error = await caught(client.messages.create({ model: 'claude-sonnet-4-5', max_tokens: 10, messages }));
    expect(error).toBeInstanceOf(InternalServerError);
    expect((error as InternalServerError).type).toBe('overloaded_error');
  });

  it('a wrong key is an AuthenticationError, as x-api-key and as Bearer', async () => {
    const bearer = new Anthropic({ baseURL: env.gateway.url, apiKey: 'sk-wrong', maxRetries: 0, logLevel: 'off' });
    const error = await caught(bearer.messages.create({ model: 'claude-sonnet-4-5', max_tokens: 10, messages }));
    expect(error).toBeInstanceOf(AuthenticationError);
    expect((error as AuthenticationError).type).toBe('authentication_error');
    const response = await post({ model: 'claude-sonnet-4-5', max_tokens: 10, messages }, { 'x-api-key': 'sk-wrong' });
    expect(response.status).toBe(401);
    expect(await errorBody(response)).toMatchObject({ type: 'authentication_error', code: 'invalid_api_key' });
  });

  it('an invalid body is a 400 naming the field, and is recorded', async () => {
    const response = await post({ model: 'gpt-4o-mini', messages });
    expect(response.status).toBe(400);
    expect(await errorBody(response)).toMatchObject({ type: 'invalid_request_error', param: 'max_tokens', code: 'invalid_request' });
    const record = await env.usageFor(response.headers.get('x-request-id')!);
    expect(record).toMatchObject({ endpoint: 'messages', status: 'error', http_status: 400, requested_model: 'gpt-4o-mini' });

    const badBlock = await post({ model: 'gpt-4o-mini', max_tokens: 10, messages: [{ role: 'user', content: [{ type: 'image', source: { type: 'base64' } }] }] });
    expect(badBlock.status).toBe(400);
    expect((await errorBody(badBlock)).param).toBe('messages[0].content[0].source.media_type');
  });

  it('a server tool is refused for other providers with a clear 400, and passed to Anthropic', async () => {
    const webSearch = { type: 'web_search_20250305', name: 'web_search', max_uses: 3 } as never;
    const error = await caught(client.messages.create({ model: 'gpt-4o-mini', max_tokens: 10, messages, tools: [webSearch] }));
    expect(error).toBeInstanceOf(BadRequestError);
    expect((error as BadRequestError).apiMessage).toContain('web_search_20250305 runs on Anthropic');
    await client.messages.create({ model: 'claude-sonnet-4-5', max_tokens: 10, messages, tools: [webSearch] });
    expect(env.anthropicEmulator.requests.at(-1)!.body).toMatchObject({ tools: [{ type: 'web_search_20250305', max_uses: 3 }] });
  });

  it('a stream cut after the first bytes ends with an Anthropic error event, never a clean close', async () => {
    env.openaiEmulator.setFault({ kind: 'cut-stream', afterEvents: 20 });
    const response = await post({ model: 'gpt-4o-mini', max_tokens: 100, messages, stream: true });
    expect(response.status).toBe(200);
    const text = await response.text();
    expect(text).toContain('event: content_block_delta');
    expect(text).not.toContain('event: message_stop');
    const last = text.trim().split('\n\n').at(-1)!;
    expect(last.split('\n')[0]).toBe('event: error');
    expect(JSON.parse(last.split('\n')[1]!.slice('data: '.length))).toMatchObject({ type: 'error', error: { type: 'api_error' } });
    const record = await env.usageFor(response.headers.get('x-request-id')!);
    expect(record).toMatchObject({ endpoint: 'messages', status: 'error', stream: true, usage_estimated: true });

    env.anthropicEmulator.setFault({ kind: 'cut-stream', afterEvents: 4 });
    const stream = client.messages.stream({ model: 'claude-sonnet-4-5', max_tokens: 100, messages });
    const error = await caught(stream.finalMessage());
    expect(error).toBeInstanceOf(APIError);
    expect((error as APIError).type).toBe('api_error');
  });

  it('a client abort of a native stream cancels the upstream and is recorded as aborted', async () => {
    env.anthropicEmulator.setFault({ kind: 'chunk-delay', ms: 50 });
    const controller = new AbortController();
    const response = await fetch(`${env.gateway.url}/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': MASTER_KEY },
      body: JSON.stringify({ model: 'claude-sonnet-4-5', max_tokens: 100, messages, stream: true }),
      signal: controller.signal,
    });
    const reader = response.body!.getReader();
    await reader.read();
    controller.abort();
    const requestId = response.headers.get('x-request-id')!;
    let record = await env.usageFor(requestId).catch(() => null);
    for (let attempt = 0; record === null && attempt < 50; attempt++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      record = await env.usageFor(requestId).catch(() => null);
    }
    expect(record).toMatchObject({ endpoint: 'messages', provider: 'anthropic', status: 'aborted', http_status: 499, usage_estimated: true });
    expect(record!.usage!.input.total).toBeGreaterThan(0);
    expect(record!.latency_ms).toBeLessThan(2000);
  });
});
