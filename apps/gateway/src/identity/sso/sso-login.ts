import { timingSafeEqual } from 'node:crypto';
import * as oidc from 'openid-client';
import { z } from 'zod';
import { createClientConfiguration, type ClientConfiguration, type SsoRequestOptions } from './discover-issuer.js';
import { mapClaimsToRole, readClaimValues } from './map-claims-to-role.js';
import { SsoError } from './sso-error.js';
import { resolveScopes, type Role, type SsoSettings } from './sso-settings.js';
import { translateTokenExchangeError, translateUserinfoError } from './translate-oidc-error.js';

/** What the gateway keeps between the redirect and the callback (in `sso_login_states`, keyed by `state`). */
export interface PendingLogin {
  state: string;
  nonce: string;
  codeVerifier: string;
  /** Where to send the browser. */
  authorizationUrl: string;
}

export type PendingLoginChecks = Pick<PendingLogin, 'state' | 'nonce' | 'codeVerifier'>;

export interface SsoIdentity {
  /** The issuer as its discovery document names it (with `subject`, the user's stable key). */
  issuer: string;
  subject: string;
  email: string | null;
  /** Link accounts by email only when the issuer vouches for it: an unverified email is whatever the user typed. */
  emailVerified: boolean;
  name: string | null;
  role: Role;
  /** ID token claims, completed by userinfo claims the ID token lacked. */
  claims: Record<string, unknown>;
}

/** Starts a sign-in: fresh state, nonce and PKCE (S256) verifier, and the URL to redirect the browser to. */
export async function beginSsoLogin(settings: SsoSettings, options: SsoRequestOptions = {}): Promise<PendingLogin> {
  const { configuration } = await createClientConfiguration(settings, options);
  const codeVerifier = oidc.randomPKCECodeVerifier();
  const state = oidc.randomState();
  const nonce = oidc.randomNonce();
  const authorizationUrl = oidc.buildAuthorizationUrl(configuration, {
    redirect_uri: settings.redirectUri,
    scope: resolveScopes(settings.scopes),
    code_challenge: await oidc.calculatePKCECodeChallenge(codeVerifier),
    code_challenge_method: 'S256',
    state,
    nonce,
  });
  return { state, nonce, codeVerifier, authorizationUrl: authorizationUrl.href };
}

/**
 * Finishes a sign-in from the issuer's redirect. Only the callback's query is read: the `redirect_uri` sent to the
 * token endpoint is `settings.redirectUri`, so a proxy that rewrites scheme or host cannot break the exchange.
 * Throws SsoError for every way the sign-in can fail.
 */
export async function completeSsoLogin(
  settings: SsoSettings,
  callbackUrl: URL,
  pending: PendingLoginChecks,
  options: SsoRequestOptions = {},
): Promise<SsoIdentity> {
  const client = await createClientConfiguration(settings, options);
  checkCallback(callbackUrl.searchParams, pending.state, client.metadata.issuer);
  const currentUrl = new URL(settings.redirectUri);
  currentUrl.search = callbackUrl.search;

  let tokens: Awaited<ReturnType<typeof oidc.authorizationCodeGrant>>;
  try {
    tokens = await oidc.authorizationCodeGrant(client.configuration, currentUrl, {
      pkceCodeVerifier: pending.codeVerifier,
      expectedState: pending.state,
      expectedNonce: pending.nonce,
      idTokenExpected: true,
    });
  } catch (error) {
    throw translateTokenExchangeError(error);
  }
  const idTokenClaims = tokens.claims();
  if (idTokenClaims === undefined) throw new SsoError('invalid_id_token', { message: 'The identity provider sent no ID token.' });

  const claims = await completeClaims(client, settings, { ...idTokenClaims }, tokens.access_token);
  client.rememberKeys();
  return buildIdentity(client.metadata.issuer, claims, settings);
}

/**
 * Checks the callback before any network call, so a forged or stale callback fails with its own reason (and never
 * spends the code): state first (an error response with a foreign state is not ours to report), then issuer, error.
 */
function checkCallback(parameters: URLSearchParams, expectedState: string, issuer: string): void {
  const state = parameters.get('state');
  if (state === null || !equalsInConstantTime(state, expectedState)) {
    throw new SsoError('state_mismatch', {
      message: state === null ? 'The sign-in callback carries no state.' : 'The sign-in callback does not belong to this sign-in (state mismatch); start again.',
    });
  }
  const callbackIssuer = parameters.get('iss');
  if (callbackIssuer !== null && callbackIssuer !== issuer) {
    throw new SsoError('invalid_callback', { message: `The sign-in callback names another issuer (${callbackIssuer}).` });
  }
  const error = parameters.get('error');
  if (error !== null) {
    const description = parameters.get('error_description');
    throw new SsoError('issuer_error', {
      message: `The identity provider refused the sign-in: ${description === null ? error : `${error}: ${description}`}`,
      issuerError: error,
      issuerErrorDescription: description,
    });
  }
  if (parameters.get('code') === null) throw new SsoError('invalid_callback', { message: 'The sign-in callback carries no authorization code.' });
}

function equalsInConstantTime(actual: string, expected: string): boolean {
  const actualBytes = Buffer.from(actual);
  const expectedBytes = Buffer.from(expected);
  return actualBytes.length === expectedBytes.length && timingSafeEqual(actualBytes, expectedBytes);
}

/**
 * Many issuers (oidc-provider, Okta by default) put profile claims only in userinfo for the code flow. The ID token's
 * claims win on conflict: they are signed, userinfo only fills the gaps.
 */
async function completeClaims(
  client: ClientConfiguration,
  settings: SsoSettings,
  idTokenClaims: Record<string, unknown>,
  accessToken: string,
): Promise<Record<string, unknown>> {
  const lacksEmail = typeof idTokenClaims.email !== 'string';
  const lacksRoles = settings.roleClaim !== null && readClaimValues(idTokenClaims, settings.roleClaim).length === 0;
  const subject = idTokenClaims.sub;
  if (!(lacksEmail || lacksRoles) || client.metadata.userinfoEndpoint === null || typeof subject !== 'string') return idTokenClaims;
  try {
    const userinfo = await oidc.fetchUserInfo(client.configuration, accessToken, subject);
    return { ...userinfo, ...idTokenClaims };
  } catch (error) {
    throw translateUserinfoError(error);
  }
}

/** Tolerant on purpose: a claim of an unexpected type reads as absent rather than failing the whole sign-in. */
const identityClaimsSchema = z.object({
  sub: z.string().min(1),
  email: z.string().trim().min(1).optional().catch(undefined),
  // Some issuers (Cognito among them) send the boolean as a string.
  email_verified: z.union([z.boolean(), z.literal('true').transform(() => true)]).optional().catch(undefined),
  name: z.string().trim().min(1).optional().catch(undefined),
  given_name: z.string().trim().min(1).optional().catch(undefined),
  family_name: z.string().trim().min(1).optional().catch(undefined),
  preferred_username: z.string().trim().min(1).optional().catch(undefined),
});

function buildIdentity(issuer: string, claims: Record<string, unknown>, settings: SsoSettings): SsoIdentity {
  const parsed = identityClaimsSchema.safeParse(claims);
  if (!parsed.success) throw new SsoError('invalid_id_token', { message: 'The ID token has no subject.', cause: parsed.error });
  const profile = parsed.data;
  const fullName = [profile.given_name, profile.family_name].filter((part) => part !== undefined).join(' ');
  return {
    issuer,
    subject: profile.sub,
    email: profile.email ?? null,
    emailVerified: profile.email === undefined ? false : profile.email_verified === true,
    name: profile.name ?? (fullName !== '' ? fullName : profile.preferred_username) ?? null,
    role: mapClaimsToRole(claims, settings),
    claims,
  };
}
