import { createStatusError, headerValue, type ProviderErrorDetails, type UpstreamResponse } from '../shared/http-client.js';
import { UpstreamError } from '../shared/upstream-error.js';
import { bedrockErrorBodySchema } from './bedrock-api.js';

/**
 * Bedrock exceptions (service model bedrock-runtime 2023-09-30, plus the 403s that AWS's request authentication
 * sends for every service): the HTTP status each comes with and the OpenAI error type that says the same to clients.
 */
const exceptions: Record<string, { status: number; type: string }> = {
  ValidationException: { status: 400, type: 'invalid_request_error' },
  ServiceQuotaExceededException: { status: 400, type: 'invalid_request_error' },
  AccessDeniedException: { status: 403, type: 'permission_error' },
  UnrecognizedClientException: { status: 403, type: 'authentication_error' },
  InvalidSignatureException: { status: 403, type: 'authentication_error' },
  ExpiredTokenException: { status: 403, type: 'authentication_error' },
  MissingAuthenticationTokenException: { status: 403, type: 'authentication_error' },
  ResourceNotFoundException: { status: 404, type: 'not_found_error' },
  ModelTimeoutException: { status: 408, type: 'api_error' },
  ModelErrorException: { status: 424, type: 'api_error' },
  ModelStreamErrorException: { status: 424, type: 'api_error' },
  ThrottlingException: { status: 429, type: 'rate_limit_error' },
  // The model is being loaded (custom and imported models); AWS says to retry, and sends 429 so that clients do.
  ModelNotReadyException: { status: 429, type: 'rate_limit_error' },
  InternalServerException: { status: 500, type: 'api_error' },
  ServiceUnavailableException: { status: 503, type: 'api_error' },
};

/** For bodies without an exception name (a proxy, or a recording that dropped the header): the type by status. */
const typesByStatus: Record<number, string> = {
  400: 'invalid_request_error',
  401: 'authentication_error',
  403: 'permission_error',
  404: 'not_found_error',
  429: 'rate_limit_error',
};

/**
 * The exception name from `x-amzn-ErrorType` (`ValidationException:http://internal.amazon.com/coral/…`), a stream
 * frame's `:exception-type` (`throttlingException`) or a body's `__type` (`com.amazon.coral.validate#ValidationException`).
 */
export function normalizeExceptionName(value: string | null | undefined): string | null {
  if (value == null || value.trim() === '') return null;
  const name = value.split(':')[0]?.split('#').at(-1)?.trim() ?? '';
  return name === '' ? null : name.charAt(0).toUpperCase() + name.slice(1);
}

/**
 * Reads `{"message": …}` (or `Message`) with the exception name from the header. The exception name is passed on as
 * the error code, and its OpenAI equivalent as the type; Bedrock has no `param`.
 */
export function parseBedrockError(json: unknown, errorType: string | null, status: number): ProviderErrorDetails | null {
  const result = bedrockErrorBodySchema.safeParse(json);
  if (!result.success) return null;
  const message = result.data.message ?? result.data.Message;
  if (message === undefined) return null;
  const name = normalizeExceptionName(errorType) ?? normalizeExceptionName(result.data.__type);
  const type = (name === null ? undefined : exceptions[name]?.type) ?? typesByStatus[status] ?? null;
  return { message, type, code: name, param: null };
}

/** The UpstreamError of a non-2xx Bedrock response. */
export function createBedrockStatusError(provider: string, response: UpstreamResponse, signal: AbortSignal): Promise<UpstreamError> {
  const errorType = headerValue(response.headers, 'x-amzn-errortype');
  return createStatusError(provider, response, signal, (json) => parseBedrockError(json, errorType, response.status));
}

/**
 * The UpstreamError of an `exception` frame inside a ConverseStream (`throttlingException`, `modelStreamErrorException`,
 * …). The response already said 200; the status the exception has on its own decides whether a retry can help.
 */
export function createBedrockStreamError(provider: string, exceptionType: string | null, payload: Uint8Array): UpstreamError {
  const name = normalizeExceptionName(exceptionType);
  const known = name === null ? undefined : exceptions[name];
  const text = Buffer.from(payload).toString('utf8');
  const details = parseBedrockError(parseJsonText(text), name, known?.status ?? 500);
  return new UpstreamError('upstream_error', {
    provider,
    upstreamStatus: known?.status ?? 500,
    message: details?.message ?? (text.trim().slice(0, 500) || (name ?? 'an exception frame without a message')),
    upstreamType: known?.type ?? null,
    upstreamCode: name,
  });
}

/** Null when the text is not JSON: the caller falls back to the raw text. */
function parseJsonText(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}
