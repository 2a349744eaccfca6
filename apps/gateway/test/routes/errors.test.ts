import { GatewayError, type ErrorEnvelope } from '@arbiter/shared';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/database.js';
import { openTestDatabase } from '../support/test-database.js';
import { authorization, startTestGateway, type TestGateway } from '../support/test-gateway.js';

let database: Database;
let gateway: TestGateway;

beforeAll(async () => {
  database = await openTestDatabase();
  gateway = await startTestGateway({ database, listen: false, env: { ARBITER_MAX_BODY_BYTES: '2048' } });
});
afterAll(async () => {
  await gateway.close();
  await database.close();
});

function post(payload: string | object, headers: Record<string, string> = authorization, url = '/v1/chat/completions') {
  return gateway.app.inject({
    method: 'POST',
    url,
    headers: { 'content-type': 'application/json', ...headers },
    payload: typeof payload === 'string' ? payload : JSON.stringify(payload),
  });
}

function envelope(body: string): ErrorEnvelope['error'] {
  const parsed = JSON.parse(body) as ErrorEnvelope;
  expect(Object.keys(parsed.error).sort()).toEqual(['code', 'message', 'param', 'type']);
  return parsed.error;
}

const validBody = { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] };

describe('errors use the OpenAI envelope with the right status', () => {
  it('401 without a key, with a wrong key', async () => {
    const missing = await post(validBody, {});
    expect(missing.statusCode).toBe(401);
    expect(envelope(missing.body)).toMatchObject({ type: 'authentication_error', code: 'missing_api_key' });
    const wrong = await post(validBody, { authorization: 'Bearer sk-wrong' });
    expect(wrong.statusCode).toBe(401);
    expect(envelope(wrong.body).code).toBe('invalid_api_key');
    expect(wrong.headers['x-request-id']).toBeTruthy();
  });

  it('400 invalid_json for malformed JSON and for an empty body', async () => {
    const malformed = await post('{"model": ');
    expect(malformed.statusCode).toBe(400);
    expect(envelope(malformed.body)).toMatchObject({ code: 'invalid_json', type: 'invalid_request_error' });
    const empty = await post('');
    expect(empty.statusCode).toBe(400);
    expect(envelope(empty.body).code).toBe('invalid_json');
  });

  it('400 with the offending param for wrong types, and a usage record of the refusal', async () => {
    const response = await post({ ...validBody, temperature: 'hot' }, { ...authorization, 'x-request-id': 'invalid-temperature-1' });
    expect(response.statusCode).toBe(400);
    expect(envelope(response.body)).toMatchObject({ code: 'invalid_request', param: 'temperature' });
    await gateway.recorder.flush(true);
    const usage = await gateway.app.inject({ method: 'GET', url: '/api/v1/usage?trace_id=invalid-temperature-1', headers: authorization });
    expect(JSON.parse(usage.body).data).toMatchObject([
      { status: 'error', http_status: 400, error_code: 'invalid_request', requested_model: 'gpt-4o-mini', usage: null, cost: null },
    ]);
    const unauthenticated = await post({ ...validBody, temperature: 'hot' }, { 'x-request-id': 'invalid-temperature-2' });
    expect(unauthenticated.statusCode).toBe(401);
    await gateway.recorder.flush(true);
    const none = await gateway.app.inject({ method: 'GET', url: '/api/v1/usage?trace_id=invalid-temperature-2', headers: authorization });
    expect(JSON.parse(none.body).data).toEqual([]);
    const nested = await post({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 42 }] });
    expect(envelope(nested.body).param).toBe('messages[0].content');
    const missingModel = await post({ messages: validBody.messages });
    expect(envelope(missingModel.body).param).toBe('model');
  });

  it('413 for a body over ARBITER_MAX_BODY_BYTES', async () => {
    const response = await post({ ...validBody, messages: [{ role: 'user', content: 'x'.repeat(4096) }] });
    expect(response.statusCode).toBe(413);
    expect(envelope(response.body).code).toBe('body_too_large');
  });

  it('reads any content type as JSON (curl -d sends form data): 400 when it is not JSON', async () => {
    const text = await post('hello', { ...authorization, 'content-type': 'text/plain' });
    expect(text.statusCode).toBe(400);
    expect(envelope(text.body).code).toBe('invalid_json');
    const form = await post(validBody, { ...authorization, 'content-type': 'application/x-www-form-urlencoded' });
    expect(envelope(form.body).code).toBe('provider_not_configured');
  });

  it('404 model_not_found for an unknown model, bare or prefixed', async () => {
    for (const model of ['no-such-model', 'nowhere/gpt-4o']) {
      const response = await post({ ...validBody, model });
      expect(response.statusCode).toBe(404);
      expect(envelope(response.body)).toMatchObject({ code: 'model_not_found', param: 'model' });
    }
  });

  it('503 naming the variable when a provider has no credentials', async () => {
    const response = await post(validBody);
    expect(response.statusCode).toBe(503);
    const error = envelope(response.body);
    expect(error.code).toBe('provider_not_configured');
    expect(error.message).toContain('OPENAI_API_KEY');
    const anthropic = await post({ ...validBody, model: 'claude-sonnet-4-5' });
    expect(envelope(anthropic.body).message).toContain('ANTHROPIC_API_KEY');
  });

  it('400 when a model is used on the wrong endpoint', async () => {
    const response = await post({ ...validBody, model: 'text-embedding-3-small' });
    expect(response.statusCode).toBe(400);
    expect(envelope(response.body).code).toBe('method_not_supported');
  });

  it('404 envelope for unknown routes, authenticated or not', async () => {
    const response = await gateway.app.inject({ method: 'GET', url: '/v2/nothing' });
    expect(response.statusCode).toBe(404);
    expect(envelope(response.body).code).toBe('not_found');
  });

  it('400 for a bad usage query', async () => {
    const response = await gateway.app.inject({ method: 'GET', url: '/api/v1/usage?limit=9999', headers: authorization });
    expect(response.statusCode).toBe(400);
    expect(envelope(response.body).param).toBe('limit');
    const cursor = await gateway.app.inject({ method: 'GET', url: '/api/v1/usage?cursor=bm9wZQ', headers: authorization });
    expect(cursor.statusCode).toBe(400);
    expect(envelope(cursor.body).param).toBe('cursor');
  });
});

describe('the request parser never throws past the error handler (fuzzed)', () => {
  const jsonValue = fc.jsonValue({ maxDepth: 4 });
  const chatLike = fc.record(
    {
      model: fc.oneof(fc.string(), fc.constant('gpt-4o-mini'), jsonValue),
      messages: fc.oneof(fc.array(fc.record({ role: fc.oneof(fc.constantFrom('user', 'system', 'assistant', 'tool', 'developer'), fc.string()), content: jsonValue }, { requiredKeys: [] })), jsonValue),
      stream: fc.oneof(fc.boolean(), jsonValue),
      temperature: jsonValue,
      tools: jsonValue,
      response_format: jsonValue,
    },
    { requiredKeys: [] },
  );

  it('answers every structured input with a JSON envelope or a success status', async () => {
    await fc.assert(
      fc.asyncProperty(chatLike, async (body) => {
        const response = await post(body);
        expect(response.statusCode).toBeLessThan(600);
        if (response.statusCode >= 400) envelope(response.body);
      }),
      { numRuns: 300 },
    );
  });

  it('answers arbitrary bytes with a 4xx envelope', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ unit: 'binary', maxLength: 300 }), async (text) => {
        const response = await post(text);
        expect(response.statusCode).toBeGreaterThanOrEqual(400);
        expect(response.statusCode).toBeLessThan(500);
        envelope(response.body);
      }),
      { numRuns: 300 },
    );
  });
});

describe('GatewayError', () => {
  it('hides internal detail in the 500 envelope', () => {
    expect(new GatewayError('internal_error').toEnvelope().error.message).not.toContain('stack');
  });
});
