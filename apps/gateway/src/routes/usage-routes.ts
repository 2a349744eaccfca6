import { usageListSchema, usageQuerySchema } from '@arbiter/shared';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { Database } from '../db/database.js';
import { listUsage } from '../usage/usage-query.js';

export const usageRoutes: FastifyPluginAsyncZod<{ database: Database }> = async (app, { database }) => {
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
    async (request) => listUsage(database, request.query),
  );
};
