import { sessionResponseSchema, ssoConfigViewSchema } from '@arbiter/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/database.js';
import { createTenant, createUser, type TestTenant } from '../support/identity-fixtures.js';
import { startOidcIssuer, type OidcIssuer } from '../support/oidc-issuer.js';
import { describeDatabase, openTestDatabase } from '../support/test-database.js';
import { startTestGateway, type TestGateway } from '../support/test-gateway.js';

/**
 * The whole SSO flow through the gateway's routes against a real OIDC issuer (oidc-provider) in-process: configure,
 * initiate, the browser part (driven without a browser), callback, just-in-time user with the mapped role, tokens that
 * work; then the failure paths.
 */
const redirectUri = 'http://127.0.0.1:9/api/v1/admin/auth/sso/callback';
let database: Database;
let gateway: TestGateway;
let issuer: OidcIssuer;
let tenant: TestTenant;

beforeAll(async () => {
  database = await openTestDatabase();
  gateway = await startTestGateway({ database, listen: false });
  issuer = await startOidcIssuer({
    clients: [{ clientId: 'arbiter', clientSecret: 'arbiter-secret', redirectUris: [redirectUri] }],
    accounts: {
      alice: { email: `alice-${Date.now()}@acme.test`, name: 'Alice', groups: ['gateway-admins'] },
      carol: { email: `carol-${Date.now()}@acme.test`, name: 'Carol', groups: ['sales'] },
    },
  });
  tenant = await createTenant(gateway.app);
});
afterAll(async () => {
  await gateway?.close();
  await issuer?.close();
  await database?.close();
});

async function configure(): Promise<void> {
  const response = await gateway.app.inject({
    method: 'POST',
    url: '/api/v1/admin/sso/config',
    headers: tenant.admin.headers,
    payload: {
      issuer: issuer.issuer,
      client_id: 'arbiter',
      client_secret: 'arbiter-secret',
      redirect_uri: redirectUri,
      scopes: 'openid email profile groups',
      default_role: 'viewer',
      role_claim: 'groups',
      role_mapping: { 'gateway-admins': 'manager' },
    },
  });
  expect(response.statusCode, response.body).toBe(201);
  const view = ssoConfigViewSchema.parse(response.json());
  expect(view).toMatchObject({ has_client_secret: true, role_mapping: { 'gateway-admins': 'manager' } });
  expect(response.body).not.toContain('arbiter-secret');
}

async function signInWithSso(account: string): Promise<{ statusCode: number; body: string }> {
  const initiated = await gateway.app.inject({ method: 'POST', url: '/api/v1/admin/auth/sso/initiate', payload: { tenant: tenant.slug } });
  expect(initiated.statusCode, initiated.body).toBe(200);
  const { authorization_url: authorizationUrl } = initiated.json() as { authorization_url: string };
  const callback = await issuer.authorize(authorizationUrl, account);
  return gateway.app.inject({ method: 'GET', url: `/api/v1/admin/auth/sso/callback${callback.search}` });
}

describe(`SSO with OIDC (${describeDatabase()})`, () => {
  it('a tenant admin configures SSO; discovery and the public provider listing work; others may not touch it', async () => {
    const discovered = await gateway.app.inject({ method: 'POST', url: '/api/v1/admin/sso/discover', headers: tenant.admin.headers, payload: { issuer: issuer.issuer } });
    expect(discovered.statusCode, discovered.body).toBe(200);
    expect(discovered.json()).toMatchObject({ issuer: issuer.issuer, codeChallengeMethodsSupported: expect.arrayContaining(['S256']) });
    const user = await createUser(gateway.app, tenant, 'manager');
    const byManager = await gateway.app.inject({ method: 'GET', url: '/api/v1/admin/sso/config', headers: user.headers });
    expect(byManager.statusCode).toBe(403);

    await configure();
    const again = await gateway.app.inject({ method: 'POST', url: '/api/v1/admin/sso/config', headers: tenant.admin.headers, payload: { issuer: issuer.issuer, client_id: 'x', redirect_uri: redirectUri } });
    expect(again.statusCode).toBe(409);
    const providers = await gateway.app.inject({ method: 'GET', url: `/api/v1/admin/auth/sso/providers?tenant=${tenant.slug}` });
    expect(providers.json()).toMatchObject({ data: [{ tenant: tenant.slug, type: 'oidc', issuer: issuer.issuer }] });
    const none = await gateway.app.inject({ method: 'GET', url: '/api/v1/admin/auth/sso/providers?tenant=no-such-tenant' });
    expect(none.json()).toEqual({ object: 'list', data: [] });
  });

  it('completes the flow: a just-in-time user with the role mapped from groups, and tokens that work', async () => {
    const response = await signInWithSso('alice');
    expect(response.statusCode, response.body).toBe(200);
    const session = sessionResponseSchema.parse(JSON.parse(response.body));
    expect(session.user).toMatchObject({ tenant_id: tenant.id, role: 'manager', sso: true, name: 'Alice' });
    const users = await gateway.app.inject({ method: 'GET', url: '/api/v1/admin/users', headers: { authorization: `Bearer ${session.access_token}` } });
    expect(users.statusCode).toBe(200);

    // A second sign-in finds the same user.
    const second = sessionResponseSchema.parse(JSON.parse((await signInWithSso('alice')).body));
    expect(second.user.id).toBe(session.user.id);
  });

  it('an unmapped group gets the default role', async () => {
    const response = await signInWithSso('carol');
    expect(response.statusCode, response.body).toBe(200);
    expect(sessionResponseSchema.parse(JSON.parse(response.body)).user.role).toBe('viewer');
  });

  it('a replayed callback, an unknown state and a denied consent are refused', async () => {
    const initiated = await gateway.app.inject({ method: 'POST', url: '/api/v1/admin/auth/sso/initiate', payload: { tenant: tenant.slug } });
    const callback = await issuer.authorize((initiated.json() as { authorization_url: string }).authorization_url, 'alice');
    const first = await gateway.app.inject({ method: 'GET', url: `/api/v1/admin/auth/sso/callback${callback.search}` });
    expect(first.statusCode).toBe(200);
    const replay = await gateway.app.inject({ method: 'GET', url: `/api/v1/admin/auth/sso/callback${callback.search}` });
    expect(replay.statusCode).toBe(400);
    expect(replay.json()).toMatchObject({ error: { param: 'state' } });

    const forged = await gateway.app.inject({ method: 'GET', url: '/api/v1/admin/auth/sso/callback?state=forged&code=abc' });
    expect(forged.statusCode).toBe(400);

    const denied = await gateway.app.inject({ method: 'POST', url: '/api/v1/admin/auth/sso/initiate', payload: { tenant: tenant.slug } });
    const deniedCallback = await issuer.authorize((denied.json() as { authorization_url: string }).authorization_url, 'alice', { decision: 'deny' });
    const refused = await gateway.app.inject({ method: 'GET', url: `/api/v1/admin/auth/sso/callback${deniedCallback.search}` });
    expect(refused.statusCode).toBe(401);
    expect(refused.json().error.type).toBe('authentication_error');
  });

  it('a disabled configuration stops new sign-ins', async () => {
    const disabled = await gateway.app.inject({ method: 'PUT', url: '/api/v1/admin/sso/config', headers: tenant.admin.headers, payload: { enabled: false } });
    expect(disabled.statusCode, disabled.body).toBe(200);
    const initiated = await gateway.app.inject({ method: 'POST', url: '/api/v1/admin/auth/sso/initiate', payload: { tenant: tenant.slug } });
    expect(initiated.statusCode).toBe(404);
    await gateway.app.inject({ method: 'PUT', url: '/api/v1/admin/sso/config', headers: tenant.admin.headers, payload: { enabled: true } });
  });

  it('a deleted configuration ends SSO for the tenant; its SSO users keep their accounts', async () => {
    const removed = await gateway.app.inject({ method: 'DELETE', url: '/api/v1/admin/sso/config', headers: tenant.admin.headers });
    expect(removed.statusCode).toBe(200);
    expect((await gateway.app.inject({ method: 'GET', url: '/api/v1/admin/sso/config', headers: tenant.admin.headers })).statusCode).toBe(404);
    expect((await gateway.app.inject({ method: 'POST', url: '/api/v1/admin/auth/sso/initiate', payload: { tenant: tenant.slug } })).statusCode).toBe(404);
    const users = await gateway.app.inject({ method: 'GET', url: '/api/v1/admin/users', headers: tenant.admin.headers });
    expect((users.json() as { data: { sso: boolean }[] }).data.filter((user) => user.sso).length).toBeGreaterThanOrEqual(2);
  });
});
