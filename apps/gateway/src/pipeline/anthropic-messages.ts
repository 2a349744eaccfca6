import { GatewayError, chatCompletionResponseSchema, type ChatCompletionRequest, type NormalizedUsage } from '@arbiter/shared';
import type { ResolvedModel } from '../catalog/model-catalog.js';
import type { CountTokensRequest, CountTokensResponse, MessageResponse, MessagesRequest } from '../ingress/anthropic/anthropic-messages-api.js';
import { createAnthropicEventForwarder, createAnthropicStreamWriter } from '../ingress/anthropic/anthropic-stream-writer.js';
import { convertMessagesToOpenAIRequest, type ConvertedMessagesRequest } from '../ingress/anthropic/convert-messages-to-openai-request.js';
import { convertOpenAIToMessagesResponse } from '../ingress/anthropic/convert-openai-to-messages-response.js';
import { AnthropicAdapter, type MessagesCall } from '../providers/anthropic/anthropic-adapter.js';
import type { AnthropicMessage, AnthropicStreamEvent } from '../providers/anthropic/anthropic-api.js';
import { createFallbackOptions, executeWithFallback, formatAttempts, unwrapRoutingFailure, type Attempt } from '../routing/execute-with-fallback.js';
import type { RoutePlan, RouteTarget } from '../routing/router.js';
import type { SseTransport } from '../streaming/sse-transport.js';
import { buildUsageRow, type RequestContext, type UsageOutcome } from '../usage/build-usage-row.js';
import { assertProviderReady, isClientAbort } from './call-errors.js';
import { createChatCompletion, streamChatCompletion, type PipelineServices, type ResponseMeta } from './chat-completion.js';
import { estimateUsage } from './estimate-usage.js';
import { createFailureOutcome, type PartialResult } from './failure-outcome.js';
import { guardMessagesInput } from './guard-input.js';
import { guardAnthropicMessage } from './guard-output.js';
import { GuardrailViolationError, type RequestGuard } from './guard-request.js';
import { joinAnswers, openPipelineGuard, selfCheckAnswer, selfCheckMessagesInput } from './guard-self-check.js';
import { AnthropicEventGuard } from './guard-stream.js';
import { meter, priceWarnings } from './meter.js';

/**
 * The Anthropic-compatible ingress (`POST /v1/messages`). Anthropic models get the client's body as it came
 * (pass-through: nothing is lost in translation, and the answer's bytes go back unchanged); every other model gets the
 * request converted to the OpenAI format, runs the chat-completion pipeline and has its answer converted back. Both
 * paths meter and record exactly as chat completions do, under the endpoint `messages`.
 */

export interface MessagesOptions {
  /** The client's `anthropic-beta` header: forwarded to Anthropic, reported as not honoured elsewhere. */
  beta: string | null;
}

export interface MessagesResult {
  /** A string is Anthropic's own response body, forwarded as it came. */
  body: string | MessageResponse;
  meta: ResponseMeta;
}

/**
 * A model (or an alias whose targets are all) served by Anthropic goes native; anything else is converted. An alias
 * that mixes Anthropic with other providers is converted for every target (its Anthropic targets then go through
 * the OpenAI-format adapter), so that one request never changes format half-way through a fallback.
 */
type Plan =
  | { kind: 'native'; route: RoutePlan; request: MessagesRequest }
  | { kind: 'converted'; request: ChatCompletionRequest; warnings: string[]; context: RequestContext };

export async function createMessage(
  services: PipelineServices,
  context: RequestContext,
  request: MessagesRequest,
  options: MessagesOptions,
  signal: AbortSignal,
): Promise<MessagesResult> {
  const guard = openPipelineGuard(services, context);
  const plan = await planMessages(services, context, request, guard, options, signal);
  if (plan.kind === 'native') return createNativeMessage(services, context, plan.request, plan.route, guard, options, signal);
  const { body, meta } = await createChatCompletion(services, plan.context, plan.request, signal, guard);
  // A string is the upstream's own bytes (already checked against this schema by the adapter).
  const response = typeof body === 'string' ? chatCompletionResponseSchema.parse(JSON.parse(body)) : body;
  const converted = convertOpenAIToMessagesResponse(response);
  return { body: converted.message, meta: { ...meta, warnings: [...plan.warnings, ...meta.warnings, ...converted.warnings] } };
}

/**
 * Streams a message. As with chat completions, errors before the upstream accepted the request are thrown (a JSON
 * error with the right status); after the first byte they end the stream with an Anthropic `error` event.
 */
export async function streamMessage(
  services: PipelineServices,
  context: RequestContext,
  request: MessagesRequest,
  transport: SseTransport,
  options: MessagesOptions,
  signal: AbortSignal,
): Promise<void> {
  const guard = openPipelineGuard(services, context);
  const plan = await planMessages(services, context, request, guard, options, signal);
  if (plan.kind === 'native') {
    await streamNativeMessage(services, context, plan.request, plan.route, guard, transport, options, signal);
    return;
  }
  const writer = createAnthropicStreamWriter(transport, { warnings: plan.warnings, requestId: context.requestId });
  await streamChatCompletion(services, plan.context, plan.request, writer, signal, guard);
}

/**
 * `POST /v1/messages/count_tokens`. Counting is free (Anthropic does not bill it, and nothing is generated), so no
 * usage record is written and nothing is metered. Anthropic models are counted by Anthropic; others locally.
 */
export async function countMessageTokens(
  services: PipelineServices,
  requestId: string,
  request: CountTokensRequest,
  options: MessagesOptions,
  signal: AbortSignal,
): Promise<{ body: string | CountTokensResponse; meta: ResponseMeta }> {
  // An alias is counted by its first target (counting is not worth a fallback).
  const model = services.router.plan({ model: request.model }, 'chat').targets[0]?.model;
  if (model === undefined) throw new GatewayError('model_not_found', { param: 'model' });
  const provider = model.provider;
  if (provider instanceof AnthropicAdapter) {
    assertProviderReady(model);
    const result = await provider.countTokens(nativeCall(requestId, request, model, options, signal));
    return { body: result.rawBody, meta: { provider: provider.id, model: model.upstreamModel, costUsd: null, warnings: [] } };
  }
  const converted = convertMessagesToOpenAIRequest(request);
  const usage = await estimateUsage(converted.request, '');
  const warnings = [...converted.warnings, 'input_tokens was counted by the gateway (o200k_base tokenizer); the provider may count slightly differently'];
  return { body: { input_tokens: usage.input.total }, meta: { provider: provider.id, model: model.upstreamModel, costUsd: null, warnings } };
}

/**
 * Guards the input (in the Anthropic format, so that both paths send the same redacted request), resolves the model
 * (or alias) and decides the path; a request refused here is recorded here.
 */
async function planMessages(
  services: PipelineServices,
  context: RequestContext,
  request: MessagesRequest,
  guard: RequestGuard | null,
  options: MessagesOptions,
  signal: AbortSignal,
): Promise<Plan> {
  let model: ResolvedModel | null = null;
  let sent = request;
  try {
    if (guard !== null) {
      const guarded = guardMessagesInput(guard, request);
      sent = guarded.request;
      const blocked = guarded.blocked ?? (await selfCheckMessagesInput(guard, sent, signal));
      if (blocked !== null) throw blocked;
    }
    // "auto" chooses by what the request needs (tools, vision, JSON output), which it reads from the OpenAI form.
    let converted = sent.model === 'auto' ? convertIfPossible(sent) : null;
    const route = services.router.plan(converted?.request ?? { model: sent.model, max_tokens: sent.max_tokens }, 'chat');
    model = route.targets[0]?.model ?? null;
    if (route.targets.every((target) => target.model.provider instanceof AnthropicAdapter)) return { kind: 'native', route, request: sent };
    converted ??= convertMessagesToOpenAIRequest(sent);
    const warnings = options.beta === null
      ? converted.warnings
      : [...converted.warnings, `anthropic-beta ${options.beta} was not honoured: betas are Anthropic features`];
    return { kind: 'converted', request: converted.request, warnings, context: { ...context, ingressWarnings: warnings } };
  } catch (error) {
    await recordFailure(services, context, sent, guard, model, error, signal, { stream: request.stream === true });
    throw error;
  }
}

async function createNativeMessage(
  services: PipelineServices,
  context: RequestContext,
  request: MessagesRequest,
  route: RoutePlan,
  guard: RequestGuard | null,
  options: MessagesOptions,
  signal: AbortSignal,
): Promise<MessagesResult> {
  let model: ResolvedModel | null = null;
  let partial: PartialResult = {};
  try {
    const { result, target, attempts } = await executeWithFallback(
      route,
      (candidate) => {
        model = candidate.model;
        assertProviderReady(candidate.model);
        return anthropicOf(candidate).createMessage(nativeCall(context.requestId, request, candidate.model, options, signal));
      },
      createFallbackOptions(services.router.settings, signal),
    );
    model = target.model;
    let body = result.rawBody;
    let message = result.message;
    if (guard?.guardsOutput === true) {
      const answer = guardAnthropicMessage(guard, result.message, result.rawBody);
      if (answer.body !== null) {
        body = answer.body;
        message = answer.message;
      }
      const blocked = answer.blocked ?? (await selfCheckAnswer(guard, answerText(message), signal));
      if (blocked !== null) {
        partial = { usage: result.usage, text: messageText(message) };
        throw blocked;
      }
    }
    const metered = meter(model, result.usage, false);
    record(services, context, request, guard, {
      model,
      status: 'success',
      httpStatus: 200,
      usage: metered.usage,
      estimated: false,
      cost: metered.cost,
      warnings: metered.warnings,
      responseText: messageText(message),
    });
    const meta = {
      provider: model.provider.id,
      model: model.upstreamModel,
      costUsd: metered.cost?.total ?? null,
      warnings: metered.warnings,
      attempts: describeAttempts(attempts),
      guardrails: guard?.headerValue(),
    };
    return { body, meta };
  } catch (failure) {
    const error = unwrapRoutingFailure(failure);
    await recordFailure(services, context, request, guard, model, error, signal, partial);
    throw error;
  }
}

async function streamNativeMessage(
  services: PipelineServices,
  context: RequestContext,
  request: MessagesRequest,
  route: RoutePlan,
  guard: RequestGuard | null,
  transport: SseTransport,
  options: MessagesOptions,
  signal: AbortSignal,
): Promise<void> {
  const sink = createAnthropicEventForwarder(transport);
  let model: ResolvedModel | null = null;
  let warnings: string[] = [];
  let usage: NormalizedUsage | null = null;
  let text = '';
  let ttftMs: number | null = null;
  // An upstream error event is forwarded as it came; the stream then needs no error event of ours.
  let errorForwarded = false;
  try {
    // As for chat completions: until its first event arrived, a failed attempt falls over to the next target.
    const { result, target, attempts } = await executeWithFallback(
      route,
      async (candidate) => {
        model = candidate.model;
        assertProviderReady(candidate.model);
        const stream = await anthropicOf(candidate).streamMessage(nativeCall(context.requestId, request, candidate.model, options, signal));
        const iterator = stream[Symbol.asyncIterator]();
        return { iterator, first: await iterator.next() };
      },
      createFallbackOptions(services.router.settings, signal),
    );
    const resolved = target.model;
    model = resolved;
    warnings = priceWarnings(resolved);
    sink.open({
      provider: resolved.provider.id,
      model: resolved.upstreamModel,
      costUsd: null,
      warnings,
      attempts: describeAttempts(attempts),
      guardrails: guard?.headerValue(),
    });
    // Null unless the policy acts on answers: then every event is forwarded as it came.
    const eventGuard = guard?.guardsOutput === true ? new AnthropicEventGuard(guard) : null;
    try {
      for (let next = result.first; next.done !== true; next = await result.iterator.next()) {
        const part = next.value;
        if (part.type === 'usage') {
          usage = part.usage;
          continue;
        }
        if (ttftMs === null) {
          ttftMs = performance.now() - context.startedMs;
          target.stats.recordTtft(ttftMs);
        }
        if (part.event.type === 'error') errorForwarded = true;
        if (eventGuard === null) {
          text += eventText(part.event);
          await sink.forward(part.name, part.data);
          continue;
        }
        const events = eventGuard.guardEvent(part.name, part.data, part.event);
        text += eventGuard.takeReleased() + (isTextDelta(part.event) ? '' : eventText(part.event));
        for (const event of events) await sink.forward(event.name, event.data);
      }
      if (eventGuard !== null) {
        const events = eventGuard.finish();
        text += eventGuard.takeReleased();
        for (const event of events) await sink.forward(event.name, event.data);
      }
    } catch (error) {
      // A guardrail ended the answer: stop reading (and paying for) the rest of it.
      if (error instanceof GuardrailViolationError) await result.iterator.return?.();
      throw error;
    }
    if (eventGuard !== null) {
      // The self-check judges the whole answer, so only now: a block replaces the held message_stop with an error event.
      const blocked = await eventGuard.selfCheck(signal);
      if (blocked !== null) throw blocked;
      for (const event of eventGuard.takeHeldStop()) await sink.forward(event.name, event.data);
    }
    sink.end();
    const metered = meter(resolved, usage ?? (await estimateMessagesUsage(request, text)), usage === null);
    record(services, context, request, guard, {
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
    await recordFailure(services, context, request, guard, model, error, signal, { usage, text, ttftMs, stream: true, warnings });
    if (!sink.opened) throw error;
    if (!isClientAbort(error, signal) && !errorForwarded) {
      const gatewayError = error instanceof GatewayError ? error : new GatewayError('internal_error', { cause: error });
      await sink.fail(gatewayError).catch(() => undefined);
    }
    sink.end();
  }
}

/** Native plans hold Anthropic targets only (see planMessages). */
function anthropicOf(target: RouteTarget): AnthropicAdapter {
  const provider = target.model.provider;
  if (!(provider instanceof AnthropicAdapter)) throw new Error(`unreachable: ${target.model.qualifiedName} in a native plan`);
  return provider;
}

// The routing settings and failure unwrapping of chat completions, for the native path.

function describeAttempts(attempts: Attempt[]): string | undefined {
  return attempts.length > 1 ? formatAttempts(attempts) : undefined;
}

function nativeCall(
  requestId: string,
  request: CountTokensRequest,
  model: ResolvedModel,
  options: MessagesOptions,
  signal: AbortSignal,
): MessagesCall {
  return { body: request, upstreamModel: model.upstreamModel, requestId, signal, beta: options.beta };
}

/** What is known about a failed request so far. */
async function recordFailure(
  services: PipelineServices,
  context: RequestContext,
  request: MessagesRequest,
  guard: RequestGuard | null,
  model: ResolvedModel | null,
  error: unknown,
  signal: AbortSignal,
  partial: PartialResult,
): Promise<void> {
  record(services, context, request, guard, await createFailureOutcome(model, error, signal, partial, (text) => estimateMessagesUsage(request, text)));
}

function record(
  services: PipelineServices,
  context: RequestContext,
  request: MessagesRequest,
  guard: RequestGuard | null,
  outcome: Omit<UsageOutcome, 'requestedModel' | 'stream' | 'prompt'> & { stream?: boolean },
): void {
  // The prompt as one list, system first, like the chat-completion records.
  const prompt = request.system === undefined ? request.messages : [{ role: 'system', content: request.system }, ...request.messages];
  const guardrails = guard?.triggers ?? null;
  services.recorder.record(
    buildUsageRow(context, { ...outcome, requestedModel: request.model, stream: outcome.stream ?? false, prompt, guardrails }, performance.now()),
  );
}

/** Null when only Anthropic can serve the request (server tools, file ids, …). */
function convertIfPossible(request: MessagesRequest): ConvertedMessagesRequest | null {
  try {
    return convertMessagesToOpenAIRequest(request);
  } catch (error) {
    if (error instanceof GatewayError) return null;
    throw error;
  }
}

/** Counted locally when the upstream reported nothing (a cut stream, an abort); the record says so. */
async function estimateMessagesUsage(request: MessagesRequest, outputText: string): Promise<NormalizedUsage> {
  // Only Anthropic features (server tools, file ids) make a request unconvertible: its JSON is counted instead.
  const converted = convertIfPossible(request)?.request ?? { model: request.model, messages: [{ role: 'user', content: JSON.stringify(request.messages) }] };
  return estimateUsage(converted, outputText);
}

function isTextDelta(event: AnthropicStreamEvent): boolean {
  return event.type === 'content_block_delta' && event.delta.type === 'text_delta';
}

function eventText(event: AnthropicStreamEvent): string {
  if (event.type === 'content_block_start') return event.content_block.type === 'tool_use' ? event.content_block.name : '';
  if (event.type !== 'content_block_delta') return '';
  switch (event.delta.type) {
    case 'text_delta':
      return event.delta.text;
    case 'thinking_delta':
      return event.delta.thinking;
    case 'input_json_delta':
      return event.delta.partial_json;
    default:
      return '';
  }
}

/** What the output self-check judges: the answer's text blocks (not thinking, not tool input). */
function answerText(message: AnthropicMessage): string {
  return joinAnswers(message.content.flatMap((block) => (block.type === 'text' ? [block.text] : [])));
}

function messageText(message: AnthropicMessage): string {
  const parts: string[] = [];
  for (const block of message.content) {
    if (block.type === 'text') parts.push(block.text);
    else if (block.type === 'thinking') parts.push(block.thinking);
    else if (block.type === 'tool_use') parts.push(JSON.stringify({ name: block.name, input: block.input }));
  }
  return parts.join('\n');
}
