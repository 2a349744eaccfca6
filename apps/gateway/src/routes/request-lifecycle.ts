import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Authenticator, Principal } from '../pipeline/authenticate.js';
import type { PipelineServices } from '../pipeline/chat-completion.js';
import { recordRejected } from '../pipeline/record-rejected.js';
import type { RequestContext } from '../usage/build-usage-row.js';
import { toGatewayError } from './error-handler.js';

/** The pipeline's view of one request: who, which endpoint, when it started. */
export function createRequestContext(request: FastifyRequest, endpoint: RequestContext['endpoint'], recordContent: boolean): RequestContext {
  if (request.principal === null) throw new Error(`${endpoint} route reached without a principal`);
  return {
    requestId: request.id,
    principal: request.principal,
    endpoint,
    startedAt: new Date(),
    startedMs: performance.now(),
    recordContent,
  };
}

/** The upstream call is cancelled when the client goes away before the response is complete. */
export function abortOnClientClose(reply: FastifyReply): AbortSignal {
  const controller = new AbortController();
  reply.raw.once('close', () => {
    if (!reply.raw.writableFinished) controller.abort(new Error('client closed the connection'));
  });
  return controller.signal;
}

/**
 * Requests refused before the pipeline took them (bad body, shutting down) still leave a usage record when the
 * caller is known. Unauthenticated requests are not recorded here: they belong to no key (the audit log's job).
 * `endpointOf` names the endpoint, or null for routes that leave no record.
 */
export function recordRejectedRequests(
  app: FastifyInstance,
  services: PipelineServices,
  authenticator: Authenticator,
  endpointOf: (request: FastifyRequest) => RequestContext['endpoint'] | null,
): void {
  app.addHook('onError', async (request, reply, error) => {
    if (request.pipelineEntered || request.method !== 'POST') return;
    const endpoint = endpointOf(request);
    if (endpoint === null) return;
    const principal = request.principal ?? (await tryAuthenticate(authenticator, request));
    if (principal === null) return;
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
}

async function tryAuthenticate(authenticator: Authenticator, request: FastifyRequest): Promise<Principal | null> {
  try {
    return await authenticator.authenticate(request.headers);
  } catch {
    return null; // unauthenticated: not recorded
  }
}
