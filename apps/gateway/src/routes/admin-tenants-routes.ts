import {
  createTenantRequestSchema,
  GatewayError,
  idParamsSchema,
  listQuerySchema,
  tenantListSchema,
  tenantViewSchema,
  updateTenantRequestSchema,
  userViewSchema,
} from '@arbiter/shared';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Database } from '../db/database.js';
import { toKeysetPage } from '../db/keyset-page.js';
import type { IdentityEvents } from '../identity/identity-events.js';
import { deleteTenant, findTenant, listTenants, updateTenant } from '../identity/identity-store.js';
import { createTenant, createTenantWithAdmin } from '../identity/user-admin.js';
import { toTenantView, toUserView } from '../identity/views.js';
import { principalOf } from './authorize.js';

/** Tenants: the platform operator creates and limits them; a tenant's admin renames their own. */
export const adminTenantRoutes: FastifyPluginAsyncZod<{ database: Database; events: IdentityEvents }> = async (app, { database, events }) => {
  app.get(
    '/api/v1/admin/tenants',
    { config: { permission: 'tenants.admin' }, schema: { querystring: listQuerySchema, response: { 200: tenantListSchema }, tags: ['admin'], summary: 'List tenants' } },
    async (request) => {
      const rows = await listTenants(database, request.query.limit, request.query.cursor);
      return toKeysetPage(rows, request.query.limit, (row) => ({ at: row.createdAt, id: row.id }), toTenantView);
    },
  );

  app.post(
    '/api/v1/admin/tenants',
    {
      config: { permission: 'tenants.admin' },
      schema: {
        body: createTenantRequestSchema,
        response: { 201: tenantViewSchema.extend({ admin: userViewSchema.nullable() }) },
        tags: ['admin'],
        summary: 'Create a tenant, optionally with its first admin',
      },
    },
    async (request, reply) => {
      const body = request.body;
      if (body.admin !== undefined) {
        const { tenant, user } = await createTenantWithAdmin(database, { name: body.name, slug: body.slug, limits: body.limits, admin: body.admin });
        return reply.status(201).send({ ...toTenantView(tenant), admin: toUserView(user) });
      }
      const tenant = await createTenant(database, body);
      return reply.status(201).send({ ...toTenantView(tenant), admin: null });
    },
  );

  app.get(
    '/api/v1/admin/tenants/:id',
    { config: { permission: 'tenants.admin' }, schema: { params: idParamsSchema, response: { 200: tenantViewSchema }, tags: ['admin'], summary: 'A tenant' } },
    async (request) => {
      const tenant = await findTenant(database, request.params.id);
      if (tenant === null) throw new GatewayError('resource_not_found', { message: 'No such tenant.' });
      return toTenantView(tenant);
    },
  );

  app.put(
    '/api/v1/admin/tenants/:id',
    {
      config: { permission: 'tenants.admin' },
      schema: { params: idParamsSchema, body: updateTenantRequestSchema, response: { 200: tenantViewSchema }, tags: ['admin'], summary: 'Rename, (de)activate or set the limits and budgets of a tenant' },
    },
    async (request) => {
      const tenant = await updateTenant(database, request.params.id, request.body);
      if (tenant === null) throw new GatewayError('resource_not_found', { message: 'No such tenant.' });
      await events.changed({ kind: 'tenant', id: tenant.id });
      return toTenantView(tenant);
    },
  );

  app.delete(
    '/api/v1/admin/tenants/:id',
    { config: { permission: 'tenants.admin' }, schema: { params: idParamsSchema, tags: ['admin'], summary: 'Delete a tenant with its users, keys and SSO configuration (usage records are kept)' } },
    async (request) => {
      if (request.params.id === 'default') throw new GatewayError('permission_denied', { message: 'The default tenant cannot be deleted.' });
      if (!(await deleteTenant(database, request.params.id))) throw new GatewayError('resource_not_found', { message: 'No such tenant.' });
      await events.changed({ kind: 'tenant', id: request.params.id });
      return { id: request.params.id, object: 'tenant.deleted', deleted: true };
    },
  );

  app.get(
    '/api/v1/admin/tenant',
    { config: { permission: 'tenant.read' }, schema: { response: { 200: tenantViewSchema }, tags: ['admin'], summary: 'The caller’s own tenant' } },
    async (request) => {
      const tenant = await findTenant(database, principalOf(request).tenantId);
      if (tenant === null) throw new GatewayError('resource_not_found', { message: 'No such tenant.' });
      return toTenantView(tenant);
    },
  );

  app.put(
    '/api/v1/admin/tenant',
    {
      config: { permission: 'tenant.manage' },
      schema: { body: z.strictObject({ name: z.string().min(1).max(200) }), response: { 200: tenantViewSchema }, tags: ['admin'], summary: 'Rename the caller’s own tenant (limits are the platform operator’s)' },
    },
    async (request) => {
      const tenant = await updateTenant(database, principalOf(request).tenantId, { name: request.body.name });
      if (tenant === null) throw new GatewayError('resource_not_found', { message: 'No such tenant.' });
      await events.changed({ kind: 'tenant', id: tenant.id });
      return toTenantView(tenant);
    },
  );
};
