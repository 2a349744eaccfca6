import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { createBedrockStreamError, normalizeExceptionName, parseBedrockError } from './map-bedrock-error.js';

const fixtures = new URL('../../../fixtures/providers/bedrock/', import.meta.url);

function recordedError(name: string): { status: number; body: unknown } {
  const cassette = parse(readFileSync(new URL(name, fixtures), 'utf8')) as {
    interactions: { response: { status: { code: number }; parsed_body: unknown } }[];
  };
  const response = cassette.interactions[0]?.response;
  return { status: response?.status.code ?? 0, body: response?.parsed_body };
}

describe('parseBedrockError', () => {
  it('reads the 400 of test_bedrock_error.yaml (the recorder dropped x-amzn-ErrorType: the type comes from the status)', () => {
    const { status, body } = recordedError('test_bedrock_error.yaml');
    expect(status).toBe(400);
    expect(parseBedrockError(body, null, status)).toEqual({
      message: 'The provided model identifier is invalid.',
      type: 'invalid_request_error',
      code: null,
      param: null,
    });
  });

  it('reads the 400 of test_bedrock_streaming_error.yaml with the exception name from the header', () => {
    const { status, body } = recordedError('test_bedrock_streaming_error.yaml');
    expect(parseBedrockError(body, 'ValidationException:http://internal.amazon.com/coral/com.amazon.bedrock/', status)).toEqual({
      message: 'The provided model identifier is invalid.',
      type: 'invalid_request_error',
      code: 'ValidationException',
      param: null,
    });
  });

  it('maps the exceptions of the service model to OpenAI error types', () => {
    const typeOf = (name: string, status: number) => parseBedrockError({ message: 'm' }, name, status)?.type;
    expect(typeOf('ThrottlingException', 429)).toBe('rate_limit_error');
    expect(typeOf('AccessDeniedException', 403)).toBe('permission_error');
    expect(typeOf('ResourceNotFoundException', 404)).toBe('not_found_error');
    expect(typeOf('ModelNotReadyException', 429)).toBe('rate_limit_error');
    expect(typeOf('ModelTimeoutException', 408)).toBe('api_error');
    expect(typeOf('ServiceUnavailableException', 503)).toBe('api_error');
    expect(typeOf('UnrecognizedClientException', 403)).toBe('authentication_error');
  });

  it('reads `Message` and `__type` spellings, and returns null for other shapes', () => {
    expect(parseBedrockError({ Message: 'User is not authorized', __type: 'com.amazon.coral.service#AccessDeniedException' }, null, 403)).toEqual({
      message: 'User is not authorized',
      type: 'permission_error',
      code: 'AccessDeniedException',
      param: null,
    });
    expect(parseBedrockError({ error: 'x' }, null, 500)).toBeNull();
    expect(parseBedrockError('<html>', null, 502)).toBeNull();
  });

  it('normalises exception names from headers, frames and bodies', () => {
    expect(normalizeExceptionName('ThrottlingException:http://internal.amazon.com/coral/com.amazon.bedrock/')).toBe('ThrottlingException');
    expect(normalizeExceptionName('throttlingException')).toBe('ThrottlingException');
    expect(normalizeExceptionName('com.amazon.coral.validate#ValidationException')).toBe('ValidationException');
    expect(normalizeExceptionName('')).toBeNull();
  });
});

describe('createBedrockStreamError', () => {
  it('gives an exception frame the status its exception has', () => {
    const error = createBedrockStreamError('bedrock', 'throttlingException', Buffer.from('{"message":"Too many tokens, please wait before trying again."}'));
    expect(error).toMatchObject({
      code: 'upstream_error',
      upstreamStatus: 429,
      status: 429,
      isRetryable: true,
      type: 'rate_limit_error',
      publicCode: 'ThrottlingException',
      message: 'bedrock: Too many tokens, please wait before trying again.',
    });
    const modelError = createBedrockStreamError('bedrock', 'modelStreamErrorException', Buffer.from('{"message":"boom","originalStatusCode":500}'));
    expect(modelError).toMatchObject({ upstreamStatus: 424, isRetryable: false });
    const unknown = createBedrockStreamError('bedrock', null, Buffer.from('not json'));
    expect(unknown).toMatchObject({ upstreamStatus: 500, status: 502, isRetryable: true, message: 'bedrock: not json' });
  });
});
