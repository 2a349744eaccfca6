import { apiKeyListSchema, apiKeyViewSchema, createApiKeyRequestSchema, createdApiKeySchema, GatewayError, idParamsSchema } from '@arbiter/shared';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Database } from '../db/database.js';
import type { StoredApiKey } from '../db/schema.js';
import type { IdentityEvents } from '../identity/identity-events.js';
import { findApiKeyInTenant, findUserInTenant, insertApiKey, listApiKeys, revokeApiKey } from '../identity/identity-store.js';
import { generateApiKey } from '../identity/secrets.js';
import { toApiKeyView } from '../identity/views.js';
import type { Principal } from '../pipeline/authenticate.js';
import { principalOf, tenantScopeOf } from './authorize.js';

export interface AdminApiKeyRouteOptions {
  database: Database;
  events: IdentityEvents;
}

/**
 * Virtual API keys. The key is returned once, at creation; afterwards only its prefix. Managers and admins manage
 * every key of their tenant; a user only their own (and cannot create tenant-wide keys); a viewer sees their own.
 */
export const adminApiKeyRoutes: FastifyPluginAsyncZod<AdminApiKeyRouteOptions> = async (app, { database, events }) => {
  const findInScope = async (principal: Principal, tenantId: string, id: string): Promise<StoredApiKey> => {
    const key = await findApiKeyInTenant(database, tenantId, id);
    // Someone else's key is as invisible as another tenant's.
    if (key === null || (!managesAllKeys(principal) && (principal.userId === null || key.userId !== principal.userId))) {
      throw new GatewayError('resource_not_found', { message: 'No such API key.' });
    }
    return key;
  };

  app.get(
    '/api/v1/admin/api-keys',
    {
      config: { permission: 'keys.read' },
      schema: { querystring: z.object({ tenant_id: z.string().optional() }), response: { 200: apiKeyListSchema }, tags: ['admin'], summary: 'List API keys (prefixes only)' },
    },
    async (request) => {
      const principal = principalOf(request);
      // A tenant-wide service key belongs to nobody: it sees no keys.
      if (!managesAllKeys(principal) && principal.userId === null) return { object: 'list' as const, data: [] };
      const rows = await listApiKeys(database, tenantScopeOf(request), managesAllKeys(principal) ? null : principal.userId);
      return { object: 'list' as const, data: rows.map(toApiKeyView) };
    },
  );

  app.post(
    '/api/v1/admin/api-keys',
    {
      config: { permission: 'keys.manage' },
      schema: {
        querystring: z.object({ tenant_id: z.string().optional() }),
        body: createApiKeyRequestSchema,
        response: { 201: createdApiKeySchema },
        tags: ['admin'],
        summary: 'Create an API key (shown once)',
      },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      const tenantId = tenantScopeOf(request);
      const body = request.body;
      // Default owner: the caller when the caller is a user; the master key and service keys create tenant-wide keys.
      const userId = body.user_id === undefined ? principal.userId : body.user_id;
      if (!managesAllKeys(principal) && (principal.userId === null || userId !== principal.userId)) {
        throw new GatewayError('permission_denied', { message: 'You can only create keys for yourself.', param: 'user_id' });
      }
      if (userId !== null && (await findUserInTenant(database, tenantId, userId)) === null) {
        throw new GatewayError('resource_not_found', { message: 'No such user in this tenant.', param: 'user_id' });
      }
      const expiresAt =
        body.expires_at !== undefined
          ? new Date(body.expires_at)
          : body.expires_in_days !== undefined
            ? new Date(Date.now() + body.expires_in_days * 86_400_000)
            : null;
      if (expiresAt !== null && expiresAt.getTime() <= Date.now()) {
        throw new GatewayError('invalid_request', { message: 'The expiry must be in the future.', param: 'expires_at' });
      }
      const generated = generateApiKey();
      const row = await insertApiKey(database, {
        tenantId,
        userId,
        name: body.name,
        prefix: generated.prefix,
        keyHash: generated.hash,
        allowedModels: body.allowed_models ?? null,
        limits: body.limits ?? {},
        expiresAt,
        createdBy: principal.userId ?? principal.keyId,
      });
      return reply.status(201).send({ ...toApiKeyView(row), key: generated.key });
    },
  );

  app.get(
    '/api/v1/admin/api-keys/:id',
    { config: { permission: 'keys.read' }, schema: { params: idParamsSchema, response: { 200: apiKeyViewSchema }, tags: ['admin'], summary: 'An API key (prefix only)' } },
    async (request) => toApiKeyView(await findInScope(principalOf(request), tenantScopeOf(request), request.params.id)),
  );

  const revoke = async (principal: Principal, tenantId: string, id: string) => {
    await findInScope(principal, tenantId, id);
    const revoked = await revokeApiKey(database, tenantId, id);
    if (revoked === null) throw new GatewayError('resource_not_found', { message: 'No such API key.' });
    await events.changed({ kind: 'api_key', id });
    return toApiKeyView(revoked);
  };

  app.post(
    '/api/v1/admin/api-keys/:id/revoke',
    { config: { permission: 'keys.manage' }, schema: { params: idParamsSchema, response: { 200: apiKeyViewSchema }, tags: ['admin'], summary: 'Revoke an API key (every replica refuses it within a second)' } },
    async (request) => revoke(principalOf(request), tenantScopeOf(request), request.params.id),
  );

  app.delete(
    '/api/v1/admin/api-keys/:id',
    { config: { permission: 'keys.manage' }, schema: { params: idParamsSchema, response: { 200: apiKeyViewSchema }, tags: ['admin'], summary: 'Revoke an API key (kept for the audit trail)' } },
    async (request) => revoke(principalOf(request), tenantScopeOf(request), request.params.id),
  );
};

function managesAllKeys(principal: Principal): boolean {
  return principal.role === 'super-admin' || principal.role === 'admin' || principal.role === 'manager';
}

