import {
  chatCompletionRequestSchema,
  embeddingRequestSchema,
  modelListSchema,
  type ChatCompletionRequest,
  type ModelList,
} from '@arbiter/shared';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { ModelCatalog } from '../catalog/model-catalog.js';
import type { Authenticator } from '../pipeline/authenticate.js';
import { createChatCompletion, streamChatCompletion, type PipelineServices, type StreamWriter } from '../pipeline/chat-completion.js';
import { createEmbeddings } from '../pipeline/embeddings.js';
import { createOpenAIStreamWriter } from '../streaming/openai-stream-writer.js';
import { createSseTransport } from '../streaming/sse-transport.js';
import { abortOnClientClose, createRequestContext, recordRejectedRequests } from './request-lifecycle.js';
import { createMetaHeaders } from './response-meta.js';

export interface InferenceRouteOptions {
  services: PipelineServices;
  catalog: ModelCatalog;
  authenticator: Authenticator;
  recordContent: boolean;
}

/** OpenAI-compatible inference routes, under `/v1` and the seeds' `/api/v1` spelling. */
export const inferenceRoutes: FastifyPluginAsyncZod<InferenceRouteOptions> = async (app, options) => {
  const { services, catalog, recordContent } = options;

  recordRejectedRequests(app, services, options.authenticator, (request) =>
    request.url.includes('/embeddings') ? 'embeddings' : 'chat.completions',
  );

  for (const prefix of ['/v1', '/api/v1']) {
    app.post(
      `${prefix}/chat/completions`,
      { schema: { body: chatCompletionRequestSchema, tags: ['inference'], summary: 'Create a chat completion (OpenAI format)' } },
      async (request, reply) => {
        const context = createRequestContext(request, 'chat.completions', recordContent);
        const signal = abortOnClientClose(reply);
        request.pipelineEntered = true;
        if (request.body.stream === true) {
          await streamChatCompletion(services, context, request.body, createOpenAIWriter(request, request.body, reply), signal);
          return reply;
        }
        const { body, meta } = await createChatCompletion(services, context, request.body, signal);
        // A string body is the upstream's own JSON bytes, forwarded as they came.
        return reply.headers(createMetaHeaders(meta)).type('application/json; charset=utf-8').send(body);
      },
    );

    app.post(
      `${prefix}/embeddings`,
      { schema: { body: embeddingRequestSchema, tags: ['inference'], summary: 'Create embeddings (OpenAI format)' } },
      async (request, reply) => {
        const context = createRequestContext(request, 'embeddings', recordContent);
        request.pipelineEntered = true;
        const { body, meta } = await createEmbeddings(services, context, request.body, abortOnClientClose(reply));
        return reply.headers(createMetaHeaders(meta)).send(body);
      },
    );

    app.get(
      `${prefix}/models`,
      { schema: { response: { 200: modelListSchema }, tags: ['inference'], summary: 'List the models this gateway serves' } },
      async (): Promise<ModelList> => ({
        object: 'list',
        data: catalog.list().map((model) => ({ id: model.id, object: 'model', created: 0, owned_by: model.provider, arbiter: model.record })),
      }),
    );
  }
};




/** OpenAI SSE straight to the socket, once the upstream has accepted the request. */
function createOpenAIWriter(request: FastifyRequest, body: ChatCompletionRequest, reply: FastifyReply): StreamWriter {
  const transport = createSseTransport({
    response: reply.raw,
    requestId: request.id,
    beforeOpen: () => reply.hijack(),
    metaHeaders: createMetaHeaders,
  });
  return createOpenAIStreamWriter(transport, body.stream_options?.include_usage === true);
}
