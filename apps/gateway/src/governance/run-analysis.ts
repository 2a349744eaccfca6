import { randomUUID } from 'node:crypto';
import {
  GatewayError,
  type AnalyzeBatchRequest,
  type AnalyzeBatchResponse,
  type ChatCompletionRequest,
  type GovernanceConfig,
  type GovernanceLog,
  type ModelSpec,
  type PairwiseComparison,
} from '@arbiter/shared';
import type { ModelCatalog } from '../catalog/model-catalog.js';
import type { Database } from '../db/database.js';
import type { PipelineServices } from '../pipeline/chat-completion.js';
import { summarizeBatch } from './batch-summary.js';
import { ConcurrencyLimit } from './concurrency-limit.js';
import { executeChat, type AnalysisCaller, type ExactCost } from './execute-chat.js';
import { buildGovernanceLog } from './governance-log.js';
import { findConversation, recordAnswer, saveComparisons, startTurn, type PriorTurn } from './history-store.js';
import { evaluatePanel, type JudgeEnvironment } from './judge.js';
import { describeModelTarget, formatModelSpec, toJudgeModel, toPipelineModel } from './model-spec.js';
import { compareAnswers, type ComparedAnswer } from './pairwise.js';
import type { PromptTemplates, ResolvedTemplate } from './prompt-templates.js';
import { computeTextMetrics } from './text-metrics.js';

export interface GovernanceServices {
  pipeline: PipelineServices;
  catalog: ModelCatalog;
  database: Database;
  config: GovernanceConfig;
  templates: PromptTemplates;
}

/** An analysis whose query is stored and whose conversation exists: what remains is running the models. */
export interface PreparedAnalysis {
  request: AnalyzeBatchRequest;
  caller: AnalysisCaller;
  template: ResolvedTemplate;
  judges: string[];
  conversationId: string;
  userMessageId: string;
  priorTurns: PriorTurn[];
  startedMs: number;
}

export interface AnalysisObserver {
  /** Each model's log as soon as it is judged and stored (completion order). */
  onResult?(log: GovernanceLog): Promise<void>;
  onComparison?(comparison: PairwiseComparison): Promise<void>;
}

/** Validates the request and stores the query. Every error here comes before any model runs (and before SSE opens). */
export async function prepareAnalysis(services: GovernanceServices, request: AnalyzeBatchRequest, caller: AnalysisCaller): Promise<PreparedAnalysis> {
  const startedMs = performance.now();
  if (request.models.length > services.config.max_models) {
    throw new GatewayError('invalid_request', {
      message: `At most ${services.config.max_models} models per analysis (governance.max_models); got ${request.models.length}.`,
      param: 'models',
    });
  }
  const template = services.templates.resolve(await resolveContext(services, request, caller));
  const judges = (request.judges ?? services.config.judge.models).map(toJudgeModel);
  const turn = await startTurn(services.database, {
    tenantId: caller.principal.tenantId,
    traceId: caller.requestId,
    query: request.query,
    governanceContext: template.context,
    conversationId: request.conversation_id,
  });
  return { request, caller, template, judges, ...turn, startedMs };
}

/** The request's context; a follow-up without one continues in its conversation's context. */
async function resolveContext(services: GovernanceServices, request: AnalyzeBatchRequest, caller: AnalysisCaller): Promise<string> {
  if (request.governance_context !== undefined) return request.governance_context;
  if (request.conversation_id === undefined) return 'general';
  const conversation = await findConversation(services.database, caller.principal.tenantId, request.conversation_id);
  if (conversation === null) throw new GatewayError('not_found', { message: `No conversation '${request.conversation_id}'.`, param: 'conversation_id' });
  return conversation.governanceContext;
}

/**
 * Runs every model concurrently (up to governance.max_concurrency calls in flight), each under its own deadline;
 * judges each answer as it arrives, stores it, and tells the observer. One model failing is that model's FAILED log;
 * only a failure to store history fails the analysis.
 */
export async function runAnalysis(services: GovernanceServices, prepared: PreparedAnalysis, signal: AbortSignal, observer: AnalysisObserver = {}): Promise<AnalyzeBatchResponse> {
  const batch = new AbortController();
  const combined = AbortSignal.any([signal, batch.signal]);
  const limit = new ConcurrencyLimit(services.config.max_concurrency);
  const judging: JudgeEnvironment = {
    pipeline: services.pipeline,
    catalog: services.catalog,
    caller: prepared.caller,
    limit,
    signal: combined,
    timeoutMs: services.config.judge.timeout_ms,
    maxOutputTokens: services.config.judge.max_output_tokens,
  };
  const results: GovernanceLog[] = [];
  let evaluationCost = 0;
  try {
    await Promise.all(
      prepared.request.models.map(async (spec, index) => {
        const analysed = await analyzeModel(services, prepared, spec, limit, judging, combined);
        evaluationCost += analysed.evaluationCost;
        await recordAnswer(services.database, prepared.caller.principal.tenantId, prepared.userMessageId, analysed.log, analysed.exactCost);
        results[index] = analysed.log;
        await observer.onResult?.(analysed.log);
      }),
    );
    let comparisons: PairwiseComparison[] = [];
    if (prepared.request.pairwise) {
      const compared = await compareAll(judging, prepared, results, observer);
      comparisons = compared.comparisons;
      evaluationCost += compared.costUsd;
      await saveComparisons(services.database, prepared.userMessageId, comparisons);
    }
    return {
      conversation_id: prepared.conversationId,
      trace_id: prepared.caller.requestId,
      results,
      summary: summarizeBatch(results, evaluationCost, performance.now() - prepared.startedMs),
      comparisons,
    };
  } catch (error) {
    // History could not be stored: stop the calls still running rather than spend on answers that cannot be kept.
    batch.abort(error);
    throw error;
  }
}

async function analyzeModel(
  services: GovernanceServices,
  prepared: PreparedAnalysis,
  spec: ModelSpec,
  limit: ConcurrencyLimit,
  judging: JudgeEnvironment,
  signal: AbortSignal,
): Promise<{ log: GovernanceLog; exactCost: ExactCost | null; evaluationCost: number }> {
  const { request, template } = prepared;
  const key = formatModelSpec(spec);
  const model = toPipelineModel(spec);
  const target = describeModelTarget(services.catalog, model, spec.host_platform);
  const timeoutMs = request.timeout_ms ?? services.config.model_timeouts[key] ?? services.config.model_timeout_ms;
  const execution = await limit.run(() =>
    executeChat(
      services.pipeline,
      prepared.caller,
      { model, messages: buildModelMessages(template.system, prepared.priorTurns, key, request.query), timeoutMs, timeoutMessage: `${key} did not answer within ${timeoutMs} ms` },
      signal,
    ),
  );
  let accuracy: GovernanceLog['accuracy'] = null;
  let accuracyError: string | null = 'not evaluated: the model did not answer';
  let evaluationCost = 0;
  let metrics: GovernanceLog['metrics'] = null;
  if (execution.status === 'completed' && execution.text !== null) {
    if (request.reference_answer !== undefined) metrics = computeTextMetrics(execution.text, request.reference_answer);
    if (request.evaluate) {
      const panel = await evaluatePanel(judging, prepared.judges, {
        query: request.query,
        answer: execution.text,
        reference: request.reference_answer,
        template,
        answeredBy: execution.servedBy ?? target.qualifiedName,
      });
      accuracy = panel.accuracy;
      accuracyError = panel.error;
      evaluationCost = panel.verdicts.reduce((sum, verdict) => sum + (verdict.cost_usd ?? 0), 0);
    } else {
      accuracyError = 'not evaluated: evaluate is false';
    }
  }
  const log = buildGovernanceLog({
    id: randomUUID(),
    traceId: prepared.caller.requestId,
    conversationId: prepared.conversationId,
    provider: target.provider,
    spec,
    template,
    query: request.query,
    execution,
    accuracy,
    accuracyError,
    metrics,
  });
  return { log, exactCost: execution.cost, evaluationCost };
}

/** The context's system prompt, then this model's own earlier turns of the conversation, then the query. */
export function buildModelMessages(system: string, priorTurns: readonly PriorTurn[], modelKey: string, query: string): ChatCompletionRequest['messages'] {
  const messages: ChatCompletionRequest['messages'] = [{ role: 'system', content: system }];
  for (const turn of priorTurns) {
    const answer = turn.answers.get(modelKey);
    // A turn this model did not answer is left out: providers require user and assistant turns to alternate.
    if (answer === undefined) continue;
    messages.push({ role: 'user', content: turn.query }, { role: 'assistant', content: answer });
  }
  messages.push({ role: 'user', content: query });
  return messages;
}

/** Every two completed answers, compared in both orders by the panel's first judge. */
async function compareAll(
  judging: JudgeEnvironment,
  prepared: PreparedAnalysis,
  results: readonly GovernanceLog[],
  observer: AnalysisObserver,
): Promise<{ comparisons: PairwiseComparison[]; costUsd: number }> {
  const answers: ComparedAnswer[] = results
    .filter((log) => log.success && log.response_text !== null)
    .map((log) => ({ id: log.id, model: formatModelSpec(log), text: log.response_text ?? '' }));
  const judge = prepared.judges[0];
  if (judge === undefined) return { comparisons: [], costUsd: 0 };
  const pairs: Array<[ComparedAnswer, ComparedAnswer]> = [];
  for (const [index, a] of answers.entries()) for (const b of answers.slice(index + 1)) pairs.push([a, b]);
  let costUsd = 0;
  const comparisons = await Promise.all(
    pairs.map(async ([a, b]) => {
      const compared = await compareAnswers(judging, judge, prepared.template, prepared.request.query, a, b);
      costUsd += compared.costUsd;
      await observer.onComparison?.(compared.comparison);
      return compared.comparison;
    }),
  );
  return { comparisons, costUsd };
}
