import { z } from 'zod';
import type { GuardrailDirection } from '../policy.js';
import { runGuardrails, strongestAction, type CompiledPolicy, type GuardrailResult, type GuardrailRun, type RunGuardrailsOptions } from '../run-guardrails.js';
import type { SelfCheckComplete, SelfCheckResult } from './run-self-check.js';
import { selfCheckGuardrailId, selfCheckUnavailableType, type CompiledSelfCheck, type SelfCheckAction, type SelfCheckDetection } from './self-check-stage.js';

export interface SelfCheckedRun {
  /** The test endpoint's contract, the self-check's result last among `results` when it ran. */
  run: GuardrailRun;
  /** The self-check's own outcome (verdict, reason, cost, latency) for metering and logs; null when it did not run. */
  selfCheck: SelfCheckResult | null;
}

export interface RunGuardrailsWithSelfCheckOptions extends RunGuardrailsOptions {
  /** The request's metered chat call. */
  complete: SelfCheckComplete;
  signal?: AbortSignal;
}

/**
 * The synchronous detectors, then the policy's self-check when it has one for this direction. The model reviews the
 * text after the detectors' redactions (identifiers the policy redacts never reach it), and is not called at all when
 * a detector already blocked and `stopOnBlock` is set: a blocked request should not cost a model call.
 */
export async function runGuardrailsWithSelfCheck(policy: CompiledPolicy, text: string, options: RunGuardrailsWithSelfCheckOptions): Promise<SelfCheckedRun> {
  const run = runGuardrails(policy, text, options);
  const selfCheck = policy.selfCheck;
  const direction = options.direction ?? 'input';
  if (selfCheck === undefined || !selfCheckWanted(policy, direction, options.guardrails)) return { run, selfCheck: null };
  if (run.action === 'block' && options.stopOnBlock === true) return { run, selfCheck: null };
  const { result, outcome } = await runSelfCheckGuardrail(selfCheck, text, direction, {
    complete: options.complete,
    reviewText: run.redacted_text,
    signal: options.signal,
  });
  const results = [...run.results, result];
  return {
    run: { action: strongestAction(results.map((entry) => entry.action)), redacted_text: run.redacted_text, results },
    selfCheck: outcome,
  };
}

/** Whether the policy's self-check runs for this direction: its action is not `allow`, or the caller names it. */
export function selfCheckWanted(policy: CompiledPolicy, direction: GuardrailDirection, guardrails?: readonly string[]): boolean {
  const selfCheck = policy.selfCheck;
  if (selfCheck === undefined) return false;
  return guardrails === undefined ? selfCheck.actions[direction] !== 'allow' : guardrails.includes(selfCheckGuardrailId);
}

/**
 * The test endpoint's `self_check`: the model's verdict with its reason, which is shown to the admin who asked and
 * never stored (a reason may paraphrase personal data in the text).
 */
export const selfCheckReportSchema = z.object({
  model: z.string(),
  verdict: z.enum(['yes', 'no', 'error']),
  reason: z.string().nullable(),
  error: z.string().nullable(),
  latency_ms: z.number(),
  cost_usd: z.string().nullable(),
});
export type SelfCheckReport = z.infer<typeof selfCheckReportSchema>;

export function buildSelfCheckReport(policy: CompiledPolicy, outcome: SelfCheckResult): SelfCheckReport {
  return {
    model: policy.selfCheck?.stage.params.model ?? '',
    verdict: outcome.verdict,
    reason: outcome.reason,
    error: outcome.error ?? null,
    latency_ms: outcome.latencyMs,
    cost_usd: outcome.costUsd,
  };
}

export interface RunSelfCheckGuardrailOptions {
  complete: SelfCheckComplete;
  /** What the model is shown when it differs from `text` (the detectors' redactions applied). */
  reviewText?: string;
  signal?: AbortSignal;
}

/** The self-check on one text, as a guardrail result (what the audit trail keeps) and its full outcome (what it cost). */
export async function runSelfCheckGuardrail(
  selfCheck: CompiledSelfCheck,
  text: string,
  direction: GuardrailDirection,
  options: RunSelfCheckGuardrailOptions,
): Promise<{ result: GuardrailResult; outcome: SelfCheckResult }> {
  const detection = await selfCheck.stage.check(text, direction, options.complete, { reviewText: options.reviewText, signal: options.signal });
  return { result: buildSelfCheckGuardrailResult(detection, selfCheck.actions[direction], text.length), outcome: detection.result };
}

/**
 * A verdict over the threshold takes the configured action; so does a fail-closed error (`on_error: block`, finding
 * SELF_CHECK_UNAVAILABLE). A fail-open error lets the text through but is flagged with that finding, so the audit
 * trail shows which texts passed unchecked.
 */
export function buildSelfCheckGuardrailResult(detection: SelfCheckDetection, configured: SelfCheckAction, textLength: number): GuardrailResult {
  const base: Pick<GuardrailResult, 'guardrail' | 'score'> = { guardrail: selfCheckGuardrailId, score: detection.score };
  if (detection.triggered) return { ...base, triggered: true, action: configured, findings: detection.findings };
  if (detection.result.verdict === 'error') {
    return { ...base, triggered: true, action: configured === 'allow' ? 'allow' : 'flag', findings: [{ type: selfCheckUnavailableType, start: 0, end: textLength, score: 0 }] };
  }
  return { ...base, triggered: false, action: 'allow', findings: [] };
}
