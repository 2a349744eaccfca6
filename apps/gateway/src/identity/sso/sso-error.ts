import { GatewayError, type ErrorCode } from '@arbiter/shared';

/**
 * Why a sign-in failed. The route picks its answer (and what it tells the user) from this, never from the message.
 * - `discovery_failed`: the issuer's metadata could not be fetched or is unusable (down, not https, wrong issuer).
 * - `state_mismatch`: the callback's `state` is missing or not the one this sign-in started with (CSRF, or a stale tab).
 * - `issuer_error`: the issuer redirected back with `?error=` (the user denied consent, the client is misconfigured…).
 * - `invalid_callback`: the callback carries no code, or names another issuer (`iss`, a mix-up attack).
 * - `token_exchange_failed`: the token endpoint refused the code (replayed, expired, wrong secret) or was unreachable.
 * - `nonce_mismatch`: the ID token was minted for another sign-in (replay).
 * - `invalid_id_token`: the ID token or token response failed validation (signature, audience, issuer, expiry).
 * - `userinfo_failed`: the ID token lacks claims and the userinfo endpoint could not supply them.
 */
export type SsoErrorReason =
  | 'discovery_failed'
  | 'state_mismatch'
  | 'issuer_error'
  | 'invalid_callback'
  | 'token_exchange_failed'
  | 'nonce_mismatch'
  | 'invalid_id_token'
  | 'userinfo_failed';

export interface SsoErrorOptions {
  message: string;
  /** The OAuth error code the issuer sent (`access_denied`, `invalid_grant`…), when it sent one. */
  issuerError?: string | null;
  issuerErrorDescription?: string | null;
  /** True when the issuer gave no usable answer (no connection, timeout, an HTML 5xx): a retry later may help. */
  issuerUnavailable?: boolean;
  cause?: unknown;
}

/**
 * A failed SSO sign-in. It is a GatewayError so the one error handler renders it; the status follows the reason:
 * a broken or unreachable issuer is the gateway's upstream problem (502), everything else is a failed authentication
 * (401) or a bad callback request (400).
 */
export class SsoError extends GatewayError {
  readonly reason: SsoErrorReason;
  readonly issuerError: string | null;
  readonly issuerErrorDescription: string | null;

  constructor(reason: SsoErrorReason, options: SsoErrorOptions) {
    const code = errorCodeFor(reason, options.issuerUnavailable ?? false);
    super(code, { message: options.message, cause: options.cause });
    this.name = 'SsoError';
    this.reason = reason;
    this.issuerError = options.issuerError ?? null;
    this.issuerErrorDescription = options.issuerErrorDescription ?? null;
  }
}

export function isSsoError(error: unknown): error is SsoError {
  return error instanceof SsoError;
}

function errorCodeFor(reason: SsoErrorReason, issuerUnavailable: boolean): ErrorCode {
  if (issuerUnavailable) return 'upstream_unavailable';
  switch (reason) {
    case 'discovery_failed':
    case 'userinfo_failed':
      return 'upstream_error';
    case 'state_mismatch':
    case 'invalid_callback':
      return 'invalid_request';
    case 'issuer_error':
    case 'token_exchange_failed':
    case 'nonce_mismatch':
    case 'invalid_id_token':
      return 'invalid_token';
  }
}
