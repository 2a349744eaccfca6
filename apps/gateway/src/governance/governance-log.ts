import { accuracySchema, textMetricsSchema, type Accuracy, type GovernanceLog, type ModelSpec, type TextMetrics } from '@arbiter/shared';
import type { StoredTelemetry, TelemetryRow } from '../db/schema.js';
import type { ChatExecution, ExactCost } from './execute-chat.js';
import type { ResolvedTemplate } from './prompt-templates.js';

export interface LogInput {
  id: string;
  traceId: string;
  conversationId: string;
  provider: string;
  spec: ModelSpec;
  template: ResolvedTemplate;
  query: string;
  execution: ChatExecution;
  accuracy: Accuracy | null;
  accuracyError: string | null;
  metrics: TextMetrics | null;
}

/** The seed's GovernanceLog of one model execution. */
export function buildGovernanceLog(input: LogInput): GovernanceLog {
  const { execution } = input;
  const completed = execution.status === 'completed';
  return {
    id: input.id,
    trace_id: input.traceId,
    conversation_id: input.conversationId,
    provider: input.provider,
    host_platform: input.spec.host_platform,
    model_id: input.spec.model_id,
    governance_context: input.template.context,
    prompt_version: input.template.version,
    started_at: execution.startedAt.toISOString(),
    ended_at: execution.endedAt.toISOString(),
    usage: {
      input_tokens: execution.inputTokens,
      output_tokens: execution.outputTokens,
      total_tokens: execution.inputTokens + execution.outputTokens,
      latency_ms: execution.latencyMs,
    },
    cost: toCost(execution.cost),
    accuracy: input.accuracy,
    accuracy_error: input.accuracy === null ? input.accuracyError : null,
    metrics: input.metrics,
    status: completed ? 'COMPLETED' : 'FAILED',
    success: completed,
    error_code: execution.error?.code ?? null,
    error_message: execution.error?.message ?? null,
    input_prompt: input.query,
    response_text: completed ? execution.text : null,
  };
}

/** The telemetry row of a log; costs stay the pipeline's exact decimals. */
export function toTelemetryRow(log: GovernanceLog, exactCost: ExactCost | null, messageId: string, tenantId: string): TelemetryRow {
  return {
    id: log.id,
    tenantId,
    conversationId: log.conversation_id,
    messageId,
    traceId: log.trace_id,
    provider: log.provider,
    hostPlatform: log.host_platform,
    modelId: log.model_id,
    governanceContext: log.governance_context,
    promptVersion: log.prompt_version,
    status: log.status,
    errorCode: log.error_code,
    errorMessage: log.error_message,
    startedAt: new Date(log.started_at),
    endedAt: new Date(log.ended_at),
    latencyMs: Math.round(log.usage.latency_ms),
    inputTokens: log.usage.input_tokens,
    outputTokens: log.usage.output_tokens,
    totalTokens: log.usage.total_tokens,
    inputCostUsd: exactCost?.input ?? null,
    outputCostUsd: exactCost?.output ?? null,
    totalCostUsd: exactCost?.total ?? null,
    accuracyScore: log.accuracy?.score ?? null,
    accuracy: log.accuracy,
    accuracyError: log.accuracy_error,
    metrics: log.metrics,
    inputPrompt: log.input_prompt,
  };
}

/** A stored row back to its GovernanceLog; the JSON columns are parsed with the shared schemas. */
export function fromTelemetryRow(row: StoredTelemetry, responseText: string | null): GovernanceLog {
  const completed = row.status === 'COMPLETED';
  return {
    id: row.id,
    trace_id: row.traceId,
    conversation_id: row.conversationId,
    provider: row.provider,
    host_platform: row.hostPlatform,
    model_id: row.modelId,
    governance_context: row.governanceContext,
    prompt_version: row.promptVersion,
    started_at: row.startedAt.toISOString(),
    ended_at: row.endedAt.toISOString(),
    usage: { input_tokens: row.inputTokens, output_tokens: row.outputTokens, total_tokens: row.totalTokens, latency_ms: row.latencyMs },
    cost: row.totalCostUsd === null ? null : toCost({ input: row.inputCostUsd ?? '0', output: row.outputCostUsd ?? '0', total: row.totalCostUsd }),
    accuracy: row.accuracy === null ? null : accuracySchema.parse(row.accuracy),
    accuracy_error: row.accuracyError,
    metrics: row.metrics === null ? null : textMetricsSchema.parse(row.metrics),
    status: row.status,
    success: completed,
    error_code: row.errorCode,
    error_message: row.errorMessage,
    input_prompt: row.inputPrompt,
    response_text: completed ? responseText : null,
  };
}

function toCost(cost: ExactCost | null): GovernanceLog['cost'] {
  return cost === null ? null : { input_cost: Number(cost.input), output_cost: Number(cost.output), total_cost: Number(cost.total) };
}
