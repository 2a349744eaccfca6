/**
 * The one table of gateway error codes. Every error the gateway renders comes from here, so the HTTP status,
 * the OpenAI error `type` and whether a retry can help are decided in one place.
 */
export const errorCodes = {
  invalid_json: { status: 400, type: 'invalid_request_error', retryable: false, message: 'The request body is not valid JSON.' },
  invalid_request: { status: 400, type: 'invalid_request_error', retryable: false, message: 'The request is invalid.' },
  body_too_large: { status: 413, type: 'invalid_request_error', retryable: false, message: 'The request body is too large.' },
  missing_api_key: { status: 401, type: 'authentication_error', retryable: false, message: 'No API key was provided. Send it as "Authorization: Bearer <key>".' },
  invalid_api_key: { status: 401, type: 'authentication_error', retryable: false, message: 'The API key is not valid.' },
  permission_denied: { status: 403, type: 'permission_error', retryable: false, message: 'This key may not use this route.' },
  not_found: { status: 404, type: 'not_found_error', retryable: false, message: 'No such route.' },
  model_not_found: { status: 404, type: 'invalid_request_error', retryable: false, message: 'The model does not exist or is not served by this gateway.' },
  method_not_supported: { status: 400, type: 'invalid_request_error', retryable: false, message: 'The model does not support this endpoint.' },
  provider_not_configured: { status: 503, type: 'server_error', retryable: false, message: 'The provider for this model has no credentials configured.' },
  upstream_error: { status: 502, type: 'api_error', retryable: true, message: 'The upstream provider returned an error.' },
  upstream_unavailable: { status: 502, type: 'api_error', retryable: true, message: 'The upstream provider could not be reached.' },
  upstream_timeout: { status: 504, type: 'api_error', retryable: true, message: 'The upstream provider did not answer in time.' },
  upstream_invalid_response: { status: 502, type: 'api_error', retryable: true, message: 'The upstream provider sent a response the gateway could not read.' },
  rate_limited: { status: 429, type: 'rate_limit_error', retryable: true, message: 'Too many requests.' },
  budget_exceeded: { status: 429, type: 'insufficient_quota', retryable: false, message: 'The budget for this period is spent.' },
  guardrail_blocked: { status: 400, type: 'invalid_request_error', retryable: false, message: 'The request was blocked by a guardrail.' },
  model_not_allowed: { status: 403, type: 'permission_error', retryable: false, message: 'This key may not use this model.' },
  invalid_credentials: { status: 401, type: 'authentication_error', retryable: false, message: 'The email or password is not correct.' },
  invalid_token: { status: 401, type: 'authentication_error', retryable: false, message: 'The token is not valid or has expired.' },
  account_locked: { status: 429, type: 'rate_limit_error', retryable: true, message: 'Too many failed sign-in attempts; try again later.' },
  conflict: { status: 409, type: 'invalid_request_error', retryable: false, message: 'The resource already exists.' },
  resource_not_found: { status: 404, type: 'not_found_error', retryable: false, message: 'No such resource.' },
  service_unavailable: { status: 503, type: 'server_error', retryable: true, message: 'The gateway is not ready.' },
  internal_error: { status: 500, type: 'server_error', retryable: true, message: 'The gateway failed to handle the request.' },
} as const satisfies Record<string, { status: number; type: string; retryable: boolean; message: string }>;

export type ErrorCode = keyof typeof errorCodes;

/** The OpenAI error envelope, rendered on every route and every error. */
export interface ErrorEnvelope {
  error: {
    message: string;
    type: string;
    param: string | null;
    code: string | null;
  };
}

export interface GatewayErrorOptions {
  message?: string;
  param?: string | null;
  /** Overrides the status of the code table (used to pass an upstream 4xx through unchanged). */
  status?: number;
  /** Overrides the OpenAI error type of the code table (used to pass an upstream error type through). */
  type?: string;
  /** Overrides the `code` rendered to the client (an upstream's own code). */
  publicCode?: string | null;
  cause?: unknown;
  headers?: Record<string, string>;
  /** Overrides whether a retry can help (an upstream error decides this from the upstream status). */
  retryable?: boolean;
}

export class GatewayError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly type: string;
  readonly param: string | null;
  readonly publicCode: string | null;
  readonly headers: Record<string, string>;
  readonly isRetryable: boolean;

  constructor(code: ErrorCode, options: GatewayErrorOptions = {}) {
    const entry = errorCodes[code];
    super(options.message ?? entry.message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'GatewayError';
    this.code = code;
    this.status = options.status ?? entry.status;
    this.type = options.type ?? entry.type;
    this.param = options.param ?? null;
    this.publicCode = options.publicCode === undefined ? code : options.publicCode;
    this.headers = options.headers ?? {};
    this.isRetryable = options.retryable ?? entry.retryable;
  }

  toEnvelope(): ErrorEnvelope {
    return { error: { message: this.message, type: this.type, param: this.param, code: this.publicCode } };
  }
}

export function createErrorEnvelope(code: ErrorCode, message?: string, param: string | null = null): ErrorEnvelope {
  const entry = errorCodes[code];
  return { error: { message: message ?? entry.message, type: entry.type, param, code } };
}
