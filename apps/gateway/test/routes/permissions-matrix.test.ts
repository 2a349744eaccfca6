import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/database.js';
import { isAllowed, permissions, type Role } from '../../src/identity/permissions.js';
import { createApiKey, createTenant, createUser, type TestTenant } from '../support/identity-fixtures.js';
import { describeDatabase, openTestDatabase } from '../support/test-database.js';
import { authorization, startTestGateway, type TestGateway } from '../support/test-gateway.js';

/**
 * The role × route matrix, generated from the permission table and the routes the app actually registered: for every
 * route with a permission and every role, the authorization hook lets the call through exactly when the table says so.
 * Whatever happens after it (400 for an empty body, 404 for a made-up id) is not this test's concern; a refusal by the
 * hook is recognised by its message.
 */
let database: Database;
let gateway: TestGateway;
let tenant: TestTenant;
const credentials = new Map<Role, Record<string, string>>();
let ids: { user: string; key: string };

beforeAll(async () => {
  database = await openTestDatabase();
  gateway = await startTestGateway({ database, listen: false });
  tenant = await createTenant(gateway.app);
  credentials.set('super-admin', authorization);
  credentials.set('admin', tenant.admin.headers);
  for (const role of ['manager', 'user', 'viewer'] as const) credentials.set(role, (await createUser(gateway.app, tenant, role)).headers);
  const victim = await createUser(gateway.app, tenant, 'user');
  ids = { user: victim.id, key: (await createApiKey(gateway.app, tenant.admin)).id };
});
afterAll(async () => {
  await gateway?.close();
  await database?.close();
});

const roles: Role[] = ['super-admin', 'admin', 'manager', 'user', 'viewer'];
const refusedByTable = /^The [\w-]+ role may not call /;

describe(`role × route matrix (${describeDatabase()})`, () => {
  it('covers every admin, usage, history, guardrail and inference route', () => {
    const urls = gateway.routePermissions.map((route) => route.url);
    for (const expected of ['/v1/chat/completions', '/v1/messages', '/api/v1/usage', '/api/v1/admin/users/:id', '/api/v1/admin/api-keys', '/api/v1/admin/tenants', '/api/v1/history/conversations']) {
      expect(urls).toContain(expected);
    }
    // Every permission in the table is used by at least one route.
    const used = new Set(gateway.routePermissions.flatMap((route) => route.permission));
    for (const permission of Object.keys(permissions)) expect(used, permission).toContain(permission);
  });

  it('lets each role through exactly where the table allows it', async () => {
    const mismatches: string[] = [];
    for (const route of gateway.routePermissions) {
      // Deleting users or tenants with real ids would change the fixtures under the next calls: made-up ids there.
      const destructive = route.method === 'DELETE';
      const url = route.url
        .replace(':id', destructive ? 'no-such-id' : route.url.includes('api-keys') ? ids.key : ids.user)
        .replace('*', 'x');
      for (const role of roles) {
        const response = await gateway.app.inject({ method: route.method as 'GET', url, headers: credentials.get(role), payload: route.method === 'GET' ? undefined : {} });
        const refused = response.statusCode === 403 && refusedByTable.test((response.json() as { error: { message: string } }).error.message);
        const allowed = route.permission.some((permission) => isAllowed(role, permission));
        if (refused === allowed) mismatches.push(`${role} ${route.method} ${route.url}: status ${response.statusCode}, table says ${allowed ? 'allow' : 'deny'}`);
        if (response.statusCode >= 500) mismatches.push(`${role} ${route.method} ${route.url}: ${response.statusCode} ${response.body}`);
      }
    }
    expect(mismatches).toEqual([]);
  });
});
