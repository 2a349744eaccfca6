import {
  runGuardrails,
  strongestAction,
  type CompiledPolicy,
  type GuardrailResult,
  type GuardrailRun,
  type RunGuardrailsOptions,
} from '../run-guardrails.js';
import type { SelfCheckComplete, SelfCheckResult } from './run-self-check.js';
import { selfCheckGuardrailId, type CompiledSelfCheck } from './self-check-stage.js';

export interface SelfCheckGuardrailResult extends Omit<GuardrailResult, 'guardrail'> {
  guardrail: typeof selfCheckGuardrailId;
}

export interface SelfCheckedRun {
  /** The test endpoint's contract, the self-check's result last among `results` when it ran. */
  run: Omit<GuardrailRun, 'results'> & { results: Array<GuardrailResult | SelfCheckGuardrailResult> };
  /** The self-check's own outcome (verdict, reason, cost, latency) for metering and logs; null when it did not run. */
  selfCheck: SelfCheckResult | null;
}

export interface RunGuardrailsWithSelfCheckOptions extends RunGuardrailsOptions {
  /** The request's metered chat call. */
  complete: SelfCheckComplete;
  signal?: AbortSignal;
}

/**
 * The synchronous detectors, then the self-check when the policy has one for this direction. The model reviews the
 * text after the detectors' redactions (identifiers the policy redacts never reach it), and is not called at all when
 * a detector already blocked and `stopOnBlock` is set: a blocked request should not cost a model call.
 */
export async function runGuardrailsWithSelfCheck(
  policy: CompiledPolicy,
  selfCheck: CompiledSelfCheck | undefined,
  text: string,
  options: RunGuardrailsWithSelfCheckOptions,
): Promise<SelfCheckedRun> {
  const run = runGuardrails(policy, text, options);
  if (selfCheck === undefined) return { run, selfCheck: null };
  const direction = options.direction ?? 'input';
  const configured = selfCheck.actions[direction];
  const wanted = options.guardrails === undefined ? configured !== 'allow' : options.guardrails.includes(selfCheckGuardrailId);
  if (!wanted || (run.action === 'block' && options.stopOnBlock === true)) return { run, selfCheck: null };
  const detection = await selfCheck.stage.check(text, direction, options.complete, { reviewText: run.redacted_text, signal: options.signal });
  const result: SelfCheckGuardrailResult = {
    guardrail: selfCheckGuardrailId,
    triggered: detection.triggered,
    score: detection.score,
    action: detection.triggered ? configured : 'allow',
    findings: detection.findings,
  };
  const results = [...run.results, result];
  return {
    run: { action: strongestAction(results.map((entry) => entry.action)), redacted_text: run.redacted_text, results },
    selfCheck: detection.result,
  };
}
