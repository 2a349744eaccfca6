import {
  GatewayError,
  type ChatCompletionChunk,
  type ChatCompletionRequest,
  type ChatCompletionResponse,
  type NormalizedUsage,
  type OpenAIUsage,
} from '@arbiter/shared';
import type { ModelCatalog, ResolvedModel } from '../catalog/model-catalog.js';
import { convertToOpenAIUsage } from '../providers/openai/convert-openai-usage.js';
import { createFallbackOptions, executeWithFallback, formatAttempts, unwrapRoutingFailure } from '../routing/execute-with-fallback.js';
import type { Router } from '../routing/router.js';
import { buildUsageRow, type RequestContext, type UsageOutcome } from '../usage/build-usage-row.js';
import type { UsageRecorder } from '../usage/usage-recorder.js';
import { assertProviderReady, isClientAbort } from './call-errors.js';
import { estimateUsage } from './estimate-usage.js';
import { createFailureOutcome, type PartialResult } from './failure-outcome.js';
import { meter, priceWarnings } from './meter.js';

export interface PipelineServices {
  catalog: ModelCatalog;
  router: Router;
  /** Only `record` is used: governance analysis passes a recorder that also keeps each execution's metered row. */
  recorder: Pick<UsageRecorder, 'record'>;
}

/** What the route puts in the response headers. */
export interface ResponseMeta {
  provider: string;
  model: string;
  costUsd: string | null;
  warnings: string[];
  /** What was tried, when more than one attempt was made (`x-arbiter-attempts`). */
  attempts?: string;
}

/**
 * How a stream reaches the client: OpenAI SSE for /v1/chat/completions, Anthropic events for /v1/messages. The
 * pipeline hands over OpenAI-format chunks; the writer frames them in the client's protocol.
 */
export interface StreamWriter {
  /** True once the status line and headers went out: errors can then only be reported inside the stream. */
  readonly opened: boolean;
  open(meta: ResponseMeta): void;
  /** `raw` is the upstream's own JSON text of the chunk when it may be forwarded unchanged. Resolves on backpressure relief. */
  writeChunk(chunk: ChatCompletionChunk, raw: string | undefined): Promise<void>;
  /** The successful end, with the usage the upstream reported (or the gateway counted). */
  finish(usage: OpenAIUsage, lastChunk: ChatCompletionChunk | null, model: string): Promise<void>;
  /** The end after an error once bytes went out: an error event, never a silent close. */
  fail(error: GatewayError): Promise<void>;
  end(): void;
}

export async function createChatCompletion(
  services: PipelineServices,
  context: RequestContext,
  request: ChatCompletionRequest,
  signal: AbortSignal,
): Promise<{ body: ChatCompletionResponse | string; meta: ResponseMeta }> {
  let model: ResolvedModel | null = null;
  try {
    const plan = services.router.plan(request, 'chat');
    const { result, target, attempts } = await executeWithFallback(
      plan,
      (candidate) => {
        model = candidate.model;
        assertProviderReady(candidate.model);
        return candidate.model.provider.createChatCompletion({
          request,
          upstreamModel: candidate.model.upstreamModel,
          requestId: context.requestId,
          signal,
          maxOutputTokens: candidate.model.maxOutputTokens,
          reasoningModel: candidate.model.capabilities?.reasoning === true,
        });
      },
      createFallbackOptions(services.router.settings, signal),
    );
    model = target.model;
    const text = responseText(result.body);
    const metered = meter(model, result.usage ?? (await estimateUsage(request, text)), result.usage === null);
    const warnings = [...result.warnings, ...metered.warnings];
    record(services, context, request, {
      model,
      status: 'success',
      httpStatus: 200,
      usage: metered.usage,
      estimated: metered.estimated,
      cost: metered.cost,
      warnings,
      responseText: text,
    });
    return {
      body: result.rawBody ?? result.body,
      meta: {
        provider: model.provider.id,
        model: model.upstreamModel,
        costUsd: metered.cost?.total ?? null,
        warnings,
        attempts: attempts.length > 1 ? formatAttempts(attempts) : undefined,
      },
    };
  } catch (failure) {
    const error = unwrapRoutingFailure(failure);
    await recordFailure(services, context, request, model, error, signal, {});
    throw error;
  }
}

/**
 * Streams a chat completion. Errors before the upstream accepted the request are thrown (the route answers with a
 * JSON error and the right status); after the first byte, an error ends the stream with an error event.
 */
export async function streamChatCompletion(
  services: PipelineServices,
  context: RequestContext,
  request: ChatCompletionRequest,
  sink: StreamWriter,
  signal: AbortSignal,
): Promise<void> {
  let model: ResolvedModel | null = null;
  let usage: NormalizedUsage | null = null;
  let wireUsage: OpenAIUsage | undefined;
  let text = '';
  let ttftMs: number | null = null;
  let lastChunk: ChatCompletionChunk | null = null;
  let warnings: string[] = [];
  try {
    const plan = services.router.plan(request, 'chat');
    // An attempt counts as failed until its first part arrived: before the first byte reaches the client, a stream
    // that fails (refused, cut, an error event first) falls over to the next target.
    const { result, target, attempts } = await executeWithFallback(
      plan,
      async (candidate) => {
        model = candidate.model;
        assertProviderReady(candidate.model);
        const stream = await candidate.model.provider.streamChatCompletion({
          request,
          upstreamModel: candidate.model.upstreamModel,
          requestId: context.requestId,
          signal,
          maxOutputTokens: candidate.model.maxOutputTokens,
          reasoningModel: candidate.model.capabilities?.reasoning === true,
        });
        const iterator = stream[Symbol.asyncIterator]();
        return { stream, iterator, first: await iterator.next() };
      },
      createFallbackOptions(services.router.settings, signal),
    );
    const resolved = target.model;
    model = resolved;
    warnings = [...result.stream.warnings, ...priceWarnings(resolved)];
    sink.open({
      provider: resolved.provider.id,
      model: resolved.upstreamModel,
      costUsd: null,
      warnings,
      attempts: attempts.length > 1 ? formatAttempts(attempts) : undefined,
    });
    for (let next = result.first; next.done !== true; next = await result.iterator.next()) {
      const part = next.value;
      if (part.type === 'usage') {
        usage = part.usage;
        wireUsage = part.wire;
        continue;
      }
      if (ttftMs === null) {
        ttftMs = performance.now() - context.startedMs;
        target.stats.recordTtft(ttftMs);
      }
      lastChunk = part.chunk;
      text += chunkText(part.chunk);
      await sink.writeChunk(part.chunk, part.raw);
    }
    const finalUsage = usage ?? (await estimateUsage(request, text));
    await sink.finish(wireUsage ?? convertToOpenAIUsage(finalUsage), lastChunk, resolved.upstreamModel);
    sink.end();
    const metered = meter(resolved, finalUsage, usage === null);
    record(services, context, request, {
      model: resolved,
      status: 'success',
      httpStatus: 200,
      usage: metered.usage,
      estimated: metered.estimated,
      cost: metered.cost,
      warnings: [...warnings, ...metered.warnings.filter((warning) => !warnings.includes(warning))],
      ttftMs,
      responseText: text,
      stream: true,
    });
  } catch (failure) {
    const error = unwrapRoutingFailure(failure);
    await recordFailure(services, context, request, model, error, signal, { usage, text, ttftMs, stream: true, warnings });
    if (!sink.opened) throw error;
    if (!isClientAbort(error, signal)) {
      const failure = error instanceof GatewayError ? error : new GatewayError('internal_error', { cause: error });
      await sink.fail(failure).catch(() => undefined);
    }
    sink.end();
  }
}


function chunkText(chunk: ChatCompletionChunk): string {
  let text = '';
  for (const choice of chunk.choices) {
    const delta = choice.delta;
    if (typeof delta.content === 'string') text += delta.content;
    if (typeof delta.reasoning_content === 'string') text += delta.reasoning_content;
    if (delta.tool_calls !== undefined) {
      for (const call of delta.tool_calls) text += (call.function?.name ?? '') + (call.function?.arguments ?? '');
    }
  }
  return text;
}

function responseText(body: ChatCompletionResponse): string {
  const message = body.choices[0]?.message;
  if (message === undefined) return '';
  let text = message.content ?? '';
  if (message.reasoning_content) text = `${message.reasoning_content}\n${text}`;
  if (message.tool_calls !== undefined && message.tool_calls.length > 0) {
    text += (text === '' ? '' : '\n') + JSON.stringify(message.tool_calls.map((call) => call.function));
  }
  return text;
}

function record(
  services: PipelineServices,
  context: RequestContext,
  request: ChatCompletionRequest,
  outcome: Omit<UsageOutcome, 'requestedModel' | 'stream' | 'prompt'> & { stream?: boolean },
): void {
  services.recorder.record(
    buildUsageRow(
      context,
      { ...outcome, requestedModel: request.model, stream: outcome.stream ?? false, prompt: request.messages },
      performance.now(),
    ),
  );
}

async function recordFailure(
  services: PipelineServices,
  context: RequestContext,
  request: ChatCompletionRequest,
  model: ResolvedModel | null,
  error: unknown,
  signal: AbortSignal,
  partial: PartialResult,
): Promise<void> {
  record(services, context, request, await createFailureOutcome(model, error, signal, partial, (text) => estimateUsage(request, text)));
}
