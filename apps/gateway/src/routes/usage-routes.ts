import { usageListSchema, usageQuerySchema } from '@arbiter/shared';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { Database } from '../db/database.js';
import { listUsage } from '../usage/usage-query.js';
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
      return listUsage(database, request.query);
    },
  );
};
