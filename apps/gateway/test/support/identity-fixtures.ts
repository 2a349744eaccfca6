import { randomUUID } from 'node:crypto';
import { createdApiKeySchema, sessionResponseSchema, tenantViewSchema, userViewSchema, type TenantRoleName } from '@arbiter/shared';
import { expect } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { authorization } from './test-gateway.js';

/** Tenants, users, sign-ins and keys created through the public API, as an operator would. */

export const testPassword = 'correct horse battery staple';

export interface TestUser {
  id: string;
  email: string;
  role: TenantRoleName;
  accessToken: string;
  refreshToken: string;
  headers: { authorization: string };
}

export interface TestTenant {
  id: string;
  slug: string;
  admin: TestUser;
}

export function uniqueEmail(label = 'user'): string {
  return `${label}-${randomUUID().slice(0, 8)}@example.test`;
}

export async function createTenant(app: FastifyInstance, options: { name?: string; limits?: Record<string, unknown> } = {}): Promise<TestTenant> {
  const email = uniqueEmail('admin');
  const response = await app.inject({
    method: 'POST',
    url: '/api/v1/admin/tenants',
    headers: authorization,
    payload: { name: options.name ?? `Tenant ${randomUUID().slice(0, 6)}`, limits: options.limits, admin: { email, password: testPassword } },
  });
  expect(response.statusCode, response.body).toBe(201);
  const tenant = tenantViewSchema.extend({ admin: userViewSchema }).parse(response.json());
  return { id: tenant.id, slug: tenant.slug, admin: await signIn(app, email, 'admin') };
}

export async function signIn(app: FastifyInstance, email: string, role: TenantRoleName): Promise<TestUser> {
  const response = await app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email, password: testPassword } });
  expect(response.statusCode, response.body).toBe(200);
  const session = sessionResponseSchema.parse(response.json());
  return {
    id: session.user.id,
    email,
    role,
    accessToken: session.access_token,
    refreshToken: session.refresh_token,
    headers: { authorization: `Bearer ${session.access_token}` },
  };
}

/** A user of `tenant` with `role`, created by the tenant's admin, signed in. */
export async function createUser(app: FastifyInstance, tenant: TestTenant, role: TenantRoleName, extra: Record<string, unknown> = {}): Promise<TestUser> {
  const email = uniqueEmail(role);
  const response = await app.inject({
    method: 'POST',
    url: '/api/v1/admin/users',
    headers: tenant.admin.headers,
    payload: { email, password: testPassword, role, ...extra },
  });
  expect(response.statusCode, response.body).toBe(201);
  return signIn(app, email, role);
}

export async function createApiKey(
  app: FastifyInstance,
  owner: { headers: { authorization: string } },
  payload: Record<string, unknown> = {},
): Promise<{ id: string; key: string; headers: { authorization: string } }> {
  const response = await app.inject({ method: 'POST', url: '/api/v1/admin/api-keys', headers: owner.headers, payload: { name: 'test key', ...payload } });
  expect(response.statusCode, response.body).toBe(201);
  const created = createdApiKeySchema.parse(response.json());
  return { id: created.id, key: created.key, headers: { authorization: `Bearer ${created.key}` } };
}
