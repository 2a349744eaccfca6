import { readFileSync } from 'node:fs';
import { GatewayError } from '@arbiter/shared';
import { SignJWT, importPKCS8 } from 'jose';
import { z } from 'zod';
import { readBodyText, readJsonBody, type HttpClient } from '../shared/http-client.js';
import { UpstreamError } from '../shared/upstream-error.js';
import { googleTokenErrorSchema, googleTokenResponseSchema } from './google-api.js';
import { parseJsonOrNull } from './map-google-error.js';

/** The fields of a service-account JSON key file (as downloaded from the Cloud console) that token requests use. */
export const googleServiceAccountSchema = z.looseObject({
  /** `authorized_user` files (gcloud's own login) hold a refresh token instead and are not supported. */
  type: z.literal('service_account').optional(),
  client_email: z.string().min(1),
  private_key: z.string().min(1),
  /** Names the signing key, so Google need not try every key of the account. */
  private_key_id: z.string().min(1).optional(),
  token_uri: z.url().default('https://oauth2.googleapis.com/token'),
  project_id: z.string().min(1).optional(),
});
export interface GoogleServiceAccount {
  client_email: string;
  private_key: string;
  token_uri: string;
  project_id?: string;
  private_key_id?: string;
}

/** The scope Vertex AI needs. */
export const cloudPlatformScope = 'https://www.googleapis.com/auth/cloud-platform';

const jwtBearerGrant = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
/** Google accepts assertions valid for at most an hour. */
const assertionLifetimeSeconds = 3600;
/** A token is renewed this long before it expires (as google-auth-library does), or halfway for short-lived ones. */
const refreshMarginMs = 5 * 60_000;
/** The token endpoint answers in milliseconds; a provider's long generation timeout is not meant for it. */
const tokenTimeoutMs = 30_000;

/**
 * Reads and checks a service-account key file (`GOOGLE_APPLICATION_CREDENTIALS`). Synchronous: it runs once, at
 * startup. The error names the file and the field, never a value (the file holds a private key).
 */
export function readServiceAccountFile(path: string): GoogleServiceAccount {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new Error(`cannot read the Google service-account file ${path}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
  const result = googleServiceAccountSchema.safeParse(json);
  if (!result.success) {
    const issue = result.error.issues[0];
    throw new Error(`the Google service-account file ${path} is not a service-account key: ${issue?.path.join('.') ?? '?'}: ${issue?.message ?? ''}`);
  }
  return result.data;
}

export interface GoogleAccessTokenProviderOptions {
  /** The provider id, for errors. */
  provider: string;
  serviceAccount: GoogleServiceAccount;
  http: HttpClient;
  /** Milliseconds since the epoch; tests move the clock. */
  now?: () => number;
}

interface CachedToken {
  value: string;
  refreshAt: number;
}

/**
 * OAuth2 access tokens for a service account (RFC 7523 JWT-bearer grant, as google-auth-library does it): an RS256
 * assertion signed with the account's key is exchanged at its `token_uri`. The token is cached until shortly before
 * it expires, and concurrent requests that find no valid token share one refresh.
 */
export class GoogleAccessTokenProvider {
  private token: CachedToken | null = null;
  private refreshing: Promise<CachedToken> | null = null;
  private readonly now: () => number;

  constructor(private readonly options: GoogleAccessTokenProviderOptions) {
    this.now = options.now ?? Date.now;
  }

  /** A valid token; waits for a refresh when needed. The caller's abort ends the wait, not the shared refresh. */
  async getAccessToken(signal: AbortSignal): Promise<string> {
    if (this.token !== null && this.now() < this.token.refreshAt) return this.token.value;
    if (this.refreshing === null) {
      const refreshing = this.refresh().finally(() => {
        this.refreshing = null;
      });
      // Every waiter may have given up; the outcome then matters to no one and must not become an unhandled rejection.
      refreshing.catch(() => undefined);
      this.refreshing = refreshing;
    }
    const token = await waitUnlessAborted(this.refreshing, signal);
    return token.value;
  }

  /** Drops a token Google rejected (revoked, or a clock far off), so that the next call gets a new one. */
  invalidate(token: string): void {
    if (this.token?.value === token) this.token = null;
  }

  private async refresh(): Promise<CachedToken> {
    const { provider, serviceAccount, http } = this.options;
    const issuedAt = this.now();
    const assertion = await this.createAssertion(Math.floor(issuedAt / 1000));
    // Not the caller's signal: other requests wait for this refresh too.
    const signal = new AbortController().signal;
    const response = await http.send({
      provider,
      url: new URL(serviceAccount.token_uri),
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: new URLSearchParams({ grant_type: jwtBearerGrant, assertion }).toString(),
      signal,
      timeoutMs: tokenTimeoutMs,
    });
    if (response.status >= 300) {
      const text = await readBodyText(provider, response, signal).catch(() => '');
      throw createTokenError(provider, response.status, text);
    }
    const body = await readJsonBody(provider, response, googleTokenResponseSchema, signal);
    const lifetimeMs = body.expires_in * 1000;
    const token = { value: body.access_token, refreshAt: issuedAt + Math.max(lifetimeMs - refreshMarginMs, lifetimeMs / 2) };
    this.token = token;
    return token;
  }

  private async createAssertion(issuedAt: number): Promise<string> {
    const { serviceAccount } = this.options;
    const key = await importPKCS8(serviceAccount.private_key, 'RS256').catch((error: unknown) => {
      throw new GatewayError('provider_not_configured', {
        message: `${this.options.provider}: the service account's private_key is not a PKCS#8 PEM RSA key`,
        cause: error,
      });
    });
    const keyId = serviceAccount.private_key_id;
    return new SignJWT({ scope: cloudPlatformScope })
      .setProtectedHeader(keyId === undefined ? { alg: 'RS256', typ: 'JWT' } : { alg: 'RS256', typ: 'JWT', kid: keyId })
      .setIssuer(serviceAccount.client_email)
      .setAudience(serviceAccount.token_uri)
      .setIssuedAt(issuedAt)
      .setExpirationTime(issuedAt + assertionLifetimeSeconds)
      .sign(key);
  }
}

/**
 * The token endpoint rejecting the gateway's own credentials (`invalid_grant`: a deleted key, a bad signature, a
 * clock far off) is an authentication failure upstream: 401 to the client, not retryable. 429 and 5xx keep their
 * status, so that they stay retryable.
 */
function createTokenError(provider: string, status: number, text: string): UpstreamError {
  const parsed = googleTokenErrorSchema.safeParse(parseJsonOrNull(text));
  const detail = parsed.success
    ? `${parsed.data.error}${parsed.data.error_description == null ? '' : ` (${parsed.data.error_description})`}`
    : text.trim().slice(0, 200) || `HTTP ${status}`;
  return new UpstreamError('upstream_error', {
    provider,
    upstreamStatus: status === 429 || status >= 500 ? status : 401,
    message: `could not get a Google access token: ${detail}`,
    upstreamType: 'authentication_error',
    upstreamCode: parsed.success ? parsed.data.error : null,
  });
}

function waitUnlessAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason as Error);
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason as Error);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error as Error);
      },
    );
  });
}
