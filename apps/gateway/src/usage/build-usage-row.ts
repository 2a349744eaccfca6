import { randomUUID } from 'node:crypto';
import type { ChatCompletionRequest, GuardrailTrigger, NormalizedUsage, UsageStatus } from '@arbiter/shared';
import type { ResolvedModel } from '../catalog/model-catalog.js';
import type { UsageRecordRow } from '../db/schema.js';
import type { Principal } from '../pipeline/authenticate.js';
import type { CostBreakdown } from '../pricing/compute-cost.js';

export interface RequestContext {
  requestId: string;
  principal: Principal;
  endpoint: 'chat.completions' | 'embeddings' | 'messages';
  /** Wall-clock start, for the record. */
  startedAt: Date;
  /** Monotonic start (performance.now()), for latencies. */
  startedMs: number;
  recordContent: boolean;
  /** Warnings raised before the pipeline ran (an ingress converting the request), recorded before the pipeline's own. */
  ingressWarnings?: readonly string[];
}

export interface UsageOutcome {
  model: ResolvedModel | null;
  requestedModel: string | null;
  stream: boolean;
  status: UsageStatus;
  httpStatus: number;
  error?: { code: string; message: string } | null;
  usage: NormalizedUsage | null;
  estimated: boolean;
  cost: CostBreakdown | null;
  warnings: string[];
  ttftMs?: number | null;
  prompt?: ChatCompletionRequest['messages'] | unknown;
  responseText?: string | null;
  /** Guardrails that triggered (types and counts, never values); null or absent when none did. */
  guardrails?: readonly GuardrailTrigger[] | null;
}

/** One usage row from a finished request (success, error or abort). */
export function buildUsageRow(context: RequestContext, outcome: UsageOutcome, endedMs: number): UsageRecordRow {
  const latencyMs = Math.max(0, Math.round(endedMs - context.startedMs));
  const usage = outcome.usage;
  return {
    id: randomUUID(),
    traceId: context.requestId,
    tenantId: context.principal.tenantId,
    keyId: context.principal.keyId,
    userId: context.principal.userId,
    endpoint: context.endpoint,
    provider: outcome.model?.provider.id ?? null,
    model: outcome.model?.upstreamModel ?? null,
    requestedModel: outcome.requestedModel,
    stream: outcome.stream,
    startedAt: context.startedAt,
    endedAt: new Date(context.startedAt.getTime() + latencyMs),
    latencyMs,
    ttftMs: outcome.ttftMs == null ? null : Math.round(outcome.ttftMs),
    status: outcome.status,
    httpStatus: outcome.httpStatus,
    errorCode: outcome.error?.code ?? null,
    errorMessage: outcome.error?.message ?? null,
    inputTokens: usage?.input.total ?? null,
    inputNoCacheTokens: usage?.input.noCache ?? null,
    inputCacheReadTokens: usage?.input.cacheRead ?? null,
    inputCacheWriteTokens: usage?.input.cacheWrite ?? null,
    outputTokens: usage?.output.total ?? null,
    outputTextTokens: usage?.output.text ?? null,
    outputReasoningTokens: usage?.output.reasoning ?? null,
    usageEstimated: outcome.estimated,
    inputCostUsd: outcome.cost?.input ?? null,
    outputCostUsd: outcome.cost?.output ?? null,
    totalCostUsd: outcome.cost?.total ?? null,
    warnings: context.ingressWarnings === undefined ? outcome.warnings : [...context.ingressWarnings, ...outcome.warnings],
    prompt: context.recordContent ? (outcome.prompt ?? null) : null,
    response: context.recordContent ? (outcome.responseText ?? null) : null,
    guardrails: outcome.guardrails == null || outcome.guardrails.length === 0 ? null : outcome.guardrails,
  };
}
