import type { Accuracy, ChatCompletionRequest, JudgeVerdict } from '@arbiter/shared';
import type { ModelCatalog } from '../catalog/model-catalog.js';
import type { PipelineServices } from '../pipeline/chat-completion.js';
import type { ConcurrencyLimit } from './concurrency-limit.js';
import { sumDecimals } from './decimal-sum.js';
import { executeChat, type AnalysisCaller } from './execute-chat.js';
import { qualifiedNameOf } from './model-spec.js';
import { parseGrade, type ParseResult } from './parse-judge-output.js';
import { buildGradingInstructions, type ResolvedTemplate } from './prompt-templates.js';

/** What a judge call needs: the pipeline (judges are model calls like any other), its limits and the request's signal. */
export interface JudgeEnvironment {
  pipeline: PipelineServices;
  catalog: ModelCatalog;
  caller: AnalysisCaller;
  limit: ConcurrencyLimit;
  signal: AbortSignal;
  timeoutMs: number;
  maxOutputTokens: number;
}

export interface JsonAnswer<T> {
  value: T | null;
  error: string | null;
  attempts: number;
  latencyMs: number;
  /** USD of every call made (exact decimals summed); null when no call had a known price. */
  costUsd: number | null;
}

type Messages = ChatCompletionRequest['messages'];

/**
 * Asks a judge for a JSON verdict: a malformed reply is shown back to the judge once with the format restated; a
 * second malformed reply, an upstream error or the deadline (both attempts together) is an error, never a throw.
 */
export async function askForJson<T>(
  environment: JudgeEnvironment,
  judge: string,
  messages: Messages,
  parse: (text: string) => ParseResult<T>,
  format: string,
): Promise<JsonAnswer<T>> {
  const started = performance.now();
  const costs: string[] = [];
  const finish = (value: T | null, error: string | null, attempts: number): JsonAnswer<T> => ({
    value,
    error,
    attempts,
    latencyMs: Math.round(performance.now() - started),
    costUsd: costs.length === 0 ? null : sumDecimals(costs),
  });
  let conversation = messages;
  for (let attempt = 1; attempt <= 2; attempt++) {
    const remainingMs = environment.timeoutMs - (performance.now() - started);
    if (remainingMs <= 0) return finish(null, `judge ${judge} did not answer within ${environment.timeoutMs} ms`, attempt - 1);
    const execution = await environment.limit.run(() =>
      executeChat(
        environment.pipeline,
        environment.caller,
        {
          model: judge,
          messages: conversation,
          temperature: 0,
          maxTokens: environment.maxOutputTokens,
          timeoutMs: remainingMs,
          timeoutMessage: `judge ${judge} did not answer within ${environment.timeoutMs} ms`,
        },
        environment.signal,
      ),
    );
    if (execution.cost !== null) costs.push(execution.cost.total);
    if (execution.status === 'failed') return finish(null, `judge ${judge}: ${execution.error?.message ?? 'failed'}`, attempt);
    const reply = execution.text ?? '';
    const parsed = parse(reply);
    if (parsed.ok) return finish(parsed.value, null, attempt);
    if (attempt === 2) return finish(null, `judge ${judge} returned malformed output twice (${parsed.reason})`, attempt);
    conversation = [
      ...conversation,
      { role: 'assistant', content: reply },
      { role: 'user', content: `That reply could not be used (${parsed.reason}). Reply again with only the JSON object: ${format}` },
    ];
  }
  return finish(null, `judge ${judge} gave no verdict`, 2);
}

export interface GradingInput {
  query: string;
  answer: string;
  reference: string | undefined;
  template: ResolvedTemplate;
  /** `<provider>/<model>` that wrote the answer, to flag a judge grading itself. */
  answeredBy: string | null;
}

/** One judge grades one answer, alone and with the rubric (no other answer in view: no position bias). */
export async function gradeAnswer(environment: JudgeEnvironment, judge: string, input: GradingInput): Promise<JudgeVerdict> {
  const reference = input.reference === undefined ? '' : `\n\nReference answer (guidance from the requester):\n<reference>\n${input.reference}\n</reference>`;
  const messages: Messages = [
    { role: 'system', content: buildGradingInstructions(input.template) },
    { role: 'user', content: `Question:\n<question>\n${input.query}\n</question>${reference}\n\nAnswer to grade:\n<answer>\n${input.answer}\n</answer>` },
  ];
  const judgeName = qualifiedNameOf(environment.catalog, judge);
  const answer = await askForJson(environment, judge, messages, parseGrade, '{"score": <0..1>, "rationale": "<text>"}');
  return {
    evaluator_model: judge,
    score: answer.value?.score ?? null,
    rationale: answer.value?.rationale ?? null,
    error: answer.error,
    self_judged: judgeName !== null && judgeName === input.answeredBy,
    attempts: answer.attempts,
    latency_ms: answer.latencyMs,
    cost_usd: answer.costUsd,
  };
}

export interface PanelResult {
  accuracy: Accuracy | null;
  /** Why there is no accuracy: every judge failed, each with its reason. */
  error: string | null;
  verdicts: JudgeVerdict[];
}

/** A panel grades concurrently; the score is the mean of the judges that gave one, with the spread recorded. */
export async function evaluatePanel(environment: JudgeEnvironment, judges: readonly string[], input: GradingInput): Promise<PanelResult> {
  const verdicts = await Promise.all(judges.map((judge) => gradeAnswer(environment, judge, input)));
  return { ...aggregateVerdicts(verdicts, input.template.version), verdicts };
}

export function aggregateVerdicts(verdicts: readonly JudgeVerdict[], rubricVersion: string): Omit<PanelResult, 'verdicts'> {
  const scored = verdicts.filter((verdict): verdict is JudgeVerdict & { score: number; rationale: string } => verdict.score !== null && verdict.rationale !== null);
  if (scored.length === 0) {
    return { accuracy: null, error: verdicts.map((verdict) => verdict.error ?? `${verdict.evaluator_model}: no verdict`).join('; ') };
  }
  const scores = scored.map((verdict) => verdict.score);
  const mean = scores.reduce((sum, score) => sum + score, 0) / scores.length;
  const rationale = scored.length === 1 ? (scored[0]?.rationale ?? '') : scored.map((verdict) => `[${verdict.evaluator_model}] ${verdict.rationale}`).join('\n');
  return {
    accuracy: {
      score: round(mean),
      rationale,
      evaluator_model: scored.map((verdict) => verdict.evaluator_model).join(', '),
      spread: round(Math.max(...scores) - Math.min(...scores)),
      self_judged: scored.some((verdict) => verdict.self_judged),
      rubric_version: rubricVersion,
      judges: [...verdicts],
    },
    error: null,
  };
}

function round(value: number): number {
  return Math.round(value * 1e6) / 1e6;
}
