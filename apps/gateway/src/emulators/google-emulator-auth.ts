import { KeyObject, randomBytes, verify, webcrypto } from 'node:crypto';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { jsonResponse, type EmulatorRequest, type PreparedResponse } from './emulator-server.js';
import { errorInfo, googleError } from './google-emulator-errors.js';

/**
 * The two ways Google authenticates, as the emulator checks them: Gemini API keys (`x-goog-api-key`), and OAuth2
 * access tokens for Vertex AI, issued by an emulated token endpoint to service-account JWT-bearer assertions
 * (RFC 7523) whose RS256 signature it verifies with the account's public key.
 */

export interface GoogleEmulatorAuthOptions {
  readonly apiKey: string;
  /** Null: the assertion's signature is not checked (its claims still are). */
  readonly publicKey: webcrypto.CryptoKey | KeyObject | null;
  /** The token endpoint's own URL, which assertions must name as `aud` (known once the server listens). */
  readonly tokenUrl: () => string;
  /** Seconds the issued tokens live. */
  readonly tokenLifetimeSeconds?: number;
}

export interface GoogleEmulatorAuth {
  /** POST /token: `grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer&assertion=…`. */
  issueToken(request: EmulatorRequest): PreparedResponse;
  /** Undefined when the Gemini API key is right; otherwise Google's answer. */
  checkApiKey(request: EmulatorRequest): PreparedResponse | undefined;
  /** Undefined when the bearer token was issued here and is still valid; otherwise Vertex's 401. */
  checkBearer(request: EmulatorRequest): PreparedResponse | undefined;
}

const cloudPlatformScope = 'https://www.googleapis.com/auth/cloud-platform';
const jwtBearerGrant = 'urn:ietf:params:oauth:grant-type:jwt-bearer';

function oauthError(error: string, description: string): PreparedResponse {
  return jsonResponse(400, { 'content-type': 'application/json; charset=utf-8' }, { error, error_description: description }, 2);
}

function headerValue(request: EmulatorRequest, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

export function createGoogleEmulatorAuth(options: GoogleEmulatorAuthOptions): GoogleEmulatorAuth {
  const lifetime = options.tokenLifetimeSeconds ?? 3599;
  const publicKey = options.publicKey === null || options.publicKey instanceof KeyObject ? options.publicKey : KeyObject.from(options.publicKey);
  const tokens = new Map<string, number>();

  const checkAssertion = (assertion: string): PreparedResponse | undefined => {
    const [header, payload, signature] = assertion.split('.');
    if (!header || !payload || !signature) return oauthError('invalid_request', 'Invalid JWT: could not be parsed.');
    let claims: ReturnType<typeof decodeJwt>;
    try {
      if (decodeProtectedHeader(assertion).alg !== 'RS256') return oauthError('invalid_grant', 'Invalid JWT Signature.');
      claims = decodeJwt(assertion);
    } catch {
      return oauthError('invalid_request', 'Invalid JWT: could not be parsed.');
    }
    const signed = Buffer.from(`${header}.${payload}`);
    if (publicKey !== null && !verify('RSA-SHA256', signed, publicKey, Buffer.from(signature, 'base64url'))) {
      return oauthError('invalid_grant', 'Invalid JWT Signature.');
    }
    if (typeof claims.iss !== 'string' || claims.iss === '') return oauthError('invalid_grant', 'Invalid JWT: No issuer.');
    if (claims.aud !== options.tokenUrl()) {
      return oauthError('invalid_grant', `Invalid JWT: Failed audience check. The right audience is ${options.tokenUrl()}`);
    }
    const now = Math.floor(Date.now() / 1000);
    const { iat, exp } = claims;
    if (typeof iat !== 'number' || typeof exp !== 'number' || exp - iat > 3600 || exp <= now || iat > now + 300) {
      return oauthError(
        'invalid_grant',
        'Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe. Check your iat and exp values in the JWT claim.',
      );
    }
    const scopes = typeof claims.scope === 'string' ? claims.scope.split(' ') : [];
    if (!scopes.includes(cloudPlatformScope)) return oauthError('invalid_scope', 'Invalid OAuth scope or ID token audience provided.');
    return undefined;
  };

  return {
    issueToken(request) {
      const form = new URLSearchParams(request.rawBody.toString('utf8'));
      const grantType = form.get('grant_type') ?? '';
      if (grantType !== jwtBearerGrant) return oauthError('unsupported_grant_type', `Invalid grant_type: ${grantType}`);
      const rejected = checkAssertion(form.get('assertion') ?? '');
      if (rejected) return rejected;
      const token = `ya29.c.emulator-${randomBytes(24).toString('base64url')}`;
      tokens.set(token, Date.now() + lifetime * 1000);
      const body = { access_token: token, expires_in: lifetime, token_type: 'Bearer' };
      return jsonResponse(200, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-cache, no-store, max-age=0, must-revalidate' }, body, 2);
    },

    checkApiKey(request) {
      const key = headerValue(request, 'x-goog-api-key');
      if (key === undefined || key === '') {
        return googleError(
          403,
          'PERMISSION_DENIED',
          "Method doesn't allow unregistered callers (callers without established identity). Please use API Key or other form of API consumer identity to call this API.",
        );
      }
      if (key === options.apiKey) return undefined;
      const message = 'API key not valid. Please pass a valid API key.';
      return googleError(400, 'INVALID_ARGUMENT', message, [
        errorInfo('API_KEY_INVALID', 'generativelanguage.googleapis.com'),
        { '@type': 'type.googleapis.com/google.rpc.LocalizedMessage', locale: 'en-US', message },
      ]);
    },

    checkBearer(request) {
      const token = /^Bearer\s+(\S+)$/i.exec(headerValue(request, 'authorization') ?? '')?.[1];
      if (token === undefined) {
        const message =
          'Request is missing required authentication credential. Expected OAuth 2 access token, login cookie or other ' +
          'valid authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project.';
        return googleError(401, 'UNAUTHENTICATED', message, [errorInfo('CREDENTIALS_MISSING', 'aiplatform.googleapis.com')]);
      }
      const expiresAt = tokens.get(token);
      if (expiresAt !== undefined && expiresAt > Date.now()) return undefined;
      const message =
        'Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid ' +
        'authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project.';
      const reason = expiresAt === undefined ? 'ACCESS_TOKEN_TYPE_UNSUPPORTED' : 'ACCESS_TOKEN_EXPIRED';
      return googleError(401, 'UNAUTHENTICATED', message, [errorInfo(reason, 'aiplatform.googleapis.com')]);
    },
  };
}
