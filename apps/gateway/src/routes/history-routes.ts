import { conversationDeletedSchema, conversationDetailSchema, conversationIdParamsSchema, conversationListSchema, historyQuerySchema } from '@arbiter/shared';
import type { FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { Database } from '../db/database.js';
import { deleteConversation, getConversation, listConversations } from '../governance/history-query.js';

/** Governance history: conversations, their messages and each answer's telemetry, scoped to the caller's tenant. */
export const historyRoutes: FastifyPluginAsyncZod<{ database: Database }> = async (app, { database }) => {
  const tenantOf = (request: FastifyRequest): string => {
    if (request.principal === null) throw new Error('history route reached without a principal');
    return request.principal.tenantId;
  };

  app.get(
    '/api/v1/history/conversations',
    {
      schema: {
        querystring: historyQuerySchema,
        response: { 200: conversationListSchema },
        tags: ['history'],
        summary: 'List conversations, newest first (filters context, model, since/until; cursor pagination)',
      },
    },
    async (request) => listConversations(database, tenantOf(request), request.query),
  );

  app.get(
    '/api/v1/history/conversations/:id',
    {
      schema: {
        params: conversationIdParamsSchema,
        response: { 200: conversationDetailSchema },
        tags: ['history'],
        summary: 'A conversation: queries and answers, each answer with its telemetry (GovernanceLog)',
      },
    },
    async (request) => getConversation(database, tenantOf(request), request.params.id),
  );

  app.delete(
    '/api/v1/history/conversations/:id',
    {
      schema: {
        params: conversationIdParamsSchema,
        response: { 200: conversationDeletedSchema },
        tags: ['history'],
        summary: 'Delete a conversation with its messages and telemetry (usage records are kept for billing)',
      },
    },
    async (request) => {
      await deleteConversation(database, tenantOf(request), request.params.id);
      return { id: request.params.id, object: 'conversation.deleted' as const, deleted: true as const };
    },
  );
};
