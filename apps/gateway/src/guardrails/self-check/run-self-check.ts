import { roundScore } from '../detector.js';
import type { GuardrailDirection } from '../policy.js';
import { buildSelfCheckPrompt, type SelfCheckMessage } from './build-self-check-prompt.js';
import { parseSelfCheckAnswer } from './parse-self-check-answer.js';
import type { SelfCheckParams } from './self-check-params.js';

/** The chat call the self-check makes. The caller's implementation goes through the gateway pipeline and meters it. */
export interface SelfCheckCompletionRequest {
  model: string;
  messages: SelfCheckMessage[];
  max_tokens: number;
  temperature: 0;
  response_format?: { type: 'json_object' };
  /** Aborted at `timeout_ms` (or when the caller's own signal aborts): the call should stop and stop costing. */
  signal: AbortSignal;
}

export interface SelfCheckCompletion {
  text: string;
  /** What the call cost as the pipeline metered it; null when unknown (no price, nothing metered). */
  costUsd: string | null;
}

export type SelfCheckComplete = (request: SelfCheckCompletionRequest) => Promise<SelfCheckCompletion>;

export interface SelfCheckResult {
  /** `score >= threshold` for a verdict; `on_error === 'block'` for an error. */
  triggered: boolean;
  /** 0..1, how likely a violation is by the model's own confidence; 1 or 0 (fail closed or open) on error. */
  score: number;
  /** The model's one-sentence reason (may paraphrase the text under review: keep it out of audit records). */
  reason: string | null;
  verdict: 'yes' | 'no' | 'error';
  /** Why there is no verdict: timeout, upstream error or an unparseable answer. */
  error?: string;
  costUsd: string | null;
  latencyMs: number;
}

export interface RunSelfCheckOptions {
  /** The request's own signal (client gone, request deadline): aborts the check like the timeout does. */
  signal?: AbortSignal;
  /** Random part of the boundary marker (tests). */
  createToken?: () => string;
}

/**
 * Asks the configured model whether `text` violates the policy for `direction`. Never throws for a failed call: a
 * timeout, an upstream error or an unparseable answer is verdict `error`, triggered when the policy fails closed.
 */
export async function runSelfCheck(
  params: SelfCheckParams,
  text: string,
  direction: GuardrailDirection,
  complete: SelfCheckComplete,
  options: RunSelfCheckOptions = {},
): Promise<SelfCheckResult> {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  // Nothing to judge: no call, no cost.
  if (text.trim() === '') return { triggered: false, score: 0, reason: null, verdict: 'no', costUsd: null, latencyMs: elapsed() };
  const prompt = buildSelfCheckPrompt(params, text, direction, { createToken: options.createToken });
  const deadline = new AbortController();
  const timer = setTimeout(() => deadline.abort(new Error(`self-check timed out after ${params.timeout_ms} ms`)), params.timeout_ms);
  const signal = options.signal === undefined ? deadline.signal : AbortSignal.any([options.signal, deadline.signal]);
  let completion: SelfCheckCompletion;
  try {
    const request: SelfCheckCompletionRequest = {
      model: params.model,
      messages: prompt.messages,
      max_tokens: params.max_tokens,
      temperature: 0,
      ...(params.json_mode ? { response_format: { type: 'json_object' as const } } : {}),
      signal,
    };
    // Settled at the deadline even if `complete` ignores the signal: the hot path waits no longer than `timeout_ms`.
    completion = await settleBeforeAbort(complete(request), signal);
  } catch (error) {
    // The boundary where a failed check becomes the policy's fail-open or fail-closed answer.
    return failed(params, describeFailure(error, signal), null, elapsed());
  } finally {
    clearTimeout(timer);
  }
  const parsed = parseSelfCheckAnswer(completion.text);
  if (!parsed.ok) return failed(params, `unparseable self-check answer: ${parsed.problem}`, completion.costUsd, elapsed());
  const confidence = parsed.confidence ?? 1;
  const score = roundScore(parsed.violation ? confidence : 1 - confidence);
  return {
    triggered: score > 0 && score >= params.threshold,
    score,
    reason: parsed.reason,
    verdict: parsed.violation ? 'yes' : 'no',
    costUsd: completion.costUsd,
    latencyMs: elapsed(),
  };
}

function failed(params: SelfCheckParams, error: string, costUsd: string | null, latencyMs: number): SelfCheckResult {
  const triggered = params.on_error === 'block';
  return { triggered, score: triggered ? 1 : 0, reason: null, verdict: 'error', error, costUsd, latencyMs };
}

function describeFailure(error: unknown, signal: AbortSignal): string {
  // The abort reason says why (timeout or caller) better than the client's generic AbortError.
  const cause: unknown = signal.aborted ? signal.reason : error;
  if (cause instanceof Error) return cause.message;
  return signal.aborted ? 'self-check aborted' : `self-check failed: ${String(cause)}`;
}

/** The promise's outcome, or a rejection with the abort reason as soon as the signal fires. */
function settleBeforeAbort<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason instanceof Error ? signal.reason : new Error('self-check aborted'));
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason instanceof Error ? signal.reason : new Error('self-check aborted'));
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error instanceof Error ? error : new Error(String(error)));
      },
    );
  });
}
