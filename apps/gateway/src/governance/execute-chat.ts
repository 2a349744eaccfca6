import { chatCompletionResponseSchema, GatewayError, type ChatCompletionRequest, type ChatCompletionResponse } from '@arbiter/shared';
import type { UsageRecordRow } from '../db/schema.js';
import type { Principal } from '../pipeline/authenticate.js';
import { describeError } from '../pipeline/call-errors.js';
import { createChatCompletion, type PipelineServices } from '../pipeline/chat-completion.js';
import type { RequestContext } from '../usage/build-usage-row.js';

/** Who runs the analysis: every call of one request shares its request id (the usage records' trace id). */
export interface AnalysisCaller {
  principal: Principal;
  requestId: string;
  recordContent: boolean;
}

export interface ChatExecutionRequest {
  /** A model string the pipeline resolves (`aws_bedrock:…`, `openai/gpt-4o`, an alias). */
  model: string;
  messages: ChatCompletionRequest['messages'];
  temperature?: number;
  maxTokens?: number;
  /** Sent as `response_format` (a classifier that wants a JSON answer). */
  responseFormat?: ChatCompletionRequest['response_format'];
  /** Recorded first among the usage record's warnings: what made the gateway call a model of its own accord. */
  tags?: readonly string[];
  timeoutMs: number;
  /** What the failure says when the deadline passes. */
  timeoutMessage: string;
}

/** Exact decimal USD strings, as the pipeline metered them. */
export interface ExactCost {
  input: string;
  output: string;
  total: string;
}

export interface ChatExecution {
  status: 'completed' | 'failed';
  text: string | null;
  error: { code: string; message: string } | null;
  startedAt: Date;
  endedAt: Date;
  latencyMs: number;
  inputTokens: number;
  outputTokens: number;
  /** Null when the model has no known price or nothing was metered. */
  cost: ExactCost | null;
  /** `<provider>/<model>` that served the call (after routing), when it got that far. */
  servedBy: string | null;
}

/**
 * One chat call through the whole pipeline (routing, retries, metering, one usage record) under its own deadline.
 * The deadline aborts the upstream call; the result is reported at the deadline even if an adapter were slow to
 * notice. The usage row the pipeline records is observed on its way to the recorder: usage and cost come from the
 * pipeline's own metering, never recomputed here.
 */
export async function executeChat(
  services: PipelineServices,
  caller: AnalysisCaller,
  request: ChatExecutionRequest,
  signal: AbortSignal,
): Promise<ChatExecution> {
  const observed: { row: UsageRecordRow | null } = { row: null };
  const observing: PipelineServices = {
    ...services,
    recorder: {
      record(row) {
        observed.row = row;
        services.recorder.record(row);
      },
    },
  };
  const deadline = new AbortController();
  const timer = setTimeout(() => deadline.abort(new GatewayError('upstream_timeout', { message: request.timeoutMessage })), request.timeoutMs);
  const combined = AbortSignal.any([signal, deadline.signal]);
  const context: RequestContext = {
    requestId: caller.requestId,
    principal: caller.principal,
    endpoint: 'chat.completions',
    startedAt: new Date(),
    startedMs: performance.now(),
    recordContent: caller.recordContent,
    ...(request.tags === undefined ? {} : { ingressWarnings: request.tags }),
  };
  const chatRequest: ChatCompletionRequest = {
    model: request.model,
    messages: request.messages,
    ...(request.temperature === undefined ? {} : { temperature: request.temperature }),
    ...(request.maxTokens === undefined ? {} : { max_tokens: request.maxTokens }),
    ...(request.responseFormat === undefined ? {} : { response_format: request.responseFormat }),
  };
  let text: string | null = null;
  let error: ChatExecution['error'] = null;
  try {
    const { body } = await settleBeforeAbort(createChatCompletion(observing, context, chatRequest, combined), combined);
    text = readAnswer(body);
  } catch (failure) {
    error = describeFailure(failure, signal);
  } finally {
    clearTimeout(timer);
  }
  return buildExecution(context, observed.row, text, error);
}

function buildExecution(context: RequestContext, row: UsageRecordRow | null, text: string | null, error: ChatExecution['error']): ChatExecution {
  const measuredMs = Math.max(0, Math.round(performance.now() - context.startedMs));
  // The usage row (when the pipeline finished before the deadline) is the one measurement of record.
  const latencyMs = row?.latencyMs ?? measuredMs;
  const cost = row?.totalCostUsd == null ? null : { input: row.inputCostUsd ?? '0', output: row.outputCostUsd ?? '0', total: row.totalCostUsd };
  return {
    status: error === null ? 'completed' : 'failed',
    text,
    error,
    startedAt: context.startedAt,
    endedAt: new Date(context.startedAt.getTime() + latencyMs),
    latencyMs,
    inputTokens: row?.inputTokens ?? 0,
    outputTokens: row?.outputTokens ?? 0,
    cost,
    servedBy: row?.provider == null || row.model == null ? null : `${row.provider}/${row.model}`,
  };
}

/** Resolves or rejects with the call, or rejects with the abort reason as soon as the signal fires. */
function settleBeforeAbort<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (reason: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(reason);
      },
    );
  });
}

/** The pipeline hands back the upstream's own JSON bytes when it can forward them; parsed with the shared schema. */
function readAnswer(body: ChatCompletionResponse | string): string {
  let response = body;
  if (typeof response === 'string') {
    const parsed = chatCompletionResponseSchema.safeParse(parseJson(response));
    if (!parsed.success) throw new GatewayError('upstream_invalid_response', { message: 'The completion could not be read.' });
    response = parsed.data;
  }
  return response.choices[0]?.message.content ?? '';
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new GatewayError('upstream_invalid_response', { message: 'The completion is not JSON.', cause: error });
  }
}

function describeFailure(failure: unknown, clientSignal: AbortSignal): { code: string; message: string } {
  if (clientSignal.aborted && !(failure instanceof GatewayError)) {
    return { code: 'client_closed_request', message: 'the client closed the connection before this model answered' };
  }
  const { code, message } = describeError(failure);
  return { code, message };
}
