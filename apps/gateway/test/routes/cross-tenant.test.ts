import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/database.js';
import type { Role } from '../../src/identity/permissions.js';
import { createApiKey, createTenant, createUser, type TestTenant, type TestUser } from '../support/identity-fixtures.js';
import { describeDatabase, openTestDatabase } from '../support/test-database.js';
import { startTestGateway, type TestGateway } from '../support/test-gateway.js';
import { governanceLogSchema } from '@arbiter/shared';
import type { EmulatorHandle } from '../../src/emulators/emulator-server.js';
import { startOpenAIEmulator } from '../../src/emulators/openai-emulator.js';

/**
 * Tenant isolation: every tenant-scoped route with an id, called by each role of tenant A with tenant B's ids, answers
 * 404 (or 403 where A's role may not call the route at all) and the body carries none of B's data. Lists show only A's
 * rows.
 */
let database: Database;
let gateway: TestGateway;
let tenantA: TestTenant;
let tenantB: TestTenant;
const membersOfA = new Map<Role, TestUser>();
let secretsOfB: { userId: string; userEmail: string; keyId: string; keyPrefix: string; conversationId: string; question: string };
let emulator: EmulatorHandle;

beforeAll(async () => {
  database = await openTestDatabase();
  emulator = await startOpenAIEmulator({ apiKey: 'sk-emulator', fast: true });
  gateway = await startTestGateway({ database, listen: false, env: { OPENAI_API_KEY: 'sk-emulator', OPENAI_BASE_URL: emulator.url } });
  [tenantA, tenantB] = await Promise.all([createTenant(gateway.app), createTenant(gateway.app)]);
  membersOfA.set('admin', tenantA.admin);
  for (const role of ['manager', 'user', 'viewer'] as const) membersOfA.set(role, await createUser(gateway.app, tenantA, role));
  const bobOfB = await createUser(gateway.app, tenantB, 'user');
  const keyOfB = await createApiKey(gateway.app, bobOfB, { name: 'b key' });
  const question = `Which vendor contracts of tenant B expire this quarter? ${Date.now()}`;
  const analysis = await gateway.app.inject({
    method: 'POST',
    url: '/api/v1/governance/analyze',
    headers: bobOfB.headers,
    payload: { query: question, model: { host_platform: 'openai', model_id: 'gpt-4o-mini' }, evaluate: false },
  });
  expect(analysis.statusCode, analysis.body).toBe(200);
  const conversationId = governanceLogSchema.parse(analysis.json()).conversation_id;
  secretsOfB = { userId: bobOfB.id, userEmail: bobOfB.email, keyId: keyOfB.id, keyPrefix: keyOfB.key.slice(0, 12), conversationId, question };
});
afterAll(async () => {
  await gateway?.close();
  await emulator?.close();
  await database?.close();
});

describe(`cross-tenant isolation (${describeDatabase()})`, () => {
  it('every route with an id refuses the other tenant’s ids for every role, leaking nothing', async () => {
    const scoped = gateway.routePermissions.filter((route) => route.url.includes(':id') && !route.url.startsWith('/api/v1/admin/tenants/'));
    expect(scoped.length).toBeGreaterThanOrEqual(8);
    const leaks: string[] = [];
    for (const route of scoped) {
      const id = route.url.includes('api-keys') ? secretsOfB.keyId : route.url.includes('conversations') ? secretsOfB.conversationId : secretsOfB.userId;
      const url = route.url.replace(':id', id);
      for (const [role, member] of membersOfA) {
        const response = await gateway.app.inject({ method: route.method as 'GET', url, headers: member.headers, payload: route.method === 'GET' ? undefined : {} });
        const body = response.body;
        // A PUT with an empty body may fail validation first (400): that reveals nothing either.
        const acceptable = response.statusCode === 404 || response.statusCode === 403 || (response.statusCode === 400 && route.method === 'PUT');
        if (!acceptable) leaks.push(`${role} ${route.method} ${url}: ${response.statusCode}`);
        if (body.includes(secretsOfB.userEmail) || body.includes(secretsOfB.keyPrefix) || body.includes(secretsOfB.question)) leaks.push(`${role} ${route.method} ${url}: body leaks B's data`);
      }
    }
    expect(leaks).toEqual([]);
    // B's data is all still there: nothing above changed it.
    const conversation = await gateway.app.inject({ method: 'GET', url: `/api/v1/history/conversations/${secretsOfB.conversationId}`, headers: tenantB.admin.headers });
    expect(conversation.statusCode).toBe(200);
    const stillThere = await gateway.app.inject({ method: 'GET', url: `/api/v1/admin/users/${secretsOfB.userId}`, headers: tenantB.admin.headers });
    expect(stillThere.statusCode).toBe(200);
  });

  it('lists show only the caller’s tenant', async () => {
    for (const url of ['/api/v1/admin/users', '/api/v1/admin/api-keys', '/api/v1/usage', '/api/v1/history/conversations']) {
      const response = await gateway.app.inject({ method: 'GET', url, headers: tenantA.admin.headers });
      expect(response.statusCode, url).toBe(200);
      const rows = (response.json() as { data: { tenant_id?: string }[] }).data;
      for (const row of rows) if (row.tenant_id !== undefined) expect(row.tenant_id, url).toBe(tenantA.id);
      expect(response.body).not.toContain(secretsOfB.userEmail);
      expect(response.body).not.toContain(secretsOfB.question);
    }
  });

  it('a tenant admin cannot read or change another tenant, nor pass ?tenant_id to reach it', async () => {
    const admin = tenantA.admin.headers;
    expect((await gateway.app.inject({ method: 'GET', url: `/api/v1/admin/tenants/${tenantB.id}`, headers: admin })).statusCode).toBe(403);
    const viaQuery = await gateway.app.inject({ method: 'GET', url: `/api/v1/admin/users?tenant_id=${tenantB.id}`, headers: admin });
    expect(viaQuery.statusCode).toBe(200);
    expect(viaQuery.body).not.toContain(secretsOfB.userEmail);
    const own = await gateway.app.inject({ method: 'GET', url: '/api/v1/admin/tenant', headers: admin });
    expect(own.json()).toMatchObject({ id: tenantA.id });
  });

  it('an access token of tenant A cannot register users into tenant B', async () => {
    const response = await gateway.app.inject({
      method: 'POST',
      url: '/api/v1/auth/register',
      headers: tenantA.admin.headers,
      payload: { email: 'intruder@example.test', password: 'correct horse battery staple', tenant_id: tenantB.id },
    });
    expect(response.statusCode).toBe(403);
  });
});
