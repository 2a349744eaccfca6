import { usageListSchema, usageQuerySchema } from '@arbiter/shared';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { Database } from '../db/database.js';
import { isAllowed } from '../identity/permissions.js';
import type { Principal } from '../pipeline/authenticate.js';
import { listUsage, type UsageScope } from '../usage/usage-query.js';
import { principalOf } from './authorize.js';
import type { UsageRecorder } from '../usage/usage-recorder.js';

export const usageRoutes: FastifyPluginAsyncZod<{ database: Database; recorder: UsageRecorder }> = async (app, { database, recorder }) => {
  app.get(
    '/api/v1/usage',
    {
      schema: {
        querystring: usageQuerySchema,
        response: { 200: usageListSchema },
        tags: ['usage'],
        summary: 'List usage records, newest first (filters, cursor pagination)',
      },
    },
    async (request) => {
      // Read-your-writes on this replica: what this process has accepted is written before the query.
      await recorder.flush(true);
      return listUsage(database, usageScopeOf(principalOf(request)), request.query);
    },
  );
};

/**
 * The platform operator reads every tenant (narrowed with ?tenant_id); admins, managers and viewers their tenant; a
 * user their own records (a tenant-wide service key: its own key's).
 */
function usageScopeOf(principal: Principal): UsageScope {
  if (principal.role === 'super-admin') return { tenantId: null };
  if (isAllowed(principal.role, 'usage.read')) return { tenantId: principal.tenantId };
  return principal.userId === null ? { tenantId: principal.tenantId, keyId: principal.keyId } : { tenantId: principal.tenantId, userId: principal.userId };
}
