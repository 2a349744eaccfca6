import { GatewayError, type EmbeddingRequest, type EmbeddingResponse } from '@arbiter/shared';
import type { ResolvedModel } from '../catalog/model-catalog.js';
import { buildUsageRow, type RequestContext } from '../usage/build-usage-row.js';
import { assertProviderReady, describeError, isClientAbort } from './call-errors.js';
import type { PipelineServices, ResponseMeta } from './chat-completion.js';
import { estimateEmbeddingUsage } from './estimate-usage.js';
import { guardEmbeddingInput } from './guard-input.js';
import { openRequestGuard } from './guard-request.js';
import { meter } from './meter.js';

export async function createEmbeddings(
  services: PipelineServices,
  context: RequestContext,
  request: EmbeddingRequest,
  signal: AbortSignal,
): Promise<{ body: EmbeddingResponse; meta: ResponseMeta }> {
  const guard = openRequestGuard(services.guardrails, context.principal);
  let sent = request;
  let model: ResolvedModel | null = null;
  try {
    // Only the input is guarded (the answer is vectors), and by the detectors only: texts to index are not prompts,
    // and a model call per input string would cost more than the embeddings. `llm_self_check` does not run here.
    if (guard !== null) {
      const guarded = guardEmbeddingInput(guard, request);
      sent = guarded.request;
      if (guarded.blocked !== null) throw guarded.blocked;
    }
    model = services.catalog.resolve(request.model, 'embeddings');
    assertProviderReady(model);
    const provider = model.provider;
    if (provider.createEmbeddings === undefined) {
      throw new GatewayError('method_not_supported', {
        message: `The provider '${provider.id}' does not offer embeddings.`,
        param: 'model',
      });
    }
    const result = await provider.createEmbeddings({ request: sent, upstreamModel: model.upstreamModel, requestId: context.requestId, signal });
    const metered = meter(model, result.usage ?? (await estimateEmbeddingUsage(sent.input)), result.usage === null);
    const warnings = [...result.warnings, ...metered.warnings];
    services.recorder.record(
      buildUsageRow(
        context,
        {
          model,
          requestedModel: request.model,
          stream: false,
          status: 'success',
          httpStatus: 200,
          usage: metered.usage,
          estimated: metered.estimated,
          cost: metered.cost,
          warnings,
          prompt: sent.input,
          responseText: null,
          guardrails: guard?.triggers ?? null,
        },
        performance.now(),
      ),
    );
    return {
      body: result.body,
      meta: { provider: provider.id, model: model.upstreamModel, costUsd: metered.cost?.total ?? null, warnings, guardrails: guard?.headerValue() },
    };
  } catch (error) {
    const aborted = isClientAbort(error, signal);
    const details = describeError(error);
    services.recorder.record(
      buildUsageRow(
        context,
        {
          model,
          requestedModel: request.model,
          stream: false,
          status: aborted ? 'aborted' : 'error',
          httpStatus: aborted ? 499 : details.status,
          error: aborted ? { code: 'client_closed_request', message: 'the client closed the connection' } : details,
          usage: null,
          estimated: false,
          cost: null,
          warnings: [],
          prompt: sent.input,
          guardrails: guard?.triggers ?? null,
        },
        performance.now(),
      ),
    );
    throw error;
  }
}
