import {
  GatewayError,
  type ChatCompletionChunk,
  type ChatCompletionRequest,
  type ChatCompletionResponse,
  type NormalizedUsage,
  type OpenAIUsage,
} from '@arbiter/shared';
import type { ModelCatalog, ResolvedModel } from '../catalog/model-catalog.js';
import type { GuardrailService } from '../guardrails/guardrail-service.js';
import { convertToOpenAIUsage } from '../providers/openai/convert-openai-usage.js';
import { createFallbackOptions, executeWithFallback, formatAttempts, unwrapRoutingFailure } from '../routing/execute-with-fallback.js';
import type { Router } from '../routing/router.js';
import { buildUsageRow, type RequestContext, type UsageOutcome } from '../usage/build-usage-row.js';
import type { UsageRecorder } from '../usage/usage-recorder.js';
import { assertProviderReady, isClientAbort } from './call-errors.js';
import { estimateUsage } from './estimate-usage.js';
import { createFailureOutcome, type PartialResult } from './failure-outcome.js';
import { guardChatInput } from './guard-input.js';
import { guardChatResponse } from './guard-output.js';
import { GuardrailViolationError, type RequestGuard } from './guard-request.js';
import { chatAnswerText, openPipelineGuard, selfCheckAnswer, selfCheckChatInput } from './guard-self-check.js';
import { ChatChunkGuard } from './guard-stream.js';
import { meter, priceWarnings } from './meter.js';

export interface PipelineServices {
  catalog: ModelCatalog;
  router: Router;
  /** Only `record` is used: governance analysis passes a recorder that also keeps each execution's metered row. */
  recorder: Pick<UsageRecorder, 'record'>;
  /** Per-tenant guardrail policies; absent means no guardrails (as for a tenant whose policy is `none`). */
  guardrails?: GuardrailService;
}

/** What the route puts in the response headers. */
export interface ResponseMeta {
  provider: string;
  model: string;
  costUsd: string | null;
  warnings: string[];
  /** What was tried, when more than one attempt was made (`x-arbiter-attempts`). */
  attempts?: string;
  /** What the guardrails did (`x-arbiter-guardrails`); for a stream, only the input guard's part is known in time. */
  guardrails?: string;
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

/**
 * `ingressGuard`: an ingress that guarded the input in its own format (the Anthropic ingress) passes its guard (or
 * null when the tenant has none); the chat pipeline then guards only the answer. Left out, this pipeline guards both.
 */
export async function createChatCompletion(
  services: PipelineServices,
  context: RequestContext,
  request: ChatCompletionRequest,
  signal: AbortSignal,
  ingressGuard?: RequestGuard | null,
): Promise<{ body: ChatCompletionResponse | string; meta: ResponseMeta }> {
  const guard = ingressGuard === undefined ? openPipelineGuard(services, context) : ingressGuard;
  let sent = request;
  let model: ResolvedModel | null = null;
  let partial: PartialResult = {};
  try {
    if (guard !== null && ingressGuard === undefined) {
      const guarded = guardChatInput(guard, request);
      sent = guarded.request;
      const blocked = guarded.blocked ?? (await selfCheckChatInput(guard, sent, signal));
      if (blocked !== null) throw blocked;
    }
    const plan = services.router.plan(sent, 'chat');
    const { result, target, attempts } = await executeWithFallback(
      plan,
      (candidate) => {
        model = candidate.model;
        assertProviderReady(candidate.model);
        return candidate.model.provider.createChatCompletion({
          request: sent,
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
    let body: ChatCompletionResponse | string = result.rawBody ?? result.body;
    let text = responseText(result.body);
    if (guard?.guardsOutput === true) {
      const answer = guardChatResponse(guard, result.body);
      if (answer.body !== null) {
        // Redacted: the upstream's bytes can no longer be forwarded as they came.
        body = answer.body;
        text = responseText(answer.body);
      }
      const blocked = answer.blocked ?? (await selfCheckAnswer(guard, chatAnswerText(answer.body ?? result.body), signal));
      if (blocked !== null) {
        partial = { usage: result.usage, text, warnings: result.warnings };
        throw blocked;
      }
    }
    const metered = meter(model, result.usage ?? (await estimateUsage(sent, text)), result.usage === null);
    const warnings = [...result.warnings, ...metered.warnings];
    record(services, context, sent, guard, {
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
      body,
      meta: {
        provider: model.provider.id,
        model: model.upstreamModel,
        costUsd: metered.cost?.total ?? null,
        warnings,
        attempts: attempts.length > 1 ? formatAttempts(attempts) : undefined,
        guardrails: guard?.headerValue(),
      },
    };
  } catch (failure) {
    const error = unwrapRoutingFailure(failure);
    await recordFailure(services, context, sent, guard, model, error, signal, partial);
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
  ingressGuard?: RequestGuard | null,
): Promise<void> {
  const guard = ingressGuard === undefined ? openPipelineGuard(services, context) : ingressGuard;
  let sent = request;
  let model: ResolvedModel | null = null;
  let usage: NormalizedUsage | null = null;
  let wireUsage: OpenAIUsage | undefined;
  let text = '';
  let ttftMs: number | null = null;
  let lastChunk: ChatCompletionChunk | null = null;
  let warnings: string[] = [];
  try {
    if (guard !== null && ingressGuard === undefined) {
      const guarded = guardChatInput(guard, request);
      sent = guarded.request;
      const blocked = guarded.blocked ?? (await selfCheckChatInput(guard, sent, signal));
      if (blocked !== null) throw blocked;
    }
    const plan = services.router.plan(sent, 'chat');
    // An attempt counts as failed until its first part arrived: before the first byte reaches the client, a stream
    // that fails (refused, cut, an error event first) falls over to the next target.
    const { result, target, attempts } = await executeWithFallback(
      plan,
      async (candidate) => {
        model = candidate.model;
        assertProviderReady(candidate.model);
        const stream = await candidate.model.provider.streamChatCompletion({
          request: sent,
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
      guardrails: guard?.headerValue(),
    });
    // Null unless the policy acts on answers: the unguarded loop below is exactly the pass-through.
    const chunkGuard = guard?.guardsOutput === true ? new ChatChunkGuard(guard) : null;
    try {
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
        if (chunkGuard === null) {
          text += chunkText(part.chunk);
          await sink.writeChunk(part.chunk, part.raw);
          continue;
        }
        const guarded = chunkGuard.guardChunk(part.chunk);
        if (guarded === null) continue;
        text += chunkText(guarded);
        await sink.writeChunk(guarded, guarded === part.chunk ? part.raw : undefined);
      }
      for (const chunk of chunkGuard?.flush(lastChunk, resolved.upstreamModel) ?? []) {
        text += chunkText(chunk);
        await sink.writeChunk(chunk, undefined);
      }
    } catch (error) {
      // A guardrail ended the answer: stop reading (and paying for) the rest of it.
      if (error instanceof GuardrailViolationError) await result.iterator.return?.();
      throw error;
    }
    // The self-check judges the whole answer, so only now: a block replaces the clean end with the error event.
    const blocked = chunkGuard === null ? null : await chunkGuard.selfCheck(signal);
    if (blocked !== null) throw blocked;
    const finalUsage = usage ?? (await estimateUsage(sent, text));
    await sink.finish(wireUsage ?? convertToOpenAIUsage(finalUsage), lastChunk, resolved.upstreamModel);
    sink.end();
    const metered = meter(resolved, finalUsage, usage === null);
    record(services, context, sent, guard, {
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
    await recordFailure(services, context, sent, guard, model, error, signal, { usage, text, ttftMs, stream: true, warnings });
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
  guard: RequestGuard | null,
  outcome: Omit<UsageOutcome, 'requestedModel' | 'stream' | 'prompt'> & { stream?: boolean },
): void {
  services.recorder.record(
    buildUsageRow(
      context,
      {
        ...outcome,
        requestedModel: request.model,
        stream: outcome.stream ?? false,
        prompt: request.messages,
        guardrails: guard?.triggers ?? null,
      },
      performance.now(),
    ),
  );
}

async function recordFailure(
  services: PipelineServices,
  context: RequestContext,
  request: ChatCompletionRequest,
  guard: RequestGuard | null,
  model: ResolvedModel | null,
  error: unknown,
  signal: AbortSignal,
  partial: PartialResult,
): Promise<void> {
  record(services, context, request, guard, await createFailureOutcome(model, error, signal, partial, (text) => estimateUsage(request, text)));
}
