import type { FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { countTokensRequestSchema, messagesRequestSchema } from '../ingress/anthropic/anthropic-messages-api.js';
import { renderAnthropicError } from '../ingress/anthropic/render-anthropic-error.js';
import { countMessageTokens, createMessage, streamMessage, type MessagesOptions } from '../pipeline/anthropic-messages.js';
import type { Authenticator } from '../pipeline/authenticate.js';
import type { PipelineServices } from '../pipeline/chat-completion.js';
import { createSseTransport } from '../streaming/sse-transport.js';
import { toGatewayError } from './error-handler.js';
import { abortOnClientClose, createRequestContext, recordRejectedRequests } from './request-lifecycle.js';
import { createMetaHeaders } from './response-meta.js';

export interface AnthropicMessagesRouteOptions {
  services: PipelineServices;
  authenticator: Authenticator;
  recordContent: boolean;
}

/**
 * The Anthropic-compatible ingress, under `/v1` and the seeds' `/api/v1` spelling, so that the official Anthropic
 * SDK (and tools built on it) work through the gateway against any provider. Keys come as `x-api-key` or
 * `Authorization: Bearer`, like everywhere else.
 */
export const anthropicMessagesRoutes: FastifyPluginAsyncZod<AnthropicMessagesRouteOptions> = async (app, options) => {
  const { services, recordContent } = options;

  // Anthropic's SDK reads `{"type":"error","error":{type, message}}`; the house envelope's param and code are added
  // inside it, so one body serves both kinds of client. Status, headers and hiding of internals as everywhere else.
  app.setErrorHandler((error, request, reply) => {
    const gatewayError = toGatewayError(error);
    if (gatewayError.code === 'internal_error') request.log.error({ err: error, requestId: request.id }, 'request failed');
    void reply.status(gatewayError.status).headers(gatewayError.headers).send(renderAnthropicError(gatewayError));
  });

  // As on the OpenAI routes: a message request refused before the pipeline took it leaves a record when the caller
  // is known. count_tokens leaves none (it is free).
  recordRejectedRequests(app, services, options.authenticator, (request) => (request.url.includes('/count_tokens') ? null : 'messages'));

  for (const prefix of ['/v1', '/api/v1']) {
    app.post(
      `${prefix}/messages`,
      { schema: { body: messagesRequestSchema, tags: ['inference'], summary: 'Create a message (Anthropic Messages format)' } },
      async (request, reply) => {
        const context = createRequestContext(request, 'messages', recordContent);
        const signal = abortOnClientClose(reply);
        request.pipelineEntered = true;
        if (request.body.stream === true) {
          const transport = createSseTransport({
            response: reply.raw,
            requestId: request.id,
            beforeOpen: () => reply.hijack(),
            metaHeaders: createMetaHeaders,
          });
          await streamMessage(services, context, request.body, transport, readOptions(request), signal);
          return reply;
        }
        const { body, meta } = await createMessage(services, context, request.body, readOptions(request), signal);
        reply.headers(createMetaHeaders(meta));
        // A string body is Anthropic's own JSON bytes, forwarded as they came.
        return typeof body === 'string' ? reply.type('application/json; charset=utf-8').send(body) : reply.send(body);
      },
    );

    app.post(
      `${prefix}/messages/count_tokens`,
      { schema: { body: countTokensRequestSchema, tags: ['inference'], summary: 'Count the input tokens of a message (Anthropic format)' } },
      async (request, reply) => {
        const { body, meta } = await countMessageTokens(services, request.id, request.body, readOptions(request), abortOnClientClose(reply));
        reply.headers(createMetaHeaders(meta));
        return typeof body === 'string' ? reply.type('application/json; charset=utf-8').send(body) : reply.send(body);
      },
    );
  }
};

function readOptions(request: FastifyRequest): MessagesOptions {
  const beta = request.headers['anthropic-beta'];
  return { beta: (Array.isArray(beta) ? beta.join(',') : beta) ?? null };
}
