import {
  analyzeBatchQuerySchema,
  analyzeBatchRequestSchema,
  analyzeBatchResponseSchema,
  analyzeRequestSchema,
  GatewayError,
  governanceHealthSchema,
  governanceLogSchema,
  type AnalyzeBatchRequest,
  type GovernanceHealth,
} from '@arbiter/shared';
import type { FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { AnalysisCaller } from '../governance/execute-chat.js';
import { prepareAnalysis, runAnalysis, type GovernanceServices } from '../governance/run-analysis.js';
import { createSseTransport, type SseTransport } from '../streaming/sse-transport.js';
import { abortOnClientClose } from './request-lifecycle.js';
import { toGatewayError } from './error-handler.js';

export interface GovernanceRouteOptions {
  services: GovernanceServices;
  recordContent: boolean;
}

/** Seed 000's governance analysis: one query to one or many models, each answer timed, priced, judged and kept. */
export const governanceRoutes: FastifyPluginAsyncZod<GovernanceRouteOptions> = async (app, { services, recordContent }) => {
  const callerOf = (request: FastifyRequest): AnalysisCaller => {
    if (request.principal === null) throw new Error('governance route reached without a principal');
    return { principal: request.principal, requestId: request.id, recordContent };
  };

  app.post(
    '/api/v1/governance/analyze',
    {
      schema: {
        body: analyzeRequestSchema,
        response: { 200: governanceLogSchema },
        tags: ['governance'],
        summary: 'Analyse one query with one model: its GovernanceLog (answer, latency, tokens, cost, accuracy)',
      },
    },
    async (request, reply) => {
      const { model, ...options } = request.body;
      const batch: AnalyzeBatchRequest = { ...options, models: [model], pairwise: false };
      const prepared = await prepareAnalysis(services, batch, callerOf(request));
      const response = await runAnalysis(services, prepared, abortOnClientClose(reply));
      const [log] = response.results;
      if (log === undefined) throw new Error('an analysis of one model returned no log');
      return log;
    },
  );

  app.post(
    '/api/v1/governance/analyze/batch',
    {
      schema: {
        body: analyzeBatchRequestSchema,
        querystring: analyzeBatchQuerySchema,
        response: { 200: analyzeBatchResponseSchema },
        tags: ['governance'],
        summary: 'Analyse one query with many models concurrently (?stream=true: SSE, each log as it finishes)',
      },
    },
    async (request, reply) => {
      const signal = abortOnClientClose(reply);
      const prepared = await prepareAnalysis(services, request.body, callerOf(request));
      if (!request.query.stream) return runAnalysis(services, prepared, signal);

      const transport = createSseTransport({ response: reply.raw, requestId: request.id, beforeOpen: () => reply.hijack(), metaHeaders: () => ({}) });
      transport.open({ provider: 'governance', model: 'batch', costUsd: null, warnings: [] });
      await writeEvent(transport, 'start', { conversation_id: prepared.conversationId, trace_id: request.id, models: request.body.models });
      try {
        const response = await runAnalysis(services, prepared, signal, {
          onResult: (log) => writeEvent(transport, 'result', log),
          onComparison: (comparison) => writeEvent(transport, 'comparison', comparison),
        });
        await writeEvent(transport, 'summary', { conversation_id: response.conversation_id, trace_id: response.trace_id, summary: response.summary });
      } catch (error) {
        await failStream(request, transport, error);
      }
      transport.end();
      return reply;
    },
  );

  app.get(
    '/api/v1/governance/health',
    { schema: { response: { 200: governanceHealthSchema }, tags: ['governance'], summary: 'Judge models, prompt templates and database reachable' } },
    async (request): Promise<GovernanceHealth> => {
      const database = await services.database.ping().then(
        () => 'ok' as const,
        (error: unknown) => {
          request.log.warn({ err: error }, 'governance health: database unreachable');
          return 'unreachable' as const;
        },
      );
      const judges = services.config.judge.models.map((model) => describeJudge(services, model));
      return {
        status: database === 'ok' && judges.every((judge) => judge.available) ? 'ok' : 'degraded',
        database,
        judges,
        contexts: services.templates.list(),
        max_concurrency: services.config.max_concurrency,
        max_models: services.config.max_models,
        model_timeout_ms: services.config.model_timeout_ms,
        judge_timeout_ms: services.config.judge.timeout_ms,
      };
    },
  );
};

/** A judge is available when the catalog resolves it and its provider has credentials. */
function describeJudge(services: GovernanceServices, model: string): GovernanceHealth['judges'][number] {
  try {
    const resolved = services.catalog.resolve(model, 'chat');
    const missing = resolved.provider.missingCredential();
    return { model, available: missing === null, reason: missing === null ? null : `set ${missing}` };
  } catch (error) {
    if (!(error instanceof GatewayError)) throw error;
    return { model, available: false, reason: error.message };
  }
}

function writeEvent(transport: SseTransport, event: string, data: unknown): Promise<void> {
  return transport.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
}

/** After the stream opened, an error is one final event in the OpenAI envelope; 5xx details stay in the log. */
async function failStream(request: FastifyRequest, transport: SseTransport, error: unknown): Promise<void> {
  const gatewayError = toGatewayError(error);
  request.log.error({ err: error, requestId: request.id }, 'governance analysis failed after the stream opened');
  const envelope = gatewayError.status >= 500 && gatewayError.code === 'internal_error' ? new GatewayError('internal_error').toEnvelope() : gatewayError.toEnvelope();
  await writeEvent(transport, 'error', envelope);
}
