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
import { createChatCompletion, streamChatCompletion, type PipelineServices, type StreamWriter } from '../pipeline/chat-completion.js';
import { createOpenAIStreamWriter } from '../streaming/openai-stream-writer.js';
import { createSseTransport } from '../streaming/sse-transport.js';
import { createEmbeddings } from '../pipeline/embeddings.js';
import type { Authenticator, Principal } from '../pipeline/authenticate.js';
import { recordRejected } from '../pipeline/record-rejected.js';
import { toGatewayError } from './error-handler.js';
import type { RequestContext } from '../usage/build-usage-row.js';
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

  // Requests refused before the pipeline took them (bad body, shutting down) still leave a usage record when the
  // caller is known. Unauthenticated requests are not recorded here: they belong to no key (the audit log's job).
  app.addHook('onError', async (request, reply, error) => {
    if (request.pipelineEntered || request.method !== 'POST') return;
    const principal = request.principal ?? tryAuthenticate(options.authenticator, request);
    if (principal === null) return;
    const endpoint = request.url.includes('/embeddings') ? 'embeddings' : 'chat.completions';
    const elapsedMs = reply.elapsedTime;
    const context: RequestContext = {
      requestId: request.id,
      principal,
      endpoint,
      startedAt: new Date(Date.now() - elapsedMs),
      startedMs: performance.now() - elapsedMs,
      recordContent: false,
    };
    recordRejected(services, context, request.body, toGatewayError(error));
  });

  for (const prefix of ['/v1', '/api/v1']) {
    app.post(
      `${prefix}/chat/completions`,
      { schema: { body: chatCompletionRequestSchema, tags: ['inference'], summary: 'Create a chat completion (OpenAI format)' } },
      async (request, reply) => {
        const context = createContext(request, 'chat.completions', recordContent);
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
        const context = createContext(request, 'embeddings', recordContent);
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
        data: catalog.list().map((model) => ({ id: model.id, object: 'model', created: 0, owned_by: model.provider })),
      }),
    );
  }
};

function createContext(request: FastifyRequest, endpoint: RequestContext['endpoint'], recordContent: boolean): RequestContext {
  if (request.principal === null) throw new Error('inference route reached without a principal');
  return {
    requestId: request.id,
    principal: request.principal,
    endpoint,
    startedAt: new Date(),
    startedMs: performance.now(),
    recordContent,
  };
}

function tryAuthenticate(authenticator: Authenticator, request: FastifyRequest): Principal | null {
  try {
    return authenticator.authenticate(request.headers);
  } catch {
    return null; // unauthenticated: not recorded (see the onError hook)
  }
}

/** The upstream call is cancelled when the client goes away before the response is complete. */
function abortOnClientClose(reply: FastifyReply): AbortSignal {
  const controller = new AbortController();
  reply.raw.once('close', () => {
    if (!reply.raw.writableFinished) controller.abort(new Error('client closed the connection'));
  });
  return controller.signal;
}

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
