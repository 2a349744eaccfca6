import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ResolvedModel } from '../catalog/model-catalog.js';
import type { Admission } from '../pipeline/admit.js';
import type { Router } from '../routing/router.js';
import { principalOf } from './authorize.js';

interface AdmissionShape {
  model: string;
  endpoint: 'chat' | 'embeddings' | null;
  maxOutputTokens: number | null;
  records: 'one' | 'many';
}

/**
 * The `admit` step for every inference route, after authentication and validation and before the pipeline: the key's
 * model allowlist, rate limits and the budget reservation. The reservation is settled when the request's usage record
 * is written (see `Admission.recorded`), or released when the request ends without one.
 */
export function registerAdmission(app: FastifyInstance, admission: Admission, router: Router): void {
  app.addHook('preHandler', (request, reply, done) => {
    // The master key and keys without limits: nothing to check, no ticket to settle, no promise.
    if (request.method !== 'POST' || request.principal === null || !admission.applies(request.principal)) {
      done();
      return;
    }
    admit(admission, router, request, reply).then(() => done(), done);
  });
}

async function admit(admission: Admission, router: Router, request: FastifyRequest, reply: FastifyReply): Promise<void> {
  const shape = describe(request);
  if (shape === null) return;
  const ticket = await admission.admit({
    principal: principalOf(request),
    clientIp: request.ip,
    requestedModel: shape.model,
    candidates: () => candidatesOf(router, request.body, shape),
    inputTokens: Math.ceil(Number(request.headers['content-length'] ?? 0) / 3),
    maxOutputTokens: shape.maxOutputTokens,
  });
  for (const name in ticket.headers) reply.raw.setHeader(name, ticket.headers[name] as string);
  if (admission.track(request.id, ticket, shape.records)) reply.raw.once('close', () => admission.finished(request.id));
}

/** What each inference route asks for, read from its (validated) body. */
function describe(request: FastifyRequest): AdmissionShape | null {
  const url = request.routeOptions.url ?? '';
  const body = (request.body ?? {}) as Record<string, unknown>;
  const model = typeof body.model === 'string' ? body.model : '';
  const number = (value: unknown) => (typeof value === 'number' ? value : null);
  if (url.endsWith('/chat/completions')) {
    return { model, endpoint: 'chat', maxOutputTokens: number(body.max_completion_tokens) ?? number(body.max_tokens), records: 'one' };
  }
  if (url.endsWith('/embeddings')) return { model, endpoint: 'embeddings', maxOutputTokens: 0, records: 'one' };
  if (url === '/v1/messages' || url === '/api/v1/messages') return { model, endpoint: 'chat', maxOutputTokens: number(body.max_tokens), records: 'one' };
  // Governance analysis calls several models (and a judge) per request: limits count the request, budgets refuse it
  // once spent, and each model's record is charged as it finishes.
  if (url.startsWith('/api/v1/governance/analyze')) return { model: '', endpoint: null, maxOutputTokens: 0, records: 'many' };
  return null;
}

function candidatesOf(router: Router, body: unknown, shape: AdmissionShape): ResolvedModel[] {
  if (shape.endpoint === null || shape.model === '') return [];
  try {
    return router.plan({ ...(body as object), model: shape.model }, shape.endpoint).targets.map((target) => target.model);
  } catch {
    return []; // an unknown model: the pipeline answers it (and records it) as usual
  }
}
