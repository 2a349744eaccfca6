import { GatewayError } from '@arbiter/shared';
import { UpstreamError } from '../../providers/shared/upstream-error.js';
import type { ErrorResponse } from './anthropic-messages-api.js';

/**
 * A gateway error as the Anthropic API would word it: `{"type":"error","error":{type, message}}` plus our `param` and
 * `code` (the superset both kinds of client can read). The type follows the HTTP status, as Anthropic's do; an
 * upstream's own Anthropic-style type (pass-through ingress) survives because it maps from the same status.
 * 5xx failures of the gateway itself show only the table's message (the log keeps the cause).
 */
export function renderAnthropicError(error: GatewayError): ErrorResponse {
  const shown = error.code === 'internal_error' ? new GatewayError('internal_error') : error;
  return {
    type: 'error',
    error: { type: mapAnthropicErrorType(error), message: shown.message, param: shown.param, code: shown.publicCode },
  };
}

/** Anthropic's error types, by the status Anthropic gives each (https://docs.claude.com/en/api/errors). */
export function mapAnthropicErrorType(error: GatewayError): string {
  // Our table turns every upstream 5xx into 502; Anthropic's "overloaded" (529) is worth telling apart (clients back off).
  if (error instanceof UpstreamError && error.upstreamStatus === 529) return 'overloaded_error';
  switch (error.status) {
    case 401:
      return 'authentication_error';
    case 402:
      return 'billing_error';
    case 403:
      return 'permission_error';
    case 404:
      return 'not_found_error';
    case 413:
      return 'request_too_large';
    case 429:
      return 'rate_limit_error';
    case 504:
      return 'timeout_error';
    case 529:
      return 'overloaded_error';
  }
  return error.status >= 500 ? 'api_error' : 'invalid_request_error';
}
