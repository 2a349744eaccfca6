import * as oidc from 'openid-client';
import { z } from 'zod';
import { SsoError, type SsoErrorReason } from './sso-error.js';

/**
 * openid-client's `ClientError.code` values (oauth4webapi's constants, which openid-client does not re-export).
 * Timeouts and aborts get codes of openid-client's own.
 */
const oauthCodes = {
  timeout: 'OAUTH_TIMEOUT',
  abort: 'OAUTH_ABORT',
  httpsRequired: 'OAUTH_HTTP_REQUEST_FORBIDDEN',
  responseNotConform: 'OAUTH_RESPONSE_IS_NOT_CONFORM',
  responseNotJson: 'OAUTH_RESPONSE_IS_NOT_JSON',
  claimComparison: 'OAUTH_JWT_CLAIM_COMPARISON_FAILED',
} as const;

/** Codes raised while validating the token response and its ID token (after the issuer answered). */
const validationCodes = new Set([
  oauthCodes.claimComparison,
  'OAUTH_JWT_TIMESTAMP_CHECK_FAILED',
  'OAUTH_JSON_ATTRIBUTE_COMPARISON_FAILED',
  'OAUTH_INVALID_RESPONSE',
  'OAUTH_PARSE_ERROR',
  'OAUTH_KEY_SELECTION_FAILED',
  'OAUTH_UNSUPPORTED_OPERATION',
]);

/** A failed claim comparison carries the claim's name two causes deep (ClientError → processing error → detail). */
const claimComparisonSchema = z.object({ cause: z.object({ claim: z.string() }) });
const networkCauseSchema = z.object({ code: z.string() });

/**
 * True when the issuer gave no usable answer: no connection, a timeout, or a response that is not OAuth at all
 * (an HTML 5xx page). Such failures are the issuer's outage, not the user's fault, and a retry later may work.
 */
export function isNetworkFailure(error: unknown): boolean {
  if (error instanceof TypeError) return !('code' in error);
  if (error instanceof oidc.ClientError) {
    return [oauthCodes.timeout, oauthCodes.abort, oauthCodes.responseNotConform, oauthCodes.responseNotJson].some((code) => code === error.code);
  }
  return false;
}

/** One line for logs and the user: what openid-client or the issuer said, with the issuer's own error code. */
export function describeOidcFailure(error: unknown): string {
  if (error instanceof oidc.ResponseBodyError || error instanceof oidc.AuthorizationResponseError) {
    return error.error_description === undefined ? error.error : `${error.error}: ${error.error_description}`;
  }
  if (error instanceof oidc.WWWAuthenticateChallengeError) {
    const parameters = error.cause[0]?.parameters;
    return parameters?.error_description ?? parameters?.error ?? `HTTP ${error.status}`;
  }
  if (error instanceof oidc.ClientError && error.code === oauthCodes.httpsRequired) {
    return 'the issuer must use https (plain http is allowed only where the gateway is configured to allow it)';
  }
  if (error instanceof TypeError) {
    const cause = networkCauseSchema.safeParse(error.cause);
    return cause.success ? `${error.message} (${cause.data.code})` : error.message;
  }
  if (error instanceof Error) {
    return error.cause instanceof Error ? `${error.message}: ${error.cause.message}` : error.message;
  }
  return String(error);
}

/**
 * Translates what `authorizationCodeGrant` threw into an SsoError. Anything that is not an OAuth or network failure
 * (a bug) is returned as it is, so it surfaces as an internal error instead of passing for a failed login.
 */
export function translateTokenExchangeError(error: unknown): unknown {
  if (error instanceof SsoError) return error;
  if (error instanceof oidc.AuthorizationResponseError) return issuerError(error);
  if (error instanceof oidc.ResponseBodyError || error instanceof oidc.WWWAuthenticateChallengeError) {
    return failure('token_exchange_failed', 'The identity provider refused the authorization code', error);
  }
  if (isNetworkFailure(error)) return failure('token_exchange_failed', 'The identity provider could not be reached', error);
  if (error instanceof oidc.ClientError && error.code !== undefined && validationCodes.has(error.code)) {
    const comparison = claimComparisonSchema.safeParse(error.cause);
    if (error.code === oauthCodes.claimComparison && comparison.success && comparison.data.cause.claim === 'nonce') {
      return failure('nonce_mismatch', 'The ID token belongs to another sign-in', error);
    }
    return failure('invalid_id_token', 'The identity provider sent an ID token that failed validation', error);
  }
  return error;
}

/** Userinfo failures of any kind (including a `sub` that differs from the ID token's) fail the login. */
export function translateUserinfoError(error: unknown): unknown {
  if (error instanceof SsoError) return error;
  if (error instanceof oidc.ClientError || error instanceof oidc.ResponseBodyError || error instanceof oidc.WWWAuthenticateChallengeError || isNetworkFailure(error)) {
    return failure('userinfo_failed', 'The identity provider did not return the user profile', error);
  }
  return error;
}

export function issuerError(error: oidc.AuthorizationResponseError): SsoError {
  return new SsoError('issuer_error', {
    message: `The identity provider refused the sign-in: ${describeOidcFailure(error)}`,
    issuerError: error.error,
    issuerErrorDescription: error.error_description ?? null,
    cause: error,
  });
}

function failure(reason: SsoErrorReason, summary: string, error: unknown): SsoError {
  const issuerAnswer = readIssuerError(error);
  return new SsoError(reason, {
    message: `${summary}: ${describeOidcFailure(error)}`,
    issuerError: issuerAnswer.error,
    issuerErrorDescription: issuerAnswer.description,
    issuerUnavailable: isNetworkFailure(error),
    cause: error,
  });
}

/** The OAuth error code in a JSON error body, or in a WWW-Authenticate challenge (a 401 for bad client credentials). */
function readIssuerError(error: unknown): { error: string | null; description: string | null } {
  if (error instanceof oidc.ResponseBodyError) return { error: error.error, description: error.error_description ?? null };
  if (error instanceof oidc.WWWAuthenticateChallengeError) {
    const parameters = error.cause[0]?.parameters;
    return { error: parameters?.error ?? null, description: parameters?.error_description ?? null };
  }
  return { error: null, description: null };
}
