import { Pool, errors as undiciErrors, type Dispatcher } from 'undici';
import type { z } from 'zod';
import { UpstreamError, parseRetryAfter } from './upstream-error.js';

export interface UpstreamRequest {
  provider: string;
  url: URL;
  method?: 'GET' | 'POST';
  headers: Record<string, string>;
  body?: string;
  signal: AbortSignal;
  /** Time allowed until the response headers arrive and between body chunks. */
  timeoutMs: number;
}

export interface UpstreamResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Dispatcher.ResponseData['body'];
}

/**
 * One undici Pool per upstream origin, kept for the life of the process: keep-alive connections are what makes a
 * gateway hop cheap (global fetch is several times slower on these machines).
 */
export class HttpClient {
  private readonly pools = new Map<string, Pool>();

  constructor(private readonly connectionsPerOrigin = 128) {}

  async send(request: UpstreamRequest): Promise<UpstreamResponse> {
    const pool = this.poolFor(request.url.origin);
    try {
      const response = await pool.request({
        path: request.url.pathname + request.url.search,
        method: request.method ?? 'POST',
        headers: request.headers,
        body: request.body,
        signal: request.signal,
        headersTimeout: request.timeoutMs,
        bodyTimeout: request.timeoutMs,
      });
      return { status: response.statusCode, headers: response.headers, body: response.body };
    } catch (error) {
      throw translateTransportError(request.provider, error, request.signal);
    }
  }

  async close(): Promise<void> {
    const pools = [...this.pools.values()];
    this.pools.clear();
    await Promise.all(pools.map((pool) => pool.close()));
  }

  private poolFor(origin: string): Pool {
    let pool = this.pools.get(origin);
    if (pool === undefined) {
      pool = new Pool(origin, { connections: this.connectionsPerOrigin, pipelining: 1, keepAliveTimeout: 30_000 });
      this.pools.set(origin, pool);
    }
    return pool;
  }
}

/**
 * Sends a request and returns a 2xx response. Any other status is read into the provider's UpstreamError by
 * `createError` (each provider has its own error body) and thrown.
 */
export async function sendRequest(
  http: HttpClient,
  request: UpstreamRequest,
  createError: (response: UpstreamResponse) => Promise<UpstreamError>,
): Promise<UpstreamResponse> {
  const response = await http.send(request);
  if (response.status >= 300) throw await createError(response);
  return response;
}

/** Turns a transport failure into an UpstreamError; a client abort stays an abort so the pipeline can tell. */
export function translateTransportError(provider: string, error: unknown, signal: AbortSignal): unknown {
  if (signal.aborted && !(signal.reason instanceof UpstreamError)) return signal.reason ?? error;
  if (signal.reason instanceof UpstreamError) return signal.reason;
  if (error instanceof UpstreamError) return error;
  if (error instanceof undiciErrors.HeadersTimeoutError || error instanceof undiciErrors.BodyTimeoutError) {
    return new UpstreamError('upstream_timeout', { provider, upstreamStatus: null, message: 'timed out', cause: error });
  }
  const message = error instanceof Error ? error.message : String(error);
  return new UpstreamError('upstream_unavailable', { provider, upstreamStatus: null, message, cause: error });
}

/** Reads a whole body as text, turning a mid-body failure into an UpstreamError. */
export async function readBodyText(provider: string, response: UpstreamResponse, signal: AbortSignal): Promise<string> {
  try {
    return await response.body.text();
  } catch (error) {
    throw translateTransportError(provider, error, signal);
  }
}

/** Reads a JSON body and checks it against the provider's wire schema (only the fields we read). */
export async function readJsonBody<Schema extends z.ZodType>(
  provider: string,
  response: UpstreamResponse,
  schema: Schema,
  signal: AbortSignal,
): Promise<z.infer<Schema>> {
  return (await readRawJsonBody(provider, response, schema, signal)).body;
}

/** Like readJsonBody, keeping the text too: for bodies the client gets as they came. */
export async function readRawJsonBody<Schema extends z.ZodType>(
  provider: string,
  response: UpstreamResponse,
  schema: Schema,
  signal: AbortSignal,
): Promise<{ rawBody: string; body: z.infer<Schema> }> {
  const rawBody = await readBodyText(provider, response, signal);
  return { rawBody, body: parseJsonBody(provider, rawBody, schema, response.status) };
}

export function parseJsonBody<Schema extends z.ZodType>(
  provider: string,
  text: string,
  schema: Schema,
  status: number,
): z.infer<Schema> {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new UpstreamError('upstream_invalid_response', {
      provider,
      upstreamStatus: status,
      message: `the response body is not JSON (${text.slice(0, 120)})`,
      cause: error,
    });
  }
  const result = schema.safeParse(json);
  if (!result.success) {
    const issue = result.error.issues[0];
    throw new UpstreamError('upstream_invalid_response', {
      provider,
      upstreamStatus: status,
      message: `unexpected response shape at ${issue?.path.join('.') ?? '?'}: ${issue?.message ?? ''}`,
      cause: result.error,
    });
  }
  return result.data;
}

export interface ProviderErrorDetails {
  message: string;
  type: string | null;
  code: string | null;
  param: string | null;
}

/**
 * Builds the UpstreamError for a non-2xx response, reading the body with the provider's error parser.
 * The body is read in full (error bodies are small) so the connection returns to the pool.
 */
export async function createStatusError(
  provider: string,
  response: UpstreamResponse,
  signal: AbortSignal,
  parseError: (json: unknown) => ProviderErrorDetails | null,
): Promise<UpstreamError> {
  const text = await readBodyText(provider, response, signal).catch(() => '');
  const details = parseErrorBody(text, parseError);
  const message = details?.message ?? (text.trim().slice(0, 500) || `HTTP ${response.status}`);
  return new UpstreamError('upstream_error', {
    provider,
    upstreamStatus: response.status,
    message,
    upstreamType: details?.type ?? null,
    upstreamCode: details?.code ?? null,
    param: details?.param ?? null,
    retryAfterSeconds: parseRetryAfter(response.headers['retry-after']),
  });
}

/** Null when the body is not JSON or not the provider's error shape: the caller falls back to the raw text. */
function parseErrorBody(text: string, parseError: (json: unknown) => ProviderErrorDetails | null): ProviderErrorDetails | null {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return null;
  }
  return parseError(json);
}

export function headerValue(headers: UpstreamResponse['headers'], name: string): string | null {
  const value = headers[name];
  if (value === undefined) return null;
  return Array.isArray(value) ? (value[0] ?? null) : value;
}
