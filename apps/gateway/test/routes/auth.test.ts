import { apiKeyViewSchema, sessionResponseSchema, tokenResponseSchema, userViewSchema } from '@arbiter/shared';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Database } from '../../src/db/database.js';
import { createApiKey, createTenant, createUser, signIn, testPassword, uniqueEmail, type TestTenant } from '../support/identity-fixtures.js';
import { describeDatabase, openTestDatabase } from '../support/test-database.js';
import { authorization, startTestGateway, type TestGateway } from '../support/test-gateway.js';

let database: Database;
let gateway: TestGateway;
let tenant: TestTenant;

beforeAll(async () => {
  database = await openTestDatabase();
  gateway = await startTestGateway({ database, listen: false, env: { ARBITER_OPEN_SIGNUP: 'true' } });
  tenant = await createTenant(gateway.app);
});
afterAll(async () => {
  await gateway?.close();
  await database?.close();
});

const profile = (headers: Record<string, string>) => gateway.app.inject({ method: 'GET', url: '/api/v1/auth/profile', headers });

describe(`sign-in, tokens and keys (${describeDatabase()})`, () => {
  it('self sign-up creates a tenant with the caller as its admin, signed in', async () => {
    const email = uniqueEmail('signup');
    const response = await gateway.app.inject({ method: 'POST', url: '/api/v1/auth/register', payload: { email, password: testPassword, tenant_name: 'Acme Insurance' } });
    expect(response.statusCode, response.body).toBe(201);
    const session = sessionResponseSchema.parse(response.json());
    expect(session.user).toMatchObject({ email, role: 'admin', active: true });
    const me = await profile({ authorization: `Bearer ${session.access_token}` });
    expect(me.json()).toMatchObject({ role: 'admin', kind: 'access_token', tenant: { name: 'Acme Insurance' } });
  });

  it('sign-up is closed unless ARBITER_OPEN_SIGNUP is set', async () => {
    const closed = await startTestGateway({ database, listen: false });
    try {
      const response = await closed.app.inject({ method: 'POST', url: '/api/v1/auth/register', payload: { email: uniqueEmail(), password: testPassword } });
      expect(response.statusCode).toBe(403);
      expect(response.json()).toMatchObject({ error: { code: 'permission_denied', type: 'permission_error' } });
    } finally {
      await closed.close();
    }
  });

  it('an admin registers a user in their own tenant; weak passwords and duplicate emails are refused', async () => {
    const email = uniqueEmail('registered');
    const created = await gateway.app.inject({ method: 'POST', url: '/api/v1/admin/auth/register', headers: tenant.admin.headers, payload: { email, password: testPassword, role: 'viewer' } });
    expect(created.statusCode, created.body).toBe(201);
    expect(userViewSchema.parse(created.json())).toMatchObject({ email, role: 'viewer', tenant_id: tenant.id });
    const duplicate = await gateway.app.inject({ method: 'POST', url: '/api/v1/auth/register', headers: tenant.admin.headers, payload: { email: email.toUpperCase(), password: testPassword } });
    expect(duplicate.statusCode).toBe(409);
    expect(duplicate.json()).toMatchObject({ error: { code: 'conflict', param: 'email' } });
    const weak = await gateway.app.inject({ method: 'POST', url: '/api/v1/auth/register', headers: tenant.admin.headers, payload: { email: uniqueEmail(), password: 'short' } });
    expect(weak.statusCode).toBe(400);
    expect(weak.json()).toMatchObject({ error: { code: 'invalid_request', param: 'password' } });
  });

  it('login returns a short-lived access token and a refresh token; wrong passwords and unknown emails look alike', async () => {
    const user = await createUser(gateway.app, tenant, 'user');
    expect(user.accessToken.split('.')).toHaveLength(3);
    const wrong = await gateway.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email: user.email, password: 'not the password at all' } });
    const unknown = await gateway.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email: uniqueEmail('nobody'), password: 'not the password at all' } });
    expect(wrong.statusCode).toBe(401);
    expect(unknown.statusCode).toBe(401);
    expect(wrong.json()).toEqual(unknown.json());
  });

  it('refresh rotates the pair; reusing a spent refresh token revokes the whole sign-in', async () => {
    const user = await createUser(gateway.app, tenant, 'user');
    const refresh = (token: string) => gateway.app.inject({ method: 'POST', url: '/api/v1/auth/refresh', payload: { refresh_token: token } });
    const first = await refresh(user.refreshToken);
    expect(first.statusCode, first.body).toBe(200);
    const rotated = tokenResponseSchema.parse(first.json());
    expect(rotated.refresh_token).not.toBe(user.refreshToken);
    expect((await profile({ authorization: `Bearer ${rotated.access_token}` })).statusCode).toBe(200);

    const replay = await refresh(user.refreshToken);
    expect(replay.statusCode).toBe(401);
    expect(replay.json().error.message).toMatch(/already used/);
    // The thief's replay also ended the legitimate holder's newer token.
    const afterReuse = await refresh(rotated.refresh_token);
    expect(afterReuse.statusCode).toBe(401);
  });

  it('two concurrent refreshes with one token: exactly one wins', async () => {
    const user = await createUser(gateway.app, tenant, 'user');
    const results = await Promise.all(
      [1, 2].map(() => gateway.app.inject({ method: 'POST', url: '/api/v1/auth/refresh', payload: { refresh_token: user.refreshToken } })),
    );
    expect(results.map((result) => result.statusCode).sort()).toEqual([200, 401]);
  });

  it('logout revokes the sign-in; it is idempotent', async () => {
    const user = await createUser(gateway.app, tenant, 'user');
    const logout = () => gateway.app.inject({ method: 'POST', url: '/api/v1/auth/logout', payload: { refresh_token: user.refreshToken } });
    expect((await logout()).statusCode).toBe(204);
    expect((await logout()).statusCode).toBe(204);
    const refreshed = await gateway.app.inject({ method: 'POST', url: '/api/v1/auth/refresh', payload: { refresh_token: user.refreshToken } });
    expect(refreshed.statusCode).toBe(401);
  });

  it('a tampered access token is refused: changed payload, changed signature, alg none', async () => {
    const user = await createUser(gateway.app, tenant, 'viewer');
    const [header, payload, signature] = user.accessToken.split('.') as [string, string, string];
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>;
    const forged = Buffer.from(JSON.stringify({ ...claims, sub: tenant.admin.id })).toString('base64url');
    const noneHeader = Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url');
    const flipped = signature.slice(0, -2) + (signature.endsWith('AA') ? 'BB' : 'AA');
    for (const token of [`${header}.${forged}.${signature}`, `${header}.${payload}.${flipped}`, `${noneHeader}.${forged}.`, `${noneHeader}.${forged}.x`]) {
      const response = await profile({ authorization: `Bearer ${token}` });
      expect(response.statusCode, token).toBe(401);
      expect(response.json().error.type).toBe('authentication_error');
    }
  });

  it('an expired access token is refused with a message saying to refresh', async () => {
    const user = await createUser(gateway.app, tenant, 'viewer');
    expect((await profile(user.headers)).statusCode).toBe(200);
    vi.useFakeTimers({ toFake: ['Date'], now: Date.now() + (gateway.env.ARBITER_ACCESS_TOKEN_TTL_SECONDS + 5) * 1000 });
    try {
      const response = await profile(user.headers);
      expect(response.statusCode).toBe(401);
      expect(response.json()).toMatchObject({ error: { code: 'invalid_token', message: expect.stringMatching(/expired/) } });
    } finally {
      vi.useRealTimers();
    }
  });

  it('repeated failed sign-ins lock the account with Retry-After; the right password waits too', async () => {
    const user = await createUser(gateway.app, tenant, 'user');
    const attempt = (password: string) => gateway.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email: user.email, password } });
    const statuses: number[] = [];
    for (let index = 0; index < 6; index++) statuses.push((await attempt(`wrong password ${index}!`)).statusCode);
    expect(statuses).toEqual([401, 401, 401, 401, 429, 429]);
    const locked = await attempt(testPassword);
    expect(locked.statusCode).toBe(429);
    expect(locked.json()).toMatchObject({ error: { code: 'account_locked' } });
    expect(Number(locked.headers['retry-after'])).toBeGreaterThan(0);
  });

  it('an API key is shown once, stored as a hash, identified by its prefix, and works for inference routes', async () => {
    const user = await createUser(gateway.app, tenant, 'user');
    const key = await createApiKey(gateway.app, user, { name: 'ci key' });
    expect(key.key).toMatch(/^arb_[\w-]{43}$/);
    const listed = await gateway.app.inject({ method: 'GET', url: '/api/v1/admin/api-keys', headers: user.headers });
    const views = apiKeyViewSchema.array().parse(listed.json().data);
    expect(views.map((view) => view.id)).toEqual([key.id]);
    expect(JSON.stringify(listed.json())).not.toContain(key.key);
    expect(key.key.startsWith(views[0]?.prefix ?? '?')).toBe(true);
    const models = await gateway.app.inject({ method: 'GET', url: '/v1/models', headers: key.headers });
    expect(models.statusCode).toBe(200);
    const viaHeader = await gateway.app.inject({ method: 'GET', url: '/api/v1/auth/profile', headers: { 'x-api-key': key.key } });
    expect(viaHeader.json()).toMatchObject({ kind: 'api_key', role: 'user', key_id: key.id, user: { id: user.id } });
  });

  it('a revoked key and an expired key are refused at once', async () => {
    const key = await createApiKey(gateway.app, tenant.admin, { name: 'to revoke' });
    expect((await profile(key.headers)).statusCode).toBe(200);
    const revoked = await gateway.app.inject({ method: 'POST', url: `/api/v1/admin/api-keys/${key.id}/revoke`, headers: tenant.admin.headers });
    expect(revoked.statusCode).toBe(200);
    expect(apiKeyViewSchema.parse(revoked.json()).revoked_at).not.toBeNull();
    const refused = await profile(key.headers);
    expect(refused.statusCode).toBe(401);
    expect(refused.json().error.message).toMatch(/revoked/);

    const shortLived = await createApiKey(gateway.app, tenant.admin, { name: 'expiring', expires_at: new Date(Date.now() + 60_000).toISOString() });
    expect((await profile(shortLived.headers)).statusCode).toBe(200);
    vi.useFakeTimers({ toFake: ['Date'], now: Date.now() + 61_000 });
    try {
      const expired = await profile(shortLived.headers);
      expect(expired.statusCode).toBe(401);
      expect(expired.json().error.message).toMatch(/expired/);
    } finally {
      vi.useRealTimers();
    }
  });

  it('unknown keys and garbage credentials are 401 in the envelope, never 500', async () => {
    for (const credential of ['arb_' + 'x'.repeat(43), 'a.b.c', 'eyJ.eyJ.sig', '   ', 'arb_']) {
      const response = await profile({ authorization: `Bearer ${credential}` });
      expect(response.statusCode, credential).toBe(401);
      expect(response.json().error).toMatchObject({ type: 'authentication_error' });
    }
  });

  it('deactivating a user ends their tokens and keys at once; a demotion applies at once', async () => {
    const user = await createUser(gateway.app, tenant, 'manager');
    const key = await createApiKey(gateway.app, user, { name: 'manager key' });
    expect((await gateway.app.inject({ method: 'GET', url: '/api/v1/admin/users', headers: user.headers })).statusCode).toBe(200);
    const demoted = await gateway.app.inject({ method: 'PUT', url: `/api/v1/admin/users/${user.id}`, headers: tenant.admin.headers, payload: { role: 'user' } });
    expect(demoted.statusCode, demoted.body).toBe(200);
    expect((await gateway.app.inject({ method: 'GET', url: '/api/v1/admin/users', headers: user.headers })).statusCode).toBe(403);

    await gateway.app.inject({ method: 'PUT', url: `/api/v1/admin/users/${user.id}`, headers: tenant.admin.headers, payload: { active: false } });
    expect((await profile(user.headers)).statusCode).toBe(401);
    expect((await profile(key.headers)).statusCode).toBe(401);
    const login = await gateway.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email: user.email, password: testPassword } });
    expect(login.statusCode).toBe(401);
  });

  it('a manager cannot create, promote to or touch an admin', async () => {
    const manager = await createUser(gateway.app, tenant, 'manager');
    const create = await gateway.app.inject({ method: 'POST', url: '/api/v1/admin/users', headers: manager.headers, payload: { email: uniqueEmail(), password: testPassword, role: 'admin' } });
    expect(create.statusCode).toBe(403);
    const user = await createUser(gateway.app, tenant, 'user');
    const promote = await gateway.app.inject({ method: 'PUT', url: `/api/v1/admin/users/${user.id}`, headers: manager.headers, payload: { role: 'admin' } });
    expect(promote.statusCode).toBe(403);
    const touchAdmin = await gateway.app.inject({ method: 'DELETE', url: `/api/v1/admin/users/${tenant.admin.id}`, headers: manager.headers });
    expect(touchAdmin.statusCode).toBe(403);
    const demoteUser = await gateway.app.inject({ method: 'PUT', url: `/api/v1/admin/users/${user.id}`, headers: manager.headers, payload: { role: 'viewer' } });
    expect(demoteUser.statusCode).toBe(200);
  });

  it('a user manages only their own keys', async () => {
    const alice = await createUser(gateway.app, tenant, 'user');
    const bob = await createUser(gateway.app, tenant, 'user');
    const bobKey = await createApiKey(gateway.app, bob);
    const forBob = await gateway.app.inject({ method: 'POST', url: '/api/v1/admin/api-keys', headers: alice.headers, payload: { name: 'x', user_id: bob.id } });
    expect(forBob.statusCode).toBe(403);
    const revokeBob = await gateway.app.inject({ method: 'POST', url: `/api/v1/admin/api-keys/${bobKey.id}/revoke`, headers: alice.headers });
    expect(revokeBob.statusCode).toBe(404);
    expect((await profile(bobKey.headers)).statusCode).toBe(200);
  });

  it('the master key creates tenants; a tenant admin cannot', async () => {
    const byAdmin = await gateway.app.inject({ method: 'POST', url: '/api/v1/admin/tenants', headers: tenant.admin.headers, payload: { name: 'Rogue' } });
    expect(byAdmin.statusCode).toBe(403);
    const byMaster = await gateway.app.inject({ method: 'POST', url: '/api/v1/admin/tenants', headers: authorization, payload: { name: 'Fine Bank' } });
    expect(byMaster.statusCode).toBe(201);
    const other = await signIn(gateway.app, tenant.admin.email, 'admin');
    expect(other.id).toBe(tenant.admin.id);
  });
});
