import { GatewayError, type ErrorCode } from '@arbiter/shared';

export interface UpstreamErrorOptions {
  provider: string;
  /** The upstream HTTP status, or null when no response arrived (connection refused, reset, timeout). */
  upstreamStatus: number | null;
  message: string;
  /** The upstream's own error type and code, passed through to the client for 4xx errors. */
  upstreamType?: string | null;
  upstreamCode?: string | null;
  param?: string | null;
  retryAfterSeconds?: number | null;
  cause?: unknown;
}

/**
 * An error from (or on the way to) an upstream provider. Routing decides retries and fallbacks from `isRetryable`,
 * never from the message.
 */
export class UpstreamError extends GatewayError {
  readonly provider: string;
  readonly upstreamStatus: number | null;
  readonly retryAfterSeconds: number | null;

  constructor(code: ErrorCode, options: UpstreamErrorOptions) {
    const status = statusFor(code, options.upstreamStatus);
    const passThrough = isClientError(options.upstreamStatus);
    super(code, {
      message: `${options.provider}: ${options.message}`,
      status,
      type: passThrough ? (options.upstreamType ?? undefined) : undefined,
      publicCode: passThrough ? (options.upstreamCode ?? null) : code,
      param: options.param ?? null,
      cause: options.cause,
      headers: options.retryAfterSeconds == null ? {} : { 'retry-after': String(options.retryAfterSeconds) },
      retryable: isRetryableStatus(code, options.upstreamStatus),
    });
    this.name = 'UpstreamError';
    this.provider = options.provider;
    this.upstreamStatus = options.upstreamStatus;
    this.retryAfterSeconds = options.retryAfterSeconds ?? null;
  }
}

function isClientError(status: number | null): status is number {
  return status !== null && status >= 400 && status < 500;
}

/** Upstream 4xx pass through with their status; 5xx become 502; timeouts 504. */
function statusFor(code: ErrorCode, upstreamStatus: number | null): number | undefined {
  if (code === 'upstream_error' && isClientError(upstreamStatus)) return upstreamStatus;
  return undefined;
}

function isRetryableStatus(code: ErrorCode, upstreamStatus: number | null): boolean {
  if (code === 'upstream_timeout' || code === 'upstream_unavailable') return true;
  if (code === 'upstream_invalid_response') return true;
  if (upstreamStatus === null) return false;
  // 408 request timeout, 409 lock conflicts, 429 rate limits, 5xx (incl. Anthropic's 529 overloaded) are transient.
  return upstreamStatus === 408 || upstreamStatus === 409 || upstreamStatus === 429 || upstreamStatus >= 500;
}

/** Parses a Retry-After header (seconds or HTTP date) into whole seconds. */
export function parseRetryAfter(value: string | string[] | undefined, now = Date.now()): number | null {
  const header = Array.isArray(value) ? value[0] : value;
  if (header === undefined || header.trim() === '') return null;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, Math.ceil(seconds));
  const date = Date.parse(header);
  if (Number.isNaN(date)) return null;
  return Math.max(0, Math.ceil((date - now) / 1000));
}
