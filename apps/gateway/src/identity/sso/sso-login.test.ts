import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOidcIssuer, type OidcIssuer } from '../../../test/support/oidc-issuer.js';
import { DiscoveryCache, discoverIssuer, isLoopbackIssuer, type SsoRequestOptions } from './discover-issuer.js';
import { SsoError, type SsoErrorReason } from './sso-error.js';
import { beginSsoLogin, completeSsoLogin } from './sso-login.js';
import { ssoSettingsSchema, type SsoSettings } from './sso-settings.js';

const redirectUri = 'http://127.0.0.1:4000/api/v1/auth/sso/callback';
const accounts = {
  alice: { email: 'alice@acme.test', name: 'Alice Example', groups: ['engineering', 'gateway-admins'] },
  bob: { email: 'bob@acme.test', groups: ['sales'], emailVerified: false },
};
const clients = [
  { clientId: 'arbiter-confidential', clientSecret: 'confidential-secret', redirectUris: [redirectUri] },
  { clientId: 'arbiter-public', redirectUris: [redirectUri] },
];

let issuer: OidcIssuer;
let options: SsoRequestOptions;

function settingsFor(overrides: Partial<SsoSettings> = {}): SsoSettings {
  return ssoSettingsSchema.parse({
    issuer: issuer.issuer,
    clientId: 'arbiter-confidential',
    clientSecret: 'confidential-secret',
    redirectUri,
    scopes: 'openid email profile groups',
    defaultRole: 'viewer',
    roleClaim: 'groups',
    roleMapping: { 'gateway-admins': 'admin', engineering: 'user' },
    ...overrides,
  });
}

/** One sign-in up to the callback: what the gateway stored, and where the browser came back to. */
async function signIn(settings: SsoSettings, accountId: string, decision: 'allow' | 'deny' = 'allow') {
  const pending = await beginSsoLogin(settings, options);
  const callbackUrl = await issuer.authorize(pending.authorizationUrl, accountId, { decision });
  return { pending, callbackUrl };
}

async function expectSsoError(promise: Promise<unknown>, reason: SsoErrorReason): Promise<SsoError> {
  const error = await promise.then(
    () => null,
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(SsoError);
  expect((error as SsoError).reason).toBe(reason);
  return error as SsoError;
}

beforeAll(async () => {
  issuer = await startOidcIssuer({ clients, accounts });
  options = { allowInsecure: isLoopbackIssuer(issuer.issuer), cache: new DiscoveryCache() };
});

afterAll(async () => {
  await issuer.close();
});

describe('discoverIssuer', () => {
  it('reads the endpoints of the issuer', async () => {
    const metadata = await discoverIssuer(issuer.issuer, options);
    expect(metadata).toMatchObject({
      issuer: issuer.issuer,
      authorizationEndpoint: `${issuer.issuer}/auth`,
      tokenEndpoint: `${issuer.issuer}/token`,
      userinfoEndpoint: `${issuer.issuer}/me`,
      jwksUri: `${issuer.issuer}/jwks`,
    });
    expect(metadata.codeChallengeMethodsSupported).toContain('S256');
    expect(metadata.scopesSupported).toEqual(expect.arrayContaining(['openid', 'email', 'groups']));
  });

  it('caches the document until it expires', async () => {
    let now = 0;
    const cache = new DiscoveryCache({ ttlMs: 1000, now: () => now });
    const first = await discoverIssuer(issuer.issuer, { ...options, cache });
    expect(await discoverIssuer(issuer.issuer, { ...options, cache })).toBe(first);
    now = 1001;
    const refreshed = await discoverIssuer(issuer.issuer, { ...options, cache });
    expect(refreshed).not.toBe(first);
    expect(refreshed).toEqual(first);
  });

  it('refuses a plain-http issuer unless the caller allows it', async () => {
    const error = await expectSsoError(discoverIssuer(issuer.issuer, { cache: new DiscoveryCache() }), 'discovery_failed');
    expect(error.message).toContain('https');
  });

  it('fails with discovery_failed (502, retryable) when the issuer is down', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const down = settingsFor({ issuer: `http://127.0.0.1:${port}` });
    const error = await expectSsoError(beginSsoLogin(down, { allowInsecure: true, cache: new DiscoveryCache() }), 'discovery_failed');
    expect(error.status).toBe(502);
    expect(error.isRetryable).toBe(true);
    expect(error.message).toContain('ECONNREFUSED');
  });
});

describe('SSO sign-in against a real issuer', () => {
  it('signs in a confidential client with PKCE, merging groups from userinfo into the role', async () => {
    const settings = settingsFor();
    const { pending, callbackUrl } = await signIn(settings, 'alice');
    const authorizationUrl = new URL(pending.authorizationUrl);
    expect(authorizationUrl.searchParams.get('code_challenge_method')).toBe('S256');
    expect(authorizationUrl.searchParams.get('scope')).toBe('openid email profile groups');
    expect(callbackUrl.searchParams.get('state')).toBe(pending.state);

    const identity = await completeSsoLogin(settings, callbackUrl, pending, options);
    expect(identity).toMatchObject({
      issuer: issuer.issuer,
      subject: 'alice',
      email: 'alice@acme.test',
      emailVerified: true,
      name: 'Alice Example',
      role: 'admin',
    });
    expect(identity.claims).toMatchObject({ sub: 'alice', nonce: pending.nonce, groups: ['engineering', 'gateway-admins'] });
  });

  it('signs in a public client (no secret, PKCE only) and applies the default role when no group matches', async () => {
    const settings = settingsFor({ clientId: 'arbiter-public', clientSecret: null });
    const { pending, callbackUrl } = await signIn(settings, 'bob');
    const identity = await completeSsoLogin(settings, callbackUrl, pending, options);
    expect(identity).toMatchObject({ subject: 'bob', email: 'bob@acme.test', emailVerified: false, name: null, role: 'viewer' });
  });

  it('takes claims straight from the ID token when the issuer puts them there', async () => {
    const generous = await startOidcIssuer({ clients, accounts, claimsInIdToken: true });
    try {
      const settings = settingsFor({ issuer: generous.issuer });
      const pending = await beginSsoLogin(settings, options);
      const callbackUrl = await generous.authorize(pending.authorizationUrl, 'alice');
      const identity = await completeSsoLogin(settings, callbackUrl, pending, options);
      expect(identity).toMatchObject({ issuer: generous.issuer, email: 'alice@acme.test', role: 'admin' });
    } finally {
      await generous.close();
    }
  });

  it('rejects a callback with another state before spending the code', async () => {
    const settings = settingsFor();
    const { pending, callbackUrl } = await signIn(settings, 'alice');
    const error = await expectSsoError(completeSsoLogin(settings, callbackUrl, { ...pending, state: 'someone-elses-state' }, options), 'state_mismatch');
    expect(error.status).toBe(400);
    const withoutState = new URL(callbackUrl);
    withoutState.searchParams.delete('state');
    await expectSsoError(completeSsoLogin(settings, withoutState, pending, options), 'state_mismatch');
    // The code was not sent to the issuer, so the genuine callback still works.
    expect((await completeSsoLogin(settings, callbackUrl, pending, options)).subject).toBe('alice');
  });

  it('rejects an ID token minted for another nonce', async () => {
    const settings = settingsFor();
    const { pending, callbackUrl } = await signIn(settings, 'alice');
    const error = await expectSsoError(completeSsoLogin(settings, callbackUrl, { ...pending, nonce: 'tampered-nonce' }, options), 'nonce_mismatch');
    expect(error.status).toBe(401);
  });

  it('reports the issuer refusing the sign-in (the user denies)', async () => {
    const settings = settingsFor();
    const { pending, callbackUrl } = await signIn(settings, 'alice', 'deny');
    expect(callbackUrl.searchParams.get('error')).toBe('access_denied');
    const error = await expectSsoError(completeSsoLogin(settings, callbackUrl, pending, options), 'issuer_error');
    expect(error.issuerError).toBe('access_denied');
    expect(error.message).toContain('access_denied');
  });

  it('rejects a replayed code', async () => {
    const settings = settingsFor();
    const { pending, callbackUrl } = await signIn(settings, 'alice');
    await completeSsoLogin(settings, callbackUrl, pending, options);
    const error = await expectSsoError(completeSsoLogin(settings, callbackUrl, pending, options), 'token_exchange_failed');
    expect(error.issuerError).toBe('invalid_grant');
    expect(error.status).toBe(401);
  });

  it('rejects a wrong client secret', async () => {
    const settings = settingsFor();
    const { pending, callbackUrl } = await signIn(settings, 'alice');
    const wrongSecret = { ...settings, clientSecret: 'not-the-secret' };
    const error = await expectSsoError(completeSsoLogin(wrongSecret, callbackUrl, pending, options), 'token_exchange_failed');
    expect(error.issuerError).toBe('invalid_client');
  });

  it('rejects a correctly signed ID token issued for another audience', async () => {
    const settings = settingsFor();
    const { pending, callbackUrl } = await signIn(settings, 'alice');
    issuer.rewriteIdTokens({ aud: 'another-client' });
    try {
      const error = await expectSsoError(completeSsoLogin(settings, callbackUrl, pending, options), 'invalid_id_token');
      expect(error.message).toContain('aud');
    } finally {
      issuer.rewriteIdTokens(null);
    }
  });

  it('rejects a callback naming another issuer', async () => {
    const settings = settingsFor();
    const { pending, callbackUrl } = await signIn(settings, 'alice');
    callbackUrl.searchParams.set('iss', 'https://evil.example');
    await expectSsoError(completeSsoLogin(settings, callbackUrl, pending, options), 'invalid_callback');
  });
});
