import {
  createUserRequestSchema,
  GatewayError,
  idParamsSchema,
  listQuerySchema,
  updateUserRequestSchema,
  usageListSchema,
  usageQuerySchema,
  userListSchema,
  userViewSchema,
} from '@arbiter/shared';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { Database } from '../db/database.js';
import { toKeysetPage } from '../db/keyset-page.js';
import type { StoredUser } from '../db/schema.js';
import type { IdentityEvents } from '../identity/identity-events.js';
import { deleteUser, findUserInTenant, listUsers, revokeUserRefreshTokens, updateUser } from '../identity/identity-store.js';
import { assertPasswordStrength, hashPassword } from '../identity/passwords.js';
import { mayGrant } from '../identity/permissions.js';
import { createUserInTenant } from '../identity/user-admin.js';
import { toUserView } from '../identity/views.js';
import type { Principal } from '../pipeline/authenticate.js';
import { listUsage } from '../usage/usage-query.js';
import type { UsageRecorder } from '../usage/usage-recorder.js';
import { principalOf, tenantScopeOf } from './authorize.js';

export interface AdminUserRouteOptions {
  database: Database;
  events: IdentityEvents;
  recorder: UsageRecorder;
}

/** Seed 003's user administration, scoped to the caller's tenant: another tenant's user ids answer 404. */
export const adminUserRoutes: FastifyPluginAsyncZod<AdminUserRouteOptions> = async (app, { database, events, recorder }) => {
  const findInScope = async (tenantId: string, id: string): Promise<StoredUser> => {
    const user = await findUserInTenant(database, tenantId, id);
    if (user === null) throw new GatewayError('resource_not_found', { message: 'No such user.' });
    return user;
  };

  app.get(
    '/api/v1/admin/users',
    { config: { permission: 'users.read' }, schema: { querystring: listQuerySchema, response: { 200: userListSchema }, tags: ['admin'], summary: 'List the tenant’s users' } },
    async (request) => {
      const rows = await listUsers(database, tenantScopeOf(request), request.query.limit, request.query.cursor);
      return toKeysetPage(rows, request.query.limit, (row) => ({ at: row.createdAt, id: row.id }), toUserView);
    },
  );

  app.post(
    '/api/v1/admin/users',
    { config: { permission: 'users.manage' }, schema: { body: createUserRequestSchema, response: { 201: userViewSchema }, tags: ['admin'], summary: 'Create a user (active at once)' } },
    async (request, reply) => {
      const user = await createUserInTenant(database, principalOf(request), tenantScopeOf(request), request.body);
      return reply.status(201).send(toUserView(user));
    },
  );

  app.get(
    '/api/v1/admin/users/:id',
    { config: { permission: 'users.read' }, schema: { params: idParamsSchema, response: { 200: userViewSchema }, tags: ['admin'], summary: 'A user' } },
    async (request) => toUserView(await findInScope(tenantScopeOf(request), request.params.id)),
  );

  app.put(
    '/api/v1/admin/users/:id',
    {
      config: { permission: 'users.manage' },
      schema: { params: idParamsSchema, body: updateUserRequestSchema, response: { 200: userViewSchema }, tags: ['admin'], summary: 'Update a user: name, role, active, password, limits' },
    },
    async (request) => {
      const actor = principalOf(request);
      const user = await findInScope(tenantScopeOf(request), request.params.id);
      const body = request.body;
      assertMayManage(actor, user);
      if (body.role !== undefined && body.role !== user.role) {
        if (user.id === actor.userId) throw new GatewayError('permission_denied', { message: 'You cannot change your own role.', param: 'role' });
        if (!mayGrant(actor.role, body.role)) throw new GatewayError('permission_denied', { message: `The ${actor.role} role may not grant the ${body.role} role.`, param: 'role' });
      }
      if (body.active === false && user.id === actor.userId) throw new GatewayError('permission_denied', { message: 'You cannot deactivate yourself.', param: 'active' });
      if (body.password !== undefined) assertPasswordStrength(body.password);
      const updated = await updateUser(database, user.id, {
        ...(body.name !== undefined ? { name: body.name } : {}),
        ...(body.role !== undefined ? { role: body.role } : {}),
        ...(body.active !== undefined ? { active: body.active } : {}),
        ...(body.limits !== undefined ? { limits: body.limits } : {}),
        ...(body.password !== undefined ? { passwordHash: await hashPassword(body.password), failedLogins: 0, lockedUntil: null } : {}),
      });
      if (updated === null) throw new GatewayError('resource_not_found', { message: 'No such user.' });
      // A deactivated user or a new password ends every sign-in; a new role applies to current tokens at once.
      if (body.active === false || body.password !== undefined) await revokeUserRefreshTokens(database, user.id);
      await events.changed({ kind: 'user', id: user.id });
      return toUserView(updated);
    },
  );

  app.delete(
    '/api/v1/admin/users/:id',
    { config: { permission: 'users.manage' }, schema: { params: idParamsSchema, tags: ['admin'], summary: 'Delete a user with their keys and sign-ins' } },
    async (request) => {
      const actor = principalOf(request);
      const user = await findInScope(tenantScopeOf(request), request.params.id);
      assertMayManage(actor, user);
      if (user.id === actor.userId) throw new GatewayError('permission_denied', { message: 'You cannot delete yourself.' });
      await deleteUser(database, user.id);
      await events.changed({ kind: 'user', id: user.id });
      return { id: user.id, object: 'user.deleted', deleted: true };
    },
  );

  app.get(
    '/api/v1/admin/users/:id/usage',
    {
      config: { permission: 'users.read' },
      schema: { params: idParamsSchema, querystring: usageQuerySchema, response: { 200: usageListSchema }, tags: ['admin'], summary: 'A user’s usage records' },
    },
    async (request) => {
      const tenantId = tenantScopeOf(request);
      const user = await findInScope(tenantId, request.params.id);
      await recorder.flush(true);
      return listUsage(database, { tenantId, userId: user.id }, request.query);
    },
  );
};

/** A manager manages users and viewers, never an admin. */
function assertMayManage(actor: Principal, user: StoredUser): void {
  if (!mayGrant(actor.role, user.role)) {
    throw new GatewayError('permission_denied', { message: `The ${actor.role} role may not change a user with the ${user.role} role.` });
  }
}
