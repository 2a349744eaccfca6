import { readBodyText, type ProviderErrorDetails, type UpstreamResponse } from '../shared/http-client.js';
import { UpstreamError, parseRetryAfter } from '../shared/upstream-error.js';
import { googleErrorBodySchema, type GoogleErrorBody } from './google-api.js';

/** Google's canonical status → the OpenAI error type a client expects for it. */
const errorTypes: Record<string, string> = {
  INVALID_ARGUMENT: 'invalid_request_error',
  FAILED_PRECONDITION: 'invalid_request_error',
  OUT_OF_RANGE: 'invalid_request_error',
  NOT_FOUND: 'invalid_request_error',
  UNAUTHENTICATED: 'authentication_error',
  PERMISSION_DENIED: 'permission_error',
  RESOURCE_EXHAUSTED: 'rate_limit_error',
};

/**
 * Reads `{"error":{"code","message","status","details"}}` (streaming endpoints without `alt=sse` wrap it in an
 * array). The error type is derived from `status`; the code passed on is the ErrorInfo `reason` when Google gives one
 * (`API_KEY_INVALID`, …), otherwise the status itself (`RESOURCE_EXHAUSTED`, `NOT_FOUND`, …).
 */
export function parseGoogleError(json: unknown): ProviderErrorDetails | null {
  const body = readErrorBody(json);
  if (body === null) return null;
  const { error } = body;
  const status = error.status ?? null;
  const reason = error.details?.find((detail) => typeof detail.reason === 'string')?.reason ?? null;
  return {
    message: error.message,
    type: status === null ? null : (errorTypes[status] ?? 'api_error'),
    code: reason ?? status,
    param: null,
  };
}

function readErrorBody(json: unknown): GoogleErrorBody | null {
  const candidate = Array.isArray(json) && json.length === 1 ? (json[0] as unknown) : json;
  const result = googleErrorBodySchema.safeParse(candidate);
  return result.success ? result.data : null;
}

/** `google.rpc.RetryInfo.retryDelay` (`"34.4s"`) in whole seconds, rounded up; null when absent. */
export function readGoogleRetryDelay(json: unknown): number | null {
  const delay = readErrorBody(json)?.error.details?.find((detail) => typeof detail.retryDelay === 'string')?.retryDelay;
  const match = delay == null ? null : /^(\d+(?:\.\d+)?)s$/.exec(delay.trim());
  return match?.[1] === undefined ? null : Math.ceil(Number(match[1]));
}

/**
 * Builds the UpstreamError for a non-2xx response. Google sends no Retry-After header on 429s; the delay it wants
 * is in the body's RetryInfo, so that becomes the retry-after (a header, when present, wins).
 */
export async function createGoogleStatusError(provider: string, response: UpstreamResponse, signal: AbortSignal): Promise<UpstreamError> {
  const text = await readBodyText(provider, response, signal).catch(() => '');
  const json = parseJsonOrNull(text);
  const details = parseGoogleError(json);
  return new UpstreamError('upstream_error', {
    provider,
    upstreamStatus: response.status,
    message: details?.message ?? (text.trim().slice(0, 500) || `HTTP ${response.status}`),
    upstreamType: details?.type ?? null,
    upstreamCode: details?.code ?? null,
    retryAfterSeconds: parseRetryAfter(response.headers['retry-after']) ?? readGoogleRetryDelay(json),
  });
}

/** Error bodies may be anything (an HTML page from a proxy, nothing at all): null when the text is not JSON. */
export function parseJsonOrNull(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return null;
  }
}

/**
 * An error delivered inside a 200 stream (`data: {"error":{…}}`). The status it would have had decides whether a
 * retry can help; without a code it counts as a server error.
 */
export function createGoogleStreamError(provider: string, body: GoogleErrorBody): UpstreamError {
  const details = parseGoogleError(body);
  const code = body.error.code;
  return new UpstreamError('upstream_error', {
    provider,
    upstreamStatus: typeof code === 'number' && code >= 400 && code <= 599 ? code : 500,
    message: body.error.message,
    upstreamType: details?.type ?? null,
    upstreamCode: details?.code ?? null,
    retryAfterSeconds: readGoogleRetryDelay(body),
  });
}
